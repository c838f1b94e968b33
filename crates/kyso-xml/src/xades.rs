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
use crate::document::{IdIndex, dsig_child, parse, path, text_of};
use crate::keys::decimal_to_bytes;
use crate::sign::{before_end_tag, escape, qualified_name};
use crate::verify::SignatureOutcome;

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

/// Whether the signature holds a XAdES `ArchiveTimeStamp` of its own (whose message imprint
/// covers the data of the signature's references).
pub(crate) fn has_archive_timestamp(sig: &Node<'_, '_>) -> bool {
    sig.descendants()
        .any(|n| is_xades(&n, "ArchiveTimeStamp") && owner_signature(&n) == Some(*sig))
}

/// The `ds:Signature` a XAdES property belongs to: the nearest enclosing one.
fn owner_signature<'a, 'i>(n: &Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    n.ancestors().skip(1).find(|a| is_dsig(a, "Signature"))
}

/// The XAdES `ArchiveTimeStamp` elements (XAdES 1.4.1, or 1.3.2) of a signature, in document
/// order; not those of a signature nested in it (a countersignature).
pub fn archive_timestamps<'a, 'i>(sig: &Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    sig.descendants()
        .filter(|n| is_xades(n, "ArchiveTimeStamp") && owner_signature(n) == Some(*sig))
        .collect()
}

/// The octets a XAdES `ArchiveTimeStamp`'s message imprint is computed over (ETSI EN 319
/// 132-1, 5.5.2.2, not distributed case), canonicalizing with the algorithm the time-stamp's
/// `ds:CanonicalizationMethod` names (C14N 1.0 without one), in this order:
///
/// 1. the data of each `ds:Reference` of SignedInfo, as its digest was computed (a node-set
///    left after the transforms canonicalized with the time-stamp's algorithm);
/// 2. `ds:SignedInfo`, `ds:SignatureValue` and `ds:KeyInfo` (when present);
/// 3. the unsigned signature properties before the time-stamp, in document order;
/// 4. the `ds:Object` elements but the one holding the `QualifyingProperties`; for a XAdES
///    1.3.2 `ArchiveTimeStamp` (TS 101 903 v1.3.2) only those no Reference points to.
///
/// `outcome` is the signature's verification outcome: its references must have verified.
pub fn archive_timestamp_input(
    doc: &Document<'_>,
    sig: Node<'_, '_>,
    stamp: Node<'_, '_>,
    outcome: &SignatureOutcome,
) -> Result<Vec<u8>, Error> {
    let c14n = dsig_child(&stamp, "CanonicalizationMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .unwrap_or(crate::algorithms::C14N10);
    if !canon::is_c14n(c14n) {
        return Err(Error::Unsupported(format!(
            "canonicalization method '{c14n}'"
        )));
    }
    if xades_child(&stamp, "Include").is_some() {
        return Err(Error::Unsupported(
            "an ArchiveTimeStamp with Include elements (the distributed case)".into(),
        ));
    }
    let canonical =
        |node: Node<'_, '_>| canon::canonicalize(doc, Some(node), None, c14n, true, &[]);
    let mut out = Vec::new();
    // 1. The references' data.
    for r in &outcome.references {
        let Some(octets) = r.digested.as_deref() else {
            return Err(Error::Malformed(format!(
                "the data of reference '{}' could not be verified",
                r.uri
            )));
        };
        if r.node_set && c14n != crate::algorithms::C14N10 {
            // Digested as C14N 1.0; the time-stamp asks for another algorithm.
            let again = std::str::from_utf8(octets)
                .ok()
                .and_then(|t| parse(t).ok())
                .and_then(|d| canon::canonicalize(&d, None, None, c14n, true, &[]).ok());
            out.extend_from_slice(again.as_deref().unwrap_or(octets));
        } else {
            out.extend_from_slice(octets);
        }
    }
    // 2. SignedInfo, SignatureValue, KeyInfo.
    for name in ["SignedInfo", "SignatureValue"] {
        let node = dsig_child(&sig, name)
            .ok_or_else(|| Error::Malformed(format!("the signature has no {name}")))?;
        out.extend(canonical(node)?);
    }
    if let Some(key_info) = dsig_child(&sig, "KeyInfo") {
        out.extend(canonical(key_info)?);
    }
    // 3. The unsigned signature properties before the time-stamp.
    let properties = stamp
        .parent_element()
        .filter(|p| is_xades(p, "UnsignedSignatureProperties"))
        .ok_or_else(|| {
            Error::Malformed("the ArchiveTimeStamp is not an unsigned signature property".into())
        })?;
    for p in properties
        .children()
        .filter(Node::is_element)
        .take_while(|p| *p != stamp)
    {
        out.extend(canonical(p)?);
    }
    // 4. The Objects.
    let v132 = stamp.tag_name().namespace() == Some(XADES_NS);
    let referenced: Vec<&str> = outcome
        .references
        .iter()
        .filter_map(|r| r.uri.strip_prefix('#'))
        .collect();
    for object in crate::document::dsig_children(&sig, "Object") {
        if object
            .children()
            .any(|c| is_xades(&c, "QualifyingProperties"))
        {
            continue;
        }
        if v132 && crate::document::id_of(&object).is_some_and(|id| referenced.contains(&id)) {
            continue;
        }
        out.extend(canonical(object)?);
    }
    Ok(out)
}

/// The XAdES 1.1.1 namespace (read, never written).
pub const XADES_111_NS: &str = "http://uri.etsi.org/01903/v1.1.1#";

/// The `Type` of a countersignature's Reference to the countersigned `ds:SignatureValue`.
pub const COUNTERSIGNED_SIGNATURE: &str = "http://uri.etsi.org/01903#CountersignedSignature";

fn is_xades(n: &Node<'_, '_>, name: &str) -> bool {
    n.is_element()
        && n.tag_name().name() == name
        && n.tag_name()
            .namespace()
            .is_some_and(|ns| ns == XADES_NS || ns == XADES_141_NS || ns == XADES_111_NS)
}

fn xades_child<'a, 'i>(n: &Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is_xades(c, name))
}

