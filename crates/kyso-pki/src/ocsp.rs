//! OCSP (RFC 6960): requests, responses, CertID matching, responder identification and
//! signature checks, freshness. Pure data: sending the request is the caller's business.
//!
//! The usual flow: [`OcspRequest::new`] for a (certificate, issuer) pair, send
//! [`OcspRequest::der`] to the responder, [`OcspResponse::parse`] the answer, then
//! [`OcspResponse::verify`] it for the same pair. The verified result names the responder
//! certificate and carries the certificates of the response, so that the caller can validate the
//! responder's own path; [`OcspResponse::der`] keeps the response as received, for embedding
//! (a PDF DSS `/OCSPs` entry, a CAdES revocation value).

use crate::algorithm::{AlgorithmId, DigestAlgorithm};
use crate::cert::Certificate;
use crate::der::{self, Reader, Tlv, tag};
use crate::error::Error;
use crate::name::Name;
use crate::time::{self, UnixTime};

/// Object identifiers of OCSP.
pub mod oids {
    /// id-pkix-ocsp-basic: the only response type in use.
    pub const BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
    /// id-pkix-ocsp-nonce (request and response extension).
    pub const NONCE: &str = "1.3.6.1.5.5.7.48.1.2";
    /// id-pkix-ocsp-nocheck: a delegated responder certificate is not checked for revocation.
    pub const NOCHECK: &str = "1.3.6.1.5.5.7.48.1.5";
    /// id-kp-OCSPSigning: the extended key usage of a delegated responder.
    pub const KP_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
}

/// The nonce length kyso sends (RFC 8954 recommends 32 octets and allows 1 to 32).
pub const NONCE_LEN: usize = 32;

