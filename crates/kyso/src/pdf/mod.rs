//! PDF: PAdES signing (B-B to B-LTA), long-term validation data, and verification.

pub(crate) mod digest_plan;
pub mod ltv;
pub(crate) mod sign;
pub(crate) mod verify;
