//! Certificate revocation lists (RFC 5280 §5) and a [`RevocationChecker`] over a set of
//! them (RFC 5280 §6.3): issuer and scope checks (distribution points, issuing
//! distribution point, indirect CRLs, reason partitions), the CRL signer's own path and
//! cRLSign, freshness against the validation time, and delta CRLs (removeFromCRL).

use std::collections::HashSet;
use std::ops::Range;
use std::sync::RwLock;

use crate::algorithm::AlgorithmId;
use crate::cert::{Certificate, key_usage};
use crate::der::{self, Reader, tag};
use crate::distribution_point::reason_flags;
use crate::error::Error;
use crate::general_name::GeneralName;
use crate::name::Name;
use crate::path::{RevocationChecker, RevocationRequest};
use crate::revocation_status::{RevocationReason, RevocationStatus};
use crate::time::{self, UnixTime};

pub use crate::distribution_point::{ALL_REASONS, DistributionPoint, DistributionPointName};

/// The issuingDistributionPoint CRL extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssuingDistributionPoint {
    /// distributionPoint.
    pub name: Option<DistributionPointName>,
    /// onlyContainsUserCerts.
    pub only_user_certs: bool,
    /// onlyContainsCACerts.
    pub only_ca_certs: bool,
    /// onlySomeReasons as a mask; `None` means all reasons.
    pub only_some_reasons: Option<u16>,
    /// indirectCRL.
    pub indirect: bool,
    /// onlyContainsAttributeCerts.
    pub only_attribute_certs: bool,
}

