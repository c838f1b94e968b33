//! Revocation checking for verification, and gathering validation data for B-LT.
//!
//! [`Evidence`] holds what a document carries: certificates, CRLs and OCSP responses from a
//! PDF's DSS (and VRI), from the CMS (the adbe-revocationInfoArchival signed attribute, the
//! SignedData `crls` field, CAdES revocation and certificate values) and from XAdES values.
//! [`Checker`] answers the path validator's questions from that evidence first (OCSP, then
//! CRLs), then, with `--online`, from the certificate's CRL distribution points and then its
//! OCSP responder (through [`crate::trust::online`]'s shared cache; a CRL answers for every
//! certificate of its issuer, so a batch downloads it once). Every answer is logged with its source,
//! so reports can say where each certificate's status came from.
//!
//! OCSP responses are verified: signature, responder authority (the issuing CA itself, or a
//! responder it delegated to with id-kp-OCSPSigning, whose own path is validated and whose
//! status is checked unless it carries id-pkix-ocsp-nocheck), and time: a "good" answer
//! counts when it was current at the validation time or issued after it.
//!
//! [`collect_validation_data`] is the signing side's entry point: it builds a certificate's
//! path (fetching caIssuers when needed) and fetches, for every certificate below the anchor,
//! an OCSP response (preferred) or a CRL, plus what the responders and CRL issuers need.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use kyso_cms::SignerInfo;
use kyso_pki::der::{self, tag};
use kyso_pki::ocsp::{CertStatus, OcspResponse, ResponderKind, VerifyOptions};
use kyso_pki::time::UnixTime;
use kyso_pki::{
    Certificate, Crl, CrlChecker, PathProblem, RequiredEku, RevocationChecker, RevocationRequest,
    RevocationStatus, TrustStore, ValidationOutcome, ValidationParams,
};

use crate::Error;
use crate::trust::online::{self, FetchError, Fetcher};
use crate::trust::{RevocationPolicy, TrustConfig};

/// adbe-revocationInfoArchival (signed attribute of PDF signatures).
pub(crate) const ADBE_REVOCATION_INFO: &str = "1.2.840.113583.1.1.8";
/// id-aa-ets-revocationValues (CAdES unsigned attribute).
const CADES_REVOCATION_VALUES: &str = "1.2.840.113549.1.9.16.2.24";
/// id-aa-ets-certValues (CAdES unsigned attribute).
const CADES_CERTIFICATE_VALUES: &str = "1.2.840.113549.1.9.16.2.23";
/// id-ri-ocsp-response (RFC 5940 OtherRevocationInfoFormat).
const RI_OCSP_RESPONSE: &str = "1.3.6.1.5.5.7.16.2";
/// id-pkix-ocsp-basic.
const OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";

/// Seconds of clock difference tolerated when comparing evidence times.
const CLOCK_SKEW: i64 = 300;
/// Bound on validations of OCSP responders started outside the validator's own nesting.
const MAX_RESPONDER_DEPTH: usize = 2;
/// Most certificates, CRLs or OCSP responses taken from one document (each kind); real
/// documents carry a handful, and every question to the checker looks at all of them.
const MAX_EVIDENCE: usize = 512;
/// Bound on caIssuers rounds while building a path.
const MAX_AIA_ROUNDS: usize = 4;

/// Validation data for one certificate path, as DER, ready for a PDF DSS or CAdES values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationData {
    /// The certificates of the path (anchor included) and of OCSP responders and CRL issuers.
    pub certs: Vec<Vec<u8>>,
    /// CRLs, as fetched.
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses (OCSPResponse), as fetched.
    pub ocsps: Vec<Vec<u8>>,
}

