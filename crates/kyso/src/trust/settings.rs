//! Trust settings: anchors, extra intermediates, validation time, revocation policy, network
//! settings and signer-kind rules.

use std::path::Path;

use kyso_pki::{Certificate, TrustStore, time::UnixTime};

use crate::Error;

/// What verification trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustConfig {
    pub store: TrustStore,
    /// Validate at this time instead of the claimed signing time.
    pub at: Option<UnixTime>,
    /// What missing or unobtainable revocation information does to a signature.
    pub revocation: RevocationPolicy,
    /// Fetch what the document lacks (CRLs, OCSP responses, AIA issuers) from the network.
    pub online: bool,
    /// Network settings for `online` fetching and for TSAs.
    pub net: NetConfig,
    /// Signer-kind rules from the configuration (`[[kind.rules]]`), consulted in order for
    /// certificates the built-in classification leaves `unknown`; see
    /// [`crate::config::classify_with_rules`].
    pub kind_rules: Vec<crate::config::KindRule>,
    /// What an e-invoice signature whose signer certificate does not carry the invoice's
    /// seller (or buyer) tax code does (`[einvoice] tax_code_mismatch`, `--tax-code-mismatch`).
    pub tax_code_mismatch: TaxCodePolicy,
    /// The password of encrypted PDFs that the empty user password does not open.
    pub pdf_password: Option<crate::PdfPassword>,
    /// XML: signer keys and certificates given with `--key`, the `--hmac-key` key and the
    /// `--allow-external` directory (trust anchors and intermediates are added when
    /// verifying).
    pub xml: kyso_xml::KeyContext,
}

/// What a tax code (MST) mismatch between an e-invoice and its signer certificate does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaxCodePolicy {
    /// A warning in the report (default).
    #[default]
    Warn,
    /// The signature fails (`tax_code_mismatch`).
    Fail,
}

impl std::str::FromStr for TaxCodePolicy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "warn" => Ok(TaxCodePolicy::Warn),
            "fail" => Ok(TaxCodePolicy::Fail),
            other => Err(Error::Invalid(format!(
                "tax code mismatch policy must be warn or fail, not '{other}'"
            ))),
        }
    }
}

/// Revocation checking policy (`--revocation`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationPolicy {
    /// Do not check revocation.
    Off,
    /// Check what is available; a certificate whose status cannot be established is reported
    /// with a warning, not a failure.
    #[default]
    Soft,
    /// Every certificate's status must be established (else the signature is indeterminate).
    Hard,
}

impl std::str::FromStr for RevocationPolicy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "off" => Ok(RevocationPolicy::Off),
            "soft" => Ok(RevocationPolicy::Soft),
            "hard" => Ok(RevocationPolicy::Hard),
            other => Err(Error::Invalid(format!(
                "revocation policy must be off, soft or hard, not '{other}'"
            ))),
        }
    }
}

/// Network timeouts and retries for CRL, OCSP, AIA and TSA requests.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NetConfig {
    /// Per-request timeout in seconds.
    pub timeout_seconds: u64,
    /// Retries after a connection failure or a server error.
    pub retries: u32,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            timeout_seconds: 10,
            retries: 2,
        }
    }
}

/// Reads certificates from a PEM/DER file, or every `.pem/.crt/.cer/.der` file of a directory.
pub fn load_certificates(path: &Path) -> Result<Vec<Certificate>, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        let mut out = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    matches!(
                        e.to_ascii_lowercase().as_str(),
                        "pem" | "crt" | "cer" | "der"
                    )
                })
            })
            .collect();
        entries.sort();
        for p in entries {
            out.extend(load_certificates(&p)?);
        }
        if out.is_empty() {
            return Err(Error::Invalid(format!(
                "{}: no certificate files (.pem/.crt/.cer/.der)",
                path.display()
            )));
        }
        Ok(out)
    } else {
        let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        certificates_from_bytes(&path.display().to_string(), &data)
    }
}