impl IssuingDistributionPoint {
    fn from_der(value: &[u8]) -> Result<IssuingDistributionPoint, Error> {
        let seq = der::parse_one(value)?.expect_tag(tag::SEQUENCE, "issuingDistributionPoint")?;
        let mut r = seq.reader();
        let mut idp = IssuingDistributionPoint::default();
        let flag =
            |t: Option<der::Tlv<'_>>| t.is_some_and(|t| t.value.first().is_some_and(|v| *v != 0));
        if let Some(t) = r.read_optional(tag::ctx(0))? {
            idp.name = Some(DistributionPointName::read(&t)?);
        }
        idp.only_user_certs = flag(r.read_optional(tag::ctx_prim(1))?);
        idp.only_ca_certs = flag(r.read_optional(tag::ctx_prim(2))?);
        idp.only_some_reasons = r
            .read_optional(tag::ctx_prim(3))?
            .map(|t| reason_flags(t.value));
        idp.indirect = flag(r.read_optional(tag::ctx_prim(4))?);
        idp.only_attribute_certs = flag(r.read_optional(tag::ctx_prim(5))?);
        if !r.is_empty() {
            return Err(Error::Der("trailing data in issuingDistributionPoint"));
        }
        Ok(idp)
    }
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlEntry {
    /// userCertificate: the serial number's INTEGER content octets.
    pub serial: Vec<u8>,
    /// revocationDate.
    pub revocation_date: UnixTime,
    /// reasonCode, when present.
    pub reason: Option<RevocationReason>,
    /// invalidityDate, when present.
    pub invalidity_date: Option<UnixTime>,
    /// The issuer of the certificate (certificateIssuer, carried forward from earlier
    /// entries in an indirect CRL); `None` means the CRL issuer.
    pub certificate_issuer: Option<Vec<GeneralName>>,
    /// A critical entry extension kyso does not process.
    pub unhandled_critical: Option<String>,
}

/// A parsed CRL.
#[derive(Debug, Clone)]
pub struct Crl {
    der: Vec<u8>,
    fingerprint: [u8; 32],
    tbs: Range<usize>,
    /// issuer.
    pub issuer: Name,
    /// thisUpdate.
    pub this_update: UnixTime,
    /// nextUpdate.
    pub next_update: Option<UnixTime>,
    /// signatureAlgorithm.
    pub signature_algorithm: AlgorithmId,
    /// signatureValue.
    pub signature: Vec<u8>,
    /// revokedCertificates.
    pub entries: Vec<CrlEntry>,
    /// cRLNumber (INTEGER content octets).
    pub crl_number: Option<Vec<u8>>,
    /// deltaCRLIndicator: the BaseCRLNumber of a delta CRL.
    pub delta_base: Option<Vec<u8>>,
    /// issuingDistributionPoint.
    pub idp: Option<IssuingDistributionPoint>,
    /// The IDP extension value as encoded (a delta must carry the same as its base).
    idp_der: Option<Vec<u8>>,
    /// authorityKeyIdentifier keyIdentifier.
    pub authority_key_id: Option<Vec<u8>>,
    /// Critical CRL extensions kyso does not process.
    pub unhandled_critical: Vec<String>,
}

const KNOWN_CRL_EXTENSIONS: &[&str] = &[
    "2.5.29.20",
    "2.5.29.27",
    "2.5.29.28",
    "2.5.29.35",
    "2.5.29.18",
    "2.5.29.46",
];
const KNOWN_ENTRY_EXTENSIONS: &[&str] = &["2.5.29.21", "2.5.29.24", "2.5.29.29"];

fn read_time(r: &mut Reader<'_>) -> Result<UnixTime, Error> {
    let t = r.read()?;
    match t.tag {
        tag::UTC_TIME => time::parse_utc_time(t.value),
        tag::GENERALIZED_TIME => time::parse_generalized_time(t.value),
        _ => Err(Error::Der("expected a time")),
    }
}

/// One extension: OID, criticality, extnValue contents.
impl Crl {
    /// Parses a DER CRL.
    pub fn from_der(input: &[u8]) -> Result<Crl, Error> {
        let outer = der::parse_one(input)?.expect_tag(tag::SEQUENCE, "CRL is not a SEQUENCE")?;
        let der_bytes = outer.raw.to_vec();
        let outer = der::parse_one(&der_bytes)?;
        let mut r = outer.reader();
        let tbs = r.read_tag(tag::SEQUENCE, "tbsCertList")?;
        let tbs_start = tbs.raw.as_ptr() as usize - der_bytes.as_ptr() as usize;
        let tbs_range = tbs_start..tbs_start + tbs.raw.len();
        let signature_algorithm = AlgorithmId::read(&mut r)?;
        let signature = r
            .read_tag(tag::BIT_STRING, "CRL signatureValue")?
            .value
            .get(1..)
            .ok_or(Error::Der("empty CRL signature"))?
            .to_vec();

        let mut t = tbs.reader();
        t.read_optional(tag::INTEGER)?;
        AlgorithmId::read(&mut t)?;
        let issuer = Name::from_der(t.read_tag(tag::SEQUENCE, "CRL issuer")?.raw)?;
        let this_update = read_time(&mut t)?;
        let next_update = match t.peek_tag() {
            Some(tag::UTC_TIME) | Some(tag::GENERALIZED_TIME) => Some(read_time(&mut t)?),
            _ => None,
        };
        let mut entries = Vec::new();
        if let Some(revoked) = t.read_optional(tag::SEQUENCE)? {
            let mut rr = revoked.reader();
            let mut current_issuer: Option<Vec<GeneralName>> = None;
            while !rr.is_empty() {
                let entry = rr.read_tag(tag::SEQUENCE, "revoked certificate")?;
                let mut e = entry.reader();
                let serial = e.read_tag(tag::INTEGER, "userCertificate")?.value.to_vec();
                let revocation_date = read_time(&mut e)?;
                let mut item = CrlEntry {
                    serial,
                    revocation_date,
                    reason: None,
                    invalidity_date: None,
                    certificate_issuer: None,
                    unhandled_critical: None,
                };
                if let Some(exts) = e.read_optional(tag::SEQUENCE)? {
                    for (oid, critical, value) in der::read_extensions(exts)? {
                        match oid.as_str() {
                            "2.5.29.21" => {
                                let v =
                                    der::parse_one(value)?.expect_tag(0x0a, "reasonCode")?.value;
                                let code = match v {
                                    [c] => *c,
                                    _ => return Err(Error::Der("bad reasonCode")),
                                };
                                item.reason = Some(RevocationReason::from_code(code));
                            }
                            "2.5.29.24" => {
                                let g = der::parse_one(value)?
                                    .expect_tag(tag::GENERALIZED_TIME, "invalidityDate")?;
                                item.invalidity_date = Some(time::parse_generalized_time(g.value)?);
                            }
                            "2.5.29.29" => {
                                current_issuer = Some(GeneralName::read_sequence(value)?);
                            }
                            _ => {}
                        }
                        if critical && !KNOWN_ENTRY_EXTENSIONS.contains(&oid.as_str()) {
                            item.unhandled_critical = Some(oid);
                        }
                    }
                }
                item.certificate_issuer = current_issuer.clone();
                entries.push(item);
            }
        }
        let mut crl = Crl {
            fingerprint: [0; 32],
            tbs: tbs_range,
            issuer,
            this_update,
            next_update,
            signature_algorithm,
            signature,
            entries,
            crl_number: None,
            delta_base: None,
            idp: None,
            idp_der: None,
            authority_key_id: None,
            unhandled_critical: Vec::new(),
            der: Vec::new(),
        };
        if let Some(exts) = t.read_optional(tag::ctx(0))? {
            let seq = exts.reader().read_tag(tag::SEQUENCE, "crlExtensions")?;
            for (oid, critical, value) in der::read_extensions(seq)? {
                match oid.as_str() {
                    "2.5.29.20" => {
                        crl.crl_number = Some(
                            der::parse_one(value)?
                                .expect_tag(tag::INTEGER, "cRLNumber")?
                                .value
                                .to_vec(),
                        );
                    }
                    "2.5.29.27" => {
                        crl.delta_base = Some(
                            der::parse_one(value)?
                                .expect_tag(tag::INTEGER, "deltaCRLIndicator")?
                                .value
                                .to_vec(),
                        );
                    }
                    "2.5.29.28" => {
                        crl.idp = Some(IssuingDistributionPoint::from_der(value)?);
                        crl.idp_der = Some(value.to_vec());
                    }
                    "2.5.29.35" => {
                        let seq = der::parse_one(value)?
                            .expect_tag(tag::SEQUENCE, "authorityKeyIdentifier")?;
                        if let Some(id) = seq.reader().read_optional(tag::ctx_prim(0))? {
                            crl.authority_key_id = Some(id.value.to_vec());
                        }
                    }
                    _ => {}
                }
                if critical && !KNOWN_CRL_EXTENSIONS.contains(&oid.as_str()) {
                    crl.unhandled_critical.push(oid);
                }
            }
        }
        crl.fingerprint
            .copy_from_slice(ring::digest::digest(&ring::digest::SHA256, &der_bytes).as_ref());
        crl.der = der_bytes;
        Ok(crl)
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The signed part (tbsCertList).
    pub fn tbs(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or(&[])
    }

    /// Whether this is a delta CRL.
    pub fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }

