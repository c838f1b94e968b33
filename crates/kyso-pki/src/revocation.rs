//! The revocation hook of path validation: the validator asks a [`RevocationChecker`] about
//! every certificate below the trust anchor, with its issuer and the validation time.
//!
//! A checker reports what its evidence says (good, revoked at some time, or unknown and
//! why); the validator compares a revocation time with the validation time, so that a
//! certificate revoked after the time being proven (e.g. a signing time shown by a
//! time-stamp) is reported as good at that time with the later revocation noted.
//!
//! This module gathers the revocation interface in one place: the plain types
//! ([`RevocationReason`], [`RevocationStatus`]) sit low in the crate, with no dependency on
//! certificates, so that CRL, OCSP and path validation can all use them; the checker trait
//! and its request belong to path validation (a request re-enters it to validate CRL and
//! OCSP signers). Checkers themselves ([`crate::crl::CrlChecker`], and the caller's) build
//! on top.

pub use crate::path::{MAX_NESTING, RevocationChecker, RevocationRequest};
pub use crate::revocation_status::{RevocationReason, RevocationStatus};
