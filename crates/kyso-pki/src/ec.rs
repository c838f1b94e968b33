//! ECDSA verification on short Weierstrass curves for what ring does not cover: P-521, the
//! Brainpool curves, and any hash on P-256/P-384 (ring fixes the curve and hash pairs).
//! The digest is computed by the caller (a prehash), as in FIPS 186-5 §6.4.2.
//!
//! Arithmetic is in Jacobian coordinates over `bignum`; only public values are
//! involved.

use crate::bignum::{Big, Monty};
use crate::der::{self, tag};
use crate::error::Error;
use crate::public_key::Curve;

/// Domain parameters, as big-endian hex.
struct Params {
    p: &'static str,
    a: &'static str,
    b: &'static str,
    gx: &'static str,
    gy: &'static str,
    n: &'static str,
}

fn params(curve: Curve) -> Params {
    match curve {
        Curve::P256 => Params {
            p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
            a: "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
            b: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
            gx: "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
            gy: "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
            n: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
        },
        Curve::P384 => Params {
            p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
            a: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc",
            b: "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
            gx: "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
            gy: "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
            n: "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
        },
        Curve::P521 => Params {
            p: "1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            a: "1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc",
            b: "51953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
            gx: "c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
            gy: "11839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
            n: "1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
        },
        Curve::BrainpoolP256r1 => Params {
            p: "a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
            a: "7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9",
            b: "26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6",
            gx: "8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262",
            gy: "547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997",
            n: "a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7",
        },
        Curve::BrainpoolP384r1 => Params {
            p: "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53",
            a: "7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826",
            b: "04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c11",
            gx: "1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e",
            gy: "8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c5315",
            n: "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565",
        },
        Curve::BrainpoolP512r1 => Params {
            p: "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3",
            a: "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca",
            b: "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723",
            gx: "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822",
            gy: "7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
            n: "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069",
        },
    }
}

/// A big integer from hex digits (constants of this module only).
pub(crate) fn hex(s: &str) -> Big {
    let bytes: Vec<u8> = s
        .as_bytes()
        .rchunks(2)
        .rev()
        .map(|pair| {
            pair.iter().fold(0u8, |acc, c| {
                let v = match c {
                    b'0'..=b'9' => c - b'0',
                    b'a'..=b'f' => c - b'a' + 10,
                    _ => 0,
                };
                (acc << 4) | v
            })
        })
        .collect();
    Big::from_be(&bytes)
}

/// A point in Jacobian coordinates (Montgomery form); `z = 0` is the point at infinity.
#[derive(Clone)]
struct Point {
    x: Big,
    y: Big,
    z: Big,
}

struct Field {
    f: Monty,
    a: Big,
}

impl Field {
    fn infinity(&self) -> Point {
        Point {
            x: self.f.one(),
            y: self.f.one(),
            z: Big::from_u32(0),
        }
    }

    fn double(&self, p: &Point) -> Point {
        let f = &self.f;
        if p.z.is_zero() || p.y.is_zero() {
            return self.infinity();
        }
        let yy = f.mul(&p.y, &p.y);
        let xyy = f.mul(&p.x, &yy);
        let s = f.add(&f.add(&xyy, &xyy), &f.add(&xyy, &xyy));
        let xx = f.mul(&p.x, &p.x);
        let zz = f.mul(&p.z, &p.z);
        let z4 = f.mul(&zz, &zz);
        let m = f.add(&f.add(&xx, &xx), &f.add(&xx, &f.mul(&self.a, &z4)));
        let x3 = f.sub(&f.mul(&m, &m), &f.add(&s, &s));
        let y4 = f.mul(&yy, &yy);
        let y4_2 = f.add(&y4, &y4);
        let y4_4 = f.add(&y4_2, &y4_2);
        let y4_8 = f.add(&y4_4, &y4_4);
        let y3 = f.sub(&f.mul(&m, &f.sub(&s, &x3)), &y4_8);
        let yz = f.mul(&p.y, &p.z);
        Point {
            x: x3,
            y: y3,
            z: f.add(&yz, &yz),
        }
    }

    fn add(&self, p: &Point, q: &Point) -> Point {
        let f = &self.f;
        if p.z.is_zero() {
            return q.clone();
        }
        if q.z.is_zero() {
            return p.clone();
        }
        let z1z1 = f.mul(&p.z, &p.z);
        let z2z2 = f.mul(&q.z, &q.z);
        let u1 = f.mul(&p.x, &z2z2);
        let u2 = f.mul(&q.x, &z1z1);
        let s1 = f.mul(&p.y, &f.mul(&q.z, &z2z2));
        let s2 = f.mul(&q.y, &f.mul(&p.z, &z1z1));
        let h = f.sub(&u2, &u1);
        let r = f.sub(&s2, &s1);
        if h.is_zero() {
            return if r.is_zero() {
                self.double(p)
            } else {
                self.infinity()
            };
        }
        let hh = f.mul(&h, &h);
        let hhh = f.mul(&hh, &h);
        let v = f.mul(&u1, &hh);
        let x3 = f.sub(&f.sub(&f.mul(&r, &r), &hhh), &f.add(&v, &v));
        let y3 = f.sub(&f.mul(&r, &f.sub(&v, &x3)), &f.mul(&s1, &hhh));
        let z3 = f.mul(&h, &f.mul(&p.z, &q.z));
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }
}

