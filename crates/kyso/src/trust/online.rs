//! Fetching validation data over the network (`--online`): CRLs from distribution points,
//! OCSP responses from the responders named in authorityInfoAccess, and missing issuers from
//! caIssuers, through `kyso-net` with the configured timeouts.
//!
//! Everything fetched goes through one process-wide cache, shared by every document and
//! thread: a batch of millions of documents signed under the same CA downloads its CRL once
//! (until the CRL's nextUpdate, at most [`MAX_TTL`]). Concurrent requests for the same object
//! wait for one download. Failures are remembered for [`ERROR_TTL`], so a responder that is
//! down costs one timeout, not one per document. The cache is bounded (oldest entries go
//! first).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use kyso_pki::der::{self, Reader, tag};
use kyso_pki::general_name::GeneralName;
use kyso_pki::ocsp::{OcspRequest, OcspResponse, RequestOptions};
use kyso_pki::time::{self, UnixTime};
use kyso_pki::{Certificate, Crl, CrlChecker};

use crate::trust::NetConfig;

/// The longest a fetched CRL or OCSP response is reused.
pub(crate) const MAX_TTL: Duration = Duration::from_secs(3600);
/// How long a failed fetch is remembered.
pub(crate) const ERROR_TTL: Duration = Duration::from_secs(120);
/// How long an OCSP response without nextUpdate is reused.
const OCSP_DEFAULT_TTL: Duration = Duration::from_secs(300);

/// id-ad-ocsp.
pub(crate) const AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";
/// id-ad-caIssuers.
pub(crate) const AD_CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";
/// authorityInfoAccess.
const AIA: &str = "1.3.6.1.5.5.7.1.1";

/// Why a fetch failed: the URL and what happened there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url}: {reason}")]
pub struct FetchError {
    /// The URL asked.
    pub url: String,
    /// What went wrong (network, HTTP status, unparsable answer).
    pub reason: String,
}

impl FetchError {
    fn new(url: &str, reason: impl std::fmt::Display) -> FetchError {
        FetchError {
            url: url.to_string(),
            reason: reason.to_string(),
        }
    }
}

/// The HTTP URIs of one access method in a certificate's authorityInfoAccess.
fn aia_uris(cert: &Certificate, method: &str) -> Vec<String> {
    let mut out = access_uris(cert, method);
    out.retain(|u| u.starts_with("http://"));
    out
}

/// The URIs (any scheme) of one access method in a certificate's authorityInfoAccess.
pub(crate) fn access_uris(cert: &Certificate, method: &str) -> Vec<String> {
    let Some(ext) = cert.extension(AIA) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let Ok(seq) = der::parse_one(ext.value) else {
        return out;
    };
    let mut r = seq.reader();
    while !r.is_empty() {
        let Ok(ad) = r.read_tag(tag::SEQUENCE, "AccessDescription") else {
            break;
        };
        let mut a: Reader<'_> = ad.reader();
        let Ok(oid) = der::read_oid(&mut a) else {
            continue;
        };
        if oid != method {
            continue;
        }
        if let Ok(t) = a.read()
            && let Ok(GeneralName::Uri(u)) = GeneralName::from_tlv(&t)
        {
            out.push(u);
        }
    }
    out
}

/// The HTTP OCSP responder URLs of a certificate (authorityInfoAccess id-ad-ocsp).
pub(crate) fn ocsp_urls(cert: &Certificate) -> Vec<String> {
    aia_uris(cert, AD_OCSP)
}

/// The HTTP caIssuers URLs of a certificate (authorityInfoAccess id-ad-caIssuers).
pub(crate) fn ca_issuer_urls(cert: &Certificate) -> Vec<String> {
    aia_uris(cert, AD_CA_ISSUERS)
}

/// The HTTP URLs of a certificate's CRL distribution points (full names only).
pub(crate) fn crl_urls(cert: &Certificate) -> Vec<String> {
    let mut out = distribution_point_uris(cert);
    out.retain(|u| u.starts_with("http://"));
    out
}

/// The URIs (any scheme) of a certificate's CRL distribution points (full names only).
pub(crate) fn distribution_point_uris(cert: &Certificate) -> Vec<String> {
    let mut out = Vec::new();
    for dp in cert.crl_distribution_points.iter().flatten() {
        if let Some(kyso_pki::crl::DistributionPointName::Full(names)) = &dp.name {
            for n in names {
                if let GeneralName::Uri(u) = n
                    && !out.contains(u)
                {
                    out.push(u.clone());
                }
            }
        }
    }
    out
}

