//! Finding the key a signature names in its KeyInfo: certificates (`X509Certificate`),
//! certificate identifiers (`X509IssuerSerial`, `X509SKI`, `X509SubjectName`,
//! `dsig11:X509Digest`, `KeyName`) resolved against the document's certificates and those the
//! user gives, bare keys (`KeyValue`), and same-document `RetrievalMethod`s.

use std::path::PathBuf;

use roxmltree::{Document, Node};

use kyso_pki::{Certificate, RawPublicKey, base64};

use crate::algorithms::{self, DSIG_NS};
use crate::document::{IdIndex, dsig_child, text_of};

/// The XML Signature 1.1 namespace (`ECKeyValue`, `X509Digest`).
pub const DSIG11_NS: &str = "http://www.w3.org/2009/xmldsig11#";
const TYPE_X509DATA: &str = "http://www.w3.org/2000/09/xmldsig#X509Data";
const TYPE_RAW_X509: &str = "http://www.w3.org/2000/09/xmldsig#rawX509Certificate";
/// RetrievalMethod Types that point at a key value (`RSAKeyValue`, `DSAKeyValue`, `ECKeyValue`).
const KEY_VALUE_TYPES: [&str; 3] = [
    "http://www.w3.org/2000/09/xmldsig#RSAKeyValue",
    "http://www.w3.org/2000/09/xmldsig#DSAKeyValue",
    "http://www.w3.org/2009/xmldsig11#ECKeyValue",
];

/// A secret HMAC key; its bytes are never printed (`Debug` shows only the length).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HmacKey(Vec<u8>);