/// Reads certificates (PEM, possibly several, or one DER) held in memory; `name` names the
/// data in errors. Data of another kind (a PKCS#12 file, a key...) is
/// [`Error::WrongFileKind`].
pub(crate) fn certificates_from_bytes(name: &str, data: &[u8]) -> Result<Vec<Certificate>, Error> {
    match Certificate::from_pem_or_der(data) {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        result => Err(match crate::sniff(data) {
            crate::FileKind::PemCertificate | crate::FileKind::DerCertificate => {
                Error::Invalid(match result {
                    Err(e) => format!("{name}: {e}"),
                    Ok(_) => format!("{name}: no certificate"),
                })
            }
            found => Error::WrongFileKind {
                path: name.to_string(),
                expected: crate::FileKind::Certificate,
                found,
            },
        }),
    }
}

impl TrustConfig {
    /// Adds trust anchors from a file or directory.
    pub fn add_anchors(&mut self, path: &Path) -> Result<usize, Error> {
        let certs = load_certificates(path)?;
        let n = certs.len();
        certs.into_iter().for_each(|c| self.store.add_anchor(c));
        Ok(n)
    }

    /// Adds intermediate certificates from a file or directory.
    pub fn add_intermediates(&mut self, path: &Path) -> Result<usize, Error> {
        let certs = load_certificates(path)?;
        let n = certs.len();
        certs
            .into_iter()
            .for_each(|c| self.store.add_intermediate(c));
        Ok(n)
    }

    /// Adds trust anchors from certificates held in memory: PEM (one or more `CERTIFICATE`
    /// blocks) or one DER certificate. Returns how many were added.
    pub fn add_anchors_pem_or_der(&mut self, data: &[u8]) -> Result<usize, Error> {
        let certs = certificates_from_bytes("trust anchor data", data)?;
        let n = certs.len();
        certs.into_iter().for_each(|c| self.store.add_anchor(c));
        Ok(n)
    }

    /// XML: adds signer keys (`--key`): a PEM file of `PUBLIC KEY` (subjectPublicKeyInfo)
    /// and/or `CERTIFICATE` blocks, or one DER certificate or subjectPublicKeyInfo. A bare
    /// public key is trusted as the user's own statement; a certificate only names a signer
    /// and is path-validated as usual. Returns how many were added.
    pub fn add_xml_keys(&mut self, path: &Path) -> Result<usize, Error> {
        let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let name = path.display().to_string();
        let certs = Certificate::from_pem_or_der(&data).unwrap_or_default();
        let keys = kyso_pki::RawPublicKey::from_pem_or_der(&data).unwrap_or_default();
        if certs.is_empty() && keys.is_empty() {
            return Err(Error::Invalid(format!(
                "{name}: no PUBLIC KEY or CERTIFICATE (PEM), nor a DER certificate or subjectPublicKeyInfo"
            )));
        }
        let n = certs.len() + keys.len();
        self.xml.key_certificates.extend(certs);
        self.xml.keys.extend(keys);
        Ok(n)
    }

    /// XML: the key of HMAC signatures (`--hmac-key`): the file's bytes, as they are. They
    /// are never printed.
    pub fn set_hmac_key(&mut self, path: &Path) -> Result<(), Error> {
        let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        if data.is_empty() {
            return Err(Error::Invalid(format!(
                "{}: the HMAC key file is empty",
                path.display()
            )));
        }
        self.xml.hmac_key = Some(kyso_xml::HmacKey::new(data));
        Ok(())
    }

    /// Adds intermediate certificates held in memory (PEM or one DER certificate). Returns
    /// how many were added.
    pub fn add_intermediates_pem_or_der(&mut self, data: &[u8]) -> Result<usize, Error> {
        let certs = certificates_from_bytes("intermediate certificate data", data)?;
        let n = certs.len();
        certs
            .into_iter()
            .for_each(|c| self.store.add_intermediate(c));
        Ok(n)
    }
}
