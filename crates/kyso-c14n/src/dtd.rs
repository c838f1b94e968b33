//! A small, bounded reader of the internal DTD subset, for what Canonical XML
//! needs from it and roxmltree does not apply (C14N 1.0 §3.3, §3.4):
//!
//! * default and `#FIXED` attribute values declared by `<!ATTLIST>`, added to
//!   elements that do not carry the attribute;
//! * attribute-value normalization by declared type: attributes declared with
//!   a type other than `CDATA` have leading and trailing spaces removed and
//!   runs of spaces collapsed (XML 1.0 §3.3.3).
//!
//! Internal general entities (`<!ENTITY name "value">`) are read too, to
//! expand references inside default values; their expansion is bounded in
//! depth ([`MAX_ENTITY_DEPTH`]) and size ([`MAX_EXPANDED_LEN`]). Nothing
//! external is ever read: external entities, parameter entities and the
//! external subset are ignored here (roxmltree rejects references to external
//! entities while parsing).
//!
//! The reader only runs for documents that have an internal subset.

use std::collections::HashMap;

use roxmltree::{Document, Node};

use crate::error::Error;
use crate::qname::XML_NS;

/// Maximum nesting of entity references inside an expanded default value.
pub const MAX_ENTITY_DEPTH: usize = 8;
/// Maximum length of one expanded default attribute value, in bytes.
pub const MAX_EXPANDED_LEN: usize = 1 << 20;
/// Maximum number of declarations read from one internal subset.
const MAX_DECLARATIONS: usize = 100_000;

/// One `<!ATTLIST>` attribute definition.
#[derive(Clone, Debug)]
struct AttDef<'t> {
    /// Attribute name as written (`attr`, `a:attr`, `xml:lang`).
    name: &'t str,
    /// Declared with a type other than `CDATA`.
    tokenized: bool,
    /// Declared with type `ID`.
    id: bool,
    /// The normalized default (or `#FIXED`) value, if any.
    default: Option<String>,
}

/// What the internal subset declares, as far as canonicalization cares.
#[derive(Debug, Default)]
pub(crate) struct Dtd<'t> {
    /// Attribute definitions by element name as written; the first definition
    /// of an attribute wins (XML 1.0 §3.3).
    attlists: HashMap<&'t str, Vec<AttDef<'t>>>,
    /// Internal general entities: name and literal value (the first
    /// declaration wins).
    entities: HashMap<&'t str, &'t str>,
}

/// A default attribute to add to an element.
pub(crate) struct DefaultAttr<'d> {
    pub(crate) prefix: Option<&'d str>,
    pub(crate) uri: Option<&'d str>,
    pub(crate) local: &'d str,
    pub(crate) value: &'d str,
}

