//! DSA signature verification (FIPS 186), which ring does not offer, for certificates and
//! CRLs of older PKIs (the NIST PKITS suite among them), with the domain-parameter
//! inheritance of RFC 5280 §6.1.4 (e)–(f).
//!
//! Arithmetic is a small Montgomery implementation over 32-bit limbs; keys of 1024 to
//! 3072 bits are accepted.

use crate::algorithm::AlgorithmId;
use crate::der::{self, Reader, tag};
use crate::error::Error;

const ID_DSA: &str = "1.2.840.10040.4.1";

/// Whether a signature algorithm is DSA.
pub fn is_dsa(alg: &AlgorithmId) -> bool {
    matches!(
        alg.oid.as_str(),
        "1.2.840.10040.4.3" | "2.16.840.1.101.3.4.3.1" | "2.16.840.1.101.3.4.3.2"
    )
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
    let unsupported = |w: &str| Error::UnsupportedAlgorithm(w.to_string());
    let key = dsa_key(signer_spki).ok_or_else(|| unsupported("DSA signature by a non-DSA key"))?;
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
    let digest = match alg.oid.as_str() {
        "1.2.840.10040.4.3" => {
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, signed)
        }
        "2.16.840.1.101.3.4.3.2" => ring::digest::digest(&ring::digest::SHA256, signed),
        _ => return Err(unsupported("DSA with SHA-224")),
    };
    let sig = der::parse_one(signature)?.expect_tag(tag::SEQUENCE, "DSA signature")?;
    let mut r: Reader<'_> = sig.reader();
    let rr = r.read_tag(tag::INTEGER, "DSA r")?.value;
    let ss = r.read_tag(tag::INTEGER, "DSA s")?.value;
    let (p, q, g) = params;
    if verify_raw(&p, &q, &g, &key.y, digest.as_ref(), rr, ss)? {
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

/// Unsigned big integer, little-endian 32-bit limbs, no high zero limbs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_be(bytes: &[u8]) -> Big {
        let mut limbs = Vec::with_capacity(bytes.len() / 4 + 1);
        for chunk in bytes.rchunks(4) {
            limbs.push(chunk.iter().fold(0u32, |a, b| (a << 8) | *b as u32));
        }
        Big(limbs).norm()
    }

    fn from_u32(v: u32) -> Big {
        Big(vec![v]).norm()
    }

    fn norm(mut self) -> Big {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn is_odd(&self) -> bool {
        self.0.first().is_some_and(|l| l & 1 == 1)
    }

    fn limb(&self, i: usize) -> u32 {
        self.0.get(i).copied().unwrap_or(0)
    }

    fn bits(&self) -> usize {
        match self.0.last() {
            Some(top) => self.0.len() * 32 - top.leading_zeros() as usize,
            None => 0,
        }
    }

    fn bit(&self, i: usize) -> bool {
        self.limb(i / 32) >> (i % 32) & 1 == 1
    }

    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// `self - other`, for `self >= other`.
    fn sub(&self, other: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for (i, &a) in self.0.iter().enumerate() {
            let mut d = a as i64 - other.limb(i) as i64 - borrow;
            borrow = 0;
            if d < 0 {
                d += 1 << 32;
                borrow = 1;
            }
            out.push(d as u32);
        }
        Big(out).norm()
    }

    fn mul(&self, other: &Big) -> Big {
        let mut out = vec![0u32; self.0.len() + other.0.len() + 1];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in other.0.iter().enumerate() {
                if let Some(slot) = out.get_mut(i + j) {
                    let t = *slot as u64 + a as u64 * b as u64 + carry;
                    *slot = t as u32;
                    carry = t >> 32;
                }
            }
            let mut k = i + other.0.len();
            while carry > 0 {
                if let Some(slot) = out.get_mut(k) {
                    let t = *slot as u64 + carry;
                    *slot = t as u32;
                    carry = t >> 32;
                    k += 1;
                } else {
                    break;
                }
            }
        }
        Big(out).norm()
    }

    fn shr(&self, n: usize) -> Big {
        let limbs = n / 32;
        let bits = n % 32;
        let mut out = Vec::new();
        for i in limbs..self.0.len() {
            let lo = self.limb(i) >> bits;
            let hi = if bits == 0 {
                0
            } else {
                self.limb(i + 1) << (32 - bits)
            };
            out.push(lo | hi);
        }
        Big(out).norm()
    }

    fn shl1_or(&mut self, bit: bool) {
        let mut carry = bit as u32;
        for l in self.0.iter_mut() {
            let next = *l >> 31;
            *l = (*l << 1) | carry;
            carry = next;
        }
        if carry != 0 {
            self.0.push(carry);
        }
    }

    /// `self mod m`, bit by bit (used only where the operands are short or rare).
    fn rem(&self, m: &Big) -> Big {
        let mut r = Big(Vec::new());
        for i in (0..self.bits()).rev() {
            r.shl1_or(self.bit(i));
            r = r.norm();
            if r.cmp(m).is_ge() {
                r = r.sub(m);
            }
        }
        r
    }

    /// `base^exp mod self` for an odd modulus (`self`), `base < self`, by Montgomery
    /// multiplication.
    fn modpow(&self, base: &Big, exp: &Big) -> Big {
        let k = self.0.len();
        let m0 = self.limb(0);
        let mut inv: u32 = 1;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(m0.wrapping_mul(inv)));
        }
        let m_inv = inv.wrapping_neg();
        // R^2 mod m with R = 2^(32k).
        let mut r2 = Big::from_u32(1);
        for _ in 0..64 * k {
            r2.shl1_or(false);
            if r2.cmp(self).is_ge() {
                r2 = r2.sub(self);
            }
        }
        let mont = |a: &Big, b: &Big| self.mont_mul(a, b, m_inv);
        let base_m = mont(base, &r2);
        let mut acc = mont(&Big::from_u32(1), &r2);
        for i in (0..exp.bits()).rev() {
            acc = mont(&acc, &acc);
            if exp.bit(i) {
                acc = mont(&acc, &base_m);
            }
        }
        mont(&acc, &Big::from_u32(1))
    }

    /// Montgomery product `a·b·R⁻¹ mod self` (CIOS).
    fn mont_mul(&self, a: &Big, b: &Big, m_inv: u32) -> Big {
        let k = self.0.len();
        let mut t = vec![0u32; k + 2];
        for i in 0..k {
            let ai = a.limb(i) as u64;
            let mut c = 0u64;
            for (j, slot) in t.iter_mut().enumerate().take(k) {
                let x = *slot as u64 + ai * b.limb(j) as u64 + c;
                *slot = x as u32;
                c = x >> 32;
            }
            let x = t.get(k).copied().unwrap_or(0) as u64 + c;
            set(&mut t, k, x as u32);
            set(&mut t, k + 1, (x >> 32) as u32);
            let mq = (t.first().copied().unwrap_or(0).wrapping_mul(m_inv)) as u64;
            let x = t.first().copied().unwrap_or(0) as u64 + mq * self.limb(0) as u64;
            let mut c = x >> 32;
            for j in 1..k {
                let x = t.get(j).copied().unwrap_or(0) as u64 + mq * self.limb(j) as u64 + c;
                set(&mut t, j - 1, x as u32);
                c = x >> 32;
            }
            let x = t.get(k).copied().unwrap_or(0) as u64 + c;
            set(&mut t, k - 1, x as u32);
            let top = t.get(k + 1).copied().unwrap_or(0) + (x >> 32) as u32;
            set(&mut t, k, top);
            set(&mut t, k + 1, 0);
        }
        let mut out = Big(t).norm();
        if out.cmp(self).is_ge() {
            out = out.sub(self);
        }
        out
    }
}

fn set(t: &mut [u32], i: usize, v: u32) {
    if let Some(slot) = t.get_mut(i) {
        *slot = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modpow_small() {
        let m = Big::from_u32(1_000_000_007);
        let r = m.modpow(&Big::from_u32(2), &Big::from_u32(1_000_000));
        // 2^1000000 mod 1e9+7
        assert_eq!(r, Big::from_u32(235_042_059));
        let big = Big::from_be(&[0xff; 40]);
        let odd = Big::from_be(&[0xfb; 33]);
        let a = big.rem(&odd);
        let direct = a.mul(&a).rem(&odd).mul(&a).rem(&odd);
        assert_eq!(odd.modpow(&a, &Big::from_u32(3)), direct);
    }
}