/// What can go wrong with OCSP data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcspError {
    /// DER, time or algorithm trouble underneath.
    #[error(transparent)]
    Pki(#[from] Error),
    /// The structure is not what RFC 6960 describes.
    #[error("malformed OCSP data: {0}")]
    Malformed(&'static str),
    /// The responder did not answer with a status (responseStatus other than successful).
    #[error("the OCSP responder answered '{0}' instead of a certificate status")]
    Unsuccessful(ResponseStatus),
    /// responseType other than id-pkix-ocsp-basic.
    #[error("unsupported OCSP response type {0}")]
    UnsupportedResponseType(String),
    /// A CertID hash algorithm kyso cannot compute.
    #[error("unsupported CertID hash algorithm {0}")]
    UnsupportedHash(String),
    /// A nonce outside 1..=32 octets.
    #[error("an OCSP nonce must be 1 to 32 octets long, not {0}")]
    NonceLength(usize),
    /// No SingleResponse is about the certificate asked for.
    #[error("the OCSP response holds no status for this certificate")]
    NoMatchingResponse,
    /// No certificate (issuer, response certificates, supplied ones) matches the ResponderID.
    #[error("no certificate matches the OCSP responder ID")]
    ResponderNotFound,
    /// The responder is neither the issuing CA nor a responder that CA delegated to.
    #[error("the OCSP responder is not authorised by the certificate's issuer: {0}")]
    UnauthorizedResponder(&'static str),
    /// The response signature does not verify with the responder's key.
    #[error("the OCSP response signature does not verify")]
    BadSignature,
    /// A nonce was sent but the response has none.
    #[error("the OCSP response carries no nonce, but the request had one")]
    NonceMissing,
    /// The response nonce is not the one sent.
    #[error("the OCSP response nonce differs from the request's")]
    NonceMismatch,
    /// A critical extension kyso does not process.
    #[error("unhandled critical OCSP extension {0}")]
    UnhandledCriticalExtension(String),
    /// thisUpdate is later than the time of interest.
    #[error("the OCSP status is not yet valid: thisUpdate {} is after {}", time::to_rfc3339(*this_update), time::to_rfc3339(*at))]
    NotYetValid {
        /// thisUpdate of the response.
        this_update: UnixTime,
        /// The time checked.
        at: UnixTime,
    },
    /// nextUpdate has passed.
    #[error("the OCSP status has expired: nextUpdate {} is before {}", time::to_rfc3339(*next_update), time::to_rfc3339(*at))]
    Expired {
        /// nextUpdate of the response.
        next_update: UnixTime,
        /// The time checked.
        at: UnixTime,
    },
    /// Without nextUpdate, the status is older than the caller accepts.
    #[error("the OCSP status (thisUpdate {}, no nextUpdate) is older than {max_age} s at {}", time::to_rfc3339(*this_update), time::to_rfc3339(*at))]
    TooOld {
        /// thisUpdate of the response.
        this_update: UnixTime,
        /// The time checked.
        at: UnixTime,
        /// The accepted age in seconds.
        max_age: i64,
    },
    /// producedAt is later than the time of interest.
    #[error("the OCSP response was produced at {}, after {}", time::to_rfc3339(*produced_at), time::to_rfc3339(*at))]
    ProducedLater {
        /// producedAt of the response.
        produced_at: UnixTime,
        /// The time checked.
        at: UnixTime,
    },
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

/// `len` bytes from the system's secure random number generator (ring's `SystemRandom`);
/// used for OCSP and time-stamp nonces.
pub fn random_bytes(len: usize) -> Result<Vec<u8>, OcspError> {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut buf = vec![0u8; len];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| OcspError::Random)?;
    Ok(buf)
}

/// The contents of a certificate's subjectPublicKey BIT STRING (without the unused-bits octet):
/// what issuerKeyHash and the byKey ResponderID hash.
fn public_key_bits(cert: &Certificate) -> Result<&[u8], OcspError> {
    let tbs = der::parse_one(cert.tbs())?;
    let mut r = tbs.reader();
    r.read_optional(tag::ctx(0))?;
    r.read_tag(tag::INTEGER, "serialNumber")?;
    r.read_tag(tag::SEQUENCE, "signature")?;
    r.read_tag(tag::SEQUENCE, "issuer")?;
    r.read_tag(tag::SEQUENCE, "validity")?;
    r.read_tag(tag::SEQUENCE, "subject")?;
    let spki = r.read_tag(tag::SEQUENCE, "subjectPublicKeyInfo")?;
    let mut s = spki.reader();
    s.read_tag(tag::SEQUENCE, "algorithm")?;
    let bits = s.read_tag(tag::BIT_STRING, "subjectPublicKey")?;
    bits.value
        .get(1..)
        .ok_or(OcspError::Malformed("empty subjectPublicKey"))
}

/// Whether two certificates hold the same public key.
fn same_key(a: &Certificate, b: &Certificate) -> bool {
    matches!((public_key_bits(a), public_key_bits(b)), (Ok(x), Ok(y)) if x == y)
}

fn trim_zeros(b: &[u8]) -> &[u8] {
    let skip = b.iter().take_while(|x| **x == 0).count();
    b.get(skip..).unwrap_or(&[])
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

// ------------------------------------------------------------------------------------ CertID

/// CertID: which certificate a request or a response is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertId {
    /// The hash algorithm of the two hashes (kept as encoded; it may be one kyso cannot compute).
    pub hash_algorithm: AlgorithmId,
    /// Hash of the DER of the issuer's name.
    pub issuer_name_hash: Vec<u8>,
    /// Hash of the issuer's subjectPublicKey bits.
    pub issuer_key_hash: Vec<u8>,
    /// The certificate's serial number: the INTEGER content octets.
    pub serial: Vec<u8>,
}

impl CertId {
    /// The CertID of `cert`, issued by `issuer`, with `digest` (SHA-1 is what every responder
    /// understands; SHA-256 is accepted by current ones).
    pub fn new(
        cert: &Certificate,
        issuer: &Certificate,
        digest: DigestAlgorithm,
    ) -> Result<CertId, OcspError> {
        Ok(CertId {
            // NULL parameters, as OpenSSL and most responders write them (some compare CertIDs
            // byte for byte).
            hash_algorithm: AlgorithmId {
                oid: digest.oid().to_string(),
                params: der::null(),
            },
            issuer_name_hash: digest.digest(cert.issuer.raw()),
            issuer_key_hash: digest.digest(public_key_bits(issuer)?),
            serial: cert.serial.clone(),
        })
    }

    /// The hash algorithm, if kyso supports it.
    pub fn digest(&self) -> Option<DigestAlgorithm> {
        DigestAlgorithm::from_oid(&self.hash_algorithm.oid)
    }

    /// The serial number as upper-case hex without leading zero bytes (as `openssl ocsp` prints it).
    pub fn serial_hex(&self) -> String {
        let s = hex(trim_zeros(&self.serial));
        if s.is_empty() { "00".into() } else { s }
    }

    /// The DER encoding.
    pub fn to_der(&self) -> Vec<u8> {
        let alg = der::seq(&[
            &der::oid(&self.hash_algorithm.oid),
            &self.hash_algorithm.params,
        ]);
        der::seq(&[
            &alg,
            &der::octet_string(&self.issuer_name_hash),
            &der::octet_string(&self.issuer_key_hash),
            &der::tlv(tag::INTEGER, &self.serial),
        ])
    }

    fn read(r: &mut Reader<'_>) -> Result<CertId, OcspError> {
        let seq = r.read_tag(tag::SEQUENCE, "CertID")?;
        let mut c = seq.reader();
        let hash_algorithm = AlgorithmId::read(&mut c)?;
        let issuer_name_hash = c
            .read_tag(tag::OCTET_STRING, "issuerNameHash")?
            .value
            .to_vec();
        let issuer_key_hash = c
            .read_tag(tag::OCTET_STRING, "issuerKeyHash")?
            .value
            .to_vec();
        let serial = c
            .read_tag(tag::INTEGER, "CertID serialNumber")?
            .value
            .to_vec();
        Ok(CertId {
            hash_algorithm,
            issuer_name_hash,
            issuer_key_hash,
            serial,
        })
    }

    /// Whether this CertID names `cert` issued by `issuer`, whatever its hash algorithm (an
    /// algorithm kyso cannot compute never matches). The name hash may be over the
    /// certificate's issuer field or the issuer's subject field (equal in a well-formed chain).
    pub fn matches(&self, cert: &Certificate, issuer: &Certificate) -> bool {
        let Some(digest) = self.digest() else {
            return false;
        };
        if trim_zeros(&self.serial) != trim_zeros(&cert.serial) {
            return false;
        }
        let Ok(key) = public_key_bits(issuer) else {
            return false;
        };
        if digest.digest(key) != self.issuer_key_hash {
            return false;
        }
        digest.digest(cert.issuer.raw()) == self.issuer_name_hash
            || digest.digest(issuer.subject.raw()) == self.issuer_name_hash
    }
}

// ----------------------------------------------------------------------------------- request

/// How to build a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestOptions {
    /// The CertID hash algorithm (default SHA-1, the interoperable choice).
    pub digest: DigestAlgorithm,
    /// Send a random nonce of [`NONCE_LEN`] octets (default true).
    pub nonce: bool,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            digest: DigestAlgorithm::Sha1,
            nonce: true,
        }
    }
}

