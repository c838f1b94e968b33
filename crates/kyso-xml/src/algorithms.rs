//! Algorithm URIs of XML Signature (RFC 3275, RFC 6931, RFC 9231, XML Signature 1.1).

use kyso_pki::{DigestAlgorithm, SignatureScheme};

pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub const BASE64: &str = "http://www.w3.org/2000/09/xmldsig#base64";
pub const C14N10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

const DIGESTS: [(DigestAlgorithm, &str); 8] = [
    (
        DigestAlgorithm::Sha1,
        "http://www.w3.org/2000/09/xmldsig#sha1",
    ),
    (
        DigestAlgorithm::Sha224,
        "http://www.w3.org/2001/04/xmldsig-more#sha224",
    ),
    (
        DigestAlgorithm::Sha256,
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ),
    (
        DigestAlgorithm::Sha384,
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
    ),
    (
        DigestAlgorithm::Sha512,
        "http://www.w3.org/2001/04/xmlenc#sha512",
    ),
    (
        DigestAlgorithm::Sha3_256,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-256",
    ),
    (
        DigestAlgorithm::Sha3_384,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-384",
    ),
    (
        DigestAlgorithm::Sha3_512,
        "http://www.w3.org/2007/05/xmldsig-more#sha3-512",
    ),
];

/// Digest method URI → algorithm.
pub fn digest_from_uri(uri: &str) -> Option<DigestAlgorithm> {
    DIGESTS.iter().find(|(_, u)| *u == uri).map(|(d, _)| *d)
}

/// Algorithm → digest method URI.
pub fn digest_uri(d: DigestAlgorithm) -> &'static str {
    DIGESTS
        .iter()
        .find(|(a, _)| *a == d)
        .map_or("http://www.w3.org/2001/04/xmlenc#sha256", |(_, u)| *u)
}

/// How an XML signature value is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlSignatureMethod {
    pub scheme: SignatureScheme,
}

/// RSA-PSS with MGF1 of the same hash and a salt of the hash length (RFC 6931 §2.3.10).
const fn pss(digest: DigestAlgorithm, salt_len: u32) -> SignatureScheme {
    SignatureScheme::RsaPss {
        digest,
        salt_len,
        mgf1: digest,
    }
}

const MORE: &str = "http://www.w3.org/2001/04/xmldsig-more#";
const MORE07: &str = "http://www.w3.org/2007/05/xmldsig-more#";
const MORE21: &str = "http://www.w3.org/2021/04/xmldsig-more#";

/// Signature methods: (scheme, namespace, fragment). The first entry of a scheme is the
/// one written when signing.
const SIGNATURES: [(SignatureScheme, &str, &str); 30] = {
    use DigestAlgorithm::*;
    use SignatureScheme::{Dsa, Ecdsa, RsaPkcs1};
    [
        (
            RsaPkcs1(Sha1),
            "http://www.w3.org/2000/09/xmldsig#",
            "rsa-sha1",
        ),
        (RsaPkcs1(Sha224), MORE, "rsa-sha224"),
        (RsaPkcs1(Sha256), MORE, "rsa-sha256"),
        (RsaPkcs1(Sha384), MORE, "rsa-sha384"),
        (RsaPkcs1(Sha512), MORE, "rsa-sha512"),
        (RsaPkcs1(Sha3_256), MORE21, "rsa-sha3-256"),
        (RsaPkcs1(Sha3_384), MORE21, "rsa-sha3-384"),
        (RsaPkcs1(Sha3_512), MORE21, "rsa-sha3-512"),
        (pss(Sha256, 32), MORE07, "sha256-rsa-MGF1"),
        (pss(Sha384, 48), MORE07, "sha384-rsa-MGF1"),
        (pss(Sha512, 64), MORE07, "sha512-rsa-MGF1"),
        (pss(Sha224, 28), MORE07, "sha224-rsa-MGF1"),
        (pss(Sha1, 20), MORE07, "sha1-rsa-MGF1"),
        (pss(Sha3_256, 32), MORE07, "sha3-256-rsa-MGF1"),
        (pss(Sha3_384, 48), MORE07, "sha3-384-rsa-MGF1"),
        (pss(Sha3_512, 64), MORE07, "sha3-512-rsa-MGF1"),
        (Ecdsa(Sha1), MORE, "ecdsa-sha1"),
        (Ecdsa(Sha224), MORE, "ecdsa-sha224"),
        (Ecdsa(Sha256), MORE, "ecdsa-sha256"),
        (Ecdsa(Sha384), MORE, "ecdsa-sha384"),
        (Ecdsa(Sha512), MORE, "ecdsa-sha512"),
        (Ecdsa(Sha3_256), MORE21, "ecdsa-sha3-256"),
        (Ecdsa(Sha3_384), MORE21, "ecdsa-sha3-384"),
        (Ecdsa(Sha3_512), MORE21, "ecdsa-sha3-512"),
        (Dsa(Sha1), "http://www.w3.org/2000/09/xmldsig#", "dsa-sha1"),
        (
            Dsa(Sha256),
            "http://www.w3.org/2009/xmldsig11#",
            "dsa-sha256",
        ),
        (SignatureScheme::Ed25519, MORE21, "eddsa-ed25519"),
        (SignatureScheme::Ed448, MORE21, "eddsa-ed448"),
        // The XML Signature 1.1 spellings of the same.
        (
            RsaPkcs1(Sha224),
            "http://www.w3.org/2007/05/xmldsig-more#",
            "rsa-sha224",
        ),
        (
            Ecdsa(Sha224),
            "http://www.w3.org/2007/05/xmldsig-more#",
            "ecdsa-sha224",
        ),
    ]
};

/// Signature method URI → scheme (ECDSA and DSA values are raw r‖s in XML).
pub fn signature_from_uri(uri: &str) -> Option<SignatureScheme> {
    SIGNATURES
        .iter()
        .find(|(_, ns, frag)| uri.strip_prefix(ns) == Some(frag))
        .map(|(s, _, _)| *s)
}

/// Scheme → signature method URI (RSA-PSS: by its hash, the salt being the hash length).
pub fn signature_uri(s: SignatureScheme) -> String {
    let found = SIGNATURES.iter().find(|(t, _, _)| match (s, *t) {
        (SignatureScheme::RsaPss { digest, .. }, SignatureScheme::RsaPss { digest: d2, .. }) => {
            digest == d2
        }
        _ => s == *t,
    });
    let (_, ns, frag) = found.copied().unwrap_or((s, MORE, "rsa-sha256"));
    format!("{ns}{frag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        for (scheme, ns, frag) in SIGNATURES.iter().take(28) {
            let uri = format!("{ns}{frag}");
            assert_eq!(signature_from_uri(&uri), Some(*scheme), "{uri}");
            assert_eq!(signature_uri(*scheme), uri);
        }
        for (d, u) in DIGESTS {
            assert_eq!(digest_from_uri(u), Some(d));
            assert_eq!(digest_uri(d), u);
        }
    }
}
