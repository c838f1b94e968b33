//! The registry's workflow as Decree 30/2020 lays it out (`kyso sign --preset`): approve (the
//! official's signature picture above the printed name), issue (the seal at its real size over
//! the left third of it, the number and date filled in), copy and appendix (a text block at the
//! top right of page 1), incoming (the receiving registry's framed stamp); clear refusals
//! (exit 2, no output) for what cannot be drawn. The tests marked ignored render pages with
//! poppler and ask pyHanko, pdfsig and qpdf (scripts/test.sh installs them).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

const SIGNATURE: &str = "images/chu-ky.png";
const SEAL: &str = "images/con-dau.png";
/// The seal picture is 300 pixels at 212 dpi: 36 mm.
const SEAL_POINTS: f64 = 300.0 / 212.0 * 72.0;

fn image(name: &str) -> String {
    fixture(name).display().to_string()
}

/// `appearance.rect` of signature `i` (page, [x1, y1, x2, y2]).
fn placed(report: &Value, i: usize) -> (u64, [f64; 4]) {
    let a = &report["signatures"][i]["appearance"];
    assert_eq!(a["visible"], true, "signature {i} is not visible: {a}");
    let r: Vec<f64> = a["rect"]
        .as_array()
        .unwrap_or_else(|| panic!("no rect: {a}"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    (a["page"].as_u64().unwrap(), [r[0], r[1], r[2], r[3]])
}

fn all_passed(report: &Value) {
    for (status, reason) in statuses(report) {
        assert_eq!(
            (status.as_str(), reason.as_str()),
            ("passed", "ok"),
            "{report:#}"
        );
    }
}

/// The letter approved (certified, the picture above "Nguyen Van Anh"), then issued.
fn approved_and_issued(dir: &Path) -> (PathBuf, PathBuf) {
    let approved = dir.join("approved.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &approved,
        "personal.p12",
        &[
            "--certify",
            "--preset",
            "approve",
            "--image",
            &image(SIGNATURE),
            "--anchor",
            "Nguyen Van Anh",
        ],
    );
    let issued = dir.join("issued.pdf");
    sign(
        &approved,
        &issued,
        "agency.p12",
        &["--preset", "issue", "--image", &image(SEAL)],
    );
    (approved, issued)
}

#[test]
fn approve_above_the_name_then_the_seal_over_its_left_third() {
    let dir = tempdir();
    let (_, issued) = approved_and_issued(dir.path());
    let (code, report) = verify_json(&issued);
    assert_eq!(code, 0, "{report:#}");
    all_passed(&report);
    let (p1, sig) = placed(&report, 0);
    let (p2, seal) = placed(&report, 1);
    assert_eq!((p1, p2), (1, 1));
    // The printed name "Nguyen Van Anh" is drawn at 322 (11 pt bold) and the caption above it
    // at 374 (9 pt): the picture sits between them.
    assert!(sig[1] > 322.0 + 8.0 && sig[3] < 374.0, "{sig:?}");
    // The seal at its real size (the PNG's 212 dpi: 36 mm), square.
    for side in [seal[2] - seal[0], seal[3] - seal[1]] {
        assert!((side - SEAL_POINTS).abs() < 0.5, "{seal:?}");
    }
    // Its right edge at a third of the signature, so it covers the signature's left third.
    let third = sig[0] + (sig[2] - sig[0]) / 3.0;
    assert!((seal[2] - third).abs() < 0.5, "{seal:?} {sig:?}");
    assert!(seal[0] < sig[0]);
    // Centred on the signature vertically.
    let (cy_sig, cy_seal) = ((sig[1] + sig[3]) / 2.0, (seal[1] + seal[3]) / 2.0);
    assert!((cy_sig - cy_seal).abs() < 0.5);
}

#[test]
fn copy_and_appendix_at_the_top_right_incoming_at_the_top_left() {
    let dir = tempdir();
    let letter = pdf("letter-classic.pdf");
    let copy = dir.path().join("copy.pdf");
    sign(
        &letter,
        &copy,
        "agency.p12",
        &["--preset", "copy", "--copy-kind", "TRÍCH SAO"],
    );
    let appendix = dir.path().join("appendix.pdf");
    sign(
        &letter,
        &appendix,
        "agency.p12",
        &["--preset", "appendix", "--number", "123/UBND-VP"],
    );
    for file in [&copy, &appendix] {
        let (code, report) = verify_json(file);
        assert_eq!(code, 0, "{report:#}");
        let (page, r) = placed(&report, 0);
        assert_eq!(page, 1);
        // 10 pt from the top and right edges of the A4 page.
        assert!(
            (r[2] - 585.0).abs() < 0.01 && (r[3] - 832.0).abs() < 0.01,
            "{r:?}"
        );
        assert!(r[2] - r[0] > 60.0 && r[3] - r[1] > 20.0, "{r:?}");
    }
    let (_, issued) = approved_and_issued(dir.path());
    let incoming = dir.path().join("incoming.pdf");
    sign(
        &issued,
        &incoming,
        "agency.p12",
        &[
            "--preset",
            "incoming",
            "--number",
            "45",
            "--date",
            "2026-12-05",
        ],
    );
    let (code, report) = verify_json(&incoming);
    assert_eq!(code, 0, "{report:#}");
    all_passed(&report);
    assert_eq!(report["signatures"].as_array().unwrap().len(), 3);
    let (_, stamp) = placed(&report, 2);
    assert!((stamp[0] - 10.0).abs() < 0.01 && (stamp[3] - 832.0).abs() < 0.01);
}

/// The seal writes the number and date: into the document's text fields of those names
/// (form filling, which the certification allows), or at configured places inside the seal's
/// own widget; either way the seal's signature covers them and the personal one stays valid.
#[test]
fn the_seal_fills_the_number_and_date() {
    let dir = tempdir();
    let approved = dir.path().join("form-approved.pdf");
    sign(
        &pdf("letter-form.pdf"),
        &approved,
        "personal.p12",
        &[
            "--certify",
            "--preset",
            "approve",
            "--image",
            &image(SIGNATURE),
            "--anchor",
            "Nguyen Van Anh",
        ],
    );
    let config = dir.path().join("fields.toml");
    std::fs::write(&config, "[appearance]\nnumber_field = \"so_van_ban\"\n").unwrap();
    let issued = dir.path().join("form-issued.pdf");
    let o = run(kyso()
        .arg("--config")
        .arg(&config)
        .arg("sign")
        .arg(&approved)
        .arg("-o")
        .arg(&issued)
        .arg("--p12")
        .arg(pki("agency.p12"))
        .args(["--password-env", "KYSO_PASSWORD", "--preset", "issue"])
        .args(["--image", &image(SEAL), "--number", "77/UBND-VP"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let (code, report) = verify_json(&issued);
    assert_eq!(code, 0, "{report:#}");
    all_passed(&report);
    let bytes = std::fs::read(&issued).unwrap();
    let tail = &bytes[std::fs::read(&approved).unwrap().len()..];
    assert!(
        tail.windows(12).any(|w| w == b"(77/UBND-VP)"),
        "the field's new value is in the seal's revision"
    );

    // At configured places, on the seal's page.
    let (approved, _) = approved_and_issued(dir.path());
    let config = dir.path().join("places.toml");
    std::fs::write(
        &config,
        "[appearance]\nnumber_at = { page = 1, x = 100, y = 720 }\n\
         date_at = { page = 1, x = 330, y = 720 }\ndate_format = \"ngày %d tháng %m năm %Y\"\n",
    )
    .unwrap();
    let placed_file = dir.path().join("placed.pdf");
    let o = run(kyso()
        .arg("--config")
        .arg(&config)
        .arg("sign")
        .arg(&approved)
        .arg("-o")
        .arg(&placed_file)
        .arg("--p12")
        .arg(pki("agency.p12"))
        .args(["--password-env", "KYSO_PASSWORD", "--preset", "issue"])
        .args(["--image", &image(SEAL), "--number", "123/UBND-VP"])
        .args(["--date", "2026-12-03"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let (code, report) = verify_json(&placed_file);
    assert_eq!(code, 0, "{report:#}");
    all_passed(&report);
    // The seal's widget holds the seal and both lines.
    let (_, widget) = placed(&report, 1);
    assert!(widget[0] <= 98.0 && widget[3] >= 730.0, "{widget:?}");

    // Nowhere to put it: refused before anything is written.
    let nowhere = dir.path().join("nowhere.pdf");
    let o = try_sign(
        &approved,
        &nowhere,
        "agency.p12",
        &[
            "--preset",
            "issue",
            "--image",
            &image(SEAL),
            "--number",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("where does the number go"),
        "{}",
        stderr(&o)
    );
    assert!(!nowhere.exists());
}

/// The Vietnamese letter signed as an agency does: the official's picture above
/// "Nguyễn Văn An" (found whether the name is given precomposed or with combining marks), then
/// the seal over it with the number and date filled into the form's fields `so` and `ngay`.
fn vietnamese_letter_issued(dir: &Path) -> PathBuf {
    let approved = dir.join("vn-approved.pdf");
    // "Nguyễn Văn An" written with combining marks (NFD).
    let decomposed = "Nguye\u{302}\u{303}n Va\u{306}n An";
    sign(
        &pdf("letter-vn-form.pdf"),
        &approved,
        "personal.p12",
        &[
            "--certify",
            "--preset",
            "approve",
            "--image",
            &image(SIGNATURE),
            "--anchor",
            decomposed,
        ],
    );
    let issued = dir.join("vn-issued.pdf");
    sign(
        &approved,
        &issued,
        "agency.p12",
        &[
            "--preset",
            "issue",
            "--image",
            &image(SEAL),
            "--number",
            "123/UBND-VP",
            "--date",
            "2026-12-03",
        ],
    );
    issued
}

#[test]
fn the_vietnamese_letter_approved_and_issued() {
    let dir = tempdir();
    let issued = vietnamese_letter_issued(dir.path());
    let (code, report) = verify_json(&issued);
    assert_eq!(code, 0, "{report:#}");
    all_passed(&report);
    let (_, sig) = placed(&report, 0);
    // Between the printed name (baseline 330, 13 pt) and "CHỦ TỊCH" (baseline 415).
    assert!(sig[1] > 330.0 + 9.0 && sig[3] < 415.0, "{sig:?}");
    let (_, seal) = placed(&report, 1);
    assert!((seal[2] - (sig[0] + (sig[2] - sig[0]) / 3.0)).abs() < 0.5);
}

#[test]
#[ignore = "needs poppler-utils: run scripts/test.sh"]
fn the_vietnamese_letter_shows_its_number_and_date() {
    let dir = tempdir();
    let issued = vietnamese_letter_issued(dir.path());
    let text = stdout(&run(Command::new("pdftotext").arg(&issued).arg("-")));
    for expect in ["123/UBND-VP", "ngày 03 tháng 12 năm 2026", "Nguyễn Văn An"] {
        assert!(text.contains(expect), "no '{expect}' in {text}");
    }
    let (_, report) = verify_json(&issued);
    let (_, sig) = placed(&report, 0);
    let (_, seal) = placed(&report, 1);
    let shown = render(&issued);
    let (w, h) = (shown.0, shown.1);
    let mut reds = 0;
    for (i, p) in shown.2.iter().enumerate() {
        if red(*p) {
            reds += 1;
            assert!(inside(i % w, i / w, h, seal), "red at {},{}", i % w, i / w);
        }
        if blue(*p) {
            assert!(inside(i % w, i / w, h, sig), "blue at {},{}", i % w, i / w);
        }
    }
    assert!(reds > 2000, "{reds}");
}

/// A PNG whose header claims 10,000 × 10,000 pixels (100 megapixels).
fn huge_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, 10_000, 10_000);
        e.set_color(png::ColorType::Grayscale);
        e.set_depth(png::BitDepth::Eight);
        let w = e.write_header().unwrap();
        drop(w);
    }
    out
}

#[test]
fn what_cannot_be_drawn_is_refused_with_exit_2_and_no_output() {
    let dir = tempdir();
    let bad = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let jpeg = bad(
        "photo.jpg",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01",
    );
    let png = std::fs::read(fixture(SIGNATURE)).unwrap();
    let corrupt = bad("corrupt.png", &png[..png.len() / 2]);
    let huge = bad("huge.png", &huge_png());
    let sig = image(SIGNATURE);
    let seal = image(SEAL);
    let letter = pdf("letter-classic.pdf");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--preset",
                "approve",
                "--image",
                &jpeg,
                "--rect",
                "1,1,90,40",
            ],
            "not a readable PNG",
        ),
        (
            vec![
                "--preset",
                "approve",
                "--image",
                &corrupt,
                "--rect",
                "1,1,90,40",
            ],
            "PNG",
        ),
        (
            vec![
                "--preset",
                "approve",
                "--image",
                &huge,
                "--rect",
                "1,1,90,40",
            ],
            "at most 40000000 pixels",
        ),
        (
            vec![
                "--preset",
                "approve",
                "--image",
                &sig,
                "--anchor",
                "Tran Thi B",
            ],
            "anchor text 'Tran Thi B' is not in the document",
        ),
        (
            vec![
                "--preset",
                "approve",
                "--image",
                &sig,
                "--anchor",
                "Nguyen Van Anh",
                "--anchor-page",
                "2",
            ],
            "is not on page 2",
        ),
        (
            vec!["--image", &sig, "--rect", "350,120,500,180", "--page", "9"],
            "page 9 does not exist",
        ),
        (
            vec!["--image", &sig, "--rect", "500,800,700,900"],
            "is not inside page 1",
        ),
        (
            vec!["--preset", "approve", "--anchor", "Nguyen Van Anh"],
            "approve preset draws the signature picture",
        ),
        (
            vec!["--preset", "approve", "--image", &sig],
            "where should the signature be drawn",
        ),
        (
            vec!["--preset", "issue", "--image", &seal],
            "no visible personal signature",
        ),
        (
            vec!["--preset", "copy", "--image", &sig],
            "draws text, not a picture",
        ),
        (vec!["--preset", "appendix"], "give it (--number)"),
        (
            vec!["--number", "1", "--image", &sig, "--rect", "1,1,90,40"],
            "number goes with",
        ),
        (
            vec!["--preset", "copy", "--seal-mm", "36"],
            "seal-mm goes with the issue preset",
        ),
    ];
    for (i, (args, says)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out{i}.pdf"));
        let o = try_sign(&letter, &out, "agency.p12", args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(!out.exists(), "{args:?} left {}", out.display());
    }
    // Clap refuses these before anything is read.
    for args in [
        &["--seal-mm", "2", "--preset", "issue"][..],
        &["--date", "2026-02-30", "--preset", "issue"],
        &["--copy-kind", "BAN SAO", "--preset", "copy"],
    ] {
        let out = dir.path().join("clap.pdf");
        let o = try_sign(&letter, &out, "agency.p12", args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!out.exists());
    }
}

/// Every fixture structure takes a visible approve and then a copy block, and stays valid.
#[test]
fn every_structure_takes_visible_signatures() {
    let dir = tempdir();
    for name in STRUCTURES {
        let first = dir.path().join(format!("{name}.approve.pdf"));
        sign(
            &pdf(name),
            &first,
            "personal.p12",
            &[
                "--preset",
                "approve",
                "--image",
                &image(SIGNATURE),
                "--rect",
                "350,120,500,180",
            ],
        );
        let second = dir.path().join(format!("{name}.copy.pdf"));
        sign(&first, &second, "agency.p12", &["--preset", "copy"]);
        let (code, report) = verify_json(&second);
        assert_eq!(code, 0, "{name}: {report:#}");
        all_passed(&report);
        let n = report["signatures"].as_array().unwrap().len();
        let (_, r) = placed(&report, n - 2);
        assert_eq!(r, [350.0, 120.0, 500.0, 180.0], "{name}");
        placed(&report, n - 1);
    }
}

/// A page turned a quarter (/Rotate 90) with a CropBox off the origin: the rectangle is read
/// as the page is shown, and the report gives it back the same way.
#[test]
fn turned_pages_and_offset_crop_boxes() {
    let dir = tempdir();
    let turned = dir.path().join("turned.pdf");
    std::fs::write(&turned, turn_first_page(&pdf("letter-classic.pdf"))).unwrap();
    let out = dir.path().join("turned.signed.pdf");
    sign(
        &turned,
        &out,
        "personal.p12",
        &["--image", &image(SIGNATURE), "--rect", "600,40,760,110"],
    );
    let (code, report) = verify_json(&out);
    assert_eq!(code, 0, "{report:#}");
    let (_, r) = placed(&report, 0);
    for (a, b) in r.iter().zip([600.0, 40.0, 760.0, 110.0]) {
        assert!((a - b).abs() < 0.01, "{r:?}");
    }
    // Shown 762 wide and 515 high: a rectangle past 515 up is off the page.
    let off = dir.path().join("off.pdf");
    let o = try_sign(
        &turned,
        &off,
        "personal.p12",
        &["--image", &image(SIGNATURE), "--rect", "10,480,100,560"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("762 × 515"), "{}", stderr(&o));
}

/// Page 1 of `input` with `/CropBox [40 50 555 812]` and `/Rotate 90`, as an incremental update.
fn turn_first_page(input: &Path) -> Vec<u8> {
    let data = std::fs::read(input).unwrap();
    let doc = kyso_pdf::Document::open(&data).unwrap();
    let page = doc.pages().unwrap()[0];
    let mut d = doc.get(page).unwrap().as_dict().unwrap().clone();
    d.set(
        b"CropBox",
        kyso_pdf::Object::Array(
            [40, 50, 555, 812]
                .iter()
                .map(|v| kyso_pdf::Object::Int(*v))
                .collect(),
        ),
    );
    d.set(b"Rotate", kyso_pdf::Object::Int(90));
    let mut up = kyso_pdf::IncrementalUpdate::new(&doc);
    up.set(page, kyso_pdf::Object::Dict(d));
    up.write().unwrap().bytes
}

// ------------------------------------------------------------------ rendered and peers

/// Page 1 of `pdf` rendered at 72 dpi by poppler: (width, height, RGB pixels).
fn render(pdf: &Path) -> (usize, usize, Vec<[u8; 3]>) {
    let dir = tempdir();
    let stem = dir.path().join("page");
    let o = run(Command::new("pdftoppm")
        .args([
            "-r",
            "72",
            "-png",
            "-cropbox",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(pdf)
        .arg(&stem));
    assert!(o.status.success(), "pdftoppm: {}", stderr(&o));
    let png = std::fs::read(dir.path().join("page.png")).unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let channels = frame.color_type.samples();
    let pixels = buf[..frame.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (frame.width as usize, frame.height as usize, pixels)
}

fn blue(p: [u8; 3]) -> bool {
    p[2] > 120 && p[0] < 110 && p[1] < 130
}

fn red(p: [u8; 3]) -> bool {
    p[0] > 150 && p[1] < 110 && p[2] < 110
}

/// Whether pixel (x, y) of a 72-dpi render lies in `rect` (PDF points from the lower-left
/// corner of a `height`-point page), with a pixel of slack.
fn inside(x: usize, y: usize, height: usize, r: [f64; 4]) -> bool {
    let (px, py) = (x as f64 + 0.5, (height - y) as f64 - 0.5);
    px >= r[0] - 1.5 && px <= r[2] + 1.5 && py >= r[1] - 1.5 && py <= r[3] + 1.5
}

/// Pixels that differ between two renders of the same page outside every rectangle of `boxes`.
fn changed_outside(
    a: &(usize, usize, Vec<[u8; 3]>),
    b: &(usize, usize, Vec<[u8; 3]>),
    boxes: &[[f64; 4]],
) -> usize {
    assert_eq!((a.0, a.1), (b.0, b.1));
    let (w, h) = (a.0, a.1);
    (0..w * h)
        .filter(|i| a.2[*i] != b.2[*i])
        .filter(|i| !boxes.iter().any(|r| inside(i % w, i / w, h, *r)))
        .count()
}

#[test]
#[ignore = "needs poppler-utils: run scripts/test.sh"]
fn rendered_pages_show_the_picture_the_seal_and_nothing_else() {
    let dir = tempdir();
    let (approved, issued) = approved_and_issued(dir.path());
    let (_, report) = verify_json(&issued);
    let (_, sig) = placed(&report, 0);
    let (_, seal) = placed(&report, 1);
    let plain = render(&pdf("letter-classic.pdf"));
    let first = render(&approved);
    let both = render(&issued);
    let (w, h) = (both.0, both.1);
    // Blue ink only inside the signature's box, and plenty of it; red only inside the seal's.
    let mut ink = 0;
    let mut stamp = 0;
    for (i, p) in first.2.iter().enumerate() {
        if blue(*p) {
            ink += 1;
            assert!(inside(i % w, i / w, h, sig), "blue at {},{}", i % w, i / w);
        }
    }
    for (i, p) in both.2.iter().enumerate() {
        if red(*p) {
            stamp += 1;
            assert!(inside(i % w, i / w, h, seal), "red at {},{}", i % w, i / w);
        }
    }
    assert!(ink > 100, "{ink} blue pixels");
    assert!(stamp > 2000, "{stamp} red pixels");
    // Red over the signature's left third: the seal covers part of it.
    let third = [sig[0], sig[1], sig[0] + (sig[2] - sig[0]) / 3.0, sig[3]];
    let red_on_signature = both
        .2
        .iter()
        .enumerate()
        .filter(|(i, p)| red(**p) && inside(i % w, i / w, h, third))
        .count();
    assert!(red_on_signature > 50, "{red_on_signature}");
    // Nothing else changed on the page.
    assert_eq!(changed_outside(&plain, &first, &[sig]), 0);
    assert_eq!(changed_outside(&plain, &both, &[sig, seal]), 0);
}

#[test]
#[ignore = "needs poppler-utils: run scripts/test.sh"]
fn copy_and_appendix_text_is_black_serif_with_its_diacritics() {
    let dir = tempdir();
    let letter = pdf("letter-classic.pdf");
    let plain = render(&letter);
    for (preset, extra, expect) in [
        (
            "copy",
            vec!["--copy-kind", "SAO Y"],
            vec!["SAO Y", "Sở Nội vụ tỉnh Bắc Ninh", "Thời gian ký: 20"],
        ),
        (
            "appendix",
            vec!["--number", "123/UBND-VP"],
            vec![
                "Phụ lục kèm theo văn bản số 123/UBND-VP",
                "Thời gian ký: 20",
            ],
        ),
    ] {
        let out = dir.path().join(format!("{preset}.pdf"));
        let mut args = vec!["--preset", preset];
        args.extend(extra);
        sign(&letter, &out, "agency.p12", &args);
        let o = run(Command::new("pdftotext").arg(&out).arg("-"));
        let text = stdout(&o);
        for e in expect {
            assert!(text.contains(e), "{preset}: no '{e}' in {text}");
        }
        // ISO 8601 with the Vietnamese offset.
        assert!(text.contains("+07:00"), "{text}");
        let (_, report) = verify_json(&out);
        let (_, r) = placed(&report, 0);
        let shown = render(&out);
        assert_eq!(changed_outside(&plain, &shown, &[r]), 0, "{preset}");
        let (w, h) = (shown.0, shown.1);
        let dark = shown
            .2
            .iter()
            .enumerate()
            .filter(|(i, p)| p.iter().all(|c| *c < 80) && inside(i % w, i / w, h, r))
            .count();
        assert!(dark > 100, "{preset}: {dark} dark pixels in the block");
        let fonts = stdout(&run(Command::new("pdffonts").arg(&out)));
        assert!(
            fonts
                .lines()
                .any(|l| l.contains("LiberationSerif") && l.contains("CID TrueType")),
            "{fonts}"
        );
    }
}

#[test]
#[ignore = "needs poppler-utils: run scripts/test.sh"]
fn a_turned_page_shows_the_picture_upright_where_asked() {
    let dir = tempdir();
    let turned = dir.path().join("turned.pdf");
    std::fs::write(&turned, turn_first_page(&pdf("letter-classic.pdf"))).unwrap();
    let out = dir.path().join("turned.signed.pdf");
    let rect = [600.0, 40.0, 760.0, 110.0];
    sign(
        &turned,
        &out,
        "personal.p12",
        &["--image", &image(SIGNATURE), "--rect", "600,40,760,110"],
    );
    let shown = render(&out);
    let (w, h) = (shown.0, shown.1);
    assert_eq!((w, h), (762, 515));
    let blue_px: Vec<(usize, usize)> = shown
        .2
        .iter()
        .enumerate()
        .filter(|(_, p)| blue(**p))
        .map(|(i, _)| (i % w, i / w))
        .collect();
    assert!(blue_px.len() > 100, "{}", blue_px.len());
    for (x, y) in &blue_px {
        assert!(inside(*x, *y, h, rect), "blue at {x},{y}");
    }
    // Upright: the picture (240 × 100) is wider than high on the page as shown.
    let (xs, ys): (Vec<usize>, Vec<usize>) = blue_px.iter().copied().unzip();
    let span = |v: &[usize]| v.iter().max().unwrap() - v.iter().min().unwrap();
    assert!(span(&xs) > 2 * span(&ys), "{} × {}", span(&xs), span(&ys));
}

#[test]
#[ignore = "needs pyHanko, pdfsig and qpdf: run scripts/test.sh"]
fn peers_accept_every_preset_output() {
    let dir = tempdir();
    let (approved, issued) = approved_and_issued(dir.path());
    let incoming = dir.path().join("incoming.pdf");
    sign(
        &issued,
        &incoming,
        "agency.p12",
        &["--preset", "incoming", "--number", "45"],
    );
    let letter = pdf("letter-classic.pdf");
    let copy = dir.path().join("copy.pdf");
    sign(&letter, &copy, "agency.p12", &["--preset", "copy"]);
    let appendix = dir.path().join("appendix.pdf");
    sign(
        &letter,
        &appendix,
        "agency.p12",
        &["--preset", "appendix", "--number", "9/PL"],
    );
    // Approval-only flow: the personal signature without certification, then the seal.
    let plain_approved = dir.path().join("plain-approved.pdf");
    sign(
        &letter,
        &plain_approved,
        "personal.p12",
        &[
            "--preset",
            "approve",
            "--image",
            &image(SIGNATURE),
            "--anchor",
            "Nguyen Van Anh",
        ],
    );
    let plain_issued = dir.path().join("plain-issued.pdf");
    sign(
        &plain_approved,
        &plain_issued,
        "agency.p12",
        &["--preset", "issue", "--image", &image(SEAL)],
    );
    let nss = peers::nss_db(dir.path());
    for file in [
        &approved,
        &issued,
        &incoming,
        &copy,
        &appendix,
        &plain_approved,
        &plain_issued,
    ] {
        let o = run(Command::new("qpdf").arg("--check").arg(file));
        assert!(
            o.status.success(),
            "qpdf {}: {}",
            file.display(),
            stdout(&o)
        );
        let out = peers::pdfsig(file, &nss);
        let n = out
            .matches("Signature Validation: Signature is Valid.")
            .count();
        let signatures = out.matches("Signature #").count();
        assert!(
            signatures >= 1 && n == signatures,
            "pdfsig {}: {out}",
            file.display()
        );
    }
    // pyHanko with its default policy: the approval-only flow and single signatures.
    for file in [&copy, &appendix, &plain_approved, &plain_issued, &approved] {
        let (ok, out) = pyhanko_validate(file);
        assert!(
            ok && !out.contains("INVALID"),
            "pyHanko {}: {out}",
            file.display()
        );
    }
    // After a certification pyHanko's default refuses any new visible signature field
    // (`allow_new_visible_after_certify=False` in its SigFieldCreationRule), which is the
    // Decree 30 seal itself; with that one option on, it accepts the certified flow too.
    let script = r#"
import sys
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.diff_analysis import StandardDiffPolicy, DEFAULT_DIFF_POLICY
from pyhanko.sign.diff_analysis.form_rules_api import FormUpdatingRule
from pyhanko.sign.diff_analysis.rules.form_field_rules import (
    SigFieldCreationRule, SigFieldModificationRule, GenericFieldModificationRule)
policy = StandardDiffPolicy(
    global_rules=DEFAULT_DIFF_POLICY.global_rules,
    form_rule=FormUpdatingRule(field_rules=[
        SigFieldCreationRule(allow_new_visible_after_certify=True),
        SigFieldModificationRule(), GenericFieldModificationRule()]),
)
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        r = PdfFileReader(f, strict=False)
        for s in r.embedded_signatures:
            st = validate_pdf_signature(s, diff_policy=policy)
            print(path, s.field_name, st.intact, st.valid, st.docmdp_ok, st.modification_level)
"#;
    let o = run(Command::new(peer_python())
        .args(["-c", script])
        .arg(&issued)
        .arg(&incoming));
    let out = stdout(&o);
    assert!(o.status.success(), "{}{}", out, stderr(&o));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    for l in lines {
        assert!(l.contains(" True True True "), "pyHanko: {l}");
    }
}

/// `POST /v1/sign` takes the same options; the picture is the key's (`image` in `[[keys]]`).
#[test]
fn the_service_takes_the_same_options() {
    use common::server::{LIMIT, Server};
    use common::signing::{bearer, sha256_hex};
    let dir = tempdir();
    let token = "tok-visible-3e1f";
    let config = dir.path().join("kyso.toml");
    let text = format!(
        "[trust]\nanchors = [\"{root}\"]\n\n[server]\nbody_limit = {LIMIT}\n\n\
         [[server.tokens]]\nname = \"registry\"\nsha256 = \"{hash}\"\n\
         scopes = [\"sign:agency\", \"sign:personal\"]\n\n\
         [[keys]]\nid = \"agency\"\np12 = \"{agency}\"\npassword_env = \"KYSO_TEST_KEY_PASSWORD\"\n\
         image = \"{seal}\"\n\n\
         [[keys]]\nid = \"personal\"\np12 = \"{personal}\"\npassword_env = \"KYSO_TEST_KEY_PASSWORD\"\n\
         image = \"{signature}\"\n",
        root = pki("root.pem").display(),
        hash = sha256_hex(token.as_bytes()),
        agency = pki("agency.p12").display(),
        personal = pki("personal.p12").display(),
        seal = image(SEAL),
        signature = image(SIGNATURE),
    );
    std::fs::write(&config, text).unwrap();
    let server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let auth = bearer(token);
    let post = |target: &str, body: &[u8]| {
        server.request("POST", target, &[("Authorization", &auth)], body)
    };
    let keys = server.request("GET", "/v1/keys", &[("Authorization", &auth)], b"");
    assert!(
        keys.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["image"] == true)
    );
    let letter = std::fs::read(pdf("letter-classic.pdf")).unwrap();
    let approved = post(
        "/v1/sign?key=personal&certify=true&preset=approve&anchor=Nguyen%20Van%20Anh",
        &letter,
    );
    assert_eq!(approved.status, 200, "{}", approved.text());
    let issued = post("/v1/sign?key=agency&preset=issue", &approved.body);
    assert_eq!(issued.status, 200, "{}", issued.text());
    let file = dir.path().join("issued.pdf");
    std::fs::write(&file, &issued.body).unwrap();
    let (code, report) = verify_json(&file);
    assert_eq!(code, 0, "{report:#}");
    all_passed(&report);
    let (_, sig) = placed(&report, 0);
    let (_, seal) = placed(&report, 1);
    assert!((seal[2] - (sig[0] + (sig[2] - sig[0]) / 3.0)).abs() < 0.5);
    assert!((seal[2] - seal[0] - SEAL_POINTS).abs() < 0.5);

    let copy = post(
        "/v1/sign?key=agency&preset=copy&copy_kind=SAO%20L%E1%BB%A4C&agency=UBND%20t%E1%BB%89nh",
        &letter,
    );
    assert_eq!(copy.status, 200, "{}", copy.text());
    let file = dir.path().join("copy.pdf");
    std::fs::write(&file, &copy.body).unwrap();
    let (code, report) = verify_json(&file);
    assert_eq!(code, 0, "{report:#}");
    placed(&report, 0);

    // Refusals: a bad value is 400; what cannot be drawn on this document is 422.
    post("/v1/sign?key=agency&preset=seal", &letter).assert_problem(400);
    post("/v1/sign?key=agency&rect=1,2,3", &letter).assert_problem(400);
    let p = post("/v1/sign?key=agency&preset=issue", &letter).assert_problem(422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .contains("no visible personal signature"),
        "{p}"
    );
    let p = post(
        "/v1/sign?key=agency&preset=approve&anchor=Tran%20Thi%20B",
        &letter,
    )
    .assert_problem(422);
    assert!(
        p["detail"].as_str().unwrap_or("").contains("Tran Thi B"),
        "{p}"
    );
}
