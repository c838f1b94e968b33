//! `kyso verify` reports where each PDF signature is shown: the `appearance` object of the JSON
//! report (`page`, `rect` relative to the page's CropBox, `visible`) and the human line
//! `appearance: visible on page N at x1,y1 – x2,y2` or `appearance: invisible`, for an
//! invisible signature, visible ones on pages 1 and 2, a signed field whose widget is Hidden,
//! the pyHanko-signed fixtures, and a document time-stamp. XML signatures carry no
//! `appearance` key.

mod common;

use std::path::{Path, PathBuf};

use common::services::{self, TSA_URL};
use common::*;
use kyso_pdf::{Dict, Document, IncrementalUpdate, Object, Stream};
use serde_json::json;

/// A 40×20 opaque dark-blue PNG (a seal's stamp).
fn stamp_png(dir: &Path) -> PathBuf {
    let (w, h) = (40u32, 20u32);
    let data: Vec<u8> = (0..w * h).flat_map(|_| [20u8, 30, 120]).collect();
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(png::ColorType::Rgb);
        e.set_depth(png::BitDepth::Eight);
        let mut writer = e.write_header().expect("PNG header");
        writer.write_image_data(&data).expect("PNG data");
    }
    let path = dir.join("stamp.png");
    std::fs::write(&path, out).expect("write the PNG");
    path
}

/// The human report of `kyso verify` on `file`.
fn verify_human(file: &Path) -> String {
    stdout(&run(kyso()
        .arg("verify")
        .arg(file)
        .arg("--trust")
        .arg(pki("root.pem"))))
}

/// The `appearance` lines of the human report, in signature order.
fn appearance_lines(file: &Path) -> Vec<String> {
    verify_human(file)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("appearance: ").map(str::to_string))
        .collect()
}

/// The `appearance` objects of the JSON report, in signature order.
fn appearances(file: &Path) -> Vec<serde_json::Value> {
    let (_, r) = verify_json(file);
    r["signatures"]
        .as_array()
        .unwrap_or_else(|| panic!("no signatures: {r:#}"))
        .iter()
        .map(|s| s["appearance"].clone())
        .collect()
}

#[test]
fn invisible_and_visible_signatures_on_pages_one_and_two() {
    let dir = tempdir();
    let png = stamp_png(dir.path());
    let png = png.display().to_string();
    // An invisible certification, then a visible seal on page 1, then one on page 2.
    let invisible = dir.path().join("invisible.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &invisible,
        "personal.p12",
        &["--certify"],
    );
    let page1 = dir.path().join("page1.pdf");
    sign(
        &invisible,
        &page1,
        "agency.p12",
        &["--image", &png, "--rect", "350,120,500,180"],
    );
    let page2 = dir.path().join("page2.pdf");
    sign(
        &page1,
        &page2,
        "agency.p12",
        &[
            "--image",
            &png,
            "--page",
            "2",
            "--rect",
            "72.5,600.25,252,690.125",
        ],
    );
    let (code, r) = verify_json(&page2);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(
        appearances(&page2),
        [
            json!({"page": 1, "rect": [0, 0, 0, 0], "visible": false}),
            json!({"page": 1, "rect": [350, 120, 500, 180], "visible": true}),
            // Rounded to 1/100 point.
            json!({"page": 2, "rect": [72.5, 600.25, 252, 690.13], "visible": true}),
        ],
        "{r:#}"
    );
    assert_eq!(
        appearance_lines(&page2),
        [
            "invisible",
            "visible on page 1 at 350,120 – 500,180",
            "visible on page 2 at 72.5,600.25 – 252,690.13",
        ]
    );
    // The key follows `coverage` in the printed object.
    let o = run(kyso()
        .arg("verify")
        .arg(&invisible)
        .arg("--trust")
        .arg(pki("root.pem"))
        .arg("--json"));
    assert!(
        stdout(&o).contains(
            r#""coverage":"whole_revision","appearance":{"page":1,"rect":[0,0,0,0],"visible":false},"modified_after""#
        ),
        "{}",
        stdout(&o)
    );
}

