//! A small DER reader (tolerant of BER indefinite lengths) and DER writer.
//!
//! Every read is bounds-checked and returns [`Error::Der`] on malformed input.

use crate::error::Error;

/// Universal tags used across kyso.
pub mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const PRINTABLE_STRING: u8 = 0x13;
    pub const T61_STRING: u8 = 0x14;
    pub const IA5_STRING: u8 = 0x16;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const UNIVERSAL_STRING: u8 = 0x1c;
    pub const BMP_STRING: u8 = 0x1e;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    /// Context-specific constructed tag `[n]`.
    pub const fn ctx(n: u8) -> u8 {
        0xa0 | n
    }
    /// Context-specific primitive tag `[n]`.
    pub const fn ctx_prim(n: u8) -> u8 {
        0x80 | n
    }
}

/// One tag-length-value element.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The identifier octet (only low tag numbers are supported).
    pub tag: u8,
    /// The content octets (for an indefinite length, without the end-of-contents marker).
    pub value: &'a [u8],
    /// The whole encoding, header included.
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over the content of a constructed element.
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.value)
    }

    /// Fails unless the tag is `expected`.
    pub fn expect_tag(self, expected: u8, what: &'static str) -> Result<Self, Error> {
        if self.tag == expected {
            Ok(self)
        } else {
            Err(Error::Der(what))
        }
    }
}

/// Sequential reader over concatenated TLVs.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

const MAX_DEPTH: usize = 64;

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The tag of the next element, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads the next element.
    pub fn read(&mut self) -> Result<Tlv<'a>, Error> {
        let (tlv, len) = parse_tlv(&self.data[self.pos.min(self.data.len())..], 0)?;
        self.pos += len;
        Ok(tlv)
    }

    /// Reads the next element and checks its tag.
    pub fn read_tag(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>, Error> {
        self.read()?.expect_tag(tag, what)
    }

    /// Reads the next element if it has this tag.
    pub fn read_optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, Error> {
        if self.peek_tag() == Some(tag) {
            self.read().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Everything not yet read.
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos.min(self.data.len())..]
    }
}

/// Parses one element at the start of `data`; returns it and its encoded length.
fn parse_tlv(data: &[u8], depth: usize) -> Result<(Tlv<'_>, usize), Error> {
    if depth > MAX_DEPTH {
        return Err(Error::Der("nesting too deep"));
    }
    let tag = *data.first().ok_or(Error::Der("unexpected end of data"))?;
    if tag & 0x1f == 0x1f {
        return Err(Error::Der("high tag numbers are not supported"));
    }
    let first = *data.get(1).ok_or(Error::Der("missing length"))?;
    let mut header = 2usize;
    let len = if first < 0x80 {
        Some(first as usize)
    } else if first == 0x80 {
        None
    } else {
        let n = (first & 0x7f) as usize;
        if n > 4 {
            return Err(Error::Der("length too large"));
        }
        let bytes = data.get(2..2 + n).ok_or(Error::Der("truncated length"))?;
        header += n;
        Some(bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize))
    };
    match len {
        Some(len) => {
            let end = header
                .checked_add(len)
                .ok_or(Error::Der("length overflow"))?;
            let value = data
                .get(header..end)
                .ok_or(Error::Der("truncated element"))?;
            let raw = data.get(..end).ok_or(Error::Der("truncated element"))?;
            Ok((Tlv { tag, value, raw }, end))
        }
        None => {
            // BER indefinite length: only for constructed elements.
            if tag & 0x20 == 0 {
                return Err(Error::Der("indefinite length on a primitive element"));
            }
            let mut pos = header;
            loop {
                let rest = data.get(pos..).ok_or(Error::Der("truncated element"))?;
                if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
                    let value = &data[header..pos];
                    let raw = &data[..pos + 2];
                    return Ok((Tlv { tag, value, raw }, pos + 2));
                }
                let (_, n) = parse_tlv(rest, depth + 1)?;
                pos += n;
            }
        }
    }
}

/// Parses exactly one element filling `data`.
pub fn parse_one(data: &[u8]) -> Result<Tlv<'_>, Error> {
    let (tlv, len) = parse_tlv(data, 0)?;
    if len != data.len() {
        return Err(Error::Der("trailing data after element"));
    }
    Ok(tlv)
}

/// Parses the first element of `data`, ignoring what follows (e.g. zero padding in a PDF /Contents).
pub fn parse_prefix(data: &[u8]) -> Result<Tlv<'_>, Error> {
    parse_tlv(data, 0).map(|(t, _)| t)
}

/// Decodes OID content octets into dotted form.
pub fn oid_to_string(content: &[u8]) -> String {
    let mut out = String::new();
    let mut value: u64 = 0;
    let mut first = true;
    for &b in content {
        value = (value << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            if first {
                let (a, rest) = if value < 40 {
                    (0, value)
                } else if value < 80 {
                    (1, value - 40)
                } else {
                    (2, value - 80)
                };
                push_decimal(&mut out, a);
                out.push('.');
                push_decimal(&mut out, rest);
                first = false;
            } else {
                out.push('.');
                push_decimal(&mut out, value);
            }
            value = 0;
        }
        if value > u64::MAX >> 8 {
            return "invalid".into();
        }
    }
    out
}

/// Appends `n` in decimal without going through the formatting machinery.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        out.push(char::from(d));
    }
}

