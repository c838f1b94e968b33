//! The time-stamp protocol (RFC 3161, with RFC 5816's ESS signingCertificateV2): requests,
//! responses, tokens and their verification. Pure data: sending the request is the caller's
//! business.
//!
//! The usual flow: [`TimestampRequest::for_data`] (or [`TimestampRequest::new`] over a digest
//! already computed), send [`TimestampRequest::der`] to the TSA, then
//! [`TimestampRequest::verify_response`] on the answer. The result holds the time, accuracy,
//! policy, serial, the TSA certificate and the other certificates of the token; the caller
//! validates the TSA certificate's path (kyso-pki) and its purpose ([`check_tsa_certificate`]).
//! [`TimestampToken::der`] keeps the token as received, to embed as a CAdES
//! signature-time-stamp ([`add_signature_timestamp`]) or as a PDF document time-stamp.

use kyso_pki::der::{self, Reader, Tlv, tag};
use kyso_pki::time::{self, UnixTime};
use kyso_pki::{AlgorithmId, Certificate, DigestAlgorithm};

use crate::oids;
use crate::signed_data::{SignedData, add_unsigned_attribute};

/// The nonce length kyso sends (64 bits, as OpenSSL does).
pub const NONCE_LEN: usize = 8;

/// What can go wrong with time-stamp data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TspError {
    /// CMS or lower-level trouble.
    #[error(transparent)]
    Cms(#[from] crate::Error),
    /// The structure is not what RFC 3161 describes.
    #[error("malformed time-stamp data: {0}")]
    Malformed(&'static str),
    /// The TSA refused (or has not yet granted) the request.
    #[error(
        "the TSA refused the request ({status}){}{}",
        fail_list(fail_info),
        status_text(text)
    )]
    Rejected {
        /// The PKIStatus.
        status: PkiStatus,
        /// The failInfo bits set.
        fail_info: Vec<FailureInfo>,
        /// The statusString texts.
        text: Vec<String>,
    },
    /// A granted response without a token.
    #[error("the TSA granted the request but sent no time-stamp token")]
    NoToken,
    /// The token's eContentType is not id-ct-TSTInfo.
    #[error("not a time-stamp token: the encapsulated content type is {0}")]
    NotTstInfo(String),
    /// A token must have exactly one signer, the TSA.
    #[error("a time-stamp token must have exactly one SignerInfo, this one has {0}")]
    SignerCount(usize),
    /// A required signed attribute is absent.
    #[error("the time-stamp token lacks the {0} signed attribute")]
    MissingAttribute(&'static str),
    /// The contentType signed attribute is not id-ct-TSTInfo.
    #[error("the time-stamp token's contentType attribute is not id-ct-TSTInfo")]
    ContentTypeMismatch,
    /// The messageDigest signed attribute is not the hash of the TSTInfo.
    #[error("the time-stamp token's messageDigest does not match its TSTInfo")]
    MessageDigestMismatch,
    /// The TSA certificate is neither in the token nor supplied (or the supplied one is not the
    /// signer).
    #[error("the TSA certificate is not in the token (and none matching was supplied)")]
    TsaCertificateNotFound,
    /// The signature does not verify with the TSA certificate.
    #[error("the time-stamp token's signature does not verify")]
    BadSignature,
    /// No ESS signingCertificate(V2) attribute.
    #[error("the time-stamp token has no ESS signing-certificate attribute")]
    SigningCertificateMissing,
    /// The ESS signingCertificate(V2) names another certificate.
    #[error("the time-stamp token's ESS signing-certificate does not name the TSA certificate")]
    SigningCertificateMismatch,
    /// The messageImprint uses another hash algorithm than expected.
    #[error("the time-stamp imprint uses {found}, {expected} was expected")]
    ImprintAlgorithmMismatch {
        /// The algorithm expected.
        expected: String,
        /// The algorithm in the token.
        found: String,
    },
    /// The messageImprint is not the digest of the data.
    #[error("the time-stamp is not over this data (messageImprint differs)")]
    ImprintMismatch,
    /// A nonce was sent but the token has none.
    #[error("the time-stamp token carries no nonce, but the request had one")]
    NonceMissing,
    /// The token's nonce is not the one sent.
    #[error("the time-stamp token's nonce differs from the request's")]
    NonceMismatch,
    /// The token's policy is not the one asked for.
    #[error("the time-stamp was issued under policy {found}, {requested} was requested")]
    PolicyMismatch {
        /// The policy requested.
        requested: String,
        /// The policy in the token.
        found: String,
    },
    /// A critical TSTInfo extension kyso does not process.
    #[error("unhandled critical TSTInfo extension {0}")]
    UnhandledCriticalExtension(String),
    /// A request with an algorithm or digest kyso does not send.
    #[error("cannot request a time-stamp: {0}")]
    BadRequest(String),
    /// The certificate is not fit to sign time-stamps.
    #[error("not a TSA certificate: {0}")]
    NotTsaCertificate(&'static str),
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

fn fail_list(f: &[FailureInfo]) -> String {
    if f.is_empty() {
        return String::new();
    }
    let names: Vec<String> = f.iter().map(|x| x.to_string()).collect();
    format!(": {}", names.join(", "))
}

fn status_text(t: &[String]) -> String {
    if t.is_empty() {
        String::new()
    } else {
        format!(": \"{}\"", t.join(" "))
    }
}

impl From<kyso_pki::Error> for TspError {
    fn from(e: kyso_pki::Error) -> Self {
        TspError::Cms(crate::Error::Pki(e))
    }
}

fn trim_zeros(b: &[u8]) -> &[u8] {
    let skip = b.iter().take_while(|x| **x == 0).count();
    b.get(skip..).unwrap_or(&[])
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// Reads a non-negative INTEGER of at most 8 octets.
fn read_u64(t: &Tlv<'_>) -> Result<u64, TspError> {
    if t.value.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(TspError::Malformed("negative integer"));
    }
    let v = trim_zeros(t.value);
    if v.len() > 8 || t.value.is_empty() {
        return Err(TspError::Malformed("integer out of range"));
    }
    Ok(v.iter().fold(0u64, |a, b| (a << 8) | *b as u64))
}

// ---------------------------------------------------------------------------- MessageImprint

/// MessageImprint: a hash algorithm and the digest of the time-stamped data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageImprint {
    /// The hash algorithm as encoded.
    pub algorithm: AlgorithmId,
    /// hashedMessage.
    pub digest: Vec<u8>,
}

impl MessageImprint {
    /// The hash algorithm, if kyso supports it.
    pub fn digest_algorithm(&self) -> Option<DigestAlgorithm> {
        DigestAlgorithm::from_oid(&self.algorithm.oid)
    }

    fn read(r: &mut Reader<'_>) -> Result<MessageImprint, TspError> {
        let seq = r.read_tag(tag::SEQUENCE, "MessageImprint")?;
        let mut m = seq.reader();
        let algorithm = AlgorithmId::read(&mut m)?;
        let digest = m
            .read_tag(tag::OCTET_STRING, "hashedMessage")?
            .value
            .to_vec();
        Ok(MessageImprint { algorithm, digest })
    }
}

// ---------------------------------------------------------------------------------- request

/// How to build a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestOptions {
    /// The messageImprint hash: SHA-256 (default), SHA-384 or SHA-512.
    pub digest: DigestAlgorithm,
    /// reqPolicy: the TSA policy asked for (dotted OID).
    pub policy: Option<String>,
    /// Send a random [`NONCE_LEN`]-octet nonce (default true).
    pub nonce: bool,
    /// certReq: ask the TSA to put its certificate in the token (default true).
    pub cert_req: bool,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            digest: DigestAlgorithm::Sha256,
            policy: None,
            nonce: true,
            cert_req: true,
        }
    }
}