/// Where a piece of revocation evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Source {
    /// The PDF document security store (DSS or VRI).
    #[serde(rename = "dss")]
    Dss,
    /// The CMS signature (adbe-revocationInfoArchival, `crls`, CAdES values).
    #[serde(rename = "cms")]
    Cms,
    /// XAdES values in the XML signature.
    #[serde(rename = "xml")]
    Xml,
    /// Fetched from the certificate's OCSP responder.
    #[serde(rename = "online-ocsp")]
    OnlineOcsp,
    /// Fetched from the certificate's CRL distribution point.
    #[serde(rename = "online-crl")]
    OnlineCrl,
}

impl Source {
    /// The report name: `dss`, `cms`, `xml`, `online-ocsp`, `online-crl`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Dss => "dss",
            Source::Cms => "cms",
            Source::Xml => "xml",
            Source::OnlineOcsp => "online-ocsp",
            Source::OnlineCrl => "online-crl",
        }
    }

    /// Whether the evidence is part of the document.
    pub fn embedded(self) -> bool {
        matches!(self, Source::Dss | Source::Cms | Source::Xml)
    }
}

/// How a revocation status was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// An OCSP response.
    Ocsp,
    /// A CRL.
    Crl,
}

impl Method {
    /// `ocsp` or `crl`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Ocsp => "ocsp",
            Method::Crl => "crl",
        }
    }
}

crate::report::display_as_str!(Source, Method);

/// Validation data found in a document.
#[derive(Debug, Default)]
pub(crate) struct Evidence {
    /// Certificates (DSS, CMS certificate values, XAdES certificate values).
    pub(crate) certs: Vec<Certificate>,
    ocsps: Vec<(Source, OcspResponse)>,
    pending_crls: Vec<(Source, Crl)>,
    crls: Vec<(Source, CrlChecker)>,
    /// Entries that could not be parsed (or were beyond [`MAX_EVIDENCE`]).
    pub(crate) unreadable: usize,
}

impl Evidence {
    /// Adds a DER certificate (once).
    pub(crate) fn add_cert(&mut self, der: &[u8]) {
        if self.certs.iter().any(|c| c.der() == der) {
            return;
        }
        if self.certs.len() >= MAX_EVIDENCE {
            self.unreadable += 1;
            return;
        }
        match kyso_pki::cert_cache::from_der_cached(der) {
            Ok(c) => self.certs.push(c),
            Err(_) => self.unreadable += 1,
        }
    }

    /// Adds a DER CRL (once per source).
    pub(crate) fn add_crl(&mut self, source: Source, der: &[u8]) {
        if self
            .pending_crls
            .iter()
            .any(|(s, c)| *s == source && c.der() == der)
        {
            return;
        }
        if self.pending_crls.len() >= MAX_EVIDENCE {
            self.unreadable += 1;
            return;
        }
        match Crl::from_der(der) {
            Ok(c) => self.pending_crls.push((source, c)),
            Err(_) => self.unreadable += 1,
        }
    }

    /// Adds a DER OCSPResponse (once).
    pub(crate) fn add_ocsp(&mut self, source: Source, der: &[u8]) {
        if self.ocsps.iter().any(|(_, r)| r.der() == der) {
            return;
        }
        if self.ocsps.len() >= MAX_EVIDENCE {
            self.unreadable += 1;
            return;
        }
        match OcspResponse::parse(der) {
            Ok(r) => self.ocsps.push((source, r)),
            Err(_) => self.unreadable += 1,
        }
    }

    /// Adds a BasicOCSPResponse (as CAdES and XAdES store them), wrapped as an OCSPResponse.
    pub(crate) fn add_basic_ocsp(&mut self, source: Source, basic: &[u8]) {
        let bytes = der::seq(&[&der::oid(OCSP_BASIC), &der::octet_string(basic)]);
        let wrapped = der::seq(&[&der::tlv(0x0a, &[0]), &der::tlv(tag::ctx(0), &bytes)]);
        self.add_ocsp(source, &wrapped);
    }

