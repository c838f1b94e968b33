//! The report: one type for every document format, serialized as the public JSON schema.

//!
//! Every closed set of values is an enum that serializes to exactly the string the JSON report
//! carries (`Status`, `Reason`, `SignatureKind`, `TimestampKind`, `SigningTimeSource`,
//! [`SignerKind`], [`PadesLevel`] for the level, [`Format`], `RevocationState`,
//! [`RevocationSource`], [`RevocationMethod`]); each has `as_str()` (the JSON string) and
//! `Display` (the same string). Times are RFC 3339 strings in UTC (`2026-06-01T00:00:00Z`),
//! exactly as they appear in the JSON; [`crate::parse_time`] turns one into Unix seconds.
//! Human texts (messages, warnings, names) are `String`s.

pub(crate) mod certinfo;
mod reason;

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

pub use crate::trust::revocation::{Method as RevocationMethod, Source as RevocationSource};
pub use crate::{Format, PadesLevel};
pub use kyso_pki::SignerKind;
pub use reason::{Reason, UnknownReason};

/// `Display` through `as_str()`, for the report enums.
macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
pub(crate) use display_as_str;

display_as_str!(
    Status,
    SignatureKind,
    TimestampKind,
    SigningTimeSource,
    RevocationState
);

/// Serializes a [`SignerKind`] (a kyso-pki type without serde) as its `as_str()`.
fn signer_kind_str<S: Serializer>(kind: &SignerKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.as_str())
}

/// What a PDF signature's byte range covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// From the first byte to the end of a revision (`%%EOF` and its end of line).
    WholeRevision,
    /// From the first byte to somewhere inside a revision.
    ContiguousFromStart,
}

/// Where a PDF signature (or document timestamp) is shown: the `appearance` object.
///
/// Taken from the field's first visible widget; when none is visible, from its first widget
/// listed in some page's `/Annots`; when no page lists one, `page` and `rect` are null.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AppearanceReport {
    /// The page (counted from 1) whose `/Annots` lists the widget; null when no page does.
    pub page: Option<usize>,
    /// The widget's rectangle `[x1, y1, x2, y2]` (x1 ≤ x2, y1 ≤ y2) in PDF points from the
    /// lower-left corner of the page as PDF readers show it (its CropBox, turned by its
    /// /Rotate: the coordinates of `kyso sign --rect`); numbers
    /// rounded to 1/100 point, whole numbers written without a fraction (`[350, 120, 500,
    /// 180]`). Null when `page` is, or when the widget has no readable `/Rect`.
    #[serde(serialize_with = "points")]
    pub rect: Option<[f64; 4]>,
    /// The widget is on a page, has an area of at least 1×1 point, is neither Hidden nor
    /// NoView, and its normal appearance draws something.
    pub visible: bool,
}

/// A rectangle's numbers rounded to 1/100 point, whole ones as integers.
fn points<S: Serializer>(rect: &Option<[f64; 4]>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let Some(rect) = rect else {
        return s.serialize_none();
    };
    let mut seq = s.serialize_seq(Some(4))?;
    for x in rect {
        let x = (x * 100.0).round() / 100.0;
        if x.fract() == 0.0 && x.abs() < 1e15 {
            seq.serialize_element(&(x as i64))?;
        } else {
            seq.serialize_element(&x)?;
        }
    }
    seq.end()
}

/// Outcome of a signature or a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Everything checked and good.
    Passed,
    /// Proven bad: tampered, modified after signing, wrong key, expired at signing time...
    Failed,
    /// Could not be decided: untrusted chain, unsupported algorithm...
    Indeterminate,
    /// The file could not be read or parsed at all.
    Error,
}