/// A TimeStampReq (version 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampRequest {
    der: Vec<u8>,
    /// The messageImprint hash algorithm.
    pub digest: DigestAlgorithm,
    /// The digest of the data.
    pub message_digest: Vec<u8>,
    /// reqPolicy.
    pub policy: Option<String>,
    /// The nonce as an unsigned big-endian integer without leading zero octets.
    pub nonce: Option<Vec<u8>>,
    /// certReq.
    pub cert_req: bool,
}

impl TimestampRequest {
    /// A request over `message_digest`, the digest of the data with `opts.digest`.
    pub fn new(message_digest: &[u8], opts: &RequestOptions) -> Result<TimestampRequest, TspError> {
        let nonce = if opts.nonce {
            Some(kyso_pki::random_bytes(NONCE_LEN).map_err(|_| TspError::Random)?)
        } else {
            None
        };
        Self::with_nonce(message_digest, opts, nonce.as_deref())
    }

    /// A request over the digest of `data` with `opts.digest`.
    pub fn for_data(data: &[u8], opts: &RequestOptions) -> Result<TimestampRequest, TspError> {
        Self::new(&opts.digest.digest(data), opts)
    }

    /// A request with a nonce chosen by the caller (an unsigned big-endian integer; `opts.nonce`
    /// is ignored).
    pub fn with_nonce(
        message_digest: &[u8],
        opts: &RequestOptions,
        nonce: Option<&[u8]>,
    ) -> Result<TimestampRequest, TspError> {
        let digest = opts.digest;
        if digest == DigestAlgorithm::Sha1 {
            return Err(TspError::BadRequest(
                "SHA-1 imprints are not requested; use SHA-256, SHA-384 or SHA-512".into(),
            ));
        }
        if message_digest.len() != digest.output_len() {
            return Err(TspError::BadRequest(format!(
                "a {} digest is {} octets, not {}",
                digest.name(),
                digest.output_len(),
                message_digest.len()
            )));
        }
        // NULL parameters, as OpenSSL writes them in queries.
        let alg = der::seq(&[&der::oid(digest.oid()), &der::null()]);
        let imprint = der::seq(&[&alg, &der::octet_string(message_digest)]);
        let mut parts = vec![der::small_int(1), imprint];
        if let Some(p) = &opts.policy {
            if der::oid_from_str(p).is_empty() {
                return Err(TspError::BadRequest(format!("'{p}' is not an OID")));
            }
            parts.push(der::oid(p));
        }
        let nonce = nonce.map(|n| trim_zeros(n).to_vec());
        if let Some(n) = &nonce {
            parts.push(der::uint(n));
        }
        if opts.cert_req {
            parts.push(vec![tag::BOOLEAN, 1, 0xff]);
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        Ok(TimestampRequest {
            der: der::seq(&refs),
            digest,
            message_digest: message_digest.to_vec(),
            policy: opts.policy.clone(),
            nonce,
            cert_req: opts.cert_req,
        })
    }

    /// The DER to send (HTTP POST body with `Content-Type: application/timestamp-query`).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Parses the TSA's answer to this request and verifies the token for it: granted status,
    /// the token's signature and ESS binding ([`TimestampToken::verify`]), the same
    /// messageImprint, the same nonce, the requested policy, and the TSA certificate in the
    /// token when it was asked for (else `tsa_certificate` must be given).
    pub fn verify_response(
        &self,
        response: &[u8],
        tsa_certificate: Option<&Certificate>,
    ) -> Result<VerifiedTimestamp, TspError> {
        let token = TimestampResponse::parse(response)?.into_token()?;
        token.verify(&VerifyOptions {
            imprint: ExpectedImprint::Digest {
                algorithm: self.digest,
                digest: &self.message_digest,
            },
            nonce: self.nonce.as_deref(),
            policy: self.policy.as_deref(),
            tsa_certificate,
        })
    }
}

// --------------------------------------------------------------------------------- response

/// PKIStatus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkiStatus {
    /// 0: a token is included.
    Granted,
    /// 1: a token is included, with modifications.
    GrantedWithMods,
    /// 2: refused; failInfo says why.
    Rejection,
    /// 3: not yet processed.
    Waiting,
    /// 4: a revocation is imminent.
    RevocationWarning,
    /// 5: a revocation has occurred.
    RevocationNotification,
    /// Any other value.
    Other(u64),
}

