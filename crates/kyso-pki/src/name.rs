//! Distinguished names.

use crate::der::{self, tag};
use crate::error::Error;

/// One attribute of a distinguished name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAttribute {
    /// Dotted OID of the attribute type.
    pub oid: String,
    /// The value as text (any directory string type decoded to UTF-8).
    pub value: String,
}

/// A distinguished name, kept both raw (for matching) and decoded (for display and policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    raw: Vec<u8>,
    attributes: Vec<NameAttribute>,
    /// The relative distinguished names in order, each a set of comparable values.
    rdns: Vec<Vec<Atv>>,
}

/// One attribute type and value in the form RFC 5280 §7.1 compares.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Atv {
    oid: String,
    value: AtvValue,
}

/// A value compared as folded text (directory strings) or as its exact encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AtvValue {
    /// Case-folded, with leading and trailing spaces removed and inner runs of spaces
    /// collapsed (the effect of RFC 4518 string preparation on ordinary text).
    Text(String),
    /// Tag and content octets of a value that is not a directory string.
    Exact(Vec<u8>),
}

pub mod oids {
    pub const CN: &str = "2.5.4.3";
    pub const SURNAME: &str = "2.5.4.4";
    pub const SERIAL_NUMBER: &str = "2.5.4.5";
    pub const C: &str = "2.5.4.6";
    pub const L: &str = "2.5.4.7";
    pub const ST: &str = "2.5.4.8";
    pub const O: &str = "2.5.4.10";
    pub const OU: &str = "2.5.4.11";
    pub const TITLE: &str = "2.5.4.12";
    pub const GIVEN_NAME: &str = "2.5.4.42";
    pub const ORGANIZATION_IDENTIFIER: &str = "2.5.4.97";
    pub const UID: &str = "0.9.2342.19200300.100.1.1";
    pub const EMAIL: &str = "1.2.840.113549.1.9.1";
}

fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        oids::CN => "CN",
        oids::SURNAME => "SN",
        oids::SERIAL_NUMBER => "serialNumber",
        oids::C => "C",
        oids::L => "L",
        oids::ST => "ST",
        oids::O => "O",
        oids::OU => "OU",
        oids::TITLE => "title",
        oids::GIVEN_NAME => "GN",
        oids::ORGANIZATION_IDENTIFIER => "organizationIdentifier",
        oids::UID => "UID",
        oids::EMAIL => "emailAddress",
        "2.5.4.9" => "street",
        "0.9.2342.19200300.100.1.25" => "DC",
        _ => return None,
    })
}

impl Name {
    /// Parses a Name from its full DER encoding (SEQUENCE OF RDN).
    pub fn from_der(raw: &[u8]) -> Result<Name, Error> {
        let seq = der::parse_one(raw)?.expect_tag(tag::SEQUENCE, "Name is not a SEQUENCE")?;
        let mut attributes = Vec::new();
        let mut rdns = Vec::new();
        let mut rdn_reader = seq.reader();
        while !rdn_reader.is_empty() {
            let rdn = rdn_reader.read_tag(tag::SET, "RDN is not a SET")?;
            let mut atvs = rdn.reader();
            let mut set = Vec::new();
            while !atvs.is_empty() {
                let atv = atvs.read_tag(tag::SEQUENCE, "attribute is not a SEQUENCE")?;
                let mut r = atv.reader();
                let oid = der::read_oid(&mut r)?;
                let v = r.read()?;
                let decoded = der::decode_string(&v);
                let compared = match &decoded {
                    Some(text) => AtvValue::Text(fold(text)),
                    None => AtvValue::Exact(v.raw.to_vec()),
                };
                set.push(Atv {
                    oid: oid.clone(),
                    value: compared,
                });
                let value = decoded.unwrap_or_else(|| format!("#{}", hex(v.raw)));
                attributes.push(NameAttribute { oid, value });
            }
            rdns.push(set);
        }
        Ok(Name {
            raw: raw.to_vec(),
            attributes,
            rdns,
        })
    }

    /// The DER encoding.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// All attributes in encoding order.
    pub fn attributes(&self) -> &[NameAttribute] {
        &self.attributes
    }

    /// Values of one attribute type, in order.
    pub fn values<'a>(&'a self, oid: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.attributes
            .iter()
            .filter(move |a| a.oid == oid)
            .map(|a| a.value.as_str())
    }

    /// The first value of one attribute type.
    pub fn first<'a>(&'a self, oid: &'a str) -> Option<&'a str> {
        self.values(oid).next()
    }

    /// The common name, if any.
    pub fn common_name(&self) -> Option<&str> {
        self.first(oids::CN)
    }

    /// Whether the name has no relative distinguished names.
    pub fn is_empty(&self) -> bool {
        self.rdns.is_empty()
    }

    /// Whether two names match (RFC 5280 §7.1): byte equality, else the same number of RDNs
    /// in the same order, each RDN holding the same set of attributes, directory strings
    /// compared case-insensitively with whitespace folded (whatever their string type) and
    /// other values compared exactly.
    pub fn matches(&self, other: &Name) -> bool {
        self.raw == other.raw
            || (self.rdns.len() == other.rdns.len()
                && self.rdns.iter().zip(&other.rdns).all(|(a, b)| rdn_eq(a, b)))
    }

    /// Whether `base` is a subtree root of this name: its RDNs are, in order, the first RDNs
    /// of this name (RFC 5280 §4.2.1.10, directoryName constraints). An empty base holds
    /// every name.
    pub fn is_within(&self, base: &Name) -> bool {
        base.rdns.len() <= self.rdns.len()
            && base.rdns.iter().zip(&self.rdns).all(|(a, b)| rdn_eq(a, b))
    }
}

/// RDNs match when they hold the same number of attributes and each attribute of one
/// matches an attribute of the other.
fn rdn_eq(a: &[Atv], b: &[Atv]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x == y))
}

/// Case folding and whitespace folding: trimmed, inner runs of whitespace as one space.
pub(crate) fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl std::fmt::Display for Name {
    /// RFC 4514 style: most specific attribute first.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for a in self.attributes.iter().rev() {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            match short_name(&a.oid) {
                Some(n) => f.write_str(n)?,
                None => f.write_str(&a.oid)?,
            }
            f.write_str("=")?;
            for (i, c) in a.value.chars().enumerate() {
                let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
                    || (i == 0 && (c == '#' || c == ' '));
                if special {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}
