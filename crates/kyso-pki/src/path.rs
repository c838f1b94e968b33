//! Certification path building and validation (RFC 5280 §6.1).
//!
//! [`TrustStore::validate`] builds candidate paths from a certificate to a trust anchor
//! over every candidate issuer (the store's anchors and intermediates and the caller's
//! extra certificates), backtracking across candidates, and validates each complete
//! candidate: signatures, validity at the given time, revocation through an optional
//! [`RevocationChecker`], basicConstraints and pathLen, keyUsage, name constraints, the
//! valid-policy-tree with the RFC 5280 inputs, unrecognised critical extensions, and an
//! optional extended key usage required of the end certificate. The first path without
//! problems wins; otherwise the candidate with the fewest problems is reported.
//!
//! The revocation hook ([`RevocationChecker`], [`RevocationRequest`]) is defined here, not
//! in [`crate::revocation`] (which re-exports it): a request carries the validation's
//! parameters and validates CRL and OCSP signers with them, so the hook and the validator
//! are one unit.

use crate::algorithm::AlgorithmId;
use crate::cert::{Certificate, key_usage};
use crate::error::Error;
use crate::name_constraints::{self, NameConstraints, Violation};
use crate::policy::{PolicyFailure, PolicyInputs, PolicySets, PolicyState};
use crate::revocation_status::{RevocationReason, RevocationStatus};
use crate::time::{self, UnixTime};
use crate::trust_store::TrustStore;

/// id-kp-timeStamping (RFC 3161 time-stamping authorities).
pub const EKU_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
/// id-kp-OCSPSigning (RFC 6960 delegated OCSP responders).
pub const EKU_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
/// anyExtendedKeyUsage.
pub const EKU_ANY: &str = "2.5.29.37.0";

/// An extended key usage the end certificate must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredEku {
    /// The purpose, dotted.
    pub oid: String,
    /// Whether anyExtendedKeyUsage satisfies it.
    pub any_satisfies: bool,
    /// Whether a certificate without extKeyUsage (unrestricted) satisfies it.
    pub absent_satisfies: bool,
}

impl RequiredEku {
    /// A purpose satisfied by the OID itself, by anyExtendedKeyUsage, or by the absence of
    /// the extension (RFC 5280 §4.2.1.12 semantics).
    pub fn new(oid: &str) -> RequiredEku {
        RequiredEku {
            oid: oid.to_string(),
            any_satisfies: true,
            absent_satisfies: true,
        }
    }

    /// A time-stamping authority: id-kp-timeStamping must be present (RFC 3161 §2.3).
    pub fn time_stamping() -> RequiredEku {
        RequiredEku {
            oid: EKU_TIME_STAMPING.to_string(),
            any_satisfies: false,
            absent_satisfies: false,
        }
    }

    /// A delegated OCSP responder: id-kp-OCSPSigning must be present (RFC 6960 §4.2.2.2).
    pub fn ocsp_signing() -> RequiredEku {
        RequiredEku {
            oid: EKU_OCSP_SIGNING.to_string(),
            any_satisfies: false,
            absent_satisfies: false,
        }
    }

    fn satisfied_by(&self, cert: &Certificate) -> bool {
        if cert.extension("2.5.29.37").is_none() {
            return self.absent_satisfies;
        }
        cert.extended_key_usage
            .iter()
            .any(|e| *e == self.oid || (self.any_satisfies && e == EKU_ANY))
    }
}

/// Inputs of path validation.
#[derive(Clone)]
pub struct ValidationParams<'a> {
    /// The time at which the path must be valid.
    pub at: UnixTime,
    /// The policy inputs (user-initial-policy-set and the three initial flags).
    pub policy: PolicyInputs,
    /// An extended key usage the end certificate must carry.
    pub required_eku: Option<RequiredEku>,
    /// Asked about every certificate below the anchor; `None` skips revocation checking.
    pub revocation: Option<&'a dyn RevocationChecker>,
    /// Nesting level (0 for a top-level validation; CRL and OCSP signers are validated
    /// one level deeper).
    pub(crate) nesting: usize,
    /// Certificates whose status is not asked (their status is being established).
    pub(crate) skip_revocation: Vec<[u8; 32]>,
}