fn is_dsig(n: &Node<'_, '_>, name: &str) -> bool {
    n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(DSIG_NS)
}

/// Countersignatures: a signature inside a XAdES `CounterSignature` must cover the
/// `ds:SignatureValue` of the signature it sits in (the countersigned one), and a Reference of
/// `Type` [`COUNTERSIGNED_SIGNATURE`] (wherever its signature is) must resolve to the
/// `ds:SignatureValue` of another signature. Otherwise `countersignature_not_bound`.
pub(crate) fn check_countersignature(
    doc: &Document<'_>,
    sig: Node<'_, '_>,
    out: &mut SignatureOutcome,
) {
    let mut failures = Vec::new();
    for r in out
        .references
        .iter()
        .filter(|r| r.type_uri.as_deref() == Some(COUNTERSIGNED_SIGNATURE))
    {
        let Some(target) = r.apex.and_then(|id| doc.get_node(id)) else {
            continue; // the reference itself failed
        };
        let value_of_another = is_dsig(&target, "SignatureValue")
            && target
                .parent_element()
                .is_some_and(|p| is_dsig(&p, "Signature") && p != sig);
        if !value_of_another {
            failures.push(format!(
                "its reference '{}' of type CountersignedSignature covers {}, not the SignatureValue of another signature",
                r.uri,
                path(&target)
            ));
        }
    }
    let parent = sig
        .parent_element()
        .filter(|p| is_xades(p, "CounterSignature"))
        .and_then(|cs| cs.ancestors().skip(1).find(|a| is_dsig(a, "Signature")));
    if let Some(parent) = parent {
        let value = dsig_child(&parent, "SignatureValue");
        let bound = value.is_some_and(|v| {
            out.references.iter().any(|r| {
                r.ok && r
                    .apex
                    .and_then(|id| doc.get_node(id))
                    .is_some_and(|a| v.ancestors().any(|n| n == a))
            })
        });
        if !bound {
            failures.push(format!(
                "it is a CounterSignature of the signature at {} but covers not that signature's SignatureValue",
                path(&parent)
            ));
        }
    }
    if !failures.is_empty() {
        out.fail(
            "countersignature_not_bound",
            format!("countersignature: {}", failures.join("; ")),
        );
    }
}

