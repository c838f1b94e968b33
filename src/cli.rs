//! Arguments and dispatch.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output;

/// Exit codes scripts can rely on.
pub const EXIT_OK: u8 = 0;
pub const EXIT_NOT_PASSED: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// The top-level examples: each line short enough not to be wrapped on an 80-column terminal
/// (a long command goes on after `\`).
const TOP_EXAMPLES: &str = r"Examples:
  kyso sign letter.pdf -o letter.signed.pdf --certify \
      --p12 personal.p12 --password-env KYSO_PASSWORD
  kyso sign letter.signed.pdf -o letter.final.pdf \
      --p12 agency.p12 --password-env KYSO_PASSWORD
  kyso sign letter.pdf -o out.pdf --p12 agency.p12 \
      --password-env KYSO_PASSWORD \
      --level b-lt --tsa http://127.0.0.1:8318/ --trust roots/
  kyso timestamp out.pdf -o out.lta.pdf --tsa http://127.0.0.1:8318/
  kyso ltv out.pdf -o out.ltv.pdf --trust roots/
  kyso verify letter.final.pdf --trust root.pem
  kyso verify letter.final.pdf --trust root.pem --json
  kyso verify letter.final.pdf --trust root.pem --at 2026-12-03
  kyso sign invoice.xml -o invoice.signed.xml \
      --p12 seller.p12 --password-env KYSO_PASSWORD
  kyso sign invoice.signed.xml -o invoice.both.xml --einvoice-role buyer \
      --p12 buyer.p12 --password-env KYSO_PASSWORD
  kyso sign invoice.xml -o invoice.t.xml --level b-t \
      --tsa http://127.0.0.1:8318/ \
      --p12 seller.p12 --password-env KYSO_PASSWORD
  kyso c14n doc.xml --exclusive
  kyso cert inspect personal.p12 --password-env KYSO_PASSWORD
  kyso completions bash > ~/.local/share/bash-completion/completions/kyso
  kyso man | man -l -";

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
    after_help = TOP_EXAMPLES
)]
struct Cli {
    /// Configuration file (TOML: trust anchors, intermediates, TSA, revocation, signer-kind
    /// rules). Default: $XDG_CONFIG_HOME/kyso/config.toml or ~/.config/kyso/config.toml when it
    /// exists. Flags override it; `kyso config show` prints the result.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign a PDF (an incremental update; earlier signatures stay valid) or an XML document.
    Sign(Box<SignArgs>),
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
kyso batch incoming/ --trust roots/ --jobs 2 \\\n      --format csv --report report.csv\n  \
find /data -name '*.pdf' | \\\n      kyso batch - --trust roots/ --shard 3/8 > part-3.jsonl\n\n\
Every input appears exactly once in the report, unreadable and unsupported files included.\n\
Exit codes: 0 every document passed; 1 some did not; 2 the batch itself could not run."
    )]
    Batch(BatchArgs),
    /// Append a document time-stamp (PAdES B-LTA, /SubFilter /ETSI.RFC3161) to a PDF.
    #[command(
        long_about = "Appends a document time-stamp to a PDF as an incremental update: a signature field whose \
value (/Type /DocTimeStamp, /SubFilter /ETSI.RFC3161) holds an RFC 3161 time-stamp token from the TSA over \
the whole file. Earlier signatures stay valid; run `kyso ltv` first so the time-stamp also protects the \
validation data (that is PAdES B-LTA), and again before the time-stamp's TSA certificate expires.",
        after_help = "Examples:\n  kyso timestamp signed.pdf -o signed.lta.pdf --tsa http://127.0.0.1:8318/\n  \
kyso ltv signed.pdf -o signed.ltv.pdf && \\\n      kyso timestamp signed.ltv.pdf -o signed.lta.pdf\n  \
kyso timestamp archive.pdf --in-place    # TSA: tsa.url of the configuration\n\n\
Exit codes: 0 time-stamped; 2 usage, I/O, TSA (timeout, refusal, bad answer) or input error (no output file)."
    )]
    Timestamp(TimestampArgs),
    /// Add missing validation data (certificates, CRLs, OCSP responses) to a signed PDF's DSS.
    #[command(
        long_about = "Gathers the validation data of every signature and time-stamp in a PDF — the chain of each \
signer and of each TSA up to a trust anchor, with an OCSP response (or else a CRL) for every certificate below \
the anchor, fetched from the URLs in the certificates — and appends it to the document security store (/DSS, \
with a /VRI entry per signature) as an incremental update. Data already there is not written again. With \
--timestamp a document time-stamp follows (PAdES B-LTA).",
        after_help = "Examples:\n  kyso ltv signed.pdf -o signed.ltv.pdf --trust roots/\n  \
kyso ltv signed.pdf -o signed.lta.pdf --trust roots/ \\\n      --timestamp --tsa http://127.0.0.1:8318/\n  \
kyso ltv signed.pdf --in-place    # anchors and TSA from the configuration\n\n\
Exit codes: 0 done (also when nothing was missing); 2 a certificate's path or status could not be \
established, a server failed, or a usage/I/O error (no output file)."
    )]
    Ltv(LtvArgs),
    /// Run the verification service: POST /v1/verify answers what `verify --json` prints.
    #[command(
        long_about = "Serves HTTP on [server] listen of the configuration (default 127.0.0.1:8700) or \
--listen. POST /v1/verify takes one document as the body (any content type; the format is sniffed) and \
answers the JSON object `kyso verify --json` prints for it (file name `-`), or multipart/form-data with \
one or more `file` parts and answers JSON Lines, one report per part in order. Query parameters: at (a \
date or an RFC 3339 time, as --at), revocation=off|soft|hard, online=true|false. Trust anchors, \
intermediates, kind rules and network settings come from the configuration, as for `kyso verify`. \
Errors are RFC 9457 problem details (application/problem+json). GET /healthz and GET /readyz for \
probes. SIGTERM or SIGINT: the requests in flight finish, then kyso exits 0.",
        after_help = "Examples:\n  kyso serve --config /etc/kyso/kyso.toml\n  \
kyso serve --listen 127.0.0.1:0    # any free port; the address is printed\n  \
curl -s --data-binary @letter.pdf http://127.0.0.1:8700/v1/verify\n  \
curl -s -F file=@a.pdf -F file=@b.xml \\\n      'http://127.0.0.1:8700/v1/verify?at=2026-12-03'\n\n\
Exit codes: 0 stopped by SIGTERM/SIGINT; 2 the configuration, the trust anchors or the address failed."
    )]
    Serve(ServeArgs),
    /// The configuration file: `kyso config show` prints the effective settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a shell completion script to standard output.
    #[command(after_help = "Examples:\n  \
kyso completions bash > ~/.local/share/bash-completion/completions/kyso\n  \
kyso completions zsh > ~/.zfunc/_kyso    # fpath+=~/.zfunc in .zshrc\n  \
kyso completions fish > ~/.config/fish/completions/kyso.fish\n  \
kyso completions powershell >> $PROFILE")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to standard output: `kyso man | man -l -`.
    #[command(after_help = "Examples:\n  kyso man | man -l -\n  \
kyso man sign | man -l -                    # the page kyso-sign(1)\n  \
kyso man > ~/.local/share/man/man1/kyso.1")]
    Man(ManArgs),
}

#[derive(Args)]
struct ManArgs {
    /// A subcommand whose page to print instead (`sign` gives kyso-sign(1); `cert inspect`
    /// gives kyso-cert-inspect(1)).
    #[arg(value_name = "COMMAND")]
    command: Vec<String>,
}