    /// The entry for a certificate with this serial and issuer, if listed.
    pub fn entry_for(&self, serial: &[u8], cert_issuer: &Name) -> Option<&CrlEntry> {
        self.entries.iter().find(|e| {
            e.serial == serial
                && match &e.certificate_issuer {
                    None => self.issuer.matches(cert_issuer),
                    Some(names) => names.iter().any(|n| match n {
                        GeneralName::Directory(d) => d.matches(cert_issuer),
                        _ => false,
                    }),
                }
        })
    }
}

/// Compares two non-negative INTEGER contents numerically.
fn int_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let strip = |x: &[u8]| -> Vec<u8> { x.iter().copied().skip_while(|b| *b == 0).collect() };
    let (a, b) = (strip(a), strip(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(&b))
}

/// A [`RevocationChecker`] over a fixed set of CRLs.
#[derive(Debug, Default)]
pub struct CrlChecker {
    crls: Vec<Crl>,
    /// (CRL, signer) pairs whose signature verified.
    verified: RwLock<HashSet<([u8; 32], [u8; 32])>>,
}

/// Why one CRL did not settle the question.
struct Miss(String);

impl CrlChecker {
    /// A checker over `crls` (complete and delta CRLs in any order).
    pub fn new(crls: Vec<Crl>) -> CrlChecker {
        CrlChecker {
            crls,
            verified: RwLock::default(),
        }
    }

