//! `kyso serve`: the HTTP service over the kyso library.
//!
//! One code path with the command line: a document posted to `POST /v1/verify` goes through
//! [`kyso::verify_bytes`] with the trust settings of the configuration, and the answer is the
//! report serialized by [`kyso::DocumentReport::write_json_line`], byte for byte what
//! `kyso verify --json` prints for that file.
//!
//! - `POST /v1/verify`: the body is one document (any content type, the format is sniffed) and
//!   the answer is its report (`application/json`, the file name `-`); or `multipart/form-data`
//!   with one or more `file` parts, and the answer is JSON Lines (`application/x-ndjson`), one
//!   report per part in order (the part's filename as the file name), each sent as soon as it
//!   is verified. Query: `at` (a date or an RFC 3339 time, as `--at`), `revocation`
//!   (`off|soft|hard`), `online` (`true|false`).
//! - `GET /healthz`: `ok` while the process serves; `GET /readyz`: 200 once the trust settings
//!   are loaded, 503 while shutting down.
//! - Errors are RFC 9457 problem details (`application/problem+json`: `type`, `title`, `status`,
//!   `detail`, and kyso's `reason` code where one applies).
//!
//! Verification is CPU work: it runs on tokio's blocking pool, never on the reactor threads.
//! At most `concurrency` requests verify at once; more are answered 503 with `Retry-After`.
//! A body larger than `body_limit` is refused with 413, before it is read when its length is
//! declared. SIGTERM or SIGINT stops accepting connections, lets the requests in flight finish
//! and returns.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kyso::config::ServerSettings;
use kyso::{Reason, RevocationPolicy, TrustConfig};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

/// Why the service could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The async runtime could not be built.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// SIGTERM/SIGINT could not be listened for.
    #[error("cannot listen for SIGTERM and SIGINT: {0}")]
    Signal(#[source] std::io::Error),
    /// Accepting connections failed.
    #[error("the server stopped: {0}")]
    Serve(#[source] std::io::Error),
}

/// What the handlers share.
struct AppState {
    trust: Arc<TrustConfig>,
    body_limit: usize,
    permits: Arc<Semaphore>,
    ready: AtomicBool,
}

/// The service's routes over `trust`, with the limits of `settings`.
pub fn router(settings: &ServerSettings, trust: TrustConfig) -> Router {
    router_with(state(settings, trust))
}

fn state(settings: &ServerSettings, trust: TrustConfig) -> Arc<AppState> {
    Arc::new(AppState {
        trust: Arc::new(trust),
        body_limit: usize::try_from(settings.body_limit).unwrap_or(usize::MAX),
        permits: Arc::new(Semaphore::new(
            usize::try_from(settings.concurrency.max(1)).unwrap_or(1),
        )),
        ready: AtomicBool::new(true),
    })
}

fn router_with(state: Arc<AppState>) -> Router {
    let limit = state.body_limit;
    Router::new()
        .route("/v1/verify", post(verify))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Serves on `settings.listen` until SIGTERM or SIGINT, then lets the requests in flight
/// finish and returns. `on_listening` is told the bound address (the port chosen when the
/// configuration says port 0) once connections are accepted.
pub fn run(
    settings: &ServerSettings,
    trust: TrustConfig,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    runtime.block_on(async {
        let addr = settings.listen;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let bound = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        let stop = StopSignal::listen().map_err(Error::Signal)?;
        let state = state(settings, trust);
        let app = router_with(state.clone());
        on_listening(bound);
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                stop.received().await;
                state.ready.store(false, Ordering::SeqCst);
            })
            .await
            .map_err(Error::Serve)
    })
}

/// SIGTERM or SIGINT, listened for from its creation on (so a signal that comes just after
/// the address is announced is not the default action, an abrupt end).
struct StopSignal {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignal {
    fn listen() -> std::io::Result<StopSignal> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignal {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignal {})
        }
    }

    async fn received(mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => {}
                _ = self.int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

// ------------------------------------------------------------------------------ problems

/// An RFC 9457 problem details answer.
#[derive(Debug)]
struct Problem {
    status: StatusCode,
    /// The last part of the `type` URI (`urn:kyso:problem:<slug>`).
    slug: &'static str,
    title: &'static str,
    detail: String,
    reason: Option<Reason>,
}

#[derive(serde::Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Reason>,
}

