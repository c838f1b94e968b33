//! Checks shared by every format: the signer certificate's key usage, RFC 5280 path
//! validation to a trust anchor with revocation checking at the validation time, and how
//! problems decide a signature's status.

use kyso_pki::{
    Certificate, PathProblem, RevocationStatus, ValidationOutcome, ValidationParams,
    cert::key_usage, path::PolicyViolationKind, time, time::UnixTime,
};

use crate::report::{
    PadesLevel, Reason, RevocationReport, RevocationState, SignatureReport, Status,
};
use crate::trust::online::Fetcher;
use crate::trust::revocation::{Checker, Evidence, validate_with_aia};
use crate::trust::{RevocationPolicy, TrustConfig};

/// A signature report being built.
pub(crate) struct Outcome {
    pub(crate) r: SignatureReport,
}

impl Outcome {
    /// Records a problem; the first problem of the worst status gives the reason.
    pub(crate) fn problem(&mut self, status: Status, reason: Reason, message: String) {
        if status.worst(self.r.status) != self.r.status || self.r.status == Status::Passed {
            self.r.status = status.worst(self.r.status);
            self.r.reason = reason;
            self.r.message = message;
        } else if self.r.status == status && self.r.reason == Reason::Ok {
            self.r.reason = reason;
            self.r.message = message;
        }
    }
}

/// What one document's verification shares across its signatures: the trust settings, the
/// revocation checker over the document's validation data (and the network with
/// `--online`), and the fetcher of missing issuers.
pub(crate) struct Context<'t> {
    pub(crate) trust: &'t TrustConfig,
    pub(crate) checker: Checker<'t>,
    pub(crate) fetcher: Option<Fetcher>,
    /// Revocation is checked (a policy other than off, and evidence or the network to ask).
    pub(crate) checking: bool,
}

