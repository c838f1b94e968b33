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

/// BSI TR-03111 plain ECDSA (`ecdsa-plain-SHA512`, value r‖s instead of DER), as German
/// qualified signatures use: the P-256/SHA-512 vector re-expressed in that form verifies, and
/// a changed value does not.
#[test]
fn plain_ecdsa_verifies() {
    let content = read("content.txt");
    let mut sd = SignedData::parse(&read("alg/ecdsa-p256-sha512.p7s")).expect("parse");
    let signer = sd.signer_infos[0]
        .find_signer(&sd.certificates)
        .cloned()
        .expect("signer");
    let si = &mut sd.signer_infos[0];
    si.signature = kyso_pki::algorithm::ecdsa_der_to_fixed(&si.signature, 32).expect("fixed");
    si.signature_algorithm = kyso_pki::AlgorithmId {
        oid: "0.4.0.127.0.7.1.1.4.1.5".into(),
        params: Vec::new(),
    };
    assert_eq!(
        si.message_digest(),
        Some(si.digest().unwrap().digest(&content))
    );
    si.verify_signature(&signer, None)
        .expect("plain ECDSA verifies");
    si.signature[40] ^= 1;
    assert!(matches!(
        si.verify_signature(&signer, None),
        Err(kyso_cms::Error::Pki(kyso_pki::Error::BadSignature))
    ));
}

/// RFC 8419: an Ed448 signature with signed attributes must digest with SHAKE256, Ed25519
/// with SHA-512; another digest is refused as an unsupported combination (pyHanko's
/// `ed448-disallowed-hash` case), never verified.
#[test]
fn eddsa_with_another_digest_is_refused() {
    for (name, other) in [
        ("ed448", "2.16.840.1.101.3.4.2.3"),
        ("ed25519", "2.16.840.1.101.3.4.2.1"),
    ] {
        let mut sd = SignedData::parse(&read(&format!("alg/{name}.p7s"))).expect("parse");
        let signer = sd.signer_infos[0]
            .find_signer(&sd.certificates)
            .cloned()
            .expect("signer");
        let si = &mut sd.signer_infos[0];
        si.digest_algorithm.oid = other.into();
        match si.verify_signature(&signer, None) {
            Err(kyso_cms::Error::Pki(kyso_pki::Error::UnsupportedAlgorithm(m))) => {
                assert!(m.contains("RFC 8419"), "{name}: {m}")
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// A signature algorithm in the digestAlgorithm field, or a named curve in the
/// signatureAlgorithm field, is malformed (EU DSS: not intact), not merely unsupported.
#[test]
fn misplaced_algorithm_identifiers_are_malformed() {
    let mut sd = SignedData::parse(&read("alg/ecdsa-p256-sha512.p7s")).expect("parse");
    let si = &mut sd.signer_infos[0];
    si.digest_algorithm.oid = "1.2.840.113549.1.1.11".into();
    assert!(matches!(
        si.digest(),
        Err(kyso_cms::Error::Pki(kyso_pki::Error::MisplacedAlgorithm(_)))
    ));
    si.digest_algorithm.oid = "1.2.3.4".into();
    assert!(matches!(
        si.digest(),
        Err(kyso_cms::Error::Pki(kyso_pki::Error::UnsupportedAlgorithm(
            _
        )))
    ));
    let curve = kyso_pki::AlgorithmId {
        oid: "1.2.840.10045.3.1.7".into(),
        params: Vec::new(),
    };
    assert!(matches!(
        curve.signature_scheme(Some(kyso_pki::DigestAlgorithm::Sha256)),
        Err(kyso_pki::Error::MisplacedAlgorithm(_))
    ));
}

/// Both ESS signing-certificate attributes (v1 and v2, as RFC 5035 allows) must name the
/// signer: one naming another certificate breaks the binding, and so does a duplicate.
#[test]
fn every_signing_certificate_attribute_must_name_the_signer() {
    let mut sd = SignedData::parse(&read("alg/ecdsa-p256-sha512.p7s")).expect("parse");
    let signer = sd.signer_infos[0]
        .find_signer(&sd.certificates)
        .cloned()
        .expect("signer");
    let si = &mut sd.signer_infos[0];
    let v2 = kyso_cms::oids::SIGNING_CERTIFICATE_V2;
    let v1 = kyso_cms::oids::SIGNING_CERTIFICATE;
    si.signed_attributes.retain(|a| a.oid != v1 && a.oid != v2);
    assert_eq!(si.signing_certificate_matches(&signer), None);
    // SigningCertificate ::= SEQUENCE { SEQUENCE OF ESSCertID { certHash OCTET STRING } }
    let ess = |hash: &[u8]| {
        let mut id = vec![0x04, hash.len() as u8];
        id.extend_from_slice(hash);
        let mut cid = vec![0x30, id.len() as u8];
        cid.extend(id);
        let mut ids = vec![0x30, cid.len() as u8];
        ids.extend(cid);
        let mut sc = vec![0x30, ids.len() as u8];
        sc.extend(ids);
        sc
    };
    let sha1 = kyso_pki::DigestAlgorithm::Sha1.digest(signer.der());
    let sha256 = kyso_pki::DigestAlgorithm::Sha256.digest(signer.der());
    let attr = |oid: &str, value: Vec<u8>| kyso_cms::Attribute {
        oid: oid.into(),
        values: vec![value],
    };
    si.signed_attributes.push(attr(v2, ess(&sha256)));
    si.signed_attributes.push(attr(v1, ess(&sha1)));
    assert_eq!(si.signing_certificate_matches(&signer), Some(true));
    let last = si.signed_attributes.len() - 1;
    si.signed_attributes[last] = attr(v1, ess(&[0u8; 20]));
    assert_eq!(si.signing_certificate_matches(&signer), Some(false));
    si.signed_attributes[last] = attr(v2, ess(&sha256));
    assert_eq!(
        si.signing_certificate_matches(&signer),
        Some(false),
        "duplicate v2"
    );
}
