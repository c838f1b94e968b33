//! PDF: PAdES signing (B-B to B-LTA), long-term validation data, and verification.

pub(crate) mod digest_plan;
pub mod ltv;
pub(crate) mod sign;
pub(crate) mod verify;
pub mod visible;

use kyso_pdf::Document;

/// The password of an encrypted PDF (user or owner password), for documents that the empty
/// user password does not open. Its `Debug` output does not show it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PdfPassword(pub String);

impl std::fmt::Debug for PdfPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PdfPassword(..)")
    }
}

/// Opens a PDF with the given password, else with the empty user password (one password
/// given for a batch of documents, some of which need none).
pub(crate) fn open_pdf<'a>(
    data: &'a [u8],
    password: Option<&PdfPassword>,
) -> Result<Document<'a>, kyso_pdf::Error> {
    match password.filter(|p| !p.0.is_empty()) {
        None => Document::open(data),
        Some(p) => match Document::open_with_password(data, p.0.as_bytes()) {
            Err(e @ kyso_pdf::Error::Encrypted(_)) => Document::open(data).map_err(|_| e),
            other => other,
        },
    }
}
