//! The test PKI: a root CA, an intermediate signing CA, the signer
//! identities (natural person RSA, legal person / e-seal RSA, natural person
//! P-256, untrusted self-signed outsider, a revoked signer, a short-lived
//! signer, a signer whose revocation services are down), a time-stamping
//! authority and two delegated OCSP responders (one of `ca`, one of `root`);
//! plus CRLs and OpenSSL OCSP index files on demand for revocation tests.
//!
//! Every CA-issued certificate points at the loopback services of
//! [`crate::urls`] (CRL distribution point and authority information
//! access).

use std::sync::OnceLock;

use kyso_pki::time::UnixTime;
use p12_keystore::{
    Certificate, KeyStore, KeyStoreEntry, Pkcs12ImportPolicy, PrivateKey, PrivateKeyChain,
};
use p256::pkcs8::EncodePrivateKey as _;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    CustomExtension, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber, date_time_ymd,
};
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding as _, Signer as _};
use sha2::{Digest, Sha256};

use crate::der;
use crate::urls;
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
const OID_EXTENDED_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
const OID_AUTHORITY_INFO_ACCESS: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];
const OID_AD_OCSP: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 48, 1];
const OID_AD_CA_ISSUERS: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 48, 2];
const OID_KP_TIME_STAMPING: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 8];
const OID_OCSP_NOCHECK: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 48, 1, 5];

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

/// A calendar date (UTC midnight), as used for validity periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// Year, e.g. 2025.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

impl Date {
    const fn new(year: i32, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    /// Seconds since the Unix epoch at 00:00:00Z of this date.
    pub fn unix(self) -> UnixTime {
        utc(self.year, self.month, self.day, 0, 0, 0)
    }

    fn rcgen(self) -> time::OffsetDateTime {
        date_time_ymd(self.year, self.month, self.day)
    }
}

/// What a fixture identity is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A certificate authority (`root`, `ca`).
    Ca,
    /// A document signer (has `.chain.pem` and `.p12`).
    Signer,
    /// The time-stamping authority (has `.chain.pem` and `.p12`).
    TimeStamping,
    /// A delegated OCSP responder (has `.chain.pem` and `.p12`).
    OcspResponder,
}

/// Facts about one fixture identity that need no key generation: enough to
/// write an OpenSSL `index.txt` or to name a serial in a CRL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityInfo {
    /// File stem under `fixtures/pki/` (`NAME.pem`, `NAME.key.pem`, ...).
    pub name: &'static str,
    /// Name of the issuing identity (itself when self-signed).
    pub issuer: &'static str,
    /// Certificate serial number (big-endian, positive, 7 bytes).
    pub serial: [u8; 7],
    /// Start of validity.
    pub not_before: Date,
    /// End of validity.
    pub not_after: Date,
    /// What the identity is for.
    pub role: Role,
}

impl IdentityInfo {
    /// The serial as OpenSSL prints it in `index.txt` (upper-case hex).
    pub fn serial_hex(&self) -> String {
        serial_hex(&self.serial)
    }
}

const fn serial_bytes(n: u8) -> [u8; 7] {
    // "KYSO" + fixed suffix; positive because the first byte is < 0x80.
    [0x4b, 0x59, 0x53, 0x4f, 0x20, 0x25, n]
}

const LEAF_FROM: Date = Date::new(2025, 1, 1);
const LEAF_TO: Date = Date::new(2035, 1, 1);

const fn info(
    name: &'static str,
    issuer: &'static str,
    serial: u8,
    not_before: Date,
    not_after: Date,
    role: Role,
) -> IdentityInfo {
    IdentityInfo {
        name,
        issuer,
        serial: serial_bytes(serial),
        not_before,
        not_after,
        role,
    }
}