/// An unsigned OCSPRequest for one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspRequest {
    der: Vec<u8>,
    /// The certificate asked about.
    pub cert_id: CertId,
    /// The nonce sent, to be passed to [`VerifyOptions::nonce`].
    pub nonce: Option<Vec<u8>>,
}

impl OcspRequest {
    /// A request for `cert` issued by `issuer`, with a fresh random nonce when `opts.nonce`.
    pub fn new(
        cert: &Certificate,
        issuer: &Certificate,
        opts: &RequestOptions,
    ) -> Result<OcspRequest, OcspError> {
        let nonce = if opts.nonce {
            Some(random_bytes(NONCE_LEN)?)
        } else {
            None
        };
        Self::with_nonce(cert, issuer, opts.digest, nonce)
    }

    /// A request with a nonce chosen by the caller (1 to 32 octets), or none.
    pub fn with_nonce(
        cert: &Certificate,
        issuer: &Certificate,
        digest: DigestAlgorithm,
        nonce: Option<Vec<u8>>,
    ) -> Result<OcspRequest, OcspError> {
        let cert_id = CertId::new(cert, issuer, digest)?;
        let request = der::seq(&[&cert_id.to_der()]);
        let request_list = der::seq(&[&request]);
        let tbs = match &nonce {
            Some(n) => {
                if n.is_empty() || n.len() > 32 {
                    return Err(OcspError::NonceLength(n.len()));
                }
                // extnValue holds the DER of `Nonce ::= OCTET STRING` (RFC 8954).
                let ext = der::seq(&[
                    &der::oid(oids::NONCE),
                    &der::octet_string(&der::octet_string(n)),
                ]);
                let exts = der::tlv(tag::ctx(2), &der::seq(&[&ext]));
                der::seq(&[&request_list, &exts])
            }
            None => der::seq(&[&request_list]),
        };
        Ok(OcspRequest {
            der: der::seq(&[&tbs]),
            cert_id,
            nonce,
        })
    }

    /// The DER to send (HTTP POST body with `Content-Type: application/ocsp-request`).
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

// ---------------------------------------------------------------------------------- response

/// OCSPResponseStatus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStatus {
    /// 0: the response holds a status.
    Successful,
    /// 1: illegal confirmation request.
    MalformedRequest,
    /// 2: internal error in the issuer.
    InternalError,
    /// 3: try again later.
    TryLater,
    /// 5: the request must be signed.
    SigRequired,
    /// 6: the request is unauthorised (the responder does not serve this CA).
    Unauthorized,
    /// Any other value.
    Other(u8),
}

