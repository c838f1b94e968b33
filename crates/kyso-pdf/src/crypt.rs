//! The standard security handler (ISO 32000-2 7.6.4): RC4 40 and 128 bits (R2, R3), RC4 and
//! AES-128 crypt filters (V4/R4, `/V2`, `/AESV2`) and AES-256 (V5, R5 and R6, `/AESV3`).
//! Authenticates a password (user or owner), derives the file key, and decrypts or encrypts
//! the strings and streams of one indirect object.
//!
//! What is never encrypted: the `/Encrypt` dictionary, cross-reference streams, the
//! `/Contents` string of a signature dictionary (ISO 32000-2 7.6.2), metadata streams when
//! `/EncryptMetadata false`, and streams whose `/Crypt` filter is `/Identity`.

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};

use crate::Error;
use crate::object::{Dict, ObjRef, Object, Stream};

/// The password padding string (ISO 32000-2 7.6.4.3.2, algorithm 2, step a).
const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// How one kind of data (strings or streams) is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Identity,
    Rc4,
    AesV2,
    AesV3,
}

/// An authenticated standard security handler: the file key and the crypt methods.
#[derive(Clone)]
pub struct Security {
    key: Vec<u8>,
    strings: Method,
    streams: Method,
    encrypt_metadata: bool,
    /// The `/Encrypt` dictionary's own object (never encrypted).
    dict_ref: Option<ObjRef>,
    /// A short description for reports: "RC4 128-bit (R3)" and the like.
    label: String,
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("method", &self.label)
            .finish_non_exhaustive()
    }
}

fn refused(what: impl Into<String>) -> Error {
    Error::Encrypted(what.into())
}

impl Security {
    /// Reads the `/Encrypt` dictionary and authenticates `password` (as the user password,
    /// then as the owner password). `id0` is the first element of the trailer's `/ID`.
    pub fn open(
        encrypt: &Dict,
        dict_ref: Option<ObjRef>,
        id0: &[u8],
        password: &[u8],
    ) -> Result<Security, Error> {
        match encrypt.name(b"Filter") {
            Some(b"Standard") => {}
            Some(other) => {
                return Err(refused(format!(
                    "the /{} security handler is not supported (only the standard password \
                     handler is; a public-key handler needs the recipient's private key)",
                    String::from_utf8_lossy(other)
                )));
            }
            None => return Err(refused("the /Encrypt dictionary has no /Filter")),
        }
        let v = encrypt.int(b"V").unwrap_or(0);
        let r = encrypt.int(b"R").unwrap_or(0);
        let o = encrypt.string(b"O").unwrap_or_default();
        let u = encrypt.string(b"U").unwrap_or_default();
        // /P is a signed 32-bit integer; some writers store it unsigned.
        let p = encrypt.int(b"P").unwrap_or(0) as u32;
        let encrypt_metadata =
            !matches!(encrypt.get(b"EncryptMetadata"), Some(Object::Bool(false)));
        let length_bits = encrypt.int(b"Length").unwrap_or(40);
        let (strings, streams, key_len) = match v {
            1 => (Method::Rc4, Method::Rc4, 5),
            2 | 3 => {
                if !(40..=128).contains(&length_bits) || length_bits % 8 != 0 {
                    return Err(refused(format!("unsupported key length {length_bits}")));
                }
                (Method::Rc4, Method::Rc4, (length_bits / 8) as usize)
            }
            4 | 5 => {
                let strings = crypt_filter(encrypt, b"StrF")?;
                let streams = crypt_filter(encrypt, b"StmF")?;
                let len = if v == 5 {
                    32
                } else if [strings, streams].contains(&Method::AesV2) {
                    16
                } else {
                    (length_bits / 8).clamp(5, 16) as usize
                };
                (strings, streams, len)
            }
            other => {
                return Err(refused(format!(
                    "encryption algorithm /V {other} is not supported"
                )));
            }
        };
        if (v == 5) != (r == 5 || r == 6) || !(2..=6).contains(&r) {
            return Err(refused(format!(
                "standard security handler revision /R {r} with /V {v} is not supported"
            )));
        }
        let key = if r >= 5 {
            key_r6(r, o, u, encrypt, password)?
        } else {
            let ctx = Legacy {
                r,
                key_len,
                o,
                u,
                p,
                id0,
                encrypt_metadata,
            };
            ctx.authenticate(password)?
        };
        let label = match (strings.max_of(streams), r) {
            (Method::AesV3, _) => format!("AES-256 (R{r})"),
            (Method::AesV2, _) => "AES-128 (R4)".to_string(),
            (_, _) => format!("RC4 {}-bit (R{r})", key_len * 8),
        };
        Ok(Security {
            key,
            strings,
            streams,
            encrypt_metadata,
            dict_ref,
            label,
        })
    }