impl std::fmt::Debug for ValidationParams<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidationParams")
            .field("at", &self.at)
            .field("policy", &self.policy)
            .field("required_eku", &self.required_eku)
            .field("revocation", &self.revocation.is_some())
            .finish()
    }
}

impl<'a> ValidationParams<'a> {
    /// Validation at `at` with any policy, no required extended key usage and no
    /// revocation checking.
    pub fn new(at: UnixTime) -> ValidationParams<'a> {
        ValidationParams {
            at,
            policy: PolicyInputs::default(),
            required_eku: None,
            revocation: None,
            nesting: 0,
            skip_revocation: Vec::new(),
        }
    }

    /// Requires an extended key usage of the end certificate.
    pub fn with_eku(mut self, eku: RequiredEku) -> Self {
        self.required_eku = Some(eku);
        self
    }

    /// Checks revocation with `checker`.
    pub fn with_revocation(mut self, checker: &'a dyn RevocationChecker) -> Self {
        self.revocation = Some(checker);
        self
    }

    /// Sets the policy inputs.
    pub fn with_policy(mut self, policy: PolicyInputs) -> Self {
        self.policy = policy;
        self
    }
}

/// Why the policy part of validation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyViolationKind {
    /// An explicit policy is required and none is valid for the path so far.
    NoValidPolicy,
    /// A policy mapping maps to or from anyPolicy.
    MapsAnyPolicy,
    /// The policy tree grew past the processing bound.
    TooComplex,
}

/// Something wrong with a certification path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    /// No path from the certificate to any trust anchor.
    NoPathToAnchor,
    /// A certificate is past its validity period at the time checked.
    Expired {
        /// The certificate's subject.
        subject: String,
        /// Its notAfter.
        not_after: UnixTime,
    },
    /// A certificate is not yet valid at the time checked.
    NotYetValid {
        /// The certificate's subject.
        subject: String,
        /// Its notBefore.
        not_before: UnixTime,
    },
    /// An issuing certificate is not a CA (basicConstraints).
    NotACa {
        /// The issuing certificate's subject.
        subject: String,
    },
    /// A pathLenConstraint is exceeded.
    PathLenExceeded {
        /// The subject of the certificate that would exceed it.
        subject: String,
    },
    /// A critical extension kyso does not process.
    UnhandledCriticalExtension {
        /// The certificate's subject.
        subject: String,
        /// The extension.
        oid: String,
    },
    /// A signature uses an algorithm kyso cannot check.
    UnsupportedAlgorithm(String),
    /// A certificate is signed with a broken algorithm (MD2, MD4, MD5), which kyso does not
    /// accept at any time (as EU DSS's cryptographic constraints: INDETERMINATE,
    /// CRYPTO_CONSTRAINTS_FAILURE; pyHanko refuses MD5 as a weak hash too).
    BrokenAlgorithm {
        /// The subject of the certificate so signed.
        subject: String,
        /// The algorithm.
        algorithm: String,
    },
    /// A certificate's signature does not verify with its issuer's key.
    BadSignature {
        /// The subject of the certificate whose signature fails.
        subject: String,
    },
    /// An issuing certificate's keyUsage lacks keyCertSign.
    KeyUsage {
        /// The issuing certificate's subject.
        subject: String,
    },
    /// The end certificate lacks a required extended key usage.
    ExtendedKeyUsage {
        /// The certificate's subject.
        subject: String,
        /// The purpose that was required.
        required: String,
    },
    /// A name of a certificate is outside the permitted or inside the excluded subtrees.
    NameConstraintViolation {
        /// The certificate's subject.
        subject: String,
        /// The offending name.
        name: String,
        /// Whether the name is excluded (else: not permitted).
        excluded: bool,
    },
    /// Policy processing failed.
    PolicyViolation {
        /// The certificate at which it failed.
        subject: String,
        /// How.
        kind: PolicyViolationKind,
    },
    /// A certificate was revoked at or before the validation time.
    Revoked {
        /// The certificate's subject.
        subject: String,
        /// Its serial number, hex.
        serial: String,
        /// The revocation time.
        time: UnixTime,
        /// The reason, when given.
        reason: Option<RevocationReason>,
    },
    /// The revocation status of a certificate could not be established.
    RevocationUnknown {
        /// The certificate's subject.
        subject: String,
        /// Its serial number, hex.
        serial: String,
        /// Why.
        why: String,
    },
}