/// Every fixture identity, in generation order.
///
/// | name | role | issuer | validity | revocation pointers |
/// | --- | --- | --- | --- | --- |
/// | `root` | CA | self | 2020–2045 | none |
/// | `ca` | CA | root | 2021–2040 | CRL `root.crl`, OCSP, caIssuers `root.der` |
/// | `personal`, `agency`, `personal-ec` | signer | ca | 2025–2035 | CRL `ca.crl`, OCSP, caIssuers `ca.der` |
/// | `outsider` | signer | self | 2025–2035 | none |
/// | `revoked` | signer, revoked in `ca.crl` and the OCSP index | ca | 2025–2035 | as `personal` |
/// | `shortlived` | signer | ca | 2025-01-01 – 2027-01-01 | as `personal` |
/// | `unreachable` | signer | ca | 2025–2035 | CRL and OCSP on the dead port 8399, caIssuers `ca.der` |
/// | `tsa` | time stamping | ca | 2025–2035 | as `personal` |
/// | `ocsp` | OCSP responder (ocsp-nocheck) | ca | 2025–2035 | caIssuers `ca.der` only |
/// | `root-ocsp` | OCSP responder (ocsp-nocheck) | root | 2025–2035 | caIssuers `root.der` only |
/// | `outsider-tsa` | time stamping, untrusted | self | 2025–2035 | none |
pub const IDENTITIES: &[IdentityInfo] = &[
    info(
        "root",
        "root",
        0x01,
        Date::new(2020, 1, 1),
        Date::new(2045, 1, 1),
        Role::Ca,
    ),
    info(
        "ca",
        "root",
        0x02,
        Date::new(2021, 1, 1),
        Date::new(2040, 1, 1),
        Role::Ca,
    ),
    info("personal", "ca", 0x11, LEAF_FROM, LEAF_TO, Role::Signer),
    info("agency", "ca", 0x12, LEAF_FROM, LEAF_TO, Role::Signer),
    info("personal-ec", "ca", 0x13, LEAF_FROM, LEAF_TO, Role::Signer),
    info(
        "outsider",
        "outsider",
        0x66,
        LEAF_FROM,
        LEAF_TO,
        Role::Signer,
    ),
    info("revoked", "ca", 0x14, LEAF_FROM, LEAF_TO, Role::Signer),
    info(
        "shortlived",
        "ca",
        0x15,
        LEAF_FROM,
        Date::new(2027, 1, 1),
        Role::Signer,
    ),
    info("unreachable", "ca", 0x16, LEAF_FROM, LEAF_TO, Role::Signer),
    info("tsa", "ca", 0x21, LEAF_FROM, LEAF_TO, Role::TimeStamping),
    info("ocsp", "ca", 0x22, LEAF_FROM, LEAF_TO, Role::OcspResponder),
    info(
        "root-ocsp",
        "root",
        0x23,
        LEAF_FROM,
        LEAF_TO,
        Role::OcspResponder,
    ),
    info(
        "outsider-tsa",
        "outsider-tsa",
        0x67,
        LEAF_FROM,
        LEAF_TO,
        Role::TimeStamping,
    ),
];

/// The identity called `name`, if there is one.
pub fn identity(name: &str) -> Option<&'static IdentityInfo> {
    IDENTITIES.iter().find(|i| i.name == name)
}

fn known(name: &str) -> Result<&'static IdentityInfo> {
    identity(name).ok_or_else(|| Error::Cert(format!("no fixture identity called {name:?}")))
}

fn base_params(dn: DistinguishedName, info: &IdentityInfo) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn;
    p.serial_number = Some(SerialNumber::from_slice(&info.serial));
    p.not_before = info.not_before.rcgen();
    p.not_after = info.not_after.rcgen();
    p
}

fn ministry_dn(common_name: &str) -> Result<DistinguishedName> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    dn.push(
        DnType::OrganizationName,
        utf8("Bộ Thông tin và Truyền thông (kyso test)"),
    );
    dn.push(DnType::CommonName, utf8(common_name));
    Ok(dn)
}

fn root_params() -> Result<CertificateParams> {
    let dn = ministry_dn("Vietnam National Root CA (kyso test)")?;
    let mut p = base_params(dn, known("root")?);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    Ok(p)
}

fn ca_params() -> Result<CertificateParams> {
    let dn = ministry_dn("Government Signing CA (kyso test)")?;
    let mut p = base_params(dn, known("ca")?);
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.use_authority_key_identifier_extension = true;
    revocation_pointers(
        &mut p,
        urls::ROOT_CRL_URL,
        Some(urls::OCSP_URL),
        urls::ROOT_CERT_URL,
    )?;
    Ok(p)
}

