//! Why the service could not start or stopped.

use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// The JWKS of `[server.jwt]` could not be read or holds no usable key.
    #[error("server.jwt.jwks {}: {reason}", path.display())]
    Jwks {
        /// The JWKS file.
        path: std::path::PathBuf,
        /// Why it is not usable.
        reason: String,
    },
    /// Accepting connections failed.
    #[error("the server stopped: {0}")]
    Serve(#[source] std::io::Error),
    /// The TLS certificate or key (`server.tls_cert`, `server.tls_key`) cannot be used.
    #[error("TLS: {}: {reason}", path.display())]
    Tls {
        /// The file at fault.
        path: PathBuf,
        /// Why (never any of the file's content).
        reason: String,
    },
}
