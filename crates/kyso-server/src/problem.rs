//! RFC 9457 problem details.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kyso::Reason;

/// An RFC 9457 problem details answer.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) status: StatusCode,
    /// The last part of the `type` URI (`urn:kyso:problem:<slug>`).
    pub(crate) slug: &'static str,
    pub(crate) title: &'static str,
    pub(crate) detail: String,
    pub(crate) reason: Option<Reason>,
    /// The kind of kyso's error ([`kyso::Error::kind`]) where one applies.
    pub(crate) error: Option<&'static str>,
}

#[derive(serde::Serialize)]
pub(crate) struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

impl Problem {
    pub(crate) fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: String,
    ) -> Self {
        Problem {
            status,
            slug,
            title,
            detail,
            reason: None,
            error: None,
        }
    }

    pub(crate) fn bad_query(detail: String) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-query",
            "Invalid query parameter",
            detail,
        )
    }

    pub(crate) fn too_large(limit: usize) -> Self {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "Request body too large",
            format!("the body is larger than the limit of {limit} bytes (server.body_limit)"),
        )
    }

    pub(crate) fn bad_body(detail: String) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-body",
            "Unreadable request body",
            detail,
        )
    }

    pub(crate) fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the verification stopped unexpectedly".into(),
        )
    }
}

impl Problem {
    /// The problem details object as one JSON line (the body of its answer, or the last line
    /// of a JSON Lines answer that had to stop early).
    pub(crate) fn json_line(&self) -> Vec<u8> {
        let body = ProblemBody {
            kind: format!("urn:kyso:problem:{}", self.slug),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            reason: self.reason,
            error: self.error,
        };
        let mut bytes = serde_json::to_vec(&body).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let bytes = self.json_line();
        let mut response = (self.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is not read: the connection cannot carry another request.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

pub(crate) async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        "no such route (POST /v1/verify, POST /v1/sign, GET /v1/keys, GET /healthz, GET /readyz, GET /metrics, GET /openapi.json, GET /)"
            .into(),
    )
}

pub(crate) async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "this route does not take that method (POST /v1/verify, POST /v1/sign, GET /v1/keys, GET /healthz, GET /readyz, GET /metrics, GET /openapi.json, GET /)".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::block_on;

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
}