impl PkiStatus {
    fn from_code(c: u64) -> PkiStatus {
        match c {
            0 => PkiStatus::Granted,
            1 => PkiStatus::GrantedWithMods,
            2 => PkiStatus::Rejection,
            3 => PkiStatus::Waiting,
            4 => PkiStatus::RevocationWarning,
            5 => PkiStatus::RevocationNotification,
            other => PkiStatus::Other(other),
        }
    }

    /// Whether a token comes with this status.
    pub fn is_granted(self) -> bool {
        matches!(self, PkiStatus::Granted | PkiStatus::GrantedWithMods)
    }
}

impl std::fmt::Display for PkiStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PkiStatus::Granted => f.write_str("granted"),
            PkiStatus::GrantedWithMods => f.write_str("grantedWithMods"),
            PkiStatus::Rejection => f.write_str("rejection"),
            PkiStatus::Waiting => f.write_str("waiting"),
            PkiStatus::RevocationWarning => f.write_str("revocationWarning"),
            PkiStatus::RevocationNotification => f.write_str("revocationNotification"),
            PkiStatus::Other(c) => write!(f, "status {c}"),
        }
    }
}

/// A PKIFailureInfo bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureInfo {
    /// 0: unrecognized or unsupported algorithm identifier.
    BadAlg,
    /// 2: transaction not permitted or supported.
    BadRequest,
    /// 5: the data submitted has the wrong format.
    BadDataFormat,
    /// 14: the TSA's time source is not available.
    TimeNotAvailable,
    /// 15: the requested TSA policy is not supported by the TSA.
    UnacceptedPolicy,
    /// 16: the requested extension is not supported by the TSA.
    UnacceptedExtension,
    /// 17: the additional information requested could not be understood or is not available.
    AddInfoNotAvailable,
    /// 25: the request cannot be handled due to system failure.
    SystemFailure,
    /// Any other bit.
    Other(u32),
}

impl FailureInfo {
    fn from_bit(bit: u32) -> FailureInfo {
        match bit {
            0 => FailureInfo::BadAlg,
            2 => FailureInfo::BadRequest,
            5 => FailureInfo::BadDataFormat,
            14 => FailureInfo::TimeNotAvailable,
            15 => FailureInfo::UnacceptedPolicy,
            16 => FailureInfo::UnacceptedExtension,
            17 => FailureInfo::AddInfoNotAvailable,
            25 => FailureInfo::SystemFailure,
            other => FailureInfo::Other(other),
        }
    }