    /// Adds what a CMS signature carries: `cms` is the whole ContentInfo (its `crls` field),
    /// `si` its signer (adbe-revocationInfoArchival, CAdES revocation and certificate values).
    pub(crate) fn add_cms(&mut self, cms: &[u8], si: &SignerInfo) {
        if let Some(v) = si.signed_attribute(ADBE_REVOCATION_INFO) {
            self.add_revocation_info_archival(v);
        }
        for v in si.unsigned_attribute_values(CADES_REVOCATION_VALUES) {
            self.add_revocation_values(v);
        }
        for v in si.unsigned_attribute_values(CADES_CERTIFICATE_VALUES) {
            if let Ok(seq) = der::parse_one(v) {
                let mut r = seq.reader();
                while let Ok(c) = r.read() {
                    self.add_cert(c.raw);
                }
            }
        }
        self.add_cms_crls_field(cms);
    }

    /// RevocationInfoArchival ::= SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRL OPTIONAL,
    /// ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL, otherRevInfo [2] ... }.
    fn add_revocation_info_archival(&mut self, value: &[u8]) {
        let Ok(seq) = der::parse_one(value) else {
            self.unreadable += 1;
            return;
        };
        let mut r = seq.reader();
        while let Ok(item) = r.read() {
            let Ok(list) = item.reader().read_tag(tag::SEQUENCE, "revocation list") else {
                continue;
            };
            let mut l = list.reader();
            while let Ok(e) = l.read() {
                match item.tag {
                    t if t == tag::ctx(0) => self.add_crl(Source::Cms, e.raw),
                    t if t == tag::ctx(1) => self.add_ocsp(Source::Cms, e.raw),
                    _ => {}
                }
            }
        }
    }

    /// RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList OPTIONAL,
    /// ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL, ... }.
    fn add_revocation_values(&mut self, value: &[u8]) {
        let Ok(seq) = der::parse_one(value) else {
            self.unreadable += 1;
            return;
        };
        let mut r = seq.reader();
        while let Ok(item) = r.read() {
            let Ok(list) = item.reader().read_tag(tag::SEQUENCE, "revocation values") else {
                continue;
            };
            let mut l = list.reader();
            while let Ok(e) = l.read() {
                match item.tag {
                    t if t == tag::ctx(0) => self.add_crl(Source::Cms, e.raw),
                    t if t == tag::ctx(1) => self.add_basic_ocsp(Source::Cms, e.raw),
                    _ => {}
                }
            }
        }
    }

    /// The SignedData `crls [1] IMPLICIT RevocationInfoChoices`: CRLs and (RFC 5940) OCSP
    /// responses as OtherRevocationInfoFormat.
    fn add_cms_crls_field(&mut self, cms: &[u8]) {
        let Some(crls) = signed_data_crls(cms) else {
            return;
        };
        let mut r = der::Reader::new(crls);
        while let Ok(e) = r.read() {
            if e.tag == tag::SEQUENCE {
                self.add_crl(Source::Cms, e.raw);
            } else if e.tag == tag::ctx(1) {
                let mut o = e.reader();
                if der::read_oid(&mut o).is_ok_and(|oid| oid == RI_OCSP_RESPONSE)
                    && let Ok(v) = o.read()
                {
                    self.add_ocsp(Source::Cms, v.raw);
                }
            }
        }
    }

    /// Groups the CRLs by source into checkers; call once everything was added.
    pub(crate) fn finish(&mut self) {
        for (source, crl) in std::mem::take(&mut self.pending_crls) {
            match self.crls.iter_mut().find(|(s, _)| *s == source) {
                Some((_, checker)) => checker.add(crl),
                None => self.crls.push((source, CrlChecker::new(vec![crl]))),
            }
        }
    }

    /// Whether the document carries any CRL or OCSP response.
    pub(crate) fn has_revocation_data(&self) -> bool {
        !self.ocsps.is_empty() || !self.crls.is_empty() || !self.pending_crls.is_empty()
    }

