//! HMAC signature methods (`hmac-sha1`, `hmac-sha256/384/512`) with the key the user gives
//! (`--hmac-key`); `HMACOutputLength` as the XMLDSig erratum (E03) requires: a truncation below
//! 80 bits or half the hash length is refused.

use roxmltree::Node;

use crate::algorithms::DSIG_NS;
use crate::document::text_of;
use crate::keys::KeyContext;
use crate::verify::{BareKey, SignatureOutcome};

/// An HMAC signature method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hmac {
    alg: ring::hmac::Algorithm,
    name: &'static str,
    /// The hash length in bits.
    bits: usize,
}

impl Hmac {
    pub(crate) fn from_uri(uri: &str) -> Option<Hmac> {
        let (alg, name, bits) = match uri {
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1" => {
                (ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, "HMAC-SHA1", 160)
            }
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256" => {
                (ring::hmac::HMAC_SHA256, "HMAC-SHA256", 256)
            }
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha384" => {
                (ring::hmac::HMAC_SHA384, "HMAC-SHA384", 384)
            }
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512" => {
                (ring::hmac::HMAC_SHA512, "HMAC-SHA512", 512)
            }
            _ => return None,
        };
        Some(Hmac { alg, name, bits })
    }
}

/// Checks the HMAC `value` over the canonical SignedInfo `message`.
pub(crate) fn check(
    hmac: Hmac,
    method: &Node<'_, '_>,
    message: &[u8],
    value: &[u8],
    ctx: &KeyContext,
    out: &mut SignatureOutcome,
) {
    if hmac.bits == 160 {
        out.warnings
            .push("HMAC-SHA1 signature method (weak)".into());
    }
    let mut bits = hmac.bits;
    if let Some(len) = method.children().find(|c| {
        c.is_element()
            && c.tag_name().name() == "HMACOutputLength"
            && c.tag_name().namespace() == Some(DSIG_NS)
    }) {
        let text = text_of(&len);
        let Ok(n) = text.trim().parse::<usize>() else {
            out.fail(
                "malformed_signature",
                format!("HMACOutputLength '{}' is not a number", text.trim()),
            );
            return;
        };
        let min = (hmac.bits / 2).max(80);
        if n < min || n > hmac.bits || n % 8 != 0 {
            out.fail(
                "signature_invalid",
                format!(
                    "HMACOutputLength {n} is refused: {} must keep at least {min} bits (XMLDSig erratum E03), at most {}, in whole bytes",
                    hmac.name, hmac.bits
                ),
            );
            return;
        }
        bits = n;
    }
    let Some(key) = &ctx.hmac_key else {
        out.indeterminate(
            "signer_certificate_missing",
            format!(
                "{} signature: the shared secret key is needed to verify it (give it with --hmac-key FILE)",
                hmac.name
            ),
        );
        return;
    };
    let tag = ring::hmac::sign(&ring::hmac::Key::new(hmac.alg, key.bytes()), message);
    let expected = tag.as_ref().get(..bits / 8).unwrap_or_default();
    if value.len() != expected.len() || !constant_time_eq(value, expected) {
        out.fail(
            "signature_invalid",
            format!(
                "the {} value does not verify over SignedInfo with the --hmac-key key",
                hmac.name
            ),
        );
        return;
    }
    out.bare_key = Some(BareKey {
        description: format!("{} (--hmac-key)", hmac.name),
        user_given: true,
    });
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
