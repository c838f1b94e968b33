//! A minimal HTTP/1.1 client over [`std::net::TcpStream`], for the few
//! requests signature validation makes: RFC 3161 time-stamp requests
//! (`POST application/timestamp-query`), OCSP requests
//! (`POST application/ocsp-request`), and CRL and caIssuers downloads
//! (`GET`).
//!
//! - `http://` only: OCSP, CRL and caIssuers URLs are plain HTTP by design
//!   (the objects are signed), and so are most TSAs. An `https://` URL gives
//!   [`Error::Unsupported`] naming the URL.
//! - One request per connection (`Connection: close`).
//! - Connect, read and write timeouts, and a total deadline over the whole
//!   call, retries and redirects included ([`Options`]).
//! - Retries with exponential backoff after connection failures and `5xx`
//!   answers ([`Options::retries`]).
//! - `Content-Length`, chunked and close-delimited bodies, with a size cap
//!   ([`Options::max_body`]).
//! - Up to [`Options::max_redirects`] redirects for `GET` (never for `POST`).
//! - IPv4, IPv6 (`http://[::1]:8080/`) and host names through
//!   [`std::net::ToSocketAddrs`] (name resolution itself is not bounded by
//!   the timeouts).
//!
//! No server response makes it panic: every failure is an [`Error`] that
//! names the host and says what happened.
//!
//! ```no_run
//! use kyso_net::{Client, Options};
//! let client = Client::new(Options::default());
//! let crl = client.get("http://127.0.0.1:8320/ca.crl")?;
//! let reply = client.post("http://127.0.0.1:8318/", "application/timestamp-query", &[0x30, 0x00])?;
//! assert_eq!(reply.media_type().as_deref(), Some("application/timestamp-reply"));
//! # Ok::<(), kyso_net::Error>(())
//! ```

mod url;
mod wire;

use std::time::{Duration, Instant};

use url::Url;