impl<'t> Context<'t> {
    /// The context of a document carrying `evidence`.
    pub(crate) fn new(trust: &'t TrustConfig, evidence: Evidence) -> Context<'t> {
        let fetcher = trust.online.then(|| Fetcher::new(&trust.net));
        let checking = trust.revocation != RevocationPolicy::Off
            && (trust.online || evidence.has_revocation_data());
        let checker_fetcher = if trust.revocation == RevocationPolicy::Off {
            None
        } else {
            fetcher.clone()
        };
        Context {
            trust,
            checker: Checker::new(&trust.store, evidence, checker_fetcher, trust.revocation),
            fetcher,
            checking,
        }
    }

    /// Validates `cert`'s path at `at` (with `required_eku` of it), checking revocation when
    /// the policy and the available data allow, fetching missing issuers when online.
    pub(crate) fn validate(
        &self,
        cert: &Certificate,
        pool: &[Certificate],
        at: UnixTime,
        required_eku: Option<kyso_pki::RequiredEku>,
    ) -> ValidationOutcome {
        let mut params = ValidationParams::new(at);
        params.required_eku = required_eku;
        if self.checking {
            params = params.with_revocation(&self.checker);
        }
        let evidence_certs = &self.checker.evidence().certs;
        let owned;
        let extra: &[Certificate] = if evidence_certs.is_empty() {
            pool
        } else {
            owned = pool
                .iter()
                .chain(evidence_certs.iter())
                .cloned()
                .collect::<Vec<_>>();
            &owned
        };
        validate_with_aia(
            &self.trust.store,
            cert,
            extra,
            &params,
            self.fetcher.as_ref(),
        )
        .0
    }

    /// The revocation status of each certificate of `path` below the anchor, as checked at
    /// `at` (empty when revocation was not checked); `subjects` are the path's subjects.
    pub(crate) fn revocation_reports(
        &self,
        outcome: &ValidationOutcome,
        subjects: &[String],
        at: UnixTime,
    ) -> Vec<RevocationReport> {
        if !self.checking || !outcome.trusted {
            return Vec::new();
        }
        let below_anchor = outcome.path.len().saturating_sub(1);
        outcome
            .path
            .iter()
            .take(below_anchor)
            .zip(subjects)
            .map(|(c, subject)| {
                let record = self.checker.record(c, at);
                let (status, time, reason, message) = match record.as_ref().map(|r| &r.status) {
                    Some(RevocationStatus::Good) => (
                        RevocationState::Good,
                        record.as_ref().and_then(|r| r.issued),
                        None,
                        None,
                    ),
                    Some(RevocationStatus::Revoked { time: t, reason }) => (
                        RevocationState::Revoked,
                        Some(*t),
                        reason.map(|r| r.to_string()),
                        None,
                    ),
                    Some(RevocationStatus::Unknown(why)) => {
                        (RevocationState::Unknown, None, None, Some(why.clone()))
                    }
                    None => (
                        RevocationState::Unknown,
                        None,
                        None,
                        Some("not checked".to_string()),
                    ),
                };
                RevocationReport {
                    subject: subject.clone(),
                    serial: c.serial_hex(),
                    status,
                    source: record.as_ref().and_then(|r| r.source),
                    method: record.as_ref().and_then(|r| r.method),
                    time: time.map(time::to_rfc3339),
                    revocation_reason: reason,
                    message,
                }
            })
            .collect()
    }

    /// Whether the document itself settles the status of every certificate of `outcome`'s
    /// path below the anchor (the B-LT condition): as checked at `at`, or, with revocation
    /// checking off, by the presence of an OCSP response or an issuer's CRL.
    pub(crate) fn embedded_complete(&self, outcome: &ValidationOutcome, at: UnixTime) -> bool {
        if !outcome.trusted || !self.checker.evidence().has_revocation_data() {
            return false;
        }
        outcome.path.windows(2).all(|w| match w {
            [cert, issuer] => {
                if self.checking {
                    self.checker.record(cert, at).is_some_and(|r| {
                        r.source.is_some_and(|s| s.embedded())
                            && !matches!(r.status, RevocationStatus::Unknown(_))
                    })
                } else {
                    self.checker.evidence().mentions(cert, issuer).is_some()
                }
            }
            _ => true,
        })
    }
}

/// Why a credential may not sign, found by [`check_signing_certificate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignerRefused {
    /// A certificate of the signer's path is revoked. Never to be overridden.
    #[error("the signing certificate cannot be used: {problem}")]
    Revoked {
        /// What is revoked, when and why.
        problem: String,
    },
    /// No path from the signing certificate to the configured trust anchors.
    #[error(
        "the signing certificate '{subject}' has no path to the trust anchors ({anchors}); its chain ends at '{ends_at}'"
    )]
    NoPath {
        /// The signing certificate's subject.
        subject: String,
        /// The trust anchors' names.
        anchors: String,
        /// The last certificate of the chain as far as it could be built.
        ends_at: String,
    },
    /// A path was found but is not valid (an expired or unsuitable CA, a revocation status
    /// that cannot be established under the hard policy, ...).
    #[error("the signing certificate's path to the trust anchors is not valid: {problems}")]
    InvalidPath {
        /// The problems, joined.
        problems: String,
    },
}

impl SignerRefused {
    /// Whether a caller may sign anyway on the user's explicit request (never when revoked).
    pub fn overridable(&self) -> bool {
        !matches!(self, SignerRefused::Revoked { .. })
    }
}

/// Checks, before signing, the signing certificate's path to `trust`'s anchors at `at`, with
/// the same path validation and revocation checking as verification: revocation is checked
/// when `trust` says so (`online`, a policy other than off). Nothing is checked without trust
/// anchors. Returns warnings that do not refuse (a revocation status that could not be
/// established under the soft policy).
pub fn check_signing_certificate(
    cred: &kyso_pki::Credential,
    trust: &TrustConfig,
    at: UnixTime,
) -> Result<Vec<String>, SignerRefused> {
    let anchors = trust.store.anchors();
    if anchors.is_empty() {
        return Ok(Vec::new());
    }
    let ctx = Context::new(trust, Evidence::default());
    let outcome = ctx.validate(&cred.certificate, &cred.chain, at, None);
    if let Some(p) = outcome
        .problems
        .iter()
        .find(|p| matches!(p, PathProblem::Revoked { .. }))
    {
        return Err(SignerRefused::Revoked {
            problem: p.to_string(),
        });
    }
    if !outcome.trusted {
        let names: Vec<&str> = anchors
            .iter()
            .map(|a| a.subject.common_name().unwrap_or(a.subject_text()))
            .collect();
        return Err(SignerRefused::NoPath {
            subject: cred.certificate.subject_text().to_string(),
            anchors: names.join(", "),
            ends_at: outcome
                .path
                .last()
                .unwrap_or(&cred.certificate)
                .subject_text()
                .to_string(),
        });
    }
    let mut warnings = Vec::new();
    if !ctx.checking && trust.revocation != RevocationPolicy::Off {
        warnings.push(
            "the signing certificate's revocation status was not checked (use --online to ask \
             its OCSP responder or CRL distribution point)"
                .to_string(),
        );
    }
    let mut problems = Vec::new();
    for p in &outcome.problems {
        if p.is_revocation_unknown() && trust.revocation != RevocationPolicy::Hard {
            warnings.push(p.to_string());
        } else {
            problems.push(p.to_string());
        }
    }
    if !problems.is_empty() {
        return Err(SignerRefused::InvalidPath {
            problems: problems.join("; "),
        });
    }
    Ok(warnings)
}

