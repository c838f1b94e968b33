//! CRL distribution points (RFC 5280 §4.2.1.13): the cRLDistributionPoints and freshestCRL
//! certificate extensions, and the ReasonFlags and DistributionPointName they share with a
//! CRL's issuingDistributionPoint.

use crate::der::{self, tag};
use crate::error::Error;
use crate::general_name::GeneralName;
use crate::name::Name;

/// Every reason of ReasonFlags (bits 1 to 8).
pub const ALL_REASONS: u16 = 0x1fe;

/// The name of a distribution point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistributionPointName {
    /// fullName.
    Full(Vec<GeneralName>),
    /// nameRelativeToCRLIssuer: the DER of the RelativeDistinguishedName (a SET), to be
    /// appended to the CRL issuer's name.
    RelativeToIssuer(Vec<u8>),
}

impl DistributionPointName {
    pub(crate) fn read(t: &der::Tlv<'_>) -> Result<DistributionPointName, Error> {
        let inner = der::parse_one(t.value)?;
        match inner.tag {
            0xa0 => Ok(DistributionPointName::Full(GeneralName::read_all(
                inner.value,
            )?)),
            0xa1 => Ok(DistributionPointName::RelativeToIssuer(der::tlv(
                tag::SET,
                inner.value,
            ))),
            _ => Err(Error::Der("unknown DistributionPointName choice")),
        }
    }

    /// The names, a relative name resolved against `issuer`.
    pub(crate) fn resolve(&self, issuer: Option<&Name>) -> Vec<GeneralName> {
        match self {
            DistributionPointName::Full(names) => names.clone(),
            DistributionPointName::RelativeToIssuer(rdn) => {
                let Some(issuer) = issuer else {
                    return Vec::new();
                };
                let Ok(outer) = der::parse_one(issuer.raw()) else {
                    return Vec::new();
                };
                let content = [outer.value, rdn.as_slice()].concat();
                match Name::from_der(&der::tlv(tag::SEQUENCE, &content)) {
                    Ok(n) => vec![GeneralName::Directory(n)],
                    Err(_) => Vec::new(),
                }
            }
        }
    }
}

/// One DistributionPoint of cRLDistributionPoints or freshestCRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionPoint {
    /// distributionPoint.
    pub name: Option<DistributionPointName>,
    /// reasons as a ReasonFlags mask (bit n = 1 << n); `None` means all reasons.
    pub reasons: Option<u16>,
    /// cRLIssuer (an indirect CRL's issuer).
    pub crl_issuer: Option<Vec<GeneralName>>,
}

impl DistributionPoint {
    /// Parses a CRLDistributionPoints SEQUENCE.
    pub fn read_sequence(value: &[u8]) -> Result<Vec<DistributionPoint>, Error> {
        let seq = der::parse_one(value)?.expect_tag(tag::SEQUENCE, "CRLDistributionPoints")?;
        let mut r = seq.reader();
        let mut out = Vec::new();
        while !r.is_empty() {
            let dp = r.read_tag(tag::SEQUENCE, "DistributionPoint")?;
            let mut d = dp.reader();
            let name = match d.read_optional(tag::ctx(0))? {
                Some(t) => Some(DistributionPointName::read(&t)?),
                None => None,
            };
            let reasons = d
                .read_optional(tag::ctx_prim(1))?
                .map(|t| reason_flags(t.value));
            let crl_issuer = match d.read_optional(tag::ctx(2))? {
                Some(t) => Some(GeneralName::read_all(t.value)?),
                None => None,
            };
            if !d.is_empty() {
                return Err(Error::Der("trailing data in DistributionPoint"));
            }
            out.push(DistributionPoint {
                name,
                reasons,
                crl_issuer,
            });
        }
        Ok(out)
    }
}

/// ReasonFlags BIT STRING content (first octet: unused bits) as a mask.
pub(crate) fn reason_flags(content: &[u8]) -> u16 {
    let b0 = content.get(1).copied().unwrap_or(0);
    let b1 = content.get(2).copied().unwrap_or(0);
    let mut mask = 0u16;
    for i in 0..8 {
        if b0 & (0x80 >> i) != 0 {
            mask |= 1 << i;
        }
    }
    if b1 & 0x80 != 0 {
        mask |= 1 << 8;
    }
    // Bit 0 is "unused": it names no reason.
    mask & ALL_REASONS
}
