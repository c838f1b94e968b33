//! X.509 certificates: parsed once into an owned, bounds-checked model.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use crate::algorithm::AlgorithmId;
use crate::der::{self, Reader, tag};
use crate::distribution_point::DistributionPoint;
use crate::error::Error;
use crate::general_name::GeneralName;
use crate::name::Name;
use crate::name_constraints_ext::NameConstraints;
use crate::policy_ext::{self, PolicyConstraints};
use crate::time::{self, UnixTime};

pub use crate::public_key::{Curve, PublicKey};

/// Key usage bits (RFC 5280 §4.2.1.3), as named bit positions.
pub mod key_usage {
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    pub const NON_REPUDIATION: u16 = 1 << 1;
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    pub const CRL_SIGN: u16 = 1 << 6;
}

/// Extensions kyso understands; everything else is listed by OID.
const KNOWN_EXTENSIONS: &[&str] = &[
    "2.5.29.14",
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.18",
    "2.5.29.19",
    "2.5.29.30",
    "2.5.29.31",
    "2.5.29.32",
    "2.5.29.33",
    "2.5.29.35",
    "2.5.29.36",
    "2.5.29.37",
    "2.5.29.46",
    "2.5.29.54",
    "1.3.6.1.5.5.7.1.1",
    "1.3.6.1.5.5.7.1.3",
    "1.3.6.1.5.5.7.48.1.5",
];

/// A parsed certificate: a shared, immutable [`CertificateData`]. Cloning is a reference-count
/// increment, so paths, pools and reports can hold certificates freely.
#[derive(Clone)]
pub struct Certificate(Arc<CertificateData>);

