//! The trust store: anchors and intermediates available for path building, and the
//! certificate-signature checks already made with them. Path validation
//! ([`TrustStore::validate`]) and the chain interface ([`TrustStore::build_chain`]) are
//! implemented above it, in `path` and `chain`.

use std::collections::HashSet;
use std::sync::RwLock;

use crate::cert::Certificate;

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

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a trust anchor (once).
    pub fn add_anchor(&mut self, cert: Certificate) {
        if !self.anchors.iter().any(|a| a.der() == cert.der()) {
            self.anchors.push(cert);
        }
    }

    /// Adds an intermediate available to path building (once).
    pub fn add_intermediate(&mut self, cert: Certificate) {
        if !self.intermediates.iter().any(|a| a.der() == cert.der()) {
            self.intermediates.push(cert);
        }
    }

    /// The trust anchors.
    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }

    /// The intermediates.
    pub fn intermediates(&self) -> &[Certificate] {
        &self.intermediates
    }

    /// Whether `cert` is one of the anchors.
    pub fn is_anchor(&self, cert: &Certificate) -> bool {
        self.anchors
            .iter()
            .any(|a| a.fingerprint() == cert.fingerprint())
    }

    /// Whether `child`'s signature by `issuer` was already checked successfully.
    pub(crate) fn is_verified(&self, child: &Certificate, issuer: &Certificate) -> bool {
        let key = (*child.fingerprint(), *issuer.fingerprint());
        self.verified.read().is_ok_and(|set| set.contains(&key))
    }

    /// Remembers a successful check of `child`'s signature by `issuer`.
    pub(crate) fn remember_verified(&self, child: &Certificate, issuer: &Certificate) {
        let key = (*child.fingerprint(), *issuer.fingerprint());
        if let Ok(mut set) = self.verified.write() {
            if set.len() >= MAX_VERIFIED {
                set.clear();
            }
            set.insert(key);
        }
    }
}
