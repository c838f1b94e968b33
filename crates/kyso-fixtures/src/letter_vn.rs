//! `pdf/letter-vn.pdf` and `pdf/letter-vn-form.pdf`: a one-page official letter laid out as
//! Decree 30/2020/NĐ-CP asks (A4), with real Vietnamese text drawn in the built-in Liberation
//! Serif through `kyso_pdf::font` (an embedded Type0/CIDFontType2 subset with a ToUnicode map),
//! for the visible-signature tests: the number and the date are left blank for the seal to fill,
//! and the signer block has an empty gap of about 70 pt above the printed name.
//!
//! Every line is one `Tj` in its own `BT … ET`, so text extraction finds each line whole.
//! Headings are drawn "bold" by stroking the glyph outlines too (`2 Tr`), and the date line and
//! "Nơi nhận:" slanted (a skewed text matrix): the fixture embeds the regular face only.
//!
//! The form variant draws the same page, with two empty AcroForm text fields: `so` in the gap of
//! the number line, and `ngay` after "Bắc Ninh, " for the whole date ("ngày 03 tháng 12 năm
//! 2026"), whose line reads "Bắc Ninh," and the field instead.

use sha2::{Digest, Sha256};

use kyso_pdf::{Dict, Font, ObjRef, Object, Stream, TextEncoder, write_object};

use crate::{Error, OutFile, Result};

const CREATION_DATE: &str = "D:20261201090000+07'00'";
const PAGE_W: f64 = 595.0;
const PAGE_H: f64 = 842.0;
/// Centres of the two header columns, and of the signer block.
const LEFT_X: f64 = 150.0;
const RIGHT_X: f64 = 400.0;
const SIGNER_X: f64 = 420.0;
/// Left margin of the body and of "Nơi nhận:".
const MARGIN: f64 = 70.0;

/// The number line: "Số:", twelve spaces of room, then the register's suffix.
const NUMBER_LINE: &str = "Số:            /UBND-VP";
const NUMBER_Y: f64 = 734.0;
const NUMBER_SIZE: f64 = 13.0;
/// The date line, with six spaces of room for the day and for the month.
const DATE_LINE: &str = "Bắc Ninh, ngày      tháng      năm 2026";
const DATE_PREFIX: &str = "Bắc Ninh, ";
const DATE_Y: f64 = 734.0;
const DATE_SIZE: f64 = 13.0;
/// Width of the `ngay` field (room for "ngày 03 tháng 12 năm 2026" at 13 pt).
const DATE_FIELD_W: f64 = 165.0;
/// Signer block: the two title lines, and the printed name below the gap.
const SIGNER_TITLE_Y: f64 = 430.0;
const SIGNER_ROLE_Y: f64 = 415.0;
const SIGNER_NAME_Y: f64 = 330.0;
const SIGNER_SIZE: f64 = 13.0;

const BODY_SIZE: f64 = 13.0;
const BODY_TOP: f64 = 628.0;
const BODY_LEADING: f64 = 19.0;
/// Body lines: (indent from the margin, text).
const BODY: &[(f64, &str)] = &[
    (
        30.0,
        "Thực hiện Luật Giao dịch điện tử số 20/2023/QH15 và Nghị định số",
    ),
    (
        0.0,
        "30/2020/NĐ-CP về công tác văn thư, Ủy ban nhân dân tỉnh Bắc Ninh đề nghị",
    ),
    (0.0, "các cơ quan, đơn vị:"),
    (
        30.0,
        "1. Sử dụng chữ ký số chuyên dùng công vụ cho tất cả văn bản đi;",
    ),
    (
        30.0,
        "2. Kiểm tra chữ ký số trên văn bản đến trước khi xử lý;",
    ),
    (
        30.0,
        "3. Lưu trữ văn bản điện tử kèm chữ ký số theo quy định hiện hành.",
    ),
    (
        30.0,
        "Trong quá trình thực hiện, nếu có vướng mắc, đề nghị liên hệ Văn phòng",
    ),
    (
        0.0,
        "UBND tỉnh (điện thoại 0222 3822 000) để được hướng dẫn./.",
    ),
];

