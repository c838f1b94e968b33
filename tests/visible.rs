//! Visible signatures (`kyso sign --rect X1,Y1,X2,Y2 [--page N] [--image PNG]`): the picture
//! drawn where asked, the personal certification and the agency seal both visible and both
//! valid, and clear refusals (exit 2, no output) for what cannot be drawn.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A 200×80 RGBA PNG: a red wave on a transparent background (a handwritten signature).
fn signature_png(dir: &Path) -> PathBuf {
    let (w, h) = (200u32, 80u32);
    let mut data = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let wave = 40.0 + 25.0 * (f64::from(x) / 15.0).sin();
            if (f64::from(y) - wave).abs() < 4.0 {
                data.extend_from_slice(&[200, 0, 0, 255]);
            } else {
                data.extend_from_slice(&[255, 255, 255, 0]);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(png::ColorType::Rgba);
        e.set_depth(png::BitDepth::Eight);
        let mut writer = e.write_header().expect("PNG header");
        writer.write_image_data(&data).expect("PNG data");
    }
    let path = dir.join("chu-ky.png");
    std::fs::write(&path, out).expect("write the PNG");
    path
}

fn image_arg(p: &Path) -> String {
    p.display().to_string()
}

/// The personal signature certifies with its picture above the name; the agency seal, added
/// later in a new visible field, keeps it valid; both pass.
#[test]
fn personal_then_agency_both_visible_both_valid() {
    let dir = tempdir();
    let png = signature_png(dir.path());
    let approved = dir.path().join("approved.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &approved,
        "personal.p12",
        &[
            "--certify",
            "--image",
            &image_arg(&png),
            "--rect",
            "350,120,500,180",
        ],
    );
    let issued = dir.path().join("issued.pdf");
    sign(
        &approved,
        &issued,
        "agency.p12",
        &[
            "--image",
            &image_arg(&png),
            "--page",
            "1",
            "--rect",
            "300,100,420,170",
        ],
    );
    let (code, r) = verify_json(&issued);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["status"], "passed", "{r:#}");
    assert_eq!(r["signatures"][0]["certification"], 2, "{r:#}");
    assert!(
        r["signatures"][0]["allowed_changes"]
            .to_string()
            .contains("added and signed in one revision, with a visible appearance"),
        "{r:#}"
    );
    // The widgets: where asked, printable, with an appearance drawing the image (soft mask
    // for its transparency).
    let bytes = std::fs::read(&issued).expect("read");
    let doc = kyso_pdf::Document::open(&bytes).expect("parse");
    let sigs = kyso_pdf::find_signatures(&doc).expect("signatures");
    assert_eq!(sigs.len(), 2);
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("/Rect [350 120 500 180]") || text.contains("/Rect[350 120 500 180]"),
        "rect of the first"
    );
    assert!(text.contains("/SMask"), "transparency kept");
    assert_eq!(
        text.matches("/Subtype /Image").count() + text.matches("/Subtype/Image").count(),
        4
    );
}