impl ResponseStatus {
    /// From the ENUMERATED value.
    pub fn from_code(code: u8) -> ResponseStatus {
        match code {
            0 => ResponseStatus::Successful,
            1 => ResponseStatus::MalformedRequest,
            2 => ResponseStatus::InternalError,
            3 => ResponseStatus::TryLater,
            5 => ResponseStatus::SigRequired,
            6 => ResponseStatus::Unauthorized,
            other => ResponseStatus::Other(other),
        }
    }

    /// The ENUMERATED value.
    pub fn code(self) -> u8 {
        match self {
            ResponseStatus::Successful => 0,
            ResponseStatus::MalformedRequest => 1,
            ResponseStatus::InternalError => 2,
            ResponseStatus::TryLater => 3,
            ResponseStatus::SigRequired => 5,
            ResponseStatus::Unauthorized => 6,
            ResponseStatus::Other(c) => c,
        }
    }
}

impl std::fmt::Display for ResponseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResponseStatus::Successful => f.write_str("successful"),
            ResponseStatus::MalformedRequest => f.write_str("malformedRequest"),
            ResponseStatus::InternalError => f.write_str("internalError"),
            ResponseStatus::TryLater => f.write_str("tryLater"),
            ResponseStatus::SigRequired => f.write_str("sigRequired"),
            ResponseStatus::Unauthorized => f.write_str("unauthorized"),
            ResponseStatus::Other(c) => write!(f, "status {c}"),
        }
    }
}

/// The CRLReason of a revoked certificate: the same type CRLs and path validation use.
pub use crate::revocation_status::RevocationReason;

/// CertStatus of one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    /// Not revoked (at thisUpdate).
    Good,
    /// Revoked.
    Revoked {
        /// revocationTime.
        time: UnixTime,
        /// revocationReason, when given.
        reason: Option<RevocationReason>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// An extension of a response or of a SingleResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspExtension {
    /// Dotted OID.
    pub oid: String,
    /// The critical flag.
    pub critical: bool,
    /// The extnValue contents.
    pub value: Vec<u8>,
}

fn read_extensions(t: &Tlv<'_>) -> Result<Vec<OcspExtension>, OcspError> {
    let seq = t.reader().read_tag(tag::SEQUENCE, "Extensions")?;
    Ok(der::read_extensions(seq)?
        .into_iter()
        .map(|(oid, critical, value)| OcspExtension {
            oid,
            critical,
            value: value.to_vec(),
        })
        .collect())
}

fn check_critical(exts: &[OcspExtension]) -> Result<(), OcspError> {
    match exts.iter().find(|e| e.critical && e.oid != oids::NONCE) {
        Some(e) => Err(OcspError::UnhandledCriticalExtension(e.oid.clone())),
        None => Ok(()),
    }
}

fn read_generalized_time(r: &mut Reader<'_>, what: &'static str) -> Result<UnixTime, OcspError> {
    let t = r.read_tag(tag::GENERALIZED_TIME, what)?;
    Ok(time::parse_generalized_time(t.value)?)
}

/// ResponderID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponderId {
    /// byName: the responder certificate's subject.
    ByName(Name),
    /// byKey: SHA-1 of the responder's subjectPublicKey bits.
    ByKey(Vec<u8>),
}

impl ResponderId {
    /// Whether `cert` is the certificate this ID names.
    pub fn matches(&self, cert: &Certificate) -> bool {
        match self {
            ResponderId::ByName(name) => cert.subject.matches(name),
            ResponderId::ByKey(hash) => {
                public_key_bits(cert).is_ok_and(|bits| DigestAlgorithm::Sha1.digest(bits) == *hash)
            }
        }
    }
}

/// One SingleResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleResponse {
    /// The certificate this status is about.
    pub cert_id: CertId,
    /// Its status.
    pub status: CertStatus,
    /// thisUpdate: when the status was known to be correct.
    pub this_update: UnixTime,
    /// nextUpdate: when newer information will be available, if announced.
    pub next_update: Option<UnixTime>,
    /// singleExtensions.
    pub extensions: Vec<OcspExtension>,
}