/// Encodes a dotted OID into content octets. Invalid input yields an empty vector.
pub fn oid_from_str(dotted: &str) -> Vec<u8> {
    let parts: Vec<u64> = dotted.split('.').filter_map(|p| p.parse().ok()).collect();
    if parts.len() < 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        tmp.reverse();
        out.extend(tmp);
    };
    push(parts[0] * 40 + parts[1]);
    for &p in &parts[2..] {
        push(p);
    }
    out
}

/// Reads an OID element and returns it in dotted form.
pub fn read_oid(r: &mut Reader<'_>) -> Result<String, Error> {
    Ok(oid_to_string(
        r.read_tag(tag::OID, "expected an OID")?.value,
    ))
}

/// One Extension (RFC 5280 §4.1): OID, critical flag, and the extnValue contents.
pub type RawExtension<'a> = (String, bool, &'a [u8]);

/// Reads an Extensions SEQUENCE (of certificates, CRLs, CRL entries, OCSP and TSTInfo).
pub fn read_extensions(seq: Tlv<'_>) -> Result<Vec<RawExtension<'_>>, Error> {
    let mut e = seq.reader();
    let mut out = Vec::new();
    while !e.is_empty() {
        let ext = e.read_tag(tag::SEQUENCE, "extension")?;
        let mut x = ext.reader();
        let oid = read_oid(&mut x)?;
        let critical = match x.read_optional(tag::BOOLEAN)? {
            Some(b) => b.value.first().is_some_and(|v| *v != 0),
            None => false,
        };
        let value = x.read_tag(tag::OCTET_STRING, "extnValue")?.value;
        out.push((oid, critical, value));
    }
    Ok(out)
}

/// Decodes a directory string of any of the usual string types.
pub fn decode_string(tlv: &Tlv<'_>) -> Option<String> {
    match tlv.tag {
        tag::UTF8_STRING | tag::PRINTABLE_STRING | tag::IA5_STRING | 0x12 | 0x1a => {
            Some(String::from_utf8_lossy(tlv.value).into_owned())
        }
        // T61 strings are in practice Latin-1 (or UTF-8 written by careless issuers).
        tag::T61_STRING => Some(match std::str::from_utf8(tlv.value) {
            Ok(s) => s.to_string(),
            Err(_) => tlv.value.iter().map(|&b| b as char).collect(),
        }),
        tag::BMP_STRING => {
            let units: Vec<u16> = tlv
                .value
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        tag::UNIVERSAL_STRING => Some(
            tlv.value
                .chunks(4)
                .filter(|c| c.len() == 4)
                .map(|c| {
                    char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                        .unwrap_or('\u{fffd}')
                })
                .collect(),
        ),
        _ => None,
    }
}

// ----- writer -----

/// Encodes a TLV with a definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of already-encoded parts.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag::SEQUENCE, &parts.concat())
}

/// A SET OF already-encoded parts, sorted as DER requires.
pub fn set_of(parts: &[&[u8]]) -> Vec<u8> {
    let mut sorted: Vec<&[u8]> = parts.to_vec();
    sorted.sort();
    tlv(tag::SET, &sorted.concat())
}

/// An OBJECT IDENTIFIER from dotted form.
pub fn oid(dotted: &str) -> Vec<u8> {
    tlv(tag::OID, &oid_from_str(dotted))
}

/// An OCTET STRING.
pub fn octet_string(content: &[u8]) -> Vec<u8> {
    tlv(tag::OCTET_STRING, content)
}

/// A non-negative INTEGER from big-endian magnitude bytes.
pub fn uint(magnitude: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = {
        let skip = magnitude.iter().take_while(|b| **b == 0).count();
        &magnitude[skip.min(magnitude.len().saturating_sub(1))..]
    };
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    if content.len() > 1 && content[0] == 0 && content[1] & 0x80 == 0 {
        content.remove(0);
    }
    tlv(tag::INTEGER, &content)
}

/// A small INTEGER.
pub fn small_int(v: u8) -> Vec<u8> {
    uint(&[v])
}

/// NULL.
pub fn null() -> Vec<u8> {
    vec![tag::NULL, 0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_round_trip() {
        for s in [
            "1.2.840.113549.1.7.2",
            "2.5.4.97",
            "0.9.2342.19200300.100.1.1",
            "2.16.840.1.101.3.4.2.1",
        ] {
            assert_eq!(oid_to_string(&oid_from_str(s)), s);
        }
    }

    #[test]
    fn indefinite_length_is_read() {
        // SEQUENCE (indefinite) { INTEGER 5 } EOC
        let data = [0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00];
        let t = parse_one(&data).unwrap();
        assert_eq!(t.value, &[0x02, 0x01, 0x05]);
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 7u32;
        for _ in 0..20000 {
            let mut buf = Vec::new();
            for _ in 0..(seed % 19) {
                seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
                buf.push((seed >> 16) as u8);
            }
            let _ = parse_one(&buf);
            seed = seed.wrapping_add(1);
        }
    }

    #[test]
    fn integers_are_minimal() {
        assert_eq!(uint(&[0x00, 0x80]), vec![2, 2, 0, 0x80]);
        assert_eq!(uint(&[0x00, 0x00, 0x05]), vec![2, 1, 5]);
        assert_eq!(uint(&[]), vec![2, 1, 0]);
    }
}
