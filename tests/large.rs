//! Large documents: verified from a memory map with every byte hashed once, not read onto
//! the heap.

#[path = "../benches/support/big_pdf.rs"]
mod big_pdf;
mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Output};

/// Runs the kyso binary with `args` under a 40 MiB data-segment limit (RLIMIT_DATA counts the
/// heap and private writable mappings, not read-only file mappings).
fn kyso_limited(args: &[&Path]) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -d 40960 && exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_kyso"))
        .args(args)
        .env("KYSO_PASSWORD", PASSWORD);
    run(&mut cmd)
}

#[test]
fn a_64_mib_pdf_is_verified_from_a_memory_map() {
    let dir = tempdir();
    let plain = dir.path().join("big.pdf");
    std::fs::write(&plain, big_pdf::big_pdf(4096, 64 * 256)).unwrap();
    let signed = sign_both(&plain, dir.path());
    assert!(std::fs::metadata(&signed).unwrap().len() > 64 << 20);

    // The limit bites: signing reads the whole file into memory and cannot run under it.
    let out = dir.path().join("again.pdf");
    let o = kyso_limited(&[
        Path::new("sign"),
        &signed,
        Path::new("-o"),
        &out,
        Path::new("--p12"),
        &pki("agency.p12"),
        Path::new("--password-env"),
        Path::new("KYSO_PASSWORD"),
    ]);
    assert!(!o.status.success(), "signing a 64 MiB file fit in 40 MiB?");
    assert!(!out.exists());

    // Verification fits: both signatures pass.
    let root = pki("root.pem");
    let verify = |file: &Path| {
        let o = kyso_limited(&[
            Path::new("verify"),
            file,
            Path::new("--trust"),
            &root,
            Path::new("--json"),
        ]);
        let text = stdout(&o);
        let v: serde_json::Value = serde_json::from_str(text.trim())
            .unwrap_or_else(|e| panic!("bad JSON ({e}): {text} {}", stderr(&o)));
        (o.status.code(), v)
    };
    let (code, report) = verify(&signed);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(
        statuses(&report),
        vec![
            ("passed".into(), "ok".into()),
            ("passed".into(), "ok".into())
        ]
    );

    // One byte flipped in the middle of the image: both signatures fail on the digest.
    let mut data = std::fs::read(&signed).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0x01;
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(&tampered, &data).unwrap();
    drop(data);
    let (code, report) = verify(&tampered);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        statuses(&report),
        vec![
            ("failed".into(), "digest_mismatch".into()),
            ("failed".into(), "digest_mismatch".into())
        ]
    );
}
