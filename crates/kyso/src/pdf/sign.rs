//! PDF signing: an incremental update with a PAdES (or adbe.pkcs7.detached) signature, at the
//! PAdES baseline levels B-B, B-T (a signature time-stamp), B-LT (then validation data in the
//! DSS) and B-LTA (then a document time-stamp).

use kyso_cms::BuildOptions;
use kyso_cms::tsp::{TimestampToken, VerifiedTimestamp};
use kyso_pdf::{SignatureRequest, SubFilter};
use kyso_pki::{Credential, DigestAlgorithm, cert::key_usage, time};

use crate::trust::tsa::TsaClient;
use crate::{Error, TrustConfig, ltv};

/// PAdES baseline level (ETSI EN 319 142-1 §6): the level to sign at, and the level a
/// verified signature reached (serialized in the report as `b-b`, `b-t`, `b-lt`, `b-lta`; for
/// XML the XAdES levels of the same names).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum PadesLevel {
    /// B-B: the signature alone.
    #[default]
    #[serde(rename = "b-b")]
    BaselineB,
    /// B-T: with a signature time-stamp from a TSA (unsigned attribute signature-time-stamp).
    #[serde(rename = "b-t")]
    BaselineT,
    /// B-LT: B-T, then the certificates, CRLs and OCSP responses needed to validate the signer
    /// and the TSA, in the document security store.
    #[serde(rename = "b-lt")]
    BaselineLt,
    /// B-LTA: B-LT, then a document time-stamp over it all.
    #[serde(rename = "b-lta")]
    BaselineLta,
}

impl std::fmt::Display for PadesLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PadesLevel {
    /// `b-b`, `b-t`, `b-lt` or `b-lta`.
    pub fn as_str(self) -> &'static str {
        match self {
            PadesLevel::BaselineB => "b-b",
            PadesLevel::BaselineT => "b-t",
            PadesLevel::BaselineLt => "b-lt",
            PadesLevel::BaselineLta => "b-lta",
        }
    }

    /// Whether this level needs a time-stamping authority.
    pub fn needs_tsa(self) -> bool {
        self >= PadesLevel::BaselineT
    }
}

impl std::str::FromStr for PadesLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "b-b" | "bb" => Ok(PadesLevel::BaselineB),
            "b-t" | "bt" => Ok(PadesLevel::BaselineT),
            "b-lt" | "blt" => Ok(PadesLevel::BaselineLt),
            "b-lta" | "blta" => Ok(PadesLevel::BaselineLta),
            other => Err(Error::Invalid(format!(
                "PAdES level must be b-b, b-t, b-lt or b-lta, not '{other}'"
            ))),
        }
    }
}

/// What signing above B-B uses: the TSA, and the trust settings (anchors, intermediates,
/// network timeouts) for gathering validation data.
#[derive(Debug, Clone, Copy)]
pub struct LevelServices<'a> {
    /// The time-stamping authority (B-T and above).
    pub tsa: Option<&'a TsaClient>,
    /// Trust settings for B-LT and B-LTA.
    pub trust: &'a TrustConfig,
}

/// How to sign a PDF.
#[derive(Debug, Clone)]
pub struct PdfSignOptions {
    /// Digest; default SHA-256 (SHA-384 for P-384 keys).
    pub digest: Option<DigestAlgorithm>,
    pub sub_filter: SubFilter,
    /// `Some(P)`: a certification signature with DocMDP P.
    pub certify: Option<u8>,
    pub field: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact: Option<String>,
    /// Signing time; default now.
    pub signing_time: Option<time::UnixTime>,
    /// Zone for the written /M, minutes east of UTC (Vietnam: 420).
    pub utc_offset_minutes: i32,
    /// PAdES level; above B-B use [`sign_pdf_at_level`] with a TSA.
    pub level: PadesLevel,
    /// The password of an encrypted PDF the empty user password does not open.
    pub pdf_password: Option<crate::PdfPassword>,
    /// A visible signature (a preset, its place, picture and texts); `None`: invisible.
    pub visible: Option<crate::pdf::visible::Visible>,
}

