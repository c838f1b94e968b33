//! TrueType text for visible signatures: a [`Font`] (parsed once, shared) and a
//! [`TextEncoder`] that turns text into `Tj` operands and, at the end, embeds exactly the glyphs
//! it used.
//!
//! The font is written the way ISO 32000-2 9.7 asks for Unicode text in any script: a Type0
//! font with the `Identity-H` encoding over a `CIDFontType2` descendant whose `FontFile2` is a
//! subset of the TrueType font (made by the `subsetter` crate), `CIDToGIDMap /Identity` (a code
//! is the glyph's id in the subset), `/W` widths for the glyphs used, and a `/ToUnicode` CMap so
//! that copying and text extraction give the text back.
//!
//! Text is normalised to NFC first, so precomposed and combining Vietnamese input ("ễ" as one
//! character, or as "e" + U+0302 + U+0303) draw the same glyphs. A character the font has no
//! glyph for is drawn from its canonical decomposition (the longest precomposed base the font
//! has, then each combining mark as its own glyph) when the font has those glyphs; otherwise it
//! is an error, never a silent `.notdef` box.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use ttf_parser::{Face, GlyphId, Tag};
use unicode_normalization::UnicodeNormalization;

use crate::Error;
use crate::filter::deflate;
use crate::object::{Dict, ObjRef, Object, Stream};

/// Liberation Serif 2.1.5 (SIL OFL 1.1, see `fonts/LICENSE`).
const LIBERATION_SERIF: &[u8] = include_bytes!("../fonts/LiberationSerif-Regular.ttf");

/// FontDescriptor flags (ISO 32000-2 table 121).
const FLAG_FIXED_PITCH: i64 = 1;
const FLAG_SERIF: i64 = 1 << 1;
const FLAG_SYMBOLIC: i64 = 1 << 2;
const FLAG_ITALIC: i64 = 1 << 6;

/// A TrueType (glyf) font to draw text with. Cheap to clone (shared bytes).
#[derive(Clone)]
pub struct Font {
    inner: Arc<Inner>,
}

struct Inner {
    /// The whole font file (face 0 is used).
    data: Cow<'static, [u8]>,
    /// The PostScript name, restricted to characters that need no escaping in a PDF name.
    name: String,
    /// Unicode character → glyph id (never 0, always below the glyph count).
    cmap: HashMap<char, u16>,
    /// Advance width of every glyph, in thousandths of an em, rounded: the values of `/W`.
    widths: Vec<i64>,
    /// Metrics in thousandths of an em.
    ascent: f64,
    descent: f64,
    cap_height: f64,
    bbox: [f64; 4],
    italic_angle: f64,
    stem_v: f64,
    flags: i64,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font")
            .field("name", &self.inner.name)
            .finish_non_exhaustive()
    }
}

/// One piece of shaped text: a glyph and the text it stands for, or a character the font
/// cannot draw.
enum Piece {
    Glyph(u16, String),
    Missing(char),
}

fn font_err(what: impl Into<String>) -> Error {
    Error::Font(what.into())
}