/// A cached value, or the failure, with when it stops being used.
type Fetched<T> = Result<(T, Instant), (FetchError, Instant)>;

/// One cache entry; [`OnceLock`] makes concurrent askers wait for a single download.
struct Slot<T> {
    cell: OnceLock<Fetched<T>>,
}

impl<T> Slot<T> {
    fn expired(&self, now: Instant) -> bool {
        match self.cell.get() {
            None => false,
            Some(Ok((_, until))) | Some(Err((_, until))) => *until <= now,
        }
    }
}

/// A bounded map of slots; when full, the oldest entries are dropped.
struct Bounded<K, T> {
    map: HashMap<K, Arc<Slot<T>>>,
    order: VecDeque<K>,
    cap: usize,
}

impl<K: Hash + Eq + Clone, T: Clone> Bounded<K, T> {
    fn new(cap: usize) -> Self {
        Bounded {
            map: HashMap::new(),
            order: VecDeque::new(),
            cap,
        }
    }

    fn slot(&mut self, key: &K) -> Arc<Slot<T>> {
        let now = Instant::now();
        if let Some(s) = self.map.get(key)
            && !s.expired(now)
        {
            return s.clone();
        }
        let slot = Arc::new(Slot {
            cell: OnceLock::new(),
        });
        if self.map.insert(key.clone(), slot.clone()).is_none() {
            self.order.push_back(key.clone());
        }
        while self.map.len() > self.cap {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        slot
    }
}

/// Looks `key` up, fetching on a miss or after expiry.
fn cached<K: Hash + Eq + Clone, T: Clone>(
    cache: &Mutex<Bounded<K, T>>,
    key: &K,
    fetch: impl FnOnce() -> Fetched<T>,
) -> Result<T, FetchError> {
    let slot = match cache.lock() {
        Ok(mut c) => c.slot(key),
        Err(poisoned) => poisoned.into_inner().slot(key),
    };
    match slot.cell.get_or_init(fetch) {
        Ok((v, _)) => Ok(v.clone()),
        Err((e, _)) => Err(e.clone()),
    }
}

/// A fetched CRL, ready to answer (the checker remembers its signature checks).
pub(crate) type CachedCrl = Arc<CrlChecker>;

/// A fetched OCSP response.
pub(crate) type CachedOcsp = Arc<OcspResponse>;

/// An OCSP cache key: responder URL, certificate and issuer fingerprints.
type OcspKey = (String, [u8; 32], [u8; 32]);

/// The process-wide cache.
struct Cache {
    crls: Mutex<Bounded<String, CachedCrl>>,
    ocsp: Mutex<Bounded<OcspKey, CachedOcsp>>,
    issuers: Mutex<Bounded<String, Arc<Vec<Certificate>>>>,
}

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Cache {
        crls: Mutex::new(Bounded::new(1024)),
        ocsp: Mutex::new(Bounded::new(65_536)),
        issuers: Mutex::new(Bounded::new(1024)),
    })
}

/// The `Instant` at which something valid until Unix time `until` stops being reused.
fn expiry(until: Option<UnixTime>, default: Duration) -> Instant {
    let ttl = match until {
        Some(u) => {
            let left = u.saturating_sub(time::now());
            if left <= 0 {
                default.min(OCSP_DEFAULT_TTL)
            } else {
                Duration::from_secs(left as u64).min(MAX_TTL)
            }
        }
        None => default,
    };
    Instant::now() + ttl
}

/// Fetches validation data with the configured timeouts, through the shared cache.
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    client: kyso_net::Client,
}

impl Fetcher {
    /// A fetcher with `net`'s timeout (per connection and per read/write; the whole request,
    /// retries included, is bounded by `(retries + 1) × timeout`) and retries.
    pub(crate) fn new(net: &NetConfig) -> Fetcher {
        let t = Duration::from_secs(net.timeout_seconds.max(1));
        let options = kyso_net::Options {
            connect_timeout: t,
            io_timeout: t,
            total_timeout: t.saturating_mul(net.retries.saturating_add(1)),
            retries: net.retries,
            max_body: 64 << 20,
            ..kyso_net::Options::default()
        };
        Fetcher {
            client: kyso_net::Client::new(options),
        }
    }