    /// "AES-256 (R6)", "RC4 40-bit (R2)", ...
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The object key (ISO 32000-2 algorithm 1; the file key itself for AES-256).
    fn object_key(&self, method: Method, r: ObjRef) -> Vec<u8> {
        if method == Method::AesV3 {
            return self.key.clone();
        }
        let mut input = self.key.clone();
        input.extend_from_slice(&r.num.to_le_bytes()[..3]);
        input.extend_from_slice(&r.generation.to_le_bytes());
        if method == Method::AesV2 {
            input.extend_from_slice(b"sAlT");
        }
        let digest = md5(&input);
        let n = (self.key.len() + 5).min(16);
        digest[..n].to_vec()
    }

    fn decrypt_bytes(&self, method: Method, r: ObjRef, data: &[u8]) -> Vec<u8> {
        match method {
            Method::Identity => data.to_vec(),
            Method::Rc4 => rc4(&self.object_key(method, r), data),
            Method::AesV2 | Method::AesV3 => {
                aes_cbc_decrypt(&self.object_key(method, r), data).unwrap_or_default()
            }
        }
    }

    fn encrypt_bytes(&self, method: Method, r: ObjRef, data: &[u8]) -> Vec<u8> {
        match method {
            Method::Identity => data.to_vec(),
            Method::Rc4 => rc4(&self.object_key(method, r), data),
            Method::AesV2 | Method::AesV3 => {
                let key = self.object_key(method, r);
                // A deterministic IV, unique to the key and the plaintext (a PRF of both): the
                // same update written twice is the same bytes.
                let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
                ctx.update(&key);
                ctx.update(&r.num.to_be_bytes());
                ctx.update(data);
                let mut iv = [0u8; 16];
                iv.copy_from_slice(&ctx.finish().as_ref()[..16]);
                aes_cbc_encrypt(&key, &iv, data).unwrap_or_default()
            }
        }
    }

    /// Decrypts the strings and stream data of object `r` in place.
    pub fn decrypt_object(&self, r: ObjRef, obj: &mut Object) {
        if Some(r) == self.dict_ref {
            return;
        }
        self.transform(r, obj, false);
    }

    /// Encrypts a copy of object `r` for writing.
    pub fn encrypt_object(&self, r: ObjRef, obj: &Object) -> Object {
        let mut out = obj.clone();
        self.transform(r, &mut out, true);
        out
    }

    fn bytes(&self, method: Method, r: ObjRef, data: &[u8], encrypt: bool) -> Vec<u8> {
        if encrypt {
            self.encrypt_bytes(method, r, data)
        } else {
            self.decrypt_bytes(method, r, data)
        }
    }

    fn transform(&self, r: ObjRef, obj: &mut Object, encrypt: bool) {
        match obj {
            Object::String(s) => *s = self.bytes(self.strings, r, s, encrypt),
            Object::Array(a) => a.iter_mut().for_each(|o| self.transform(r, o, encrypt)),
            Object::Dict(d) => self.transform_dict(r, d, encrypt),
            Object::Stream(s) => {
                self.transform_dict(r, &mut s.dict, encrypt);
                if let Some(method) = self.stream_method(s) {
                    s.data = self.bytes(method, r, &s.data, encrypt);
                }
            }
            _ => {}
        }
    }