impl<'t> Dtd<'t> {
    /// Reads the internal subset of `doc`, if it has one with attribute
    /// declarations; `Ok(None)` costs one scan of the prolog.
    pub(crate) fn of(doc: &Document<'t>) -> Result<Option<Dtd<'t>>, Error> {
        let text = doc.input_text();
        let prolog_end = doc.root_element().range().start;
        let Some(prolog) = text.get(..prolog_end) else {
            return Ok(None);
        };
        let Some(subset) = crate::parse::internal_subset(prolog) else {
            return Ok(None);
        };
        if !subset.contains("<!ATTLIST") {
            return Ok(None);
        }
        let dtd = read(subset)?;
        Ok(if dtd.attlists.is_empty() {
            None
        } else {
            Some(dtd)
        })
    }

    fn defs(&self, node: Node<'_, '_>, element_prefix: Option<&str>) -> Option<&[AttDef<'t>]> {
        let local = node.tag_name().name();
        let defs = match element_prefix {
            None => self.attlists.get(local)?,
            Some(p) => {
                let mut name = String::with_capacity(p.len() + 1 + local.len());
                name.push_str(p);
                name.push(':');
                name.push_str(local);
                self.attlists.get(name.as_str())?
            }
        };
        Some(defs)
    }

    /// Whether the attribute written `prefix:local` of `node` is declared
    /// with a tokenized (non-`CDATA`) type.
    pub(crate) fn is_tokenized(
        &self,
        node: Node<'_, '_>,
        element_prefix: Option<&str>,
        prefix: Option<&str>,
        local: &str,
    ) -> bool {
        self.defs(node, element_prefix).is_some_and(|defs| {
            defs.iter()
                .find(|d| qname_is(d.name, prefix, local))
                .is_some_and(|d| d.tokenized)
        })
    }

    /// Whether the attribute written `prefix:local` of `node` is declared
    /// with type `ID`.
    pub(crate) fn is_id(
        &self,
        node: Node<'_, '_>,
        element_prefix: Option<&str>,
        prefix: Option<&str>,
        local: &str,
    ) -> bool {
        self.defs(node, element_prefix).is_some_and(|defs| {
            defs.iter()
                .find(|d| qname_is(d.name, prefix, local))
                .is_some_and(|d| d.id)
        })
    }

    /// The declared defaults `node` does not carry. Defaulted namespace
    /// declarations (`xmlns`, `xmlns:p`) and prefixed names whose prefix is
    /// not in scope are skipped.
    pub(crate) fn defaults<'d>(
        &'d self,
        node: Node<'d, '_>,
        element_prefix: Option<&str>,
        out: &mut Vec<DefaultAttr<'d>>,
    ) {
        let Some(defs) = self.defs(node, element_prefix) else {
            return;
        };
        for (i, def) in defs.iter().enumerate() {
            let Some(value) = def.default.as_deref() else {
                continue;
            };
            // The first definition of a name wins.
            if defs
                .get(..i)
                .is_some_and(|before| before.iter().any(|d| d.name == def.name))
            {
                continue;
            }
            let (prefix, local) = match def.name.split_once(':') {
                Some((p, l)) => (Some(p), l),
                None => (None, def.name),
            };
            if prefix == Some("xmlns") || (prefix.is_none() && local == "xmlns") {
                continue;
            }
            let uri = match prefix {
                None => None,
                Some("xml") => Some(XML_NS),
                Some(p) => match node.lookup_namespace_uri(Some(p)) {
                    Some(u) => Some(u),
                    None => continue,
                },
            };
            let present = node
                .attributes()
                .any(|a| a.namespace() == uri && a.name() == local);
            if !present {
                out.push(DefaultAttr {
                    prefix,
                    uri,
                    local,
                    value,
                });
            }
        }
    }
}

fn qname_is(name: &str, prefix: Option<&str>, local: &str) -> bool {
    match (name.split_once(':'), prefix) {
        (Some((p, l)), Some(q)) => p == q && l == local,
        (None, None) => name == local,
        _ => false,
    }
}

/// Attribute-value normalization for a tokenized type: trim and collapse
/// spaces (#x20 only; other whitespace here came from character references).
pub(crate) fn collapse(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for token in value.split(' ').filter(|t| !t.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    }
    out
}

/// A cursor over the internal subset.
struct Reader<'t> {
    rest: &'t str,
}

impl<'t> Reader<'t> {
    fn skip_ws(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t', '\r', '\n']);
    }

    fn eat(&mut self, s: &str) -> bool {
        match self.rest.strip_prefix(s) {
            Some(r) => {
                self.rest = r;
                true
            }
            None => false,
        }
    }

