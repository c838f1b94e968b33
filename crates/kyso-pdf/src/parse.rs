//! A bounds-checked PDF object parser.

use crate::Error;
use crate::object::{Dict, ObjRef, Object, Stream};

const MAX_DEPTH: usize = 100;

pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// A cursor over PDF bytes.
#[derive(Debug, Clone)]
pub struct Parser<'a> {
    data: &'a [u8],
    pub pos: usize,
}

impl<'a> Parser<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Parser<'a> {
        Parser { data, pos }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn err(&self, what: &'static str) -> Error {
        Error::syntax(self.pos, what)
    }

    /// Skips whitespace and comments.
    pub fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Reads a bare keyword or number token (regular characters).
    pub fn token(&mut self) -> &'a [u8] {
        self.skip_ws();
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_whitespace(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    /// Consumes `kw` if it is the next token.
    pub fn eat_keyword(&mut self, kw: &[u8]) -> bool {
        let save = self.pos;
        if self.token() == kw {
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// Reads an unsigned integer token.
    pub fn uint(&mut self) -> Option<u64> {
        let save = self.pos;
        let t = self.token();
        if !t.is_empty() && t.len() <= 18 && t.iter().all(u8::is_ascii_digit) {
            Some(t.iter().fold(0u64, |a, d| a * 10 + (d - b'0') as u64))
        } else {
            self.pos = save;
            None
        }
    }

    /// Parses one direct object (references `n g R` included).
    pub fn object(&mut self) -> Result<Object, Error> {
        self.object_at_depth(0)
    }

    fn object_at_depth(&mut self, depth: usize) -> Result<Object, Error> {
        if depth > MAX_DEPTH {
            return Err(self.err("objects nested too deeply"));
        }
        self.skip_ws();
        let b = self
            .peek()
            .ok_or_else(|| self.err("unexpected end of file"))?;
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name_body()))
            }
            b'(' => self.literal_string(),
            b'<' => {
                if self.data.get(self.pos + 1) == Some(&b'<') {
                    self.pos += 2;
                    Ok(Object::Dict(self.dict_body(depth)?))
                } else {
                    self.hex_string()
                }
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Object::Array(items));
                        }
                        None => return Err(self.err("unterminated array")),
                        _ => items.push(self.object_at_depth(depth + 1)?),
                    }
                }
            }
            _ => {
                let start = self.pos;
                let t = self.token();
                match t {
                    b"true" => Ok(Object::Bool(true)),
                    b"false" => Ok(Object::Bool(false)),
                    b"null" => Ok(Object::Null),
                    _ => {
                        if t.is_empty() {
                            self.pos = start + 1;
                            return Err(Error::syntax(start, "unexpected delimiter"));
                        }
                        self.number_or_ref(t, start)
                    }
                }
            }
        }
    }

    fn number_or_ref(&mut self, t: &[u8], start: usize) -> Result<Object, Error> {
        let is_int = |s: &[u8]| {
            let digits = s
                .strip_prefix(b"+")
                .or_else(|| s.strip_prefix(b"-"))
                .unwrap_or(s);
            !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
        };
        if is_int(t) {
            // Look ahead for `generation R`.
            if !t.starts_with(b"-") && !t.starts_with(b"+") {
                let save = self.pos;
                if let Some(generation) = self.uint()
                    && self.eat_keyword(b"R")
                {
                    let num = parse_i64(t).ok_or(Error::syntax(start, "bad object number"))?;
                    if (0..=u32::MAX as i64).contains(&num) && generation <= u16::MAX as u64 {
                        return Ok(Object::Ref(ObjRef::new(num as u32, generation as u16)));
                    }
                    return Err(Error::syntax(start, "object number out of range"));
                }
                self.pos = save;
            }
            return parse_i64(t)
                .map(Object::Int)
                .ok_or(Error::syntax(start, "integer out of range"));
        }
        let text = std::str::from_utf8(t).map_err(|_| Error::syntax(start, "bad number"))?;
        let cleaned = if text.starts_with("--") {
            &text[1..]
        } else {
            text
        };
        cleaned
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && !cleaned.contains(['e', 'E', 'i', 'n', 'N', 'I']))
            .map(Object::Real)
            .ok_or(Error::syntax(start, "unknown token"))
    }

    fn name_body(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            if is_whitespace(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
            if b == b'#' {
                let hex = self.data.get(self.pos..self.pos + 2).and_then(|h| {
                    let s = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(s, 16).ok()
                });
                if let Some(v) = hex {
                    out.push(v);
                    self.pos += 2;
                    continue;
                }
            }
            out.push(b);
        }
        out
    }

    fn literal_string(&mut self) -> Result<Object, Error> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let b = self
                .peek()
                .ok_or(Error::syntax(start, "unterminated string"))?;
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(Object::String(out));
                    }
                    out.push(b);
                }
                b'\\' => {
                    let e = self
                        .peek()
                        .ok_or(Error::syntax(start, "unterminated string"))?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = (e - b'0') as u32;
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
    }

    fn hex_string(&mut self) -> Result<Object, Error> {
        let start = self.pos;
        self.pos += 1;
        let end = self.data[self.pos..]
            .iter()
            .position(|&b| b == b'>')
            .ok_or(Error::syntax(start, "unterminated hex string"))?;
        let body = &self.data[self.pos..self.pos + end];
        self.pos += end + 1;
        decode_hex(body)
            .map(Object::String)
            .ok_or(Error::syntax(start, "bad hex string"))
    }

    fn dict_body(&mut self, depth: usize) -> Result<Dict, Error> {
        let mut dict = Dict::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'>') if self.data.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return Ok(dict);
                }
                Some(b'/') => {
                    self.pos += 1;
                    let key = self.name_body();
                    let value = self.object_at_depth(depth + 1)?;
                    // Later duplicates are ignored, as most readers do.
                    if dict.get(&key).is_none() {
                        dict.0.push((key, value));
                    }
                }
                None => return Err(self.err("unterminated dictionary")),
                _ => return Err(self.err("dictionary key is not a name")),
            }
        }
    }
}

