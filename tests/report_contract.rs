//! The JSON report is a public contract: `kyso verify --json` must print exactly the bytes
//! recorded in tests/golden/ for every document under fixtures/ (PDF and XML), and for a set of
//! documents signed here at a fixed time (the fixtures alone hold only two signed PDFs).
//!
//! Nothing is stripped: every input is verified with the fixture root, a fixed validation time
//! (`--at`), revocation checked offline only, and no configuration file, so the report does not
//! depend on the clock or the machine. The signed documents are made with RSA PKCS#1 v1.5 keys
//! (deterministic signatures) and with an ECDSA key, whose signature bytes vary from run to run
//! but never appear in the report.
//!
//! To record the goldens again after an intended change of the contract:
//! `KYSO_BLESS=1 cargo test --test report_contract`.

mod common;

use std::path::{Path, PathBuf};

use common::{PASSWORD, pki, root, run, stderr, stdout};

/// When the derived documents are signed, and when every report judges the certificates.
const SIGNED_AT: &str = "2026-06-01T00:00:00Z";
const AT: &str = "2026-06-02T00:00:00Z";

/// Every .pdf and .xml file under `dir`, as paths relative to `base`, sorted.
fn documents(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read fixtures directory")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            documents(base, &p, out);
        } else if p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pdf") || e.eq_ignore_ascii_case("xml"))
        {
            out.push(p.strip_prefix(base).expect("under base").to_path_buf());
        }
    }
}

/// `kyso verify --json` on `files` (relative to `cwd`), one JSON line per file.
fn verify(cwd: &Path, files: &[PathBuf]) -> String {
    let config_home = common::tempdir();
    let o = run(common::kyso()
        .current_dir(cwd)
        .env("XDG_CONFIG_HOME", config_home.path())
        .env("HOME", config_home.path())
        .arg("verify")
        .args(files)
        .arg("--trust")
        .arg(pki("root.pem"))
        .args(["--at", AT, "--json"]));
    assert!(
        matches!(o.status.code(), Some(0..=2)),
        "kyso verify: {}",
        stderr(&o)
    );
    let text = stdout(&o);
    assert_eq!(text.lines().count(), files.len(), "one line per document");
    text
}

/// Compares `actual` with the golden file `name`, line by line (or records it with KYSO_BLESS).
fn check_golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("KYSO_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir golden");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (record it with KYSO_BLESS=1)", path.display()));
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "{name}, line {}: the JSON report changed", i + 1);
    }
    assert_eq!(
        actual.lines().count(),
        expected.lines().count(),
        "{name}: number of reports"
    );
    assert_eq!(actual, expected, "{name}: the JSON report changed");
}

#[test]
fn fixture_reports_match_the_goldens() {
    let base = root();
    let mut files = Vec::new();
    documents(&base, &base.join("fixtures"), &mut files);
    assert!(files.len() > 50, "fixtures found: {}", files.len());
    check_golden("fixtures.jsonl", &verify(&base, &files));
}

fn credential(name: &str) -> kyso::Credential {
    kyso::load_credential(&pki(name), PASSWORD).expect("fixture credential")
}

fn pdf_options(certify: Option<u8>) -> kyso::PdfSignOptions {
    kyso::PdfSignOptions {
        certify,
        signing_time: Some(kyso::parse_time(SIGNED_AT).expect("time")),
        ..Default::default()
    }
}

fn xml_request(role: kyso::EinvoiceRole) -> kyso::XmlSignRequest {
    kyso::XmlSignRequest {
        role,
        signing_time: Some(kyso::parse_time(SIGNED_AT).expect("time")),
        ..Default::default()
    }
}

#[test]
fn signed_document_reports_match_the_goldens() {
    let dir = common::tempdir();
    let out = |name: &str, data: &[u8]| -> PathBuf {
        std::fs::write(dir.path().join(name), data).expect("write");
        PathBuf::from(name)
    };
    let letter = std::fs::read(common::pdf("letter-classic.pdf")).expect("read");
    let form = std::fs::read(common::pdf("letter-form.pdf")).expect("read");
    let mut files = Vec::new();

    // A certification by a person, then an agency seal: passes.
    let certified = kyso::sign_pdf(&letter, &credential("personal.p12"), &pdf_options(Some(2)))
        .expect("certify");
    files.push(out("certified.pdf", &certified));
    let both =
        kyso::sign_pdf(&certified, &credential("agency.p12"), &pdf_options(None)).expect("seal");
    files.push(out("both.pdf", &both));
    // The same, altered inside the signed ranges.
    let mut tampered = both.clone();
    common::flip_page_size(&mut tampered);
    files.push(out("tampered.pdf", &tampered));
    // Bytes appended after the last revision.
    let mut appended = both.clone();
    appended.extend_from_slice(b"\n% trailing garbage after the last revision\n");
    files.push(out("appended.pdf", &appended));
    // P=1: nothing may change, then a second signature.
    let locked = kyso::sign_pdf(&form, &credential("personal.p12"), &pdf_options(Some(1)))
        .expect("certify P=1");
    files.push(out("locked.pdf", &locked));
    // Signers outside the trust root, revoked, with an EC key, and with adbe.pkcs7.detached.
    for (name, p12) in [
        ("outsider.pdf", "outsider.p12"),
        ("revoked.pdf", "revoked.p12"),
        ("ec.pdf", "personal-ec.p12"),
    ] {
        let signed = kyso::sign_pdf(&letter, &credential(p12), &pdf_options(None)).expect("sign");
        files.push(out(name, &signed));
    }
    let adbe = kyso::sign_pdf(
        &letter,
        &credential("agency.p12"),
        &kyso::PdfSignOptions {
            sub_filter: kyso::SubFilter::AdbePkcs7Detached,
            ..pdf_options(None)
        },
    )
    .expect("adbe");
    files.push(out("adbe.pdf", &adbe));

    // XML: an e-invoice signed by the seller then the buyer, the same tampered, a generic
    // document.
    let invoice = std::fs::read(common::xml("invoice.xml")).expect("read");
    let seller = kyso::sign_xml(
        &invoice,
        &credential("agency.p12"),
        &xml_request(kyso::EinvoiceRole::Seller),
    )
    .expect("seller");
    files.push(out("invoice.seller.xml", &seller));
    let buyer = kyso::sign_xml(
        &seller,
        &credential("personal.p12"),
        &xml_request(kyso::EinvoiceRole::Buyer),
    )
    .expect("buyer");
    files.push(out("invoice.both.xml", &buyer));
    let text = String::from_utf8(buyer).expect("utf-8");
    let altered = text.replacen("<SHDon>", "<SHDon>9", 1);
    assert_ne!(altered, text, "the invoice has an SHDon to alter");
    files.push(out("invoice.tampered.xml", altered.as_bytes()));
    let notice = std::fs::read(common::xml("notice.xml")).expect("read");
    let generic = kyso::sign_xml(
        &notice,
        &credential("outsider.p12"),
        &xml_request(kyso::EinvoiceRole::Seller),
    )
    .expect("generic");
    files.push(out("notice.xml", &generic));

    check_golden("signed.jsonl", &verify(dir.path(), &files));
}
