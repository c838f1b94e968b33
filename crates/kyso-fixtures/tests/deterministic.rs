//! The checked-in fixtures under `fixtures/` must be exactly what the
//! generator produces today. If this fails after an intentional change (or
//! a dependency bump that changes key generation or Flate output), run
//! `cargo run -p kyso-fixtures --release -- fixtures` from the workspace root
//! and commit the result.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

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

    // Every *.pem the generator writes is covered by the determinism list.
    for name in files_with_suffix(&tmp.0.join("pki"), ".pem")? {
        let rel = format!("pki/{name}");
        assert!(
            DETERMINISTIC_FILES.contains(&rel.as_str()),
            "{rel} is not listed in DETERMINISTIC_FILES"
        );
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

    for name in ["personal", "agency", "personal-ec", "outsider"] {
        for dir in [&a.0, &checked_in()] {
            let p12 = fs::read(dir.join(format!("pki/{name}.p12")))?;
            let store = KeyStore::from_pkcs12(&p12, P12_PASSWORD, Pkcs12ImportPolicy::default())?;
            let Some((_, chain)) = store.private_key_chain() else {
                panic!("{name}.p12 has no private key chain");
            };
            let expected_len = if name == "outsider" { 1 } else { 3 };
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
