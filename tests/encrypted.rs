//! Encrypted PDFs (the standard security handler): kyso signs and verifies them, and verifies
//! what pyHanko signed. The fixtures are made by `fixtures/make-encrypted-fixtures.sh` (qpdf
//! and pyHanko); peers judging kyso's output are in `tests/interop.rs`.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// The qpdf-encrypted letters with an empty user password, and the label kyso gives each.
const ALGORITHMS: &[(&str, &str)] = &[
    ("rc4-40", "RC4 40-bit (R2)"),
    ("rc4-128", "RC4 128-bit (R3)"),
    ("aes128", "AES-128 (R4)"),
    ("aes256-r5", "AES-256 (R5)"),
    ("aes256-r6", "AES-256 (R6)"),
];

fn encrypted(name: &str) -> PathBuf {
    fixture(&format!("pdf/encrypted/letter-{name}.pdf"))
}

/// `kyso verify --json` with the fixture root and optionally `--pdf-password-env PDFPW`.
fn verify_with(file: &Path, password: Option<&str>) -> (i32, serde_json::Value) {
    let mut cmd = kyso();
    cmd.arg("verify")
        .arg(file)
        .arg("--trust")
        .arg(pki("root.pem"))
        .arg("--json");
    if let Some(p) = password {
        cmd.env("PDFPW", p).args(["--pdf-password-env", "PDFPW"]);
    }
    let o = run(&mut cmd);
    let text = stdout(&o);
    let v: serde_json::Value =
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("bad JSON ({e}): {text}"));
    (o.status.code().unwrap_or(-1), v)
}