    fn name(&mut self) -> Result<&'t str, Error> {
        let end = self
            .rest
            .find(|c: char| {
                c.is_ascii_whitespace()
                    || matches!(
                        c,
                        '>' | '"' | '\'' | '(' | ')' | '|' | '%' | ';' | '[' | ']'
                    )
            })
            .unwrap_or(self.rest.len());
        if end == 0 {
            return Err(dtd_error("a name was expected"));
        }
        let (name, rest) = self.rest.split_at(end);
        self.rest = rest;
        Ok(name)
    }

    fn literal(&mut self) -> Result<&'t str, Error> {
        let quote = match self.rest.chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => return Err(dtd_error("a quoted value was expected")),
        };
        let after = self.rest.get(1..).unwrap_or("");
        let end = after
            .find(quote)
            .ok_or_else(|| dtd_error("unterminated quoted value"))?;
        let (value, rest) = after.split_at(end);
        self.rest = rest.get(1..).unwrap_or("");
        Ok(value)
    }

    /// Skips to after the `>` closing the current declaration, over quoted
    /// strings.
    fn skip_decl(&mut self) -> Result<(), Error> {
        let mut quote = None;
        for (i, c) in self.rest.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '>') => {
                    self.rest = self.rest.get(i + 1..).unwrap_or("");
                    return Ok(());
                }
                _ => {}
            }
        }
        Err(dtd_error("unterminated declaration"))
    }

    fn skip_past(&mut self, end: &str) -> Result<(), Error> {
        let i = self
            .rest
            .find(end)
            .ok_or_else(|| dtd_error("unterminated comment or processing instruction"))?;
        self.rest = self.rest.get(i + end.len()..).unwrap_or("");
        Ok(())
    }
}

fn dtd_error(what: &str) -> Error {
    Error::Dtd(what.to_owned())
}

/// Reads the declarations of an internal subset.
fn read(subset: &str) -> Result<Dtd<'_>, Error> {
    let mut r = Reader { rest: subset };
    let mut raw_attlists: Vec<(&str, &str, bool, bool, Option<&str>)> = Vec::new();
    let mut entities: HashMap<&str, &str> = HashMap::new();
    for _ in 0..MAX_DECLARATIONS {
        r.skip_ws();
        if r.rest.is_empty() {
            break;
        }
        if r.eat("<!--") {
            r.skip_past("-->")?;
        } else if r.eat("<?") {
            r.skip_past("?>")?;
        } else if r.eat("<!ATTLIST") {
            r.skip_ws();
            let element = r.name()?;
            loop {
                r.skip_ws();
                if r.eat(">") {
                    break;
                }
                let name = r.name()?;
                r.skip_ws();
                let mut id = false;
                let tokenized = if r.rest.starts_with('(') {
                    let end = r
                        .rest
                        .find(')')
                        .ok_or_else(|| dtd_error("unterminated enumeration"))?;
                    r.rest = r.rest.get(end + 1..).unwrap_or("");
                    true
                } else {
                    let ty = r.name()?;
                    if ty == "NOTATION" {
                        r.skip_ws();
                        let end = r
                            .rest
                            .find(')')
                            .ok_or_else(|| dtd_error("unterminated NOTATION type"))?;
                        r.rest = r.rest.get(end + 1..).unwrap_or("");
                    }
                    id = ty == "ID";
                    ty != "CDATA"
                };
                r.skip_ws();
                let default = if r.eat("#REQUIRED") || r.eat("#IMPLIED") {
                    None
                } else {
                    if r.eat("#FIXED") {
                        r.skip_ws();
                    }
                    Some(r.literal()?)
                };
                raw_attlists.push((element, name, tokenized, id, default));
            }
        } else if r.eat("<!ENTITY") {
            r.skip_ws();
            let parameter = r.eat("%");
            r.skip_ws();
            let name = r.name()?;
            r.skip_ws();
            if !parameter && (r.rest.starts_with('"') || r.rest.starts_with('\'')) {
                let value = r.literal()?;
                entities.entry(name).or_insert(value);
            }
            r.skip_decl()?;
        } else if r.eat("<!") {
            // ELEMENT, NOTATION, conditional sections are not in an internal
            // subset; skip the declaration.
            r.skip_decl()?;
        } else if r.eat("%") {
            // A parameter-entity reference: its declarations are not read.
            r.skip_past(";")?;
        } else {
            return Err(dtd_error("unexpected text in the internal subset"));
        }
    }
    if !r.rest.trim().is_empty() {
        return Err(dtd_error("too many declarations in the internal subset"));
    }
    let mut dtd = Dtd::default();
    for (element, name, tokenized, id, default) in raw_attlists {
        let default = match default {
            Some(raw) => {
                let mut value = String::new();
                normalize_into(raw, &entities, 0, &mut value)?;
                if tokenized {
                    value = collapse(&value);
                }
                Some(value)
            }
            None => None,
        };
        dtd.attlists.entry(element).or_default().push(AttDef {
            name,
            tokenized,
            id,
            default,
        });
    }
    dtd.entities = entities;
    Ok(dtd)
}

