//! Certificate inspection (`kyso cert inspect`).

use kyso_pki::{Certificate, classify, time};

use crate::report::SignerReport;

/// Describes a certificate for reports, with the configuration's signer-kind rules deciding
/// certificates the built-in classification leaves unknown.
pub fn signer_report(cert: &Certificate, rules: &[crate::config::KindRule]) -> SignerReport {
    let c = if rules.is_empty() {
        classify(cert)
    } else {
        crate::config::classify_with_rules(cert, rules)
    };
    SignerReport {
        subject: cert.subject_text().to_string(),
        issuer: cert.issuer_text().to_string(),
        kind: c.kind,
        identifiers: c.identifiers,
        serial: cert.serial_hex(),
        not_before: time::to_rfc3339(cert.not_before),
        not_after: time::to_rfc3339(cert.not_after),
        key: cert.public_key.describe(),
        sha256: cert.sha256_hex(),
    }
}

/// A fuller description for `kyso cert inspect`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertificateInfo {
    #[serde(flatten)]
    pub summary: SignerReport,
    /// Why the kind was chosen.
    pub kind_basis: Vec<String>,
    pub is_ca: bool,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub policies: Vec<String>,
}

/// Inspects one certificate.
pub fn inspect(cert: &Certificate) -> CertificateInfo {
    let names = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];
    let key_usage = match cert.key_usage {
        Some(bits) => names
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, n)| n.to_string())
            .collect(),
        None => Vec::new(),
    };
    CertificateInfo {
        summary: signer_report(cert, &[]),
        kind_basis: classify(cert).basis,
        is_ca: cert.is_ca(),
        key_usage,
        extended_key_usage: cert.extended_key_usage.clone(),
        policies: cert.policies.clone(),
    }
}