    /// Where the document has data about `cert` (issued by `issuer`): an OCSP response for it,
    /// or a CRL of its issuer. No signature or time is checked (for `--revocation off`).
    pub(crate) fn mentions(&self, cert: &Certificate, issuer: &Certificate) -> Option<Source> {
        self.ocsps
            .iter()
            .find(|(_, r)| {
                r.basic
                    .as_ref()
                    .is_some_and(|b| b.find(cert, issuer).is_some())
            })
            .map(|(s, _)| *s)
            .or_else(|| {
                self.crls
                    .iter()
                    .find(|(_, c)| c.crls().iter().any(|c| c.issuer.matches(&cert.issuer)))
                    .map(|(s, _)| *s)
            })
    }
}

/// The `crls` field of a SignedData ContentInfo, if present (its content octets).
fn signed_data_crls(cms: &[u8]) -> Option<&[u8]> {
    let ci = der::parse_prefix(cms).ok()?;
    let mut r = ci.reader();
    der::read_oid(&mut r).ok()?;
    let explicit = r.read_tag(tag::ctx(0), "content").ok()?;
    let sd = explicit
        .reader()
        .read_tag(tag::SEQUENCE, "SignedData")
        .ok()?;
    let mut s = sd.reader();
    s.read_tag(tag::INTEGER, "version").ok()?;
    s.read_tag(tag::SET, "digestAlgorithms").ok()?;
    s.read_tag(tag::SEQUENCE, "encapContentInfo").ok()?;
    s.read_optional(tag::ctx(0)).ok()?;
    s.read_optional(tag::ctx(1)).ok()?.map(|t| t.value)
}

/// What the checker found about one certificate at one validation time.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// The certificate's fingerprint.
    pub(crate) cert: [u8; 32],
    /// The validation time asked about.
    pub(crate) at: UnixTime,
    /// The answer.
    pub(crate) status: RevocationStatus,
    /// Where it came from (none for unknown).
    pub(crate) source: Option<Source>,
    /// OCSP or CRL.
    pub(crate) method: Option<Method>,
    /// When the deciding evidence was issued (thisUpdate).
    pub(crate) issued: Option<UnixTime>,
}

/// DER of the evidence used, for [`collect_validation_data`].
#[derive(Debug, Default)]
struct Used {
    certs: Vec<Certificate>,
    crls: Vec<Vec<u8>>,
    ocsps: Vec<Vec<u8>>,
}

impl Used {
    fn cert(&mut self, c: &Certificate) {
        if !self
            .certs
            .iter()
            .any(|x| x.fingerprint() == c.fingerprint())
        {
            self.certs.push(c.clone());
        }
    }
}

/// One source's verdict on a question.
enum Verdict {
    /// Settled: good or revoked, with the evidence's thisUpdate.
    Decided(RevocationStatus, Option<UnixTime>),
    /// The evidence is about the certificate but cannot settle it (why).
    Miss(String),
    /// The evidence is about something else.
    NotAbout,
}

/// The revocation checker of one verification (one document, or one B-LT collection).
pub(crate) struct Checker<'t> {
    store: &'t TrustStore,
    evidence: Evidence,
    fetcher: Option<Fetcher>,
    hard: bool,
    /// Gather DER of what was used (and prefer OCSP online).
    collect: bool,
    log: Mutex<Vec<Record>>,
    used: Mutex<Used>,
    depth: AtomicUsize,
    /// Embedded OCSP responses verified for a (certificate, issuer): (index, cert, issuer).
    ocsp_memo: Mutex<Vec<OcspMemo>>,
}

/// A remembered OCSP verification: (evidence index, certificate and issuer fingerprints), and
/// the result.
type OcspMemo = (
    (usize, [u8; 32], [u8; 32]),
    Result<kyso_pki::ocsp::VerifiedOcsp, String>,
);

