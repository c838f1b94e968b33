//! Text extraction and anchor placement (`kyso_pdf::text`): synthetic content streams for each
//! operator and font kind, hostile input, and the letter fixtures.

use std::path::PathBuf;

use kyso_pdf::text::MAX_FORM_DEPTH;
use kyso_pdf::{Document, Error, TextMatch, find_text, page_lines, rect_above};

// ---------------------------------------------------------------------------------------------
// A small PDF builder

fn build(objects: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let max = objects.iter().map(|(n, _)| *n).max().unwrap_or(0);
    let mut offsets = vec![None; max as usize + 1];
    for (n, body) in objects {
        offsets[*n as usize] = Some(out.len());
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n", max + 1).as_bytes());
    for o in offsets {
        let line = match o {
            Some(off) => format!("{off:010} 00000 n \n"),
            None => "0000000000 65535 f \n".to_owned(),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            max + 1
        )
        .as_bytes(),
    );
    out
}

fn obj(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

/// Fonts for the synthetic pages: F1 Helvetica (WinAnsi, standard widths), F2 a Type0
/// Identity-H font with a ToUnicode CMap, F3 Times-Roman with /Differences and /Widths.
const RESOURCES: &str = "<< /Font << /F1 5 0 R /F2 6 0 R /F3 9 0 R >> >>";

const CMAP: &str = "/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
6 beginbfchar
<0001> <004E>
<0002> <1EC5>
<0003> <D835DC00>
<0004> <00660069>
<0005> <0302>
<0006> <0323>
endbfchar
2 beginbfrange
<0100> <0119> <0061>
<0020> <0022> [<0067> <0075> <0079>]
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end";

fn fonts() -> Vec<(u32, Vec<u8>)> {
    vec![
        (
            5,
            obj(
                "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            ),
        ),
        (
            6,
            obj(
                "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+TimesNewRoman \
                 /Encoding /Identity-H /DescendantFonts [7 0 R] /ToUnicode 8 0 R >>",
            ),
        ),
        (
            7,
            obj(
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+TimesNewRoman \
                 /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
                 /DW 1000 /W [1 [500 600] 256 281 450 5 6 0] >>",
            ),
        ),
        (8, stream("", CMAP.as_bytes())),
        (
            9,
            obj(
                "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /FirstChar 128 \
                 /Widths [700 710 720 730 740] \
                 /Encoding << /BaseEncoding /WinAnsiEncoding \
                 /Differences [128 /Ohorn /uni1EC7 /ecircumflexacute /dcroat /Uhorn.sc] >> >>",
            ),
        ),
    ]
}

fn page_pdf(content: &[u8], extra: Vec<(u32, Vec<u8>)>) -> Vec<u8> {
    page_pdf_with(content, RESOURCES, extra)
}

fn page_pdf_with(content: &[u8], resources: &str, extra: Vec<(u32, Vec<u8>)>) -> Vec<u8> {
    let mut objects = vec![
        (1, obj("<< /Type /Catalog /Pages 2 0 R >>")),
        (2, obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")),
        (
            3,
            obj(&format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
                 /Resources {resources} /Contents 4 0 R >>"
            )),
        ),
        (4, stream("", content)),
    ];
    objects.extend(fonts());
    objects.extend(extra);
    build(&objects)
}

fn lines_of(pdf: &[u8]) -> Vec<([f64; 4], String)> {
    let doc = Document::open(pdf).unwrap();
    page_lines(&doc, 1).unwrap()
}

fn texts(pdf: &[u8]) -> Vec<String> {
    lines_of(pdf).into_iter().map(|(_, t)| t).collect()
}

fn find(pdf: &[u8], needle: &str) -> Vec<TextMatch> {
    let doc = Document::open(pdf).unwrap();
    find_text(&doc, needle, None).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn assert_rect(got: [f64; 4], want: [f64; 4], tol: f64) {
    assert!(
        got.iter().zip(want).all(|(g, w)| close(*g, w, tol)),
        "got {got:?}, want {want:?}"
    );
}

/// Helvetica widths (1/1000 em) of the letters used below.
fn helvetica(s: &str) -> f64 {
    s.chars()
        .map(|c| match c {
            'A' | 'V' => 667.0,
            'N' => 722.0,
            'g' | 'u' | 'e' | 'n' | 'a' | 'h' => 556.0,
            'y' => 500.0,
            ' ' => 278.0,
            other => panic!("no width for {other}"),
        })
        .sum()
}

// ---------------------------------------------------------------------------------------------
// Operators

#[test]
fn text_split_across_tj_is_one_line() {
    let pdf = page_pdf(
        b"BT /F1 12 Tf 100 700 Td (Ngu) Tj (yen Van) Tj ( An) Tj ET",
        vec![],
    );
    assert_eq!(texts(&pdf), ["Nguyen Van An"]);
    let found = find(&pdf, "Nguyen Van An");
    assert_eq!(found.len(), 1);
    let w = helvetica("Nguyen Van An") * 12.0 / 1000.0;
    assert_rect(
        found[0].rect,
        [100.0, 700.0 - 0.22 * 12.0, 100.0 + w, 700.0 + 0.75 * 12.0],
        0.01,
    );
    assert_eq!(found[0].page, 1);
    assert_eq!(found[0].line_above, None);
    // Whitespace differences are ignored; case is not.
    assert_eq!(find(&pdf, "  Nguyen\tVan  An ").len(), 1);
    assert_eq!(find(&pdf, "NguyenVanAn").len(), 1);
    assert!(find(&pdf, "nguyen van an").is_empty());
    // Part of the line: the box covers only those glyphs.
    let van = find(&pdf, "Van");
    let x = 100.0 + helvetica("Nguyen ") * 0.012;
    assert_rect(
        van[0].rect,
        [x, 697.36, x + helvetica("Van") * 0.012, 709.0],
        0.01,
    );
}

#[test]
fn tj_kerning_gaps_read_as_spaces() {
    let pdf = page_pdf(
        b"BT /F1 10 Tf 50 500 Td [(Ng) -50 (uyen) -300 (Van)] TJ ET",
        vec![],
    );
    assert_eq!(texts(&pdf), ["Nguyen Van"]);
    let m = find(&pdf, "Van");
    // The kerning moves the glyphs: -50 and -300 thousandths of an em to the right.
    let x = 50.0 + (helvetica("Nguyen") + 350.0) * 0.01;
    assert!(close(m[0].rect[0], x, 0.01), "{:?}", m[0].rect);
}

#[test]
fn cm_tm_tz_tc_tw_ts_scale_and_move_glyphs() {
    // cm scales by 2 and moves; Tm places the text; the glyph grows with both.
    let pdf = page_pdf(
        b"q 2 0 0 2 10 20 cm BT /F1 10 Tf 1 0 0 1 50 100 Tm (A) Tj ET Q",
        vec![],
    );
    let lines = lines_of(&pdf);
    assert_eq!(lines[0].1, "A");
    assert_rect(
        lines[0].0,
        [
            110.0,
            220.0 - 0.22 * 20.0,
            110.0 + 0.667 * 20.0,
            220.0 + 0.75 * 20.0,
        ],
        0.01,
    );
    // Tz 50 halves advances; Tc adds after each glyph, Tw after each space; Ts raises.
    let pdf = page_pdf(
        b"BT /F1 10 Tf 50 Tz 2 Tc 10 Tw 3 Ts 0 0 Td (A V) Tj ET",
        vec![],
    );
    let m = find(&pdf, "V");
    let x = ((0.667 * 10.0 + 2.0) + (0.278 * 10.0 + 2.0 + 10.0)) * 0.5;
    assert_rect(
        m[0].rect,
        [x, 3.0 - 2.2, x + 0.667 * 10.0 * 0.5, 3.0 + 7.5],
        0.01,
    );
    // A Tm with a scale: the font size in user space is 3 × 10.
    let pdf = page_pdf(b"BT /F1 10 Tf 3 0 0 3 100 100 Tm (A) Tj ET", vec![]);
    let m = find(&pdf, "A");
    assert_rect(
        m[0].rect,
        [100.0, 100.0 - 6.6, 100.0 + 0.667 * 30.0, 100.0 + 22.5],
        0.01,
    );
    // q/Q restore the CTM and the text state.
    let pdf = page_pdf(
        b"q 0.5 0 0 0.5 0 0 cm q 3 Tc Q Q BT /F1 10 Tf 10 10 Td (AA) Tj ET",
        vec![],
    );
    let m = find(&pdf, "AA");
    assert_rect(m[0].rect, [10.0, 7.8, 10.0 + 2.0 * 6.67, 17.5], 0.01);
}

#[test]
fn line_moves_td_tl_tstar_quote_and_doublequote() {
    let pdf = page_pdf(
        b"BT /F1 10 Tf 14 TL 100 700 Td (one) Tj T* (two) Tj 0 -20 TD (three) Tj \
          (four) ' 5 1 (five) \" ET",
        vec![],
    );
    let lines = lines_of(&pdf);
    let names: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(names, ["one", "two", "three", "four", "five"]);
    let baselines: Vec<f64> = lines.iter().map(|(r, _)| r[1] + 2.2).collect();
    // TD sets the leading to 20: ' and " move down by 20.
    let want = [700.0, 686.0, 666.0, 646.0, 626.0];
    for (b, w) in baselines.iter().zip(want) {
        assert!(close(*b, w, 0.01), "{baselines:?}");
    }
    // " sets word and character spacing: "five" is wider by 4 × 1 pt.
    let five = &lines[4].0;
    let plain = (0.278 + 0.222 + 0.5 + 0.556) * 10.0;
    assert!(close(five[2] - five[0], plain + 3.0, 0.01), "{five:?}");
}

#[test]
fn rotated_text_reads_in_its_own_direction() {
    // A quarter turn counter-clockwise (two lines), and upside down, as scans of rotated
    // pages and their OCR text are drawn.
    let pdf = page_pdf(
        b"BT /F1 10 Tf 0 1 -1 0 300 100 Tm (Nguyen) Tj 0 -14 Td (Van) Tj ET \
          BT /F1 10 Tf -1 0 0 -1 500 700 Tm (Anh) Tj ET",
        vec![],
    );
    assert_eq!(texts(&pdf), ["Nguyen", "Van", "Anh"]);
    let w = helvetica("Nguyen") * 0.01;
    let m = find(&pdf, "Nguyen");
    assert_rect(m[0].rect, [292.5, 100.0, 302.2, 100.0 + w], 0.01);
    // In its direction, "Nguyen" is the line above "Van" (which sits 14 pt to its right).
    let van = find(&pdf, "Van");
    assert_eq!(van[0].line_above, Some(m[0].rect));
    let anh = find(&pdf, "Anh");
    let w = helvetica("Anh") * 0.01;
    assert_rect(anh[0].rect, [500.0 - w, 692.5, 500.0, 702.2], 0.01);
}

#[test]
fn lines_come_top_to_bottom_and_columns_apart() {
    let pdf = page_pdf(
        b"BT /F1 10 Tf 300 500 Td (Van) Tj ET BT /F1 10 Tf 50 500 Td (Nguyen) Tj ET \
          BT /F1 10 Tf 50 600 Td (Anh) Tj ET",
        vec![],
    );
    assert_eq!(texts(&pdf), ["Anh", "Nguyen", "Van"]);
    // The nearest line above that overlaps horizontally: "Anh" is above "Nguyen", not "Van".
    let n = find(&pdf, "Nguyen");
    assert!(n[0].line_above.is_some());
    assert!(find(&pdf, "Van")[0].line_above.is_none());
}

#[test]
fn fake_bold_duplicates_are_kept_once() {
    let pdf = page_pdf(
        b"BT /F1 10 Tf 50 500 Td (Anh) Tj ET BT /F1 10 Tf 50.3 500 Td (Anh) Tj ET",
        vec![],
    );
    assert_eq!(texts(&pdf), ["Anh"]);
    assert_eq!(find(&pdf, "Anh").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Fonts

#[test]
fn simple_font_with_differences_and_widths() {
    // 128 Ohorn, 129 uni1EC7 (ệ), 130 ecircumflexacute (ế), 131 dcroat (đ), 132 Uhorn.sc.
    let pdf = page_pdf(b"BT /F3 10 Tf 20 30 Td <80818283 20 84> Tj ET", vec![]);
    assert_eq!(texts(&pdf), ["Ơệếđ Ư"]);
    let m = find(&pdf, "ếđ");
    // Widths from /Widths: 700 710 | 720 730; the space (Times, standard width 250) then 740.
    assert_rect(
        m[0].rect,
        [20.0 + 14.1, 30.0 - 2.2, 20.0 + 14.1 + 14.5, 37.5],
        0.01,
    );
    let u = find(&pdf, "Ư");
    assert!(close(u[0].rect[0], 20.0 + 28.6 + 2.5, 0.01), "{u:?}");
}

#[test]
fn type0_identity_h_with_tounicode() {
    // N g u y ễ n: 0001 (bfchar), 0020-0022 (bfrange array), 0002 (bfchar), 010D (bfrange).
    let pdf = page_pdf(
        b"BT /F2 10 Tf 100 200 Td <0001 0020 0021 0022 0002 010D> Tj ( ) Tj \
          <0003 0004 0100> Tj ET",
        vec![],
    );
    let lines = lines_of(&pdf);
    assert_eq!(lines.len(), 1);
    // ( ) as a two-byte code is one odd byte: ignored; the gap reads as no space.
    assert_eq!(lines[0].1, "Nguyễn\u{1d400}fia");
    let m = find(&pdf, "Nguyễn");
    // Widths: 500 (W array) + 3 × 1000 (DW) + 600 (W array) + 450 (W range).
    assert_rect(m[0].rect, [100.0, 197.8, 145.5, 207.5], 0.01);
    // Decomposed needle, and the multi-character ligature and surrogate pair.
    assert_eq!(find(&pdf, "Nguye\u{302}\u{303}n").len(), 1);
    assert_eq!(find(&pdf, "\u{1d400}fia").len(), 1);
}

#[test]
fn type0_with_an_embedded_one_byte_cmap() {
    // Ghostscript's OneByteIdentityH: one-byte codes in a Type0 font; code 0x41 is CID 0x41
    // (width 400 from /W), codes 0x60.. are CIDs 0x100.. (width 300).
    let encoding = stream(
        "/Type /CMap /CMapName /OneByteIdentityH",
        b"begincmap 1 begincodespacerange <00> <FF> endcodespacerange \
          1 begincidrange <00> <5F> 0 endcidrange 1 begincidchar <60> 256 endcidchar \
          1 begincidrange <61> <7A> 257 endcidrange endcmap",
    );
    let to_unicode = stream(
        "",
        b"2 beginbfrange <41> <5A> <0041> <60> <7A> <0060> endbfrange",
    );
    let pdf = page_pdf_with(
        b"BT /G 10 Tf 100 100 Td (A`ab) Tj ET",
        "<< /Font << /G 20 0 R >> >>",
        vec![
            (
                20,
                obj(
                    "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding 21 0 R \
                     /DescendantFonts [22 0 R] /ToUnicode 23 0 R >>",
                ),
            ),
            (21, encoding),
            (
                22,
                obj(
                    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /DW 1000 \
                     /W [65 [400] 256 258 300] >>",
                ),
            ),
            (23, to_unicode),
        ],
    );
    let lines = lines_of(&pdf);
    assert_eq!(lines[0].1, "A`ab");
    assert_rect(lines[0].0, [100.0, 97.8, 100.0 + 4.0 + 9.0, 107.5], 0.01);
}

#[test]
fn type3_font_widths_through_its_font_matrix() {
    // Glyph space of 100 units per em: widths 50 and 80 are half and 0.8 em.
    let pdf = page_pdf_with(
        b"BT /T 10 Tf 100 100 Td (ab) Tj ET",
        "<< /Font << /T 20 0 R >> >>",
        vec![(
            20,
            obj("<< /Type /Font /Subtype /Type3 /FontBBox [0 0 100 100] \
                 /FontMatrix [0.01 0 0 0.01 0 0] /CharProcs << >> /FirstChar 97 /LastChar 98 \
                 /Widths [50 80] /Encoding << /Type /Encoding /Differences [97 /Ahookabove /d] >> >>"),
        )],
    );
    let lines = lines_of(&pdf);
    assert_eq!(lines[0].1, "Ảd");
    assert_rect(lines[0].0, [100.0, 97.8, 113.0, 107.5], 0.01);
}

#[test]
fn letter_spacing_is_not_a_word_space() {
    // Tc of 0.3 em between letters: no spaces; the real space keeps its word gap.
    let pdf = page_pdf(b"BT /F1 10 Tf 3 Tc 100 100 Td (Van Anh) Tj ET", vec![]);
    assert_eq!(texts(&pdf), ["Van Anh"]);
}

#[test]
fn combining_marks_match_precomposed_in_any_order() {
    // e, combining circumflex (0005), combining dot below (0006): NFC is ệ.
    let pdf = page_pdf(
        b"BT /F2 10 Tf 100 200 Td <0104 0005 0006 010D> Tj ET",
        vec![],
    );
    assert_eq!(texts(&pdf), ["ện"]);
    assert_eq!(find(&pdf, "ện").len(), 1);
    assert_eq!(find(&pdf, "e\u{323}\u{302}n").len(), 1);
    // A bare letter does not match a letter with marks.
    assert!(find(&pdf, "en").is_empty());
    assert!(find(&pdf, "e").is_empty());
}

// ---------------------------------------------------------------------------------------------
// Form XObjects

#[test]
fn form_xobject_with_matrix_and_own_resources() {
    let form = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 500 100] /Matrix [2 0 0 2 0 0] \
         /Resources << /Font << /G1 5 0 R >> >>",
        b"BT /G1 10 Tf 5 5 Td (Van) Tj ET",
    );
    let pdf = page_pdf_with(
        b"BT /F1 10 Tf 10 600 Td (Anh) Tj ET q 1 0 0 1 100 300 cm /X1 Do Q",
        "<< /Font << /F1 5 0 R >> /XObject << /X1 10 0 R >> >>",
        vec![(10, form)],
    );
    assert_eq!(texts(&pdf), ["Anh", "Van"]);
    let m = find(&pdf, "Van");
    let w = helvetica("Van") * 0.02;
    assert_rect(m[0].rect, [110.0, 310.0 - 4.4, 110.0 + w, 325.0], 0.01);
}

fn forms_pdf(page_content: &[u8], forms: &[(u32, &str, &[u8])]) -> Vec<u8> {
    let xobjects: String = forms
        .iter()
        .map(|(n, _, _)| format!("/X{n} {n} 0 R "))
        .collect();
    let mut objects = vec![
        (1, obj("<< /Type /Catalog /Pages 2 0 R >>")),
        (2, obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")),
        (
            3,
            obj(&format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
                 /Resources << /Font << /F1 5 0 R >> /XObject << {xobjects} >> >> >>"
            )),
        ),
        (4, stream("", page_content)),
    ];
    objects.extend(fonts());
    for (n, resources, data) in forms {
        objects.push((
            *n,
            stream(
                &format!("/Type /XObject /Subtype /Form /BBox [0 0 1 1] {resources}"),
                data,
            ),
        ));
    }
    build(&objects)
}

#[test]
fn annotation_appearances_are_mapped_onto_their_rect() {
    // BBox 100 × 20 drawn into a 200 × 40 Rect: twice the size; the hidden one is not read.
    let ap = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 100 20] /Resources << /Font << /H 5 0 R >> >>",
        b"BT /H 10 Tf 2 5 Td (Anh) Tj ET",
    );
    let hidden = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 100 20] /Resources << /Font << /H 5 0 R >> >>",
        b"BT /H 10 Tf 2 5 Td (Hidden) Tj ET",
    );
    let pdf = page_pdf_with(
        b"BT /F1 10 Tf 200 600 Td (Van) Tj ET",
        "<< /Font << /F1 5 0 R >> >>",
        vec![
            (10, ap),
            (11, hidden),
            (
                12,
                obj(
                    "<< /Type /Annot /Subtype /Widget /Rect [400 540 200 500] /F 4 \
                     /AP << /N 10 0 R >> >>",
                ),
            ),
            (
                13,
                obj("<< /Type /Annot /Subtype /Stamp /Rect [0 0 100 20] /F 2 \
                     /AP << /N 11 0 R >> >>"),
            ),
        ],
    );
    let pdf = String::from_utf8(pdf).unwrap().replace(
        "/Contents 4 0 R >>",
        "/Contents 4 0 R /Annots [12 0 R 13 0 R] >>",
    );
    let pdf = rebuild(pdf.as_bytes());
    assert_eq!(texts(&pdf), ["Van", "Anh"]);
    let m = find(&pdf, "Anh");
    assert_rect(
        m[0].rect,
        [
            204.0,
            510.0 - 4.4,
            204.0 + helvetica("Anh") * 0.02,
            510.0 + 15.0,
        ],
        0.01,
    );
    assert!(m[0].line_above.is_some());
}