impl PathProblem {
    /// Whether the problem is about revocation status evidence rather than the path itself
    /// (callers choosing soft-fail filter these out).
    pub fn is_revocation_unknown(&self) -> bool {
        matches!(self, PathProblem::RevocationUnknown { .. })
    }
}

impl std::fmt::Display for PathProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathProblem::NoPathToAnchor => f.write_str("no chain to a trusted root"),
            PathProblem::Expired { subject, not_after } => write!(
                f,
                "certificate '{subject}' expired at {}",
                time::to_rfc3339(*not_after)
            ),
            PathProblem::NotYetValid {
                subject,
                not_before,
            } => write!(
                f,
                "certificate '{subject}' is not valid before {}",
                time::to_rfc3339(*not_before)
            ),
            PathProblem::NotACa { subject } => write!(f, "issuer '{subject}' is not a CA"),
            PathProblem::PathLenExceeded { subject } => {
                write!(f, "path length constraint exceeded at '{subject}'")
            }
            PathProblem::UnhandledCriticalExtension { subject, oid } => write!(
                f,
                "certificate '{subject}' has an unsupported critical extension {oid}"
            ),
            PathProblem::UnsupportedAlgorithm(a) => {
                write!(f, "unsupported algorithm in the chain: {a}")
            }
            PathProblem::BrokenAlgorithm { subject, algorithm } => write!(
                f,
                "certificate '{subject}' is signed with {algorithm}, a broken algorithm \
                 (not accepted)"
            ),
            PathProblem::BadSignature { subject } => {
                write!(
                    f,
                    "the signature on certificate '{subject}' does not verify"
                )
            }
            PathProblem::KeyUsage { subject } => {
                write!(
                    f,
                    "issuer '{subject}' may not sign certificates (key usage)"
                )
            }
            PathProblem::ExtendedKeyUsage { subject, required } => write!(
                f,
                "certificate '{subject}' lacks the extended key usage {required}"
            ),
            PathProblem::NameConstraintViolation {
                subject,
                name,
                excluded,
            } => {
                let how = if *excluded {
                    "is excluded by"
                } else {
                    "is not permitted by"
                };
                write!(
                    f,
                    "name {name} of certificate '{subject}' {how} the name constraints"
                )
            }
            PathProblem::PolicyViolation { subject, kind } => match kind {
                PolicyViolationKind::NoValidPolicy => write!(
                    f,
                    "no acceptable certificate policy is valid for the path at '{subject}'"
                ),
                PolicyViolationKind::MapsAnyPolicy => {
                    write!(f, "certificate '{subject}' maps to or from anyPolicy")
                }
                PolicyViolationKind::TooComplex => {
                    write!(f, "policy processing too complex at '{subject}'")
                }
            },
            PathProblem::Revoked {
                subject,
                serial,
                time: t,
                reason,
            } => {
                write!(
                    f,
                    "certificate '{subject}' (serial {serial}) was revoked at {}",
                    time::to_rfc3339(*t)
                )?;
                if let Some(r) = reason {
                    write!(f, " ({r})")?;
                }
                Ok(())
            }
            PathProblem::RevocationUnknown {
                subject,
                serial,
                why,
            } => write!(
                f,
                "revocation status of certificate '{subject}' (serial {serial}) is unknown: {why}"
            ),
        }
    }
}

/// A certificate found revoked only after the validation time: good at that time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedLater {
    /// The certificate's subject.
    pub subject: String,
    /// Its serial number, hex.
    pub serial: String,
    /// The revocation time (after the validation time).
    pub time: UnixTime,
    /// The reason, when given.
    pub reason: Option<RevocationReason>,
}