fn parse_i64(t: &[u8]) -> Option<i64> {
    std::str::from_utf8(t).ok()?.parse().ok()
}

/// Hex digit values; `WS` marks PDF whitespace, `BAD` anything else.
const WS: u8 = 0xfe;
const BAD: u8 = 0xff;
static HEX: [u8; 256] = {
    let mut t = [BAD; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t[0] = WS;
    t[b'\t' as usize] = WS;
    t[b'\n' as usize] = WS;
    t[0x0c] = WS;
    t[b'\r' as usize] = WS;
    t[b' ' as usize] = WS;
    t
};

/// Decodes hex digits, ignoring whitespace; an odd final digit is followed by 0.
pub fn decode_hex(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() / 2);
    let mut hi: Option<u8> = None;
    let mut rest = body;
    // Fast paths: runs of zero digits (the padding of signature /Contents), then pairs of
    // digits (the signature itself).
    while let Some((run, tail)) = rest.split_first_chunk::<32>() {
        if run != &[b'0'; 32] {
            break;
        }
        out.extend_from_slice(&[0u8; 16]);
        rest = tail;
    }
    while let [a, b, tail @ ..] = rest {
        if let Some((run, after)) = rest.split_first_chunk::<32>()
            && run == &[b'0'; 32]
        {
            out.extend_from_slice(&[0u8; 16]);
            rest = after;
            continue;
        }
        let (x, y) = (HEX[*a as usize], HEX[*b as usize]);
        if x >= 16 || y >= 16 {
            break;
        }
        out.push(x << 4 | y);
        rest = tail;
    }
    for &b in rest {
        let v = HEX[b as usize];
        if v == WS {
            continue;
        }
        if v == BAD {
            return None;
        }
        match hi.take() {
            Some(h) => out.push(h << 4 | v),
            None => hi = Some(v),
        }
    }
    if let Some(h) = hi {
        out.push(h << 4);
    }
    Some(out)
}

/// Whether every byte is a hex digit or whitespace.
pub fn is_hex_text(body: &[u8]) -> bool {
    body.iter().all(|b| HEX[*b as usize] != BAD)
}