    fn transform_dict(&self, r: ObjRef, d: &mut Dict, encrypt: bool) {
        // A signature dictionary's /Contents is never encrypted.
        let signature = d.get(b"ByteRange").is_some()
            && matches!(d.name(b"Type"), None | Some(b"Sig") | Some(b"DocTimeStamp"));
        for (k, v) in d.0.iter_mut() {
            if signature && k == b"Contents" {
                continue;
            }
            self.transform(r, v, encrypt);
        }
    }

    /// How a stream's data is encrypted (`None`: it is not).
    fn stream_method(&self, s: &Stream) -> Option<Method> {
        if s.dict.name(b"Type") == Some(b"XRef") {
            return None;
        }
        if !self.encrypt_metadata && s.dict.name(b"Type") == Some(b"Metadata") {
            return None;
        }
        let first_filter = match s.dict.get(b"Filter") {
            Some(Object::Name(n)) => Some(n.as_slice()),
            Some(Object::Array(a)) => a.first().and_then(Object::as_name),
            _ => None,
        };
        if first_filter == Some(b"Crypt") {
            // Only /Identity is meaningful without a recipient list; any other named filter
            // falls back to the default.
            let parms = match s.dict.get(b"DecodeParms") {
                Some(Object::Dict(d)) => Some(d),
                Some(Object::Array(a)) => a.first().and_then(Object::as_dict),
                _ => None,
            };
            if parms
                .and_then(|p| p.name(b"Name"))
                .is_none_or(|n| n == b"Identity")
            {
                return None;
            }
        }
        (self.streams != Method::Identity).then_some(self.streams)
    }
}

impl Method {
    fn max_of(self, other: Method) -> Method {
        let rank = |m| match m {
            Method::Identity => 0,
            Method::Rc4 => 1,
            Method::AesV2 => 2,
            Method::AesV3 => 3,
        };
        if rank(self) >= rank(other) {
            self
        } else {
            other
        }
    }
}

/// The method of the crypt filter named by `/StrF` or `/StmF` (V4, V5).
fn crypt_filter(encrypt: &Dict, key: &[u8]) -> Result<Method, Error> {
    let name = encrypt.name(key).unwrap_or(b"Identity");
    if name == b"Identity" {
        return Ok(Method::Identity);
    }
    let cf = encrypt
        .get(b"CF")
        .and_then(Object::as_dict)
        .and_then(|cf| cf.get(name))
        .and_then(Object::as_dict)
        .ok_or_else(|| {
            refused(format!(
                "crypt filter /{} is not defined in /CF",
                String::from_utf8_lossy(name)
            ))
        })?;
    match cf.name(b"CFM") {
        Some(b"V2") => Ok(Method::Rc4),
        Some(b"AESV2") => Ok(Method::AesV2),
        Some(b"AESV3") => Ok(Method::AesV3),
        Some(b"None") | None => Ok(Method::Identity),
        Some(other) => Err(refused(format!(
            "crypt filter method /{} is not supported",
            String::from_utf8_lossy(other)
        ))),
    }
}

/// The inputs of the RC4/MD5 key derivation (revisions 2 to 4).
struct Legacy<'a> {
    r: i64,
    key_len: usize,
    o: &'a [u8],
    u: &'a [u8],
    p: u32,
    id0: &'a [u8],
    encrypt_metadata: bool,
}

fn padded(password: &[u8]) -> [u8; 32] {
    let mut out = PAD;
    let n = password.len().min(32);
    out[..n].copy_from_slice(&password[..n]);
    out[n..].copy_from_slice(&PAD[..32 - n]);
    out
}

