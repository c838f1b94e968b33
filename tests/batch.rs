//! `kyso batch` on a generated corpus with planted failures.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

struct Corpus {
    dir: tempfile::TempDir,
    /// Every document path and the status/reason the batch must report for it.
    expected: BTreeMap<PathBuf, (&'static str, &'static str)>,
}

fn corpus() -> Corpus {
    let dir = tempdir();
    let root = dir.path();
    let load = |n: &str| kyso::load_credential(&pki(n), PASSWORD).expect("fixture p12");
    let (personal, agency, outsider) = (
        load("personal.p12"),
        load("agency.p12"),
        load("outsider.p12"),
    );
    let mut expected = BTreeMap::new();
    let write = |rel: &str, data: &[u8]| -> PathBuf {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, data).expect("write");
        p
    };
    let certify = kyso::PdfSignOptions {
        certify: Some(2),
        ..Default::default()
    };
    let seal = kyso::PdfSignOptions::default();
    let mut good_pdf = Vec::new();
    for (i, name) in STRUCTURES.iter().enumerate() {
        let plain = std::fs::read(pdf(name)).expect("fixture");
        let first = kyso::sign_pdf(
            &plain,
            &personal,
            if name.contains("signed") {
                &seal
            } else {
                &certify
            },
        )
        .expect("sign");
        let both = kyso::sign_pdf(&first, &agency, &seal).expect("sign");
        let p = write(&format!("incoming/agency-{}/letter-{i}.pdf", i % 3), &both);
        expected.insert(p, ("passed", "ok"));
        good_pdf = both;
    }
    let invoice = std::fs::read(xml("invoice.xml")).expect("fixture");
    let seller = kyso::sign_xml(&invoice, &agency, &kyso::XmlSignRequest::default()).expect("sign");
    let buyer_req = kyso::XmlSignRequest {
        role: kyso::EinvoiceRole::Buyer,
        ..Default::default()
    };
    let both = kyso::sign_xml(&seller, &personal, &buyer_req).expect("sign");
    for i in 0..4 {
        let p = write(
            &format!("incoming/invoices/hd-{i}.xml"),
            if i % 2 == 0 { &seller } else { &both },
        );
        expected.insert(p, ("passed", "ok"));
    }
    // Planted failures.
    let mut flipped = good_pdf.clone();
    flip_page_size(&mut flipped);
    expected.insert(
        write("incoming/agency-1/flipped.pdf", &flipped),
        ("failed", "digest_mismatch"),
    );
    let tampered_invoice =
        String::from_utf8_lossy(&both).replacen("<SLuong>10</SLuong>", "<SLuong>12</SLuong>", 1);
    expected.insert(
        write(
            "incoming/invoices/hd-tampered.xml",
            tampered_invoice.as_bytes(),
        ),
        ("failed", "digest_mismatch"),
    );
    let plain = std::fs::read(pdf("letter-classic.pdf")).expect("fixture");
    let untrusted = kyso::sign_pdf(&plain, &outsider, &seal).expect("sign");
    expected.insert(
        write("incoming/agency-2/outsider.pdf", &untrusted),
        ("indeterminate", "untrusted_chain"),
    );
    expected.insert(
        write(
            "incoming/agency-0/truncated.pdf",
            &good_pdf[..good_pdf.len() / 2],
        ),
        ("error", "unreadable"),
    );
    expected.insert(
        write("incoming/notes.txt", b"not a document\n"),
        ("error", "unsupported"),
    );
    expected.insert(write("incoming/empty.pdf", b""), ("error", "unsupported"));
    expected.insert(
        write("incoming/unsigned.pdf", &plain),
        ("failed", "no_signatures"),
    );
    Corpus { dir, expected }
}

/// Runs `kyso batch` and parses the JSON Lines report: (exit code, reports by file, summary).
fn run_batch(
    args: &[&std::ffi::OsStr],
) -> (
    i32,
    BTreeMap<PathBuf, serde_json::Value>,
    serde_json::Value,
    Vec<String>,
) {
    let o = run(kyso()
        .arg("batch")
        .args(args)
        .arg("--trust")
        .arg(pki("root.pem"))
        .arg("--quiet"));
    let mut reports = BTreeMap::new();
    let mut summary = serde_json::Value::Null;
    let mut duplicates = Vec::new();
    for line in stdout(&o).lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if v.get("summary").is_some() {
            summary = v["summary"].clone();
        } else {
            let file = PathBuf::from(v["file"].as_str().expect("file"));
            if reports.insert(file.clone(), v).is_some() {
                duplicates.push(file.display().to_string());
            }
        }
    }
    (o.status.code().unwrap_or(-1), reports, summary, duplicates)
}

#[test]
fn every_input_once_with_exactly_the_planted_failures() {
    let c = corpus();
    let incoming = c.dir.path().join("incoming");
    let (code, reports, summary, dups) = run_batch(&[incoming.as_os_str()]);
    assert_eq!(code, 1);
    assert!(dups.is_empty(), "reported twice: {dups:?}");
    assert_eq!(
        reports.keys().collect::<Vec<_>>(),
        c.expected.keys().collect::<Vec<_>>()
    );
    for (file, (status, reason)) in &c.expected {
        let r = &reports[file];
        assert_eq!(
            (r["status"].as_str(), r["reason"].as_str()),
            (Some(*status), Some(*reason)),
            "{}",
            file.display()
        );
    }
    assert_eq!(summary["documents"], c.expected.len());
    let passed = c.expected.values().filter(|(s, _)| *s == "passed").count();
    assert_eq!(summary["by_status"]["passed"], passed);
    assert_eq!(summary["by_reason"]["digest_mismatch"], 2);
    assert!(
        summary["by_kind"]["personal"].as_u64().unwrap_or(0) > 0
            && summary["by_kind"]["agency"].as_u64().unwrap_or(0) > 0
    );
}