impl SingleResponse {
    fn read(t: Tlv<'_>) -> Result<SingleResponse, OcspError> {
        let mut r = t.reader();
        let cert_id = CertId::read(&mut r)?;
        let st = r.read()?;
        let status = match st.tag {
            t if t == tag::ctx_prim(0) => CertStatus::Good,
            t if t == tag::ctx(1) => {
                let mut ri = st.reader();
                let time = read_generalized_time(&mut ri, "revocationTime")?;
                let reason = match ri.read_optional(tag::ctx(0))? {
                    Some(e) => {
                        let v = e.reader().read_tag(0x0a, "CRLReason")?;
                        match v.value {
                            [code] => Some(RevocationReason::from_code(*code)),
                            _ => return Err(OcspError::Malformed("CRLReason out of range")),
                        }
                    }
                    None => None,
                };
                CertStatus::Revoked { time, reason }
            }
            t if t == tag::ctx_prim(2) => CertStatus::Unknown,
            _ => return Err(OcspError::Malformed("unknown CertStatus")),
        };
        let this_update = read_generalized_time(&mut r, "thisUpdate")?;
        let next_update = match r.read_optional(tag::ctx(0))? {
            Some(n) => Some(read_generalized_time(&mut n.reader(), "nextUpdate")?),
            None => None,
        };
        let extensions = match r.read_optional(tag::ctx(1))? {
            Some(e) => read_extensions(&e)?,
            None => Vec::new(),
        };
        Ok(SingleResponse {
            cert_id,
            status,
            this_update,
            next_update,
            extensions,
        })
    }

    /// Checks that the status is current at `at`: thisUpdate ≤ at + `clock_skew`, and at −
    /// `clock_skew` ≤ nextUpdate; without nextUpdate, `max_age` (seconds after thisUpdate), when
    /// given, bounds the age instead (RFC 5019 §4).
    pub fn check_validity_at(
        &self,
        at: UnixTime,
        clock_skew: i64,
        max_age: Option<i64>,
    ) -> Result<(), OcspError> {
        if self.this_update > at.saturating_add(clock_skew) {
            return Err(OcspError::NotYetValid {
                this_update: self.this_update,
                at,
            });
        }
        match (self.next_update, max_age) {
            (Some(next_update), _) if next_update < at.saturating_sub(clock_skew) => {
                Err(OcspError::Expired { next_update, at })
            }
            (None, Some(max_age))
                if at.saturating_sub(self.this_update) > max_age.saturating_add(clock_skew) =>
            {
                Err(OcspError::TooOld {
                    this_update: self.this_update,
                    at,
                    max_age,
                })
            }
            _ => Ok(()),
        }
    }

    /// Whether the status was established at or after `t` (allowing `clock_skew`): a "good"
    /// issued after a signature's time shows the certificate was not revoked then.
    pub fn issued_after(&self, t: UnixTime, clock_skew: i64) -> bool {
        self.this_update.saturating_add(clock_skew) >= t
    }
}

/// A BasicOCSPResponse.
#[derive(Debug, Clone)]
pub struct BasicOcspResponse {
    tbs: Vec<u8>,
    /// ResponseData version (0 for v1).
    pub version: u8,
    /// Who signed.
    pub responder_id: ResponderId,
    /// When the response was signed.
    pub produced_at: UnixTime,
    /// One status per certificate asked about.
    pub responses: Vec<SingleResponse>,
    /// responseExtensions (the nonce among them).
    pub extensions: Vec<OcspExtension>,
    /// The signature algorithm.
    pub signature_algorithm: AlgorithmId,
    /// The signature value (BIT STRING contents without the unused-bits octet).
    pub signature: Vec<u8>,
    /// The certificates carried by the response (usually the delegated responder's).
    pub certificates: Vec<Certificate>,
    /// Carried certificates that could not be parsed.
    pub unparsable_certificates: usize,
}