    /// Adds a CRL.
    pub fn add(&mut self, crl: Crl) {
        self.crls.push(crl);
    }

    /// The CRLs held.
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// Finds the certificate that signed `crl` and has a valid path to the same anchor with
    /// cRLSign (RFC 5280 §6.3.3 (f)–(g)); `subject` is the certificate whose status is
    /// asked, which may not vouch for itself.
    fn check_signer(&self, crl: &Crl, req: &RevocationRequest<'_>) -> Result<(), Miss> {
        let mut why = Miss("no certificate of the CRL issuer verifies its signature".into());
        let mut candidates: Vec<&Certificate> = Vec::new();
        if req.issuer.subject.matches(&crl.issuer) {
            candidates.push(req.issuer);
        }
        for c in req.available_certificates() {
            if c.subject.matches(&crl.issuer)
                && !candidates
                    .iter()
                    .any(|x| x.fingerprint() == c.fingerprint())
            {
                candidates.push(c);
            }
        }
        // The certificate whose status is asked may have signed the CRL that covers it (an
        // indirect CRL issuer listing its own certificate): tried last, and its own path is
        // then validated without asking about its status again.
        candidates.sort_by_key(|c| c.fingerprint() == req.cert.fingerprint());
        for signer in candidates {
            let itself = signer.fingerprint() == req.cert.fingerprint();
            let in_path = signer.fingerprint() == req.issuer.fingerprint();
            let key = (crl.fingerprint, *signer.fingerprint());
            let known = self.verified.read().is_ok_and(|s| s.contains(&key));
            if !known {
                let signer_path: Vec<Certificate> = if in_path {
                    req.path.get(1..).unwrap_or(&[]).to_vec()
                } else {
                    vec![signer.clone()]
                };
                let checked = req.verify_signature(
                    signer,
                    &signer_path,
                    &crl.signature_algorithm,
                    crl.tbs(),
                    &crl.signature,
                );
                match checked {
                    Ok(()) => {
                        if let Ok(mut s) = self.verified.write() {
                            s.insert(key);
                        }
                    }
                    Err(Error::UnsupportedAlgorithm(a)) if !in_path && a.contains("DSA") => {
                        // A DSA key inheriting parameters: check once its path is known.
                        let Some(outcome) = req.validate_other(signer) else {
                            continue;
                        };
                        if req
                            .verify_signature(
                                signer,
                                &outcome.path,
                                &crl.signature_algorithm,
                                crl.tbs(),
                                &crl.signature,
                            )
                            .is_err()
                        {
                            why = Miss("CRL signature could not be verified".into());
                            continue;
                        }
                    }
                    Err(_) => {
                        why = Miss("CRL signature could not be verified".into());
                        continue;
                    }
                }
            }
            if !signer.key_usage_allows_any(key_usage::CRL_SIGN) {
                why = Miss("the CRL issuer certificate lacks cRLSign".into());
                continue;
            }
            if in_path {
                return Ok(());
            }
            let outcome = if itself {
                req.validate_other_without_own_status(signer)
            } else {
                req.validate_other(signer)
            };
            let Some(outcome) = outcome else {
                why = Miss("CRL issuer validation nested too deeply".into());
                continue;
            };
            let same_anchor = match (outcome.path.last(), req.anchor()) {
                (Some(a), Some(b)) => a.fingerprint() == b.fingerprint(),
                _ => false,
            };
            if outcome.is_valid() && same_anchor {
                return Ok(());
            }
            why = Miss(format!(
                "the CRL issuer certificate '{}' has no valid path{}",
                signer.subject,
                outcome
                    .problems
                    .first()
                    .map(|p| format!(": {p}"))
                    .unwrap_or_default()
            ));
        }
        Err(why)
    }