    /// The CRL at `url` (DER, or PEM as some servers publish it).
    pub(crate) fn crl(&self, url: &str) -> Result<CachedCrl, FetchError> {
        cached(&cache().crls, &url.to_string(), || {
            let now = Instant::now();
            let got = self
                .client
                .get(url)
                .map_err(|e| FetchError::new(url, e))
                .and_then(|r| {
                    let der = pem_or_der(&r.body, "X509 CRL");
                    Crl::from_der(&der).map_err(|e| FetchError::new(url, format!("not a CRL: {e}")))
                });
            match got {
                Ok(crl) => {
                    let until = expiry(crl.next_update, MAX_TTL);
                    Ok((Arc::new(CrlChecker::new(vec![crl])), until))
                }
                Err(e) => Err((e, now + ERROR_TTL)),
            }
        })
    }

    /// An OCSP response about `cert` (issued by `issuer`) from the responder at `url`. The
    /// response is parsed and its nonce checked (when the responder echoes one); its
    /// signature, responder and times are for the caller to verify.
    pub(crate) fn ocsp(
        &self,
        url: &str,
        cert: &Certificate,
        issuer: &Certificate,
    ) -> Result<CachedOcsp, FetchError> {
        let key = (url.to_string(), *cert.fingerprint(), *issuer.fingerprint());
        cached(&cache().ocsp, &key, || {
            let now = Instant::now();
            match self.fetch_ocsp(url, cert, issuer) {
                Ok(resp) => {
                    let next = resp
                        .basic
                        .as_ref()
                        .and_then(|b| b.find(cert, issuer))
                        .and_then(|s| s.next_update);
                    let until = expiry(next, OCSP_DEFAULT_TTL);
                    Ok((Arc::new(resp), until))
                }
                Err(e) => Err((e, now + ERROR_TTL)),
            }
        })
    }

    fn fetch_ocsp(
        &self,
        url: &str,
        cert: &Certificate,
        issuer: &Certificate,
    ) -> Result<OcspResponse, FetchError> {
        let req = OcspRequest::new(cert, issuer, &RequestOptions::default())
            .map_err(|e| FetchError::new(url, e))?;
        let answer = self
            .client
            .post(url, "application/ocsp-request", req.der())
            .map_err(|e| FetchError::new(url, e))?;
        let resp = OcspResponse::parse(&answer.body)
            .map_err(|e| FetchError::new(url, format!("not an OCSP response: {e}")))?;
        let basic = resp.basic().map_err(|e| FetchError::new(url, e))?;
        // Responders that pre-produce answers (RFC 5019) echo no nonce; one that echoes
        // must echo ours.
        if let Some(sent) = &req.nonce
            && basic.nonce().is_some()
        {
            basic
                .check_nonce(sent)
                .map_err(|e| FetchError::new(url, e))?;
        }
        Ok(resp)
    }

    /// The certificates published at a caIssuers `url` (one DER or PEM certificate, or a
    /// PKCS#7 "certs-only" bundle).
    pub(crate) fn ca_issuers(&self, url: &str) -> Result<Arc<Vec<Certificate>>, FetchError> {
        cached(&cache().issuers, &url.to_string(), || {
            let now = Instant::now();
            let got = self
                .client
                .get(url)
                .map_err(|e| FetchError::new(url, e))
                .and_then(|r| certificates_from(&r.body).map_err(|e| FetchError::new(url, e)));
            match got {
                Ok(certs) => Ok((Arc::new(certs), now + MAX_TTL)),
                Err(e) => Err((e, now + ERROR_TTL)),
            }
        })
    }
}

/// DER from a body that may be PEM with the given label.
fn pem_or_der(body: &[u8], label: &str) -> Vec<u8> {
    if !body.starts_with(b"-----BEGIN") {
        return body.to_vec();
    }
    kyso_pki::base64::pem_blocks(body)
        .ok()
        .and_then(|blocks| blocks.into_iter().find(|b| b.label == label))
        .map_or_else(|| body.to_vec(), |b| b.der)
}

/// Certificates from a caIssuers answer: DER or PEM certificates, or a certs-only CMS.
fn certificates_from(body: &[u8]) -> Result<Vec<Certificate>, String> {
    if let Ok(certs) = Certificate::from_pem_or_der(body)
        && !certs.is_empty()
    {
        return Ok(certs);
    }
    match kyso_cms::SignedData::parse(body) {
        Ok(sd) if !sd.certificates.is_empty() => Ok(sd.certificates),
        _ => Err("not a certificate or a PKCS#7 bundle of certificates".into()),
    }
}