impl Status {
    /// `passed`, `failed`, `indeterminate` or `error`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Indeterminate => "indeterminate",
            Status::Error => "error",
        }
    }

    fn rank(self) -> u8 {
        match self {
            Status::Passed => 0,
            Status::Indeterminate => 1,
            Status::Failed => 2,
            Status::Error => 3,
        }
    }

    /// The worse of two statuses.
    pub fn worst(self, other: Status) -> Status {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// Who signed.
#[derive(Debug, Clone, Serialize)]
pub struct SignerReport {
    pub subject: String,
    pub issuer: String,
    /// `personal`, `agency` or `unknown`.
    #[serde(serialize_with = "signer_kind_str")]
    pub kind: SignerKind,
    /// Identifiers found in the subject, e.g. `{"CCCD": "038085012345"}`.
    pub identifiers: BTreeMap<String, String>,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// Start of validity, RFC 3339 UTC (`2025-01-01T00:00:00Z`).
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// e.g. `RSA-2048`.
    pub key: String,
    /// SHA-256 of the certificate, hex.
    pub sha256: String,
}

/// One signature (or, in a PDF, one document timestamp).
#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    /// Signature field name.
    pub field: String,
    /// `signature`, or `timestamp` for a PDF document timestamp (`/Type /DocTimeStamp`).
    pub kind: SignatureKind,
    pub status: Status,
    /// Stable reason code (`ok`, `digest_mismatch`, `untrusted_chain`, ...).
    pub reason: Reason,
    /// Human explanation.
    pub message: String,
    /// PDF /SubFilter (e.g. `ETSI.CAdES.detached`); for XML, the signature method.
    pub subfilter: Option<String>,
    /// Digest algorithm of the signed data, e.g. `sha256`.
    pub digest: Option<String>,
    /// Signature algorithm, e.g. `rsa-pkcs1-sha256`.
    pub signature_algorithm: Option<String>,
    /// Claimed signing time (RFC 3339, UTC), from the CMS signingTime or the PDF /M.
    pub signing_time: Option<String>,
    /// Where `signing_time` came from: `cms`, `pdf-m`, `xml` or `timestamp`.
    pub signing_time_source: Option<SigningTimeSource>,
    /// 1-based revision of the document this signature covers.
    pub revision: Option<usize>,
    /// The signature covers the whole file.
    pub covers_whole_document: bool,
    /// PDF: what the byte range covers, `whole_revision` (up to a revision's `%%EOF`) or
    /// `contiguous_from_start` (stops inside a revision: a modification). Absent when the
    /// byte range is invalid, and for XML.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// PDF: where the signature is shown (its widget's page and rectangle) and whether it is
    /// visible. Absent for XML, which has no appearance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appearance: Option<AppearanceReport>,
    /// A later revision changed something that was not allowed.
    pub modified_after: bool,
    /// The disallowed changes, if any.
    pub modifications: Vec<String>,
    /// Allowed changes made after this signature (later signatures, form filling...).
    pub allowed_changes: Vec<String>,
    /// DocMDP level (1–3) when this is a certification signature.
    pub certification: Option<u8>,
    pub signer: Option<SignerReport>,
    /// Subjects from the signer up to the trust anchor (or as far as the chain was built).
    pub chain: Vec<String>,
    /// A valid chain to a trust anchor was found.
    pub trusted: bool,
    /// Things worth knowing that did not decide the status (weak digest, ...).
    pub warnings: Vec<String>,
    /// Baseline level reached: `b-b`, `b-t` (a valid timestamp proves the signature's
    /// existence), `b-lt` (and the document carries the validation data of the whole chain),
    /// `b-lta` (and a document timestamp covers that data). Null for document timestamps and
    /// signatures that could not be checked that far.
    pub level: Option<PadesLevel>,
    /// The time at which the certificate path was judged (RFC 3339, UTC): the time proven by
    /// a timestamp, else `--at`, else the claimed signing time, else now.
    pub validation_time: Option<String>,
    /// The earliest time at which a valid timestamp (the signature's own, or a document
    /// timestamp covering it) proves the signature existed (RFC 3339, UTC).
    pub proven_time: Option<String>,
    /// The signature's timestamps (for a document timestamp: itself).
    pub timestamps: Vec<TimestampReport>,
    /// The revocation status of each certificate of the path below the trust anchor, as
    /// checked (empty with `--revocation off`, or when nothing could be checked).
    pub revocation: Vec<RevocationReport>,
    /// XML: where the Signature element is, e.g. `/HDon/DSCKS/NBan/Signature`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// XML: what each Reference covers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<ReferenceReport>,
    /// PDF: the /Reason the signer gave in the signature dictionary (not the reason code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_reason: Option<String>,
    /// PDF: the /Location the signer gave in the signature dictionary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_location: Option<String>,
    /// PDF: the /ContactInfo the signer gave in the signature dictionary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_contact: Option<String>,
    /// XML: the signature verified with a key no certificate binds to a signer: a `KeyValue`
    /// in the document (`signer` null, status indeterminate, `untrusted_key`), a
    /// public key given with `--key` or an HMAC key given with `--hmac-key` (status passed,
    /// `trusted` true: the user vouched for the key). E.g. `RSA-2048 (KeyValue)`,
    /// `ECDSA P-256 (--key)`, `HMAC-SHA256 (--hmac-key)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_key: Option<String>,
}

