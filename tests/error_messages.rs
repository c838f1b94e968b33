//! Error messages as a user reads them (each said once, files of the wrong kind named as
//! such), and the typed errors a program linking the library matches on.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{PASSWORD, pdf, pki, run, stderr, tempdir};

/// `kyso` without any configuration file of the machine.
fn kyso(config_home: &Path) -> Command {
    let mut c = common::kyso();
    c.env("XDG_CONFIG_HOME", config_home)
        .env("HOME", config_home);
    c
}

/// Runs `cmd`, expects exit code 2, and returns the single error line of stderr.
fn error_of(cmd: &mut Command) -> String {
    let o = run(cmd);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    let line = err.trim_end().to_string();
    assert!(line.starts_with("kyso: error: "), "{line}");
    line
}

/// `needle` occurs exactly once in `haystack`.
fn once(haystack: &str, needle: &str) {
    assert_eq!(
        haystack.matches(needle).count(),
        1,
        "'{needle}' should appear exactly once in: {haystack}"
    );
}

fn sign_cmd(home: &Path, input: &Path, output: &Path, p12: &Path) -> Command {
    let mut c = kyso(home);
    c.arg("sign")
        .arg(input)
        .arg("-o")
        .arg(output)
        .arg("--p12")
        .arg(p12)
        .args(["--password-env", "KYSO_PASSWORD"]);
    c
}

const ENOENT: &str = "No such file or directory";

#[test]
fn a_missing_input_is_reported_once() {
    let home = tempdir();
    let missing = home.path().join("missing.pdf");
    let out = home.path().join("out.pdf");
    let line = error_of(&mut sign_cmd(
        home.path(),
        &missing,
        &out,
        &pki("agency.p12"),
    ));
    once(&line, ENOENT);
    once(&line, "missing.pdf");
}

#[test]
fn a_missing_trust_file_is_reported_once() {
    let home = tempdir();
    let missing = home.path().join("roots.pem");
    let line = error_of(
        kyso(home.path())
            .arg("verify")
            .arg(pdf("letter-classic.pdf"))
            .arg("--trust")
            .arg(&missing),
    );
    once(&line, ENOENT);
    once(&line, "roots.pem");
}

#[test]
fn a_missing_config_file_is_reported_once() {
    let home = tempdir();
    let missing = home.path().join("kyso.toml");
    let line = error_of(
        kyso(home.path())
            .arg("--config")
            .arg(&missing)
            .arg("verify")
            .arg(pdf("letter-classic.pdf")),
    );
    once(&line, ENOENT);
    once(&line, "kyso.toml");
}

#[test]
fn an_output_in_a_missing_or_unwritable_place_is_reported_once() {
    let home = tempdir();
    // A directory that does not exist.
    let out = home.path().join("no-such-dir").join("out.pdf");
    let line = error_of(&mut sign_cmd(
        home.path(),
        &pdf("letter-classic.pdf"),
        &out,
        &pki("agency.p12"),
    ));
    once(&line, "does not exist");
    once(&line, "out.pdf");
    // Below a regular file (not a directory: fails even for root, unlike a read-only one).
    let file = home.path().join("plain");
    std::fs::write(&file, b"x").expect("write");
    let line = error_of(&mut sign_cmd(
        home.path(),
        &pdf("letter-classic.pdf"),
        &file.join("out.pdf"),
        &pki("agency.p12"),
    ));
    once(&line, "not a folder");
}

/// An encrypted copy of a fixture, made with qpdf (None when qpdf is not installed).
fn encrypted_pdf(dir: &Path) -> Option<PathBuf> {
    let out = dir.join("encrypted.pdf");
    let status = Command::new("qpdf")
        .args(["--encrypt", "user", "owner", "256", "--"])
        .arg(pdf("letter-classic.pdf"))
        .arg(&out)
        .status()
        .ok()?;
    status.success().then_some(out)
}

