//! XAdES unsigned properties added to a signature after it is made: the SignatureTimeStamp
//! of level B-T (ETSI EN 319 132-1, 5.3).
//!
//! The time-stamp's message imprint is the digest of the signature's `ds:SignatureValue`
//! element, canonicalized in place with the algorithm named by the time-stamp's
//! `ds:CanonicalizationMethod`. The property goes into
//! `ds:Object/xades:QualifyingProperties/xades:UnsignedProperties/xades:UnsignedSignatureProperties`
//! inside the `ds:Signature`. Nothing a Reference or SignedInfo covers changes, so the
//! signature stays valid; the text is inserted without re-serializing the document.

use roxmltree::{Document, Node};

use kyso_pki::base64;

use crate::Error;
use crate::algorithms::{DSIG_NS, EXC_C14N};
use crate::canon;
use crate::document::{IdIndex, dsig_child, parse};
use crate::sign::{before_end_tag, escape, qualified_name};

/// The XAdES 1.3.2 namespace (the one kyso writes).
pub const XADES_NS: &str = "http://uri.etsi.org/01903/v1.3.2#";

/// The XAdES 1.4.1 namespace (read, never written).
pub const XADES_141_NS: &str = "http://uri.etsi.org/01903/v1.4.1#";

/// The canonicalization kyso names in the SignatureTimeStamps it writes: exclusive C14N 1.0,
/// whose output for `ds:SignatureValue` does not depend on the namespaces in scope where the
/// signature sits.
pub const SIGNATURE_TIMESTAMP_C14N: &str = EXC_C14N;

/// The signature element with Id `signature_id`: exactly one element carries that Id, and it
/// is a `ds:Signature`.
fn signature_by_id<'a, 'i>(
    doc: &'a Document<'i>,
    signature_id: &str,
) -> Result<Node<'a, 'i>, Error> {
    let node = IdIndex::build(doc).get(doc, signature_id)?;
    if node.tag_name().name() != "Signature" || node.tag_name().namespace() != Some(DSIG_NS) {
        return Err(Error::CannotSign(format!(
            "the element with Id '{signature_id}' is not a ds:Signature"
        )));
    }
    Ok(node)
}

fn canonical_signature_value(
    doc: &Document<'_>,
    signature: &Node<'_, '_>,
    c14n: &str,
) -> Result<Vec<u8>, Error> {
    let value = dsig_child(signature, "SignatureValue")
        .ok_or_else(|| Error::Malformed("the signature has no SignatureValue".into()))?;
    // As a verifier computes it: the element's subtree in its document, comments kept under
    // a #WithComments algorithm.
    canon::canonicalize(doc, Some(value), None, c14n, true, &[])
}

/// The octets a XAdES SignatureTimeStamp's message imprint is computed over: the
/// `ds:SignatureValue` element of the signature with Id `signature_id`, canonicalized in its
/// document with `c14n` (a canonicalization method URI).
pub fn signature_timestamp_input(
    text: &str,
    signature_id: &str,
    c14n: &str,
) -> Result<Vec<u8>, Error> {
    let doc = parse(text)?;
    let signature = signature_by_id(&doc, signature_id)?;
    canonical_signature_value(&doc, &signature, c14n)
}