    /// The ASN.1 name, e.g. `badAlg`.
    pub fn name(self) -> &'static str {
        match self {
            FailureInfo::BadAlg => "badAlg",
            FailureInfo::BadRequest => "badRequest",
            FailureInfo::BadDataFormat => "badDataFormat",
            FailureInfo::TimeNotAvailable => "timeNotAvailable",
            FailureInfo::UnacceptedPolicy => "unacceptedPolicy",
            FailureInfo::UnacceptedExtension => "unacceptedExtension",
            FailureInfo::AddInfoNotAvailable => "addInfoNotAvailable",
            FailureInfo::SystemFailure => "systemFailure",
            FailureInfo::Other(_) => "other",
        }
    }

    /// What it means (RFC 3161's comments, the words `openssl ts` prints).
    pub fn description(self) -> &'static str {
        match self {
            FailureInfo::BadAlg => "unrecognized or unsupported algorithm identifier",
            FailureInfo::BadRequest => "transaction not permitted or supported",
            FailureInfo::BadDataFormat => "the data submitted has the wrong format",
            FailureInfo::TimeNotAvailable => "the TSA's time source is not available",
            FailureInfo::UnacceptedPolicy => "the requested TSA policy is not supported by the TSA",
            FailureInfo::UnacceptedExtension => {
                "the requested extension is not supported by the TSA"
            }
            FailureInfo::AddInfoNotAvailable => {
                "the additional information requested could not be understood or is not available"
            }
            FailureInfo::SystemFailure => "the request cannot be handled due to system failure",
            FailureInfo::Other(_) => "unknown failure",
        }
    }
}

impl std::fmt::Display for FailureInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureInfo::Other(bit) => write!(f, "failure bit {bit}"),
            other => write!(f, "{} ({})", other.name(), other.description()),
        }
    }
}

/// PKIStatusInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiStatusInfo {
    /// status.
    pub status: PkiStatus,
    /// statusString (PKIFreeText), possibly empty.
    pub text: Vec<String>,
    /// The failInfo bits set.
    pub fail_info: Vec<FailureInfo>,
}

impl PkiStatusInfo {
    fn read(r: &mut Reader<'_>) -> Result<PkiStatusInfo, TspError> {
        let seq = r.read_tag(tag::SEQUENCE, "PKIStatusInfo")?;
        let mut s = seq.reader();
        let status = PkiStatus::from_code(read_u64(&s.read_tag(tag::INTEGER, "PKIStatus")?)?);
        let mut text = Vec::new();
        if let Some(free) = s.read_optional(tag::SEQUENCE)? {
            let mut f = free.reader();
            while !f.is_empty() {
                let t = f.read()?;
                text.push(der::decode_string(&t).ok_or(TspError::Malformed("statusString type"))?);
            }
        }
        let mut fail_info = Vec::new();
        if let Some(bits) = s.read_optional(tag::BIT_STRING)? {
            for (i, byte) in bits.value.iter().skip(1).enumerate() {
                for b in 0..8u32 {
                    if byte & (0x80 >> b) != 0 {
                        fail_info.push(FailureInfo::from_bit(i as u32 * 8 + b));
                    }
                }
            }
        }
        Ok(PkiStatusInfo {
            status,
            text,
            fail_info,
        })
    }
}

/// A TimeStampResp.
#[derive(Debug, Clone)]
pub struct TimestampResponse {
    der: Vec<u8>,
    /// The status.
    pub status: PkiStatusInfo,
    /// The token, present when granted.
    pub token: Option<TimestampToken>,
}

impl TimestampResponse {
    /// Parses a TimeStampResp (exactly one DER element).
    pub fn parse(data: &[u8]) -> Result<TimestampResponse, TspError> {
        let outer = der::parse_one(data)?.expect_tag(tag::SEQUENCE, "TimeStampResp")?;
        let mut r = outer.reader();
        let status = PkiStatusInfo::read(&mut r)?;
        let token = match r.read_optional(tag::SEQUENCE)? {
            Some(t) => Some(TimestampToken::parse(t.raw)?),
            None => None,
        };
        Ok(TimestampResponse {
            der: data.to_vec(),
            status,
            token,
        })
    }

    /// The response as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The token, or the refusal as [`TspError::Rejected`] naming status, failure and text.
    pub fn into_token(self) -> Result<TimestampToken, TspError> {
        if !self.status.status.is_granted() {
            return Err(TspError::Rejected {
                status: self.status.status,
                fail_info: self.status.fail_info,
                text: self.status.text,
            });
        }
        self.token.ok_or(TspError::NoToken)
    }
}

// -------------------------------------------------------------------------------- TSTInfo

/// genTime: seconds and the fraction the TSA wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GenTime {
    /// Whole seconds since the epoch (UTC).
    pub unix: UnixTime,
    /// The fraction of the second, in nanoseconds (digits beyond the ninth are dropped).
    pub nanos: u32,
}

impl GenTime {
    fn parse(s: &[u8]) -> Result<GenTime, TspError> {
        let unix = time::parse_generalized_time(s)?;
        let mut nanos = 0u32;
        if s.get(14) == Some(&b'.') {
            let digits: Vec<u8> = s
                .iter()
                .skip(15)
                .take_while(|c| c.is_ascii_digit())
                .copied()
                .collect();
            if digits.is_empty() {
                return Err(TspError::Malformed("genTime with an empty fraction"));
            }
            for i in 0..9 {
                nanos = nanos * 10 + digits.get(i).map_or(0, |d| (d - b'0') as u32);
            }
        }
        Ok(GenTime { unix, nanos })
    }
}

