//! DSA signature verification (FIPS 186), which ring does not offer, for certificates and
//! CRLs of older PKIs (the NIST PKITS suite among them), with the domain-parameter
//! inheritance of RFC 5280 §6.1.4 (e)–(f).
//!
//! Arithmetic is a small Montgomery implementation over 32-bit limbs; keys of 1024 to
//! 3072 bits are accepted.

use crate::algorithm::{AlgorithmId, DigestAlgorithm, SignatureScheme};
use crate::bignum::Big;
use crate::der::{self, Reader, tag};
use crate::error::Error;

const ID_DSA: &str = "1.2.840.10040.4.1";

/// Whether a signature algorithm is DSA.
pub fn is_dsa(alg: &AlgorithmId) -> bool {
    matches!(alg.signature_scheme(None), Ok(SignatureScheme::Dsa(_)))
}

/// Domain parameters and public value of a DSA key.
struct DsaKey {
    params: Option<(Vec<u8>, Vec<u8>, Vec<u8>)>,
    y: Vec<u8>,
}

/// The DSA key of a subjectPublicKeyInfo (as encoded); `None` for any other key.
fn dsa_key(spki: &[u8]) -> Option<DsaKey> {
    let spki = der::parse_one(spki).ok()?;
    let mut r = spki.reader();
    let alg = AlgorithmId::read(&mut r).ok()?;
    if alg.oid != ID_DSA {
        return None;
    }
    let bits = r.read_tag(tag::BIT_STRING, "subjectPublicKey").ok()?;
    let y = der::parse_one(bits.value.get(1..)?)
        .ok()?
        .expect_tag(tag::INTEGER, "DSA public key")
        .ok()?
        .value
        .to_vec();
    let params = match der::parse_one(&alg.params) {
        Ok(seq) if seq.tag == tag::SEQUENCE => {
            let mut p = seq.reader();
            let mut int = || -> Option<Vec<u8>> {
                Some(p.read_tag(tag::INTEGER, "Dss-Parms").ok()?.value.to_vec())
            };
            Some((int()?, int()?, int()?))
        }
        _ => None,
    };
    Some(DsaKey { params, y })
}

/// Whether `issuer_spki` (an issuer's subjectPublicKeyInfo) holds a DSA key without domain
/// parameters (to be inherited from further up the path) and `alg` is DSA.
pub fn needs_inherited_parameters(issuer_spki: &[u8], alg: &AlgorithmId) -> bool {
    is_dsa(alg) && dsa_key(issuer_spki).is_some_and(|k| k.params.is_none())
}

/// Verifies a DSA signature by the key of `signer_spki` (a subjectPublicKeyInfo as
/// encoded); `issuer_spkis` are the keys of the signer's issuers upward (its issuer first),
/// searched for domain parameters when the signer's key has none.
pub fn verify<'a>(
    signer_spki: &[u8],
    issuer_spkis: impl IntoIterator<Item = &'a [u8]>,
    alg: &AlgorithmId,
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    verify_digest(
        signer_spki,
        issuer_spkis,
        match alg.signature_scheme(None)? {
            SignatureScheme::Dsa(d) => d,
            _ => {
                return Err(Error::UnsupportedAlgorithm(
                    "not a DSA signature algorithm".into(),
                ));
            }
        },
        signed,
        signature,
    )
}

/// [`verify`] with the digest given (CMS and XML name the digest apart from the key).
pub fn verify_digest<'a>(
    signer_spki: &[u8],
    issuer_spkis: impl IntoIterator<Item = &'a [u8]>,
    digest: DigestAlgorithm,
    signed: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let unsupported = |w: &str| Error::UnsupportedAlgorithm(w.to_string());
    // A key of another kind cannot have made a DSA signature.
    let key = dsa_key(signer_spki).ok_or(Error::BadSignature)?;
    let params = match key.params {
        Some(p) => p,
        None => {
            let mut inherited = None;
            for spki in issuer_spkis {
                match dsa_key(spki) {
                    Some(DsaKey {
                        params: Some(p), ..
                    }) => {
                        inherited = Some(p);
                        break;
                    }
                    Some(_) => continue,
                    None => break,
                }
            }
            inherited.ok_or_else(|| unsupported("DSA key without domain parameters"))?
        }
    };
    let digest = digest.digest(signed);
    let sig = der::parse_one(signature)?.expect_tag(tag::SEQUENCE, "DSA signature")?;
    let mut r: Reader<'_> = sig.reader();
    let rr = r.read_tag(tag::INTEGER, "DSA r")?.value;
    let ss = r.read_tag(tag::INTEGER, "DSA s")?.value;
    let (p, q, g) = params;
    if verify_raw(&p, &q, &g, &key.y, &digest, rr, ss)? {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}

fn verify_raw(
    p: &[u8],
    q: &[u8],
    g: &[u8],
    y: &[u8],
    hash: &[u8],
    r: &[u8],
    s: &[u8],
) -> Result<bool, Error> {
    let p = Big::from_be(p);
    let q = Big::from_be(q);
    let (g, y, r, s) = (
        Big::from_be(g),
        Big::from_be(y),
        Big::from_be(r),
        Big::from_be(s),
    );
    let p_bits = p.bits();
    let q_bits = q.bits();
    if !(1024..=3072).contains(&p_bits)
        || !(160..=256).contains(&q_bits)
        || !p.is_odd()
        || !q.is_odd()
    {
        return Err(Error::UnsupportedAlgorithm(format!(
            "DSA key of {p_bits}/{q_bits} bits"
        )));
    }
    if r.is_zero() || s.is_zero() || r.cmp(&q).is_ge() || s.cmp(&q).is_ge() {
        return Ok(false);
    }
    // z: the leftmost min(N, outlen) bits of the hash.
    let mut z = Big::from_be(hash);
    let hash_bits = hash.len() * 8;
    if hash_bits > q_bits {
        z = z.shr(hash_bits - q_bits);
    }
    let q_minus_2 = q.sub(&Big::from_u32(2));
    let w = q.modpow(&s, &q_minus_2);
    let u1 = z.mul(&w).rem(&q);
    let u2 = r.mul(&w).rem(&q);
    let v = p
        .modpow(&g.rem(&p), &u1)
        .mul(&p.modpow(&y.rem(&p), &u2))
        .rem(&p)
        .rem(&q);
    Ok(v.cmp(&r).is_eq())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range_signatures() {
        let one = [1u8];
        assert!(
            !verify_raw(&[0xff; 128], &[0xfb; 20], &[2], &[3], &[0; 20], &[0], &one)
                .unwrap_or(true)
        );
    }
}
