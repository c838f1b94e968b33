//! The revocation hook of path validation: the validator asks a [`RevocationChecker`] about
//! every certificate below the trust anchor, with its issuer and the validation time.
//!
//! A checker reports what its evidence says (good, revoked at some time, or unknown and
//! why); the validator compares a revocation time with the validation time, so that a
//! certificate revoked after the time being proven (e.g. a signing time shown by a
//! time-stamp) is reported as good at that time with the later revocation noted.

use crate::cert::Certificate;
use crate::chain::TrustStore;
use crate::path::{RequiredEku, ValidationOutcome, ValidationParams};
use crate::time::UnixTime;

/// CRLReason (RFC 5280 §5.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6).
    CertificateHold,
    /// removeFromCRL (8), only meaningful in delta CRLs.
    RemoveFromCrl,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10).
    AaCompromise,
    /// Any other code.
    Other(u8),
}

impl RevocationReason {
    /// From the enumerated code.
    pub fn from_code(code: u8) -> RevocationReason {
        match code {
            0 => RevocationReason::Unspecified,
            1 => RevocationReason::KeyCompromise,
            2 => RevocationReason::CaCompromise,
            3 => RevocationReason::AffiliationChanged,
            4 => RevocationReason::Superseded,
            5 => RevocationReason::CessationOfOperation,
            6 => RevocationReason::CertificateHold,
            8 => RevocationReason::RemoveFromCrl,
            9 => RevocationReason::PrivilegeWithdrawn,
            10 => RevocationReason::AaCompromise,
            other => RevocationReason::Other(other),
        }
    }

    /// The enumerated code.
    pub fn code(self) -> u8 {
        match self {
            RevocationReason::Unspecified => 0,
            RevocationReason::KeyCompromise => 1,
            RevocationReason::CaCompromise => 2,
            RevocationReason::AffiliationChanged => 3,
            RevocationReason::Superseded => 4,
            RevocationReason::CessationOfOperation => 5,
            RevocationReason::CertificateHold => 6,
            RevocationReason::RemoveFromCrl => 8,
            RevocationReason::PrivilegeWithdrawn => 9,
            RevocationReason::AaCompromise => 10,
            RevocationReason::Other(c) => c,
        }
    }

    /// The ASN.1 name, e.g. `keyCompromise`.
    pub fn name(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::CaCompromise => "cACompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::CertificateHold => "certificateHold",
            RevocationReason::RemoveFromCrl => "removeFromCRL",
            RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
            RevocationReason::AaCompromise => "aACompromise",
            RevocationReason::Other(_) => "other",
        }
    }

    /// The bit of this reason in a ReasonFlags BIT STRING (RFC 5280 §4.2.1.13), as a mask
    /// over bit positions 0 (unused) to 8.
    pub fn flag(self) -> u16 {
        let bit = match self {
            RevocationReason::Unspecified => return 0,
            RevocationReason::KeyCompromise => 1,
            RevocationReason::CaCompromise => 2,
            RevocationReason::AffiliationChanged => 3,
            RevocationReason::Superseded => 4,
            RevocationReason::CessationOfOperation => 5,
            RevocationReason::CertificateHold => 6,
            RevocationReason::PrivilegeWithdrawn => 7,
            RevocationReason::AaCompromise => 8,
            RevocationReason::RemoveFromCrl | RevocationReason::Other(_) => return 0,
        };
        1 << bit
    }
}

impl std::fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "key compromise",
            RevocationReason::CaCompromise => "CA compromise",
            RevocationReason::AffiliationChanged => "affiliation changed",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessation of operation",
            RevocationReason::CertificateHold => "certificate hold",
            RevocationReason::RemoveFromCrl => "remove from CRL",
            RevocationReason::PrivilegeWithdrawn => "privilege withdrawn",
            RevocationReason::AaCompromise => "AA compromise",
            RevocationReason::Other(c) => return write!(f, "reason {c}"),
        };
        f.write_str(s)
    }
}

/// What a checker found for one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Not revoked, according to evidence that covers the certificate.
    Good,
    /// Revoked at `time` (which may be after the validation time: the validator decides).
    Revoked {
        /// revocationDate (or the OCSP revocationTime).
        time: UnixTime,
        /// The reason, when given.
        reason: Option<RevocationReason>,
    },
    /// No usable evidence; the text says why (no CRL, stale, bad signature, ...).
    Unknown(String),
}

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
