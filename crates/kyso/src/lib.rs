//! kyso: sign and verify official documents: PDF (PAdES) and XML (XMLDSig, e-invoices).
//!
//! # Verifying
//!
//! [`verify_file`] (or [`verify_bytes`] for a document in memory) checks every signature of a
//! PDF or XML document and returns a [`DocumentReport`], the same report `kyso verify --json`
//! prints. Its closed sets of values are enums ([`Status`], [`Reason`], [`SignatureKind`],
//! [`SignerKind`], [`PadesLevel`], [`Format`], ...) that serialize to the JSON strings.
//!
//! ```
//! use kyso::{Reason, SignerKind, Status, TrustConfig};
//! use std::path::Path;
//!
//! let mut trust = TrustConfig::default();
//! trust.add_anchors(Path::new("../../fixtures/pki/root.pem"))?;
//! // Validate the certificates at a fixed time rather than the claimed signing time.
//! trust.at = Some(kyso::parse_time("2027-06-01T00:00:00Z")?);
//! let report = kyso::verify_file(
//!     Path::new("../../fixtures/pdf/letter-signed-pyhanko.pdf"),
//!     &trust,
//! );
//! match report.status {
//!     Status::Passed => {
//!         for s in &report.signatures {
//!             let kind = s.signer.as_ref().map(|k| k.kind);
//!             println!("{}: signed by a {}", s.field, kind.unwrap_or(SignerKind::Unknown));
//!         }
//!     }
//!     Status::Failed if report.reason == Reason::DigestMismatch => println!("tampered"),
//!     _ => println!("{}: {}", report.reason, report.message),
//! }
//! assert_eq!(report.status, Status::Passed);
//! # Ok::<(), kyso::Error>(())
//! ```
//!
//! # Signing
//!
//! [`load_credential`] reads a PKCS#12 key store; [`sign_pdf`] and [`sign_xml`] sign a document
//! held in memory ([`sign_pdf_at_level`] and [`sign_xml_at_level`] with a time-stamping
//! authority for PAdES/XAdES B-T and above). Errors a program may handle have their own
//! [`Error`] variants.
//!
//! ```
//! use kyso::{Error, PdfSignOptions};
//! use std::path::Path;
//!
//! let cred = match kyso::load_credential(Path::new("../../fixtures/pki/agency.p12"), "kyso-fixture") {
//!     Ok(c) => c,
//!     Err(Error::WrongPassword { path }) => panic!("{path}: ask for the password again"),
//!     Err(e) => return Err(e),
//! };
//! let letter = kyso::read_file(Path::new("../../fixtures/pdf/letter-classic.pdf"))?;
//! let options = PdfSignOptions { certify: Some(2), ..Default::default() };
//! let signed = match kyso::sign_pdf(&letter, &cred, &options) {
//!     Ok(bytes) => bytes,
//!     Err(Error::EncryptedPdf { reason }) => panic!("cannot open the PDF: {reason}"),
//!     Err(e) => return Err(e),
//! };
//! let out = std::env::temp_dir().join("kyso-doctest-letter.signed.pdf");
//! kyso::write_atomically(&out, &signed)?;
//!
//! let mut trust = kyso::TrustConfig::default();
//! trust.add_anchors_pem_or_der(&kyso::read_file(Path::new("../../fixtures/pki/root.pem"))?)?;
//! let report = kyso::verify_file(&out, &trust);
//! assert_eq!(report.status, kyso::Status::Passed, "{}", report.message);
//! assert_eq!(report.signatures[0].certification, Some(2));
//! # std::fs::remove_file(&out).ok();
//! # Ok::<(), kyso::Error>(())
//! ```

pub mod batch;
pub mod config;
mod error;
mod format;
mod io;
mod pdf;
mod report;
mod sniff;
mod trust;
mod xml;

pub use pdf::ltv;
pub use pdf::ltv::{LtvEntry, LtvResult, Timestamped};
pub use trust::tsa;

