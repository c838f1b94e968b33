//! End-to-end tests of XML signing and verification (no peer tools).

mod common;

use common::*;
use std::path::Path;

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).expect("read")
}

/// The inserted signature is the only difference between input and output (an empty
/// self-closing DSCKS slot such as `<NMua/>` is necessarily opened as `<NMua>…</NMua>`).
fn assert_only_inserted(original: &str, signed: &str) {
    let original = &["NBan", "NMua", "CQT"]
        .iter()
        .fold(original.to_string(), |t, slot| {
            if signed.contains(&format!("<{slot}><Signature")) {
                t.replace(&format!("<{slot}/>"), &format!("<{slot}></{slot}>"))
            } else {
                t
            }
        });
    let prefix = original
        .bytes()
        .zip(signed.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = original
        .bytes()
        .rev()
        .zip(signed.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    assert!(
        prefix + suffix >= original.len(),
        "bytes outside the inserted signature changed"
    );
}

#[test]
fn generic_document_signs_and_verifies() {
    let dir = tempdir();
    for c14n in ["inclusive", "exclusive"] {
        let out = dir.path().join(format!("report-{c14n}.xml"));
        sign(&xml("report.xml"), &out, "personal.p12", &["--c14n", c14n]);
        assert_only_inserted(&read(&xml("report.xml")), &read(&out));
        let (code, r) = verify_json(&out);
        assert_eq!(code, 0, "{r}");
        assert_eq!(r["format"], "xml");
        let s = &r["signatures"][0];
        assert_eq!(s["signer"]["kind"], "personal");
        assert_eq!(s["covers_whole_document"], true);
        assert_eq!(s["references"][0]["uri"], "");
        assert_eq!(s["references"][0]["element"], "BaoCao");
        assert_eq!(s["references"][0]["minus_signature"], true);
        assert_eq!(s["location"], "/BaoCao/Signature");
        assert_eq!(s["trusted"], true);
    }
}

#[test]
fn a_second_generic_signature_is_refused() {
    let dir = tempdir();
    let once = dir.path().join("once.xml");
    sign(&xml("report.xml"), &once, "personal.p12", &[]);
    let twice = dir.path().join("twice.xml");
    let o = try_sign(&once, &twice, "agency.p12", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("would invalidate"), "{}", stderr(&o));
    assert!(!twice.exists());
}

fn seller_and_buyer(input: &Path, dir: &Path) -> std::path::PathBuf {
    let seller = dir.join("seller.xml");
    sign(input, &seller, "agency.p12", &[]);
    let both = dir.join("both.xml");
    sign(
        &seller,
        &both,
        "personal.p12",
        &["--einvoice-role", "buyer"],
    );
    assert_only_inserted(&read(&seller), &read(&both));
    both
}

#[test]
fn einvoice_seller_then_buyer() {
    let dir = tempdir();
    let both = seller_and_buyer(&xml("invoice.xml"), dir.path());
    let (code, r) = verify_json(&both);
    assert_eq!(code, 0, "{r}");
    assert_eq!(kinds(&r), vec!["agency", "personal"]);
    let sigs = r["signatures"].as_array().expect("signatures");
    assert_eq!(sigs[0]["location"], "/HDon/DSCKS/NBan/Signature");
    assert_eq!(sigs[1]["location"], "/HDon/DSCKS/NMua/Signature");
    for s in sigs {
        assert_eq!(s["references"][0]["uri"], "#data");
        assert_eq!(s["references"][0]["element"], "DLHDon");
        assert_eq!(s["references"][0]["path"], "/HDon/DLHDon");
        assert_eq!(s["references"][1]["element"], "Object");
        assert_eq!(s["signing_time_source"], "xml");
        assert_eq!(s["signature_algorithm"], "rsa-pkcs1-sha256");
        assert_eq!(s["covers_whole_document"], false);
    }
    let text = read(&both);
    assert!(
        text.contains("+07:00</SigningTime>"),
        "SigningTime is written with the +07:00 zone"
    );
}

#[test]
fn einvoice_inside_a_tdiep_message_and_tax_role() {
    let dir = tempdir();
    let seller = dir.path().join("seller.xml");
    sign(&xml("invoice-tdiep.xml"), &seller, "agency.p12", &[]);
    let tax = dir.path().join("tax.xml");
    sign(&seller, &tax, "agency.p12", &["--einvoice-role", "tax"]);
    let (code, r) = verify_json(&tax);
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        r["signatures"][0]["location"],
        "/TDiep/DLieu/HDon/DSCKS/NBan/Signature"
    );
    assert_eq!(
        r["signatures"][1]["location"],
        "/TDiep/DLieu/HDon/DSCKS/CQT/Signature"
    );
    assert_eq!(r["signatures"][0]["references"][0]["id"], "hd-0000123");
}

#[test]
fn ecdsa_invoice_signature() {
    let dir = tempdir();
    let out = dir.path().join("ec.xml");
    sign(&xml("invoice.xml"), &out, "personal-ec.p12", &[]);
    let (code, r) = verify_json(&out);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["signatures"][0]["signature_algorithm"], "ecdsa-sha256");
}

