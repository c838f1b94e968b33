//! The loopback addresses the fixture certificates point at, in one place.
//!
//! The certificates carry these URLs in their CRL distribution points and
//! authority information access extensions, and the test harness
//! (`tests/common/services.rs`) starts its services on exactly these ports:
//!
//! | port | service | serves |
//! | --- | --- | --- |
//! | [`TSA_PORT`] 8318 | RFC 3161 time-stamping authority | `POST application/timestamp-query` |
//! | [`OCSP_PORT`] 8319 | OCSP responder for `ca` and `root` | `POST application/ocsp-request` (and RFC 6960 GET) |
//! | [`HTTP_PORT`] 8320 | static files | `root.crl`, `ca.crl`, `root.der`, `ca.der` |
//! | [`DEAD_PORT`] 8399 | nothing, on purpose | the `unreachable` signer's OCSP and CRL URLs |
//!
//! Nothing here is ever reached beyond 127.0.0.1.

/// Port of the test time-stamping authority.
pub const TSA_PORT: u16 = 8318;
/// Port of the test OCSP responder.
pub const OCSP_PORT: u16 = 8319;
/// Port of the test static HTTP server (CRLs and CA certificates).
pub const HTTP_PORT: u16 = 8320;
/// A port where nothing listens: the `unreachable` signer's revocation
/// pointers use it to simulate a responder that is down.
pub const DEAD_PORT: u16 = 8399;

/// URL of the test time-stamping authority.
pub const TSA_URL: &str = "http://127.0.0.1:8318/";
/// URL of the test OCSP responder (in the AIA of every CA-issued signer and
/// of the `ca` certificate).
pub const OCSP_URL: &str = "http://127.0.0.1:8319/";
/// Base URL of the static HTTP server.
pub const HTTP_BASE_URL: &str = "http://127.0.0.1:8320/";
/// CRL of the `root` CA (CRL distribution point of the `ca` certificate).
pub const ROOT_CRL_URL: &str = "http://127.0.0.1:8320/root.crl";
/// CRL of the `ca` (CRL distribution point of the CA-issued leaves).
pub const CA_CRL_URL: &str = "http://127.0.0.1:8320/ca.crl";
/// The `root` certificate, DER (caIssuers of the `ca` certificate).
pub const ROOT_CERT_URL: &str = "http://127.0.0.1:8320/root.der";
/// The `ca` certificate, DER (caIssuers of the CA-issued leaves).
pub const CA_CERT_URL: &str = "http://127.0.0.1:8320/ca.der";
/// OCSP URL of the `unreachable` signer: nothing listens there.
pub const DEAD_OCSP_URL: &str = "http://127.0.0.1:8399/";
/// CRL distribution point of the `unreachable` signer: nothing listens there.
pub const DEAD_CRL_URL: &str = "http://127.0.0.1:8399/ca.crl";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_agree_with_ports() {
        for (url, port) in [
            (TSA_URL, TSA_PORT),
            (OCSP_URL, OCSP_PORT),
            (HTTP_BASE_URL, HTTP_PORT),
            (ROOT_CRL_URL, HTTP_PORT),
            (CA_CRL_URL, HTTP_PORT),
            (ROOT_CERT_URL, HTTP_PORT),
            (CA_CERT_URL, HTTP_PORT),
            (DEAD_OCSP_URL, DEAD_PORT),
            (DEAD_CRL_URL, DEAD_PORT),
        ] {
            assert!(
                url.starts_with(&format!("http://127.0.0.1:{port}/")),
                "{url} vs {port}"
            );
        }
    }
}
