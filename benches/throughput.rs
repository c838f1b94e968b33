//! Signing and verification throughput of the `kyso` library, single thread, in memory.
//!
//! ```sh
//! cargo bench --bench throughput              # full run (about 10 s once built)
//! cargo bench --bench throughput -- --quick   # shorter loops, noisier figures
//! ```
//!
//! Measures, on the fixture letters: a personal certification signature followed by an agency
//! approval signature (time per signature), then verification of the two-signature letters
//! (letters/s, signatures/s). Then builds a ~10 MB PDF (one page drawing a 10 MiB incompressible
//! image), signs and verifies it, and compares with plain SHA-256 of the same bytes, the floor of
//! any verifier. The signed files go to `bench-out/` so `scripts/bench-peers.sh` can run other
//! tools on exactly the same bytes. The last line printed is one JSON object with every figure.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use kyso::{Credential, PdfSignOptions, Status, TrustConfig};
use kyso_pki::DigestAlgorithm;

#[path = "support/big_pdf.rs"]
mod big_pdf;
use big_pdf::big_pdf;

const LETTERS: [&str; 5] = ["classic", "xrefstream", "linearized", "form", "updates"];
const PASSWORD: &str = "kyso-fixture";
/// Image of the big PDF: 4096 × 2560 8-bit grey samples = 10 MiB of stream data.
const BIG_WIDTH: usize = 4096;
const BIG_HEIGHT: usize = 2560;

struct Config {
    /// Minimum measured time of a timed loop.
    min_time: Duration,
    /// Warm-up before a timed loop.
    warm_up: Duration,
    /// Runs of each big-PDF operation (the median is reported).
    big_runs: usize,
}

struct Letter {
    name: String,
    plain: Vec<u8>,
    signed: Vec<u8>,
    signatures: usize,
}

