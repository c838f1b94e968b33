//! XML signature verification mapped onto the common report.

use kyso_cms::tsp::{ExpectedImprint, TimestampToken, TspError};
use kyso_pki::time::UnixTime;
use kyso_xml::{Severity, SignatureOutcome};

use crate::Format;
use crate::report::certinfo::signer_report;
use crate::report::{
    DocumentReport, Reason, ReferenceReport, SignatureKind, SignatureReport, SigningTimeSource,
    Status, TimestampKind,
};
use crate::trust::revocation::{Evidence, Source};
use crate::trust::signer_check::{Context, Outcome, Times, check_signer, level};
use crate::trust::timestamp::{check_token, skew_warning};
use crate::trust::{TaxCodePolicy, TrustConfig};

/// Canonical XML 1.0, the default CanonicalizationMethod of a XAdES time-stamp.
const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";

/// A XAdES SignatureTimeStamp or ArchiveTimeStamp: its token, and the octets it must be
/// over (the canonical ds:SignatureValue element, or the archive time-stamp input), or why
/// those could not be computed.
struct XadesTimestamp {
    kind: TimestampKind,
    token: Result<TimestampToken, TspError>,
    covered: Result<Vec<u8>, String>,
}

/// The RFC 3161 token in a XAdES time-stamp property, given its EncapsulatedTimeStamp's text.
fn encapsulated_token(text: Option<&str>) -> Result<TimestampToken, TspError> {
    text.and_then(|t| kyso_pki::base64::decode(t.as_bytes()).ok())
        .ok_or(TspError::Malformed("no EncapsulatedTimeStamp"))
        .and_then(|der| TimestampToken::parse(&der))
}

/// The XML Signature namespace.
const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XAdES namespaces (1.3.2 and 1.4.1).
const XADES_NS: [&str; 2] = [
    "http://uri.etsi.org/01903/v1.3.2#",
    "http://uri.etsi.org/01903/v1.4.1#",
];

