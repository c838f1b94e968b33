use thiserror::Error;

use crate::sniff::FileKind;

/// Errors from the kyso library.
///
/// Each variant's message says everything, its cause included: no variant also returns that
/// cause from [`std::error::Error::source`], so printing the chain (`{:#}` with anyhow) says
/// each thing once. The conditions a program may want to handle have their own variants;
/// [`Error::Invalid`] carries the rest. New variants may be added: match with a wildcard arm.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file, as given.
        path: String,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The input is neither a PDF nor an XML document.
    #[error("not a supported document (expected PDF or XML)")]
    UnsupportedFormat,
    /// A file is not of the kind that was expected (a PEM certificate given as a PKCS#12 key
    /// store, a PKCS#12 file given as trust anchors, ...).
    #[error("{path}: expected {expected}, found {found}")]
    WrongFileKind {
        /// The file, as given (or a description of in-memory data).
        path: String,
        /// What was expected.
        expected: FileKind,
        /// What the content is.
        found: FileKind,
    },
    /// A key of the configuration (`[[keys]]`) cannot be loaded: its password cannot be read,
    /// or its PKCS#12 file is missing, unreadable or locked with another password.
    #[error("key '{id}': {reason}")]
    ConfiguredKey {
        /// The key's id.
        id: String,
        /// What went wrong (never the password).
        reason: String,
    },
    /// The password of a PKCS#12 key store is wrong (its integrity check fails).
    #[error("{path}: wrong password for the PKCS#12 file (or the file is damaged)")]
    WrongPassword {
        /// The key store.
        path: String,
    },
    /// A PKCS#12 key store that cannot be used: corrupt, of an unsupported encryption, or
    /// without a private key and its certificate.
    #[error("{path}: unreadable PKCS#12 key store: {reason}")]
    KeyStore {
        /// The key store.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The private key cannot be used: an algorithm kyso does not sign with (it signs with
    /// RSA and ECDSA P-256/P-384), or a digest the key does not sign with.
    #[error("{0}")]
    UnsupportedKey(String),
    /// The signing certificate had expired at the signing time.
    #[error("the signing certificate expired on {not_after}")]
    CertificateExpired {
        /// The certificate's notAfter, RFC 3339 UTC.
        not_after: String,
    },
    /// The signing certificate was not yet valid at the signing time.
    #[error("the signing certificate is not valid before {not_before}")]
    CertificateNotYetValid {
        /// The certificate's notBefore, RFC 3339 UTC.
        not_before: String,
    },
    /// The signing certificate's key usage allows neither digitalSignature nor
    /// nonRepudiation.
    #[error("the certificate's key usage does not allow signing")]
    KeyUsageForbidsSigning,
    /// The PDF is encrypted in a way kyso cannot open: a public-key or unknown security
    /// handler, an unsupported algorithm, or a password that is needed and not given (or
    /// wrong; see [`PdfPassword`](crate::PdfPassword)). Documents encrypted with the standard
    /// handler (RC4, AES-128, AES-256) and an empty or given password are verified and signed.
    #[error("encrypted PDF: {reason}")]
    EncryptedPdf {
        /// Why it cannot be opened.
        reason: String,
    },
    /// A certification signature was asked for a PDF that already carries a signature (a
    /// certification signature must be the first).
    #[error("a certification signature must be the first signature in the document")]
    CertificationNotFirst,
    /// The PDF is certified with no changes allowed (DocMDP P=1): another signature would
    /// break the certification.
    #[error(
        "the document is certified with no changes allowed (DocMDP P=1); another signature would break it"
    )]
    CertifiedNoChanges,
    /// The time-stamping authority failed (or none is configured).
    #[error("{0}")]
    Tsa(crate::TsaError),
    /// Malformed or unsupported PDF structure.
    #[error("PDF: {0}")]
    Pdf(kyso_pdf::Error),
    /// Certificates, keys and other PKI data.
    #[error("{0}")]
    Pki(kyso_pki::Error),
    /// XML signatures and documents.
    #[error("XML: {0}")]
    Xml(kyso_xml::Error),
    /// CMS signatures.
    #[error("CMS: {0}")]
    Cms(kyso_cms::Error),
    /// Anything else (the message says what).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// The variant as a stable snake_case code (`wrong_password`, `certificate_expired`,
    /// `tsa`, `invalid`, ...), for programs and services that report errors by kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::UnsupportedFormat => "unsupported_format",
            Error::WrongFileKind { .. } => "wrong_file_kind",
            Error::ConfiguredKey { .. } => "configured_key",
            Error::WrongPassword { .. } => "wrong_password",
            Error::KeyStore { .. } => "key_store",
            Error::UnsupportedKey(_) => "unsupported_key",
            Error::CertificateExpired { .. } => "certificate_expired",
            Error::CertificateNotYetValid { .. } => "certificate_not_yet_valid",
            Error::KeyUsageForbidsSigning => "key_usage_forbids_signing",
            Error::EncryptedPdf { .. } => "encrypted_pdf",
            Error::CertificationNotFirst => "certification_not_first",
            Error::CertifiedNoChanges => "certified_no_changes",
            Error::Tsa(_) => "tsa",
            Error::Pdf(_) => "pdf",
            Error::Pki(_) => "pki",
            Error::Xml(_) => "xml",
            Error::Cms(_) => "cms",
            Error::Invalid(_) => "invalid",
        }
    }

    pub(crate) fn io(path: &std::path::Path, error: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            error,
        }
    }
}

impl From<kyso_pdf::Error> for Error {
    fn from(e: kyso_pdf::Error) -> Error {
        match e {
            kyso_pdf::Error::Encrypted(reason) => Error::EncryptedPdf { reason },
            kyso_pdf::Error::CertificationNotFirst => Error::CertificationNotFirst,
            kyso_pdf::Error::CertifiedNoChanges => Error::CertifiedNoChanges,
            other => Error::Pdf(other),
        }
    }
}

impl From<kyso_pki::Error> for Error {
    fn from(e: kyso_pki::Error) -> Error {
        Error::Pki(e)
    }
}

impl From<kyso_xml::Error> for Error {
    fn from(e: kyso_xml::Error) -> Error {
        Error::Xml(e)
    }
}

impl From<kyso_cms::Error> for Error {
    fn from(e: kyso_cms::Error) -> Error {
        Error::Cms(e)
    }
}

impl From<crate::TsaError> for Error {
    fn from(e: crate::TsaError) -> Error {
        Error::Tsa(e)
    }
}