#[test]
fn signing_an_encrypted_pdf_is_reported_once() {
    let home = tempdir();
    let Some(encrypted) = encrypted_pdf(home.path()) else {
        eprintln!("qpdf is not installed: skipped");
        return;
    };
    let out = home.path().join("out.pdf");
    let line = error_of(&mut sign_cmd(
        home.path(),
        &encrypted,
        &out,
        &pki("agency.p12"),
    ));
    // A user password is needed and was not given (--pdf-password-env).
    once(&line, "the document needs a password to be opened");
    // The library says so with its own variant.
    let data = std::fs::read(&encrypted).expect("read");
    let cred = kyso::load_credential(&pki("agency.p12"), PASSWORD).expect("credential");
    let e = kyso::sign_pdf(&data, &cred, &kyso::PdfSignOptions::default()).unwrap_err();
    assert!(matches!(e, kyso::Error::EncryptedPdf { .. }), "{e:?}");
}

#[test]
fn a_certificate_given_to_p12_says_what_was_expected_and_found() {
    let home = tempdir();
    let out = home.path().join("out.pdf");
    for (file, found) in [
        ("root.pem", "found a PEM certificate"),
        ("root.der", "found a DER certificate"),
        ("root.key.pem", "found a PEM private key"),
    ] {
        let line = error_of(&mut sign_cmd(
            home.path(),
            &pdf("letter-classic.pdf"),
            &out,
            &pki(file),
        ));
        assert!(
            line.ends_with(&format!(
                "{file}: expected a PKCS#12 file (.p12/.pfx) for --p12, {found}"
            )),
            "{line}"
        );
    }
}

#[test]
fn a_pkcs12_given_to_trust_says_what_was_expected_and_found() {
    let home = tempdir();
    let line = error_of(
        kyso(home.path())
            .arg("verify")
            .arg(pdf("letter-classic.pdf"))
            .arg("--trust")
            .arg(pki("agency.p12")),
    );
    assert!(
        line.ends_with(
            "agency.p12: expected a certificate file (PEM or DER) for --trust, found a PKCS#12 file (.p12/.pfx)"
        ),
        "{line}"
    );
    // Through the library, from a path and from bytes.
    let mut trust = kyso::TrustConfig::default();
    let e = trust.add_anchors(&pki("agency.p12")).unwrap_err();
    assert!(
        matches!(
            &e,
            kyso::Error::WrongFileKind {
                expected: kyso::FileKind::Certificate,
                found: kyso::FileKind::Pkcs12,
                ..
            }
        ),
        "{e:?}"
    );
    let p12 = std::fs::read(pki("agency.p12")).expect("read");
    let e = trust.add_anchors_pem_or_der(&p12).unwrap_err();
    assert!(matches!(e, kyso::Error::WrongFileKind { .. }), "{e:?}");
}