fn field_names(r: &serde_json::Value) -> Vec<String> {
    r["signatures"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn kyso_signs_and_verifies_every_standard_algorithm() {
    let dir = tempdir();
    for (name, label) in ALGORITHMS {
        let input = encrypted(name);
        let first = dir.path().join(format!("{name}.1.pdf"));
        let second = dir.path().join(format!("{name}.2.pdf"));
        sign(
            &input,
            &first,
            "personal.p12",
            &["--certify", "--reason", "Approved by the director"],
        );
        sign(&first, &second, "agency.p12", &["--reason", "Phê duyệt"]);
        let (code, r) = verify_with(&second, None);
        assert_eq!(code, 0, "{name}: {r}");
        assert_eq!(
            statuses(&r),
            vec![("passed".into(), "ok".into()); 2],
            "{name}: {r}"
        );
        assert_eq!(field_names(&r), vec!["Signature1", "Signature2"], "{name}");
        assert_eq!(
            r["signatures"][0]["signer_reason"], "Approved by the director",
            "{name}"
        );
        assert_eq!(r["signatures"][1]["signer_reason"], "Phê duyệt", "{name}");
        assert_eq!(r["signatures"][0]["certification"], 2, "{name}");

        // The updates are encrypted with the document's key: /Encrypt and /ID[0] are kept,
        // and the strings kyso wrote are not in the file in clear.
        let data = std::fs::read(&second).expect("read");
        assert!(
            !data
                .windows(b"Approved by the director".len())
                .any(|w| w == b"Approved by the director"),
            "{name}: the reason is written in clear"
        );
        let original = std::fs::read(&input).expect("read");
        let doc = kyso_pdf::Document::open(&data).expect("open");
        let before = kyso_pdf::Document::open(&original).expect("open");
        assert_eq!(
            doc.security().map(|s| s.label().to_string()).as_deref(),
            Some(*label)
        );
        assert_eq!(
            doc.trailer().get(b"Encrypt"),
            before.trailer().get(b"Encrypt")
        );
        let id0 = |d: &kyso_pdf::Document<'_>| {
            d.trailer()
                .get(b"ID")
                .and_then(kyso_pdf::Object::as_array)
                .and_then(|a| a.first().cloned())
        };
        assert_eq!(id0(&doc), id0(&before), "{name}");
    }
}

#[test]
fn kyso_verifies_what_pyhanko_signed_encrypted() {
    let dir = tempdir();
    for name in ["rc4-40", "rc4-128", "aes128", "aes256-r6"] {
        let signed = encrypted(&format!("{name}-pyhanko"));
        let (code, r) = verify_with(&signed, None);
        assert_eq!(code, 0, "{name}: {r}");
        assert_eq!(field_names(&r), vec!["Peer"], "{name}");
        assert_eq!(r["signatures"][0]["signer_reason"], "Phe duyet van ban");
        assert_eq!(r["signatures"][0]["signer_location"], "Bac Ninh");
        assert_eq!(kinds(&r), vec!["personal"], "{name}");
        // kyso adds its seal after pyHanko's; both still pass.
        let out = dir.path().join(format!("{name}.kyso.pdf"));
        sign(&signed, &out, "agency.p12", &[]);
        let (code, r) = verify_with(&out, None);
        assert_eq!(code, 0, "{name}: {r}");
        assert_eq!(statuses(&r), vec![("passed".into(), "ok".into()); 2]);
    }
}

#[test]
fn a_user_password_is_asked_for_and_used() {
    let dir = tempdir();
    let input = encrypted("aes256-user");
    let out = dir.path().join("signed.pdf");
    // Without a password: refused, naming what is missing.
    let o = try_sign(&input, &out, "agency.p12", &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("the document needs a password to be opened"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "nothing is written on failure");
    let (code, r) = verify_with(&input, None);
    assert_eq!(code, 2, "{r}");
    assert!(
        r["message"]
            .as_str()
            .is_some_and(|m| m.contains("--pdf-password-env")),
        "{r}"
    );
    // A wrong password: refused, and never echoed.
    let secret = "hunter2-not-the-password";
    let o = run(kyso()
        .arg("sign")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--p12")
        .arg(pki("agency.p12"))
        .args(["--password-env", "KYSO_PASSWORD"])
        .env("PDFPW", secret)
        .args(["--pdf-password-env", "PDFPW"]));
    assert!(!o.status.success());
    let said = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        said.contains("the password given does not open the document"),
        "{said}"
    );
    assert!(!said.contains(secret), "{said}");
    // A missing variable is said, without its name (which might be the password itself), and
    // a value that is no variable name is refused without being printed.
    for given in ["KYSO_NO_SUCH_VARIABLE", "Mật khẩu 2026!"] {
        let o = run(kyso()
            .arg("verify")
            .arg(&input)
            .args(["--pdf-password-env", given]));
        let said = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{said}");
        assert!(said.contains("--pdf-password-env"), "{said}");
        assert!(!said.contains(given), "{said}");
    }
    // The user password, then the owner password, both open it.
    for (i, password) in ["user", "owner"].into_iter().enumerate() {
        let out = dir.path().join(format!("signed-{i}.pdf"));
        let o = run(kyso()
            .arg("sign")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .arg("--p12")
            .arg(pki("agency.p12"))
            .args(["--password-env", "KYSO_PASSWORD"])
            .env("PDFPW", password)
            .args(["--pdf-password-env", "PDFPW"]));
        assert!(o.status.success(), "{}", stderr(&o));
        let (code, r) = verify_with(&out, Some(password));
        assert_eq!(code, 0, "{r}");
        assert_eq!(statuses(&r), vec![("passed".into(), "ok".into())]);
    }
    // A password given for a batch opens documents encrypted with the empty one too.
    let (code, r) = verify_with(&encrypted("aes128-pyhanko"), Some("user"));
    assert_eq!(code, 0, "{r}");
}

#[test]
fn unsupported_security_handlers_are_refused_by_name() {
    let dir = tempdir();
    let mut data = std::fs::read(encrypted("aes128")).expect("read");
    let at = data
        .windows(9)
        .position(|w| w == b"/Standard")
        .expect("the standard handler");
    data[at..at + 9].copy_from_slice(b"/PubSecXY");
    let input = dir.path().join("pubsec.pdf");
    std::fs::write(&input, &data).expect("write");
    let out = dir.path().join("out.pdf");
    let o = try_sign(&input, &out, "agency.p12", &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("the /PubSecXY security handler is not supported"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let (code, r) = verify_with(&input, None);
    assert_eq!(code, 2, "{r}");
    assert_eq!(r["status"], "error", "{r}");
    // The library says so with its own variant.
    let cred = kyso::load_credential(&pki("agency.p12"), PASSWORD).expect("credential");
    let e = kyso::sign_pdf(&data, &cred, &kyso::PdfSignOptions::default()).unwrap_err();
    assert!(matches!(e, kyso::Error::EncryptedPdf { .. }), "{e:?}");
}

#[test]
fn tampering_with_an_encrypted_signed_document_is_detected() {
    let dir = tempdir();
    let signed = dir.path().join("signed.pdf");
    sign(&encrypted("aes256-r6"), &signed, "agency.p12", &[]);
    let tampered = tamper_page_size(&signed, dir.path());
    let (code, r) = verify_with(&tampered, None);
    assert_ne!(code, 0, "{r}");
    assert_eq!(statuses(&r)[0].0, "failed", "{r}");
}
