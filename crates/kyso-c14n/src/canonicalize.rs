//! The canonicalization walk.

use std::collections::HashSet;

use roxmltree::{Document, Node, NodeType};

use crate::attributes::{self, OutAttr};
use crate::dtd::Dtd;
use crate::error::Error;
use crate::escape;
use crate::method::Method;
use crate::namespaces::{self, Utilized};
use crate::node_set::{NodeSet, Selection};
use crate::ns_stack::{Binding, NsStack, State};
use crate::options::Options;
use crate::qname::element_prefix;
use crate::uri;

/// Canonicalizes `node_set` and returns the canonical bytes (UTF-8).
///
/// ```
/// use kyso_c14n::{Method, NodeSet, Options, canonicalize};
///
/// let doc = roxmltree::Document::parse(r#"<a xmlns:x="urn:x" b='1' a="&#13;"><x:c/></a>"#)?;
/// let c14n = canonicalize(&NodeSet::document(&doc), &Options::new(Method::C14n10))?;
/// assert_eq!(c14n, br#"<a xmlns:x="urn:x" a="&#xD;" b="1"><x:c></x:c></a>"#);
///
/// let c = doc.root_element().first_child().ok_or("no child")?;
/// let exc = canonicalize(&NodeSet::subtree(c), &Options::new(Method::ExcC14n10))?;
/// assert_eq!(exc, br#"<x:c xmlns:x="urn:x"></x:c>"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn canonicalize(node_set: &NodeSet<'_, '_>, options: &Options) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    canonicalize_into(node_set, options, &mut out)?;
    Ok(out)
}

/// Like [`canonicalize`], appending to `out`. On error `out` is left as it was.
pub fn canonicalize_into(
    node_set: &NodeSet<'_, '_>,
    options: &Options,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let start = out.len();
    let result = run(node_set, options, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn run<'a, 'input>(
    node_set: &NodeSet<'a, 'input>,
    options: &Options,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    node_set.check()?;
    let apex = node_set.apex();
    check_namespace_uris(apex.document())?;
    if node_set.is_empty() {
        return Ok(());
    }
    let dtd = Dtd::of(apex.document())?;
    let mut walker = Walker {
        dtd: dtd.as_ref(),
        selection: node_set.selected(),
        options,
        out,
        apex,
        excluded: node_set.excluded(),
        stack: NsStack::default(),
        position: Position::Before,
        parent_is_document: true,
        frames: Vec::new(),
        ns_scratch: Vec::new(),
        attr_scratch: Vec::new(),
        utilized_scratch: Vec::new(),
    };
    walker.walk()
}

/// Canonical XML requires a failure on relative namespace URIs (and libxml2
/// also fails on values that are not URIs at all). Like libxml2, this looks at
/// every declaration in the document, not only those inside the node-set.
fn check_namespace_uris(doc: &Document<'_>) -> Result<(), Error> {
    let mut checked: HashSet<&str> = HashSet::new();
    for node in doc.descendants().filter(Node::is_element) {
        for ns in node.namespaces() {
            let value = ns.uri();
            if value.is_empty() || checked.contains(value) {
                continue;
            }
            if !uri::is_absolute(value) {
                let prefix = match ns.name() {
                    Some(p) => format!("xmlns:{p}"),
                    None => "xmlns".to_owned(),
                };
                return Err(if uri::is_reference(value) {
                    Error::RelativeNamespaceUri {
                        prefix,
                        uri: value.to_owned(),
                    }
                } else {
                    Error::InvalidNamespaceUri {
                        prefix,
                        uri: value.to_owned(),
                    }
                });
            }
            checked.insert(value);
        }
    }
    Ok(())
}

/// Where comments and PIs at document level go (libxml2 `xmlC14NPosition`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    Before,
    Inside,
    After,
}

/// What an open element needs when it is closed.
struct Frame<'a> {
    state: State,
    prefix: Option<&'a str>,
    restore_parent_is_document: bool,
    /// Whether the element is in the node-set (and its tags output).
    visible: bool,
}

