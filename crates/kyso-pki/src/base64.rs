//! Base64 (RFC 4648) and PEM, written here to keep the dependency tree small.

use crate::error::Error;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes with padding, no line breaks.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes, ignoring ASCII whitespace; padding is optional.
pub fn decode(text: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut padding = false;
    for &c in text {
        let v = DECODE[usize::from(c)];
        if v >= SKIP {
            match v {
                SKIP => continue,
                PAD => {
                    padding = true;
                    continue;
                }
                _ => return Err(Error::Pem("invalid base64 character")),
            }
        }
        if padding {
            return Err(Error::Pem("data after base64 padding"));
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Marks in [`DECODE`]: whitespace, padding, anything else invalid.
const SKIP: u8 = 64;
const PAD: u8 = 65;
const BAD: u8 = 66;

/// Value of each byte in standard or URL-safe base64, or a mark.
static DECODE: [u8; 256] = {
    let mut t = [BAD; 256];
    let mut i = 0u8;
    while i < 26 {
        t[(b'A' + i) as usize] = i;
        t[(b'a' + i) as usize] = i + 26;
        i += 1;
    }
    let mut d = 0u8;
    while d < 10 {
        t[(b'0' + d) as usize] = d + 52;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t[b'=' as usize] = PAD;
    t[b' ' as usize] = SKIP;
    t[b'\t' as usize] = SKIP;
    t[b'\r' as usize] = SKIP;
    t[b'\n' as usize] = SKIP;
    t
};

/// One PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    pub label: String,
    pub der: Vec<u8>,
}

/// All PEM blocks in a text.
pub fn pem_blocks(text: &[u8]) -> Result<Vec<PemBlock>, Error> {
    let text = String::from_utf8_lossy(text);
    let mut blocks = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let label_end = after
            .find("-----")
            .ok_or(Error::Pem("unterminated BEGIN line"))?;
        let label = after[..label_end].to_string();
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let end = body_start
            .find(&end_marker)
            .ok_or(Error::Pem("missing END line"))?;
        let body: String = body_start[..end]
            .lines()
            .filter(|l| !l.contains(':'))
            .collect::<Vec<_>>()
            .join("");
        blocks.push(PemBlock {
            label,
            der: decode(body.as_bytes())?,
        });
        rest = &body_start[end + end_marker.len()..];
    }
    Ok(blocks)
}

/// Encodes a PEM block with 64-column lines.
pub fn to_pem(label: &str, der: &[u8]) -> String {
    let b64 = encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for n in 0..40 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(decode(encode(&data).as_bytes()).unwrap(), data);
        }
        assert_eq!(encode(b"Man"), "TWFu");
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg==");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(b"Ma"), "TWE=");
        assert!(decode(b"TW$u").is_err());
    }
}
