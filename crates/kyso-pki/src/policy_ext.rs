//! The certificate policy extensions (RFC 5280 §4.2.1.4, §4.2.1.5, §4.2.1.11, §4.2.1.14),
//! parsed with the certificate; the valid-policy-tree algorithm that uses them is in
//! `policy`.
//!
//! Policy qualifiers are read past and not kept.

use crate::der::{self, tag};
use crate::error::Error;

/// policyConstraints: skip counts before an explicit policy is required and before
/// mapping is inhibited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PolicyConstraints {
    /// requireExplicitPolicy.
    pub require_explicit_policy: Option<u32>,
    /// inhibitPolicyMapping.
    pub inhibit_policy_mapping: Option<u32>,
}

fn small_uint(content: &[u8]) -> u32 {
    if content.len() > 4 {
        return u32::MAX;
    }
    content.iter().fold(0u32, |a, b| (a << 8) | *b as u32)
}

/// Parses certificatePolicies into the policy OIDs (qualifiers skipped).
pub fn parse_certificate_policies(value: &[u8]) -> Result<Vec<String>, Error> {
    let seq = der::parse_one(value)?.expect_tag(tag::SEQUENCE, "certificatePolicies")?;
    let mut r = seq.reader();
    let mut out: Vec<String> = Vec::new();
    while !r.is_empty() {
        let info = r.read_tag(tag::SEQUENCE, "PolicyInformation")?;
        let oid = der::read_oid(&mut info.reader())?;
        if out.contains(&oid) {
            return Err(Error::Der("a policy appears twice in certificatePolicies"));
        }
        out.push(oid);
    }
    Ok(out)
}

/// Parses policyMappings into (issuerDomainPolicy, subjectDomainPolicy) pairs.
pub fn parse_policy_mappings(value: &[u8]) -> Result<Vec<(String, String)>, Error> {
    let seq = der::parse_one(value)?.expect_tag(tag::SEQUENCE, "policyMappings")?;
    let mut r = seq.reader();
    let mut out = Vec::new();
    while !r.is_empty() {
        let m = r.read_tag(tag::SEQUENCE, "PolicyMapping")?;
        let mut mr = m.reader();
        let issuer = der::read_oid(&mut mr)?;
        let subject = der::read_oid(&mut mr)?;
        out.push((issuer, subject));
    }
    Ok(out)
}

/// Parses policyConstraints.
pub fn parse_policy_constraints(value: &[u8]) -> Result<PolicyConstraints, Error> {
    let seq = der::parse_one(value)?.expect_tag(tag::SEQUENCE, "policyConstraints")?;
    let mut r = seq.reader();
    let mut out = PolicyConstraints::default();
    if let Some(t) = r.read_optional(tag::ctx_prim(0))? {
        out.require_explicit_policy = Some(small_uint(t.value));
    }
    if let Some(t) = r.read_optional(tag::ctx_prim(1))? {
        out.inhibit_policy_mapping = Some(small_uint(t.value));
    }
    if !r.is_empty() {
        return Err(Error::Der("trailing data in policyConstraints"));
    }
    Ok(out)
}

/// Parses inhibitAnyPolicy (an INTEGER skip count).
pub fn parse_inhibit_any_policy(value: &[u8]) -> Result<u32, Error> {
    let i = der::parse_one(value)?.expect_tag(tag::INTEGER, "inhibitAnyPolicy")?;
    if i.value.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(Error::Der("negative inhibitAnyPolicy"));
    }
    Ok(small_uint(i.value))
}
