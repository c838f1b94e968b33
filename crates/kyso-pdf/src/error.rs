use thiserror::Error;

/// Errors from reading or writing PDF structure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    #[error("not a PDF file (no %PDF- header)")]
    NotPdf,
    #[error("PDF syntax error at byte {offset}: {what}")]
    Syntax { offset: usize, what: &'static str },
    #[error("broken cross-reference data: {0}")]
    Xref(String),
    #[error("object {0} {1} R is missing")]
    MissingObject(u32, u16),
    #[error("unsupported PDF feature: {0}")]
    Unsupported(String),
    #[error("cannot sign: {0}")]
    CannotSign(String),
    /// The document is encrypted in a way kyso cannot open: a public-key or unknown security
    /// handler, an unsupported algorithm, or a password that is needed and not given (or
    /// wrong). The message says which.
    #[error("encrypted PDF: {0}")]
    Encrypted(String),
    /// A certification signature was asked for a document that is already signed.
    #[error("cannot sign: a certification signature must be the first signature in the document")]
    CertificationNotFirst,
    /// The document is certified with DocMDP P=1: no further signature is allowed.
    #[error(
        "cannot sign: the document is certified with no changes allowed (DocMDP P=1); another signature would break it"
    )]
    CertifiedNoChanges,
    #[error("stream data could not be decoded: {0}")]
    Decode(String),
    /// A visible signature that cannot be drawn: an unreadable image, a rectangle outside the
    /// page, a page that does not exist.
    #[error("visible signature: {0}")]
    Appearance(String),
    /// A font that cannot be used for text: not a TrueType font, CFF outlines, a licence that
    /// forbids embedding, or a character the font has no glyph for. The message says which.
    #[error("font: {0}")]
    Font(String),
}

impl Error {
    pub(crate) fn syntax(offset: usize, what: &'static str) -> Error {
        Error::Syntax { offset, what }
    }
}
