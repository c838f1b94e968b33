//! The test PKI: a root CA, an intermediate signing CA, four signer
//! identities (natural person RSA, legal person / e-seal RSA, natural person
//! P-256, untrusted self-signed outsider).

use p12_keystore::{
    Certificate, KeyStore, KeyStoreEntry, Pkcs12ImportPolicy, PrivateKey, PrivateKeyChain,
};
use p256::pkcs8::EncodePrivateKey as _;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber, date_time_ymd,
};
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use sha2::{Digest, Sha256};

use crate::der;
use crate::{Error, OutFile, Result};

/// Password of every generated PKCS#12 file. Fixture-only: never trust it.
pub const P12_PASSWORD: &str = "kyso-fixture";

const OID_UID: &[u64] = &[0, 9, 2342, 19200300, 100, 1, 1];
/// Stand-in OID used to get a *second* UID attribute into a subject: rcgen
/// keys distinguished-name entries by type, so two attributes of the same
/// type cannot be expressed directly. It encodes to the same length as
/// [`OID_UID`] and is swapped for it after signing, then the certificate is
/// re-signed (see [`patch_placeholder_uid`]).
const OID_UID_PLACEHOLDER: &[u64] = &[0, 9, 2342, 19200300, 100, 1, 127];
const OID_GIVEN_NAME: &[u64] = &[2, 5, 4, 42];
const OID_SURNAME: &[u64] = &[2, 5, 4, 4];
const OID_ORGANIZATION_IDENTIFIER: &[u64] = &[2, 5, 4, 97];
const OID_EMAIL_ADDRESS: &[u64] = &[1, 2, 840, 113549, 1, 9, 1];
const OID_CERTIFICATE_POLICIES: &[u64] = &[2, 5, 29, 32];
/// ETSI EN 319 411-2 QCP-n (qualified certificate, natural person).
const OID_QCP_N: &[u64] = &[0, 4, 0, 194112, 1, 0];
/// ETSI EN 319 411-2 QCP-l (qualified certificate, legal person).
const OID_QCP_L: &[u64] = &[0, 4, 0, 194112, 1, 1];

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn key_err(e: impl std::fmt::Display) -> Error {
    Error::Key(e.to_string())
}

fn cert_err(e: impl std::fmt::Display) -> Error {
    Error::Cert(e.to_string())
}

/// A deterministic RSA-2048 key: the `rsa` crate's key generation driven by
/// a ChaCha20 RNG seeded with SHA-256 of the key name.
struct RsaKey {
    key: RsaPrivateKey,
    pkcs8: Vec<u8>,
}

fn rsa_key(name: &str) -> Result<RsaKey> {
    let seed = sha256(format!("kyso-fixtures/rsa-2048/{name}").as_bytes());
    let mut rng = ChaCha20Rng::from_seed(seed);
    let key = RsaPrivateKey::new(&mut rng, 2048).map_err(key_err)?;
    let pkcs8 = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&key)
        .map_err(key_err)?
        .as_bytes()
        .to_vec();
    Ok(RsaKey { key, pkcs8 })
}

/// A deterministic P-256 key: the secret scalar is SHA-256 of the name (with
/// a counter appended in the astronomically unlikely case it is out of range).
/// The PKCS#8 encoding includes the public key, which ring requires.
fn p256_key(name: &str) -> Result<Vec<u8>> {
    for counter in 0u32..16 {
        let secret = sha256(format!("kyso-fixtures/p256/{name}/{counter}").as_bytes());
        if let Ok(sk) = p256::SecretKey::from_slice(&secret) {
            return Ok(sk.to_pkcs8_der().map_err(key_err)?.as_bytes().to_vec());
        }
    }
    Err(Error::Key(format!("no valid P-256 scalar for {name}")))
}

fn key_pair(pkcs8: &[u8], alg: &'static rcgen::SignatureAlgorithm) -> Result<KeyPair> {
    let kp = KeyPair::try_from(pkcs8).map_err(key_err)?;
    if kp.algorithm() != alg {
        return Err(Error::Key(format!(
            "unexpected key algorithm {:?}",
            kp.algorithm()
        )));
    }
    Ok(kp)
}

fn certificate_policies(policy: &[u64]) -> Result<CustomExtension> {
    // certificatePolicies ::= SEQUENCE OF PolicyInformation
    // PolicyInformation ::= SEQUENCE { policyIdentifier OID }
    let content = der::sequence(&[der::sequence(&[der::oid(policy)?])]);
    Ok(CustomExtension::from_oid_content(
        OID_CERTIFICATE_POLICIES,
        content,
    ))
}

fn utf8(s: &str) -> DnValue {
    DnValue::Utf8String(s.to_owned())
}