impl SignatureReport {
    /// A report for a signature in field `field`, passed until a problem is found.
    pub(crate) fn new(field: String, kind: SignatureKind) -> SignatureReport {
        SignatureReport {
            field,
            kind,
            status: Status::Passed,
            reason: Reason::Ok,
            message: "signature is valid".into(),
            subfilter: None,
            digest: None,
            signature_algorithm: None,
            signing_time: None,
            signing_time_source: None,
            revision: None,
            covers_whole_document: false,
            coverage: None,
            appearance: None,
            modified_after: false,
            modifications: Vec::new(),
            allowed_changes: Vec::new(),
            certification: None,
            signer: None,
            chain: Vec::new(),
            trusted: false,
            warnings: Vec::new(),
            level: None,
            validation_time: None,
            proven_time: None,
            timestamps: Vec::new(),
            revocation: Vec::new(),
            location: None,
            references: Vec::new(),
            signer_reason: None,
            signer_location: None,
            signer_contact: None,
            signer_key: None,
        }
    }
}

/// What a [`SignatureReport`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureKind {
    /// A signature (PDF signature field, XML Signature element).
    Signature,
    /// A PDF document timestamp (`/Type /DocTimeStamp`).
    Timestamp,
}

impl SignatureKind {
    /// `signature` or `timestamp`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureKind::Signature => "signature",
            SignatureKind::Timestamp => "timestamp",
        }
    }
}

/// Where a signature's claimed signing time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SigningTimeSource {
    /// The CMS signingTime attribute.
    #[serde(rename = "cms")]
    Cms,
    /// The PDF signature dictionary's `/M`.
    #[serde(rename = "pdf-m")]
    PdfM,
    /// The XAdES SigningTime of an XML signature.
    #[serde(rename = "xml")]
    Xml,
    /// The genTime of a PDF document timestamp.
    #[serde(rename = "timestamp")]
    Timestamp,
}

impl SigningTimeSource {
    /// `cms`, `pdf-m`, `xml` or `timestamp`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningTimeSource::Cms => "cms",
            SigningTimeSource::PdfM => "pdf-m",
            SigningTimeSource::Xml => "xml",
            SigningTimeSource::Timestamp => "timestamp",
        }
    }
}

/// What a [`TimestampReport`] time-stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimestampKind {
    /// A signature time-stamp, over the signature value.
    Signature,
    /// A PDF document timestamp, over the document's byte range.
    Document,
    /// A XAdES archive time-stamp, over the signature, its signed data and the validation
    /// data before it.
    Archive,
}

impl TimestampKind {
    /// `signature`, `document` or `archive`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            TimestampKind::Signature => "signature",
            TimestampKind::Document => "document",
            TimestampKind::Archive => "archive",
        }
    }
}

/// The revocation status of one certificate, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationState {
    /// Not revoked, by the deciding evidence.
    Good,
    /// Revoked (see [`RevocationReport::time`] and [`RevocationReport::revocation_reason`]).
    Revoked,
    /// Could not be established (see [`RevocationReport::message`]).
    Unknown,
}

impl RevocationState {
    /// `good`, `revoked` or `unknown`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationState::Good => "good",
            RevocationState::Revoked => "revoked",
            RevocationState::Unknown => "unknown",
        }
    }
}

/// An RFC 3161 time-stamp token: a signature's signature-time-stamp, or a PDF document
/// timestamp.
#[derive(Debug, Clone, Serialize)]
pub struct TimestampReport {
    /// `signature` (over the signature value) or `document` (over the document's byte range).
    pub kind: TimestampKind,
    pub status: Status,
    /// Reason code: `ok`, `timestamp_invalid`, `timestamp_untrusted`, `revocation_unknown`,
    /// `unsupported_algorithm`.
    pub reason: Reason,
    pub message: String,
    /// genTime (RFC 3339, UTC; fractions of a second dropped).
    pub time: Option<String>,
    /// The accuracy the TSA states, in microseconds.
    pub accuracy_micros: Option<u64>,
    /// Subject of the TSA certificate.
    pub tsa: Option<String>,
    /// TSA policy OID.
    pub policy: Option<String>,
    /// Serial number of the token, hex.
    pub serial: Option<String>,
    /// Digest algorithm of the message imprint.
    pub digest: Option<String>,
    /// Subjects from the TSA certificate up to the trust anchor.
    pub chain: Vec<String>,
    /// A valid chain from the TSA to a trust anchor was found.
    pub trusted: bool,
}

/// The revocation status of one certificate.
#[derive(Debug, Clone, Serialize)]
pub struct RevocationReport {
    pub subject: String,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// `good`, `revoked` or `unknown`.
    pub status: RevocationState,
    /// Where the status came from: `dss`, `cms`, `xml`, `online-ocsp`, `online-crl` (null
    /// when unknown).
    pub source: Option<RevocationSource>,
    /// `ocsp` or `crl` (null when unknown).
    pub method: Option<RevocationMethod>,
    /// For `revoked`: the revocation time; otherwise when the deciding evidence was issued
    /// (thisUpdate). RFC 3339, UTC.
    pub time: Option<String>,
    /// The revocation reason (RFC 5280 CRLReason, e.g. `keyCompromise`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// Why the status is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What one XML Reference covers.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceReport {
    /// The Reference URI as written (`""`, `#id`, ...).
    pub uri: String,
    /// Local name of the covered element (the document element for `""`).
    pub element: Option<String>,
    /// Its Id attribute.
    pub id: Option<String>,
    /// Where it sits, e.g. `/HDon/DLHDon`.
    pub path: Option<String>,
    /// The enveloped-signature transform removed the signature itself from what is covered.
    pub minus_signature: bool,
    /// The digest matched.
    pub digest_ok: bool,
}