/// Adds a XAdES SignatureTimeStamp holding `token_der` (an RFC 3161 TimeStampToken over
/// [`signature_timestamp_input`] with the same `c14n`) to the signature with Id
/// `signature_id`, as
/// `ds:Object/xades:QualifyingProperties/xades:UnsignedProperties/xades:UnsignedSignatureProperties/xades:SignatureTimeStamp`
/// inserted before the signature's end tag. The signature must not hold XAdES qualifying
/// properties yet. Returns the new document; every other byte stays as it was.
pub fn add_signature_timestamp(
    text: &str,
    signature_id: &str,
    c14n: &str,
    token_der: &[u8],
) -> Result<String, Error> {
    if !canon::is_c14n(c14n) {
        return Err(Error::Unsupported(format!(
            "canonicalization method '{c14n}'"
        )));
    }
    let doc = parse(text)?;
    let signature = signature_by_id(&doc, signature_id)?;
    let has_properties = signature.descendants().any(|n| {
        n.is_element()
            && n.tag_name().name() == "QualifyingProperties"
            && n.tag_name()
                .namespace()
                .is_some_and(|ns| ns == XADES_NS || ns == XADES_141_NS)
    });
    if has_properties {
        return Err(Error::CannotSign(
            "the signature already holds XAdES qualifying properties".into(),
        ));
    }
    let before = canonical_signature_value(&doc, &signature, c14n)?;
    let at = before_end_tag(text, &signature)
        .ok_or_else(|| Error::Malformed("the signature element is empty".into()))?;
    // The prefix the signature is written with is bound to the XMLDSig namespace where the
    // Object goes (a direct child of the Signature).
    let name = qualified_name(text, &signature);
    let ds = match name.split_once(':') {
        Some((prefix, _)) => format!("{prefix}:"),
        None => String::new(),
    };
    let ids = IdIndex::build(&doc);
    let timestamp_id = (0u32..)
        .map(|n| {
            if n == 0 {
                format!("{signature_id}-ts")
            } else {
                format!("{signature_id}-ts-{n}")
            }
        })
        .find(|id| {
            ids.get(&doc, id)
                .is_err_and(|e| matches!(e, Error::MissingId(_)))
        })
        .unwrap_or_default();
    let object = format!(
        "<{ds}Object><xades:QualifyingProperties xmlns:xades=\"{XADES_NS}\" Target=\"#{}\">\
         <xades:UnsignedProperties><xades:UnsignedSignatureProperties>\
         <xades:SignatureTimeStamp Id=\"{}\"><{ds}CanonicalizationMethod Algorithm=\"{}\"/>\
         <xades:EncapsulatedTimeStamp>{}</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>\
         </xades:UnsignedSignatureProperties></xades:UnsignedProperties>\
         </xades:QualifyingProperties></{ds}Object>",
        escape(signature_id),
        escape(&timestamp_id),
        escape(c14n),
        base64::encode(token_der),
    );
    let mut out = String::with_capacity(text.len() + object.len());
    out.push_str(text.get(..at).unwrap_or(""));
    out.push_str(&object);
    out.push_str(text.get(at..).unwrap_or(""));
    // The time-stamped octets must be what a verifier computes in the new document.
    let after = signature_timestamp_input(&out, signature_id, c14n)?;
    if after != before {
        return Err(Error::CannotSign(
            "adding the time-stamp would change the canonical SignatureValue".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithms::C14N10;

    const DOC: &str = "<?xml version=\"1.0\"?>\n<r xmlns=\"urn:x\" xmlns:p=\"urn:p\"><p:a Id=\"s-ts\">x</p:a>\
<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"s\"><ds:SignedInfo/>\
<ds:SignatureValue>QUJD\nREVG</ds:SignatureValue></ds:Signature></r>\n";

    #[test]
    fn adds_the_timestamp_inside_the_signature_and_keeps_the_rest() {
        let exclusive = signature_timestamp_input(DOC, "s", SIGNATURE_TIMESTAMP_C14N);
        assert_eq!(
            exclusive.as_deref().ok(),
            Some(
                &b"<ds:SignatureValue xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">QUJD\nREVG</ds:SignatureValue>"[..]
            )
        );
        // Inclusive C14N carries the namespaces in scope.
        let inclusive = signature_timestamp_input(DOC, "s", C14N10).unwrap_or_default();
        assert!(String::from_utf8_lossy(&inclusive).contains("xmlns=\"urn:x\""));

        let out = add_signature_timestamp(DOC, "s", SIGNATURE_TIMESTAMP_C14N, b"\x30\x00");
        let out = out.unwrap_or_default();
        let object = format!(
            "<ds:Object><xades:QualifyingProperties xmlns:xades=\"{XADES_NS}\" Target=\"#s\">\
             <xades:UnsignedProperties><xades:UnsignedSignatureProperties>\
             <xades:SignatureTimeStamp Id=\"s-ts-1\"><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/>\
             <xades:EncapsulatedTimeStamp>MAA=</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>\
             </xades:UnsignedSignatureProperties></xades:UnsignedProperties>\
             </xades:QualifyingProperties></ds:Object></ds:Signature>"
        );
        assert_eq!(out, DOC.replacen("</ds:Signature>", &object, 1));
        // The inclusive form does not change either: xades is declared below the signature.
        assert_eq!(
            signature_timestamp_input(&out, "s", C14N10).unwrap_or_default(),
            inclusive
        );
        // Once only.
        assert!(matches!(
            add_signature_timestamp(&out, "s", SIGNATURE_TIMESTAMP_C14N, b"\x30\x00"),
            Err(Error::CannotSign(_))
        ));
    }

    #[test]
    fn default_namespace_signatures_get_unprefixed_dsig_elements() {
        let doc = "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"s\"><SignedInfo/>\
                   <SignatureValue>QUJD</SignatureValue></Signature>";
        let out = add_signature_timestamp(doc, "s", C14N10, b"\x30\x00").unwrap_or_default();
        assert!(
            out.contains("<Object><xades:QualifyingProperties")
                && out.contains(&format!("<CanonicalizationMethod Algorithm=\"{C14N10}\"/>"))
                && out.ends_with("</Object></Signature>"),
            "{out}"
        );
    }

    #[test]
    fn refuses_what_it_cannot_stamp() {
        assert!(matches!(
            add_signature_timestamp(DOC, "s-ts", EXC_C14N, b""),
            Err(Error::CannotSign(_))
        ));
        assert!(matches!(
            add_signature_timestamp(DOC, "nope", EXC_C14N, b""),
            Err(Error::MissingId(_))
        ));
        assert!(matches!(
            add_signature_timestamp(DOC, "s", "urn:not-c14n", b""),
            Err(Error::Unsupported(_))
        ));
        let twice = DOC.replace("<p:a Id=\"s-ts\">", "<p:a Id=\"s\">");
        assert!(matches!(
            signature_timestamp_input(&twice, "s", EXC_C14N),
            Err(Error::DuplicateId(_))
        ));
    }
}
