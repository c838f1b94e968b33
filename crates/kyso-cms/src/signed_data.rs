//! Parsing CMS SignedData (RFC 5652), keeping the raw bytes that signatures cover.

use kyso_pki::der::{self, tag};
use kyso_pki::{AlgorithmId, Certificate, DigestAlgorithm, SignatureScheme, time::UnixTime};

use crate::Error;
use crate::oids;

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerIdentifier {
    IssuerAndSerial { issuer: Vec<u8>, serial: Vec<u8> },
    SubjectKeyIdentifier(Vec<u8>),
}

/// A CMS attribute: type and the raw encodings of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub oid: String,
    pub values: Vec<Vec<u8>>,
}

/// One signer.
#[derive(Debug, Clone)]
pub struct SignerInfo {
    pub version: u8,
    pub sid: SignerIdentifier,
    pub digest_algorithm: AlgorithmId,
    /// The signed attributes re-tagged as `SET OF` (what the signature covers), if present.
    pub signed_attrs_der: Option<Vec<u8>>,
    pub signed_attributes: Vec<Attribute>,
    pub signature_algorithm: AlgorithmId,
    pub signature: Vec<u8>,
    pub unsigned_attributes: Vec<Attribute>,
}

/// A parsed SignedData.
#[derive(Debug, Clone)]
pub struct SignedData {
    pub version: u8,
    /// eContentType (dotted OID): id-data for document signatures, id-ct-TSTInfo for a
    /// time-stamp token.
    pub encap_content_type: String,
    /// Encapsulated content (the eContent octets; a BER constructed OCTET STRING is joined),
    /// absent for detached signatures.
    pub encap_content: Option<Vec<u8>>,
    pub certificates: Vec<Certificate>,
    /// Certificates that could not be parsed (kept out of path building, counted for reports).
    pub unparsable_certificates: usize,
    pub signer_infos: Vec<SignerInfo>,
    /// Length of the ContentInfo encoding: what follows it in the parsed buffer (a PDF's
    /// `/Contents` padding) is not part of the CMS.
    pub encoded_len: usize,
}

fn small_int(t: &der::Tlv<'_>) -> u8 {
    t.value.last().copied().unwrap_or(0)
}

fn read_attributes(t: &der::Tlv<'_>) -> Result<Vec<Attribute>, Error> {
    let mut out = Vec::new();
    let mut r = t.reader();
    while !r.is_empty() {
        let attr = r.read_tag(tag::SEQUENCE, "attribute")?;
        let mut a = attr.reader();
        let oid = der::read_oid(&mut a)?;
        let set = a.read_tag(tag::SET, "attribute values")?;
        let mut v = set.reader();
        let mut values = Vec::new();
        while !v.is_empty() {
            values.push(v.read()?.raw.to_vec());
        }
        out.push(Attribute { oid, values });
    }
    Ok(out)
}

impl SignedData {
    /// Parses a ContentInfo holding SignedData. Trailing bytes (zero padding of a PDF
    /// /Contents string) are ignored.
    pub fn parse(data: &[u8]) -> Result<SignedData, Error> {
        let ci =
            der::parse_prefix(data)?.expect_tag(tag::SEQUENCE, "ContentInfo is not a SEQUENCE")?;
        let mut r = ci.reader();
        let ct = der::read_oid(&mut r)?;
        if ct != oids::SIGNED_DATA {
            return Err(Error::NotSignedData(ct));
        }
        let explicit = r.read_tag(tag::ctx(0), "ContentInfo content")?;
        let sd = explicit.reader().read_tag(tag::SEQUENCE, "SignedData")?;
        let mut s = sd.reader();
        let version = small_int(&s.read_tag(tag::INTEGER, "SignedData version")?);
        s.read_tag(tag::SET, "digestAlgorithms")?;
        let eci = s.read_tag(tag::SEQUENCE, "encapContentInfo")?;
        let mut e = eci.reader();
        let encap_content_type = der::read_oid(&mut e)?;
        let encap_content = match e.read_optional(tag::ctx(0))? {
            Some(t) => Some(read_octets(t.reader().read()?)?),
            None => None,
        };
        let mut certificates = Vec::new();
        let mut unparsable_certificates = 0;
        if let Some(certs) = s.read_optional(tag::ctx(0))? {
            let mut c = certs.reader();
            while !c.is_empty() {
                let item = c.read()?;
                if item.tag == tag::SEQUENCE {
                    match kyso_pki::cert_cache::from_der_cached(item.raw) {
                        Ok(cert) => certificates.push(cert),
                        Err(_) => unparsable_certificates += 1,
                    }
                }
            }
        }
        s.read_optional(tag::ctx(1))?; // CRLs: used by the trust layer later
        let infos = s.read_tag(tag::SET, "signerInfos")?;
        let mut i = infos.reader();
        let mut signer_infos = Vec::new();
        while !i.is_empty() {
            signer_infos.push(parse_signer_info(i.read_tag(tag::SEQUENCE, "SignerInfo")?)?);
        }
        Ok(SignedData {
            version,
            encap_content_type,
            encap_content,
            certificates,
            unparsable_certificates,
            signer_infos,
            encoded_len: ci.raw.len(),
        })
    }

