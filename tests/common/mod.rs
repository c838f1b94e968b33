//! Shared helpers for the end-to-end tests.
#![allow(dead_code)]

pub mod peers;
pub mod server;
pub mod services;
pub mod signing;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const PASSWORD: &str = "kyso-fixture";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

pub fn pki(name: &str) -> PathBuf {
    fixture(&format!("pki/{name}"))
}

pub fn pdf(name: &str) -> PathBuf {
    fixture(&format!("pdf/{name}"))
}

/// The PDF fixture structures every signing test runs over.
pub const STRUCTURES: &[&str] = &[
    "letter-classic.pdf",
    "letter-xrefstream.pdf",
    "letter-linearized.pdf",
    "letter-form.pdf",
    "letter-updates.pdf",
    "letter-signed-pyhanko.pdf",
];

/// The pyHanko command line: `$KYSO_PYHANKO` (scripts/test.sh exports it), else the project's
/// `.venv`, else `pyhanko` on the PATH.
pub fn pyhanko() -> PathBuf {
    if let Some(p) = std::env::var_os("KYSO_PYHANKO") {
        return PathBuf::from(p);
    }
    let venv = root().join(".venv/bin/pyhanko");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("pyhanko")
    }
}

/// The Python of the peers' virtual environment (pyHanko, signxml): `$KYSO_PYTHON`
/// (scripts/test.sh exports it), else the one beside [`pyhanko`], else `python3`.
pub fn peer_python() -> PathBuf {
    if let Some(p) = std::env::var_os("KYSO_PYTHON") {
        return PathBuf::from(p);
    }
    let beside = pyhanko().with_file_name("python");
    if beside.exists() {
        beside
    } else {
        PathBuf::from("python3")
    }
}

pub fn kyso() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kyso"));
    c.env("KYSO_PASSWORD", PASSWORD);
    c
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("failed to start a process")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// pyHanko's verdict on `file` (trusting the test root, no revocation checks): whether it
/// exits successfully, and its output.
pub fn pyhanko_validate(file: &Path) -> (bool, String) {
    let o = run(Command::new(pyhanko())
        .args(["sign", "validate", "--trust"])
        .arg(pki("root.pem"))
        .args(["--trust-replace", "--no-revocation-check"])
        .arg(file));
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

/// Runs `kyso sign input -o output --p12 <fixture> --password-env KYSO_PASSWORD extra...`.
pub fn try_sign(input: &Path, output: &Path, p12: &str, extra: &[&str]) -> Output {
    run(kyso()
        .arg("sign")
        .arg(input)
        .arg("-o")
        .arg(output)
        .arg("--p12")
        .arg(pki(p12))
        .args(["--password-env", "KYSO_PASSWORD"])
        .args(extra))
}

/// Signs `input` into `output` with a fixture PKCS#12, asserting success.
pub fn sign(input: &Path, output: &Path, p12: &str, extra: &[&str]) {
    let o = try_sign(input, output, p12, extra);
    assert!(
        o.status.success(),
        "kyso sign {} failed: {}",
        input.display(),
        stderr(&o)
    );
    assert!(output.exists());
}

/// Signs personal (certification) then agency; returns the final path.
pub fn sign_both(input: &Path, dir: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let first = dir.join(format!("{stem}.personal.pdf"));
    let already_signed = stem.contains("signed");
    sign(
        input,
        &first,
        "personal.p12",
        if already_signed { &[] } else { &["--certify"] },
    );
    let second = dir.join(format!("{stem}.final.pdf"));
    sign(&first, &second, "agency.p12", &[]);
    second
}

/// Runs `kyso verify --json` with the fixture root; returns (exit code, parsed report).
pub fn verify_json(file: &Path) -> (i32, serde_json::Value) {
    let o = run(kyso()
        .arg("verify")
        .arg(file)
        .arg("--trust")
        .arg(pki("root.pem"))
        .arg("--json"));
    let text = stdout(&o);
    let v: serde_json::Value =
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("bad JSON ({e}): {text}"));
    (o.status.code().unwrap_or(-1), v)
}

