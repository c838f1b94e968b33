//! RFC 3161 time-stamp tokens in verification: a signature's signature-time-stamp (imprint
//! over the SignerInfo's signature value, PAdES B-T) and PDF document timestamps (imprint over
//! the byte range, PAdES B-LTA). A valid token proves that what it covers existed at its
//! genTime (plus its accuracy); the TSA's path is validated at that time with the
//! id-kp-timeStamping extended key usage, and its revocation checked like a signer's.

use kyso_cms::tsp::{ExpectedImprint, TimestampToken, TspError, TstInfo, VerifyOptions};
use kyso_pki::{Certificate, RequiredEku, time, time::UnixTime};

use crate::report::{
    Reason, SignatureKind, SignatureReport, Status, TimestampKind, TimestampReport,
};
use crate::trust::RevocationPolicy;
use crate::trust::signer_check::{Context, Outcome, not_checked};

/// Seconds a claimed signing time may be later than a timestamp over the signature before
/// it is reported (beyond the token's accuracy).
const SKEW_TOLERANCE: i64 = 120;
/// How far from a whole number of hours an offset may be to be read as a time zone error.
const WHOLE_HOUR_SLACK: i64 = 900;

/// A verified (or rejected) token.
pub(crate) struct TokenCheck {
    /// What the report shows.
    pub(crate) report: TimestampReport,
    /// The latest time the token proves existence at, when it is valid.
    pub(crate) proves: Option<UnixTime>,
    /// The TSA certificate, when the token's signature verified.
    pub(crate) tsa: Option<Certificate>,
    /// Warnings for the signature (soft revocation problems, TSA certificate form).
    pub(crate) warnings: Vec<String>,
    /// The TSTInfo, when the token could be read.
    pub(crate) tst_info: Option<TstInfo>,
    /// Revocation status of the TSA's path.
    pub(crate) revocation: Vec<crate::report::RevocationReport>,
    /// When the TSA's path was judged.
    pub(crate) at: Option<UnixTime>,
}

fn hex(b: &[u8]) -> String {
    let skip = b.iter().take_while(|x| **x == 0).count();
    let s: String = b.iter().skip(skip).map(|x| format!("{x:02x}")).collect();
    if s.is_empty() { "00".into() } else { s }
}

