//! A process-wide cache of parsed certificates, keyed by their encoding.
//!
//! Batch verification meets the same certificates over and over (every document an agency
//! signs carries the agency's certificate and its CA's); parsing one is ~100× the cost of
//! looking it up. A certificate is an immutable function of its bytes, so the cache is safe to
//! share across threads and documents. It is bounded: when full it is emptied and refills with
//! what recurs.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use crate::cert::Certificate;
use crate::error::Error;

/// Entries kept before the cache is emptied.
const CAPACITY: usize = 4096;
/// Encodings longer than this are parsed but not remembered.
const MAX_KEY: usize = 16 * 1024;

#[derive(Default)]
struct Cache {
    der: RwLock<HashMap<Vec<u8>, Certificate>>,
    base64: RwLock<HashMap<Vec<u8>, Certificate>>,
}

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

fn lookup_or(
    map: &RwLock<HashMap<Vec<u8>, Certificate>>,
    key: &[u8],
    parse: impl FnOnce() -> Result<Certificate, Error>,
) -> Result<Certificate, Error> {
    if let Ok(m) = map.read()
        && let Some(c) = m.get(key)
    {
        return Ok(c.clone());
    }
    let cert = parse()?;
    if key.len() <= MAX_KEY
        && let Ok(mut m) = map.write()
    {
        if m.len() >= CAPACITY {
            m.clear();
        }
        m.insert(key.to_vec(), cert.clone());
    }
    Ok(cert)
}

/// [`Certificate::from_der`], remembered.
pub fn from_der_cached(der: &[u8]) -> Result<Certificate, Error> {
    lookup_or(&cache().der, der, || Certificate::from_der(der))
}

/// A certificate from base64 text (as in XML `X509Certificate`), remembered by the text
/// itself so that a recurring certificate is neither decoded nor parsed again.
pub fn from_base64_cached(text: &[u8]) -> Result<Certificate, Error> {
    lookup_or(&cache().base64, text, || {
        let der = crate::base64::decode(text)?;
        from_der_cached(&der)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_parse_equals_fresh_parse_and_errors_are_not_cached() {
        let pem = include_bytes!("../../../fixtures/pki/ca.pem");
        let fresh = &Certificate::from_pem_or_der(pem).unwrap()[0];
        let a = from_der_cached(fresh.der()).unwrap();
        let b = from_der_cached(fresh.der()).unwrap();
        assert_eq!(a.der(), fresh.der());
        assert_eq!(b.fingerprint(), fresh.fingerprint());
        let text = crate::base64::encode(fresh.der());
        let c = from_base64_cached(text.as_bytes()).unwrap();
        assert_eq!(c.der(), fresh.der());
        assert!(from_der_cached(b"\x30\x03\x02\x01\x01").is_err());
        assert!(from_der_cached(b"\x30\x03\x02\x01\x01").is_err());
        assert!(from_base64_cached(b"!!").is_err());
    }
}