#[test]
fn key_store_errors_have_their_own_variants() {
    let dir = tempdir();
    // Wrong password.
    let e = kyso::load_credential(&pki("agency.p12"), "not-the-password").unwrap_err();
    assert!(matches!(e, kyso::Error::WrongPassword { .. }), "{e:?}");
    // Not a PKCS#12 file.
    let e = kyso::load_credential(&pki("root.pem"), PASSWORD).unwrap_err();
    assert!(
        matches!(
            &e,
            kyso::Error::WrongFileKind {
                expected: kyso::FileKind::Pkcs12,
                found: kyso::FileKind::PemCertificate,
                ..
            }
        ),
        "{e:?}"
    );
    // A damaged PKCS#12 file.
    let data = std::fs::read(pki("agency.p12")).expect("read");
    let truncated = dir.path().join("truncated.p12");
    std::fs::write(&truncated, &data[..data.len() / 2]).expect("write");
    let e = kyso::load_credential(&truncated, PASSWORD).unwrap_err();
    assert!(
        matches!(
            e,
            kyso::Error::KeyStore { .. } | kyso::Error::WrongPassword { .. }
        ),
        "{e:?}"
    );
    // A missing file.
    let e = kyso::load_credential(&dir.path().join("none.p12"), PASSWORD).unwrap_err();
    match e {
        kyso::Error::Io { error, .. } => assert_eq!(error.kind(), std::io::ErrorKind::NotFound),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unsupported_key_algorithm_has_its_own_variant() {
    // An Ed25519 key in a PKCS#12 file, made with openssl when it is installed.
    let dir = tempdir();
    let key = dir.path().join("ed.key");
    let cert = dir.path().join("ed.pem");
    let p12 = dir.path().join("ed.p12");
    let ok = |c: &mut Command| c.output().map(|o| o.status.success()).unwrap_or(false);
    let made = ok(Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&key))
        && ok(Command::new("openssl")
            .args([
                "req", "-new", "-x509", "-subj", "/CN=ed", "-days", "30", "-key",
            ])
            .arg(&key)
            .arg("-out")
            .arg(&cert))
        && ok(Command::new("openssl")
            .args(["pkcs12", "-export", "-passout"])
            .arg(format!("pass:{PASSWORD}"))
            .arg("-inkey")
            .arg(&key)
            .arg("-in")
            .arg(&cert)
            .arg("-out")
            .arg(&p12));
    if !made {
        eprintln!("openssl cannot make an Ed25519 PKCS#12 file here: skipped");
        return;
    }
    let e = kyso::load_credential(&p12, PASSWORD).unwrap_err();
    assert!(matches!(e, kyso::Error::UnsupportedKey(_)), "{e:?}");
    // A P-256 key does not sign with SHA-512.
    let cred = kyso::load_credential(&pki("personal-ec.p12"), PASSWORD).expect("credential");
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let e = kyso::sign_pdf(
        &letter,
        &cred,
        &kyso::PdfSignOptions {
            digest: Some(kyso::DigestAlgorithm::Sha512),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, kyso::Error::UnsupportedKey(_)), "{e:?}");
}

#[test]
fn certification_conflicts_have_their_own_variants() {
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let personal = kyso::load_credential(&pki("personal.p12"), PASSWORD).expect("credential");
    let agency = kyso::load_credential(&pki("agency.p12"), PASSWORD).expect("credential");
    let certify = |p| kyso::PdfSignOptions {
        certify: Some(p),
        ..Default::default()
    };
    // Certification after a signature.
    let signed = kyso::sign_pdf(&letter, &agency, &kyso::PdfSignOptions::default()).expect("sign");
    let e = kyso::sign_pdf(&signed, &personal, &certify(2)).unwrap_err();
    assert!(matches!(e, kyso::Error::CertificationNotFirst), "{e:?}");
    // A signature on a document certified with no changes allowed.
    let locked = kyso::sign_pdf(&letter, &personal, &certify(1)).expect("certify");
    let e = kyso::sign_pdf(&locked, &agency, &kyso::PdfSignOptions::default()).unwrap_err();
    assert!(matches!(e, kyso::Error::CertifiedNoChanges), "{e:?}");
    // The signing certificate at a time it is not valid.
    let e = kyso::sign_pdf(
        &letter,
        &agency,
        &kyso::PdfSignOptions {
            signing_time: Some(kyso::parse_time("2040-01-01T00:00:00Z").expect("time")),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, kyso::Error::CertificateExpired { .. }), "{e:?}");
}

#[test]
fn trust_anchors_load_from_bytes() {
    let mut trust = kyso::TrustConfig::default();
    let pem = std::fs::read(pki("root.pem")).expect("read");
    assert_eq!(trust.add_anchors_pem_or_der(&pem).expect("PEM"), 1);
    let der = std::fs::read(pki("root.der")).expect("read");
    assert_eq!(trust.add_anchors_pem_or_der(&der).expect("DER"), 1);
    let chain = std::fs::read(pki("agency.chain.pem")).expect("read");
    assert!(trust.add_intermediates_pem_or_der(&chain).expect("chain") >= 1);
    // A document signed by the agency verifies against anchors given as bytes.
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let cred = kyso::load_credential(&pki("agency.p12"), PASSWORD).expect("credential");
    let signed = kyso::sign_pdf(&letter, &cred, &kyso::PdfSignOptions::default()).expect("sign");
    let report = kyso::verify_bytes("signed.pdf", &signed, &trust);
    assert_eq!(report.status, kyso::Status::Passed, "{}", report.message);
    assert!(report.signatures.iter().all(|s| s.trusted));
    let e = trust.add_anchors_pem_or_der(b"").unwrap_err();
    assert!(
        matches!(
            e,
            kyso::Error::WrongFileKind {
                found: kyso::FileKind::Empty,
                ..
            }
        ),
        "{e:?}"
    );
}