/// Settings of a [`Client`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Time allowed for establishing one TCP connection (per address tried).
    pub connect_timeout: Duration,
    /// Time allowed for each read or write on the connection: a server that
    /// sends nothing for this long fails the attempt.
    pub io_timeout: Duration,
    /// Deadline for the whole call: every attempt, every backoff pause and
    /// every redirect. Each operation's timeout is cut to what is left.
    pub total_timeout: Duration,
    /// How many times a request is *repeated* after a connection failure or a
    /// `5xx` answer (0: one attempt only). Timeouts while waiting for an
    /// answer are not retried: a slow server rarely gets faster.
    pub retries: u32,
    /// Pause before the first retry; it doubles for each further one (up to
    /// 5 s). No retry is made when the pause would pass the deadline.
    pub backoff: Duration,
    /// Largest response body accepted, in bytes.
    pub max_body: usize,
    /// Largest number of redirects followed by [`Client::get`].
    pub max_redirects: u32,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for Options {
    /// 5 s to connect, 10 s per read or write, 30 s in total, 2 retries
    /// starting at 250 ms, 32 MiB bodies, 3 redirects.
    fn default() -> Options {
        Options {
            connect_timeout: Duration::from_secs(5),
            io_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            retries: 2,
            backoff: Duration::from_millis(250),
            max_body: 32 << 20,
            max_redirects: 3,
            user_agent: concat!("kyso-net/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// A successful (`2xx`) answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code (200–299).
    pub status: u16,
    /// The reason phrase as sent (may be empty).
    pub reason: String,
    /// The `Content-Type` header as sent, parameters included.
    pub content_type: Option<String>,
    /// Every header in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (chunked encoding removed).
    pub body: Vec<u8>,
    /// The URL that answered (differs from the one asked after a redirect).
    pub url: String,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of `Content-Type` without parameters, lower-cased
    /// (`application/ocsp-response`).
    pub fn media_type(&self) -> Option<String> {
        self.content_type.as_deref().map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }
}

/// Why a request failed. Every variant names the server (`host:port`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL uses something this client does not do (`https://`, other
    /// schemes, credentials in the URL).
    #[error("unsupported URL {url}: {reason}")]
    Unsupported {
        /// The URL as given.
        url: String,
        /// What is not supported.
        reason: String,
    },
    /// The URL cannot be parsed.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The content type passed to [`Client::post`] cannot go into a header.
    #[error("invalid content type {0:?}")]
    InvalidContentType(String),
    /// The host name did not resolve.
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        /// `host:port`.
        host: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// Nothing listens at the address (every resolved address refused).
    #[error("connection to {host} refused")]
    ConnectionRefused {
        /// `host:port`.
        host: String,
    },
    /// Connecting failed for another reason (network unreachable, ...).
    #[error("cannot connect to {host}: {source}")]
    Connect {
        /// `host:port`.
        host: String,
        /// The socket error.
        source: std::io::Error,
    },
    /// A timeout or the total deadline expired.
    #[error("{host}: timed out while {during} ({limit} of {})", seconds(*.after))]
    Timeout {
        /// `host:port`.
        host: String,
        /// What was going on: `connecting`, `sending the request`, `waiting
        /// for the response`, `reading the response`.
        during: &'static str,
        /// Which limit expired: `connect timeout`, `read timeout`, `write
        /// timeout` or `total deadline`.
        limit: &'static str,
        /// The length of that limit.
        after: Duration,
    },
    /// A socket error while sending or receiving.
    #[error("{host}: I/O error while {during}: {source}")]
    Io {
        /// `host:port`.
        host: String,
        /// What was going on.
        during: &'static str,
        /// The socket error.
        source: std::io::Error,
    },
    /// The server closed the connection without sending anything.
    #[error("{host}: connection closed without a response")]
    EmptyResponse {
        /// `host:port`.
        host: String,
    },
    /// The final answer was not `2xx`: a `4xx`, a `5xx` after the retries,
    /// or a `3xx` that was not followed (answered to `POST`, or without a
    /// `Location` header).
    #[error("{host}: HTTP {status}{} for {url}", if reason.is_empty() { String::new() } else { format!(" {reason}") })]
    Status {
        /// `host:port`.
        host: String,
        /// The URL that answered.
        url: String,
        /// The status code.
        status: u16,
        /// The reason phrase.
        reason: String,
        /// The body of the answer (capped like any body).
        body: Vec<u8>,
    },
    /// The body is larger than [`Options::max_body`].
    #[error("{host}: response body larger than {limit} bytes")]
    BodyTooLarge {
        /// `host:port`.
        host: String,
        /// The cap.
        limit: usize,
    },
    /// The answer is not HTTP/1.x as this client reads it.
    #[error("{host}: malformed response: {detail}")]
    Malformed {
        /// `host:port`.
        host: String,
        /// What was wrong.
        detail: String,
    },
    /// More redirects than [`Options::max_redirects`].
    #[error("{host}: too many redirects (more than {max}), last to {url}")]
    TooManyRedirects {
        /// `host:port` of the last server.
        host: String,
        /// The last redirect target.
        url: String,
        /// The limit.
        max: u32,
    },
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.3} s")
    }
}

impl Error {
    /// The server (`host:port`) the error is about, when there is one.
    pub fn host(&self) -> Option<&str> {
        match self {
            Error::Unsupported { .. } | Error::InvalidUrl { .. } | Error::InvalidContentType(_) => {
                None
            }
            Error::Resolve { host, .. }
            | Error::ConnectionRefused { host }
            | Error::Connect { host, .. }
            | Error::Timeout { host, .. }
            | Error::Io { host, .. }
            | Error::EmptyResponse { host }
            | Error::Status { host, .. }
            | Error::BodyTooLarge { host, .. }
            | Error::Malformed { host, .. }
            | Error::TooManyRedirects { host, .. } => Some(host),
        }
    }