#[derive(Args)]
struct CompletionsArgs {
    /// The shell to complete kyso's subcommands and options in.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (file, then flags) and where each value came from.
    #[command(
        after_help = "Examples:\n  kyso config show\n  kyso --config /etc/kyso/config.toml config show --json\n  \
kyso config show --tsa http://127.0.0.1:8318/ --revocation hard   # what if\n\n\
The file is TOML:\n  [trust]\n  anchors = [\"roots/\"]          # relative to the file\n  intermediates = [\"cas.pem\"]\n  \
[tsa]\n  url = \"http://127.0.0.1:8318/\"\n  timeout = 10                  # seconds\n  retries = 2\n  \
[revocation]\n  policy = \"soft\"               # off | soft | hard\n  online = false\n  \
[net]\n  timeout = 10\n  retries = 2\n  [einvoice]\n  tax_code_mismatch = \"warn\"    # or \"fail\"\n  [[kind.rules]]                # first match wins, where kyso cannot tell\n  \
kind = \"agency\"               # or \"personal\"\n  issuer = \"Government CA\"      # issuer DN contains\n  \
subject = \"OU=*Văn phòng*\"    # attribute glob (* ?) or substring\n  \
policy = \"1.2.3.4\"            # certificate policy OID\n  fingerprints = [\"ab12...\"]    # SHA-256"
    )]
    Show(ConfigShowArgs),
}

#[derive(Args)]
struct ConfigShowArgs {
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    tsa: TsaArgs,
    /// Print JSON instead of TOML.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct TsaArgs {
    /// Time-stamping authority URL (http://); overrides tsa.url of the configuration.
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
    /// Seconds to wait for the TSA per attempt (default 10; tsa.timeout).
    #[arg(long, value_name = "SECONDS")]
    tsa_timeout: Option<u64>,
    /// Retries after a connection failure or a 5xx answer from the TSA (default 2; tsa.retries).
    #[arg(long, value_name = "N")]
    tsa_retries: Option<u32>,
}

/// Where a command that rewrites one PDF writes it.
#[derive(Args)]
struct OutputArgs {
    /// The PDF (never modified unless --in-place).
    input: PathBuf,
    /// Where to write the result.
    #[arg(short, long, value_name = "FILE", required_unless_present = "in_place")]
    output: Option<PathBuf>,
    /// Replace the input (atomically) instead of writing -o.
    #[arg(long, conflicts_with = "output")]
    in_place: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct TimestampArgs {
    #[command(flatten)]
    out: OutputArgs,
    #[command(flatten)]
    tsa: TsaArgs,
    /// Digest of the time-stamped byte ranges (default sha256).
    #[arg(long, value_enum)]
    digest: Option<DigestArg>,
}

#[derive(Args)]
struct LtvArgs {
    #[command(flatten)]
    out: OutputArgs,
    #[command(flatten)]
    anchors: AnchorArgs,
    /// Then append a document time-stamp (PAdES B-LTA).
    #[arg(long)]
    timestamp: bool,
    #[command(flatten)]
    tsa: TsaArgs,
}

/// Trust anchors and intermediates for gathering validation data (signing at B-LT, `ltv`).
#[derive(Args)]
struct AnchorArgs {
    /// Trust anchors where the signer's and the TSA's paths end: a PEM/DER file or a directory
    /// (repeatable; replaces trust.anchors of the configuration).
    #[arg(long, value_name = "PATH", help_heading = "Validation data")]
    trust: Vec<PathBuf>,
    /// Extra intermediate CA certificates (repeatable; replaces trust.intermediates).
    #[arg(long, value_name = "PATH", help_heading = "Validation data")]
    intermediates: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LevelArg {
    /// B-B: the signature alone (default).
    #[value(name = "b-b")]
    Bb,
    /// B-T: with a signature time-stamp from the TSA (PDF and XML).
    #[value(name = "b-t")]
    Bt,
    /// B-LT: B-T plus the validation data of the signer and the TSA in the DSS (PDF only).
    #[value(name = "b-lt")]
    Blt,
    /// B-LTA: B-LT plus a document time-stamp (PDF only).
    #[value(name = "b-lta")]
    Blta,
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
    /// With --format csv: start the report with a UTF-8 byte order mark, so that spreadsheet
    /// programs (Excel) read it as UTF-8 and show Vietnamese names correctly.
    #[arg(long)]
    csv_bom: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
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
    /// One JSON object per document, then a summary line.
    Jsonl,
    /// A header, then a row per signature (a row for a document without any).
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
    /// Canonicalize only the document subset this XPath 1.0 expression selects, evaluated at the document root, e.g. `(//. | //@* | //namespace::*)[not(self::comment())]`.
    #[arg(long, value_name = "XPATH")]
    subset: Option<String>,
    /// With --subset: bind a prefix used in the expression (repeatable); the document element's prefixes are bound too.
    #[arg(long = "ns", value_name = "PREFIX=URI", requires = "subset")]
    namespaces: Vec<String>,
    /// Read the external parsed entities the internal DTD subset declares from DIR (relative file URIs inside DIR only); without it they are never read.
    #[arg(long, value_name = "DIR")]
    allow_external: Option<PathBuf>,
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
    /// The seller (DSCKS/NBan).
    Seller,
    /// The buyer (DSCKS/NMua).
    Buyer,
    /// The tax authority (DSCKS/CQT).
    Tax,
}

#[derive(Subcommand)]
enum CertCommand {
    /// Show subject, issuer, validity, signer kind (personal/agency) and identifiers.
    Inspect(InspectArgs),
}

/// Where the key password comes from. None of these values is ever printed back: a user may
/// have given the password itself where a name or a path was expected. Hyphen values are
/// taken as values, so that clap does not quote a password starting with `-` as an unknown flag.
#[derive(Args)]
struct PasswordArgs {
    /// Read the key password from the environment variable of this NAME (e.g. KYSO_PASSWORD;
    /// the name, not the password).
    #[arg(
        long,
        value_name = "VAR",
        conflicts_with = "password_file",
        allow_hyphen_values = true
    )]
    password_env: Option<String>,
    /// Read the key password from the first line of this file.
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    password_file: Option<PathBuf>,
}

/// Options whose values may be secrets: never printed back, also not in clap's own errors.
const SECRET_OPTIONS: &[&str] = &[
    "--password-env",
    "--password-file",
    "--password",
    "--pdf-password-env",
];

/// The values given to [`SECRET_OPTIONS`] on a command line (`--opt VALUE` and `--opt=VALUE`).
fn secret_values(args: &[std::ffi::OsString]) -> Vec<String> {
    let mut out = Vec::new();
    let mut iter = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        for opt in SECRET_OPTIONS {
            if arg == *opt {
                if let Some(v) = iter.next() {
                    out.push(v.into_owned());
                }
                break;
            }
            if let Some(v) = arg.strip_prefix(opt).and_then(|r| r.strip_prefix('=')) {
                out.push(v.to_string());
                break;
            }
        }
    }
    out.retain(|v| !v.is_empty());
    out
}

/// `text` with every secret value hidden: quoted ones always, bare ones when long enough not
/// to be an ordinary word of the message.
fn hide_secrets(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for s in secrets {
        text = text.replace(&format!("'{s}'"), "'<hidden>'");
        if s.chars().count() >= 4 {
            text = text.replace(s.as_str(), "<hidden>");
        }
    }
    text
}

