//! The attribute axis of an output element.
//!
//! All of the element's own attributes are output, sorted by namespace URI
//! (no namespace first) and then local name. The inclusive methods also look
//! at the `xml:*` attributes of the element's ancestors that are not in the
//! node-set, which matters for the apex of a document subset:
//!
//! * C14N 1.0 copies every `xml:*` attribute of those ancestors (nearest
//!   first) that the element does not have itself;
//! * C14N 1.1 copies only `xml:lang` and `xml:space`, and joins `xml:base`
//!   with the omitted ancestors' values (§2.4); libxml2 also drops an empty
//!   `xml:base` and appends `/` to ancestor values whose last-but-one
//!   character is `.`, and so does this crate;
//! * exclusive C14N copies nothing.

use std::borrow::Cow;
use std::cmp::Ordering;

use roxmltree::Node;

use crate::dtd::Dtd;
use crate::error::Error;
use crate::method::Method;
use crate::node_set::Selection;
use crate::qname::{XML_NS, attribute_prefix};
use crate::uri;

/// One attribute to print.
#[derive(Clone, Debug)]
pub(crate) struct OutAttr<'a> {
    pub(crate) prefix: Option<&'a str>,
    pub(crate) uri: Option<&'a str>,
    pub(crate) local: &'a str,
    pub(crate) value: Cow<'a, str>,
}

/// Collects the attributes of visible `node` into `out`, sorted.
/// `hidden_ancestors` says whether the element's ancestors are outside the
/// node-set (for a subtree: true only for its apex; in a document subset:
/// whether the parent element is not output, and then the ancestors up to the
/// nearest one output count).
pub(crate) fn collect<'a>(
    node: Node<'a, '_>,
    method: Method,
    hidden_ancestors: bool,
    dtd: Option<&'a Dtd<'_>>,
    selection: Option<&Selection>,
    out: &mut Vec<OutAttr<'a>>,
) -> Result<(), Error> {
    out.clear();
    // In a document subset, whether the element's own xml:`name` is selected.
    let own_selected = |n: Node<'_, '_>, name: &str| {
        selection.is_none_or(|s| {
            n.attributes()
                .position(|a| a.namespace() == Some(XML_NS) && a.name() == name)
                .is_none_or(|i| s.attribute(n, i))
        })
    };
    let hidden = move || {
        node.ancestors()
            .skip(1)
            .filter(|a| a.is_element())
            // In a document subset, every ancestor (as libxml2 and Santuario:
            // the nearest value of each xml:* attribute wins, whether or not
            // the ancestor carrying it is output).
            .take_while(move |_| hidden_ancestors)
    };
    match method {
        Method::ExcC14n10 => own(node, selection, out, |_| true)?,
        Method::C14n10 => {
            own(node, selection, out, |_| true)?;
            for ancestor in hidden() {
                for a in ancestor.attributes() {
                    if a.namespace() == Some(XML_NS)
                        && !out
                            .iter()
                            .any(|o| o.uri == Some(XML_NS) && o.local == a.name())
                    {
                        out.push(OutAttr {
                            prefix: Some("xml"),
                            uri: Some(XML_NS),
                            local: a.name(),
                            value: Cow::Borrowed(a.value()),
                        });
                    }
                }
                if let Some(dtd) = dtd {
                    inherit_xml_defaults(ancestor, dtd, out)?;
                }
            }
        }
        Method::C14n11 => {
            own(node, selection, out, |local| {
                !matches!(local, "lang" | "space" | "base")
            })?;
            for name in ["lang", "space"] {
                let found = std::iter::once(node)
                    .filter(|n| own_selected(*n, name))
                    .chain(hidden())
                    .find_map(|n| {
                        n.attribute((XML_NS, name))
                            .or_else(|| dtd.and_then(|d| xml_default(n, d, name)))
                    });
                if let Some(value) = found {
                    out.push(xml_attr(name, Cow::Borrowed(value)));
                }
            }
            let owner = std::iter::once(node)
                .filter(|n| own_selected(*n, "base"))
                .chain(hidden())
                .find(|n| n.has_attribute((XML_NS, "base")));
            if let Some(value) =
                owner.and_then(|owner| fixup_base(owner, hidden_ancestors, selection))
            {
                out.push(xml_attr("base", value));
            }
        }
    }
    if let Some(dtd) = dtd {
        apply_dtd(node, method, dtd, out)?;
    }
    out.sort_by(compare);
    Ok(())
}

/// The attribute nodes of `node` in `selection` only (an element outside a
/// document subset: nothing inherited, no defaults), sorted.
pub(crate) fn selected_own<'a>(
    node: Node<'a, '_>,
    selection: &Selection,
    out: &mut Vec<OutAttr<'a>>,
) -> Result<(), Error> {
    out.clear();
    own(node, Some(selection), out, |_| true)?;
    out.sort_by(compare);
    Ok(())
}