fn custom(oid: &[u64]) -> DnType {
    DnType::CustomDnType(oid.to_vec())
}

fn serial(n: u8) -> SerialNumber {
    // "KYSO" + fixed suffix; positive because the first byte is < 0x80.
    SerialNumber::from_slice(&[0x4b, 0x59, 0x53, 0x4f, 0x20, 0x25, n])
}

fn base_params(
    dn: DistinguishedName,
    serial_no: u8,
    from: (i32, u8, u8),
    to: (i32, u8, u8),
) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn;
    p.serial_number = Some(serial(serial_no));
    p.not_before = date_time_ymd(from.0, from.1, from.2);
    p.not_after = date_time_ymd(to.0, to.1, to.2);
    p
}

const LEAF_FROM: (i32, u8, u8) = (2025, 1, 1);
const LEAF_TO: (i32, u8, u8) = (2035, 1, 1);

fn root_params() -> Result<CertificateParams> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    dn.push(
        DnType::OrganizationName,
        utf8("Bộ Thông tin và Truyền thông (kyso test)"),
    );
    dn.push(
        DnType::CommonName,
        utf8("Vietnam National Root CA (kyso test)"),
    );
    let mut p = base_params(dn, 1, (2020, 1, 1), (2045, 1, 1));
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    Ok(p)
}

fn ca_params() -> Result<CertificateParams> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    dn.push(
        DnType::OrganizationName,
        utf8("Bộ Thông tin và Truyền thông (kyso test)"),
    );
    dn.push(
        DnType::CommonName,
        utf8("Government Signing CA (kyso test)"),
    );
    let mut p = base_params(dn, 2, (2021, 1, 1), (2040, 1, 1));
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.use_authority_key_identifier_extension = true;
    Ok(p)
}

/// countryName must be a PrintableString (RFC 5280).
fn vn() -> Result<DnValue> {
    Ok(DnValue::PrintableString(
        rcgen::string::PrintableString::try_from("VN").map_err(cert_err)?,
    ))
}

fn signer_usages(p: &mut CertificateParams) {
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
}

fn personal_params() -> Result<CertificateParams> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    dn.push(DnType::StateOrProvinceName, utf8("Hà Nội"));
    dn.push(DnType::LocalityName, utf8("Hoàn Kiếm"));
    dn.push(DnType::OrganizationName, utf8("Sở Nội vụ tỉnh Bắc Ninh"));
    dn.push(DnType::OrganizationalUnitName, utf8("Văn phòng Sở"));
    dn.push(DnType::CommonName, utf8("Nguyễn Văn Ánh"));
    dn.push(custom(OID_GIVEN_NAME), utf8("Văn Ánh"));
    dn.push(custom(OID_SURNAME), utf8("Nguyễn"));
    dn.push(custom(OID_UID), utf8("CCCD:038085012345"));
    dn.push(
        custom(OID_EMAIL_ADDRESS),
        DnValue::Ia5String(
            rcgen::string::Ia5String::try_from("anh.nv@example.gov.vn").map_err(cert_err)?,
        ),
    );
    let mut p = base_params(dn, 0x11, LEAF_FROM, LEAF_TO);
    signer_usages(&mut p);
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::EmailProtection,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    p.use_authority_key_identifier_extension = true;
    p.custom_extensions = vec![certificate_policies(OID_QCP_N)?];
    Ok(p)
}

fn agency_params() -> Result<CertificateParams> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    dn.push(DnType::StateOrProvinceName, utf8("Bắc Ninh"));
    dn.push(DnType::OrganizationName, utf8("Sở Nội vụ tỉnh Bắc Ninh"));
    dn.push(DnType::CommonName, utf8("Sở Nội vụ tỉnh Bắc Ninh"));
    dn.push(custom(OID_UID), utf8("MST:2300123456"));
    // Becomes a second UID attribute after patching.
    dn.push(custom(OID_UID_PLACEHOLDER), utf8("MNS:1234567"));
    dn.push(
        custom(OID_ORGANIZATION_IDENTIFIER),
        utf8("VATVN-2300123456"),
    );
    let mut p = base_params(dn, 0x12, LEAF_FROM, LEAF_TO);
    signer_usages(&mut p);
    p.use_authority_key_identifier_extension = true;
    p.custom_extensions = vec![certificate_policies(OID_QCP_L)?];
    Ok(p)
}

