//! Broken cross-reference data: the file is read by scanning for objects and trailers (with a
//! warning), signatures whose byte ranges are intact still verify, change analysis stays
//! conservative, and kyso refuses to write an update over such a file.

mod common;

use common::*;
use std::path::Path;

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Adds `by` to every in-use offset of the last classic xref table in `data` (same widths).
fn shift_last_xref_offsets(data: &mut [u8], by: u64) {
    let start = rfind(data, b"\nxref").expect("an xref table") + 1;
    let end = start
        + data[start..]
            .windows(7)
            .position(|w| w == b"trailer")
            .expect("a trailer");
    let mut pos = start;
    while pos < end {
        let line_end = data[pos..end]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(end, |i| pos + i + 1);
        let line = &data[pos..line_end];
        if line.len() >= 18 && line[17] == b'n' && line[..10].iter().all(u8::is_ascii_digit) {
            let off: u64 = std::str::from_utf8(&line[..10])
                .expect("digits")
                .parse()
                .expect("offset");
            let shifted = format!("{:010}", off + by);
            data[pos..pos + 10].copy_from_slice(shifted.as_bytes());
        }
        pos = line_end;
    }
}

/// Points the last `startxref` of `data` at an offset with no xref section (same width).
fn break_last_startxref(data: &mut [u8]) {
    let at = rfind(data, b"startxref").expect("startxref") + b"startxref".len();
    let digits_start = at
        + data[at..]
            .iter()
            .position(u8::is_ascii_digit)
            .expect("digits");
    let len = data[digits_start..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .expect("end");
    data[digits_start..digits_start + len].fill(b'1');
}

fn write(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write");
    p
}

fn warnings(sig: &serde_json::Value) -> Vec<String> {
    sig["warnings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn has_rebuilt_warning(sig: &serde_json::Value) -> bool {
    warnings(sig)
        .iter()
        .any(|w| w.starts_with("the cross-reference table was rebuilt by scanning the file: "))
}

#[test]
fn a_broken_unsigned_file_is_read_but_not_signed() {
    let dir = tempdir();
    let mut data = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    shift_last_xref_offsets(&mut data, 3);
    // The library reads it by scanning, and says so.
    let doc = kyso_pdf::Document::open(&data).expect("rebuilt");
    let rebuilt = doc.rebuilt().expect("rebuilt");
    assert_eq!(rebuilt.from, 0);
    assert!(rebuilt.reason.contains("puts object"), "{}", rebuilt.reason);
    assert_eq!(doc.pages().expect("pages").len(), 2);
    // kyso refuses to sign it, and says how to repair it.
    let input = write(dir.path(), "broken.pdf", &data);
    let out = dir.path().join("out.pdf");
    let o = try_sign(&input, &out, "agency.p12", &[]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("the cross-reference table is broken"), "{err}");
    assert!(err.contains("qpdf"), "{err}");
    assert!(!out.exists(), "nothing is written on failure");

    // The same with a startxref pointing nowhere.
    let mut data = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    break_last_startxref(&mut data);
    let doc = kyso_pdf::Document::open(&data).expect("rebuilt");
    assert!(doc.rebuilt().is_some());
    assert_eq!(doc.pages().expect("pages").len(), 2);
}

#[test]
fn a_broken_unsigned_revision_after_a_signature_counts_as_a_modification() {
    let dir = tempdir();
    let signed = dir.path().join("signed.pdf");
    sign(&pdf("letter-classic.pdf"), &signed, "agency.p12", &[]);
    let data = std::fs::read(&signed).expect("read");
    // An unsigned update that rewrites the catalog as it is (an allowed no-op)...
    let doc = kyso_pdf::Document::open(&data).expect("open");
    let (root, catalog) = doc.catalog().expect("catalog");
    let mut up = kyso_pdf::IncrementalUpdate::new(&doc);
    up.set(root, kyso_pdf::Object::Dict(catalog));
    let updated = up.write().expect("update").bytes;
    let fine = write(dir.path(), "fine.pdf", &updated);
    let (code, r) = verify_json(&fine);
    assert_eq!(code, 0, "{r}");

    // ... with its xref offsets shifted, or its startxref pointing nowhere.
    let mut shifted = updated.clone();
    shift_last_xref_offsets(&mut shifted, 2);
    let mut nowhere = updated.clone();
    break_last_startxref(&mut nowhere);
    for (name, bytes) in [("shifted", shifted), ("nowhere", nowhere)] {
        let broken = write(dir.path(), &format!("{name}.pdf"), &bytes);
        let doc = kyso_pdf::Document::open(&bytes).expect("rebuilt");
        let rebuilt = doc.rebuilt().expect("rebuilt");
        assert!(
            rebuilt.from <= data.len() && data.len() - rebuilt.from <= 2,
            "{name}: the signed revisions are kept ({} of {})",
            rebuilt.from,
            data.len()
        );
        let (code, r) = verify_json(&broken);
        assert_eq!(code, 1, "{name}: {r}");
        let sig = &r["signatures"][0];
        assert_eq!(sig["status"], "failed", "{name}: {r}");
        assert_eq!(sig["reason"], "modified_after_signing", "{name}: {r}");
        assert!(has_rebuilt_warning(sig), "{name}: {r}");
        assert!(
            sig["modifications"]
                .as_array()
                .is_some_and(|a| a.iter().any(|m| m
                    .as_str()
                    .is_some_and(|m| m.contains("broken cross-reference data")))),
            "{name}: {r}"
        );
        // The signature itself is intact.
        assert_eq!(sig["coverage"], "whole_revision", "{name}: {r}");
    }
}

/// Signs `data` (a prepared letter whose original xref table is then broken, inside the signed
/// range) with the agency key through the library.
fn signed_over_broken_xref() -> Vec<u8> {
    let data = std::fs::read(pdf("letter-classic.pdf")).expect("letter");
    let prepared = prepared_letter(kyso_pdf::SubFilter::EtsiCadesDetached, None);
    let mut bytes = prepared.bytes().to_vec();
    // Break the first revision's table (before the signature's update, same widths).
    let mut head = bytes[..data.len()].to_vec();
    shift_last_xref_offsets(&mut head, 3);
    bytes[..data.len()].copy_from_slice(&head);
    let cred = kyso::load_credential(&pki("agency.p12"), PASSWORD).expect("credential");
    let mut ctx = kyso::DigestAlgorithm::Sha256.context();
    for r in prepared.signed_ranges() {
        ctx.update(&bytes[r]);
    }
    let cms = kyso_cms::build_detached(
        &cred,
        ctx.finish().as_ref(),
        &kyso_cms::BuildOptions {
            digest: kyso::DigestAlgorithm::Sha256,
            signing_time: None,
            include_chain: true,
        },
    )
    .expect("cms");
    let [_, tail] = prepared.signed_ranges();
    let gap_start = prepared.signed_ranges()[0].end;
    let mut hex = String::new();
    for b in &cms {
        hex.push_str(&format!("{b:02x}"));
    }
    bytes[gap_start + 1..gap_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    assert!(tail.start > gap_start);
    bytes
}

#[test]
fn a_signature_over_a_broken_xref_is_checked_and_judged_conservatively() {
    let dir = tempdir();
    let bytes = signed_over_broken_xref();
    let doc = kyso_pdf::Document::open(&bytes).expect("rebuilt");
    assert_eq!(doc.rebuilt().map(|r| r.from), Some(0));
    // The signature covers the whole file: checked, nothing was added after it.
    let whole = write(dir.path(), "whole.pdf", &bytes);
    let (code, r) = verify_json(&whole);
    assert_eq!(code, 0, "{r}");
    let sig = &r["signatures"][0];
    assert_eq!(sig["status"], "passed", "{r}");
    assert!(has_rebuilt_warning(sig), "{r}");

    // Anything after it cannot be told apart from the signed revision: indeterminate.
    let doc = kyso_pdf::Document::open(&bytes).expect("open");
    let (root, catalog) = doc.catalog().expect("catalog");
    let mut more = bytes.clone();
    let mut object = Vec::new();
    kyso_pdf::write_object(&mut object, &kyso_pdf::Object::Dict(catalog));
    let object_at = more.len();
    more.extend_from_slice(format!("{} 0 obj\n", root.num).as_bytes());
    more.extend_from_slice(&object);
    more.extend_from_slice(b"\nendobj\n");
    let xref_at = more.len();
    more.extend_from_slice(
        format!(
            "xref\n{} 1\n{object_at:010} 00000 n\r\ntrailer\n<< /Size 12 /Root {} 0 R /Prev {} >>\nstartxref\n{xref_at}\n%%EOF\n",
            root.num,
            root.num,
            doc.startxref(),
        )
        .as_bytes(),
    );
    let later = write(dir.path(), "later.pdf", &more);
    let (code, r) = verify_json(&later);
    assert_ne!(code, 0, "{r}");
    let sig = &r["signatures"][0];
    assert_eq!(sig["status"], "indeterminate", "{r}");
    assert_eq!(sig["reason"], "change_analysis_failed", "{r}");
    assert!(has_rebuilt_warning(sig), "{r}");
}

#[test]
fn rebuilding_is_bounded_on_garbage() {
    // Object headers everywhere, trailers without a root, a startxref to nowhere: read or
    // refused, never a loop or a panic.
    let mut buf = b"%PDF-1.7\n".to_vec();
    for i in 0..2000 {
        buf.extend_from_slice(format!("{i} 0 obj\n<< /Type /ObjStm /N 5 /First 3 >>\nstream\nxx\nendstream\nendobj\ntrailer << /Size 3 >>\n").as_bytes());
    }
    buf.extend_from_slice(b"startxref\n999999999\n%%EOF\n");
    match kyso_pdf::Document::open(&buf) {
        Ok(doc) => {
            assert!(doc.rebuilt().is_some());
            assert!(doc.catalog().is_err());
        }
        Err(e) => assert!(e.to_string().contains("cross-reference"), "{e}"),
    }
}