impl<'t> Checker<'t> {
    /// A checker over `evidence` (finished here), fetching with `fetcher` when given;
    /// `policy` decides how strictly delegated OCSP responders' own status is required.
    pub(crate) fn new(
        store: &'t TrustStore,
        mut evidence: Evidence,
        fetcher: Option<Fetcher>,
        policy: RevocationPolicy,
    ) -> Checker<'t> {
        evidence.finish();
        Checker {
            store,
            evidence,
            fetcher,
            hard: policy == RevocationPolicy::Hard,
            collect: false,
            log: Mutex::new(Vec::new()),
            used: Mutex::new(Used::default()),
            depth: AtomicUsize::new(0),
            ocsp_memo: Mutex::new(Vec::new()),
        }
    }

    /// The document's evidence.
    pub(crate) fn evidence(&self) -> &Evidence {
        &self.evidence
    }

    /// The records about `cert` at `at`.
    pub(crate) fn record(&self, cert: &Certificate, at: UnixTime) -> Option<Record> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter()
            .rev()
            .find(|r| r.at == at && r.cert == *cert.fingerprint())
            .cloned()
    }

    fn settle(
        &self,
        req: &RevocationRequest<'_>,
        status: RevocationStatus,
        source: Option<Source>,
        method: Option<Method>,
        issued: Option<UnixTime>,
    ) -> RevocationStatus {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.retain(|r| !(r.at == req.at && r.cert == *req.cert.fingerprint()));
        log.push(Record {
            cert: *req.cert.fingerprint(),
            at: req.at,
            status: status.clone(),
            source,
            method,
            issued,
        });
        status
    }

    fn use_der(&self, method: Method, der: &[u8]) {
        if !self.collect {
            return;
        }
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let list = match method {
            Method::Ocsp => &mut used.ocsps,
            Method::Crl => &mut used.crls,
        };
        if !list.iter().any(|x| x == der) {
            list.push(der.to_vec());
        }
    }

    /// The status `resp` gives `req.cert`, after verifying the response.
    /// `embedded` is the response's index in the document's evidence: its verification is
    /// then remembered for the other questions about the same certificate (several validation
    /// times, several signatures).
    fn ocsp_verdict(
        &self,
        resp: &OcspResponse,
        req: &RevocationRequest<'_>,
        embedded: Option<usize>,
    ) -> Verdict {
        let Ok(basic) = resp.basic() else {
            return Verdict::NotAbout;
        };
        if basic.find(req.cert, req.issuer).is_none() {
            return Verdict::NotAbout;
        }
        let key = embedded.map(|i| (i, *req.cert.fingerprint(), *req.issuer.fingerprint()));
        let memo = key.and_then(|k| {
            let m = self.ocsp_memo.lock().unwrap_or_else(|e| e.into_inner());
            m.iter().find(|(x, _)| *x == k).map(|(_, v)| v.clone())
        });
        let verified = match memo {
            Some(v) => v,
            None => {
                let opts = VerifyOptions {
                    extra_certificates: &self.evidence.certs,
                    ..VerifyOptions::default()
                };
                let v = resp
                    .verify(req.cert, req.issuer, &opts)
                    .map_err(|e| format!("OCSP response: {e}"));
                if let Some(k) = key {
                    let mut m = self.ocsp_memo.lock().unwrap_or_else(|e| e.into_inner());
                    m.push((k, v.clone()));
                }
                v
            }
        };
        let v = match verified {
            Ok(v) => v,
            Err(e) => return Verdict::Miss(e),
        };
        if let ResponderKind::Delegated { no_check } = v.responder.kind
            && let Err(why) = self.check_responder(&v.responder.certificate, no_check, &v, req)
        {
            return Verdict::Miss(why);
        }
        match v.status {
            CertStatus::Revoked { time, reason } => Verdict::Decided(
                RevocationStatus::Revoked { time, reason },
                Some(v.this_update),
            ),
            CertStatus::Good => {
                let issued_after = v.this_update.saturating_add(CLOCK_SKEW) >= req.at;
                let current = v.this_update <= req.at.saturating_add(CLOCK_SKEW)
                    && v.next_update
                        .is_some_and(|n| n.saturating_add(CLOCK_SKEW) >= req.at);
                if issued_after || current {
                    Verdict::Decided(RevocationStatus::Good, Some(v.this_update))
                } else {
                    Verdict::Miss(format!(
                        "the OCSP response of {} is older than the validation time {}",
                        kyso_pki::time::to_rfc3339(v.this_update),
                        kyso_pki::time::to_rfc3339(req.at)
                    ))
                }
            }
            CertStatus::Unknown => {
                Verdict::Miss("the OCSP responder does not know the certificate".into())
            }
        }
    }

    /// Validates a delegated responder: its path to the same anchor with id-kp-OCSPSigning,
    /// and its own status unless it has id-pkix-ocsp-nocheck. At the validation time when the
    /// responder certificate was valid then, else at the response's producedAt (responder
    /// certificates are short-lived, so a response fetched today is signed by one issued
    /// long after an old signature).
    fn check_responder(
        &self,
        responder: &Certificate,
        no_check: bool,
        v: &kyso_pki::ocsp::VerifiedOcsp,
        req: &RevocationRequest<'_>,
    ) -> Result<(), String> {
        let outcome = if responder.valid_at(req.at) {
            req.validate_other_with(responder, Some(RequiredEku::ocsp_signing()), !no_check)
        } else {
            if self.depth.load(Ordering::Relaxed) >= MAX_RESPONDER_DEPTH {
                return Err("OCSP responder validation nested too deeply".into());
            }
            self.depth.fetch_add(1, Ordering::Relaxed);
            let mut extra: Vec<Certificate> = req.path.to_vec();
            extra.extend(v.certificates.iter().cloned());
            extra.extend(req.available_certificates().cloned());
            let params = ValidationParams::new(v.produced_at)
                .with_eku(RequiredEku::ocsp_signing())
                .with_revocation(self);
            let o = self.store.validate(responder, &extra, &params);
            self.depth.fetch_sub(1, Ordering::Relaxed);
            Some(o)
        };
        let Some(outcome) = outcome else {
            return Err("OCSP responder validation nested too deeply".into());
        };
        let same_anchor = match (outcome.path.last(), req.anchor()) {
            (Some(a), Some(b)) => a.fingerprint() == b.fingerprint(),
            _ => false,
        };
        let ok = if self.hard {
            outcome.is_valid()
        } else {
            outcome.is_valid_ignoring(PathProblem::is_revocation_unknown)
        };
        if ok && same_anchor {
            if self.collect {
                let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
                outcome.path.iter().for_each(|c| used.cert(c));
            }
            return Ok(());
        }
        Err(format!(
            "the OCSP responder certificate '{}' is not valid{}",
            responder.subject,
            outcome
                .problems
                .first()
                .map(|p| format!(": {p}"))
                .unwrap_or_default()
        ))
    }

    /// The newest thisUpdate among a checker's CRLs of `cert`'s issuer.
    fn crl_time(crls: &CrlChecker, cert: &Certificate) -> Option<UnixTime> {
        crls.crls()
            .iter()
            .filter(|c| c.issuer.matches(&cert.issuer))
            .map(|c| c.this_update)
            .max()
    }

    fn crl_verdict(
        &self,
        crls: &CrlChecker,
        req: &RevocationRequest<'_>,
        why: &mut Vec<String>,
    ) -> Option<(RevocationStatus, Option<UnixTime>)> {
        match crls.check(req) {
            RevocationStatus::Unknown(m) => {
                if !m.starts_with("no CRL covers") && !m.contains("issuer does not match") {
                    why.push(m);
                }
                None
            }
            status => {
                if self.collect {
                    for c in crls.crls() {
                        if c.issuer.matches(&req.cert.issuer) {
                            self.use_der(Method::Crl, c.der());
                        }
                    }
                }
                Some((status, Self::crl_time(crls, req.cert)))
            }
        }
    }
}

