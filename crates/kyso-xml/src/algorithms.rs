//! Algorithm URIs of XML Signature (RFC 3275, RFC 6931).

use kyso_pki::{DigestAlgorithm, SignatureScheme};

pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub const BASE64: &str = "http://www.w3.org/2000/09/xmldsig#base64";
pub const C14N10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// Digest method URI → algorithm.
pub fn digest_from_uri(uri: &str) -> Option<DigestAlgorithm> {
    Some(match uri {
        "http://www.w3.org/2000/09/xmldsig#sha1" => DigestAlgorithm::Sha1,
        "http://www.w3.org/2001/04/xmlenc#sha256" => DigestAlgorithm::Sha256,
        "http://www.w3.org/2001/04/xmldsig-more#sha384" => DigestAlgorithm::Sha384,
        "http://www.w3.org/2001/04/xmlenc#sha512" => DigestAlgorithm::Sha512,
        _ => return None,
    })
}

/// Algorithm → digest method URI.
pub fn digest_uri(d: DigestAlgorithm) -> &'static str {
    match d {
        DigestAlgorithm::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
        DigestAlgorithm::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
        DigestAlgorithm::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
        DigestAlgorithm::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
    }
}

/// How an XML signature value is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlSignatureMethod {
    pub scheme: SignatureScheme,
}

/// Signature method URI → scheme (ECDSA values are raw r‖s in XML).
pub fn signature_from_uri(uri: &str) -> Option<SignatureScheme> {
    use DigestAlgorithm::*;
    Some(match uri {
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => SignatureScheme::RsaPkcs1(Sha1),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => SignatureScheme::RsaPkcs1(Sha256),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => SignatureScheme::RsaPkcs1(Sha384),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => SignatureScheme::RsaPkcs1(Sha512),
        "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1" => SignatureScheme::RsaPss {
            digest: Sha256,
            salt_len: 32,
        },
        "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1" => SignatureScheme::RsaPss {
            digest: Sha384,
            salt_len: 48,
        },
        "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1" => SignatureScheme::RsaPss {
            digest: Sha512,
            salt_len: 64,
        },
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1" => SignatureScheme::Ecdsa(Sha1),
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => SignatureScheme::Ecdsa(Sha256),
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384" => SignatureScheme::Ecdsa(Sha384),
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512" => SignatureScheme::Ecdsa(Sha512),
        _ => return None,
    })
}

/// Scheme → signature method URI (for signing: PKCS#1 v1.5 and ECDSA).
pub fn signature_uri(s: SignatureScheme) -> &'static str {
    use DigestAlgorithm::*;
    match s {
        SignatureScheme::RsaPkcs1(Sha1) => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        SignatureScheme::RsaPkcs1(Sha256) => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        SignatureScheme::RsaPkcs1(Sha384) => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        SignatureScheme::RsaPkcs1(Sha512) => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        SignatureScheme::RsaPss { digest: Sha384, .. } => {
            "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
        }
        SignatureScheme::RsaPss { digest: Sha512, .. } => {
            "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"
        }
        SignatureScheme::RsaPss { .. } => "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
        SignatureScheme::Ecdsa(Sha1) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
        SignatureScheme::Ecdsa(Sha256) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        SignatureScheme::Ecdsa(Sha384) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        SignatureScheme::Ecdsa(Sha512) => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
    }
}
