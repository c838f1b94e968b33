//! Messages and flags (issue 9): every error names what the user gave, never an internal file
//! or a secret; flags that cannot apply are refused with exit 2; help, completions, man page.

mod common;

use common::*;
use std::path::Path;

/// The names in `dir` that look like an atomic writer's temporary file.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether an error message names a temporary file (the test's own folder, itself named
/// `.tmpXXXX` by tempfile, set aside).
fn names_a_temporary(message: &str, dir: &Path) -> bool {
    message
        .replace(&dir.display().to_string(), "DIR")
        .contains(".tmp")
}

#[test]
fn a_missing_output_folder_is_named_not_a_temporary_file() {
    let dir = tempdir();
    let out = dir.path().join("nosuchdir").join("out.pdf");
    let o = try_sign(&pdf("letter-classic.pdf"), &out, "personal.p12", &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let folder = dir.path().join("nosuchdir");
    assert!(
        err.contains(&format!("the folder {} does not exist", folder.display())),
        "{err}"
    );
    assert!(err.contains(&out.display().to_string()), "{err}");
    assert!(!names_a_temporary(&err, dir.path()), "{err}");
    assert!(temporaries(dir.path()).is_empty());

    // The report of a batch.
    let report = dir.path().join("nodir").join("r.jsonl");
    let o = run(kyso()
        .arg("batch")
        .arg(pdf("letter-classic.pdf"))
        .arg("--report")
        .arg(&report)
        .arg("--quiet"));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "the folder {} does not exist",
            dir.path().join("nodir").display()
        )),
        "{err}"
    );
    assert!(!names_a_temporary(&err, dir.path()), "{err}");

    // timestamp and ltv: before any TSA or network access.
    let o = run(kyso()
        .arg("timestamp")
        .arg(pdf("letter-classic.pdf"))
        .arg("-o")
        .arg(&out)
        .args(["--tsa", "http://127.0.0.1:1/"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    let o = run(kyso()
        .arg("ltv")
        .arg(pdf("letter-classic.pdf"))
        .arg("-o")
        .arg(&out));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));

    // --out-dir.
    let nodir = dir.path().join("nosuchdir");
    let o = run(kyso()
        .arg("sign")
        .arg(pdf("letter-classic.pdf"))
        .arg(pdf("letter-form.pdf"))
        .arg("--out-dir")
        .arg(&nodir)
        .arg("--p12")
        .arg(pki("personal.p12"))
        .args(["--password-env", "KYSO_PASSWORD"]));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("the folder does not exist"), "{err}");
    assert!(err.contains(&nodir.display().to_string()), "{err}");
}