impl HmacKey {
    /// The key bytes.
    pub fn new(bytes: Vec<u8>) -> HmacKey {
        HmacKey(bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HmacKey({} bytes, not shown)", self.0.len())
    }
}

/// What verification may use beyond the document: keys, certificates, an HMAC key, and a
/// directory external references may be read from.
#[derive(Debug, Clone, Default)]
pub struct KeyContext {
    /// Certificates the user gives (trust anchors, intermediates, `--key` certificates): they
    /// resolve certificate identifiers in KeyInfo and bind a `KeyValue` key to a certificate.
    pub certificates: Vec<Certificate>,
    /// Certificates given as signer keys (`--key`): tried when KeyInfo names no key.
    pub key_certificates: Vec<Certificate>,
    /// Public keys the user explicitly trusts (`--key`).
    pub keys: Vec<RawPublicKey>,
    /// The key of HMAC signatures (`--hmac-key`).
    pub hmac_key: Option<HmacKey>,
    /// External references (relative file URIs) are read inside this directory only
    /// (`--allow-external`); `None`: never.
    pub external_dir: Option<PathBuf>,
}

/// A key the signature may be by.
#[derive(Debug, Clone)]
pub(crate) enum Candidate {
    Cert(Certificate),
    /// A bare key; `true` when the user gave it (`--key`), `false` from a `KeyValue`.
    Key(RawPublicKey, bool),
}

/// What KeyInfo yields: certificates (the pool, for chain building), the candidate keys, and
/// warnings.
#[derive(Default)]
pub(crate) struct Resolved {
    pub certificates: Vec<Certificate>,
    pub candidates: Vec<Candidate>,
    pub warnings: Vec<String>,
    /// Identifiers that named no certificate, for the message.
    pub unresolved: Vec<String>,
    /// `X509Certificate` elements that are not readable certificates (why, each).
    pub unreadable: Vec<String>,
}

impl Resolved {
    fn add_cert(&mut self, cert: Certificate) {
        if !self.certificates.iter().any(|c| c.der() == cert.der()) {
            self.certificates.push(cert.clone());
        }
        if !self
            .candidates
            .iter()
            .any(|c| matches!(c, Candidate::Cert(k) if k.der() == cert.der()))
        {
            self.candidates.push(Candidate::Cert(cert));
        }
    }
}

/// Resolves the KeyInfo of `sig`.
pub(crate) fn resolve(
    doc: &Document<'_>,
    ids: &IdIndex,
    sig: &Node<'_, '_>,
    ctx: &KeyContext,
) -> Resolved {
    let mut res = Resolved::default();
    let Some(ki) = dsig_child(sig, "KeyInfo") else {
        fallback(&mut res, ctx);
        if res.candidates.is_empty() {
            certificate_values(sig, &mut res);
        }
        return res;
    };
    // Every certificate the document carries, and those the user gives: identifiers are
    // resolved among these.
    let mut known: Vec<Certificate> = Vec::new();
    for c in doc.descendants().filter(|n| {
        n.is_element()
            && n.tag_name().name() == "X509Certificate"
            && n.tag_name().namespace() == Some(DSIG_NS)
    }) {
        if let Ok(cert) = kyso_pki::cert_cache::from_base64_cached(text_of(&c).as_bytes()) {
            known.push(cert);
        }
    }
    known.extend(ctx.certificates.iter().cloned());
    known.extend(ctx.key_certificates.iter().cloned());

    let mut named_something = false;
    for child in ki.children().filter(Node::is_element) {
        let ns = child.tag_name().namespace();
        if ns != Some(DSIG_NS) && ns != Some(DSIG11_NS) {
            continue;
        }
        match child.tag_name().name() {
            "X509Data" => {
                named_something = true;
                x509_data(&child, &known, &mut res);
            }
            "KeyName" => {
                named_something = true;
                let name = text_of(&child).trim().to_string();
                let found: Vec<_> = known
                    .iter()
                    .filter(|c| key_name_matches(c, &name))
                    .cloned()
                    .collect();
                if found.is_empty() {
                    res.unresolved.push(format!("KeyName '{name}'"));
                }
                for c in found {
                    res.add_cert(c);
                }
            }
            "KeyValue" => {
                named_something = true;
                match key_value(&child) {
                    Ok(Some(k)) => res.candidates.push(Candidate::Key(k, false)),
                    Ok(None) => res.unresolved.push("a KeyValue of an unknown kind".into()),
                    Err(m) => res.warnings.push(format!("unreadable KeyValue: {m}")),
                }
            }
            "RetrievalMethod" => {
                named_something = true;
                retrieval(doc, ids, &child, &known, &mut res);
            }
            _ => {}
        }
    }
    if !named_something || res.candidates.is_empty() {
        fallback(&mut res, ctx);
    }
    if res.candidates.is_empty() {
        certificate_values(sig, &mut res);
    }
    res
}

/// Neither KeyInfo nor the user gave a key: the certificates of the signature's own XAdES
/// `CertificateValues` (EN 319 132-1 lets the signing certificate be there only). The signer
/// is the one whose key verifies; its XAdES SigningCertificate binding and path are checked
/// as for a KeyInfo certificate.
fn certificate_values(sig: &Node<'_, '_>, res: &mut Resolved) {
    let xades = |n: &Node<'_, '_>, name: &str| {
        n.is_element()
            && n.tag_name().name() == name
            && n.tag_name()
                .namespace()
                .is_some_and(|ns| ns.starts_with("http://uri.etsi.org/01903/"))
    };
    for value in sig.descendants().filter(|n| {
        xades(n, "EncapsulatedX509Certificate")
            && n.parent_element().is_some_and(|p| xades(&p, "CertificateValues"))
            // Not those of a signature nested in this one.
            && n.ancestors()
                .skip(1)
                .find(|a| {
                    a.is_element()
                        && a.tag_name().name() == "Signature"
                        && a.tag_name().namespace() == Some(DSIG_NS)
                })
                .is_some_and(|owner| owner == *sig)
    }) {
        if let Ok(cert) = kyso_pki::cert_cache::from_base64_cached(text_of(&value).as_bytes()) {
            res.add_cert(cert);
        }
    }
}

/// No key found in KeyInfo: the keys the user gave as signer keys (`--key`).
fn fallback(res: &mut Resolved, ctx: &KeyContext) {
    for c in &ctx.key_certificates {
        res.add_cert(c.clone());
    }
    for k in &ctx.keys {
        res.candidates.push(Candidate::Key(k.clone(), true));
    }
}

fn x509_data(data: &Node<'_, '_>, known: &[Certificate], res: &mut Resolved) {
    for c in data.children().filter(Node::is_element) {
        let ns = c.tag_name().namespace();
        let name = c.tag_name().name();
        let found: Vec<Certificate> = match (ns, name) {
            (Some(DSIG_NS), "X509Certificate") => {
                match kyso_pki::cert_cache::from_base64_cached(text_of(&c).as_bytes()) {
                    Ok(cert) => res.add_cert(cert),
                    Err(e) => {
                        let why = format!("unreadable X509Certificate in KeyInfo: {e}");
                        res.warnings.push(why.clone());
                        res.unreadable.push(why);
                    }
                }
                continue;
            }
            (Some(DSIG_NS), "X509IssuerSerial") => {
                let issuer = dsig_child(&c, "X509IssuerName")
                    .map(|n| text_of(&n))
                    .unwrap_or_default();
                let serial = dsig_child(&c, "X509SerialNumber")
                    .map(|n| text_of(&n))
                    .unwrap_or_default();
                let serial = decimal_to_bytes(serial.trim());
                let found: Vec<_> = known
                    .iter()
                    .filter(|k| {
                        serial.as_deref().is_some_and(|s| same_serial(&k.serial, s))
                            && same_dn(k.issuer_text(), &issuer)
                    })
                    .cloned()
                    .collect();
                if found.is_empty() {
                    res.unresolved.push(format!("X509IssuerSerial ({issuer})"));
                }
                found
            }
            (Some(DSIG_NS), "X509SubjectName") => {
                let subject = text_of(&c);
                let mut wanted = DnKey::new(&subject);
                let found: Vec<_> = known
                    .iter()
                    .filter(|k| wanted.names(k.subject_text()))
                    .cloned()
                    .collect();
                if found.is_empty() {
                    res.unresolved
                        .push(format!("X509SubjectName ({})", subject.trim()));
                }
                found
            }
            (Some(DSIG_NS), "X509SKI") => {
                let ski = base64::decode(text_of(&c).as_bytes()).unwrap_or_default();
                let found: Vec<_> = known
                    .iter()
                    .filter(|k| !ski.is_empty() && k.subject_key_id.as_deref() == Some(&ski[..]))
                    .cloned()
                    .collect();
                if found.is_empty() {
                    res.unresolved.push("X509SKI".into());
                }
                found
            }
            (Some(DSIG11_NS), "X509Digest") => {
                let alg = c.attribute("Algorithm").unwrap_or("");
                let value = base64::decode(text_of(&c).as_bytes()).unwrap_or_default();
                let found: Vec<_> = match algorithms::digest_from_uri(alg) {
                    Some(d) if !value.is_empty() => known
                        .iter()
                        .filter(|k| d.digest(k.der()) == value)
                        .cloned()
                        .collect(),
                    _ => Vec::new(),
                };
                if found.is_empty() {
                    res.unresolved.push("X509Digest".into());
                }
                found
            }
            _ => continue,
        };
        for cert in found {
            res.add_cert(cert);
        }
    }
}

/// `RetrievalMethod` of Type X509Data or rawX509Certificate, same-document `#id` only.
fn retrieval(
    doc: &Document<'_>,
    ids: &IdIndex,
    rm: &Node<'_, '_>,
    known: &[Certificate],
    res: &mut Resolved,
) {
    let uri = rm.attribute("URI").unwrap_or("");
    let ty = rm.attribute("Type").unwrap_or("");
    let Some(id) = uri
        .strip_prefix('#')
        .filter(|i| !i.starts_with("xpointer("))
    else {
        res.unresolved
            .push(format!("RetrievalMethod '{uri}' (same-document #id only)"));
        return;
    };
    if dsig_child(rm, "Transforms").is_some() {
        res.unresolved
            .push(format!("RetrievalMethod '{uri}' with transforms"));
        return;
    }
    let Ok(target) = ids.get(doc, id) else {
        res.unresolved
            .push(format!("RetrievalMethod '{uri}' (no such element)"));
        return;
    };
    match ty {
        TYPE_X509DATA if target.tag_name().name() == "X509Data" => x509_data(&target, known, res),
        t if KEY_VALUE_TYPES.contains(&t) => match key_value_of(&target) {
            Ok(Some(k)) => res.candidates.push(Candidate::Key(k, false)),
            Ok(None) => res
                .unresolved
                .push(format!("RetrievalMethod '{uri}' (not a key value)")),
            Err(m) => res.warnings.push(format!(
                "unreadable key value at RetrievalMethod '{uri}': {m}"
            )),
        },
        TYPE_RAW_X509 => {
            match kyso_pki::cert_cache::from_base64_cached(text_of(&target).as_bytes()) {
                Ok(cert) => res.add_cert(cert),
                Err(e) => res.warnings.push(format!(
                    "unreadable certificate at RetrievalMethod '{uri}': {e}"
                )),
            }
        }
        _ => res
            .unresolved
            .push(format!("RetrievalMethod '{uri}' of Type '{ty}'")),
    }
}

/// A bare key from `KeyValue`: RSA, DSA, or EC (RFC 6931 / XMLDSig 1.1 `ECKeyValue` with a
/// `NamedCurve`). `Ok(None)`: a kind kyso does not read.
fn key_value(kv: &Node<'_, '_>) -> Result<Option<RawPublicKey>, String> {
    for k in kv.children().filter(Node::is_element) {
        if let Some(key) = key_value_of(&k)? {
            return Ok(Some(key));
        }
    }
    Ok(None)
}

/// One `RSAKeyValue`, `DSAKeyValue` or `ECKeyValue` element; `Ok(None)` for another element.
fn key_value_of(k: &Node<'_, '_>) -> Result<Option<RawPublicKey>, String> {
    let field = |name: &str| -> Result<Vec<u8>, String> {
        let n = k
            .children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
            .ok_or_else(|| format!("no {name}"))?;
        base64::decode(text_of(&n).as_bytes()).map_err(|_| format!("{name} is not base64"))
    };
    let key = match (k.tag_name().namespace(), k.tag_name().name()) {
        (Some(DSIG_NS), "RSAKeyValue") => {
            RawPublicKey::rsa(&field("Modulus")?, &field("Exponent")?)
        }
        (Some(DSIG_NS), "DSAKeyValue") => {
            RawPublicKey::dsa(&field("P")?, &field("Q")?, &field("G")?, &field("Y")?)
        }
        (Some(DSIG11_NS), "ECKeyValue") | (Some(DSIG_NS), "ECKeyValue") => {
            let curve = k
                .children()
                .find(|c| c.is_element() && c.tag_name().name() == "NamedCurve")
                .and_then(|c| c.attribute("URI"))
                .ok_or("ECKeyValue without NamedCurve (explicit parameters)")?;
            let oid = curve
                .strip_prefix("urn:oid:")
                .ok_or_else(|| format!("NamedCurve '{curve}' is not urn:oid:"))?;
            RawPublicKey::ec(oid, &field("PublicKey")?)
        }
        _ => return Ok(None),
    };
    key.map(Some).map_err(|e| e.to_string())
}

/// A key's kind for messages: `RSA-2048`, `ECDSA P-256`, `DSA`.
pub(crate) fn describe(key: &RawPublicKey) -> String {
    match &key.public_key {
        kyso_pki::PublicKey::Other(oid) if oid == "1.2.840.10040.4.1" => "DSA".into(),
        k => k.describe(),
    }
}

/// A KeyName names a certificate by its subject (as text), the subject's common name, or an
/// e-mail address in it.
fn key_name_matches(cert: &Certificate, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    same_dn(cert.subject_text(), name)
        || dn_pairs(cert.subject_text())
            .iter()
            .any(|(t, v)| (t == "cn" || t == "emailaddress") && v == &name.to_lowercase())
}

fn same_serial(a: &[u8], b: &[u8]) -> bool {
    let trim = |s: &[u8]| -> Vec<u8> { s.iter().copied().skip_while(|x| *x == 0).collect() };
    trim(a) == trim(b)
}

/// A decimal serial number as big-endian bytes; `None` if it is not a non-negative decimal.
pub(crate) fn decimal_to_bytes(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || s.len() > 200 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out: Vec<u8> = vec![0];
    for d in s.bytes() {
        let mut carry = u32::from(d - b'0');
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    Some(out)
}

/// A DN as text, parsed once, to compare with many names (see [`same_dn`]).
struct DnKey<'a> {
    text: &'a str,
    pairs: Option<Vec<(String, String)>>,
}

impl<'a> DnKey<'a> {
    fn new(text: &'a str) -> Self {
        DnKey {
            text: text.trim(),
            pairs: None,
        }
    }

