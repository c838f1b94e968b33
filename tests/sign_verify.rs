//! End-to-end tests of `kyso sign` and `kyso verify` on the bundled fixtures (no peer tools).

mod common;

use common::*;
use std::path::Path;

fn sha(path: &Path) -> Vec<u8> {
    kyso_pki::DigestAlgorithm::Sha256.digest(&std::fs::read(path).expect("read"))
}

#[test]
fn personal_then_agency_passes_on_every_structure() {
    let dir = tempdir();
    for name in STRUCTURES {
        let input = pdf(name);
        let before = sha(&input);
        let out = sign_both(&input, dir.path());
        assert_eq!(sha(&input), before, "{name}: the input was modified");
        let (code, r) = verify_json(&out);
        assert_eq!(code, 0, "{name}: {r}");
        assert_eq!(r["status"], "passed", "{name}: {r}");
        assert_eq!(r["format"], "pdf");
        let expected_kinds: Vec<&str> = if name.contains("signed") {
            vec!["personal", "personal", "agency"]
        } else {
            vec!["personal", "agency"]
        };
        assert_eq!(kinds(&r), expected_kinds, "{name}");
        let sigs = r["signatures"].as_array().expect("signatures");
        let last = sigs.last().expect("a signature");
        assert_eq!(last["covers_whole_document"], true, "{name}");
        assert_eq!(sigs[0]["covers_whole_document"], false, "{name}");
        for s in sigs {
            assert_eq!(s["modified_after"], false, "{name}: {s}");
            assert_eq!(s["trusted"], true);
            assert_eq!(s["digest"], "sha256");
            assert_eq!(
                s["chain"].as_array().map(|c| c.len()),
                Some(3),
                "{name}: {s}"
            );
        }
        let agency = &last["signer"]["identifiers"];
        assert_eq!(agency["MST"], "2300123456");
        assert_eq!(agency["MNS"], "1234567");
        let personal = &sigs[sigs.len() - 2]["signer"]["identifiers"];
        assert_eq!(personal["CCCD"], "038085012345");
        if !name.contains("signed") {
            assert_eq!(sigs[0]["certification"], 2, "{name}");
            assert_eq!(sigs[0]["subfilter"], "ETSI.CAdES.detached");
            assert_eq!(sigs[0]["signing_time_source"], "pdf-m");
        }
    }
}

#[test]
fn json_schema_has_the_documented_fields() {
    let dir = tempdir();
    let out = sign_both(&pdf("letter-classic.pdf"), dir.path());
    let (_, r) = verify_json(&out);
    for key in [
        "file",
        "format",
        "status",
        "reason",
        "message",
        "signatures",
    ] {
        assert!(r.get(key).is_some(), "missing {key}");
    }
    let s = &r["signatures"][0];
    for key in [
        "field",
        "status",
        "reason",
        "message",
        "subfilter",
        "digest",
        "signature_algorithm",
        "signing_time",
        "signing_time_source",
        "revision",
        "covers_whole_document",
        "modified_after",
        "modifications",
        "allowed_changes",
        "certification",
        "signer",
        "chain",
        "trusted",
        "warnings",
    ] {
        assert!(s.get(key).is_some(), "missing signatures[].{key}");
    }
    for key in [
        "subject",
        "issuer",
        "kind",
        "identifiers",
        "serial",
        "not_before",
        "not_after",
        "key",
        "sha256",
    ] {
        assert!(s["signer"].get(key).is_some(), "missing signer.{key}");
    }
    assert_eq!(s["revision"], 2);
    assert_eq!(r["signatures"][1]["revision"], 3);
    assert!(
        s["signer"]["subject"]
            .as_str()
            .unwrap_or("")
            .contains("Nguyễn Văn Ánh")
    );
}

#[test]
fn a_flipped_byte_fails_both_signatures() {
    let dir = tempdir();
    let out = sign_both(&pdf("letter-classic.pdf"), dir.path());
    let tampered = tamper_page_size(&out, dir.path());
    let (code, r) = verify_json(&tampered);
    assert_eq!(code, 1);
    assert_eq!(r["status"], "failed");
    for (status, reason) in statuses(&r) {
        assert_eq!(
            (status.as_str(), reason.as_str()),
            ("failed", "digest_mismatch")
        );
    }
}

