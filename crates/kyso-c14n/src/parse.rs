//! Parsing untrusted XML for canonicalization, with bounded cost.
//!
//! roxmltree never fetches anything (external entities are only resolved by a
//! caller-supplied resolver, and [`parse()`] supplies none), rejects entity
//! reference loops and billion-laughs style nesting (at most 10 levels and 255
//! references per top-level reference), and can cap the node count. Two
//! amplifications remain that depend only on the input size, and [`parse()`]
//! bounds both with a cheap lexical pre-scan before parsing:
//!
//! * many references to one large internal entity (the "quadratic blowup");
//! * many elements re-declaring namespaces under many in-scope prefixes,
//!   since roxmltree stores the in-scope set of every declaring element.

use std::collections::HashSet;

use roxmltree::{Document, ParsingOptions};

use crate::error::Error;

/// Limits for [`parse()`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Accept a document type declaration (and its internal entities).
    /// Off by default: signed documents rarely need one and it is the usual
    /// vehicle of entity attacks. External entities are never resolved.
    pub allow_dtd: bool,
    /// Maximum number of nodes (elements, text, comments, PIs, attributes
    /// are not counted).
    pub max_nodes: u32,
    /// Maximum number of bytes internal entity references may add to the
    /// document, as bounded before parsing.
    pub max_expanded_len: u64,
    /// Maximum number of in-scope namespace bindings roxmltree may need to
    /// store, as bounded before parsing.
    pub max_namespace_bindings: u64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            allow_dtd: false,
            max_nodes: 10_000_000,
            max_expanded_len: 16 << 20,
            max_namespace_bindings: 16 << 20,
        }
    }
}

/// Parses `text` with roxmltree under `options`. Entity and character
/// references are expanded, CDATA sections become text, line ends and
/// attribute values are normalized: the XPath data model canonicalization is
/// defined on.
///
/// ```
/// let doc = kyso_c14n::parse("<a>&#x32;</a>", &kyso_c14n::ParseOptions::default())?;
/// assert_eq!(doc.root_element().text(), Some("2"));
/// let dtd = "<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>";
/// assert!(kyso_c14n::parse(dtd, &kyso_c14n::ParseOptions::default()).is_err());
/// # Ok::<(), kyso_c14n::Error>(())
/// ```
pub fn parse<'input>(text: &'input str, options: &ParseOptions) -> Result<Document<'input>, Error> {
    parse_with_resolver(text, options, None)
}

/// Like [`parse`], with a resolver for external parsed entities (given the
/// public and system identifiers, it returns the entity's text, or `None`
/// for an unknown one). The caller decides what may be read; the internal
/// subset's bounds apply as in [`parse`].
pub fn parse_with_resolver<'input>(
    text: &'input str,
    options: &ParseOptions,
    resolver: Option<&'input roxmltree::EntityResolver<'input>>,
) -> Result<Document<'input>, Error> {
    let bound = namespace_bound(text);
    if bound > options.max_namespace_bindings {
        return Err(Error::NamespaceLimit {
            bound,
            limit: options.max_namespace_bindings,
        });
    }
    if options.allow_dtd
        && let Some(subset) = internal_subset(text)
    {
        let body_start = text.find(subset).map_or(0, |i| i + subset.len());
        crate::dtd::check_entities(
            subset,
            text.get(body_start..).unwrap_or(""),
            options.max_expanded_len,
        )?;
    }
    if options.allow_dtd {
        let bound = expansion_bound(text);
        if bound > options.max_expanded_len {
            return Err(Error::ExpansionLimit {
                bound,
                limit: options.max_expanded_len,
            });
        }
    }
    let parsing = ParsingOptions {
        allow_dtd: options.allow_dtd,
        nodes_limit: options.max_nodes,
        entity_resolver: resolver,
    };
    Document::parse_with_options(text, parsing).map_err(|e| match e {
        roxmltree::Error::DtdDetected => Error::DtdNotAllowed,
        e => Error::Parse(e),
    })
}

/// Upper bound of the bytes entity references can add: every `&` may start
/// a top-level reference, each of which roxmltree lets expand into at most
/// 256 entity values, none longer than the longest quoted literal of the
/// internal subset.
fn expansion_bound(text: &str) -> u64 {
    let Some(subset) = internal_subset(text) else {
        return 0;
    };
    let longest = quoted_literals(subset).map(str::len).max().unwrap_or(0);
    let refs = text.bytes().filter(|&b| b == b'&').count();
    (refs as u64)
        .saturating_mul(256)
        .saturating_mul(longest as u64)
}

/// The internal subset of the document type declaration, if any.
pub(crate) fn internal_subset(text: &str) -> Option<&str> {
    let start = text.find("<!DOCTYPE")?;
    let rest = &text[start..];
    let mut quote = None;
    let mut open = None;
    for (i, c) in rest.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') if open.is_none() => open = Some(i + 1),
            (None, ']') => return open.map(|o| &rest[o..i]),
            (None, '>') if open.is_none() => return None,
            _ => {}
        }
    }
    // Unterminated: treat everything after '[' as the subset.
    open.map(|o| &rest[o..])
}

fn quoted_literals(subset: &str) -> impl Iterator<Item = &str> {
    let mut rest = subset;
    std::iter::from_fn(move || {
        let start = rest.find(['"', '\''])?;
        let quote = rest[start..].chars().next()?;
        let after = &rest[start + 1..];
        let end = after.find(quote).unwrap_or(after.len());
        let literal = &after[..end];
        rest = after.get(end + 1..).unwrap_or("");
        Some(literal)
    })
}

/// Upper bound of the namespace bindings roxmltree stores: every element that
/// declares a namespace stores its whole in-scope set, which has at most one
/// binding per distinct prefix. Every `xmlns` in the text counts as a
/// declaring element.
fn namespace_bound(text: &str) -> u64 {
    let mut declarations = 0u64;
    let mut prefixes: HashSet<&str> = HashSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("xmlns") {
        declarations += 1;
        rest = &rest[i + 5..];
        if let Some(after) = rest.strip_prefix(':') {
            let end = after
                .find(|c: char| c == '=' || c.is_ascii_whitespace())
                .unwrap_or(after.len());
            prefixes.insert(&after[..end]);
        }
    }
    declarations.saturating_mul(prefixes.len() as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(namespace_bound("<a/>"), 0);
        assert_eq!(
            namespace_bound("<a xmlns='u' xmlns:p='v'><b xmlns:p='w'/></a>"),
            6
        );
        assert_eq!(
            internal_subset("<!DOCTYPE a [<!ENTITY e ']>'>]><a/>"),
            Some("<!ENTITY e ']>'>")
        );
        assert_eq!(internal_subset("<!DOCTYPE a SYSTEM 'x'><a/>"), None);
        assert_eq!(
            expansion_bound("<!DOCTYPE a [<!ENTITY e 'xyz'>]><a>&e;&e;</a>"),
            2 * 256 * 3
        );
        assert_eq!(expansion_bound("<a>&amp;</a>"), 0);
    }
}
