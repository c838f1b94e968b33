//! kyso-pki: certificates, signer kind, chain building, algorithms and keys.
//!
//! Everything here parses untrusted input without panicking: malformed data yields an
//! [`Error`].
//!
//! The modules are layered: a module uses only modules of its own or a lower layer, and
//! never in a cycle (tests/layering.rs checks both against this list).
//!
//! 1. encoding and names: `error`, `der`, `base64`, `time`, `name`, `general_name`,
//!    `revocation_status` (revocation reasons and statuses)
//! 2. algorithms and public keys: `bignum` (big integers for the public-key operations ring
//!    lacks), `digest`, `rsa`, `ec`, `ed448`, `public_key`, `algorithm`, `dsa`
//! 3. certificates and their extensions: `distribution_point`, `policy_ext`,
//!    `name_constraints_ext`, `cert`, `kind`, `key`, `cert_cache`
//! 4. OCSP: `ocsp`
//! 5. path validation, with the revocation hook: `policy`, `name_constraints`,
//!    `trust_store`, `path`
//! 6. over path validation: `chain` (the simple chain interface), `crl` (CRLs and their
//!    revocation checker), `revocation` (the revocation interface, re-exported)
//!
//! The private modules hold what a lower layer needs of a higher module's subject; their
//! items are public at the paths of the modules that re-export them (e.g. `cert::Curve`,
//! `crl::DistributionPoint`, `policy::PolicyConstraints`, `chain::TrustStore`,
//! `revocation::RevocationReason`).

pub mod algorithm;
pub mod base64;
mod bignum;
pub mod cert;
pub mod cert_cache;
pub mod chain;
pub mod crl;
pub mod der;
mod digest;
mod distribution_point;
pub mod dsa;
mod ec;
mod ed448;
mod error;
pub mod general_name;
pub mod key;
pub mod kind;
pub mod name;
pub mod name_constraints;
mod name_constraints_ext;
pub mod ocsp;
pub mod path;
pub mod policy;
mod policy_ext;
mod public_key;
pub mod revocation;
mod revocation_status;
mod rsa;
pub mod time;
mod trust_store;

pub use algorithm::{AlgorithmId, DigestAlgorithm, SignatureScheme};
pub use cert::{Certificate, CertificateData, Curve, Extension, PublicKey, RawPublicKey};
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
