//! Character escaping of the canonical form (C14N 1.0 §2.3).

/// Appends a text node's value: `&` `<` `>` and CR are escaped.
pub(crate) fn text(out: &mut Vec<u8>, s: &str) {
    escape(out, s, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'>' => Some(b"&gt;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

/// Appends an attribute value: `&` `<` `"` TAB LF CR are escaped.
pub(crate) fn attribute(out: &mut Vec<u8>, s: &str) {
    escape(out, s, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'"' => Some(b"&quot;"),
        b'\t' => Some(b"&#x9;"),
        b'\n' => Some(b"&#xA;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

/// Appends the content of a comment or processing instruction.
///
/// roxmltree does not apply end-of-line normalization inside comments and
/// PIs, so it is done here: CR LF and lone CR become LF, as an XML processor
/// must report them (XML 1.0 §2.11). Character references are not recognized
/// there, so no CR can remain (libxml2 would escape one as `&#xD;`).
pub(crate) fn comment_or_pi(out: &mut Vec<u8>, s: &str) {
    let mut rest = s.as_bytes();
    while let Some(i) = rest.iter().position(|&b| b == b'\r') {
        out.extend_from_slice(&rest[..i]);
        out.push(b'\n');
        rest = &rest[i + 1..];
        if rest.first() == Some(&b'\n') {
            rest = &rest[1..];
        }
    }
    out.extend_from_slice(rest);
}

fn escape(out: &mut Vec<u8>, s: &str, table: impl Fn(u8) -> Option<&'static [u8]>) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // All escaped characters are ASCII, so byte-wise scanning never
        // splits a UTF-8 sequence.
        if let Some(rep) = table(b) {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(rep);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut v = Vec::new();
        text(&mut v, "a&b<c>d\"e'\r\n\tđ");
        assert_eq!(v, "a&amp;b&lt;c&gt;d\"e'&#xD;\n\tđ".as_bytes());
        v.clear();
        attribute(&mut v, "a&b<c>d\"e'\r\n\tđ");
        assert_eq!(v, "a&amp;b&lt;c>d&quot;e'&#xD;&#xA;&#x9;đ".as_bytes());
        v.clear();
        comment_or_pi(&mut v, "a&<>\r\nb\rc\r");
        assert_eq!(v, b"a&<>\nb\nc\n");
    }
}
