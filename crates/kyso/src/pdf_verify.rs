//! PDF signature verification: byte ranges, CMS, chain, kind, and change analysis.

use kyso_cms::SignedData;
use kyso_pdf::{ByteRangeProblem, CoveredRange, Document, Permission, SignatureInfo};
use kyso_pki::{Certificate, SignatureScheme, time};

use crate::certinfo::signer_report;
use crate::common::{Outcome, check_signer};
use crate::digest_plan::{DigestJob, digest_all};
use crate::report::{DocumentReport, SignatureReport, Status};
use crate::trust::TrustConfig;

/// Verifies every signature of a PDF held in memory.
pub fn verify_pdf(file: &str, data: &[u8], trust: &TrustConfig) -> DocumentReport {
    let doc = match Document::open(data) {
        Ok(d) => d,
        Err(e) => return DocumentReport::error(file, "pdf", format!("cannot read the PDF: {e}")),
    };
    let sigs = match kyso_pdf::find_signatures(&doc) {
        Ok(s) => s,
        Err(e) => {
            return DocumentReport::error(
                file,
                "pdf",
                format!("cannot read the signature fields: {e}"),
            );
        }
    };
    // Revision ends, for numbering: sections in file order (a linearized file's first two count as one).
    let mut section_offsets: Vec<usize> = doc.sections().iter().map(|s| s.offset).collect();
    section_offsets.sort_unstable();
    if doc.is_linearized() && section_offsets.len() > 1 {
        section_offsets.remove(0);
    }
    let docmdp = sigs.iter().find_map(|s| s.docmdp);
    let mut report = DocumentReport {
        file: file.to_string(),
        format: "pdf".into(),
        status: Status::Passed,
        reason: String::new(),
        message: String::new(),
        signatures: Vec::new(),
    };
    let active: Vec<&SignatureInfo> = sigs
        .iter()
        .filter(|s| !s.byte_range.is_empty() || !s.contents.is_empty())
        .collect();
    // Byte ranges and CMS first, so that every signature's digest comes from one pass.
    let mut prepared: Vec<Prepared> = active
        .iter()
        .map(|sig| Prepared {
            range: sig.check_byte_range(doc.data()),
            cms: SignedData::parse(&sig.contents),
            computed: None,
        })
        .collect();
    let mut jobs = Vec::new();
    let mut owners = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        let (Ok(range), Ok(sd)) = (&p.range, &p.cms) else {
            continue;
        };
        let Some(Ok(algorithm)) = sd.signer_infos.first().map(|si| si.digest()) else {
            continue;
        };
        jobs.push(DigestJob {
            algorithm,
            ranges: vec![0..range.gap_start, range.gap_end..range.signed_end],
        });
        owners.push(i);
    }
    for (i, digest) in owners.into_iter().zip(digest_all(doc.data(), &jobs)) {
        if let Some(p) = prepared.get_mut(i) {
            p.computed = Some(digest);
        }
    }
    for (sig, p) in active.into_iter().zip(prepared) {
        report.signatures.push(verify_signature(
            &doc,
            sig,
            p,
            &section_offsets,
            docmdp,
            trust,
        ));
    }
    report.finish();
    report
}

/// What is known of a signature before its verification: its byte range, its parsed CMS,
/// and the digest of its signed bytes (computed for all signatures in one pass).
struct Prepared {
    range: Result<CoveredRange, ByteRangeProblem>,
    cms: Result<SignedData, kyso_cms::Error>,
    computed: Option<Vec<u8>>,
}

