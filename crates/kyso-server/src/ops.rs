//! The request log, request ids and the request timeout: the layers `run` puts around the
//! routes.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use kyso::config::LogFormat;

use crate::problem::Problem;

/// The header carrying the request id, both ways.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a client.
const MAX_ID: usize = 128;

/// Sends the `tracing` events of the service to stderr, as text or JSON lines. Once per
/// process; a later call changes nothing.
pub(crate) fn init_logging(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_max_level(tracing::Level::INFO);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
}

/// `router` with the request timeout inside and the request log (with its request id)
/// outside, so the log sees the answers the timeout gives.
pub(crate) fn layers(router: Router, request_timeout: Duration, tasks: Arc<Tasks>) -> Router {
    router
        .layer(from_fn_with_state(
            Limits {
                request_timeout,
                tasks,
            },
            deadline,
        ))
        .layer(from_fn(observe))
}

/// The handlers still running, answered or not (one given up at the request timeout goes on
/// to its end): shutdown waits for them, so a signing is never cut before its audit line.
#[derive(Default)]
pub(crate) struct Tasks {
    running: AtomicUsize,
    idle: tokio::sync::Notify,
}

/// One running handler; counted until dropped.
struct Running(Arc<Tasks>);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Tasks {
    fn start(self: &Arc<Self>) -> Running {
        self.running.fetch_add(1, Ordering::SeqCst);
        Running(self.clone())
    }

    /// Returns once no handler runs.
    pub(crate) async fn finished(&self) {
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

#[derive(Clone)]
struct Limits {
    request_timeout: Duration,
    tasks: Arc<Tasks>,
}

/// A request id from the client is kept when it is short and made of `A-Z a-z 0-9 - _ . : / + = @ ~`
/// (nothing that could break a log line); otherwise one is made.
fn acceptable_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_ID
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@~".contains(b))
}

/// A new request id: a random prefix per process (from the standard library's randomly
/// keyed hasher) and a counter.
fn new_id() -> HeaderValue {
    use std::hash::{BuildHasher, RandomState};
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| RandomState::new().hash_one(std::process::id()));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let text = format!("{:012x}-{n:06}", prefix >> 16);
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("-"))
}

/// Gives the request its id (the client's when acceptable), returns it in `X-Request-Id`, and
/// logs one line: method, path (without the query), status, duration until the answer's head,
/// request id and client address. Never a body, a header's value or the query.
async fn observe(mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .filter(|v| acceptable_id(v))
        .cloned()
        .unwrap_or_else(new_id);
    req.headers_mut().insert(REQUEST_ID, id.clone());
    let method = req.method().clone();
    let path: String = req.uri().path().chars().take(256).collect();
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.to_string())
        .unwrap_or_else(|| "-".into());
    let mut response = next.run(req).await;
    response.headers_mut().insert(REQUEST_ID, id.clone());
    let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        duration_ms = ms,
        request_id = %id.to_str().unwrap_or("-"),
        client = %client,
        "request"
    );
    response
}

/// Where the body of a request stands.
const READING: u8 = 0;
const COMPLETE: u8 = 1;
const EXPIRED: u8 = 2;

/// `server.request_timeout`: from the head to the answer. A body still arriving at the
/// deadline ends in an error for the handler, and the answer is 408 (the client was too
/// slow); a handler still working at the deadline is answered 503 (and left to finish). A
/// streamed answer already started ends early if its request body is still being read then.
async fn deadline(State(limits): State<Limits>, req: Request, next: Next) -> Response {
    let limit = limits.request_timeout;
    let at = tokio::time::Instant::now() + limit;
    let (parts, body) = req.into_parts();
    let state = Arc::new(AtomicU8::new(if http_body::Body::is_end_stream(&body) {
        COMPLETE
    } else {
        READING
    }));
    let body = Body::new(Deadline {
        inner: body,
        sleep: Box::pin(tokio::time::sleep_until(at)),
        state: state.clone(),
    });
    // The handler runs as its own task: at the deadline the answer is given up, not the work,
    // so a signing still running is finished and recorded in the audit log (its document is
    // not sent), and a verification keeps its concurrency slot until it is really done.
    let running = limits.tasks.start();
    let mut task = tokio::spawn(async move {
        let response = next.run(Request::from_parts(parts, body)).await;
        drop(running);
        response
    });
    let answer = match tokio::time::timeout_at(at, &mut task).await {
        Ok(Ok(response)) => Some(response),
        Ok(Err(_)) => {
            return Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "the request stopped unexpectedly".into(),
            )
            .into_response();
        }
        Err(_) => None,
    };
    let seconds = limit.as_secs();
    match (answer, state.load(Ordering::SeqCst)) {
        (Some(response), s) if s != EXPIRED => response,
        (_, COMPLETE) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "The request took too long",
            format!("no answer within {seconds} s (server.request_timeout); nothing was kept"),
        )
        .into_response(),
        _ => {
            let mut response = Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "The request body came too slowly",
                format!("the body was not received within {seconds} s (server.request_timeout)"),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// Why a request body ended early.
#[derive(Debug, thiserror::Error)]
#[error("the request body was not received within server.request_timeout")]
struct BodyTimedOut;

/// A request body that fails once its deadline passes.
struct Deadline {
    inner: Body,
    sleep: Pin<Box<tokio::time::Sleep>>,
    state: Arc<AtomicU8>,
}

impl http_body::Body for Deadline {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::BoxError>>> {
        if self.state.load(Ordering::SeqCst) == EXPIRED {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut))));
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(None) => {
                self.state.store(COMPLETE, Ordering::SeqCst);
                Poll::Ready(None)
            }
            Poll::Ready(Some(frame)) => {
                if self.inner.is_end_stream() {
                    self.state.store(COMPLETE, Ordering::SeqCst);
                }
                Poll::Ready(Some(frame.map_err(Into::into)))
            }
            Poll::Pending => {
                if self.sleep.as_mut().poll(cx).is_ready() {
                    self.state.store(EXPIRED, Ordering::SeqCst);
                    Poll::Ready(Some(Err(Box::new(BodyTimedOut))))
                } else {
                    Poll::Pending
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        assert!(acceptable_id(&HeaderValue::from_static("abc-123_x.y:z")));
        assert!(!acceptable_id(&HeaderValue::from_static("")));
        assert!(!acceptable_id(&HeaderValue::from_static("a b")));
        assert!(!acceptable_id(&HeaderValue::from_static("a\"b")));
        let long = "x".repeat(MAX_ID + 1);
        assert!(!acceptable_id(&HeaderValue::from_str(&long).unwrap()));
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert!(acceptable_id(&a) && acceptable_id(&b));
    }
}
