//! The changes made after a signature ("later:" lines, `allowed_changes`) are each listed once,
//! however many signatures and document time-stamps follow (issue 9, item 3).

mod common;

use std::collections::HashSet;
use std::path::Path;

use common::services::{self, TSA_URL};
use common::*;

/// Every signature's `allowed_changes` in `verify --json` and its "later:" lines in the human
/// report are free of repeats; returns the JSON report.
fn assert_each_change_once(file: &Path) -> serde_json::Value {
    let (code, report) = verify_json(file);
    assert_eq!(code, 0, "{report}");
    for s in report["signatures"].as_array().expect("signatures") {
        let changes: Vec<&str> = s["allowed_changes"]
            .as_array()
            .expect("allowed_changes")
            .iter()
            .filter_map(|c| c.as_str())
            .collect();
        let unique: HashSet<&&str> = changes.iter().collect();
        assert_eq!(
            unique.len(),
            changes.len(),
            "{}: repeated allowed changes {changes:?}",
            s["field"]
        );
    }
    let o = run(kyso()
        .arg("verify")
        .arg(file)
        .arg("--trust")
        .arg(pki("root.pem")));
    let text = stdout(&o);
    // One block per signature, each starting with "  [n] ".
    for block in text.split("\n  [").skip(1) {
        let later: Vec<&str> = block
            .lines()
            .filter(|l| l.trim_start().starts_with("later:"))
            .collect();
        let unique: HashSet<&&str> = later.iter().collect();
        assert_eq!(
            unique.len(),
            later.len(),
            "repeated later: lines in\n{block}"
        );
    }
    report
}

fn added(report: &serde_json::Value, index: usize) -> Vec<String> {
    report["signatures"][index]["allowed_changes"]
        .as_array()
        .expect("allowed_changes")
        .iter()
        .filter_map(|c| c.as_str())
        .filter(|c| c.starts_with("signature field") && c.ends_with(" added"))
        .map(str::to_string)
        .collect()
}

#[test]
fn four_signatures_list_each_later_signature_once() {
    let dir = tempdir();
    let steps: [(&str, &[&str]); 4] = [
        ("personal.p12", &["--certify"]),
        ("agency.p12", &[]),
        ("personal-ec.p12", &[]),
        ("agency.p12", &[]),
    ];
    let mut input = pdf("letter-classic.pdf");
    for (i, (p12, extra)) in steps.iter().enumerate() {
        let out = dir.path().join(format!("step{i}.pdf"));
        sign(&input, &out, p12, extra);
        input = out;
    }
    let report = assert_each_change_once(&input);
    assert_eq!(
        added(&report, 0),
        [
            "signature field 'Signature2' added",
            "signature field 'Signature3' added",
            "signature field 'Signature4' added"
        ],
        "{report}"
    );
    assert_eq!(
        added(&report, 1),
        [
            "signature field 'Signature3' added",
            "signature field 'Signature4' added"
        ]
    );
    assert_eq!(added(&report, 2), ["signature field 'Signature4' added"]);
    assert!(added(&report, 3).is_empty());
}

#[test]
fn b_lta_and_timestamp_list_each_later_change_once() {
    let _services = services::start();
    let dir = tempdir();
    let first = dir.path().join("1.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &first,
        "personal.p12",
        &["--certify"],
    );
    let second = dir.path().join("2.pdf");
    sign(&first, &second, "agency.p12", &[]);
    let third = dir.path().join("3.pdf");
    let root = pki("root.pem");
    sign(
        &second,
        &third,
        "personal-ec.p12",
        &[
            "--level",
            "b-lta",
            "--tsa",
            TSA_URL,
            "--trust",
            root.to_str().expect("path"),
        ],
    );
    let report = assert_each_change_once(&third);
    assert_eq!(
        added(&report, 0).len(),
        3,
        "Signature2, Signature3 and the document time-stamp: {report}"
    );
    let fourth = dir.path().join("4.pdf");
    let o = run(kyso()
        .arg("timestamp")
        .arg(&third)
        .arg("-o")
        .arg(&fourth)
        .args(["--tsa", TSA_URL]));
    assert!(o.status.success(), "{}", stderr(&o));
    let report = assert_each_change_once(&fourth);
    assert_eq!(added(&report, 0).len(), 4, "{report}");
}
