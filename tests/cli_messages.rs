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
