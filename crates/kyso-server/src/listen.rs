//! The accept loop: HTTP/1.1 over TCP or TLS, the header-read timeout, the client's address
//! for the handlers, and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

/// Accepts connections on `listener` and serves `app` on each until `stop` completes; then
/// stops accepting, lets the requests in flight finish (a connection between requests is
/// closed) and returns. `header_timeout` bounds the TLS handshake and the reading of every
/// request's head.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    header_timeout: Duration,
    stop: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let tls = tls.map(TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it was accepted: the
                    // listener itself is fine; pause a little rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        tokio::spawn(connection(
            tcp,
            peer,
            app.clone(),
            http.clone(),
            tls.clone(),
            header_timeout,
            graceful.watcher(),
        ));
    }
    drop(listener);
    graceful.shutdown().await;
}

/// One connection: the TLS handshake if any, then HTTP/1.1 until either side closes.
async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    app: Router,
    http: http1::Builder,
    tls: Option<TlsAcceptor>,
    header_timeout: Duration,
    watcher: Watcher,
) {
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        app.clone().call(req)
    });
    let served = match tls {
        None => {
            watcher
                .watch(http.serve_connection(TokioIo::new(tcp), service))
                .await
        }
        Some(acceptor) => match tokio::time::timeout(header_timeout, acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => {
                watcher
                    .watch(http.serve_connection(TokioIo::new(stream), service))
                    .await
            }
            Ok(Err(e)) => {
                tracing::info!(client = %peer, error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::info!(client = %peer, "TLS handshake timed out (server.header_timeout)");
                return;
            }
        },
    };
    if let Err(e) = served {
        tracing::info!(client = %peer, error = %e, "connection ended with an error");
    }
}
