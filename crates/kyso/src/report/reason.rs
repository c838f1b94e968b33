//! Reason codes of the report.

use std::fmt;

use serde::Serialize;

/// The stable reason code of a signature, time-stamp or document status, serialized as the
/// snake_case code of the JSON report (`digest_mismatch`, `untrusted_chain`, ...).
///
/// New codes may be added: match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// `ok`. Passed: nothing to report.
    Ok,
    /// `byte_range_invalid`. Failed: the PDF /ByteRange is malformed or does not fit the file.
    ByteRangeInvalid,
    /// `digest_mismatch`. Failed: the signed data does not match the digest the signature carries.
    DigestMismatch,
    /// `signature_invalid`. Failed: the signature value does not verify with the signer's key.
    SignatureInvalid,
    /// `malformed_signature`. Failed: the signature (CMS, or XML Signature element) cannot be read.
    MalformedSignature,
    /// `signer_certificate_mismatch`. Failed: the certificate named by the signature is not the one whose key signed.
    SignerCertificateMismatch,
    /// `key_usage`. Failed: the signer's key usage does not allow signing, or an issuer lacks keyCertSign.
    KeyUsage,
    /// `extended_key_usage`. Failed: an extended key usage of the path forbids this use.
    ExtendedKeyUsage,
    /// `name_constraints`. Failed: a name in the path violates an issuer's name constraints.
    NameConstraints,
    /// `policy`. Failed (or indeterminate when too complex to decide): certificate policy processing.
    Policy,
    /// `revoked`. Failed: a certificate of the path was revoked at or before the validation time.
    Revoked,
    /// `timestamp_invalid`. Failed: a time-stamp token does not verify, is over other data, or its TSA certificate is not valid at its time.
    TimestampInvalid,
    /// `modified_after_signing`. Failed: a later revision of the PDF made a change that was not allowed.
    ModifiedAfterSigning,
    /// `certificate_expired`. Failed: a certificate of the path had expired at the validation time.
    CertificateExpired,
    /// `certificate_not_yet_valid`. Failed: a certificate of the path was not yet valid at the validation time.
    CertificateNotYetValid,
    /// `chain_invalid`. Failed: the path breaks a CA rule (not a CA, path length exceeded).
    ChainInvalid,
    /// `no_signatures`. Failed (document): the document carries no signature.
    NoSignatures,
    /// `reference_invalid`. Failed (XML): a Reference cannot be resolved or processed.
    ReferenceInvalid,
    /// `signed_data_not_covered`. Failed (XML): the signature does not cover the data a reader takes (signature wrapping).
    SignedDataNotCovered,
    /// `untrusted_chain`. Indeterminate: no valid chain to a trust anchor.
    UntrustedChain,
    /// `untrusted_key`. Indeterminate (XML): the signature value verifies with a key of the
    /// signature's `KeyValue` that no certificate binds to a signer and the user did not give
    /// (`--key`): the data is intact, but nothing vouches for the key.
    UntrustedKey,
    /// `timestamp_untrusted`. Indeterminate: no chain from the TSA to a trust anchor.
    TimestampUntrusted,
    /// `revocation_unknown`. Indeterminate (with the hard revocation policy): a revocation status could not be established.
    RevocationUnknown,
    /// `revoked_no_poe`. Indeterminate: a certificate was revoked and no time-stamp proves the signature existed before.
    RevokedNoPoe,
    /// `unsupported_algorithm`. Indeterminate: an algorithm kyso does not implement.
    UnsupportedAlgorithm,
    /// `unsupported_signature`. Indeterminate: a signature format kyso does not check.
    UnsupportedSignature,
    /// `unsupported_critical_extension`. Indeterminate: a certificate has a critical extension kyso does not process.
    UnsupportedCriticalExtension,
    /// `signer_certificate_missing`. Indeterminate: the signature does not carry the signer's certificate.
    SignerCertificateMissing,
    /// `change_analysis_failed`. Indeterminate: the changes made after the signature could not be analysed.
    ChangeAnalysisFailed,
    /// `unsupported_reference`. Indeterminate (XML): a Reference URI kyso does not resolve.
    UnsupportedReference,
    /// `unsupported_transform`. Indeterminate (XML): a transform kyso does not implement.
    UnsupportedTransform,
    /// `ambiguous_id`. Failed (XML): two elements carry the same Id value, so a reference by
    /// that Id is ambiguous.
    AmbiguousId,
    /// `signed_text_interrupted`. Failed (e-invoices) or a warning elsewhere: a comment
    /// (invisible to the signature) interrupts signed text, so a reader may show other text.
    SignedTextInterrupted,
    /// `countersignature_not_bound`. Failed (XML): a counter-signature does not cover its
    /// parent's SignatureValue.
    CountersignatureNotBound,
    /// `tax_code_mismatch`. Failed (e-invoices, with the `fail` tax-code policy): the seller's
    /// or buyer's tax code (MST) in the invoice is not the signer certificate's.
    TaxCodeMismatch,
    /// `unreadable`. Error (document): the file could not be read or parsed.
    Unreadable,
    /// `unsupported`. Error (document): not a PDF or XML document.
    Unsupported,
}

