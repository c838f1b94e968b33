//! What kind of file some bytes are: used to say "expected a PKCS#12 file, found a PEM
//! certificate" instead of a parser's complaint about a DER tag.

use std::fmt;

/// The kind of a key, certificate or document file, as told by its content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileKind {
    /// A PKCS#12 key store (PFX, `.p12`/`.pfx`).
    Pkcs12,
    /// One or more certificates, PEM or DER (what trust anchors and intermediates are).
    Certificate,
    /// PEM with `CERTIFICATE` blocks.
    PemCertificate,
    /// A DER X.509 certificate.
    DerCertificate,
    /// A PEM private key (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`, `ENCRYPTED
    /// PRIVATE KEY`).
    PemPrivateKey,
    /// A DER PKCS#8 private key.
    DerPrivateKey,
    /// A PEM CRL (`X509 CRL`).
    PemCrl,
    /// A DER CRL.
    DerCrl,
    /// PEM armour with another label.
    Pem(String),
    /// A PDF document.
    Pdf,
    /// An XML document.
    Xml,
    /// An empty file.
    Empty,
    /// None of the above.
    Unknown,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileKind::Pkcs12 => f.write_str("a PKCS#12 file (.p12/.pfx)"),
            FileKind::Certificate => f.write_str("a certificate file (PEM or DER)"),
            FileKind::PemCertificate => f.write_str("a PEM certificate"),
            FileKind::DerCertificate => f.write_str("a DER certificate"),
            FileKind::PemPrivateKey => f.write_str("a PEM private key"),
            FileKind::DerPrivateKey => f.write_str("a DER private key (PKCS#8)"),
            FileKind::PemCrl => f.write_str("a PEM CRL"),
            FileKind::DerCrl => f.write_str("a DER CRL"),
            FileKind::Pem(label) => write!(f, "a PEM file of '{label}'"),
            FileKind::Pdf => f.write_str("a PDF document"),
            FileKind::Xml => f.write_str("an XML document"),
            FileKind::Empty => f.write_str("an empty file"),
            FileKind::Unknown => f.write_str("a file of unrecognized content"),
        }
    }
}

/// Tells what kind of file `data` is, from its content alone (never fails).
pub fn sniff(data: &[u8]) -> FileKind {
    if data.iter().all(u8::is_ascii_whitespace) {
        return FileKind::Empty;
    }
    if let Some(label) = pem_label(data) {
        return match label.as_str() {
            "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => FileKind::PemCertificate,
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => {
                FileKind::PemPrivateKey
            }
            "X509 CRL" => FileKind::PemCrl,
            _ => FileKind::Pem(label),
        };
    }
    if let Some(kind) = der_kind(data) {
        return kind;
    }
    match crate::detect(data) {
        crate::Format::Pdf => FileKind::Pdf,
        crate::Format::Xml => FileKind::Xml,
        crate::Format::Unknown => FileKind::Unknown,
    }
}

/// The label of the first `-----BEGIN label-----` line, if the data is PEM armoured.
fn pem_label(data: &[u8]) -> Option<String> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let at = data.windows(BEGIN.len()).position(|w| w == BEGIN)?;
    let rest = data.get(at + BEGIN.len()..)?;
    let end = rest.windows(5).position(|w| w == b"-----")?;
    let label = rest.get(..end)?;
    if label.len() > 64 || !label.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return None;
    }
    Some(String::from_utf8_lossy(label).into_owned())
}

/// One DER element: (tag, content, the bytes after it); the content is cut short where the
/// data ends.
fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *data.first()?;
    let first = *data.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for b in data.get(2..2 + n)? {
            len = (len << 8) | usize::from(*b);
        }
        (len, 2 + n)
    };
    // A truncated element keeps what there is: sniffing looks at the shape of the first
    // bytes only, so that a damaged key store is still told apart from other files.
    let body = data.get(header..)?;
    let end = len.min(body.len());
    Some((tag, body.get(..end)?, body.get(end..)?))
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const BIT_STRING: u8 = 0x03;

/// PKCS#12, a certificate, a CRL or a PKCS#8 key, by the shape of the outer DER structure.
fn der_kind(data: &[u8]) -> Option<FileKind> {
    let (tag, body, _) = tlv(data)?;
    if tag != SEQUENCE {
        return None;
    }
    let (t1, c1, rest) = tlv(body)?;
    let (t2, _, rest) = tlv(rest)?;
    match (t1, c1, t2) {
        // PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, ... }
        (INTEGER, [3], SEQUENCE) => Some(FileKind::Pkcs12),
        // PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm, privateKey OCTET STRING }
        (INTEGER, [0] | [1], SEQUENCE) => {
            let (t3, _, _) = tlv(rest)?;
            (t3 == OCTET_STRING).then_some(FileKind::DerPrivateKey)
        }
        // Certificate / CertificateList ::= SEQUENCE { tbs, signatureAlgorithm, signature }
        (SEQUENCE, tbs, SEQUENCE) => {
            let (t3, _, _) = tlv(rest)?;
            if t3 != BIT_STRING {
                return None;
            }
            // A tbsCertificate starts with [0] version or the serial; its validity (the fifth
            // element without version) is a SEQUENCE. A tbsCertList has a time there instead.
            let (first, _, mut r) = tlv(tbs)?;
            if first == 0xa0 {
                return Some(FileKind::DerCertificate);
            }
            let mut tags = vec![first];
            while tags.len() < 4 {
                let (t, _, next) = tlv(r)?;
                tags.push(t);
                r = next;
            }
            match tags.as_slice() {
                [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE] => Some(FileKind::DerCertificate),
                _ => Some(FileKind::DerCrl),
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/../../fixtures/pki/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_default()
    }

    #[test]
    fn sniffs_the_fixture_files() {
        assert_eq!(sniff(&fixture("agency.p12")), FileKind::Pkcs12);
        assert_eq!(sniff(&fixture("root.pem")), FileKind::PemCertificate);
        assert_eq!(sniff(&fixture("root.der")), FileKind::DerCertificate);
        assert_eq!(sniff(&fixture("root.key.pem")), FileKind::PemPrivateKey);
        assert_eq!(sniff(&fixture("root.crl")), FileKind::DerCrl);
        assert_eq!(sniff(b"%PDF-1.7\n"), FileKind::Pdf);
        assert_eq!(sniff(b"<a/>"), FileKind::Xml);
        assert_eq!(sniff(b"  \n"), FileKind::Empty);
        assert_eq!(sniff(&[0x30, 0x84, 0xff]), FileKind::Unknown);
        let p12 = fixture("agency.p12");
        assert_eq!(sniff(&p12[..p12.len().min(300)]), FileKind::Pkcs12);
        assert_eq!(sniff(b"-----BEGIN FOO-----\n"), FileKind::Pem("FOO".into()));
    }

    #[test]
    fn never_panics_on_truncations() {
        for name in ["agency.p12", "root.der", "root.crl"] {
            let data = fixture(name);
            for n in 0..data.len().min(400) {
                let _ = sniff(&data[..n]);
            }
        }
    }
}
