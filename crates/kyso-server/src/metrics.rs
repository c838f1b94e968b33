//! `GET /metrics`: counters, a gauge and histograms in the Prometheus text format (0.0.4).
//!
//! - `kyso_http_requests_total{route,method,status}`: answered requests, by the route template
//!   that matched (`/v1/verify`; `other` for a path no route has, so the label set stays
//!   bounded), the method (`GET`, `POST`, ...; `other` for an unusual one) and the status code.
//! - `kyso_requests_in_flight`: requests whose answer has not started yet.
//! - `kyso_verify_duration_seconds`, `kyso_sign_duration_seconds`: the time one document took
//!   to verify or to sign (the library call, not the upload), 1 ms to 60 s buckets.
//! - `kyso_verified_documents_total{status}`: documents verified, by the report's status
//!   (`passed`, `failed`, `indeterminate`, `error`).
//! - `kyso_verified_signatures_total{signer_kind}`: the signatures of those documents, by the
//!   kind of their signer (`personal`, `agency`, `unknown`; `none` when no certificate names
//!   the signer).
//! - `kyso_signed_documents_total{outcome}`: signing attempts that reached the signer, by
//!   outcome (`signed` or `refused`).
//! - `kyso_build_info{version}`: always 1.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kyso::{DocumentReport, SignerKind, Status};

use crate::server::AppState;

/// The upper bounds of the duration buckets, in seconds (the `+Inf` bucket follows).
const BUCKETS: [f64; 16] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0,
];

/// A Prometheus histogram of durations.
#[derive(Default)]
pub(crate) struct Histogram {
    /// Observations at or below each bound (not cumulative; summed when written).
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// The sum of the observations, in nanoseconds.
    sum_nanos: AtomicU64,
}

impl Histogram {
    pub(crate) fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b)
            && let Some(b) = self.buckets.get(i)
        {
            b.fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} histogram");
        let mut cumulative = 0u64;
        for (bound, n) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += n.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        // Read after the buckets: +Inf is never below the last finite bucket.
        let count = self.count.load(Ordering::Relaxed).max(cumulative);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
    }
}

