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
//!   is verified; when a later part cannot be read (the body grows over `body_limit`), the
//!   last line is the problem details object saying why and the answer ends. Query: `at` (a date or an RFC 3339 time, as `--at`), `revocation`
//!   (`off|soft|hard`), `online` (`true|false`).
//! - `POST /v1/sign?key=ID`: the body is one document (PDF or XML, sniffed), signed with the
//!   configured key `ID` through [`kyso::sign_document`] (the call `kyso sign` makes); the
//!   answer is the signed document (`application/pdf` or `application/xml`). Query: `level`
//!   (`b-b|b-t|b-lt|b-lta`), `certify`, `mdp`, `field`, `reason`, `location`,
//!   `einvoice_role`, and the visible signature of `kyso sign`: `preset`, `anchor`,
//!   `anchor_page`, `rect`, `page`, `text`, `seal_mm`, `number`, `date`, `copy_kind`, `agency`
//!   (the picture of approve and issue is the key's `image` in `[[keys]]`). Needs a bearer token with the scope `sign:ID`. Every attempt is recorded
//!   in `server.audit_log` (one JSON line, synced) before the answer; if it cannot be, the
//!   answer is 500 and the signed document is not sent.
//! - `GET /v1/keys`: the keys the token may sign with (`id`, `subject`, `kind`, `not_before`,
//!   `not_after`).
//! - Tokens: `Authorization: Bearer <token>`, known by its SHA-256 (`[[server.tokens]]`),
//!   compared in constant time; else, with `[server.jwt]`, a JWT of the configured issuer
//!   (signature by a key of the JWKS file read at start, `RS256`/`ES256`/... never `none` or
//!   `HS*`; `exp`, `nbf`, `iss`, `aud`; scopes from `scopes_claim`; the audit log records its
//!   `sub` and `iss`). 401 without or with an unknown or invalid token, 403 without the scope.
//!   `POST /v1/verify` is public unless `server.verify_requires_token` (scope `verify`).
//! - `GET /`: the public checking page (HTML, CSS, script and icon built into the binary,
//!   served from `/` and `/assets/`; nothing from another origin). Each file chosen or
//!   dropped is posted to `POST /v1/verify` on its own and its report shown: the verdict, and
//!   per signature the signer, personal or agency, identifiers, signing and proven times in
//!   Vietnam time (UTC+07:00), level, reason and what changed after it; Vietnamese with an
//!   English switch; a token field when `server.verify_requires_token`. Answers carry a
//!   strict `Content-Security-Policy` (`default-src 'self'`, no inline script or style),
//!   `X-Content-Type-Options: nosniff`, `Cache-Control: no-cache` and an `ETag` (304 on
//!   `If-None-Match`).
//! - `GET /healthz`: `ok` while the process serves; `GET /readyz`: 200 once the trust settings
//!   are loaded, 503 while shutting down.
//! - `GET /metrics`: Prometheus text format 0.0.4 (requests by route template, method and
//!   status; requests in flight; verify and sign durations; verified documents by status and
//!   their signatures by signer kind; signing outcomes; build info). Public unless
//!   `server.metrics_requires_token` (scope `metrics`).
//! - `GET /openapi.json`: the OpenAPI 3.1 description of these routes, generated from the
//!   handlers (utoipa), with the report and problem schemas and the bearer scheme.
//! - Errors are RFC 9457 problem details (`application/problem+json`: `type`, `title`, `status`,
//!   `detail`, and kyso's `reason` code where one applies).
//!
//! - HTTPS with `server.tls_cert` and `server.tls_key` (rustls, ring provider; TLS 1.3, and
//!   TLS 1.2 with `server.tls12`); plain HTTP without them. Unusable files stop the start with
//!   [`Error::Tls`], which names the file and nothing of its content.
//! - `server.header_timeout`: the time a client has to send a request's head (and to finish
//!   the TLS handshake); then the connection is closed. `server.request_timeout`: from the head
//!   to the answer; a body still arriving then is answered 408, work still running 503.
//! - One `tracing` line per request on stderr (text, or JSON with `server.log_format`):
//!   method, path without the query, status, duration, request id and client address; never a
//!   body or a header's value. The request id is the client's `X-Request-Id` when it is short
//!   and plain, else a new one, and is returned in `X-Request-Id`.
//!
//! Verification is CPU work: it runs on tokio's blocking pool, never on the reactor threads.
//! At most `concurrency` requests verify at once; more are answered 503 with `Retry-After`.
//! A body larger than `body_limit` is refused with 413, before it is read when its length is
//! declared. SIGTERM or SIGINT stops accepting connections, lets the requests in flight finish
//! and returns.

mod auth;
mod error;
mod jwt;
mod listen;
mod metrics;
mod openapi;
mod ops;
mod page;
mod problem;
mod query;
mod server;
mod sign;
#[cfg(test)]
mod test_support;
mod tls;
mod verify;

pub use error::Error;
pub use server::{Signing, router, run};