impl Checker<'_> {
    /// The status from the certificate's OCSP responders, if one settles it.
    fn online_ocsp(
        &self,
        fetcher: &Fetcher,
        req: &RevocationRequest<'_>,
        why: &mut Vec<String>,
    ) -> Option<RevocationStatus> {
        for url in online::ocsp_urls(req.cert) {
            match fetcher.ocsp(&url, req.cert, req.issuer) {
                Ok(resp) => match self.ocsp_verdict(&resp, req, None) {
                    Verdict::Decided(status, issued) => {
                        self.use_der(Method::Ocsp, resp.der());
                        return Some(self.settle(
                            req,
                            status,
                            Some(Source::OnlineOcsp),
                            Some(Method::Ocsp),
                            issued,
                        ));
                    }
                    Verdict::Miss(m) => why.push(format!("{url}: {m}")),
                    Verdict::NotAbout => why.push(format!(
                        "{url}: the OCSP response is not about this certificate"
                    )),
                },
                Err(e) => why.push(e.to_string()),
            }
        }
        None
    }

    /// The status from the certificate's CRL distribution points, if one settles it.
    fn online_crl(
        &self,
        fetcher: &Fetcher,
        req: &RevocationRequest<'_>,
        why: &mut Vec<String>,
    ) -> Option<RevocationStatus> {
        for url in online::crl_urls(req.cert) {
            match fetcher.crl(&url) {
                Ok(crls) => {
                    let before = why.len();
                    if let Some((status, issued)) = self.crl_verdict(&crls, req, why) {
                        return Some(self.settle(
                            req,
                            status,
                            Some(Source::OnlineCrl),
                            Some(Method::Crl),
                            issued,
                        ));
                    }
                    for m in why.iter_mut().skip(before) {
                        *m = format!("{url}: {m}");
                    }
                }
                Err(e) => why.push(e.to_string()),
            }
        }
        None
    }
}

