//! kyso: sign and verify official documents from the terminal.

mod cli;
mod output;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("kyso: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
