//! The algorithms of issue 10 on real signatures: detached CMS over `fixtures/cms/content.txt`
//! made by `fixtures/make-algorithm-vectors.sh` (OpenSSL 3, and `openssl pkeyutl` for EdDSA),
//! each verified, and each with a tampered signature value rejected.

use std::path::PathBuf;

use kyso_cms::SignedData;

fn read(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/cms")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (vector, digest name, signature algorithm name as reported)
const VECTORS: &[(&str, &str, &str)] = &[
    ("rsa-sha224", "sha224", "rsa-pkcs1-sha224"),
    ("rsa-sha3-256", "sha3-256", "rsa-pkcs1-sha3-256"),
    ("rsa-sha3-512", "sha3-512", "rsa-pkcs1-sha3-512"),
    ("rsa-pss-sha256-maxsalt", "sha256", "rsa-pss-sha256"),
    (
        "rsa-pss-sha384-mgf1-sha256-salt20",
        "sha384",
        "rsa-pss-sha384",
    ),
    ("rsa-pss-sha224", "sha224", "rsa-pss-sha224"),
    ("ecdsa-p256-sha1", "sha1", "ecdsa-sha1"),
    ("ecdsa-p256-sha224", "sha224", "ecdsa-sha224"),
    ("ecdsa-p256-sha512", "sha512", "ecdsa-sha512"),
    ("ecdsa-p384-sha512", "sha512", "ecdsa-sha512"),
    ("ecdsa-p521-sha512", "sha512", "ecdsa-sha512"),
    ("ecdsa-p521-sha256", "sha256", "ecdsa-sha256"),
    ("ecdsa-bp256-sha256", "sha256", "ecdsa-sha256"),
    ("ecdsa-bp384-sha384", "sha384", "ecdsa-sha384"),
    ("ecdsa-bp512-sha512", "sha512", "ecdsa-sha512"),
    ("dsa-sha256", "sha256", "dsa-sha256"),
    ("ed25519", "sha512", "ed25519"),
    ("ed448", "shake256", "ed448"),
];

fn verify(data: &[u8], content: &[u8]) -> Result<(String, String), kyso_cms::Error> {
    let sd = SignedData::parse(data)?;
    let si = sd.signer_infos.first().expect("a signer");
    let digest = si.digest()?;
    assert_eq!(
        si.message_digest(),
        Some(digest.digest(content)),
        "messageDigest"
    );
    let scheme = si.signature_algorithm.signature_scheme(Some(digest))?;
    let signer = si
        .find_signer(&sd.certificates)
        .expect("the signer is embedded");
    si.verify_signature(signer, None)?;
    // The self-signed certificate verifies with its own key (same algorithm family).
    signer.verify_signed_by(signer)?;
    Ok((digest.name().to_string(), scheme.name()))
}

#[test]
fn every_vector_verifies() {
    let content = read("content.txt");
    for (name, digest, scheme) in VECTORS {
        let got = verify(&read(&format!("alg/{name}.p7s")), &content)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, (digest.to_string(), scheme.to_string()), "{name}");
    }
}

#[test]
fn every_tampered_vector_fails() {
    let content = read("content.txt");
    for (name, _, _) in VECTORS {
        let mut data = read(&format!("alg/{name}.p7s"));
        // The signature value is the SignerInfo's last element (no unsigned attributes).
        let n = data.len();
        data[n - 3] ^= 0x01;
        match verify(&data, &content) {
            Err(kyso_cms::Error::Pki(kyso_pki::Error::BadSignature)) => {}
            other => panic!("{name}: expected a bad signature, got {other:?}"),
        }
    }
}

#[test]
fn an_unsupported_curve_is_named() {
    let content = read("content.txt");
    match verify(&read("alg/ecdsa-secp256k1-sha256.p7s"), &content) {
        Err(kyso_cms::Error::Pki(kyso_pki::Error::UnsupportedAlgorithm(a))) => {
            assert_eq!(a, "ECDSA with SHA-256 on EC curve 1.3.132.0.10");
        }
        other => panic!("expected unsupported, got {other:?}"),
    }
}
