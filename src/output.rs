//! Output formats: the human report and JSON Lines. Owns everything printed on stdout.

use std::io::Write;
use std::path::Path;

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
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

pub fn human_report(r: &DocumentReport) {
    println!("{}: {} ({})", r.file, mark(r.status), r.message);
    for (i, s) in r.signatures.iter().enumerate() {
        println!(
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
            println!(
                "      signer:   {} [{}{}]",
                signer.subject,
                signer.kind,
                if ids.is_empty() {
                    String::new()
                } else {
                    format!("; {}", ids.join(", "))
                }
            );
            println!("      issuer:   {}", signer.issuer);
        }
        if let Some(t) = &s.signing_time {
            println!(
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
            println!("      format:   {alg}");
        }
        if let Some(p) = s.certification {
            println!("      certification signature, DocMDP P={p}");
        }
        println!(
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
        for m in &s.modifications {
            println!("      modified: {m}");
        }
        for c in &s.allowed_changes {
            println!("      later:    {c} (allowed)");
        }
        if !s.chain.is_empty() {
            let names: Vec<&str> = s.chain.iter().map(|d| common_name(d)).collect();
            println!(
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
            println!("      warning:  {w}");
        }
    }
}

pub fn signed(input: &Path, output: &Path, signer: &SignerReport, certify: Option<u8>, json: bool) {
    if json {
        let v = serde_json::json!({
            "input": input.display().to_string(),
            "output": output.display().to_string(),
            "signer": signer,
            "certification": certify,
        });
        println!("{v}");
    } else {
        let what = match certify {
            Some(p) => format!("certification signature (DocMDP P={p})"),
            None => "approval signature".into(),
        };
        println!(
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
        println!();
    }
    let s = &c.summary;
    println!("subject:     {}", s.subject);
    println!("issuer:      {}", s.issuer);
    println!("serial:      {}", s.serial);
    println!("validity:    {} .. {}", s.not_before, s.not_after);
    println!("key:         {}", s.key);
    if c.is_ca {
        println!("kind:        CA certificate");
    } else {
        println!(
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
        println!("identifier:  {k} = {v}");
    }
    if !c.key_usage.is_empty() {
        println!("key usage:   {}", c.key_usage.join(", "));
    }
    if !c.policies.is_empty() {
        println!("policies:    {}", c.policies.join(", "));
    }
    println!("sha256:      {}", s.sha256);
    Ok(())
}

/// The CN of an RFC 4514 name for compact display (the whole name when it has none).
fn common_name(dn: &str) -> &str {
    dn.split(", ")
        .find_map(|part| part.strip_prefix("CN="))
        .unwrap_or(dn)
}