/// The result of path validation.
#[derive(Debug, Clone)]
pub struct ValidationOutcome {
    /// Leaf first; ends at the anchor when a complete path was found, else as far as
    /// issuers were found.
    pub path: Vec<Certificate>,
    /// A complete path to an anchor with verifying signatures was found.
    pub trusted: bool,
    /// Everything wrong with the reported path (empty for a valid path).
    pub problems: Vec<PathProblem>,
    /// The policy sets of the path (empty unless the policy checks passed).
    pub policies: PolicySets,
    /// Certificates of the path revoked after the validation time.
    pub revoked_later: Vec<RevokedLater>,
}

impl ValidationOutcome {
    /// A trusted path with no problems.
    pub fn is_valid(&self) -> bool {
        self.trusted && self.problems.is_empty()
    }

    /// Valid once problems `ignore` accepts are set aside (e.g.
    /// [`PathProblem::is_revocation_unknown`] for soft-fail revocation checking).
    pub fn is_valid_ignoring(&self, ignore: impl Fn(&PathProblem) -> bool) -> bool {
        self.trusted && self.problems.iter().all(ignore)
    }
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
        algorithm: &AlgorithmId,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        verify_with_path(signer, signer_path, algorithm, signed, signature)
    }
}

/// Something that knows revocation status (CRLs, OCSP responses, a cache of both).
pub trait RevocationChecker: Send + Sync {
    /// The status of `request.cert` at `request.at`.
    fn check(&self, request: &RevocationRequest<'_>) -> RevocationStatus;
}

/// Bound on path length (certificates including the anchor).
const MAX_PATH: usize = 12;
/// Bound on complete candidate paths validated for one certificate.
const MAX_CANDIDATES: usize = 32;
/// Bound on issuer candidates tried while building.
const MAX_STEPS: usize = 2_000;

/// How a link's signature checked out while building.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Link {
    Good,
    /// Needs the issuer's inherited DSA parameters: decided during validation.
    Deferred,
    Bad,
    Unsupported(String),
    /// Signed with a broken algorithm (MD5): the path is built, and found invalid.
    Broken,
}

struct Search<'s> {
    best: Option<(usize, ValidationOutcome)>,
    best_partial: Vec<Certificate>,
    unsupported: Option<String>,
    candidates: usize,
    steps: usize,
    done: bool,
    extra: &'s [Certificate],
}

impl TrustStore {
    /// Builds and validates a certification path for `cert`, using the store's anchors and
    /// intermediates and `extra` (e.g. the certificates a signature carries).
    pub fn validate(
        &self,
        cert: &Certificate,
        extra: &[Certificate],
        params: &ValidationParams<'_>,
    ) -> ValidationOutcome {
        let mut pool: Vec<&Certificate> = Vec::new();
        for c in self
            .anchors()
            .iter()
            .chain(self.intermediates())
            .chain(extra.iter())
        {
            if !pool.iter().any(|p| p.fingerprint() == c.fingerprint()) {
                pool.push(c);
            }
        }
        let mut search = Search {
            best: None,
            best_partial: vec![cert.clone()],
            unsupported: None,
            candidates: 0,
            steps: 0,
            done: false,
            extra,
        };
        let mut path = vec![cert.clone()];
        self.search(&mut path, &pool, params, &mut search);
        if let Some((_, outcome)) = search.best {
            return outcome;
        }
        // No complete path: report what was found, with the checks that need no anchor.
        let mut problems = vec![PathProblem::NoPathToAnchor];
        if let Some(a) = search.unsupported {
            problems.push(PathProblem::UnsupportedAlgorithm(a));
        }
        for c in &search.best_partial {
            validity_problems(c, params.at, &mut problems);
            for oid in &c.unhandled_critical {
                problems.push(PathProblem::UnhandledCriticalExtension {
                    subject: c.subject.to_string(),
                    oid: oid.clone(),
                });
            }
        }
        ValidationOutcome {
            path: search.best_partial,
            trusted: false,
            problems,
            policies: PolicySets::default(),
            revoked_later: Vec::new(),
        }
    }

