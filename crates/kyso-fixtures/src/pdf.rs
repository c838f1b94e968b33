//! Hand-written sample PDFs: a short Vietnamese "official letter" (ASCII
//! transliteration, standard Helvetica fonts, A4) in several structural
//! variants that a PDF signer has to cope with.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use sha2::{Digest, Sha256};

use crate::{Error, OutFile, Report, Result};

const PRODUCER: &str = "kyso-fixtures";
const CREATION_DATE: &str = "D:20250315090000+07'00'";
const A4: &str = "[0 0 595 842]";

fn pdf_err(e: impl std::fmt::Display) -> Error {
    Error::Pdf(e.to_string())
}

fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::best());
    enc.write_all(data).map_err(pdf_err)?;
    enc.finish().map_err(pdf_err)
}

/// A fixed 16-byte file identifier, as upper-case hex.
fn file_id(file: &str, label: &str) -> String {
    let digest = Sha256::digest(format!("kyso-fixtures/pdf/{file}/{label}").as_bytes());
    digest[..16].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// Escapes a PDF literal string (ASCII input).
fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('(');
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push(')');
    out
}

/// Incremental PDF byte writer that records object offsets.
struct Writer {
    buf: Vec<u8>,
    /// Objects written since the last cross-reference section.
    pending: BTreeMap<u32, usize>,
}

impl Writer {
    fn new(version: &str) -> Self {
        let mut buf = format!("%PDF-{version}\n").into_bytes();
        // Binary comment so transfer tools treat the file as binary.
        buf.extend_from_slice(b"%\xE2\xE3\xCF\xD3\n");
        Writer {
            buf,
            pending: BTreeMap::new(),
        }
    }

    fn obj(&mut self, num: u32, body: &str) {
        self.pending.insert(num, self.buf.len());
        self.buf
            .extend_from_slice(format!("{num} 0 obj\n{body}\nendobj\n").as_bytes());
    }

    /// Writes a stream object; `dict` holds the entries other than /Length
    /// and /Filter. The data is Flate-compressed.
    fn stream(&mut self, num: u32, dict: &str, data: &[u8]) -> Result<()> {
        let compressed = deflate(data)?;
        let sep = if dict.is_empty() { "" } else { " " };
        self.raw_stream(
            num,
            &format!("{dict}{sep}/Filter /FlateDecode"),
            &compressed,
        );
        Ok(())
    }

    /// Writes a stream object whose data is already encoded.
    fn raw_stream(&mut self, num: u32, dict: &str, data: &[u8]) {
        self.pending.insert(num, self.buf.len());
        self.buf.extend_from_slice(
            format!("{num} 0 obj\n<< {dict} /Length {} >>\nstream\n", data.len()).as_bytes(),
        );
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\nendstream\nendobj\n");
    }

    /// Writes a classic cross-reference section for the pending objects
    /// (plus the free-list head, entry 0) and returns its offset.
    fn xref_table(&mut self) -> usize {
        let start = self.buf.len();
        let mut entries: Vec<(u32, Option<usize>)> = vec![(0, None)];
        entries.extend(self.pending.iter().map(|(n, off)| (*n, Some(*off))));
        self.pending.clear();

        let mut out = String::from("xref\n");
        let mut i = 0;
        while i < entries.len() {
            // Contiguous run of object numbers -> one subsection.
            let mut j = i + 1;
            while j < entries.len() && entries[j].0 == entries[j - 1].0 + 1 {
                j += 1;
            }
            let _ = writeln!(out, "{} {}", entries[i].0, j - i);
            for (_, off) in &entries[i..j] {
                match off {
                    None => out.push_str("0000000000 65535 f\r\n"),
                    Some(off) => {
                        let _ = write!(out, "{off:010} 00000 n\r\n");
                    }
                }
            }
            i = j;
        }
        self.buf.extend_from_slice(out.as_bytes());
        start
    }

    fn trailer(&mut self, dict: &str, startxref: usize) {
        self.buf.extend_from_slice(
            format!("trailer\n<< {dict} >>\nstartxref\n{startxref}\n%%EOF\n").as_bytes(),
        );
    }

    fn finish_classic(&mut self, dict: &str) {
        let xref = self.xref_table();
        self.trailer(dict, xref);
    }
}

