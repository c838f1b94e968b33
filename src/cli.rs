//! Arguments and dispatch.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output;

/// Exit codes scripts can rely on.
pub const EXIT_OK: u8 = 0;
pub const EXIT_NOT_PASSED: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "kyso",
    version,
    about = "Sign and verify official documents (PDF/PAdES and XML signatures), with personal and agency certificates",
    long_about = "kyso signs PDFs with PAdES signatures as incremental updates (a personal signature, then the \
agency seal, each keeping the earlier ones valid) and XML documents with enveloped XML signatures (e-invoices: \
seller, buyer and tax authority), and verifies every signature: integrity, changes made after signing, what is \
covered, the certificate chain, and whether the signer is a person or an agency. The format is detected from \
the content.\n\n\
Exit codes: 0 success / every document passed; 1 some document did not pass (verify); 2 usage, I/O or input error.",
    after_help = "Examples:\n  kyso sign letter.pdf -o letter.signed.pdf --p12 personal.p12 --password-env KYSO_PASSWORD --certify\n  \
kyso sign letter.signed.pdf -o letter.final.pdf --p12 agency.p12 --password-env KYSO_PASSWORD\n  \
kyso verify letter.final.pdf --trust root.pem\n  kyso verify letter.final.pdf --trust root.pem --json\n  \
kyso sign invoice.xml -o invoice.signed.xml --p12 seller.p12 --password-env KYSO_PASSWORD\n  \
kyso sign invoice.signed.xml -o invoice.both.xml --p12 buyer.p12 --password-env KYSO_PASSWORD --einvoice-role buyer\n  \
kyso c14n doc.xml --exclusive\n  \
kyso cert inspect personal.p12 --password-env KYSO_PASSWORD"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign a PDF (an incremental update; earlier signatures stay valid) or an XML document.
    Sign(SignArgs),
    /// Verify every signature in one or more documents.
    Verify(VerifyArgs),
    /// Certificates and keys.
    #[command(subcommand)]
    Cert(CertCommand),
    /// Print the canonical form of an XML document (Canonical XML 1.0 by default).
    C14n(C14nArgs),
    /// Verify many documents in parallel: a report line per document, a summary at the end.
    #[command(
        after_help = "Examples:\n  kyso batch incoming/ archive-2022.list --trust roots/ --report report.jsonl\n  \
kyso batch incoming/ --trust roots/ --format csv --report report.csv --jobs 2\n  \
find /data -name '*.pdf' | kyso batch - --trust roots/ --shard 3/8 > part-3.jsonl\n\n\
Every input appears exactly once in the report, unreadable and unsupported files included.\n\
Exit codes: 0 every document passed; 1 some did not; 2 the batch itself could not run."
    )]
    Batch(BatchArgs),
}

#[derive(Args)]
struct BatchArgs {
    /// Files, directories (walked recursively), @LIST files (one path per line) or - (paths on stdin).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    #[command(flatten)]
    trust: TrustArgs,
    /// Write the report here (atomically, when the batch ends) instead of standard output.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Report format: JSON Lines (one object per document, then a summary line) or CSV (a row per signature).
    #[arg(long, value_enum, default_value = "jsonl")]
    format: ReportFormat,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Verify only the stable slice K of N (0 <= K < N) of the inputs, e.g. a Kubernetes Indexed Job's index.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// No progress bar and no summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Jsonl,
    Csv,
}