/// Accuracy: how far genTime may be from UTC; a missing field counts as zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accuracy {
    /// seconds.
    pub seconds: Option<u64>,
    /// millis (1..=999), `[0] IMPLICIT`.
    pub millis: Option<u16>,
    /// micros (1..=999), `[1] IMPLICIT`.
    pub micros: Option<u16>,
}

impl Accuracy {
    /// The whole accuracy in microseconds.
    pub fn total_micros(&self) -> u64 {
        self.seconds
            .unwrap_or(0)
            .saturating_mul(1_000_000)
            .saturating_add(self.millis.unwrap_or(0) as u64 * 1000)
            .saturating_add(self.micros.unwrap_or(0) as u64)
    }

    fn read(t: &Tlv<'_>) -> Result<Accuracy, TspError> {
        let mut r = t.reader();
        let seconds = match r.read_optional(tag::INTEGER)? {
            Some(i) => Some(read_u64(&i)?),
            None => None,
        };
        let small = |t: Option<Tlv<'_>>| -> Result<Option<u16>, TspError> {
            match t {
                Some(t) => match read_u64(&t)? {
                    v @ 1..=999 => Ok(Some(v as u16)),
                    _ => Err(TspError::Malformed("accuracy millis/micros outside 1..999")),
                },
                None => Ok(None),
            }
        };
        let millis = small(r.read_optional(tag::ctx_prim(0))?)?;
        let micros = small(r.read_optional(tag::ctx_prim(1))?)?;
        if !r.is_empty() {
            return Err(TspError::Malformed("unexpected field in Accuracy"));
        }
        Ok(Accuracy {
            seconds,
            millis,
            micros,
        })
    }
}

/// A GeneralName (RFC 5280 §4.2.1.6): kyso-pki's, shared with certificates and CRLs.
pub use kyso_pki::general_name::GeneralName;

/// The TSA name of a TSTInfo; a choice kyso-pki does not know is kept as encoded.
fn read_tsa_name(t: &Tlv<'_>) -> GeneralName {
    GeneralName::from_tlv(t).unwrap_or_else(|_| GeneralName::Other {
        kind: t.tag & 0x1f,
        der: t.raw.to_vec(),
    })
}

/// An extension of a TSTInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TstExtension {
    /// Dotted OID.
    pub oid: String,
    /// The critical flag.
    pub critical: bool,
    /// The extnValue contents.
    pub value: Vec<u8>,
}

/// TSTInfo: what the TSA attests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TstInfo {
    der: Vec<u8>,
    /// version (1).
    pub version: u64,
    /// The TSA policy under which the token was issued.
    pub policy: String,
    /// What was time-stamped.
    pub message_imprint: MessageImprint,
    /// serialNumber: the INTEGER content octets.
    pub serial: Vec<u8>,
    /// genTime.
    pub gen_time: GenTime,
    /// accuracy.
    pub accuracy: Option<Accuracy>,
    /// ordering.
    pub ordering: bool,
    /// nonce: unsigned big-endian without leading zero octets.
    pub nonce: Option<Vec<u8>>,
    /// tsa: a name of the TSA (a hint; not checked).
    pub tsa: Option<GeneralName>,
    /// extensions.
    pub extensions: Vec<TstExtension>,
}

impl TstInfo {
    /// Parses a DER TSTInfo (the eContent of a token).
    pub fn parse(data: &[u8]) -> Result<TstInfo, TspError> {
        let outer = der::parse_one(data)?.expect_tag(tag::SEQUENCE, "TSTInfo")?;
        let mut r = outer.reader();
        let version = read_u64(&r.read_tag(tag::INTEGER, "TSTInfo version")?)?;
        let policy = der::read_oid(&mut r)?;
        let message_imprint = MessageImprint::read(&mut r)?;
        let serial = r
            .read_tag(tag::INTEGER, "TSTInfo serialNumber")?
            .value
            .to_vec();
        let gen_time = GenTime::parse(r.read_tag(tag::GENERALIZED_TIME, "genTime")?.value)?;
        let accuracy = match r.read_optional(tag::SEQUENCE)? {
            Some(a) => Some(Accuracy::read(&a)?),
            None => None,
        };
        let ordering = match r.read_optional(tag::BOOLEAN)? {
            Some(b) => b.value.first().is_some_and(|v| *v != 0),
            None => false,
        };
        let nonce = r
            .read_optional(tag::INTEGER)?
            .map(|n| trim_zeros(n.value).to_vec());
        // tsa [0] GeneralName: explicit, since GeneralName is a CHOICE.
        let tsa = match r.read_optional(tag::ctx(0))? {
            Some(t) => Some(read_tsa_name(&t.reader().read()?)),
            None => None,
        };
        let mut extensions = Vec::new();
        if let Some(exts) = r.read_optional(tag::ctx(1))? {
            // [1] IMPLICIT Extensions: the tag replaces the SEQUENCE's.
            for (oid, critical, value) in der::read_extensions(exts)? {
                extensions.push(TstExtension {
                    oid,
                    critical,
                    value: value.to_vec(),
                });
            }
        }
        if !r.is_empty() {
            return Err(TspError::Malformed("unexpected field in TSTInfo"));
        }
        Ok(TstInfo {
            der: data.to_vec(),
            version,
            policy,
            message_imprint,
            serial,
            gen_time,
            accuracy,
            ordering,
            nonce,
            tsa,
            extensions,
        })
    }