#[test]
fn shards_are_disjoint_and_cover_everything() {
    let c = corpus();
    let incoming = c.dir.path().join("incoming");
    let mut seen: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for k in 0..3 {
        let shard = format!("{k}/3");
        let (_, reports, _, _) = run_batch(&[
            incoming.as_os_str(),
            "--shard".as_ref(),
            shard.as_ref(),
            "--jobs".as_ref(),
            "1".as_ref(),
        ]);
        for f in reports.keys() {
            *seen.entry(f.clone()).or_default() += 1;
        }
    }
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        c.expected.keys().collect::<Vec<_>>()
    );
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");
}

#[test]
fn list_files_stdin_and_csv() {
    let c = corpus();
    let files: Vec<&PathBuf> = c.expected.keys().collect();
    let list = c.dir.path().join("list.txt");
    let (first, rest) = files.split_at(files.len() / 2);
    let text = |fs: &[&PathBuf]| {
        fs.iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    std::fs::write(&list, format!("# incoming, part 1\n{}\n\n", text(first))).expect("write");
    let mut child = kyso()
        .arg("batch")
        .arg(format!("@{}", list.display()))
        .arg("-")
        .arg("--trust")
        .arg(pki("root.pem"))
        .args(["--format", "csv", "--quiet", "--report"])
        .arg(c.dir.path().join("report.csv"))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "{}", text(rest)).expect("write stdin");
    }
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(1));
    let csv = std::fs::read_to_string(c.dir.path().join("report.csv")).expect("report written");
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap_or("")
            .starts_with("file,format,document_status")
    );
    let rows: Vec<&str> = lines.collect();
    for f in c.expected.keys() {
        assert!(
            rows.iter().any(|r| r.starts_with(&f.display().to_string())),
            "{} missing from the CSV",
            f.display()
        );
    }
    // One row per signature (passing letters have two or three), one for documents without.
    assert!(rows.len() > c.expected.len());
}

#[test]
fn exit_codes() {
    let c = corpus();
    let good = c.dir.path().join("incoming/invoices/hd-0.xml");
    let (code, _, summary, _) = run_batch(&[good.as_os_str()]);
    assert_eq!((code, summary["documents"].as_u64()), (0, Some(1)));
    let o = run(kyso()
        .args(["batch", "--shard", "3/3", "--trust"])
        .arg(pki("root.pem"))
        .arg(&good));
    assert_eq!(o.status.code(), Some(2), "bad --shard");
    let o = run(kyso()
        .args(["batch", "--trust", "/nonexistent/roots"])
        .arg(&good));
    assert_eq!(o.status.code(), Some(2), "missing trust file");
    let report = c.dir.path().join("never.jsonl");
    let o = run(kyso()
        .args(["batch", "--trust", "/nonexistent/roots", "--report"])
        .arg(&report)
        .arg(&good));
    assert_eq!(o.status.code(), Some(2));
    assert!(!report.exists(), "no report file when the batch cannot run");
}

#[test]
fn batch_signing_with_one_key_load() {
    let c = corpus();
    let drafts = c.dir.path().join("drafts");
    std::fs::create_dir_all(&drafts).expect("mkdir");
    let mut inputs = Vec::new();
    for name in [
        "letter-classic.pdf",
        "letter-xrefstream.pdf",
        "letter-form.pdf",
    ] {
        let p = drafts.join(name);
        std::fs::copy(pdf(name), &p).expect("copy");
        inputs.push(p);
    }
    let invoice = drafts.join("invoice.xml");
    std::fs::copy(xml("invoice.xml"), &invoice).expect("copy");
    inputs.push(invoice);
    let broken = drafts.join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.7\nnot really\n").expect("write");
    inputs.push(broken);
    let signed = c.dir.path().join("signed");
    std::fs::create_dir_all(&signed).expect("mkdir");
    let o = run(kyso()
        .arg("sign")
        .args(&inputs)
        .arg("--out-dir")
        .arg(&signed)
        .arg("--p12")
        .arg(pki("agency.p12"))
        .args(["--password-env", "KYSO_PASSWORD", "--jobs", "2"]));
    assert_eq!(o.status.code(), Some(2), "one input failed: {}", stderr(&o));
    assert!(
        stderr(&o).contains("broken.pdf") && stderr(&o).contains("4 signed, 1 failed"),
        "{}",
        stderr(&o)
    );
    assert!(!signed.join("broken.pdf").exists());
    let (code, reports, _, _) = run_batch(&[signed.as_os_str()]);
    assert_eq!(code, 0);
    assert_eq!(reports.len(), 4);
    for r in reports.values() {
        assert_eq!(r["signatures"][0]["signer"]["kind"], "agency");
    }

    // Several inputs need --out-dir (or --in-place), and names must not collide.
    let o = run(kyso()
        .arg("sign")
        .args(&inputs[..2])
        .arg("-o")
        .arg(c.dir.path().join("x.pdf"))
        .arg("--p12")
        .arg(pki("agency.p12"))
        .args(["--password-env", "KYSO_PASSWORD"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out-dir"), "{}", stderr(&o));
    let other = c.dir.path().join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::copy(pdf("letter-classic.pdf"), other.join("letter-classic.pdf")).expect("copy");
    let o = run(kyso()
        .arg("sign")
        .arg(&inputs[0])
        .arg(other.join("letter-classic.pdf"))
        .arg("--out-dir")
        .arg(&signed)
        .arg("--p12")
        .arg(pki("agency.p12"))
        .args(["--password-env", "KYSO_PASSWORD"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("overwrite each other"),
        "{}",
        stderr(&o)
    );
}