#[derive(Args)]
struct C14nArgs {
    /// The XML document.
    file: PathBuf,
    /// Exclusive XML Canonicalization 1.0.
    #[arg(long, conflicts_with = "c14n11")]
    exclusive: bool,
    /// Canonical XML 1.1.
    #[arg(long)]
    c14n11: bool,
    /// Keep comments.
    #[arg(long)]
    with_comments: bool,
    /// With --exclusive: prefixes treated inclusively (InclusiveNamespaces PrefixList; `#default` for the default namespace).
    #[arg(long, value_name = "PREFIXES", requires = "exclusive")]
    inclusive_prefixes: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum C14nArg {
    /// Canonical XML 1.0 (the e-invoice profile always uses it).
    Inclusive,
    /// Exclusive XML Canonicalization 1.0.
    Exclusive,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Seller,
    Buyer,
    Tax,
}

#[derive(Subcommand)]
enum CertCommand {
    /// Show subject, issuer, validity, signer kind (personal/agency) and identifiers.
    Inspect(InspectArgs),
}

#[derive(Args)]
struct PasswordArgs {
    /// Read the key password from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "password_file")]
    password_env: Option<String>,
    /// Read the key password from the first line of this file.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum SubFilterArg {
    /// PAdES baseline (ETSI.CAdES.detached), the default.
    #[value(name = "ETSI.CAdES.detached", alias = "pades")]
    Pades,
    /// ISO 32000-1 adbe.pkcs7.detached, for old verifiers.
    #[value(name = "adbe.pkcs7.detached", alias = "adbe")]
    Adbe,
}

#[derive(Clone, Copy, ValueEnum)]
enum DigestArg {
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Args)]
struct SignArgs {
    /// The PDF or XML documents to sign (never modified unless --in-place).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Where to write the signed document (one input).
    #[arg(short, long, value_name = "FILE", required_unless_present_any = ["in_place", "out_dir"])]
    output: Option<PathBuf>,
    /// Write each signed document into this directory under its own name (several inputs,
    /// signed in parallel with one key load).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["output", "in_place"])]
    out_dir: Option<PathBuf>,
    /// Replace each input file (atomically) instead of writing -o.
    #[arg(long, conflicts_with = "output")]
    in_place: bool,
    /// Signing threads when signing several inputs (default: one per core; outputs are written
    /// and synced by separate writer threads).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// PKCS#12 file (.p12/.pfx) with the key and its certificate chain.
    #[arg(long, value_name = "FILE")]
    p12: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
    /// Make a certification signature (DocMDP); use for the first, personal signature.
    #[arg(long)]
    certify: bool,
    /// DocMDP permissions with --certify: 1 no changes, 2 form filling and signing, 3 also annotations.
    #[arg(long, value_name = "P", default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=3))]
    mdp: u8,
    /// Signature format.
    #[arg(long, value_enum, default_value = "ETSI.CAdES.detached")]
    subfilter: SubFilterArg,
    /// Digest algorithm (default sha256).
    #[arg(long, value_enum)]
    digest: Option<DigestArg>,
    /// Signature field name (an existing empty field of that name is filled).
    #[arg(long, value_name = "NAME")]
    field: Option<String>,
    #[arg(long)]
    reason: Option<String>,
    #[arg(long)]
    location: Option<String>,
    #[arg(long)]
    contact: Option<String>,
    /// XML: canonicalization of a generic document's signature.
    #[arg(long, value_enum, help_heading = "XML")]
    c14n: Option<C14nArg>,
    /// XML e-invoice: who signs — seller (DSCKS/NBan, default), buyer (DSCKS/NMua) or tax (DSCKS/CQT).
    #[arg(long, value_enum, help_heading = "XML")]
    einvoice_role: Option<RoleArg>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct TrustArgs {
    /// Trust anchors: a PEM/DER file or a directory of them (repeatable).
    #[arg(long, value_name = "PATH")]
    trust: Vec<PathBuf>,
    /// Extra intermediate CA certificates for chain building (repeatable).
    #[arg(long, value_name = "PATH")]
    intermediates: Vec<PathBuf>,
    /// Validate certificates at this time (RFC 3339) instead of the claimed signing time.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Revocation checking: off; soft (default: check what is available, warn when a status
    /// cannot be established); hard (a status that cannot be established makes the signature
    /// indeterminate).
    #[arg(long, value_name = "POLICY", value_parser = ["off", "soft", "hard"])]
    revocation: Option<String>,
    /// Fetch missing revocation data (CRL distribution points, OCSP) and missing intermediates
    /// (AIA caIssuers) over the network. Without it, only what the document carries is used.
    #[arg(long)]
    online: bool,
}

#[derive(Args)]
struct VerifyArgs {
    /// Documents to verify.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    trust: TrustArgs,
    /// Print one JSON object per document (JSON Lines).
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct InspectArgs {
    /// A certificate (PEM/DER) or a PKCS#12 file.
    file: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
    #[arg(long)]
    json: bool,
}

pub fn run() -> Result<u8> {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return Ok(code);
        }
    };
    match cli.command {
        Command::Sign(a) => sign(a),
        Command::Verify(a) => verify(a),
        Command::Cert(CertCommand::Inspect(a)) => inspect(a),
        Command::C14n(a) => c14n(a),
        Command::Batch(a) => batch(a),
    }
}