    /// The DER encoding (what the messageDigest attribute hashes).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The serial number as upper-case hex without leading zero octets.
    pub fn serial_hex(&self) -> String {
        let s = hex(trim_zeros(&self.serial));
        if s.is_empty() { "00".into() } else { s }
    }

    /// The latest the time could be: genTime plus the accuracy, rounded up to a whole second
    /// (genTime itself when no accuracy is given).
    pub fn latest_time(&self) -> UnixTime {
        let extra_nanos = self.gen_time.nanos as u64
            + self
                .accuracy
                .map_or(0, |a| a.total_micros().saturating_mul(1000));
        let secs = extra_nanos.div_ceil(1_000_000_000);
        self.gen_time
            .unix
            .saturating_add(i64::try_from(secs).unwrap_or(i64::MAX))
    }

    /// The earliest the time could be: genTime minus the accuracy, rounded down.
    pub fn earliest_time(&self) -> UnixTime {
        let micros = self.accuracy.map_or(0, |a| a.total_micros());
        let frac_micros = self.gen_time.nanos as u64 / 1000;
        let back = micros.saturating_sub(frac_micros).div_ceil(1_000_000);
        self.gen_time
            .unix
            .saturating_sub(i64::try_from(back).unwrap_or(i64::MAX))
    }
}

// ---------------------------------------------------------------------------------- token

/// A TimeStampToken: CMS SignedData over a TSTInfo.
#[derive(Debug, Clone)]
pub struct TimestampToken {
    der: Vec<u8>,
    /// The SignedData (its certificates include the TSA's when certReq was set).
    pub signed_data: SignedData,
    /// The attested time and imprint.
    pub tst_info: TstInfo,
}

/// What the time-stamp must be over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedImprint<'a> {
    /// The data itself: hashed with the algorithm the token's imprint names.
    Data(&'a [u8]),
    /// A digest already computed: the imprint must use this algorithm and equal it.
    Digest {
        /// The hash algorithm.
        algorithm: DigestAlgorithm,
        /// The digest.
        digest: &'a [u8],
    },
}

/// What [`TimestampToken::verify`] checks.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// The data (or its digest) the token must be over.
    pub imprint: ExpectedImprint<'a>,
    /// The nonce sent, if any: the token must carry it.
    pub nonce: Option<&'a [u8]>,
    /// The policy requested, if any: the token must be issued under it.
    pub policy: Option<&'a str>,
    /// The TSA certificate, when the token may not carry it.
    pub tsa_certificate: Option<&'a Certificate>,
}

impl<'a> VerifyOptions<'a> {
    /// Checks over `data`, nothing else asked.
    pub fn data(data: &'a [u8]) -> Self {
        VerifyOptions {
            imprint: ExpectedImprint::Data(data),
            nonce: None,
            policy: None,
            tsa_certificate: None,
        }
    }

    /// Checks over a digest of the data, nothing else asked.
    pub fn digest(algorithm: DigestAlgorithm, digest: &'a [u8]) -> Self {
        VerifyOptions {
            imprint: ExpectedImprint::Digest { algorithm, digest },
            ..Self::data(&[])
        }
    }
}

/// A token whose signature, ESS binding, imprint and nonce were checked.
#[derive(Debug, Clone)]
pub struct VerifiedTimestamp {
    /// genTime.
    pub gen_time: GenTime,
    /// accuracy.
    pub accuracy: Option<Accuracy>,
    /// The TSA policy.
    pub policy: String,
    /// The token's serial number (INTEGER content octets).
    pub serial: Vec<u8>,
    /// The certificate that signed the token (validate its path and
    /// [`check_tsa_certificate`]).
    pub tsa_certificate: Certificate,
    /// The token's other certificates (intermediates for the TSA's path).
    pub certificates: Vec<Certificate>,
    /// The whole TSTInfo.
    pub tst_info: TstInfo,
    /// The token's DER, as received.
    pub token_der: Vec<u8>,
}

impl TimestampToken {
    /// Parses a TimeStampToken (a ContentInfo). Trailing bytes (the zero padding of a PDF
    /// document time-stamp's /Contents) are dropped; BER is accepted.
    pub fn parse(data: &[u8]) -> Result<TimestampToken, TspError> {
        let raw = der::parse_prefix(data)?.raw;
        let signed_data = SignedData::parse(raw)?;
        if signed_data.encap_content_type != oids::TST_INFO {
            return Err(TspError::NotTstInfo(signed_data.encap_content_type));
        }
        let content = signed_data
            .encapsulated_content()
            .ok_or(TspError::Malformed("the token has no encapsulated TSTInfo"))?;
        let tst_info = TstInfo::parse(content)?;
        Ok(TimestampToken {
            der: raw.to_vec(),
            signed_data,
            tst_info,
        })
    }

