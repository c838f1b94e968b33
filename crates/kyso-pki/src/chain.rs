//! Certification path building from a signer to a trust anchor (RFC 5280 §6, the subset
//! needed for document signatures: names and key identifiers, signatures, validity at a
//! point in time, basicConstraints and pathLen, keyCertSign, unhandled critical extensions).

use crate::Error;
use std::collections::HashSet;
use std::sync::RwLock;

use crate::cert::{Certificate, key_usage};
use crate::time::{self, UnixTime};

/// Trust anchors and intermediates available for path building.
///
/// Successful certificate-signature checks are remembered (by the fingerprints of the
/// certificate and its issuer), so the CA certificates that recur across documents are
/// verified once per store, from any thread.
#[derive(Debug, Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    verified: RwLock<HashSet<([u8; 32], [u8; 32])>>,
}

impl Clone for TrustStore {
    fn clone(&self) -> Self {
        TrustStore {
            anchors: self.anchors.clone(),
            intermediates: self.intermediates.clone(),
            verified: RwLock::default(),
        }
    }
}

/// Bound on remembered signature checks (the set is cleared when full).
const MAX_VERIFIED: usize = 1 << 16;

/// Something wrong with a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// No path from the signer to any trust anchor.
    NoPathToAnchor,
    /// A certificate in the path is outside its validity period at the time checked.
    Expired {
        subject: String,
        not_after: UnixTime,
    },
    NotYetValid {
        subject: String,
        not_before: UnixTime,
    },
    /// An issuing certificate is not a CA, lacks keyCertSign, or its pathLen is exceeded.
    NotACa {
        subject: String,
    },
    PathLenExceeded {
        subject: String,
    },
    /// A critical extension kyso does not process.
    UnhandledCriticalExtension {
        subject: String,
        oid: String,
    },
    /// A certificate signature uses an algorithm kyso cannot check.
    UnsupportedAlgorithm(String),
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::NoPathToAnchor => f.write_str("no chain to a trusted root"),
            ChainProblem::Expired { subject, not_after } => {
                write!(
                    f,
                    "certificate '{subject}' expired at {}",
                    time::to_rfc3339(*not_after)
                )
            }
            ChainProblem::NotYetValid {
                subject,
                not_before,
            } => {
                write!(
                    f,
                    "certificate '{subject}' is not valid before {}",
                    time::to_rfc3339(*not_before)
                )
            }
            ChainProblem::NotACa { subject } => write!(f, "issuer '{subject}' is not a CA"),
            ChainProblem::PathLenExceeded { subject } => {
                write!(f, "path length constraint of '{subject}' exceeded")
            }
            ChainProblem::UnhandledCriticalExtension { subject, oid } => {
                write!(
                    f,
                    "certificate '{subject}' has an unsupported critical extension {oid}"
                )
            }
            ChainProblem::UnsupportedAlgorithm(a) => {
                write!(f, "unsupported algorithm in the chain: {a}")
            }
        }
    }
}

/// The result of path building.
#[derive(Debug, Clone)]
pub struct ChainOutcome {
    /// Leaf first; ends at the anchor when `trusted`, else as far as issuers were found.
    pub path: Vec<Certificate>,
    /// A cryptographically valid path to an anchor was found.
    pub trusted: bool,
    pub problems: Vec<ChainProblem>,
}

const MAX_PATH: usize = 8;