impl Legacy<'_> {
    /// Algorithm 2: the file key from a user password.
    fn file_key(&self, password: &[u8]) -> Vec<u8> {
        let mut input = padded(password).to_vec();
        input.extend_from_slice(self.o.get(..32).unwrap_or(self.o));
        input.extend_from_slice(&self.p.to_le_bytes());
        input.extend_from_slice(self.id0);
        if self.r >= 4 && !self.encrypt_metadata {
            input.extend_from_slice(&[0xff; 4]);
        }
        let mut digest = md5(&input);
        if self.r >= 3 {
            for _ in 0..50 {
                digest = md5(&digest[..self.key_len]);
            }
        }
        digest[..self.key_len].to_vec()
    }

    /// Algorithms 4 and 5: the /U value for a key; compared on 16 bytes from R3 on.
    fn user_matches(&self, key: &[u8]) -> bool {
        if self.r == 2 {
            return self.u.len() >= 32 && rc4(key, &PAD) == self.u[..32];
        }
        let mut input = PAD.to_vec();
        input.extend_from_slice(self.id0);
        let mut x = rc4(key, &md5(&input));
        for i in 1..=19u8 {
            let k: Vec<u8> = key.iter().map(|b| b ^ i).collect();
            x = rc4(&k, &x);
        }
        self.u.len() >= 16 && x[..16] == self.u[..16]
    }

    fn authenticate(&self, password: &[u8]) -> Result<Vec<u8>, Error> {
        let key = self.file_key(password);
        if self.user_matches(&key) {
            return Ok(key);
        }
        // Algorithm 7: as the owner password, which recovers the user password.
        let mut digest = md5(&padded(password));
        if self.r >= 3 {
            for _ in 0..50 {
                digest = md5(&digest);
            }
        }
        let owner_key = &digest[..self.key_len];
        let mut user = self.o.get(..32).unwrap_or(self.o).to_vec();
        if self.r == 2 {
            user = rc4(owner_key, &user);
        } else {
            for i in (0..=19u8).rev() {
                let k: Vec<u8> = owner_key.iter().map(|b| b ^ i).collect();
                user = rc4(&k, &user);
            }
        }
        let key = self.file_key(&user);
        if self.user_matches(&key) {
            return Ok(key);
        }
        Err(wrong_password(password))
    }
}

fn wrong_password(password: &[u8]) -> Error {
    if password.is_empty() {
        refused(
            "the document needs a password to be opened (it is not encrypted with the empty user password)",
        )
    } else {
        refused(
            "the password given does not open the document (neither its user nor its owner password)",
        )
    }
}

/// Algorithm 2.A: the file key of an AES-256 document (R5, R6).
fn key_r6(r: i64, o: &[u8], u: &[u8], encrypt: &Dict, password: &[u8]) -> Result<Vec<u8>, Error> {
    let (Some(o), Some(u)) = (o.get(..48), u.get(..48)) else {
        return Err(refused("/O or /U is shorter than 48 bytes"));
    };
    let password = password.get(..127).unwrap_or(password);
    let hash = |salt: &[u8], udata: &[u8]| {
        if r == 5 {
            sha(&ring::digest::SHA256, &[password, salt, udata])
        } else {
            hash_2b(password, salt, udata)
        }
    };
    let (intermediate, wrapped) = if hash(&u[32..40], &[]) == u[..32] {
        (hash(&u[40..48], &[]), encrypt.string(b"UE"))
    } else if hash(&o[32..40], u) == o[..32] {
        (hash(&o[40..48], u), encrypt.string(b"OE"))
    } else {
        return Err(wrong_password(password));
    };
    let wrapped = wrapped
        .and_then(|w| w.get(..32))
        .ok_or_else(|| refused("/UE or /OE is missing or shorter than 32 bytes"))?;
    let cipher = Aes::new(&intermediate).ok_or_else(|| refused("bad intermediate key"))?;
    // AES-256 in CBC mode with a zero IV and no padding.
    let mut key = Vec::with_capacity(32);
    let mut prev = [0u8; 16];
    for chunk in wrapped.chunks_exact(16) {
        let mut block = [0u8; 16];
        block.copy_from_slice(chunk);
        let saved = block;
        cipher.decrypt(&mut block);
        key.extend(block.iter().zip(prev).map(|(a, b)| a ^ b));
        prev = saved;
    }
    Ok(key)
}