/// Whether `name` can be an environment variable's name (letters, digits, `_`; no leading
/// digit). A password usually cannot, and is then not looked up at all.
fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PresetArg {
    /// The official's personal signature: the signature picture.
    Approve,
    /// The agency seal over the personal signature, with the number and date.
    Issue,
    /// A copy: SAO Y / SAO LỤC / TRÍCH SAO, the agency and the time, top right of page 1.
    Copy,
    /// An appendix: the number and the time, top right of page 1.
    Appendix,
    /// The receiving registry's stamp: ĐẾN, number, date.
    Incoming,
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
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
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
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    jobs: usize,
    /// PKCS#12 file (.p12/.pfx) with the key and its certificate chain.
    #[arg(long, value_name = "FILE")]
    p12: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
    /// Read the password of an encrypted PDF (user or owner password) from this environment
    /// variable; without it, encrypted PDFs are opened with the empty user password.
    #[arg(long, value_name = "VAR")]
    pdf_password_env: Option<String>,
    /// The password read from --pdf-password-env.
    #[arg(skip)]
    pdf_password: Option<kyso::PdfPassword>,
    /// Make a certification signature (DocMDP); use for the first, personal signature.
    #[arg(long, help_heading = "PDF")]
    certify: bool,
    /// DocMDP permissions, with --certify: 1 no changes, 2 form filling and signing (default),
    /// 3 also annotations.
    #[arg(long, value_name = "P", requires = "certify", help_heading = "PDF",
          value_parser = clap::value_parser!(u8).range(1..=3))]
    mdp: Option<u8>,
    /// Signature format (default ETSI.CAdES.detached).
    #[arg(long, value_enum, help_heading = "PDF")]
    subfilter: Option<SubFilterArg>,
    /// Digest algorithm (default sha256).
    #[arg(long, value_enum)]
    digest: Option<DigestArg>,
    /// Signature field name (an existing empty field of that name is filled).
    #[arg(long, value_name = "NAME", help_heading = "PDF")]
    field: Option<String>,
    /// Why the document is signed, shown by PDF readers (the signature's /Reason, e.g.
    /// "Phê duyệt").
    #[arg(long, value_name = "TEXT", help_heading = "PDF")]
    reason: Option<String>,
    /// Where it is signed (/Location, e.g. "Hà Nội").
    #[arg(long, value_name = "TEXT", help_heading = "PDF")]
    location: Option<String>,
    /// How to reach the signer (/ContactInfo, e.g. an e-mail address or a telephone number).
    #[arg(long, value_name = "TEXT", help_heading = "PDF")]
    contact: Option<String>,
    /// What the visible signature is (Decree 30/2020, Appendix I): approve — the official's
    /// handwritten-signature picture (--image) at --anchor/--rect/--field; issue — the agency
    /// seal (--image) at its real size over the left third of the personal signature, with
    /// --number and --date filled into the document; copy — the copy kind, the agency and the
    /// signing time at the top right of page 1; appendix — the number and the signing time
    /// there; incoming — the receiving registry's framed stamp (ĐẾN, number, date) at the top
    /// left of page 1. Fonts, templates and sizes: [appearance] in the configuration.
    #[arg(long, value_enum, help_heading = "Visible signature")]
    preset: Option<PresetArg>,
    /// Place the signature above TEXT (its last occurrence; the printed name under the
    /// signature, e.g. "Nguyễn Văn An"): centred on it, between it and the line above.
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["rect", "field"], help_heading = "Visible signature")]
    anchor: Option<String>,
    /// Look for the --anchor text on this page only (counted from 1).
    #[arg(
        long,
        value_name = "N",
        requires = "anchor",
        help_heading = "Visible signature"
    )]
    anchor_page: Option<usize>,
    /// A visible signature: its rectangle x1,y1,x2,y2 in PDF points from the lower-left corner
    /// of the page as PDF readers show it, e.g. 350,120,500,180.
    #[arg(long, value_name = "X1,Y1,X2,Y2", value_parser = parse_rect, help_heading = "Visible signature")]
    rect: Option<[f64; 4]>,
    /// The page of the --rect, counted from 1 (default 1).
    #[arg(
        long,
        value_name = "N",
        requires = "rect",
        help_heading = "Visible signature"
    )]
    page: Option<usize>,
    /// The picture (a PNG: the handwritten signature, or the seal), with its transparency
    /// kept; scaled to fit with its aspect kept (the seal: at its real size).
    #[arg(long, value_name = "PNG", help_heading = "Visible signature")]
    image: Option<PathBuf>,
    /// A line of text drawn under the picture (repeatable), e.g. the signer's name.
    #[arg(long = "text", value_name = "LINE", help_heading = "Visible signature")]
    text: Vec<String>,
    /// The seal's width in millimetres (default: [appearance] seal_mm, else the PNG's own
    /// resolution, else 36).
    #[arg(long, value_name = "MM", value_parser = parse_seal_mm, help_heading = "Visible signature")]
    seal_mm: Option<f64>,
    /// The document's number (issue fills it in; appendix and incoming print it),
    /// e.g. 123/UBND-VP.
    #[arg(long, value_name = "TEXT", help_heading = "Visible signature")]
    number: Option<String>,
    /// The document's date (issue fills it in; incoming prints it; default today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, help_heading = "Visible signature")]
    date: Option<kyso::Date>,
    /// copy: SAO Y (default), SAO LỤC or TRÍCH SAO.
    #[arg(long, value_name = "KIND", value_parser = parse_copy_kind, help_heading = "Visible signature")]
    copy_kind: Option<kyso::CopyKind>,
    /// copy: the copying agency printed (default the certificate's organization).
    #[arg(long, value_name = "NAME", help_heading = "Visible signature")]
    agency: Option<String>,
    /// The visible signature read from the flags above and [appearance].
    #[arg(skip)]
    visible: Option<kyso::Visible>,
    /// XML: canonicalization of a generic document's signature.
    #[arg(long, value_enum, help_heading = "XML")]
    c14n: Option<C14nArg>,
    /// XML e-invoice: who signs — seller (DSCKS/NBan, default), buyer (DSCKS/NMua) or tax (DSCKS/CQT).
    #[arg(long, value_enum, help_heading = "XML")]
    einvoice_role: Option<RoleArg>,
    /// Level: b-b (default), b-t (signature time-stamp), b-lt (plus validation data in the
    /// DSS), b-lta (plus a document time-stamp). b-t and above need a TSA (--tsa or tsa.url in
    /// the configuration); b-lt and above need trust anchors (--trust or the trust table
    /// anchors) and network access to the certificates' OCSP/CRL URLs. XML: b-b or b-t (a XAdES
    /// SignatureTimeStamp).
    #[arg(long, value_enum, default_value = "b-b")]
    level: LevelArg,
    #[command(flatten)]
    tsa: TsaArgs,
    #[command(flatten)]
    anchors: AnchorArgs,
    /// Before signing, ask the signer's OCSP responder or CRL distribution point whether the
    /// certificate is revoked (with trust anchors given; always done at b-lt and b-lta).
    #[arg(long, help_heading = "Validation data")]
    online: bool,
    /// Sign even when the signer's certificate has no valid path to the trust anchors (never
    /// when it is revoked).
    #[arg(long, help_heading = "Validation data")]
    force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct TrustArgs {
    /// Trust anchors: a PEM/DER file or a directory of them (repeatable; replaces the trust table
    /// anchors of the configuration).
    #[arg(long, value_name = "PATH")]
    trust: Vec<PathBuf>,
    /// Extra intermediate CA certificates for chain building (repeatable; replaces the trust table
    /// intermediates).
    #[arg(long, value_name = "PATH")]
    intermediates: Vec<PathBuf>,
    /// Validate certificates at this time instead of the claimed signing time: an RFC 3339 time
    /// (2026-12-03T09:30:00+07:00) or a date (2026-12-03: the start of that day in Vietnam,
    /// +07:00).
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    at: Option<i64>,
    /// Revocation checking: off; soft (default: check what is available, warn when a status
    /// cannot be established); hard (a status that cannot be established makes the signature
    /// indeterminate).
    #[arg(long, value_name = "POLICY", value_parser = ["off", "soft", "hard"])]
    revocation: Option<String>,
    /// Fetch missing revocation data (CRL distribution points, OCSP) and missing intermediates
    /// (AIA caIssuers) over the network. Without it, only what the document carries is used.
    #[arg(long)]
    online: bool,
    /// E-invoices: when the seller's (or buyer's) tax code (MST) in the invoice is not one the
    /// signer certificate carries: warn (default: a warning in the report) or fail (the
    /// signature fails with reason tax_code_mismatch). Overrides einvoice.tax_code_mismatch.
    #[arg(long, value_name = "POLICY", value_parser = ["warn", "fail"])]
    tax_code_mismatch: Option<String>,
}

