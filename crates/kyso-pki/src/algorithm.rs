//! Digest and signature algorithms: identification from OIDs, verification with ring.

use ring::signature as sig;

use crate::der::{self, Reader, tag};
use crate::error::Error;
use crate::public_key::{Curve, PublicKey};

/// An AlgorithmIdentifier: OID and raw parameters (empty when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmId {
    pub oid: String,
    /// The DER of the parameters element, or empty.
    pub params: Vec<u8>,
}

impl AlgorithmId {
    /// Reads an AlgorithmIdentifier SEQUENCE.
    pub fn read(r: &mut Reader<'_>) -> Result<AlgorithmId, Error> {
        let seq = r.read_tag(tag::SEQUENCE, "AlgorithmIdentifier")?;
        let mut a = seq.reader();
        let oid = der::read_oid(&mut a)?;
        Ok(AlgorithmId {
            oid,
            params: a.rest().to_vec(),
        })
    }

    /// Resolves a signature algorithm; `digest_hint` serves CMS, where the signature
    /// algorithm may be a bare key algorithm (rsaEncryption, ecPublicKey).
    pub fn signature_scheme(
        &self,
        digest_hint: Option<DigestAlgorithm>,
    ) -> Result<SignatureScheme, Error> {
        use DigestAlgorithm::*;
        let hinted = |d: Option<DigestAlgorithm>| {
            d.ok_or_else(|| Error::UnsupportedAlgorithm(format!("{} without a digest", self.oid)))
        };
        Ok(match self.oid.as_str() {
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => SignatureScheme::RsaPkcs1(Sha1),
            "1.2.840.113549.1.1.11" => SignatureScheme::RsaPkcs1(Sha256),
            "1.2.840.113549.1.1.12" => SignatureScheme::RsaPkcs1(Sha384),
            "1.2.840.113549.1.1.13" => SignatureScheme::RsaPkcs1(Sha512),
            "1.2.840.113549.1.1.1" => SignatureScheme::RsaPkcs1(hinted(digest_hint)?),
            "1.2.840.10045.4.1" => SignatureScheme::Ecdsa(Sha1),
            "1.2.840.10045.4.3.2" => SignatureScheme::Ecdsa(Sha256),
            "1.2.840.10045.4.3.3" => SignatureScheme::Ecdsa(Sha384),
            "1.2.840.10045.4.3.4" => SignatureScheme::Ecdsa(Sha512),
            "1.2.840.10045.2.1" => SignatureScheme::Ecdsa(hinted(digest_hint)?),
            "1.2.840.113549.1.1.10" => self.pss_scheme()?,
            other => {
                return Err(Error::UnsupportedAlgorithm(format!(
                    "signature algorithm {other}"
                )));
            }
        })
    }

    fn pss_scheme(&self) -> Result<SignatureScheme, Error> {
        // RSASSA-PSS-params: [0] hash (default SHA-1), [1] MGF (default MGF1-SHA1), [2] salt (default 20).
        let mut digest = DigestAlgorithm::Sha1;
        let mut mgf_digest = DigestAlgorithm::Sha1;
        let mut salt_len = 20u32;
        if !self.params.is_empty() {
            let seq =
                der::parse_one(&self.params)?.expect_tag(tag::SEQUENCE, "RSASSA-PSS-params")?;
            let mut r = seq.reader();
            if let Some(h) = r.read_optional(tag::ctx(0))? {
                let alg = AlgorithmId::read(&mut h.reader())?;
                digest = DigestAlgorithm::from_oid(&alg.oid)
                    .ok_or_else(|| Error::UnsupportedAlgorithm(format!("PSS hash {}", alg.oid)))?;
            }
            if let Some(m) = r.read_optional(tag::ctx(1))? {
                let mgf = AlgorithmId::read(&mut m.reader())?;
                if mgf.oid != "1.2.840.113549.1.1.8" {
                    return Err(Error::UnsupportedAlgorithm(format!(
                        "PSS mask generation {}",
                        mgf.oid
                    )));
                }
                let inner = AlgorithmId::read(&mut Reader::new(&mgf.params))?;
                mgf_digest = DigestAlgorithm::from_oid(&inner.oid).ok_or_else(|| {
                    Error::UnsupportedAlgorithm(format!("MGF1 hash {}", inner.oid))
                })?;
            }
            if let Some(s) = r.read_optional(tag::ctx(2))? {
                let i = s.reader().read_tag(tag::INTEGER, "saltLength")?;
                if i.value.len() > 4 {
                    return Err(Error::Der("PSS salt length too large"));
                }
                salt_len = i.value.iter().fold(0u32, |a, b| (a << 8) | *b as u32);
            }
        }
        if mgf_digest != digest {
            return Err(Error::UnsupportedAlgorithm(
                "RSA-PSS with an MGF1 hash unlike the message hash".into(),
            ));
        }
        Ok(SignatureScheme::RsaPss { digest, salt_len })
    }
}

