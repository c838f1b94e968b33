//! PDF-level checks of issue 10's algorithms: `openssl cms` signatures over a fixture letter's
//! prepared byte ranges (RSA-PSS with OpenSSL's maximum salt, SHA-3), and a legacy
//! `adbe.x509.rsa_sha1` signature (a raw PKCS#1 signature in a DER OCTET STRING, the
//! certificates in `/Cert`), each verified and then tampered.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn prepare(reason: Option<String>) -> kyso_pdf::PreparedPdf {
    prepared_letter(kyso_pdf::SubFilter::AdbePkcs7Detached, reason)
}

fn openssl_signed(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    openssl_signed_pdf(dir, name, extra, |_| {})
}

/// Flips a byte of the signed revision (inside the first range, past the header).
fn tampered(file: &Path) -> PathBuf {
    let mut bytes = std::fs::read(file).expect("read");
    let at = bytes
        .windows(8)
        .position(|w| w == b"/MediaBox")
        .or_else(|| bytes.windows(5).position(|w| w == b"/Type"))
        .expect("a dictionary key");
    bytes[at + 2] ^= 0x01;
    let out = file.with_extension("tampered.pdf");
    std::fs::write(&out, bytes).expect("write");
    out
}

fn first(report: &serde_json::Value) -> &serde_json::Value {
    &report["signatures"][0]
}

#[test]
fn openssl_pss_max_salt_and_sha3_verify() {
    let dir = tempdir();
    for (name, args, digest, alg) in [
        (
            "pss-max",
            &[
                "-md",
                "sha256",
                "-keyopt",
                "rsa_padding_mode:pss",
                "-keyopt",
                "rsa_pss_saltlen:max",
            ][..],
            "sha256",
            "rsa-pss-sha256",
        ),
        (
            "sha3",
            &["-md", "sha3-256"][..],
            "sha3-256",
            "rsa-pkcs1-sha3-256",
        ),
        (
            "sha224",
            &["-md", "sha224"][..],
            "sha224",
            "rsa-pkcs1-sha224",
        ),
    ] {
        let file = openssl_signed(dir.path(), name, args);
        let (_, report) = verify_json(&file);
        let s = first(&report);
        assert_eq!(s["status"], "passed", "{name}: {report:#}");
        assert_eq!(s["digest"], digest, "{name}");
        assert_eq!(s["signature_algorithm"], alg, "{name}");
        let (_, report) = verify_json(&tampered(&file));
        assert_eq!(
            first(&report)["status"],
            "failed",
            "{name} tampered: {report:#}"
        );
    }
}

/// A legacy adbe.x509.rsa_sha1 signature: the prepared letter's /SubFilter renamed and a
/// placeholder /Reason turned into /Cert (same lengths, so the byte range holds), then the
/// SHA-1 PKCS#1 signature of `openssl dgst -sha1 -sign` embedded as a DER OCTET STRING.
fn legacy_signed(dir: &Path) -> PathBuf {
    // The signer's certificate first, then its CA's.
    let cert_hex = |name: &str| -> String {
        let o = run(Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(pki(name)));
        o.stdout.iter().map(|b| format!("{b:02X}")).collect()
    };
    let certs = format!("[<{}> <{}>]", cert_hex("personal.pem"), cert_hex("ca.pem"));
    let placeholder = "R".repeat(certs.len() + 8);
    let prepared = prepare(Some(placeholder.clone()));
    let [first_range, second_range] = prepared.signed_ranges();
    let mut bytes = prepared.embed(&[0x04, 0x00]).expect("embed placeholder");
    let replace = |bytes: &mut Vec<u8>, from: &[u8], to: &[u8]| {
        assert!(to.len() <= from.len());
        let at = bytes
            .windows(from.len())
            .position(|w| w == from)
            .expect("text to replace");
        let mut padded = to.to_vec();
        padded.resize(from.len(), b' ');
        bytes[at..at + from.len()].copy_from_slice(&padded);
    };
    replace(&mut bytes, b"/adbe.pkcs7.detached", b"/adbe.x509.rsa_sha1");
    replace(
        &mut bytes,
        format!("/Reason ({placeholder})").as_bytes(),
        format!("/Cert {certs}").as_bytes(),
    );
    let mut content = bytes[first_range.clone()].to_vec();
    content.extend_from_slice(&bytes[second_range]);
    let content_path = dir.join("legacy.content");
    std::fs::write(&content_path, &content).expect("write");
    let o = run(Command::new("openssl")
        .args(["dgst", "-sha1", "-sign"])
        .arg(pki("personal.key.pem"))
        .arg(&content_path));
    assert!(o.status.success(), "openssl dgst: {}", stderr(&o));
    let sig = o.stdout;
    let mut octets = vec![0x04, 0x82, (sig.len() >> 8) as u8, sig.len() as u8];
    octets.extend_from_slice(&sig);
    let hex: String = octets.iter().map(|b| format!("{b:02X}")).collect();
    // The hex string starts right after the '<' that opens the gap.
    let start = first_range.end + 1;
    bytes[start..start + hex.len()].copy_from_slice(hex.as_bytes());
    let out = dir.join("legacy.pdf");
    std::fs::write(&out, bytes).expect("write");
    out
}