/// countryName must be a PrintableString (RFC 5280).
fn vn() -> Result<DnValue> {
    Ok(DnValue::PrintableString(
        rcgen::string::PrintableString::try_from("VN").map_err(cert_err)?,
    ))
}

/// authorityInfoAccess (RFC 5280 4.2.2.1): an optional OCSP URL and a
/// caIssuers URL, each a uniformResourceIdentifier GeneralName ([6] IA5String).
fn authority_info_access(ocsp: Option<&str>, ca_issuers: &str) -> Result<CustomExtension> {
    let access = |method: &[u64], url: &str| -> Result<Vec<u8>> {
        Ok(der::sequence(&[
            der::oid(method)?,
            der::tlv(0x86, url.as_bytes()),
        ]))
    };
    let mut descriptions = Vec::new();
    if let Some(url) = ocsp {
        descriptions.push(access(OID_AD_OCSP, url)?);
    }
    descriptions.push(access(OID_AD_CA_ISSUERS, ca_issuers)?);
    Ok(CustomExtension::from_oid_content(
        OID_AUTHORITY_INFO_ACCESS,
        der::sequence(&descriptions),
    ))
}

/// Adds a CRL distribution point and authorityInfoAccess.
fn revocation_pointers(
    p: &mut CertificateParams,
    crl: &str,
    ocsp: Option<&str>,
    ca_issuers: &str,
) -> Result<()> {
    p.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![crl.to_owned()],
    }];
    p.custom_extensions
        .push(authority_info_access(ocsp, ca_issuers)?);
    Ok(())
}

/// The revocation pointers of a CA-issued leaf: `ca.crl`, the OCSP
/// responder, and `ca.der`.
fn leaf_revocation_pointers(p: &mut CertificateParams) -> Result<()> {
    revocation_pointers(p, urls::CA_CRL_URL, Some(urls::OCSP_URL), urls::CA_CERT_URL)
}

fn signer_usages(p: &mut CertificateParams) {
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
}

/// A natural-person signer shaped like `personal` (KU, EKU, QCP-n policy).
fn person_params(
    name: &str,
    dn_fields: PersonDn<'_>,
    email: Option<&str>,
) -> Result<CertificateParams> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    if let Some(st) = dn_fields.state {
        dn.push(DnType::StateOrProvinceName, utf8(st));
    }
    if let Some(l) = dn_fields.locality {
        dn.push(DnType::LocalityName, utf8(l));
    }
    dn.push(DnType::OrganizationName, utf8(dn_fields.organization));
    if let Some(ou) = dn_fields.unit {
        dn.push(DnType::OrganizationalUnitName, utf8(ou));
    }
    dn.push(DnType::CommonName, utf8(dn_fields.common_name));
    dn.push(custom(OID_GIVEN_NAME), utf8(dn_fields.given_name));
    dn.push(custom(OID_SURNAME), utf8(dn_fields.surname));
    dn.push(custom(OID_UID), utf8(dn_fields.uid));
    if let Some(email) = email {
        dn.push(
            custom(OID_EMAIL_ADDRESS),
            DnValue::Ia5String(rcgen::string::Ia5String::try_from(email).map_err(cert_err)?),
        );
    }
    let mut p = base_params(dn, known(name)?);
    signer_usages(&mut p);
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::EmailProtection,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    p.use_authority_key_identifier_extension = true;
    p.custom_extensions = vec![certificate_policies(OID_QCP_N)?];
    Ok(p)
}

/// Subject fields of a natural-person signer.
struct PersonDn<'a> {
    state: Option<&'a str>,
    locality: Option<&'a str>,
    organization: &'a str,
    unit: Option<&'a str>,
    common_name: &'a str,
    given_name: &'a str,
    surname: &'a str,
    uid: &'a str,
}

const SO_NOI_VU: &str = "Sở Nội vụ tỉnh Bắc Ninh";