#[test]
fn a_byte_flipped_in_the_contents_hole_fails() {
    let dir = tempdir();
    let out = dir.path().join("one.pdf");
    sign(&pdf("letter-classic.pdf"), &out, "personal.p12", &[]);
    let mut data = std::fs::read(&out).expect("read");
    // Flip a hex digit inside the RSA signature value (near the end of the CMS).
    let start = data
        .windows(11)
        .rposition(|w| w == b"/Contents <")
        .expect("contents")
        + 11;
    let end = start + data[start..].iter().position(|b| *b == b'>').expect("end");
    let sig_area = data[start..end]
        .iter()
        .rposition(|b| *b != b'0')
        .expect("cms")
        + start
        - 20;
    data[sig_area] = if data[sig_area] == b'a' { b'b' } else { b'a' };
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(&tampered, &data).expect("write");
    let (code, r) = verify_json(&tampered);
    assert_eq!(code, 1);
    assert_eq!(
        statuses(&r),
        vec![("failed".to_string(), "signature_invalid".to_string())]
    );
}

/// Appends a revision that replaces page 1's content stream.
fn append_content_change(input: &Path, output: &Path) {
    let data = std::fs::read(input).expect("read");
    let doc = kyso_pdf::Document::open(&data).expect("open");
    let page_ref = doc.pages().expect("pages")[0];
    let mut page = doc
        .get(page_ref)
        .expect("page")
        .as_dict()
        .cloned()
        .expect("page dict");
    let mut up = kyso_pdf::IncrementalUpdate::new(&doc);
    let content = up.add(kyso_pdf::Object::Stream(kyso_pdf::Stream {
        dict: kyso_pdf::Dict::new(),
        data: b"BT /F1 24 Tf 72 700 Td (PAID IN FULL) Tj ET".to_vec(),
    }));
    page.set(b"Contents", kyso_pdf::Object::Ref(content));
    up.set(page_ref, kyso_pdf::Object::Dict(page));
    std::fs::write(output, up.write().expect("write").bytes).expect("write");
}

#[test]
fn a_later_revision_changing_page_content_is_a_modification() {
    let dir = tempdir();
    for extra in [&["--certify"][..], &[][..]] {
        let signed = dir.path().join("signed.pdf");
        sign(&pdf("letter-classic.pdf"), &signed, "personal.p12", extra);
        let changed = dir.path().join("changed.pdf");
        append_content_change(&signed, &changed);
        let (code, r) = verify_json(&changed);
        assert_eq!(code, 1, "{r}");
        let s = &r["signatures"][0];
        assert_eq!(s["status"], "failed");
        assert_eq!(s["reason"], "modified_after_signing");
        assert_eq!(s["modified_after"], true);
        assert!(
            s["modifications"][0]
                .as_str()
                .unwrap_or("")
                .contains("/Contents"),
            "{s}"
        );
    }
}

#[test]
fn an_outsider_signature_is_not_passed() {
    let dir = tempdir();
    let out = dir.path().join("outsider.pdf");
    sign(&pdf("letter-classic.pdf"), &out, "outsider.p12", &[]);
    let (code, r) = verify_json(&out);
    assert_eq!(code, 1);
    assert_eq!(r["status"], "indeterminate");
    let s = &r["signatures"][0];
    assert_eq!(s["reason"], "untrusted_chain");
    assert_eq!(s["trusted"], false);
}

#[test]
fn without_trust_anchors_the_result_is_indeterminate_with_a_hint() {
    let dir = tempdir();
    let out = dir.path().join("one.pdf");
    sign(&pdf("letter-classic.pdf"), &out, "personal.p12", &[]);
    let o = run(kyso().arg("verify").arg(&out));
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains("INDETERMINATE") && text.contains("--trust"),
        "{text}"
    );
}

