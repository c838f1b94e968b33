//! The nameConstraints extension (RFC 5280 §4.2.1.10), parsed with the certificate; the
//! check of names against it is in `name_constraints`.

use crate::der::{self, tag};
use crate::error::Error;
use crate::general_name::GeneralName;

/// The nameConstraints extension of a CA certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameConstraints {
    /// Permitted subtrees: a name of a type listed here must fall in one of them.
    pub permitted: Vec<GeneralName>,
    /// Excluded subtrees: no name may fall in any of them.
    pub excluded: Vec<GeneralName>,
}

impl NameConstraints {
    /// Parses the extension value (`NameConstraints ::= SEQUENCE { [0] permitted, [1] excluded }`).
    ///
    /// Subtrees with a non-zero minimum or with a maximum are refused, as RFC 5280 requires
    /// of conforming profiles.
    pub fn from_der(value: &[u8]) -> Result<NameConstraints, Error> {
        let seq = der::parse_one(value)?.expect_tag(tag::SEQUENCE, "nameConstraints")?;
        let mut r = seq.reader();
        let mut out = NameConstraints::default();
        if let Some(p) = r.read_optional(tag::ctx(0))? {
            out.permitted = read_subtrees(p.value)?;
        }
        if let Some(e) = r.read_optional(tag::ctx(1))? {
            out.excluded = read_subtrees(e.value)?;
        }
        if !r.is_empty() {
            return Err(Error::Der("trailing data in nameConstraints"));
        }
        Ok(out)
    }
}

fn read_subtrees(content: &[u8]) -> Result<Vec<GeneralName>, Error> {
    let mut r = der::Reader::new(content);
    let mut out = Vec::new();
    while !r.is_empty() {
        let subtree = r.read_tag(tag::SEQUENCE, "GeneralSubtree")?;
        let mut s = subtree.reader();
        out.push(GeneralName::from_tlv(&s.read()?)?);
        if let Some(min) = s.read_optional(tag::ctx_prim(0))?
            && min.value.iter().any(|b| *b != 0)
        {
            return Err(Error::Der("name constraint with a minimum other than 0"));
        }
        if s.read_optional(tag::ctx_prim(1))?.is_some() {
            return Err(Error::Der("name constraint with a maximum"));
        }
    }
    Ok(out)
}
