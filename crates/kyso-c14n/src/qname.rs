//! Recovering the prefixes elements and attributes were written with.
//!
//! roxmltree resolves every name to (namespace URI, local name) and does not
//! keep the prefix, but the canonical form prints qualified names exactly as
//! written, and exclusive C14N decides which declarations to print from the
//! prefixes that are "visibly utilized". The prefix is read back from the
//! source text (roxmltree keeps byte ranges, also for markup that came from an
//! internal entity) and checked against the resolved name; if that fails, the
//! prefix is derived from the in-scope namespaces when it is unambiguous.

use roxmltree::{Attribute, Node};

use crate::error::Error;

/// The XML namespace, always bound to `xml`.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// The prefix of an element's name (`None` for an unprefixed name).
pub(crate) fn element_prefix<'a, 'input>(node: Node<'a, 'input>) -> Result<Option<&'a str>, Error> {
    let tag = node.tag_name();
    let uri = tag.namespace();
    let text = node.document().input_text();
    let written = text
        .get(node.range())
        .and_then(|s| s.strip_prefix('<'))
        .map(|s| {
            let end = s
                .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
                .unwrap_or(s.len());
            &s[..end]
        });
    if let Some(qname) = written {
        let (prefix, local) = split_qname(qname);
        if local == tag.name() {
            if prefix == Some("xml") && uri == Some(XML_NS) {
                return Ok(prefix);
            }
            let bound = node.lookup_namespace_uri(prefix).filter(|u| !u.is_empty());
            if bound == uri {
                return Ok(prefix);
            }
        }
    }
    // Fallback: the source text does not show the name (entity from an
    // external resolver, or markup produced by character references).
    let Some(uri) = uri else {
        return Ok(None);
    };
    unique_prefix(node, uri, true).ok_or_else(|| Error::UnresolvedPrefix {
        name: tag.name().to_owned(),
    })
}

/// The prefix of an attribute's name (`None` for a name without namespace).
pub(crate) fn attribute_prefix<'a, 'input>(
    node: Node<'a, 'input>,
    attr: &Attribute<'a, 'input>,
) -> Result<Option<&'a str>, Error> {
    let Some(uri) = attr.namespace() else {
        return Ok(None);
    };
    if uri == XML_NS {
        return Ok(Some("xml"));
    }
    if let Some(qname) = node.document().input_text().get(attr.range_qname()) {
        let (prefix, local) = split_qname(qname);
        if let Some(p) = prefix
            && local == attr.name()
            && node.lookup_namespace_uri(Some(p)) == Some(uri)
        {
            return Ok(Some(p));
        }
    }
    unique_prefix(node, uri, false).ok_or_else(|| Error::UnresolvedPrefix {
        name: attr.name().to_owned(),
    })
}

fn split_qname(qname: &str) -> (Option<&str>, &str) {
    match qname.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, qname),
    }
}

/// The single in-scope prefix bound to `uri`, `Some(None)` for the default
/// namespace (allowed for elements only), or `None` if there is no or more
/// than one candidate.
fn unique_prefix<'a>(
    node: Node<'a, '_>,
    uri: &str,
    allow_default: bool,
) -> Option<Option<&'a str>> {
    let mut found = None;
    for ns in node.namespaces() {
        if ns.uri() != uri || (ns.name().is_none() && !allow_default) {
            continue;
        }
        if found.is_some() {
            return None;
        }
        found = Some(ns.name());
    }
    found
}