/// Reads a big-endian u16 at `at` of a table, if it is there.
fn be_u16(table: &[u8], at: usize) -> Option<u16> {
    let b = table.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

impl Font {
    /// Parses a TrueType font (a .ttf, or face 0 of a .ttc); refuses CFF/OTF outlines and
    /// fonts whose licence bits (OS/2 fsType) forbid embedding, with a clear Error::Font(..).
    pub fn from_ttf(data: Vec<u8>) -> Result<Font, Error> {
        Font::parse(Cow::Owned(data))
    }

    /// The built-in Liberation Serif (include_bytes!), parsed once (std::sync::OnceLock).
    pub fn default_serif() -> Font {
        static SERIF: OnceLock<Font> = OnceLock::new();
        SERIF
            .get_or_init(|| {
                // The built-in font is part of the binary and a unit test parses it.
                Font::parse(Cow::Borrowed(LIBERATION_SERIF))
                    .expect("the built-in Liberation Serif parses")
            })
            .clone()
    }

    fn parse(data: Cow<'static, [u8]>) -> Result<Font, Error> {
        let face =
            Face::parse(&data, 0).map_err(|e| font_err(format!("not a TrueType font: {e}")))?;
        let raw = face.raw_face();
        if raw.table(Tag::from_bytes(b"CFF ")).is_some()
            || raw.table(Tag::from_bytes(b"CFF2")).is_some()
        {
            return Err(font_err(
                "the font has PostScript (CFF) outlines, as OpenType .otf fonts do: kyso embeds \
                 TrueType fonts (glyf outlines, usually .ttf) only",
            ));
        }
        if raw.table(Tag::from_bytes(b"glyf")).is_none()
            || raw.table(Tag::from_bytes(b"loca")).is_none()
        {
            return Err(font_err(
                "the font has no TrueType outlines (glyf and loca tables)",
            ));
        }
        let os2 = raw.table(Tag::from_bytes(b"OS/2"));
        if let Some(fs_type) = os2.and_then(|t| be_u16(t, 8)) {
            check_embedding(fs_type)?;
        }

        let name = postscript_name(&face);
        let glyph_count = face.number_of_glyphs();
        let mut cmap = HashMap::new();
        if let Some(table) = face.tables().cmap {
            for sub in table.subtables {
                if !sub.is_unicode() {
                    continue;
                }
                sub.codepoints(|cp| {
                    let (Some(c), Some(GlyphId(g))) = (char::from_u32(cp), sub.glyph_index(cp))
                    else {
                        return;
                    };
                    if g != 0 && g < glyph_count {
                        cmap.entry(c).or_insert(g);
                    }
                });
            }
        }
        if cmap.is_empty() {
            return Err(font_err("the font has no Unicode character map (cmap)"));
        }

        let upem = f64::from(face.units_per_em());
        let scale = |v: f64| v * 1000.0 / upem;
        let widths = (0..glyph_count)
            .map(|g| {
                let adv = face.glyph_hor_advance(GlyphId(g)).unwrap_or(0);
                scale(f64::from(adv)).round() as i64
            })
            .collect();
        let ascent = scale(f64::from(face.ascender()));
        let descent = scale(f64::from(face.descender()));
        let cap_height = face
            .capital_height()
            .filter(|h| *h > 0)
            .map(f64::from)
            .or_else(|| {
                let h = face.glyph_index('H')?;
                Some(f64::from(face.glyph_bounding_box(h)?.y_max))
            })
            .map(scale)
            .unwrap_or(ascent * 0.7);
        let b = face.global_bounding_box();
        let bbox = [
            scale(f64::from(b.x_min)),
            scale(f64::from(b.y_min)),
            scale(f64::from(b.x_max)),
            scale(f64::from(b.y_max)),
        ];
        // No font table holds the vertical stem width; this is the usual estimate from the
        // weight class (400 gives 95).
        let stem_v = 10.0 + 0.244 * (f64::from(face.weight().to_number()) - 50.0);
        let mut flags = FLAG_SYMBOLIC;
        if face.is_monospaced() {
            flags |= FLAG_FIXED_PITCH;
        }
        if face.is_italic() {
            flags |= FLAG_ITALIC;
        }
        if os2.is_some_and(is_serif) {
            flags |= FLAG_SERIF;
        }
        let italic_angle = f64::from(face.italic_angle());
        Ok(Font {
            inner: Arc::new(Inner {
                data,
                name,
                cmap,
                widths,
                ascent,
                descent,
                cap_height,
                bbox,
                italic_angle,
                stem_v,
                flags,
            }),
        })
    }

    pub fn postscript_name(&self) -> &str {
        &self.inner.name
    }

    /// The first character of `text` (after NFC) the font has no glyph for.
    pub fn missing_char(&self, text: &str) -> Option<char> {
        self.shape(text).into_iter().find_map(|p| match p {
            Piece::Missing(c) => Some(c),
            Piece::Glyph(..) => None,
        })
    }

    /// Advance width of `text` (after NFC) at `size` points.
    ///
    /// The glyph advances are those written to `/W` (thousandths of an em, rounded), so this is
    /// where a viewer puts the end of the text. A character without a glyph counts as `.notdef`.
    pub fn width(&self, text: &str, size: f64) -> f64 {
        let units: i64 = self
            .shape(text)
            .iter()
            .map(|p| match p {
                Piece::Glyph(g, _) => self.glyph_width(*g),
                Piece::Missing(_) => self.glyph_width(0),
            })
            .sum();
        units as f64 * size / 1000.0
    }

    /// Ascent (positive) and descent (negative) at `size` points (hhea or OS/2 typo).
    pub fn ascent(&self, size: f64) -> f64 {
        self.inner.ascent * size / 1000.0
    }

    pub fn descent(&self, size: f64) -> f64 {
        self.inner.descent * size / 1000.0
    }

    fn glyph_width(&self, glyph: u16) -> i64 {
        self.inner
            .widths
            .get(usize::from(glyph))
            .copied()
            .unwrap_or(0)
    }

    /// The glyphs for `text` after NFC, one piece per glyph.
    fn shape(&self, text: &str) -> Vec<Piece> {
        let mut out = Vec::with_capacity(text.len());
        for c in text.nfc() {
            match self.glyphs_for(c) {
                Some(glyphs) => out.extend(glyphs.into_iter().map(|(g, s)| Piece::Glyph(g, s))),
                None => out.push(Piece::Missing(c)),
            }
        }
        out
    }

    /// The glyphs that draw `c`: its own, or (when the font lacks it) the longest precomposed
    /// prefix of its canonical decomposition followed by the remaining combining marks.
    fn glyphs_for(&self, c: char) -> Option<Vec<(u16, String)>> {
        let cmap = &self.inner.cmap;
        if let Some(g) = cmap.get(&c) {
            return Some(vec![(*g, c.to_string())]);
        }
        let decomposed: Vec<char> = c.to_string().nfd().collect();
        if decomposed.len() < 2 {
            return None;
        }
        for k in (1..decomposed.len()).rev() {
            let (head, marks) = decomposed.split_at(k);
            let base: String = head.iter().collect::<String>().nfc().collect();
            let mut chars = base.chars();
            let (Some(b), None) = (chars.next(), chars.next()) else {
                continue;
            };
            let Some(g) = cmap.get(&b) else {
                continue;
            };
            let mut out = vec![(*g, b.to_string())];
            for m in marks {
                out.push((*cmap.get(m)?, m.to_string()));
            }
            return Some(out);
        }
        None
    }
}

/// Refuses the OS/2 fsType bits that forbid embedding a subset of the outlines.
fn check_embedding(fs_type: u16) -> Result<(), Error> {
    // Bits 1-3 of the low nibble: 0x2 restricted, 0x4 preview & print, 0x8 editable. Fonts
    // before OS/2 version 3 may set several; the most permissive one applies.
    if fs_type & 0x2 != 0 && fs_type & 0xc == 0 {
        return Err(font_err(
            "the font's licence forbids embedding it (OS/2 fsType: restricted licence embedding)",
        ));
    }
    if fs_type & 0x0100 != 0 {
        return Err(font_err(
            "the font's licence allows embedding only the whole font, and kyso embeds subsets \
             (OS/2 fsType: no subsetting)",
        ));
    }
    if fs_type & 0x0200 != 0 {
        return Err(font_err(
            "the font's licence allows embedding bitmaps only, not outlines (OS/2 fsType: \
             bitmap embedding only)",
        ));
    }
    Ok(())
}

/// A serif face by its OS/2 family class (1-5, 7) or PANOSE (Latin text, serif styles 2-10).
fn is_serif(os2: &[u8]) -> bool {
    let class = os2.get(30).copied().unwrap_or(0);
    let panose = (os2.get(32).copied(), os2.get(33).copied());
    matches!(class, 1..=5 | 7) || matches!(panose, (Some(2), Some(2..=10)))
}

/// The PostScript name (name id 6), keeping only characters a PDF name needs no escape for.
fn postscript_name(face: &Face<'_>) -> String {
    let raw = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| {
            n.to_string().or_else(|| {
                n.name
                    .is_ascii()
                    .then(|| String::from_utf8_lossy(n.name).into_owned())
            })
        })
        .unwrap_or_default();
    let name: String = raw
        .chars()
        .filter(|c| c.is_ascii_graphic() && !"()<>[]{}/%#".contains(*c))
        .take(63)
        .collect();
    if name.is_empty() {
        "Font".to_owned()
    } else {
        name
    }
}

