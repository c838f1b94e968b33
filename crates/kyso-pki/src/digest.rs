//! Message digests: SHA-1 and SHA-2 with ring (the fast path), SHA-224 and SHA-3 with the
//! RustCrypto `sha2`/`sha3` crates.

use sha2::Digest as _;
use sha3::digest::{ExtendableOutput, Update, XofReader};

use crate::der;

/// Message digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DigestAlgorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    Sha224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
    /// SHAKE256 with 512 bits of output (RFC 8419: the digest of Ed448 signatures in CMS).
    Shake256,
}

impl DigestAlgorithm {
    /// Every algorithm, in a stable order.
    pub const ALL: [DigestAlgorithm; 9] = [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
        DigestAlgorithm::Sha224,
        DigestAlgorithm::Sha3_256,
        DigestAlgorithm::Sha3_384,
        DigestAlgorithm::Sha3_512,
        DigestAlgorithm::Shake256,
    ];

    pub fn from_oid(oid: &str) -> Option<DigestAlgorithm> {
        DigestAlgorithm::ALL.into_iter().find(|d| d.oid() == oid)
    }

    pub fn from_name(name: &str) -> Option<DigestAlgorithm> {
        let wanted = name.to_ascii_lowercase().replace(['-', '_'], "");
        DigestAlgorithm::ALL
            .into_iter()
            .find(|d| d.name().replace('-', "") == wanted)
    }

    pub fn oid(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "1.3.14.3.2.26",
            DigestAlgorithm::Sha256 => "2.16.840.1.101.3.4.2.1",
            DigestAlgorithm::Sha384 => "2.16.840.1.101.3.4.2.2",
            DigestAlgorithm::Sha512 => "2.16.840.1.101.3.4.2.3",
            DigestAlgorithm::Sha224 => "2.16.840.1.101.3.4.2.4",
            DigestAlgorithm::Sha3_256 => "2.16.840.1.101.3.4.2.8",
            DigestAlgorithm::Sha3_384 => "2.16.840.1.101.3.4.2.9",
            DigestAlgorithm::Sha3_512 => "2.16.840.1.101.3.4.2.10",
            DigestAlgorithm::Shake256 => "2.16.840.1.101.3.4.2.12",
        }
    }

    /// Lower-case name as used in reports: `sha256`, `sha3-256`.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
            DigestAlgorithm::Sha224 => "sha224",
            DigestAlgorithm::Sha3_256 => "sha3-256",
            DigestAlgorithm::Sha3_384 => "sha3-384",
            DigestAlgorithm::Sha3_512 => "sha3-512",
            DigestAlgorithm::Shake256 => "shake256",
        }
    }

    /// The name as people write it: `SHA-256`, `SHA3-256`.
    pub fn display_name(self) -> String {
        match self {
            DigestAlgorithm::Sha3_256
            | DigestAlgorithm::Sha3_384
            | DigestAlgorithm::Sha3_512
            | DigestAlgorithm::Shake256 => self.name().to_ascii_uppercase(),
            _ => format!("SHA-{}", self.name().trim_start_matches("sha")),
        }
    }

    /// SHA-1 is accepted when verifying but reported as weak.
    pub fn is_weak(self) -> bool {
        self == DigestAlgorithm::Sha1
    }

    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 => 20,
            DigestAlgorithm::Sha224 => 28,
            DigestAlgorithm::Sha256 | DigestAlgorithm::Sha3_256 => 32,
            DigestAlgorithm::Sha384 | DigestAlgorithm::Sha3_384 => 48,
            DigestAlgorithm::Sha512 | DigestAlgorithm::Sha3_512 | DigestAlgorithm::Shake256 => 64,
        }
    }

    /// ring's algorithm, for the digests ring has.
    pub fn ring(self) -> Option<&'static ring::digest::Algorithm> {
        Some(match self {
            DigestAlgorithm::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            DigestAlgorithm::Sha256 => &ring::digest::SHA256,
            DigestAlgorithm::Sha384 => &ring::digest::SHA384,
            DigestAlgorithm::Sha512 => &ring::digest::SHA512,
            _ => return None,
        })
    }

    /// One-shot digest.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut ctx = self.context();
        ctx.update(data);
        ctx.finish().0
    }

    /// A streaming context (cloneable, so a running digest can be forked).
    pub fn context(self) -> DigestContext {
        DigestContext(match (self, self.ring()) {
            (_, Some(alg)) => Inner::Ring(ring::digest::Context::new(alg)),
            (DigestAlgorithm::Sha3_256, _) => Inner::Sha3_256(sha3::Sha3_256::new()),
            (DigestAlgorithm::Sha3_384, _) => Inner::Sha3_384(sha3::Sha3_384::new()),
            (DigestAlgorithm::Sha3_512, _) => Inner::Sha3_512(sha3::Sha3_512::new()),
            (DigestAlgorithm::Shake256, _) => Inner::Shake256(sha3::Shake256::default()),
            _ => Inner::Sha224(sha2::Sha224::new()),
        })
    }

    /// The DER AlgorithmIdentifier (parameters absent, as RFC 5754 recommends).
    pub fn algorithm_identifier(self) -> Vec<u8> {
        der::seq(&[&der::oid(self.oid())])
    }
}