    /// The eContent octets, if the content is encapsulated.
    pub fn encapsulated_content(&self) -> Option<&[u8]> {
        self.encap_content.as_deref()
    }
}

/// The signature value of the first SignerInfo of a SignedData ContentInfo: the octets a
/// CAdES signature time-stamp covers (its messageImprint is the hash of exactly these).
pub fn signature_value(cms: &[u8]) -> Result<Vec<u8>, Error> {
    let sd = SignedData::parse(cms)?;
    sd.signer_infos
        .into_iter()
        .next()
        .map(|si| si.signature)
        .ok_or(Error::Malformed("SignedData without a SignerInfo"))
}

/// Adds an unsigned attribute (`oid` with the one DER-encoded `value`) to the first SignerInfo
/// of a SignedData ContentInfo and re-encodes it; for CAdES B-T, the signature time-stamp token
/// ([`crate::oids::SIGNATURE_TIME_STAMP`]). An attribute of that type already present gains
/// the value (attribute types are not repeated); attributes stay a DER-sorted SET. Everything
/// outside the rewritten levels (certificates, signed attributes, other SignerInfos) is copied
/// as encoded, so existing signatures stay valid and a DER input gives DER output. Trailing
/// bytes (zero padding of a PDF /Contents) are dropped.
pub fn add_unsigned_attribute(cms: &[u8], oid: &str, value: &[u8]) -> Result<Vec<u8>, Error> {
    der::parse_one(value)?;
    let oid_content = der::oid_from_str(oid);
    if oid_content.is_empty() {
        return Err(Error::Malformed("invalid attribute OID"));
    }
    let ci = der::parse_prefix(cms)?.expect_tag(tag::SEQUENCE, "ContentInfo is not a SEQUENCE")?;
    let mut r = ci.reader();
    let ct = der::read_oid(&mut r)?;
    if ct != oids::SIGNED_DATA {
        return Err(Error::NotSignedData(ct));
    }
    let explicit = r.read_tag(tag::ctx(0), "ContentInfo content")?;
    let sd = explicit.reader().read_tag(tag::SEQUENCE, "SignedData")?;
    let mut s = sd.reader();
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut last = None;
    while !s.is_empty() {
        if let Some(prev) = last.replace(s.read()?) {
            parts.push(prev.raw);
        }
    }
    // signerInfos is the last element of SignedData.
    let infos = last
        .ok_or(Error::Malformed("empty SignedData"))?
        .expect_tag(tag::SET, "signerInfos")?;
    let mut i = infos.reader();
    let first = i.read_tag(tag::SEQUENCE, "SignerInfo")?;
    let rebuilt = with_unsigned_attribute(first, &oid_content, value)?;
    let mut all_infos = rebuilt;
    all_infos.extend_from_slice(i.rest());
    let infos_set = der::tlv(tag::SET, &all_infos);
    parts.push(&infos_set);
    let signed_data = der::tlv(tag::SEQUENCE, &parts.concat());
    Ok(der::seq(&[
        &der::oid(oids::SIGNED_DATA),
        &der::tlv(tag::ctx(0), &signed_data),
    ]))
}

