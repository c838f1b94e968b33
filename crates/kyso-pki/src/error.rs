use thiserror::Error;

/// Everything that can go wrong in kyso-pki.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    #[error("malformed DER: {0}")]
    Der(&'static str),
    #[error("malformed certificate: {0}")]
    Certificate(&'static str),
    #[error("invalid time: {0}")]
    Time(&'static str),
    #[error("malformed PEM or base64: {0}")]
    Pem(&'static str),
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// An algorithm identifier of the wrong kind where another is required (a signature
    /// algorithm in a digest field, a curve for a signature algorithm): malformed, not
    /// merely unsupported.
    #[error("misplaced algorithm: {0}")]
    MisplacedAlgorithm(String),
    /// A known algorithm that is broken (MD2, MD4, MD5): refused, never verified.
    #[error("broken algorithm: {0}")]
    BrokenAlgorithm(String),
    #[error("signature does not verify")]
    BadSignature,
    #[error("PKCS#12: {0}")]
    Pkcs12(String),
    #[error("wrong password for the PKCS#12 file (or the file is damaged)")]
    WrongPassword,
    #[error("the key file holds no private key with a certificate")]
    NoKey,
    #[error("unsupported or unusable private key: {0}")]
    Key(String),
    #[error("signing failed")]
    SigningFailed,
}