impl Default for PdfSignOptions {
    fn default() -> Self {
        PdfSignOptions {
            digest: None,
            sub_filter: SubFilter::EtsiCadesDetached,
            certify: None,
            field: None,
            reason: None,
            location: None,
            contact: None,
            signing_time: None,
            utc_offset_minutes: 420,
            level: PadesLevel::BaselineB,
            pdf_password: None,
            visible: None,
        }
    }
}

/// Checks that a credential may sign at `at`: [`Error::CertificateExpired`],
/// [`Error::CertificateNotYetValid`] or [`Error::KeyUsageForbidsSigning`] when not.
pub fn check_credential(cred: &Credential, at: time::UnixTime) -> Result<(), Error> {
    let c = &cred.certificate;
    if at > c.not_after {
        return Err(Error::CertificateExpired {
            not_after: time::to_rfc3339(c.not_after),
        });
    }
    if at < c.not_before {
        return Err(Error::CertificateNotYetValid {
            not_before: time::to_rfc3339(c.not_before),
        });
    }
    if !c.key_usage_allows_any(key_usage::DIGITAL_SIGNATURE | key_usage::NON_REPUDIATION) {
        return Err(Error::KeyUsageForbidsSigning);
    }
    Ok(())
}

/// Room for a signature time-stamp token in /Contents: a token with the TSA's certificate and
/// a short chain. Larger tokens are handled by preparing again with the measured size.
const TIMESTAMP_RESERVE: usize = 8 * 1024;

/// Signs a PDF held in memory at B-B (`opts.level` must be B-B); returns the new file (the
/// input bytes followed by the update).
pub fn sign_pdf(input: &[u8], cred: &Credential, opts: &PdfSignOptions) -> Result<Vec<u8>, Error> {
    if opts.level.needs_tsa() {
        return Err(Error::Invalid(format!(
            "PAdES {} needs a time-stamping authority",
            opts.level.as_str()
        )));
    }
    Ok(sign_once(input, cred, opts, None, 0)?.0)
}

/// Signs a PDF at `opts.level`: B-B; B-T with a signature time-stamp from `services.tsa`;
/// B-LT adding a DSS with the validation data of the signer's and the TSA's chains (fetched
/// with `services.trust`'s network settings); B-LTA adding a document time-stamp after that.
/// Nothing is returned unless every step succeeded.
pub fn sign_pdf_at_level(
    input: &[u8],
    cred: &Credential,
    opts: &PdfSignOptions,
    services: &LevelServices<'_>,
) -> Result<Vec<u8>, Error> {
    let tsa = match (opts.level.needs_tsa(), services.tsa) {
        (false, _) => None,
        (true, Some(t)) => Some(t),
        (true, None) => return Err(crate::trust::tsa::TsaError::NotConfigured.into()),
    };
    let (mut signed, mut token) = sign_once(input, cred, opts, tsa, TIMESTAMP_RESERVE)?;
    if let Some(needed) = token.as_ref().and_then(|t| t.needed) {
        // The time-stamp did not fit: prepare again with room for it (a new request, since the
        // signature changes with the byte range).
        (signed, token) = sign_once(input, cred, opts, tsa, needed)?;
        if token.as_ref().is_some_and(|t| t.needed.is_some()) {
            return Err(Error::Invalid(
                "the signature time-stamp does not fit the space reserved for it".into(),
            ));
        }
    }
    if opts.level >= PadesLevel::BaselineLt {
        let token = token.as_ref().and_then(|t| t.verified.as_ref());
        let now = opts.signing_time.unwrap_or_else(time::now);
        signed = ltv::signer_validation_data(
            &signed,
            cred,
            token,
            services.trust,
            now,
            opts.pdf_password.as_ref(),
        )?;
    }
    if opts.level >= PadesLevel::BaselineLta
        && let Some(tsa) = tsa
    {
        let digest = opts.digest.unwrap_or_else(|| cred.key.default_digest());
        signed = ltv::document_timestamp(&signed, tsa, digest, opts.pdf_password.as_ref())?.bytes;
    }
    Ok(signed)
}