#[test]
fn ecdsa_adbe_and_larger_digests() {
    let dir = tempdir();
    let a = dir.path().join("ec.pdf");
    sign(
        &pdf("letter-xrefstream.pdf"),
        &a,
        "personal-ec.p12",
        &["--certify", "--mdp", "3"],
    );
    let b = dir.path().join("ec-agency.pdf");
    sign(
        &a,
        &b,
        "agency.p12",
        &[
            "--subfilter",
            "adbe.pkcs7.detached",
            "--digest",
            "sha512",
            "--reason",
            "Đóng dấu",
        ],
    );
    let (code, r) = verify_json(&b);
    assert_eq!(code, 0, "{r}");
    let sigs = &r["signatures"];
    assert_eq!(sigs[0]["signature_algorithm"], "ecdsa-sha256");
    assert_eq!(sigs[0]["certification"], 3);
    assert_eq!(sigs[0]["signer"]["identifiers"]["CCCD"], "001190000123");
    assert_eq!(sigs[1]["subfilter"], "adbe.pkcs7.detached");
    assert_eq!(sigs[1]["digest"], "sha512");
    assert_eq!(sigs[1]["signing_time_source"], "cms");
}

#[test]
fn docmdp_1_refuses_further_signatures() {
    let dir = tempdir();
    let a = dir.path().join("locked.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &a,
        "personal.p12",
        &["--certify", "--mdp", "1"],
    );
    let b = dir.path().join("b.pdf");
    let o = try_sign(&a, &b, "agency.p12", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("DocMDP P=1"), "{}", stderr(&o));
    assert!(!b.exists());
}