impl Problem {
    fn new(status: StatusCode, slug: &'static str, title: &'static str, detail: String) -> Self {
        Problem {
            status,
            slug,
            title,
            detail,
            reason: None,
        }
    }

    fn bad_query(detail: String) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-query",
            "Invalid query parameter",
            detail,
        )
    }

    fn too_large(limit: usize) -> Self {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "Request body too large",
            format!("the body is larger than the limit of {limit} bytes (server.body_limit)"),
        )
    }

    fn bad_body(detail: String) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-body",
            "Unreadable request body",
            detail,
        )
    }

    fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the verification stopped unexpectedly".into(),
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = ProblemBody {
            kind: format!("urn:kyso:problem:{}", self.slug),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            reason: self.reason,
        };
        let mut bytes = serde_json::to_vec(&body).unwrap_or_default();
        bytes.push(b'\n');
        let mut response = (self.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is not read: the connection cannot carry another request.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        "no such route (POST /v1/verify, GET /healthz, GET /readyz)".into(),
    )
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "this route does not take that method (POST /v1/verify, GET /healthz, GET /readyz)".into(),
    )
}

// ------------------------------------------------------------------------------- health

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    }
}

// -------------------------------------------------------------------------------- query

/// The verification options of the query string, applied like the CLI's flags.
#[derive(Debug, Default, PartialEq, Eq)]
struct VerifyQuery {
    at: Option<i64>,
    revocation: Option<RevocationPolicy>,
    online: Option<bool>,
}

impl VerifyQuery {
    fn parse(query: Option<&str>) -> Result<VerifyQuery, Problem> {
        let mut q = VerifyQuery::default();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(key)?;
            let value = percent_decode(value)?;
            match key.as_str() {
                "at" => {
                    q.at = Some(
                        kyso::parse_at(&value)
                            .map_err(|e| Problem::bad_query(format!("at={value}: {e}")))?,
                    );
                }
                "revocation" => {
                    q.revocation = Some(value.parse().map_err(|e: kyso::Error| {
                        Problem::bad_query(format!("revocation={value}: {e}"))
                    })?);
                }
                "online" => {
                    q.online = Some(match value.as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => {
                            return Err(Problem::bad_query(format!(
                                "online={value}: expected true or false"
                            )));
                        }
                    });
                }
                other => {
                    return Err(Problem::bad_query(format!(
                        "unknown parameter '{other}' (at, revocation, online)"
                    )));
                }
            }
        }
        Ok(q)
    }

    /// `base` with these options over it; `base` itself when there are none.
    fn apply(&self, base: &Arc<TrustConfig>) -> Arc<TrustConfig> {
        if *self == VerifyQuery::default() {
            return base.clone();
        }
        let mut trust = TrustConfig::clone(base);
        if let Some(at) = self.at {
            trust.at = Some(at);
        }
        if let Some(policy) = self.revocation {
            trust.revocation = policy;
        }
        if let Some(online) = self.online {
            trust.online = online;
        }
        Arc::new(trust)
    }
}

/// `%XX` decoding of one query component; a `+` stays a plus sign (so an unencoded
/// `at=2026-12-03T09:30:00+07:00` means what it says).
fn percent_decode(s: &str) -> Result<String, Problem> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(v) => {
                    out.push(v);
                    i += 3;
                }
                None => {
                    return Err(Problem::bad_query(format!(
                        "'{s}': a % not followed by two hex digits"
                    )));
                }
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Problem::bad_query(format!("'{s}': not UTF-8 once decoded")))
}

// ------------------------------------------------------------------------------- verify

/// How the body is to be read.
enum Media {
    /// One document.
    Raw,
    /// `multipart/form-data`: `file` parts.
    FormData,
    /// Another `multipart/*`: not taken.
    OtherMultipart(String),
}