#[derive(Args)]
struct VerifyArgs {
    /// Documents to verify.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    trust: TrustArgs,
    /// Read the password of encrypted PDFs (user or owner password) from this environment
    /// variable; without it, encrypted PDFs are opened with the empty user password.
    #[arg(long, value_name = "VAR")]
    pdf_password_env: Option<String>,
    /// XML: a signer key you trust (repeatable): a PEM public key (SubjectPublicKeyInfo) or
    /// certificate. A signature by a bare key you give passes (signer kind unknown, trusted as
    /// you said so); a certificate is the signer when its key verifies (KeyName, X509 identifiers
    /// or no KeyInfo) and is path-validated as usual.
    #[arg(long, value_name = "FILE")]
    key: Vec<PathBuf>,
    /// XML: the secret key of HMAC signatures (hmac-sha1/sha256/384/512): the file's bytes.
    /// Never printed.
    #[arg(long, value_name = "FILE")]
    hmac_key: Option<PathBuf>,
    /// XML: read external references (relative file URIs) inside this directory only (no
    /// absolute paths, no `..` or symbolic link out of it, no network). Without it external
    /// references are never fetched (unsupported_reference).
    #[arg(long, value_name = "DIR")]
    allow_external: Option<PathBuf>,
    /// Print one JSON object per document (JSON Lines).
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ServeArgs {
    /// The address and port to listen on (overrides [server] listen; port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// How the request log on stderr is written: text or json (overrides [server] log_format).
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<kyso::config::LogFormat>,
}

#[derive(Args)]
struct InspectArgs {
    /// A certificate (PEM/DER) or a PKCS#12 file.
    file: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
    /// Print one JSON object per certificate (JSON Lines): the leaf first, then its chain.
    #[arg(long)]
    json: bool,
}

pub fn run() -> Result<u8> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `--password VALUE`: there is no such option, and clap's tip would lead to passing the
    // password to --password-env. Say why, without the value.
    if args
        .iter()
        .map(|a| a.to_string_lossy())
        .take_while(|a| a != "--")
        .any(|a| a == "--password" || a.starts_with("--password="))
    {
        eprintln!(
            "kyso: error: kyso takes no password on the command line (other users could see it; \
the shell history keeps it): use --password-env NAME (an environment variable holding the \
password), --password-file FILE, or the prompt; the value given is not shown"
        );
        return Ok(EXIT_ERROR);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let secrets = secret_values(&args);
            let plain = e.render().to_string();
            if secrets.iter().any(|s| plain.contains(s.as_str())) {
                eprint!("{}", hide_secrets(&plain, &secrets));
            } else {
                let _ = e.print();
            }
            return Ok(code);
        }
    };
    let config = cli.config.as_deref();
    match cli.command {
        Command::Sign(a) => sign(*a, config),
        Command::Verify(a) => verify(a, config),
        Command::Cert(CertCommand::Inspect(a)) => inspect(a, config),
        Command::C14n(a) => c14n(a),
        Command::Batch(a) => batch(a, config),
        Command::Timestamp(a) => timestamp(a, config),
        Command::Ltv(a) => ltv(a, config),
        Command::Serve(a) => serve(a, config),
        Command::Config(ConfigCommand::Show(a)) => config_show(a, config),
        Command::Completions(a) => completions(a.shell),
        Command::Man(a) => man(&a.command),
    }
}

/// `kyso completions SHELL`: the completion script of the whole command tree.
fn completions(shell: clap_complete::Shell) -> Result<u8> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "kyso", &mut script);
    print_bytes(&script)
}

/// `kyso man [COMMAND…]`: the manual page of kyso or of one of its subcommands, roff.
fn man(path: &[String]) -> Result<u8> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    cmd.build();
    let mut page_of = &cmd;
    for name in path {
        page_of = match page_of.find_subcommand(name) {
            Some(sub) => sub,
            None => bail!(
                "kyso man: {} has no subcommand {name} (see kyso --help)",
                page_of.get_display_name().unwrap_or(page_of.get_name())
            ),
        };
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(page_of.clone())
        .source(format!("kyso {}", env!("CARGO_PKG_VERSION")))
        .render(&mut page)?;
    print_bytes(&page)
}

/// Writes to standard output; a reader that went away (`| head`) is not an error.
fn print_bytes(data: &[u8]) -> Result<u8> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(data).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    Ok(EXIT_OK)
}

/// The configuration file (`--config`, else the user's when present) with no flags applied.
fn load_settings(config: Option<&Path>) -> Result<kyso::Settings> {
    Ok(kyso::Settings::load(config)?)
}

/// A file of the wrong kind given to `flag`: the library's message, naming the flag.
fn name_flag(e: kyso::Error, flag: &str) -> anyhow::Error {
    match e {
        kyso::Error::WrongFileKind {
            path,
            expected,
            found,
        } => anyhow::anyhow!("{path}: expected {expected} for {flag}, found {found}"),
        other => other.into(),
    }
}

/// The trust store of `settings`; a file of the wrong kind is named with its flag when it
/// came from one.
fn trust_from(settings: &kyso::Settings) -> Result<kyso::TrustConfig> {
    settings.trust_config().map_err(|e| {
        let flag = match &e {
            kyso::Error::WrongFileKind { path, .. } => {
                let given = |list: &[PathBuf], key: &str| {
                    settings.origin(key) == kyso::config::Origin::Flag
                        && list.iter().any(|p| p.display().to_string() == *path)
                };
                if given(&settings.trust, "trust.anchors") {
                    "--trust"
                } else if given(&settings.intermediates, "trust.intermediates") {
                    "--intermediates"
                } else {
                    "the trust table of the configuration"
                }
            }
            _ => "",
        };
        name_flag(e, flag)
    })
}

/// Applies verification flags over the configuration.
fn apply_trust_flags(s: &mut kyso::Settings, a: &TrustArgs) -> Result<()> {
    apply_anchor_flags(s, &a.trust, &a.intermediates);
    if let Some(policy) = &a.revocation {
        s.revocation = policy.parse()?;
        s.set_by_flag("revocation.policy");
    }
    if a.online {
        s.online = true;
        s.set_by_flag("revocation.online");
    }
    if let Some(policy) = &a.tax_code_mismatch {
        s.tax_code_mismatch = policy.parse()?;
        s.set_by_flag("einvoice.tax_code_mismatch");
    }
    Ok(())
}

fn apply_anchor_flags(s: &mut kyso::Settings, trust: &[PathBuf], intermediates: &[PathBuf]) {
    if !trust.is_empty() {
        s.trust = trust.to_vec();
        s.set_by_flag("trust.anchors");
    }
    if !intermediates.is_empty() {
        s.intermediates = intermediates.to_vec();
        s.set_by_flag("trust.intermediates");
    }
}

fn apply_tsa_flags(s: &mut kyso::Settings, a: &TsaArgs) {
    if let Some(url) = &a.tsa {
        s.tsa.url = Some(url.clone());
        s.set_by_flag("tsa.url");
    }
    if let Some(t) = a.tsa_timeout {
        s.tsa.timeout_seconds = t;
        s.set_by_flag("tsa.timeout");
    }
    if let Some(r) = a.tsa_retries {
        s.tsa.retries = r;
        s.set_by_flag("tsa.retries");
    }
}

/// Where a one-PDF command writes, refusing to overwrite the input by accident.
fn output_path(a: &OutputArgs) -> Result<PathBuf> {
    match (&a.output, a.in_place) {
        (_, true) => Ok(a.input.clone()),
        (Some(o), false) => {
            if same_file(&a.input, o) {
                bail!(
                    "the output would overwrite the input {}; use --in-place to do that on purpose",
                    a.input.display()
                );
            }
            Ok(o.clone())
        }
        (None, false) => bail!("give -o FILE or --in-place"),
    }
}

fn read_pdf(path: &Path) -> Result<Vec<u8>> {
    let data = kyso::read_file(path)?;
    if kyso::detect(&data) != kyso::Format::Pdf {
        bail!("{}: not a PDF", path.display());
    }
    Ok(data)
}