pub use config::{KindRule, Origin, RuleKind, Settings, apply_kind_rules, classify_with_rules};
pub use error::Error;
pub use format::{Format, detect};
pub use io::{
    AtomicFile, FileBytes, MAP_THRESHOLD, credential_from_pkcs12, load_credential, open_bytes,
    read_file, write_atomically,
};
/// CMS and RFC 3161 time-stamps.
pub use kyso_cms as cms;
pub use kyso_cms::Error as CmsError;
pub use kyso_cms::tsp::{TimestampToken, TspError, TstInfo, VerifiedTimestamp};
pub use kyso_net::Error as NetError;
pub use kyso_pdf::Error as PdfError;
/// A decoded picture for a visible signature (the signature, or the seal).
pub use kyso_pdf::Image as AppearanceImage;
pub use kyso_pdf::SubFilter;
/// The certificate, key and path-validation layer, for what the re-exports above leave out.
pub use kyso_pki as pki;
pub use kyso_pki::Error as PkiError;
pub use kyso_pki::time::UnixTime;
pub use kyso_pki::time::to_rfc3339 as rfc3339;
pub use kyso_pki::{
    Certificate, Classification, Credential, DigestAlgorithm, Name, PublicKey, SignerKind,
    SigningKey, TrustStore,
};
pub use kyso_xml::Error as XmlError;
pub use kyso_xml::{C14nChoice, EinvoiceRole};
pub use pdf::PdfPassword;
pub use pdf::sign::{
    LevelServices, PadesLevel, PdfSignOptions, check_credential, sign_pdf, sign_pdf_at_level,
};
pub use pdf::verify::verify_pdf;
pub use pdf::visible::{
    AppearanceSettings, CopyKind, Date, Font, Position, Preset, Spot, Visible, VisibleOptions,
    format_date, format_time,
};
pub use report::certinfo::{CertificateInfo, inspect, signer_report};
pub use report::{
    AppearanceReport, Coverage, DocumentReport, Reason, ReferenceReport, RevocationMethod,
    RevocationReport, RevocationSource, RevocationState, SignatureKind, SignatureReport,
    SignerReport, SigningTimeSource, Status, TimestampKind, TimestampReport, UnknownReason,
};
pub use sniff::{FileKind, sniff};
pub use trust::revocation::{ValidationData, collect_validation_data};
pub use trust::tsa::{TsaClient, TsaConfig, TsaError};
pub use trust::{
    NetConfig, RevocationPolicy, SignerRefused, TaxCodePolicy, TrustConfig,
    check_signing_certificate, load_certificates,
};
pub use xml::sign::{
    C14nForm, XmlSignRequest, canonicalize_xml, canonicalize_xml_subset, canonicalize_xml_with,
    is_einvoice, sign_xml, sign_xml_at_level, xml_level_unsupported,
};
pub use xml::verify::verify_xml;

/// Verifies a document of any supported format held in memory.
pub fn verify_bytes(file: &str, data: &[u8], trust: &TrustConfig) -> DocumentReport {
    match detect(data) {
        Format::Pdf => verify_pdf(file, data, trust),
        Format::Xml => verify_xml(file, data, trust),
        Format::Unknown => {
            let mut r =
                DocumentReport::error(file, Format::Unknown, "not a PDF or XML document".into());
            r.reason = Reason::Unsupported;
            r
        }
    }
}

/// How to sign a document of either format: the PDF options for a PDF, the XML request for
/// an XML document (what `kyso sign` and `kyso serve` give [`sign_document`]).
#[derive(Debug, Clone, Default)]
pub struct DocumentSignOptions {
    /// Used when the document is a PDF.
    pub pdf: PdfSignOptions,
    /// Used when the document is XML.
    pub xml: XmlSignRequest,
}

/// Signs a document held in memory, PDF or XML as detected by its content, at the level of
/// its format's options; [`Error::UnsupportedFormat`] for anything else.
pub fn sign_document(
    input: &[u8],
    cred: &Credential,
    opts: &DocumentSignOptions,
    services: &LevelServices<'_>,
) -> Result<Vec<u8>, Error> {
    match detect(input) {
        Format::Pdf => sign_pdf_at_level(input, cred, &opts.pdf, services),
        Format::Xml => sign_xml_at_level(input, cred, &opts.xml, services),
        Format::Unknown => Err(Error::UnsupportedFormat),
    }
}

/// Reads and verifies a file.
pub fn verify_file(path: &std::path::Path, trust: &TrustConfig) -> DocumentReport {
    let name = path.display().to_string();
    match io::open_bytes(path) {
        Ok(data) => verify_bytes(&name, &data, trust),
        Err(e) => DocumentReport::error(&name, Format::Unknown, e.to_string()),
    }
}

/// Parses an RFC 3339 time (`2035-01-01T00:00:00+07:00`) into Unix seconds.
pub fn parse_time(s: &str) -> Result<i64, Error> {
    kyso_pki::time::parse_rfc3339(s)
        .map(|t| t.unix)
        .map_err(Error::from)
}

/// A validation time as `kyso verify --at` and `kyso serve`'s `at` take it: an RFC 3339 time,
/// or a plain date (`2026-12-03`) read as the start of that day in Vietnam (+07:00, the zone
/// of the documents kyso signs); as Unix seconds.
pub fn parse_at(s: &str) -> Result<i64, Error> {
    let t = s.trim();
    let is_date = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let full = if is_date {
        format!("{t}T00:00:00+07:00")
    } else {
        t.to_string()
    };
    parse_time(&full).map_err(|_| {
        Error::Invalid(
            "expected a date (2026-12-03: the start of that day, +07:00) or an RFC 3339 time \
(2026-12-03T09:30:00+07:00, 2026-12-03T02:30:00Z)"
                .to_string(),
        )
    })
}
