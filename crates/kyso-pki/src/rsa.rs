//! RSA signature verification for what ring does not cover: RSASSA-PSS with any salt length
//! and MGF1 hash (RFC 8017 §9.1.2), PKCS#1 v1.5 with SHA-224 or SHA-3, and moduli beyond
//! ring's 8192 bits (up to [`MAX_BITS`]). The public operation uses `bignum`.

use crate::bignum::Big;
use crate::der::{self, tag};
use crate::digest::DigestAlgorithm;
use crate::error::Error;

/// The largest modulus accepted, in bits.
pub const MAX_BITS: usize = 16384;
/// The smallest modulus accepted, in bits.
pub const MIN_BITS: usize = 1024;

/// `signature^e mod n` as `k` bytes (k = the modulus length), after the checks of RSAVP1.
fn public_op(pkcs1: &[u8], signature: &[u8]) -> Result<(Vec<u8>, usize), Error> {
    let seq = der::parse_one(pkcs1)?.expect_tag(tag::SEQUENCE, "RSAPublicKey")?;
    let mut r = seq.reader();
    let n = Big::from_be(r.read_tag(tag::INTEGER, "RSA modulus")?.value);
    let e = Big::from_be(r.read_tag(tag::INTEGER, "RSA public exponent")?.value);
    let bits = n.bits();
    if !(MIN_BITS..=MAX_BITS).contains(&bits) || !n.is_odd() {
        return Err(Error::UnsupportedAlgorithm(format!("RSA-{bits} key")));
    }
    if !e.is_odd() || e.bits() < 2 || e.bits() > 64 {
        return Err(Error::UnsupportedAlgorithm(format!(
            "RSA public exponent of {} bits",
            e.bits()
        )));
    }
    let k = bits.div_ceil(8);
    if signature.len() != k {
        return Err(Error::BadSignature);
    }
    let s = Big::from_be(signature);
    if s.cmp(&n).is_ge() {
        return Err(Error::BadSignature);
    }
    Ok((n.modpow(&s, &e).to_be(k), bits))
}

/// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2); the DigestInfo's NULL parameters may be
/// present or absent.
pub fn verify_pkcs1(
    pkcs1: &[u8],
    digest: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let (em, _) = public_op(pkcs1, signature)?;
    let hash = digest.digest(message);
    let with_null = der::seq(&[&der::oid(digest.oid()), &der::null()]);
    let candidates = [
        der::seq(&[&with_null, &der::tlv(tag::OCTET_STRING, &hash)]),
        der::seq(&[
            &digest.algorithm_identifier(),
            &der::tlv(tag::OCTET_STRING, &hash),
        ]),
    ];
    for t in candidates {
        if t.len() + 11 > em.len() {
            continue;
        }
        let mut expected = vec![0x00, 0x01];
        expected.resize(em.len() - t.len() - 1, 0xff);
        expected.push(0x00);
        expected.extend_from_slice(&t);
        if expected == em {
            return Ok(());
        }
    }
    Err(Error::BadSignature)
}

/// MGF1 (RFC 8017 B.2.1).
fn mgf1(hash: DigestAlgorithm, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + hash.output_len());
    let mut counter = 0u32;
    while out.len() < len {
        let mut ctx = hash.context();
        ctx.update(seed);
        ctx.update(&counter.to_be_bytes());
        out.extend_from_slice(ctx.finish().as_ref());
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

/// RSASSA-PSS verification (RFC 8017 §8.1.2 with EMSA-PSS-VERIFY of §9.1.2), any salt
/// length and MGF1 hash.
pub fn verify_pss(
    pkcs1: &[u8],
    digest: DigestAlgorithm,
    mgf1_digest: DigestAlgorithm,
    salt_len: usize,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let (em_k, mod_bits) = public_op(pkcs1, signature)?;
    let em_bits = mod_bits - 1;
    let em_len = em_bits.div_ceil(8);
    // I2OSP(m, emLen): with emLen = k - 1 the leading byte must be zero.
    let skip = em_k.len() - em_len;
    if em_k.iter().take(skip).any(|b| *b != 0) {
        return Err(Error::BadSignature);
    }
    let em = em_k.get(skip..).ok_or(Error::BadSignature)?;
    let h_len = digest.output_len();
    let m_hash = digest.digest(message);
    if em_len < h_len + salt_len + 2 {
        return Err(Error::BadSignature);
    }
    if em.last() != Some(&0xbc) {
        return Err(Error::BadSignature);
    }
    let db_len = em_len - h_len - 1;
    let (masked_db, rest) = em.split_at(db_len);
    let h = rest.get(..h_len).ok_or(Error::BadSignature)?;
    let unused_bits = 8 * em_len - em_bits;
    let top_mask = 0xffu8 >> unused_bits;
    if masked_db.first().is_some_and(|b| b & !top_mask != 0) {
        return Err(Error::BadSignature);
    }
    let mut db: Vec<u8> = masked_db
        .iter()
        .zip(mgf1(mgf1_digest, h, db_len))
        .map(|(a, b)| a ^ b)
        .collect();
    if let Some(first) = db.first_mut() {
        *first &= top_mask;
    }
    let ps_len = em_len - h_len - salt_len - 2;
    if db.iter().take(ps_len).any(|b| *b != 0) || db.get(ps_len) != Some(&0x01) {
        return Err(Error::BadSignature);
    }
    let salt = db.get(db_len - salt_len..).ok_or(Error::BadSignature)?;
    let mut ctx = digest.context();
    ctx.update(&[0u8; 8]);
    ctx.update(&m_hash);
    ctx.update(salt);
    if ctx.finish().as_ref() == h {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mgf1_known_answer() {
        // MGF1-SHA1("foo", 3) = 1ac907 (a widely quoted check value).
        assert_eq!(mgf1(DigestAlgorithm::Sha1, b"foo", 3), [0x1a, 0xc9, 0x07]);
        assert_eq!(mgf1(DigestAlgorithm::Sha256, b"x", 70).len(), 70);
    }

    #[test]
    fn malformed_keys_and_signatures_are_errors() {
        assert!(verify_pkcs1(&[0x30, 0x00], DigestAlgorithm::Sha256, b"m", &[1]).is_err());
        let key = der::seq(&[&der::uint(&[0xc3; 128]), &der::uint(&[1, 0, 1])]);
        assert!(matches!(
            verify_pkcs1(&key, DigestAlgorithm::Sha256, b"m", &[1; 10]),
            Err(Error::BadSignature)
        ));
        assert!(matches!(
            verify_pss(
                &key,
                DigestAlgorithm::Sha256,
                DigestAlgorithm::Sha256,
                32,
                b"m",
                &[0xff; 128]
            ),
            Err(Error::BadSignature)
        ));
    }
}
