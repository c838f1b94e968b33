//! What the signer wrote (/Reason, /Location, /ContactInfo) in `kyso verify`, and extended key
//! usage, CRL distribution points and AIA URLs in `kyso cert inspect` (issue 9, item 7).

mod common;

use common::*;

#[test]
fn verify_shows_reason_location_and_contact() {
    let dir = tempdir();
    let first = dir.path().join("1.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &first,
        "personal.p12",
        &[
            "--certify",
            "--reason",
            "Phê duyệt văn bản",
            "--location",
            "Hà Nội",
            "--contact",
            "anh.nv@example.gov.vn",
        ],
    );
    // The second signature gives none of them.
    let second = dir.path().join("2.pdf");
    sign(&first, &second, "agency.p12", &[]);
    let (code, report) = verify_json(&second);
    assert_eq!(code, 0, "{report}");
    let s = &report["signatures"][0];
    assert_eq!(s["signer_reason"], "Phê duyệt văn bản", "{s}");
    assert_eq!(s["signer_location"], "Hà Nội");
    assert_eq!(s["signer_contact"], "anh.nv@example.gov.vn");
    assert_eq!(s["reason"], "ok", "the reason code is unchanged");
    let other = report["signatures"][1].as_object().expect("an object");
    for k in ["signer_reason", "signer_location", "signer_contact"] {
        assert!(!other.contains_key(k), "{k} present without a value");
    }

    let o = run(kyso()
        .arg("verify")
        .arg(&second)
        .arg("--trust")
        .arg(pki("root.pem")));
    let text = stdout(&o);
    assert!(
        text.contains("\n      reason:   Phê duyệt văn bản\n"),
        "{text}"
    );
    assert!(text.contains("\n      location: Hà Nội\n"), "{text}");
    assert!(
        text.contains("\n      contact:  anh.nv@example.gov.vn\n"),
        "{text}"
    );
    assert_eq!(text.matches("reason:   ").count(), 1, "{text}");
}

#[test]
fn verify_decodes_pdfdocencoding() {
    let dir = tempdir();
    let signed = dir.path().join("1.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &signed,
        "agency.p12",
        &["--reason", "Cafe X"],
    );
    // An ASCII reason is written as a literal string; make it PDFDocEncoding's é and euro sign
    // (this breaks the signature, but the text is still reported).
    let mut data = std::fs::read(&signed).expect("signed");
    let at = data
        .windows(8)
        .position(|w| w == b"(Cafe X)")
        .expect("the reason in the file");
    data[at + 4] = 0xe9;
    data[at + 6] = 0xa0;
    std::fs::write(&signed, &data).expect("write");
    let (_, report) = verify_json(&signed);
    assert_eq!(
        report["signatures"][0]["signer_reason"], "Café €",
        "{report}"
    );
}

fn inspect_json(name: &str) -> serde_json::Value {
    let o = run(kyso()
        .args(["cert", "inspect"])
        .arg(pki(name))
        .arg("--json"));
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(stdout(&o).trim()).expect("JSON")
}

#[test]
fn cert_inspect_shows_extended_key_usage_and_urls() {
    let v = inspect_json("personal.pem");
    assert_eq!(
        v["extended_key_usage"],
        serde_json::json!(["1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.2"]),
        "the dotted OIDs stay as they were"
    );
    assert_eq!(
        v["extended_key_usage_names"],
        serde_json::json!(["emailProtection", "clientAuth"])
    );
    assert_eq!(
        v["crl_distribution_points"],
        serde_json::json!(["http://127.0.0.1:8320/ca.crl"])
    );
    assert_eq!(
        v["ocsp_urls"],
        serde_json::json!(["http://127.0.0.1:8319/"])
    );
    assert_eq!(
        v["ca_issuers_urls"],
        serde_json::json!(["http://127.0.0.1:8320/ca.der"])
    );
    assert_eq!(
        inspect_json("tsa.pem")["extended_key_usage_names"],
        serde_json::json!(["timeStamping"])
    );
    assert_eq!(
        inspect_json("ocsp.pem")["extended_key_usage_names"],
        serde_json::json!(["OCSPSigning"])
    );
    // The self-signed outsider has no revocation pointers: the fields are left out.
    let outsider = inspect_json("outsider.pem");
    let outsider = outsider.as_object().expect("an object");
    for k in ["crl_distribution_points", "ocsp_urls", "ca_issuers_urls"] {
        assert!(!outsider.contains_key(k), "{k}");
    }

    let o = run(kyso().args(["cert", "inspect"]).arg(pki("personal.pem")));
    let text = stdout(&o);
    for line in [
        "ext. usage:  emailProtection, clientAuth\n",
        "CRL:         http://127.0.0.1:8320/ca.crl\n",
        "OCSP:        http://127.0.0.1:8319/\n",
        "CA issuers:  http://127.0.0.1:8320/ca.der\n",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
}
