//! Long-term validation: validation data in the document security store (PAdES B-LT,
//! `kyso ltv`) and document time-stamps (B-LTA, `kyso timestamp`).

use kyso_cms::SignedData;
use kyso_cms::oids;
use kyso_cms::tsp::{TimestampToken, VerifiedTimestamp};
use kyso_pdf::{DssUpdate, SignatureRequest, SubFilter, Vri, vri_key};
use kyso_pki::{Certificate, Credential, DigestAlgorithm, time::UnixTime};

use crate::pdf::{PdfPassword, open_pdf};
use crate::trust::tsa::TsaClient;
use crate::{Error, TrustConfig, ValidationData, collect_validation_data};

/// Room reserved for a document time-stamp token; larger tokens are handled by preparing
/// again with the measured size.
const DOCUMENT_TIMESTAMP_RESERVE: usize = 10 * 1024;

/// A document with a new document time-stamp.
#[derive(Debug, Clone)]
pub struct Timestamped {
    /// The whole new file.
    pub bytes: Vec<u8>,
    /// The token, checked against the request.
    pub timestamp: VerifiedTimestamp,
    /// The new signature field's name.
    pub field: String,
}

/// Appends a document time-stamp (`/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`) over the
/// whole of `input`: the byte ranges are hashed with `digest` and sent to `tsa`; the token
/// goes into /Contents. Earlier signatures stay valid.
pub fn add_document_timestamp(
    input: &[u8],
    tsa: &TsaClient,
    digest: DigestAlgorithm,
) -> Result<Timestamped, Error> {
    document_timestamp(input, tsa, digest, None)
}

/// [`add_document_timestamp`] for a document opened with `password`.
pub(crate) fn document_timestamp(
    input: &[u8],
    tsa: &TsaClient,
    digest: DigestAlgorithm,
    password: Option<&PdfPassword>,
) -> Result<Timestamped, Error> {
    let digest = match digest {
        DigestAlgorithm::Sha1 => DigestAlgorithm::Sha256,
        d => d,
    };
    let mut size = DOCUMENT_TIMESTAMP_RESERVE;
    for _ in 0..2 {
        let doc = open_pdf(input, password)?;
        let req = SignatureRequest {
            field_name: None,
            sub_filter: SubFilter::EtsiRfc3161,
            certify: None,
            signing_time: String::new(),
            reason: None,
            location: None,
            contact: None,
            name: None,
            contents_size: size,
            appearance: None,
            fills: Vec::new(),
        };
        let prepared = kyso_pdf::prepare(&doc, &req)?;
        let mut ctx = digest.context();
        for r in prepared.signed_ranges() {
            ctx.update(prepared.bytes().get(r).unwrap_or(&[]));
        }
        let verified = tsa.timestamp_digest(digest, ctx.finish().as_ref())?;
        if verified.token_der.len() > size {
            size = verified.token_der.len() + 1024;
            continue;
        }
        let bytes = prepared.embed(&verified.token_der)?;
        let field = newest_field(&bytes, password)?;
        return Ok(Timestamped {
            bytes,
            timestamp: verified,
            field,
        });
    }
    Err(Error::Invalid(format!(
        "the document time-stamp from {} does not fit the space reserved for it",
        tsa.url()
    )))
}

/// The field name of the signature covering the most bytes (the one just added).
fn newest_field(bytes: &[u8], password: Option<&PdfPassword>) -> Result<String, Error> {
    let doc = open_pdf(bytes, password)?;
    Ok(kyso_pdf::find_signatures(&doc)?
        .pop()
        .map(|s| s.field)
        .unwrap_or_default())
}

/// Adds a DSS with the validation data of the newest signature in `input` (signed with
/// `cred`) and of its signature time-stamp's TSA (PAdES B-LT). Validation data is fetched over
/// the network (OCSP, CRLs, caIssuers) with `trust`'s settings; paths end at `trust`'s anchors.
pub fn add_signer_validation_data(
    input: &[u8],
    cred: &Credential,
    token: Option<&VerifiedTimestamp>,
    trust: &TrustConfig,
    at: UnixTime,
) -> Result<Vec<u8>, Error> {
    signer_validation_data(input, cred, token, trust, at, trust.pdf_password.as_ref())
}