/// A letter with an empty signature field `An` whose widget (150×60 pt on page 1, drawing a
/// filled rectangle) carries the Hidden flag.
fn letter_with_hidden_field(dir: &Path) -> PathBuf {
    let plain = std::fs::read(pdf("letter-classic.pdf")).expect("letter");
    let doc = Document::open(&plain).expect("open");
    let (root, mut catalog) = doc.catalog().expect("catalog");
    let page = doc.pages().expect("pages")[0];
    let mut up = IncrementalUpdate::new(&doc);
    let mut form = Dict::new();
    form.set(b"Type", Object::name("XObject"));
    form.set(b"Subtype", Object::name("Form"));
    form.set(
        b"BBox",
        Object::Array([0, 0, 150, 60].map(Object::Int).to_vec()),
    );
    let ap_n = up.add(Object::Stream(Stream {
        dict: form,
        data: b"0 0 1 rg 0 0 150 60 re f".to_vec(),
    }));
    let mut ap = Dict::new();
    ap.set(b"N", Object::Ref(ap_n));
    let mut w = Dict::new();
    w.set(b"Type", Object::name("Annot"));
    w.set(b"Subtype", Object::name("Widget"));
    w.set(b"FT", Object::name("Sig"));
    w.set(b"T", Object::text("An"));
    // Print (4) and Hidden (2).
    w.set(b"F", Object::Int(6));
    w.set(
        b"Rect",
        Object::Array([100, 100, 250, 160].map(Object::Int).to_vec()),
    );
    w.set(b"P", Object::Ref(page));
    w.set(b"AP", Object::Dict(ap));
    let w = up.add(Object::Dict(w));
    let mut acro = Dict::new();
    acro.set(b"Fields", Object::Array(vec![Object::Ref(w)]));
    catalog.set(b"AcroForm", Object::Dict(acro));
    up.set(root, Object::Dict(catalog));
    let mut page_dict = doc
        .get(page)
        .expect("page")
        .as_dict()
        .cloned()
        .expect("dict");
    page_dict.set(b"Annots", Object::Array(vec![Object::Ref(w)]));
    up.set(page, Object::Dict(page_dict));
    let path = dir.join("hidden-field.pdf");
    std::fs::write(&path, up.write().expect("write").bytes).expect("write");
    path
}

#[test]
fn a_signed_field_whose_widget_is_hidden_is_invisible() {
    let dir = tempdir();
    let signed = dir.path().join("signed.pdf");
    sign(
        &letter_with_hidden_field(dir.path()),
        &signed,
        "agency.p12",
        &["--field", "An"],
    );
    let (code, r) = verify_json(&signed);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["signatures"][0]["field"], "An", "{r:#}");
    assert_eq!(
        appearances(&signed),
        [json!({"page": 1, "rect": [100, 100, 250, 160], "visible": false})],
        "{r:#}"
    );
    assert_eq!(appearance_lines(&signed), ["invisible"]);
}

#[test]
fn the_pyhanko_signed_fixtures() {
    let invisible = pdf("letter-signed-pyhanko.pdf");
    assert_eq!(
        appearances(&invisible),
        [json!({"page": 1, "rect": [0, 0, 0, 0], "visible": false})]
    );
    assert_eq!(appearance_lines(&invisible), ["invisible"]);
    let visible = pdf("letter-signed-pyhanko-pades.pdf");
    assert_eq!(
        appearances(&visible),
        [json!({"page": 1, "rect": [345, 340, 515, 415], "visible": true})]
    );
    assert_eq!(
        appearance_lines(&visible),
        ["visible on page 1 at 345,340 – 515,415"]
    );
}

#[test]
fn xml_signatures_have_no_appearance() {
    let dir = tempdir();
    let signed = dir.path().join("signed.xml");
    sign(&xml("invoice.xml"), &signed, "agency.p12", &[]);
    let (_, r) = verify_xml_json(&signed);
    let sig = r["signatures"][0].as_object().expect("a signature");
    assert!(sig.get("field").is_some(), "{r:#}");
    assert!(!sig.contains_key("appearance"), "{r:#}");
    assert!(appearance_lines(&signed).is_empty());
}

#[test]
fn a_document_time_stamp_is_invisible() {
    let _services = services::start();
    let dir = tempdir();
    let signed = dir.path().join("signed.pdf");
    sign(&pdf("letter-classic.pdf"), &signed, "agency.p12", &[]);
    let stamped = dir.path().join("stamped.pdf");
    let o = run(kyso()
        .arg("timestamp")
        .arg(&signed)
        .arg("-o")
        .arg(&stamped)
        .args(["--tsa", TSA_URL]));
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, r) = verify_json(&stamped);
    assert_eq!(r["signatures"][1]["kind"], "timestamp", "{r:#}");
    assert_eq!(
        appearances(&stamped),
        [
            json!({"page": 1, "rect": [0, 0, 0, 0], "visible": false}),
            json!({"page": 1, "rect": [0, 0, 0, 0], "visible": false}),
        ],
        "{r:#}"
    );
    assert_eq!(appearance_lines(&stamped), ["invisible", "invisible"]);
}
