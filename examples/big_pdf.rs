//! Writes a large one-page PDF (an incompressible image), for benchmarks of big documents.
//!
//!     cargo run --release --example big_pdf -- OUT.pdf [MiB]     # default 10 MiB

#[path = "../benches/support/big_pdf.rs"]
mod big_pdf;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(out), mib) = (args.next(), args.next()) else {
        eprintln!("usage: big_pdf OUT.pdf [MiB]");
        return std::process::ExitCode::from(2);
    };
    let Ok(mib) = mib.as_deref().unwrap_or("10").parse::<usize>() else {
        eprintln!("big_pdf: MiB must be a whole number");
        return std::process::ExitCode::from(2);
    };
    // 4096 samples per row; one MiB is 256 rows.
    let pdf = big_pdf::big_pdf(4096, mib.max(1) * 256);
    if let Err(e) = std::fs::write(&out, pdf) {
        eprintln!("big_pdf: cannot write {out}: {e}");
        return std::process::ExitCode::from(1);
    }
    std::process::ExitCode::SUCCESS
}