/// Text shown with one font in one or more content streams; remembers the glyphs used so the
/// embedded subset has exactly those.
pub struct TextEncoder {
    font: Font,
    /// Original glyph id → glyph id in the subset (the code); `.notdef` is 0.
    remapper: subsetter::GlyphRemapper,
    /// Every code used: the original glyph and the text it stands for (the first seen).
    used: BTreeMap<u16, (u16, String)>,
}

impl std::fmt::Debug for TextEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextEncoder")
            .field("font", &self.font)
            .field("glyphs", &self.used.len())
            .finish()
    }
}

impl TextEncoder {
    pub fn new(font: &Font) -> TextEncoder {
        TextEncoder {
            font: font.clone(),
            remapper: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
        }
    }

    /// The operand for `Tj`: a hex string `<…>` of 2-byte codes for `text` (after NFC);
    /// a character without a glyph → Error::Font naming it (never a silent .notdef).
    pub fn encode(&mut self, text: &str) -> Result<Vec<u8>, Error> {
        let pieces = self.font.shape(text);
        if let Some(c) = pieces.iter().find_map(|p| match p {
            Piece::Missing(c) => Some(*c),
            Piece::Glyph(..) => None,
        }) {
            return Err(font_err(format!(
                "the font {} has no glyph for {c:?} (U+{:04X})",
                self.font.inner.name, c as u32
            )));
        }
        let mut out = Vec::with_capacity(2 + 4 * pieces.len());
        out.push(b'<');
        for piece in pieces {
            if let Piece::Glyph(glyph, text) = piece {
                // Glyph ids are below the font's glyph count (at most 65535), so the remapper
                // never runs out of codes.
                let code = self.remapper.remap(glyph);
                self.used.entry(code).or_insert((glyph, text));
                out.extend_from_slice(format!("{code:04X}").as_bytes());
            }
        }
        out.push(b'>');
        Ok(out)
    }

