//! The checked-in fixtures under `fixtures/` must be exactly what the
//! generator produces today. If this fails after an intentional change (or
//! a dependency bump that changes key generation or Flate output), run
//! `cargo run -p kyso-fixtures --release -- fixtures` from the workspace root
//! and commit the result.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use kyso_fixtures::pki::{self, IDENTITIES, Revocation, RevocationReason};
use kyso_fixtures::{DETERMINISTIC_FILES, P12_PASSWORD, generate};
use p12_keystore::{KeyStore, Pkcs12ImportPolicy};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("kyso-fixtures-test-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn checked_in() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn files_with_suffix(dir: &Path, suffix: &str) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(suffix) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

#[test]
fn generated_fixtures_match_checked_in_files() -> TestResult {
    let tmp = TempDir::new()?;
    let report = generate(&tmp.0)?;

    // Every *.pem, *.der and *.crl the generator writes is covered by the
    // determinism list.
    for suffix in [".pem", ".der", ".crl"] {
        for name in files_with_suffix(&tmp.0.join("pki"), suffix)? {
            let rel = format!("pki/{name}");
            assert!(
                DETERMINISTIC_FILES.contains(&rel.as_str()),
                "{rel} is not listed in DETERMINISTIC_FILES"
            );
        }
    }

    let mut mismatches = Vec::new();
    for rel in DETERMINISTIC_FILES {
        assert!(
            report.files.iter().any(|f| f == Path::new(rel)),
            "generator did not report writing {rel}"
        );
        let fresh = fs::read(tmp.0.join(rel))?;
        let stored = fs::read(checked_in().join(rel))
            .map_err(|e| format!("fixtures/{rel}: {e} (regenerate the fixtures)"))?;
        if fresh != stored {
            mismatches.push(*rel);
        }
    }
    assert!(
        mismatches.is_empty(),
        "generated files differ from the checked-in fixtures: {mismatches:?}\n\
         regenerate with `cargo run -p kyso-fixtures --release -- fixtures`"
    );
    Ok(())
}

#[test]
fn generation_is_repeatable_and_pkcs12_reads_back() -> TestResult {
    let a = TempDir::new()?;
    let b = TempDir::new()?;
    generate(&a.0)?;
    generate(&b.0)?;
    for rel in DETERMINISTIC_FILES {
        assert!(
            fs::read(a.0.join(rel))? == fs::read(b.0.join(rel))?,
            "{rel} differs between two runs"
        );
    }

    for name in [
        "personal",
        "agency",
        "personal-ec",
        "outsider",
        "revoked",
        "shortlived",
        "unreachable",
        "tsa",
        "ocsp",
        "root-ocsp",
        "outsider-tsa",
    ] {
        for dir in [&a.0, &checked_in()] {
            let p12 = fs::read(dir.join(format!("pki/{name}.p12")))?;
            let store = KeyStore::from_pkcs12(&p12, P12_PASSWORD, Pkcs12ImportPolicy::default())?;
            let Some((_, chain)) = store.private_key_chain() else {
                panic!("{name}.p12 has no private key chain");
            };
            let expected_len = match name {
                "outsider" | "outsider-tsa" => 1,
                "root-ocsp" => 2,
                _ => 3,
            };
            assert_eq!(chain.certs().len(), expected_len, "{name}.p12 chain length");
            let leaf_pem = fs::read_to_string(dir.join(format!("pki/{name}.pem")))?;
            let leaf_b64: String = leaf_pem
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect();
            assert_eq!(
                leaf_b64,
                base64(chain.certs()[0].as_der()),
                "{name}.p12 leaf differs from {name}.pem"
            );
        }
    }
    Ok(())
}

/// The identity table (which the OCSP index and CRL helpers use without
/// generating keys) agrees with the checked-in certificates.
#[test]
fn identity_table_matches_certificates() -> TestResult {
    for info in IDENTITIES {
        let pem = fs::read(checked_in().join(format!("pki/{}.pem", info.name)))?;
        let certs = kyso_pki::Certificate::from_pem_or_der(&pem)?;
        let [cert] = certs.as_slice() else {
            panic!("{}.pem: expected one certificate", info.name);
        };
        assert_eq!(cert.serial, info.serial, "{} serial", info.name);
        assert_eq!(
            cert.not_before,
            info.not_before.unix(),
            "{} notBefore",
            info.name
        );
        assert_eq!(
            cert.not_after,
            info.not_after.unix(),
            "{} notAfter",
            info.name
        );
        let issuer_pem = fs::read(checked_in().join(format!("pki/{}.pem", info.issuer)))?;
        let issuer = kyso_pki::Certificate::from_pem_or_der(&issuer_pem)?;
        assert_eq!(cert.issuer, issuer[0].subject, "{} issuer", info.name);
    }
    for name in ["root", "ca"] {
        let pem = fs::read(checked_in().join(format!("pki/{name}.pem")))?;
        let der = fs::read(checked_in().join(format!("pki/{name}.der")))?;
        assert_eq!(
            kyso_pki::Certificate::from_pem_or_der(&pem)?[0].der(),
            der.as_slice(),
            "{name}.der is {name}.pem in DER"
        );
    }
    Ok(())
}

/// `pki::crl` (which re-derives the issuer key) makes exactly the checked-in
/// default CRLs, and the dates are what the documentation says.
#[test]
fn crl_function_reproduces_default_crls() -> TestResult {
    assert_eq!(pki::REVOKED_AT, pki::utc(2026, 6, 1, 0, 0, 0));
    assert_eq!(pki::DEFAULT_CRL_NEXT_UPDATE, pki::utc(2036, 1, 1, 0, 0, 0));
    let ca = pki::crl(
        "ca",
        &pki::default_revocations(),
        pki::DEFAULT_CRL_THIS_UPDATE,
        pki::DEFAULT_CRL_NEXT_UPDATE,
    )?;
    assert!(ca == fs::read(checked_in().join("pki/ca.crl"))?, "ca.crl");
    let root = pki::crl(
        "root",
        &[],
        pki::DEFAULT_CRL_THIS_UPDATE,
        pki::DEFAULT_CRL_NEXT_UPDATE,
    )?;
    assert!(
        root == fs::read(checked_in().join("pki/root.crl"))?,
        "root.crl"
    );
    assert!(pki::crl("personal", &[], 1, 2).is_err());
    // nextUpdate must follow thisUpdate.
    assert!(pki::crl("ca", &[], 2, 1).is_err());
    Ok(())
}

#[test]
fn ocsp_index_lines() -> TestResult {
    let index = pki::ocsp_index("ca", &pki::default_revocations())?;
    assert!(index.contains(
        "R\t350101000000Z\t260601000000Z,keyCompromise\t4B59534F202514\tunknown\t/CN=revoked\n"
    ));
    assert!(index.contains("V\t350101000000Z\t\t4B59534F202511\tunknown\t/CN=personal\n"));
    assert!(index.contains("V\t270101000000Z\t\t4B59534F202515\tunknown\t/CN=shortlived\n"));
    assert!(!index.contains("/CN=ca\n") && !index.contains("/CN=outsider"));
    assert_eq!(index.lines().count(), 8);

    let root = pki::ocsp_index("root", &[])?;
    assert_eq!(
        root,
        "V\t400101000000Z\t\t4B59534F202502\tunknown\t/CN=ca\n\
         V\t350101000000Z\t\t4B59534F202523\tunknown\t/CN=root-ocsp\n"
    );

    // A serial that is no fixture identity is listed (once) as revoked.
    let other = Revocation {
        serial: vec![0x00, 0x0a, 0xbc],
        time: pki::utc(2027, 3, 4, 5, 6, 7),
        reason: None,
    };
    let index = pki::ocsp_index(
        "ca",
        &[
            other.clone(),
            other,
            Revocation::of(
                "personal",
                pki::utc(2051, 1, 2, 3, 4, 5),
                Some(RevocationReason::Superseded),
            )?,
        ],
    )?;
    assert!(index.contains("R\t360101000000Z\t270304050607Z\t0ABC\tunknown\t/CN=serial-0ABC\n"));
    assert_eq!(index.matches("0ABC").count(), 2, "{index}");
    assert!(index.contains("\t20510102030405Z,superseded\t4B59534F202511\t"));
    assert!(pki::ocsp_index("tsa", &[]).is_err());
    assert!(Revocation::of("nobody", 0, None).is_err());
    Ok(())
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