/// The XAdES SigningCertificate / SigningCertificateV2 in the signature's SignedProperties
/// must name the certificate whose key verified the signature: a `Cert` whose `CertDigest`
/// (DigestMethod, DigestValue over the certificate's DER) matches it, and whose
/// `IssuerSerial` (serial number; the issuer name, an RFC 4514 string whose spelling varies,
/// gives only a warning) or `IssuerSerialV2` (DER IssuerSerial: issuer and serial) matches it
/// too. Otherwise `signer_certificate_mismatch`. SignedProperties no verified reference covers
/// give a warning and no check (their claims are not signed).
pub(crate) fn check_signing_certificate(
    doc: &Document<'_>,
    sig: Node<'_, '_>,
    signer: &kyso_pki::Certificate,
    out: &mut SignatureOutcome,
) {
    let Some(props) = crate::document::dsig_children(&sig, "Object")
        .flat_map(|o| o.children().filter(|c| is_xades(c, "QualifyingProperties")))
        .find_map(|q| xades_child(&q, "SignedProperties"))
    else {
        return;
    };
    let covered = out.references.iter().any(|r| {
        r.ok && r
            .apex
            .and_then(|id| doc.get_node(id))
            .is_some_and(|a| props.ancestors().any(|n| n == a))
    });
    if !covered {
        out.warnings.push(format!(
            "the XAdES SignedProperties at {} are covered by no verified reference: their claims are not signed",
            path(&props)
        ));
        return;
    }
    let Some(sc) = xades_child(&props, "SignedSignatureProperties").and_then(|ssp| {
        xades_child(&ssp, "SigningCertificateV2")
            .or_else(|| xades_child(&ssp, "SigningCertificate"))
    }) else {
        return;
    };
    let what = sc.tag_name().name();
    let mut unsupported = None;
    let mut matched = None;
    for cert in sc.children().filter(|c| is_xades(c, "Cert")) {
        let Some(cd) = xades_child(&cert, "CertDigest") else {
            continue;
        };
        let alg = dsig_child(&cd, "DigestMethod")
            .and_then(|m| m.attribute("Algorithm"))
            .unwrap_or("");
        let Some(digest) = crate::algorithms::digest_from_uri(alg) else {
            unsupported = Some(alg.to_string());
            continue;
        };
        let value = dsig_child(&cd, "DigestValue")
            .map(|v| text_of(&v))
            .unwrap_or_default();
        if base64::decode(value.as_bytes()).is_ok_and(|v| v == digest.digest(signer.der())) {
            matched = Some(cert);
            break;
        }
    }
    let Some(cert) = matched else {
        match unsupported {
            Some(alg) => out.indeterminate(
                "unsupported_algorithm",
                format!("XAdES {what}: digest method '{alg}' is not supported"),
            ),
            None => out.fail(
                "signer_certificate_mismatch",
                format!(
                    "the XAdES {what} names another certificate: no CertDigest matches the signer certificate"
                ),
            ),
        }
        return;
    };
    if let Some(is) = xades_child(&cert, "IssuerSerial") {
        let serial = dsig_child(&is, "X509SerialNumber").map(|n| text_of(&n));
        let serial_ok = serial
            .as_deref()
            .and_then(|s| decimal_to_bytes(s.trim()))
            .is_some_and(|b| strip_zeros(&b) == strip_zeros(&signer.serial));
        if !serial_ok {
            out.fail(
                "signer_certificate_mismatch",
                format!(
                    "the XAdES {what} IssuerSerial names serial number {}, not the signer certificate's",
                    serial.as_deref().map(str::trim).unwrap_or("(none)")
                ),
            );
            return;
        }
        let name = dsig_child(&is, "X509IssuerName").map(|n| text_of(&n));
        if name
            .as_deref()
            .is_some_and(|n| loose_dn(n) != loose_dn(&signer.issuer.to_string()))
        {
            out.warnings.push(format!(
                "the XAdES {what} IssuerSerial names issuer '{}', spelled unlike the signer certificate's issuer '{}'",
                name.as_deref().unwrap_or("").trim(),
                signer.issuer
            ));
        }
    }
    if let Some(v2) = xades_child(&cert, "IssuerSerialV2") {
        let ok = base64::decode(text_of(&v2).as_bytes())
            .ok()
            .is_some_and(|der| issuer_serial_matches(&der, signer));
        if !ok {
            out.fail(
                "signer_certificate_mismatch",
                format!(
                    "the XAdES {what} IssuerSerialV2 names another issuer or serial number than the signer certificate's"
                ),
            );
        }
    }
}