fn digest_of(d: Option<DigestArg>) -> Option<kyso::DigestAlgorithm> {
    d.map(|d| match d {
        DigestArg::Sha256 => kyso::DigestAlgorithm::Sha256,
        DigestArg::Sha384 => kyso::DigestAlgorithm::Sha384,
        DigestArg::Sha512 => kyso::DigestAlgorithm::Sha512,
    })
}

fn timestamp(a: TimestampArgs, config: Option<&Path>) -> Result<u8> {
    let mut settings = load_settings(config)?;
    apply_tsa_flags(&mut settings, &a.tsa);
    let tsa = kyso::TsaClient::new(&settings.tsa)?;
    let output = output_path(&a.out)?;
    let data = read_pdf(&a.out.input)?;
    let file = kyso::AtomicFile::create(&output)?;
    let digest = digest_of(a.digest).unwrap_or(kyso::DigestAlgorithm::Sha256);
    let stamped = kyso::ltv::add_document_timestamp(&data, &tsa, digest)
        .with_context(|| format!("cannot time-stamp {}", a.out.input.display()))?;
    write_to(Some(file), &output, &stamped.bytes)?;
    output::timestamped(&a.out.input, &output, &stamped, tsa.url(), a.out.json);
    Ok(EXIT_OK)
}

fn ltv(a: LtvArgs, config: Option<&Path>) -> Result<u8> {
    if !a.timestamp
        && (a.tsa.tsa.is_some() || a.tsa.tsa_timeout.is_some() || a.tsa.tsa_retries.is_some())
    {
        bail!(
            "--tsa, --tsa-timeout and --tsa-retries are for the document time-stamp: add --timestamp"
        );
    }
    let mut settings = load_settings(config)?;
    apply_anchor_flags(&mut settings, &a.anchors.trust, &a.anchors.intermediates);
    apply_tsa_flags(&mut settings, &a.tsa);
    let tsa = if a.timestamp {
        Some(kyso::TsaClient::new(&settings.tsa)?)
    } else {
        None
    };
    let trust = trust_from(&settings)?;
    let output = output_path(&a.out)?;
    let data = read_pdf(&a.out.input)?;
    let file = kyso::AtomicFile::create(&output)?;
    let result = kyso::ltv::add_validation_data(&data, &trust, kyso_now())
        .with_context(|| format!("cannot add validation data to {}", a.out.input.display()))?;
    let mut bytes = result.bytes.clone();
    let mut stamped = None;
    if let Some(tsa) = &tsa {
        let s = kyso::ltv::add_document_timestamp(&bytes, tsa, kyso::DigestAlgorithm::Sha256)
            .with_context(|| format!("cannot time-stamp {}", a.out.input.display()))?;
        bytes = s.bytes.clone();
        stamped = Some(s);
    }
    if result.changed || stamped.is_some() || !a.out.in_place {
        write_to(Some(file), &output, &bytes)?;
    }
    output::ltv_done(
        &a.out.input,
        &output,
        &result,
        stamped.as_ref(),
        tsa.as_ref().map(|t| t.url()),
        a.out.json,
    )?;
    Ok(EXIT_OK)
}

fn kyso_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn config_show(a: ConfigShowArgs, config: Option<&Path>) -> Result<u8> {
    let mut settings = load_settings(config)?;
    apply_trust_flags(&mut settings, &a.trust)?;
    apply_tsa_flags(&mut settings, &a.tsa);
    let searched = if config.is_some() {
        None
    } else {
        kyso::config::default_config_path()
    };
    output::config(&settings, searched.as_deref(), a.json)?;
    Ok(EXIT_OK)
}

/// The password of encrypted PDFs from `--pdf-password-env NAME`. Like the key password
/// options, neither the name nor the value is ever printed.
fn read_pdf_password(var: Option<&String>) -> Result<Option<kyso::PdfPassword>> {
    let Some(var) = var else { return Ok(None) };
    if !is_variable_name(var) {
        bail!(
            "--pdf-password-env takes the NAME of an environment variable that holds the PDF's \
password, not the password itself; the value given is not shown"
        );
    }
    match std::env::var(var) {
        Ok(value) => Ok(Some(kyso::PdfPassword(value))),
        Err(std::env::VarError::NotPresent) => bail!(
            "the environment variable named by --pdf-password-env is not set (its name is not \
shown, in case it is the password): it takes the NAME of an environment variable that holds the \
PDF's password"
        ),
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("the environment variable named by --pdf-password-env does not hold UTF-8 text")
        }
    }
}