/// The times that decide when a signer's path is judged.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Times {
    /// The signing time the signature claims.
    pub(crate) claimed: Option<UnixTime>,
    /// The latest time at which a valid timestamp proves the signature existed.
    pub(crate) proven: Option<UnixTime>,
}

/// What the path check found, for the level.
pub(crate) struct PathResult {
    /// The document's own data settles every certificate's status.
    pub(crate) embedded_complete: bool,
}

/// The status and reason code of a path problem of a signer.
pub(crate) fn path_reason(p: &PathProblem) -> (Status, Reason) {
    match p {
        PathProblem::NoPathToAnchor => (Status::Indeterminate, Reason::UntrustedChain),
        PathProblem::BadSignature { .. } => (Status::Indeterminate, Reason::UntrustedChain),
        // As EU DSS's cryptographic constraints (INDETERMINATE, CRYPTO_CONSTRAINTS_FAILURE).
        PathProblem::BrokenAlgorithm { .. } => (Status::Indeterminate, Reason::ChainInvalid),
        PathProblem::Expired { .. } => (Status::Failed, Reason::CertificateExpired),
        PathProblem::NotYetValid { .. } => (Status::Failed, Reason::CertificateNotYetValid),
        PathProblem::NotACa { .. } | PathProblem::PathLenExceeded { .. } => {
            (Status::Failed, Reason::ChainInvalid)
        }
        PathProblem::UnhandledCriticalExtension { .. } => {
            (Status::Indeterminate, Reason::UnsupportedCriticalExtension)
        }
        PathProblem::UnsupportedAlgorithm(_) => {
            (Status::Indeterminate, Reason::UnsupportedAlgorithm)
        }
        PathProblem::KeyUsage { .. } => (Status::Failed, Reason::KeyUsage),
        PathProblem::ExtendedKeyUsage { .. } => (Status::Failed, Reason::ExtendedKeyUsage),
        PathProblem::NameConstraintViolation { .. } => (Status::Failed, Reason::NameConstraints),
        PathProblem::PolicyViolation {
            kind: PolicyViolationKind::TooComplex,
            ..
        } => (Status::Indeterminate, Reason::Policy),
        PathProblem::PolicyViolation { .. } => (Status::Failed, Reason::Policy),
        PathProblem::Revoked { .. } => (Status::Failed, Reason::Revoked),
        PathProblem::RevocationUnknown { .. } => (Status::Indeterminate, Reason::RevocationUnknown),
    }
}

