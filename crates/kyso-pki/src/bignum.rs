//! Unsigned big integers for the public-key operations ring does not offer (DSA, RSA with
//! other paddings or digests, elliptic curves beyond P-256/P-384, Ed448): a small
//! Montgomery implementation over 32-bit limbs. Only public values pass through it
//! (verification), so it makes no constant-time claims; callers bound the operand sizes.

/// Unsigned big integer, little-endian 32-bit limbs, no high zero limbs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Big(Vec<u32>);

impl Big {
    pub fn from_be(bytes: &[u8]) -> Big {
        let mut limbs = Vec::with_capacity(bytes.len() / 4 + 1);
        for chunk in bytes.rchunks(4) {
            limbs.push(chunk.iter().fold(0u32, |a, b| (a << 8) | *b as u32));
        }
        Big(limbs).norm()
    }

    pub fn from_u32(v: u32) -> Big {
        Big(vec![v]).norm()
    }

    fn norm(mut self) -> Big {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_odd(&self) -> bool {
        self.0.first().is_some_and(|l| l & 1 == 1)
    }

    fn limb(&self, i: usize) -> u32 {
        self.0.get(i).copied().unwrap_or(0)
    }

    pub fn bits(&self) -> usize {
        match self.0.last() {
            Some(top) => self.0.len() * 32 - top.leading_zeros() as usize,
            None => 0,
        }
    }

    pub fn bit(&self, i: usize) -> bool {
        self.limb(i / 32) >> (i % 32) & 1 == 1
    }

    pub fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// `self - other`, for `self >= other`.
    pub fn sub(&self, other: &Big) -> Big {
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

    pub fn mul(&self, other: &Big) -> Big {
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

    pub fn shr(&self, n: usize) -> Big {
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

    /// `self -= other`, for `self >= other`.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = false;
        for (i, l) in self.0.iter_mut().enumerate() {
            let (d1, b1) = l.overflowing_sub(other.limb(i));
            let (d2, b2) = d1.overflowing_sub(borrow as u32);
            *l = d2;
            borrow = b1 || b2;
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
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
    pub fn rem(&self, m: &Big) -> Big {
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
    pub fn modpow(&self, base: &Big, exp: &Big) -> Big {
        let m = Monty::new(self.clone());
        let b = m.to_mont(base);
        m.out_of_mont(&m.pow(&b, exp))
    }

    /// `self + other`.
    pub fn add(&self, other: &Big) -> Big {
        let n = self.0.len().max(other.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let t = self.limb(i) as u64 + other.limb(i) as u64 + carry;
            out.push(t as u32);
            carry = t >> 32;
        }
        out.push(carry as u32);
        Big(out).norm()
    }

    /// Big-endian bytes, left-padded with zeros to `len` (or longer if the value needs it).
    pub fn to_be(&self, len: usize) -> Vec<u8> {
        let mut out: Vec<u8> = self.0.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
        let skip = out.iter().take_while(|b| **b == 0).count();
        out.drain(..skip);
        if out.len() < len {
            let mut padded = vec![0u8; len - out.len()];
            padded.extend_from_slice(&out);
            out = padded;
        }
        out
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

/// Arithmetic modulo an odd modulus in Montgomery form (values `< m`).
#[derive(Debug, Clone)]
pub struct Monty {
    m: Big,
    m_inv: u32,
    r2: Big,
}

impl Monty {
    /// The context of an odd modulus `m` (callers check oddness and bound its size).
    pub fn new(m: Big) -> Monty {
        let m0 = m.limb(0);
        let mut inv: u32 = 1;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(m0.wrapping_mul(inv)));
        }
        // R^2 mod m with R = 2^(32k).
        let k = m.0.len();
        let mut r2 = Big::from_u32(1);
        for _ in 0..64 * k {
            r2.shl1_or(false);
            if r2.cmp(&m).is_ge() {
                r2.sub_assign(&m);
            }
        }
        Monty {
            m,
            m_inv: inv.wrapping_neg(),
            r2,
        }
    }

    /// The modulus.
    pub fn modulus(&self) -> &Big {
        &self.m
    }

    /// `a` (any size) into Montgomery form.
    pub fn to_mont(&self, a: &Big) -> Big {
        let a = if a.cmp(&self.m).is_ge() {
            a.rem(&self.m)
        } else {
            a.clone()
        };
        self.mul(&a, &self.r2)
    }

    /// Out of Montgomery form.
    pub fn out_of_mont(&self, a: &Big) -> Big {
        self.mul(a, &Big::from_u32(1))
    }

    /// One, in Montgomery form.
    pub fn one(&self) -> Big {
        self.to_mont(&Big::from_u32(1))
    }

    /// Montgomery product.
    pub fn mul(&self, a: &Big, b: &Big) -> Big {
        self.m.mont_mul(a, b, self.m_inv)
    }

    /// `a + b mod m` for `a, b < m`.
    pub fn add(&self, a: &Big, b: &Big) -> Big {
        let mut s = a.add(b);
        if s.cmp(&self.m).is_ge() {
            s.sub_assign(&self.m);
        }
        s
    }

    /// `a - b mod m` for `a, b < m`.
    pub fn sub(&self, a: &Big, b: &Big) -> Big {
        if a.cmp(b).is_ge() {
            a.sub(b)
        } else {
            a.add(&self.m).sub(b)
        }
    }

    /// `base^exp` for `base` in Montgomery form (result in Montgomery form).
    pub fn pow(&self, base: &Big, exp: &Big) -> Big {
        let mut acc = self.one();
        for i in (0..exp.bits()).rev() {
            acc = self.mul(&acc, &acc);
            if exp.bit(i) {
                acc = self.mul(&acc, base);
            }
        }
        acc
    }

    /// The inverse of `a` (Montgomery form, non-zero) for a prime modulus, by Fermat.
    pub fn inv_prime(&self, a: &Big) -> Big {
        let e = self.m.sub(&Big::from_u32(2));
        self.pow(a, &e)
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