fn personal_ec_params() -> Result<CertificateParams> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    dn.push(
        DnType::OrganizationName,
        utf8("Văn phòng UBND tỉnh Bắc Ninh"),
    );
    dn.push(DnType::CommonName, utf8("Trần Thị Bình"));
    dn.push(custom(OID_GIVEN_NAME), utf8("Thị Bình"));
    dn.push(custom(OID_SURNAME), utf8("Trần"));
    dn.push(custom(OID_UID), utf8("CCCD:001190000123"));
    let mut p = base_params(dn, 0x13, LEAF_FROM, LEAF_TO);
    signer_usages(&mut p);
    p.use_authority_key_identifier_extension = true;
    Ok(p)
}

fn outsider_params() -> Result<CertificateParams> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    dn.push(DnType::CommonName, utf8("Outsider (kyso test, untrusted)"));
    dn.push(custom(OID_UID), utf8("CCCD:999999999999"));
    let mut p = base_params(dn, 0x66, LEAF_FROM, LEAF_TO);
    signer_usages(&mut p);
    Ok(p)
}

/// Replaces the (unique) placeholder UID OID in a certificate signed with
/// RSA-SHA256 by the real UID OID, then re-signs the TBSCertificate with
/// `issuer`. RSA PKCS#1 v1.5 is deterministic, so the result is
/// reproducible and identical to what rcgen/ring would have produced.
fn patch_placeholder_uid(cert: &[u8], issuer: &RsaPrivateKey) -> Result<Vec<u8>> {
    let from = der::oid(OID_UID_PLACEHOLDER)?;
    let to = der::oid(OID_UID)?;
    if from.len() != to.len() {
        return Err(Error::Cert("placeholder OID length mismatch".into()));
    }
    let hits: Vec<usize> = cert
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from.as_slice())
        .map(|(i, _)| i)
        .collect();
    let [hit] = hits.as_slice() else {
        return Err(Error::Cert(format!(
            "expected exactly one placeholder OID, found {}",
            hits.len()
        )));
    };
    let mut out = cert.to_vec();
    out[*hit..*hit + to.len()].copy_from_slice(&to);

    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
    let (outer_hdr, _) = der::read_header(&out, 0)?;
    let (tbs_hdr, tbs_len) = der::read_header(&out, outer_hdr)?;
    let tbs_end = outer_hdr + tbs_hdr + tbs_len;
    let tbs = out
        .get(outer_hdr..tbs_end)
        .ok_or_else(|| Error::Cert("truncated TBSCertificate".into()))?;
    if *hit < outer_hdr || *hit + to.len() > tbs_end {
        return Err(Error::Cert("placeholder OID outside TBSCertificate".into()));
    }
    let signature = SigningKey::<Sha256>::new(issuer.clone())
        .try_sign(tbs)
        .map_err(cert_err)?
        .to_vec();
    // For RSA-2048 the signature BIT STRING is 03 82 01 01 00 || 256 bytes and
    // is the last element of the certificate.
    let sig_start = out
        .len()
        .checked_sub(signature.len())
        .ok_or_else(|| Error::Cert("certificate too short".into()))?;
    let prefix = [0x03, 0x82, 0x01, 0x01, 0x00];
    if signature.len() != 256 || out.get(sig_start - prefix.len()..sig_start) != Some(&prefix[..]) {
        return Err(Error::Cert("unexpected signature layout".into()));
    }
    out[sig_start..].copy_from_slice(&signature);
    Ok(out)
}

struct Identity {
    name: &'static str,
    cert_der: Vec<u8>,
    key_pkcs8: Vec<u8>,
}

fn cert_pem(der_bytes: &[u8]) -> String {
    kyso_pki::base64::to_pem("CERTIFICATE", der_bytes)
}