/// [`add_signer_validation_data`] for a document opened with `password`.
pub(crate) fn signer_validation_data(
    input: &[u8],
    cred: &Credential,
    token: Option<&VerifiedTimestamp>,
    trust: &TrustConfig,
    at: UnixTime,
    password: Option<&PdfPassword>,
) -> Result<Vec<u8>, Error> {
    require_anchors(trust)?;
    let doc = open_pdf(input, password)?;
    let newest = kyso_pdf::find_signatures(&doc)?
        .pop()
        .ok_or_else(|| Error::Invalid("the document has no signature".into()))?;
    let mut vri = Vri::default();
    let signer = collect_validation_data(&cred.certificate, &cred.chain, trust, at)
        .map_err(|e| Error::Invalid(format!("validation data for the signer: {e}")))?;
    merge(&mut vri, signer);
    if let Some(t) = token {
        let tsa = collect_validation_data(&t.tsa_certificate, &t.certificates, trust, at)
            .map_err(|e| Error::Invalid(format!("validation data for the TSA: {e}")))?;
        merge(&mut vri, tsa);
    }
    let mut up = DssUpdate::new(&doc)?;
    up.add(Some(&vri_key(&newest.contents)), &vri);
    Ok(match up.write()? {
        Some(w) => w.bytes,
        None => input.to_vec(),
    })
}

fn require_anchors(trust: &TrustConfig) -> Result<(), Error> {
    if trust.store.anchors().is_empty() {
        return Err(Error::Invalid(
            "gathering validation data needs trust anchors: give --trust PATH or set anchors in the [trust] table of the configuration".into(),
        ));
    }
    Ok(())
}

/// Adds `data` to `into` without duplicates, leaving out self-signed certificates (trust
/// anchors are the verifier's to supply, as in the CMS; validators such as pyHanko otherwise
/// treat an embedded root as one more certificate needing revocation data).
fn merge(into: &mut Vri, mut data: ValidationData) {
    data.certs
        .retain(|der| Certificate::from_der(der).map_or(true, |c| !c.is_self_issued()));
    for (list, add) in [
        (&mut into.certs, data.certs),
        (&mut into.crls, data.crls),
        (&mut into.ocsps, data.ocsps),
    ] {
        for item in add {
            if !list.contains(&item) {
                list.push(item);
            }
        }
    }
}

/// What one signature or time-stamp contributed to the DSS.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LtvEntry {
    /// The signature field.
    pub field: String,
    /// `signature` or `document timestamp`.
    pub kind: &'static str,
    /// The certificates whose validation data was gathered (signer, TSAs), as subjects.
    pub subjects: Vec<String>,
    /// The VRI key of the signature.
    pub vri: String,
}

/// The result of [`add_validation_data`].
#[derive(Debug, Clone)]
pub struct LtvResult {
    /// The new file (the input unchanged when nothing was missing).
    pub bytes: Vec<u8>,
    /// Whether an update was appended.
    pub changed: bool,
    /// One entry per signature and document time-stamp, in file order.
    pub entries: Vec<LtvEntry>,
    /// Certificate, CRL and OCSP response streams newly written.
    pub added: (usize, usize, usize),
}

