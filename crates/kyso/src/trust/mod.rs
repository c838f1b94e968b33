//! Trust and revocation: the trust settings, path validation of signers and time-stamp
//! authorities, revocation evidence (embedded and online), time-stamp tokens, and the TSA
//! client.

pub(crate) mod online;
pub(crate) mod revocation;
pub(crate) mod settings;
pub(crate) mod signer_check;
pub(crate) mod timestamp;
pub mod tsa;

pub use settings::{NetConfig, RevocationPolicy, TaxCodePolicy, TrustConfig, load_certificates};
pub use signer_check::{SignerRefused, check_signing_certificate};