/// Builds every PKI file (certificates, keys, chains, PKCS#12).
pub(crate) fn generate() -> Result<Vec<OutFile>> {
    let rsa_alg = &rcgen::PKCS_RSA_SHA256;

    let root_key = rsa_key("root")?;
    let root_kp = key_pair(&root_key.pkcs8, rsa_alg)?;
    let root_p = root_params()?;
    let root_cert = root_p.self_signed(&root_kp).map_err(cert_err)?;
    let root_issuer = Issuer::from_params(&root_p, &root_kp);

    let ca_key = rsa_key("ca")?;
    let ca_kp = key_pair(&ca_key.pkcs8, rsa_alg)?;
    let ca_p = ca_params()?;
    let ca_cert = ca_p.signed_by(&ca_kp, &root_issuer).map_err(cert_err)?;
    let ca_issuer = Issuer::from_params(&ca_p, &ca_kp);

    let mut identities = vec![
        Identity {
            name: "root",
            cert_der: root_cert.der().to_vec(),
            key_pkcs8: root_key.pkcs8.clone(),
        },
        Identity {
            name: "ca",
            cert_der: ca_cert.der().to_vec(),
            key_pkcs8: ca_key.pkcs8.clone(),
        },
    ];

    let personal_key = rsa_key("personal")?;
    let personal_kp = key_pair(&personal_key.pkcs8, rsa_alg)?;
    let personal = personal_params()?
        .signed_by(&personal_kp, &ca_issuer)
        .map_err(cert_err)?;
    identities.push(Identity {
        name: "personal",
        cert_der: personal.der().to_vec(),
        key_pkcs8: personal_key.pkcs8,
    });

    let agency_key = rsa_key("agency")?;
    let agency_kp = key_pair(&agency_key.pkcs8, rsa_alg)?;
    let agency = agency_params()?
        .signed_by(&agency_kp, &ca_issuer)
        .map_err(cert_err)?;
    identities.push(Identity {
        name: "agency",
        cert_der: patch_placeholder_uid(agency.der(), &ca_key.key)?,
        key_pkcs8: agency_key.pkcs8,
    });

    let ec_pkcs8 = p256_key("personal-ec")?;
    let ec_kp = key_pair(&ec_pkcs8, &rcgen::PKCS_ECDSA_P256_SHA256)?;
    let personal_ec = personal_ec_params()?
        .signed_by(&ec_kp, &ca_issuer)
        .map_err(cert_err)?;
    identities.push(Identity {
        name: "personal-ec",
        cert_der: personal_ec.der().to_vec(),
        key_pkcs8: ec_pkcs8,
    });

    let outsider_key = rsa_key("outsider")?;
    let outsider_kp = key_pair(&outsider_key.pkcs8, rsa_alg)?;
    let outsider = outsider_params()?
        .self_signed(&outsider_kp)
        .map_err(cert_err)?;
    identities.push(Identity {
        name: "outsider",
        cert_der: outsider.der().to_vec(),
        key_pkcs8: outsider_key.pkcs8,
    });

    let chain_tail = [ca_cert.der().to_vec(), root_cert.der().to_vec()];
    let mut files = Vec::new();
    for id in &identities {
        files.push(OutFile::new(
            format!("pki/{}.pem", id.name),
            cert_pem(&id.cert_der),
        ));
        files.push(OutFile::new(
            format!("pki/{}.key.pem", id.name),
            kyso_pki::base64::to_pem("PRIVATE KEY", &id.key_pkcs8),
        ));
        if matches!(id.name, "root" | "ca") {
            continue;
        }
        let mut chain = vec![id.cert_der.clone()];
        if id.name != "outsider" {
            chain.extend(chain_tail.iter().cloned());
        }
        let chain_pem: String = chain.iter().map(|c| cert_pem(c)).collect();
        files.push(OutFile::new(
            format!("pki/{}.chain.pem", id.name),
            chain_pem,
        ));
        files.push(OutFile::new(
            format!("pki/{}.p12", id.name),
            pkcs12(id.name, &id.key_pkcs8, &chain)?,
        ));
    }
    Ok(files)
}

fn p12_err(e: impl std::fmt::Display) -> Error {
    Error::Pkcs12(e.to_string())
}

/// PKCS#12 with the key and the chain (leaf first), protected with
/// [`P12_PASSWORD`] (PBES2/AES-256-CBC, HMAC-SHA256 MAC: p12-keystore's
/// defaults, readable by OpenSSL 3). Not deterministic: salts and IVs are
/// random. The result is parsed back as a sanity check.
fn pkcs12(alias: &str, key_pkcs8: &[u8], chain: &[Vec<u8>]) -> Result<Vec<u8>> {
    let certs = chain
        .iter()
        .map(|c| Certificate::from_der(c).map_err(p12_err))
        .collect::<Result<Vec<_>>>()?;
    let leaf = chain
        .first()
        .ok_or_else(|| Error::Pkcs12(format!("{alias}: empty chain")))?;
    let local_key_id = sha256(leaf)[..20].to_vec();
    let key = PrivateKey::from_der(key_pkcs8).map_err(p12_err)?;
    let mut store = KeyStore::new();
    store.add_entry(
        alias,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)),
    );
    let bytes = store.writer(P12_PASSWORD).write().map_err(p12_err)?;

    let back = KeyStore::from_pkcs12(&bytes, P12_PASSWORD, Pkcs12ImportPolicy::default())
        .map_err(p12_err)?;
    let ok = back.private_key_chain().is_some_and(|(_, kc)| {
        kc.key().as_der() == key_pkcs8
            && kc.certs().len() == chain.len()
            && kc.certs().iter().zip(chain).all(|(c, d)| c.as_der() == d)
    });
    if !ok {
        return Err(Error::Pkcs12(format!(
            "{alias}: PKCS#12 did not round-trip through p12-keystore"
        )));
    }
    Ok(bytes)
}
