//! Digest and signature algorithms: identification from OIDs, verification with ring for
//! the common algorithms and kyso's own code (over `bignum`) for the rest.

use ring::signature as sig;

use crate::der::{self, Reader, tag};
pub use crate::digest::{Digest, DigestAlgorithm, DigestContext};
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
    /// algorithm may be a bare key algorithm (rsaEncryption, ecPublicKey, id-dsa).
    ///
    /// MD2 and MD5 signatures are [`Error::BrokenAlgorithm`] (known, and refused), anything
    /// else unknown [`Error::UnsupportedAlgorithm`] naming the OID.
    pub fn signature_scheme(
        &self,
        digest_hint: Option<DigestAlgorithm>,
    ) -> Result<SignatureScheme, Error> {
        use DigestAlgorithm::*;
        use SignatureScheme::{Dsa, Ecdsa, RsaPkcs1};
        let hinted = |d: Option<DigestAlgorithm>| {
            d.ok_or_else(|| Error::UnsupportedAlgorithm(format!("{} without a digest", self.oid)))
        };
        Ok(match self.oid.as_str() {
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => RsaPkcs1(Sha1),
            "1.2.840.113549.1.1.14" => RsaPkcs1(Sha224),
            "1.2.840.113549.1.1.11" => RsaPkcs1(Sha256),
            "1.2.840.113549.1.1.12" => RsaPkcs1(Sha384),
            "1.2.840.113549.1.1.13" => RsaPkcs1(Sha512),
            "2.16.840.1.101.3.4.3.14" => RsaPkcs1(Sha3_256),
            "2.16.840.1.101.3.4.3.15" => RsaPkcs1(Sha3_384),
            "2.16.840.1.101.3.4.3.16" => RsaPkcs1(Sha3_512),
            "1.2.840.113549.1.1.1" => RsaPkcs1(hinted(digest_hint)?),
            "1.2.840.10045.4.1" => Ecdsa(Sha1),
            "1.2.840.10045.4.3.1" => Ecdsa(Sha224),
            "1.2.840.10045.4.3.2" => Ecdsa(Sha256),
            "1.2.840.10045.4.3.3" => Ecdsa(Sha384),
            "1.2.840.10045.4.3.4" => Ecdsa(Sha512),
            "2.16.840.1.101.3.4.3.10" => Ecdsa(Sha3_256),
            "2.16.840.1.101.3.4.3.11" => Ecdsa(Sha3_384),
            "2.16.840.1.101.3.4.3.12" => Ecdsa(Sha3_512),
            "1.3.6.1.5.5.7.6.33" => Ecdsa(Shake256),
            "1.2.840.10045.2.1" => Ecdsa(hinted(digest_hint)?),
            "1.2.840.10040.4.3" => Dsa(Sha1),
            "2.16.840.1.101.3.4.3.1" => Dsa(Sha224),
            "2.16.840.1.101.3.4.3.2" => Dsa(Sha256),
            "2.16.840.1.101.3.4.3.3" => Dsa(Sha384),
            "2.16.840.1.101.3.4.3.4" => Dsa(Sha512),
            "2.16.840.1.101.3.4.3.6" => Dsa(Sha3_256),
            "2.16.840.1.101.3.4.3.7" => Dsa(Sha3_384),
            "2.16.840.1.101.3.4.3.8" => Dsa(Sha3_512),
            "1.2.840.10040.4.1" => Dsa(hinted(digest_hint)?),
            // BSI TR-03111 ecdsa-plain-*: the value is r||s, not DER (see `is_plain_ecdsa`).
            "0.4.0.127.0.7.1.1.4.1.1" => Ecdsa(Sha1),
            "0.4.0.127.0.7.1.1.4.1.2" => Ecdsa(Sha224),
            "0.4.0.127.0.7.1.1.4.1.3" => Ecdsa(Sha256),
            "0.4.0.127.0.7.1.1.4.1.4" => Ecdsa(Sha384),
            "0.4.0.127.0.7.1.1.4.1.5" => Ecdsa(Sha512),
            "0.4.0.127.0.7.1.1.4.1.9" => Ecdsa(Sha3_256),
            "0.4.0.127.0.7.1.1.4.1.10" => Ecdsa(Sha3_384),
            "0.4.0.127.0.7.1.1.4.1.11" => Ecdsa(Sha3_512),
            "1.3.101.112" => SignatureScheme::Ed25519,
            "1.3.101.113" => SignatureScheme::Ed448,
            "1.2.840.113549.1.1.10" => self.pss_scheme()?,
            "1.2.840.113549.1.1.4" => {
                return Err(Error::BrokenAlgorithm("md5WithRSAEncryption (MD5)".into()));
            }
            "1.2.840.113549.1.1.2" => {
                return Err(Error::BrokenAlgorithm("md2WithRSAEncryption (MD2)".into()));
            }
            "1.2.840.113549.1.1.3" => {
                return Err(Error::BrokenAlgorithm("md4WithRSAEncryption (MD4)".into()));
            }
            other if is_curve_oid(other) => {
                return Err(Error::MisplacedAlgorithm(format!(
                    "the named curve {other} stands where a signature algorithm belongs"
                )));
            }
            other => {
                return Err(Error::UnsupportedAlgorithm(format!(
                    "signature algorithm {other}"
                )));
            }
        })
    }

    /// A BSI TR-03111 `ecdsa-plain-*` algorithm, whose signature value is the fixed-length
    /// `r‖s`, not the DER `SEQUENCE { r, s }` of X9.62 ECDSA: convert it with
    /// [`ecdsa_fixed_to_der`] before verifying.
    pub fn is_plain_ecdsa(&self) -> bool {
        self.oid.starts_with("0.4.0.127.0.7.1.1.4.1.")
    }

    /// The signature value in the form [`verify`] takes: a plain-ECDSA `r‖s` as DER, any
    /// other value as it is.
    pub fn signature_value<'a>(
        &self,
        value: &'a [u8],
    ) -> Result<std::borrow::Cow<'a, [u8]>, Error> {
        Ok(if self.is_plain_ecdsa() {
            std::borrow::Cow::Owned(ecdsa_fixed_to_der(value)?)
        } else {
            std::borrow::Cow::Borrowed(value)
        })
    }

    /// Whether this OID names a signature algorithm (one [`Self::signature_scheme`] knows,
    /// MD2/MD4/MD5 included), as opposed to a digest or anything else: a digestAlgorithm
    /// field holding one is malformed.
    pub fn is_signature_algorithm(&self) -> bool {
        !matches!(
            self.signature_scheme(Some(DigestAlgorithm::Sha256)),
            Err(Error::UnsupportedAlgorithm(_) | Error::MisplacedAlgorithm(_))
        ) && DigestAlgorithm::from_oid(&self.oid).is_none()
    }

    fn pss_scheme(&self) -> Result<SignatureScheme, Error> {
        // RSASSA-PSS-params: [0] hash (default SHA-1), [1] MGF (default MGF1-SHA1), [2] salt (default 20).
        let mut digest = DigestAlgorithm::Sha1;
        let mut mgf1 = DigestAlgorithm::Sha1;
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
                mgf1 = DigestAlgorithm::from_oid(&inner.oid).ok_or_else(|| {
                    Error::UnsupportedAlgorithm(format!("MGF1 hash {}", inner.oid))
                })?;
            }
            if let Some(s) = r.read_optional(tag::ctx(2))? {
                let i = s.reader().read_tag(tag::INTEGER, "saltLength")?;
                let skip = i.value.iter().take_while(|b| **b == 0).count();
                if i.value.len() - skip > 2 || i.value.first().is_some_and(|b| b & 0x80 != 0) {
                    return Err(Error::Der("PSS salt length out of range"));
                }
                salt_len = i.value.iter().fold(0u32, |a, b| (a << 8) | *b as u32);
            }
            if let Some(t) = r.read_optional(tag::ctx(3))? {
                let i = t.reader().read_tag(tag::INTEGER, "trailerField")?;
                if i.value != [1] {
                    return Err(Error::UnsupportedAlgorithm(
                        "PSS trailer field other than 1".into(),
                    ));
                }
            }
        }
        Ok(SignatureScheme::RsaPss {
            digest,
            salt_len,
            mgf1,
        })
    }
}

