//! Real-world vectors: detached CMS signatures made by OpenSSL 3 (`fixtures/cms/`, made with
//! `openssl cms -sign -binary [-stream] [-keyopt rsa_padding_mode:pss]` over `content.txt`
//! with the fixture keys), and kyso's own signatures checked by `openssl cms -verify`.

use std::path::PathBuf;

use kyso_cms::{BuildOptions, SignedData};
use kyso_pki::{Credential, DigestAlgorithm};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Parses a vector and checks messageDigest and the signature over `content`.
fn check(name: &str, content: &[u8]) -> Result<(), kyso_cms::Error> {
    let sd = SignedData::parse(&read(&format!("cms/{name}")))?;
    assert_eq!(sd.signer_infos.len(), 1, "{name}");
    // `-stream` output is BER with indefinite lengths and carries the content itself.
    match &sd.encap_content {
        Some(c) => assert_eq!(c.as_slice(), content, "{name}: encapsulated content"),
        None => assert!(!name.contains("stream"), "{name} should carry its content"),
    }
    let si = &sd.signer_infos[0];
    let digest = si.digest()?;
    assert_eq!(
        si.message_digest(),
        Some(digest.digest(content)),
        "{name}: messageDigest"
    );
    assert!(
        si.signing_time().is_some(),
        "{name}: OpenSSL adds signingTime"
    );
    let signer = si
        .find_signer(&sd.certificates)
        .expect("the signer certificate is embedded");
    assert_ne!(
        si.signing_certificate_matches(signer),
        Some(false),
        "{name}: ESS signing certificate"
    );
    si.verify_signature(signer, None)
}

#[test]
fn openssl_rsa_pkcs1_ecdsa_and_pss_verify() {
    let content = read("cms/content.txt");
    for name in [
        "openssl-rsa-sha256.p7s",
        "openssl-rsa-pss.p7s",
        "openssl-ecdsa-p256.p7s",
        "openssl-ber-stream-sha384.p7s",
    ] {
        check(name, &content).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn pss_with_maximum_salt_verifies() {
    let content = read("cms/content.txt");
    check("openssl-rsa-pss-maxsalt.p7s", &content).expect("RSA-PSS with OpenSSL's maximum salt");
}

#[test]
fn tampered_signature_is_rejected() {
    let mut data = read("cms/openssl-rsa-sha256.p7s");
    let n = data.len();
    data[n - 10] ^= 0x40; // inside the RSA signature value, the last element
    let sd = SignedData::parse(&data).expect("still parses");
    let si = &sd.signer_infos[0];
    let signer = si.find_signer(&sd.certificates).expect("signer");
    assert!(matches!(
        si.verify_signature(signer, None),
        Err(kyso_cms::Error::Pki(kyso_pki::Error::BadSignature))
    ));
}

#[test]
fn truncations_never_panic() {
    let data = read("cms/openssl-ber-stream-sha384.p7s");
    for cut in 0..data.len() {
        let _ = SignedData::parse(&data[..cut]);
    }
}

fn credential(name: &str) -> Credential {
    Credential::from_pkcs12(&read(&format!("pki/{name}.p12")), "kyso-fixture").expect("fixture p12")
}

#[test]
fn kyso_cms_round_trips() {
    let content = b"noi dung van ban";
    for (who, digest) in [
        ("personal", DigestAlgorithm::Sha256),
        ("agency", DigestAlgorithm::Sha512),
        ("personal-ec", DigestAlgorithm::Sha256),
    ] {
        let cred = credential(who);
        let opts = BuildOptions {
            digest,
            signing_time: Some(1_739_331_215),
            include_chain: true,
        };
        let cms = kyso_cms::build_detached(&cred, &digest.digest(content), &opts).expect("build");
        assert!(
            cms.len() <= kyso_cms::size_estimate(&cred),
            "{who}: size estimate too small"
        );
        let sd = SignedData::parse(&cms).expect("parse");
        let si = &sd.signer_infos[0];
        assert_eq!(si.message_digest(), Some(digest.digest(content)));
        assert_eq!(si.signing_time(), Some(1_739_331_215));
        let signer = si.find_signer(&sd.certificates).expect("signer");
        assert_eq!(si.signing_certificate_matches(signer), Some(true));
        si.verify_signature(signer, None).expect("verifies");
        // The self-signed root is not embedded: leaf and intermediate only.
        assert_eq!(sd.certificates.len(), 2, "{who}");
    }
}

#[test]
#[ignore = "needs the openssl command: run scripts/test.sh"]
fn openssl_verifies_kyso_cms() {
    let dir = tempfile_dir();
    let content = dir.join("content.bin");
    std::fs::write(&content, b"noi dung van ban").expect("write");
    for (who, digest, ts) in [
        ("personal", DigestAlgorithm::Sha256, None),
        ("agency", DigestAlgorithm::Sha384, Some(1_739_331_215)),
        ("personal-ec", DigestAlgorithm::Sha256, None),
    ] {
        let cred = credential(who);
        let opts = BuildOptions {
            digest,
            signing_time: ts,
            include_chain: true,
        };
        let cms = kyso_cms::build_detached(&cred, &digest.digest(b"noi dung van ban"), &opts)
            .expect("build");
        let sig = dir.join(format!("{who}.p7s"));
        std::fs::write(&sig, &cms).expect("write");
        let o = std::process::Command::new("openssl")
            .args([
                "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-in",
            ])
            .arg(&sig)
            .arg("-content")
            .arg(&content)
            .arg("-CAfile")
            .arg(fixtures().join("pki/root.pem"))
            .args(["-out", "/dev/null"])
            .output()
            .expect("openssl");
        assert!(
            o.status.success(),
            "openssl rejected {who}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("kyso-cms-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}
