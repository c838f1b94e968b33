//! RFC 3161 time-stamping over HTTP: one [`TsaClient`] per run, shared by every document,
//! with the configured timeout and retries; every failure names the TSA.

use std::time::Duration;

use kyso_cms::tsp::{RequestOptions, TimestampRequest, TspError, VerifiedTimestamp};
use kyso_pki::DigestAlgorithm;

/// Time-stamping settings (`[tsa]` in the configuration, `--tsa` on the command line).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TsaConfig {
    /// The TSA's URL (`http://` only).
    pub url: Option<String>,
    /// Seconds to wait for the TSA to connect and to answer (per attempt).
    pub timeout_seconds: u64,
    /// Retries after a connection failure or a server error (5xx).
    pub retries: u32,
    /// The TSA policy to ask for (reqPolicy, a dotted OID); the token must carry it.
    pub policy: Option<String>,
}

impl Default for TsaConfig {
    fn default() -> Self {
        TsaConfig {
            url: None,
            timeout_seconds: 10,
            retries: 2,
            policy: None,
        }
    }
}

/// Why a time-stamp could not be had. Every variant names the TSA's URL. Each message
/// includes its cause (the `error` field), which is not returned again as
/// [`std::error::Error::source`].
#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    /// No URL in the flags or the configuration.
    #[error(
        "no time-stamping authority configured: give --tsa URL or set url in the [tsa] table of the configuration"
    )]
    NotConfigured,
    /// The request could not be sent or answered (timeout, refused connection, HTTP error).
    #[error("time-stamping authority {url}: {error}")]
    Network {
        /// The TSA.
        url: String,
        /// What kyso-net saw.
        error: Box<kyso_net::Error>,
    },
    /// The TSA answered with a refusal (PKIStatus rejection, waiting, revocation...).
    #[error("time-stamping authority {url}: {error}")]
    Refused {
        /// The TSA.
        url: String,
        /// The refusal, with its failInfo and text.
        error: Box<TspError>,
    },
    /// The answer is not a valid time-stamp for the request (bad signature, other imprint,
    /// nonce or policy, not a TSA certificate, garbage).
    #[error("time-stamping authority {url} sent an unusable answer: {error}")]
    BadAnswer {
        /// The TSA.
        url: String,
        /// What is wrong with it.
        error: Box<TspError>,
    },
    /// The request itself could not be made.
    #[error("cannot make a time-stamp request for {url}: {error}")]
    Request {
        /// The TSA.
        url: String,
        /// Why.
        error: Box<TspError>,
    },
}

impl TsaError {
    /// True when the TSA did not answer in time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, TsaError::Network { error, .. } if error.is_timeout())
    }
}

/// A client for one TSA. Cheap to share between threads (it holds no connection).
#[derive(Debug, Clone)]
pub struct TsaClient {
    url: String,
    policy: Option<String>,
    http: kyso_net::Client,
}

impl TsaClient {
    /// A client for the configured TSA; [`TsaError::NotConfigured`] without a URL.
    pub fn new(config: &TsaConfig) -> Result<TsaClient, TsaError> {
        let url = config
            .url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .ok_or(TsaError::NotConfigured)?;
        let timeout = Duration::from_secs(config.timeout_seconds.max(1));
        let options = kyso_net::Options {
            connect_timeout: timeout,
            io_timeout: timeout,
            // Every attempt may take the whole timeout, plus the backoff pauses.
            total_timeout: timeout * (config.retries.saturating_add(1)) + Duration::from_secs(5),
            retries: config.retries,
            max_body: 1 << 20,
            ..kyso_net::Options::default()
        };
        Ok(TsaClient {
            url,
            policy: config.policy.clone(),
            http: kyso_net::Client::new(options),
        })
    }

    /// The TSA's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Time-stamps a digest (SHA-256, SHA-384 or SHA-512): sends a request with a fresh nonce and certReq, and checks the
    /// answer (granted, signed by a certificate fit for time-stamping, over this digest, with
    /// this nonce and the configured policy).
    pub fn timestamp_digest(
        &self,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<VerifiedTimestamp, TsaError> {
        let opts = RequestOptions {
            digest: algorithm,
            policy: self.policy.clone(),
            nonce: true,
            cert_req: true,
        };
        let request = TimestampRequest::new(digest, &opts).map_err(|source| TsaError::Request {
            url: self.url.clone(),
            error: Box::new(source),
        })?;
        let answer = self
            .http
            .post(&self.url, "application/timestamp-query", request.der())
            .map_err(|source| TsaError::Network {
                url: self.url.clone(),
                error: Box::new(source),
            })?;
        let verified =
            request
                .verify_response(&answer.body, None)
                .map_err(|source| match source {
                    TspError::Rejected { .. } | TspError::NoToken => TsaError::Refused {
                        url: self.url.clone(),
                        error: Box::new(source),
                    },
                    other => TsaError::BadAnswer {
                        url: self.url.clone(),
                        error: Box::new(other),
                    },
                })?;
        kyso_cms::tsp::check_tsa_certificate(&verified.tsa_certificate).map_err(|source| {
            TsaError::BadAnswer {
                url: self.url.clone(),
                error: Box::new(source),
            }
        })?;
        Ok(verified)
    }

    /// Time-stamps data (hashed with `algorithm`; SHA-1 is replaced by SHA-256).
    pub fn timestamp_data(
        &self,
        algorithm: DigestAlgorithm,
        data: &[u8],
    ) -> Result<VerifiedTimestamp, TsaError> {
        let algorithm = match algorithm {
            DigestAlgorithm::Sha1 => DigestAlgorithm::Sha256,
            other => other,
        };
        self.timestamp_digest(algorithm, &algorithm.digest(data))
    }
}
