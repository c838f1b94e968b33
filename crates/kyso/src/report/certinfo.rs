//! Certificate inspection (`kyso cert inspect`).

use kyso_pki::{Certificate, classify, time};

use crate::report::SignerReport;
use crate::trust::online;

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
    /// Extended key usage OIDs, dotted.
    pub extended_key_usage: Vec<String>,
    pub policies: Vec<String>,
    /// Extended key usages by name (`serverAuth`, `documentSigning`, ...; the dotted OID when
    /// kyso knows no name), in the order of `extended_key_usage`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extended_key_usage_names: Vec<String>,
    /// URLs of the CRL distribution points.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crl_distribution_points: Vec<String>,
    /// OCSP responder URLs (authorityInfoAccess).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ocsp_urls: Vec<String>,
    /// URLs of the issuer's certificate (authorityInfoAccess caIssuers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ca_issuers_urls: Vec<String>,
}

/// The name of a well-known extended key usage OID, else the OID itself.
pub fn extended_key_usage_name(oid: &str) -> &str {
    match oid {
        "2.5.29.37.0" => "anyExtendedKeyUsage",
        "1.3.6.1.5.5.7.3.1" => "serverAuth",
        "1.3.6.1.5.5.7.3.2" => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        "1.3.6.1.5.5.7.3.8" => "timeStamping",
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
        "1.3.6.1.5.5.7.3.36" => "documentSigning",
        "1.3.6.1.4.1.311.10.3.12" => "msDocumentSigning",
        "1.2.840.113583.1.1.5" => "adobeAuthenticDocumentsTrust",
        other => other,
    }
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
        extended_key_usage_names: cert
            .extended_key_usage
            .iter()
            .map(|o| extended_key_usage_name(o).to_string())
            .collect(),
        crl_distribution_points: online::distribution_point_uris(cert),
        ocsp_urls: online::access_uris(cert, online::AD_OCSP),
        ca_issuers_urls: online::access_uris(cert, online::AD_CA_ISSUERS),
    }
}

#[cfg(test)]
mod tests {
    use super::extended_key_usage_name;

    #[test]
    fn extended_key_usage_names() {
        for (oid, name) in [
            ("1.3.6.1.5.5.7.3.1", "serverAuth"),
            ("1.3.6.1.5.5.7.3.3", "codeSigning"),
            ("1.3.6.1.5.5.7.3.36", "documentSigning"),
            ("1.3.6.1.4.1.311.10.3.12", "msDocumentSigning"),
            ("1.2.840.113583.1.1.5", "adobeAuthenticDocumentsTrust"),
            ("1.2.3.4", "1.2.3.4"),
        ] {
            assert_eq!(extended_key_usage_name(oid), name);
        }
    }
}
