//! `POST /v1/verify`: one body or multipart parts, verified off the reactor.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kyso::{Reason, TrustConfig};
use tokio::sync::{OwnedSemaphorePermit, mpsc};

use crate::metrics::timed;
use crate::problem::Problem;
use crate::query::VerifyQuery;
use crate::server::AppState;

/// How the body is to be read.
pub(crate) enum Media {
    /// One document.
    Raw,
    /// `multipart/form-data`: `file` parts.
    FormData,
    /// Another `multipart/*`: not taken.
    OtherMultipart(String),
}

pub(crate) fn media_of(req: &Request) -> Media {
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

pub(crate) fn declared_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// `POST /v1/verify`.
#[utoipa::path(
    post,
    path = "/v1/verify",
    tag = "verify",
    operation_id = "verify",
    summary = "Verify documents",
    description = "The body is one document (any content type; PDF or XML is recognised by \
                   its bytes) and the answer its report; or multipart/form-data with `file` \
                   parts, and the answer JSON Lines, one report per part in order. Public \
                   unless server.verify_requires_token (scope `verify`).",
    params(
        ("at" = Option<String>, Query, description = "Validation time: a date (2026-06-01) or an RFC 3339 time, as --at"),
        ("revocation" = Option<crate::openapi::RevocationPolicy>, Query, description = "Revocation policy, as --revocation"),
        ("online" = Option<bool>, Query, description = "Fetch CRLs/OCSP responses online"),
    ),
    request_body(
        description = "A document, or multipart/form-data file parts",
        content(
            (crate::openapi::Binary = "application/octet-stream"),
            (crate::openapi::Binary = "application/pdf"),
            (crate::openapi::Binary = "application/xml"),
            (crate::openapi::VerifyForm = "multipart/form-data"),
        )
    ),
    responses(
        (status = 200, description = "The report (one document), or JSON Lines of reports (multipart)",
         content(
            (crate::openapi::Report = "application/json"),
            (crate::openapi::Text = "application/x-ndjson"),
         )),
        (status = 400, description = "Bad query parameter or unreadable multipart body", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Token needed (verify_requires_token) or unknown", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope `verify`", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body larger than server.body_limit", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 415, description = "A multipart type other than form-data", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Every verification slot is taken; retry (Retry-After)", body = crate::openapi::Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
pub(crate) async fn verify(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match verify_inner(state, req).await {
        Ok(r) => r,
        Err(p) => p.into_response(),
    }
}

pub(crate) async fn verify_inner(state: Arc<AppState>, req: Request) -> Result<Response, Problem> {
    if state.verify_requires_token {
        crate::auth::require(&state.auth, req.headers(), "verify")?;
    }
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
        Media::FormData => verify_parts(req, state.clone(), trust, permit, limit).await,
        _ => {
            let capacity = declared.map_or(0, |n| usize::try_from(n).unwrap_or(0).min(limit));
            let data = read_body(req.into_body(), limit, capacity).await?;
            let line = verify_line(&state, trust, "-".to_string(), data).await?;
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
pub(crate) async fn read_body(
    mut body: Body,
    limit: usize,
    capacity: usize,
) -> Result<Bytes, Problem> {
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
pub(crate) async fn verify_line(
    state: &Arc<AppState>,
    trust: Arc<TrustConfig>,
    name: String,
    data: Bytes,
) -> Result<Bytes, Problem> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let (report, took) = timed(|| kyso::verify_bytes(&name, &data, &trust));
        state.metrics.verified(&report, took);
        Bytes::from(report.to_json_line())
    })
    .await
    .map_err(|_| Problem::internal())
}

/// A multipart part: its filename (`-` without one) and bytes.
type Part = (String, Bytes);

/// The next `file` part; other parts are skipped.
pub(crate) async fn next_file(
    parts: &mut Multipart,
    limit: usize,
) -> Result<Option<Part>, Problem> {
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

pub(crate) fn multipart_problem(
    e: axum::extract::multipart::MultipartError,
    limit: usize,
) -> Problem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Problem::too_large(limit)
    } else {
        Problem::bad_body(format!("multipart/form-data: {}", e.body_text()))
    }
}

/// Verifies the `file` parts in order, answering one JSON line per part as soon as it is
/// verified. When a part cannot be read or verified once the answer has started (the body
/// grows over the limit, the multipart framing breaks), one more line says why, the problem
/// details object (its `type` member tells it from a report), and the answer ends there,
/// properly (the closing chunk is sent): a client never has to guess from a cut connection.
pub(crate) async fn verify_parts(
    req: Request,
    state: Arc<AppState>,
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
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let _permit = permit;
        let mut next = Some(first);
        while let Some((name, data)) = next.take() {
            let line = match verify_line(&state, trust.clone(), name, data).await {
                Ok(line) => line,
                Err(p) => {
                    let _ = tx.send(Bytes::from(p.json_line())).await;
                    return;
                }
            };
            if tx.send(line).await.is_err() {
                return;
            }
            match next_file(&mut parts, limit).await {
                Ok(n) => next = n,
                Err(p) => {
                    let _ = tx.send(Bytes::from(p.json_line())).await;
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

/// A response body fed line by line from a channel; it ends when the sender is dropped.
pub(crate) struct Lines(mpsc::Receiver<Bytes>);

impl http_body::Body for Lines {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|line| line.map(|l| Ok(http_body::Frame::data(l))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::block_on;

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
}
