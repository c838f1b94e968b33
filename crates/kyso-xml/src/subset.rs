//! The XMLDSig transforms that select part of a node-set: the XPath 1.0 transform (XMLDSig
//! 6.6.3, the `XPath` element's expression evaluated per node as a boolean filter) and XPath
//! Filter 2.0 (intersect, subtract and union over the subtrees the expressions select). Both
//! evaluate with kyso-c14n's bounded evaluator: no extension functions, no variables,
//! `here()` the `XPath` element.

use kyso_c14n::Selection;
use kyso_c14n::xpath::{self, Context, XNode, XNodeSet};
use roxmltree::{Document, Node};

use crate::algorithms::DSIG_NS;

/// The XPath 1.0 transform.
pub const XPATH: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";
/// XPath Filter 2.0.
pub const FILTER2: &str = "http://www.w3.org/2002/06/xmldsig-filter2";

/// Whether `node` lies in the subtree of `root` (`root` itself included; an attribute or
/// namespace node lies where its element does).
fn within(node: &XNode<'_, '_>, root: Node<'_, '_>) -> bool {
    node.owner().ancestors().any(|a| a == root)
}

/// The node-set of a same-document reference: the subtree of `apex` (the whole document when
/// `None`), without the subtree of `exclude` and, unless `comments`, without comment nodes.
pub(crate) fn select<'a, 'i>(
    doc: &'a Document<'i>,
    apex: Option<Node<'a, 'i>>,
    exclude: Option<Node<'a, 'i>>,
    comments: bool,
) -> Selection {
    Selection::from_nodes(xpath::all_nodes(doc).nodes().iter().copied().filter(|n| {
        apex.is_none_or(|a| within(n, a))
            && exclude.is_none_or(|x| !within(n, x))
            && (comments || !matches!(n, XNode::Node(m) if m.is_comment()))
    }))
}

/// The nodes of `set`, in document order.
pub(crate) fn nodes<'a, 'i>(doc: &'a Document<'i>, set: &Selection) -> Vec<XNode<'a, 'i>> {
    xpath::all_nodes(doc)
        .nodes()
        .iter()
        .copied()
        .filter(|n| set.contains(n))
        .collect()
}

/// `set` without the subtree of `sig` (the enveloped-signature transform).
pub(crate) fn without<'a, 'i>(
    doc: &'a Document<'i>,
    set: &Selection,
    sig: Node<'a, 'i>,
) -> Selection {
    Selection::from_nodes(nodes(doc, set).into_iter().filter(|n| !within(n, sig)))
}

/// The string value of the text nodes of `set`, in document order (the base64 transform).
pub(crate) fn text(doc: &Document<'_>, set: &Selection) -> String {
    nodes(doc, set)
        .into_iter()
        .filter_map(|n| match n {
            XNode::Node(m) if m.is_text() => m.text(),
            _ => None,
        })
        .collect()
}

/// The prefixes in scope on `el`, for the names of its expression.
fn bindings(el: Node<'_, '_>) -> Vec<(String, String)> {
    el.namespaces()
        .filter_map(|ns| ns.name().map(|p| (p.to_owned(), ns.uri().to_owned())))
        .collect()
}

/// The XPath 1.0 transform: the nodes of `set` for which the expression of the `XPath`
/// child of `transform` is true.
pub(crate) fn xpath_filter<'a, 'i>(
    doc: &'a Document<'i>,
    set: &Selection,
    transform: Node<'a, 'i>,
) -> Result<Selection, String> {
    xpath_filter_in(doc, set, transform, true)
}

/// [`xpath_filter`]; `here` false when `transform` is not in `doc` (an external document:
/// `here()` is then an error).
fn xpath_filter_in<'a, 'i>(
    doc: &'a Document<'i>,
    set: &Selection,
    transform: Node<'a, 'i>,
    here: bool,
) -> Result<Selection, String> {
    let el = transform
        .children()
        .find(|c| c.is_element() && c.has_tag_name((DSIG_NS, "XPath")))
        .ok_or("the XPath transform has no XPath element")?;
    let expr: String = el
        .children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect();
    let ctx = Context {
        namespaces: bindings(el),
        here: here.then_some(XNode::Node(el)),
        max_steps: None,
    };
    let input = XNodeSet::from_nodes(nodes(doc, set));
    let out = xpath::filter(&expr, &input, &ctx).map_err(|e| e.to_string())?;
    Ok(Selection::new(&out))
}

/// A Filter 2.0 operation.
enum Op {
    Intersect,
    Subtract,
    Union,
}

/// XPath Filter 2.0: the nodes of `set` that are in the filter node-set, which starts as every
/// node of the document and is intersected with, has subtracted from it, or is united with the
/// subtrees each `XPath` element's expression selects (evaluated at the document root), in
/// order.
pub(crate) fn filter2<'a, 'i>(
    doc: &'a Document<'i>,
    set: &Selection,
    transform: Node<'a, 'i>,
) -> Result<Selection, String> {
    filter2_in(doc, set, transform, true)
}