#[test]
fn a_changed_quantity_fails_both_signatures() {
    let dir = tempdir();
    let both = seller_and_buyer(&xml("invoice.xml"), dir.path());
    let tampered = dir.path().join("tampered.xml");
    std::fs::write(
        &tampered,
        read(&both).replacen("<SLuong>10</SLuong>", "<SLuong>11</SLuong>", 1),
    )
    .expect("write");
    let (code, r) = verify_json(&tampered);
    assert_eq!(code, 1);
    assert_eq!(
        statuses(&r),
        vec![("failed".into(), "digest_mismatch".into()); 2]
    );
}

#[test]
fn signature_wrapping_is_reported() {
    let dir = tempdir();
    let seller = dir.path().join("seller.xml");
    sign(&xml("invoice.xml"), &seller, "agency.p12", &[]);
    let text = read(&seller);
    // Park the signed DLHDon in an unrelated element and put a forged one where readers look.
    let start = text.find("<DLHDon").expect("DLHDon");
    let end = text.find("</DLHDon>").expect("end") + "</DLHDon>".len();
    let original = &text[start..end];
    let forged = original
        .replacen("Id=\"data\"", "Id=\"forged\"", 1)
        .replacen("<SLuong>10</SLuong>", "<SLuong>99</SLuong>", 1);
    let mut attacked = format!("{}{}{}", &text[..start], forged, &text[end..]);
    attacked = attacked.replacen("</HDon>", &format!("<TTKhac>{original}</TTKhac></HDon>"), 1);
    let wrapped = dir.path().join("wrapped.xml");
    std::fs::write(&wrapped, &attacked).expect("write");
    let (code, r) = verify_json(&wrapped);
    assert_eq!(code, 1, "{r}");
    let s = &r["signatures"][0];
    assert_eq!(s["status"], "failed", "{s}");
    assert_eq!(s["reason"], "signed_data_not_covered", "{s}");
    assert_eq!(s["references"][0]["path"], "/HDon/TTKhac/DLHDon");
    assert_eq!(
        s["references"][0]["digest_ok"], true,
        "the moved data itself is intact"
    );
}

#[test]
fn duplicated_and_missing_ids_fail() {
    let dir = tempdir();
    let seller = dir.path().join("seller.xml");
    sign(&xml("invoice.xml"), &seller, "agency.p12", &[]);
    let text = read(&seller);
    let dup = dir.path().join("dup.xml");
    std::fs::write(
        &dup,
        text.replacen("<DSCKS>", "<Extra Id=\"data\"/><DSCKS>", 1),
    )
    .expect("write");
    let (code, r) = verify_json(&dup);
    assert_eq!(code, 1);
    assert_eq!(r["signatures"][0]["reason"], "reference_invalid");
    assert!(
        r["signatures"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("more than one"),
        "{r}"
    );
    let missing = dir.path().join("missing.xml");
    std::fs::write(&missing, text.replacen("Id=\"data\"", "Id=\"other\"", 1)).expect("write");
    let (code, r) = verify_json(&missing);
    assert_eq!(code, 1);
    assert_eq!(r["signatures"][0]["reason"], "reference_invalid");
}

#[test]
fn unsupported_algorithm_is_indeterminate() {
    let dir = tempdir();
    let seller = dir.path().join("seller.xml");
    sign(&xml("invoice.xml"), &seller, "agency.p12", &[]);
    let odd = dir.path().join("odd.xml");
    std::fs::write(
        &odd,
        read(&seller).replacen("xmldsig-more#rsa-sha256", "xmldsig-more#rsa-whirlpool", 1),
    )
    .expect("write");
    let (code, r) = verify_json(&odd);
    assert_eq!(code, 1);
    assert_eq!(r["signatures"][0]["status"], "indeterminate");
    assert_eq!(r["signatures"][0]["reason"], "unsupported_algorithm");
}

#[test]
fn hostile_and_broken_xml_give_clear_errors() {
    let dir = tempdir();
    let cases: [(&str, &str); 4] = [
        ("malformed.xml", "<HDon><DLHDon Id=\"a\"></HDon>"),
        (
            "laughs.xml",
            "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\"><!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\"><!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">]><l>&h;</l>",
        ),
        (
            "external.xml",
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
        ),
        (
            "latin1.xml",
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><x>\u{e9}</x>",
        ),
    ];
    for (name, body) in cases {
        let p = dir.path().join(name);
        let bytes: Vec<u8> = if name == "latin1.xml" {
            body.replace('\u{e9}', "\u{0}")
                .into_bytes()
                .into_iter()
                .map(|b| if b == 0 { 0xe9 } else { b })
                .collect()
        } else {
            body.as_bytes().to_vec()
        };
        std::fs::write(&p, bytes).expect("write");
        let start = std::time::Instant::now();
        let (code, r) = verify_json(&p);
        assert_eq!(code, 2, "{name}: {r}");
        assert_eq!(r["status"], "error", "{name}");
        assert!(!r["message"].as_str().unwrap_or("").is_empty());
        assert!(start.elapsed().as_secs() < 10, "{name} took too long");
        assert!(
            !r["message"].as_str().unwrap_or("").contains("root:"),
            "{name}: external entity content leaked"
        );
    }
}