impl BasicOcspResponse {
    fn parse(data: &[u8]) -> Result<BasicOcspResponse, OcspError> {
        let outer = der::parse_one(data)?.expect_tag(tag::SEQUENCE, "BasicOCSPResponse")?;
        let mut r = outer.reader();
        let tbs = r.read_tag(tag::SEQUENCE, "tbsResponseData")?;
        let signature_algorithm = AlgorithmId::read(&mut r)?;
        let sig = r.read_tag(tag::BIT_STRING, "signature")?;
        let signature = sig
            .value
            .get(1..)
            .ok_or(OcspError::Malformed("empty signature"))?
            .to_vec();
        let mut certificates = Vec::new();
        let mut unparsable_certificates = 0;
        if let Some(certs) = r.read_optional(tag::ctx(0))? {
            let seq = certs.reader().read_tag(tag::SEQUENCE, "certs")?;
            let mut c = seq.reader();
            while !c.is_empty() {
                match Certificate::from_der(c.read()?.raw) {
                    Ok(cert) => certificates.push(cert),
                    Err(_) => unparsable_certificates += 1,
                }
            }
        }

        let mut t = tbs.reader();
        let version = match t.read_optional(tag::ctx(0))? {
            Some(v) => {
                let i = v.reader().read_tag(tag::INTEGER, "ResponseData version")?;
                match i.value {
                    [v] => *v,
                    _ => return Err(OcspError::Malformed("ResponseData version")),
                }
            }
            None => 0,
        };
        let rid = t.read()?;
        let responder_id = match rid.tag {
            x if x == tag::ctx(1) => {
                let name = rid.reader().read_tag(tag::SEQUENCE, "ResponderID byName")?;
                ResponderId::ByName(Name::from_der(name.raw)?)
            }
            x if x == tag::ctx(2) => {
                let key = rid
                    .reader()
                    .read_tag(tag::OCTET_STRING, "ResponderID byKey")?;
                ResponderId::ByKey(key.value.to_vec())
            }
            _ => return Err(OcspError::Malformed("unknown ResponderID")),
        };
        let produced_at = read_generalized_time(&mut t, "producedAt")?;
        let list = t.read_tag(tag::SEQUENCE, "responses")?;
        let mut l = list.reader();
        let mut responses = Vec::new();
        while !l.is_empty() {
            responses.push(SingleResponse::read(
                l.read_tag(tag::SEQUENCE, "SingleResponse")?,
            )?);
        }
        let extensions = match t.read_optional(tag::ctx(1))? {
            Some(e) => read_extensions(&e)?,
            None => Vec::new(),
        };
        Ok(BasicOcspResponse {
            tbs: tbs.raw.to_vec(),
            version,
            responder_id,
            produced_at,
            responses,
            extensions,
            signature_algorithm,
            signature,
            certificates,
            unparsable_certificates,
        })
    }

    /// The signed part (tbsResponseData) as encoded.
    pub fn tbs_response_data(&self) -> &[u8] {
        &self.tbs
    }

    /// The response extension with this OID.
    pub fn extension(&self, oid: &str) -> Option<&OcspExtension> {
        self.extensions.iter().find(|e| e.oid == oid)
    }

    /// The nonce: the contents of the `Nonce ::= OCTET STRING` in the extension (or, from
    /// responders that skip that wrapping, the raw extension value).
    pub fn nonce(&self) -> Option<&[u8]> {
        let value = &self.extension(oids::NONCE)?.value;
        match der::parse_one(value) {
            Ok(t) if t.tag == tag::OCTET_STRING => Some(t.value),
            _ => Some(value),
        }
    }

    /// Checks that the response echoes `expected`.
    pub fn check_nonce(&self, expected: &[u8]) -> Result<(), OcspError> {
        let value = &self
            .extension(oids::NONCE)
            .ok_or(OcspError::NonceMissing)?
            .value;
        let wrapped = der::parse_one(value)
            .ok()
            .filter(|t| t.tag == tag::OCTET_STRING)
            .is_some_and(|t| t.value == expected);
        if wrapped || value.as_slice() == expected {
            Ok(())
        } else {
            Err(OcspError::NonceMismatch)
        }
    }

    /// The SingleResponse about `cert` issued by `issuer` (CertID with any hash algorithm).
    pub fn find(&self, cert: &Certificate, issuer: &Certificate) -> Option<&SingleResponse> {
        self.responses
            .iter()
            .find(|s| s.cert_id.matches(cert, issuer))
    }

    /// Verifies the signature over tbsResponseData with `signer`'s key.
    pub fn verify_signature(&self, signer: &Certificate) -> Result<(), OcspError> {
        let scheme = self.signature_algorithm.signature_scheme(None)?;
        let value = self.signature_algorithm.signature_value(&self.signature)?;
        match crate::algorithm::verify(scheme, &signer.public_key, &self.tbs, &value) {
            Ok(()) => Ok(()),
            Err(Error::BadSignature) => Err(OcspError::BadSignature),
            Err(e) => Err(e.into()),
        }
    }

    /// Finds the responder certificate among `issuer`, the response's certificates and
    /// `extra`, checks the signature with it, and checks that it may answer for `issuer`'s
    /// certificates: it is the issuer itself (same name and key), or a delegated responder
    /// issued (and signed) by the issuer with the id-kp-OCSPSigning extended key usage.
    /// Validity periods and the responder's own path are left to the caller.
    pub fn identify_responder(
        &self,
        issuer: &Certificate,
        extra: &[Certificate],
    ) -> Result<Responder, OcspError> {
        let mut outcome = Err(OcspError::ResponderNotFound);
        let candidates = std::iter::once(issuer)
            .chain(self.certificates.iter())
            .chain(extra.iter())
            .filter(|c| self.responder_id.matches(c));
        for candidate in candidates {
            if let Err(e) = self.verify_signature(candidate) {
                if matches!(outcome, Err(OcspError::ResponderNotFound)) {
                    outcome = Err(e);
                }
                continue;
            }
            match authorise(candidate, issuer) {
                Ok(kind) => {
                    return Ok(Responder {
                        certificate: candidate.clone(),
                        kind,
                    });
                }
                Err(e) => outcome = Err(e),
            }
        }
        outcome
    }
}