    fn search(
        &self,
        path: &mut Vec<Certificate>,
        pool: &[&Certificate],
        params: &ValidationParams<'_>,
        s: &mut Search<'_>,
    ) {
        let Some(current) = path.last().cloned() else {
            return;
        };
        if self.is_anchor(&current) {
            s.candidates += 1;
            let outcome = self.check_path(path, s.extra, params);
            let score = outcome_score(&outcome);
            if outcome.is_valid() {
                s.done = true;
            }
            if s.best.as_ref().is_none_or(|(b, _)| score < *b) {
                s.best = Some((score, outcome));
            }
            if s.candidates >= MAX_CANDIDATES {
                s.done = true;
            }
            return;
        }
        if path.len() >= MAX_PATH {
            return;
        }
        let mut ranked: Vec<(u8, &Certificate, Link)> = Vec::new();
        for &cand in pool {
            if !cand.subject.matches(&current.issuer)
                || path.iter().any(|p| p.fingerprint() == cand.fingerprint())
            {
                continue;
            }
            s.steps += 1;
            if s.steps > MAX_STEPS {
                s.done = true;
                return;
            }
            let link = self.link(&current, cand);
            let mut rank = match &link {
                Link::Good | Link::Deferred => 0,
                Link::Broken => 3,
                Link::Bad | Link::Unsupported(_) => 4,
            };
            match (&current.authority_key_id, &cand.subject_key_id) {
                (Some(aki), Some(ski)) if aki != ski => rank += 2,
                (Some(_), Some(_)) => {}
                _ => rank += 1,
            }
            if let Link::Unsupported(a) = &link {
                s.unsupported = Some(a.clone());
            }
            ranked.push((rank, cand, link));
        }
        ranked.sort_by_key(|(rank, _, _)| *rank);
        for (_, cand, _) in ranked {
            path.push(cand.clone());
            if path.len() > s.best_partial.len() {
                s.best_partial = path.clone();
            }
            self.search(path, pool, params, s);
            path.pop();
            if s.done {
                return;
            }
        }
    }

    /// The signature check of `child` by `issuer` while building (remembered on success).
    fn link(&self, child: &Certificate, issuer: &Certificate) -> Link {
        if self.is_verified(child, issuer) {
            return Link::Good;
        }
        if crate::dsa::needs_inherited_parameters(issuer.spki(), &child.signature_algorithm) {
            return Link::Deferred;
        }
        match verify_with_path(
            issuer,
            std::slice::from_ref(issuer),
            &child.signature_algorithm,
            child.tbs(),
            &child.signature,
        ) {
            Ok(()) => {
                self.remember_verified(child, issuer);
                Link::Good
            }
            Err(Error::UnsupportedAlgorithm(a)) => Link::Unsupported(a),
            Err(Error::BrokenAlgorithm(_)) => Link::Broken,
            Err(_) => Link::Bad,
        }
    }