impl std::ops::Deref for Certificate {
    type Target = CertificateData;
    fn deref(&self) -> &CertificateData {
        &self.0
    }
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Certificate {
    /// Parses a DER certificate.
    pub fn from_der(input: &[u8]) -> Result<Certificate, Error> {
        CertificateData::parse(input).map(|d| Certificate(Arc::new(d)))
    }

    /// Parses every certificate in a PEM text, or a single DER certificate.
    pub fn from_pem_or_der(data: &[u8]) -> Result<Vec<Certificate>, Error> {
        if data.first() == Some(&0x30) {
            return Ok(vec![Certificate::from_der(data)?]);
        }
        let blocks = crate::base64::pem_blocks(data)?;
        let certs: Vec<Certificate> = blocks
            .iter()
            .filter(|b| b.label == "CERTIFICATE" || b.label == "TRUSTED CERTIFICATE")
            .map(|b| Certificate::from_der(&b.der))
            .collect::<Result<_, _>>()?;
        if certs.is_empty() {
            return Err(Error::Pem("no CERTIFICATE block found"));
        }
        Ok(certs)
    }
}

/// The fields of a parsed certificate (reached through [`Certificate`]).
#[derive(Debug)]
pub struct CertificateData {
    der: Vec<u8>,
    /// SHA-256 of `der`, computed once.
    fingerprint: [u8; 32],
    tbs: Range<usize>,
    pub serial: Vec<u8>,
    pub issuer: Name,
    pub subject: Name,
    pub not_before: UnixTime,
    pub not_after: UnixTime,
    pub public_key: PublicKey,
    pub signature_algorithm: AlgorithmId,
    pub signature: Vec<u8>,
    /// `Some((is_ca, path_len))` when basicConstraints is present.
    pub basic_constraints: Option<(bool, Option<u32>)>,
    /// Key usage bits when the extension is present.
    pub key_usage: Option<u16>,
    pub extended_key_usage: Vec<String>,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    /// Certificate policy OIDs.
    pub policies: Vec<String>,
    /// certificatePolicies as policy OIDs, `None` when the extension is absent.
    pub certificate_policies: Option<Vec<String>>,
    /// policyMappings: (issuerDomainPolicy, subjectDomainPolicy) pairs.
    pub policy_mappings: Vec<(String, String)>,
    /// policyConstraints, when present.
    pub policy_constraints: Option<PolicyConstraints>,
    /// inhibitAnyPolicy skip count, when present.
    pub inhibit_any_policy: Option<u32>,
    /// nameConstraints, when present.
    pub name_constraints: Option<NameConstraints>,
    /// subjectAltName entries.
    pub subject_alt_names: Vec<GeneralName>,
    /// cRLDistributionPoints, `None` when the extension is absent.
    pub crl_distribution_points: Option<Vec<DistributionPoint>>,
    /// freshestCRL (where delta CRLs are published), `None` when absent.
    pub freshest_crl: Option<Vec<DistributionPoint>>,
    /// Every OID that appears inside the qcStatements extension.
    pub qc_statement_oids: Vec<String>,
    /// Critical extensions kyso does not process, or could not parse.
    pub unhandled_critical: Vec<String>,
    /// The subjectPublicKeyInfo as encoded.
    spki: Range<usize>,
    /// Every extension as encoded: OID, criticality, and the extnValue octets' range in `der`.
    extensions: Vec<(String, bool, Range<usize>)>,
    /// The subject and issuer as text, formatted on first use and kept (certificates are
    /// shared across documents through the cache).
    subject_text: OnceLock<String>,
    issuer_text: OnceLock<String>,
}

/// One extension of a certificate, as encoded.
#[derive(Debug, Clone, Copy)]
pub struct Extension<'a> {
    pub oid: &'a str,
    pub critical: bool,
    /// The contents of extnValue (the DER of the extension's own structure).
    pub value: &'a [u8],
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl CertificateData {
    /// Parses a DER certificate.
    fn parse(input: &[u8]) -> Result<CertificateData, Error> {
        let outer =
            der::parse_prefix(input)?.expect_tag(tag::SEQUENCE, "certificate is not a SEQUENCE")?;
        let der_bytes = outer.raw.to_vec();
        let outer = der::parse_one(&der_bytes)?;
        let mut r = outer.reader();
        let tbs = r.read_tag(tag::SEQUENCE, "tbsCertificate")?;
        let tbs_start = outer.raw.len() - outer.value.len();
        let tbs_range = tbs_start..tbs_start + tbs.raw.len();
        let signature_algorithm = AlgorithmId::read(&mut r)?;
        let sig = r.read_tag(tag::BIT_STRING, "signatureValue")?;
        let signature = sig
            .value
            .get(1..)
            .ok_or(Error::Certificate("empty signature"))?
            .to_vec();

        let mut t = tbs.reader();
        t.read_optional(tag::ctx(0))?; // version
        let serial = t.read_tag(tag::INTEGER, "serialNumber")?.value.to_vec();
        AlgorithmId::read(&mut t)?;
        let issuer = Name::from_der(t.read_tag(tag::SEQUENCE, "issuer")?.raw)?;
        let validity = t.read_tag(tag::SEQUENCE, "validity")?;
        let mut v = validity.reader();
        let not_before = read_time(&mut v)?;
        let not_after = read_time(&mut v)?;
        let subject = Name::from_der(t.read_tag(tag::SEQUENCE, "subject")?.raw)?;
        let spki = t.read_tag(tag::SEQUENCE, "subjectPublicKeyInfo")?;
        let public_key = parse_spki(spki.value)?;
        let spki_start = (spki.raw.as_ptr() as usize).saturating_sub(der_bytes.as_ptr() as usize);
        let spki_range = spki_start..spki_start + spki.raw.len();

        let mut fingerprint = [0u8; 32];
        fingerprint
            .copy_from_slice(ring::digest::digest(&ring::digest::SHA256, &der_bytes).as_ref());
        let mut cert = CertificateData {
            der: Vec::new(),
            fingerprint,
            tbs: tbs_range,
            serial,
            issuer,
            subject,
            not_before,
            not_after,
            public_key,
            signature_algorithm,
            signature,
            basic_constraints: None,
            key_usage: None,
            extended_key_usage: Vec::new(),
            subject_key_id: None,
            authority_key_id: None,
            policies: Vec::new(),
            certificate_policies: None,
            policy_mappings: Vec::new(),
            policy_constraints: None,
            inhibit_any_policy: None,
            name_constraints: None,
            subject_alt_names: Vec::new(),
            crl_distribution_points: None,
            freshest_crl: None,
            qc_statement_oids: Vec::new(),
            unhandled_critical: Vec::new(),
            spki: spki_range,
            extensions: Vec::new(),
            subject_text: OnceLock::new(),
            issuer_text: OnceLock::new(),
        };
        t.read_optional(tag::ctx_prim(1))?;
        t.read_optional(tag::ctx_prim(2))?;
        if let Some(exts) = t.read_optional(tag::ctx(3))? {
            let seq = exts.reader().read_tag(tag::SEQUENCE, "extensions")?;
            for (oid, critical, value) in der::read_extensions(seq)? {
                let start = (value.as_ptr() as usize).saturating_sub(der_bytes.as_ptr() as usize);
                cert.extensions
                    .push((oid.clone(), critical, start..start + value.len()));
                cert.apply_extension(&oid, value)?;
                let understood = match cert.apply_validation_extension(&oid, value) {
                    Ok(()) => KNOWN_EXTENSIONS.contains(&oid.as_str()),
                    Err(_) => false,
                };
                if critical && !understood {
                    cert.unhandled_critical.push(oid);
                }
            }
        }
        cert.der = der_bytes;
        Ok(cert)
    }

    fn apply_extension(&mut self, oid: &str, value: &[u8]) -> Result<(), Error> {
        match oid {
            "2.5.29.19" => {
                let seq = der::parse_one(value)?.expect_tag(tag::SEQUENCE, "basicConstraints")?;
                let mut r = seq.reader();
                let ca = match r.read_optional(tag::BOOLEAN)? {
                    Some(b) => b.value.first().is_some_and(|v| *v != 0),
                    None => false,
                };
                let path_len = match r.read_optional(tag::INTEGER)? {
                    Some(i) if i.value.len() <= 4 => {
                        Some(i.value.iter().fold(0u32, |a, b| (a << 8) | *b as u32))
                    }
                    Some(_) => Some(u32::MAX),
                    None => None,
                };
                self.basic_constraints = Some((ca, path_len));
            }
            "2.5.29.15" => {
                let bits = der::parse_one(value)?.expect_tag(tag::BIT_STRING, "keyUsage")?;
                let b0 = bits.value.get(1).copied().unwrap_or(0);
                let b1 = bits.value.get(2).copied().unwrap_or(0);
                let mut usage = 0u16;
                for i in 0..8 {
                    if b0 & (0x80 >> i) != 0 {
                        usage |= 1 << i;
                    }
                }
                if b1 & 0x80 != 0 {
                    usage |= 1 << 8;
                }
                self.key_usage = Some(usage);
            }
            "2.5.29.37" => {
                let seq = der::parse_one(value)?.expect_tag(tag::SEQUENCE, "extKeyUsage")?;
                let mut r = seq.reader();
                while !r.is_empty() {
                    self.extended_key_usage.push(der::read_oid(&mut r)?);
                }
            }
            "2.5.29.14" => {
                self.subject_key_id = Some(
                    der::parse_one(value)?
                        .expect_tag(tag::OCTET_STRING, "subjectKeyIdentifier")?
                        .value
                        .to_vec(),
                );
            }
            "2.5.29.35" => {
                let seq =
                    der::parse_one(value)?.expect_tag(tag::SEQUENCE, "authorityKeyIdentifier")?;
                if let Some(id) = seq.reader().read_optional(tag::ctx_prim(0))? {
                    self.authority_key_id = Some(id.value.to_vec());
                }
            }
            "2.5.29.32" => {
                let seq =
                    der::parse_one(value)?.expect_tag(tag::SEQUENCE, "certificatePolicies")?;
                let mut r = seq.reader();
                while !r.is_empty() {
                    let info = r.read_tag(tag::SEQUENCE, "PolicyInformation")?;
                    self.policies.push(der::read_oid(&mut info.reader())?);
                }
            }
            "1.3.6.1.5.5.7.1.3" => {
                collect_oids(der::parse_one(value)?, &mut self.qc_statement_oids, 0)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Extensions that only path validation reads. A malformed one is reported through
    /// `unhandled_critical` when critical and ignored otherwise, so that a certificate
    /// with, say, a damaged distribution point still parses.
    fn apply_validation_extension(&mut self, oid: &str, value: &[u8]) -> Result<(), Error> {
        match oid {
            "2.5.29.32" => {
                self.certificate_policies = Some(policy_ext::parse_certificate_policies(value)?);
            }
            "2.5.29.33" => self.policy_mappings = policy_ext::parse_policy_mappings(value)?,
            "2.5.29.36" => {
                self.policy_constraints = Some(policy_ext::parse_policy_constraints(value)?);
            }
            "2.5.29.54" => {
                self.inhibit_any_policy = Some(policy_ext::parse_inhibit_any_policy(value)?)
            }
            "2.5.29.30" => self.name_constraints = Some(NameConstraints::from_der(value)?),
            "2.5.29.17" => self.subject_alt_names = GeneralName::read_sequence(value)?,
            "2.5.29.31" => {
                self.crl_distribution_points = Some(DistributionPoint::read_sequence(value)?);
            }
            "2.5.29.46" => self.freshest_crl = Some(DistributionPoint::read_sequence(value)?),
            _ => {}
        }
        Ok(())
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subjectPublicKeyInfo as encoded.
    pub fn spki(&self) -> &[u8] {
        self.der.get(self.spki.clone()).unwrap_or(&[])
    }

    /// The subject name as text (RFC 4514 order, as `Name`'s `Display`), formatted once.
    pub fn subject_text(&self) -> &str {
        self.subject_text.get_or_init(|| self.subject.to_string())
    }

    /// The issuer name as text, formatted once.
    pub fn issuer_text(&self) -> &str {
        self.issuer_text.get_or_init(|| self.issuer.to_string())
    }

    /// Every extension, in certificate order.
    pub fn extensions(&self) -> impl Iterator<Item = Extension<'_>> {
        self.extensions
            .iter()
            .map(|(oid, critical, range)| Extension {
                oid,
                critical: *critical,
                value: self.der.get(range.clone()).unwrap_or(&[]),
            })
    }

    /// The extension with this OID (dotted form), if present.
    pub fn extension(&self, oid: &str) -> Option<Extension<'_>> {
        self.extensions().find(|e| e.oid == oid)
    }

    /// The signed part (tbsCertificate) as encoded.
    pub fn tbs(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or(&[])
    }

    /// Serial number as lower-case hex without leading zero bytes.
    pub fn serial_hex(&self) -> String {
        let skip = self.serial.iter().take_while(|b| **b == 0).count();
        let s = hex(&self.serial[skip.min(self.serial.len())..]);
        if s.is_empty() { "00".into() } else { s }
    }

    /// SHA-256 of the DER encoding, hex.
    pub fn sha256_hex(&self) -> String {
        hex(&self.fingerprint)
    }

    /// SHA-256 of the DER encoding.
    pub fn fingerprint(&self) -> &[u8; 32] {
        &self.fingerprint
    }

    /// Whether the certificate is valid at time `t`.
    pub fn valid_at(&self, t: UnixTime) -> bool {
        self.not_before <= t && t <= self.not_after
    }

    /// Whether the subject and issuer names match (a self-issued certificate).
    pub fn is_self_issued(&self) -> bool {
        self.subject.matches(&self.issuer)
    }

    /// Whether basicConstraints marks a CA.
    pub fn is_ca(&self) -> bool {
        matches!(self.basic_constraints, Some((true, _)))
    }

    /// Whether key usage permits `bits` (any of them); absent key usage permits everything.
    pub fn key_usage_allows_any(&self, bits: u16) -> bool {
        self.key_usage.is_none_or(|ku| ku & bits != 0)
    }

    /// Verifies `signature` over `message` by this certificate's key under `scheme` (DSA
    /// with the key's own domain parameters).
    pub fn verify_message(
        &self,
        scheme: crate::algorithm::SignatureScheme,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        match scheme {
            crate::algorithm::SignatureScheme::Dsa(d) => {
                crate::dsa::verify_digest(self.spki(), std::iter::empty(), d, message, signature)
            }
            _ => crate::algorithm::verify(scheme, &self.public_key, message, signature),
        }
    }

    /// Verifies that `issuer`'s key signed this certificate.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), Error> {
        let scheme = self.signature_algorithm.signature_scheme(None)?;
        let value = self.signature_algorithm.signature_value(&self.signature)?;
        issuer.verify_message(scheme, self.tbs(), &value)
    }
}

fn read_time(r: &mut Reader<'_>) -> Result<UnixTime, Error> {
    let t = r.read()?;
    match t.tag {
        tag::UTC_TIME => time::parse_utc_time(t.value),
        tag::GENERALIZED_TIME => time::parse_generalized_time(t.value),
        _ => Err(Error::Certificate("validity time has an unknown type")),
    }
}

fn parse_spki(content: &[u8]) -> Result<PublicKey, Error> {
    let mut r = Reader::new(content);
    let alg = AlgorithmId::read(&mut r)?;
    let bits = r.read_tag(tag::BIT_STRING, "subjectPublicKey")?;
    let key = bits
        .value
        .get(1..)
        .ok_or(Error::Certificate("empty public key"))?;
    Ok(match alg.oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let seq = der::parse_one(key)?.expect_tag(tag::SEQUENCE, "RSAPublicKey")?;
            let n = seq.reader().read_tag(tag::INTEGER, "RSA modulus")?.value;
            let skip = n.iter().take_while(|b| **b == 0).count();
            let n = &n[skip.min(n.len())..];
            let bits = match n.first() {
                Some(top) => n.len() * 8 - top.leading_zeros() as usize,
                None => 0,
            };
            PublicKey::Rsa {
                pkcs1: key.to_vec(),
                bits,
            }
        }
        "1.2.840.10045.2.1" => {
            let curve_oid = der::parse_one(&alg.params)
                .ok()
                .filter(|t| t.tag == tag::OID)
                .map(|t| der::oid_to_string(t.value))
                .unwrap_or_default();
            let Some(curve) = Curve::from_oid(&curve_oid) else {
                return Ok(PublicKey::Other(format!("EC curve {curve_oid}")));
            };
            PublicKey::Ec {
                curve,
                point: key.to_vec(),
            }
        }
        "1.3.101.112" => PublicKey::Ed25519(key.to_vec()),
        "1.3.101.113" => PublicKey::Ed448(key.to_vec()),
        other => PublicKey::Other(other.to_string()),
    })
}