/// Verifies every XML signature of a document held in memory.
pub fn verify_xml(file: &str, data: &[u8], trust: &TrustConfig) -> DocumentReport {
    let text = match kyso_xml::as_text(data) {
        Ok(t) => t,
        Err(e) => return DocumentReport::error(file, Format::Xml, e.to_string()),
    };
    let doc = match kyso_xml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            return DocumentReport::error(file, Format::Xml, format!("cannot read the XML: {e}"));
        }
    };
    let mut report = DocumentReport {
        file: file.to_string(),
        format: Format::Xml,
        status: Status::Passed,
        reason: Reason::Ok,
        message: String::new(),
        signatures: Vec::new(),
    };
    let mut keys = trust.xml.clone();
    keys.certificates
        .extend(trust.store.anchors().iter().cloned());
    keys.certificates
        .extend(trust.store.intermediates().iter().cloned());
    let outcomes = kyso_xml::verify_document_with(&doc, &keys);
    // XAdES validation data (CertificateValues, RevocationValues) in any signature.
    // And each signature's XAdES SignatureTimeStamps.
    let mut evidence = Evidence::default();
    let mut stamps: Vec<Vec<XadesTimestamp>> = Vec::new();
    // The XAdES-X time-stamps kyso does not check, per signature: named in a warning, never
    // counted toward a level (nothing is skipped silently).
    let mut unchecked: Vec<Vec<&str>> = Vec::new();
    if text.contains("01903/v1.") {
        for (i, sig) in kyso_xml::signature_elements(&doc).into_iter().enumerate() {
            let mut own = Vec::new();
            let mut skipped = Vec::new();
            let archived = kyso_xml::archive_timestamps(&sig);
            for n in sig.descendants() {
                let token_text = || {
                    n.children()
                        .find(|c| c.is_element() && c.tag_name().name() == "EncapsulatedTimeStamp")
                        .and_then(|c| c.text())
                };
                if !n.is_element()
                    || !n
                        .tag_name()
                        .namespace()
                        .is_some_and(|ns| XADES_NS.contains(&ns))
                {
                    continue;
                }
                let name = n.tag_name().name();
                if name == "SignatureTimeStamp" {
                    // Only this signature's own (not those of a signature nested inside it).
                    let owner = n.ancestors().skip(1).find(|a| {
                        a.is_element()
                            && a.tag_name().name() == "Signature"
                            && a.tag_name().namespace() == Some(DSIG_NS)
                    });
                    if owner.is_some_and(|a| a.id() == sig.id()) {
                        let method = kyso_xml::document::dsig_child(&n, "CanonicalizationMethod")
                            .and_then(|m| m.attribute("Algorithm"))
                            .unwrap_or(C14N_10);
                        let token = encapsulated_token(token_text());
                        let covered = kyso_xml::document::dsig_child(&sig, "SignatureValue")
                            .ok_or_else(|| "the signature has no SignatureValue".to_string())
                            .and_then(|sv| {
                                kyso_xml::canonicalize(&doc, Some(sv), None, method, true, &[])
                                    .map_err(|e| e.to_string())
                            });
                        own.push(XadesTimestamp {
                            kind: TimestampKind::Signature,
                            token,
                            covered,
                        });
                    }
                } else if name == "ArchiveTimeStamp" {
                    if !archived.contains(&n) {
                        continue;
                    }
                    let covered = match outcomes.get(i) {
                        Some(outcome) => kyso_xml::archive_timestamp_input(&doc, sig, n, outcome)
                            .map_err(|e| e.to_string()),
                        None => Err("the signature was not verified".to_string()),
                    };
                    own.push(XadesTimestamp {
                        kind: TimestampKind::Archive,
                        token: encapsulated_token(token_text()),
                        covered,
                    });
                } else if let Some(kind) = UNCHECKED_TIMESTAMPS.iter().find(|k| **k == name) {
                    let owner = n.ancestors().skip(1).find(|a| {
                        a.is_element()
                            && a.tag_name().name() == "Signature"
                            && a.tag_name().namespace() == Some(DSIG_NS)
                    });
                    if owner.is_some_and(|a| a.id() == sig.id()) {
                        skipped.push(*kind);
                    }
                } else if let Some(text) = n.text() {
                    add_xades_value(&mut evidence, name, text);
                }
            }
            stamps.push(own);
            unchecked.push(skipped);
        }
    }
    let ctx = Context::new(trust, evidence);
    for (i, s) in outcomes.into_iter().enumerate() {
        let own = stamps.get(i).map(Vec::as_slice).unwrap_or(&[]);
        let mut r = to_report(i, s, own, &ctx);
        for kind in unchecked.get(i).map(Vec::as_slice).unwrap_or(&[]) {
            r.warnings.push(format!(
                "XAdES {kind} not checked (kyso does not verify XAdES-X time-stamps); it does \
                 not count toward the level"
            ));
        }
        report.signatures.push(r);
    }
    report.finish();
    report
}

/// The XAdES time-stamps over validation references (XAdES-X) that kyso reports unchecked.
const UNCHECKED_TIMESTAMPS: [&str; 4] = [
    "SigAndRefsTimeStamp",
    "SigAndRefsTimeStampV2",
    "RefsOnlyTimeStamp",
    "RefsOnlyTimeStampV2",
];