    /// The token as received (without trailing padding).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Verifies the token: one SignerInfo; contentType = id-ct-TSTInfo; messageDigest = hash
    /// of the TSTInfo; the signature over the signed attributes with the TSA certificate (from
    /// the token, or `opts.tsa_certificate`); ESS signingCertificate (v1) or
    /// signingCertificateV2 naming that certificate; the imprint, nonce and policy `opts` asks
    /// for; no unhandled critical extension. The TSA certificate's path and purpose are left to
    /// the caller.
    pub fn verify(&self, opts: &VerifyOptions<'_>) -> Result<VerifiedTimestamp, TspError> {
        let sd = &self.signed_data;
        let si = match sd.signer_infos.as_slice() {
            [si] => si,
            other => return Err(TspError::SignerCount(other.len())),
        };
        if si.signed_attrs_der.is_none() {
            return Err(TspError::MissingAttribute("contentType"));
        }
        match si.content_type() {
            Some(ct) if ct == oids::TST_INFO => {}
            Some(_) => return Err(TspError::ContentTypeMismatch),
            None => return Err(TspError::MissingAttribute("contentType")),
        }
        let digest = si.digest()?;
        let md = si
            .message_digest()
            .ok_or(TspError::MissingAttribute("messageDigest"))?;
        if md != digest.digest(self.tst_info.der()) {
            return Err(TspError::MessageDigestMismatch);
        }
        let tsa = match opts.tsa_certificate {
            Some(c) if si.identifies(c) => c,
            Some(_) => return Err(TspError::TsaCertificateNotFound),
            None => si
                .find_signer(&sd.certificates)
                .ok_or(TspError::TsaCertificateNotFound)?,
        };
        match si.verify_signature(tsa, None) {
            Ok(()) => {}
            Err(crate::Error::Pki(kyso_pki::Error::BadSignature)) => {
                return Err(TspError::BadSignature);
            }
            Err(e) => return Err(e.into()),
        }
        match si.signing_certificate_matches(tsa) {
            Some(true) => {}
            Some(false) => return Err(TspError::SigningCertificateMismatch),
            None => return Err(TspError::SigningCertificateMissing),
        }
        let tst = &self.tst_info;
        let imprint = &tst.message_imprint;
        let found = imprint.digest_algorithm();
        match opts.imprint {
            ExpectedImprint::Data(data) => {
                let alg = found.ok_or_else(|| TspError::ImprintAlgorithmMismatch {
                    expected: "a supported hash".into(),
                    found: imprint.algorithm.oid.clone(),
                })?;
                if alg.digest(data) != imprint.digest {
                    return Err(TspError::ImprintMismatch);
                }
            }
            ExpectedImprint::Digest { algorithm, digest } => {
                if found != Some(algorithm) {
                    return Err(TspError::ImprintAlgorithmMismatch {
                        expected: algorithm.name().into(),
                        found: found.map_or(imprint.algorithm.oid.clone(), |a| a.name().into()),
                    });
                }
                if digest != imprint.digest.as_slice() {
                    return Err(TspError::ImprintMismatch);
                }
            }
        }
        if let Some(sent) = opts.nonce {
            match &tst.nonce {
                None => return Err(TspError::NonceMissing),
                Some(n) if n.as_slice() != trim_zeros(sent) => {
                    return Err(TspError::NonceMismatch);
                }
                Some(_) => {}
            }
        }
        if let Some(requested) = opts.policy
            && requested != tst.policy
        {
            return Err(TspError::PolicyMismatch {
                requested: requested.into(),
                found: tst.policy.clone(),
            });
        }
        if let Some(e) = tst.extensions.iter().find(|e| e.critical) {
            return Err(TspError::UnhandledCriticalExtension(e.oid.clone()));
        }
        Ok(VerifiedTimestamp {
            gen_time: tst.gen_time,
            accuracy: tst.accuracy,
            policy: tst.policy.clone(),
            serial: tst.serial.clone(),
            tsa_certificate: tsa.clone(),
            certificates: sd
                .certificates
                .iter()
                .filter(|c| c.der() != tsa.der())
                .cloned()
                .collect(),
            tst_info: tst.clone(),
            token_der: self.der.clone(),
        })
    }
}