/// [`filter2`]; `here` as for [`xpath_filter_in`].
fn filter2_in<'a, 'i>(
    doc: &'a Document<'i>,
    set: &Selection,
    transform: Node<'a, 'i>,
    here: bool,
) -> Result<Selection, String> {
    let mut ops = Vec::new();
    for el in transform
        .children()
        .filter(|c| c.is_element() && c.has_tag_name((FILTER2, "XPath")))
    {
        let op = match el.attribute("Filter") {
            Some("intersect") => Op::Intersect,
            Some("subtract") => Op::Subtract,
            Some("union") => Op::Union,
            other => {
                return Err(format!(
                    "XPath Filter 2.0: Filter '{}' is not intersect, subtract or union",
                    other.unwrap_or("")
                ));
            }
        };
        let expr: String = el
            .children()
            .filter(|c| c.is_text())
            .filter_map(|c| c.text())
            .collect();
        let ctx = Context {
            namespaces: bindings(el),
            here: here.then_some(XNode::Node(el)),
            max_steps: None,
        };
        let selected = xpath::evaluate_node_set(&expr, XNode::Node(doc.root()), &ctx)
            .map_err(|e| e.to_string())?;
        ops.push((op, Selection::new(&selected)));
    }
    if ops.is_empty() {
        return Err("XPath Filter 2.0 transform without XPath elements".into());
    }
    // A node is in the subtree of a selected node when it or an ancestor is selected (an
    // attribute or namespace node: itself, its element or an ancestor of that).
    let in_subtrees = |n: &XNode<'_, '_>, sel: &Selection| {
        sel.contains(n)
            || match n {
                XNode::Node(m) => m.ancestors().skip(1).any(|a| sel.contains(&XNode::Node(a))),
                XNode::Attribute(m, _) | XNode::Namespace(m, _) => {
                    m.ancestors().any(|a| sel.contains(&XNode::Node(a)))
                }
            }
    };
    Ok(Selection::from_nodes(nodes(doc, set).into_iter().filter(
        |n| {
            ops.iter().fold(true, |keep, (op, sel)| match op {
                Op::Intersect => keep && in_subtrees(n, sel),
                Op::Subtract => keep && !in_subtrees(n, sel),
                Op::Union => keep || in_subtrees(n, sel),
            })
        },
    )))
}

/// Most transforms applied to one external document.
const MAX_EXTERNAL_TRANSFORMS: usize = 16;