/// Whether `responder` may sign statuses about certificates issued by `issuer`.
fn authorise(responder: &Certificate, issuer: &Certificate) -> Result<ResponderKind, OcspError> {
    if responder.subject.matches(&issuer.subject) && same_key(responder, issuer) {
        return Ok(ResponderKind::Issuer);
    }
    if !responder.issuer.matches(&issuer.subject) {
        return Err(OcspError::UnauthorizedResponder(
            "the responder certificate was not issued by the certificate's issuer",
        ));
    }
    if responder.verify_signed_by(issuer).is_err() {
        return Err(OcspError::UnauthorizedResponder(
            "the responder certificate is not signed by the certificate's issuer",
        ));
    }
    if !responder
        .extended_key_usage
        .iter()
        .any(|k| k == oids::KP_OCSP_SIGNING)
    {
        return Err(OcspError::UnauthorizedResponder(
            "the responder certificate lacks the id-kp-OCSPSigning extended key usage",
        ));
    }
    Ok(ResponderKind::Delegated {
        no_check: responder.extension(oids::NOCHECK).is_some(),
    })
}

/// How a responder is entitled to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponderKind {
    /// The CA that issued the certificate signed the response itself.
    Issuer,
    /// A responder the CA delegated to (issued by it, EKU id-kp-OCSPSigning).
    Delegated {
        /// The certificate has id-pkix-ocsp-nocheck: its own revocation need not be checked.
        no_check: bool,
    },
}

/// The certificate that signed a response, and its authority.
#[derive(Debug, Clone)]
pub struct Responder {
    /// The responder certificate (for a delegated responder, validate its path to the CA).
    pub certificate: Certificate,
    /// How it is entitled to answer.
    pub kind: ResponderKind,
}

/// An OCSPResponse as received.
#[derive(Debug, Clone)]
pub struct OcspResponse {
    der: Vec<u8>,
    /// responseStatus.
    pub status: ResponseStatus,
    /// The basic response, present when the status is successful.
    pub basic: Option<BasicOcspResponse>,
}

/// What [`OcspResponse::verify`] checks besides the signature and the responder.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions<'a> {
    /// The nonce sent (see [`OcspRequest::nonce`]); the response must echo it.
    pub nonce: Option<&'a [u8]>,
    /// When set: the status must be current at this time ([`SingleResponse::check_validity_at`])
    /// and producedAt not after it.
    pub at: Option<UnixTime>,
    /// Seconds of clock difference tolerated in the time checks.
    pub clock_skew: i64,
    /// For statuses without nextUpdate: the oldest accepted, in seconds after thisUpdate.
    pub max_age: Option<i64>,
    /// More certificates in which to look for the responder.
    pub extra_certificates: &'a [Certificate],
}

/// A response verified for one certificate.
#[derive(Debug, Clone)]
pub struct VerifiedOcsp {
    /// The certificate's status.
    pub status: CertStatus,
    /// thisUpdate.
    pub this_update: UnixTime,
    /// nextUpdate.
    pub next_update: Option<UnixTime>,
    /// producedAt.
    pub produced_at: UnixTime,
    /// Who signed, and by what right.
    pub responder: Responder,
    /// The certificates the response carried (for building the responder's path).
    pub certificates: Vec<Certificate>,
}

impl OcspResponse {
    /// Parses an OCSPResponse (exactly one DER element).
    pub fn parse(data: &[u8]) -> Result<OcspResponse, OcspError> {
        let outer = der::parse_one(data)?.expect_tag(tag::SEQUENCE, "OCSPResponse")?;
        let mut r = outer.reader();
        let status = match r.read_tag(0x0a, "responseStatus")?.value {
            [code] => ResponseStatus::from_code(*code),
            _ => return Err(OcspError::Malformed("responseStatus out of range")),
        };
        let basic = match r.read_optional(tag::ctx(0))? {
            Some(rb) => {
                let seq = rb.reader().read_tag(tag::SEQUENCE, "ResponseBytes")?;
                let mut b = seq.reader();
                let response_type = der::read_oid(&mut b)?;
                if response_type != oids::BASIC {
                    return Err(OcspError::UnsupportedResponseType(response_type));
                }
                let bytes = b.read_tag(tag::OCTET_STRING, "response")?;
                Some(BasicOcspResponse::parse(bytes.value)?)
            }
            None => None,
        };
        if status == ResponseStatus::Successful && basic.is_none() {
            return Err(OcspError::Malformed(
                "a successful response without responseBytes",
            ));
        }
        Ok(OcspResponse {
            der: data.to_vec(),
            status,
            basic,
        })
    }