    /// Whether `other` names the same DN: equal text, else equal sorted pairs (parsed lazily,
    /// once for this key).
    fn names(&mut self, other: &str) -> bool {
        if self.text.is_empty() {
            return false;
        }
        if self.text == other.trim() {
            return true;
        }
        let text = self.text;
        let mine = self.pairs.get_or_insert_with(|| {
            let mut p = dn_pairs(text);
            p.sort();
            p
        });
        !mine.is_empty() && *mine == *sorted_pairs_cached(other)
    }
}

/// The sorted [`dn_pairs`] of a certificate name, remembered: batch verification meets the
/// same few signer and CA names in every document (bounded: cleared at 4096 names).
fn sorted_pairs_cached(dn: &str) -> std::sync::Arc<Vec<(String, String)>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Cache = Mutex<HashMap<String, Arc<Vec<(String, String)>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(map) = cache.lock()
        && let Some(p) = map.get(dn)
    {
        return Arc::clone(p);
    }
    let mut pairs = dn_pairs(dn);
    pairs.sort();
    let pairs = Arc::new(pairs);
    if let Ok(mut map) = cache.lock() {
        if map.len() >= 4096 {
            map.clear();
        }
        map.insert(dn.to_string(), Arc::clone(&pairs));
    }
    pairs
}

