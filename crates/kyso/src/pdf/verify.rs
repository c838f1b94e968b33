//! PDF signature verification: byte ranges, CMS, chain, kind, change analysis, signature
//! and document timestamps, revocation and the baseline level.

use kyso_cms::SignedData;
use kyso_cms::tsp::{ExpectedImprint, TimestampToken, TspError};
use kyso_pdf::{ByteRangeProblem, CoveredRange, Document, Permission, SignatureInfo};
use kyso_pki::{Certificate, SignatureScheme, time, time::UnixTime};

use crate::Format;
use crate::pdf::digest_plan::{DigestJob, digest_all};
use crate::report::certinfo::signer_report;
use crate::report::{
    AppearanceReport, Coverage, DocumentReport, Reason, SignatureKind, SignatureReport,
    SigningTimeSource, Status, TimestampKind,
};
use crate::trust::TrustConfig;
use crate::trust::revocation::{Evidence, Source};
use crate::trust::signer_check::{Context, Outcome, Times, check_signer, level};
use crate::trust::timestamp::{check_token, skew_warning};

/// Verifies every signature of a PDF held in memory.
pub fn verify_pdf(file: &str, data: &[u8], trust: &TrustConfig) -> DocumentReport {
    let doc = match crate::pdf::open_pdf(data, trust.pdf_password.as_ref()) {
        Ok(d) => d,
        Err(e @ kyso_pdf::Error::Encrypted(_)) => {
            let hint = if trust.pdf_password.is_none() {
                " (give its password with --pdf-password-env)"
            } else {
                ""
            };
            return DocumentReport::error(
                file,
                Format::Pdf,
                format!("cannot read the PDF: {e}{hint}"),
            );
        }
        Err(e) => {
            return DocumentReport::error(file, Format::Pdf, format!("cannot read the PDF: {e}"));
        }
    };
    let sigs = match kyso_pdf::find_signatures(&doc) {
        Ok(s) => s,
        Err(e) => {
            return DocumentReport::error(
                file,
                Format::Pdf,
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
    let revisions = Revisions {
        offsets: section_offsets,
        layout: kyso_pdf::revision_layout(&doc),
        rebuilt_from: doc.rebuilt().map(|r| r.from),
    };
    let docmdp = sigs.iter().find_map(|s| s.docmdp);
    let mut report = DocumentReport {
        file: file.to_string(),
        format: Format::Pdf,
        status: Status::Passed,
        reason: Reason::Ok,
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
        .map(|sig| {
            let is_timestamp = is_document_timestamp(sig);
            Prepared {
                range: sig.check_byte_range(doc.data()),
                cms: if is_timestamp {
                    Err(kyso_cms::Error::Malformed("a document timestamp"))
                } else {
                    SignedData::parse(&sig.contents)
                },
                token: is_timestamp.then(|| TimestampToken::parse(&sig.contents)),
                computed: None,
            }
        })
        .collect();
    let mut jobs = Vec::new();
    let mut owners = Vec::new();
    for (i, (p, sig)) in prepared.iter().zip(&active).enumerate() {
        let Ok(range) = &p.range else {
            continue;
        };
        let algorithm = match (&p.cms, &p.token) {
            (_, Some(Ok(token))) => token.tst_info.message_imprint.digest_algorithm(),
            // adbe.pkcs7.sha1: the CMS signs the SHA-1 digest of the byte range.
            (Ok(_), None) if is_pkcs7_sha1(sig) => Some(kyso_pki::DigestAlgorithm::Sha1),
            (Ok(sd), None) => sd.signer_infos.first().and_then(|si| si.digest().ok()),
            _ => None,
        };
        let Some(algorithm) = algorithm else {
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
    // Validation data the document carries: the DSS (and VRI), and every CMS.
    let mut evidence = Evidence::default();
    if let Ok(Some(dss)) = kyso_pdf::Dss::read(&doc) {
        add_dss(&mut evidence, &dss);
    }
    for (sig, p) in active.iter().zip(&prepared) {
        if let Ok(sd) = &p.cms
            && let Some(si) = sd.signer_infos.first()
        {
            evidence.add_cms(&sig.contents, si);
        }
    }
    let ctx = Context::new(trust, evidence);

    // Document timestamps first: they prove the existence of what they cover.
    let mut reports: Vec<Option<SignatureReport>> = vec![None; active.len()];
    let mut covering: Vec<Covering> = Vec::new();
    for (i, (sig, p)) in active.iter().zip(prepared.iter_mut()).enumerate() {
        if p.token.is_none() {
            continue;
        }
        let (r, cover) = verify_document_timestamp(&doc, sig, p, &revisions, docmdp, &ctx);
        if let Some(mut c) = cover {
            c.index = i;
            covering.push(c);
        }
        if let Some(slot) = reports.get_mut(i) {
            *slot = Some(r);
        }
    }
    // The last document timestamp's TSA must still be valid for the archive to hold.
    let now = trust.at.unwrap_or_else(time::now);
    if let Some(last) = covering.iter().max_by_key(|c| c.signed_end)
        && last.tsa_not_after < now
        && let Some(Some(r)) = reports.get_mut(last.index)
    {
        r.warnings.push(tsa_expired_warning(
            last.tsa_not_after,
            "last document timestamp",
        ));
    }
    for ((sig, p), slot) in active.iter().copied().zip(prepared).zip(reports.iter_mut()) {
        if slot.is_none() {
            *slot = Some(verify_signature(
                &doc, sig, p, &revisions, docmdp, &ctx, &covering,
            ));
        }
    }
    for (sig, r) in active.iter().zip(reports.iter_mut()) {
        if let Some(r) = r {
            r.appearance = Some(AppearanceReport {
                page: sig.placement.page,
                rect: sig.placement.rect.filter(|_| sig.placement.page.is_some()),
                visible: sig.placement.visible,
            });
        }
    }
    for (sig, slot) in active.iter().zip(reports.iter_mut()) {
        if let Some(r) = slot
            && !sig.other_fields.is_empty()
        {
            r.warnings.push(format!(
                "the same signature is also the value of field(s) {}: it counts once",
                sig.other_fields
                    .iter()
                    .map(|f| format!("'{f}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    report.signatures = reports.into_iter().flatten().collect();
    report.finish();
    report
}

/// Whether a signature dictionary is a document timestamp.
fn is_document_timestamp(sig: &SignatureInfo) -> bool {
    sig.sig_type == "DocTimeStamp" || sig.sub_filter.as_deref() == Some("ETSI.RFC3161")
}

/// Adds a DSS's certificates, CRLs and OCSP responses (VRI entries included).
fn add_dss(evidence: &mut Evidence, dss: &kyso_pdf::Dss) {
    let vri = dss.vri.values();
    for c in dss
        .certs
        .iter()
        .chain(vri.clone().flat_map(|v| v.certs.iter()))
    {
        evidence.add_cert(c);
    }
    for c in dss
        .crls
        .iter()
        .chain(vri.clone().flat_map(|v| v.crls.iter()))
    {
        evidence.add_crl(Source::Dss, c);
    }
    for o in dss.ocsps.iter().chain(vri.flat_map(|v| v.ocsps.iter())) {
        evidence.add_ocsp(Source::Dss, o);
    }
    evidence.unreadable += dss.skipped;
}

/// A valid document timestamp and what it covers.
struct Covering {
    /// End of the revision it covers.
    signed_end: usize,
    /// The latest time it proves existence at.
    proves: UnixTime,
    /// The revision it covers has a DSS.
    covers_dss: bool,
    /// When its TSA certificate expires.
    tsa_not_after: UnixTime,
    /// Its entry among the document's signatures.
    index: usize,
}

/// The warning when the TSA certificate of the timestamp that last proves existence has
/// expired: the proof holds at its time, but nothing renews it.
fn tsa_expired_warning(not_after: UnixTime, what: &str) -> String {
    format!(
        "the TSA certificate of the {what} expired at {}; no later document timestamp renews \
         the proof (kyso ltv --timestamp adds one)",
        time::to_rfc3339(not_after)
    )
}

/// Verifies a document timestamp: its byte range, later changes, the token over the digest
/// of the byte range, and the TSA's path at the token's time.
fn verify_document_timestamp(
    doc: &Document<'_>,
    sig: &SignatureInfo,
    prepared: &mut Prepared,
    revisions: &Revisions,
    docmdp: Option<u8>,
    ctx: &Context<'_>,
) -> (SignatureReport, Option<Covering>) {
    let mut o = Outcome {
        r: SignatureReport::new(sig.field.clone(), SignatureKind::Timestamp),
    };
    o.r.message = "the document timestamp is valid".into();
    o.r.subfilter = sig.sub_filter.clone();
    signer_texts(&mut o.r, sig);
    let range = match &prepared.range {
        Ok(r) => *r,
        Err(p) => {
            o.problem(Status::Failed, Reason::ByteRangeInvalid, p.to_string());
            return (o.r, None);
        }
    };
    o.r.covers_whole_document = range.covers_whole_document;
    o.r.revision = Some(revision_of(&revisions.offsets, range.signed_end));
    check_coverage(&mut o, &range, revisions);
    analyze_changes(&mut o, doc, range.signed_end, docmdp);
    let token = match prepared.token.as_ref() {
        Some(Ok(t)) => Ok(t),
        Some(Err(e)) => Err(e),
        None => Err(&TspError::NoToken),
    };
    let computed = prepared.computed.take().unwrap_or_default();
    let imprint = match token
        .ok()
        .and_then(|t| t.tst_info.message_imprint.digest_algorithm())
    {
        Some(algorithm) => {
            o.r.digest = Some(algorithm.name().to_string());
            ExpectedImprint::Digest {
                algorithm,
                digest: &computed,
            }
        }
        None => ExpectedImprint::Data(&[]),
    };
    let pool: Vec<Certificate> = Vec::new();
    let check = check_token(TimestampKind::Document, token, imprint, &pool, ctx);
    if check.report.status != Status::Passed {
        o.problem(
            check.report.status,
            check.report.reason,
            check.report.message.clone(),
        );
    }
    o.r.warnings.extend(check.warnings.iter().cloned());
    if let Some(tsa) = &check.tsa {
        o.r.signer = Some(signer_report(tsa, &[]));
    }
    if let Some(tst) = &check.tst_info {
        o.r.signing_time = Some(time::to_rfc3339(tst.gen_time.unix));
        o.r.signing_time_source = Some(SigningTimeSource::Timestamp);
    }
    o.r.validation_time = check.at.map(time::to_rfc3339);
    o.r.chain = check.report.chain.clone();
    o.r.trusted = check.report.trusted;
    o.r.revocation = check.revocation.clone();
    let cover = match (o.r.status, check.proves) {
        (Status::Passed, Some(proves)) => {
            o.r.proven_time = Some(time::to_rfc3339(proves));
            Some(Covering {
                signed_end: range.signed_end,
                proves,
                covers_dss: revision_has_dss(doc, range.signed_end),
                tsa_not_after: check.tsa.as_ref().map_or(UnixTime::MAX, |c| c.not_after),
                index: 0,
            })
        }
        _ => None,
    };
    o.r.timestamps.push(check.report);
    (o.r, cover)
}

/// The largest signed range checked for a CMS without signed attributes (whose signature is
/// over the bytes themselves, so they are joined in memory).
const MAX_JOINED_CONTENT: usize = 512 << 20;

/// A legacy `adbe.x509.rsa_sha1` signature (ISO 32000-1 §12.8.3.2): `/Contents` is a DER
/// OCTET STRING holding a PKCS#1 v1.5 RSA signature over the byte range (SHA-1, or the hash
/// its DigestInfo names), `/Cert` the certificates, the signer's first. Verified as pyHanko
/// and DSS do, with a warning: the format signs no attributes and uses SHA-1.
fn verify_legacy_x509(
    o: &mut Outcome,
    doc: &Document<'_>,
    sig: &SignatureInfo,
    range: &CoveredRange,
    ctx: &Context<'_>,
) {
    use kyso_pki::DigestAlgorithm::{Sha1, Sha256, Sha384, Sha512};
    o.r.warnings
        .push("legacy adbe.x509.rsa_sha1 signature (SHA-1, weak)".into());
    let certs: Vec<Certificate> = sig
        .certs
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .collect();
    let Some(signer) = certs.first().cloned() else {
        o.problem(
            Status::Indeterminate,
            Reason::SignerCertificateMissing,
            "the adbe.x509.rsa_sha1 signature has no certificate in /Cert".into(),
        );
        return;
    };
    o.r.signer = Some(signer_report(&signer, &ctx.trust.kind_rules));
    let value = match kyso_pki::der::Reader::new(&sig.contents).read() {
        Ok(t) if t.tag == kyso_pki::der::tag::OCTET_STRING => t.value.to_vec(),
        _ => {
            o.problem(
                Status::Failed,
                Reason::MalformedSignature,
                "the /Contents of an adbe.x509.rsa_sha1 signature is not a DER OCTET STRING".into(),
            );
            return;
        }
    };
    let data = doc.data();
    let size = range.gap_start + (range.signed_end - range.gap_end);
    if size > MAX_JOINED_CONTENT {
        o.problem(
            Status::Indeterminate,
            Reason::UnsupportedSignature,
            format!(
                "an adbe.x509.rsa_sha1 signature over {size} bytes (kyso checks such \
                 signatures up to {MAX_JOINED_CONTENT} bytes)"
            ),
        );
        return;
    }
    let mut signed = Vec::with_capacity(size);
    signed.extend_from_slice(data.get(..range.gap_start).unwrap_or_default());
    signed.extend_from_slice(
        data.get(range.gap_end..range.signed_end)
            .unwrap_or_default(),
    );
    // SHA-1 as the name says; some producers put another hash in the DigestInfo.
    let mut result = Err(kyso_pki::Error::BadSignature);
    for d in [Sha1, Sha256, Sha384, Sha512] {
        let scheme = SignatureScheme::RsaPkcs1(d);
        result = signer.verify_message(scheme, &signed, &value);
        if !matches!(result, Err(kyso_pki::Error::BadSignature)) || d == Sha512 {
            o.r.digest = Some(d.name().to_string());
            o.r.signature_algorithm = Some(scheme.name());
            break;
        }
    }
    if result.is_err() {
        o.r.digest = Some(Sha1.name().to_string());
        o.r.signature_algorithm = Some(SignatureScheme::RsaPkcs1(Sha1).name());
    }
    match result {
        Ok(()) => {}
        Err(kyso_pki::Error::UnsupportedAlgorithm(a)) => o.problem(
            Status::Indeterminate,
            Reason::UnsupportedAlgorithm,
            format!("unsupported algorithm: {a}"),
        ),
        Err(e) => o.problem(
            Status::Failed,
            Reason::SignatureInvalid,
            format!("the cryptographic signature is invalid: {e}"),
        ),
    }
    let claimed = sig
        .m
        .as_deref()
        .and_then(|m| time::parse_pdf_date(m).ok())
        .map(|m| m.unix);
    if let Some(t) = claimed {
        o.r.signing_time_source = Some(SigningTimeSource::PdfM);
        o.r.signing_time = Some(time::to_rfc3339(t));
    }
    let pool: Vec<Certificate> = certs.into_iter().skip(1).collect();
    let checked = check_signer(
        o,
        &signer,
        &pool,
        Times {
            claimed,
            proven: None,
        },
        ctx,
    );
    o.r.level = Some(level(false, checked.embedded_complete, false));
}

/// An `adbe.pkcs7.sha1` signature: a CMS over the SHA-1 digest of the byte range.
fn is_pkcs7_sha1(sig: &SignatureInfo) -> bool {
    sig.sub_filter.as_deref() == Some("adbe.pkcs7.sha1")
}

/// What a PDF signature's `/Contents` holds besides a detached CMS: encapsulated content
/// (a detached signature signs the byte range, not what the CMS embeds: pyHanko rejects any
/// eContent; kyso, like EU DSS, accepts only an exact copy of the signed bytes, with a warning,
/// and fails anything else, an empty eContent included), and non-zero bytes after the CMS in
/// the zero padding (unsigned; possibly a second CMS): a warning.
fn check_contents_layout(
    o: &mut Outcome,
    sig: &SignatureInfo,
    sd: &SignedData,
    data: &[u8],
    range: &CoveredRange,
) {
    let detached = matches!(
        sig.sub_filter.as_deref(),
        Some("adbe.pkcs7.detached" | "ETSI.CAdES.detached")
    );
    if let (true, Some(content)) = (detached, sd.encap_content.as_deref()) {
        let first = data.get(..range.gap_start);
        let second = data.get(range.gap_end..range.signed_end);
        let copy = match (first, second) {
            (Some(a), Some(b)) => {
                content.len() == a.len() + b.len()
                    && content.get(..a.len()) == Some(a)
                    && content.get(a.len()..) == Some(b)
            }
            _ => false,
        };
        if copy {
            o.r.warnings.push(format!(
                "the CMS of this detached ({}) signature also encapsulates a copy of the signed \
                 bytes ({} bytes of eContent, identical to the byte range): not PAdES-conformant",
                sig.sub_filter.as_deref().unwrap_or_default(),
                content.len()
            ));
        } else {
            o.problem(
                Status::Failed,
                Reason::MalformedSignature,
                format!(
                    "the CMS of this detached ({}) signature encapsulates content \
                     ({} bytes of eContent) that is not the byte range; a detached signature \
                     signs the byte range only",
                    sig.sub_filter.as_deref().unwrap_or_default(),
                    content.len()
                ),
            );
        }
    }
    let padding = sig.contents.get(sd.encoded_len..).unwrap_or_default();
    if let Some(first) = padding.iter().position(|b| *b != 0) {
        let nonzero = padding.iter().filter(|b| **b != 0).count();
        o.r.warnings.push(format!(
            "/Contents holds {nonzero} non-zero bytes after the CMS (from byte {} of {}): \
             unsigned data{}",
            sd.encoded_len + first,
            sig.contents.len(),
            if padding.get(first) == Some(&0x30) {
                ", possibly a second CMS"
            } else {
                ""
            }
        ));
    }
}

/// The document's revisions: where their cross-reference sections start (file order, a
/// linearized file's first two counted as one) and where they end.
struct Revisions {
    offsets: Vec<usize>,
    layout: kyso_pdf::Layout,
    /// Where the part read by scanning starts, when the cross-reference data was rebuilt:
    /// bytes there are judged by [`analyze_changes`], not as orphans.
    rebuilt_from: Option<usize>,
}

/// Reports what a signature's byte range covers: a whole revision, or a prefix that stops
/// inside one (the rest of that revision, e.g. its trailer, is then unsigned: a modification
/// finding); bytes after the signed revision that belong to no revision (object definitions
/// there are a modification, other bytes a warning); and object definitions in later
/// revisions that no cross-reference section lists (a modification).
fn check_coverage(o: &mut Outcome, range: &CoveredRange, revisions: &Revisions) {
    let layout = &revisions.layout;
    if layout.revision_ending_at(range.signed_end).is_some() {
        o.r.coverage = Some(Coverage::WholeRevision);
    } else {
        o.r.coverage = Some(Coverage::ContiguousFromStart);
        let finding = format!(
            "the signature covers bytes 0 to {} (less its /Contents), which is not the end of \
             a revision: the rest of that revision is unsigned",
            range.signed_end
        );
        modification(o, finding);
    }
    let rebuilt_from = revisions.rebuilt_from.unwrap_or(usize::MAX);
    for orphan in layout
        .orphans_after(range.signed_end)
        .filter(|o| o.start < rebuilt_from)
    {
        let size = orphan.end - orphan.start;
        if orphan.has_objects {
            let finding = format!(
                "{size} bytes at offset {} define objects outside every revision (no \
                 cross-reference section lists them; a reader that repairs files may show them)",
                orphan.start
            );
            modification(o, finding);
        } else {
            o.r.warnings.push(format!(
                "{size} unsigned bytes at offset {} belong to no revision",
                orphan.start
            ));
        }
    }
    for at in layout
        .unlisted_after(range.signed_end)
        .filter(|at| *at < rebuilt_from)
    {
        let finding = format!(
            "an object defined at offset {at}, in a later revision, is listed by no \
             cross-reference section (a reader that repairs files may show it)"
        );
        modification(o, finding);
    }
}

/// The signer's /Reason, /Location and /ContactInfo (decoded text strings; empty ones left out).
fn signer_texts(r: &mut SignatureReport, sig: &SignatureInfo) {
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    r.signer_reason = text(&sig.reason);
    r.signer_location = text(&sig.location);
    r.signer_contact = text(&sig.contact);
}

/// Records a disallowed change found outside the change analysis (coverage, orphan bytes).
fn modification(o: &mut Outcome, finding: String) {
    o.r.modified_after = true;
    o.problem(
        Status::Failed,
        Reason::ModifiedAfterSigning,
        format!("the document was modified after signing: {finding}"),
    );
    o.r.modifications.push(finding);
}

/// Whether the catalog of the revision ending at `end` has a /DSS.
fn revision_has_dss(doc: &Document<'_>, end: usize) -> bool {
    let Some(root) = doc.trailer().reference(b"Root") else {
        return false;
    };
    let map = doc.map_before(end);
    match doc.get_in(&map, root) {
        Ok(kyso_pdf::Object::Dict(d)) => d.get(b"DSS").is_some(),
        _ => false,
    }
}

/// The 1-based revision that ends at `signed_end`.
fn revision_of(revisions: &[usize], signed_end: usize) -> usize {
    revisions
        .iter()
        .filter(|off| **off < signed_end)
        .count()
        .max(1)
}

/// Change analysis after the revision ending at `signed_end`.
fn analyze_changes(o: &mut Outcome, doc: &Document<'_>, signed_end: usize, docmdp: Option<u8>) {
    if let Some(rebuilt) = doc.rebuilt() {
        o.r.warnings.push(format!(
            "the cross-reference table was rebuilt by scanning the file: {}",
            rebuilt.reason
        ));
        let data = doc.data();
        let is_space = |b: &u8| matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
        let rest = data.get(rebuilt.from..).unwrap_or_default();
        let boundary = rebuilt.from + rest.iter().take_while(|b| is_space(b)).count();
        let unsigned_after = data
            .get(signed_end..)
            .is_some_and(|tail| !tail.iter().all(is_space));
        if signed_end <= boundary {
            if boundary < data.len() {
                // Later revisions whose cross-reference data is broken cannot be analysed:
                // they count as a modification.
                let finding = format!(
                    "the revisions after byte {} have broken cross-reference data and cannot \
                     be analysed",
                    rebuilt.from
                );
                o.r.modified_after = true;
                o.r.modifications.push(finding.clone());
                o.problem(
                    Status::Failed,
                    Reason::ModifiedAfterSigning,
                    format!("the document was modified after signing: {finding}"),
                );
                return;
            }
        } else if unsigned_after {
            // The signed revision lies in the rebuilt part: which objects it had, and which
            // were added after it, cannot be told apart.
            o.problem(
                Status::Indeterminate,
                Reason::ChangeAnalysisFailed,
                "cannot analyse later revisions: the cross-reference data was rebuilt by \
                 scanning the file, so the signed revision cannot be told apart from later ones"
                    .into(),
            );
            return;
        }
    }
    match kyso_pdf::analyze(doc, signed_end, Permission::from_docmdp(docmdp)) {
        Ok(changes) => {
            o.r.allowed_changes = changes.allowed;
            if let Some(first) = changes.modifications.first().cloned() {
                o.r.modified_after = true;
                o.r.modifications = changes.modifications;
                o.problem(
                    Status::Failed,
                    Reason::ModifiedAfterSigning,
                    format!("the document was modified after signing: {first}"),
                );
            }
        }
        Err(e) => o.problem(
            Status::Indeterminate,
            Reason::ChangeAnalysisFailed,
            format!("cannot analyse later revisions: {e}"),
        ),
    }
}

/// What is known of a signature before its verification: its byte range, its parsed CMS,
/// and the digest of its signed bytes (computed for all signatures in one pass).
struct Prepared {
    range: Result<CoveredRange, ByteRangeProblem>,
    cms: Result<SignedData, kyso_cms::Error>,
    /// For a document timestamp: its token.
    token: Option<Result<TimestampToken, TspError>>,
    computed: Option<Vec<u8>>,
}

fn verify_signature(
    doc: &Document<'_>,
    sig: &SignatureInfo,
    prepared: Prepared,
    revisions: &Revisions,
    docmdp: Option<u8>,
    ctx: &Context<'_>,
    covering: &[Covering],
) -> SignatureReport {
    let trust = ctx.trust;
    let mut o = Outcome {
        r: SignatureReport::new(sig.field.clone(), SignatureKind::Signature),
    };
    o.r.subfilter = sig.sub_filter.clone();
    o.r.certification = sig.docmdp;
    signer_texts(&mut o.r, sig);
    let range = match prepared.range {
        Ok(r) => r,
        Err(p) => {
            o.problem(Status::Failed, Reason::ByteRangeInvalid, p.to_string());
            return o.r;
        }
    };
    o.r.covers_whole_document = range.covers_whole_document;
    o.r.revision = Some(revision_of(&revisions.offsets, range.signed_end));
    check_coverage(&mut o, &range, revisions);

    // Change analysis after this signature.
    analyze_changes(&mut o, doc, range.signed_end, docmdp);

    if sig.sub_filter.as_deref() == Some("adbe.x509.rsa_sha1") {
        verify_legacy_x509(&mut o, doc, sig, &range, ctx);
        return o.r;
    }

    let sd = match prepared.cms {
        Ok(sd) => sd,
        Err(e) => {
            o.problem(
                Status::Failed,
                Reason::MalformedSignature,
                format!("the signature is not valid CMS: {e}"),
            );
            return o.r;
        }
    };
    check_contents_layout(&mut o, sig, &sd, doc.data(), &range);
    let Some(si) = sd.signer_infos.first() else {
        o.problem(
            Status::Failed,
            Reason::MalformedSignature,
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
        Err(kyso_cms::Error::Pki(kyso_pki::Error::MisplacedAlgorithm(a))) => {
            o.problem(Status::Failed, Reason::MalformedSignature, a);
            return o.r;
        }
        Err(e) => {
            o.problem(
                Status::Indeterminate,
                Reason::UnsupportedAlgorithm,
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
            o.r.signing_time_source = Some(SigningTimeSource::Cms);
            Some(t)
        }
        (None, Some(m)) => {
            o.r.signing_time_source = Some(SigningTimeSource::PdfM);
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
    let mut computed = prepared.computed.unwrap_or_default();
    // adbe.pkcs7.sha1 (ISO 32000-1 12.8.3.3.1): the encapsulated content is the SHA-1 digest
    // of the byte range, and the CMS signs that content.
    let mut sha1_content = None;
    if is_pkcs7_sha1(sig) {
        o.r.warnings.push(
            "adbe.pkcs7.sha1 signature: the CMS signs a SHA-1 digest of the document (weak)".into(),
        );
        match sd.encap_content.as_deref() {
            Some(content) if content == computed.as_slice() => {
                computed = digest.digest(content);
                sha1_content = Some(content);
            }
            Some(_) => {
                o.problem(
                    Status::Failed,
                    Reason::DigestMismatch,
                    "the signed bytes were changed (the SHA-1 digest the adbe.pkcs7.sha1 \
                     signature encapsulates does not match)"
                        .into(),
                );
                return o.r;
            }
            None => {
                o.problem(
                    Status::Failed,
                    Reason::MalformedSignature,
                    "an adbe.pkcs7.sha1 signature without encapsulated content".into(),
                );
                return o.r;
            }
        }
    }
    match si.message_digest() {
        Some(md) if md == computed => {}
        Some(_) => {
            o.problem(
                Status::Failed,
                Reason::DigestMismatch,
                "the signed bytes were changed (message digest does not match)".into(),
            );
        }
        None => {
            if si.signed_attrs_der.is_none() {
                // Legal CMS: the signature is over the signed bytes themselves (checked with
                // the signature below).
                o.r.warnings
                    .push("the CMS has no signed attributes (the signature covers the byte range directly; no signing-certificate binding)".into());
            } else {
                o.problem(
                    Status::Failed,
                    Reason::MalformedSignature,
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
            Reason::MalformedSignature,
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
            Reason::SignerCertificateMissing,
            "the signer's certificate is not in the signature".into(),
        );
        return o.r;
    };
    o.r.signer = Some(signer_report(&signer, &trust.kind_rules));
    // Without signed attributes the signature is over the signed bytes (joined here: such
    // signatures are rare and old, so the copy is acceptable up to a bound).
    let joined;
    let content = if si.signed_attrs_der.is_none() && sha1_content.is_some() {
        sha1_content
    } else if si.signed_attrs_der.is_none() {
        let data = doc.data();
        let size = range.gap_start + (range.signed_end - range.gap_end);
        if size > MAX_JOINED_CONTENT {
            o.problem(
                Status::Indeterminate,
                Reason::UnsupportedSignature,
                format!(
                    "a CMS without signed attributes over {size} bytes (kyso checks such \
                     signatures up to {MAX_JOINED_CONTENT} bytes)"
                ),
            );
            return o.r;
        }
        let mut buf = Vec::with_capacity(size);
        buf.extend_from_slice(data.get(..range.gap_start).unwrap_or_default());
        buf.extend_from_slice(
            data.get(range.gap_end..range.signed_end)
                .unwrap_or_default(),
        );
        joined = buf;
        Some(joined.as_slice())
    } else {
        None
    };
    match si.verify_signature(&signer, content) {
        Ok(()) => {}
        Err(kyso_cms::Error::Pki(kyso_pki::Error::UnsupportedAlgorithm(a))) => {
            o.problem(
                Status::Indeterminate,
                Reason::UnsupportedAlgorithm,
                format!("unsupported algorithm: {a}"),
            );
        }
        Err(kyso_cms::Error::Pki(kyso_pki::Error::MisplacedAlgorithm(a))) => {
            o.problem(Status::Failed, Reason::MalformedSignature, a);
        }
        Err(e) => o.problem(
            Status::Failed,
            Reason::SignatureInvalid,
            format!("the cryptographic signature is invalid: {e}"),
        ),
    }
    if si.signing_certificate_matches(&signer) == Some(false) {
        o.problem(
            Status::Failed,
            Reason::SignerCertificateMismatch,
            "the signing-certificate attribute names another certificate".into(),
        );
    }
    pool.retain(|c| c.der() != signer.der());

    // Signature timestamps: each must verify; the earliest valid one proves existence.
    let mut proven: Option<UnixTime> = None;
    let mut earliest_tst = None;
    let mut tsa_not_after: Option<UnixTime> = None;
    for der in si.signature_timestamp_tokens() {
        let token = TimestampToken::parse(der);
        let check = check_token(
            TimestampKind::Signature,
            token.as_ref(),
            ExpectedImprint::Data(&si.signature),
            &pool,
            ctx,
        );
        if check.report.status != Status::Passed {
            o.problem(
                check.report.status,
                check.report.reason,
                format!("signature timestamp: {}", check.report.message),
            );
        }
        o.r.warnings.extend(check.warnings);
        if let (Some(p), Some(tst)) = (check.proves, check.tst_info)
            && proven.is_none_or(|q| p < q)
        {
            proven = Some(p);
            earliest_tst = Some(tst);
            tsa_not_after = check.tsa.as_ref().map(|c| c.not_after);
        }
        o.r.timestamps.push(check.report);
    }
    if let (Some(claimed), Some(tst)) = (signing_time, &earliest_tst)
        && let Some(w) = skew_warning(claimed, tst)
    {
        o.r.warnings.push(w);
    }
    // Document timestamps over this signature's revision prove its existence too.
    let mut archived = false;
    let mut renewed = false;
    for c in covering.iter().filter(|c| c.signed_end >= range.signed_end) {
        if proven.is_none_or(|p| c.proves < p) {
            proven = Some(c.proves);
        }
        archived |= c.covers_dss;
        renewed = true;
    }
    if !renewed
        && let Some(not_after) = tsa_not_after
        && not_after < trust.at.unwrap_or_else(time::now)
    {
        o.r.warnings
            .push(tsa_expired_warning(not_after, "signature timestamp"));
    }
    let checked = check_signer(
        &mut o,
        &signer,
        &pool,
        Times {
            claimed: signing_time,
            proven,
        },
        ctx,
    );
    o.r.level = Some(level(
        proven.is_some(),
        checked.embedded_complete,
        archived && checked.embedded_complete,
    ));
    o.r
}