impl TrustStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_anchor(&mut self, cert: Certificate) {
        if !self.anchors.iter().any(|a| a.der() == cert.der()) {
            self.anchors.push(cert);
        }
    }

    pub fn add_intermediate(&mut self, cert: Certificate) {
        if !self.intermediates.iter().any(|a| a.der() == cert.der()) {
            self.intermediates.push(cert);
        }
    }

    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }

    fn is_anchor(&self, cert: &Certificate) -> bool {
        self.anchors.iter().any(|a| a.der() == cert.der())
    }

    /// Builds a path for `leaf` using `extra` (e.g. certificates carried in the signature)
    /// and the store's intermediates, and checks it at time `at`.
    pub fn build_chain(
        &self,
        leaf: &Certificate,
        extra: &[Certificate],
        at: UnixTime,
    ) -> ChainOutcome {
        let mut best_partial: Vec<Certificate> = vec![leaf.clone()];
        let mut unsupported: Option<String> = None;
        let mut path = vec![leaf.clone()];
        let found = self.extend(&mut path, extra, &mut best_partial, &mut unsupported);
        let mut problems = Vec::new();
        let path = if found {
            path
        } else {
            problems.push(ChainProblem::NoPathToAnchor);
            if let Some(a) = unsupported {
                problems.push(ChainProblem::UnsupportedAlgorithm(a));
            }
            best_partial
        };
        for (i, cert) in path.iter().enumerate() {
            let subject = cert.subject.to_string();
            if at > cert.not_after {
                problems.push(ChainProblem::Expired {
                    subject: subject.clone(),
                    not_after: cert.not_after,
                });
            } else if at < cert.not_before {
                problems.push(ChainProblem::NotYetValid {
                    subject: subject.clone(),
                    not_before: cert.not_before,
                });
            }
            for oid in &cert.unhandled_critical {
                problems.push(ChainProblem::UnhandledCriticalExtension {
                    subject: subject.clone(),
                    oid: oid.clone(),
                });
            }
            if i > 0 {
                // An issuer: must be a CA allowed to sign certificates, within pathLen.
                let is_trusted_anchor = found && i == path.len() - 1;
                let v1_anchor = is_trusted_anchor && cert.basic_constraints.is_none();
                if !v1_anchor
                    && (!cert.is_ca() || !cert.key_usage_allows_any(key_usage::KEY_CERT_SIGN))
                {
                    problems.push(ChainProblem::NotACa {
                        subject: subject.clone(),
                    });
                }
                if let Some((_, Some(max))) = cert.basic_constraints {
                    // Intermediates below this one, not counting self-issued ones.
                    let below = path[1..i].iter().filter(|c| !c.is_self_issued()).count();
                    if below as u64 > max as u64 {
                        problems.push(ChainProblem::PathLenExceeded { subject });
                    }
                }
            }
        }
        ChainOutcome {
            path,
            trusted: found,
            problems,
        }
    }

    /// `child.verify_signed_by(issuer)`, remembering successes.
    fn verify_signed_by_cached(
        &self,
        child: &Certificate,
        issuer: &Certificate,
    ) -> Result<(), Error> {
        let key = (*child.fingerprint(), *issuer.fingerprint());
        if self.verified.read().is_ok_and(|set| set.contains(&key)) {
            return Ok(());
        }
        child.verify_signed_by(issuer)?;
        if let Ok(mut set) = self.verified.write() {
            if set.len() >= MAX_VERIFIED {
                set.clear();
            }
            set.insert(key);
        }
        Ok(())
    }

    fn extend(
        &self,
        path: &mut Vec<Certificate>,
        extra: &[Certificate],
        best: &mut Vec<Certificate>,
        unsupported: &mut Option<String>,
    ) -> bool {
        let Some(current) = path.last().cloned() else {
            return false;
        };
        if self.is_anchor(&current) {
            return true;
        }
        if path.len() > MAX_PATH {
            return false;
        }
        // Anchors first, then intermediates from the store, then the signature's own.
        let candidates = self
            .anchors
            .iter()
            .chain(self.intermediates.iter())
            .chain(extra.iter());
        for cand in candidates {
            if !cand.subject.matches(&current.issuer) {
                continue;
            }
            if let (Some(aki), Some(ski)) = (&current.authority_key_id, &cand.subject_key_id)
                && aki != ski
            {
                continue;
            }
            if path.iter().any(|p| p.der() == cand.der()) {
                continue;
            }
            match self.verify_signed_by_cached(&current, cand) {
                Ok(()) => {}
                Err(Error::UnsupportedAlgorithm(a)) => {
                    *unsupported = Some(a);
                    continue;
                }
                Err(_) => continue,
            }
            path.push(cand.clone());
            if path.len() > best.len() {
                *best = path.clone();
            }
            if self.extend(path, extra, best, unsupported) {
                return true;
            }
            path.pop();
        }
        false
    }
}
