//! HTTPS: the certificate chain and key of `server.tls_cert` / `server.tls_key`, served with
//! rustls (TLS 1.3, and TLS 1.2 with `server.tls12`).

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::Error;

/// Loads the chain and key and builds the server side of TLS. Every error names the file;
/// none carries any of its content.
pub(crate) fn server_config(cert: &Path, key: &Path, tls12: bool) -> Result<ServerConfig, Error> {
    let fail = |path: &Path, reason: String| Error::Tls {
        path: path.to_path_buf(),
        reason,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| fail(cert, pem_problem(&e, "certificate")))?;
    if chain.is_empty() {
        return Err(fail(
            cert,
            "no certificate in it (PEM, -----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    let private =
        PrivateKeyDer::from_pem_file(key).map_err(|e| fail(key, pem_problem(&e, "private key")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] = if tls12 {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13]
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| fail(cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| {
            fail(
                key,
                format!(
                    "cannot be used with the certificate {}: {e}",
                    cert.display()
                ),
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// What went wrong reading a PEM file, in words that quote nothing of the file.
fn pem_problem(e: &rustls::pki_types::pem::Error, what: &str) -> String {
    use rustls::pki_types::pem::Error as E;
    match e {
        E::Io(io) => format!("cannot read it: {io}"),
        E::NoItemsFound => format!(
            "no {what} in it (PEM: PRIVATE KEY (PKCS#8), RSA PRIVATE KEY or EC PRIVATE KEY)"
        ),
        E::SectionTooLarge => "a PEM section is too large".into(),
        _ => format!("not a valid PEM {what} file"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_file_and_quote_nothing() {
        let dir = std::env::temp_dir().join(format!("kyso-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.pem");
        std::fs::write(
            &junk,
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==!!\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let missing = dir.join("missing.pem");
        for (cert, key) in [(&missing, &junk), (&junk, &junk)] {
            let e = server_config(cert, key, false).unwrap_err().to_string();
            assert!(e.contains(&cert.display().to_string()), "{e}");
            assert!(!e.contains("c2VjcmV0"), "{e}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