fn main() {
    // `cargo bench` passes `--bench`; ignore it and anything else unknown.
    let quick = std::env::args().any(|a| a == "--quick");
    let cfg = if quick {
        Config {
            min_time: Duration::from_millis(500),
            warm_up: Duration::from_millis(100),
            big_runs: 3,
        }
    } else {
        Config {
            min_time: Duration::from_secs(2),
            warm_up: Duration::from_millis(300),
            big_runs: 7,
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = root.join("bench-out");
    std::fs::create_dir_all(&out_dir).expect("create bench-out/");

    let t = Instant::now();
    let personal = kyso::load_credential(&root.join("fixtures/pki/personal.p12"), PASSWORD)
        .expect("load fixtures/pki/personal.p12");
    let p12_load = t.elapsed();
    let agency = kyso::load_credential(&root.join("fixtures/pki/agency.p12"), PASSWORD)
        .expect("load fixtures/pki/agency.p12");
    let mut trust = TrustConfig::default();
    trust
        .add_anchors(&root.join("fixtures/pki/root.pem"))
        .expect("load fixtures/pki/root.pem");

    println!(
        "kyso throughput bench ({} mode, single thread)",
        if quick { "quick" } else { "full" }
    );
    println!();

    // 1. Signing the letters: personal (certify, DocMDP 2) then agency.
    let mut letters: Vec<Letter> = LETTERS
        .iter()
        .map(|name| {
            let path = root.join(format!("fixtures/pdf/letter-{name}.pdf"));
            let plain =
                std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            Letter {
                name: format!("letter-{name}"),
                plain,
                signed: Vec::new(),
                signatures: 0,
            }
        })
        .collect();
    let sign_letter = |plain: &[u8]| sign_twice(plain, &personal, &agency);
    for l in &mut letters {
        l.signed = sign_letter(&l.plain);
    }
    let (sign_iters, sign_elapsed) = timed_loop(&cfg, || {
        for l in &letters {
            black_box(sign_letter(black_box(&l.plain)));
        }
    });
    let signatures_made = sign_iters * letters.len() as u64 * 2;
    let sign_ms = ms(sign_elapsed) / signatures_made as f64;
    let sign_per_s = signatures_made as f64 / sign_elapsed.as_secs_f64();

    // 2. Verifying the two-signature letters.
    for l in &mut letters {
        let report = kyso::verify_bytes(&l.name, &l.signed, &trust);
        assert_eq!(report.status, Status::Passed, "{}: {report:?}", l.name);
        assert_eq!(
            report.signatures.len(),
            2,
            "{}: expected two signatures",
            l.name
        );
        l.signatures = report.signatures.len();
        let path = out_dir.join(format!("{}.final.pdf", l.name));
        std::fs::write(&path, &l.signed)
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
    let (verify_iters, verify_elapsed) = timed_loop(&cfg, || {
        for l in &letters {
            let r = kyso::verify_bytes(&l.name, black_box(&l.signed), &trust);
            debug_assert_eq!(r.status, Status::Passed);
            black_box(r);
        }
    });
    let letters_verified = verify_iters * letters.len() as u64;
    let sigs_verified: u64 =
        verify_iters * letters.iter().map(|l| l.signatures as u64).sum::<u64>();
    let letters_per_s = letters_verified as f64 / verify_elapsed.as_secs_f64();
    let sigs_per_s = sigs_verified as f64 / verify_elapsed.as_secs_f64();
    let us_per_letter = verify_elapsed.as_secs_f64() * 1e6 / letters_verified as f64;

    // Per letter, for the table (shorter loops).
    let per_letter_cfg = Config {
        min_time: cfg.min_time / 4,
        warm_up: cfg.warm_up / 4,
        big_runs: 0,
    };
    let per_letter_us: Vec<f64> = letters
        .iter()
        .map(|l| {
            let (n, e) = timed_loop(&per_letter_cfg, || {
                black_box(kyso::verify_bytes(&l.name, black_box(&l.signed), &trust));
            });
            e.as_secs_f64() * 1e6 / n as f64
        })
        .collect();

    // 3. The 10 MB PDF.
    let big = big_pdf(BIG_WIDTH, BIG_HEIGHT);
    std::fs::write(out_dir.join("big-10mb.pdf"), &big).expect("write bench-out/big-10mb.pdf");
    let certify = PdfSignOptions {
        certify: Some(2),
        ..Default::default()
    };
    let big_sign_ms = median_ms(cfg.big_runs, || {
        black_box(kyso::sign_pdf(black_box(&big), &personal, &certify).expect("sign the big PDF"));
    });
    let big_signed = sign_twice(&big, &personal, &agency);
    let report = kyso::verify_bytes("big-10mb", &big_signed, &trust);
    assert_eq!(report.status, Status::Passed, "big-10mb: {report:?}");
    let big_sigs = report.signatures.len();
    std::fs::write(out_dir.join("big-10mb.final.pdf"), &big_signed)
        .expect("write bench-out/big-10mb.final.pdf");
    let big_verify_ms = median_ms(cfg.big_runs, || {
        black_box(kyso::verify_bytes(
            "big-10mb",
            black_box(&big_signed),
            &trust,
        ));
    });
    let sha_big_ms = median_ms(cfg.big_runs, || {
        black_box(DigestAlgorithm::Sha256.digest(black_box(&big)));
    });
    let sha_final_ms = median_ms(cfg.big_runs, || {
        black_box(DigestAlgorithm::Sha256.digest(black_box(&big_signed)));
    });
    // Signatures in later revisions cover the earlier ones; kyso hashes the shared bytes once
    // (forking the digest state where the ranges diverge), so the floor is one pass.
    let verify_floor_ms = sha_final_ms;

    // 4. Report (the signed files are already in bench-out/).
    let mib = |n: usize| n as f64 / (1024.0 * 1024.0);
    println!(
        "{:<44} {:>14}",
        "signing (RSA-2048, SHA-256, CAdES detached)", ""
    );
    println!("  {:<42} {:>11.3} ms", "time per signature", sign_ms);
    println!("  {:<42} {:>11.0} /s", "signatures signed", sign_per_s);
    println!(
        "  {:<42} {:>11.1} ms",
        "load_credential (PKCS#12, once)",
        ms(p12_load)
    );
    println!();
    println!("verification (two signatures per letter, chain to root.pem)");
    println!(
        "  {:<42} {:>11.1} µs",
        "time per letter (mean of 5 letters)", us_per_letter
    );
    println!("  {:<42} {:>11.0} /s", "letters verified", letters_per_s);
    println!("  {:<42} {:>11.0} /s", "signatures verified", sigs_per_s);
    for (l, us) in letters.iter().zip(&per_letter_us) {
        println!("    {:<40} {:>11.1} µs  ({} B)", l.name, us, l.signed.len());
    }
    println!();
    println!(
        "big PDF ({:.2} MiB unsigned, {:.2} MiB with {} signatures; median of {} runs)",
        mib(big.len()),
        mib(big_signed.len()),
        big_sigs,
        cfg.big_runs
    );
    println!(
        "  {:<42} {:>11.2} ms",
        "sign (personal, certify)", big_sign_ms
    );
    println!(
        "  {:<42} {:>11.2} ms   = {:.2} × floor",
        "  floor: SHA-256 of the input",
        sha_big_ms,
        big_sign_ms / sha_big_ms
    );
    println!(
        "  {:<42} {:>11.2} ms",
        "verify (both signatures)", big_verify_ms
    );
    println!(
        "  {:<42} {:>11.2} ms   = {:.2} × floor",
        "  floor: one SHA-256 pass over the file",
        verify_floor_ms,
        big_verify_ms / verify_floor_ms
    );
    println!(
        "  {:<42} {:>11.0} MiB/s",
        "SHA-256 throughput (ring)",
        mib(big_signed.len()) / (sha_final_ms / 1e3)
    );
    println!();
    println!("signed files written to {}/", out_dir.display());
    println!();

    let mut json = String::from("{\"bench\":\"kyso-throughput\"");
    let mut field = |k: &str, v: String| write!(json, ",\"{k}\":{v}").expect("write to a String");
    field("quick", quick.to_string());
    field("sign_ms_per_signature", format!("{sign_ms:.4}"));
    field("signatures_signed_per_s", format!("{sign_per_s:.1}"));
    field("p12_load_ms", format!("{:.3}", ms(p12_load)));
    field("verify_us_per_letter", format!("{us_per_letter:.2}"));
    field("letters_verified_per_s", format!("{letters_per_s:.1}"));
    field("signatures_verified_per_s", format!("{sigs_per_s:.1}"));
    let per_letter = letters
        .iter()
        .zip(&per_letter_us)
        .map(|(l, us)| format!("\"{}\":{us:.2}", l.name))
        .collect::<Vec<_>>()
        .join(",");
    field("verify_us_by_letter", format!("{{{per_letter}}}"));
    field("big_bytes", big.len().to_string());
    field("big_final_bytes", big_signed.len().to_string());
    field("big_signatures", big_sigs.to_string());
    field("big_sign_ms", format!("{big_sign_ms:.3}"));
    field("big_verify_ms", format!("{big_verify_ms:.3}"));
    field("big_sha256_input_ms", format!("{sha_big_ms:.3}"));
    field("big_sha256_final_ms", format!("{sha_final_ms:.3}"));
    field(
        "big_sign_over_floor",
        format!("{:.3}", big_sign_ms / sha_big_ms),
    );
    field(
        "big_verify_over_floor",
        format!("{:.3}", big_verify_ms / verify_floor_ms),
    );
    field("out_dir", format!("\"{}\"", json_escape(&out_dir)));
    json.push('}');
    println!("{json}");
}

/// Personal certification signature (DocMDP 2), then an agency approval signature.
fn sign_twice(plain: &[u8], personal: &Credential, agency: &Credential) -> Vec<u8> {
    let certify = PdfSignOptions {
        certify: Some(2),
        ..Default::default()
    };
    let once = kyso::sign_pdf(plain, personal, &certify).expect("personal signature");
    kyso::sign_pdf(&once, agency, &PdfSignOptions::default()).expect("agency signature")
}

/// Runs `f` for the warm-up, then repeatedly for at least `cfg.min_time`; returns (runs, elapsed).
fn timed_loop(cfg: &Config, mut f: impl FnMut()) -> (u64, Duration) {
    let start = Instant::now();
    while start.elapsed() < cfg.warm_up {
        f();
    }
    let start = Instant::now();
    let mut n = 0;
    loop {
        f();
        n += 1;
        let e = start.elapsed();
        if e >= cfg.min_time {
            return (n, e);
        }
    }
}

/// Median wall time of `runs` runs of `f`, after one unmeasured run.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            ms(t.elapsed())
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn json_escape(p: &Path) -> String {
    p.display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}