impl Reason {
    /// Every reason code, in the order of the README's list.
    pub const ALL: &'static [Reason] = &[
        Reason::Ok,
        Reason::ByteRangeInvalid,
        Reason::DigestMismatch,
        Reason::SignatureInvalid,
        Reason::MalformedSignature,
        Reason::SignerCertificateMismatch,
        Reason::KeyUsage,
        Reason::ExtendedKeyUsage,
        Reason::NameConstraints,
        Reason::Policy,
        Reason::Revoked,
        Reason::TimestampInvalid,
        Reason::ModifiedAfterSigning,
        Reason::CertificateExpired,
        Reason::CertificateNotYetValid,
        Reason::ChainInvalid,
        Reason::NoSignatures,
        Reason::ReferenceInvalid,
        Reason::SignedDataNotCovered,
        Reason::UntrustedChain,
        Reason::UntrustedKey,
        Reason::TimestampUntrusted,
        Reason::RevocationUnknown,
        Reason::RevokedNoPoe,
        Reason::UnsupportedAlgorithm,
        Reason::UnsupportedSignature,
        Reason::UnsupportedCriticalExtension,
        Reason::SignerCertificateMissing,
        Reason::ChangeAnalysisFailed,
        Reason::UnsupportedReference,
        Reason::UnsupportedTransform,
        Reason::AmbiguousId,
        Reason::SignedTextInterrupted,
        Reason::CountersignatureNotBound,
        Reason::TaxCodeMismatch,
        Reason::Unreadable,
        Reason::Unsupported,
    ];

    /// The code as it appears in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Ok => "ok",
            Reason::ByteRangeInvalid => "byte_range_invalid",
            Reason::DigestMismatch => "digest_mismatch",
            Reason::SignatureInvalid => "signature_invalid",
            Reason::MalformedSignature => "malformed_signature",
            Reason::SignerCertificateMismatch => "signer_certificate_mismatch",
            Reason::KeyUsage => "key_usage",
            Reason::ExtendedKeyUsage => "extended_key_usage",
            Reason::NameConstraints => "name_constraints",
            Reason::Policy => "policy",
            Reason::Revoked => "revoked",
            Reason::TimestampInvalid => "timestamp_invalid",
            Reason::ModifiedAfterSigning => "modified_after_signing",
            Reason::CertificateExpired => "certificate_expired",
            Reason::CertificateNotYetValid => "certificate_not_yet_valid",
            Reason::ChainInvalid => "chain_invalid",
            Reason::NoSignatures => "no_signatures",
            Reason::ReferenceInvalid => "reference_invalid",
            Reason::SignedDataNotCovered => "signed_data_not_covered",
            Reason::UntrustedChain => "untrusted_chain",
            Reason::UntrustedKey => "untrusted_key",
            Reason::TimestampUntrusted => "timestamp_untrusted",
            Reason::RevocationUnknown => "revocation_unknown",
            Reason::RevokedNoPoe => "revoked_no_poe",
            Reason::UnsupportedAlgorithm => "unsupported_algorithm",
            Reason::UnsupportedSignature => "unsupported_signature",
            Reason::UnsupportedCriticalExtension => "unsupported_critical_extension",
            Reason::SignerCertificateMissing => "signer_certificate_missing",
            Reason::ChangeAnalysisFailed => "change_analysis_failed",
            Reason::UnsupportedReference => "unsupported_reference",
            Reason::UnsupportedTransform => "unsupported_transform",
            Reason::AmbiguousId => "ambiguous_id",
            Reason::SignedTextInterrupted => "signed_text_interrupted",
            Reason::CountersignatureNotBound => "countersignature_not_bound",
            Reason::TaxCodeMismatch => "tax_code_mismatch",
            Reason::Unreadable => "unreadable",
            Reason::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a reason code of the report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown reason code '{0}'")]
pub struct UnknownReason(pub String);

impl std::str::FromStr for Reason {
    type Err = UnknownReason;
    /// Parses a code of the JSON report (`digest_mismatch`).
    fn from_str(s: &str) -> Result<Reason, UnknownReason> {
        Reason::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownReason(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serializes_as_its_str_and_parses_back() {
        for r in Reason::ALL {
            let json = serde_json::to_string(r).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            assert_eq!(r.to_string(), r.as_str());
            assert_eq!(r.as_str().parse::<Reason>(), Ok(*r));
        }
        assert!("nonsense".parse::<Reason>().is_err());
    }
}