/// Checks that `cert` is fit to sign time-stamps (RFC 3161 §2.3): an extendedKeyUsage
/// extension, critical, whose only purpose is id-kp-timeStamping; a keyUsage, if present,
/// allowing digitalSignature or nonRepudiation.
pub fn check_tsa_certificate(cert: &Certificate) -> Result<(), TspError> {
    let eku = cert
        .extension(oids::EXTENDED_KEY_USAGE)
        .ok_or(TspError::NotTsaCertificate("no extended key usage"))?;
    if !cert
        .extended_key_usage
        .iter()
        .any(|k| k == oids::KP_TIME_STAMPING)
    {
        return Err(TspError::NotTsaCertificate(
            "the extended key usage lacks id-kp-timeStamping",
        ));
    }
    if cert.extended_key_usage.len() != 1 {
        return Err(TspError::NotTsaCertificate(
            "the extended key usage has purposes besides id-kp-timeStamping",
        ));
    }
    if !eku.critical {
        return Err(TspError::NotTsaCertificate(
            "the extended key usage extension is not critical",
        ));
    }
    use kyso_pki::cert::key_usage::{DIGITAL_SIGNATURE, NON_REPUDIATION};
    if !cert.key_usage_allows_any(DIGITAL_SIGNATURE | NON_REPUDIATION) {
        return Err(TspError::NotTsaCertificate(
            "the key usage allows neither digitalSignature nor nonRepudiation",
        ));
    }
    Ok(())
}

/// Adds `token` to the first SignerInfo of `cms` as a CAdES signature-time-stamp unsigned
/// attribute (the B-T level); see [`add_unsigned_attribute`]. The token should be over
/// [`crate::signature_value`] of the same `cms`.
pub fn add_signature_timestamp(cms: &[u8], token: &TimestampToken) -> Result<Vec<u8>, TspError> {
    Ok(add_unsigned_attribute(
        cms,
        oids::SIGNATURE_TIME_STAMP,
        token.der(),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gen_time_fractions() {
        let t = GenTime::parse(b"20261122132917.390602Z").unwrap();
        assert_eq!(t.nanos, 390_602_000);
        assert_eq!(GenTime::parse(b"20261122132917Z").unwrap().nanos, 0);
        assert_eq!(GenTime::parse(b"20261122132917.5Z").unwrap().unix, t.unix);
        assert!(GenTime::parse(b"20261122132917.Z").is_err());
    }

    #[test]
    fn accuracy_implicit_tags() {
        // SEQUENCE { INTEGER 1, [0] 500, [1] 125 }
        let der = [
            0x30, 0x0a, 0x02, 0x01, 0x01, 0x80, 0x02, 0x01, 0xf4, 0x81, 0x01, 0x7d,
        ];
        let a = Accuracy::read(&der::parse_one(&der).unwrap()).unwrap();
        assert_eq!(
            a,
            Accuracy {
                seconds: Some(1),
                millis: Some(500),
                micros: Some(125)
            }
        );
        assert_eq!(a.total_micros(), 1_500_125);
        // millis out of range
        let bad = [0x30, 0x04, 0x80, 0x02, 0x03, 0xe8];
        assert!(Accuracy::read(&der::parse_one(&bad).unwrap()).is_err());
    }

    #[test]
    fn request_layout() {
        let digest = [7u8; 32];
        let r = TimestampRequest::with_nonce(
            &digest,
            &RequestOptions {
                policy: Some("1.2.3.4".into()),
                ..Default::default()
            },
            Some(&[0x00, 0x80, 0x01]),
        )
        .unwrap();
        let t = der::parse_one(r.der()).unwrap();
        let mut rd = t.reader();
        assert_eq!(rd.read().unwrap().value, [1]);
        rd.read_tag(tag::SEQUENCE, "imprint").unwrap();
        assert_eq!(der::read_oid(&mut rd).unwrap(), "1.2.3.4");
        assert_eq!(
            rd.read_tag(tag::INTEGER, "nonce").unwrap().value,
            [0x00, 0x80, 0x01]
        );
        assert_eq!(rd.read_tag(tag::BOOLEAN, "certReq").unwrap().value, [0xff]);
        assert!(rd.is_empty());
        assert_eq!(r.nonce.as_deref(), Some(&[0x80, 0x01][..]));
        assert!(TimestampRequest::new(&digest[..20], &RequestOptions::default()).is_err());
        let sha1 = RequestOptions {
            digest: DigestAlgorithm::Sha1,
            ..Default::default()
        };
        assert!(TimestampRequest::new(&[0; 20], &sha1).is_err());
    }

    #[test]
    fn rejection_is_named() {
        // status rejection, statusString "no", failInfo badAlg
        let der = [
            0x30, 0x0f, 0x30, 0x0d, 0x02, 0x01, 0x02, 0x30, 0x04, 0x0c, 0x02, b'n', b'o', 0x03,
            0x02, 0x07, 0x80,
        ];
        let err = TimestampResponse::parse(&der)
            .unwrap()
            .into_token()
            .unwrap_err();
        assert_eq!(
            err,
            TspError::Rejected {
                status: PkiStatus::Rejection,
                fail_info: vec![FailureInfo::BadAlg],
                text: vec!["no".into()],
            }
        );
        assert!(err.to_string().contains("badAlg"), "{err}");
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 5u32;
        for _ in 0..20000 {
            let mut buf = vec![0x30];
            for _ in 0..(seed % 40) {
                seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
                buf.push((seed >> 16) as u8);
            }
            let _ = TimestampResponse::parse(&buf);
            let _ = TstInfo::parse(&buf);
            seed = seed.wrapping_add(1);
        }
    }
}