fn collect_oids(t: der::Tlv<'_>, out: &mut Vec<String>, depth: usize) -> Result<(), Error> {
    if depth > 16 {
        return Ok(());
    }
    if t.tag == tag::OID {
        out.push(der::oid_to_string(t.value));
    } else if t.tag & 0x20 != 0 {
        let mut r = t.reader();
        while !r.is_empty() {
            collect_oids(r.read()?, out, depth + 1)?;
        }
    }
    Ok(())
}

/// A public key without a certificate: a subjectPublicKeyInfo (from a PEM `PUBLIC KEY` file,
/// or built from an XML `KeyValue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPublicKey {
    spki: Vec<u8>,
    /// The key, as a certificate's would be read.
    pub public_key: PublicKey,
}

impl RawPublicKey {
    /// Reads a DER subjectPublicKeyInfo.
    pub fn from_spki_der(spki: &[u8]) -> Result<RawPublicKey, Error> {
        let t = der::parse_one(spki)?.expect_tag(tag::SEQUENCE, "subjectPublicKeyInfo")?;
        let public_key = parse_spki(t.value)?;
        Ok(RawPublicKey {
            spki: spki.to_vec(),
            public_key,
        })
    }

    /// Every `PUBLIC KEY` block of a PEM text, or a single DER subjectPublicKeyInfo.
    pub fn from_pem_or_der(data: &[u8]) -> Result<Vec<RawPublicKey>, Error> {
        if data.first() == Some(&0x30) {
            return Ok(vec![RawPublicKey::from_spki_der(data)?]);
        }
        crate::base64::pem_blocks(data)?
            .iter()
            .filter(|b| b.label == "PUBLIC KEY")
            .map(|b| RawPublicKey::from_spki_der(&b.der))
            .collect()
    }