/// Bounds the entity expansion of a document with internal subset `subset`
/// before it is parsed: every internal entity expands to at most
/// [`MAX_EXPANDED_LEN`] bytes through at most [`MAX_ENTITY_DEPTH`] nested
/// references, and the references in `body` (the text after the subset)
/// expand to at most `total_limit` bytes together. A billion-laughs document
/// is refused here, before anything is expanded.
pub(crate) fn check_entities(subset: &str, body: &str, total_limit: u64) -> Result<(), Error> {
    if !subset.contains("<!ENTITY") {
        return Ok(());
    }
    let dtd = read(subset)?;
    // name -> (expanded length, nesting height)
    let mut memo: HashMap<&str, (u64, usize)> = HashMap::new();
    let mut total = 0u64;
    for name in references(body) {
        let (len, _) = entity_size(name, &dtd.entities, &mut memo, 1)?;
        total = total.saturating_add(len);
        if total > total_limit {
            return Err(Error::ExpansionLimit {
                bound: total,
                limit: total_limit,
            });
        }
    }
    Ok(())
}

/// The names of the general entity references `&name;` in `text` (character
/// references and the predefined entities left out).
fn references(text: &str) -> impl Iterator<Item = &str> {
    text.split('&').skip(1).filter_map(|after| {
        let name = after.get(..after.find(';')?)?;
        let predefined = matches!(name, "lt" | "gt" | "amp" | "apos" | "quot");
        (!name.is_empty()
            && !name.starts_with('#')
            && !predefined
            && !name.contains(char::is_whitespace))
        .then_some(name)
    })
}

/// The expanded length and nesting height of entity `name`, referenced at
/// `depth` (1 for a reference in the document).
fn entity_size<'t>(
    name: &'t str,
    entities: &HashMap<&'t str, &'t str>,
    memo: &mut HashMap<&'t str, (u64, usize)>,
    depth: usize,
) -> Result<(u64, usize), Error> {
    let depth_error = Error::EntityDepth {
        limit: MAX_ENTITY_DEPTH,
    };
    if depth > MAX_ENTITY_DEPTH {
        return Err(depth_error);
    }
    if let Some(&(len, height)) = memo.get(name) {
        if depth + height > MAX_ENTITY_DEPTH + 1 {
            return Err(depth_error);
        }
        return Ok((len, height));
    }
    // An external or undeclared entity: the parser refuses or resolves it.
    let Some(value) = entities.get(name) else {
        return Ok((0, 1));
    };
    let mut len = value.len() as u64;
    let mut height = 1;
    for inner in references(value) {
        let (l, h) = entity_size(inner, entities, memo, depth + 1)?;
        len = len.saturating_add(l);
        height = height.max(h + 1);
        if len > MAX_EXPANDED_LEN as u64 {
            return Err(Error::ExpansionLimit {
                bound: len,
                limit: MAX_EXPANDED_LEN as u64,
            });
        }
    }
    memo.insert(name, (len, height));
    Ok((len, height))
}