fn personal_params() -> Result<CertificateParams> {
    let mut p = person_params(
        "personal",
        PersonDn {
            state: Some("Hà Nội"),
            locality: Some("Hoàn Kiếm"),
            organization: SO_NOI_VU,
            unit: Some("Văn phòng Sở"),
            common_name: "Nguyễn Văn Ánh",
            given_name: "Văn Ánh",
            surname: "Nguyễn",
            uid: "CCCD:038085012345",
        },
        Some("anh.nv@example.gov.vn"),
    )?;
    leaf_revocation_pointers(&mut p)?;
    Ok(p)
}

fn revoked_params() -> Result<CertificateParams> {
    let mut p = person_params(
        "revoked",
        PersonDn {
            state: Some("Bắc Ninh"),
            locality: None,
            organization: SO_NOI_VU,
            unit: Some("Phòng Tổ chức"),
            common_name: "Lê Văn Cường",
            given_name: "Văn Cường",
            surname: "Lê",
            uid: "CCCD:027086000141",
        },
        None,
    )?;
    leaf_revocation_pointers(&mut p)?;
    Ok(p)
}

fn shortlived_params() -> Result<CertificateParams> {
    let mut p = person_params(
        "shortlived",
        PersonDn {
            state: Some("Bắc Ninh"),
            locality: None,
            organization: SO_NOI_VU,
            unit: Some("Phòng Tổ chức"),
            common_name: "Phạm Thị Dung",
            given_name: "Thị Dung",
            surname: "Phạm",
            uid: "CCCD:027190000151",
        },
        None,
    )?;
    leaf_revocation_pointers(&mut p)?;
    Ok(p)
}

fn unreachable_params() -> Result<CertificateParams> {
    let mut p = person_params(
        "unreachable",
        PersonDn {
            state: Some("Bắc Ninh"),
            locality: None,
            organization: SO_NOI_VU,
            unit: Some("Phòng Tổ chức"),
            common_name: "Hoàng Minh Đức",
            given_name: "Minh Đức",
            surname: "Hoàng",
            uid: "CCCD:027088000161",
        },
        None,
    )?;
    revocation_pointers(
        &mut p,
        urls::DEAD_CRL_URL,
        Some(urls::DEAD_OCSP_URL),
        urls::CA_CERT_URL,
    )?;
    Ok(p)
}

fn agency_params() -> Result<CertificateParams> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    dn.push(DnType::StateOrProvinceName, utf8("Bắc Ninh"));
    dn.push(DnType::OrganizationName, utf8(SO_NOI_VU));
    dn.push(DnType::CommonName, utf8(SO_NOI_VU));
    dn.push(custom(OID_UID), utf8("MST:2300123456"));
    // Becomes a second UID attribute after patching.
    dn.push(custom(OID_UID_PLACEHOLDER), utf8("MNS:1234567"));
    dn.push(
        custom(OID_ORGANIZATION_IDENTIFIER),
        utf8("VATVN-2300123456"),
    );
    let mut p = base_params(dn, known("agency")?);
    signer_usages(&mut p);
    p.use_authority_key_identifier_extension = true;
    p.custom_extensions = vec![certificate_policies(OID_QCP_L)?];
    leaf_revocation_pointers(&mut p)?;
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
    let mut p = base_params(dn, known("personal-ec")?);
    signer_usages(&mut p);
    p.use_authority_key_identifier_extension = true;
    leaf_revocation_pointers(&mut p)?;
    Ok(p)
}

fn outsider_params() -> Result<CertificateParams> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    dn.push(DnType::CommonName, utf8("Outsider (kyso test, untrusted)"));
    dn.push(custom(OID_UID), utf8("CCCD:999999999999"));
    let mut p = base_params(dn, known("outsider")?);
    signer_usages(&mut p);
    Ok(p)
}

/// The time-stamping authority: digitalSignature, and a *critical* extended
/// key usage with id-kp-timeStamping only (RFC 3161 2.3; `openssl ts`
/// refuses anything else). rcgen writes EKU non-critical, hence the custom
/// extension.
fn tsa_params() -> Result<CertificateParams> {
    let dn = ministry_dn("Time Stamping Authority (kyso test)")?;
    let mut p = base_params(dn, known("tsa")?);
    time_stamping_usages(&mut p)?;
    p.use_authority_key_identifier_extension = true;
    leaf_revocation_pointers(&mut p)?;
    Ok(p)
}