    /// Writes the Type0 font, CIDFontType2, FontDescriptor (flags, bbox, ascent, descent,
    /// cap height, ItalicAngle, StemV, FontFile2 = the subset, deflated), /W widths for the
    /// used glyphs, and /ToUnicode, through `add` (which stores an object and returns its
    /// reference); returns the Type0 font's reference for a /Resources /Font entry. The
    /// /BaseFont has the six-letter subset tag (ABCDEF+Name), derived deterministically from
    /// the glyph set (no randomness: the same input gives the same bytes).
    pub fn embed(self, add: &mut dyn FnMut(Object) -> ObjRef) -> Result<ObjRef, Error> {
        let inner = &self.font.inner;
        let subset = subset_font(&inner.data, &self.remapper)?;
        let base_font = format!("{}+{}", self.subset_tag(), inner.name);

        let mut file = Dict::new();
        file.set(b"Length1", Object::Int(subset.len() as i64));
        file.set(b"Filter", Object::name("FlateDecode"));
        let file = add(Object::Stream(Stream {
            dict: file,
            data: deflate(&subset),
        }));

        let mut descriptor = Dict::new();
        descriptor.set(b"Type", Object::name("FontDescriptor"));
        descriptor.set(b"FontName", Object::name(&base_font));
        descriptor.set(b"Flags", Object::Int(inner.flags));
        descriptor.set(
            b"FontBBox",
            Object::Array(inner.bbox.iter().map(|v| num(*v)).collect()),
        );
        descriptor.set(b"ItalicAngle", num(inner.italic_angle));
        descriptor.set(b"Ascent", num(inner.ascent));
        descriptor.set(b"Descent", num(inner.descent));
        descriptor.set(b"CapHeight", num(inner.cap_height));
        descriptor.set(b"StemV", num(inner.stem_v));
        descriptor.set(b"FontFile2", Object::Ref(file));
        let descriptor = add(Object::Dict(descriptor));

        let mut system_info = Dict::new();
        system_info.set(b"Registry", Object::string(b"Adobe"));
        system_info.set(b"Ordering", Object::string(b"Identity"));
        system_info.set(b"Supplement", Object::Int(0));
        let mut cid_font = Dict::new();
        cid_font.set(b"Type", Object::name("Font"));
        cid_font.set(b"Subtype", Object::name("CIDFontType2"));
        cid_font.set(b"BaseFont", Object::name(&base_font));
        cid_font.set(b"CIDSystemInfo", Object::Dict(system_info));
        cid_font.set(b"FontDescriptor", Object::Ref(descriptor));
        cid_font.set(b"DW", Object::Int(self.font.glyph_width(0)));
        cid_font.set(b"W", self.widths());
        cid_font.set(b"CIDToGIDMap", Object::name("Identity"));
        let cid_font = add(Object::Dict(cid_font));

        let mut to_unicode = Dict::new();
        to_unicode.set(b"Filter", Object::name("FlateDecode"));
        let to_unicode = add(Object::Stream(Stream {
            dict: to_unicode,
            data: deflate(&self.to_unicode()),
        }));

        let mut font = Dict::new();
        font.set(b"Type", Object::name("Font"));
        font.set(b"Subtype", Object::name("Type0"));
        font.set(b"BaseFont", Object::name(&base_font));
        font.set(b"Encoding", Object::name("Identity-H"));
        font.set(
            b"DescendantFonts",
            Object::Array(vec![Object::Ref(cid_font)]),
        );
        font.set(b"ToUnicode", Object::Ref(to_unicode));
        Ok(add(Object::Dict(font)))
    }