#[test]
fn a_file_where_a_folder_should_be_is_named() {
    let dir = tempdir();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, b"notes").expect("write");
    let o = try_sign(
        &pdf("letter-classic.pdf"),
        &notes.join("out.pdf"),
        "personal.p12",
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{} is a file, not a folder", notes.display())),
        "{err}"
    );
    let o = run(kyso()
        .arg("sign")
        .arg(pdf("letter-classic.pdf"))
        .arg("--out-dir")
        .arg(&notes)
        .arg("--p12")
        .arg(pki("personal.p12"))
        .args(["--password-env", "KYSO_PASSWORD"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a folder"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&notes).expect("read"), b"notes");
    assert!(temporaries(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn a_folder_that_is_not_writable_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // Root writes anyway: then there is nothing to see.
    let probe = locked.join("probe");
    if std::fs::write(&probe, b"x").is_ok() {
        let _ = std::fs::remove_file(&probe);
        eprintln!("skipped: this user can write into a read-only folder (root)");
        return;
    }
    let o = try_sign(
        &pdf("letter-classic.pdf"),
        &locked.join("out.pdf"),
        "personal.p12",
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("the folder {} is not writable", locked.display())),
        "{err}"
    );
    assert!(!names_a_temporary(&err, dir.path()), "{err}");
}

#[test]
fn an_output_that_is_a_folder_is_refused_without_leftovers() {
    let dir = tempdir();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    let o = try_sign(&pdf("letter-classic.pdf"), &sub, "personal.p12", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a folder"), "{}", stderr(&o));
    assert!(temporaries(dir.path()).is_empty());
    assert!(temporaries(&sub).is_empty());
}

/// What a user might type as the password itself, where a name or a path was expected.
const SECRET: &str = "Mật khẩu 2026!";

/// Asserts `secret` appears nowhere in what `o` printed.
fn assert_not_echoed(o: &std::process::Output, secret: &str, what: &str) {
    let (out, err) = (stdout(o), stderr(o));
    assert!(
        !out.contains(secret),
        "{what}: stdout echoes the value: {out}"
    );
    assert!(
        !err.contains(secret),
        "{what}: stderr echoes the value: {err}"
    );
    // Nor a piece of it (clap quotes the first letter of an unknown short flag).
    let core = secret.trim_start_matches('-');
    let piece: String = core.chars().take(4).collect();
    if piece.chars().count() == 4 {
        assert!(!err.contains(&piece), "{what}: {err}");
    }
}

#[test]
fn a_password_given_to_a_password_option_is_never_printed() {
    let dir = tempdir();
    let out = dir.path().join("out.pdf");
    let sign = |extra: &[&str]| {
        let mut c = kyso();
        c.arg("sign")
            .arg(pdf("letter-classic.pdf"))
            .arg("-o")
            .arg(&out)
            .arg("--p12")
            .arg(pki("personal.p12"))
            .args(extra)
            .stdin(std::process::Stdio::null());
        run(&mut c)
    };
    let pass_env = format!("--password-env={SECRET}");
    let pass_eq = format!("--password={SECRET}");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--password-env", SECRET], SECRET),
        (vec![pass_env.as_str()], SECRET),
        (vec!["--password-file", SECRET], SECRET),
        (vec!["--password-env", "--Secret-2026"], "--Secret-2026"),
        (vec!["--password-env", "-Secret-2026"], "-Secret-2026"),
        (vec!["--password-file", "-Secret-2026"], "-Secret-2026"),
        // A password that happens to look like a variable name, unset.
        (vec!["--password-env", "Secret2026x"], "Secret2026x"),
        (vec!["--password", SECRET], SECRET),
        (vec![pass_eq.as_str()], SECRET),
        // clap's own errors: a conflict, an unknown flag after the value.
        (
            vec!["--password-env", SECRET, "--password-file", "x"],
            SECRET,
        ),
        (vec!["--password-env", SECRET, "--frobnicate"], SECRET),
        (
            vec!["--password-env", "--Secret-2026", "--frobnicate"],
            "--Secret-2026",
        ),
    ];
    for (extra, secret) in &cases {
        let o = sign(extra);
        let what = format!("{extra:?}");
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
        assert_not_echoed(&o, secret, &what);
        assert!(!out.exists(), "{what}");
    }
    // The message says what the option takes.
    let err = stderr(&sign(&["--password-env", SECRET]));
    assert!(err.contains("NAME of an environment variable"), "{err}");
    let err = stderr(&sign(&["--password", SECRET]));
    assert!(err.contains("--password-env"), "{err}");

    let o = run(kyso()
        .args(["cert", "inspect"])
        .arg(pki("personal.p12"))
        .args(["--password-env", SECRET])
        .stdin(std::process::Stdio::null()));
    assert_eq!(o.status.code(), Some(2));
    assert_not_echoed(&o, SECRET, "cert inspect");
}

#[test]
fn a_password_option_on_a_certificate_is_refused() {
    let o = run(kyso()
        .args(["cert", "inspect"])
        .arg(pki("agency.pem"))
        .args(["--password-env", "KYSO_PASSWORD"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no password"), "{}", stderr(&o));
}

/// `kyso sign input -o <dir>/out.<ext> --p12 personal.p12 … extra`; asserts exit 2, no output
/// and `expected` in the message; returns the message.
fn refused(input: &Path, extra: &[&str], expected: &str) -> String {
    let dir = tempdir();
    let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("out");
    let out = dir.path().join(format!("out.{ext}"));
    let o = try_sign(input, &out, "personal.p12", extra);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
    assert!(err.contains(expected), "{extra:?}: {err}");
    assert!(!out.exists(), "{extra:?}");
    assert!(temporaries(dir.path()).is_empty(), "{extra:?}");
    err
}

#[test]
fn mdp_without_certify_is_refused() {
    refused(&pdf("letter-classic.pdf"), &["--mdp", "1"], "--certify");
}

#[test]
fn einvoice_role_on_a_generic_xml_is_refused() {
    for role in ["seller", "buyer", "tax"] {
        refused(
            &xml("report.xml"),
            &["--einvoice-role", role],
            "--einvoice-role applies only to e-invoices",
        );
    }
}

#[test]
fn a_generic_xml_is_not_reported_as_an_e_invoice() {
    let dir = tempdir();
    let out = dir.path().join("report.signed.xml");
    sign(&xml("report.xml"), &out, "personal.p12", &[]);
    let o = try_sign(
        &xml("report.xml"),
        &dir.path().join("again.xml"),
        "personal.p12",
        &[],
    );
    let text = stdout(&o);
    assert!(text.contains("XML signature"), "{text}");
    assert!(!text.contains("e-invoice"), "{text}");
    // An invoice is, with its role.
    let o = try_sign(
        &xml("invoice.xml"),
        &dir.path().join("invoice.signed.xml"),
        "personal.p12",
        &[],
    );
    assert!(stdout(&o).contains("e-invoice: seller"), "{}", stdout(&o));
}

#[test]
fn pdf_flags_on_xml_are_refused_one_by_one() {
    for flags in [
        &["--certify"][..],
        &["--certify", "--mdp", "1"],
        &["--subfilter", "adbe.pkcs7.detached"],
        &["--field", "Sig9"],
        &["--reason", "approved"],
        &["--location", "Hà Nội"],
        &["--contact", "a@example.vn"],
    ] {
        for doc in ["report.xml", "invoice.xml"] {
            let err = refused(&xml(doc), flags, "only to PDFs; this is an XML document");
            assert!(err.contains(flags[0]), "{err}");
        }
    }
}

#[test]
fn xml_flags_on_a_pdf_are_refused() {
    for flags in [
        &["--c14n", "exclusive"][..],
        &["--c14n", "inclusive"],
        &["--einvoice-role", "buyer"],
    ] {
        let err = refused(
            &pdf("letter-classic.pdf"),
            flags,
            "only to XML documents; this is a PDF",
        );
        assert!(err.contains(flags[0]), "{err}");
    }
}

#[test]
fn exclusive_c14n_on_an_e_invoice_is_refused() {
    refused(
        &xml("invoice.xml"),
        &["--c14n", "exclusive"],
        "always signed with Canonical XML 1.0",
    );
    // Inclusive is what an e-invoice gets: accepted.
    let dir = tempdir();
    sign(
        &xml("invoice.xml"),
        &dir.path().join("i.xml"),
        "personal.p12",
        &["--c14n", "inclusive"],
    );
}

#[test]
fn tsa_flags_below_their_level_are_refused() {
    let letter = pdf("letter-classic.pdf");
    refused(
        &letter,
        &["--tsa", "http://127.0.0.1:1/"],
        "from --level b-t up",
    );
    refused(&letter, &["--tsa-timeout", "3"], "from --level b-t up");
    refused(&letter, &["--tsa-retries", "0"], "from --level b-t up");
    // --trust and --intermediates apply at every level: the signer's certificate is checked
    // against them before signing (tests/sign_refusal.rs).
    refused(
        &xml("report.xml"),
        &["--tsa", "http://127.0.0.1:1/"],
        "from --level b-t up",
    );

    // ltv: the TSA flags need --timestamp.
    let dir = tempdir();
    let out = dir.path().join("out.pdf");
    let o = run(kyso()
        .arg("ltv")
        .arg(&letter)
        .arg("-o")
        .arg(&out)
        .args(["--tsa", "http://127.0.0.1:1/"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--timestamp"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn a_mixed_batch_fails_only_the_documents_a_flag_does_not_apply_to() {
    let dir = tempdir();
    let o = run(kyso()
        .arg("sign")
        .arg(pdf("letter-classic.pdf"))
        .arg(xml("report.xml"))
        .arg("--out-dir")
        .arg(dir.path())
        .arg("--p12")
        .arg(pki("personal.p12"))
        .args(["--password-env", "KYSO_PASSWORD", "--reason", "approved"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(dir.path().join("letter-classic.pdf").exists());
    assert!(!dir.path().join("report.xml").exists());
    assert!(
        stderr(&o).contains("--reason applies only to PDFs"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_examples_are_not_wrapped_mid_command() {
    for columns in ["80", "100"] {
        let o = run(kyso().arg("--help").env("COLUMNS", columns));
        assert!(o.status.success());
        let text = stdout(&o);
        let width: usize = columns.parse().expect("number");
        for line in text.lines() {
            assert!(
                line.chars().count() <= width,
                "COLUMNS={columns}: longer line: {line}"
            );
        }
        let examples: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("Examples:"))
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect();
        assert!(examples.len() > 10, "{text}");
        let mut continued = false;
        for line in &examples {
            if continued {
                assert!(line.starts_with("      "), "COLUMNS={columns}: {line}");
            } else {
                assert!(line.starts_with("  kyso "), "COLUMNS={columns}: {line}");
            }
            continued = line.ends_with('\\');
        }
        assert!(!continued, "the last example ends with a continuation");
    }
}

/// The help of `flag` in `text` (a `--help` page): the rest of its line, or the next line.
fn help_of(text: &str, flag: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with(flag))
        .unwrap_or_else(|| panic!("{flag} missing: {text}"));
    let rest = lines[at].trim_start()[flag.len()..].trim();
    if rest.is_empty() {
        lines
            .get(at + 1)
            .map(|l| l.trim())
            .unwrap_or("")
            .to_string()
    } else {
        rest.to_string()
    }
}

#[test]
fn every_option_of_sign_and_cert_inspect_has_help() {
    let text = stdout(&run(kyso().args(["sign", "--help"])));
    for flag in ["--reason <TEXT>", "--location <TEXT>", "--contact <TEXT>"] {
        let help = help_of(&text, flag);
        assert!(
            !help.is_empty() && !help.starts_with('-'),
            "{flag}: no help: {text}"
        );
    }
    let text = stdout(&run(kyso().args(["cert", "inspect", "--help"])));
    let help = help_of(&text, "--json");
    assert!(
        !help.is_empty() && !help.starts_with('-'),
        "--json: no help: {text}"
    );
}

#[test]
fn sign_json_and_verify_json_spell_levels_alike() {
    let dir = tempdir();
    for input in [pdf("letter-classic.pdf"), xml("report.xml")] {
        let name = input
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let out = dir.path().join(&name);
        let o = try_sign(&input, &out, "personal.p12", &["--json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let signed: serde_json::Value =
            serde_json::from_str(stdout(&o).trim()).expect("sign --json");
        let (_, report) = verify_json(&out);
        let verified = &report["signatures"][0]["level"];
        assert_eq!(signed["level"], "b-b", "{name}: {signed}");
        assert_eq!(&signed["level"], verified, "{name}: {report}");
    }
}

#[test]
fn at_takes_a_plain_date_as_the_start_of_that_day_in_vietnam() {
    let dir = tempdir();
    let signed = dir.path().join("signed.pdf");
    sign(&pdf("letter-classic.pdf"), &signed, "personal.p12", &[]);
    for at in ["2026-12-03", "2026-12-03T00:00:00+07:00"] {
        let o = run(kyso()
            .arg("verify")
            .arg(&signed)
            .arg("--trust")
            .arg(pki("root.pem"))
            .args(["--at", at, "--json"]));
        let r: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
        assert_eq!(
            r["signatures"][0]["validation_time"], "2026-12-02T17:00:00Z",
            "--at {at}: {r}"
        );
    }
    for bad in ["tomorrow", "03/12/2026", "2026-12-32"] {
        let o = run(kyso().arg("verify").arg(&signed).args(["--at", bad]));
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let err = stderr(&o);
        assert!(err.contains("expected a date (2026-12-03"), "{bad}: {err}");
        assert!(err.contains("RFC 3339"), "{bad}: {err}");
        assert!(stdout(&o).is_empty(), "{bad}");
    }
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run(kyso().args(["completions", shell]));
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        assert!(script.len() > 1000, "{shell}: {script}");
        assert!(script.contains("kyso"), "{shell}");
        for word in ["verify", "batch", "password-env", "einvoice-role"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let o = run(kyso().args(["completions", "tcsh"]));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_prints_a_roff_page_listing_the_subcommands() {
    let o = run(kyso().arg("man"));
    assert!(o.status.success(), "{}", stderr(&o));
    let page = stdout(&o);
    let th = page
        .lines()
        .find(|l| !l.starts_with(".ie") && !l.starts_with(".el"))
        .unwrap_or("");
    assert!(th.starts_with(".TH kyso 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for sub in [
        "sign",
        "verify",
        "cert",
        "c14n",
        "batch",
        "timestamp",
        "ltv",
        "config",
        "completions",
        "man",
    ] {
        assert!(page.contains(&format!("kyso\\-{sub}(1)")), "{sub}: {page}");
    }
    // A subcommand's own page.
    let o = run(kyso().args(["man", "cert", "inspect"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(".TH kyso-cert-inspect 1"),
        "{}",
        stdout(&o)
    );
    let o = run(kyso().args(["man", "frobnicate"]));
    assert_eq!(o.status.code(), Some(2));

    // Rendered by man(1) when there is one.
    let man = std::process::Command::new("man")
        .args(["-l", "-"])
        .env("MANWIDTH", "80")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut child) = man {
        use std::io::Write;
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(page.as_bytes());
        }
        let out = child.wait_with_output().expect("man");
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("SUBCOMMANDS"), "{text}");
        }
    }
}
