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
        if let Some(t) = &s.signing_time {
            say!(
                "      time:     {t} (claimed, from {})",
                s.signing_time_source.as_deref().unwrap_or("?")
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
        for w in &s.warnings {
            say!("      warning:  {w}");
        }
    }
}

pub fn signed(
    input: &Path,
    output: &Path,
    signer: &SignerReport,
    what: &str,
    certify: Option<u8>,
    json: bool,
) {
    if json {
        let v = serde_json::json!({
            "input": input.display().to_string(),
            "output": output.display().to_string(),
            "signer": signer,
            "certification": certify,
        });
        say!("{v}");
    } else {
        let what = match certify {
            Some(p) => format!("certification signature (DocMDP P={p})"),
            None => what.to_string(),
        };
        say!(
            "{}: signed by {} [{}], {what}",
            output.display(),
            signer.subject,
            signer.kind
        );
    }
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
    if !c.policies.is_empty() {
        say!("policies:    {}", c.policies.join(", "));
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