    /// Six capital letters from a SHA-256 of the font name and the glyphs used.
    fn subset_tag(&self) -> String {
        let mut input = self.font.inner.name.as_bytes().to_vec();
        for (code, (glyph, _)) in &self.used {
            input.extend_from_slice(&code.to_be_bytes());
            input.extend_from_slice(&glyph.to_be_bytes());
        }
        let digest = ring::digest::digest(&ring::digest::SHA256, &input);
        digest
            .as_ref()
            .iter()
            .take(6)
            .map(|b| char::from(b'A' + b % 26))
            .collect()
    }

    /// `/W`: runs of consecutive codes, each `c [w1 w2 …]`.
    fn widths(&self) -> Object {
        let mut out = Vec::new();
        let mut run: Option<(u16, Vec<Object>)> = None;
        for (code, (glyph, _)) in &self.used {
            let w = Object::Int(self.font.glyph_width(*glyph));
            match &mut run {
                Some((start, ws)) if usize::from(*start) + ws.len() == usize::from(*code) => {
                    ws.push(w)
                }
                _ => {
                    if let Some((start, ws)) = run.take() {
                        out.push(Object::Int(i64::from(start)));
                        out.push(Object::Array(ws));
                    }
                    run = Some((*code, vec![w]));
                }
            }
        }
        if let Some((start, ws)) = run {
            out.push(Object::Int(i64::from(start)));
            out.push(Object::Array(ws));
        }
        Object::Array(out)
    }

    /// The `/ToUnicode` CMap: each code to the UTF-16BE text its glyph stands for.
    fn to_unicode(&self) -> Vec<u8> {
        let mut out = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<_> = self.used.iter().collect();
        // At most 100 entries per bfchar block (ISO 32000-2 9.10.3, the CMap syntax limit).
        for chunk in entries.chunks(100) {
            out.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for (code, (_, text)) in chunk {
                let utf16: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
                out.push_str(&format!("<{code:04X}> <{utf16}>\n"));
            }
            out.push_str("endbfchar\n");
        }
        out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        out.into_bytes()
    }
}

/// A PDF number: an integer when the value is one (to three decimals), else a real.
fn num(v: f64) -> Object {
    let r = (v * 1000.0).round() / 1000.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        Object::Int(r as i64)
    } else {
        Object::Real(r)
    }
}