// ---------------------------------------------------------------------------
// Page content

/// Advance widths (1/1000 em) of ASCII 32..=126 in Helvetica.
const HELVETICA_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Advance widths (1/1000 em) of ASCII 32..=126 in Helvetica-Bold.
const HELVETICA_BOLD_WIDTHS: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

#[derive(Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "/F1",
            Font::Bold => "/F2",
        }
    }

    fn width(self, text: &str, size: f32) -> f32 {
        let table = match self {
            Font::Regular => &HELVETICA_WIDTHS,
            Font::Bold => &HELVETICA_BOLD_WIDTHS,
        };
        let units: u32 = text
            .bytes()
            .map(|b| {
                let idx = usize::from(b.saturating_sub(32));
                u32::from(table.get(idx).copied().unwrap_or(556))
            })
            .sum();
        units as f32 * size / 1000.0
    }
}

/// Content-stream builder.
#[derive(Default)]
struct Content(String);

impl Content {
    fn text(&mut self, font: Font, size: f32, x: f32, y: f32, s: &str) {
        let _ = writeln!(
            self.0,
            "BT {} {size} Tf {x:.2} {y:.2} Td {} Tj ET",
            font.resource(),
            lit(s)
        );
    }

    fn centered(&mut self, font: Font, size: f32, cx: f32, y: f32, s: &str) {
        let x = cx - font.width(s, size) / 2.0;
        self.text(font, size, x, y, s);
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        let _ = writeln!(self.0, "{x1:.2} {y1:.2} m {x2:.2} {y2:.2} l S");
    }

