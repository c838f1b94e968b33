//! The namespace axis of an output element: which declarations to print.
//!
//! Inclusive C14N (1.0 and 1.1) prints every in-scope binding that differs
//! from what the nearest output ancestor has in scope, plus `xmlns=""` when
//! that ancestor had a non-empty default namespace and this element has none.
//! Exclusive C14N prints only the bindings the element visibly utilizes (its
//! own prefix and those of its attributes) and the PrefixList ones, unless
//! the nearest output ancestor that rendered the prefix rendered the same
//! value. The bookkeeping follows libxml2's c14n.c, see [`NsStack`].

use roxmltree::Node;

use crate::node_set::Selection;
use crate::ns_stack::{Binding, NsStack};
use crate::qname::XML_NS;

/// Inclusive namespace axis of a visible element. Appends the bindings to
/// print to `out`, sorted.
pub(crate) fn inclusive<'a>(
    node: Node<'a, '_>,
    selection: Option<&Selection>,
    stack: &mut NsStack<'a>,
    out: &mut Vec<Binding<'a>>,
) {
    let mut has_default = false;
    for (i, ns) in node.namespaces().enumerate() {
        let binding: Binding<'a> = (ns.name(), ns.uri());
        // roxmltree lists `xmlns=""` as a binding to the empty URI; XPath has
        // no namespace node for it, so a document subset never selects it, but
        // it still means "no default namespace here".
        let undeclared = binding == (None, "");
        if is_xml(binding) || (!undeclared && selection.is_some_and(|s| !s.namespace(node, i))) {
            continue;
        }
        let rendered = stack.find_inclusive(binding);
        stack.add(binding);
        if !rendered {
            out.push(binding);
        }
        if binding.0.is_none() {
            has_default = true;
        }
    }
    // No default namespace in scope at all: print xmlns="" if the nearest
    // output ancestor rendered a non-empty one.
    if !has_default && !stack.find_inclusive((None, "")) {
        stack.add((None, ""));
        out.push((None, ""));
    }
    sort(out);
}

/// The namespace nodes in `selection` of an element that is not: those the
/// nearest output ancestor has not rendered with the same value. The stack is
/// left as it is (they are no element's declarations).
///
/// `prefix_list`: for exclusive C14N, only the prefixes of the
/// InclusiveNamespaces PrefixList (`#default` the default namespace) count.
pub(crate) fn orphans<'a>(
    node: Node<'a, '_>,
    selection: &Selection,
    prefix_list: Option<&[String]>,
    stack: &NsStack<'a>,
    out: &mut Vec<Binding<'a>>,
) {
    for (i, ns) in node.namespaces().enumerate() {
        let binding: Binding<'a> = (ns.name(), ns.uri());
        if is_xml(binding) || binding == (None, "") || !selection.namespace(node, i) {
            continue;
        }
        if let Some(list) = prefix_list {
            let listed = list.iter().any(|p| match binding.0 {
                None => p == "#default" || p.is_empty(),
                Some(q) => p == q,
            });
            if !listed {
                continue;
            }
        }
        if !stack.find_inclusive(binding) {
            out.push(binding);
        }
    }
    sort(out);
}

/// A namespace URI no document has (it contains NUL): the stack entry of a
/// prefix an output element utilizes without rendering it.
const UNRENDERED: &str = "\0unrendered";

/// Whether `binding` is a namespace node of `node` in `selection` (always
/// without a selection).
fn selected(node: Node<'_, '_>, binding: Binding<'_>, selection: Option<&Selection>) -> bool {
    let Some(s) = selection else {
        return true;
    };
    node.namespaces()
        .enumerate()
        .find(|(_, ns)| ns.name() == binding.0 && ns.uri() == binding.1)
        .is_some_and(|(i, _)| s.namespace(node, i))
}