/// Two distinguished names as text (RFC 2253/4514, either order of RDNs) name the same.
fn same_dn(a: &str, b: &str) -> bool {
    // The common case, a name written as kyso (and most signers) print it: no parsing.
    if a.trim() == b.trim() && !a.trim().is_empty() {
        return true;
    }
    let (mut x, mut y) = (dn_pairs(a), dn_pairs(b));
    if x.is_empty() {
        return false;
    }
    x.sort();
    y.sort();
    x == y
}

/// The (type, value) pairs of a DN string, types by a common name, values lower-cased with
/// escapes removed and spaces collapsed.
fn dn_pairs(dn: &str) -> Vec<(String, String)> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = dn.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push('\\');
                    cur.push(n);
                }
            }
            ',' | '+' | ';' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .iter()
        .filter_map(|p| {
            let (t, v) = p.split_once('=')?;
            let t = t.trim().to_lowercase();
            let t = t.strip_prefix("oid.").unwrap_or(&t).to_string();
            let t = match t.as_str() {
                "e" | "email" | "1.2.840.113549.1.9.1" => "emailaddress".to_string(),
                "s" | "2.5.4.8" => "st".to_string(),
                "2.5.4.3" => "cn".to_string(),
                "2.5.4.10" => "o".to_string(),
                "2.5.4.11" => "ou".to_string(),
                "2.5.4.6" => "c".to_string(),
                "2.5.4.7" => "l".to_string(),
                _ => t,
            };
            // Escapes: `\,` and the like, and `\XX` hex pairs (UTF-8 bytes, RFC 4514).
            let mut bytes = Vec::new();
            let raw = v.trim().as_bytes();
            let mut i = 0;
            while let Some(&c) = raw.get(i) {
                if c == b'\\' {
                    let hex = raw
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(b) => {
                            bytes.push(b);
                            i += 3;
                        }
                        None => {
                            if let Some(&n) = raw.get(i + 1) {
                                bytes.push(n);
                            }
                            i += 2;
                        }
                    }
                } else {
                    bytes.push(c);
                    i += 1;
                }
            }
            let value = String::from_utf8_lossy(&bytes);
            let value = value
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            Some((t, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_serials() {
        assert_eq!(decimal_to_bytes("0"), Some(vec![0]));
        assert_eq!(decimal_to_bytes("256"), Some(vec![1, 0]));
        assert!(same_serial(
            &decimal_to_bytes("65537").unwrap_or_default(),
            &[1, 0, 1]
        ));
        assert_eq!(decimal_to_bytes("-1"), None);
        assert_eq!(decimal_to_bytes(""), None);
    }

    #[test]
    fn names_compare_loosely() {
        assert!(same_dn(
            "CN=Aleksey Sanin, O=XML Security Library, E=xmlsec@aleksey.com",
            "emailAddress=xmlsec@aleksey.com,O=XML Security Library,CN=Aleksey Sanin"
        ));
        assert!(!same_dn("CN=A, O=B", "CN=A"));
        assert!(same_dn("CN=a\\, b", "cn=A\\,  B"));
        assert!(same_dn("O=B\\E1\\BB\\99 X,C=VN", "C=VN, O=Bộ X"));
    }

    #[test]
    fn a_dn_key_names_what_same_dn_names() {
        let cases = [
            ("CN=A, O=B", "CN=A, O=B", true),
            ("CN=A, O=B", "o=b,cn=a", true),
            ("CN=A, O=B", "CN=A", false),
            ("O=B\\E1\\BB\\99 X,C=VN", "C=VN, O=Bộ X", true),
            ("", "", false),
        ];
        for (a, b, want) in cases {
            let mut key = DnKey::new(a);
            // Twice: the second answer comes from the parsed key and the name cache.
            assert_eq!(key.names(b), want, "{a} ~ {b}");
            assert_eq!(key.names(b), want, "{a} ~ {b} again");
            assert_eq!(same_dn(a, b), want, "same_dn {a} ~ {b}");
        }
    }
}
