//! The routes, the shared state, the listener and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kyso::config::ServerSettings;
use kyso::{Credential, TrustConfig, TsaConfig};
use tokio::sync::Semaphore;

use crate::auth::Auth;
use crate::error::Error;
use crate::jwt::JwtVerifier;
use crate::metrics::{Metrics, metrics, track};
use crate::problem::{method_not_allowed, not_found};
use crate::sign::{ServedKey, keys, sign};
use crate::verify::verify;

/// What signing needs: the keys loaded at start (by id) and the time-stamping authority.
#[derive(Default)]
pub struct Signing {
    /// The keys, by their configured id, with their pictures for visible signatures.
    pub keys: Vec<(String, Credential, Option<kyso::AppearanceImage>)>,
    /// The time-stamping authority, for levels from b-t up.
    pub tsa: TsaConfig,
    /// `[appearance]`: how visible signatures look.
    pub appearance: kyso::AppearanceSettings,
}

/// What the handlers share.
pub(crate) struct AppState {
    pub(crate) trust: Arc<TrustConfig>,
    pub(crate) body_limit: usize,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) ready: AtomicBool,
    pub(crate) auth: Auth,
    pub(crate) verify_requires_token: bool,
    pub(crate) metrics_requires_token: bool,
    pub(crate) metrics: Metrics,
    pub(crate) keys: Vec<ServedKey>,
    pub(crate) appearance: Arc<kyso::AppearanceSettings>,
    pub(crate) tsa: TsaConfig,
    pub(crate) audit_log: Option<std::path::PathBuf>,
    pub(crate) audit_lock: Arc<std::sync::Mutex<()>>,
}

/// The service's routes over `trust` and the keys of `signing`, with the limits and tokens of
/// `settings`; an error when the JWKS of `[server.jwt]` cannot be used. Without what [`run`]
/// adds around them: TLS, the timeouts, the request log and request ids.
pub fn router(
    settings: &ServerSettings,
    trust: TrustConfig,
    signing: Signing,
) -> Result<Router, Error> {
    Ok(router_with(state(settings, trust, signing)?))
}

pub(crate) fn state(
    settings: &ServerSettings,
    trust: TrustConfig,
    signing: Signing,
) -> Result<Arc<AppState>, Error> {
    let jwt = settings.jwt.as_ref().map(JwtVerifier::load).transpose()?;
    let keys = signing
        .keys
        .into_iter()
        .map(|(id, cred, image)| ServedKey::new(id, cred, image, &trust.kind_rules))
        .collect();
    Ok(Arc::new(AppState {
        trust: Arc::new(trust),
        body_limit: usize::try_from(settings.body_limit).unwrap_or(usize::MAX),
        permits: Arc::new(Semaphore::new(
            usize::try_from(settings.concurrency.max(1)).unwrap_or(1),
        )),
        ready: AtomicBool::new(true),
        auth: Auth {
            tokens: settings.tokens.clone(),
            jwt,
        },
        verify_requires_token: settings.verify_requires_token,
        metrics_requires_token: settings.metrics_requires_token,
        metrics: Metrics::default(),
        keys,
        tsa: signing.tsa,
        appearance: Arc::new(signing.appearance),
        audit_log: settings.audit_log.clone(),
        audit_lock: Arc::new(std::sync::Mutex::new(())),
    }))
}

pub(crate) fn router_with(state: Arc<AppState>) -> Router {
    let limit = state.body_limit;
    Router::new()
        .route("/v1/verify", post(verify))
        .route("/v1/sign", post(sign))
        .route("/v1/keys", get(keys))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(crate::openapi::openapi_json))
        .merge(crate::page::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

/// Serves on `settings.listen` (HTTPS with `settings.tls_cert`) until SIGTERM or SIGINT, then
/// lets the requests in flight finish and returns. Logs one line per request on stderr
/// (`settings.log_format`). `on_listening` is told the bound address (the port chosen when the
/// configuration says port 0) once connections are accepted.
pub fn run(
    settings: &ServerSettings,
    trust: TrustConfig,
    signing: Signing,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), Error> {
    // The JWKS is read (and an unusable one refused) before anything listens.
    let state = state(settings, trust, signing)?;
    // A certificate or key that cannot be used stops the start, before anything listens.
    let tls = match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(crate::tls::server_config(
            cert,
            key,
            settings.tls12,
        )?)),
        _ => None,
    };
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
        let tasks = Arc::new(crate::ops::Tasks::default());
        let app = crate::ops::layers(
            router_with(state.clone()),
            Duration::from_secs(settings.request_timeout_seconds),
            tasks.clone(),
        );
        crate::ops::init_logging(settings.log_format);
        on_listening(bound);
        crate::listen::serve(
            listener,
            app,
            tls,
            Duration::from_secs(settings.header_timeout_seconds),
            async move {
                stop.received().await;
                state.ready.store(false, Ordering::SeqCst);
            },
        )
        .await;
        // Handlers whose answer was given up at the request timeout still finish.
        tasks.finished().await;
        Ok(())
    })
}

/// SIGTERM or SIGINT, listened for from its creation on (so a signal that comes just after
/// the address is announced is not the default action, an abrupt end).
pub(crate) struct StopSignal {
    #[cfg(unix)]
    pub(crate) term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    pub(crate) int: tokio::signal::unix::Signal,
}

impl StopSignal {
    pub(crate) fn listen() -> std::io::Result<StopSignal> {
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

    pub(crate) async fn received(mut self) {
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

/// `GET /healthz`.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    operation_id = "healthz",
    summary = "Liveness",
    responses((status = 200, description = "`ok` while the process serves", body = crate::openapi::Text, content_type = "text/plain"))
)]
pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    operation_id = "readyz",
    summary = "Readiness",
    responses(
        (status = 200, description = "Ready: the trust settings are loaded", body = crate::openapi::Text, content_type = "text/plain"),
        (status = 503, description = "Shutting down", body = crate::openapi::Text, content_type = "text/plain"),
    )
)]
pub(crate) async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    }
}
