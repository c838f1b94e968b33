//! The revocation hook of path validation: the validator asks a [`RevocationChecker`] about
//! every certificate below the trust anchor, with its issuer and the validation time.
//!
//! A checker reports what its evidence says (good, revoked at some time, or unknown and
//! why); the validator compares a revocation time with the validation time, so that a
//! certificate revoked after the time being proven (e.g. a signing time shown by a
//! time-stamp) is reported as good at that time with the later revocation noted.

use crate::cert::Certificate;
use crate::path::{RequiredEku, ValidationOutcome, ValidationParams};
use crate::time::UnixTime;
use crate::trust_store::TrustStore;

pub use crate::revocation_status::{RevocationReason, RevocationStatus};

/// One question to a checker.
#[derive(Clone, Copy)]
pub struct RevocationRequest<'a> {
    /// The certificate whose status is asked.
    pub cert: &'a Certificate,
    /// Its issuer in the path being validated.
    pub issuer: &'a Certificate,
    /// The path from `cert` up to the trust anchor (`cert` first, anchor last).
    pub path: &'a [Certificate],
    /// The validation time.
    pub at: UnixTime,
    pub(crate) store: &'a TrustStore,
    pub(crate) extra: &'a [Certificate],
    pub(crate) params: &'a ValidationParams<'a>,
}

impl std::fmt::Debug for RevocationRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationRequest")
            .field("cert", &self.cert.subject.to_string())
            .field("issuer", &self.issuer.subject.to_string())
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// How many nested validations (of CRL or OCSP signers) one validation may start.
pub const MAX_NESTING: usize = 4;

impl<'a> RevocationRequest<'a> {
    /// The trust anchor of the path being validated.
    pub fn anchor(&self) -> Option<&'a Certificate> {
        self.path.last()
    }

    /// Certificates available for building other paths: the store's and the caller's.
    pub fn available_certificates(&self) -> impl Iterator<Item = &'a Certificate> {
        self.store
            .anchors()
            .iter()
            .chain(self.store.intermediates())
            .chain(self.extra.iter())
    }

    /// Validates another certificate (e.g. a CRL or OCSP signer) with the same store, time
    /// and revocation checker, one nesting level deeper; `None` past [`MAX_NESTING`].
    pub fn validate_other(&self, cert: &Certificate) -> Option<ValidationOutcome> {
        self.validate_other_with(cert, None, true)
    }

    /// Like [`RevocationRequest::validate_other`], without asking about `cert`'s own
    /// status (for a CRL or OCSP signer whose status the evidence it signed vouches for,
    /// or an OCSP responder certificate with id-pkix-ocsp-nocheck).
    pub fn validate_other_without_own_status(
        &self,
        cert: &Certificate,
    ) -> Option<ValidationOutcome> {
        self.validate_other_with(cert, None, false)
    }

    /// Validates another certificate one nesting level deeper, requiring `required_eku` of
    /// it (e.g. [`RequiredEku::ocsp_signing`] for a delegated OCSP responder) and asking
    /// about its own status only when `check_own_status`; `None` past [`MAX_NESTING`].
    pub fn validate_other_with(
        &self,
        cert: &Certificate,
        required_eku: Option<RequiredEku>,
        check_own_status: bool,
    ) -> Option<ValidationOutcome> {
        if self.params.nesting >= MAX_NESTING {
            return None;
        }
        let mut params = self.params.clone();
        params.nesting += 1;
        params.required_eku = required_eku;
        params.at = self.at;
        if !check_own_status {
            params.skip_revocation.push(*cert.fingerprint());
        }
        Some(self.store.validate(cert, self.extra, &params))
    }

    /// Verifies `signed` (the to-be-signed bytes) with `signer`'s key under `algorithm`,
    /// taking DSA domain parameters from the signer's path when its key inherits them.
    pub fn verify_signature(
        &self,
        signer: &Certificate,
        signer_path: &[Certificate],
        algorithm: &crate::algorithm::AlgorithmId,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<(), crate::Error> {
        crate::path::verify_with_path(signer, signer_path, algorithm, signed, signature)
    }
}

/// Something that knows revocation status (CRLs, OCSP responses, a cache of both).
pub trait RevocationChecker: Send + Sync {
    /// The status of `request.cert` at `request.at`.
    fn check(&self, request: &RevocationRequest<'_>) -> RevocationStatus;
}
