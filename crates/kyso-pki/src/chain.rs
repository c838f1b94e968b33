//! The simple chain interface over RFC 5280 path validation (see [`crate::path`] for the
//! full one), and the trust store it takes (anchors, intermediates, remembered signature
//! checks; re-exported here).

use crate::cert::Certificate;
use crate::path::{PathProblem, ValidationParams};
use crate::time::{self, UnixTime};

pub use crate::trust_store::TrustStore;

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

impl TrustStore {
    /// Builds a path for `leaf` using `extra` (e.g. certificates carried in the signature)
    /// and the store's intermediates, and checks it at time `at`: RFC 5280 path validation
    /// ([`TrustStore::validate`]) with any policy, no required extended key usage and no
    /// revocation checking, its problems told in the terms of [`ChainProblem`].
    ///
    /// Problems without a [`ChainProblem`] of their own are told as the closest one: a
    /// failing signature as no path, a missing keyCertSign as not a CA, a name-constraint
    /// or policy violation as the critical extension (nameConstraints, policyConstraints,
    /// certificatePolicies) kyso reported as unsupported before it processed them.
    pub fn build_chain(
        &self,
        leaf: &Certificate,
        extra: &[Certificate],
        at: UnixTime,
    ) -> ChainOutcome {
        let outcome = self.validate(leaf, extra, &ValidationParams::new(at));
        let mut problems: Vec<ChainProblem> = Vec::new();
        for p in &outcome.problems {
            let mapped = match p {
                PathProblem::NoPathToAnchor | PathProblem::BadSignature { .. } => {
                    ChainProblem::NoPathToAnchor
                }
                PathProblem::Expired { subject, not_after } => ChainProblem::Expired {
                    subject: subject.clone(),
                    not_after: *not_after,
                },
                PathProblem::NotYetValid {
                    subject,
                    not_before,
                } => ChainProblem::NotYetValid {
                    subject: subject.clone(),
                    not_before: *not_before,
                },
                PathProblem::NotACa { subject } | PathProblem::KeyUsage { subject } => {
                    ChainProblem::NotACa {
                        subject: subject.clone(),
                    }
                }
                PathProblem::PathLenExceeded { subject } => ChainProblem::PathLenExceeded {
                    subject: subject.clone(),
                },
                PathProblem::UnhandledCriticalExtension { subject, oid } => {
                    ChainProblem::UnhandledCriticalExtension {
                        subject: subject.clone(),
                        oid: oid.clone(),
                    }
                }
                PathProblem::UnsupportedAlgorithm(a) => {
                    ChainProblem::UnsupportedAlgorithm(a.clone())
                }
                PathProblem::BrokenAlgorithm { algorithm, .. } => {
                    ChainProblem::UnsupportedAlgorithm(format!("{algorithm} (broken)"))
                }
                PathProblem::NameConstraintViolation { subject, .. } => {
                    ChainProblem::UnhandledCriticalExtension {
                        subject: subject.clone(),
                        oid: "2.5.29.30".into(),
                    }
                }
                PathProblem::PolicyViolation { subject, .. } => {
                    ChainProblem::UnhandledCriticalExtension {
                        subject: subject.clone(),
                        oid: "2.5.29.36".into(),
                    }
                }
                // Not produced without a required extended key usage or a revocation
                // checker; told as the closest legacy problem all the same.
                PathProblem::ExtendedKeyUsage { subject, .. } => ChainProblem::NotACa {
                    subject: subject.clone(),
                },
                PathProblem::Revoked { .. } | PathProblem::RevocationUnknown { .. } => {
                    ChainProblem::NoPathToAnchor
                }
            };
            if !problems.contains(&mapped) {
                problems.push(mapped);
            }
        }
        ChainOutcome {
            path: outcome.path,
            trusted: outcome.trusted,
            problems,
        }
    }
}
