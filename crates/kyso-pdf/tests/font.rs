//! Embedded TrueType text end to end: a one-page PDF built by hand with Vietnamese lines in the
//! built-in Liberation Serif, read back by kyso's own reader and, where poppler-utils and qpdf
//! are installed (scripts/test.sh installs them), by `pdftotext`, `pdffonts`, `qpdf --check`
//! and `pdftoppm`.

use std::path::{Path, PathBuf};
use std::process::Command;

use kyso_pdf::{Dict, Document, Font, ObjRef, Object, Stream, TextEncoder, write_object};
use unicode_normalization::UnicodeNormalization;

/// The lines of the test page: (text as drawn, baseline y). Some are given decomposed (NFD) on
/// purpose; every line must come back as its NFC form.
fn lines() -> Vec<(String, f64)> {
    vec![
        ("Nguyễn Văn An".nfc().collect(), 760.0),
        ("Nguyễn Văn An".nfd().collect(), 730.0),
        (
            "Thời gian ký: 2026-12-03T10:33:35+07:00".nfd().collect(),
            700.0,
        ),
        ("ĐẾN".nfd().collect(), 670.0),
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(), 640.0),
        ("Độc lập - Tự do - Hạnh phúc".into(), 610.0),
    ]
}

const SIZE: f64 = 14.0;
const X: f64 = 72.0;