    /// Scope of a complete or delta CRL for the certificate through distribution point
    /// `dp` (RFC 5280 §6.3.3 (b)); `None` when the CRL does not cover it.
    fn in_scope(&self, crl: &Crl, dp: &DistributionPoint, cert: &Certificate) -> Result<u16, Miss> {
        // (b)(1) issuer.
        match &dp.crl_issuer {
            Some(names) => {
                let named = names.iter().any(|n| match n {
                    GeneralName::Directory(d) => d.matches(&crl.issuer),
                    _ => false,
                });
                if !named || !crl.idp.as_ref().is_some_and(|i| i.indirect) {
                    return Err(Miss("CRL issuer does not match".into()));
                }
            }
            None => {
                if !crl.issuer.matches(&cert.issuer) {
                    return Err(Miss("CRL issuer does not match".into()));
                }
            }
        }
        let mut reasons = dp.reasons.unwrap_or(ALL_REASONS);
        if let Some(idp) = &crl.idp {
            // (b)(2)(i) distribution point names.
            if let Some(idp_name) = &idp.name {
                let idp_names = idp_name.resolve(Some(&crl.issuer));
                let dp_names: Vec<GeneralName> = match (&dp.name, &dp.crl_issuer) {
                    (Some(n), issuer) => {
                        let base = issuer
                            .as_ref()
                            .and_then(|names| {
                                names.iter().find_map(|n| match n {
                                    GeneralName::Directory(d) => Some(d.clone()),
                                    _ => None,
                                })
                            })
                            .unwrap_or_else(|| cert.issuer.clone());
                        n.resolve(Some(&base))
                    }
                    (None, Some(issuer)) => issuer.clone(),
                    (None, None) => Vec::new(),
                };
                if !idp_names
                    .iter()
                    .any(|a| dp_names.iter().any(|b| a.same_as(b)))
                {
                    return Err(Miss("CRL distribution point does not match".into()));
                }
            }
            // (b)(2)(ii)-(iv) kinds of certificates.
            if idp.only_user_certs && cert.is_ca() {
                return Err(Miss("CRL only contains user certificates".into()));
            }
            if idp.only_ca_certs && !cert.is_ca() {
                return Err(Miss("CRL only contains CA certificates".into()));
            }
            if idp.only_attribute_certs {
                return Err(Miss("CRL only contains attribute certificates".into()));
            }
            if let Some(some) = idp.only_some_reasons {
                reasons &= some;
            }
        }
        Ok(reasons)
    }

    /// Usability of a CRL at the validation time, signature and extensions aside.
    fn fresh(crl: &Crl, at: UnixTime) -> Result<(), Miss> {
        if let Some(oid) = crl.unhandled_critical.first() {
            return Err(Miss(format!("unrecognized critical CRL extension {oid}")));
        }
        if let Some(e) = crl
            .entries
            .iter()
            .find_map(|e| e.unhandled_critical.as_ref())
        {
            return Err(Miss(format!(
                "unrecognized critical CRL entry extension {e}"
            )));
        }
        if crl.next_update.is_some_and(|n| n < at) {
            return Err(Miss("CRL is not recent enough (nextUpdate passed)".into()));
        }
        Ok(())
    }