    fn raw(&mut self, s: &str) {
        self.0.push_str(s);
        self.0.push('\n');
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

const LEFT_COL: f32 = 150.0;
const RIGHT_COL: f32 = 410.0;
const MARGIN: f32 = 70.0;
const PAGE_CENTER: f32 = 297.5;

const BODY: &[&str] = &[
    "Thuc hien Luat Giao dich dien tu so 20/2023/QH15 va Nghi dinh so",
    "130/2018/ND-CP ve chu ky so va dich vu chung thuc chu ky so, So Noi vu",
    "tinh Bac Ninh de nghi cac co quan, don vi:",
    "1. Su dung chu ky so chuyen dung cong vu cho tat ca van ban di;",
    "2. Kiem tra tinh hop le cua chu ky so tren van ban den truoc khi xu ly;",
    "3. Luu tru van ban dien tu kem chu ky so theo quy dinh hien hanh;",
    "4. Bao cao ket qua thuc hien ve So Noi vu truoc ngay 30/6/2025.",
    "Trong qua trinh thuc hien, neu co vuong mac, de nghi lien he Van phong So",
    "(dien thoai 0222 3822 000) de duoc huong dan.",
];

/// First page of the letter. When `number_in_text` is false the document
/// number is left out of the page content (the form variant shows it in a
/// text field instead).
fn letter_page1(number_in_text: bool) -> Content {
    let mut c = Content::default();
    c.raw("0 g 0 G 0.8 w");
    c.centered(Font::Regular, 11.0, LEFT_COL, 790.0, "UBND TINH BAC NINH");
    c.centered(Font::Bold, 11.0, LEFT_COL, 775.0, "SO NOI VU");
    c.line(LEFT_COL - 30.0, 769.0, LEFT_COL + 30.0, 769.0);
    c.centered(
        Font::Bold,
        10.5,
        RIGHT_COL,
        790.0,
        "CONG HOA XA HOI CHU NGHIA VIET NAM",
    );
    c.centered(
        Font::Bold,
        11.0,
        RIGHT_COL,
        775.0,
        "Doc lap - Tu do - Hanh phuc",
    );
    c.line(RIGHT_COL - 75.0, 769.0, RIGHT_COL + 75.0, 769.0);
    if number_in_text {
        c.centered(Font::Regular, 11.0, LEFT_COL, 745.0, "So: 123/SNV-VP");
    } else {
        c.text(Font::Regular, 11.0, FORM_LABEL_X, 745.0, "So:");
    }
    c.centered(
        Font::Regular,
        9.5,
        LEFT_COL,
        731.0,
        "V/v trien khai su dung chu ky so",
    );
    c.centered(
        Font::Regular,
        11.0,
        RIGHT_COL,
        745.0,
        "Bac Ninh, ngay 15 thang 3 nam 2025",
    );
    c.centered(Font::Bold, 16.0, PAGE_CENTER, 690.0, "CONG VAN");
    c.centered(
        Font::Regular,
        11.0,
        PAGE_CENTER,
        664.0,
        "Kinh gui: Cac co quan, don vi truc thuoc So Noi vu",
    );
    let mut y = 632.0;
    for line in BODY {
        c.text(Font::Regular, 11.0, MARGIN + 20.0, y, line);
        y -= 18.0;
    }
    // Recipients (left) and signature area (right).
    c.text(Font::Bold, 10.0, MARGIN, 440.0, "Noi nhan:");
    c.text(Font::Regular, 9.0, MARGIN, 427.0, "- Nhu tren;");
    c.text(Font::Regular, 9.0, MARGIN, 415.0, "- Giam doc So (de b/c);");
    c.text(Font::Regular, 9.0, MARGIN, 403.0, "- Luu: VT, VP.");
    c.centered(Font::Bold, 11.0, RIGHT_COL + 20.0, 440.0, "KT. GIAM DOC");
    c.centered(Font::Bold, 11.0, RIGHT_COL + 20.0, 426.0, "PHO GIAM DOC");
    c.raw("q 0.5 G [3 2] 0 d 345 340 170 75 re S Q");
    c.centered(
        Font::Regular,
        9.0,
        RIGHT_COL + 20.0,
        374.0,
        "(Vi tri chu ky so)",
    );
    c.centered(Font::Bold, 11.0, RIGHT_COL + 20.0, 322.0, "Nguyen Van Anh");
    c.centered(Font::Regular, 9.0, PAGE_CENTER, 40.0, "Trang 1");
    c
}

/// Second page: an annex with a small table.
fn letter_page2(page_no: u32) -> Content {
    let mut c = Content::default();
    c.raw("0 g 0 G 0.8 w");
    c.centered(Font::Bold, 14.0, PAGE_CENTER, 780.0, "PHU LUC");
    c.centered(
        Font::Regular,
        10.0,
        PAGE_CENTER,
        762.0,
        "(Kem theo Cong van so 123/SNV-VP ngay 15/3/2025 cua So Noi vu)",
    );
    c.centered(
        Font::Bold,
        11.0,
        PAGE_CENTER,
        730.0,
        "DANH SACH DON VI TRIEN KHAI",
    );
    let rows: [[&str; 4]; 6] = [
        ["STT", "Don vi", "Dau moi", "Thoi han"],
        ["1", "Van phong So", "Ong Tran Van Binh", "30/4/2025"],
        ["2", "Phong To chuc bien che", "Ba Le Thi Cuc", "15/5/2025"],
        [
            "3",
            "Phong Cong chuc vien chuc",
            "Ong Pham Van Dung",
            "15/5/2025",
        ],
        [
            "4",
            "Ban Thi dua - Khen thuong",
            "Ba Hoang Thi Em",
            "31/5/2025",
        ],
        [
            "5",
            "Chi cuc Van thu - Luu tru",
            "Ong Vu Van Giang",
            "30/6/2025",
        ],
    ];
    let cols = [MARGIN, MARGIN + 40.0, MARGIN + 220.0, MARGIN + 370.0, 525.0];
    let top = 710.0;
    let row_h = 22.0;
    for (i, row) in rows.iter().enumerate() {
        let y = top - row_h * (i as f32 + 1.0) + 7.0;
        let font = if i == 0 { Font::Bold } else { Font::Regular };
        for (k, cell) in row.iter().enumerate() {
            c.text(font, 10.0, cols[k] + 5.0, y, cell);
        }
    }
    let bottom = top - row_h * rows.len() as f32;
    for i in 0..=rows.len() {
        let y = top - row_h * i as f32;
        c.line(MARGIN, y, 525.0, y);
    }
    for x in cols {
        c.line(x, top, x, bottom);
    }
    c.text(
        Font::Regular,
        10.0,
        MARGIN,
        bottom - 30.0,
        "Cac don vi gui bao cao ve Van phong So theo dung thoi han neu tren.",
    );
    c.centered(
        Font::Regular,
        9.0,
        PAGE_CENTER,
        40.0,
        &format!("Trang {page_no}"),
    );
    c
}

fn font_dict(base: &str) -> String {
    format!("<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>")
}

fn page_dict(parent: u32, contents: u32, f1: u32, f2: u32, extra: &str) -> String {
    format!(
        "<< /Type /Page /Parent {parent} 0 R /MediaBox {A4} \
         /Resources << /Font << /F1 {f1} 0 R /F2 {f2} 0 R >> /ProcSet [/PDF /Text] >> \
         /Contents {contents} 0 R{extra} >>"
    )
}

fn info_dict(mod_date: &str) -> String {
    format!(
        "<< /Title (Cong van 123/SNV-VP) /Author (So Noi vu tinh Bac Ninh) \
         /Subject (kyso test fixture) /Creator {p} /Producer {p} \
         /CreationDate ({CREATION_DATE}) /ModDate ({mod_date}) >>",
        p = lit(PRODUCER)
    )
}

fn id_array(file: &str, first: &str, second: &str) -> String {
    format!("[<{}> <{}>]", file_id(file, first), file_id(file, second))
}

// ---------------------------------------------------------------------------
// The documents

/// 1. Classic cross-reference table, two pages.
fn letter_classic() -> Result<Vec<u8>> {
    let name = "letter-classic";
    let mut w = Writer::new("1.7");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>");
    w.obj(3, &page_dict(2, 4, 7, 8, ""));
    w.stream(4, "", letter_page1(true).bytes())?;
    w.obj(5, &page_dict(2, 6, 7, 8, ""));
    w.stream(6, "", letter_page2(2).bytes())?;
    w.obj(7, &font_dict("Helvetica"));
    w.obj(8, &font_dict("Helvetica-Bold"));
    w.obj(9, &info_dict(CREATION_DATE));
    w.finish_classic(&format!(
        "/Size 10 /Root 1 0 R /Info 9 0 R /ID {}",
        id_array(name, "a", "a")
    ));
    Ok(w.buf)
}

/// 2. Cross-reference stream plus an object stream holding every
///    non-stream object.
fn letter_xrefstream() -> Result<Vec<u8>> {
    let name = "letter-xrefstream";
    let mut w = Writer::new("1.7");
    // Content streams cannot live in an object stream.
    w.stream(4, "", letter_page1(true).bytes())?;
    w.stream(6, "", letter_page2(2).bytes())?;

    let compressed: Vec<(u32, String)> = vec![
        (1, "<< /Type /Catalog /Pages 2 0 R >>".to_owned()),
        (
            2,
            "<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>".to_owned(),
        ),
        (3, page_dict(2, 4, 7, 8, "")),
        (5, page_dict(2, 6, 7, 8, "")),
        (7, font_dict("Helvetica")),
        (8, font_dict("Helvetica-Bold")),
        (9, info_dict(CREATION_DATE)),
    ];
    let objstm_num = 10u32;
    let xref_num = 11u32;
    let mut header = String::new();
    let mut body = String::new();
    for (num, obj) in &compressed {
        let _ = write!(header, "{num} {} ", body.len());
        body.push_str(obj);
        body.push('\n');
    }
    let header = format!("{}\n", header.trim_end());
    let data = format!("{header}{body}");
    w.stream(
        objstm_num,
        &format!(
            "/Type /ObjStm /N {} /First {}",
            compressed.len(),
            header.len()
        ),
        data.as_bytes(),
    )?;

    // Cross-reference stream, /W [1 4 2].
    let xref_offset = w.buf.len();
    let mut rows: BTreeMap<u32, (u8, u32, u16)> = BTreeMap::new();
    rows.insert(0, (0, 0, 0xffff));
    for (num, off) in &w.pending {
        let off = u32::try_from(*off).map_err(pdf_err)?;
        rows.insert(*num, (1, off, 0));
    }
    for (idx, (num, _)) in compressed.iter().enumerate() {
        let idx = u16::try_from(idx).map_err(pdf_err)?;
        rows.insert(*num, (2, objstm_num, idx));
    }
    rows.insert(
        xref_num,
        (1, u32::try_from(xref_offset).map_err(pdf_err)?, 0),
    );
    let size = xref_num + 1;
    if rows.len() != size as usize || rows.keys().copied().ne(0..size) {
        return Err(Error::Pdf("xref stream rows are not contiguous".into()));
    }
    let mut table = Vec::with_capacity(rows.len() * 7);
    for (kind, field2, field3) in rows.values() {
        table.push(*kind);
        table.extend_from_slice(&field2.to_be_bytes());
        table.extend_from_slice(&field3.to_be_bytes());
    }
    w.stream(
        xref_num,
        &format!(
            "/Type /XRef /Size {size} /W [1 4 2] /Root 1 0 R /Info 9 0 R /ID {}",
            id_array(name, "a", "a")
        ),
        &table,
    )?;
    w.buf
        .extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
    Ok(w.buf)
}

/// x of the "So:" label in the form variant; the field sits right of it.
const FORM_LABEL_X: f32 = 104.0;
const FIELD_RECT: [f32; 4] = [124.0, 740.0, 204.0, 757.0];

/// 3. One page with an existing AcroForm (one filled text field).
fn letter_form() -> Result<Vec<u8>> {
    let name = "letter-form";
    let [x1, y1, x2, y2] = FIELD_RECT;
    let (w_box, h_box) = (x2 - x1, y2 - y1);
    let mut w = Writer::new("1.7");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    w.obj(3, &page_dict(2, 4, 5, 9, " /Annots [7 0 R]"));
    w.stream(4, "", letter_page1(false).bytes())?;
    w.obj(5, &font_dict("Helvetica"));
    w.obj(
        6,
        "<< /Fields [7 0 R] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 5 0 R >> >> >>",
    );
    w.obj(
        7,
        &format!(
            "<< /Type /Annot /Subtype /Widget /FT /Tx /T (so_van_ban) /TU (So van ban) \
             /V (123/SNV-VP) /DA (/Helv 11 Tf 0 g) /F 4 /P 3 0 R \
             /Rect [{x1} {y1} {x2} {y2}] /MK << >> /AP << /N 8 0 R >> >>"
        ),
    );
    let appearance = format!(
        "/Tx BMC\nq\n1 1 {:.2} {:.2} re W n\nBT\n/Helv 11 Tf 0 g\n2 5 Td\n(123/SNV-VP) Tj\nET\nQ\nEMC\n",
        w_box - 2.0,
        h_box - 2.0
    );
    w.stream(
        8,
        &format!(
            "/Type /XObject /Subtype /Form /BBox [0 0 {w_box} {h_box}] \
             /Resources << /Font << /Helv 5 0 R >> >>"
        ),
        appearance.as_bytes(),
    )?;
    w.obj(9, &font_dict("Helvetica-Bold"));
    w.obj(10, &info_dict(CREATION_DATE));
    w.finish_classic(&format!(
        "/Size 11 /Root 1 0 R /Info 10 0 R /ID {}",
        id_array(name, "a", "a")
    ));
    Ok(w.buf)
}

/// 4. Classic base revision (one page) plus two incremental updates:
///    update 1 rewrites the Info dictionary, update 2 adds a second page.
fn letter_updates() -> Result<Vec<u8>> {
    let name = "letter-updates";
    let mut w = Writer::new("1.7");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    w.obj(3, &page_dict(2, 4, 5, 6, ""));
    w.stream(4, "", letter_page1(true).bytes())?;
    w.obj(5, &font_dict("Helvetica"));
    w.obj(6, &font_dict("Helvetica-Bold"));
    w.obj(7, &info_dict(CREATION_DATE));
    let base_xref = w.xref_table();
    w.trailer(
        &format!(
            "/Size 8 /Root 1 0 R /Info 7 0 R /ID {}",
            id_array(name, "a", "a")
        ),
        base_xref,
    );

    // Update 1: new /ModDate in the (rewritten) Info dictionary.
    w.obj(7, &info_dict("D:20250316100000+07'00'"));
    let xref1 = w.xref_table();
    w.trailer(
        &format!(
            "/Size 8 /Root 1 0 R /Info 7 0 R /Prev {base_xref} /ID {}",
            id_array(name, "a", "b")
        ),
        xref1,
    );

    // Update 2: append a page (rewrite /Pages, add page + content stream).
    w.obj(2, "<< /Type /Pages /Kids [3 0 R 8 0 R] /Count 2 >>");
    w.obj(8, &page_dict(2, 9, 5, 6, ""));
    w.stream(9, "", letter_page2(2).bytes())?;
    let xref2 = w.xref_table();
    w.trailer(
        &format!(
            "/Size 10 /Root 1 0 R /Info 7 0 R /Prev {xref1} /ID {}",
            id_array(name, "a", "c")
        ),
        xref2,
    );
    Ok(w.buf)
}

pub(crate) fn generate() -> Result<Vec<OutFile>> {
    Ok(vec![
        OutFile::new("pdf/letter-classic.pdf", letter_classic()?),
        OutFile::new("pdf/letter-xrefstream.pdf", letter_xrefstream()?),
        OutFile::new("pdf/letter-form.pdf", letter_form()?),
        OutFile::new("pdf/letter-updates.pdf", letter_updates()?),
    ])
}

/// `pdf/letter-linearized.pdf` (document 5) via
/// `qpdf --linearize --deterministic-id`. Missing qpdf is a warning (the existing file is kept), not an error.
pub(crate) fn linearize(out_dir: &Path, report: &mut Report) -> Result<()> {
    let pdf_dir = out_dir.join("pdf");
    let input = pdf_dir.join("letter-classic.pdf");
    let output = pdf_dir.join("letter-linearized.pdf");
    let tmp = pdf_dir.join("letter-linearized.pdf.tmp");
    let status = Command::new("qpdf")
        .arg("--linearize")
        .arg("--deterministic-id")
        .arg(&input)
        .arg(&tmp)
        .status();
    match status {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            report
                .warnings
                .push("qpdf not found: pdf/letter-linearized.pdf was not regenerated".to_owned());
            return Ok(());
        }
        Err(e) => {
            return Err(Error::Io {
                path: "qpdf".into(),
                source: e,
            });
        }
        Ok(s) if !s.success() => {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::Pdf(format!("qpdf --linearize failed: {s}")));
        }
        Ok(_) => {}
    }
    std::fs::rename(&tmp, &output).map_err(|source| Error::Io {
        path: output.clone(),
        source,
    })?;
    report.files.push("pdf/letter-linearized.pdf".into());
    let check = Command::new("qpdf")
        .arg("--check-linearization")
        .arg(&output)
        .output()
        .map_err(|source| Error::Io {
            path: "qpdf".into(),
            source,
        })?;
    if !check.status.success() {
        return Err(Error::Pdf(format!(
            "qpdf --check-linearization failed: {}",
            String::from_utf8_lossy(&check.stdout)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_lines_fit_the_page() {
        for line in BODY {
            let right = MARGIN + 20.0 + Font::Regular.width(line, 11.0);
            assert!(right < 595.0 - 50.0, "line too wide ({right}): {line}");
        }
    }

    #[test]
    fn literal_escaping() {
        assert_eq!(lit("a(b)c\\"), "(a\\(b\\)c\\\\)");
    }

    #[test]
    fn xref_offsets_point_at_objects() -> Result<()> {
        for doc in [letter_classic()?, letter_form()?] {
            let pos = doc
                .windows(6)
                .rposition(|w| w == b"\nxref\n")
                .ok_or_else(|| Error::Pdf("no xref".into()))?;
            // Skip "xref\n0 N\n": entries are 20 bytes each from there.
            let tail = &doc[pos + 6..];
            let first_nl = tail
                .iter()
                .position(|b| *b == b'\n')
                .ok_or_else(|| Error::Pdf("bad xref".into()))?;
            let entries = &tail[first_nl + 1..];
            let mut seen = 0;
            for (num, entry) in entries.chunks(20).enumerate() {
                if entry.get(17) != Some(&b'n') {
                    if entry.get(17) == Some(&b'f') {
                        continue;
                    }
                    break;
                }
                let off: usize = std::str::from_utf8(&entry[..10])
                    .map_err(pdf_err)?
                    .parse()
                    .map_err(pdf_err)?;
                assert!(
                    doc[off..].starts_with(format!("{num} 0 obj").as_bytes()),
                    "object {num} not at {off}"
                );
                seen += 1;
            }
            assert!(seen >= 9, "only {seen} xref entries checked");
        }
        Ok(())
    }
}
