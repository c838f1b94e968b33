//! The NIST PKITS suite (fixtures/pkits), driven as pyhanko-certvalidator 0.33.0 drives it:
//! every case is run, each expected outcome is asserted for the cases kyso claims, and the
//! known failures (listed with a reason in cases.tsv) must still fail.

use std::path::{Path, PathBuf};

use kyso_pki::{
    Certificate, Crl, CrlChecker, PathProblem, PolicyInputs, TrustStore, ValidationOutcome,
    ValidationParams, time,
};

/// pyhanko-certvalidator 0.33.0 passes every case of this list in its own test run
/// (246 in test_nist_pkits, 10 in test_nist_pkits_user_notice, 1 CPS pointer test).
const PYHANKO_PASSES: usize = 257;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pkits")
}

fn cert(name: &str) -> Certificate {
    let data = std::fs::read(dir().join("certs").join(name)).unwrap();
    Certificate::from_der(&data).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn crl(name: &str) -> Crl {
    let data = std::fs::read(dir().join("crls").join(name)).unwrap();
    Crl::from_der(&data).unwrap_or_else(|e| panic!("{name}: {e}"))
}

struct Case {
    id: String,
    name: String,
    cert: String,
    other_certs: Vec<String>,
    crls: Vec<String>,
    path_len: Option<usize>,
    require_revocation: bool,
    policy: PolicyInputs,
    expected: String,
    known_failure: Option<String>,
}

fn list(field: &str) -> Vec<String> {
    if field == "-" {
        Vec::new()
    } else {
        field.split(',').map(str::to_string).collect()
    }
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(dir().join("cases.tsv")).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 10, "malformed line: {line}");
        let mut policy = PolicyInputs::default();
        for p in f[7].split(';').filter(|p| *p != "-") {
            match p {
                "explicit" => policy.initial_explicit_policy = true,
                "inhibit_mapping" => policy.initial_policy_mapping_inhibit = true,
                "inhibit_any" => policy.initial_any_policy_inhibit = true,
                other => {
                    let set = other.strip_prefix("policy=").expect("known parameter");
                    policy.initial_policy_set = Some(set.split(',').map(str::to_string).collect());
                }
            }
        }
        out.push(Case {
            id: f[0].into(),
            name: f[1].into(),
            cert: f[2].into(),
            other_certs: list(f[3]),
            crls: list(f[4]),
            path_len: f[5].parse().ok(),
            require_revocation: f[6] == "require",
            policy,
            expected: f[8].into(),
            known_failure: (f[9] != "-").then(|| f[9].to_string()),
        });
    }
    out
}

fn kind(p: &PathProblem) -> &'static str {
    match p {
        PathProblem::NoPathToAnchor => "no_path",
        PathProblem::Expired { .. } | PathProblem::NotYetValid { .. } => "validity",
        PathProblem::NotACa { .. } => "not_ca",
        PathProblem::PathLenExceeded { .. } => "path_length",
        PathProblem::UnhandledCriticalExtension { .. } => "critical_extension",
        PathProblem::UnsupportedAlgorithm(_) => "unsupported",
        PathProblem::BrokenAlgorithm { .. } => "broken_algorithm",
        PathProblem::BadSignature { .. } => "signature",
        PathProblem::KeyUsage { .. } => "key_usage",
        PathProblem::ExtendedKeyUsage { .. } => "eku",
        PathProblem::NameConstraintViolation { .. } => "name_constraints",
        PathProblem::PolicyViolation { .. } => "policy",
        PathProblem::Revoked { .. } => "revoked",
        PathProblem::RevocationUnknown { .. } => "revocation_unknown",
    }
}