/// A one-page A4 PDF with `lines()` in the built-in font, as `/F1`.
fn page_pdf() -> Vec<u8> {
    let font = Font::default_serif();
    let mut enc = TextEncoder::new(&font);
    let mut content = Vec::new();
    for (text, y) in lines() {
        content.extend_from_slice(format!("BT /F1 {SIZE} Tf {X} {y} Td ").as_bytes());
        content.extend_from_slice(&enc.encode(&text).unwrap());
        content.extend_from_slice(b" Tj ET\n");
    }
    let mut objects: Vec<Object> = Vec::new();
    let font_ref = enc
        .embed(&mut |o| {
            objects.push(o);
            ObjRef::new(objects.len() as u32, 0)
        })
        .unwrap();
    let n = objects.len() as u32;
    let (content_ref, page_ref, pages_ref, catalog_ref) = (
        ObjRef::new(n + 1, 0),
        ObjRef::new(n + 2, 0),
        ObjRef::new(n + 3, 0),
        ObjRef::new(n + 4, 0),
    );
    objects.push(Object::Stream(Stream {
        dict: Dict::new(),
        data: content,
    }));
    let mut fonts = Dict::new();
    fonts.set(b"F1", Object::Ref(font_ref));
    let mut resources = Dict::new();
    resources.set(b"Font", Object::Dict(fonts));
    let mut page = Dict::new();
    page.set(b"Type", Object::name("Page"));
    page.set(b"Parent", Object::Ref(pages_ref));
    page.set(
        b"MediaBox",
        Object::Array([0, 0, 595, 842].map(Object::Int).to_vec()),
    );
    page.set(b"Resources", Object::Dict(resources));
    page.set(b"Contents", Object::Ref(content_ref));
    objects.push(Object::Dict(page));
    let mut pages = Dict::new();
    pages.set(b"Type", Object::name("Pages"));
    pages.set(b"Kids", Object::Array(vec![Object::Ref(page_ref)]));
    pages.set(b"Count", Object::Int(1));
    objects.push(Object::Dict(pages));
    let mut catalog = Dict::new();
    catalog.set(b"Type", Object::name("Catalog"));
    catalog.set(b"Pages", Object::Ref(pages_ref));
    objects.push(Object::Dict(catalog));

    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        write_object(&mut out, o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root {catalog_ref} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A fresh file path under the system temp dir (removed on drop).
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        TempFile(std::env::temp_dir().join(format!(
            "kyso-pdf-font-{}-{nanos}-{name}",
            std::process::id()
        )))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn written() -> TempFile {
    let file = TempFile::new("page.pdf");
    std::fs::write(&file.0, page_pdf()).unwrap();
    file
}

fn tool(name: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name}: {e} (install poppler-utils and qpdf)"));
    assert!(
        out.status.success(),
        "{name} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn pdftotext(path: &Path) -> String {
    let out = tool(
        "pdftotext",
        &[
            "-enc".as_ref(),
            "UTF-8".as_ref(),
            path.as_os_str(),
            "-".as_ref(),
        ],
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn kyso_reads_the_page_and_its_font_back() {
    let pdf = page_pdf();
    assert_eq!(pdf, page_pdf(), "the same input gives the same bytes");
    let doc = Document::open(&pdf).unwrap();
    let pages = doc.pages().unwrap();
    assert_eq!(pages.len(), 1);
    let page = doc.get(pages[0]).unwrap();
    let resources = doc
        .resolve(page.as_dict().unwrap().get(b"Resources").unwrap())
        .unwrap();
    let fonts = resources.as_dict().unwrap().get(b"Font").unwrap().clone();
    let type0 = doc
        .resolve(fonts.as_dict().unwrap().get(b"F1").unwrap())
        .unwrap();
    let type0 = type0.as_dict().unwrap();
    assert_eq!(type0.name(b"Subtype"), Some(&b"Type0"[..]));
    let descendant = type0.get(b"DescendantFonts").unwrap().as_array().unwrap()[0].clone();
    let cid = doc.resolve(&descendant).unwrap();
    let descriptor = doc
        .resolve(cid.as_dict().unwrap().get(b"FontDescriptor").unwrap())
        .unwrap();
    let Object::Stream(file) = doc
        .resolve(descriptor.as_dict().unwrap().get(b"FontFile2").unwrap())
        .unwrap()
    else {
        panic!("FontFile2 is a stream")
    };
    let program = kyso_pdf::filter::decode(&file).unwrap();
    assert!(
        program.len() < 40_000,
        "a subset of the 393 576-byte font: {} bytes",
        program.len()
    );
}

#[test]
#[ignore = "needs poppler-utils and qpdf: run scripts/test.sh"]
fn pdftotext_gives_the_text_back_in_both_forms() {
    let file = written();
    let text = pdftotext(&file.0);
    let got: Vec<&str> = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{c}'))
        .filter(|l| !l.is_empty())
        .collect();
    let want: Vec<String> = lines()
        .into_iter()
        .map(|(t, _)| t.nfc().collect())
        .collect();
    assert_eq!(got, want);
}

#[test]
#[ignore = "needs poppler-utils and qpdf: run scripts/test.sh"]
fn pdffonts_lists_an_embedded_cid_truetype_subset_with_to_unicode() {
    let file = written();
    let out = tool("pdffonts", &[file.0.as_os_str()]);
    let listing = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert_eq!(rows.len(), 1, "{listing}");
    let row = rows[0];
    let name = row.split_whitespace().next().unwrap();
    assert!(
        name.len() == 6 + 1 + "LiberationSerif".len()
            && name.ends_with("+LiberationSerif")
            && name[..6].chars().all(|c| c.is_ascii_uppercase()),
        "{listing}"
    );
    assert!(row.contains(" CID TrueType "), "{listing}");
    assert!(row.contains(" Identity-H "), "{listing}");
    // emb sub uni
    let flags: Vec<&str> = row
        .split_whitespace()
        .filter(|w| *w == "yes" || *w == "no")
        .collect();
    assert_eq!(flags, ["yes", "yes", "yes"], "{listing}");
}

#[test]
#[ignore = "needs poppler-utils and qpdf: run scripts/test.sh"]
fn qpdf_check_is_clean() {
    let file = written();
    let out = tool("qpdf", &["--check".as_ref(), file.0.as_os_str()]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("No syntax or stream encoding errors found"),
        "{report}"
    );
    assert!(!report.to_lowercase().contains("warning"), "{report}");
}

/// Reads a binary PGM (P5, 8-bit) as (width, height, pixels).
fn read_pgm(data: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let start = pos;
        while !data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(std::str::from_utf8(&data[start..pos]).unwrap().to_owned());
    }
    assert_eq!(fields[0], "P5");
    assert_eq!(fields[3], "255");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = data[pos + 1..].to_vec();
    assert_eq!(pixels.len(), w * h);
    (w, h, pixels)
}

#[test]
#[ignore = "needs poppler-utils and qpdf: run scripts/test.sh"]
fn pdftoppm_draws_the_glyphs_where_the_text_is() {
    let file = written();
    let image = TempFile::new("page");
    tool(
        "pdftoppm",
        &[
            "-r".as_ref(),
            "72".as_ref(),
            "-gray".as_ref(),
            "-singlefile".as_ref(),
            file.0.as_os_str(),
            image.0.as_os_str(),
        ],
    );
    // -singlefile writes PREFIX.pgm.
    let mut name = image.0.clone().into_os_string();
    name.push(".pgm");
    let pgm = TempFile(name.into());
    let (w, h, pixels) = read_pgm(&std::fs::read(&pgm.0).unwrap());
    assert_eq!((w, h), (595, 842));
    // Pixels darker than `level` in a rectangle given in PDF points.
    let count = |level: u8, x0: f64, x1: f64, y0: f64, y1: f64| {
        // PDF y goes up from the bottom; image rows go down from the top.
        let rows = (842.0 - y1) as usize..(842.0 - y0) as usize;
        rows.flat_map(|r| (x0 as usize..x1 as usize).map(move |c| (r, c)))
            .filter(|(r, c)| pixels[r * w + c] < level)
            .count()
    };
    let dark_in = |x0, x1, y0, y1| count(128, x0, x1, y0, y1);
    let font = Font::default_serif();
    for (text, y) in lines() {
        let right = X + font.width(&text, SIZE);
        let dark = dark_in(X, right, y + font.descent(SIZE), y + font.ascent(SIZE));
        assert!(
            dark > 20 * text.chars().filter(|c| !c.is_whitespace()).count() / 4,
            "{text}: {dark} dark pixels"
        );
        // Nothing is drawn right of the line's computed width (a wrong /W would show here).
        assert_eq!(dark_in(right + 3.0, 595.0, y, y + 8.0), 0, "{text}");
    }
    // The stacked marks of "Ế" are drawn above the cap height, and nothing is above "An".
    let font_caps = |y: f64| (y + 0.70 * SIZE, y + font.ascent(SIZE) + 4.0);
    let (den, y) = lines()[3].clone();
    let (lo, hi) = font_caps(y);
    let e = X + font.width("Đ", SIZE);
    let marks = count(250, e, e + font.width("Ế", SIZE), lo, hi);
    assert!(marks > 3, "{den}: {marks} pixels above the cap height");
    let (name, y) = lines()[0].clone();
    let (lo, hi) = font_caps(y);
    let an = X + font.width("Nguyễn Văn ", SIZE);
    assert_eq!(count(250, an, X + font.width(&name, SIZE), lo, hi), 0);
    // Paper elsewhere stays white.
    assert_eq!(dark_in(0.0, 595.0, 0.0, 560.0), 0);
}

#[test]
#[ignore = "needs poppler-utils and qpdf: run scripts/test.sh"]
fn the_vietnamese_letter_fixture_reads_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pdf");
    for name in ["letter-vn.pdf", "letter-vn-form.pdf"] {
        let text = pdftotext(&root.join(name));
        for needle in [
            "Nguyễn Văn An",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "ỦY BAN NHÂN DÂN",
            "TỈNH BẮC NINH",
            "CHỦ TỊCH",
            "Nơi nhận:",
        ] {
            assert!(text.contains(needle), "{name}: no {needle:?} in\n{text}");
        }
        tool("qpdf", &["--check".as_ref(), root.join(name).as_os_str()]);
    }
}