/// A fully resolved signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    RsaPkcs1(DigestAlgorithm),
    RsaPss {
        digest: DigestAlgorithm,
        salt_len: u32,
        /// The MGF1 hash (usually the message hash).
        mgf1: DigestAlgorithm,
    },
    Ecdsa(DigestAlgorithm),
    /// DSA (FIPS 186): verified through [`crate::dsa`], which needs the key's domain
    /// parameters (see `Certificate::verify_message`).
    Dsa(DigestAlgorithm),
    /// Ed25519 (RFC 8032, pure).
    Ed25519,
    /// Ed448 (RFC 8032, pure, empty context).
    Ed448,
}

impl SignatureScheme {
    /// The message digest (for EdDSA, the hash its algorithm names: SHA-512 for Ed25519;
    /// Ed448's SHAKE256 is not a [`DigestAlgorithm`], SHA-512 stands for it here).
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureScheme::RsaPkcs1(d) | SignatureScheme::Ecdsa(d) | SignatureScheme::Dsa(d) => d,
            SignatureScheme::RsaPss { digest, .. } => digest,
            SignatureScheme::Ed25519 | SignatureScheme::Ed448 => DigestAlgorithm::Sha512,
        }
    }

    /// Whether `key` is of the kind this scheme signs with (RSA for the RSA schemes, an EC
    /// key for ECDSA, ...); a DSA key is [`PublicKey::Other`] with the id-dsa OID.
    pub fn fits(self, key: &PublicKey) -> bool {
        matches!(
            (self, key),
            (
                SignatureScheme::RsaPkcs1(_) | SignatureScheme::RsaPss { .. },
                PublicKey::Rsa { .. }
            ) | (SignatureScheme::Ecdsa(_), PublicKey::Ec { .. })
                | (SignatureScheme::Ed25519, PublicKey::Ed25519(_))
                | (SignatureScheme::Ed448, PublicKey::Ed448(_))
        ) || matches!((self, key), (SignatureScheme::Dsa(_), PublicKey::Other(oid)) if oid == "1.2.840.10040.4.1")
            // An EC key on a curve kyso does not know: ECDSA names it.
            || matches!((self, key), (SignatureScheme::Ecdsa(_), PublicKey::Other(oid)) if oid.starts_with("EC curve"))
    }

    /// Whether the scheme's hash is weak (SHA-1).
    pub fn is_weak(self) -> bool {
        match self {
            SignatureScheme::Ed25519 | SignatureScheme::Ed448 => false,
            s => s.digest().is_weak(),
        }
    }

    /// Name for reports, e.g. `rsa-pkcs1-sha256`, `ecdsa-sha256`, `rsa-pss-sha256`,
    /// `dsa-sha256`, `ed25519`, `ed448`.
    pub fn name(self) -> String {
        match self {
            SignatureScheme::RsaPkcs1(d) => format!("rsa-pkcs1-{}", d.name()),
            SignatureScheme::RsaPss { digest, .. } => format!("rsa-pss-{}", digest.name()),
            SignatureScheme::Ecdsa(d) => format!("ecdsa-{}", d.name()),
            SignatureScheme::Dsa(d) => format!("dsa-{}", d.name()),
            SignatureScheme::Ed25519 => "ed25519".into(),
            SignatureScheme::Ed448 => "ed448".into(),
        }
    }

    /// The DER AlgorithmIdentifier to write in a CMS SignerInfo.
    pub fn algorithm_identifier(self) -> Vec<u8> {
        use DigestAlgorithm::*;
        match self {
            SignatureScheme::RsaPkcs1(d) => {
                let oid = match d {
                    Sha1 => "1.2.840.113549.1.1.5",
                    Sha224 => "1.2.840.113549.1.1.14",
                    Sha256 => "1.2.840.113549.1.1.11",
                    Sha384 => "1.2.840.113549.1.1.12",
                    Sha512 => "1.2.840.113549.1.1.13",
                    Sha3_256 => "2.16.840.1.101.3.4.3.14",
                    Sha3_384 => "2.16.840.1.101.3.4.3.15",
                    Sha3_512 => "2.16.840.1.101.3.4.3.16",
                    Shake256 => "1.2.840.113549.1.1.1",
                };
                der::seq(&[&der::oid(oid), &der::null()])
            }
            SignatureScheme::Ecdsa(d) => {
                let oid = match d {
                    Sha1 => "1.2.840.10045.4.1",
                    Sha224 => "1.2.840.10045.4.3.1",
                    Sha256 => "1.2.840.10045.4.3.2",
                    Sha384 => "1.2.840.10045.4.3.3",
                    Sha512 => "1.2.840.10045.4.3.4",
                    Sha3_256 => "2.16.840.1.101.3.4.3.10",
                    Sha3_384 => "2.16.840.1.101.3.4.3.11",
                    Sha3_512 => "2.16.840.1.101.3.4.3.12",
                    Shake256 => "1.3.6.1.5.5.7.6.33",
                };
                der::seq(&[&der::oid(oid)])
            }
            SignatureScheme::Dsa(d) => {
                let oid = match d {
                    Sha1 => "1.2.840.10040.4.3",
                    Sha224 => "2.16.840.1.101.3.4.3.1",
                    Sha256 => "2.16.840.1.101.3.4.3.2",
                    Sha384 => "2.16.840.1.101.3.4.3.3",
                    Sha512 => "2.16.840.1.101.3.4.3.4",
                    Sha3_256 => "2.16.840.1.101.3.4.3.6",
                    Sha3_384 => "2.16.840.1.101.3.4.3.7",
                    Sha3_512 => "2.16.840.1.101.3.4.3.8",
                    Shake256 => "1.2.840.10040.4.1",
                };
                der::seq(&[&der::oid(oid)])
            }
            SignatureScheme::Ed25519 => der::seq(&[&der::oid("1.3.101.112")]),
            SignatureScheme::Ed448 => der::seq(&[&der::oid("1.3.101.113")]),
            SignatureScheme::RsaPss {
                digest,
                salt_len,
                mgf1,
            } => {
                let hash = digest.algorithm_identifier();
                let mgf = der::seq(&[
                    &der::oid("1.2.840.113549.1.1.8"),
                    &mgf1.algorithm_identifier(),
                ]);
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
///
/// ring serves the common pairs (RSA PKCS#1 v1.5 with SHA-1/SHA-2 up to 8192 bits, RSA-PSS
/// with a salt of the hash length, ECDSA P-256/P-384 with SHA-256/SHA-384, Ed25519); the
/// rest goes to `rsa`, `ec` and `ed448`. DSA needs the key's
/// domain parameters: see `Certificate::verify_message`.
pub fn verify(
    scheme: SignatureScheme,
    key: &PublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    use DigestAlgorithm::*;
    let (alg, key_bytes): (&dyn sig::VerificationAlgorithm, &[u8]) = match (scheme, key) {
        (SignatureScheme::RsaPkcs1(d), PublicKey::Rsa { bits, pkcs1 }) => {
            if *bits < crate::rsa::MIN_BITS || *bits > crate::rsa::MAX_BITS {
                return Err(unsupported(format!("RSA-{bits} key")));
            }
            let ring_alg: Option<&dyn sig::VerificationAlgorithm> = match d {
                _ if *bits > 8192 => None,
                Sha1 => Some(&sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY),
                Sha256 => Some(&sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY),
                Sha384 if *bits >= 2048 => Some(&sig::RSA_PKCS1_2048_8192_SHA384),
                Sha512 => Some(&sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY),
                _ => None,
            };
            match ring_alg {
                Some(a) => (a, pkcs1.as_slice()),
                None => return crate::rsa::verify_pkcs1(pkcs1, d, message, signature),
            }
        }
        (
            SignatureScheme::RsaPss {
                digest,
                salt_len,
                mgf1,
            },
            PublicKey::Rsa { bits, pkcs1 },
        ) => {
            let ring_alg: Option<&dyn sig::VerificationAlgorithm> = if salt_len as usize
                != digest.output_len()
                || mgf1 != digest
                || !(2048..=8192).contains(bits)
            {
                None
            } else {
                match digest {
                    Sha256 => Some(&sig::RSA_PSS_2048_8192_SHA256),
                    Sha384 => Some(&sig::RSA_PSS_2048_8192_SHA384),
                    Sha512 => Some(&sig::RSA_PSS_2048_8192_SHA512),
                    _ => None,
                }
            };
            match ring_alg {
                Some(a) => (a, pkcs1.as_slice()),
                None => {
                    return crate::rsa::verify_pss(
                        pkcs1,
                        digest,
                        mgf1,
                        salt_len as usize,
                        message,
                        signature,
                    );
                }
            }
        }
        (SignatureScheme::Ecdsa(d), PublicKey::Ec { curve, point }) => {
            let ring_alg: &dyn sig::VerificationAlgorithm = match (curve, d) {
                (Curve::P256, Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
                (Curve::P256, Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
                (Curve::P384, Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
                (Curve::P384, Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
                (c, d) => {
                    return crate::ec::verify_prehash(*c, point, &d.digest(message), signature);
                }
            };
            (ring_alg, point.as_slice())
        }
        (SignatureScheme::Ed25519, PublicKey::Ed25519(k)) => (&sig::ED25519, k.as_slice()),
        (SignatureScheme::Ed448, PublicKey::Ed448(k)) => {
            return crate::ed448::verify(k, message, signature);
        }
        (SignatureScheme::Ecdsa(d), PublicKey::Other(what)) if what.starts_with("EC curve") => {
            return Err(unsupported(format!(
                "ECDSA with {} on {what}",
                d.display_name()
            )));
        }
        (SignatureScheme::Dsa(d), _) => {
            return Err(unsupported(format!(
                "DSA with {} without the key's domain parameters",
                d.display_name()
            )));
        }
        // A key of another kind cannot have made the signature: not an unsupported
        // algorithm (which would stop a path search at a same-named issuer with another key,
        // and name that key's algorithm instead of the signature's).
        (_, _) => return Err(Error::BadSignature),
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

/// Named elliptic curves (X9.62 prime curves, SECG, brainpool): OIDs of domain parameters,
/// never of a signature algorithm.
fn is_curve_oid(oid: &str) -> bool {
    ["1.2.840.10045.3.1.", "1.3.132.0.", "1.3.36.3.3.2.8.1.1."]
        .iter()
        .any(|p| oid.starts_with(p))
}

/// The length of one half of a fixed ECDSA signature for a curve.
pub fn ecdsa_half_len(curve: Curve) -> usize {
    crate::ec::field_len(curve)
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