fn to_report(
    index: usize,
    s: SignatureOutcome,
    stamps: &[XadesTimestamp],
    ctx: &Context<'_>,
) -> SignatureReport {
    let field =
        s.id.clone()
            .unwrap_or_else(|| format!("Signature{}", index + 1));
    let mut o = Outcome {
        r: SignatureReport::new(field, SignatureKind::Signature),
    };
    o.r.digest = s
        .references
        .first()
        .and_then(|r| r.digest)
        .map(|d| d.name().to_string());
    o.r.signature_algorithm = s.signature_method.map(|m| m.name());
    o.r.signing_time = s.signing_time.map(|t| kyso_pki::time::to_rfc3339(t.unix));
    o.r.signing_time_source = s.signing_time.map(|_| SigningTimeSource::Xml);
    o.r.covers_whole_document = s
        .references
        .iter()
        .any(|r| (r.uri.is_empty() || r.uri == "#xpointer(/)") && !r.subset);
    o.r.warnings = s.warnings.clone();
    for r in s.references.iter().filter(|r| r.subset) {
        o.r.warnings.push(format!(
            "reference '{}' covers only the nodes its XPath transform selects, not the whole element",
            r.uri
        ));
    }
    o.r.location = Some(s.path.clone());
    o.r.references = s
        .references
        .iter()
        .map(|r| ReferenceReport {
            uri: r.uri.clone(),
            element: r.covered.as_ref().map(|c| c.element.clone()),
            id: r.covered.as_ref().and_then(|c| c.id.clone()),
            path: r.covered.as_ref().map(|c| c.path.clone()),
            minus_signature: r.covered.as_ref().is_some_and(|c| c.minus_signature),
            digest_ok: r.ok,
        })
        .collect();
    if s.references
        .iter()
        .any(|r| r.digest.is_some_and(|d| d.is_weak()))
    {
        o.r.warnings.push("SHA-1 digest (weak)".into());
    }
    for p in &s.problems {
        let status = match p.severity {
            Severity::Failed => Status::Failed,
            Severity::Indeterminate => Status::Indeterminate,
        };
        // kyso-xml names its reasons with the report's codes.
        let reason = p.reason.parse().unwrap_or(Reason::MalformedSignature);
        o.problem(status, reason, p.message.clone());
    }
    if let Some(key) = &s.bare_key {
        o.r.signer_key = Some(key.description.clone());
        if key.user_given && o.r.status == Status::Passed {
            // The user vouched for this key (--key, --hmac-key): no certificate names its
            // holder, so there is no signer kind, but the key is trusted as given.
            o.r.trusted = true;
            o.r.message = format!(
                "signature is valid: made with the key {} you trust; no certificate names the signer",
                key.description
            );
        }
    }
    if let Some(signer) = &s.signer {
        o.r.signer = Some(signer_report(signer, &ctx.trust.kind_rules));
        let pool: Vec<_> = s
            .certificates
            .iter()
            .filter(|c| c.der() != signer.der())
            .cloned()
            .collect();
        let claimed = s.signing_time.map(|t| t.unix);
        let proven = check_timestamps(&mut o, stamps, &pool, claimed, ctx);
        let checked = check_signer(&mut o, signer, &pool, Times { claimed, proven }, ctx);
        o.r.level = Some(level(proven.is_some(), checked.embedded_complete, false));
        if let Some((role, code)) = &s.party {
            check_tax_code(&mut o, role, code, signer, ctx.trust.tax_code_mismatch);
        }
    }
    o.r
}

/// Compares the invoice's tax code for `role` with the MSTs the signer certificate carries: a
/// mismatch, or a certificate without any MST, is a warning, or with [`TaxCodePolicy::Fail`] a
/// failure (`tax_code_mismatch`). Codes compare in full, a branch suffix (`-199`) included.
fn check_tax_code(
    o: &mut Outcome,
    role: &str,
    code: &str,
    signer: &kyso_pki::Certificate,
    policy: TaxCodePolicy,
) {
    let certified = kyso_pki::tax_codes(signer);
    if certified.iter().any(|c| c.eq_ignore_ascii_case(code)) {
        return;
    }
    let message = if certified.is_empty() {
        format!(
            "{role} tax code {code} in the invoice cannot be checked: the signer certificate carries no MST"
        )
    } else {
        format!(
            "{role} tax code {code} in the invoice does not match the signer certificate's MST {}",
            certified.join(", ")
        )
    };
    if policy == TaxCodePolicy::Fail {
        o.problem(Status::Failed, Reason::TaxCodeMismatch, message.clone());
        if o.r.reason == Reason::TaxCodeMismatch {
            return;
        }
    }
    o.r.warnings.push(message);
}

