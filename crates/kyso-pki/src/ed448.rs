//! Ed448 signature verification (RFC 8032 §5.2.7, pure Ed448 with an empty context), which
//! ring does not offer: Edwards arithmetic over `bignum`, SHAKE256 from `sha3`.

use sha3::digest::{ExtendableOutput, Update, XofReader};

use crate::bignum::{Big, Monty};
use crate::ec::hex;
use crate::error::Error;

const P: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
const L: &str = "3fffffffffffffffffffffffffffffffffffffffffffffffffffffff7cca23e9c44edb49aed63690216cc2728dc58f552378c292ab5844f3";
const BX: &str = "4f1970c66bed0ded221d15a622bf36da9e146570470f1767ea6de324a3d3a46412ae1af72ab66511433b80e18b00938e2626a82bc70cc05e";
const BY: &str = "693f46716eb6bc248876203756c9c7624bea73736ca3984087789c1e05a0c2d73ad3ff1ce67c39c4fdbd132c4ed7c8ad9808795bf230fa14";
/// d = -39081 mod p.
const D_ABS: u32 = 39081;

/// A point in projective coordinates (Montgomery form).
#[derive(Clone)]
struct Point {
    x: Big,
    y: Big,
    z: Big,
}

struct Curve {
    f: Monty,
    d: Big,
}

fn le(bytes: &[u8]) -> Big {
    let be: Vec<u8> = bytes.iter().rev().copied().collect();
    Big::from_be(&be)
}

impl Curve {
    fn new() -> Curve {
        let f = Monty::new(hex(P));
        let d = f.sub(&Big::from_u32(0), &f.to_mont(&Big::from_u32(D_ABS)));
        Curve { f, d }
    }

    fn identity(&self) -> Point {
        Point {
            x: Big::from_u32(0),
            y: self.f.one(),
            z: self.f.one(),
        }
    }

    /// The complete addition of RFC 8032 §5.2.4 (doubling too).
    fn add(&self, p: &Point, q: &Point) -> Point {
        let f = &self.f;
        let a = f.mul(&p.z, &q.z);
        let b = f.mul(&a, &a);
        let c = f.mul(&p.x, &q.x);
        let d = f.mul(&p.y, &q.y);
        let e = f.mul(&self.d, &f.mul(&c, &d));
        let ff = f.sub(&b, &e);
        let g = f.add(&b, &e);
        let h = f.mul(&f.add(&p.x, &p.y), &f.add(&q.x, &q.y));
        Point {
            x: f.mul(&a, &f.mul(&ff, &f.sub(&f.sub(&h, &c), &d))),
            y: f.mul(&a, &f.mul(&g, &f.sub(&d, &c))),
            z: f.mul(&ff, &g),
        }
    }

    fn mul(&self, k: &Big, p: &Point) -> Point {
        let mut acc = self.identity();
        for i in (0..k.bits()).rev() {
            acc = self.add(&acc, &acc);
            if k.bit(i) {
                acc = self.add(&acc, p);
            }
        }
        acc
    }

    /// Decodes a 57-byte point (RFC 8032 §5.2.3).
    fn decode(&self, bytes: &[u8]) -> Option<Point> {
        let f = &self.f;
        let (last, y_bytes) = bytes.split_last()?;
        if bytes.len() != 57 || last & 0x7f != 0 {
            return None;
        }
        let x0 = last >> 7 == 1;
        let y = le(y_bytes);
        if y.cmp(f.modulus()).is_ge() {
            return None;
        }
        let ym = f.to_mont(&y);
        let yy = f.mul(&ym, &ym);
        let one = f.one();
        let u = f.sub(&yy, &one);
        let v = f.sub(&f.mul(&self.d, &yy), &one);
        // x = u³v (u⁵v³)^((p-3)/4)
        let u2 = f.mul(&u, &u);
        let u3 = f.mul(&u2, &u);
        let u5 = f.mul(&u3, &u2);
        let v3 = f.mul(&f.mul(&v, &v), &v);
        let e = f.modulus().sub(&Big::from_u32(3)).shr(2);
        let mut x = f.mul(&f.mul(&u3, &v), &f.pow(&f.mul(&u5, &v3), &e));
        if f.mul(&v, &f.mul(&x, &x)).cmp(&u).is_ne() {
            return None;
        }
        let plain = f.out_of_mont(&x);
        if plain.is_zero() && x0 {
            return None;
        }
        if plain.is_odd() != x0 {
            x = f.sub(&Big::from_u32(0), &x);
        }
        Some(Point { x, y: ym, z: one })
    }
}

/// Verifies an Ed448 signature (114 bytes) by the 57-byte public key `key`.
pub fn verify(key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Error> {
    if key.len() != 57 {
        return Err(Error::Certificate("Ed448 public key is not 57 bytes"));
    }
    if signature.len() != 114 {
        return Err(Error::BadSignature);
    }
    let (r_bytes, s_bytes) = signature.split_at(57);
    let curve = Curve::new();
    let a = curve
        .decode(key)
        .ok_or(Error::Certificate("Ed448 public key is not a curve point"))?;
    let r = curve.decode(r_bytes).ok_or(Error::BadSignature)?;
    let l = hex(L);
    let s = le(s_bytes);
    if s.cmp(&l).is_ge() {
        return Err(Error::BadSignature);
    }
    // k = SHAKE256(dom4(0, "") ‖ R ‖ A ‖ M, 114) mod L
    let mut h = sha3::Shake256::default();
    h.update(b"SigEd448\x00\x00");
    h.update(r_bytes);
    h.update(key);
    h.update(message);
    let mut k = [0u8; 114];
    h.finalize_xof().read(&mut k);
    let k = le(&k).rem(&l);
    let f = &curve.f;
    let b = Point {
        x: f.to_mont(&hex(BX)),
        y: f.to_mont(&hex(BY)),
        z: f.one(),
    };
    let lhs = curve.mul(&s, &b);
    let rhs = curve.add(&r, &curve.mul(&k, &a));
    let same = |a1: &Big, z2: &Big, a2: &Big, z1: &Big| f.mul(a1, z2).cmp(&f.mul(a2, z1)).is_eq();
    if same(&lhs.x, &rhs.z, &rhs.x, &lhs.z) && same(&lhs.y, &rhs.z, &rhs.y, &lhs.z) {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}
