//! Output formats: the human report and JSON Lines. Owns everything printed on stdout.

use std::io::Write;
use std::path::Path;

/// Writes one line to stdout. When the reader has gone (`kyso verify … | head`), stop quietly
/// instead of panicking: nothing more can be delivered.
fn emit(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|_| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("kyso: cannot write the output: {e}");
        std::process::exit(2);
    }
}

macro_rules! say {
    () => { emit(format_args!("")) };
    ($($t:tt)*) => { emit(format_args!($($t)*)) };
}

use anyhow::Result;
use kyso::{CertificateInfo, DocumentReport, SignerReport, Status};

fn mark(s: Status) -> &'static str {
    match s {
        Status::Passed => "PASSED",
        Status::Failed => "FAILED",
        Status::Indeterminate => "INDETERMINATE",
        Status::Error => "ERROR",
    }
}

/// One JSON object on one line.
pub fn json_line<T: serde::Serialize>(value: &T) -> Result<()> {
    let line = serde_json::to_string(value)?;
    say!("{line}");
    Ok(())
}

/// A document report as one JSON line, the library's serialization (`kyso serve` answers the
/// same bytes).
pub fn report_line(report: &DocumentReport) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match report.write_json_line(&mut out) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => Ok(other?),
    }
}

/// A PDF point as the human report writes it: at most two decimals, no trailing zeros.
fn point(x: f64) -> String {
    let s = format!("{:.2}", (x * 100.0).round() / 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// `visible on page 1 at 350,120 – 500,180`, or `invisible`.
fn appearance(a: &kyso::AppearanceReport) -> String {
    match (a.visible, a.page, a.rect) {
        (true, Some(page), Some([x1, y1, x2, y2])) => format!(
            "visible on page {page} at {},{} – {},{}",
            point(x1),
            point(y1),
            point(x2),
            point(y2)
        ),
        (true, Some(page), None) => format!("visible on page {page}"),
        _ => "invisible".into(),
    }
}

pub fn human_report(r: &DocumentReport) {
    say!("{}: {} ({})", r.file, mark(r.status), r.message);
    for (i, s) in r.signatures.iter().enumerate() {
        say!(
            "  [{}] {} — {} ({}): {}",
            i + 1,
            s.field,
            mark(s.status),
            s.reason,
            s.message
        );
        if let Some(signer) = &s.signer {
            let ids: Vec<String> = signer
                .identifiers
                .iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect();
            say!(
                "      signer:   {} [{}{}]",
                signer.subject,
                signer.kind,
                if ids.is_empty() {
                    String::new()
                } else {
                    format!("; {}", ids.join(", "))
                }
            );
            say!("      issuer:   {}", signer.issuer);
        }
        if let Some(k) = &s.signer_key {
            say!("      key:      {k} (no certificate names the signer)");
        }
        if let Some(t) = &s.signer_reason {
            say!("      reason:   {t}");
        }
        if let Some(t) = &s.signer_location {
            say!("      location: {t}");
        }
        if let Some(t) = &s.signer_contact {
            say!("      contact:  {t}");
        }
        if let Some(t) = &s.signing_time {
            if s.kind == kyso::SignatureKind::Timestamp {
                say!("      time:     {t} (from the time-stamp token)");
            } else {
                say!(
                    "      time:     {t} (claimed, from {})",
                    s.signing_time_source.map_or("?", |x| x.as_str())
                );
            }
        }
        if let Some(p) = &s.proven_time {
            say!("      proven:   existed at {p} (time-stamp)");
        }
        if let Some(v) = &s.validation_time {
            say!("      checked:  certificates judged at {v}");
        }
        if let Some(l) = &s.level {
            say!("      level:    {}", l.as_str().to_ascii_uppercase());
        }
        for t in &s.timestamps {
            say!(
                "      {}: {} by {} — {} ({})",
                if t.kind == kyso::TimestampKind::Document {
                    "doc-ts"
                } else {
                    "sig-ts"
                },
                t.time.as_deref().unwrap_or("?"),
                t.tsa.as_deref().map(common_name).unwrap_or("?"),
                mark(t.status),
                t.reason
            );
        }
        let alg = [
            s.subfilter.as_deref(),
            s.digest.as_deref(),
            s.signature_algorithm.as_deref(),
        ]
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
        if !alg.is_empty() {
            say!("      format:   {alg}");
        }
        if let Some(p) = s.certification {
            say!("      certification signature, DocMDP P={p}");
        }
        if let Some(a) = &s.appearance {
            say!("      appearance: {}", appearance(a));
        }
        if s.references.is_empty() {
            say!(
                "      covers:   revision {}{}",
                s.revision
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "?".into()),
                if s.covers_whole_document {
                    " (the whole document)"
                } else {
                    ""
                }
            );
        } else {
            if let Some(l) = &s.location {
                say!("      at:       {l}");
            }
            for r in &s.references {
                let what = match (&r.element, &r.id) {
                    (Some(e), Some(id)) => format!("{e} Id={id}"),
                    (Some(e), None) => e.clone(),
                    _ => "?".into(),
                };
                say!(
                    "      covers:   {what} at {}{}{}",
                    r.path.as_deref().unwrap_or("?"),
                    if r.minus_signature {
                        " (minus this signature)"
                    } else {
                        ""
                    },
                    if r.digest_ok {
                        ""
                    } else {
                        " — digest does not match"
                    }
                );
            }
        }
        for m in &s.modifications {
            say!("      modified: {m}");
        }
        for c in &s.allowed_changes {
            say!("      later:    {c} (allowed)");
        }
        if !s.chain.is_empty() {
            let names: Vec<&str> = s.chain.iter().map(|d| common_name(d)).collect();
            say!(
                "      chain:    {}{}",
                names.join(" -> "),
                if s.trusted {
                    " (trusted)"
                } else {
                    " (not trusted)"
                }
            );
        }
        for rv in &s.revocation {
            say!(
                "      revocation: {} {}{}{}",
                common_name(&rv.subject),
                rv.status,
                rv.source
                    .map(|x| format!(" (from {x})"))
                    .unwrap_or_default(),
                rv.time
                    .as_deref()
                    .map(|t| format!(" at {t}"))
                    .unwrap_or_default()
            );
        }
        for w in &s.warnings {
            say!("      warning:  {w}");
        }
    }
}

/// A signed document: where it went, the signer, what kind of signature, and the level when
/// there is one (with its family, PAdES or XAdES, or `""` when a batch does not say).
pub fn signed_at_level(
    input: &Path,
    output: &Path,
    signer: &SignerReport,
    what: &str,
    certify: Option<u8>,
    level: Option<(&str, &str)>,
    json: bool,
) {
    if json {
        let mut v = serde_json::json!({
            "input": input.display().to_string(),
            "output": output.display().to_string(),
            "signer": signer,
            "certification": certify,
        });
        // Spelled as `kyso verify --json` spells it: b-b, b-t, b-lt, b-lta.
        if let Some((_, l)) = level {
            v["level"] = serde_json::json!(l.to_ascii_lowercase());
        }
        say!("{v}");
    } else {
        let what = match certify {
            Some(p) => format!("certification signature (DocMDP P={p})"),
            None => what.to_string(),
        };
        // The family (PAdES, XAdES) when known; a batch may mix formats.
        let level = level
            .map(|(family, l)| match family {
                "" => format!(", level {}", l.to_ascii_uppercase()),
                f => format!(", {f} {}", l.to_ascii_uppercase()),
            })
            .unwrap_or_default();
        say!(
            "{}: signed by {} [{}], {what}{level}",
            output.display(),
            signer.subject,
            signer.kind
        );
    }
}

fn timestamp_json(t: &kyso::ltv::Timestamped, tsa: &str) -> serde_json::Value {
    serde_json::json!({
        "field": t.field,
        "tsa": tsa,
        "time": kyso_time(t.timestamp.gen_time.unix),
        "tsa_certificate": t.timestamp.tsa_certificate.subject.to_string(),
        "serial": t.timestamp.tst_info.serial_hex(),
    })
}

fn kyso_time(t: i64) -> String {
    kyso::rfc3339(t)
}

/// `kyso timestamp` done.
pub fn timestamped(input: &Path, output: &Path, t: &kyso::ltv::Timestamped, tsa: &str, json: bool) {
    if json {
        let v = serde_json::json!({
            "input": input.display().to_string(),
            "output": output.display().to_string(),
            "timestamp": timestamp_json(t, tsa),
        });
        say!("{v}");
    } else {
        say!(
            "{}: document time-stamp '{}' at {} from {} ({})",
            output.display(),
            t.field,
            kyso_time(t.timestamp.gen_time.unix),
            tsa,
            t.timestamp.tsa_certificate.subject
        );
    }
}

/// `kyso ltv` done.
pub fn ltv_done(
    input: &Path,
    output: &Path,
    r: &kyso::ltv::LtvResult,
    stamped: Option<&kyso::ltv::Timestamped>,
    tsa: Option<&str>,
    json: bool,
) -> Result<()> {
    let (certs, crls, ocsps) = r.added;
    if json {
        let mut v = serde_json::json!({
            "input": input.display().to_string(),
            "output": output.display().to_string(),
            "changed": r.changed,
            "added": {"certificates": certs, "crls": crls, "ocsp_responses": ocsps},
            "signatures": r.entries,
        });
        if let (Some(t), Some(tsa)) = (stamped, tsa) {
            v["timestamp"] = timestamp_json(t, tsa);
        }
        return json_line(&v);
    }
    if r.changed {
        say!(
            "{}: validation data added to the DSS: {certs} certificate(s), {crls} CRL(s), {ocsps} OCSP response(s)",
            output.display()
        );
    } else {
        say!(
            "{}: the DSS already holds every piece of validation data",
            output.display()
        );
    }
    for e in &r.entries {
        say!("  {} ({}): {}", e.field, e.kind, e.subjects.join("; "));
    }
    if let (Some(t), Some(tsa)) = (stamped, tsa) {
        say!(
            "  then a document time-stamp '{}' at {} from {tsa}",
            t.field,
            kyso_time(t.timestamp.gen_time.unix)
        );
    }
    Ok(())
}

/// `kyso config show`.
pub fn config(s: &kyso::Settings, searched: Option<&Path>, json: bool) -> Result<()> {
    if json {
        let mut v = serde_json::to_value(s)?;
        v["searched"] = serde_json::json!(searched.map(|p| p.display().to_string()));
        return json_line(&v);
    }
    match (&s.file, searched) {
        (Some(f), _) => say!("# configuration file: {}", f.display()),
        (None, Some(p)) => say!(
            "# no configuration file ({} does not exist): defaults and flags",
            p.display()
        ),
        (None, None) => say!("# no configuration file: defaults and flags"),
    }
    let origins: Vec<String> = s
        .origins
        .iter()
        .map(|(k, o)| format!("{k}={}", o.as_str()))
        .collect();
    say!("# sources: {}", origins.join(" "));
    let text = s.to_toml();
    say!("{}", text.trim_end());
    Ok(())
}

pub fn certificate(c: &CertificateInfo, index: usize, json: bool) -> Result<()> {
    if json {
        return json_line(c);
    }
    if index > 0 {
        say!();
    }
    let s = &c.summary;
    say!("subject:     {}", s.subject);
    say!("issuer:      {}", s.issuer);
    say!("serial:      {}", s.serial);
    say!("validity:    {} .. {}", s.not_before, s.not_after);
    say!("key:         {}", s.key);
    if c.is_ca {
        say!("kind:        CA certificate");
    } else {
        say!(
            "kind:        {} ({})",
            s.kind,
            if c.kind_basis.is_empty() {
                "nothing decides".into()
            } else {
                c.kind_basis.join("; ")
            }
        );
    }
    for (k, v) in &s.identifiers {
        say!("identifier:  {k} = {v}");
    }
    if !c.key_usage.is_empty() {
        say!("key usage:   {}", c.key_usage.join(", "));
    }
    if !c.extended_key_usage_names.is_empty() {
        say!("ext. usage:  {}", c.extended_key_usage_names.join(", "));
    }
    if !c.policies.is_empty() {
        say!("policies:    {}", c.policies.join(", "));
    }
    for u in &c.crl_distribution_points {
        say!("CRL:         {u}");
    }
    for u in &c.ocsp_urls {
        say!("OCSP:        {u}");
    }
    for u in &c.ca_issuers_urls {
        say!("CA issuers:  {u}");
    }
    say!("sha256:      {}", s.sha256);
    Ok(())
}

/// The CN of an RFC 4514 name for compact display (the whole name when it has none).
fn common_name(dn: &str) -> &str {
    dn.split(", ")
        .find_map(|part| part.strip_prefix("CN="))
        .unwrap_or(dn)
}

/// Where a batch report goes: a file committed at the end, or standard output.
pub enum Sink<'a> {
    File(kyso::AtomicFile),
    Stdout(std::io::BufWriter<std::io::StdoutLock<'a>>),
}

impl Sink<'_> {
    /// Flushes, and renames a report file into place.
    pub fn finish(self) -> Result<()> {
        match self {
            Sink::File(f) => f.commit()?,
            Sink::Stdout(mut w) => {
                if let Err(e) = w.flush()
                    && e.kind() != std::io::ErrorKind::BrokenPipe
                {
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Stdout(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Stdout(w) => w.flush(),
        }
    }
}

/// Whether a library error is a write to a closed pipe (the reader went away).
pub fn is_broken_pipe(e: &kyso::Error) -> bool {
    e.to_string().contains("Broken pipe")
}

/// One JSON object on one line, to a writer.
pub fn json_to<T: serde::Serialize>(out: &mut impl Write, value: &T) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

const CSV_COLUMNS: &[&str] = &[
    "file",
    "format",
    "document_status",
    "document_reason",
    "signature",
    "field",
    "status",
    "reason",
    "signer_kind",
    "signer_subject",
    "identifiers",
    "signing_time",
    "trusted",
    "modified_after",
    "message",
    "level",
    "proven_time",
];

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV header line, after a UTF-8 byte order mark when `bom` (spreadsheet programs then
/// read the file as UTF-8, so Vietnamese names show correctly).
pub fn csv_header(out: &mut impl Write, bom: bool) -> std::io::Result<()> {
    if bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    writeln!(out, "{}", CSV_COLUMNS.join(","))
}

/// One row per signature; a document without signatures (or unreadable) gets one row.
pub fn csv_rows(out: &mut impl Write, r: &DocumentReport) -> std::io::Result<()> {
    let doc = [
        r.file.as_str(),
        r.format.as_str(),
        r.status.as_str(),
        r.reason.as_str(),
    ];
    if r.signatures.is_empty() {
        let mut row: Vec<String> = doc.iter().map(|s| csv_field(s)).collect();
        row.extend(std::iter::repeat_n(String::new(), 10));
        row.push(csv_field(&r.message));
        row.extend([String::new(), String::new()]);
        return writeln!(out, "{}", row.join(","));
    }
    for (i, s) in r.signatures.iter().enumerate() {
        let ids = s
            .signer
            .as_ref()
            .map(|k| {
                k.identifiers
                    .iter()
                    .map(|(a, b)| format!("{a}:{b}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let mut row: Vec<String> = doc.iter().map(|s| csv_field(s)).collect();
        row.extend([
            (i + 1).to_string(),
            csv_field(&s.field),
            s.status.as_str().to_string(),
            csv_field(s.reason.as_str()),
            s.signer
                .as_ref()
                .map(|k| k.kind.as_str().to_string())
                .unwrap_or_default(),
            csv_field(s.signer.as_ref().map(|k| k.subject.as_str()).unwrap_or("")),
            csv_field(&ids),
            s.signing_time.clone().unwrap_or_default(),
            s.trusted.to_string(),
            s.modified_after.to_string(),
            csv_field(&s.message),
            s.level.map(|l| l.as_str().to_string()).unwrap_or_default(),
            s.proven_time.clone().unwrap_or_default(),
        ]);
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// A progress line on a terminal (nothing when stderr is not one, or when quiet).
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        if !enabled || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {human_pos} documents verified ({rate}, {elapsed})",
        ) {
            bar.set_style(style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}/s", grouped(state.per_sec()));
                },
            ));
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(bar))
    }

    pub fn set(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.set_position(n);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// A non-negative number rounded to a whole, with thousands separators: `9,082`.
pub fn grouped(x: f64) -> String {
    let digits = if x.is_finite() && x > 0.0 {
        format!("{:.0}", x)
    } else {
        "0".to_string()
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The human summary of a batch, on standard error.
pub fn batch_summary(s: &kyso::batch::Summary) {
    let join = |m: &std::collections::BTreeMap<String, u64>| {
        if m.is_empty() {
            "none".to_string()
        } else {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    eprintln!(
        "kyso batch: {} documents, {} signatures in {:.2} s ({} documents/s, {:.1} MB/s)",
        s.documents,
        s.signatures,
        s.seconds,
        grouped(s.documents_per_second),
        if s.seconds > 0.0 {
            s.bytes as f64 / 1e6 / s.seconds
        } else {
            0.0
        }
    );
    eprintln!("  documents by status:       {}", join(&s.by_status));
    eprintln!("  signatures by signer kind: {}", join(&s.by_kind));
    eprintln!("  not passed, by reason:     {}", join(&s.by_reason));
    for d in &s.not_passed {
        eprintln!(
            "    {}: {} ({}): {}",
            d.file,
            d.status.as_str(),
            d.reason,
            d.message
        );
    }
    let more = s.not_passed_count.saturating_sub(s.not_passed.len() as u64);
    if more > 0 {
        eprintln!("    and {more} more");
    }
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn rates_are_whole_and_grouped() {
        assert_eq!(grouped(9082.2076), "9,082");
        assert_eq!(grouped(999.6), "1,000");
        assert_eq!(grouped(12.4), "12");
        assert_eq!(grouped(1_234_567.0), "1,234,567");
        assert_eq!(grouped(0.0), "0");
        assert_eq!(grouped(f64::NAN), "0");
        assert_eq!(grouped(f64::INFINITY), "0");
    }
}