/// What exclusive C14N needs to know about an element besides its in-scope
/// namespaces.
pub(crate) struct Utilized<'a, 'p> {
    /// The element's own prefix and namespace URI (`None` if it has no namespace).
    pub(crate) element: Option<Binding<'a>>,
    /// Prefix and namespace URI of each namespaced attribute.
    pub(crate) attributes: &'p [Binding<'a>],
    /// The InclusiveNamespaces PrefixList.
    pub(crate) prefix_list: &'p [String],
}

/// Exclusive namespace axis of a visible element. Appends the bindings to
/// print to `out`, sorted.
pub(crate) fn exclusive<'a>(
    node: Node<'a, '_>,
    selection: Option<&Selection>,
    utilized: &Utilized<'a, '_>,
    stack: &mut NsStack<'a>,
    out: &mut Vec<Binding<'a>>,
) {
    let mut has_default = false;
    let mut default_in_prefix_list = false;
    let mut utilizes_empty_default = false;

    // PrefixList entries are handled like in inclusive C14N.
    for prefix in utilized.prefix_list {
        let prefix = if prefix == "#default" || prefix.is_empty() {
            default_in_prefix_list = true;
            None
        } else {
            Some(prefix.as_str())
        };
        let Some(binding) = in_scope(node, prefix, selection) else {
            continue;
        };
        if is_xml(binding) {
            continue;
        }
        let rendered = stack.find_inclusive(binding);
        stack.add(binding);
        if !rendered {
            out.push(binding);
        }
        if binding.0.is_none() {
            has_default = true;
        }
    }

    // The element's own namespace; an element in no namespace utilizes the
    // empty default (an in-scope xmlns="" if there is one).
    let own = match utilized.element {
        Some(binding) => Some(binding),
        None => {
            utilizes_empty_default = true;
            in_scope(node, None, selection)
        }
    };
    // In a document subset only namespace nodes of the subset are rendered; a
    // prefix this element utilizes without its namespace node in the subset
    // is marked unrendered, so that a descendant renders it again.
    let own = match own {
        Some(b) if b != (None, "") && !selected(node, b, selection) => {
            stack.add((b.0, UNRENDERED));
            None
        }
        other => other,
    };
    if let Some(binding) = own.filter(|b| !is_xml(*b)) {
        if !stack.find_exclusive(binding) {
            out.push(binding);
        }
        stack.add(binding);
        if binding.0.is_none() {
            has_default = true;
        }
    }

    for &binding in utilized.attributes {
        if is_xml(binding) {
            continue;
        }
        if !selected(node, binding, selection) {
            stack.add((binding.0, UNRENDERED));
            continue;
        }
        let rendered = stack.find_exclusive(binding);
        stack.add(binding);
        if !rendered {
            out.push(binding);
        }
        if binding.0.is_none() {
            has_default = true;
        }
    }

    if utilizes_empty_default && !has_default && !default_in_prefix_list {
        if !stack.find_exclusive((None, "")) {
            out.push((None, ""));
        }
    } else if !has_default && default_in_prefix_list && !stack.find_inclusive((None, "")) {
        out.push((None, ""));
    }
    sort(out);
}

fn in_scope<'a>(
    node: Node<'a, '_>,
    prefix: Option<&str>,
    selection: Option<&Selection>,
) -> Option<Binding<'a>> {
    node.namespaces()
        .enumerate()
        .find(|(_, ns)| ns.name() == prefix)
        .filter(|(i, ns)| {
            (ns.name().is_none() && ns.uri().is_empty())
                || selection.is_none_or(|s| s.namespace(node, *i))
        })
        .map(|(_, ns)| (ns.name(), ns.uri()))
}

fn is_xml((prefix, uri): Binding<'_>) -> bool {
    prefix == Some("xml") && uri == XML_NS
}

fn sort(list: &mut [Binding<'_>]) {
    // Default namespace first, then by prefix (code point order = UTF-8 byte order).
    list.sort_by(|a, b| a.0.cmp(&b.0));
}
