//! `kyso-fixtures OUT_DIR` — regenerate the kyso test fixtures.
//!
//! Run from the workspace root as
//! `cargo run -p kyso-fixtures --release -- fixtures`
//! (`--release` matters: RSA key generation is slow in debug builds).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let all: Vec<_> = std::env::args_os().skip(1).collect();
    if let [flag, signed, out_dir] = all.as_slice()
        && flag == "--attacks"
    {
        return write_attacks(signed.as_ref(), out_dir.as_ref());
    }
    let mut args = all.into_iter();
    let out_dir = match (args.next(), args.next()) {
        (Some(dir), None) if dir != "-h" && dir != "--help" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: kyso-fixtures OUT_DIR   (normally: fixtures)");
            eprintln!(
                "       kyso-fixtures --attacks SIGNED.pdf OUT_DIR   (attack variants of a signed PDF)"
            );
            return ExitCode::from(2);
        }
    };
    match kyso_fixtures::generate(&out_dir) {
        Ok(report) => {
            for file in &report.files {
                println!("wrote {}", out_dir.join(file).display());
            }
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kyso-fixtures: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes every attack variant of a signed PDF into `out_dir` as `<name>.pdf`.
fn write_attacks(signed: &std::path::Path, out_dir: &std::path::Path) -> ExitCode {
    let bytes = match std::fs::read(signed) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("kyso-fixtures: {}: {e}", signed.display());
            return ExitCode::from(2);
        }
    };
    let attacks = match kyso_fixtures::attacks::pdf_attacks(&bytes) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("kyso-fixtures: {}: {e}", signed.display());
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::create_dir_all(out_dir) {
        eprintln!("kyso-fixtures: {}: {e}", out_dir.display());
        return ExitCode::FAILURE;
    }
    for a in attacks {
        let path = out_dir.join(format!("{}.pdf", a.name));
        if let Err(e) = std::fs::write(&path, &a.bytes) {
            eprintln!("kyso-fixtures: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!(
            "wrote {} ({:?}, expected {:?})",
            path.display(),
            a.class,
            a.expected
        );
    }
    ExitCode::SUCCESS
}
