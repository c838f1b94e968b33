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

/// Decodes the input bytes as UTF-8 (with or without a BOM).
pub fn as_text(bytes: &[u8]) -> Result<&str, Error> {
    let bytes = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| Error::Xml("the document is not UTF-8".into()))
}

/// Elements by their Id / ID / id / xml:id attribute values.
pub struct IdIndex {
    map: HashMap<String, Vec<NodeId>>,
}

impl IdIndex {
    pub fn build(doc: &Document<'_>) -> IdIndex {
        let mut map: HashMap<String, Vec<NodeId>> = HashMap::new();
        for node in doc.descendants().filter(Node::is_element) {
            for a in node.attributes() {
                let is_id = match a.namespace() {
                    None => matches!(a.name(), "Id" | "ID" | "id"),
                    Some("http://www.w3.org/XML/1998/namespace") => a.name() == "id",
                    Some(_) => false,
                };
                if is_id {
                    let v = map.entry(a.value().to_string()).or_default();
                    if !v.contains(&node.id()) {
                        v.push(node.id());
                    }
                }
            }
        }
        IdIndex { map }
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
}

/// The Id-like attribute of an element, if any.
pub fn id_of<'a>(node: &Node<'a, '_>) -> Option<&'a str> {
    node.attribute("Id")
        .or_else(|| node.attribute("ID"))
        .or_else(|| node.attribute("id"))
}

/// A readable path such as `/HDon/DSCKS/NBan/Signature`.
pub fn path(node: &Node<'_, '_>) -> String {
    let mut parts: Vec<&str> = node
        .ancestors()
        .filter(Node::is_element)
        .map(|n| n.tag_name().name())
        .collect();
    parts.reverse();
    format!("/{}", parts.join("/"))
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