/// Re-encodes one SignerInfo with `value` added to its unsigned attributes.
fn with_unsigned_attribute(
    si: der::Tlv<'_>,
    oid_content: &[u8],
    value: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut r = si.reader();
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut unsigned = None;
    while !r.is_empty() {
        let t = r.read()?;
        if t.tag == tag::ctx(1) {
            unsigned = Some(t);
        } else if unsigned.is_some() {
            return Err(Error::Malformed("data after the unsigned attributes"));
        } else {
            fields.push(t.raw);
        }
    }
    let mut attrs: Vec<Vec<u8>> = Vec::new();
    let mut added = false;
    if let Some(ua) = unsigned {
        let mut a = ua.reader();
        while !a.is_empty() {
            let attr = a.read_tag(tag::SEQUENCE, "attribute")?;
            let mut x = attr.reader();
            let attr_oid = x.read_tag(tag::OID, "attribute type")?;
            if attr_oid.value == oid_content && !added {
                let set = x.read_tag(tag::SET, "attribute values")?;
                let mut v = set.reader();
                let mut values: Vec<&[u8]> = Vec::new();
                while !v.is_empty() {
                    values.push(v.read()?.raw);
                }
                values.push(value);
                attrs.push(der::seq(&[attr_oid.raw, &der::set_of(&values)]));
                added = true;
            } else {
                attrs.push(attr.raw.to_vec());
            }
        }
    }
    if !added {
        attrs.push(der::seq(&[
            &der::tlv(tag::OID, oid_content),
            &der::set_of(&[value]),
        ]));
    }
    let refs: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
    // [1] IMPLICIT SET OF Attribute: the DER SET with the context tag.
    let mut implicit = der::set_of(&refs);
    if let Some(first) = implicit.first_mut() {
        *first = tag::ctx(1);
    }
    fields.push(&implicit);
    Ok(der::tlv(tag::SEQUENCE, &fields.concat()))
}

/// Reads an OCTET STRING, primitive or (BER) constructed.
fn read_octets(t: der::Tlv<'_>) -> Result<Vec<u8>, Error> {
    match t.tag {
        tag::OCTET_STRING => Ok(t.value.to_vec()),
        0x24 => {
            let mut out = Vec::new();
            let mut r = t.reader();
            while !r.is_empty() {
                out.extend(read_octets(r.read()?)?);
            }
            Ok(out)
        }
        _ => Err(Error::Malformed("expected an OCTET STRING")),
    }
}

fn parse_signer_info(t: der::Tlv<'_>) -> Result<SignerInfo, Error> {
    let mut r = t.reader();
    let version = small_int(&r.read_tag(tag::INTEGER, "SignerInfo version")?);
    let sid_tlv = r.read()?;
    let sid = match sid_tlv.tag {
        tag::SEQUENCE => {
            let mut s = sid_tlv.reader();
            let issuer = s.read_tag(tag::SEQUENCE, "issuer")?.raw.to_vec();
            let serial = s.read_tag(tag::INTEGER, "serialNumber")?.value.to_vec();
            SignerIdentifier::IssuerAndSerial { issuer, serial }
        }
        t if t == tag::ctx_prim(0) => {
            SignerIdentifier::SubjectKeyIdentifier(sid_tlv.value.to_vec())
        }
        _ => return Err(Error::Malformed("unknown SignerIdentifier")),
    };
    let digest_algorithm = AlgorithmId::read(&mut r)?;
    let (signed_attrs_der, signed_attributes) = match r.read_optional(tag::ctx(0))? {
        Some(sa) => {
            let mut raw = sa.raw.to_vec();
            if let Some(first) = raw.first_mut() {
                *first = tag::SET;
            }
            (Some(raw), read_attributes(&sa)?)
        }
        None => (None, Vec::new()),
    };
    let signature_algorithm = AlgorithmId::read(&mut r)?;
    let signature = r.read_tag(tag::OCTET_STRING, "signature")?.value.to_vec();
    let unsigned_attributes = match r.read_optional(tag::ctx(1))? {
        Some(ua) => read_attributes(&ua)?,
        None => Vec::new(),
    };
    Ok(SignerInfo {
        version,
        sid,
        digest_algorithm,
        signed_attrs_der,
        signed_attributes,
        signature_algorithm,
        signature,
        unsigned_attributes,
    })
}

