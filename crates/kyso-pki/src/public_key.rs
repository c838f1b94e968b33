//! The public part of a key, as a certificate's subjectPublicKeyInfo names it.

/// A subject public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// RSA: the PKCS#1 RSAPublicKey DER, and the modulus size.
    Rsa { pkcs1: Vec<u8>, bits: usize },
    /// Elliptic curve: the curve and the uncompressed point.
    Ec { curve: Curve, point: Vec<u8> },
    /// Anything else, by algorithm OID.
    Other(String),
}

/// Named curves kyso knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
}

impl PublicKey {
    /// A short human description, e.g. `RSA-2048` or `ECDSA P-256`.
    pub fn describe(&self) -> String {
        match self {
            PublicKey::Rsa { bits, .. } => format!("RSA-{bits}"),
            PublicKey::Ec {
                curve: Curve::P256, ..
            } => "ECDSA P-256".into(),
            PublicKey::Ec {
                curve: Curve::P384, ..
            } => "ECDSA P-384".into(),
            PublicKey::Other(oid) => format!("key {oid}"),
        }
    }
}
