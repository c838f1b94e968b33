//! The public part of a key, as a certificate's subjectPublicKeyInfo names it.

/// A subject public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// RSA: the PKCS#1 RSAPublicKey DER, and the modulus size.
    Rsa { pkcs1: Vec<u8>, bits: usize },
    /// Elliptic curve: the curve and the uncompressed point.
    Ec { curve: Curve, point: Vec<u8> },
    /// Ed25519 (RFC 8410): the 32-byte public key.
    Ed25519(Vec<u8>),
    /// Ed448 (RFC 8410): the 57-byte public key.
    Ed448(Vec<u8>),
    /// Anything else, by algorithm OID (DSA keys among them: see [`crate::dsa`]).
    Other(String),
}

/// Named curves kyso knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
    BrainpoolP256r1,
    BrainpoolP384r1,
    BrainpoolP512r1,
}

impl Curve {
    /// Every curve.
    pub const ALL: [Curve; 6] = [
        Curve::P256,
        Curve::P384,
        Curve::P521,
        Curve::BrainpoolP256r1,
        Curve::BrainpoolP384r1,
        Curve::BrainpoolP512r1,
    ];

    /// The namedCurve OID.
    pub fn oid(self) -> &'static str {
        match self {
            Curve::P256 => "1.2.840.10045.3.1.7",
            Curve::P384 => "1.3.132.0.34",
            Curve::P521 => "1.3.132.0.35",
            Curve::BrainpoolP256r1 => "1.3.36.3.3.2.8.1.1.7",
            Curve::BrainpoolP384r1 => "1.3.36.3.3.2.8.1.1.11",
            Curve::BrainpoolP512r1 => "1.3.36.3.3.2.8.1.1.13",
        }
    }

    /// The curve of a namedCurve OID.
    pub fn from_oid(oid: &str) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| c.oid() == oid)
    }

    /// The usual name: `P-256`, `brainpoolP256r1`.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
            Curve::BrainpoolP256r1 => "brainpoolP256r1",
            Curve::BrainpoolP384r1 => "brainpoolP384r1",
            Curve::BrainpoolP512r1 => "brainpoolP512r1",
        }
    }
}

impl PublicKey {
    /// A short human description, e.g. `RSA-2048` or `ECDSA P-256`.
    pub fn describe(&self) -> String {
        match self {
            PublicKey::Rsa { bits, .. } => format!("RSA-{bits}"),
            PublicKey::Ec { curve, .. } => format!("ECDSA {}", curve.name()),
            PublicKey::Ed25519(_) => "Ed25519".into(),
            PublicKey::Ed448(_) => "Ed448".into(),
            PublicKey::Other(oid) => format!("key {oid}"),
        }
    }
}