/// Every metric of the service.
#[derive(Default)]
pub(crate) struct Metrics {
    requests: Mutex<BTreeMap<(String, &'static str, u16), u64>>,
    in_flight: AtomicI64,
    pub(crate) verify: Histogram,
    pub(crate) sign: Histogram,
    /// By [`STATUSES`].
    documents: [AtomicU64; 4],
    /// By [`KINDS`].
    signatures: [AtomicU64; 4],
    signed: AtomicU64,
    refused: AtomicU64,
}

const STATUSES: [Status; 4] = [
    Status::Passed,
    Status::Failed,
    Status::Indeterminate,
    Status::Error,
];
const KINDS: [&str; 4] = ["personal", "agency", "unknown", "none"];

/// The method label: the usual methods by name, anything else `other`.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Escapes a label value (`\`, `"` and new lines).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// One verified document: its status and the kind of each signer.
    pub(crate) fn verified(&self, report: &DocumentReport, took: Duration) {
        self.verify.observe(took);
        if let Some(i) = STATUSES.iter().position(|s| *s == report.status)
            && let Some(c) = self.documents.get(i)
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
        for sig in &report.signatures {
            let kind = match sig.signer.as_ref().map(|s| s.kind) {
                Some(SignerKind::Personal) => "personal",
                Some(SignerKind::Agency) => "agency",
                Some(SignerKind::Unknown) => "unknown",
                None => "none",
            };
            if let Some(i) = KINDS.iter().position(|k| *k == kind)
                && let Some(c) = self.signatures.get(i)
            {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// One signing attempt that reached the signer.
    pub(crate) fn signed(&self, ok: bool, took: Duration) {
        self.sign.observe(took);
        if ok { &self.signed } else { &self.refused }.fetch_add(1, Ordering::Relaxed);
    }

    fn answered(&self, route: String, method: &'static str, status: u16) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((route, method, status)).or_insert(0) += 1;
        }
    }

    /// The text exposition.
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP kyso_build_info The kyso version serving.\n");
        out.push_str("# TYPE kyso_build_info gauge\n");
        let _ = writeln!(
            out,
            "kyso_build_info{{version=\"{}\"}} 1",
            label(env!("CARGO_PKG_VERSION"))
        );
        out.push_str(
            "# HELP kyso_http_requests_total HTTP requests answered, by route template, method and status.\n",
        );
        out.push_str("# TYPE kyso_http_requests_total counter\n");
        if let Ok(map) = self.requests.lock() {
            for ((route, method, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "kyso_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    label(route)
                );
            }
        }
        out.push_str(
            "# HELP kyso_requests_in_flight HTTP requests being handled (answer not started).\n",
        );
        out.push_str("# TYPE kyso_requests_in_flight gauge\n");
        let _ = writeln!(
            out,
            "kyso_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        self.verify.write(
            &mut out,
            "kyso_verify_duration_seconds",
            "Time to verify one document.",
        );
        self.sign.write(
            &mut out,
            "kyso_sign_duration_seconds",
            "Time to sign one document.",
        );
        out.push_str(
            "# HELP kyso_verified_documents_total Documents verified, by report status.\n",
        );
        out.push_str("# TYPE kyso_verified_documents_total counter\n");
        for (s, n) in STATUSES.iter().zip(&self.documents) {
            let _ = writeln!(
                out,
                "kyso_verified_documents_total{{status=\"{}\"}} {}",
                s.as_str(),
                n.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP kyso_verified_signatures_total Signatures of the verified documents, by signer kind.\n",
        );
        out.push_str("# TYPE kyso_verified_signatures_total counter\n");
        for (k, n) in KINDS.iter().zip(&self.signatures) {
            let _ = writeln!(
                out,
                "kyso_verified_signatures_total{{signer_kind=\"{k}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP kyso_signed_documents_total Signing attempts that reached the signer, by outcome.\n",
        );
        out.push_str("# TYPE kyso_signed_documents_total counter\n");
        for (o, n) in [("signed", &self.signed), ("refused", &self.refused)] {
            let _ = writeln!(
                out,
                "kyso_signed_documents_total{{outcome=\"{o}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        out
    }
}

/// Decrements the in-flight gauge when the request is done with, answered or dropped.
struct InFlight<'a>(&'a AtomicI64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The middleware: counts each request by route template, method and status.
pub(crate) async fn track(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let metrics = &state.metrics;
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_string(), |p| p.as_str().to_string());
    let method = method_label(req.method());
    metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let guard = InFlight(&metrics.in_flight);
    let response = next.run(req).await;
    drop(guard);
    metrics.answered(route, method, response.status().as_u16());
    response
}

/// `GET /metrics`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    operation_id = "metrics",
    summary = "Prometheus metrics (text exposition 0.0.4)",
    description = "Public unless server.metrics_requires_token (scope `metrics`).",
    responses(
        (status = 200, description = "The metrics", body = crate::openapi::Text, content_type = "text/plain"),
        (status = 401, description = "Token needed (metrics_requires_token) or unknown", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope `metrics`", body = crate::openapi::Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
pub(crate) async fn metrics(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
) -> Response {
    if state.metrics_requires_token
        && let Err(p) = crate::auth::require(&state.auth, &headers, "metrics")
    {
        return p.into_response();
    }
    let mut response = (StatusCode::OK, state.metrics.render()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// Times `f`.
pub(crate) fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(500));
        h.observe(Duration::from_millis(30));
        h.observe(Duration::from_secs(100));
        let mut out = String::new();
        h.write(&mut out, "x", "help");
        assert!(out.contains("x_bucket{le=\"0.001\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"0.025\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"0.05\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"60\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count 3\n"), "{out}");
        assert!(out.contains("x_sum 100.0305\n"), "{out}");
    }

    #[test]
    fn requests_by_route() {
        let m = Metrics::default();
        m.answered("/v1/verify".into(), "POST", 200);
        m.answered("/v1/verify".into(), "POST", 200);
        m.answered("other".into(), "GET", 404);
        let out = m.render();
        assert!(
            out.contains(
                "kyso_http_requests_total{route=\"/v1/verify\",method=\"POST\",status=\"200\"} 2\n"
            ),
            "{out}"
        );
        assert!(out.contains("route=\"other\",method=\"GET\",status=\"404\"} 1\n"));
        assert!(out.contains("kyso_build_info{version=\""));
        assert!(out.contains("kyso_verified_documents_total{status=\"passed\"} 0\n"));
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