/// Gathers validation data for every signature and document time-stamp in `input` (each
/// signer, each signature time-stamp's TSA, each document time-stamp's TSA) and merges it
/// into the DSS as one incremental update, with a VRI entry per signature. Data already in the
/// store is not written again. Any certificate whose path or status cannot be established is
/// an error naming the field; nothing is written then.
pub fn add_validation_data(
    input: &[u8],
    trust: &TrustConfig,
    at: UnixTime,
) -> Result<LtvResult, Error> {
    require_anchors(trust)?;
    let doc = open_pdf(input, trust.pdf_password.as_ref())?;
    let sigs = kyso_pdf::find_signatures(&doc)?;
    if sigs.is_empty() {
        return Err(Error::Invalid(
            "the document has no signatures or time-stamps".into(),
        ));
    }
    let mut up = DssUpdate::new(&doc)?;
    let existing = up.existing();
    let mut entries = Vec::new();
    for sig in sigs.iter().filter(|s| !s.byte_range.is_empty()) {
        let is_timestamp = sig.sig_type == "DocTimeStamp"
            || sig.sub_filter.as_deref() == Some(SubFilter::EtsiRfc3161.name());
        let mut targets: Vec<(Certificate, Vec<Certificate>, &'static str)> = Vec::new();
        let fail = |what: String| Error::Invalid(format!("{}: {what}", sig.field));
        // The earliest time the signature is known to exist: revocation data must be newer.
        let mut since = sig
            .m
            .as_deref()
            .and_then(|m| kyso_pki::time::parse_pdf_date(m).ok())
            .map(|t| t.unix)
            .unwrap_or(0);
        if is_timestamp {
            let token = TimestampToken::parse(&sig.contents)
                .map_err(|e| fail(format!("not a readable time-stamp token: {e}")))?;
            since = token.tst_info.gen_time.unix;
            targets.push(token_signer(&token).map_err(fail)?);
        } else {
            let sd = SignedData::parse(&sig.contents)
                .map_err(|e| fail(format!("not a readable CMS signature: {e}")))?;
            let si = sd
                .signer_infos
                .first()
                .ok_or_else(|| fail("the CMS has no SignerInfo".into()))?;
            let signer = si
                .find_signer(&sd.certificates)
                .ok_or_else(|| fail("the signer's certificate is not in the CMS".into()))?;
            targets.push((signer.clone(), sd.certificates.clone(), "signer"));
            for t in si.unsigned_attribute_values(oids::SIGNATURE_TIME_STAMP) {
                let token = TimestampToken::parse(t)
                    .map_err(|e| fail(format!("unreadable signature time-stamp: {e}")))?;
                since = since.min(token.tst_info.gen_time.unix);
                targets.push(token_signer(&token).map_err(fail)?);
            }
        }
        let mut vri = Vri::default();
        let mut subjects = Vec::new();
        for (cert, extra, role) in &targets {
            let data = match covered(&existing, cert, extra, trust, at, since) {
                Some(data) => data,
                None => collect_validation_data(cert, extra, trust, at).map_err(|e| {
                    fail(format!(
                        "validation data for the {role} '{}': {e}",
                        cert.subject
                    ))
                })?,
            };
            merge(&mut vri, data);
            subjects.push(cert.subject.to_string());
        }
        let key = vri_key(&sig.contents);
        up.add(Some(&key), &vri);
        entries.push(LtvEntry {
            field: sig.field.clone(),
            kind: if is_timestamp {
                "document timestamp"
            } else {
                "signature"
            },
            subjects,
            vri: key,
        });
    }
    Ok(match up.write()? {
        Some(w) => LtvResult {
            bytes: w.bytes,
            changed: true,
            entries,
            added: (w.added_certs, w.added_crls, w.added_ocsps),
        },
        None => LtvResult {
            bytes: input.to_vec(),
            changed: false,
            entries,
            added: (0, 0, 0),
        },
    })
}

/// The validation data the store already holds for `cert`'s path, when it is complete: for
/// every certificate below the anchor a good OCSP response (produced at or after `since`) or a
/// CRL of its issuer (issued at or after `since`). `None` means something must be fetched.
fn covered(
    dss: &kyso_pdf::Dss,
    cert: &Certificate,
    extra: &[Certificate],
    trust: &TrustConfig,
    at: UnixTime,
    since: UnixTime,
) -> Option<ValidationData> {
    let mut pool = extra.to_vec();
    pool.extend(
        dss.certs
            .iter()
            .filter_map(|d| Certificate::from_der(d).ok()),
    );
    let outcome = trust
        .store
        .validate(cert, &pool, &kyso_pki::ValidationParams::new(at));
    if !outcome.is_valid() {
        return None;
    }
    let ocsps: Vec<(&Vec<u8>, kyso_pki::ocsp::BasicOcspResponse)> = dss
        .ocsps
        .iter()
        .filter_map(|d| Some((d, kyso_pki::OcspResponse::parse(d).ok()?.basic?)))
        .collect();
    let crls: Vec<(&Vec<u8>, kyso_pki::Crl)> = dss
        .crls
        .iter()
        .filter_map(|d| Some((d, kyso_pki::Crl::from_der(d).ok()?)))
        .collect();
    let mut data = ValidationData {
        certs: outcome.path.iter().map(|c| c.der().to_vec()).collect(),
        crls: Vec::new(),
        ocsps: Vec::new(),
    };
    for pair in outcome.path.windows(2) {
        let (subject, issuer) = (&pair[0], &pair[1]);
        let ocsp = ocsps.iter().find(|(_, b)| {
            b.produced_at >= since
                && b.responses.iter().any(|r| {
                    r.status == kyso_pki::ocsp::CertStatus::Good
                        && r.cert_id.matches(subject, issuer)
                })
        });
        if let Some((der, basic)) = ocsp {
            data.ocsps.push((*der).clone());
            data.certs
                .extend(basic.certificates.iter().map(|c| c.der().to_vec()));
            continue;
        }
        let crl = crls.iter().find(|(_, c)| {
            c.this_update >= since
                && c.issuer.matches(&issuer.subject)
                && !c.entries.iter().any(|e| e.serial == subject.serial)
        });
        match crl {
            Some((der, _)) => data.crls.push((*der).clone()),
            None => return None,
        }
    }
    Some(data)
}

/// The TSA certificate of a token and the token's other certificates.
fn token_signer(
    token: &TimestampToken,
) -> Result<(Certificate, Vec<Certificate>, &'static str), String> {
    let sd = &token.signed_data;
    let si = sd
        .signer_infos
        .first()
        .ok_or_else(|| "the time-stamp token has no SignerInfo".to_string())?;
    let tsa = si
        .find_signer(&sd.certificates)
        .ok_or_else(|| "the TSA certificate is not in the time-stamp token".to_string())?;
    Ok((tsa.clone(), sd.certificates.clone(), "TSA"))
}