/// What cannot be drawn is refused before anything is written: exit 2, no output.
#[test]
fn what_cannot_be_drawn_is_refused() {
    let dir = tempdir();
    let png = signature_png(dir.path());
    let garbage = dir.path().join("not.png");
    std::fs::write(&garbage, b"GIF89a not a png").expect("write");
    let cases: [(&[&str], &str); 6] = [
        (&["--rect", "500,700,700,900"], "is not inside page 1"),
        (&["--rect", "10,10,10,50"], "has no area"),
        (
            &["--page", "9", "--rect", "10,10,100,50"],
            "page 9 does not exist",
        ),
        (&["--rect", "10,10,100"], "expected four numbers"),
        (
            &["--image", &image_arg(&garbage), "--rect", "10,10,100,50"],
            "not a readable PNG",
        ),
        (
            &[
                "--image",
                "/nonexistent/chu-ky.png",
                "--rect",
                "10,10,100,50",
            ],
            "cannot be read",
        ),
    ];
    for (i, (extra, expected)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out-{i}.pdf"));
        let o = try_sign(&pdf("letter-classic.pdf"), &out, "personal.p12", extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{extra:?}: {}", stderr(&o));
        assert!(!out.exists(), "{extra:?}: an output was written");
    }
    // A picture on an XML document is refused by name.
    let out = dir.path().join("x.xml");
    let o = try_sign(
        &xml("report.xml"),
        &out,
        "personal.p12",
        &["--image", &image_arg(&png), "--rect", "10,10,100,50"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--rect"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// Rendered by poppler (pdftoppm at 72 dpi: one pixel per point), the signed letter differs
/// from the unsigned one inside the rectangle and nowhere else; pdfsig calls both signatures
/// valid, and pyHanko validates a visible approval signature.
#[test]
#[ignore = "needs pdftoppm, pdfsig and pyHanko: run scripts/test.sh"]
fn peers_draw_and_accept_visible_signatures() {
    let dir = tempdir();
    let png = signature_png(dir.path());
    let signed = dir.path().join("signed.pdf");
    let rect = [350.0, 120.0, 500.0, 180.0];
    sign(
        &pdf("letter-classic.pdf"),
        &signed,
        "personal.p12",
        &["--image", &image_arg(&png), "--rect", "350,120,500,180"],
    );
    let render = |file: &Path, stem: &str| -> (usize, usize, Vec<u8>) {
        let prefix = dir.path().join(stem);
        let o = run(Command::new("pdftoppm")
            .args(["-r", "72", "-f", "1", "-l", "1", "-singlefile"])
            .arg(file)
            .arg(&prefix));
        assert!(o.status.success(), "pdftoppm: {}", stderr(&o));
        let ppm = std::fs::read(prefix.with_extension("ppm")).expect("ppm");
        // P6\n<w> <h>\n255\n<rgb>
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while ppm[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !ppm[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(String::from_utf8_lossy(&ppm[start..at]).into_owned());
        }
        let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        (w, h, ppm[at + 1..].to_vec())
    };
    let (w, h, before) = render(&pdf("letter-classic.pdf"), "before");
    let (w2, h2, after) = render(&signed, "after");
    assert_eq!((w, h), (w2, h2));
    let (mut inside, mut outside) = (0, 0);
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            if before[i..i + 3] != after[i..i + 3] {
                let (px, py) = (x as f64, (h - y) as f64);
                if px >= rect[0] - 1.0
                    && px <= rect[2] + 1.0
                    && py >= rect[1] - 1.0
                    && py <= rect[3] + 1.0
                {
                    inside += 1;
                } else {
                    outside += 1;
                }
            }
        }
    }
    assert!(
        inside > 200,
        "the picture is drawn in the rectangle ({inside} pixels changed)"
    );
    assert_eq!(outside, 0, "nothing changes outside the rectangle");
    // Red ink inside.
    let red = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let i = (y * w + x) * 3;
            after[i] > 150 && after[i + 1] < 80 && after[i + 2] < 80
        })
        .count();
    assert!(red > 100, "{red} red pixels");

    let sealed = dir.path().join("sealed.pdf");
    sign(
        &signed,
        &sealed,
        "agency.p12",
        &["--image", &image_arg(&png), "--rect", "300,100,420,170"],
    );
    let (ok, text) = pyhanko_validate(&sealed);
    assert!(ok && text.matches(":INTACT:TRUSTED").count() == 2, "{text}");
    let o = run(Command::new("pdfsig").arg(&sealed));
    let out = stdout(&o);
    assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
}

/// `--field NAME --image PNG` draws the picture in an existing empty signature field's own
/// rectangle: on the form letter certified (P=2) by the official, the agency signs the prepared
/// field `Approval` with its seal; both signatures pass, the change is the field being filled.
#[test]
fn an_existing_field_is_drawn_in_its_own_rectangle() {
    let dir = tempdir();
    let png = signature_png(dir.path());
    let plain = std::fs::read(pdf("letter-classic.pdf")).expect("letter");
    let form = dir.path().join("form.pdf");
    std::fs::write(
        &form,
        kyso_fixtures::attacks::form_letter(&plain).expect("form letter"),
    )
    .expect("write");
    let certified = dir.path().join("certified.pdf");
    sign(
        &form,
        &certified,
        "personal.p12",
        &["--certify", "--mdp", "2"],
    );
    let sealed = dir.path().join("sealed.pdf");
    sign(
        &certified,
        &sealed,
        "agency.p12",
        &["--field", "Approval", "--image", &image_arg(&png)],
    );
    let (code, r) = verify_json(&sealed);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["status"], "passed", "{r:#}");
    assert_eq!(r["signatures"][1]["field"], "Approval", "{r:#}");
    let bytes = std::fs::read(&sealed).expect("read");
    let tail = String::from_utf8_lossy(&bytes[std::fs::read(&certified).expect("read").len()..])
        .into_owned();
    assert!(tail.contains("/AP"), "the field got an appearance");
    assert!(tail.contains("/Subtype /Image") || tail.contains("/Subtype/Image"));

    // Neither --rect nor --field: refused before anything is written.
    let out = dir.path().join("nowhere.pdf");
    let o = try_sign(
        &pdf("letter-classic.pdf"),
        &out,
        "agency.p12",
        &["--image", &image_arg(&png)],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("where should the signature be drawn"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}