    /// An RSA key from its modulus and public exponent (big-endian magnitudes).
    pub fn rsa(modulus: &[u8], exponent: &[u8]) -> Result<RawPublicKey, Error> {
        let pkcs1 = der::seq(&[&der::uint(modulus), &der::uint(exponent)]);
        let alg = der::seq(&[&der::oid("1.2.840.113549.1.1.1"), &der::null()]);
        RawPublicKey::from_spki_der(&der::seq(&[&alg, &bit_string(&pkcs1)]))
    }

    /// An elliptic-curve key from its namedCurve OID and encoded point.
    pub fn ec(curve_oid: &str, point: &[u8]) -> Result<RawPublicKey, Error> {
        let alg = der::seq(&[&der::oid("1.2.840.10045.2.1"), &der::oid(curve_oid)]);
        RawPublicKey::from_spki_der(&der::seq(&[&alg, &bit_string(point)]))
    }

    /// A DSA key from its domain parameters and public value (big-endian magnitudes).
    pub fn dsa(p: &[u8], q: &[u8], g: &[u8], y: &[u8]) -> Result<RawPublicKey, Error> {
        let params = der::seq(&[&der::uint(p), &der::uint(q), &der::uint(g)]);
        let alg = der::seq(&[&der::oid("1.2.840.10040.4.1"), &params]);
        RawPublicKey::from_spki_der(&der::seq(&[&alg, &bit_string(&der::uint(y))]))
    }

    /// The subjectPublicKeyInfo, DER.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// Whether `cert` certifies this very key.
    pub fn is_key_of(&self, cert: &Certificate) -> bool {
        cert.spki() == self.spki.as_slice()
    }

    /// Verifies `signature` over `message` by this key under `scheme`.
    pub fn verify_message(
        &self,
        scheme: crate::algorithm::SignatureScheme,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        match scheme {
            crate::algorithm::SignatureScheme::Dsa(d) => {
                crate::dsa::verify_digest(&self.spki, std::iter::empty(), d, message, signature)
            }
            _ => crate::algorithm::verify(scheme, &self.public_key, message, signature),
        }
    }
}

/// A BIT STRING with no unused bits.
fn bit_string(content: &[u8]) -> Vec<u8> {
    let mut c = Vec::with_capacity(content.len() + 1);
    c.push(0);
    c.extend_from_slice(content);
    der::tlv(tag::BIT_STRING, &c)
}