impl RevocationChecker for Checker<'_> {
    fn check(&self, req: &RevocationRequest<'_>) -> RevocationStatus {
        let mut why: Vec<String> = Vec::new();
        for (i, (source, resp)) in self.evidence.ocsps.iter().enumerate() {
            match self.ocsp_verdict(resp, req, Some(i)) {
                Verdict::Decided(status, issued) => {
                    return self.settle(req, status, Some(*source), Some(Method::Ocsp), issued);
                }
                Verdict::Miss(m) => why.push(m),
                Verdict::NotAbout => {}
            }
        }
        for (source, crls) in &self.evidence.crls {
            if let Some((status, issued)) = self.crl_verdict(crls, req, &mut why) {
                return self.settle(req, status, Some(*source), Some(Method::Crl), issued);
            }
        }
        if let Some(fetcher) = &self.fetcher {
            // Verifying, a CRL first: one download answers for every certificate of its
            // issuer, for the whole batch. Collecting for B-LT, OCSP first: a small answer
            // about this certificate only.
            let decided = if self.collect {
                self.online_ocsp(fetcher, req, &mut why)
                    .or_else(|| self.online_crl(fetcher, req, &mut why))
            } else {
                self.online_crl(fetcher, req, &mut why)
                    .or_else(|| self.online_ocsp(fetcher, req, &mut why))
            };
            if let Some(status) = decided {
                return status;
            }
        }
        let message = if why.is_empty() {
            if self.fetcher.is_some() {
                "the certificate names no OCSP responder or CRL distribution point, and the \
                 document carries no revocation data for it"
                    .to_string()
            } else {
                "the document carries no revocation data for it (use --online to fetch it)"
                    .to_string()
            }
        } else {
            why.dedup();
            why.join("; ")
        };
        self.settle(req, RevocationStatus::Unknown(message), None, None, None)
    }
}