/// XML 1.0 §3.3.3 for a literal: character references are appended as is,
/// whitespace becomes a space, entity references are expanded recursively.
fn normalize_into(
    raw: &str,
    entities: &HashMap<&str, &str>,
    depth: usize,
    out: &mut String,
) -> Result<(), Error> {
    if depth > MAX_ENTITY_DEPTH {
        return Err(Error::EntityDepth {
            limit: MAX_ENTITY_DEPTH,
        });
    }
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if out.len() > MAX_EXPANDED_LEN {
            return Err(Error::ExpansionLimit {
                bound: out.len() as u64,
                limit: MAX_EXPANDED_LEN as u64,
            });
        }
        if c == '&' {
            let end = rest
                .find(';')
                .ok_or_else(|| dtd_error("unterminated reference in a default value"))?;
            let reference = rest.get(1..end).unwrap_or("");
            rest = rest.get(end + 1..).unwrap_or("");
            if let Some(num) = reference.strip_prefix('#') {
                let code = match num.strip_prefix('x') {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => num.parse::<u32>(),
                }
                .map_err(|_| dtd_error("bad character reference"))?;
                let ch =
                    char::from_u32(code).ok_or_else(|| dtd_error("bad character reference"))?;
                out.push(ch);
                continue;
            }
            match reference {
                "lt" => out.push('<'),
                "gt" => out.push('>'),
                "amp" => out.push('&'),
                "apos" => out.push('\''),
                "quot" => out.push('"'),
                name => {
                    let value = entities.get(name).ok_or_else(|| {
                        Error::Dtd(format!("unknown entity '{name}' in a default value"))
                    })?;
                    let expanded = expand_char_refs(value)?;
                    normalize_into(&expanded, entities, depth + 1, out)?;
                }
            }
        } else {
            rest = rest.get(c.len_utf8()..).unwrap_or("");
            if c == '\r' && rest.starts_with('\n') {
                rest = rest.get(1..).unwrap_or("");
            }
            out.push(if matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                c
            });
        }
    }
    Ok(())
}

/// Character references in an entity value are replaced when the entity is
/// declared (XML 1.0 §4.5); general entity references stay for later.
fn expand_char_refs(value: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find("&#") {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i + 2..).unwrap_or("");
        let end = after
            .find(';')
            .ok_or_else(|| dtd_error("unterminated character reference"))?;
        let num = after.get(..end).unwrap_or("");
        let code = match num.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => num.parse::<u32>(),
        }
        .map_err(|_| dtd_error("bad character reference"))?;
        let ch = char::from_u32(code).ok_or_else(|| dtd_error("bad character reference"))?;
        if ch == '&' {
            out.push_str("&#38;");
        } else {
            out.push(ch);
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attlists() -> Result<(), Error> {
        let dtd = read(
            "<!-- c --><!ELEMENT e (#PCDATA)><!ATTLIST e a CDATA 'x&e;y' b NMTOKENS #FIXED '  p   q ' \
             c (u|v) #IMPLIED d ID #REQUIRED><!ENTITY e '&#x20;1&#9;'><!ENTITY % p 'z'>%p;",
        )?;
        let defs = dtd.attlists.get("e").ok_or(dtd_error("none"))?;
        assert_eq!(defs.len(), 4);
        assert_eq!(defs[0].default.as_deref(), Some("x 1 y"));
        assert_eq!(defs[1].default.as_deref(), Some("p q"));
        assert!(defs[2].tokenized && defs[2].default.is_none());
        Ok(())
    }

    #[test]
    fn bounded() {
        let mut subset = String::from("<!ENTITY e0 'lol'>");
        for i in 1..12 {
            subset.push_str(&format!(
                "<!ENTITY e{i} '&e{p};&e{p};&e{p};&e{p};&e{p};&e{p};&e{p};&e{p};&e{p};&e{p};'>",
                p = i - 1
            ));
        }
        subset.push_str("<!ATTLIST a b CDATA '&e11;'>");
        assert!(read(&subset).is_err());
        assert_eq!(collapse("  a  b "), "a b");
    }
}
