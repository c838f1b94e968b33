//! Checks shared by every format: the signer certificate's key usage, the chain to a trust
//! anchor at the validation time, and how problems decide a signature's status.

use kyso_pki::{Certificate, ChainProblem, cert::key_usage, time};

use crate::report::{SignatureReport, Status};
use crate::trust::TrustConfig;

/// A signature report being built.
pub(crate) struct Outcome {
    pub(crate) r: SignatureReport,
}

impl Outcome {
    /// Records a problem; the first problem of the worst status gives the reason.
    pub(crate) fn problem(&mut self, status: Status, reason: &str, message: String) {
        if status.worst(self.r.status) != self.r.status || self.r.status == Status::Passed {
            self.r.status = status.worst(self.r.status);
            self.r.reason = reason.to_string();
            self.r.message = message;
        } else if self.r.status == status && self.r.reason == "ok" {
            self.r.reason = reason.to_string();
            self.r.message = message;
        }
    }
}

/// Key usage of the signer, then the chain from the signer to a trust anchor at the validation
/// time (`--at`, else the claimed signing time, else now). `pool` holds the other certificates
/// the signature carried.
pub(crate) fn check_signer(
    o: &mut Outcome,
    signer: &Certificate,
    pool: &[Certificate],
    signing_time: Option<time::UnixTime>,
    trust: &TrustConfig,
) {
    if !signer.key_usage_allows_any(key_usage::DIGITAL_SIGNATURE | key_usage::NON_REPUDIATION) {
        o.problem(
            Status::Failed,
            "key_usage",
            "the signer certificate may not be used for signatures (key usage)".into(),
        );
    }
    let at = trust.at.or(signing_time).unwrap_or_else(time::now);
    let chain = trust.store.build_chain(signer, pool, at);
    o.r.chain = chain.path.iter().map(|c| c.subject.to_string()).collect();
    o.r.trusted = chain.trusted;
    for p in &chain.problems {
        let (status, reason) = match p {
            ChainProblem::NoPathToAnchor => (Status::Indeterminate, "untrusted_chain"),
            ChainProblem::Expired { .. } => (Status::Failed, "certificate_expired"),
            ChainProblem::NotYetValid { .. } => (Status::Failed, "certificate_not_yet_valid"),
            ChainProblem::NotACa { .. } | ChainProblem::PathLenExceeded { .. } => {
                (Status::Failed, "chain_invalid")
            }
            ChainProblem::UnhandledCriticalExtension { .. } => {
                (Status::Indeterminate, "unsupported_critical_extension")
            }
            ChainProblem::UnsupportedAlgorithm(_) => {
                (Status::Indeterminate, "unsupported_algorithm")
            }
        };
        let mut msg = p.to_string();
        if matches!(p, ChainProblem::NoPathToAnchor) && trust.store.anchors().is_empty() {
            msg.push_str(" (no trust anchors given: use --trust)");
        }
        o.problem(status, reason, msg);
    }
}