/// Whether the hex string body `body` (digits and whitespace) encodes exactly `bytes`, checked
/// in one pass without decoding into a buffer (runs of zero padding compared 16 bytes at a time).
pub fn hex_encodes(body: &[u8], bytes: &[u8]) -> bool {
    let mut rest = body;
    let mut expected = bytes;
    loop {
        // Zero padding: 32 '0' digits against 16 zero bytes.
        if let (Some((run, tail)), Some((want, etail))) = (
            rest.split_first_chunk::<32>(),
            expected.split_first_chunk::<16>(),
        ) && run == &[b'0'; 32]
            && want == &[0u8; 16]
        {
            rest = tail;
            expected = etail;
            continue;
        }
        match rest {
            [a, b, tail @ ..] if HEX[*a as usize] < 16 && HEX[*b as usize] < 16 => {
                let Some((want, etail)) = expected.split_first() else {
                    return false;
                };
                if HEX[*a as usize] << 4 | HEX[*b as usize] != *want {
                    return false;
                }
                rest = tail;
                expected = etail;
            }
            [] => return expected.is_empty(),
            // Whitespace, odd lengths or anything unusual: decode the rest the general way.
            _ => return decode_hex(rest).is_some_and(|d| d == expected),
        }
    }
}

/// An indirect object as found in the file.
#[derive(Debug, Clone)]
pub struct IndirectObject {
    pub id: ObjRef,
    pub object: Object,
    /// Offset just past `endobj` (or past the object when `endobj` is missing).
    pub end: usize,
}

/// Parses `num generation obj ... endobj` at `offset`. `length_of` resolves an indirect /Length.
pub fn parse_indirect(
    data: &[u8],
    offset: usize,
    length_of: &dyn Fn(ObjRef) -> Option<i64>,
) -> Result<IndirectObject, Error> {
    let mut p = Parser::new(data, offset);
    let num = p
        .uint()
        .ok_or(Error::syntax(offset, "expected an object number"))?;
    let generation = p
        .uint()
        .ok_or(Error::syntax(offset, "expected a generation number"))?;
    if !p.eat_keyword(b"obj") || num > u32::MAX as u64 || generation > u16::MAX as u64 {
        return Err(Error::syntax(offset, "expected 'obj'"));
    }
    let id = ObjRef::new(num as u32, generation as u16);
    let object = p.object()?;
    let save = p.pos;
    if let (Object::Dict(dict), true) = (&object, p.eat_keyword(b"stream")) {
        // The stream keyword is followed by CRLF or LF.
        let mut start = p.pos;
        if data.get(start) == Some(&b'\r') {
            start += 1;
        }
        if data.get(start) == Some(&b'\n') {
            start += 1;
        }
        let declared = match dict.get(b"Length") {
            Some(Object::Int(n)) => Some(*n),
            Some(Object::Ref(r)) => length_of(*r),
            _ => None,
        };
        let ends_well = |end: usize| {
            let mut q = Parser::new(data, end);
            q.eat_keyword(b"endstream")
        };
        let data_end = match declared {
            Some(n)
                if n >= 0
                    && start
                        .checked_add(n as usize)
                        .is_some_and(|e| e <= data.len() && ends_well(e)) =>
            {
                start + n as usize
            }
            _ => {
                // Recover: find `endstream` and trim the EOL before it.
                let rel = find(&data[start..], b"endstream")
                    .ok_or(Error::syntax(start, "stream without endstream"))?;
                let mut e = start + rel;
                if e > start && data[e - 1] == b'\n' {
                    e -= 1;
                }
                if e > start && data[e - 1] == b'\r' {
                    e -= 1;
                }
                e
            }
        };
        let mut q = Parser::new(data, data_end);
        q.eat_keyword(b"endstream");
        q.eat_keyword(b"endobj");
        let stream = Stream {
            dict: dict.clone(),
            data: data[start..data_end].to_vec(),
        };
        return Ok(IndirectObject {
            id,
            object: Object::Stream(stream),
            end: q.pos,
        });
    }
    p.pos = save;
    p.eat_keyword(b"endobj");
    Ok(IndirectObject {
        id,
        object,
        end: p.pos,
    })
}

/// Finds `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    memchr::memmem::find(hay, needle)
}

/// Finds the last `needle` in `hay`.
pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    memchr::memmem::rfind(hay, needle)
}