    /// The deltas that apply to complete CRL `base` (RFC 5280 §5.2.4, §6.3.3 (c)).
    fn deltas_for<'c>(&'c self, base: &Crl) -> impl Iterator<Item = &'c Crl> {
        let base_number = base.crl_number.clone();
        let base_idp = base.idp_der.clone();
        let issuer = base.issuer.clone();
        let aki = base.authority_key_id.clone();
        self.crls.iter().filter(move |d| {
            let (Some(delta_base), Some(number)) = (&d.delta_base, &base_number) else {
                return false;
            };
            d.issuer.matches(&issuer)
                && d.idp_der == base_idp
                && (aki.is_none() || d.authority_key_id.is_none() || d.authority_key_id == aki)
                && int_cmp(delta_base, number).is_le()
                && d.crl_number
                    .as_ref()
                    .is_some_and(|n| int_cmp(n, number).is_gt())
        })
    }
}

impl RevocationChecker for CrlChecker {
    fn check(&self, req: &RevocationRequest<'_>) -> RevocationStatus {
        let cert = req.cert;
        let implicit = [DistributionPoint {
            name: None,
            reasons: None,
            crl_issuer: None,
        }];
        let dps: &[DistributionPoint] = match &cert.crl_distribution_points {
            Some(dps) if !dps.is_empty() => dps,
            _ => &implicit,
        };
        let mut covered = 0u16;
        let mut misses: Vec<String> = Vec::new();
        for dp in dps {
            for crl in self.crls.iter().filter(|c| !c.is_delta()) {
                if covered == ALL_REASONS {
                    break;
                }
                let reasons = match self.in_scope(crl, dp, cert) {
                    Ok(r) => r,
                    Err(Miss(m)) => {
                        if !m.contains("issuer does not match") {
                            misses.push(m);
                        }
                        continue;
                    }
                };
                if reasons & !covered == 0 {
                    continue;
                }
                if let Err(Miss(m)) = Self::fresh(crl, req.at) {
                    misses.push(m);
                    continue;
                }
                if let Err(Miss(m)) = self.check_signer(crl, req) {
                    misses.push(m);
                    continue;
                }
                // Deltas over this base: all must be usable.
                let mut deltas = Vec::new();
                let mut delta_failed = None;
                for d in self.deltas_for(crl) {
                    if self.in_scope(d, dp, cert).is_err() {
                        continue;
                    }
                    match Self::fresh(d, req.at).and_then(|()| self.check_signer(d, req)) {
                        Ok(()) => deltas.push(d),
                        Err(Miss(m)) => delta_failed = Some(format!("delta CRL: {m}")),
                    }
                }
                if let Some(m) = delta_failed {
                    misses.push(m);
                    continue;
                }
                let mut entry = crl.entry_for(&cert.serial, &cert.issuer).cloned();
                // The newest delta decides over the base.
                deltas.sort_by(|a, b| {
                    int_cmp(
                        a.crl_number.as_deref().unwrap_or(&[]),
                        b.crl_number.as_deref().unwrap_or(&[]),
                    )
                });
                for d in deltas {
                    if let Some(e) = d.entry_for(&cert.serial, &cert.issuer) {
                        entry = if e.reason == Some(RevocationReason::RemoveFromCrl) {
                            None
                        } else {
                            Some(e.clone())
                        };
                    }
                }
                if let Some(e) = entry
                    && e.reason != Some(RevocationReason::RemoveFromCrl)
                {
                    return RevocationStatus::Revoked {
                        time: e.revocation_date,
                        reason: e.reason,
                    };
                }
                covered |= reasons;
            }
        }
        if covered == ALL_REASONS {
            RevocationStatus::Good
        } else if misses.is_empty() {
            if covered == 0 {
                RevocationStatus::Unknown("no CRL covers the certificate".into())
            } else {
                RevocationStatus::Unknown("the available CRLs do not cover every reason".into())
            }
        } else {
            misses.dedup();
            RevocationStatus::Unknown(misses.join("; "))
        }
    }
}