#[test]
fn unsigned_xml_does_not_pass() {
    let (code, r) = verify_json(&xml("invoice.xml"));
    assert_eq!(code, 1);
    assert_eq!(r["reason"], "no_signatures");
}

#[test]
fn c14n_command_prints_the_canonical_form() {
    let o = run(kyso().arg("c14n").arg(xml("report.xml")));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "<bc:BaoCao xmlns=\"urn:kyso:test:default\" xmlns:bc=\"urn:kyso:test:baocao\""
        ),
        "{out}"
    );
    assert!(!out.contains("<!--"), "comments are dropped by default");
    assert!(
        out.contains("Tỷ lệ có chữ ký số cá nhân: 98,72% &amp; chữ ký cơ quan"),
        "CDATA is escaped text"
    );
    let o = run(kyso()
        .arg("c14n")
        .arg(xml("report.xml"))
        .args(["--with-comments"]));
    assert!(stdout(&o).starts_with("<!-- Báo cáo"), "{}", stdout(&o));
    let o = run(kyso()
        .arg("c14n")
        .arg(xml("report.xml"))
        .args(["--exclusive"]));
    assert!(
        stdout(&o).starts_with("<bc:BaoCao xmlns:bc=\"urn:kyso:test:baocao\""),
        "{}",
        stdout(&o)
    );
    let o = run(kyso().arg("c14n").arg(pdf("letter-classic.pdf")));
    assert_eq!(o.status.code(), Some(2));
}

/// `kyso c14n` prints exactly what libxml2 prints, for every whole-document case and variant of
/// the kyso-c14n fixtures (expected outputs made by fixtures/xml/c14n/make-expected.py).
#[test]
fn c14n_command_equals_libxml2() {
    let base = fixture("xml/c14n");
    let variants: [(&str, &[&str]); 6] = [
        ("c14n", &[]),
        ("c14n-comments", &["--with-comments"]),
        ("c14n11", &["--c14n11"]),
        ("c14n11-comments", &["--c14n11", "--with-comments"]),
        ("exc", &["--exclusive"]),
        ("exc-comments", &["--exclusive", "--with-comments"]),
    ];
    let mut checked = 0;
    let mut mismatches = Vec::new();
    let mut inputs: Vec<_> = std::fs::read_dir(base.join("inputs"))
        .expect("inputs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    inputs.sort();
    for input in inputs {
        let stem = input
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (variant, flags) in variants {
            let expected_path = base.join("expected").join(format!("{stem}.{variant}.xml"));
            let Ok(expected) = std::fs::read(&expected_path) else {
                continue;
            };
            let o = run(kyso().arg("c14n").arg(&input).args(flags));
            checked += 1;
            if !o.status.success() || o.stdout != expected {
                mismatches.push(format!("{stem}.{variant}: {}", stderr(&o)));
            }
        }
    }
    assert!(checked >= 90, "only {checked} cases found");
    assert!(
        mismatches.is_empty(),
        "{} of {checked} differ from libxml2:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