struct Walker<'a, 'input, 'o> {
    dtd: Option<&'a Dtd<'input>>,
    selection: Option<&'a Selection>,
    options: &'o Options,
    out: &'o mut Vec<u8>,
    apex: Node<'a, 'input>,
    excluded: Option<Node<'a, 'input>>,
    stack: NsStack<'a>,
    position: Position,
    parent_is_document: bool,
    frames: Vec<Frame<'a>>,
    ns_scratch: Vec<Binding<'a>>,
    attr_scratch: Vec<OutAttr<'a>>,
    utilized_scratch: Vec<Binding<'a>>,
}

impl<'a, 'input> Walker<'a, 'input, '_> {
    /// Depth-first walk without recursion, so deep documents cannot overflow
    /// the call stack.
    fn walk(&mut self) -> Result<(), Error> {
        let apex = self.apex;
        let mut node = apex;
        loop {
            if self.enter(node)? {
                if let Some(child) = node.first_child() {
                    node = child;
                    continue;
                }
                self.leave(node);
            }
            let mut cur = node;
            loop {
                if cur.id() == apex.id() {
                    return Ok(());
                }
                if let Some(next) = cur.next_sibling() {
                    node = next;
                    break;
                }
                match cur.parent() {
                    Some(parent) => {
                        cur = parent;
                        self.leave(cur);
                    }
                    None => return Ok(()),
                }
            }
        }
    }

    /// Outputs the start of `node`; returns whether its children are to be
    /// walked (and [`leave`](Self::leave) called afterwards).
    fn enter(&mut self, node: Node<'a, 'input>) -> Result<bool, Error> {
        if self.excluded.is_some_and(|x| x.id() == node.id()) {
            return Ok(false);
        }
        let visible = self.selection.is_none_or(|s| s.node(node));
        if !visible {
            // Outside a document subset: the element is not output, but its
            // namespace and attribute nodes in the subset are (as libxml2 and
            // Santuario do), and its children are visited.
            if node.is_element() {
                self.orphans(node)?;
                self.frames.push(Frame {
                    state: self.stack.save(),
                    prefix: None,
                    restore_parent_is_document: false,
                    visible: false,
                });
            }
            return Ok(node.is_element() || node.is_root());
        }
        match node.node_type() {
            NodeType::Root => Ok(true),
            NodeType::Element => {
                self.start_tag(node)?;
                Ok(true)
            }
            NodeType::Text => {
                escape::text(self.out, node.text().unwrap_or(""));
                Ok(false)
            }
            NodeType::Comment => {
                if self.options.with_comments {
                    self.misc(|out| {
                        out.extend_from_slice(b"<!--");
                        escape::comment_or_pi(out, node.text().unwrap_or(""));
                        out.extend_from_slice(b"-->");
                    });
                }
                Ok(false)
            }
            NodeType::PI => {
                if let Some(pi) = node.pi() {
                    self.misc(|out| {
                        out.extend_from_slice(b"<?");
                        out.extend_from_slice(pi.target.as_bytes());
                        if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                            out.push(b' ');
                            escape::comment_or_pi(out, value);
                        }
                        out.extend_from_slice(b"?>");
                    });
                }
                Ok(false)
            }
        }
    }

    /// A comment or PI: outside the document element it is separated from it
    /// by a line feed.
    fn misc(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        if self.position == Position::After {
            self.out.push(b'\n');
        }
        write(self.out);
        if self.position == Position::Before {
            self.out.push(b'\n');
        }
    }

    fn start_tag(&mut self, node: Node<'a, 'input>) -> Result<(), Error> {
        let state = self.stack.save();
        let restore_parent_is_document = self.parent_is_document;
        if self.parent_is_document {
            self.parent_is_document = false;
            self.position = Position::Inside;
        }
        let prefix = element_prefix(node)?;
        let method = self.options.method;
        let hidden_ancestors = match self.selection {
            None => node.id() == self.apex.id() && node.parent_element().is_some(),
            Some(s) => node.parent_element().is_some_and(|p| !s.node(p)),
        };
        attributes::collect(
            node,
            method,
            hidden_ancestors,
            self.dtd,
            self.selection,
            &mut self.attr_scratch,
        )?;

        self.ns_scratch.clear();
        if method == Method::ExcC14n10 {
            self.utilized_scratch.clear();
            // libxml2 walks the attributes in document order here; the
            // resulting declarations are sorted anyway, but the order in which
            // they reach the stack must be the same.
            for (i, a) in node.attributes().enumerate() {
                if self.selection.is_some_and(|s| !s.attribute(node, i)) {
                    continue;
                }
                if let Some(uri) = a.namespace() {
                    let prefix = crate::qname::attribute_prefix(node, &a)?;
                    self.utilized_scratch.push((prefix, uri));
                }
            }
            if self.dtd.is_some() {
                // DTD-defaulted attributes utilize their prefixes too.
                for a in &self.attr_scratch {
                    if let Some(uri) = a.uri
                        && !self.utilized_scratch.contains(&(a.prefix, uri))
                    {
                        self.utilized_scratch.push((a.prefix, uri));
                    }
                }
            }
            let utilized = Utilized {
                element: node.tag_name().namespace().map(|uri| (prefix, uri)),
                attributes: &self.utilized_scratch,
                prefix_list: &self.options.inclusive_prefixes,
            };
            namespaces::exclusive(
                node,
                self.selection,
                &utilized,
                &mut self.stack,
                &mut self.ns_scratch,
            );
        } else {
            namespaces::inclusive(node, self.selection, &mut self.stack, &mut self.ns_scratch);
        }
        self.stack.shift();

        let out = &mut *self.out;
        out.push(b'<');
        write_qname(out, prefix, node.tag_name().name());
        for (p, uri) in &self.ns_scratch {
            match p {
                Some(p) => {
                    out.extend_from_slice(b" xmlns:");
                    out.extend_from_slice(p.as_bytes());
                    out.extend_from_slice(b"=\"");
                }
                None => out.extend_from_slice(b" xmlns=\""),
            }
            // libxml2 writes namespace URIs verbatim (xmlBufWriteQuotedString);
            // a valid URI cannot contain '"' or '<', but may contain '&'.
            out.extend_from_slice(uri.as_bytes());
            out.push(b'"');
        }
        for a in &self.attr_scratch {
            out.push(b' ');
            write_qname(out, a.prefix, a.local);
            out.extend_from_slice(b"=\"");
            escape::attribute(out, &a.value);
            out.push(b'"');
        }
        out.push(b'>');
        self.frames.push(Frame {
            state,
            prefix,
            restore_parent_is_document,
            visible: true,
        });
        Ok(())
    }

    /// The namespace and attribute nodes in a document subset whose element
    /// is not: ` xmlns:p="..."` (inclusive C14N only; not if the nearest
    /// output ancestor rendered the same binding) and ` name="value"`.
    fn orphans(&mut self, node: Node<'a, 'input>) -> Result<(), Error> {
        let Some(selection) = self.selection else {
            return Ok(());
        };
        let method = self.options.method;
        self.ns_scratch.clear();
        let prefix_list =
            (method == Method::ExcC14n10).then_some(&self.options.inclusive_prefixes[..]);
        namespaces::orphans(
            node,
            selection,
            prefix_list,
            &self.stack,
            &mut self.ns_scratch,
        );
        attributes::selected_own(node, selection, &mut self.attr_scratch)?;
        let out = &mut *self.out;
        for (p, uri) in &self.ns_scratch {
            match p {
                Some(p) => {
                    out.extend_from_slice(b" xmlns:");
                    out.extend_from_slice(p.as_bytes());
                    out.extend_from_slice(b"=\"");
                }
                None => out.extend_from_slice(b" xmlns=\""),
            }
            out.extend_from_slice(uri.as_bytes());
            out.push(b'"');
        }
        for a in &self.attr_scratch {
            out.push(b' ');
            write_qname(out, a.prefix, a.local);
            out.extend_from_slice(b"=\"");
            escape::attribute(out, &a.value);
            out.push(b'"');
        }
        Ok(())
    }

    fn leave(&mut self, node: Node<'a, 'input>) {
        if !node.is_element() {
            return;
        }
        let Some(frame) = self.frames.pop() else {
            return;
        };
        if !frame.visible {
            return;
        }
        self.out.extend_from_slice(b"</");
        write_qname(self.out, frame.prefix, node.tag_name().name());
        self.out.push(b'>');
        if frame.restore_parent_is_document {
            self.parent_is_document = true;
            self.position = Position::After;
        }
        self.stack.restore(frame.state);
    }
}

fn write_qname(out: &mut Vec<u8>, prefix: Option<&str>, local: &str) {
    if let Some(p) = prefix {
        out.extend_from_slice(p.as_bytes());
        out.push(b':');
    }
    out.extend_from_slice(local.as_bytes());
}