/// The length in bytes of a field element (and of each half of a fixed `r‖s` signature).
pub fn field_len(curve: Curve) -> usize {
    match curve {
        Curve::P256 | Curve::BrainpoolP256r1 => 32,
        Curve::P384 | Curve::BrainpoolP384r1 => 48,
        Curve::P521 => 66,
        Curve::BrainpoolP512r1 => 64,
    }
}

/// Verifies a DER ECDSA signature over the prehashed `hash` with the uncompressed point
/// `point` on `curve`.
pub fn verify_prehash(
    curve: Curve,
    point: &[u8],
    hash: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let c = params(curve);
    let p = hex(c.p);
    let n = hex(c.n);
    let len = field_len(curve);
    // The public point: 04 ‖ X ‖ Y.
    let (x, y) = match point.split_first() {
        Some((0x04, xy)) if xy.len() == 2 * len => xy.split_at(len),
        _ => {
            return Err(Error::UnsupportedAlgorithm(format!(
                "EC public key not in uncompressed form on {}",
                curve.name()
            )));
        }
    };
    let (x, y) = (Big::from_be(x), Big::from_be(y));
    if x.cmp(&p).is_ge() || y.cmp(&p).is_ge() {
        return Err(Error::Certificate("EC public point outside the field"));
    }
    let field = Field {
        a: Monty::new(p.clone()).to_mont(&hex(c.a)),
        f: Monty::new(p),
    };
    let f = &field.f;
    let (xm, ym) = (f.to_mont(&x), f.to_mont(&y));
    // y² = x³ + ax + b
    let rhs = f.add(
        &f.add(&f.mul(&f.mul(&xm, &xm), &xm), &f.mul(&field.a, &xm)),
        &f.to_mont(&hex(c.b)),
    );
    if f.mul(&ym, &ym).cmp(&rhs).is_ne() {
        return Err(Error::Certificate("EC public point not on the curve"));
    }
    // The signature: SEQUENCE { r INTEGER, s INTEGER }, 1 ≤ r, s < n.
    let seq = der::parse_one(signature)
        .and_then(|t| t.expect_tag(tag::SEQUENCE, "ECDSA signature"))
        .map_err(|_| Error::BadSignature)?;
    let mut rd = seq.reader();
    let r = Big::from_be(
        rd.read_tag(tag::INTEGER, "ECDSA r")
            .map_err(|_| Error::BadSignature)?
            .value,
    );
    let s = Big::from_be(
        rd.read_tag(tag::INTEGER, "ECDSA s")
            .map_err(|_| Error::BadSignature)?
            .value,
    );
    if !rd.is_empty() || r.is_zero() || s.is_zero() || r.cmp(&n).is_ge() || s.cmp(&n).is_ge() {
        return Err(Error::BadSignature);
    }
    // e: the leftmost bits of the hash, as many as n has.
    let mut e = Big::from_be(hash);
    let (hash_bits, n_bits) = (hash.len() * 8, n.bits());
    if hash_bits > n_bits {
        e = e.shr(hash_bits - n_bits);
    }
    let order = Monty::new(n.clone());
    let w = order.inv_prime(&order.to_mont(&s));
    let u1 = order.out_of_mont(&order.mul(&order.to_mont(&e), &w));
    let u2 = order.out_of_mont(&order.mul(&order.to_mont(&r), &w));
    // u1·G + u2·Q, by Shamir's trick.
    let g = Point {
        x: f.to_mont(&hex(c.gx)),
        y: f.to_mont(&hex(c.gy)),
        z: f.one(),
    };
    let q = Point {
        x: xm,
        y: ym,
        z: f.one(),
    };
    let gq = field.add(&g, &q);
    let mut acc = field.infinity();
    for i in (0..u1.bits().max(u2.bits())).rev() {
        acc = field.double(&acc);
        match (u1.bit(i), u2.bit(i)) {
            (true, true) => acc = field.add(&acc, &gq),
            (true, false) => acc = field.add(&acc, &g),
            (false, true) => acc = field.add(&acc, &q),
            (false, false) => {}
        }
    }
    if acc.z.is_zero() {
        return Err(Error::BadSignature);
    }
    let zz = f.mul(&acc.z, &acc.z);
    let x_affine = f.out_of_mont(&f.mul(&acc.x, &f.inv_prime(&zz)));
    if x_affine.rem(&n).cmp(&r).is_eq() {
        Ok(())
    } else {
        Err(Error::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_on_each_curve_and_order_kills_it() {
        for curve in Curve::ALL {
            let c = params(curve);
            let p = hex(c.p);
            let field = Field {
                a: Monty::new(p.clone()).to_mont(&hex(c.a)),
                f: Monty::new(p),
            };
            let f = &field.f;
            let g = Point {
                x: f.to_mont(&hex(c.gx)),
                y: f.to_mont(&hex(c.gy)),
                z: f.one(),
            };
            // n·G = ∞, computed as (n-1)·G + G with (n-1)·G = -G.
            let n = hex(c.n);
            let mut acc = field.infinity();
            for i in (0..n.bits()).rev() {
                acc = field.double(&acc);
                if n.bit(i) {
                    acc = field.add(&acc, &g);
                }
            }
            assert!(acc.z.is_zero(), "{curve:?}");
        }
    }
}