#[test]
fn legacy_adbe_x509_rsa_sha1_verifies_with_a_warning() {
    let dir = tempdir();
    let file = legacy_signed(dir.path());
    let (_, report) = verify_json(&file);
    let s = first(&report);
    assert_eq!(s["subfilter"], "adbe.x509.rsa_sha1", "{report:#}");
    assert_eq!(s["status"], "passed", "{report:#}");
    assert_eq!(s["digest"], "sha1");
    assert_eq!(s["signature_algorithm"], "rsa-pkcs1-sha1");
    assert!(
        s["warnings"]
            .to_string()
            .contains("legacy adbe.x509.rsa_sha1 signature (SHA-1, weak)"),
        "{s:#}"
    );
    let (_, report) = verify_json(&tampered(&file));
    let s = first(&report);
    assert_eq!(s["status"], "failed", "{report:#}");
    assert_eq!(s["reason"], "signature_invalid", "{report:#}");
}

/// A signature algorithm's OID in the CMS digestAlgorithm fields (sha256WithRSAEncryption for
/// sha256, same DER length, as some signers write it): malformed_signature, as EU DSS judges
/// it (not intact), not an unsupported algorithm.
#[test]
fn a_signature_algorithm_in_the_digest_field_is_malformed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let signed = dir.path().join("signed.pdf");
    sign(&pdf("letter-classic.pdf"), &signed, "personal.p12", &[]);
    let mut bytes = std::fs::read(&signed).expect("read");
    let mut replaced = 0;
    // sha256 -> sha256WithRSAEncryption, in the hex of /Contents (either case).
    let to = b"06092A864886F70D01010B";
    for from in [
        "0609608648016503040201",
        "0609608648016503040201".to_ascii_lowercase().as_str(),
    ] {
        while let Some(at) = bytes.windows(from.len()).position(|w| w == from.as_bytes()) {
            bytes[at..at + to.len()].copy_from_slice(to);
            replaced += 1;
        }
    }
    assert!(
        replaced >= 2,
        "the sha256 OID occurs in digestAlgorithms and the SignerInfo"
    );
    let patched = dir.path().join("patched.pdf");
    std::fs::write(&patched, bytes).expect("write");
    let (_, report) = verify_json(&patched);
    let s = first(&report);
    assert_eq!(s["status"], "failed", "{report:#}");
    assert_eq!(s["reason"], "malformed_signature", "{s:#}");
    assert!(
        s["message"].to_string().contains("not a digest algorithm"),
        "{s:#}"
    );
}

/// An `adbe.pkcs7.sha1` signature (ISO 32000-1 12.8.3.3.1): the CMS encapsulates the SHA-1
/// digest of the byte range and signs that. `tweak` changes the digest before signing.
fn pkcs7_sha1_signed(dir: &Path, name: &str, tweak: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let prepared = prepare(None);
    let [first_range, second_range] = prepared.signed_ranges();
    let mut bytes = prepared.embed(&[0x04, 0x00]).expect("embed placeholder");
    let from: &[u8] = b"/adbe.pkcs7.detached";
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("the /SubFilter");
    bytes[at..at + from.len()].copy_from_slice(b"/adbe.pkcs7.sha1    ");
    let mut content = bytes[first_range.clone()].to_vec();
    content.extend_from_slice(&bytes[second_range]);
    let mut digest = kyso_pki::DigestAlgorithm::Sha1.digest(&content);
    tweak(&mut digest);
    let digest_path = dir.join(format!("{name}.sha1"));
    let cms_path = dir.join(format!("{name}.p7s"));
    std::fs::write(&digest_path, &digest).expect("write");
    let o = run(Command::new("openssl")
        .args([
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-outform",
            "DER",
            "-in",
        ])
        .arg(&digest_path)
        .arg("-signer")
        .arg(pki("personal.pem"))
        .arg("-inkey")
        .arg(pki("personal.key.pem"))
        .arg("-certfile")
        .arg(pki("ca.pem"))
        .arg("-out")
        .arg(&cms_path));
    assert!(o.status.success(), "openssl cms: {}", stderr(&o));
    let cms = std::fs::read(&cms_path).expect("cms");
    let hex: String = cms.iter().map(|b| format!("{b:02X}")).collect();
    let start = first_range.end + 1;
    bytes[start..start + hex.len()].copy_from_slice(hex.as_bytes());
    let out = dir.join(format!("{name}.pdf"));
    std::fs::write(&out, bytes).expect("write");
    out
}

#[test]
fn adbe_pkcs7_sha1_verifies_with_a_warning_and_a_wrong_digest_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = pkcs7_sha1_signed(dir.path(), "sha1", |_| {});
    let (_, report) = verify_json(&file);
    let s = first(&report);
    assert_eq!(s["status"], "passed", "{report:#}");
    assert!(
        s["warnings"].to_string().contains("adbe.pkcs7.sha1"),
        "{s:#}"
    );
    let (_, report) = verify_json(&tampered(&file));
    assert_eq!(first(&report)["status"], "failed", "{report:#}");

    let file = pkcs7_sha1_signed(dir.path(), "sha1-wrong", |d| d[0] ^= 1);
    let (_, report) = verify_json(&file);
    let s = first(&report);
    assert_eq!(s["status"], "failed", "{report:#}");
    assert_eq!(s["reason"], "digest_mismatch", "{s:#}");
}