/// The key password. The values of the password options are never printed: whatever went
/// wrong, the message says what the option expects instead.
fn read_password(p: &PasswordArgs, what: &Path) -> Result<String> {
    if let Some(var) = &p.password_env {
        if !is_variable_name(var) {
            bail!(
                "--password-env takes the NAME of an environment variable that holds the \
password (e.g. export KYSO_PASSWORD=…, then --password-env KYSO_PASSWORD), not the password \
itself; the value given is not shown"
            );
        }
        return match std::env::var(var) {
            Ok(v) => Ok(v),
            Err(std::env::VarError::NotPresent) => bail!(
                "the environment variable named by --password-env is not set (its name is not \
shown, in case it is the password): --password-env takes the NAME of an environment variable \
that holds the password, e.g. --password-env KYSO_PASSWORD"
            ),
            Err(std::env::VarError::NotUnicode(_)) => {
                bail!("the environment variable named by --password-env does not hold UTF-8 text")
            }
        };
    }
    if let Some(file) = &p.password_file {
        let text = std::fs::read_to_string(file).map_err(|e| {
            anyhow::anyhow!(
                "cannot read the file given to --password-file (its path is not shown, in case \
it is the password): {e}"
            )
        })?;
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

fn sign(mut a: SignArgs, config: Option<&Path>) -> Result<u8> {
    a.pdf_password = read_pdf_password(a.pdf_password_env.as_ref())?;
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
            match std::fs::metadata(dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => bail!("--out-dir {}: this is a file, not a folder", dir.display()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    bail!("--out-dir {}: the folder does not exist", dir.display())
                }
                Err(e) => bail!("--out-dir {}: {e}", dir.display()),
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
    // The first output must be writable before the key is loaded: a missing or read-only
    // folder fails before the password prompt and before any signing. A single output is
    // written through this file; with several, the probe is dropped (removing it).
    let probe = match pairs.first() {
        Some((_, first)) => kyso::AtomicFile::create(first)?,
        None => bail!("nothing to sign"),
    };
    let first_output = (pairs.len() == 1).then_some(probe);
    let level = match a.level {
        LevelArg::Bb => kyso::PadesLevel::BaselineB,
        LevelArg::Bt => kyso::PadesLevel::BaselineT,
        LevelArg::Blt => kyso::PadesLevel::BaselineLt,
        LevelArg::Blta => kyso::PadesLevel::BaselineLta,
    };
    // Flags the level does not use are refused, not ignored.
    let tsa_flags: Vec<&str> = [
        ("--tsa", a.tsa.tsa.is_some()),
        ("--tsa-timeout", a.tsa.tsa_timeout.is_some()),
        ("--tsa-retries", a.tsa.tsa_retries.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(f, _)| *f)
    .collect();
    if !level.needs_tsa() && !tsa_flags.is_empty() {
        bail!(
            "{} only from --level b-t up (a signature time-stamp); this is --level {}",
            flags_apply(&tsa_flags),
            level.as_str()
        );
    }
    // Flags that apply to none of the inputs are refused before the key is loaded; a mixed
    // batch fails only the documents they do not apply to.
    let problems: Vec<(&PathBuf, String)> = pairs
        .iter()
        .filter_map(|(input, _)| {
            inapplicable_flags(&a, peek_kind(&a, input)).map(|why| (input, why))
        })
        .collect();
    if problems.len() == pairs.len()
        && let Some((input, why)) = problems.first()
    {
        bail!("cannot sign {}: {why}", input.display());
    }
    // XML is signed at b-b or b-t: refuse b-lt/b-lta for XML inputs before asking for anchors
    // (a mixed batch fails only its XML files).
    if let Some(why) = kyso::xml_level_unsupported(level)
        && pairs
            .iter()
            .all(|(input, _)| peek_format(input) == Some(kyso::Format::Xml))
    {
        bail!("{why}");
    }
    let mut settings = load_settings(config)?;
    a.visible = visible_from(&a, &settings)?;
    apply_tsa_flags(&mut settings, &a.tsa);
    apply_anchor_flags(&mut settings, &a.anchors.trust, &a.anchors.intermediates);
    if a.online {
        settings.online = true;
        settings.set_by_flag("revocation.online");
    }
    // One TSA client and one trust store for every document; both checked before the key is
    // loaded, so a missing TSA or anchor fails before the password prompt.
    let tsa = if level.needs_tsa() {
        Some(kyso::TsaClient::new(&settings.tsa)?)
    } else {
        None
    };
    let trust = trust_from(&settings)?;
    if level >= kyso::PadesLevel::BaselineLt && trust.store.anchors().is_empty() {
        bail!(
            "--level {} gathers validation data up to a trust anchor: give --trust PATH or set anchors in the [trust] table of the configuration",
            level.as_str()
        );
    }
    let services = kyso::LevelServices {
        tsa: tsa.as_ref(),
        trust: &trust,
    };
    let password = read_password(&a.password, &a.p12)?;
    let cred = kyso::load_credential(&a.p12, &password).map_err(|e| name_flag(e, "--p12"))?;
    check_signer(&a, &cred, &trust, level)?;
    let signer = kyso::signer_report(&cred.certificate, &[]);
    let sign_one = |input: &[u8]| -> Result<Vec<u8>, kyso::Error> {
        sign_document(&a, &cred, input, level, &services)
    };
    if pairs.len() == 1 {
        let (input, output) = &pairs[0];
        let data = kyso::read_file(input)?;
        let format = kyso::detect(&data);
        let signed = sign_one(&data).with_context(|| format!("cannot sign {}", input.display()))?;
        write_to(first_output, output, &signed)?;
        output::signed_at_level(
            input,
            output,
            &signer,
            what_signed(doc_kind(&data), a.einvoice_role),
            a.certify.then_some(a.mdp.unwrap_or(2)),
            match format {
                kyso::Format::Pdf => Some(("PAdES", level.as_str())),
                // JSON always has the level, as verify's report does.
                _ => (level != kyso::PadesLevel::BaselineB || a.json)
                    .then_some(("XAdES", level.as_str())),
            },
            a.json,
        );
        return Ok(EXIT_OK);
    }
    let (ok, failed) = kyso::batch::sign_files(pairs, a.jobs, sign_one, |s| match &s.result {
        Ok(()) => output::signed_at_level(
            &s.input,
            &s.output,
            &signer,
            "signed",
            a.certify.then_some(a.mdp.unwrap_or(2)),
            (level != kyso::PadesLevel::BaselineB || a.json).then(|| {
                let family = match peek_format(&s.input) {
                    Some(kyso::Format::Pdf) => "PAdES",
                    Some(kyso::Format::Xml) => "XAdES",
                    _ => "",
                };
                (family, level.as_str())
            }),
            a.json,
        ),
        Err(e) => eprintln!("kyso: error: cannot sign {}: {e}", s.input.display()),
    })?;
    if !a.json {
        eprintln!("kyso sign: {ok} signed, {failed} failed");
    }
    Ok(if failed == 0 { EXIT_OK } else { EXIT_ERROR })
}

/// Before anything is signed: the certificate must be valid now and, with trust anchors
/// configured, have a path to them and not be revoked (checked online with --online, and at
/// b-lt and above, which fetch the revocation data anyway). --force signs without a path,
/// never with a revoked certificate.
fn check_signer(
    a: &SignArgs,
    cred: &kyso::Credential,
    trust: &kyso::TrustConfig,
    level: kyso::PadesLevel,
) -> Result<()> {
    let now = kyso_now();
    kyso::check_credential(cred, now)?;
    let mut trust = trust.clone();
    if level >= kyso::PadesLevel::BaselineLt {
        trust.online = true;
    }
    match kyso::check_signing_certificate(cred, &trust, now) {
        Ok(warnings) => {
            for w in warnings {
                eprintln!("kyso: warning: {w}");
            }
            Ok(())
        }
        Err(e) if e.overridable() && a.force => {
            eprintln!("kyso: warning: {e}; signing anyway (--force)");
            Ok(())
        }
        Err(e) if e.overridable() => {
            bail!("{e}; nothing was signed (check --trust, or use --force to sign anyway)")
        }
        Err(e) => bail!("{e}; nothing was signed"),
    }
}

/// Writes `data` through `file` (created beforehand for `path`, or now) and commits it.
fn write_to(file: Option<kyso::AtomicFile>, path: &Path, data: &[u8]) -> Result<()> {
    let mut file = match file {
        Some(f) => f,
        None => kyso::AtomicFile::create(path)?,
    };
    std::io::Write::write_all(&mut file, data)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(file.commit()?)
}

/// The format of a file from its first bytes, `None` when it cannot be read.
fn peek_format(path: &Path) -> Option<kyso::Format> {
    use std::io::Read;
    let mut head = Vec::with_capacity(1024);
    std::fs::File::open(path)
        .ok()?
        .take(1024)
        .read_to_end(&mut head)
        .ok()?;
    Some(kyso::detect(&head))
}

fn what_signed(kind: DocKind, role: Option<RoleArg>) -> &'static str {
    match (kind, role) {
        (DocKind::Pdf, _) => "approval signature",
        (DocKind::Invoice, Some(RoleArg::Buyer)) => "XML signature (e-invoice: buyer)",
        (DocKind::Invoice, Some(RoleArg::Tax)) => "XML signature (e-invoice: tax authority)",
        (DocKind::Invoice, _) => "XML signature (e-invoice: seller)",
        _ => "XML signature",
    }
}

/// `--a applies` or `--a, --b and --c apply`.
fn flags_apply(flags: &[&str]) -> String {
    match flags {
        [] => String::new(),
        [one] => format!("{one} applies"),
        [init @ .., last] => format!("{} and {last} apply", init.join(", ")),
    }
}

/// What a document to sign is, as far as the sign flags care.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DocKind {
    Pdf,
    /// An e-invoice (HDon), signed with the e-invoice profile.
    Invoice,
    /// Any other XML document.
    Xml,
    Unknown,
}

/// The kind of `data` (an XML document is parsed to tell an e-invoice).
fn doc_kind(data: &[u8]) -> DocKind {
    match kyso::detect(data) {
        kyso::Format::Pdf => DocKind::Pdf,
        kyso::Format::Xml if kyso::is_einvoice(data) => DocKind::Invoice,
        kyso::Format::Xml => DocKind::Xml,
        kyso::Format::Unknown => DocKind::Unknown,
    }
}

/// The kind of `data` as far as the flags given care: an XML document is parsed (to tell an
/// e-invoice) only when an XML flag is given.
fn flag_kind(a: &SignArgs, data: &[u8]) -> DocKind {
    match kyso::detect(data) {
        kyso::Format::Xml if a.einvoice_role.is_none() && a.c14n.is_none() => DocKind::Xml,
        _ => doc_kind(data),
    }
}

/// The kind of the file at `path` for the checks made before the key is loaded: from its
/// first bytes, the whole file read only for an XML document when an XML flag is given.
fn peek_kind(a: &SignArgs, path: &Path) -> DocKind {
    match peek_format(path) {
        Some(kyso::Format::Pdf) => DocKind::Pdf,
        Some(kyso::Format::Xml) if a.einvoice_role.is_some() || a.c14n.is_some() => {
            kyso::read_file(path)
                .map(|d| doc_kind(&d))
                .unwrap_or(DocKind::Unknown)
        }
        Some(kyso::Format::Xml) => DocKind::Xml,
        _ => DocKind::Unknown,
    }
}

/// The sign flags given that cannot apply to a document of `kind`, as the message refusing
/// them (`None` when every flag given applies). Nothing given is ever silently ignored.
fn inapplicable_flags(a: &SignArgs, kind: DocKind) -> Option<String> {
    let given = |flags: &[(&'static str, bool)]| -> Vec<&'static str> {
        flags
            .iter()
            .filter(|(_, on)| *on)
            .map(|(f, _)| *f)
            .collect()
    };
    let mut why = Vec::new();
    match kind {
        DocKind::Pdf => {
            let xml = given(&[
                ("--c14n", a.c14n.is_some()),
                ("--einvoice-role", a.einvoice_role.is_some()),
            ]);
            if !xml.is_empty() {
                why.push(format!(
                    "{} only to XML documents; this is a PDF",
                    flags_apply(&xml)
                ));
            }
        }
        DocKind::Xml | DocKind::Invoice => {
            let pdf = given(&[
                ("--certify", a.certify),
                ("--mdp", a.mdp.is_some()),
                ("--subfilter", a.subfilter.is_some()),
                ("--field", a.field.is_some()),
                ("--reason", a.reason.is_some()),
                ("--location", a.location.is_some()),
                ("--contact", a.contact.is_some()),
                ("--preset", a.preset.is_some()),
                ("--anchor", a.anchor.is_some()),
                ("--rect", a.rect.is_some()),
                ("--page", a.page.is_some()),
                ("--image", a.image.is_some()),
                ("--text", !a.text.is_empty()),
                ("--seal-mm", a.seal_mm.is_some()),
                ("--number", a.number.is_some()),
                ("--date", a.date.is_some()),
                ("--copy-kind", a.copy_kind.is_some()),
                ("--agency", a.agency.is_some()),
            ]);
            if !pdf.is_empty() {
                why.push(format!(
                    "{} only to PDFs; this is an XML document",
                    flags_apply(&pdf)
                ));
            }
            if kind == DocKind::Xml && a.einvoice_role.is_some() {
                why.push(
                    "--einvoice-role applies only to e-invoices (an HDon element, alone or in a \
TDiep message); this XML document is not one"
                        .into(),
                );
            }
            if kind == DocKind::Invoice && matches!(a.c14n, Some(C14nArg::Exclusive)) {
                why.push(
                    "--c14n exclusive: an e-invoice is always signed with Canonical XML 1.0 \
(inclusive)"
                        .into(),
                );
            }
        }
        DocKind::Unknown => {}
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// Signs one document (PDF or XML, detected by content) with the options of `a`.
fn sign_document(
    a: &SignArgs,
    cred: &kyso::Credential,
    input: &[u8],
    level: kyso::PadesLevel,
    services: &kyso::LevelServices<'_>,
) -> Result<Vec<u8>, kyso::Error> {
    let digest = digest_of(a.digest);
    if let Some(why) = inapplicable_flags(a, flag_kind(a, input)) {
        return Err(kyso::Error::Invalid(why));
    }
    let opts = kyso::DocumentSignOptions {
        pdf: kyso::PdfSignOptions {
            digest,
            sub_filter: match a.subfilter {
                None | Some(SubFilterArg::Pades) => kyso::SubFilter::EtsiCadesDetached,
                Some(SubFilterArg::Adbe) => kyso::SubFilter::AdbePkcs7Detached,
            },
            certify: a.certify.then_some(a.mdp.unwrap_or(2)),
            field: a.field.clone(),
            reason: a.reason.clone(),
            location: a.location.clone(),
            contact: a.contact.clone(),
            level,
            pdf_password: a.pdf_password.clone(),
            visible: a.visible.clone(),
            ..Default::default()
        },
        xml: kyso::XmlSignRequest {
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
            level,
            ..Default::default()
        },
    };
    match kyso::sign_document(input, cred, &opts, services) {
        Err(kyso::Error::UnsupportedFormat) => {
            Err(kyso::Error::Invalid("not a PDF or XML document".into()))
        }
        other => other,
    }
}

/// Whether two paths name the same file (the same inode, so hard links and symlinks count).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => a == b,
        }
    }
    #[cfg(not(unix))]
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The verification settings: the configuration file, then the flags.
fn trust_config(a: &TrustArgs, config: Option<&Path>) -> Result<kyso::TrustConfig> {
    let mut settings = load_settings(config)?;
    apply_trust_flags(&mut settings, a)?;
    let mut trust = trust_from(&settings)?;
    if let Some(at) = a.at {
        trust.at = Some(at);
    }
    Ok(trust)
}

fn verify(a: VerifyArgs, config: Option<&Path>) -> Result<u8> {
    let mut trust = trust_config(&a.trust, config)?;
    trust.pdf_password = read_pdf_password(a.pdf_password_env.as_ref())?;
    for k in &a.key {
        trust.add_xml_keys(k)?;
    }
    if let Some(h) = &a.hmac_key {
        trust.set_hmac_key(h)?;
    }
    trust.xml.external_dir = a.allow_external.clone();
    let mut code = EXIT_OK;
    for f in &a.files {
        let report = kyso::verify_file(f, &trust);
        code = code.max(match report.status {
            kyso::Status::Passed => EXIT_OK,
            kyso::Status::Error => EXIT_ERROR,
            _ => EXIT_NOT_PASSED,
        });
        if a.json {
            output::report_line(&report)?;
        } else {
            output::human_report(&report);
        }
    }
    Ok(code)
}

/// `kyso serve`: the configuration read as `kyso verify` reads it, then the service until
/// SIGTERM/SIGINT.
fn serve(a: ServeArgs, config: Option<&Path>) -> Result<u8> {
    let mut settings = load_settings(config)?;
    if let Some(listen) = a.listen {
        settings.server.listen = listen;
        settings.set_by_flag("server.listen");
    }
    if let Some(format) = a.log_format {
        settings.server.log_format = format;
        settings.set_by_flag("server.log_format");
    }
    let trust = trust_from(&settings)?;
    // Every key is loaded before the service listens: a missing file or a wrong password
    // stops the start (the error names the key id, never the password).
    let mut keys = Vec::new();
    for k in &settings.keys {
        keys.push((k.id.clone(), k.load()?, k.load_image()?));
    }
    let signing = kyso_server::Signing {
        keys,
        tsa: settings.tsa.clone(),
        appearance: settings.appearance.clone(),
    };
    let scheme = if settings.server.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    kyso_server::run(&settings.server, trust, signing, |addr| {
        eprintln!("kyso serve: listening on {scheme}://{addr}");
    })?;
    eprintln!("kyso serve: stopped");
    Ok(EXIT_OK)
}

/// The visible signature the flags ask for (none: invisible), with `[appearance]`.
fn visible_from(a: &SignArgs, settings: &kyso::Settings) -> Result<Option<kyso::Visible>> {
    let image = match &a.image {
        Some(path) => {
            let data = std::fs::read(path)
                .with_context(|| format!("--image {}: cannot be read", path.display()))?;
            Some(
                kyso::AppearanceImage::from_png(&data)
                    .map_err(|e| anyhow::anyhow!("--image {}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let options = kyso::VisibleOptions {
        preset: a.preset.map(|p| match p {
            PresetArg::Approve => kyso::Preset::Approve,
            PresetArg::Issue => kyso::Preset::Issue,
            PresetArg::Copy => kyso::Preset::Copy,
            PresetArg::Appendix => kyso::Preset::Appendix,
            PresetArg::Incoming => kyso::Preset::Incoming,
        }),
        anchor: a.anchor.clone(),
        anchor_page: a.anchor_page,
        rect: a.rect,
        page: a.page,
        image,
        text: a.text.clone(),
        seal_mm: a.seal_mm,
        number: a.number.clone(),
        date: a.date,
        copy_kind: a.copy_kind,
        agency: a.agency.clone(),
    };
    Ok(options.into_visible(a.field.is_some(), &settings.appearance)?)
}

/// `--date YYYY-MM-DD`.
fn parse_date(s: &str) -> std::result::Result<kyso::Date, String> {
    s.parse().map_err(|e: kyso::Error| e.to_string())
}

/// `--copy-kind`.
fn parse_copy_kind(s: &str) -> std::result::Result<kyso::CopyKind, String> {
    s.parse().map_err(|e: kyso::Error| e.to_string())
}

/// `--seal-mm`: 5 to 100 millimetres.
fn parse_seal_mm(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (5.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}' is not a seal width: give 5 to 100 millimetres"
        )),
    }
}

/// `--rect x1,y1,x2,y2`: four numbers in PDF points.
fn parse_rect(s: &str) -> std::result::Result<[f64; 4], String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| format!("expected four numbers x1,y1,x2,y2 (PDF points), not '{s}'"))?;
    match v[..] {
        [a, b, c, d] if v.iter().all(|x| x.is_finite()) => Ok([a, b, c, d]),
        _ => Err(format!(
            "expected four numbers x1,y1,x2,y2 (PDF points), not '{s}'"
        )),
    }
}

/// `--at`: [`kyso::parse_at`], with its message for clap.
fn parse_at(s: &str) -> std::result::Result<i64, String> {
    kyso::parse_at(s).map_err(|e| e.to_string())
}

fn inspect(a: InspectArgs, config: Option<&Path>) -> Result<u8> {
    // Signer-kind rules of the configuration decide what the built-in rules leave unknown.
    let rules = load_settings(config)?.kind_rules;
    let data = kyso::read_file(&a.file)?;
    let looks_pem_or_der =
        data.starts_with(b"-----BEGIN") || data.first() == Some(&0x30) && is_cert(&data);
    if looks_pem_or_der && (a.password.password_env.is_some() || a.password.password_file.is_some())
    {
        bail!(
            "{} is a certificate, which has no password: the password options are for PKCS#12 files",
            a.file.display()
        );
    }
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
        let mut info = kyso::inspect(c);
        if !rules.is_empty() {
            let classified = kyso::classify_with_rules(c, &rules);
            info.summary.kind = classified.kind;
            info.kind_basis = classified.basis;
        }
        output::certificate(&info, i, a.json)?;
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
    let mut namespaces = Vec::new();
    for b in &a.namespaces {
        let Some((p, u)) = b.split_once('=') else {
            bail!("--ns {b}: expected PREFIX=URI");
        };
        namespaces.push((p.to_string(), u.to_string()));
    }
    let out = kyso::canonicalize_xml_with(
        &data,
        form,
        a.with_comments,
        &prefixes,
        a.subset.as_deref().map(|e| (e, namespaces.as_slice())),
        a.allow_external.as_deref(),
    )
    .with_context(|| format!("cannot canonicalize {}", a.file.display()))?;
    if let Err(e) = std::io::Write::write_all(&mut std::io::stdout().lock(), &out)
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.into());
    }
    Ok(EXIT_OK)
}

fn batch(a: BatchArgs, config: Option<&Path>) -> Result<u8> {
    let trust = trust_config(&a.trust, config)?;
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
    if a.csv_bom && !csv {
        bail!("--csv-bom is for --format csv");
    }
    let mut out = match &a.report {
        Some(path) => output::Sink::File(kyso::AtomicFile::create(path)?),
        None => output::Sink::Stdout(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    if csv {
        output::csv_header(&mut out, a.csv_bom)?;
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
                report.write_json_line(&mut out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_found_and_hidden() {
        let args: Vec<std::ffi::OsString> = [
            "kyso",
            "sign",
            "--password-env",
            "--Mật khẩu",
            "--password-file=pw.txt",
            "--password",
            "abc",
            "--",
            "--password",
            "not-a-value",
        ]
        .iter()
        .map(Into::into)
        .collect();
        let secrets = secret_values(&args);
        assert_eq!(secrets, ["--Mật khẩu", "pw.txt", "abc"]);
        let text = "error: unexpected argument '--Mật khẩu' found; 'abc' and pw.txt; abcd";
        assert_eq!(
            hide_secrets(text, &secrets),
            "error: unexpected argument '<hidden>' found; '<hidden>' and <hidden>; abcd"
        );
    }

    /// Every argument (options and positionals, of every subcommand) and every subcommand
    /// has help text.
    #[test]
    fn every_argument_and_subcommand_has_help() {
        use clap::CommandFactory;
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let help = arg
                    .get_help()
                    .or(arg.get_long_help())
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                if help.trim().is_empty() {
                    missing.push(format!("{path}: {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                let about = sub
                    .get_about()
                    .or(sub.get_long_about())
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                let name = format!("{path} {}", sub.get_name());
                if about.trim().is_empty() {
                    missing.push(format!("{name} (the subcommand)"));
                }
                walk(sub, &name, missing);
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        walk(&cmd, "kyso", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:#?}");
        // The walk saw the subcommands' own arguments.
        let sign = cmd.find_subcommand("sign").expect("sign");
        assert!(sign.get_arguments().any(|a| a.get_id() == "reason"));
    }

    /// The examples (indented lines after the help) are never wrapped: at 80 and at 100
    /// columns each appears whole, as written.
    #[test]
    fn examples_are_not_wrapped() {
        use clap::CommandFactory;
        fn walk(cmd: &mut clap::Command, path: &str, checked: &mut usize) {
            let after: Vec<String> = [cmd.get_after_help(), cmd.get_after_long_help()]
                .into_iter()
                .flatten()
                .map(|h| h.to_string())
                .collect();
            for width in [80, 100] {
                let rendered = cmd.clone().term_width(width).render_long_help().to_string();
                let lines: Vec<&str> = rendered.lines().map(str::trim_end).collect();
                for text in &after {
                    for line in text.lines().filter(|l| l.starts_with("  ")) {
                        assert!(
                            line.chars().count() <= 78,
                            "{path}: example longer than 78 columns: {line}"
                        );
                        assert!(
                            lines.contains(&line.trim_end()),
                            "{path}: at {width} columns, not whole: {line}\n{rendered}"
                        );
                        *checked += 1;
                    }
                }
            }
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            for name in names {
                if let Some(sub) = cmd.find_subcommand_mut(&name) {
                    walk(sub, &format!("{path} {name}"), checked);
                }
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        let mut checked = 0;
        walk(&mut cmd, "kyso", &mut checked);
        assert!(checked > 40, "only {checked} example lines seen");
    }

    #[test]
    fn at_takes_a_date_or_an_rfc3339_time() {
        // 2026-12-03 at 00:00 in +07:00 is 2026-12-02T17:00:00Z.
        let start = parse_at("2026-12-03").expect("a date");
        assert_eq!(kyso::rfc3339(start), "2026-12-02T17:00:00Z");
        assert_eq!(parse_at("2026-12-03T00:00:00+07:00"), Ok(start));
        assert_eq!(parse_at("2026-12-02T17:00:00Z"), Ok(start));
        assert_eq!(parse_at(" 2026-12-03 "), Ok(start));
        for bad in [
            "",
            "tomorrow",
            "2026-12-3",
            "03/12/2026",
            "2026-13-01",
            "2026-12-32",
            "20261203",
            "2026-12-03T25:00:00Z",
        ] {
            let e = parse_at(bad).expect_err(bad);
            assert!(e.contains("2026-12-03"), "{bad}: {e}");
        }
    }

    #[test]
    fn variable_names() {
        for ok in ["KYSO_PASSWORD", "_x", "a1"] {
            assert!(is_variable_name(ok), "{ok}");
        }
        for bad in ["", "1A", "Mật khẩu", "A-B", "A B", "pass!"] {
            assert!(!is_variable_name(bad), "{bad}");
        }
    }
}
