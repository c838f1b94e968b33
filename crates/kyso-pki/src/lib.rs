//! kyso-pki: certificates, signer kind, chain building, algorithms and keys.
//!
//! Everything here parses untrusted input without panicking: malformed data yields an
//! [`Error`].

pub mod algorithm;
pub mod base64;
pub mod cert;
pub mod chain;
pub mod der;
mod error;
pub mod key;
pub mod kind;
pub mod name;
pub mod ocsp;
pub mod time;

pub use algorithm::{AlgorithmId, DigestAlgorithm, SignatureScheme};
pub use cert::{Certificate, Curve, Extension, PublicKey};
pub use chain::{ChainOutcome, ChainProblem, TrustStore};
pub use error::Error;
pub use key::{Credential, SigningKey};
pub use kind::{Classification, SignerKind, classify};
pub use name::Name;
pub use ocsp::{OcspError, OcspRequest, OcspResponse, random_bytes};
