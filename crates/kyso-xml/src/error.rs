use thiserror::Error;

/// Errors from XML signature processing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("reference '{0}' points to no element")]
    MissingId(String),
    #[error("Id '{0}' is used by more than one element")]
    DuplicateId(String),
    #[error("canonicalization failed: {0}")]
    C14n(String),
    #[error("cannot sign: {0}")]
    CannotSign(String),
    #[error(transparent)]
    Pki(#[from] kyso_pki::Error),
}