#[test]
fn a_certification_must_come_first() {
    let dir = tempdir();
    let b = dir.path().join("b.pdf");
    let o = try_sign(
        &pdf("letter-signed-pyhanko.pdf"),
        &b,
        "agency.p12",
        &["--certify"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("first signature"), "{}", stderr(&o));
    assert!(!b.exists());
}

#[test]
fn named_field_and_in_place() {
    let dir = tempdir();
    let a = dir.path().join("a.pdf");
    std::fs::copy(pdf("letter-form.pdf"), &a).expect("copy");
    let o = run(kyso()
        .arg("sign")
        .arg(&a)
        .arg("--in-place")
        .arg("--p12")
        .arg(pki("personal.p12"))
        .args([
            "--password-env",
            "KYSO_PASSWORD",
            "--field",
            "Chữ ký cá nhân",
        ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let (code, r) = verify_json(&a);
    assert_eq!(code, 0);
    assert_eq!(r["signatures"][0]["field"], "Chữ ký cá nhân");
}

#[test]
fn output_equal_to_input_is_refused() {
    let dir = tempdir();
    let a = dir.path().join("a.pdf");
    std::fs::copy(pdf("letter-classic.pdf"), &a).expect("copy");
    let before = sha(&a);
    let o = try_sign(&a, &a, "personal.p12", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--in-place"));
    assert_eq!(sha(&a), before);
}

#[test]
fn wrong_password_or_broken_input_leaves_no_output() {
    let dir = tempdir();
    let out = dir.path().join("out.pdf");
    let o = run(kyso()
        .arg("sign")
        .arg(pdf("letter-classic.pdf"))
        .arg("-o")
        .arg(&out)
        .arg("--p12")
        .arg(pki("personal.p12"))
        .args(["--password-env", "WRONG"])
        .env("WRONG", "not-the-password"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).to_lowercase().contains("password"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());

    let garbage = dir.path().join("garbage.pdf");
    std::fs::write(&garbage, b"%PDF-1.7\nthis is not really a pdf\n").expect("write");
    let o = try_sign(&garbage, &out, "personal.p12", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());

    let o = run(kyso()
        .arg("sign")
        .arg(pdf("letter-classic.pdf"))
        .arg("-o")
        .arg(&out)
        .arg("--p12")
        .arg(pki("personal.p12"))
        .args(["--password-env", "NOT_SET_ANYWHERE"]));
    assert_eq!(o.status.code(), Some(2));
    // The name is not repeated (it might be the password itself); the option is.
    assert!(!stderr(&o).contains("NOT_SET_ANYWHERE"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--password-env"), "{}", stderr(&o));
}

#[test]
fn truncated_and_garbage_files_give_exit_2_and_a_clear_error() {
    let dir = tempdir();
    let signed = sign_both(&pdf("letter-classic.pdf"), dir.path());
    let data = std::fs::read(&signed).expect("read");
    let truncated = dir.path().join("truncated.pdf");
    std::fs::write(&truncated, &data[..data.len() / 3]).expect("write");
    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, [0x89u8, 0x50, 0x4e, 0x47, 1, 2, 3]).expect("write");
    let missing = dir.path().join("missing.pdf");
    for f in [&truncated, &garbage, &missing] {
        let o = run(kyso()
            .arg("verify")
            .arg(f)
            .arg("--trust")
            .arg(pki("root.pem")));
        assert_eq!(o.status.code(), Some(2), "{}: {}", f.display(), stdout(&o));
        assert!(stdout(&o).contains("ERROR"), "{}", stdout(&o));
        let o = run(kyso().arg("verify").arg(f).arg("--json"));
        let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
        assert_eq!(v["status"], "error");
        assert!(!v["message"].as_str().unwrap_or("").is_empty());
    }
}

#[test]
fn unsigned_document_does_not_pass() {
    let (code, r) = verify_json(&pdf("letter-classic.pdf"));
    assert_eq!(code, 1);
    assert_eq!(r["reason"], "no_signatures");
}

#[test]
fn cert_inspect_reports_kind_and_identifiers() {
    let o = run(kyso()
        .args(["cert", "inspect"])
        .arg(pki("personal.p12"))
        .args(["--password-env", "KYSO_PASSWORD", "--json"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&o).lines().next().unwrap_or("")).expect("json");
    assert_eq!(first["kind"], "personal");
    assert_eq!(first["identifiers"]["CCCD"], "038085012345");
    assert_eq!(stdout(&o).lines().count(), 3, "leaf, CA and root");

    let o = run(kyso().args(["cert", "inspect"]).arg(pki("agency.pem")));
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(
        text.contains("kind:        agency") && text.contains("MST = 2300123456"),
        "{text}"
    );

    let o = run(kyso()
        .args(["cert", "inspect"])
        .arg(pki("personal-ec.pem"))
        .arg("--json"));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["key"], "ECDSA P-256");
}

#[test]
fn help_teaches() {
    let o = run(kyso().arg("--help"));
    assert!(o.status.success());
    assert!(stdout(&o).contains("Exit codes"));
    let o = run(kyso().args(["sign", "--help"]));
    assert!(stdout(&o).contains("--password-env"));
    let o = run(kyso().arg("frobnicate"));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_closed_pipe_does_not_panic() {
    let dir = tempdir();
    let signed = sign_both(&pdf("letter-classic.pdf"), dir.path());
    let files: Vec<_> = std::iter::repeat_n(&signed, 200).collect();
    let mut child = kyso()
        .arg("verify")
        .args(&files)
        .arg("--trust")
        .arg(pki("root.pem"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // the reader goes away, as with `| head -1`
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn configuration_kind_rules_classify_an_unknown_signer_in_verify() {
    let dir = tempdir();
    // The fixture OCSP responder certificate carries no identity evidence: kind unknown.
    let out = dir.path().join("unknown-kind.pdf");
    sign(&pdf("letter-classic.pdf"), &out, "ocsp.p12", &[]);
    let verify_kind = |config: Option<&std::path::Path>| {
        let mut cmd = kyso();
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        } else {
            // No user configuration either.
            cmd.env("XDG_CONFIG_HOME", dir.path())
                .env("HOME", dir.path());
        }
        let o = run(cmd
            .arg("verify")
            .arg(&out)
            .arg("--trust")
            .arg(pki("root.pem"))
            .arg("--json"));
        let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        kinds(&v)
    };
    assert_eq!(verify_kind(None), vec!["unknown".to_string()]);
    let fingerprint = "AC:96:AF:6B:AE:39:20:7D:58:EC:10:CF:60:C8:82:D4:B7:11:B6:E5:D0:78:89:B9:C5:1C:AB:37:20:AD:E9:87";
    let config = dir.path().join("kyso.toml");
    std::fs::write(
        &config,
        format!("[[kind.rules]]\nkind = \"agency\"\nfingerprints = [\"{fingerprint}\"]\n"),
    )
    .unwrap();
    assert_eq!(verify_kind(Some(&config)), vec!["agency".to_string()]);
}
