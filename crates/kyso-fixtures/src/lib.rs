//! Deterministic test-fixture generator for kyso.
//!
//! [`generate`] writes a small test PKI (`pki/`) and a set of hand-written
//! sample PDFs (`pdf/`) into an output directory. Everything except the
//! PKCS#12 containers (random salts) and the qpdf-linearized PDF (produced by
//! an external tool) is byte-for-byte reproducible: keys are derived from
//! fixed seeds, validity dates and serial numbers are fixed, and RSA
//! PKCS#1 v1.5 signatures are deterministic.
//!
//! [`pki`] also makes CRLs and OpenSSL OCSP index files on demand for the
//! revocation tests, and [`urls`] names the loopback services the
//! certificates point at.
//!
//! All keys and the PKCS#12 password ([`P12_PASSWORD`]) are test material
//! only and must never be trusted for anything.

pub mod attacks;
mod der;
pub mod images;
pub mod letter_vn;
mod pdf;
pub mod pdf_insecurity;
pub mod pki;
pub mod seal_kids;
pub mod urls;
pub mod xml_attacks;

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use pki::P12_PASSWORD;

/// Errors raised while generating fixtures.
#[derive(Debug)]
pub enum Error {
    /// Reading or writing a file failed.
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Key generation or key encoding failed.
    Key(String),
    /// Certificate generation or post-processing failed.
    Cert(String),
    /// Building or checking a PKCS#12 container failed.
    Pkcs12(String),
    /// Building a PDF failed.
    Pdf(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Key(msg) => write!(f, "key: {msg}"),
            Error::Cert(msg) => write!(f, "certificate: {msg}"),
            Error::Pkcs12(msg) => write!(f, "pkcs12: {msg}"),
            Error::Pdf(msg) => write!(f, "pdf: {msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Result alias used throughout this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// What [`generate`] did.
#[derive(Debug, Default)]
pub struct Report {
    /// Files written, relative to the output directory, in writing order.
    pub files: Vec<PathBuf>,
    /// Non-fatal problems (for example qpdf missing, so the linearized PDF
    /// was not regenerated).
    pub warnings: Vec<String>,
}

/// Files whose bytes are fully determined by this generator (relative to
/// the output directory). The PKCS#12 files and `pdf/letter-linearized.pdf`
/// are not in this list.
pub const DETERMINISTIC_FILES: &[&str] = &[
    "images/chu-ky.png",
    "images/con-dau.png",
    "pki/root.pem",
    "pki/root.key.pem",
    "pki/ca.pem",
    "pki/ca.key.pem",
    "pki/personal.pem",
    "pki/personal.key.pem",
    "pki/personal.chain.pem",
    "pki/agency.pem",
    "pki/agency.key.pem",
    "pki/agency.chain.pem",
    "pki/personal-ec.pem",
    "pki/personal-ec.key.pem",
    "pki/personal-ec.chain.pem",
    "pki/outsider.pem",
    "pki/outsider.key.pem",
    "pki/outsider.chain.pem",
    "pki/revoked.pem",
    "pki/revoked.key.pem",
    "pki/revoked.chain.pem",
    "pki/shortlived.pem",
    "pki/shortlived.key.pem",
    "pki/shortlived.chain.pem",
    "pki/unreachable.pem",
    "pki/unreachable.key.pem",
    "pki/unreachable.chain.pem",
    "pki/tsa.pem",
    "pki/tsa.key.pem",
    "pki/tsa.chain.pem",
    "pki/ocsp.pem",
    "pki/ocsp.key.pem",
    "pki/ocsp.chain.pem",
    "pki/root-ocsp.pem",
    "pki/root-ocsp.key.pem",
    "pki/root-ocsp.chain.pem",
    "pki/outsider-tsa.pem",
    "pki/outsider-tsa.key.pem",
    "pki/outsider-tsa.chain.pem",
    "pki/root.der",
    "pki/ca.der",
    "pki/root.crl",
    "pki/ca.crl",
    "pdf/letter-classic.pdf",
    "pdf/letter-xrefstream.pdf",
    "pdf/letter-form.pdf",
    "pdf/letter-updates.pdf",
    "pdf/letter-vn.pdf",
    "pdf/letter-vn-form.pdf",
];

/// Generates every fixture into `out_dir` (creating `out_dir/pki` and
/// `out_dir/pdf` as needed).
///
/// `pdf/letter-linearized.pdf` is produced by running `qpdf --linearize`; if
/// qpdf is not installed a warning is recorded in the [`Report`] and any
/// existing file is left untouched.
pub fn generate(out_dir: &Path) -> Result<Report> {
    let mut report = Report::default();
    let pki_dir = out_dir.join("pki");
    let pdf_dir = out_dir.join("pdf");
    create_dir(&pki_dir)?;
    create_dir(&pdf_dir)?;

    for file in pki::generate()? {
        write_file(out_dir, &file.name, &file.bytes, &mut report)?;
    }
    for file in pdf::generate()? {
        write_file(out_dir, &file.name, &file.bytes, &mut report)?;
    }
    for file in letter_vn::generate()? {
        write_file(out_dir, &file.name, &file.bytes, &mut report)?;
    }
    pdf::linearize(out_dir, &mut report)?;
    write_images(out_dir, &mut report)?;
    Ok(report)
}

/// Writes the signature and seal pictures (`images/*.png`) under `out_dir`.
pub fn write_images(out_dir: &Path, report: &mut Report) -> Result<()> {
    create_dir(&out_dir.join("images"))?;
    for file in images::generate()? {
        write_file(out_dir, &file.name, &file.bytes, report)?;
    }
    Ok(())
}

/// A generated file: path relative to the output directory plus contents.
pub(crate) struct OutFile {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

impl OutFile {
    pub(crate) fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutFile {
            name: name.into(),
            bytes: bytes.into(),
        }
    }
}

fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })
}

fn write_file(out_dir: &Path, name: &str, bytes: &[u8], report: &mut Report) -> Result<()> {
    let path = out_dir.join(name);
    fs::write(&path, bytes).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    report.files.push(PathBuf::from(name));
    Ok(())
}
