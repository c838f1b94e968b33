//! The vocabulary of revocation, shared by CRLs, OCSP and path validation: the reason a
//! certificate was revoked and what a revocation checker found.

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
