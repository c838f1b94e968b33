use thiserror::Error;

/// Errors from the kyso library.
#[derive(Debug, Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("not a supported document (expected PDF or XML)")]
    UnsupportedFormat,
    #[error("PDF: {0}")]
    Pdf(#[from] kyso_pdf::Error),
    #[error(transparent)]
    Pki(#[from] kyso_pki::Error),
    #[error("XML: {0}")]
    Xml(#[from] kyso_xml::Error),
    #[error("CMS: {0}")]
    Cms(#[from] kyso_cms::Error),
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
