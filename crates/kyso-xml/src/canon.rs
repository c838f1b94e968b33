//! The one place kyso-xml calls canonicalization (kyso-c14n), with XMLDSig's node-set rules.

use kyso_c14n::{NodeSet, Options};
use roxmltree::{Document, Node};

use crate::Error;

/// Whether `uri` names a canonicalization algorithm kyso supports.
pub fn is_c14n(uri: &str) -> bool {
    kyso_c14n::method_from_uri(uri).is_some()
}

/// Canonicalizes the whole document (`apex` = `None`) or an element's subtree, minus `exclude`
/// (the enveloped-signature transform), with the algorithm `uri`. `keep_comments` is false for
/// the node-sets of `URI=""` and `#id` references, which hold no comments even under a
/// `#WithComments` algorithm; `prefixes` is an exclusive C14N InclusiveNamespaces PrefixList.
pub fn canonicalize(
    doc: &Document<'_>,
    apex: Option<Node<'_, '_>>,
    exclude: Option<Node<'_, '_>>,
    uri: &str,
    keep_comments: bool,
    prefixes: &[String],
) -> Result<Vec<u8>, Error> {
    let (method, with_comments) = kyso_c14n::method_from_uri(uri)
        .ok_or_else(|| Error::Unsupported(format!("canonicalization method '{uri}'")))?;
    let mut options = Options::new(method).comments(with_comments && keep_comments);
    if !prefixes.is_empty() {
        options = options.prefix_list(&prefixes.join(" "));
    }
    let mut set = match apex {
        Some(a) => NodeSet::subtree(a),
        None => NodeSet::document(doc),
    };
    if let Some(x) = exclude {
        set = set.excluding(x);
    }
    kyso_c14n::canonicalize(&set, &options).map_err(|e| Error::C14n(e.to_string()))
}

/// Canonicalizes an arbitrary node-set of `doc` (what an XPath or XPath Filter 2.0 transform
/// left) with the algorithm `uri`; comment nodes in the set are output under a
/// `#WithComments` algorithm.
pub(crate) fn canonicalize_selection(
    doc: &Document<'_>,
    selection: &kyso_c14n::Selection,
    uri: &str,
    prefixes: &[String],
) -> Result<Vec<u8>, Error> {
    let (method, with_comments) = kyso_c14n::method_from_uri(uri)
        .ok_or_else(|| Error::Unsupported(format!("canonicalization method '{uri}'")))?;
    let mut options = Options::new(method).comments(with_comments);
    if !prefixes.is_empty() {
        options = options.prefix_list(&prefixes.join(" "));
    }
    kyso_c14n::canonicalize(&NodeSet::selection(doc, selection), &options)
        .map_err(|e| Error::C14n(e.to_string()))
}

/// Canonicalizes the document subset the XPath 1.0 expression `expr` selects (evaluated with
/// the document root as context node, e.g. `(//. | //@* | //namespace::*)[...]`), with the
/// algorithm `uri`. Prefixes in `expr` resolve with `namespaces`, then with the namespaces in
/// scope on the document element.
pub fn canonicalize_subset(
    doc: &Document<'_>,
    expr: &str,
    namespaces: &[(String, String)],
    uri: &str,
    prefixes: &[String],
) -> Result<Vec<u8>, Error> {
    use kyso_c14n::xpath::{Context, XNode, evaluate_node_set};
    let (method, with_comments) = kyso_c14n::method_from_uri(uri)
        .ok_or_else(|| Error::Unsupported(format!("canonicalization method '{uri}'")))?;
    let mut options = Options::new(method).comments(with_comments);
    if !prefixes.is_empty() {
        options = options.prefix_list(&prefixes.join(" "));
    }
    let mut bindings = namespaces.to_vec();
    for ns in doc.root_element().namespaces() {
        if let Some(p) = ns.name()
            && !bindings.iter().any(|(q, _)| q == p)
        {
            bindings.push((p.to_owned(), ns.uri().to_owned()));
        }
    }
    let ctx = Context {
        namespaces: bindings,
        here: None,
        max_steps: None,
    };
    let set = evaluate_node_set(expr, XNode::Node(doc.root()), &ctx)
        .map_err(|e| Error::C14n(e.to_string()))?;
    let selection = kyso_c14n::Selection::new(&set);
    kyso_c14n::canonicalize(&NodeSet::selection(doc, &selection), &options)
        .map_err(|e| Error::C14n(e.to_string()))
}