impl SignerInfo {
    /// The single value of a signed attribute, if present exactly once with one value.
    pub fn signed_attribute(&self, oid: &str) -> Option<&[u8]> {
        let mut it = self.signed_attributes.iter().filter(|a| a.oid == oid);
        let first = it.next()?;
        if it.next().is_some() || first.values.len() != 1 {
            return None;
        }
        first.values.first().map(|v| v.as_slice())
    }

    /// Every value of an unsigned attribute type, in order (over all occurrences).
    pub fn unsigned_attribute_values<'a>(
        &'a self,
        oid: &'a str,
    ) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.unsigned_attributes
            .iter()
            .filter(move |a| a.oid == oid)
            .flat_map(|a| a.values.iter().map(Vec::as_slice))
    }

    /// The signature time-stamp tokens (CAdES signature-time-stamp unsigned attributes), each
    /// the DER of a ContentInfo to read with `tsp::TimestampToken::parse`.
    pub fn signature_timestamp_tokens(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.unsigned_attribute_values(oids::SIGNATURE_TIME_STAMP)
    }

    /// Number of occurrences of a signed attribute.
    pub fn count_signed_attribute(&self, oid: &str) -> usize {
        self.signed_attributes
            .iter()
            .filter(|a| a.oid == oid)
            .count()
    }

    /// The digest algorithm, if kyso supports it.
    ///
    /// A signature algorithm in the digestAlgorithm field (`sha256WithRSAEncryption` for
    /// `sha256`, as some signers write) is [`kyso_pki::Error::MisplacedAlgorithm`]: RFC 5652
    /// requires a message digest algorithm there, and EU DSS rejects such signatures too.
    pub fn digest(&self) -> Result<DigestAlgorithm, Error> {
        let oid = &self.digest_algorithm.oid;
        if let Some(d) = DigestAlgorithm::from_oid(oid) {
            return Ok(d);
        }
        Err(Error::Pki(
            if self.digest_algorithm.is_signature_algorithm() {
                kyso_pki::Error::MisplacedAlgorithm(format!(
                    "the digestAlgorithm field holds the signature algorithm {oid}, not a digest \
                 algorithm"
                ))
            } else {
                kyso_pki::Error::UnsupportedAlgorithm(format!("digest {oid}"))
            },
        ))
    }

    /// The messageDigest attribute value.
    pub fn message_digest(&self) -> Option<Vec<u8>> {
        let v = self.signed_attribute(oids::MESSAGE_DIGEST)?;
        der::parse_one(v)
            .ok()
            .filter(|t| t.tag == tag::OCTET_STRING)
            .map(|t| t.value.to_vec())
    }

    /// The signingTime attribute (claimed by the signer).
    pub fn signing_time(&self) -> Option<UnixTime> {
        let v = self.signed_attribute(oids::SIGNING_TIME)?;
        let t = der::parse_one(v).ok()?;
        match t.tag {
            tag::UTC_TIME => kyso_pki::time::parse_utc_time(t.value).ok(),
            tag::GENERALIZED_TIME => kyso_pki::time::parse_generalized_time(t.value).ok(),
            _ => None,
        }
    }

    /// The contentType signed attribute.
    pub fn content_type(&self) -> Option<String> {
        let v = self.signed_attribute(oids::CONTENT_TYPE)?;
        der::parse_one(v)
            .ok()
            .filter(|t| t.tag == tag::OID)
            .map(|t| der::oid_to_string(t.value))
    }

    /// Whether `cert` is the certificate this SignerInfo names.
    pub fn identifies(&self, cert: &Certificate) -> bool {
        match &self.sid {
            SignerIdentifier::IssuerAndSerial { issuer, serial } => {
                trim(serial) == trim(&cert.serial)
                    && (issuer.as_slice() == cert.issuer.raw()
                        || kyso_pki::Name::from_der(issuer).is_ok_and(|n| n.matches(&cert.issuer)))
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                cert.subject_key_id.as_deref() == Some(ski.as_slice())
            }
        }
    }

    /// Finds the signer among `certs`.
    pub fn find_signer<'a>(&self, certs: &'a [Certificate]) -> Option<&'a Certificate> {
        certs.iter().find(|c| self.identifies(c))
    }

    /// Checks the ESS signing-certificate(-v2) binding, if an attribute is present:
    /// `Some(true)` when the first ESSCertID of every such attribute hashes to `cert` (RFC
    /// 5035 lets a signer carry both the v1 and the v2 attribute; both must name the signer,
    /// or a verifier reading only one of them could be shown another certificate),
    /// `Some(false)` when one does not, or when an attribute type occurs more than once.
    pub fn signing_certificate_matches(&self, cert: &Certificate) -> Option<bool> {
        let mut seen = false;
        for (oid, v2) in [
            (oids::SIGNING_CERTIFICATE_V2, true),
            (oids::SIGNING_CERTIFICATE, false),
        ] {
            match self.count_signed_attribute(oid) {
                0 => {}
                1 => {
                    seen = true;
                    let ok = self
                        .signed_attribute(oid)
                        .is_some_and(|v| ess_cert_id_matches(v, cert, v2).unwrap_or(false));
                    if !ok {
                        return Some(false);
                    }
                }
                _ => return Some(false),
            }
        }
        seen.then_some(true)
    }

    /// Verifies the signature over the signed attributes (or, without them, over `content`).
    pub fn verify_signature(
        &self,
        cert: &Certificate,
        content_without_attrs: Option<&[u8]>,
    ) -> Result<(), Error> {
        let digest = self.digest()?;
        let scheme = self.signature_algorithm.signature_scheme(Some(digest))?;
        // RFC 8419 3.1: with signed attributes, the message digest of an EdDSA signature is
        // SHA-512 for Ed25519 and SHAKE256 (512 bits) for Ed448, nothing else.
        let eddsa_digest = match scheme {
            SignatureScheme::Ed25519 => Some(("Ed25519", DigestAlgorithm::Sha512)),
            SignatureScheme::Ed448 => Some(("Ed448", DigestAlgorithm::Shake256)),
            _ => None,
        };
        if let Some((name, required)) = eddsa_digest
            && self.signed_attrs_der.is_some()
            && digest != required
        {
            return Err(Error::Pki(kyso_pki::Error::UnsupportedAlgorithm(format!(
                "{name} with a {} message digest (RFC 8419 requires {})",
                digest.display_name(),
                required.display_name()
            ))));
        }
        let message = match (&self.signed_attrs_der, content_without_attrs) {
            (Some(attrs), _) => attrs.as_slice(),
            (None, Some(c)) => c,
            (None, None) => return Err(Error::Malformed("no signed attributes and no content")),
        };
        let value = self.signature_algorithm.signature_value(&self.signature)?;
        cert.verify_message(scheme, message, &value)?;
        Ok(())
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let skip = b.iter().take_while(|x| **x == 0).count();
    &b[skip.min(b.len())..]
}

/// SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
fn ess_cert_id_matches(value: &[u8], cert: &Certificate, v2: bool) -> Result<bool, Error> {
    let sc = der::parse_one(value)?.expect_tag(tag::SEQUENCE, "SigningCertificate")?;
    let certs = sc.reader().read_tag(tag::SEQUENCE, "ESSCertIDs")?;
    let first = certs.reader().read_tag(tag::SEQUENCE, "ESSCertID")?;
    let mut r = first.reader();
    let digest = if v2 {
        match r.peek_tag() {
            Some(tag::SEQUENCE) => {
                let alg = AlgorithmId::read(&mut r)?;
                DigestAlgorithm::from_oid(&alg.oid)
                    .ok_or(Error::Malformed("unknown ESSCertIDv2 hash"))?
            }
            _ => DigestAlgorithm::Sha256,
        }
    } else {
        DigestAlgorithm::Sha1
    };
    let hash = r.read_tag(tag::OCTET_STRING, "certHash")?.value;
    Ok(digest.digest(cert.der()) == hash)
}
