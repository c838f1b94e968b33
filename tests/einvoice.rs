//! E-invoices as the tax authority writes and checks them: the signature form (XMLDSig as the
//! Signature's default namespace), the seller's and buyer's tax codes (MST) against the signer
//! certificates, and SigningTime without a zone read as Vietnam time.

mod common;

use common::*;
use std::path::{Path, PathBuf};

const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).expect("read")
}

/// Seller (agency, MST 2300123456) then buyer (`buyer_p12`) over `invoice`.
fn seller_then_buyer(invoice: &Path, dir: &Path, buyer_p12: &str) -> (PathBuf, PathBuf) {
    let seller = dir.join("seller.xml");
    sign(invoice, &seller, "agency.p12", &[]);
    let both = dir.join("both.xml");
    sign(&seller, &both, buyer_p12, &["--einvoice-role", "buyer"]);
    (seller, both)
}

/// Checks one signature element against the tax authority's form, namespace-aware.
fn assert_tax_authority_form(text: &str, sig: roxmltree::Node<'_, '_>) {
    // The element is written `<Signature xmlns="…xmldsig#" Id="…">`: default namespace, no prefix.
    let start = &text[sig.range()];
    assert!(
        start.starts_with(&format!("<Signature xmlns=\"{DSIG}\"")),
        "{}",
        &start[..start.len().min(120)]
    );
    let sig_id = sig.attribute("Id").expect("Signature Id");
    // SigningTime is an XMLDSig element, found by a namespace-aware lookup.
    let time = sig
        .descendants()
        .find(|n| n.has_tag_name((DSIG, "SigningTime")))
        .expect("a ds:SigningTime");
    assert!(
        time.text().unwrap_or("").ends_with("+07:00"),
        "{:?}",
        time.text()
    );
    let property = time.parent_element().expect("parent");
    assert!(property.has_tag_name((DSIG, "SignatureProperty")));
    assert_eq!(
        property.attribute("Target"),
        Some(format!("#{sig_id}").as_str())
    );
    let properties = property.parent_element().expect("parent");
    assert!(properties.has_tag_name((DSIG, "SignatureProperties")));
    let object = properties.parent_element().expect("parent");
    assert!(object.has_tag_name((DSIG, "Object")));
    assert_eq!(object.parent_element().map(|p| p.id()), Some(sig.id()));
    let object_id = object.attribute("Id").expect("Object Id");
    // The second Reference points at the Object by its Id.
    let refs: Vec<_> = sig
        .descendants()
        .filter(|n| n.has_tag_name((DSIG, "Reference")))
        .collect();
    assert_eq!(refs.len(), 2);
    assert_eq!(
        refs[1].attribute("URI"),
        Some(format!("#{object_id}").as_str())
    );
    // Nothing of the signature is outside the XMLDSig namespace.
    assert!(
        sig.descendants()
            .filter(|n| n.is_element())
            .all(|n| n.tag_name().namespace() == Some(DSIG)),
        "an element of the signature is outside the XMLDSig namespace"
    );
}

#[test]
fn signatures_are_written_in_the_tax_authoritys_form() {
    let dir = tempdir();
    let (seller, both) = seller_then_buyer(&xml("invoice.xml"), dir.path(), "personal.p12");
    let tdiep = dir.path().join("tdiep.xml");
    sign(&xml("invoice-tdiep.xml"), &tdiep, "agency.p12", &[]);
    let tax = dir.path().join("tax.xml");
    sign(&tdiep, &tax, "agency.p12", &["--einvoice-role", "tax"]);
    for (file, count) in [(&seller, 1), (&both, 2), (&tax, 2)] {
        let text = read(file);
        let doc = roxmltree::Document::parse(&text).expect("XML");
        let sigs: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name((DSIG, "Signature")))
            .collect();
        assert_eq!(sigs.len(), count, "{}", file.display());
        for s in sigs {
            assert_tax_authority_form(&text, s);
        }
        // The signed data carries no namespace declaration of the signatures.
        let data = doc
            .descendants()
            .find(|n| n.has_tag_name("DLHDon"))
            .expect("DLHDon");
        assert!(!text[data.range()].contains("xmlns"));
        let (code, r) = verify_json(file);
        assert_eq!(code, 0, "{r}");
    }
    // Generic documents keep the ds: prefix.
    let generic = dir.path().join("notice.xml");
    sign(&xml("notice.xml"), &generic, "personal.p12", &[]);
    assert!(read(&generic).contains("<ds:Signature xmlns:ds=\""));
}

/// `signed` with an unsigned Object holding `SigningTime` `time` placed before the signed one
/// (verifiers read the first SigningTime; nothing a Reference covers changes).
fn with_unsigned_signing_time(signed: &Path, dir: &Path, time: &str) -> PathBuf {
    let text = read(signed);
    let at = text.find("</KeyInfo>").expect("KeyInfo") + "</KeyInfo>".len();
    let out = dir.join("zoneless.xml");
    std::fs::write(
        &out,
        format!(
            "{}<Object><SignatureProperties><SignatureProperty><SigningTime>{time}</SigningTime>\
             </SignatureProperty></SignatureProperties></Object>{}",
            &text[..at],
            &text[at..]
        ),
    )
    .expect("write");
    out
}

#[test]
fn a_signing_time_without_a_zone_is_vietnam_time() {
    let dir = tempdir();
    let seller = dir.path().join("seller.xml");
    sign(&xml("invoice.xml"), &seller, "agency.p12", &[]);
    let zoneless = with_unsigned_signing_time(&seller, dir.path(), "2026-11-20T09:15:00");
    let (code, r) = verify_json(&zoneless);
    assert_eq!(code, 0, "{r}");
    let s = &r["signatures"][0];
    assert_eq!(s["signing_time"], "2026-11-20T02:15:00Z", "{s}");
    assert!(
        s["warnings"].as_array().expect("warnings").iter().any(|w| w
            == "SigningTime '2026-11-20T09:15:00' has no time zone; read as Vietnam time (+07:00)"),
        "{s}"
    );
    // With a zone, no warning about it.
    let zoned = with_unsigned_signing_time(&seller, dir.path(), "2026-11-20T09:15:00+07:00");
    let (_, r) = verify_json(&zoned);
    assert_eq!(r["signatures"][0]["signing_time"], "2026-11-20T02:15:00Z");
    assert!(
        !r["signatures"][0]["warnings"]
            .to_string()
            .contains("time zone")
    );
}
