//! PDF signing: an incremental update with a PAdES (or adbe.pkcs7.detached) signature.

use kyso_cms::BuildOptions;
use kyso_pdf::{Document, SignatureRequest, SubFilter};
use kyso_pki::{Credential, DigestAlgorithm, cert::key_usage, time};

use crate::Error;

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
        }
    }
}

/// Checks that a credential may sign now.
pub fn check_credential(cred: &Credential, at: time::UnixTime) -> Result<(), Error> {
    let c = &cred.certificate;
    if at > c.not_after {
        return Err(Error::Invalid(format!(
            "the signing certificate expired on {}",
            time::to_rfc3339(c.not_after)
        )));
    }
    if at < c.not_before {
        return Err(Error::Invalid(format!(
            "the signing certificate is not valid before {}",
            time::to_rfc3339(c.not_before)
        )));
    }
    if !c.key_usage_allows_any(key_usage::DIGITAL_SIGNATURE | key_usage::NON_REPUDIATION) {
        return Err(Error::Invalid(
            "the certificate's key usage does not allow signing".into(),
        ));
    }
    Ok(())
}

/// Signs a PDF held in memory; returns the new file (the input bytes followed by the update).
pub fn sign_pdf(input: &[u8], cred: &Credential, opts: &PdfSignOptions) -> Result<Vec<u8>, Error> {
    let now = opts.signing_time.unwrap_or_else(time::now);
    check_credential(cred, now)?;
    let digest = opts.digest.unwrap_or_else(|| cred.key.default_digest());
    cred.key.supports(digest)?;
    let doc = Document::open(input)?;
    let req = SignatureRequest {
        field_name: opts.field.clone(),
        sub_filter: opts.sub_filter,
        certify: opts.certify,
        signing_time: time::to_pdf_date(now, opts.utc_offset_minutes),
        reason: opts.reason.clone(),
        location: opts.location.clone(),
        contact: opts.contact.clone(),
        name: cred.certificate.subject.common_name().map(str::to_string),
        contents_size: kyso_cms::size_estimate(cred),
    };
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
    Ok(prepared.embed(&cms)?)
}