fn read_password(p: &PasswordArgs, what: &Path) -> Result<String> {
    if let Some(var) = &p.password_env {
        return std::env::var(var)
            .with_context(|| format!("environment variable {var} is not set"));
    }
    if let Some(file) = &p.password_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        return Ok(text.lines().next().unwrap_or("").to_string());
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return rpassword::prompt_password(format!("Password for {}: ", what.display()))
            .context("cannot read the password from the terminal");
    }
    bail!(
        "no password given: use --password-env VAR or --password-file FILE (no terminal to prompt on)"
    )
}

fn sign(a: SignArgs) -> Result<u8> {
    // Where each input goes.
    let pairs: Vec<(PathBuf, PathBuf)> = match (&a.output, &a.out_dir, a.in_place) {
        (_, _, true) => a.inputs.iter().map(|i| (i.clone(), i.clone())).collect(),
        (Some(o), None, false) => {
            if a.inputs.len() != 1 {
                bail!("-o takes one input; use --out-dir DIR to sign several");
            }
            vec![(a.inputs[0].clone(), o.clone())]
        }
        (None, Some(dir), false) => {
            if !dir.is_dir() {
                bail!("--out-dir {}: not a directory", dir.display());
            }
            let mut seen = std::collections::HashSet::new();
            let mut pairs = Vec::new();
            for i in &a.inputs {
                let name = i
                    .file_name()
                    .with_context(|| format!("{}: not a file name", i.display()))?;
                if !seen.insert(name.to_os_string()) {
                    bail!(
                        "two inputs are named {}; they would overwrite each other in --out-dir",
                        name.to_string_lossy()
                    );
                }
                pairs.push((i.clone(), dir.join(name)));
            }
            pairs
        }
        _ => bail!("give -o FILE, --out-dir DIR or --in-place"),
    };
    for (input, output) in &pairs {
        if !a.in_place && same_file(input, output) {
            bail!(
                "the output would overwrite the input {}; use --in-place to do that on purpose",
                input.display()
            );
        }
    }
    let password = read_password(&a.password, &a.p12)?;
    let cred = kyso::load_credential(&a.p12, &password)?;
    let signer = kyso::signer_report(&cred.certificate);
    let sign_one =
        |input: &[u8]| -> Result<Vec<u8>, kyso::Error> { sign_document(&a, &cred, input) };
    if pairs.len() == 1 {
        let (input, output) = &pairs[0];
        let data = kyso::read_file(input)?;
        let format = kyso::detect(&data);
        let signed = sign_one(&data).with_context(|| format!("cannot sign {}", input.display()))?;
        kyso::write_atomically(output, &signed)?;
        output::signed(
            input,
            output,
            &signer,
            what_signed(format, a.einvoice_role),
            a.certify.then_some(a.mdp),
            a.json,
        );
        return Ok(EXIT_OK);
    }
    let (ok, failed) = kyso::batch::sign_files(pairs, a.jobs, sign_one, |s| match &s.result {
        Ok(()) => output::signed(
            &s.input,
            &s.output,
            &signer,
            "signed",
            a.certify.then_some(a.mdp),
            a.json,
        ),
        Err(e) => eprintln!("kyso: error: cannot sign {}: {e}", s.input.display()),
    })?;
    if !a.json {
        eprintln!("kyso sign: {ok} signed, {failed} failed");
    }
    Ok(if failed == 0 { EXIT_OK } else { EXIT_ERROR })
}