    /// RFC 5280 §6.1 over a complete candidate path (leaf first, anchor last).
    fn check_path(
        &self,
        path: &[Certificate],
        extra: &[Certificate],
        params: &ValidationParams<'_>,
    ) -> ValidationOutcome {
        let mut problems = Vec::new();
        let mut revoked_later = Vec::new();
        let mut trusted = true;
        let len = path.len();
        let n = len - 1;
        let Some(anchor) = path.last() else {
            return ValidationOutcome {
                path: Vec::new(),
                trusted: false,
                problems: vec![PathProblem::NoPathToAnchor],
                policies: PolicySets::default(),
                revoked_later,
            };
        };
        // The anchor: kyso also holds it to its validity period and, when it issues, to
        // being a CA (a v1 anchor without basicConstraints is accepted).
        validity_problems(anchor, params.at, &mut problems);
        for oid in &anchor.unhandled_critical {
            problems.push(PathProblem::UnhandledCriticalExtension {
                subject: anchor.subject.to_string(),
                oid: oid.clone(),
            });
        }
        if n > 0 && anchor.basic_constraints.is_some() {
            if !anchor.is_ca() {
                problems.push(PathProblem::NotACa {
                    subject: anchor.subject.to_string(),
                });
            } else if !anchor.key_usage_allows_any(key_usage::KEY_CERT_SIGN) {
                problems.push(PathProblem::KeyUsage {
                    subject: anchor.subject.to_string(),
                });
            }
        }
        let mut max_path_length = n as u64;
        if let Some((_, Some(len))) = anchor.basic_constraints {
            max_path_length = max_path_length.min(len as u64);
        }
        let mut policy = PolicyState::new(&params.policy, n);
        let mut policy_failed = false;
        let mut constraints: Vec<&NameConstraints> = Vec::new();
        let mut policies = PolicySets::default();

        for i in 1..=n {
            let idx = n - i;
            let (Some(cert), Some(issuer)) = (path.get(idx), path.get(idx + 1)) else {
                break;
            };
            // Formatted only when a problem is reported.
            let subject = || cert.subject.to_string();
            let last = i == n;
            // (a)(1) signature, with inherited DSA parameters where needed.
            if !self.is_verified(cert, issuer) {
                match verify_with_path(
                    issuer,
                    path.get(idx + 1..).unwrap_or(&[]),
                    &cert.signature_algorithm,
                    cert.tbs(),
                    &cert.signature,
                ) {
                    Ok(()) => {
                        if !crate::dsa::is_dsa(&cert.signature_algorithm) {
                            self.remember_verified(cert, issuer);
                        }
                    }
                    Err(Error::UnsupportedAlgorithm(a)) => {
                        trusted = false;
                        problems.push(PathProblem::UnsupportedAlgorithm(a));
                    }
                    Err(Error::BrokenAlgorithm(algorithm)) => {
                        trusted = false;
                        problems.push(PathProblem::BrokenAlgorithm {
                            subject: subject(),
                            algorithm,
                        });
                    }
                    Err(_) => {
                        trusted = false;
                        problems.push(PathProblem::BadSignature { subject: subject() });
                    }
                }
            }
            // (a)(2) validity.
            validity_problems(cert, params.at, &mut problems);
            // (a)(3) revocation.
            if let Some(checker) = params.revocation
                && !params.skip_revocation.contains(cert.fingerprint())
            {
                let request = RevocationRequest {
                    cert,
                    issuer,
                    path: path.get(idx..).unwrap_or(&[]),
                    at: params.at,
                    store: self,
                    extra,
                    params,
                };
                match checker.check(&request) {
                    RevocationStatus::Good => {}
                    RevocationStatus::Revoked { time: t, reason } if t <= params.at => {
                        problems.push(PathProblem::Revoked {
                            subject: subject(),
                            serial: cert.serial_hex(),
                            time: t,
                            reason,
                        });
                    }
                    RevocationStatus::Revoked { time: t, reason } => {
                        revoked_later.push(RevokedLater {
                            subject: subject(),
                            serial: cert.serial_hex(),
                            time: t,
                            reason,
                        });
                    }
                    RevocationStatus::Unknown(why) => {
                        problems.push(PathProblem::RevocationUnknown {
                            subject: subject(),
                            serial: cert.serial_hex(),
                            why,
                        });
                    }
                }
            }
            // (b)(c) name constraints.
            if (last || !cert.is_self_issued())
                && let Err(v) =
                    name_constraints::check(&name_constraints::names_of(cert), &constraints)
            {
                let (name, excluded) = match v {
                    Violation::NotPermitted(n) => (n.to_string(), false),
                    Violation::Excluded(n) => (n.to_string(), true),
                };
                problems.push(PathProblem::NameConstraintViolation {
                    subject: subject(),
                    name,
                    excluded,
                });
            }
            // (d)-(f) policies.
            if !policy_failed && let Err(e) = policy.process(cert, i) {
                policy_failed = true;
                problems.push(policy_problem(e, path, n));
            }
            if !last {
                // §6.1.4
                if !policy_failed && let Err(e) = policy.prepare_next(cert, i) {
                    policy_failed = true;
                    problems.push(policy_problem(e, path, n));
                }
                if let Some(nc) = &cert.name_constraints {
                    constraints.push(nc);
                }
                if !cert.is_ca() {
                    problems.push(PathProblem::NotACa { subject: subject() });
                }
                if !cert.is_self_issued() {
                    if max_path_length == 0 {
                        problems.push(PathProblem::PathLenExceeded { subject: subject() });
                    }
                    max_path_length = max_path_length.saturating_sub(1);
                }
                if let Some((_, Some(len))) = cert.basic_constraints {
                    max_path_length = max_path_length.min(len as u64);
                }
                if !cert.key_usage_allows_any(key_usage::KEY_CERT_SIGN) {
                    problems.push(PathProblem::KeyUsage { subject: subject() });
                }
            } else {
                // §6.1.5
                if !policy_failed {
                    match policy.wrap_up(cert) {
                        Ok(sets) => policies = sets,
                        Err(e) => problems.push(policy_problem(e, path, n)),
                    }
                }
                if let Some(eku) = &params.required_eku
                    && !eku.satisfied_by(cert)
                {
                    problems.push(PathProblem::ExtendedKeyUsage {
                        subject: subject(),
                        required: eku.oid.clone(),
                    });
                }
            }
            for oid in &cert.unhandled_critical {
                problems.push(PathProblem::UnhandledCriticalExtension {
                    subject: subject(),
                    oid: oid.clone(),
                });
            }
        }
        if n == 0
            && let Some(eku) = &params.required_eku
            && !eku.satisfied_by(anchor)
        {
            problems.push(PathProblem::ExtendedKeyUsage {
                subject: anchor.subject.to_string(),
                required: eku.oid.clone(),
            });
        }
        ValidationOutcome {
            path: path.to_vec(),
            trusted,
            problems,
            policies,
            revoked_later,
        }
    }
}

