use thiserror::Error;

/// Errors from CMS parsing and building.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    #[error("malformed CMS: {0}")]
    Malformed(&'static str),
    #[error("the CMS content is not SignedData ({0})")]
    NotSignedData(String),
    #[error(transparent)]
    Pki(#[from] kyso_pki::Error),
}
