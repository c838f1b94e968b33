//! Signer kind: a natural person (personal signature) or a legal person (agency seal).
//!
//! Rules follow ../shared/docs/domain.md: UID prefixes used by Vietnamese CAs, ETSI
//! EN 319 412 natural/legal-person markers (policies, qcStatements, semantics identifiers,
//! organizationIdentifier, serialNumber prefixes), given name and surname.

use std::collections::BTreeMap;

use crate::cert::Certificate;
use crate::name::oids;

/// What kind of entity a signing certificate names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignerKind {
    /// A natural person: the official's personal signature.
    Personal,
    /// A legal person: the agency's electronic seal.
    Agency,
    /// Nothing in the certificate decides.
    Unknown,
}

impl SignerKind {
    /// `personal`, `agency` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignerKind::Personal => "personal",
            SignerKind::Agency => "agency",
            SignerKind::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for SignerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub kind: SignerKind,
    /// Identifiers found, e.g. `{"CCCD": "038085012345"}` or `{"MST": "...", "MNS": "..."}`.
    pub identifiers: BTreeMap<String, String>,
    /// Why: the facts that decided, for humans.
    pub basis: Vec<String>,
}

const PERSONAL_UID_PREFIXES: &[&str] = &["CMND", "CCCD", "HC", "BHXH", "PID", "PPID"];
const AGENCY_UID_PREFIXES: &[&str] = &["MST", "MNS"];
/// ETSI EN 319 412-1 natural-person identity types in serialNumber.
const ETSI_PERSON_TYPES: &[&str] = &["PAS", "IDC", "PNO", "TAX", "TIN"];
/// ETSI EN 319 411-2 policies.
const NATURAL_POLICIES: &[&str] = &["0.4.0.194112.1.0", "0.4.0.194112.1.2"];
const LEGAL_POLICIES: &[&str] = &["0.4.0.194112.1.1", "0.4.0.194112.1.3"];
/// ETSI EN 319 412-5 QcType esign / eseal, and EN 319 412-1 semantics identifiers.
const NATURAL_QC: &[&str] = &["0.4.0.1862.1.6.1", "0.4.0.194121.1.1"];
const LEGAL_QC: &[&str] = &["0.4.0.1862.1.6.2", "0.4.0.194121.1.2"];

/// Splits `PREFIX:value` (also `PREFIX-value`) when PREFIX is one of `known`.
fn split_prefix<'a>(value: &'a str, known: &[&'static str]) -> Option<(&'static str, &'a str)> {
    let trimmed = value.trim();
    known.iter().find_map(|p| {
        let rest = trimmed.get(p.len()..)?;
        let head = trimmed.get(..p.len())?;
        if head.eq_ignore_ascii_case(p) && (rest.starts_with(':') || rest.starts_with('-')) {
            Some((*p, rest[1..].trim()))
        } else {
            None
        }
    })
}