    /// True for [`Error::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// True when the server could not be reached at all (resolution,
    /// refusal, connect failure or connect timeout): "responder down".
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Error::Resolve { .. } | Error::ConnectionRefused { .. } | Error::Connect { .. }
        ) || matches!(self, Error::Timeout { during, .. } if *during == "connecting")
    }

    /// Failures worth another attempt: the server was unreachable, dropped
    /// the connection before answering, or answered `5xx`.
    fn is_retryable(&self) -> bool {
        match self {
            Error::ConnectionRefused { .. }
            | Error::Connect { .. }
            | Error::EmptyResponse { .. } => true,
            Error::Timeout { during, .. } => *during == "connecting",
            Error::Io { during, .. } => *during == "sending the request",
            Error::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// An HTTP/1.1 client. Cheap to clone; holds no connections.
#[derive(Debug, Clone, Default)]
pub struct Client {
    options: Options,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

impl Client {
    /// A client with these settings.
    pub fn new(options: Options) -> Client {
        Client { options }
    }

    /// The settings.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// `GET url`, following up to [`Options::max_redirects`] redirects.
    /// Anything but a final `2xx` is an error.
    pub fn get(&self, url: &str) -> Result<Response> {
        self.request(Method::Get, url, None)
    }

    /// `POST url` with `body` as `content_type`. Redirects are not followed;
    /// anything but `2xx` is an error.
    pub fn post(&self, url: &str, content_type: &str, body: &[u8]) -> Result<Response> {
        if content_type.is_empty()
            || content_type
                .bytes()
                .any(|b| b.is_ascii_control() || !b.is_ascii())
        {
            return Err(Error::InvalidContentType(content_type.to_owned()));
        }
        self.request(Method::Post, url, Some((content_type, body)))
    }

    fn request(&self, method: Method, url: &str, body: Option<(&str, &[u8])>) -> Result<Response> {
        let deadline = Instant::now() + self.options.total_timeout;
        let mut url = Url::parse(url)?;
        let mut redirects = 0u32;
        loop {
            let response = self.with_retries(method, &url, body, deadline)?;
            let is_redirect = matches!(response.status, 301 | 302 | 303 | 307 | 308);
            if method == Method::Get
                && is_redirect
                && let Some(location) = response.header("location")
            {
                let next = url.join(location)?;
                if redirects >= self.options.max_redirects {
                    return Err(Error::TooManyRedirects {
                        host: url.authority(),
                        url: next.to_url_string(),
                        max: self.options.max_redirects,
                    });
                }
                redirects += 1;
                url = next;
                continue;
            }
            if !(200..300).contains(&response.status) {
                return Err(status_error(&url, response));
            }
            return Ok(response);
        }
    }

    /// One request, repeated after retryable failures (including `5xx`
    /// answers, which become [`Error::Status`]) while retries and time are
    /// left.
    fn with_retries(
        &self,
        method: Method,
        url: &Url,
        body: Option<(&str, &[u8])>,
        deadline: Instant,
    ) -> Result<Response> {
        let mut pause = self.options.backoff;
        let mut attempt = 0u32;
        loop {
            let result = wire::exchange(&self.options, method == Method::Post, url, body, deadline)
                .and_then(|r| {
                    if r.status >= 500 {
                        Err(status_error(url, r))
                    } else {
                        Ok(r)
                    }
                });
            let err = match result {
                Ok(r) => return Ok(r),
                Err(e) => e,
            };
            let time_left = deadline.saturating_duration_since(Instant::now());
            if !err.is_retryable() || attempt >= self.options.retries || time_left <= pause {
                return Err(err);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(5));
            attempt += 1;
        }
    }
}

fn status_error(url: &Url, r: Response) -> Error {
    Error::Status {
        host: url.authority(),
        url: r.url,
        status: r.status,
        reason: r.reason,
        body: r.body,
    }
}