/// Verifies one token of `kind` (`signature` or `document`) over `imprint`: the token itself
/// (signature, ESS binding, imprint), then the TSA's path at genTime with
/// id-kp-timeStamping. `pool` holds certificates to build the TSA's path with.
pub(crate) fn check_token(
    kind: TimestampKind,
    token: Result<&TimestampToken, &TspError>,
    imprint: ExpectedImprint<'_>,
    pool: &[Certificate],
    ctx: &Context<'_>,
) -> TokenCheck {
    let mut o = Outcome {
        r: SignatureReport::new(String::new(), SignatureKind::Timestamp),
    };
    o.r.message = "the timestamp is valid".into();
    let mut check = TokenCheck {
        report: TimestampReport {
            kind,
            status: Status::Passed,
            reason: Reason::Ok,
            message: String::new(),
            time: None,
            accuracy_micros: None,
            tsa: None,
            policy: None,
            serial: None,
            digest: None,
            chain: Vec::new(),
            trusted: false,
        },
        proves: None,
        tsa: None,
        warnings: Vec::new(),
        tst_info: None,
        revocation: Vec::new(),
        at: None,
    };
    let finish = |mut check: TokenCheck, o: Outcome| {
        check.report.status = o.r.status;
        check.report.reason = o.r.reason;
        check.report.message = o.r.message;
        check.warnings.extend(o.r.warnings);
        check
    };
    let token = match token {
        Ok(t) => t,
        Err(e) => {
            o.problem(
                Status::Failed,
                Reason::TimestampInvalid,
                format!("the timestamp token cannot be read: {e}"),
            );
            return finish(check, o);
        }
    };
    let tst = &token.tst_info;
    check.tst_info = Some(tst.clone());
    check.report.time = Some(time::to_rfc3339(tst.gen_time.unix));
    check.report.accuracy_micros = tst.accuracy.map(|a| a.total_micros());
    check.report.policy = Some(tst.policy.clone());
    check.report.serial = Some(hex(&tst.serial));
    check.report.digest = tst
        .message_imprint
        .digest_algorithm()
        .map(|d| d.name().to_string());
    let verified = match token.verify(&VerifyOptions {
        imprint,
        nonce: None,
        policy: None,
        tsa_certificate: None,
    }) {
        Ok(v) => v,
        Err(TspError::ImprintMismatch) => {
            o.problem(
                Status::Failed,
                Reason::TimestampInvalid,
                "the timestamp is over other data (message imprint does not match)".into(),
            );
            return finish(check, o);
        }
        Err(TspError::Cms(kyso_cms::Error::Pki(kyso_pki::Error::UnsupportedAlgorithm(a)))) => {
            o.problem(
                Status::Indeterminate,
                Reason::UnsupportedAlgorithm,
                format!("timestamp: unsupported algorithm {a}"),
            );
            return finish(check, o);
        }
        Err(e) => {
            o.problem(
                Status::Failed,
                Reason::TimestampInvalid,
                format!("the timestamp token is invalid: {e}"),
            );
            return finish(check, o);
        }
    };
    let tsa = verified.tsa_certificate.clone();
    check.report.tsa = Some(tsa.subject_text().to_string());
    if let Err(e) = kyso_cms::tsp::check_tsa_certificate(&tsa) {
        check.warnings.push(format!(
            "timestamp: the TSA certificate is not as RFC 3161 asks: {e}"
        ));
    }
    let at = tst.gen_time.unix;
    check.at = Some(at);
    let mut certs: Vec<Certificate> = verified.certificates.clone();
    certs.extend(pool.iter().cloned());
    let outcome = ctx.validate(&tsa, &certs, at, Some(RequiredEku::time_stamping()));
    check.report.chain = outcome
        .path
        .iter()
        .map(|c| c.subject_text().to_string())
        .collect();
    check.report.trusted = outcome.trusted;
    for p in &outcome.problems {
        use kyso_pki::PathProblem as P;
        match p {
            P::RevocationUnknown { .. } => {
                if ctx.trust.revocation == RevocationPolicy::Hard {
                    o.problem(
                        Status::Indeterminate,
                        Reason::RevocationUnknown,
                        format!("timestamp: {p}"),
                    );
                } else {
                    o.r.warnings.push(format!("timestamp: {p}"));
                }
            }
            P::NoPathToAnchor
            | P::BadSignature { .. }
            | P::UnsupportedAlgorithm(_)
            | P::UnhandledCriticalExtension { .. } => {
                let mut msg = format!("the timestamp's TSA is not trusted: {p}");
                if matches!(p, P::NoPathToAnchor) {
                    msg = format!(
                        "the timestamp's TSA '{}' has no chain to a trusted root",
                        tsa.subject
                    );
                }
                o.problem(Status::Indeterminate, Reason::TimestampUntrusted, msg);
            }
            other => o.problem(
                Status::Failed,
                Reason::TimestampInvalid,
                format!("the timestamp's TSA certificate is not valid: {other}"),
            ),
        }
    }
    for r in &outcome.revoked_later {
        o.r.warnings.push(format!(
            "timestamp: the TSA certificate '{}' was revoked at {}, after the timestamp",
            r.subject,
            time::to_rfc3339(r.time)
        ));
    }
    if outcome.trusted && !ctx.checking && ctx.trust.revocation != RevocationPolicy::Off {
        let mut tmp = Outcome {
            r: SignatureReport::new(String::new(), SignatureKind::Timestamp),
        };
        not_checked(&mut tmp, &outcome, ctx.trust.revocation, "timestamp: ");
        if tmp.r.status != Status::Passed {
            o.problem(tmp.r.status, tmp.r.reason, tmp.r.message);
        }
        // A soft warning about the TSA repeats the signer's: keep it only for document
        // timestamps, which have no signer of their own.
        if kind == TimestampKind::Document {
            o.r.warnings.extend(tmp.r.warnings);
        }
    }
    check.revocation = ctx.revocation_reports(&outcome, &check.report.chain, at);
    if o.r.status == Status::Passed {
        check.proves = Some(tst.latest_time());
    }
    check.tsa = Some(tsa);
    finish(check, o)
}