/// Where the blanks of the letter are, in PDF points (x1, y1, x2, y2 from the bottom left of
/// the A4 page). Both files share them, except `date_field`, which is the form's only.
#[derive(Debug, Clone, PartialEq)]
pub struct Places {
    /// The room for the document number, between "Số:" and "/UBND-VP" (the `so` field).
    pub number: [f64; 4],
    /// The room for the day, between "ngày" and "tháng".
    pub day: [f64; 4],
    /// The room for the month, between "tháng" and "năm 2026".
    pub month: [f64; 4],
    /// The form's `ngay` field, after "Bắc Ninh, ".
    pub date_field: [f64; 4],
    /// The form's `so` field, after "Số:" (the form prints no "/UBND-VP": the field holds the
    /// whole number).
    pub number_field: [f64; 4],
    /// The empty gap of the signer block, between "CHỦ TỊCH" and "Nguyễn Văn An".
    pub signature: [f64; 4],
}

/// The places of the blanks (computed from the font's advances, like the page itself).
pub fn places() -> Places {
    let font = Font::default_serif();
    let line_box = |x1: f64, x2: f64, y: f64, size: f64| {
        [
            round2(x1),
            round2(y + font.descent(size) - 1.0),
            round2(x2),
            round2(y + font.ascent(size) + 1.0),
        ]
    };
    let gap = |line: &str, before: &str, blank: &str, cx: f64, y: f64, size: f64| {
        let x0 = cx - font.width(line, size) / 2.0;
        let start = x0 + font.width(before, size);
        line_box(start, start + font.width(blank, size), y, size)
    };
    let date_x = RIGHT_X - font.width(DATE_LINE, DATE_SIZE) / 2.0;
    let field_x = date_x + font.width(DATE_PREFIX, DATE_SIZE);
    let role_bottom = SIGNER_ROLE_Y + font.descent(SIGNER_SIZE);
    let name_top = SIGNER_NAME_Y + font.ascent(SIGNER_SIZE);
    Places {
        number: gap(
            NUMBER_LINE,
            "Số:",
            "            ",
            LEFT_X,
            NUMBER_Y,
            NUMBER_SIZE,
        ),
        day: gap(
            DATE_LINE,
            "Bắc Ninh, ngày",
            "      ",
            RIGHT_X,
            DATE_Y,
            DATE_SIZE,
        ),
        month: gap(
            DATE_LINE,
            "Bắc Ninh, ngày      tháng",
            "      ",
            RIGHT_X,
            DATE_Y,
            DATE_SIZE,
        ),
        date_field: line_box(field_x, field_x + DATE_FIELD_W, DATE_Y, DATE_SIZE),
        number_field: {
            let x0 = LEFT_X - font.width(NUMBER_LINE, NUMBER_SIZE) / 2.0;
            let start = x0 + font.width("Số: ", NUMBER_SIZE);
            line_box(start, start + 110.0, NUMBER_Y, NUMBER_SIZE)
        },
        signature: [
            round2(SIGNER_X - 85.0),
            round2(name_top),
            round2(SIGNER_X + 85.0),
            round2(role_bottom),
        ],
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn pdf_err(e: impl std::fmt::Display) -> Error {
    Error::Pdf(e.to_string())
}

/// How a line is drawn.
#[derive(Clone, Copy, PartialEq)]
enum Style {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

/// The page content: lines of text in one font, and rules.
struct Page {
    font: Font,
    enc: TextEncoder,
    ops: Vec<u8>,
}

impl Page {
    fn new() -> Page {
        let font = Font::default_serif();
        Page {
            enc: TextEncoder::new(&font),
            font,
            ops: b"0 g 0 G\n".to_vec(),
        }
    }

    fn text(&mut self, style: Style, size: f64, x: f64, y: f64, text: &str) -> Result<()> {
        let (mode, skew) = match style {
            Style::Regular => ("0 Tr", 0.0),
            Style::Bold => ("2 Tr 0.35 w", 0.0),
            Style::Italic => ("0 Tr", 0.2),
            Style::BoldItalic => ("2 Tr 0.35 w", 0.2),
        };
        let codes = self.enc.encode(text).map_err(pdf_err)?;
        self.ops.extend_from_slice(
            format!("BT /F1 {size} Tf {mode} 1 0 {skew} 1 {x:.2} {y:.2} Tm ").as_bytes(),
        );
        self.ops.extend_from_slice(&codes);
        self.ops.extend_from_slice(b" Tj ET\n");
        Ok(())
    }

    fn centered(&mut self, style: Style, size: f64, cx: f64, y: f64, text: &str) -> Result<()> {
        let x = cx - self.font.width(text, size) / 2.0;
        self.text(style, size, x, y, text)
    }

    fn rule(&mut self, x1: f64, x2: f64, y: f64) {
        self.ops
            .extend_from_slice(format!("0.6 w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S\n").as_bytes());
    }
}

/// Draws the letter; `form` leaves out the date (the `ngay` field shows it).
fn draw(form: bool) -> Result<Page> {
    use Style::*;
    let mut p = Page::new();
    // Decree 30/2020 margins: 20 mm at the top, so the first baseline is at 776.
    p.centered(Regular, 12.0, LEFT_X, 776.0, "ỦY BAN NHÂN DÂN")?;
    p.centered(Bold, 12.0, LEFT_X, 761.0, "TỈNH BẮC NINH")?;
    p.rule(LEFT_X - 30.0, LEFT_X + 30.0, 754.0);
    p.centered(
        Bold,
        12.0,
        RIGHT_X,
        776.0,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    )?;
    let motto = "Độc lập - Tự do - Hạnh phúc";
    p.centered(Bold, 13.0, RIGHT_X, 761.0, motto)?;
    let half = p.font.width(motto, 13.0) / 2.0;
    p.rule(RIGHT_X - half, RIGHT_X + half, 754.0);

    if form {
        // The `so` field holds the whole number ("123/UBND-VP").
        let x = LEFT_X - p.font.width(NUMBER_LINE, NUMBER_SIZE) / 2.0;
        p.text(Regular, NUMBER_SIZE, x, NUMBER_Y, "Số:")?;
    } else {
        p.centered(Regular, NUMBER_SIZE, LEFT_X, NUMBER_Y, NUMBER_LINE)?;
    }
    p.centered(Regular, 11.0, LEFT_X, 719.0, "V/v triển khai chữ ký số")?;
    if form {
        let x = RIGHT_X - p.font.width(DATE_LINE, DATE_SIZE) / 2.0;
        p.text(Italic, DATE_SIZE, x, DATE_Y, DATE_PREFIX.trim_end())?;
    } else {
        p.centered(Italic, DATE_SIZE, RIGHT_X, DATE_Y, DATE_LINE)?;
    }

    p.centered(Bold, 14.0, PAGE_W / 2.0, 700.0, "THÔNG BÁO")?;
    p.centered(
        Bold,
        13.0,
        PAGE_W / 2.0,
        683.0,
        "Về việc sử dụng chữ ký số trên văn bản điện tử",
    )?;
    p.centered(
        Regular,
        13.0,
        PAGE_W / 2.0,
        655.0,
        "Kính gửi: Các cơ quan, đơn vị trực thuộc Ủy ban nhân dân tỉnh",
    )?;
    for (i, (indent, line)) in BODY.iter().enumerate() {
        let y = BODY_TOP - BODY_LEADING * i as f64;
        p.text(Regular, BODY_SIZE, MARGIN + indent, y, line)?;
    }

    p.text(BoldItalic, 12.0, MARGIN, SIGNER_TITLE_Y, "Nơi nhận:")?;
    p.text(Regular, 11.0, MARGIN, 416.0, "- Như trên;")?;
    p.text(
        Regular,
        11.0,
        MARGIN,
        403.0,
        "- Chủ tịch, các PCT UBND tỉnh;",
    )?;
    p.text(Regular, 11.0, MARGIN, 390.0, "- Lưu: VT, VP.")?;
    p.centered(
        Bold,
        SIGNER_SIZE,
        SIGNER_X,
        SIGNER_TITLE_Y,
        "TM. ỦY BAN NHÂN DÂN",
    )?;
    p.centered(Bold, SIGNER_SIZE, SIGNER_X, SIGNER_ROLE_Y, "CHỦ TỊCH")?;
    p.centered(Bold, SIGNER_SIZE, SIGNER_X, SIGNER_NAME_Y, "Nguyễn Văn An")?;
    Ok(p)
}

/// Objects numbered from 1 in the order they are added.
#[derive(Default)]
struct Objects(Vec<Object>);

impl Objects {
    fn add(&mut self, o: Object) -> ObjRef {
        self.0.push(o);
        ObjRef::new(self.0.len() as u32, 0)
    }

    /// A number for an object added later with [`Objects::set`].
    fn reserve(&mut self) -> ObjRef {
        self.add(Object::Null)
    }

    fn set(&mut self, r: ObjRef, o: Object) {
        if let Some(slot) = self.0.get_mut((r.num as usize).wrapping_sub(1)) {
            *slot = o;
        }
    }

    /// The file: header, objects, classic cross-reference table, trailer.
    fn write(&self, root: ObjRef, info: ObjRef, id: &[u8]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::with_capacity(self.0.len());
        for (i, o) in self.0.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            write_object(&mut out, o);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        let size = self.0.len() + 1;
        out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f\r\n").as_bytes());
        for off in offsets {
            out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
        }
        let mut trailer = Dict::new();
        trailer.set(b"Size", Object::Int(size as i64));
        trailer.set(b"Root", Object::Ref(root));
        trailer.set(b"Info", Object::Ref(info));
        trailer.set(
            b"ID",
            Object::Array(vec![Object::string(id), Object::string(id)]),
        );
        out.extend_from_slice(b"trailer\n");
        write_object(&mut out, &Object::Dict(trailer));
        out.extend_from_slice(format!("\nstartxref\n{xref}\n%%EOF\n").as_bytes());
        out
    }
}

fn name_dict(entries: &[(&[u8], Object)]) -> Dict {
    let mut d = Dict::new();
    for (k, v) in entries {
        d.set(k, v.clone());
    }
    d
}

fn rect(r: [f64; 4]) -> Object {
    Object::Array(r.iter().map(|v| Object::Real(*v)).collect())
}

/// An empty text field (field and widget in one dictionary) with an empty appearance.
fn text_field(objects: &mut Objects, page: ObjRef, name: &str, label: &str, r: [f64; 4]) -> ObjRef {
    let [x1, y1, x2, y2] = r;
    let bbox = [0.0, 0.0, round2(x2 - x1), round2(y2 - y1)];
    let appearance = objects.add(Object::Stream(Stream {
        dict: name_dict(&[
            (b"Type", Object::name("XObject")),
            (b"Subtype", Object::name("Form")),
            (b"BBox", rect(bbox)),
            (b"Resources", Object::Dict(Dict::new())),
        ]),
        data: b"/Tx BMC\nEMC\n".to_vec(),
    }));
    let mut ap = Dict::new();
    ap.set(b"N", Object::Ref(appearance));
    objects.add(Object::Dict(name_dict(&[
        (b"Type", Object::name("Annot")),
        (b"Subtype", Object::name("Widget")),
        (b"FT", Object::name("Tx")),
        (b"T", Object::string(name.as_bytes())),
        (b"TU", Object::text(label)),
        (b"DA", Object::string(b"/Helv 13 Tf 0 g")),
        (b"F", Object::Int(4)),
        (b"P", Object::Ref(page)),
        (b"Rect", rect(r)),
        (b"MK", Object::Dict(Dict::new())),
        (b"AP", Object::Dict(ap)),
    ])))
}

fn letter(form: bool) -> Result<Vec<u8>> {
    let file = if form { "letter-vn-form" } else { "letter-vn" };
    let page_content = draw(form)?;
    let mut objects = Objects::default();
    let catalog = objects.reserve();
    let pages = objects.reserve();
    let page = objects.reserve();
    let font = page_content
        .enc
        .embed(&mut |o| objects.add(o))
        .map_err(pdf_err)?;
    let content = objects.add(Object::Stream(Stream {
        dict: name_dict(&[(b"Filter", Object::name("FlateDecode"))]),
        data: kyso_pdf::filter::deflate(&page_content.ops),
    }));

    let mut page_dict = name_dict(&[
        (b"Type", Object::name("Page")),
        (b"Parent", Object::Ref(pages)),
        (b"MediaBox", rect([0.0, 0.0, PAGE_W, PAGE_H])),
        (
            b"Resources",
            Object::Dict(name_dict(&[(
                b"Font",
                Object::Dict(name_dict(&[(b"F1", Object::Ref(font))])),
            )])),
        ),
        (b"Contents", Object::Ref(content)),
    ]);
    let mut catalog_dict = name_dict(&[
        (b"Type", Object::name("Catalog")),
        (b"Pages", Object::Ref(pages)),
        (b"Lang", Object::string(b"vi-VN")),
    ]);
    if form {
        let places = places();
        let so = text_field(&mut objects, page, "so", "Số văn bản", places.number_field);
        let ngay = text_field(
            &mut objects,
            page,
            "ngay",
            "Ngày ban hành",
            places.date_field,
        );
        let helv = objects.add(Object::Dict(name_dict(&[
            (b"Type", Object::name("Font")),
            (b"Subtype", Object::name("Type1")),
            (b"BaseFont", Object::name("Helvetica")),
            (b"Encoding", Object::name("WinAnsiEncoding")),
        ])));
        let acroform = name_dict(&[
            (
                b"Fields",
                Object::Array(vec![Object::Ref(so), Object::Ref(ngay)]),
            ),
            (b"DA", Object::string(b"/Helv 0 Tf 0 g")),
            (
                b"DR",
                Object::Dict(name_dict(&[(
                    b"Font",
                    Object::Dict(name_dict(&[(b"Helv", Object::Ref(helv))])),
                )])),
            ),
        ]);
        let acroform = objects.add(Object::Dict(acroform));
        catalog_dict.set(b"AcroForm", Object::Ref(acroform));
        page_dict.set(
            b"Annots",
            Object::Array(vec![Object::Ref(so), Object::Ref(ngay)]),
        );
    }
    objects.set(page, Object::Dict(page_dict));
    objects.set(
        pages,
        Object::Dict(name_dict(&[
            (b"Type", Object::name("Pages")),
            (b"Kids", Object::Array(vec![Object::Ref(page)])),
            (b"Count", Object::Int(1)),
        ])),
    );
    objects.set(catalog, Object::Dict(catalog_dict));
    let info = objects.add(Object::Dict(name_dict(&[
        (
            b"Title",
            Object::text("Thông báo về việc sử dụng chữ ký số trên văn bản điện tử"),
        ),
        (b"Author", Object::text("Ủy ban nhân dân tỉnh Bắc Ninh")),
        (b"Subject", Object::string(b"kyso test fixture")),
        (b"Creator", Object::string(b"kyso-fixtures")),
        (b"Producer", Object::string(b"kyso-fixtures")),
        (b"CreationDate", Object::string(CREATION_DATE.as_bytes())),
        (b"ModDate", Object::string(CREATION_DATE.as_bytes())),
    ])));
    let id = Sha256::digest(format!("kyso-fixtures/pdf/{file}").as_bytes());
    Ok(objects.write(catalog, info, id.get(..16).unwrap_or(&id)))
}

pub(crate) fn generate() -> Result<Vec<OutFile>> {
    Ok(vec![
        OutFile::new("pdf/letter-vn.pdf", letter(false)?),
        OutFile::new("pdf/letter-vn-form.pdf", letter(true)?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_fits_its_column() {
        let font = Font::default_serif();
        for (indent, line) in BODY {
            let right = MARGIN + indent + font.width(line, BODY_SIZE);
            assert!(right <= PAGE_W - 43.0, "{line}: ends at {right}");
        }
        let motto_half = font.width("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12.0) / 2.0;
        assert!(RIGHT_X + motto_half <= PAGE_W - 43.0);
        assert!(RIGHT_X - motto_half > LEFT_X + font.width("ỦY BAN NHÂN DÂN", 12.0) / 2.0);
        let date_half = font.width(DATE_LINE, DATE_SIZE) / 2.0;
        assert!(RIGHT_X + date_half <= PAGE_W - 43.0);
        let p = places();
        assert!(p.date_field[2] <= PAGE_W - 30.0, "{:?}", p.date_field);
        assert!(
            font.width("ngày 03 tháng 12 năm 2026", DATE_SIZE) < DATE_FIELD_W - 4.0,
            "the date fits its field"
        );
    }

    #[test]
    fn the_blanks_are_where_the_spaces_are() {
        let p = places();
        let font = Font::default_serif();
        // The number's room holds "1234" (the form's field a whole "123/UBND-VP"); day and
        // month hold two digits.
        assert!(p.number[2] - p.number[0] > font.width("1234", NUMBER_SIZE));
        assert!(
            p.number_field[2] - p.number_field[0] > font.width("123/UBND-VP", NUMBER_SIZE) + 4.0
        );
        assert!(p.day[2] - p.day[0] > font.width("03", DATE_SIZE) + 4.0);
        assert!(p.month[2] - p.month[0] > font.width("12", DATE_SIZE) + 4.0);
        assert!(p.day[2] < p.month[0]);
        // The signer's gap is about 70 pt high.
        let gap = p.signature[3] - p.signature[1];
        assert!((68.0..=75.0).contains(&gap), "{gap}");
    }

    #[test]
    fn the_letters_are_deterministic_and_parse() -> Result<()> {
        for form in [false, true] {
            let a = letter(form)?;
            assert_eq!(a, letter(form)?);
            let doc = kyso_pdf::Document::open(&a).map_err(pdf_err)?;
            assert_eq!(doc.pages().map_err(pdf_err)?.len(), 1);
            let (_, catalog) = doc.catalog().map_err(pdf_err)?;
            assert_eq!(catalog.get(b"AcroForm").is_some(), form);
        }
        Ok(())
    }
}
