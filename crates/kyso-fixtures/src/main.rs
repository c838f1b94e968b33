//! `kyso-fixtures OUT_DIR` — regenerate the kyso test fixtures.
//!
//! Run from the workspace root as
//! `cargo run -p kyso-fixtures --release -- fixtures`
//! (`--release` matters: RSA key generation is slow in debug builds).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let all: Vec<_> = std::env::args_os().skip(1).collect();
    if let [flag, input, out] = all.as_slice() {
        if flag == "--attacks" {
            return write_attacks(input.as_ref(), out.as_ref(), Kind::Letter);
        }
        if flag == "--form-attacks" {
            return write_attacks(input.as_ref(), out.as_ref(), Kind::Form);
        }
        if flag == "--form-letter" {
            return write_form_letter(input.as_ref(), out.as_ref(), false);
        }
        if flag == "--shadow-letter" {
            return write_form_letter(input.as_ref(), out.as_ref(), true);
        }
        if flag == "--insecurity" {
            return write_attacks(input.as_ref(), out.as_ref(), Kind::Insecurity);
        }
    }
    if let [flag, out] = all.as_slice()
        && flag == "--images"
    {
        return write_images(out.as_ref());
    }
    let mut args = all.into_iter();
    let out_dir = match (args.next(), args.next()) {
        (Some(dir), None) if dir != "-h" && dir != "--help" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: kyso-fixtures OUT_DIR   (normally: fixtures)");
            eprintln!(
                "       kyso-fixtures --attacks SIGNED.pdf OUT_DIR   (attack variants of a signed PDF)"
            );
            eprintln!(
                "       kyso-fixtures --images OUT_DIR   (the signature and seal pictures only)"
            );
            eprintln!(
                "       kyso-fixtures --form-letter PLAIN.pdf OUT.pdf   (a letter with a form, to sign)"
            );
            eprintln!(
                "       kyso-fixtures --form-attacks SIGNED.pdf OUT_DIR   (attacks and valid updates of the signed form letter)"
            );
            eprintln!(
                "       kyso-fixtures --shadow-letter PLAIN.pdf OUT.pdf   (a letter prepared for shadow attacks, to sign)"
            );
            eprintln!(
                "       kyso-fixtures --insecurity SIGNED.pdf OUT_DIR   (USF, ISA, SWA; shadow attacks on a signed shadow letter; EAA and SSA on a certified PDF)"
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

/// Writes the form letter built from `plain` (see `kyso_fixtures::attacks::form_letter`), or
/// the shadow letter (`kyso_fixtures::pdf_insecurity::shadow_letter`).
fn write_form_letter(plain: &std::path::Path, out: &std::path::Path, shadow: bool) -> ExitCode {
    let written = std::fs::read(plain)
        .map_err(|e| format!("{}: {e}", plain.display()))
        .and_then(|b| {
            if shadow {
                kyso_fixtures::pdf_insecurity::shadow_letter(&b)
            } else {
                kyso_fixtures::attacks::form_letter(&b)
            }
        })
        .and_then(|b| std::fs::write(out, b).map_err(|e| format!("{}: {e}", out.display())));
    match written {
        Ok(()) => {
            println!("wrote {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kyso-fixtures: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Which variants `write_attacks` builds.
enum Kind {
    Letter,
    Form,
    Insecurity,
}

/// Writes every attack variant of a signed PDF into `out_dir` as `<name>.pdf` (for a signed
/// form letter, its attacks and valid updates).
fn write_attacks(signed: &std::path::Path, out_dir: &std::path::Path, kind: Kind) -> ExitCode {
    let bytes = match std::fs::read(signed) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("kyso-fixtures: {}: {e}", signed.display());
            return ExitCode::from(2);
        }
    };
    let built = match kind {
        Kind::Form => kyso_fixtures::attacks::form_attacks(&bytes).and_then(|mut a| {
            a.extend(kyso_fixtures::attacks::valid_updates(&bytes)?);
            Ok(a)
        }),
        Kind::Letter => kyso_fixtures::attacks::pdf_attacks(&bytes),
        Kind::Insecurity => kyso_fixtures::pdf_insecurity::all_attacks(&bytes),
    };
    let attacks = match built {
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

/// Writes `images/chu-ky.png` and `images/con-dau.png` under `out`.
fn write_images(out: &std::path::Path) -> ExitCode {
    let mut report = kyso_fixtures::Report::default();
    match kyso_fixtures::write_images(out, &mut report) {
        Ok(()) => {
            for file in &report.files {
                println!("wrote {}", out.join(file).display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kyso-fixtures: {e}");
            ExitCode::FAILURE
        }
    }
}
