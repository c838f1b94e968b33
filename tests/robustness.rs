//! No input makes the verifier panic: truncations and byte flips of signed PDFs.

mod common;

use common::*;

#[test]
fn truncations_and_flips_never_panic() {
    let dir = tempdir();
    let mut trust = kyso::TrustConfig::default();
    trust.add_anchors(&pki("root.pem")).expect("root");
    for name in ["letter-classic.pdf", "letter-xrefstream.pdf"] {
        let signed = sign_both(&pdf(name), dir.path());
        let data = std::fs::read(&signed).expect("read");
        let holes = contents_holes(&data);
        assert_eq!(holes.len(), 2);
        let step = (data.len() / 97).max(1);
        for cut in (0..data.len()).step_by(step) {
            let _ = kyso::verify_bytes("cut.pdf", &data[..cut], &trust);
        }
        let mut seed = 0x2545_f491_u64;
        for _ in 0..400 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut copy = data.clone();
            let at = (seed as usize) % copy.len();
            copy[at] = (seed >> 32) as u8;
            let r = kyso::verify_bytes("flip.pdf", &copy, &trust);
            // Only a flip inside an excluded /Contents hole (zero padding) or a no-op may still pass.
            if r.status == kyso::Status::Passed {
                let in_hole = holes.iter().any(|h| h.contains(&at));
                assert!(
                    in_hole || copy == data,
                    "{name}: a flip at byte {at} still passed"
                );
            }
        }
    }
}

/// The `[a, b)` ranges each /ByteRange excludes.
fn contents_holes(data: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = data[from..].windows(12).position(|w| w == b"/ByteRange [") {
        let start = from + i + 12;
        let end = start + data[start..].iter().position(|b| *b == b']').unwrap_or(0);
        let nums: Vec<usize> = String::from_utf8_lossy(&data[start..end])
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        if nums.len() == 4 {
            out.push(nums[1]..nums[2]);
        }
        from = end;
    }
    out
}

#[test]
fn random_bytes_never_panic() {
    let trust = kyso::TrustConfig::default();
    let mut seed = 99u64;
    for len in 0..300usize {
        let mut buf = b"%PDF-1.7\n".to_vec();
        for _ in 0..len {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            buf.push(
                b"0123456789 obj endobj xref trailer<<>>/[]() R n f startxref\n"
                    [(seed >> 33) as usize % 59],
            );
        }
        buf.extend_from_slice(b"\nstartxref\n9\n%%EOF");
        let _ = kyso::verify_bytes("random.pdf", &buf, &trust);
    }
}

/// The long-term structures (signature time-stamp token in the CMS, DSS streams with
/// certificates, CRLs and OCSP responses, a document time-stamp) mangled every which way:
/// never a panic, and a flip inside what the signatures and the time-stamp cover never passes.
#[test]
fn b_lta_truncations_and_flips_never_panic() {
    let _services = common::services::start();
    let dir = tempdir();
    let root = pki("root.pem");
    let out = dir.path().join("b-lta.pdf");
    let root_arg = root.to_string_lossy().into_owned();
    sign(
        &pdf("letter-classic.pdf"),
        &out,
        "agency.p12",
        &[
            "--level",
            "b-lta",
            "--tsa",
            common::services::TSA_URL,
            "--trust",
            &root_arg,
        ],
    );
    let data = std::fs::read(&out).expect("read");
    let mut trust = kyso::TrustConfig::default();
    trust.add_anchors(&root).expect("root");
    trust.revocation = kyso::RevocationPolicy::Hard;
    let clean = kyso::verify_bytes("b-lta.pdf", &data, &trust);
    assert_eq!(clean.status, kyso::Status::Passed, "{clean:?}");
    let holes = contents_holes(&data);
    assert_eq!(holes.len(), 2, "a signature and a document time-stamp");
    // Everything up to the end of the document time-stamp's revision is covered by it.
    let covered_end = data.len()
        - data
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();

    let step = (data.len() / 151).max(1);
    for cut in (0..data.len()).step_by(step) {
        let _ = kyso::verify_bytes("cut.pdf", &data[..cut], &trust);
    }
    let mut seed = 0x6b79_736f_u64;
    for _ in 0..500 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut copy = data.clone();
        let at = (seed as usize) % copy.len();
        copy[at] = (seed >> 32) as u8;
        let r = kyso::verify_bytes("flip.pdf", &copy, &trust);
        if r.status == kyso::Status::Passed && at < covered_end {
            let in_hole = holes.iter().any(|h| h.contains(&at));
            assert!(in_hole || copy == data, "a flip at byte {at} still passed");
        }
    }
}
