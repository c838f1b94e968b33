//! The node-sets canonicalization runs over.

use std::collections::HashSet;

use roxmltree::{Document, Node};

use crate::error::Error;
use crate::xpath::{Key, XNode, XNodeSet};

/// An arbitrary XPath node-set (a document subset), prepared for
/// canonicalization: see [`NodeSet::selection`].
#[derive(Clone, Debug, Default)]
pub struct Selection {
    keys: HashSet<Key>,
}

impl Selection {
    /// The nodes of `set`.
    pub fn new(set: &XNodeSet<'_, '_>) -> Self {
        Selection { keys: set.keys() }
    }

    /// The nodes `nodes` yields.
    pub fn from_nodes<'a, 'input: 'a>(nodes: impl IntoIterator<Item = XNode<'a, 'input>>) -> Self {
        Selection {
            keys: nodes.into_iter().map(|n| n.key()).collect(),
        }
    }

    /// Whether `node` is selected.
    pub fn contains(&self, node: &XNode<'_, '_>) -> bool {
        self.keys.contains(&node.key())
    }

    /// How many nodes are selected.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no node is selected.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(crate) fn node(&self, node: Node<'_, '_>) -> bool {
        self.keys.contains(&(node.id().get_usize(), 0, 0))
    }

    pub(crate) fn attribute(&self, node: Node<'_, '_>, index: usize) -> bool {
        self.keys.contains(&(node.id().get_usize(), 2, index))
    }

    pub(crate) fn namespace(&self, node: Node<'_, '_>, index: usize) -> bool {
        self.keys.contains(&(node.id().get_usize(), 1, index))
    }
}

/// The nodes to canonicalize: a whole document or the subtree of one
/// element, optionally minus one excluded subtree.
///
/// These are exactly the node-sets XMLDSig references produce:
///
/// * `URI=""`: [`NodeSet::document`] (comments are removed by the reference
///   processing itself, so pass `with_comments: false` unless the URI was
///   `#xpointer(/)`);
/// * `URI="#id"`: [`NodeSet::subtree`] of the element with that Id;
/// * the enveloped-signature transform: either of the above
///   [`excluding`](NodeSet::excluding) the `Signature` element.
///
/// Every namespace and attribute node of an included element is included.
/// Nodes outside the apex still matter as context: in-scope namespaces, and
/// the `xml:*` attributes the inclusive methods carry over to the apex.
#[derive(Clone, Copy, Debug)]
pub struct NodeSet<'a, 'input> {
    apex: Node<'a, 'input>,
    excluded: Option<Node<'a, 'input>>,
    selection: Option<&'a Selection>,
}

impl<'a, 'input> NodeSet<'a, 'input> {
    /// The whole document.
    pub fn document(doc: &'a Document<'input>) -> Self {
        NodeSet {
            apex: doc.root(),
            excluded: None,
            selection: None,
        }
    }

    /// `apex` and all its descendants. `apex` must be an element or the
    /// document root; [`canonicalize`](fn@crate::canonicalize) reports
    /// [`Error::UnsupportedApex`] otherwise.
    pub fn subtree(apex: Node<'a, 'input>) -> Self {
        NodeSet {
            apex,
            excluded: None,
            selection: None,
        }
    }

    /// The same node-set minus `node` and all its descendants (the
    /// enveloped-signature transform). Excluding a node outside the apex
    /// changes nothing; excluding the apex or one of its ancestors leaves an
    /// empty node-set.
    #[must_use]
    pub fn excluding(mut self, node: Node<'a, 'input>) -> Self {
        self.excluded = Some(node);
        self
    }

    /// An arbitrary node-set of `doc` (the result of an XPath expression):
    /// only the selected nodes are output, each element's attributes and
    /// namespace nodes individually (Canonical XML §2.3 document subsets).
    pub fn selection(doc: &'a Document<'input>, selection: &'a Selection) -> Self {
        NodeSet {
            apex: doc.root(),
            excluded: None,
            selection: Some(selection),
        }
    }

    pub(crate) fn selected(&self) -> Option<&'a Selection> {
        self.selection
    }

    /// The root of the node-set.
    pub fn apex(&self) -> Node<'a, 'input> {
        self.apex
    }

    /// The excluded subtree, if any.
    pub fn excluded(&self) -> Option<Node<'a, 'input>> {
        self.excluded
    }

    /// Whether `node` (an element, text, comment or PI node) is in the
    /// node-set.
    pub fn contains(&self, node: Node<'a, 'input>) -> bool {
        if !std::ptr::eq(node.document(), self.apex.document()) {
            return false;
        }
        if let Some(s) = self.selection
            && !s.node(node)
        {
            return false;
        }
        let mut in_apex = false;
        for n in node.ancestors() {
            if self.excluded.is_some_and(|x| x.id() == n.id()) {
                return false;
            }
            if n.id() == self.apex.id() {
                in_apex = true;
                // Keep walking: the excluded node may be an ancestor of the apex.
            }
        }
        in_apex
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if !(self.apex.is_element() || self.apex.is_root()) {
            return Err(Error::UnsupportedApex(self.apex.node_type()));
        }
        if let Some(x) = self.excluded
            && !std::ptr::eq(x.document(), self.apex.document())
        {
            return Err(Error::ForeignNode);
        }
        Ok(())
    }

    /// Whether the excluded node is the apex or one of its ancestors, which
    /// makes the node-set empty.
    pub(crate) fn is_empty(&self) -> bool {
        match self.excluded {
            Some(x) => self.apex.ancestors().any(|a| a.id() == x.id()),
            None => false,
        }
    }
}
