//! Classification and path building on the fixture PKI (fixtures/pki).

use kyso_pki::{Certificate, ChainProblem, Credential, SignerKind, TrustStore, classify, time};

fn cert(name: &str) -> Certificate {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/pki")
        .join(format!("{name}.pem"));
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Certificate::from_pem_or_der(&data).expect("PEM").remove(0)
}

fn store() -> TrustStore {
    let mut s = TrustStore::new();
    s.add_anchor(cert("root"));
    s
}

#[test]
fn signer_kinds() {
    let p = classify(&cert("personal"));
    assert_eq!(p.kind, SignerKind::Personal);
    assert_eq!(
        p.identifiers.get("CCCD").map(String::as_str),
        Some("038085012345")
    );
    let a = classify(&cert("agency"));
    assert_eq!(a.kind, SignerKind::Agency);
    assert_eq!(
        a.identifiers.get("MST").map(String::as_str),
        Some("2300123456")
    );
    assert_eq!(
        a.identifiers.get("MNS").map(String::as_str),
        Some("1234567")
    );
    assert_eq!(
        a.identifiers
            .get("organizationIdentifier")
            .map(String::as_str),
        Some("VATVN-2300123456")
    );
    assert_eq!(classify(&cert("personal-ec")).kind, SignerKind::Personal);
    // CA certificates name an organisation but carry no identifier: nothing decides.
    assert_eq!(classify(&cert("ca")).kind, SignerKind::Unknown);
}

#[test]
fn names_and_fields() {
    let p = cert("personal");
    assert_eq!(p.subject.common_name(), Some("Nguyễn Văn Ánh"));
    assert!(
        p.subject
            .to_string()
            .starts_with("emailAddress=anh.nv@example.gov.vn, UID=CCCD:038085012345")
    );
    assert_eq!(p.public_key.describe(), "RSA-2048");
    assert_eq!(cert("personal-ec").public_key.describe(), "ECDSA P-256");
    assert!(cert("ca").is_ca());
    assert!(!p.is_ca());
    assert!(p.unhandled_critical.is_empty());
}

#[test]
fn chains() {
    let at = time::parse_rfc3339("2026-01-01T00:00:00Z")
        .expect("time")
        .unix;
    let s = store();
    let ok = s.build_chain(&cert("personal"), &[cert("ca")], at);
    assert!(ok.trusted && ok.problems.is_empty(), "{:?}", ok.problems);
    assert_eq!(ok.path.len(), 3);

    let no_ca = s.build_chain(&cert("personal"), &[], at);
    assert!(!no_ca.trusted);
    assert_eq!(no_ca.problems, vec![ChainProblem::NoPathToAnchor]);

    let mut with_store = store();
    with_store.add_intermediate(cert("ca"));
    assert!(with_store.build_chain(&cert("agency"), &[], at).trusted);

    let outsider = s.build_chain(&cert("outsider"), &[cert("ca")], at);
    assert!(!outsider.trusted);

    let late = time::parse_rfc3339("2036-01-01T00:00:00+07:00")
        .expect("time")
        .unix;
    let expired = s.build_chain(&cert("personal"), &[cert("ca")], late);
    assert!(expired.trusted);
    assert!(
        matches!(expired.problems.first(), Some(ChainProblem::Expired { .. })),
        "{:?}",
        expired.problems
    );

    let early = time::parse_rfc3339("2024-06-01T00:00:00Z")
        .expect("time")
        .unix;
    let early = s.build_chain(&cert("personal"), &[cert("ca")], early);
    assert!(
        matches!(
            early.problems.first(),
            Some(ChainProblem::NotYetValid { .. })
        ),
        "{:?}",
        early.problems
    );
}

#[test]
fn pkcs12_and_pem_credentials() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pki");
    let read = |n: &str| std::fs::read(dir.join(n)).expect("fixture");
    let c = Credential::from_pkcs12(&read("personal.p12"), "kyso-fixture").expect("p12");
    assert_eq!(c.certificate.subject.common_name(), Some("Nguyễn Văn Ánh"));
    assert_eq!(c.chain.len(), 2, "CA and root follow the leaf");
    assert!(matches!(
        Credential::from_pkcs12(&read("personal.p12"), "wrong"),
        Err(kyso_pki::Error::WrongPassword)
    ));
    let pem = Credential::from_pem(&read("personal-ec.key.pem"), &read("personal-ec.chain.pem"))
        .expect("pem");
    assert_eq!(pem.certificate.public_key.describe(), "ECDSA P-256");
    assert!(Credential::from_pkcs12(b"not a p12", "x").is_err());
}

#[test]
fn remembered_checks_give_the_same_answers() {
    let at = time::parse_rfc3339("2026-01-01T00:00:00Z")
        .expect("time")
        .unix;
    let s = store();
    for _ in 0..3 {
        let ok = s.build_chain(&cert("agency"), &[cert("ca")], at);
        assert!(ok.trusted && ok.path.len() == 3);
        // A remembered CA->root check must not let an unrelated leaf through.
        let outsider = s.build_chain(&cert("outsider"), &[cert("ca")], at);
        assert!(!outsider.trusted);
    }
    // A clone starts with an empty memory and still agrees.
    let c = s.clone();
    assert!(c.build_chain(&cert("personal"), &[cert("ca")], at).trusted);
}