/// Message digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DigestAlgorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    pub fn from_oid(oid: &str) -> Option<DigestAlgorithm> {
        Some(match oid {
            "1.3.14.3.2.26" => DigestAlgorithm::Sha1,
            "2.16.840.1.101.3.4.2.1" => DigestAlgorithm::Sha256,
            "2.16.840.1.101.3.4.2.2" => DigestAlgorithm::Sha384,
            "2.16.840.1.101.3.4.2.3" => DigestAlgorithm::Sha512,
            _ => return None,
        })
    }

    pub fn from_name(name: &str) -> Option<DigestAlgorithm> {
        Some(match name.to_ascii_lowercase().replace('-', "").as_str() {
            "sha1" => DigestAlgorithm::Sha1,
            "sha256" => DigestAlgorithm::Sha256,
            "sha384" => DigestAlgorithm::Sha384,
            "sha512" => DigestAlgorithm::Sha512,
            _ => return None,
        })
    }

    pub fn oid(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "1.3.14.3.2.26",
            DigestAlgorithm::Sha256 => "2.16.840.1.101.3.4.2.1",
            DigestAlgorithm::Sha384 => "2.16.840.1.101.3.4.2.2",
            DigestAlgorithm::Sha512 => "2.16.840.1.101.3.4.2.3",
        }
    }

    /// Lower-case name as used in reports: `sha256`.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }

    /// SHA-1 is accepted when verifying but reported as weak.
    pub fn is_weak(self) -> bool {
        self == DigestAlgorithm::Sha1
    }

    pub fn ring(self) -> &'static ring::digest::Algorithm {
        match self {
            DigestAlgorithm::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            DigestAlgorithm::Sha256 => &ring::digest::SHA256,
            DigestAlgorithm::Sha384 => &ring::digest::SHA384,
            DigestAlgorithm::Sha512 => &ring::digest::SHA512,
        }
    }

    /// One-shot digest.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(self.ring(), data).as_ref().to_vec()
    }

    /// A streaming context (cloneable, so a running digest can be forked).
    pub fn context(self) -> ring::digest::Context {
        ring::digest::Context::new(self.ring())
    }

    /// The DER AlgorithmIdentifier (parameters absent, as RFC 5754 recommends).
    pub fn algorithm_identifier(self) -> Vec<u8> {
        der::seq(&[&der::oid(self.oid())])
    }
}

/// A fully resolved signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    RsaPkcs1(DigestAlgorithm),
    RsaPss {
        digest: DigestAlgorithm,
        salt_len: u32,
    },
    Ecdsa(DigestAlgorithm),
}

impl SignatureScheme {
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureScheme::RsaPkcs1(d) | SignatureScheme::Ecdsa(d) => d,
            SignatureScheme::RsaPss { digest, .. } => digest,
        }
    }

    /// Name for reports, e.g. `rsa-pkcs1-sha256`, `ecdsa-sha256`, `rsa-pss-sha256`.
    pub fn name(self) -> String {
        match self {
            SignatureScheme::RsaPkcs1(d) => format!("rsa-pkcs1-{}", d.name()),
            SignatureScheme::RsaPss { digest, .. } => format!("rsa-pss-{}", digest.name()),
            SignatureScheme::Ecdsa(d) => format!("ecdsa-{}", d.name()),
        }
    }

    /// The DER AlgorithmIdentifier to write in a CMS SignerInfo.
    pub fn algorithm_identifier(self) -> Vec<u8> {
        use DigestAlgorithm::*;
        match self {
            SignatureScheme::RsaPkcs1(d) => {
                let oid = match d {
                    Sha1 => "1.2.840.113549.1.1.5",
                    Sha256 => "1.2.840.113549.1.1.11",
                    Sha384 => "1.2.840.113549.1.1.12",
                    Sha512 => "1.2.840.113549.1.1.13",
                };
                der::seq(&[&der::oid(oid), &der::null()])
            }
            SignatureScheme::Ecdsa(d) => {
                let oid = match d {
                    Sha1 => "1.2.840.10045.4.1",
                    Sha256 => "1.2.840.10045.4.3.2",
                    Sha384 => "1.2.840.10045.4.3.3",
                    Sha512 => "1.2.840.10045.4.3.4",
                };
                der::seq(&[&der::oid(oid)])
            }
            SignatureScheme::RsaPss { digest, salt_len } => {
                let hash = digest.algorithm_identifier();
                let mgf = der::seq(&[&der::oid("1.2.840.113549.1.1.8"), &hash]);
                let params = der::seq(&[
                    &der::tlv(tag::ctx(0), &hash),
                    &der::tlv(tag::ctx(1), &mgf),
                    &der::tlv(tag::ctx(2), &der::uint(&salt_len.to_be_bytes())),
                ]);
                der::seq(&[&der::oid("1.2.840.113549.1.1.10"), &params])
            }
        }
    }
}