/// Validates `cert` with `params`; with a fetcher, issuers missing from the store and `extra`
/// are fetched from caIssuers (authorityInfoAccess) and the validation is repeated.
/// Returns the outcome and the certificates fetched, and the fetch errors.
pub(crate) fn validate_with_aia(
    store: &TrustStore,
    cert: &Certificate,
    extra: &[Certificate],
    params: &ValidationParams<'_>,
    fetcher: Option<&Fetcher>,
) -> (ValidationOutcome, Vec<Certificate>, Vec<FetchError>) {
    let mut outcome = store.validate(cert, extra, params);
    let mut fetched: Vec<Certificate> = Vec::new();
    let mut errors = Vec::new();
    let Some(fetcher) = fetcher else {
        return (outcome, fetched, errors);
    };
    for _ in 0..MAX_AIA_ROUNDS {
        if outcome.trusted || !outcome.problems.contains(&PathProblem::NoPathToAnchor) {
            break;
        }
        let Some(last) = outcome.path.last() else {
            break;
        };
        let mut added = false;
        for url in online::ca_issuer_urls(last) {
            match fetcher.ca_issuers(&url) {
                Ok(certs) => {
                    for c in certs.iter() {
                        let known = c.fingerprint() == last.fingerprint()
                            || extra.iter().any(|x| x.fingerprint() == c.fingerprint())
                            || fetched.iter().any(|x| x.fingerprint() == c.fingerprint());
                        if !known {
                            fetched.push(c.clone());
                            added = true;
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if !added {
            break;
        }
        let mut pool = extra.to_vec();
        pool.extend(fetched.iter().cloned());
        outcome = store.validate(cert, &pool, params);
    }
    (outcome, fetched, errors)
}

/// Gathers the validation data for `signer`'s path at `at` (normally now), for a B-LT
/// signature: builds the path to a trust anchor of `trust` (with `extra` and, when missing,
/// issuers fetched from caIssuers), then for every certificate below the anchor fetches an
/// OCSP response from its responder (preferred, verified) or else the CRL from its
/// distribution point, plus the certificates and status data the OCSP responders and CRL
/// issuers need. The network is used whatever `trust.online` says, with `trust.net`'s
/// timeouts. Errors name the URL that failed, or the certificate whose path or status could
/// not be established.
pub fn collect_validation_data(
    signer: &Certificate,
    extra: &[Certificate],
    trust: &TrustConfig,
    at: UnixTime,
) -> Result<ValidationData, Error> {
    let fetcher = Fetcher::new(&trust.net);
    let mut checker = Checker::new(
        &trust.store,
        Evidence::default(),
        Some(fetcher.clone()),
        RevocationPolicy::Hard,
    );
    checker.collect = true;
    let params = ValidationParams::new(at).with_revocation(&checker);
    let (outcome, _, errors) =
        validate_with_aia(&trust.store, signer, extra, &params, Some(&fetcher));
    if !outcome.trusted {
        let mut msg = format!(
            "no chain from '{}' to a trust anchor could be built",
            signer.subject
        );
        if !errors.is_empty() {
            let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            msg.push_str(&format!(" (caIssuers: {})", list.join("; ")));
        }
        return Err(Error::Invalid(msg));
    }
    if let Some(p) = outcome.problems.first() {
        return Err(Error::Invalid(match p {
            PathProblem::RevocationUnknown { subject, why, .. } => {
                format!("cannot establish the revocation status of '{subject}': {why}")
            }
            other => format!("the certificate path is not valid: {other}"),
        }));
    }
    if let Some(r) = outcome.revoked_later.first() {
        return Err(Error::Invalid(format!(
            "certificate '{}' is revoked as of {}",
            r.subject,
            kyso_pki::time::to_rfc3339(r.time)
        )));
    }
    let used = checker.used.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut certs: Vec<Vec<u8>> = Vec::new();
    for c in outcome.path.iter().chain(used.certs.iter()) {
        if !certs.iter().any(|x| x.as_slice() == c.der()) {
            certs.push(c.der().to_vec());
        }
    }
    Ok(ValidationData {
        certs,
        crls: used.crls,
        ocsps: used.ocsps,
    })
}