/// Runs one case; `Ok` when kyso's outcome is the expected one, else what happened.
fn run(case: &Case) -> Result<(), String> {
    let at = time::parse_rfc3339("2022-05-01T00:00:00Z").unwrap().unix;
    let mut store = TrustStore::new();
    store.add_anchor(cert("TrustAnchorRootCertificate.crt"));
    let extra: Vec<Certificate> = case.other_certs.iter().map(|c| cert(c)).collect();
    let mut crls = vec![crl("TrustAnchorRootCRL.crl")];
    crls.extend(case.crls.iter().map(|c| crl(c)));
    let checker = CrlChecker::new(crls);
    let params = ValidationParams::new(at)
        .with_policy(case.policy.clone())
        .with_revocation(&checker);
    let outcome: ValidationOutcome = store.validate(&cert(&case.cert), &extra, &params);
    let counted: Vec<&PathProblem> = outcome
        .problems
        .iter()
        .filter(|p| case.require_revocation || !p.is_revocation_unknown())
        .collect();
    let valid = outcome.trusted && counted.is_empty();
    let describe = || {
        let problems: Vec<String> = outcome.problems.iter().map(|p| p.to_string()).collect();
        format!(
            "trusted={} path_len={} problems=[{}]",
            outcome.trusted,
            outcome.path.len(),
            problems.join(" | ")
        )
    };
    match case.expected.strip_prefix("invalid:") {
        None => {
            if !valid {
                return Err(format!("expected valid: {}", describe()));
            }
            if let Some(n) = case.path_len
                && n != outcome.path.len()
            {
                return Err(format!("expected a path of {n}: {}", describe()));
            }
            Ok(())
        }
        Some(want) => {
            if valid {
                return Err(format!("expected {want}, found valid: {}", describe()));
            }
            if !counted.iter().any(|p| kind(p) == want) {
                return Err(format!("expected {want}: {}", describe()));
            }
            Ok(())
        }
    }
}

#[test]
fn nist_pkits() {
    let cases = cases();
    let mut passed = 0;
    let mut regressions = Vec::new();
    let mut fixed = Vec::new();
    let mut known = Vec::new();
    for case in &cases {
        let result = run(case);
        match (&result, &case.known_failure) {
            (Ok(()), None) => passed += 1,
            (Ok(()), Some(_)) => {
                passed += 1;
                fixed.push(format!("{} {}", case.id, case.name));
            }
            (Err(e), None) => regressions.push(format!("{} {}: {e}", case.id, case.name)),
            (Err(_), Some(reason)) => known.push(format!("{} {}: {reason}", case.id, case.name)),
        }
    }
    println!(
        "PKITS: {passed} of {} cases pass (pyhanko-certvalidator 0.33.0: {PYHANKO_PASSES} of {})",
        cases.len(),
        cases.len()
    );
    for k in &known {
        println!("known failure: {k}");
    }
    assert!(
        regressions.is_empty(),
        "{} case(s) fail:\n{}",
        regressions.len(),
        regressions.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "known failures now pass (remove them from cases.tsv):\n{}",
        fixed.join("\n")
    );
}

