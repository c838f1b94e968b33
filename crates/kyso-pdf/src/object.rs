//! The PDF object model and its serialization.

/// An indirect reference `num generation R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    pub num: u32,
    pub generation: u16,
}

impl ObjRef {
    pub fn new(num: u32, generation: u16) -> ObjRef {
        ObjRef { num, generation }
    }
}

impl std::fmt::Display for ObjRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} R", self.num, self.generation)
    }
}

/// A PDF object.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    /// A string's bytes (literal and hex strings compare equal when their bytes do).
    String(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Object>),
    Dict(Dict),
    Stream(Stream),
    Ref(ObjRef),
}

/// A dictionary, keeping key order.
#[derive(Debug, Clone, Default)]
pub struct Dict(pub Vec<(Vec<u8>, Object)>);

impl PartialEq for Dict {
    /// Order-insensitive comparison.
    fn eq(&self, other: &Dict) -> bool {
        self.0.len() == other.0.len() && self.0.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

/// A stream: its dictionary and its raw (still encoded) data.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub dict: Dict,
    pub data: Vec<u8>,
}

impl Dict {
    pub fn new() -> Dict {
        Dict(Vec::new())
    }

    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn set(&mut self, key: &[u8], value: Object) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_vec(), value)),
        }
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<Object> {
        let pos = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(pos).1)
    }

    /// The value of a name entry, e.g. `/Type /Page` gives `Some(b"Page")`.
    pub fn name(&self, key: &[u8]) -> Option<&[u8]> {
        match self.get(key) {
            Some(Object::Name(n)) => Some(n),
            _ => None,
        }
    }

    pub fn int(&self, key: &[u8]) -> Option<i64> {
        match self.get(key) {
            Some(Object::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn string(&self, key: &[u8]) -> Option<&[u8]> {
        match self.get(key) {
            Some(Object::String(s)) => Some(s),
            _ => None,
        }
    }

    pub fn reference(&self, key: &[u8]) -> Option<ObjRef> {
        match self.get(key) {
            Some(Object::Ref(r)) => Some(*r),
            _ => None,
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.0.iter().map(|(k, _)| k.as_slice())
    }
}

impl Object {
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Option<ObjRef> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }

    pub fn name(n: &str) -> Object {
        Object::Name(n.as_bytes().to_vec())
    }

    pub fn string(s: &[u8]) -> Object {
        Object::String(s.to_vec())
    }

    /// A text string: PDFDocEncoding when ASCII, else UTF-16BE with a BOM.
    pub fn text(s: &str) -> Object {
        if s.is_ascii() {
            Object::String(s.as_bytes().to_vec())
        } else {
            let mut out = vec![0xfe, 0xff];
            for u in s.encode_utf16() {
                out.extend_from_slice(&u.to_be_bytes());
            }
            Object::String(out)
        }
    }
}

/// Decodes a PDF text string (ISO 32000-1 7.9.2.2): UTF-16BE with a BOM (language escapes,
/// ESC-delimited, dropped), UTF-8 with a BOM (PDF 2.0), else PDFDocEncoding.
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| match c {
                [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                [hi] => u16::from_be_bytes([*hi, 0]),
                _ => 0xfffd,
            })
            .collect();
        let text = String::from_utf16_lossy(&units);
        // A language tag sits between two U+001B escapes: `ESC vi ESC text`.
        if text.contains('\u{1b}') {
            return text
                .split('\u{1b}')
                .enumerate()
                .filter(|(i, _)| i % 2 == 0)
                .map(|(_, part)| part)
                .collect();
        }
        text
    } else if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        bytes.iter().map(|&b| pdf_doc_char(b)).collect()
    }
}

/// PDFDocEncoding (ISO 32000-1 Annex D.2): Latin-1, except 0x18..=0x1F (spacing accents)
/// and 0x80..=0xA0 (punctuation, ligatures, some Latin letters, the euro sign).
fn pdf_doc_char(b: u8) -> char {
    const LOW: [char; 8] = [
        '\u{02d8}', '\u{02c7}', '\u{02c6}', '\u{02d9}', '\u{02dd}', '\u{02db}', '\u{02da}',
        '\u{02dc}',
    ];
    const HIGH: [char; 33] = [
        '\u{2022}', '\u{2020}', '\u{2021}', '\u{2026}', '\u{2014}', '\u{2013}', '\u{0192}',
        '\u{2044}', '\u{2039}', '\u{203a}', '\u{2212}', '\u{2030}', '\u{201e}', '\u{201c}',
        '\u{201d}', '\u{2018}', '\u{2019}', '\u{201a}', '\u{2122}', '\u{fb01}', '\u{fb02}',
        '\u{0141}', '\u{0152}', '\u{0160}', '\u{0178}', '\u{017d}', '\u{0131}', '\u{0142}',
        '\u{0153}', '\u{0161}', '\u{017e}', '\u{fffd}', '\u{20ac}',
    ];
    match b {
        0x18..=0x1f => LOW
            .get(usize::from(b - 0x18))
            .copied()
            .unwrap_or('\u{fffd}'),
        0x80..=0xa0 => HIGH
            .get(usize::from(b - 0x80))
            .copied()
            .unwrap_or('\u{fffd}'),
        _ => char::from(b),
    }
}

