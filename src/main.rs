//! kyso: sign and verify official documents from the terminal.

mod cli;
mod output;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("kyso: error: {}", say_once(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, `a: b: c`, leaving out a cause whose text the message already
/// carries (an error that prints its source and also returns it as `source()`), so that
/// nothing is said twice.
fn say_once(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
    }
    text
}