fn media_of(req: &Request) -> Media {
    let Some(ct) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return Media::Raw;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "multipart/form-data" {
        Media::FormData
    } else if essence.starts_with("multipart/") {
        Media::OtherMultipart(essence)
    } else {
        Media::Raw
    }
}

fn declared_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

async fn verify(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match verify_inner(state, req).await {
        Ok(r) => r,
        Err(p) => p.into_response(),
    }
}

async fn verify_inner(state: Arc<AppState>, req: Request) -> Result<Response, Problem> {
    let query = VerifyQuery::parse(req.uri().query())?;
    let limit = state.body_limit;
    let declared = declared_length(&req);
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Problem::too_large(limit));
    }
    let media = media_of(&req);
    if let Media::OtherMultipart(essence) = &media {
        let mut p = Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!(
                "{essence}: send the document as the body (any content type) or as \
                 multipart/form-data file parts"
            ),
        );
        p.reason = Some(Reason::Unsupported);
        return Err(p);
    }
    let Ok(permit) = state.permits.clone().try_acquire_owned() else {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Too many verifications in flight",
            "every verification slot is taken (server.concurrency); retry shortly".into(),
        ));
    };
    let trust = query.apply(&state.trust);
    match media {
        Media::FormData => verify_parts(req, trust, permit, limit).await,
        _ => {
            let capacity = declared.map_or(0, |n| usize::try_from(n).unwrap_or(0).min(limit));
            let data = read_body(req.into_body(), limit, capacity).await?;
            let line = verify_line(trust, "-".to_string(), data).await?;
            drop(permit);
            let mut response = line.into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Ok(response)
        }
    }
}