pub fn statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    report["signatures"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["status"].as_str().unwrap_or("").to_string(),
                        s["reason"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn kinds(report: &serde_json::Value) -> Vec<String> {
    report["signatures"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s["signer"]["kind"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Changes one digit of page 1's /MediaBox (inside every signed range).
pub fn flip_page_size(data: &mut [u8]) {
    let at = data
        .windows(9)
        .position(|w| w == b"/MediaBox")
        .expect("a page")
        + 14;
    data[at] = if data[at] == b'9' { b'8' } else { b'9' };
}

/// Copies `signed` with one digit of page 1's /MediaBox changed (inside every signed range).
pub fn tamper_page_size(signed: &Path, dir: &Path) -> PathBuf {
    let mut data = std::fs::read(signed).expect("read");
    flip_page_size(&mut data);
    let tampered = dir.join("tampered.pdf");
    std::fs::write(&tampered, &data).expect("write");
    tampered
}

pub fn xml(name: &str) -> PathBuf {
    fixture(&format!("xml/docs/{name}"))
}

/// Runs `kyso verify --json` on an XML file; returns (exit code, report).
pub fn verify_xml_json(file: &Path) -> (i32, serde_json::Value) {
    verify_json(file)
}

/// A PDF signed by `openssl cms -sign` (with the personal key, as an `adbe.pkcs7.detached`
/// signature) over the letter's prepared byte ranges, after `tweak` has had the content to
/// sign (the joined byte ranges; a tweak makes a CMS over other bytes); `extra` are more
/// `openssl cms` arguments (`-noattr`, `-nodetach`, `-md sha3-256`, ...).
pub fn openssl_signed_pdf(
    dir: &Path,
    name: &str,
    extra: &[&str],
    tweak: impl FnOnce(&mut Vec<u8>),
) -> PathBuf {
    let prepared = prepared_letter(kyso_pdf::SubFilter::AdbePkcs7Detached, None);
    let mut content = Vec::new();
    for r in prepared.signed_ranges() {
        content.extend_from_slice(&prepared.bytes()[r]);
    }
    tweak(&mut content);
    let content_path = dir.join(format!("{name}.content"));
    let cms_path = dir.join(format!("{name}.p7s"));
    std::fs::write(&content_path, &content).expect("write content");
    let o = run(Command::new("openssl")
        .args(["cms", "-sign", "-binary", "-outform", "DER", "-in"])
        .arg(&content_path)
        .arg("-signer")
        .arg(pki("personal.pem"))
        .arg("-inkey")
        .arg(pki("personal.key.pem"))
        .arg("-certfile")
        .arg(pki("ca.pem"))
        .arg("-out")
        .arg(&cms_path)
        .args(extra));
    assert!(o.status.success(), "openssl cms: {}", stderr(&o));
    let cms = std::fs::read(&cms_path).expect("cms");
    let out = dir.join(format!("{name}.pdf"));
    std::fs::write(&out, prepared.embed(&cms).expect("embed")).expect("write");
    out
}

/// The fixture letter prepared for a signature (16 KiB `/Contents` hole) through the library,
/// for tests that make the CMS themselves.
pub fn prepared_letter(
    sub_filter: kyso_pdf::SubFilter,
    reason: Option<String>,
) -> kyso_pdf::PreparedPdf {
    let data = std::fs::read(pdf("letter-classic.pdf")).expect("letter");
    let doc = kyso_pdf::Document::open(&data).expect("open");
    let req = kyso_pdf::SignatureRequest {
        field_name: None,
        sub_filter,
        certify: None,
        signing_time: "D:20261203090000+07'00'".into(),
        reason,
        location: None,
        contact: None,
        name: None,
        contents_size: 16384,
        appearance: None,
        fills: Vec::new(),
    };
    kyso_pdf::prepare(&doc, &req).expect("prepare")
}
