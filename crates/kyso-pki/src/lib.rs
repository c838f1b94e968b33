//! kyso-pki: certificates, signer kind, chain building, algorithms and keys.
//!
//! Everything here parses untrusted input without panicking: malformed data yields an
//! [`Error`].

pub mod algorithm;
pub mod base64;
pub mod cert;
pub mod cert_cache;
pub mod chain;
pub mod crl;
pub mod der;
pub mod dsa;
mod error;
pub mod general_name;
pub mod key;
pub mod kind;
pub mod name;
pub mod name_constraints;
pub mod ocsp;
pub mod path;
pub mod policy;
pub mod revocation;
pub mod time;

pub use algorithm::{AlgorithmId, DigestAlgorithm, SignatureScheme};
pub use cert::{Certificate, CertificateData, Curve, Extension, PublicKey};
pub use chain::{ChainOutcome, ChainProblem, TrustStore};
pub use crl::{Crl, CrlChecker};
pub use error::Error;
pub use key::{Credential, SigningKey};
pub use kind::{Classification, SignerKind, classify, tax_codes};
pub use name::Name;
pub use ocsp::{OcspError, OcspRequest, OcspResponse, random_bytes};
pub use path::{PathProblem, RequiredEku, ValidationOutcome, ValidationParams};
pub use policy::PolicyInputs;
pub use revocation::{RevocationChecker, RevocationReason, RevocationRequest, RevocationStatus};