fn what_signed(format: kyso::Format, role: Option<RoleArg>) -> &'static str {
    match (format, role) {
        (kyso::Format::Pdf, _) => "approval signature",
        (_, Some(RoleArg::Buyer)) => "XML signature (e-invoices: buyer)",
        (_, Some(RoleArg::Tax)) => "XML signature (e-invoices: tax authority)",
        _ => "XML signature (e-invoices: seller)",
    }
}

/// Signs one document (PDF or XML, detected by content) with the options of `a`.
fn sign_document(
    a: &SignArgs,
    cred: &kyso::Credential,
    input: &[u8],
) -> Result<Vec<u8>, kyso::Error> {
    let digest = a.digest.map(|d| match d {
        DigestArg::Sha256 => kyso::DigestAlgorithm::Sha256,
        DigestArg::Sha384 => kyso::DigestAlgorithm::Sha384,
        DigestArg::Sha512 => kyso::DigestAlgorithm::Sha512,
    });
    match kyso::detect(input) {
        kyso::Format::Pdf => {
            if a.c14n.is_some() || a.einvoice_role.is_some() {
                return Err(kyso::Error::Invalid(
                    "--c14n and --einvoice-role are for XML documents; this is a PDF".into(),
                ));
            }
            let opts = kyso::PdfSignOptions {
                digest,
                sub_filter: match a.subfilter {
                    SubFilterArg::Pades => kyso::SubFilter::EtsiCadesDetached,
                    SubFilterArg::Adbe => kyso::SubFilter::AdbePkcs7Detached,
                },
                certify: a.certify.then_some(a.mdp),
                field: a.field.clone(),
                reason: a.reason.clone(),
                location: a.location.clone(),
                contact: a.contact.clone(),
                ..Default::default()
            };
            kyso::sign_pdf(input, cred, &opts)
        }
        kyso::Format::Xml => {
            let pdf_only = a.certify
                || a.field.is_some()
                || a.reason.is_some()
                || a.location.is_some()
                || a.contact.is_some()
                || !matches!(a.subfilter, SubFilterArg::Pades);
            if pdf_only {
                return Err(kyso::Error::Invalid(
                    "--certify, --mdp, --field, --reason, --location, --contact and --subfilter are for PDFs; this is XML".into(),
                ));
            }
            let req = kyso::XmlSignRequest {
                digest,
                c14n: match a.c14n {
                    Some(C14nArg::Exclusive) => kyso::C14nChoice::Exclusive,
                    _ => kyso::C14nChoice::Inclusive,
                },
                role: match a.einvoice_role {
                    Some(RoleArg::Buyer) => kyso::EinvoiceRole::Buyer,
                    Some(RoleArg::Tax) => kyso::EinvoiceRole::Tax,
                    _ => kyso::EinvoiceRole::Seller,
                },
                ..Default::default()
            };
            kyso::sign_xml(input, cred, &req)
        }
        kyso::Format::Unknown => Err(kyso::Error::Invalid("not a PDF or XML document".into())),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn trust_config(a: &TrustArgs) -> Result<kyso::TrustConfig> {
    let mut config = kyso::TrustConfig::default();
    for t in &a.trust {
        config.add_anchors(t)?;
    }
    for i in &a.intermediates {
        config.add_intermediates(i)?;
    }
    if let Some(at) = &a.at {
        config.at = Some(kyso_time(at)?);
    }
    if let Some(policy) = &a.revocation {
        config.revocation = policy.parse()?;
    }
    config.online = a.online;
    Ok(config)
}

fn verify(a: VerifyArgs) -> Result<u8> {
    let trust = trust_config(&a.trust)?;
    let mut code = EXIT_OK;
    for f in &a.files {
        let report = kyso::verify_file(f, &trust);
        code = code.max(match report.status {
            kyso::Status::Passed => EXIT_OK,
            kyso::Status::Error => EXIT_ERROR,
            _ => EXIT_NOT_PASSED,
        });
        if a.json {
            output::json_line(&report)?;
        } else {
            output::human_report(&report);
        }
    }
    Ok(code)
}

fn kyso_time(s: &str) -> Result<i64> {
    kyso::parse_time(s).map_err(|e| anyhow::anyhow!("--at {s}: {e}"))
}

fn inspect(a: InspectArgs) -> Result<u8> {
    let data = kyso::read_file(&a.file)?;
    let looks_pem_or_der =
        data.starts_with(b"-----BEGIN") || data.first() == Some(&0x30) && is_cert(&data);
    let certs: Vec<kyso::Certificate> = if looks_pem_or_der {
        kyso::load_certificates(&a.file)?
    } else {
        let password = read_password(&a.password, &a.file)?;
        let cred = kyso::load_credential(&a.file, &password)?;
        std::iter::once(cred.certificate)
            .chain(cred.chain)
            .collect()
    };
    for (i, c) in certs.iter().enumerate() {
        output::certificate(&kyso::inspect(c), i, a.json)?;
    }
    Ok(EXIT_OK)
}

fn is_cert(data: &[u8]) -> bool {
    kyso::Certificate::from_der(data).is_ok()
}

fn c14n(a: C14nArgs) -> Result<u8> {
    let data = kyso::read_file(&a.file)?;
    if kyso::detect(&data) != kyso::Format::Xml {
        bail!("{}: not an XML document", a.file.display());
    }
    let form = if a.exclusive {
        kyso::C14nForm::Exclusive
    } else if a.c14n11 {
        kyso::C14nForm::Inclusive11
    } else {
        kyso::C14nForm::Inclusive10
    };
    let prefixes: Vec<String> = a
        .inclusive_prefixes
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let out = kyso::canonicalize_xml(&data, form, a.with_comments, &prefixes)
        .with_context(|| format!("cannot canonicalize {}", a.file.display()))?;
    if let Err(e) = std::io::Write::write_all(&mut std::io::stdout().lock(), &out)
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    Ok(EXIT_OK)
}

fn batch(a: BatchArgs) -> Result<u8> {
    let trust = trust_config(&a.trust)?;
    let shard = a
        .shard
        .as_deref()
        .map(kyso::batch::Shard::parse)
        .transpose()?;
    let inputs: Vec<kyso::batch::Input> = a
        .inputs
        .iter()
        .map(|i| kyso::batch::Input::parse(i))
        .collect();
    let csv = a.format == ReportFormat::Csv;
    let mut out = match &a.report {
        Some(path) => output::Sink::File(kyso::AtomicFile::create(path)?),
        None => output::Sink::Stdout(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    if csv {
        output::csv_header(&mut out)?;
    }
    let progress = output::Progress::new(!a.quiet);
    let summary = kyso::batch::verify_batch(
        kyso::batch::enumerate(inputs),
        shard,
        &trust,
        a.jobs,
        |report| {
            let written = if csv {
                output::csv_rows(&mut out, report)
            } else {
                output::json_to(&mut out, report)
            };
            written.map_err(|e| kyso::Error::Invalid(format!("cannot write the report: {e}")))
        },
        |n| progress.set(n),
    );
    progress.finish();
    let summary = match summary {
        Ok(s) => s,
        Err(e) if output::is_broken_pipe(&e) => return Ok(EXIT_OK),
        Err(e) => return Err(e.into()),
    };
    if !csv {
        output::json_to(&mut out, &serde_json::json!({ "summary": summary }))?;
    }
    out.finish()?;
    if !a.quiet {
        output::batch_summary(&summary);
    }
    Ok(if summary.all_passed() {
        EXIT_OK
    } else {
        EXIT_NOT_PASSED
    })
}