fn time_stamping_usages(p: &mut CertificateParams) -> Result<()> {
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let mut eku = CustomExtension::from_oid_content(
        OID_EXTENDED_KEY_USAGE,
        der::sequence(&[der::oid(OID_KP_TIME_STAMPING)?]),
    );
    eku.set_criticality(true);
    p.custom_extensions.push(eku);
    Ok(())
}

/// A self-signed time-stamping authority outside the fixture PKI, for
/// "untrusted TSA" tests: shaped like `tsa`, chained to nothing.
fn outsider_tsa_params() -> Result<CertificateParams> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, vn()?);
    dn.push(
        DnType::CommonName,
        utf8("Outsider Time Stamping Authority (kyso test, untrusted)"),
    );
    let mut p = base_params(dn, known("outsider-tsa")?);
    time_stamping_usages(&mut p)?;
    Ok(p)
}

/// The delegated OCSP responder of `ca` (RFC 6960 4.2.2.2): id-kp-OCSPSigning
/// and id-pkix-ocsp-nocheck, so its own status is not checked.
fn ocsp_params() -> Result<CertificateParams> {
    ocsp_responder_params(
        "ocsp",
        "Government Signing CA OCSP Responder (kyso test)",
        urls::CA_CERT_URL,
    )
}

/// The delegated OCSP responder of `root`, answering for the certificates
/// the root issues (`ca`), shaped like `ocsp`. With it no OCSP response is
/// signed by the trust anchor itself: pyHanko 0.38's AdES time slide takes
/// the signer of an OCSP response as a certificate needing revocation data
/// of its own (`ocsp-nocheck` exempts it) and has none for a root.
fn root_ocsp_params() -> Result<CertificateParams> {
    ocsp_responder_params(
        "root-ocsp",
        "Vietnam National Root CA OCSP Responder (kyso test)",
        urls::ROOT_CERT_URL,
    )
}

fn ocsp_responder_params(
    name: &str,
    common_name: &str,
    ca_issuers: &str,
) -> Result<CertificateParams> {
    let dn = ministry_dn(common_name)?;
    let mut p = base_params(dn, known(name)?);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::OcspSigning];
    p.use_authority_key_identifier_extension = true;
    p.custom_extensions = vec![
        // OCSPNoCheck ::= NULL
        CustomExtension::from_oid_content(OID_OCSP_NOCHECK, vec![0x05, 0x00]),
        authority_info_access(None, ca_issuers)?,
    ];
    Ok(p)
}

fn leaf_params(name: &str) -> Result<CertificateParams> {
    match name {
        "personal" => personal_params(),
        "agency" => agency_params(),
        "personal-ec" => personal_ec_params(),
        "outsider" => outsider_params(),
        "revoked" => revoked_params(),
        "shortlived" => shortlived_params(),
        "unreachable" => unreachable_params(),
        "tsa" => tsa_params(),
        "ocsp" => ocsp_params(),
        "root-ocsp" => root_ocsp_params(),
        "outsider-tsa" => outsider_tsa_params(),
        other => Err(Error::Cert(format!("no leaf parameters for {other:?}"))),
    }
}

/// Seconds since the Unix epoch at the given UTC date and time.
pub fn utc(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> UnixTime {
    kyso_pki::time::days_from_civil(i64::from(year), u32::from(month), u32::from(day)) * 86400
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second)
}

/// Why a certificate was revoked (RFC 5280 5.3.1), limited to the reasons
/// OpenSSL's `index.txt` can express.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationReason {
    /// unspecified (0); omitted from CRL entries as RFC 5280 recommends.
    Unspecified,
    /// keyCompromise (1)
    KeyCompromise,
    /// cACompromise (2)
    CaCompromise,
    /// affiliationChanged (3)
    AffiliationChanged,
    /// superseded (4)
    Superseded,
    /// cessationOfOperation (5)
    CessationOfOperation,
    /// certificateHold (6)
    CertificateHold,
}