/// The subset font program: the glyphs of `remapper` (plus the components of composite
/// glyphs), renumbered in the remapper's order, without a cmap.
fn subset_font(data: &[u8], remapper: &subsetter::GlyphRemapper) -> Result<Vec<u8>, Error> {
    // The subsetter reads a font the user configured; its own checks return errors, and this
    // guard turns any panic left in it into an error too.
    match std::panic::catch_unwind(|| subsetter::subset(data, 0, remapper)) {
        Ok(Ok(subset)) => Ok(subset),
        Ok(Err(e)) => Err(font_err(format!("cannot subset the font: {e}"))),
        Err(_) => Err(font_err(
            "cannot subset the font: the subsetter failed on it",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stores objects in a vector, numbering them from 1.
    fn collect(enc: TextEncoder) -> (ObjRef, Vec<Object>) {
        let mut objects = Vec::new();
        let font = enc
            .embed(&mut |o| {
                objects.push(o);
                ObjRef::new(objects.len() as u32, 0)
            })
            .unwrap();
        (font, objects)
    }

    fn get(objects: &[Object], r: &Object) -> Object {
        let r = r.as_ref().unwrap();
        objects[r.num as usize - 1].clone()
    }

    #[test]
    fn fonts_and_encoders_move_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Font>();
        send_sync::<TextEncoder>();
    }

    #[test]
    fn parses_the_default_font() {
        let font = Font::default_serif();
        assert_eq!(font.postscript_name(), "LiberationSerif");
        assert_eq!(
            format!("{font:?}"),
            "Font { name: \"LiberationSerif\", .. }"
        );
        // Liberation Serif: hhea ascender 1825, descender -443 on 2048 units per em.
        assert!(
            (font.ascent(1000.0) - 891.113).abs() < 0.01,
            "{}",
            font.ascent(1000.0)
        );
        assert!(
            (font.descent(1000.0) + 216.309).abs() < 0.01,
            "{}",
            font.descent(1000.0)
        );
        assert_eq!(font.inner.flags, FLAG_SERIF | FLAG_SYMBOLIC);
        assert!(font.inner.cap_height > 600.0 && font.inner.cap_height < 700.0);
    }

    #[test]
    fn widths_are_the_times_metrics() {
        let font = Font::default_serif();
        // Times New Roman advances (thousandths of an em): H 722, a 444, space 250, n 500.
        assert_eq!(font.width("H", 1000.0), 722.0);
        assert_eq!(font.width("a", 1000.0), 444.0);
        assert_eq!(font.width(" ", 1000.0), 250.0);
        assert_eq!(
            font.width("Han", 12.0),
            (722.0 + 444.0 + 500.0) * 12.0 / 1000.0
        );
        // A Vietnamese letter with two marks has the advance of its base letter.
        assert_eq!(font.width("ễ", 10.0), font.width("e", 10.0));
    }

    #[test]
    fn precomposed_and_combining_forms_give_the_same_codes() {
        let font = Font::default_serif();
        for text in [
            "Nguyễn Văn An",
            "Thời gian ký",
            "ĐẾN",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        ] {
            let nfc: String = text.nfc().collect();
            let nfd: String = text.nfd().collect();
            assert_ne!(nfc, nfd, "{text} has marks");
            let mut enc = TextEncoder::new(&font);
            let a = enc.encode(&nfc).unwrap();
            let b = enc.encode(&nfd).unwrap();
            assert_eq!(a, b, "{text}");
            let fresh = TextEncoder::new(&font).encode(&nfd).unwrap();
            assert_eq!(a, fresh, "{text}");
            // One code per character: every letter is precomposed in Liberation.
            assert_eq!(a.len(), 2 + 4 * nfc.chars().count(), "{text}");
            assert_eq!(font.width(&nfc, 12.0), font.width(&nfd, 12.0));
            assert_eq!(font.missing_char(&nfd), None);
        }
    }

    #[test]
    fn a_sequence_without_a_precomposed_glyph_is_base_and_marks() {
        let font = Font::default_serif();
        // "q̃": q + combining tilde has no precomposed form in Unicode.
        let mut enc = TextEncoder::new(&font);
        let codes = enc.encode("q\u{303}").unwrap();
        assert_eq!(codes.len(), 2 + 8);
        // Liberation's combining marks have no advance: the mark sits over the base.
        assert_eq!(font.width("q\u{303}", 12.0), font.width("q", 12.0));
        // A precomposed letter the font lacks, drawn from its decomposition: pretend the font
        // has no "ễ" by asking for the pieces directly.
        let pieces = font.glyphs_for('\u{1ec5}').unwrap();
        assert_eq!(pieces.len(), 1, "Liberation has ễ precomposed");
        let stripped = Font {
            inner: Arc::new(font.inner.clone_without('\u{1ec5}')),
        };
        let pieces = stripped.glyphs_for('\u{1ec5}').unwrap();
        let texts: Vec<&str> = pieces.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["ê", "\u{303}"]);
        let mut enc = TextEncoder::new(&stripped);
        let two = enc.encode("ễ").unwrap();
        assert_eq!(two.len(), 2 + 8);
    }

    impl Inner {
        /// A copy of the font data and tables without the glyph of `c` in the cmap.
        fn clone_without(&self, c: char) -> Inner {
            let mut cmap = self.cmap.clone();
            cmap.remove(&c);
            Inner {
                data: self.data.clone(),
                name: self.name.clone(),
                cmap,
                widths: self.widths.clone(),
                ascent: self.ascent,
                descent: self.descent,
                cap_height: self.cap_height,
                bbox: self.bbox,
                italic_angle: self.italic_angle,
                stem_v: self.stem_v,
                flags: self.flags,
            }
        }
    }

    #[test]
    fn a_missing_glyph_is_an_error_naming_it() {
        let font = Font::default_serif();
        assert_eq!(font.missing_char("Số 12 ☃ và 中"), Some('☃'));
        let err = TextEncoder::new(&font).encode("Số ☃").unwrap_err();
        assert_eq!(
            err,
            Error::Font("the font LiberationSerif has no glyph for '☃' (U+2603)".into())
        );
        assert!(TextEncoder::new(&font).encode("a\nb").is_err());
        assert_eq!(
            font.missing_char("Thời gian ký: 2026-12-03T10:33:35+07:00"),
            None
        );
    }

    #[test]
    fn embeds_a_type0_font_with_a_subset_and_to_unicode() {
        let font = Font::default_serif();
        let mut enc = TextEncoder::new(&font);
        assert_eq!(enc.encode("An").unwrap(), b"<00010002>".to_vec());
        assert_eq!(enc.encode("nA ễ").unwrap(), b"<0002000100030004>".to_vec());
        let (r, objects) = collect(enc);
        assert_eq!(r.num as usize, objects.len());
        let type0 = objects.last().unwrap().as_dict().unwrap().clone();
        assert_eq!(type0.name(b"Subtype"), Some(&b"Type0"[..]));
        assert_eq!(type0.name(b"Encoding"), Some(&b"Identity-H"[..]));
        let base = String::from_utf8(type0.name(b"BaseFont").unwrap().to_vec()).unwrap();
        let (tag, name) = base.split_once('+').unwrap();
        assert_eq!(name, "LiberationSerif");
        assert!(
            tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
            "{tag}"
        );

        let cid = get(
            &objects,
            &type0.get(b"DescendantFonts").unwrap().as_array().unwrap()[0],
        );
        let cid = cid.as_dict().unwrap();
        assert_eq!(cid.name(b"Subtype"), Some(&b"CIDFontType2"[..]));
        assert_eq!(cid.name(b"CIDToGIDMap"), Some(&b"Identity"[..]));
        // Codes 1-4: A n space ễ.
        assert_eq!(
            cid.get(b"W"),
            Some(&Object::Array(vec![
                Object::Int(1),
                Object::Array(vec![
                    Object::Int(722),
                    Object::Int(500),
                    Object::Int(250),
                    Object::Int(444)
                ])
            ]))
        );
        let descriptor = get(&objects, cid.get(b"FontDescriptor").unwrap());
        let descriptor = descriptor.as_dict().unwrap();
        assert_eq!(descriptor.name(b"FontName"), Some(base.as_bytes()));
        for key in [
            &b"Ascent"[..],
            b"Descent",
            b"CapHeight",
            b"StemV",
            b"ItalicAngle",
        ] {
            assert!(
                descriptor.get(key).is_some(),
                "{}",
                String::from_utf8_lossy(key)
            );
        }
        let file = get(&objects, descriptor.get(b"FontFile2").unwrap());
        let Object::Stream(file) = file else {
            panic!("FontFile2 is a stream")
        };
        let program = crate::filter::decode(&file).unwrap();
        assert_eq!(file.dict.int(b"Length1"), Some(program.len() as i64));
        assert!(
            program.len() < 20_000,
            "a subset, not the whole font: {}",
            program.len()
        );
        // The subset is a TrueType font whose glyph 1 is "A" and glyph 4 is "ễ".
        let sub = Face::parse(&program, 0).unwrap();
        assert!(sub.number_of_glyphs() >= 5);
        let whole = Face::parse(LIBERATION_SERIF, 0).unwrap();
        for (code, c) in [(1, 'A'), (2, 'n'), (4, 'ễ')] {
            let orig = whole.glyph_index(c).unwrap();
            assert_eq!(
                sub.glyph_hor_advance(GlyphId(code)),
                whole.glyph_hor_advance(orig)
            );
            assert_eq!(
                sub.glyph_bounding_box(GlyphId(code)),
                whole.glyph_bounding_box(orig),
                "{c}"
            );
        }

        let Object::Stream(cmap) = get(&objects, type0.get(b"ToUnicode").unwrap()) else {
            panic!("ToUnicode is a stream")
        };
        let cmap = String::from_utf8(crate::filter::decode(&cmap).unwrap()).unwrap();
        assert!(cmap.contains("4 beginbfchar\n<0001> <0041>\n<0002> <006E>\n<0003> <0020>\n<0004> <1EC5>\nendbfchar"), "{cmap}");
    }

    #[test]
    fn embedding_is_deterministic() {
        let font = Font::default_serif();
        let run = |text: &str| {
            let mut enc = TextEncoder::new(&font);
            enc.encode(text).unwrap();
            let (_, objects) = collect(enc);
            let mut out = Vec::new();
            for o in &objects {
                crate::object::write_object(&mut out, o);
            }
            out
        };
        let a = run("SAO Y Thời gian ký");
        assert_eq!(a, run("SAO Y Thời gian ký"));
        let b = run("ĐẾN");
        assert_ne!(a, b);
        let tag = |bytes: &[u8]| {
            let at = bytes.windows(11).position(|w| w == b"/BaseFont /").unwrap() + 11;
            bytes[at..at + 6].to_vec()
        };
        assert_ne!(tag(&a), tag(&b), "the tag follows the glyph set");
    }

    /// Liberation Serif's table directory, with the table `from` renamed to `to` (the
    /// directory kept sorted) and the sfnt version set to `version`.
    fn retagged(from: &[u8; 4], to: &[u8; 4], version: &[u8; 4]) -> Vec<u8> {
        let mut data = LIBERATION_SERIF.to_vec();
        let count = u16::from_be_bytes([data[4], data[5]]) as usize;
        let mut records: Vec<[u8; 16]> = (0..count)
            .map(|i| data[12 + 16 * i..28 + 16 * i].try_into().unwrap())
            .collect();
        for r in &mut records {
            if &r[..4] == from {
                r[..4].copy_from_slice(to);
            }
        }
        records.sort_by(|a, b| a[..4].cmp(&b[..4]));
        for (i, r) in records.iter().enumerate() {
            data[12 + 16 * i..28 + 16 * i].copy_from_slice(r);
        }
        data[..4].copy_from_slice(version);
        data
    }

    #[test]
    fn cff_outlines_are_refused() {
        let otf = retagged(b"glyf", b"CFF ", b"OTTO");
        let err = Font::from_ttf(otf).unwrap_err();
        assert!(matches!(&err, Error::Font(m) if m.contains("CFF")), "{err}");
        let no_outlines = retagged(b"glyf", b"zzzz", &[0, 1, 0, 0]);
        let err = Font::from_ttf(no_outlines).unwrap_err();
        assert!(
            matches!(&err, Error::Font(m) if m.contains("no TrueType outlines")),
            "{err}"
        );
        let err = Font::from_ttf(b"%PDF-1.7 not a font".to_vec()).unwrap_err();
        assert!(
            matches!(&err, Error::Font(m) if m.starts_with("not a TrueType font")),
            "{err}"
        );
    }

    #[test]
    fn licence_bits_that_forbid_embedding_are_refused() {
        let with_fs_type = |fs_type: u16| {
            let mut data = LIBERATION_SERIF.to_vec();
            let count = u16::from_be_bytes([data[4], data[5]]) as usize;
            let os2 = (0..count)
                .map(|i| &data[12 + 16 * i..28 + 16 * i])
                .find(|r| &r[..4] == b"OS/2")
                .map(|r| u32::from_be_bytes(r[8..12].try_into().unwrap()) as usize)
                .unwrap();
            data[os2 + 8..os2 + 10].copy_from_slice(&fs_type.to_be_bytes());
            Font::from_ttf(data)
        };
        assert!(with_fs_type(0).is_ok());
        assert!(
            with_fs_type(0x0004).is_ok(),
            "preview & print allows embedding"
        );
        assert!(with_fs_type(0x0008).is_ok(), "editable");
        for (bits, words) in [
            (0x0002, "restricted"),
            (0x0100, "no subsetting"),
            (0x0208, "bitmap embedding only"),
        ] {
            let err = with_fs_type(bits).unwrap_err();
            assert!(
                matches!(&err, Error::Font(m) if m.contains(words)),
                "{bits:#x}: {err}"
            );
        }
    }

    #[test]
    fn face_zero_of_a_collection() {
        // A .ttc header with one face: the face's table offsets are absolute, so the header
        // goes in front and every offset moves by its length.
        let ttf = LIBERATION_SERIF;
        let header_len = 16u32;
        let mut ttc = b"ttcf\x00\x01\x00\x00\x00\x00\x00\x01".to_vec();
        ttc.extend_from_slice(&header_len.to_be_bytes());
        let mut face = ttf.to_vec();
        let count = u16::from_be_bytes([face[4], face[5]]) as usize;
        for i in 0..count {
            let at = 12 + 16 * i + 8;
            let off = u32::from_be_bytes(face[at..at + 4].try_into().unwrap()) + header_len;
            face[at..at + 4].copy_from_slice(&off.to_be_bytes());
        }
        ttc.extend_from_slice(&face);
        let font = Font::from_ttf(ttc).unwrap();
        assert_eq!(font.postscript_name(), "LiberationSerif");
        let mut enc = TextEncoder::new(&font);
        enc.encode("Văn").unwrap();
        let (_, objects) = collect(enc);
        assert_eq!(objects.len(), 5);
    }
}