/// A running digest.
#[derive(Clone)]
pub struct DigestContext(Inner);

#[derive(Clone)]
enum Inner {
    Ring(ring::digest::Context),
    Sha224(sha2::Sha224),
    Sha3_256(sha3::Sha3_256),
    Sha3_384(sha3::Sha3_384),
    Sha3_512(sha3::Sha3_512),
    Shake256(sha3::Shake256),
}

impl std::fmt::Debug for DigestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DigestContext")
    }
}

impl DigestContext {
    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            Inner::Ring(c) => c.update(data),
            Inner::Sha224(c) => sha2::Digest::update(c, data),
            Inner::Sha3_256(c) => sha2::Digest::update(c, data),
            Inner::Sha3_384(c) => sha2::Digest::update(c, data),
            Inner::Sha3_512(c) => sha2::Digest::update(c, data),
            Inner::Shake256(c) => Update::update(c, data),
        }
    }

    /// The digest.
    pub fn finish(self) -> Digest {
        Digest(match self.0 {
            Inner::Ring(c) => c.finish().as_ref().to_vec(),
            Inner::Sha224(c) => c.finalize().to_vec(),
            Inner::Sha3_256(c) => c.finalize().to_vec(),
            Inner::Sha3_384(c) => c.finalize().to_vec(),
            Inner::Sha3_512(c) => c.finalize().to_vec(),
            Inner::Shake256(c) => {
                let mut out = vec![0u8; 64];
                c.finalize_xof().read(&mut out);
                out
            }
        })
    }
}

/// A finished digest value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest(pub Vec<u8>);

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn known_answers() {
        let abc = b"abc";
        assert_eq!(
            hex(&DigestAlgorithm::Sha224.digest(abc)),
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"
        );
        assert_eq!(
            hex(&DigestAlgorithm::Sha3_256.digest(abc)),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"
        );
        for d in DigestAlgorithm::ALL {
            assert_eq!(d.digest(abc).len(), d.output_len());
            assert_eq!(DigestAlgorithm::from_oid(d.oid()), Some(d));
            assert_eq!(DigestAlgorithm::from_name(d.name()), Some(d));
        }
        assert_eq!(
            DigestAlgorithm::from_name("SHA3_384"),
            Some(DigestAlgorithm::Sha3_384)
        );
        assert_eq!(DigestAlgorithm::Sha3_256.display_name(), "SHA3-256");
        assert_eq!(DigestAlgorithm::Sha224.display_name(), "SHA-224");
    }
}