fn unsupported(what: String) -> Error {
    Error::UnsupportedAlgorithm(what)
}

/// Verifies `signature` over `message` with `key` under `scheme`.
pub fn verify(
    scheme: SignatureScheme,
    key: &PublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    use DigestAlgorithm::*;
    let alg: &dyn sig::VerificationAlgorithm = match (scheme, key) {
        (SignatureScheme::RsaPkcs1(d), PublicKey::Rsa { bits, .. }) => {
            if *bits < 1024 {
                return Err(unsupported(format!("RSA-{bits} key")));
            }
            match d {
                Sha1 => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
                Sha256 => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                Sha384 if *bits >= 2048 => &sig::RSA_PKCS1_2048_8192_SHA384,
                Sha512 => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
                Sha384 => return Err(unsupported(format!("RSA-{bits} with SHA-384"))),
            }
        }
        (SignatureScheme::RsaPss { digest, salt_len }, PublicKey::Rsa { bits, .. }) => {
            let hash_len = digest.ring().output_len() as u32;
            if salt_len != hash_len || *bits < 2048 {
                return Err(unsupported(format!(
                    "RSA-PSS with salt length {salt_len} (only the hash length is supported)"
                )));
            }
            match digest {
                Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
                Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
                Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
                Sha1 => return Err(unsupported("RSA-PSS with SHA-1".into())),
            }
        }
        (SignatureScheme::Ecdsa(d), PublicKey::Ec { curve, .. }) => match (curve, d) {
            (Curve::P256, Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
            (Curve::P256, Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
            (Curve::P384, Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
            (Curve::P384, Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
            (c, d) => return Err(unsupported(format!("ECDSA {c:?} with {}", d.name()))),
        },
        (s, k) => {
            return Err(unsupported(format!(
                "{} with a {} key",
                s.name(),
                k.describe()
            )));
        }
    };
    let key_bytes = match key {
        PublicKey::Rsa { pkcs1, .. } => pkcs1.as_slice(),
        PublicKey::Ec { point, .. } => point.as_slice(),
        PublicKey::Other(_) => &[],
    };
    sig::UnparsedPublicKey::new(alg, key_bytes)
        .verify(message, signature)
        .map_err(|_| Error::BadSignature)
}

/// Converts an ECDSA signature from DER (`SEQUENCE { r, s }`) to the fixed `r‖s` form used by
/// XML Signature, each half `half_len` bytes (32 for P-256, 48 for P-384).
pub fn ecdsa_der_to_fixed(der_sig: &[u8], half_len: usize) -> Result<Vec<u8>, Error> {
    let seq = der::parse_one(der_sig)?.expect_tag(tag::SEQUENCE, "ECDSA signature")?;
    let mut r = seq.reader();
    let mut out = Vec::with_capacity(half_len * 2);
    for _ in 0..2 {
        let int = r.read_tag(tag::INTEGER, "ECDSA signature integer")?.value;
        let skip = int.iter().take_while(|b| **b == 0).count();
        let mag = &int[skip.min(int.len())..];
        if mag.len() > half_len {
            return Err(Error::Der("ECDSA integer too large"));
        }
        out.resize(out.len() + half_len - mag.len(), 0);
        out.extend_from_slice(mag);
    }
    Ok(out)
}

/// Converts a fixed `r‖s` ECDSA signature to DER.
pub fn ecdsa_fixed_to_der(fixed: &[u8]) -> Result<Vec<u8>, Error> {
    if fixed.is_empty() || !fixed.len().is_multiple_of(2) {
        return Err(Error::Der("ECDSA r||s signature has an odd length"));
    }
    let (r, s) = fixed.split_at(fixed.len() / 2);
    Ok(der::seq(&[&der::uint(r), &der::uint(s)]))
}

/// The length of one half of a fixed ECDSA signature for a curve.
pub fn ecdsa_half_len(curve: Curve) -> usize {
    match curve {
        Curve::P256 => 32,
        Curve::P384 => 48,
    }
}

#[cfg(test)]
mod ecdsa_form_tests {
    use super::*;

    #[test]
    fn fixed_and_der_round_trip() {
        let fixed: Vec<u8> = (1..=64).collect();
        let der_form = ecdsa_fixed_to_der(&fixed).unwrap();
        assert_eq!(ecdsa_der_to_fixed(&der_form, 32).unwrap(), fixed);
        let mut high = vec![0x80u8; 64];
        high[32] = 0;
        let der_form = ecdsa_fixed_to_der(&high).unwrap();
        assert_eq!(ecdsa_der_to_fixed(&der_form, 32).unwrap(), high);
        assert!(ecdsa_fixed_to_der(&[1, 2, 3]).is_err());
    }
}