/// Lower is better: untrusted paths rank after trusted ones, then by problem count.
fn outcome_score(o: &ValidationOutcome) -> usize {
    (if o.trusted { 0 } else { 1000 }) + o.problems.len()
}

fn policy_problem(e: PolicyFailure, path: &[Certificate], n: usize) -> PathProblem {
    let (index, kind) = match e {
        PolicyFailure::NoValidPolicy { index } => (index, PolicyViolationKind::NoValidPolicy),
        PolicyFailure::MapsAnyPolicy { index } => (index, PolicyViolationKind::MapsAnyPolicy),
        PolicyFailure::TooComplex => (n.saturating_sub(1), PolicyViolationKind::TooComplex),
    };
    // index counts from the certificate below the anchor; the path is leaf first.
    let subject = n
        .checked_sub(index + 1)
        .and_then(|i| path.get(i))
        .map(|c| c.subject.to_string())
        .unwrap_or_default();
    PathProblem::PolicyViolation { subject, kind }
}

fn validity_problems(cert: &Certificate, at: UnixTime, problems: &mut Vec<PathProblem>) {
    if at > cert.not_after {
        problems.push(PathProblem::Expired {
            subject: cert.subject.to_string(),
            not_after: cert.not_after,
        });
    } else if at < cert.not_before {
        problems.push(PathProblem::NotYetValid {
            subject: cert.subject.to_string(),
            not_before: cert.not_before,
        });
    }
}

/// Verifies a signature over `signed` by `signer`'s key; `signer_path` is the signer's
/// path upward (the signer first), from which a DSA key without domain parameters
/// inherits them (RFC 5280 §6.1.4 (e)–(f)).
fn verify_with_path(
    signer: &Certificate,
    signer_path: &[Certificate],
    algorithm: &AlgorithmId,
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    if crate::dsa::is_dsa(algorithm) {
        let issuer_spkis = signer_path.iter().skip(1).map(|c| c.spki());
        return crate::dsa::verify(signer.spki(), issuer_spkis, algorithm, signed, signature);
    }
    let scheme = algorithm.signature_scheme(None)?;
    let value = algorithm.signature_value(signature)?;
    crate::algorithm::verify(scheme, &signer.public_key, signed, &value)
}