fn sha(alg: &'static ring::digest::Algorithm, parts: &[&[u8]]) -> Vec<u8> {
    let mut ctx = ring::digest::Context::new(alg);
    parts.iter().for_each(|p| ctx.update(p));
    ctx.finish().as_ref().to_vec()
}

/// Algorithm 2.B (R6): SHA-256, then at least 64 rounds of AES-128-CBC and SHA-2.
fn hash_2b(password: &[u8], salt: &[u8], udata: &[u8]) -> Vec<u8> {
    let mut k = sha(&ring::digest::SHA256, &[password, salt, udata]);
    let mut round = 0u32;
    let mut last = 0u8;
    // Ends by round 288 at the latest: the last byte of E is at most 255.
    while round < 64 || u32::from(last) > round - 32 {
        let mut k1 = Vec::with_capacity(64 * (password.len() + k.len() + udata.len()));
        for _ in 0..64 {
            k1.extend_from_slice(password);
            k1.extend_from_slice(&k);
            k1.extend_from_slice(udata);
        }
        let (Some(key), Some(iv)) = (k.get(..16), k.get(16..32)) else {
            return k;
        };
        let mut iv16 = [0u8; 16];
        iv16.copy_from_slice(iv);
        let e = match Aes::new(key) {
            Some(c) => c.cbc_encrypt_nopad(&iv16, &k1),
            None => return k,
        };
        let sum: u32 = e.iter().take(16).map(|b| u32::from(*b)).sum();
        k = match sum % 3 {
            0 => sha(&ring::digest::SHA256, &[&e]),
            1 => sha(&ring::digest::SHA384, &[&e]),
            _ => sha(&ring::digest::SHA512, &[&e]),
        };
        last = e.last().copied().unwrap_or(0);
        round += 1;
    }
    k.truncate(32);
    k
}

/// AES-128 or AES-256 on single blocks.
enum Aes {
    A128(Box<aes::Aes128>),
    A256(Box<aes::Aes256>),
}

impl Aes {
    fn new(key: &[u8]) -> Option<Aes> {
        match key.len() {
            16 => aes::Aes128::new_from_slice(key)
                .ok()
                .map(|c| Aes::A128(Box::new(c))),
            32 => aes::Aes256::new_from_slice(key)
                .ok()
                .map(|c| Aes::A256(Box::new(c))),
            _ => None,
        }
    }

    fn encrypt(&self, block: &mut [u8; 16]) {
        let mut b = aes::Block::from(*block);
        match self {
            Aes::A128(c) => c.encrypt_block(&mut b),
            Aes::A256(c) => c.encrypt_block(&mut b),
        }
        block.copy_from_slice(b.as_slice());
    }

    fn decrypt(&self, block: &mut [u8; 16]) {
        let mut b = aes::Block::from(*block);
        match self {
            Aes::A128(c) => c.decrypt_block(&mut b),
            Aes::A256(c) => c.decrypt_block(&mut b),
        }
        block.copy_from_slice(b.as_slice());
    }

    /// CBC over whole blocks (a trailing partial block is dropped).
    fn cbc_encrypt_nopad(&self, iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len());
        let mut prev = *iv;
        for chunk in data.chunks_exact(16) {
            let mut block = [0u8; 16];
            for (i, b) in block.iter_mut().enumerate() {
                *b = chunk[i] ^ prev[i];
            }
            self.encrypt(&mut block);
            out.extend_from_slice(&block);
            prev = block;
        }
        out
    }
}

