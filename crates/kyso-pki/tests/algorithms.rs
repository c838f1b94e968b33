//! Certificate-level algorithm outcomes: an MD5-signed CA certificate makes the path invalid
//! for a named broken algorithm (not "unsupported"); a signature checked with a key of
//! another kind is a bad signature, not an unsupported algorithm naming that key.

use kyso_pki::{Certificate, PathProblem, TrustStore, ValidationParams, time};

fn cert(name: &str) -> Certificate {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/cms/alg")
        .join(format!("{name}.pem"));
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Certificate::from_pem_or_der(&data).expect("PEM").remove(0)
}

#[test]
fn md5_signed_ca_is_a_broken_algorithm_in_a_built_path() {
    let mut store = TrustStore::new();
    store.add_anchor(cert("md5-chain-root"));
    let ca = cert("md5-chain-ca");
    let leaf = cert("md5-chain-leaf");
    let at = time::parse_generalized_time(b"20300101000000Z").expect("time");
    let outcome = store.validate(&leaf, &[ca], &ValidationParams::new(at));
    assert!(!outcome.trusted);
    assert_eq!(
        outcome.path.len(),
        3,
        "the path is built: {:?}",
        outcome.problems
    );
    assert!(
        outcome.problems.iter().any(|p| matches!(
            p,
            PathProblem::BrokenAlgorithm { subject, algorithm }
                if subject.contains("kyso md5 test CA") && algorithm.contains("MD5")
        )),
        "{:?}",
        outcome.problems
    );
    assert!(
        !outcome
            .problems
            .iter()
            .any(|p| matches!(p, PathProblem::UnsupportedAlgorithm(_))),
        "{:?}",
        outcome.problems
    );
}

#[test]
fn a_key_of_another_kind_is_a_bad_signature_not_unsupported() {
    // The leaf is signed (sha256WithRSAEncryption) by the CA's RSA key; its own key is P-256.
    let leaf = cert("md5-chain-leaf");
    assert_eq!(
        leaf.verify_signed_by(&leaf),
        Err(kyso_pki::Error::BadSignature)
    );
}
