//! Parsing with limits, Id lookup, and element paths.

use std::collections::HashMap;

use roxmltree::{Document, Node, NodeId};

use crate::Error;

/// Hard limit on nodes per document (memory bound for hostile input).
pub const MAX_NODES: u32 = 5_000_000;

/// Parses UTF-8 XML through kyso-c14n's bounded parser: DTDs are allowed (internal entities
/// occur in the wild) but entity expansion and namespace bindings are bounded before parsing,
/// and external entities are never resolved.
pub fn parse(text: &str) -> Result<Document<'_>, Error> {
    let opts = kyso_c14n::ParseOptions {
        allow_dtd: true,
        max_nodes: MAX_NODES,
        ..Default::default()
    };
    kyso_c14n::parse(text, &opts).map_err(|e| Error::Xml(e.to_string()))
}

/// Like [`parse`], with external parsed entities supplied by `resolver` (see
/// [`external_entities`]).
pub fn parse_with_entities<'i>(
    text: &'i str,
    resolver: &'i roxmltree::EntityResolver<'i>,
) -> Result<Document<'i>, Error> {
    let opts = kyso_c14n::ParseOptions {
        allow_dtd: true,
        max_nodes: MAX_NODES,
        ..Default::default()
    };
    kyso_c14n::parse_with_resolver(text, &opts, Some(resolver))
        .map_err(|e| Error::Xml(e.to_string()))
}

/// Most external entities read for one document.
const MAX_EXTERNAL_ENTITIES: usize = 64;

/// The external parsed entities the internal DTD subset of `text` declares
/// (`<!ENTITY name SYSTEM "uri">` or `PUBLIC "id" "uri"`; parameter entities and unparsed
/// `NDATA` entities are left out), each read from `dir` under `--allow-external`'s rules
/// (relative file URIs inside `dir` only): (system identifier, UTF-8 text).
pub fn external_entities(
    text: &str,
    dir: &std::path::Path,
) -> Result<Vec<(String, String)>, Error> {
    let Some(start) = text.find("<!DOCTYPE") else {
        return Ok(Vec::new());
    };
    let rest = text.get(start..).unwrap_or("");
    let Some(open) = rest.find('[') else {
        return Ok(Vec::new());
    };
    let subset = rest.get(open..).unwrap_or("");
    let subset = subset
        .get(..subset.find("]>").unwrap_or(subset.len()))
        .unwrap_or("");
    let mut out: Vec<(String, String)> = Vec::new();
    for decl in subset.split("<!ENTITY").skip(1) {
        let decl = decl
            .get(..decl.find('>').unwrap_or(decl.len()))
            .unwrap_or("");
        let mut words = decl.split_whitespace();
        let Some(name) = words.next() else {
            continue;
        };
        if name == "%" || decl.contains("NDATA") {
            continue;
        }
        let quoted: Vec<&str> = decl.split(['"', '\'']).skip(1).step_by(2).collect();
        let uri = match words.next() {
            Some("SYSTEM") => quoted.first(),
            Some("PUBLIC") => quoted.get(1),
            _ => None,
        };
        let Some(uri) = uri else {
            continue;
        };
        if out.iter().any(|(u, _)| u == uri) {
            continue;
        }
        if out.len() >= MAX_EXTERNAL_ENTITIES {
            return Err(Error::Unsupported(format!(
                "more than {MAX_EXTERNAL_ENTITIES} external entities"
            )));
        }
        let bytes = crate::external::read(uri, Some(dir))?;
        let value = String::from_utf8(bytes)
            .map_err(|_| Error::Xml(format!("external entity '{uri}' is not UTF-8")))?;
        out.push(((*uri).to_owned(), value));
    }
    Ok(out)
}

/// Decodes the input bytes as UTF-8 (with or without a BOM).
pub fn as_text(bytes: &[u8]) -> Result<&str, Error> {
    let bytes = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| Error::Xml("the document is not UTF-8".into()))
}

/// The WS-Security utility namespace, whose `wsu:Id` attribute some verifiers (Java's
/// XMLDSig with WS-Security, xmlsec1 with `--id-attr`) resolve references with.
pub const WSU_NS: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

/// Whether an attribute is an Id in some verifier's eyes: `Id`, `ID` or `id` in no namespace,
/// `xml:id`, `wsu:Id`.
fn is_id_attribute(a: &roxmltree::Attribute<'_, '_>) -> bool {
    match a.namespace() {
        None => matches!(a.name(), "Id" | "ID" | "id"),
        Some("http://www.w3.org/XML/1998/namespace") => a.name() == "id",
        Some(WSU_NS) => a.name() == "Id",
        Some(_) => false,
    }
}

/// Elements by their Id / ID / id / xml:id / wsu:Id attribute values, built in one pass.
pub struct IdIndex {
    map: HashMap<String, Vec<NodeId>>,
    /// Values carried by more than one element, in document order of their second element.
    duplicated: Vec<String>,
}