/// One document.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentReport {
    pub file: String,
    /// `pdf`, `xml` or `unknown`.
    pub format: Format,
    pub status: Status,
    /// Reason code for the document status.
    pub reason: Reason,
    pub message: String,
    pub signatures: Vec<SignatureReport>,
}

impl DocumentReport {
    /// Writes the report as one JSON line, the object then `\n`: the bytes `kyso verify
    /// --json` and `kyso batch` print for a document and `kyso serve` answers (one serializer
    /// for every output, so they stay byte for byte the same).
    pub fn write_json_line<W: std::io::Write>(&self, mut out: W) -> std::io::Result<()> {
        serde_json::to_writer(&mut out, self)?;
        out.write_all(b"\n")
    }

    /// [`DocumentReport::write_json_line`] into a new buffer.
    pub fn to_json_line(&self) -> Vec<u8> {
        let mut line = Vec::with_capacity(1024);
        // Writing into a Vec fails only if serializing does, which these types never do.
        if self.write_json_line(&mut line).is_err() {
            line.clear();
        }
        line
    }

    /// A report for a file that could not be processed.
    pub fn error(file: &str, format: Format, message: String) -> DocumentReport {
        DocumentReport {
            file: file.to_string(),
            format,
            status: Status::Error,
            reason: Reason::Unreadable,
            message,
            signatures: Vec::new(),
        }
    }

    /// Derives the document status from its signatures.
    pub(crate) fn finish(&mut self) {
        if self.signatures.is_empty() {
            self.status = Status::Failed;
            self.reason = Reason::NoSignatures;
            self.message = "the document carries no signature".into();
            return;
        }
        let worst = self
            .signatures
            .iter()
            .fold(Status::Passed, |s, x| s.worst(x.status));
        self.status = worst;
        let n = self.signatures.len();
        match self
            .signatures
            .iter()
            .find(|s| s.status == worst && worst != Status::Passed)
        {
            Some(s) => {
                self.reason = s.reason;
                self.message = format!("signature '{}': {}", s.field, s.message);
            }
            None => {
                self.reason = Reason::Ok;
                self.message = format!("{n} signature{} passed", if n == 1 { "" } else { "s" });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serializes `v` and checks that it is the JSON string `s`, and that `Display` says `s`.
    fn same<T: Serialize + std::fmt::Display>(v: T, s: &str) {
        assert_eq!(serde_json::to_string(&v).ok(), Some(format!("\"{s}\"")));
        assert_eq!(v.to_string(), s);
    }

    #[test]
    fn report_enums_serialize_as_their_str() {
        for v in [
            Status::Passed,
            Status::Failed,
            Status::Indeterminate,
            Status::Error,
        ] {
            same(v, v.as_str());
        }
        for v in [SignatureKind::Signature, SignatureKind::Timestamp] {
            same(v, v.as_str());
        }
        for v in [
            TimestampKind::Signature,
            TimestampKind::Document,
            TimestampKind::Archive,
        ] {
            same(v, v.as_str());
        }
        for v in [
            SigningTimeSource::Cms,
            SigningTimeSource::PdfM,
            SigningTimeSource::Xml,
            SigningTimeSource::Timestamp,
        ] {
            same(v, v.as_str());
        }
        for v in [
            RevocationState::Good,
            RevocationState::Revoked,
            RevocationState::Unknown,
        ] {
            same(v, v.as_str());
        }
        for v in [
            RevocationSource::Dss,
            RevocationSource::Cms,
            RevocationSource::Xml,
            RevocationSource::OnlineOcsp,
            RevocationSource::OnlineCrl,
        ] {
            same(v, v.as_str());
        }
        for v in [RevocationMethod::Ocsp, RevocationMethod::Crl] {
            same(v, v.as_str());
        }
        for v in [Format::Pdf, Format::Xml, Format::Unknown] {
            same(v, v.as_str());
        }
        for v in [
            PadesLevel::BaselineB,
            PadesLevel::BaselineT,
            PadesLevel::BaselineLt,
            PadesLevel::BaselineLta,
        ] {
            same(v, v.as_str());
        }
        assert_eq!(SignerKind::Agency.to_string(), "agency");
    }
}