    /// The response exactly as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The basic response, or [`OcspError::Unsuccessful`] naming the status.
    pub fn basic(&self) -> Result<&BasicOcspResponse, OcspError> {
        match (&self.basic, self.status) {
            (Some(b), ResponseStatus::Successful) => Ok(b),
            (_, ResponseStatus::Successful) => Err(OcspError::Malformed(
                "a successful response without responseBytes",
            )),
            (_, status) => Err(OcspError::Unsuccessful(status)),
        }
    }

    /// Verifies the response for `cert` issued by `issuer`: a successful status; a
    /// SingleResponse for this certificate; no unhandled critical extension; the signature and
    /// the responder's authority ([`BasicOcspResponse::identify_responder`]); the nonce and the
    /// times when `opts` asks. The responder's path and validity are the caller's to check
    /// (unless it is the issuer), with [`VerifiedOcsp::certificates`] as intermediates.
    pub fn verify(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        opts: &VerifyOptions<'_>,
    ) -> Result<VerifiedOcsp, OcspError> {
        let basic = self.basic()?;
        let single = basic
            .find(cert, issuer)
            .ok_or(OcspError::NoMatchingResponse)?;
        check_critical(&basic.extensions)?;
        check_critical(&single.extensions)?;
        let responder = basic.identify_responder(issuer, opts.extra_certificates)?;
        if let Some(nonce) = opts.nonce {
            basic.check_nonce(nonce)?;
        }
        if let Some(at) = opts.at {
            if basic.produced_at > at.saturating_add(opts.clock_skew) {
                return Err(OcspError::ProducedLater {
                    produced_at: basic.produced_at,
                    at,
                });
            }
            single.check_validity_at(at, opts.clock_skew, opts.max_age)?;
        }
        Ok(VerifiedOcsp {
            status: single.status,
            this_update: single.this_update,
            next_update: single.next_update,
            produced_at: basic.produced_at,
            responder,
            certificates: basic.certificates.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_round_trip() {
        for c in 0..12u8 {
            assert_eq!(ResponseStatus::from_code(c).code(), c);
            assert_eq!(RevocationReason::from_code(c).code(), c);
        }
        assert_eq!(ResponseStatus::Unauthorized.to_string(), "unauthorized");
    }

    #[test]
    fn unsuccessful_responses_parse_and_name_their_status() {
        let r = OcspResponse::parse(&[0x30, 0x03, 0x0a, 0x01, 0x03]).unwrap();
        assert_eq!(r.status, ResponseStatus::TryLater);
        assert_eq!(
            r.basic().unwrap_err(),
            OcspError::Unsuccessful(ResponseStatus::TryLater)
        );
        // successful without responseBytes
        assert!(OcspResponse::parse(&[0x30, 0x03, 0x0a, 0x01, 0x00]).is_err());
    }

    #[test]
    fn validity_window() {
        let s = SingleResponse {
            cert_id: CertId {
                hash_algorithm: AlgorithmId {
                    oid: DigestAlgorithm::Sha1.oid().into(),
                    params: Vec::new(),
                },
                issuer_name_hash: Vec::new(),
                issuer_key_hash: Vec::new(),
                serial: vec![1],
            },
            status: CertStatus::Good,
            this_update: 1000,
            next_update: Some(2000),
            extensions: Vec::new(),
        };
        assert!(s.check_validity_at(1500, 0, None).is_ok());
        assert!(matches!(
            s.check_validity_at(900, 0, None),
            Err(OcspError::NotYetValid { .. })
        ));
        assert!(s.check_validity_at(900, 100, None).is_ok());
        assert!(matches!(
            s.check_validity_at(2001, 0, None),
            Err(OcspError::Expired { .. })
        ));
        let open = SingleResponse {
            next_update: None,
            ..s
        };
        assert!(open.check_validity_at(5000, 0, None).is_ok());
        assert!(matches!(
            open.check_validity_at(5000, 0, Some(3600)),
            Err(OcspError::TooOld { .. })
        ));
        assert!(open.issued_after(1000, 0) && !open.issued_after(1001, 0));
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 11u32;
        for _ in 0..20000 {
            let mut buf = vec![0x30];
            for _ in 0..(seed % 40) {
                seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
                buf.push((seed >> 16) as u8);
            }
            let _ = OcspResponse::parse(&buf);
            seed = seed.wrapping_add(1);
        }
    }
}
