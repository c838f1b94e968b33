//! Minimal DER / PEM helpers (just what the fixtures need).

use crate::{Error, Result};

/// Encodes a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Fits in the short form.
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = &bytes[skip..];
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

/// Encodes a tag-length-value triple.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 4);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// Encodes a SEQUENCE of already-encoded elements.
pub(crate) fn sequence(elements: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &elements.concat())
}

/// Encodes an OBJECT IDENTIFIER (full TLV).
pub(crate) fn oid(components: &[u64]) -> Result<Vec<u8>> {
    let [first, second, rest @ ..] = components else {
        return Err(Error::Cert(format!("OID too short: {components:?}")));
    };
    if *first > 2 || (*first < 2 && *second >= 40) {
        return Err(Error::Cert(format!("invalid OID: {components:?}")));
    }
    let head = first
        .checked_mul(40)
        .and_then(|v| v.checked_add(*second))
        .ok_or_else(|| Error::Cert(format!("invalid OID: {components:?}")))?;
    let mut body = Vec::new();
    for arc in std::iter::once(head).chain(rest.iter().copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        groups.reverse();
        body.extend_from_slice(&groups);
    }
    Ok(tlv(0x06, &body))
}

/// Reads one TLV header at `pos`; returns (header length, content length).
pub(crate) fn read_header(data: &[u8], pos: usize) -> Result<(usize, usize)> {
    let bad = || Error::Cert(format!("malformed DER at offset {pos}"));
    let first_len = *data.get(pos + 1).ok_or_else(bad)?;
    if first_len < 0x80 {
        return Ok((2, usize::from(first_len)));
    }
    let n = usize::from(first_len & 0x7f);
    if n == 0 || n > 4 {
        return Err(bad());
    }
    let bytes = data.get(pos + 2..pos + 2 + n).ok_or_else(bad)?;
    let len = bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Ok((2 + n, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_encoding() -> Result<()> {
        // 0.9.2342.19200300.100.1.1 (UID)
        assert_eq!(
            oid(&[0, 9, 2342, 19200300, 100, 1, 1])?,
            [
                0x06, 0x0a, 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01
            ]
        );
        // 0.4.0.194112.1.0 (ETSI QCP-n)
        assert_eq!(
            oid(&[0, 4, 0, 194112, 1, 0])?,
            [0x06, 0x07, 0x04, 0x00, 0x8b, 0xec, 0x40, 0x01, 0x00]
        );
        Ok(())
    }

    #[test]
    fn long_lengths() {
        assert_eq!(tlv(0x04, &[0u8; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(tlv(0x04, &[0u8; 300])[..4], [0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(read_header(&tlv(0x04, &[0u8; 300]), 0).ok(), Some((4, 300)));
    }
}
