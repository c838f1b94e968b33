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

/// `kyso verify --json` with the fixture root and `extra` flags: (exit code, report).
fn verify_with(file: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let o = run(kyso()
        .arg("verify")
        .arg(file)
        .arg("--trust")
        .arg(pki("root.pem"))
        .arg("--json")
        .args(extra));
    let text = stdout(&o);
    let v: serde_json::Value =
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("bad JSON ({e}): {text}"));
    (o.status.code().unwrap_or(-1), v)
}

/// The fixture invoice with the seller's tax code replaced.
fn invoice_with_seller_mst(dir: &Path, mst: &str) -> PathBuf {
    let text = read(&xml("invoice.xml"));
    let p = dir.join(format!("invoice-{mst}.xml"));
    std::fs::write(
        &p,
        text.replacen("<MST>2300123456</MST>", &format!("<MST>{mst}</MST>"), 1),
    )
    .expect("write");
    p
}

fn tax_warnings(s: &serde_json::Value) -> Vec<String> {
    s["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w.as_str())
        .filter(|w| w.contains("tax code"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_sellers_tax_code_is_compared_with_the_signer_certificate() {
    let dir = tempdir();
    // agency.p12 carries UID=MST:2300123456 and organizationIdentifier=VATVN-2300123456, the
    // fixture invoice's NBan/MST: no warning.
    let seller = dir.path().join("seller.xml");
    sign(&xml("invoice.xml"), &seller, "agency.p12", &[]);
    for policy in ["warn", "fail"] {
        let (code, r) = verify_with(&seller, &["--tax-code-mismatch", policy]);
        assert_eq!(code, 0, "{r}");
        assert!(tax_warnings(&r["signatures"][0]).is_empty(), "{r}");
    }

    // Another seller's tax code: a warning naming both, the signature still passes.
    let other = dir.path().join("other.xml");
    sign(
        &invoice_with_seller_mst(dir.path(), "0101234567"),
        &other,
        "agency.p12",
        &[],
    );
    let expected = "seller tax code 0101234567 in the invoice does not match the signer certificate's MST 2300123456";
    let (code, r) = verify_json(&other);
    assert_eq!(code, 0, "{r}");
    let s = &r["signatures"][0];
    assert_eq!(
        (s["status"].as_str(), s["reason"].as_str()),
        (Some("passed"), Some("ok"))
    );
    assert_eq!(tax_warnings(s), vec![expected.to_string()]);

    // Policy fail, by flag or by configuration: failed, reason tax_code_mismatch.
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[einvoice]\ntax_code_mismatch = \"fail\"\n").expect("write");
    let config = config.to_string_lossy().into_owned();
    for extra in [
        vec!["--tax-code-mismatch", "fail"],
        vec!["--config", config.as_str()],
    ] {
        let (code, r) = verify_with(&other, &extra);
        assert_eq!(code, 1, "{extra:?}: {r}");
        assert_eq!(
            statuses(&r),
            vec![("failed".into(), "tax_code_mismatch".into())]
        );
        assert_eq!(r["signatures"][0]["message"], expected);
        assert_eq!(r["reason"], "tax_code_mismatch", "{r}");
    }
    // The flag overrides the file.
    let (code, _) = verify_with(
        &other,
        &["--config", &config, "--tax-code-mismatch", "warn"],
    );
    assert_eq!(code, 0);

    // A signer certificate without any MST (personal-ec: CCCD only).
    let ec = dir.path().join("ec.xml");
    sign(&xml("invoice.xml"), &ec, "personal-ec.p12", &[]);
    let (code, r) = verify_json(&ec);
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        tax_warnings(&r["signatures"][0]),
        vec![
            "seller tax code 2300123456 in the invoice cannot be checked: the signer certificate carries no MST"
                .to_string()
        ]
    );
    let (code, r) = verify_with(&ec, &["--tax-code-mismatch", "fail"]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["signatures"][0]["reason"], "tax_code_mismatch");
}

#[test]
fn the_buyers_tax_code_is_compared_when_the_buyer_has_one() {
    let dir = tempdir();
    // invoice.xml: NMua/MST 2300999999. Buyer signing with agency.p12 (MST 2300123456).
    let (_, both) = seller_then_buyer(&xml("invoice.xml"), dir.path(), "agency.p12");
    let (code, r) = verify_json(&both);
    assert_eq!(code, 0, "{r}");
    assert!(tax_warnings(&r["signatures"][0]).is_empty(), "{r}");
    assert_eq!(
        tax_warnings(&r["signatures"][1]),
        vec![
            "buyer tax code 2300999999 in the invoice does not match the signer certificate's MST 2300123456"
                .to_string()
        ]
    );
    let (code, r) = verify_with(&both, &["--tax-code-mismatch", "fail"]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        statuses(&r),
        vec![
            ("passed".into(), "ok".into()),
            ("failed".into(), "tax_code_mismatch".into())
        ]
    );

    // A buyer with no tax code (invoice-tdiep.xml: "Khách lẻ", a private person): no check.
    let sub = dir.path().join("tdiep");
    std::fs::create_dir(&sub).expect("mkdir");
    let (_, both) = seller_then_buyer(&xml("invoice-tdiep.xml"), &sub, "personal.p12");
    let (code, r) = verify_with(&both, &["--tax-code-mismatch", "fail"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        r["signatures"][1]["location"],
        "/TDiep/DLieu/HDon/DSCKS/NMua/Signature"
    );
    for s in r["signatures"].as_array().expect("signatures") {
        assert!(tax_warnings(s).is_empty(), "{s}");
    }
}