impl IdIndex {
    pub fn build(doc: &Document<'_>) -> IdIndex {
        let mut map: HashMap<String, Vec<NodeId>> = HashMap::new();
        let mut duplicated = Vec::new();
        for node in doc.descendants().filter(Node::is_element) {
            for a in node.attributes() {
                if is_id_attribute(&a) {
                    let v = map.entry(a.value().to_string()).or_default();
                    if !v.contains(&node.id()) {
                        v.push(node.id());
                        if v.len() == 2 {
                            duplicated.push(a.value().to_string());
                        }
                    }
                }
            }
        }
        IdIndex { map, duplicated }
    }

    /// The one element with this Id; a duplicated Id is an error, not a choice.
    pub fn get<'a, 'i>(&self, doc: &'a Document<'i>, id: &str) -> Result<Node<'a, 'i>, Error> {
        match self.map.get(id).map(Vec::as_slice) {
            Some([one]) => doc
                .get_node(*one)
                .ok_or_else(|| Error::MissingId(id.to_string())),
            Some([]) | None => Err(Error::MissingId(id.to_string())),
            Some(_) => Err(Error::DuplicateId(id.to_string())),
        }
    }

    /// The Id values more than one element carries (whatever the attribute: `Id="a"` on one
    /// element and `wsu:Id="a"` on another count as a duplicate, since verifiers differ in
    /// which attributes they treat as Ids).
    pub fn duplicated(&self) -> &[String] {
        &self.duplicated
    }

    /// The elements carrying Id value `id`, in document order.
    pub fn elements<'a, 'i>(&self, doc: &'a Document<'i>, id: &str) -> Vec<Node<'a, 'i>> {
        self.map
            .get(id)
            .map(|v| v.iter().filter_map(|n| doc.get_node(*n)).collect())
            .unwrap_or_default()
    }
}

/// The Id-like attribute of an element, if any.
pub fn id_of<'a>(node: &Node<'a, '_>) -> Option<&'a str> {
    node.attribute("Id")
        .or_else(|| node.attribute("ID"))
        .or_else(|| node.attribute("id"))
        .or_else(|| node.attribute((WSU_NS, "Id")))
}

/// A readable path such as `/HDon/DSCKS/NBan/Signature`, by local names. A step carries the
/// 1-based position among its siblings of the same local name (XPath style, `/HDon/DLHDon[2]`)
/// only where the parent has more than one child element of that name, so that every path
/// names exactly one element while the usual paths stay as they are. (The position counts
/// siblings of the same local name whatever their namespace: a `x:DLHDon` beside a `DLHDon`
/// makes both indexed.)
pub fn path(node: &Node<'_, '_>) -> String {
    let mut parts: Vec<String> = node
        .ancestors()
        .filter(Node::is_element)
        .map(|n| step(&n))
        .collect();
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// One step of [`path`]: the local name, with `[n]` when a sibling shares it.
fn step(node: &Node<'_, '_>) -> String {
    let name = node.tag_name().name();
    let same = |n: &Node<'_, '_>| n.is_element() && n.tag_name().name() == name;
    let before = node.prev_siblings().skip(1).filter(same).count();
    if before == 0 && !node.next_siblings().skip(1).any(|n| same(&n)) {
        name.to_string()
    } else {
        format!("{name}[{}]", before + 1)
    }
}

/// The first child element with a local name in the XMLDSig namespace.
pub fn dsig_child<'a, 'i>(node: &Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| {
        c.is_element()
            && c.tag_name().name() == name
            && c.tag_name().namespace() == Some(crate::algorithms::DSIG_NS)
    })
}

/// All child elements with a local name in the XMLDSig namespace.
pub fn dsig_children<'a, 'i>(
    node: &Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> + use<'a, 'i> {
    node.children().filter(move |c| {
        c.is_element()
            && c.tag_name().name() == name
            && c.tag_name().namespace() == Some(crate::algorithms::DSIG_NS)
    })
}

/// The concatenated text content of an element.
pub fn text_of(node: &Node<'_, '_>) -> String {
    node.descendants()
        .filter(Node::is_text)
        .filter_map(|t| t.text())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_index_only_same_named_siblings() {
        let text = format!(
            "<HDon><x:DLHDon xmlns:x=\"urn:x\"/><DLHDon Id=\"a\"><B/><C/><C/></DLHDon>\
             <DSCKS xmlns:wsu=\"{WSU_NS}\" wsu:Id=\"a\"/></HDon>"
        );
        let Ok(doc) = parse(&text) else {
            unreachable!("test document parses")
        };
        let paths: Vec<String> = doc
            .descendants()
            .filter(Node::is_element)
            .map(|n| path(&n))
            .collect();
        assert_eq!(
            paths,
            [
                "/HDon",
                "/HDon/DLHDon[1]",
                "/HDon/DLHDon[2]",
                "/HDon/DLHDon[2]/B",
                "/HDon/DLHDon[2]/C[1]",
                "/HDon/DLHDon[2]/C[2]",
                "/HDon/DSCKS",
            ]
        );
        // Id and wsu:Id with the same value: a duplicate.
        let ids = IdIndex::build(&doc);
        assert_eq!(ids.duplicated(), ["a".to_string()]);
        assert!(matches!(ids.get(&doc, "a"), Err(Error::DuplicateId(_))));
        assert_eq!(ids.elements(&doc, "a").len(), 2);
    }
}
