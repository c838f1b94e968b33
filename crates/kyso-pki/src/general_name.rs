//! GeneralName (RFC 5280 §4.2.1.6): the name forms of subjectAltName, name constraints and
//! CRL distribution points.

use crate::der::{self, Reader, Tlv, tag};
use crate::error::Error;
use crate::name::Name;

/// One GeneralName.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeneralName {
    /// rfc822Name: an e-mail address (or, in a constraint, a host or domain).
    Email(String),
    /// dNSName.
    Dns(String),
    /// uniformResourceIdentifier.
    Uri(String),
    /// iPAddress: 4 or 16 octets (in a constraint, address followed by mask: 8 or 32).
    Ip(Vec<u8>),
    /// directoryName.
    Directory(Name),
    /// registeredID, dotted.
    RegisteredId(String),
    /// otherName, x400Address or ediPartyName: the context tag and the whole encoding.
    Other {
        /// The context-specific tag number (0, 3 or 5).
        kind: u8,
        /// The element as encoded.
        der: Vec<u8>,
    },
}

impl GeneralName {
    /// Reads one GeneralName element.
    pub fn from_tlv(t: &Tlv<'_>) -> Result<GeneralName, Error> {
        let text = || String::from_utf8_lossy(t.value).into_owned();
        Ok(match t.tag {
            0x81 => GeneralName::Email(text()),
            0x82 => GeneralName::Dns(text()),
            0x86 => GeneralName::Uri(text()),
            0x87 => GeneralName::Ip(t.value.to_vec()),
            0x88 => GeneralName::RegisteredId(der::oid_to_string(t.value)),
            0xa4 => {
                // directoryName is explicitly tagged: [4] { Name }.
                let inner = der::parse_one(t.value)?;
                GeneralName::Directory(Name::from_der(inner.raw)?)
            }
            0xa0 | 0xa3 | 0xa5 | 0x80 | 0x83 | 0x85 => GeneralName::Other {
                kind: t.tag & 0x1f,
                der: t.raw.to_vec(),
            },
            _ => return Err(Error::Der("unknown GeneralName choice")),
        })
    }

    /// Reads the GeneralName elements that fill `content` (the inside of GeneralNames).
    pub fn read_all(content: &[u8]) -> Result<Vec<GeneralName>, Error> {
        let mut r = Reader::new(content);
        let mut out = Vec::new();
        while !r.is_empty() {
            out.push(GeneralName::from_tlv(&r.read()?)?);
        }
        Ok(out)
    }

    /// Parses a GeneralNames SEQUENCE.
    pub fn read_sequence(der_bytes: &[u8]) -> Result<Vec<GeneralName>, Error> {
        let seq = der::parse_one(der_bytes)?.expect_tag(tag::SEQUENCE, "GeneralNames")?;
        GeneralName::read_all(seq.value)
    }

    /// Whether two names are the same (directory names by RFC 5280 §7.1, host parts of
    /// text forms case-insensitively).
    pub fn same_as(&self, other: &GeneralName) -> bool {
        match (self, other) {
            (GeneralName::Directory(a), GeneralName::Directory(b)) => a.matches(b),
            (GeneralName::Dns(a), GeneralName::Dns(b)) => a.eq_ignore_ascii_case(b),
            (GeneralName::Email(a), GeneralName::Email(b)) => a.eq_ignore_ascii_case(b),
            (GeneralName::Uri(a), GeneralName::Uri(b)) => a == b,
            _ => self == other,
        }
    }
}

impl std::fmt::Display for GeneralName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GeneralName::Email(s) => write!(f, "email:{s}"),
            GeneralName::Dns(s) => write!(f, "DNS:{s}"),
            GeneralName::Uri(s) => write!(f, "URI:{s}"),
            GeneralName::Ip(b) if matches!(b.as_slice(), [_, _, _, _]) => {
                f.write_str("IP:")?;
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    write!(f, "{x}")?;
                }
                Ok(())
            }
            GeneralName::Ip(b) => {
                f.write_str("IP:")?;
                for (i, x) in b.iter().enumerate() {
                    if i > 0 && i % 2 == 0 {
                        f.write_str(":")?;
                    }
                    write!(f, "{x:02x}")?;
                }
                Ok(())
            }
            GeneralName::Directory(n) => write!(f, "DirName:{n}"),
            GeneralName::RegisteredId(o) => write!(f, "RID:{o}"),
            GeneralName::Other { kind, .. } => write!(f, "othername[{kind}]"),
        }
    }
}
