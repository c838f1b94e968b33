//! `GET /`: the public checking page (HTML, CSS, script and icon built into the binary; no
//! third-party origin, works offline). The page posts each chosen file to `POST /v1/verify`
//! and shows its report.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::server::AppState;

const INDEX: &str = include_str!("../assets/index.html");
const CSS: &str = include_str!("../assets/page.css");
const JS: &str = include_str!("../assets/page.js");
const ICON: &str = include_str!("../assets/icon.svg");

/// Only this origin, for everything; no inline script or style, no framing, no forms posted
/// elsewhere.
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The page's routes: `/` and its assets under `/assets/`.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(index))
        .route("/assets/page.css", get(css))
        .route("/assets/page.js", get(js))
        .route("/assets/icon.svg", get(icon))
}

/// The page for this server: whether verification needs a token, and the body limit.
pub(crate) fn render(verify_requires_token: bool, body_limit: usize) -> String {
    INDEX
        .replace(
            "{{TOKEN}}",
            if verify_requires_token {
                "required"
            } else {
                "optional"
            },
        )
        .replace("{{LIMIT}}", &body_limit.to_string())
}

async fn index(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let page = render(state.verify_requires_token, state.body_limit);
    asset(&headers, "text/html; charset=utf-8", page)
}

async fn css(headers: HeaderMap) -> Response {
    asset(&headers, "text/css; charset=utf-8", CSS)
}

async fn js(headers: HeaderMap) -> Response {
    asset(&headers, "text/javascript; charset=utf-8", JS)
}

async fn icon(headers: HeaderMap) -> Response {
    asset(&headers, "image/svg+xml", ICON)
}

/// `body` with its content type, the security headers and an ETag; 304 when the client
/// already holds this version. Clients revalidate every time (`no-cache`), so a new binary's
/// page is never mixed with an old script.
fn asset(request: &HeaderMap, content_type: &'static str, body: impl Into<String>) -> Response {
    let body = body.into();
    let etag = format!("\"{:016x}\"", fnv1a(body.as_bytes()));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = body.into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// FNV-1a, 64 bits: a version tag for the ETag, not a security measure.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_says_whether_a_token_is_needed() {
        let open = render(false, 1000);
        assert!(open.contains("data-token=\"optional\" data-limit=\"1000\""));
        assert!(render(true, 5).contains("data-token=\"required\" data-limit=\"5\""));
        assert!(!open.contains("{{"), "every placeholder is filled");
    }

    #[test]
    fn nothing_is_loaded_from_elsewhere_nor_inline() {
        for text in [INDEX, CSS, JS] {
            for bad in ["http://", "https://", "//cdn", "@import", "url("] {
                assert!(!text.contains(bad), "{bad}");
            }
        }
        assert!(!INDEX.contains("<script>") && !INDEX.contains("<style"));
        assert!(!INDEX.contains(" style=") && !INDEX.contains(" on"));
        assert!(!JS.contains("innerHTML") && !JS.contains("insertAdjacentHTML"));
    }

    #[test]
    fn etags_and_revalidation() {
        let plain = asset(&HeaderMap::new(), "text/css", "a{}");
        assert_eq!(plain.status(), StatusCode::OK);
        let etag = plain.headers().get(header::ETAG).unwrap().clone();
        assert_eq!(
            plain.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-cache"
        );
        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, etag.clone());
        let cached = asset(&again, "text/css", "a{}");
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(cached.headers().get(header::ETAG), Some(&etag));
        assert!(
            cached
                .headers()
                .get(header::CONTENT_SECURITY_POLICY)
                .is_some()
        );
        let changed = asset(&again, "text/css", "b{}");
        assert_eq!(changed.status(), StatusCode::OK);
        assert_ne!(changed.headers().get(header::ETAG), Some(&etag));
    }
}
