//! `kyso batch`: the summary names the documents that did not pass, the rates read as whole
//! numbers, `--jobs` help has no `[default: 0]`, and `--csv-bom` (issue 9, item 8).

mod common;

use common::*;

/// A directory with one passing PDF, 23 unsigned PDFs (failed, `no_signatures`) and a text file
/// (error, `unsupported`).
fn corpus() -> tempfile::TempDir {
    let dir = tempdir();
    let plain = std::fs::read(pdf("letter-classic.pdf")).expect("fixture");
    for i in 0..23 {
        std::fs::write(dir.path().join(format!("unsigned-{i:02}.pdf")), &plain).expect("write");
    }
    std::fs::write(dir.path().join("notes.txt"), "không phải văn bản\n").expect("write");
    sign(
        &pdf("letter-classic.pdf"),
        &dir.path().join("good.pdf"),
        "agency.p12",
        &[],
    );
    dir
}

#[test]
fn summary_names_what_did_not_pass() {
    let dir = corpus();
    let o = run(kyso()
        .arg("batch")
        .arg(dir.path())
        .arg("--trust")
        .arg(pki("root.pem"))
        .args(["--jobs", "2"]));
    assert_eq!(o.status.code(), Some(1));
    let summary: serde_json::Value = stdout(&o)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v.get("summary").cloned())
        .expect("a summary line");
    assert_eq!(summary["not_passed_count"], 24, "{summary}");
    let listed = summary["not_passed"].as_array().expect("not_passed");
    assert_eq!(listed.len(), 20, "{summary}");
    for d in listed {
        let file = d["file"].as_str().expect("file");
        assert!(!file.ends_with("good.pdf"), "{d}");
        match d["status"].as_str() {
            Some("failed") => assert_eq!(d["reason"], "no_signatures", "{d}"),
            Some("error") => assert_eq!(d["reason"], "unsupported", "{d}"),
            _ => panic!("unexpected {d}"),
        }
        assert!(d["message"].is_string(), "{d}");
    }

    let err = stderr(&o);
    let named: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("    ") && l.contains(": failed (no_signatures)"))
        .collect();
    let errors = err
        .lines()
        .filter(|l| l.starts_with("    ") && l.contains(": error (unsupported)"))
        .count();
    assert_eq!(named.len() + errors, 20, "{err}");
    assert!(err.contains("\n    and 4 more\n"), "{err}");
    // Whole documents per second, no fractions.
    let rate = err
        .split(" documents/s")
        .next()
        .and_then(|s| s.rsplit('(').next())
        .expect("a rate");
    assert!(
        rate.chars().all(|c| c.is_ascii_digit() || c == ','),
        "rate {rate:?} in {err}"
    );
}

#[test]
fn everything_passed_names_nothing() {
    let dir = tempdir();
    let good = dir.path().join("good.pdf");
    sign(&pdf("letter-classic.pdf"), &good, "agency.p12", &[]);
    let o = run(kyso()
        .arg("batch")
        .arg(&good)
        .arg("--trust")
        .arg(pki("root.pem")));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let summary: serde_json::Value =
        serde_json::from_str(text.lines().last().expect("summary")).expect("JSON");
    assert_eq!(summary["summary"]["not_passed_count"], 0);
    assert_eq!(summary["summary"]["not_passed"], serde_json::json!([]));
    assert!(!stderr(&o).contains("more"), "{}", stderr(&o));
}

#[test]
fn jobs_help_names_the_default() {
    for cmd in ["batch", "sign"] {
        let o = run(kyso().args([cmd, "--help"]));
        let help = stdout(&o);
        assert!(!help.contains("[default: 0]"), "{cmd}: {help}");
        assert!(help.contains("default: one per core"), "{cmd}: {help}");
    }
}

#[test]
fn csv_bom_on_stdout_and_in_the_report_file() {
    const BOM: &[u8] = b"\xef\xbb\xbf";
    let dir = corpus();
    let batch = |extra: &[&str]| {
        run(kyso()
            .arg("batch")
            .arg(dir.path().join("good.pdf"))
            .arg(dir.path().join("notes.txt"))
            .arg("--trust")
            .arg(pki("root.pem"))
            .args(["--quiet", "--format", "csv"])
            .args(extra))
    };
    let o = batch(&["--csv-bom"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(o.stdout.starts_with(BOM), "{:?}", stdout(&o));
    assert!(o.stdout[BOM.len()..].starts_with(b"file,format,"));
    // Vietnamese subjects come through as UTF-8 after the mark.
    assert!(stdout(&o).contains("Sở Nội vụ tỉnh Bắc Ninh"));

    let report = dir.path().join("report.csv");
    let o = batch(&["--csv-bom", "--report", report.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let written = std::fs::read(&report).expect("report");
    assert!(written.starts_with(BOM));
    assert_eq!(written.windows(3).filter(|w| *w == BOM).count(), 1);

    let o = batch(&[]);
    assert!(
        o.stdout.starts_with(b"file,format,"),
        "no mark without --csv-bom"
    );

    let o = run(kyso()
        .arg("batch")
        .arg(dir.path().join("good.pdf"))
        .args(["--csv-bom", "--quiet"]));
    assert_eq!(o.status.code(), Some(2), "--csv-bom without --format csv");
    assert!(stderr(&o).contains("--format csv"), "{}", stderr(&o));
}