/// The whole body, at most `limit` bytes.
async fn read_body(mut body: Body, limit: usize, capacity: usize) -> Result<Bytes, Problem> {
    use http_body::Body as _;
    let mut first: Option<Bytes> = None;
    let mut buf: Vec<u8> = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| Problem::bad_body(format!("reading the body: {e}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let have = first.as_ref().map_or(0, Bytes::len) + buf.len();
        if have.saturating_add(data.len()) > limit {
            return Err(Problem::too_large(limit));
        }
        // One chunk is kept as it came; more are gathered once.
        match first.take() {
            None if buf.is_empty() => first = Some(data),
            None => buf.extend_from_slice(&data),
            Some(f) => {
                buf.reserve(capacity.max(f.len() + data.len()));
                buf.extend_from_slice(&f);
                buf.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| Bytes::from(buf)))
}

/// Verifies one document on the blocking pool; its report as one JSON line.
async fn verify_line(trust: Arc<TrustConfig>, name: String, data: Bytes) -> Result<Bytes, Problem> {
    tokio::task::spawn_blocking(move || {
        Bytes::from(kyso::verify_bytes(&name, &data, &trust).to_json_line())
    })
    .await
    .map_err(|_| Problem::internal())
}

/// A multipart part: its filename (`-` without one) and bytes.
type Part = (String, Bytes);

/// The next `file` part; other parts are skipped.
async fn next_file(parts: &mut Multipart, limit: usize) -> Result<Option<Part>, Problem> {
    let problem = |e| multipart_problem(e, limit);
    loop {
        let field = parts.next_field().await.map_err(problem)?;
        let Some(field) = field else {
            return Ok(None);
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("-").to_string();
        let data = field.bytes().await.map_err(problem)?;
        return Ok(Some((name, data)));
    }
}

fn multipart_problem(e: axum::extract::multipart::MultipartError, limit: usize) -> Problem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Problem::too_large(limit)
    } else {
        Problem::bad_body(format!("multipart/form-data: {}", e.body_text()))
    }
}

/// Verifies the `file` parts in order, answering one JSON line per part as soon as it is
/// verified. A part that cannot be read after the answer has started ends the answer early
/// (the connection is closed mid-body, so the client sees an incomplete answer).
async fn verify_parts(
    req: Request,
    trust: Arc<TrustConfig>,
    permit: OwnedSemaphorePermit,
    limit: usize,
) -> Result<Response, Problem> {
    let mut parts = Multipart::from_request(req, &())
        .await
        .map_err(|e| Problem::bad_body(format!("multipart/form-data: {}", e.body_text())))?;
    let Some(first) = next_file(&mut parts, limit).await? else {
        return Err(Problem::bad_body(
            "multipart/form-data without a part named 'file'".into(),
        ));
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, PartError>>(4);
    tokio::spawn(async move {
        let _permit = permit;
        let mut next = Some(first);
        while let Some((name, data)) = next.take() {
            let line = verify_line(trust.clone(), name, data)
                .await
                .map_err(|p| PartError(p.detail));
            let failed = line.is_err();
            if tx.send(line).await.is_err() || failed {
                return;
            }
            match next_file(&mut parts, limit).await {
                Ok(n) => next = n,
                Err(p) => {
                    let _ = tx.send(Err(PartError(p.detail))).await;
                    return;
                }
            }
        }
    });
    let mut response = Body::new(Lines(rx)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    Ok(response)
}

/// Why a JSON Lines answer ended early.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct PartError(String);

/// A response body fed line by line from a channel.
struct Lines(mpsc::Receiver<Result<Bytes, PartError>>);

impl http_body::Body for Lines {
    type Data = Bytes;
    type Error = PartError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, PartError>>> {
        self.0
            .poll_recv(cx)
            .map(|line| line.map(|r| r.map(http_body::Frame::data)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters() {
        let q = VerifyQuery::parse(Some("at=2026-12-03&revocation=hard&online=false")).unwrap();
        assert_eq!(q.at, kyso::parse_at("2026-12-03").ok());
        assert_eq!(q.revocation, Some(RevocationPolicy::Hard));
        assert_eq!(q.online, Some(false));
        let plus = VerifyQuery::parse(Some("at=2026-12-03T09:30:00+07:00")).unwrap();
        let encoded = VerifyQuery::parse(Some("at=2026-12-03T09%3A30%3A00%2B07%3A00")).unwrap();
        assert_eq!(plus, encoded);
        assert_eq!(plus.at, kyso::parse_at("2026-12-03T02:30:00Z").ok());
        assert_eq!(VerifyQuery::parse(None).unwrap(), VerifyQuery::default());
        for bad in [
            "at=tomorrow",
            "revocation=maybe",
            "online=yes",
            "trust=x",
            "at=%zz",
            "at=%ff",
        ] {
            let p = VerifyQuery::parse(Some(bad)).unwrap_err();
            assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(f)
    }

    #[test]
    fn bodies_up_to_the_limit() {
        let body = |n: usize| Body::from(vec![7u8; n]);
        assert_eq!(block_on(read_body(body(10), 10, 10)).unwrap().len(), 10);
        let p = block_on(read_body(body(11), 10, 0)).unwrap_err();
        assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(p.detail.contains("10 bytes"), "{}", p.detail);
        assert!(
            block_on(read_body(Body::empty(), 10, 0))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn problems_are_rfc9457() {
        let mut p = Problem::too_large(5);
        p.reason = Some(Reason::Unsupported);
        let r = p.into_response();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            r.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let bytes = block_on(axum::body::to_bytes(r.into_body(), 10_000)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["type"], "urn:kyso:problem:body-too-large");
        assert_eq!(v["status"], 413);
        assert_eq!(v["reason"], "unsupported");
        assert!(v["title"].is_string() && v["detail"].is_string());
    }

    #[test]
    fn options_over_the_configuration() {
        let base = Arc::new(TrustConfig::default());
        assert!(Arc::ptr_eq(&VerifyQuery::default().apply(&base), &base));
        let q = VerifyQuery {
            at: Some(5),
            revocation: Some(RevocationPolicy::Off),
            online: Some(true),
        };
        let t = q.apply(&base);
        assert_eq!(
            (t.at, t.revocation, t.online),
            (Some(5), RevocationPolicy::Off, true)
        );
    }
}