/// Whether a DER IssuerSerial (`SEQUENCE { GeneralNames, INTEGER }`) names the certificate's
/// issuer (a directoryName) and serial number.
fn issuer_serial_matches(der: &[u8], cert: &kyso_pki::Certificate) -> bool {
    use kyso_pki::der::{self, tag};
    let parse = || -> Result<bool, kyso_pki::Error> {
        let seq = der::parse_one(der)?.expect_tag(tag::SEQUENCE, "IssuerSerial")?;
        let mut r = seq.reader();
        let names = r.read_tag(tag::SEQUENCE, "GeneralNames")?;
        let serial = r.read_tag(0x02, "serialNumber")?;
        let mut issuer_ok = false;
        let mut nr = names.reader();
        while !nr.is_empty() {
            let gn = nr.read()?;
            if gn.tag == tag::ctx(4) {
                let name = kyso_pki::Name::from_der(der::parse_one(gn.value)?.raw)?;
                issuer_ok |= name.matches(&cert.issuer);
            }
        }
        Ok(issuer_ok && strip_zeros(serial.value) == strip_zeros(&cert.serial))
    };
    parse().unwrap_or(false)
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or(&[])
}

/// A distinguished name string compared loosely: its comma-separated parts, lower-cased,
/// without whitespace or escapes, in any order.
fn loose_dn(s: &str) -> Vec<String> {
    let mut parts: Vec<String> = s
        .split([',', ';', '+'])
        .map(|p| {
            p.chars()
                .filter(|c| !c.is_whitespace() && *c != '\\')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|p| !p.is_empty())
        .collect();
    parts.sort();
    parts
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

    /// An archived signature: a Reference to an Object (no transforms: a node-set, C14N 1.0),
    /// KeyInfo, unsigned properties before and after the ArchiveTimeStamp, and one more Object.
    fn archived(object_digest: &str, ns: &str) -> String {
        format!(
            "<r><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"s\"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm=\"{C14N10}\"/>\
<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
<ds:Reference URI=\"#o\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
<ds:DigestValue>{object_digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>\
<ds:SignatureValue>QUJD</ds:SignatureValue><ds:KeyInfo><ds:KeyName>k</ds:KeyName></ds:KeyInfo>\
<ds:Object><xades:QualifyingProperties xmlns:xades=\"{XADES_NS}\" Target=\"#s\">\
<xades:UnsignedProperties><xades:UnsignedSignatureProperties>\
<xades:CertificateValues/><!-- c --><xades:RevocationValues/>\
<a:ArchiveTimeStamp xmlns:a=\"{ns}\"><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/>\
<xades:EncapsulatedTimeStamp>MAA=</xades:EncapsulatedTimeStamp></a:ArchiveTimeStamp>\
<xades:After/></xades:UnsignedSignatureProperties></xades:UnsignedProperties>\
</xades:QualifyingProperties></ds:Object>\
<ds:Object Id=\"o\">data</ds:Object><ds:Object>more</ds:Object></ds:Signature></r>"
        )
    }

    #[test]
    fn archive_timestamp_input_in_the_order_of_en_319_132() {
        let object =
            "<ds:Object xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"o\">data</ds:Object>";
        let digest = base64::encode(&kyso_pki::DigestAlgorithm::Sha256.digest(object.as_bytes()));
        for (ns, objects) in [
            // EN 319 132-1 (XAdES 1.4.1): every Object but the QualifyingProperties'.
            (
                XADES_141_NS,
                format!("{object}<ds:Object xmlns:ds=\"{DSIG_NS}\">more</ds:Object>"),
            ),
            // TS 101 903 v1.3.2: only the Objects no Reference covers.
            (
                XADES_NS,
                format!("<ds:Object xmlns:ds=\"{DSIG_NS}\">more</ds:Object>"),
            ),
        ] {
            let text = archived(&digest, ns);
            let doc = parse(&text).unwrap_or_else(|e| panic!("{e}"));
            let outcomes = crate::verify_document(&doc);
            let sig = crate::signature_elements(&doc)[0];
            assert!(outcomes[0].references[0].ok, "{:?}", outcomes[0].problems);
            let stamps = archive_timestamps(&sig);
            assert_eq!(stamps.len(), 1);
            let input = archive_timestamp_input(&doc, sig, stamps[0], &outcomes[0])
                .unwrap_or_else(|e| panic!("{e}"));
            let signed_info = canon::canonicalize(
                &doc,
                dsig_child(&sig, "SignedInfo"),
                None,
                EXC_C14N,
                true,
                &[],
            )
            .unwrap_or_default();
            let ds = format!("xmlns:ds=\"{DSIG_NS}\"");
            let xades = format!("xmlns:xades=\"{XADES_NS}\"");
            let want = [
                // The reference's data: a node-set digested as C14N 1.0, now exclusive.
                object.to_string(),
                String::from_utf8_lossy(&signed_info).into_owned(),
                format!("<ds:SignatureValue {ds}>QUJD</ds:SignatureValue>"),
                format!("<ds:KeyInfo {ds}><ds:KeyName>k</ds:KeyName></ds:KeyInfo>"),
                // The properties before the time-stamp (elements only), not those after.
                format!("<xades:CertificateValues {xades}></xades:CertificateValues>"),
                format!("<xades:RevocationValues {xades}></xades:RevocationValues>"),
                objects,
            ]
            .concat();
            assert_eq!(String::from_utf8_lossy(&input), want);
        }
    }

    #[test]
    fn archive_timestamp_input_needs_verified_references() {
        let text = archived("AAAA", XADES_141_NS);
        let doc = parse(&text).unwrap_or_else(|e| panic!("{e}"));
        let outcomes = crate::verify_document(&doc);
        let sig = crate::signature_elements(&doc)[0];
        let stamp = archive_timestamps(&sig)[0];
        assert!(matches!(
            archive_timestamp_input(&doc, sig, stamp, &outcomes[0]),
            Err(Error::Malformed(_))
        ));
        // Without an archive time-stamp the digested octets are not kept.
        let plain = parse(DOC).unwrap_or_else(|e| panic!("{e}"));
        let sig = crate::signature_elements(&plain)[0];
        assert!(!has_archive_timestamp(&sig));
    }

    #[test]
    fn serial_numbers_and_issuer_names() {
        assert_eq!(decimal_to_bytes("0"), Some(vec![0]));
        assert_eq!(decimal_to_bytes("256"), Some(vec![1, 0]));
        assert_eq!(
            decimal_to_bytes("21208837597963537")
                .as_deref()
                .map(strip_zeros),
            Some(&0x4b_5953_4f20_2511u64.to_be_bytes()[1..])
        );
        assert_eq!(decimal_to_bytes("12a"), None);
        assert_eq!(decimal_to_bytes(""), None);
        assert_eq!(
            loose_dn("CN=Test CA, O=Kyso,C=VN"),
            loose_dn("c=VN,o=Kyso, cn=Test\\ CA")
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