fn verify_signature(
    doc: &Document<'_>,
    sig: &SignatureInfo,
    prepared: Prepared,
    revisions: &[usize],
    docmdp: Option<u8>,
    trust: &TrustConfig,
) -> SignatureReport {
    let mut o = Outcome {
        r: SignatureReport {
            field: sig.field.clone(),
            status: Status::Passed,
            reason: "ok".into(),
            message: "signature is valid".into(),
            subfilter: sig.sub_filter.clone(),
            digest: None,
            signature_algorithm: None,
            signing_time: None,
            signing_time_source: None,
            revision: None,
            covers_whole_document: false,
            modified_after: false,
            modifications: Vec::new(),
            allowed_changes: Vec::new(),
            certification: sig.docmdp,
            signer: None,
            chain: Vec::new(),
            trusted: false,
            warnings: Vec::new(),
            location: None,
            references: Vec::new(),
        },
    };
    if sig.sig_type == "DocTimeStamp" || sig.sub_filter.as_deref() == Some("ETSI.RFC3161") {
        o.problem(
            Status::Indeterminate,
            "unsupported_subfilter",
            "document timestamps are not verified yet".into(),
        );
        return o.r;
    }
    let range = match prepared.range {
        Ok(r) => r,
        Err(p) => {
            o.problem(Status::Failed, "byte_range_invalid", p.to_string());
            return o.r;
        }
    };
    o.r.covers_whole_document = range.covers_whole_document;
    o.r.revision = Some(
        revisions
            .iter()
            .filter(|off| **off < range.signed_end)
            .count()
            .max(1),
    );

    // Change analysis after this signature.
    match kyso_pdf::analyze(doc, range.signed_end, Permission::from_docmdp(docmdp)) {
        Ok(changes) => {
            o.r.allowed_changes = changes.allowed;
            if !changes.modifications.is_empty() {
                o.r.modified_after = true;
                let first = changes.modifications[0].clone();
                o.r.modifications = changes.modifications;
                o.problem(
                    Status::Failed,
                    "modified_after_signing",
                    format!("the document was modified after signing: {first}"),
                );
            }
        }
        Err(e) => o.problem(
            Status::Indeterminate,
            "change_analysis_failed",
            format!("cannot analyse later revisions: {e}"),
        ),
    }

    let sd = match prepared.cms {
        Ok(sd) => sd,
        Err(e) => {
            o.problem(
                Status::Failed,
                "malformed_signature",
                format!("the signature is not valid CMS: {e}"),
            );
            return o.r;
        }
    };
    let Some(si) = sd.signer_infos.first() else {
        o.problem(
            Status::Failed,
            "malformed_signature",
            "the CMS has no signer".into(),
        );
        return o.r;
    };
    if sd.signer_infos.len() > 1 {
        o.r.warnings.push(format!(
            "the CMS has {} signers; only the first is checked",
            sd.signer_infos.len()
        ));
    }
    let digest = match si.digest() {
        Ok(d) => d,
        Err(e) => {
            o.problem(
                Status::Indeterminate,
                "unsupported_algorithm",
                e.to_string(),
            );
            return o.r;
        }
    };
    o.r.digest = Some(digest.name().to_string());
    if digest.is_weak() {
        o.r.warnings.push("SHA-1 digest (weak)".into());
    }
    if let Ok(scheme) = si.signature_algorithm.signature_scheme(Some(digest)) {
        o.r.signature_algorithm = Some(scheme.name());
        if matches!(scheme, SignatureScheme::RsaPkcs1(d) | SignatureScheme::Ecdsa(d) if d.is_weak())
            && !digest.is_weak()
        {
            o.r.warnings.push("SHA-1 signature algorithm (weak)".into());
        }
    }

    // Signing time: the CMS signingTime if present, else the PDF /M.
    let pdf_m = sig.m.as_deref().and_then(|m| time::parse_pdf_date(m).ok());
    let signing_time = match (si.signing_time(), pdf_m) {
        (Some(t), _) => {
            o.r.signing_time_source = Some("cms".into());
            Some(t)
        }
        (None, Some(m)) => {
            o.r.signing_time_source = Some("pdf-m".into());
            Some(m.unix)
        }
        _ => None,
    };
    o.r.signing_time = signing_time.map(time::to_rfc3339);
    if sig.sub_filter.as_deref() == Some("ETSI.CAdES.detached") && si.signing_time().is_some() {
        o.r.warnings.push(
            "PAdES signature carries a CMS signingTime (not allowed by PAdES baseline)".into(),
        );
    }

    // Integrity: messageDigest over the byte ranges, then the signature.
    let computed = prepared.computed.unwrap_or_default();
    match si.message_digest() {
        Some(md) if md == computed => {}
        Some(_) => {
            o.problem(
                Status::Failed,
                "digest_mismatch",
                "the signed bytes were changed (message digest does not match)".into(),
            );
        }
        None => {
            if si.signed_attrs_der.is_none() {
                o.problem(
                    Status::Indeterminate,
                    "unsupported_signature",
                    "CMS without signed attributes".into(),
                );
            } else {
                o.problem(
                    Status::Failed,
                    "malformed_signature",
                    "the CMS has no messageDigest attribute".into(),
                );
            }
        }
    }
    if si
        .content_type()
        .as_deref()
        .is_some_and(|ct| ct != kyso_cms::oids::DATA)
    {
        o.problem(
            Status::Failed,
            "malformed_signature",
            "the CMS contentType is not id-data".into(),
        );
    }

    let mut pool: Vec<Certificate> = sd.certificates.clone();
    let signer = si
        .find_signer(&pool)
        .cloned()
        .or_else(|| si.find_signer(trust.store.anchors()).cloned());
    let Some(signer) = signer else {
        o.problem(
            Status::Indeterminate,
            "signer_certificate_missing",
            "the signer's certificate is not in the signature".into(),
        );
        return o.r;
    };
    o.r.signer = Some(signer_report(&signer));
    match si.verify_signature(&signer, None) {
        Ok(()) => {}
        Err(kyso_cms::Error::Pki(kyso_pki::Error::UnsupportedAlgorithm(a))) => {
            o.problem(
                Status::Indeterminate,
                "unsupported_algorithm",
                format!("unsupported algorithm: {a}"),
            );
        }
        Err(e) => o.problem(
            Status::Failed,
            "signature_invalid",
            format!("the cryptographic signature is invalid: {e}"),
        ),
    }
    if si.signing_certificate_matches(&signer) == Some(false) {
        o.problem(
            Status::Failed,
            "signer_certificate_mismatch",
            "the signing-certificate attribute names another certificate".into(),
        );
    }
    pool.retain(|c| c.der() != signer.der());
    check_signer(&mut o, &signer, &pool, signing_time, trust);
    o.r
}