fn is_regular(b: u8) -> bool {
    !matches!(
        b,
        b'\0'
            | b'\t'
            | b'\n'
            | b'\x0c'
            | b'\r'
            | b' '
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

/// Writes an object in PDF syntax.
pub fn write_object(out: &mut Vec<u8>, obj: &Object) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => {
            let mut s = format!("{r:.6}");
            while s.contains('.') && (s.ends_with('0') || s.ends_with('.')) {
                s.pop();
            }
            if s.is_empty() || s == "-" {
                s = "0".into();
            }
            out.extend_from_slice(s.as_bytes());
        }
        Object::String(s) if s.iter().any(|b| !(0x20..0x7f).contains(b)) => {
            out.push(b'<');
            push_hex(out, s, b"0123456789ABCDEF");
            out.push(b'>');
        }
        Object::String(s) => {
            out.push(b'(');
            for &b in s {
                match b {
                    b'(' | b')' | b'\\' => {
                        out.push(b'\\');
                        out.push(b);
                    }
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    _ => out.push(b),
                }
            }
            out.push(b')');
        }
        Object::Name(n) => {
            out.push(b'/');
            for &b in n {
                if is_regular(b) && (b'!'..=b'~').contains(&b) && b != b'#' {
                    out.push(b);
                } else {
                    out.extend_from_slice(format!("#{b:02X}").as_bytes());
                }
            }
        }
        Object::Array(a) => {
            out.push(b'[');
            for (i, o) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, o);
            }
            out.push(b']');
        }
        Object::Dict(d) => write_dict(out, d),
        Object::Stream(s) => {
            let mut dict = s.dict.clone();
            dict.set(b"Length", Object::Int(s.data.len() as i64));
            write_dict(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.data);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Ref(r) => out.extend_from_slice(format!("{} {} R", r.num, r.generation).as_bytes()),
    }
}

fn write_dict(out: &mut Vec<u8>, d: &Dict) {
    out.extend_from_slice(b"<<");
    for (k, v) in &d.0 {
        write_object(out, &Object::Name(k.clone()));
        out.push(b' ');
        write_object(out, v);
        out.push(b' ');
    }
    out.extend_from_slice(b">>");
}

/// Appends `bytes` as hex digits taken from `digits` (upper- or lower-case).
pub(crate) fn push_hex(out: &mut Vec<u8>, bytes: &[u8], digits: &[u8; 16]) {
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(digits[usize::from(b >> 4)]);
        out.push(digits[usize::from(b & 0x0f)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes() {
        let mut d = Dict::new();
        d.set(b"Type", Object::name("Sig"));
        d.set(b"T", Object::string(b"a(b)"));
        d.set(b"R", Object::Real(0.5));
        d.set(b"N", Object::name("A B"));
        let mut out = Vec::new();
        write_object(&mut out, &Object::Dict(d));
        assert_eq!(
            out,
            b"<</Type /Sig /T (a\\(b\\)) /R 0.5 /N /A#20B >>".to_vec()
        );
    }

    #[test]
    fn text_strings() {
        assert_eq!(
            decode_text(&[0xfe, 0xff, 0x00, 0x41, 0x1e, 0xa0]),
            "A\u{1ea0}"
        );
        if let Object::String(s) = Object::text("Ánh") {
            assert_eq!(decode_text(&s), "Ánh");
        }
        // PDFDocEncoding: Latin-1 letters, and its own 0x80.. punctuation and euro sign.
        assert_eq!(
            decode_text(b"Caf\xe9 \x84 \x8dHa\x8e \xa0"),
            "Café — “Ha” €"
        );
        assert_eq!(decode_text(b"\x18"), "\u{02d8}");
        // UTF-16BE with a language escape.
        assert_eq!(
            decode_text(&[
                0xfe, 0xff, 0x00, 0x1b, 0x00, b'v', 0x00, b'i', 0x00, 0x1b, 0x00, b'H'
            ]),
            "H"
        );
        // An odd trailing byte does not panic.
        assert_eq!(decode_text(&[0xfe, 0xff, 0x00]), "\u{0}");
    }
}