/// The signature time-stamp of one attempt.
struct Stamp {
    verified: Option<VerifiedTimestamp>,
    /// `Some(size)` when the CMS with the token did not fit: the /Contents size to ask for.
    needed: Option<usize>,
}

/// Prepares, signs, and (with a TSA) time-stamps the signature value, reserving `extra`
/// bytes for the token.
fn sign_once(
    input: &[u8],
    cred: &Credential,
    opts: &PdfSignOptions,
    tsa: Option<&TsaClient>,
    extra: usize,
) -> Result<(Vec<u8>, Option<Stamp>), Error> {
    let now = opts.signing_time.unwrap_or_else(time::now);
    check_credential(cred, now)?;
    let digest = opts.digest.unwrap_or_else(|| cred.key.default_digest());
    cred.key
        .supports(digest)
        .map_err(|e| Error::UnsupportedKey(e.to_string()))?;
    let doc = crate::pdf::open_pdf(input, opts.pdf_password.as_ref())?;
    let (appearance, fills) = match &opts.visible {
        Some(v) => {
            let (a, f) = crate::pdf::visible::resolve(
                &doc,
                v,
                cred,
                opts.field.as_deref(),
                now,
                opts.utc_offset_minutes,
            )?;
            (Some(a), f)
        }
        None => (None, Vec::new()),
    };
    let req = SignatureRequest {
        field_name: opts.field.clone(),
        sub_filter: opts.sub_filter,
        certify: opts.certify,
        signing_time: time::to_pdf_date(now, opts.utc_offset_minutes),
        reason: opts.reason.clone(),
        location: opts.location.clone(),
        contact: opts.contact.clone(),
        name: cred.certificate.subject.common_name().map(str::to_string),
        contents_size: kyso_cms::size_estimate(cred) + if tsa.is_some() { extra } else { 0 },
        appearance,
        fills,
    };
    let room = req.contents_size;
    let prepared = kyso_pdf::prepare(&doc, &req)?;
    let mut ctx = digest.context();
    for r in prepared.signed_ranges() {
        ctx.update(&prepared.bytes()[r]);
    }
    let content_digest = ctx.finish();
    let build = BuildOptions {
        digest,
        // PAdES baseline: the time is in /M only; adbe.pkcs7.detached readers expect signingTime.
        signing_time: (opts.sub_filter == SubFilter::AdbePkcs7Detached).then_some(now),
        include_chain: true,
    };
    let cms = kyso_cms::build_detached(cred, content_digest.as_ref(), &build)?;
    let Some(tsa) = tsa else {
        return Ok((prepared.embed(&cms)?, None));
    };
    let value = kyso_cms::signature_value(&cms)?;
    let verified = tsa.timestamp_data(digest, &value)?;
    let token = TimestampToken::parse(&verified.token_der).map_err(|source| {
        crate::trust::tsa::TsaError::BadAnswer {
            url: tsa.url().to_string(),
            error: Box::new(source),
        }
    })?;
    let stamped = kyso_cms::add_signature_timestamp(&cms, &token)
        .map_err(|e| Error::Invalid(format!("cannot add the signature time-stamp: {e}")))?;
    if stamped.len() > room {
        let needed = stamped.len().saturating_sub(kyso_cms::size_estimate(cred)) + 1024;
        return Ok((
            Vec::new(),
            Some(Stamp {
                verified: None,
                needed: Some(needed),
            }),
        ));
    }
    Ok((
        prepared.embed(&stamped)?,
        Some(Stamp {
            verified: Some(verified),
            needed: None,
        }),
    ))
}