impl RevocationReason {
    /// The spelling OpenSSL uses in `index.txt` (`keyCompromise`, ...).
    pub fn openssl_name(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::CaCompromise => "CACompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::CertificateHold => "certificateHold",
        }
    }

    fn rcgen(self) -> rcgen::RevocationReason {
        match self {
            RevocationReason::Unspecified => rcgen::RevocationReason::Unspecified,
            RevocationReason::KeyCompromise => rcgen::RevocationReason::KeyCompromise,
            RevocationReason::CaCompromise => rcgen::RevocationReason::CaCompromise,
            RevocationReason::AffiliationChanged => rcgen::RevocationReason::AffiliationChanged,
            RevocationReason::Superseded => rcgen::RevocationReason::Superseded,
            RevocationReason::CessationOfOperation => rcgen::RevocationReason::CessationOfOperation,
            RevocationReason::CertificateHold => rcgen::RevocationReason::CertificateHold,
        }
    }
}

/// One revoked certificate, for [`crl`] and [`ocsp_index`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Serial number of the revoked certificate (big-endian, as encoded).
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub time: UnixTime,
    /// Why, if a reason is given.
    pub reason: Option<RevocationReason>,
}

impl Revocation {
    /// Revokes the fixture identity `name` (e.g. `"revoked"`, `"personal"`).
    pub fn of(name: &str, time: UnixTime, reason: Option<RevocationReason>) -> Result<Revocation> {
        Ok(Revocation {
            serial: known(name)?.serial.to_vec(),
            time,
            reason,
        })
    }
}

/// When the `revoked` identity is revoked in the default `ca.crl` and the
/// default OCSP index: 2026-06-01T00:00:00Z.
pub const REVOKED_AT: UnixTime = 1_780_272_000;
/// thisUpdate of the checked-in `ca.crl` and `root.crl`: 2026-06-01T00:00:00Z.
pub const DEFAULT_CRL_THIS_UPDATE: UnixTime = REVOKED_AT;
/// nextUpdate of the checked-in `ca.crl` and `root.crl`: 2036-01-01T00:00:00Z.
pub const DEFAULT_CRL_NEXT_UPDATE: UnixTime = 2_082_758_400;

/// The revocations of the checked-in `ca.crl` and of the default OCSP index:
/// `revoked`, at [`REVOKED_AT`], keyCompromise.
pub fn default_revocations() -> Vec<Revocation> {
    vec![Revocation {
        serial: serial_bytes(0x14).to_vec(),
        time: REVOKED_AT,
        reason: Some(RevocationReason::KeyCompromise),
    }]
}

fn offset_date_time(t: UnixTime) -> Result<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(t).map_err(cert_err)
}