#[cfg(test)]
mod tests {

    #[test]
    fn hex_with_zero_padding_decodes_and_compares() {
        let mut body = b"3082 01ab00ff".to_vec();
        body.extend_from_slice(&[b'0'; 100]);
        body.extend_from_slice(b"7");
        let mut want = vec![0x30, 0x82, 0x01, 0xab, 0x00, 0xff];
        want.extend_from_slice(&[0u8; 50]);
        want.push(0x70);
        assert_eq!(decode_hex(&body).as_deref(), Some(&want[..]));
        assert!(hex_encodes(&body, &want));
        let mut other = want.clone();
        other[20] = 1;
        assert!(!hex_encodes(&body, &other));
        assert!(!hex_encodes(&body, &want[..want.len() - 1]));
        let zeros = [b'0'; 64];
        assert_eq!(decode_hex(&zeros), Some(vec![0u8; 32]));
        assert!(hex_encodes(&zeros, &[0u8; 32]));
        assert!(!hex_encodes(&zeros, &[0u8; 33]));
        assert!(!hex_encodes(&zeros, &[0u8; 31]));
        assert!(!hex_encodes(b"0g", &[0]));
        assert!(hex_encodes(b"", &[]));
    }
    use super::*;

    fn parse(s: &[u8]) -> Object {
        Parser::new(s, 0).object().unwrap()
    }

    #[test]
    fn objects() {
        assert_eq!(parse(b"12 0 R"), Object::Ref(ObjRef::new(12, 0)));
        assert_eq!(parse(b"-3"), Object::Int(-3));
        assert_eq!(parse(b"3.5"), Object::Real(3.5));
        assert_eq!(parse(b"(a\\(b\\)\\101)"), Object::String(b"a(b)A".to_vec()));
        assert_eq!(parse(b"<48 65 6>"), Object::String(b"He`".to_vec()));
        assert_eq!(parse(b"/A#20B"), Object::Name(b"A B".to_vec()));
        let d = parse(b"<< /Type /Page /Kids [1 0 R 2 0 R] /N null >>");
        assert_eq!(
            d.as_dict().and_then(|d| d.name(b"Type")),
            Some(&b"Page"[..])
        );
    }

    #[test]
    fn indirect_stream() {
        let data = b"7 0 obj\n<< /Length 5 >>\nstream\nhello\nendstream\nendobj\n";
        let o = parse_indirect(data, 0, &|_| None).unwrap();
        assert_eq!(o.id, ObjRef::new(7, 0));
        match o.object {
            Object::Stream(s) => assert_eq!(s.data, b"hello"),
            _ => panic!("not a stream"),
        }
        // Wrong length is recovered.
        let data = b"7 0 obj\n<< /Length 50 >>\nstream\nhello\nendstream\nendobj\n";
        let o = parse_indirect(data, 0, &|_| None).unwrap();
        assert!(matches!(o.object, Object::Stream(ref s) if s.data == b"hello"));
    }

    #[test]
    fn garbage_never_panics() {
        let samples: [&[u8]; 8] = [
            b"<<",
            b"[[[[",
            b"(\\",
            b"<zz>",
            b"<< /A",
            b"1 0",
            b"/",
            b"99999999999999999999 0 R",
        ];
        for s in samples {
            let _ = Parser::new(s, 0).object();
            let _ = parse_indirect(s, 0, &|_| None);
        }
        let deep = vec![b'['; 10000];
        assert!(Parser::new(&deep, 0).object().is_err());
    }
}

#[cfg(test)]
mod hex_tests {
    use super::*;

    #[test]
    fn hex_decoding() {
        assert_eq!(decode_hex(b"48656c6c6f"), Some(b"Hello".to_vec()));
        assert_eq!(decode_hex(b"48 65\n6C6c 6"), Some(b"Hell`".to_vec()));
        assert_eq!(decode_hex(b"4"), Some(vec![0x40]));
        assert_eq!(decode_hex(b"4g"), None);
        assert_eq!(decode_hex(b""), Some(vec![]));
        assert!(is_hex_text(b"00 ff\r\nAB"));
        assert!(!is_hex_text(b"00>"));
    }
}