/// Classifies a signer certificate.
pub fn classify(cert: &Certificate) -> Classification {
    let subject = &cert.subject;
    let mut identifiers = BTreeMap::new();
    let mut basis = Vec::new();
    let mut personal = false;
    let mut legal = false;

    for uid in subject.values(oids::UID) {
        if let Some((p, v)) = split_prefix(uid, PERSONAL_UID_PREFIXES) {
            identifiers
                .entry(p.to_string())
                .or_insert_with(|| v.to_string());
            basis.push(format!("UID {p}: (personal identifier)"));
            personal = true;
        } else if let Some((p, v)) = split_prefix(uid, AGENCY_UID_PREFIXES) {
            identifiers
                .entry(p.to_string())
                .or_insert_with(|| v.to_string());
            basis.push(format!("UID {p}: (organisation identifier)"));
            legal = true;
        } else if !uid.trim().is_empty() {
            identifiers
                .entry("UID".to_string())
                .or_insert_with(|| uid.trim().to_string());
        }
    }
    if let Some(org_id) = subject.first(oids::ORGANIZATION_IDENTIFIER) {
        identifiers.insert("organizationIdentifier".into(), org_id.trim().to_string());
        basis.push("organizationIdentifier (legal person)".into());
        legal = true;
    }
    if let Some(serial) = subject.first(oids::SERIAL_NUMBER) {
        let s = serial.trim();
        let etsi_person = s.len() > 6
            && s.as_bytes().get(5) == Some(&b'-')
            && ETSI_PERSON_TYPES.iter().any(|t| s.starts_with(t));
        if etsi_person {
            identifiers.insert("serialNumber".into(), s.to_string());
            basis.push("serialNumber with an ETSI natural-person identity type".into());
            personal = true;
        }
    }
    if subject.first(oids::GIVEN_NAME).is_some() && subject.first(oids::SURNAME).is_some() {
        basis.push("given name and surname".into());
        personal = true;
    }
    if cert
        .policies
        .iter()
        .any(|p| NATURAL_POLICIES.contains(&p.as_str()))
        || cert
            .qc_statement_oids
            .iter()
            .any(|p| NATURAL_QC.contains(&p.as_str()))
    {
        basis.push("ETSI natural-person policy or qcStatement".into());
        personal = true;
    }
    if cert
        .policies
        .iter()
        .any(|p| LEGAL_POLICIES.contains(&p.as_str()))
        || cert
            .qc_statement_oids
            .iter()
            .any(|p| LEGAL_QC.contains(&p.as_str()))
    {
        basis.push("ETSI legal-person policy or qcStatement".into());
        legal = true;
    }
    let has_org_name = subject.first(oids::O).is_some() || subject.common_name().is_some();
    let kind = if personal {
        SignerKind::Personal
    } else if legal && has_org_name {
        SignerKind::Agency
    } else {
        if legal {
            basis.push("organisation identifier without an organisation name".into());
        }
        SignerKind::Unknown
    };
    Classification {
        kind,
        identifiers,
        basis,
    }
}

/// The tax codes (MST) a certificate names: each subject UID `MST:<code>` (also `MST-<code>`;
/// a branch keeps its suffix, e.g. `0101234567-199`) and an organizationIdentifier
/// `VATVN-<code>` (ETSI EN 319 412-1). Whitespace is removed; duplicates are listed once, in
/// subject order, UIDs first.
pub fn tax_codes(cert: &Certificate) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    let mut add = |code: &str| {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if !code.is_empty() && !codes.contains(&code) {
            codes.push(code);
        }
    };
    for uid in cert.subject.values(oids::UID) {
        if let Some(("MST", v)) = split_prefix(uid, AGENCY_UID_PREFIXES) {
            add(v);
        }
    }
    for org_id in cert.subject.values(oids::ORGANIZATION_IDENTIFIER) {
        let t = org_id.trim();
        if let (Some(head), Some(rest)) = (t.get(..6), t.get(6..))
            && head.eq_ignore_ascii_case("VATVN-")
        {
            add(rest);
        }
    }
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(
            split_prefix("CCCD:038085012345", PERSONAL_UID_PREFIXES),
            Some(("CCCD", "038085012345"))
        );
        assert_eq!(
            split_prefix("mst:0101234567-199", AGENCY_UID_PREFIXES),
            Some(("MST", "0101234567-199"))
        );
        assert_eq!(split_prefix("HCM:123", PERSONAL_UID_PREFIXES), None);
        assert_eq!(split_prefix("", PERSONAL_UID_PREFIXES), None);
    }

    fn fixture(name: &str) -> Certificate {
        let path = format!(
            "{}/../../fixtures/pki/{name}.pem",
            env!("CARGO_MANIFEST_DIR")
        );
        let pem = std::fs::read(&path).unwrap_or_default();
        Certificate::from_pem_or_der(&pem)
            .ok()
            .and_then(|mut v| (!v.is_empty()).then(|| v.remove(0)))
            .unwrap_or_else(|| panic!("{path}"))
    }

    #[test]
    fn tax_codes_of_fixture_certificates() {
        // UID=MST:2300123456 and organizationIdentifier=VATVN-2300123456: one code.
        assert_eq!(tax_codes(&fixture("agency")), vec!["2300123456"]);
        assert!(tax_codes(&fixture("personal")).is_empty());
    }
}
