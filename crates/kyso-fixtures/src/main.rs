//! `kyso-fixtures OUT_DIR` — regenerate the kyso test fixtures.
//!
//! Run from the workspace root as
//! `cargo run -p kyso-fixtures --release -- fixtures`
//! (`--release` matters: RSA key generation is slow in debug builds).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let out_dir = match (args.next(), args.next()) {
        (Some(dir), None) if dir != "-h" && dir != "--help" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: kyso-fixtures OUT_DIR   (normally: fixtures)");
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