/// The DTD-defaulted `xml:*` attributes of an omitted ancestor, for C14N 1.0.
fn inherit_xml_defaults<'a>(
    ancestor: Node<'a, '_>,
    dtd: &'a Dtd<'_>,
    out: &mut Vec<OutAttr<'a>>,
) -> Result<(), Error> {
    let mut defaults = Vec::new();
    dtd.defaults(
        ancestor,
        crate::qname::element_prefix(ancestor)?,
        &mut defaults,
    );
    for d in defaults {
        if d.uri == Some(XML_NS)
            && !out
                .iter()
                .any(|o| o.uri == Some(XML_NS) && o.local == d.local)
        {
            out.push(xml_attr(d.local, Cow::Borrowed(d.value)));
        }
    }
    Ok(())
}

/// The DTD default of `xml:name` on `node`, if it has none of its own.
fn xml_default<'a>(node: Node<'a, '_>, dtd: &'a Dtd<'_>, name: &str) -> Option<&'a str> {
    let mut defaults = Vec::new();
    dtd.defaults(
        node,
        crate::qname::element_prefix(node).ok()?,
        &mut defaults,
    );
    defaults
        .into_iter()
        .find(|d| d.uri == Some(XML_NS) && d.local == name)
        .map(|d| d.value)
}

/// DTD attribute defaults and type normalization (C14N 1.0 §3.3, §3.4).
fn apply_dtd<'a>(
    node: Node<'a, '_>,
    method: Method,
    dtd: &'a Dtd<'_>,
    out: &mut Vec<OutAttr<'a>>,
) -> Result<(), Error> {
    let element_prefix = crate::qname::element_prefix(node)?;
    for a in out.iter_mut() {
        if dtd.is_tokenized(node, element_prefix, a.prefix, a.local) {
            a.value = Cow::Owned(crate::dtd::collapse(&a.value));
        }
    }
    let mut defaults = Vec::new();
    dtd.defaults(node, element_prefix, &mut defaults);
    for d in defaults {
        // C14N 1.1 handles the xml:* attributes itself; like an own
        // attribute, an xml:* default replaces an inherited one.
        if d.uri == Some(XML_NS) {
            if method == Method::C14n11 && d.local == "base" {
                continue;
            }
            out.retain(|o| !(o.uri == Some(XML_NS) && o.local == d.local));
        }
        out.push(OutAttr {
            prefix: d.prefix,
            uri: d.uri,
            local: d.local,
            value: Cow::Borrowed(d.value),
        });
    }
    Ok(())
}

/// The element's own attributes; `keep_xml` filters `xml:*` ones by local name.
fn own<'a>(
    node: Node<'a, '_>,
    selection: Option<&Selection>,
    out: &mut Vec<OutAttr<'a>>,
    keep_xml: impl Fn(&str) -> bool,
) -> Result<(), Error> {
    for (i, a) in node.attributes().enumerate() {
        if a.namespace() == Some(XML_NS) && !keep_xml(a.name()) {
            continue;
        }
        if selection.is_some_and(|s| !s.attribute(node, i)) {
            continue;
        }
        out.push(OutAttr {
            prefix: attribute_prefix(node, &a)?,
            uri: a.namespace(),
            local: a.name(),
            value: Cow::Borrowed(a.value()),
        });
    }
    Ok(())
}

fn xml_attr<'a>(local: &'a str, value: Cow<'a, str>) -> OutAttr<'a> {
    OutAttr {
        prefix: Some("xml"),
        uri: Some(XML_NS),
        local,
        value,
    }
}

/// C14N 1.1 `xml:base` fix-up (libxml2 `xmlC14NFixupBaseAttr`): the value on
/// `owner` (the element itself or its nearest omitted ancestor that has one)
/// is resolved against the values of the omitted ancestors above it. An
/// empty result is dropped, as is a value libxml2 cannot resolve.
fn fixup_base<'a>(
    owner: Node<'a, '_>,
    hidden_ancestors: bool,
    selection: Option<&Selection>,
) -> Option<Cow<'a, str>> {
    let mut res: Cow<'a, str> = Cow::Borrowed(owner.attribute((XML_NS, "base"))?);
    if hidden_ancestors {
        // Ancestors of the owner that are outside the node-set: for the apex,
        // all of its ancestor elements.
        let above = owner
            .ancestors()
            .skip(1)
            .filter(|a| a.is_element())
            .take_while(|a| selection.is_none_or(|s| !s.node(*a)));
        for ancestor in above {
            let Some(value) = ancestor.attribute((XML_NS, "base")) else {
                continue;
            };
            let mut base = value.to_owned();
            if base.len() > 1 && base.as_bytes().get(base.len() - 2) == Some(&b'.') {
                base.push('/');
            }
            res = Cow::Owned(uri::resolve(&res, &base)?);
        }
    }
    if res.is_empty() { None } else { Some(res) }
}

/// libxml2 `xmlC14NAttrsCompare`: no namespace first, then namespace URI,
/// then local name, all by code point (UTF-8 byte) order.
fn compare(a: &OutAttr<'_>, b: &OutAttr<'_>) -> Ordering {
    a.uri.cmp(&b.uri).then_with(|| a.local.cmp(b.local))
}