/// Node-set transforms over octets (an external XML document): XMLDSig parses the octets
/// into a node-set (every node, comments included) and the chain `rest` goes on over that
/// document: XPath, XPath Filter 2.0 (`here()` unavailable: the expression is not in this
/// document), enveloped-signature (nothing to remove: the signature is elsewhere) and C14N.
/// Returns the octets the chain ends with (a node-set left over gets C14N 1.0) and whether an
/// XPath transform narrowed the data.
pub(crate) fn octets_chain(
    octets: &[u8],
    rest: &[Node<'_, '_>],
) -> Result<(Vec<u8>, bool), String> {
    if rest.len() > MAX_EXTERNAL_TRANSFORMS {
        return Err(format!("more than {MAX_EXTERNAL_TRANSFORMS} transforms"));
    }
    let text = crate::as_text(octets).map_err(|e| e.to_string())?;
    let doc = crate::parse(text).map_err(|e| e.to_string())?;
    let mut set = select(&doc, None, None, true);
    let mut narrowed = false;
    for (i, t) in rest.iter().enumerate() {
        let alg = t.attribute("Algorithm").unwrap_or("");
        if alg == XPATH {
            set = xpath_filter_in(&doc, &set, *t, false)?;
            narrowed = true;
        } else if alg == FILTER2 {
            set = filter2_in(&doc, &set, *t, false)?;
            narrowed = true;
        } else if alg == crate::algorithms::ENVELOPED {
        } else if crate::canon::is_c14n(alg) {
            let out = crate::canon::canonicalize_selection(
                &doc,
                &set,
                alg,
                &crate::verify::inclusive_prefixes(t),
            )
            .map_err(|e| e.to_string())?;
            return match rest.get(i + 1..) {
                Some(more) if !more.is_empty() => {
                    let (out, more_narrowed) = octets_chain(&out, more)?;
                    Ok((out, narrowed || more_narrowed))
                }
                _ => Ok((out, narrowed)),
            };
        } else {
            return Err(format!("transform '{alg}' is not supported there"));
        }
    }
    let out = crate::canon::canonicalize_selection(&doc, &set, crate::algorithms::C14N10, &[])
        .map_err(|e| e.to_string())?;
    Ok((out, narrowed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<r xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:f="http://www.w3.org/2002/06/xmldsig-filter2"><a><b/></a><c/><ds:Transforms><ds:Transform Algorithm="x"><ds:XPath>EXPR</ds:XPath></ds:Transform><ds:Transform Algorithm="y"><f:XPath Filter="intersect">//a</f:XPath><f:XPath Filter="subtract">//b</f:XPath><f:XPath Filter="union">//c</f:XPath></ds:Transform></ds:Transforms></r>"#;

    fn with_expr(expr: &str) -> String {
        DOC.replace("EXPR", expr)
    }

    fn names(doc: &Document<'_>, set: &Selection) -> Vec<String> {
        nodes(doc, set)
            .into_iter()
            .filter_map(|n| match n {
                XNode::Node(m) if m.is_element() => Some(m.tag_name().name().to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn xpath_transform_filters_per_node() -> Result<(), String> {
        let text = with_expr("not(ancestor-or-self::ds:Transforms) and not(self::b)");
        let doc = Document::parse(&text).map_err(|e| e.to_string())?;
        let transform = doc
            .descendants()
            .find(|n| n.has_tag_name((DSIG_NS, "Transform")))
            .ok_or("no transform")?;
        let all = select(&doc, None, None, false);
        let out = xpath_filter(&doc, &all, transform)?;
        assert_eq!(names(&doc, &out), ["r", "a", "c"]);
        // here() is the XPath element.
        let text = with_expr("count(here()/ancestor::ds:Transforms) = 1 and self::c");
        let doc = Document::parse(&text).map_err(|e| e.to_string())?;
        let transform = doc
            .descendants()
            .find(|n| n.has_tag_name((DSIG_NS, "Transform")))
            .ok_or("no transform")?;
        let out = xpath_filter(&doc, &select(&doc, None, None, false), transform)?;
        assert_eq!(names(&doc, &out), ["c"]);
        // A comment in the XPath element is not part of the expression (Merlin c14n-two).
        let text = with_expr("<!-- only c -->self::c<!-- end -->");
        let doc = Document::parse(&text).map_err(|e| e.to_string())?;
        let transform = doc
            .descendants()
            .find(|n| n.has_tag_name((DSIG_NS, "Transform")))
            .ok_or("no transform")?;
        let out = xpath_filter(&doc, &select(&doc, None, None, false), transform)?;
        assert_eq!(names(&doc, &out), ["c"]);
        // Extension functions, unbound prefixes, nesting past the limit: errors.
        for bad in [
            "ext:f()".to_owned(),
            "document('x')".to_owned(),
            "self::zz:a".to_owned(),
            format!("{}1{}", "(".repeat(200), ")".repeat(200)),
        ] {
            let text = with_expr(&bad);
            let doc = Document::parse(&text).map_err(|e| e.to_string())?;
            let transform = doc
                .descendants()
                .find(|n| n.has_tag_name((DSIG_NS, "Transform")))
                .ok_or("no transform")?;
            assert!(
                xpath_filter(&doc, &select(&doc, None, None, false), transform).is_err(),
                "{bad}"
            );
        }
        Ok(())
    }

    #[test]
    fn external_octets_are_parsed_for_node_set_transforms() -> Result<(), String> {
        let xpath_alg = format!("Algorithm=\"{XPATH}\"");
        let text = with_expr("not(self::c) and not(self::comment())")
            .replace("Algorithm=\"x\"", &xpath_alg);
        let doc = Document::parse(&text).map_err(|e| e.to_string())?;
        let transform = doc
            .descendants()
            .find(|n| n.has_tag_name((DSIG_NS, "Transform")))
            .ok_or("no transform")?;
        let external = b"<r><!--k--><a x='1'/><c/></r>";
        let (out, narrowed) = octets_chain(external, &[transform])?;
        assert_eq!(String::from_utf8_lossy(&out), "<r><a x=\"1\"></a></r>");
        assert!(narrowed);
        // here() refers to the signature's document: not available over another one.
        let text = with_expr("count(here()) = 1").replace("Algorithm=\"x\"", &xpath_alg);
        let doc = Document::parse(&text).map_err(|e| e.to_string())?;
        let transform = doc
            .descendants()
            .find(|n| n.has_tag_name((DSIG_NS, "Transform")))
            .ok_or("no transform")?;
        assert!(octets_chain(external, &[transform]).is_err());
        assert!(octets_chain(b"not xml", &[transform]).is_err());
        Ok(())
    }

    #[test]
    fn filter2_intersect_subtract_union() -> Result<(), String> {
        let text = with_expr("true()");
        let doc = Document::parse(&text).map_err(|e| e.to_string())?;
        let transform = doc
            .descendants()
            .filter(|n| n.has_tag_name((DSIG_NS, "Transform")))
            .nth(1)
            .ok_or("no transform")?;
        let out = filter2(&doc, &select(&doc, None, None, false), transform)?;
        // (all ∩ subtree(a)) − subtree(b) ∪ subtree(c)
        assert_eq!(names(&doc, &out), ["a", "c"]);
        // The input node-set bounds the output: without c in the input, no c.
        let c = doc
            .descendants()
            .find(|n| n.has_tag_name("c"))
            .ok_or("no c")?;
        let input = select(&doc, None, Some(c), false);
        assert_eq!(names(&doc, &filter2(&doc, &input, transform)?), ["a"]);
        // Enveloped afterwards removes a subtree.
        let a = doc
            .descendants()
            .find(|n| n.has_tag_name("a"))
            .ok_or("no a")?;
        assert_eq!(names(&doc, &without(&doc, &out, a)), ["c"]);
        Ok(())
    }
}