/// A revocation dated after the validation time leaves the path valid, with a note; at or
/// after the revocation it fails (PKITS 4.4.3: revoked 2010-01-01T08:30:01Z).
#[test]
fn revocation_time_against_validation_time() {
    let mut store = TrustStore::new();
    store.add_anchor(cert("TrustAnchorRootCertificate.crt"));
    let extra = [cert("GoodCACert.crt")];
    let checker = CrlChecker::new(vec![crl("TrustAnchorRootCRL.crl"), crl("GoodCACRL.crl")]);
    let leaf = cert("InvalidRevokedEETest3EE.crt");
    let before = time::parse_rfc3339("2010-01-01T08:30:00Z").unwrap().unix;
    let params = ValidationParams::new(before).with_revocation(&checker);
    let early = store.validate(&leaf, &extra, &params);
    assert!(early.is_valid(), "{:?}", early.problems);
    assert_eq!(early.revoked_later.len(), 1);
    assert_eq!(
        early.revoked_later[0].time,
        time::parse_rfc3339("2010-01-01T08:30:01Z").unwrap().unix
    );
    assert_eq!(
        early.revoked_later[0].reason,
        Some(kyso_pki::RevocationReason::KeyCompromise)
    );

    let after = time::parse_rfc3339("2015-01-01T00:00:00Z").unwrap().unix;
    let late = store.validate(
        &leaf,
        &extra,
        &ValidationParams::new(after).with_revocation(&checker),
    );
    assert!(!late.is_valid());
    assert!(matches!(
        late.problems.as_slice(),
        [PathProblem::Revoked { serial, .. }] if serial == "0f"
    ));

    // Without a checker nothing is said about revocation; without CRLs it is unknown,
    // which a soft-fail caller may set aside.
    assert!(
        store
            .validate(&leaf, &extra, &ValidationParams::new(after))
            .is_valid()
    );
    let empty = CrlChecker::new(Vec::new());
    let unknown = store.validate(
        &leaf,
        &extra,
        &ValidationParams::new(after).with_revocation(&empty),
    );
    assert!(!unknown.is_valid());
    assert!(unknown.is_valid_ignoring(PathProblem::is_revocation_unknown));
}

/// A required extended key usage: PKITS end certificates carry no extKeyUsage, which
/// satisfies an ordinary purpose but not a time-stamping or OCSP-signing one.
#[test]
fn required_extended_key_usage() {
    let mut store = TrustStore::new();
    store.add_anchor(cert("TrustAnchorRootCertificate.crt"));
    let extra = [cert("GoodCACert.crt")];
    let leaf = cert("ValidCertificatePathTest1EE.crt");
    let at = time::parse_rfc3339("2022-05-01T00:00:00Z").unwrap().unix;
    let ordinary =
        ValidationParams::new(at).with_eku(kyso_pki::RequiredEku::new("1.3.6.1.5.5.7.3.4"));
    assert!(store.validate(&leaf, &extra, &ordinary).is_valid());
    for eku in [
        kyso_pki::RequiredEku::time_stamping(),
        kyso_pki::RequiredEku::ocsp_signing(),
    ] {
        let o = store.validate(&leaf, &extra, &ValidationParams::new(at).with_eku(eku));
        assert!(matches!(
            o.problems.as_slice(),
            [PathProblem::ExtendedKeyUsage { .. }]
        ));
    }
    // The legacy interface still answers in its own terms.
    let chain = store.build_chain(&leaf, &extra, at);
    assert!(chain.trusted && chain.problems.is_empty());
    assert_eq!(chain.path.len(), 3);
}

/// Garbage never panics the CRL parser.
#[test]
fn crl_garbage_never_panics() {
    let good = std::fs::read(dir().join("crls/GoodCACRL.crl")).unwrap();
    for i in 0..good.len() {
        let mut b = good.clone();
        b[i] ^= 0x5a;
        let _ = Crl::from_der(&b);
        let _ = Crl::from_der(&good[..i]);
    }
}

/// Garbage never panics certificate parsing of the validation extensions, nor validation.
#[test]
fn certificate_garbage_never_panics() {
    let at = time::parse_rfc3339("2022-05-01T00:00:00Z").unwrap().unix;
    let mut store = TrustStore::new();
    store.add_anchor(cert("TrustAnchorRootCertificate.crt"));
    for name in [
        "nameConstraintsDN1CACert.crt",
        "ValidDNandRFC822nameConstraintsTest27EE.crt",
        "P12Mapping1to3CACert.crt",
        "ValidcRLIssuerTest28EE.crt",
        "DSAParametersInheritedCACert.crt",
    ] {
        let good = std::fs::read(dir().join("certs").join(name)).unwrap();
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] ^= 0xa5;
            if let Ok(c) = Certificate::from_der(&b) {
                let _ = store.validate(&c, &[], &ValidationParams::new(at));
            }
        }
    }
}