/// Verifies a signature's XAdES SignatureTimeStamps (each over its canonical SignatureValue)
/// and ArchiveTimeStamps (each over the archive time-stamp input: the references' data,
/// SignedInfo, SignatureValue, KeyInfo, the unsigned properties before it and the Objects);
/// returns the earliest time a valid signature time-stamp proves.
fn check_timestamps(
    o: &mut Outcome,
    stamps: &[XadesTimestamp],
    pool: &[kyso_pki::Certificate],
    claimed: Option<UnixTime>,
    ctx: &Context<'_>,
) -> Option<UnixTime> {
    let mut proven: Option<UnixTime> = None;
    let mut earliest = None;
    for st in stamps {
        let (what, input) = match st.kind {
            TimestampKind::Archive => ("archive timestamp", "the archive timestamp input"),
            _ => ("signature timestamp", "the SignatureValue"),
        };
        let covered = match &st.covered {
            Ok(c) => c.as_slice(),
            Err(e) => {
                o.problem(
                    Status::Indeterminate,
                    Reason::UnsupportedTransform,
                    format!("{what}: cannot canonicalize {input}: {e}"),
                );
                continue;
            }
        };
        let check = check_token(
            st.kind,
            st.token.as_ref(),
            ExpectedImprint::Data(covered),
            pool,
            ctx,
        );
        if check.report.status != Status::Passed {
            o.problem(
                check.report.status,
                check.report.reason,
                format!("{what}: {}", check.report.message),
            );
        }
        o.r.warnings.extend(check.warnings);
        if st.kind == TimestampKind::Archive {
            o.r.timestamps.push(check.report);
            continue;
        }
        if let (Some(p), Some(tst)) = (check.proves, check.tst_info)
            && proven.is_none_or(|q| p < q)
        {
            proven = Some(p);
            earliest = Some(tst);
        }
        o.r.timestamps.push(check.report);
    }
    if let (Some(c), Some(tst)) = (claimed, &earliest)
        && let Some(w) = skew_warning(c, tst)
    {
        o.r.warnings.push(w);
    }
    proven
}

/// Adds one XAdES CertificateValues or RevocationValues entry (`name` is the element's local
/// name, `text` its base64 content).
fn add_xades_value(evidence: &mut Evidence, name: &str, text: &str) {
    if !matches!(
        name,
        "EncapsulatedX509Certificate" | "EncapsulatedCRLValue" | "EncapsulatedOCSPValue"
    ) {
        return;
    }
    let Ok(der) = kyso_pki::base64::decode(text.as_bytes()) else {
        evidence.unreadable += 1;
        return;
    };
    match name {
        "EncapsulatedX509Certificate" => evidence.add_cert(&der),
        "EncapsulatedCRLValue" => evidence.add_crl(Source::Xml, &der),
        // XAdES holds the OCSPResponse; some producers store the BasicOCSPResponse.
        _ => {
            if kyso_pki::OcspResponse::parse(&der).is_ok() {
                evidence.add_ocsp(Source::Xml, &der);
            } else {
                evidence.add_basic_ocsp(Source::Xml, &der);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Reason;

    /// kyso-xml reports reasons as strings; one it spells that the report does not know would
    /// be turned into `malformed_signature`. Every reason literal it passes must be a code.
    #[test]
    fn every_reason_kyso_xml_reports_is_a_report_reason() {
        let sources = [
            include_str!("../../../kyso-xml/src/verify.rs"),
            include_str!("../../../kyso-xml/src/xades.rs"),
            include_str!("../../../kyso-xml/src/einvoice.rs"),
        ];
        let mut checked = 0;
        for src in sources {
            for (i, _) in src.match_indices("fail(") {
                let rest = src[i + 5..].trim_start();
                if let Some(lit) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) {
                    assert!(lit.parse::<Reason>().is_ok(), "kyso-xml reason {lit:?}");
                    checked += 1;
                }
            }
            for (i, _) in src.match_indices("reason: \"") {
                let lit = src[i + 9..].split('"').next().unwrap_or_default();
                assert!(lit.parse::<Reason>().is_ok(), "kyso-xml reason {lit:?}");
                checked += 1;
            }
        }
        assert!(checked >= 10, "found only {checked} reason literals");
    }
}
