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