/// Key usage of the signer, then its path to a trust anchor at the validation time: the time
/// proven by a timestamp (or `--at`, when earlier), else `--at`, else the claimed signing
/// time, else now; with revocation checked as the policy says. `pool` holds the other
/// certificates the signature carried.
pub(crate) fn check_signer(
    o: &mut Outcome,
    signer: &Certificate,
    pool: &[Certificate],
    times: Times,
    ctx: &Context<'_>,
) -> PathResult {
    let trust = ctx.trust;
    if !signer.key_usage_allows_any(key_usage::DIGITAL_SIGNATURE | key_usage::NON_REPUDIATION) {
        o.problem(
            Status::Failed,
            Reason::KeyUsage,
            "the signer certificate may not be used for signatures (key usage)".into(),
        );
    }
    let at = match times.proven {
        Some(p) => trust.at.map_or(p, |a| a.min(p)),
        None => trust.at.or(times.claimed).unwrap_or_else(time::now),
    };
    if let Some(p) = times.proven {
        o.r.proven_time = Some(time::to_rfc3339(p));
    }
    o.r.validation_time = Some(time::to_rfc3339(at));
    let unreadable = ctx.checker.evidence().unreadable;
    if unreadable > 0 {
        o.r.warnings.push(format!(
            "{unreadable} validation data entries of the document (certificates, CRLs, OCSP \
             responses) could not be read and were left out"
        ));
    }
    let outcome = ctx.validate(signer, pool, at, None);
    o.r.chain = outcome
        .path
        .iter()
        .map(|c| c.subject_text().to_string())
        .collect();
    o.r.trusted = outcome.trusted;
    report_path_problems(o, &outcome, ctx, "");
    if outcome.trusted && !ctx.checking && trust.revocation != RevocationPolicy::Off {
        not_checked(o, &outcome, trust.revocation, "");
    }
    for r in &outcome.revoked_later {
        let when = time::to_rfc3339(r.time);
        let why = r.reason.map(|x| format!(" ({x})")).unwrap_or_default();
        if times.proven.is_some() || trust.at.is_some() {
            o.r.warnings.push(format!(
                "certificate '{}' was revoked at {when}{why}, after the validation time {}",
                r.subject,
                time::to_rfc3339(at)
            ));
        } else {
            o.problem(
                Status::Indeterminate,
                Reason::RevokedNoPoe,
                format!(
                    "certificate '{}' was revoked at {when}{why}; the claimed signing time {} \
                     is before that, but no timestamp proves it",
                    r.subject,
                    time::to_rfc3339(at)
                ),
            );
        }
    }
    let now = trust.at.unwrap_or_else(time::now);
    if times.proven.is_some() && outcome.is_valid() && signer.not_after < now {
        o.r.warnings.push(format!(
            "the signer certificate expired at {}, after the time proven by the timestamp",
            time::to_rfc3339(signer.not_after)
        ));
    }
    o.r.revocation = ctx.revocation_reports(&outcome, &o.r.chain, at);
    PathResult {
        embedded_complete: ctx.embedded_complete(&outcome, at),
    }
}

/// Reports every problem of a path on `o`; revocation status unknown is a warning under the
/// soft policy. `what` prefixes messages (e.g. `"signature timestamp: "`).
pub(crate) fn report_path_problems(
    o: &mut Outcome,
    outcome: &ValidationOutcome,
    ctx: &Context<'_>,
    what: &str,
) {
    for p in &outcome.problems {
        let (status, reason) = path_reason(p);
        if reason == Reason::RevocationUnknown && ctx.trust.revocation != RevocationPolicy::Hard {
            o.r.warnings.push(format!("{what}{p}"));
            continue;
        }
        let mut msg = format!("{what}{p}");
        if matches!(p, PathProblem::NoPathToAnchor) && ctx.trust.store.anchors().is_empty() {
            msg.push_str(" (no trust anchors given: use --trust)");
        }
        o.problem(status, reason, msg);
    }
}

/// Revocation could not be checked at all (no data in the document, offline): a warning
/// under the soft policy, indeterminate under the hard one.
pub(crate) fn not_checked(
    o: &mut Outcome,
    outcome: &ValidationOutcome,
    policy: RevocationPolicy,
    what: &str,
) {
    if outcome.path.len() < 2 {
        return;
    }
    const WHY: &str = "revocation not checked: the document carries no revocation data \
                       (use --online to fetch it)";
    match policy {
        RevocationPolicy::Hard => o.problem(
            Status::Indeterminate,
            Reason::RevocationUnknown,
            format!("{what}{WHY}"),
        ),
        RevocationPolicy::Soft => {
            if what.is_empty() {
                o.r.warnings.push(WHY.to_string());
            } else {
                o.r.warnings.push(format!("{what}{WHY}"));
            }
        }
        RevocationPolicy::Off => {}
    }
}

/// The baseline level: `b-t` with a proven time, `b-lt` when the document also settles the
/// whole chain's status, `b-lta` when a document timestamp also covers that data.
pub(crate) fn level(proven: bool, embedded_complete: bool, archived: bool) -> PadesLevel {
    match (proven, embedded_complete, archived) {
        (false, _, _) => PadesLevel::BaselineB,
        (true, false, _) => PadesLevel::BaselineT,
        (true, true, false) => PadesLevel::BaselineLt,
        (true, true, true) => PadesLevel::BaselineLta,
    }
}
