//! kyso: sign and verify official documents: PDF (PAdES) and XML (XMLDSig, e-invoices).
//!
//! ```no_run
//! use kyso::{TrustConfig, verify_bytes};
//! let mut trust = TrustConfig::default();
//! trust.add_anchors(std::path::Path::new("fixtures/pki/root.pem"))?;
//! let data = std::fs::read("letter.pdf")?;
//! let report = verify_bytes("letter.pdf", &data, &trust);
//! println!("{}", report.status.as_str());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod batch;
pub mod config;
mod error;
mod format;
mod io;
mod pdf;
mod report;
mod trust;
mod xml;

pub use pdf::ltv;
pub use trust::tsa;

pub use config::{KindRule, Settings, apply_kind_rules, classify_with_rules};
pub use error::Error;
pub use format::{Format, detect};
pub use io::{
    AtomicFile, FileBytes, MAP_THRESHOLD, load_credential, open_bytes, read_file, write_atomically,
};
pub use kyso_pdf::SubFilter;
pub use kyso_pki::time::to_rfc3339 as rfc3339;
pub use kyso_pki::{Certificate, Credential, DigestAlgorithm, SignerKind};
pub use kyso_xml::{C14nChoice, EinvoiceRole};
pub use pdf::sign::{
    LevelServices, PadesLevel, PdfSignOptions, check_credential, sign_pdf, sign_pdf_at_level,
};
pub use pdf::verify::verify_pdf;
pub use report::certinfo::{CertificateInfo, inspect, signer_report};
pub use report::{
    DocumentReport, ReferenceReport, RevocationReport, SignatureReport, SignerReport, Status,
    TimestampReport,
};
pub use trust::revocation::{ValidationData, collect_validation_data};
pub use trust::tsa::{TsaClient, TsaConfig, TsaError};
pub use trust::{NetConfig, RevocationPolicy, TrustConfig, load_certificates};
pub use xml::sign::{
    C14nForm, XmlSignRequest, canonicalize_xml, is_einvoice, sign_xml, sign_xml_at_level,
    xml_level_unsupported,
};
pub use xml::verify::verify_xml;

/// Verifies a document of any supported format held in memory.
pub fn verify_bytes(file: &str, data: &[u8], trust: &TrustConfig) -> DocumentReport {
    match detect(data) {
        Format::Pdf => verify_pdf(file, data, trust),
        Format::Xml => verify_xml(file, data, trust),
        Format::Unknown => {
            let mut r = DocumentReport::error(file, "unknown", "not a PDF or XML document".into());
            r.reason = "unsupported".into();
            r
        }
    }
}

/// Reads and verifies a file.
pub fn verify_file(path: &std::path::Path, trust: &TrustConfig) -> DocumentReport {
    let name = path.display().to_string();
    match io::open_bytes(path) {
        Ok(data) => verify_bytes(&name, &data, trust),
        Err(e) => DocumentReport::error(&name, "unknown", e.to_string()),
    }
}

/// Parses an RFC 3339 time (`2035-01-01T00:00:00+07:00`) into Unix seconds.
pub fn parse_time(s: &str) -> Result<i64, Error> {
    kyso_pki::time::parse_rfc3339(s)
        .map(|t| t.unix)
        .map_err(Error::from)
}