/// Lays out again a builder's PDF whose page dictionary was edited as text.
fn rebuild(pdf: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(pdf.to_vec()).unwrap();
    let body = &text[..text.find("xref\n").unwrap()];
    let objects = body
        .split("\nendobj\n")
        .filter_map(|chunk| {
            let at = chunk.find(" 0 obj\n")?;
            let num = chunk[..at].rsplit('\n').next()?.parse().ok()?;
            Some((num, chunk.as_bytes()[at + 7..].to_vec()))
        })
        .collect::<Vec<_>>();
    build(&objects)
}

#[test]
fn letter_form_field_value_is_found_in_its_widget() {
    let pdf = fixture("letter-form.pdf");
    let doc = Document::open(&pdf).unwrap();
    // Only the text field's appearance has the number: 2 5 Td in a widget at [124 740 204 757].
    let found = find_text(&doc, "123/SNV-VP", Some(1)).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(close(found[0].rect[0], 126.0, 0.01), "{found:?}");
    assert!(
        close(found[0].rect[1], 745.0 - 0.22 * 11.0, 0.01),
        "{found:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile input

#[test]
fn deep_form_recursion_stops_at_the_depth_limit() {
    // Form 10 + k shows "Lk" 20 pt lower than its caller and calls form 11 + k.
    let bodies: Vec<(u32, String, Vec<u8>)> = (0..20u32)
        .map(|k| {
            let n = 10 + k;
            let resources = format!(
                "/Resources << /Font << /F1 5 0 R >> /XObject << /X{} {} 0 R >> >>",
                n + 1,
                n + 1
            );
            let body = format!(
                "BT /F1 10 Tf 0 0 Td (L{k}) Tj ET 1 0 0 1 0 -20 cm /X{} Do",
                n + 1
            );
            (n, resources, body.into_bytes())
        })
        .collect();
    let forms: Vec<(u32, &str, &[u8])> = bodies
        .iter()
        .map(|(n, r, b)| (*n, r.as_str(), b.as_slice()))
        .collect();
    let pdf = forms_pdf(b"1 0 0 1 100 800 cm /X10 Do", &forms);
    let got = texts(&pdf);
    let want: Vec<String> = (0..MAX_FORM_DEPTH).map(|k| format!("L{k}")).collect();
    assert_eq!(got, want);
}

#[test]
fn self_referencing_form_is_run_once() {
    let pdf = forms_pdf(
        b"/X10 Do",
        &[(
            10,
            "/Resources << /Font << /F1 5 0 R >> /XObject << /X10 10 0 R >> >>",
            b"BT /F1 10 Tf 10 10 Td (Loop) Tj ET 1 0 0 1 0 20 cm /X10 Do",
        )],
    );
    assert_eq!(texts(&pdf), ["Loop"]);
}

#[test]
fn exponential_forms_hit_the_operation_budget() {
    // Each form calls the next 64 times: 64^7 calls in all, refused rather than run.
    let calls = "/Xn Do ".repeat(64);
    let bodies: Vec<(u32, String, Vec<u8>)> = (0..8u32)
        .map(|k| {
            let n = 10 + k;
            let resources = format!(
                "/Resources << /Font << /F1 5 0 R >> /XObject << /Xn {} 0 R >> >>",
                n + 1
            );
            let body = format!("BT /F1 10 Tf (x) Tj ET {calls}");
            (n, resources, body.into_bytes())
        })
        .collect();
    let forms: Vec<(u32, &str, &[u8])> = bodies
        .iter()
        .map(|(n, r, b)| (*n, r.as_str(), b.as_slice()))
        .collect();
    let pdf = forms_pdf(b"/X10 Do", &forms);
    let doc = Document::open(&pdf).unwrap();
    match page_lines(&doc, 1) {
        Err(Error::Appearance(msg)) => assert!(msg.contains("too large"), "{msg}"),
        other => panic!("expected the budget to stop it, got {other:?}"),
    }
}

#[test]
fn huge_tj_arrays_and_strings() {
    // 200 000 kerning numbers and a 300 000-byte string: read within the budget.
    let mut content = b"BT /F1 1 Tf 10 10 Td [(A)".to_vec();
    for _ in 0..200_000 {
        content.extend_from_slice(b" 0");
    }
    content.extend_from_slice(b" (B)] TJ (");
    content.extend(std::iter::repeat_n(b'a', 300_000));
    content.extend_from_slice(b") Tj ET");
    let pdf = page_pdf(&content, vec![]);
    let got = texts(&pdf);
    assert_eq!(got.len(), 1);
    assert!(got[0].starts_with("ABaaa"), "{}", &got[0][..10]);
    assert_eq!(got[0].len(), 300_002);
}

#[test]
fn truncated_and_broken_streams_never_panic() {
    let cases: Vec<&[u8]> = vec![
        b"BT /F1 10 Tf 10 10 Td (Nguy",
        b"BT /F1 10 Tf 10 10 Td [(Ng) -",
        b"BT /F1 Tf Tj TJ ' \" Td TD Tm cm Do ET",
        b"BT /F9 10 Tf 10 10 Td (x) Tj ET",
        b"BT /F1 1e309 Tf 1 0 0 1 1e300 1e300 Tm (x) Tj ET",
        b"BT /F1 10 Tf 0 0 0 0 0 0 Tm (x) Tj ET Q Q Q",
        b"BI /W 1 /H 1 ID \x00\x01 EI BT /F1 10 Tf 10 10 Td (ok) Tj ET",
        b"\xff\xfe\x00(((<<[[",
        b"BT /F2 10 Tf <000> Tj <0001 01> Tj ET",
    ];
    for c in cases {
        let pdf = page_pdf(c, vec![]);
        let doc = Document::open(&pdf).unwrap();
        let _ = page_lines(&doc, 1);
        let _ = find_text(&doc, "x", None);
    }
    // The inline image is skipped and the text after it read.
    let pdf = page_pdf(
        b"BI /W 1 /H 1 ID \x00\x01 EI BT /F1 10 Tf 10 10 Td (ok) Tj ET",
        vec![],
    );
    assert_eq!(texts(&pdf), ["ok"]);
    // A truncated FlateDecode stream: what was decoded is read.
    let text = b"BT /F1 10 Tf 10 10 Td (Nguyen Van Anh) Tj ET\n".repeat(50);
    let z = deflate(&text);
    let cut = &z[..z.len() / 2];
    let mut objects = vec![
        (1, obj("<< /Type /Catalog /Pages 2 0 R >>")),
        (2, obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")),
        (
            3,
            obj(&format!(
                "<< /Type /Page /Parent 2 0 R /Resources {RESOURCES} /Contents [4 0 R 11 0 R] >>"
            )),
        ),
        (4, stream("/Filter /FlateDecode", cut)),
        (11, stream("", b"BT /F1 10 Tf 10 700 Td (end) Tj ET")),
    ];
    objects.extend(fonts());
    let pdf = build(&objects);
    let got = texts(&pdf);
    assert_eq!(got.first().map(String::as_str), Some("end"));
    assert!(
        got.iter().skip(1).all(|t| "Nguyen Van Anh".starts_with(t)),
        "{got:?}"
    );
    // A filter kyso does not implement is reported, not read as an empty page.
    objects[3] = (4, stream("/Filter /LZWDecode", b"\x80\x0b"));
    let pdf = build(&objects);
    let doc = Document::open(&pdf).unwrap();
    assert!(matches!(page_lines(&doc, 1), Err(Error::Unsupported(_))));
    // Missing pages and empty needles are errors.
    let doc = Document::open(&pdf).unwrap();
    assert!(matches!(page_lines(&doc, 2), Err(Error::Appearance(_))));
    assert!(matches!(page_lines(&doc, 0), Err(Error::Appearance(_))));
    assert!(matches!(
        find_text(&doc, " ", None),
        Err(Error::Appearance(_))
    ));
    assert!(matches!(
        find_text(&doc, "x", Some(3)),
        Err(Error::Appearance(_))
    ));
}

fn deflate(data: &[u8]) -> Vec<u8> {
    kyso_pdf::filter::deflate(data)
}

// ---------------------------------------------------------------------------------------------
// rect_above

#[test]
fn rect_above_fills_the_gap_or_uses_the_default() {
    let m = TextMatch {
        page: 1,
        rect: [100.0, 300.0, 200.0, 310.0],
        line_above: Some([90.0, 400.0, 210.0, 412.0]),
    };
    // Gap 312 .. 398: 86 pt high, 2:1 wide, centred on x = 150.
    assert_rect(
        rect_above(&m, 2.0, 500.0),
        [64.0, 312.0, 236.0, 398.0],
        1e-9,
    );
    // Limited to 100 wide: the height shrinks to 50; the bottom stays above the text.
    assert_rect(
        rect_above(&m, 2.0, 100.0),
        [100.0, 312.0, 200.0, 362.0],
        1e-9,
    );
    // A gap under 20 pt, or no line above: 60 pt high.
    let tight = TextMatch {
        line_above: Some([90.0, 330.0, 210.0, 340.0]),
        ..m.clone()
    };
    assert_rect(
        rect_above(&tight, 1.0, 500.0),
        [120.0, 312.0, 180.0, 372.0],
        1e-9,
    );
    let alone = TextMatch {
        line_above: None,
        ..m.clone()
    };
    assert_rect(
        rect_above(&alone, 0.5, 500.0),
        [135.0, 312.0, 165.0, 372.0],
        1e-9,
    );
    // Nonsense aspect: square; nonsense limit: none.
    assert_rect(
        rect_above(&alone, f64::NAN, -1.0),
        [120.0, 312.0, 180.0, 372.0],
        1e-9,
    );
}

// ---------------------------------------------------------------------------------------------
// The fixtures

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/pdf")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Helvetica-Bold widths of ASCII 32..=126 (the fixture generator's table).
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// The box of a centred bold line of the fixture (crates/kyso-fixtures/src/pdf.rs).
fn bold_centred(s: &str, size: f64, cx: f64, y: f64) -> [f64; 4] {
    let w: f64 = s
        .bytes()
        .map(|b| f64::from(HELVETICA_BOLD[usize::from(b - 32)]))
        .sum::<f64>()
        * size
        / 1000.0;
    [cx - w / 2.0, y - 0.22 * size, cx + w / 2.0, y + 0.75 * size]
}

#[test]
fn letter_classic_printed_name_and_the_picture_above_it() {
    let pdf = fixture("letter-classic.pdf");
    let doc = Document::open(&pdf).unwrap();
    let found = find_text(&doc, "Nguyen Van Anh", None).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let m = &found[0];
    assert_eq!(m.page, 1);
    // "Nguyen Van Anh": Helvetica-Bold 11, centred on x = 430, baseline 322.
    assert_rect(
        m.rect,
        bold_centred("Nguyen Van Anh", 11.0, 430.0, 322.0),
        2.0,
    );
    // The nearest line above it is the dashed box's caption "(Vi tri chu ky so)" (Helvetica
    // 9 at baseline 374), inside the box under "PHO GIAM DOC".
    let above = m.line_above.expect("a line above the printed name");
    assert!(close(above[1], 374.0 - 0.22 * 9.0, 2.0), "{above:?}");
    let lines = page_lines(&doc, 1).unwrap();
    let caption = lines
        .iter()
        .find(|(r, _)| *r == above)
        .map(|(_, t)| t.as_str());
    assert_eq!(caption, Some("(Vi tri chu ky so)"));
    // The picture lies between them, inside the dashed box (345 340 170 75 re).
    let r = rect_above(m, 2.0, 170.0);
    assert!(r[1] > m.rect[3] && r[3] < above[1], "{r:?}");
    assert!(r[0] >= 345.0 && r[2] <= 515.0, "{r:?}");
    assert!(close((r[0] + r[2]) / 2.0, 430.0, 2.0), "{r:?}");

    // The caption's own line above is the title "PHO GIAM DOC".
    let caption = find_text(&doc, "(Vi tri chu ky so)", Some(1)).unwrap();
    let title = caption[0].line_above.expect("the title line");
    assert_rect(title, bold_centred("PHO GIAM DOC", 11.0, 430.0, 426.0), 2.0);
    // With --anchor-page 2 the name is not found.
    assert!(
        find_text(&doc, "Nguyen Van Anh", Some(2))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn every_fixture_reads_and_finds_its_printed_name() {
    for name in [
        "letter-classic.pdf",
        "letter-xrefstream.pdf",
        "letter-linearized.pdf",
        "letter-updates.pdf",
        "letter-form.pdf",
        "letter-signed-pyhanko.pdf",
        "letter-signed-pyhanko-pades.pdf",
    ] {
        let pdf = fixture(name);
        let doc = Document::open(&pdf).unwrap();
        let found = find_text(&doc, "Nguyen Van Anh", None).unwrap();
        assert!(!found.is_empty(), "{name}");
        let last = found.last().unwrap();
        assert_rect(
            last.rect,
            bold_centred("Nguyen Van Anh", 11.0, 430.0, 322.0),
            2.0,
        );
        // A signature's picture (pyHanko's is drawn over the caption) is not read: the
        // caption stays whole, and is the printed name's line above.
        let caption = find_text(&doc, "(Vi tri chu ky so)", Some(1)).unwrap();
        assert_eq!(caption.len(), 1, "{name}");
        assert_eq!(last.line_above, Some(caption[0].rect), "{name}");
        let lines = page_lines(&doc, 1).unwrap();
        assert!(
            lines.iter().all(|(_, t)| !t.contains("Digital")),
            "{name}: {lines:?}"
        );
    }
}

/// The distinct words of two letters or more of a text.
fn words(s: &str) -> std::collections::BTreeSet<String> {
    s.split_whitespace()
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_owned)
        .collect()
}

/// The share of `a`'s words that are in `b`.
fn share(a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>) -> f64 {
    a.iter().filter(|w| b.contains(*w)).count() as f64 / a.len().max(1) as f64
}

/// Loosely the words pdftotext finds: at least 90 % of the distinct words either way (a
/// visible signature's text drawn over a caption, or drawn with a font that does not fit its
/// bytes as pyHanko's fixture does, reads differently in each).
#[test]
#[ignore = "needs pdftotext: run scripts/test.sh"]
fn page_lines_have_the_words_pdftotext_finds() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/pdf");
    let mut checked = 0;
    let mut exact = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "pdf") {
            continue;
        }
        let pdf = std::fs::read(&path).unwrap();
        let doc = Document::open(&pdf).unwrap();
        for page in 1..=doc.pages().unwrap().len() {
            let out = std::process::Command::new("pdftotext")
                .args(["-layout", "-f", &page.to_string(), "-l", &page.to_string()])
                .arg(&path)
                .arg("-")
                .output()
                .expect("pdftotext runs");
            assert!(out.status.success(), "{}", path.display());
            let theirs = words(&String::from_utf8_lossy(&out.stdout));
            let ours: String = page_lines(&doc, page)
                .unwrap()
                .into_iter()
                .map(|(_, t)| t + "\n")
                .collect();
            let ours = words(&ours);
            let (a, b) = (share(&theirs, &ours), share(&ours, &theirs));
            assert!(
                a >= 0.9 && b >= 0.9 && theirs.len() > 20,
                "{} page {page}: {a:.2} {b:.2}\nours only: {:?}\ntheirs only: {:?}",
                path.display(),
                ours.difference(&theirs).collect::<Vec<_>>(),
                theirs.difference(&ours).collect::<Vec<_>>()
            );
            exact += usize::from(ours == theirs);
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} pages checked");
    // Pages without a visible signature read exactly alike.
    assert!(
        exact >= 10,
        "only {exact} of {checked} pages read exactly alike"
    );
}