/// AES-CBC with the IV in the first 16 bytes and PKCS#7 padding (a bad pad is kept, as
/// readers do; data shorter than one block decrypts to nothing).
fn aes_cbc_decrypt(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let cipher = Aes::new(key)?;
    let (iv, body) = (data.get(..16)?, data.get(16..)?);
    let mut prev = [0u8; 16];
    prev.copy_from_slice(iv);
    let mut out = Vec::with_capacity(body.len());
    for chunk in body.chunks_exact(16) {
        let mut block = [0u8; 16];
        block.copy_from_slice(chunk);
        let saved = block;
        cipher.decrypt(&mut block);
        out.extend(block.iter().zip(prev).map(|(a, b)| a ^ b));
        prev = saved;
    }
    if let Some(&pad) = out.last() {
        let n = usize::from(pad);
        if (1..=16).contains(&n) && n <= out.len() && out[out.len() - n..].iter().all(|b| *b == pad)
        {
            out.truncate(out.len() - n);
        }
    }
    Some(out)
}

/// AES-CBC with PKCS#7 padding, the IV written first.
fn aes_cbc_encrypt(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    let cipher = Aes::new(key)?;
    let pad = 16 - data.len() % 16;
    let mut padded = data.to_vec();
    padded.resize(data.len() + pad, pad as u8);
    let mut out = iv.to_vec();
    out.extend(cipher.cbc_encrypt_nopad(iv, &padded));
    Some(out)
}

/// RC4 (ARCFOUR).
fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    if key.is_empty() {
        return data.to_vec();
    }
    let mut s: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, usize::from(j));
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|b| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[usize::from(i)]);
            s.swap(usize::from(i), usize::from(j));
            let k = s[usize::from(s[usize::from(i)].wrapping_add(s[usize::from(j)]))];
            b ^ k
        })
        .collect()
}

/// MD5 (RFC 1321), for the key derivations of revisions 2 to 4.
fn md5(data: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    const K: [u32; 64] = [
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_le_bytes());
    let mut h: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    for block in msg.chunks_exact(64) {
        let mut m = [0u32; 16];
        for (w, c) in m.iter_mut().zip(block.chunks_exact(4)) {
            *w = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let t = d;
            d = c;
            c = b;
            b = b.wrapping_add(
                a.wrapping_add(f)
                    .wrapping_add(K[i])
                    .wrapping_add(m[g])
                    .rotate_left(S[i]),
            );
            a = t;
        }
        h = [
            h[0].wrapping_add(a),
            h[1].wrapping_add(b),
            h[2].wrapping_add(c),
            h[3].wrapping_add(d),
        ];
    }
    let mut out = [0u8; 16];
    for (o, w) in out.chunks_exact_mut(4).zip(h) {
        o.copy_from_slice(&w.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn md5_vectors() {
        assert_eq!(hex(&md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex(&md5(b"abc")), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex(&md5(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            )),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    #[test]
    fn rc4_vectors() {
        assert_eq!(hex(&rc4(b"Key", b"Plaintext")), "bbf316e8d940af0ad3");
        assert_eq!(hex(&rc4(b"Wiki", b"pedia")), "1021bf0420");
    }

    #[test]
    fn aes_round_trip_and_bad_input() {
        let key = [7u8; 16];
        let iv = [1u8; 16];
        for len in [0, 1, 15, 16, 17, 100] {
            let data = vec![0x5a; len];
            let ct = aes_cbc_encrypt(&key, &iv, &data).expect("key");
            assert_eq!(ct.len(), 16 + (len / 16 + 1) * 16);
            assert_eq!(aes_cbc_decrypt(&key, &ct).expect("key"), data);
        }
        // Truncated, odd-sized or empty ciphertext never panics.
        assert_eq!(aes_cbc_decrypt(&key, &[1, 2, 3]), None);
        assert!(aes_cbc_decrypt(&key, &[0u8; 16]).is_some_and(|v| v.is_empty()));
        assert!(aes_cbc_decrypt(&key, &[0u8; 37]).is_some());
        // FIPS-197 C.1.
        let cipher = Aes::new(&(0u8..16).collect::<Vec<_>>()).expect("key");
        let mut block = [
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ];
        cipher.encrypt(&mut block);
        assert_eq!(hex(&block), "69c4e0d86a7b0430d8cdb78070b4c55a");
    }
}
