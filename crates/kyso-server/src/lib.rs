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

mod error;
mod problem;
mod query;
mod server;
mod verify;

pub use error::Error;
pub use server::{router, run};