fn signed_crl(
    issuer: &Issuer<'_, &KeyPair>,
    revoked: &[Revocation],
    this_update: UnixTime,
    next_update: UnixTime,
) -> Result<Vec<u8>> {
    let revoked_certs = revoked
        .iter()
        .map(|r| {
            Ok(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&r.serial),
                revocation_time: offset_date_time(r.time)?,
                reason_code: r.reason.map(RevocationReason::rcgen),
                invalidity_date: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let this = u64::try_from(this_update)
        .map_err(|_| Error::Cert(format!("CRL thisUpdate before 1970: {this_update}")))?;
    let params = CertificateRevocationListParams {
        this_update: offset_date_time(this_update)?,
        next_update: offset_date_time(next_update)?,
        // Monotonic in time, so a later CRL always has a larger number.
        crl_number: SerialNumber::from_slice(&this.to_be_bytes()),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: KeyIdMethod::Sha256,
    };
    Ok(params.signed_by(issuer).map_err(cert_err)?.der().to_vec())
}

/// Makes a CRL (DER) signed by the fixture CA `issuer` (`"ca"` or `"root"`).
///
/// Version 2, sha256WithRSAEncryption, with authorityKeyIdentifier and a
/// cRLNumber equal to `this_update` (so later CRLs have larger numbers);
/// each entry carries its reason code (except `Unspecified`). The result is
/// deterministic. The first call in a process re-derives the issuer's RSA
/// key from its seed, which takes a moment.
///
/// ```no_run
/// use kyso_fixtures::pki::{self, Revocation, RevocationReason};
/// let now = kyso_pki::time::now();
/// let crl = pki::crl(
///     "ca",
///     &[Revocation::of("personal", now + 3600, Some(RevocationReason::KeyCompromise))?],
///     now + 3600,
///     now + 86400,
/// )?;
/// # Ok::<(), kyso_fixtures::Error>(())
/// ```
pub fn crl(
    issuer: &str,
    revoked: &[Revocation],
    this_update: UnixTime,
    next_update: UnixTime,
) -> Result<Vec<u8>> {
    let (params, pkcs8) = match issuer {
        "root" => (root_params()?, cached_key("root")?),
        "ca" => (ca_params()?, cached_key("ca")?),
        other => {
            return Err(Error::Cert(format!(
                "CRL issuer must be \"ca\" or \"root\", not {other:?}"
            )));
        }
    };
    let kp = key_pair(&pkcs8, &rcgen::PKCS_RSA_SHA256)?;
    signed_crl(
        &Issuer::from_params(&params, &kp),
        revoked,
        this_update,
        next_update,
    )
}

/// The PKCS#8 key of `root` or `ca`, derived once per process.
fn cached_key(name: &'static str) -> Result<Vec<u8>> {
    static ROOT: OnceLock<Vec<u8>> = OnceLock::new();
    static CA: OnceLock<Vec<u8>> = OnceLock::new();
    let cell = if name == "root" { &ROOT } else { &CA };
    if let Some(k) = cell.get() {
        return Ok(k.clone());
    }
    let key = rsa_key(name)?.pkcs8;
    Ok(cell.get_or_init(|| key).clone())
}

/// Upper-case hex without leading zero bytes, as OpenSSL writes serials in
/// `index.txt` (`00` for zero).
fn serial_hex(serial: &[u8]) -> String {
    let skip = serial.iter().take_while(|b| **b == 0).count();
    let significant = serial.get(skip..).unwrap_or_default();
    if significant.is_empty() {
        return "00".to_owned();
    }
    significant.iter().map(|b| format!("{b:02X}")).collect()
}

/// `YYMMDDHHMMSSZ` (UTCTime, 1950–2049) or `YYYYMMDDHHMMSSZ`, as in `index.txt`.
fn index_time(t: UnixTime) -> String {
    let c = kyso_pki::time::Civil::from_unix(t);
    if (1950..2050).contains(&c.year) {
        format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            c.year % 100,
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second
        )
    } else {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }
}

/// An OpenSSL CA database (`index.txt`) for the certificates `issuer`
/// (`"ca"` or `"root"`) issued, for `openssl ocsp -index`.
///
/// Every fixture identity issued by `issuer` gets a line: `V` (valid), or
/// `R` with the revocation time and reason when `revoked` names its serial.
/// Revocations of serials that are not fixture identities are added as `R`
/// lines too. Lines are `status, expiry, revocation[,reason], serial,
/// "unknown", subject` separated by tabs; the subject column is a label
/// (`/CN=NAME`), which `openssl ocsp` does not use. Serials not listed get
/// the OCSP status `unknown`. Pair it with an `index.txt.attr` containing
/// `unique_subject = no`.
pub fn ocsp_index(issuer: &str, revoked: &[Revocation]) -> Result<String> {
    if !matches!(issuer, "ca" | "root") {
        return Err(Error::Cert(format!(
            "OCSP issuer must be \"ca\" or \"root\", not {issuer:?}"
        )));
    }
    let mut out = String::new();
    let revocation_column = |r: &Revocation| match r.reason {
        Some(reason) => format!("{},{}", index_time(r.time), reason.openssl_name()),
        None => index_time(r.time),
    };
    for id in IDENTITIES
        .iter()
        .filter(|i| i.issuer == issuer && i.name != issuer)
    {
        let expiry = index_time(id.not_after.unix());
        let serial = id.serial_hex();
        match revoked.iter().find(|r| serial_hex(&r.serial) == serial) {
            Some(r) => out.push_str(&format!(
                "R\t{expiry}\t{}\t{serial}\tunknown\t/CN={}\n",
                revocation_column(r),
                id.name
            )),
            None => out.push_str(&format!(
                "V\t{expiry}\t\t{serial}\tunknown\t/CN={}\n",
                id.name
            )),
        }
    }
    // Serials that are not fixture identities at all (once each: the index
    // must not list a serial twice).
    let mut listed: Vec<String> = IDENTITIES.iter().map(IdentityInfo::serial_hex).collect();
    let far = index_time(DEFAULT_CRL_NEXT_UPDATE);
    for r in revoked {
        let serial = serial_hex(&r.serial);
        if !listed.contains(&serial) {
            listed.push(serial.clone());
            out.push_str(&format!(
                "R\t{far}\t{}\t{serial}\tunknown\t/CN=serial-{serial}\n",
                revocation_column(r)
            ));
        }
    }
    Ok(out)
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

fn cert_pem(der_bytes: &[u8]) -> String {
    kyso_pki::base64::to_pem("CERTIFICATE", der_bytes)
}

/// Builds every PKI file: certificates, keys, chains and PKCS#12 for each
/// identity in [`IDENTITIES`], the DER copies of `root` and `ca` the static
/// server hands out, and the default CRLs.
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

    // (name, certificate DER, PKCS#8 key)
    let mut identities = vec![
        ("root", root_cert.der().to_vec(), root_key.pkcs8.clone()),
        ("ca", ca_cert.der().to_vec(), ca_key.pkcs8.clone()),
    ];
    for info in IDENTITIES.iter().filter(|i| i.role != Role::Ca) {
        let params = leaf_params(info.name)?;
        let (kp, pkcs8) = if info.name == "personal-ec" {
            let pkcs8 = p256_key(info.name)?;
            (key_pair(&pkcs8, &rcgen::PKCS_ECDSA_P256_SHA256)?, pkcs8)
        } else {
            let pkcs8 = rsa_key(info.name)?.pkcs8;
            (key_pair(&pkcs8, rsa_alg)?, pkcs8)
        };
        let cert = match info.issuer {
            "ca" => params.signed_by(&kp, &ca_issuer),
            "root" => params.signed_by(&kp, &root_issuer),
            _ if info.issuer == info.name => params.self_signed(&kp),
            other => {
                return Err(Error::Cert(format!(
                    "{}: unexpected issuer {other}",
                    info.name
                )));
            }
        }
        .map_err(cert_err)?;
        let der_bytes = if info.name == "agency" {
            patch_placeholder_uid(cert.der(), &ca_key.key)?
        } else {
            cert.der().to_vec()
        };
        identities.push((info.name, der_bytes, pkcs8));
    }

    let root_der = root_cert.der().to_vec();
    let ca_der = ca_cert.der().to_vec();
    let mut files = Vec::new();
    for (name, cert_der, key_pkcs8) in &identities {
        files.push(OutFile::new(format!("pki/{name}.pem"), cert_pem(cert_der)));
        files.push(OutFile::new(
            format!("pki/{name}.key.pem"),
            kyso_pki::base64::to_pem("PRIVATE KEY", key_pkcs8),
        ));
        if matches!(*name, "root" | "ca") {
            continue;
        }
        let mut chain = vec![cert_der.clone()];
        match identity(name).map(|i| i.issuer) {
            Some("ca") => chain.extend([ca_der.clone(), root_der.clone()]),
            Some("root") => chain.push(root_der.clone()),
            _ => {}
        }
        let chain_pem: String = chain.iter().map(|c| cert_pem(c)).collect();
        files.push(OutFile::new(format!("pki/{name}.chain.pem"), chain_pem));
        files.push(OutFile::new(
            format!("pki/{name}.p12"),
            pkcs12(name, key_pkcs8, &chain)?,
        ));
    }

    files.push(OutFile::new("pki/root.der", root_der));
    files.push(OutFile::new("pki/ca.der", ca_der));
    files.push(OutFile::new(
        "pki/root.crl",
        signed_crl(
            &root_issuer,
            &[],
            DEFAULT_CRL_THIS_UPDATE,
            DEFAULT_CRL_NEXT_UPDATE,
        )?,
    ));
    files.push(OutFile::new(
        "pki/ca.crl",
        signed_crl(
            &ca_issuer,
            &default_revocations(),
            DEFAULT_CRL_THIS_UPDATE,
            DEFAULT_CRL_NEXT_UPDATE,
        )?,
    ));
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