/// The warning when the claimed signing time contradicts a timestamp over the signature:
/// later than the timestamp (beyond its accuracy and a small tolerance), or earlier by about
/// a whole number of hours (local time labelled as UTC, or the other way round).
pub(crate) fn skew_warning(claimed: UnixTime, tst: &TstInfo) -> Option<String> {
    skew(claimed, tst.gen_time.unix, tst.latest_time())
}

/// [`skew_warning`] over the timestamp's genTime and the latest time its accuracy allows.
fn skew(claimed: UnixTime, gen_time: UnixTime, latest: UnixTime) -> Option<String> {
    let offset = claimed - gen_time;
    let hours = (offset.abs() + 1800) / 3600;
    let whole_hours =
        (1..=14).contains(&hours) && (offset.abs() - hours * 3600).abs() <= WHOLE_HOUR_SLACK;
    let later = claimed > latest.saturating_add(SKEW_TOLERANCE);
    let earlier = offset < 0 && whole_hours;
    if !later && !earlier {
        return None;
    }
    let claimed_s = time::to_rfc3339(claimed);
    let ts = time::to_rfc3339(gen_time);
    if later {
        if whole_hours {
            return Some(format!(
                "signing time skew: the claimed signing time {claimed_s} is {hours} h later than \
                 the timestamp {ts}: local time (UTC+{hours:02}:00) labelled as UTC?"
            ));
        }
        return Some(format!(
            "signing time skew: the claimed signing time {claimed_s} is {} later than the \
             timestamp {ts}, which cannot be",
            duration(offset)
        ));
    }
    Some(format!(
        "signing time skew: the claimed signing time {claimed_s} is about {hours} h earlier \
         than the timestamp {ts}: a time zone error (UTC-{hours:02}:00 labelled as UTC, or UTC \
         labelled as local time)?"
    ))
}

/// A duration in words: `95 s`, `12 min 5 s`, `3 h 4 min`, `2 d 3 h`.
fn duration(secs: i64) -> String {
    let s = secs.abs();
    match s {
        0..=119 => format!("{s} s"),
        120..=3599 => format!("{} min {} s", s / 60, s % 60),
        3600..=86_399 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_is_reported_with_its_offset() {
        let t = 1_790_000_000;
        // Seconds apart, either way within the tolerance: nothing.
        assert_eq!(skew(t - 3, t, t + 2), None);
        assert_eq!(skew(t + 60, t, t + 2), None);
        // A timestamp added a day later: nothing.
        assert_eq!(skew(t - 86_400 - 3000, t, t), None);
        // Local time (UTC+7) labelled as UTC: 7 h later than the timestamp.
        let w = skew(t + 7 * 3600 - 5, t, t + 2).unwrap_or_default();
        assert!(w.contains("7 h later") && w.contains("UTC+07:00"), "{w}");
        // Later by an odd amount.
        let w = skew(t + 1000, t, t + 2).unwrap_or_default();
        assert!(w.contains("16 min 40 s later"), "{w}");
        // Earlier by about two whole hours.
        let w = skew(t - 2 * 3600 + 30, t, t + 2).unwrap_or_default();
        assert!(w.contains("about 2 h earlier"), "{w}");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(5), "5 s");
        assert_eq!(duration(725), "12 min 5 s");
        assert_eq!(duration(3 * 3600 + 240), "3 h 4 min");
        assert_eq!(duration(-(2 * 86_400 + 3 * 3600)), "2 d 3 h");
    }
}
