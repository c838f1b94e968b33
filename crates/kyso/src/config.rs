//! The configuration file (TOML): trust anchors, extra intermediates, the TSA, revocation
//! policy, network timeouts, the e-invoice tax code policy and signer-kind rules.
//!
//! It is read from `--config FILE`, else from `$XDG_CONFIG_HOME/kyso/config.toml` (or
//! `~/.config/kyso/config.toml`) when that exists. Command-line flags override it:
//! [`Settings`] keeps where every value came from for `kyso config show`.
//!
//! ```toml
//! [trust]
//! anchors = ["roots/"]              # files or directories, relative to this file
//! intermediates = ["cas.pem"]
//!
//! [tsa]
//! url = "http://127.0.0.1:8318/"
//! timeout = 10                      # seconds per attempt
//! retries = 2
//!
//! [revocation]
//! policy = "soft"                   # off | soft | hard
//! online = false
//!
//! [net]                             # CRL, OCSP and AIA fetching
//! timeout = 10
//! retries = 2
//!
//! [einvoice]
//! tax_code_mismatch = "warn"        # warn | fail: the invoice's MST is not the signer's
//!
//! [server]                          # kyso serve
//! listen = "127.0.0.1:8700"
//! body_limit = 104857600            # bytes of one request body (100 MiB)
//! concurrency = 64                  # verifications in flight; more get 503 + Retry-After
//! verify_requires_token = false     # true: POST /v1/verify needs a token with scope "verify"
//! audit_log = "audit.jsonl"         # one JSON line per signing attempt, fsynced
//! metrics_requires_token = false    # true: GET /metrics needs a token with scope "metrics"
//!
//! [server.jwt]                      # OIDC/JWT bearer tokens, besides [[server.tokens]]
//! jwks = "jwks.json"                # the issuer's public keys (JWKS), read once at start
//! issuer = "https://login.example.gov.vn"   # the iss every token must carry
//! audience = "kyso"                 # the aud every token must carry
//! scopes_claim = "scope"            # a space-separated string or an array of scopes
//! algorithms = ["RS256", "ES256"]   # accepted signature algorithms (never none or HS*)
//! tls_cert = "server.pem"           # HTTPS: the certificate chain (PEM); plain HTTP without it
//! tls_key = "server.key"            # its private key (PEM: PKCS#8, RSA or EC)
//! tls12 = false                     # true: also TLS 1.2 (TLS 1.3 only by default)
//! header_timeout = 10               # seconds to receive a request's head
//! request_timeout = 120             # seconds from the head to the answer
//! log_format = "text"               # text | json: one line per request on stderr
//!
//! [[server.tokens]]                 # bearer tokens, by the SHA-256 of the token
//! name = "registry"
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! scopes = ["verify", "sign:agency"]
//!
//! [[keys]]                          # signing keys of kyso serve, loaded at its start
//! id = "agency"
//! p12 = "agency.p12"
//! password_env = "KYSO_AGENCY_PASSWORD"   # or password_file = "agency.pw"
//!
//! [[kind.rules]]                    # first matching rule wins; every condition given must hold
//! kind = "agency"
//! issuer = "Government CA"
//! subject = "OU=*Văn phòng*"
//!
//! [[kind.rules]]
//! kind = "personal"
//! policy = "1.3.6.1.4.1.99999.1.2"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kyso_pki::{Certificate, Classification, SignerKind, classify};
use serde::{Deserialize, Serialize};

use crate::trust::tsa::TsaConfig;
use crate::{Error, NetConfig, RevocationPolicy, TaxCodePolicy, TrustConfig};

/// The file name looked for in the user's configuration directory.
pub const CONFIG_FILE_NAME: &str = "config.toml";

// ------------------------------------------------------------------------------- the file

/// The configuration file as written (every key optional; unknown keys are errors).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    trust: FileTrust,
    #[serde(default)]
    tsa: FileTsa,
    #[serde(default)]
    revocation: FileRevocation,
    #[serde(default)]
    net: FileNet,
    #[serde(default)]
    einvoice: FileEinvoice,
    #[serde(default)]
    kind: FileKind,
    #[serde(default)]
    server: FileServer,
    #[serde(default)]
    keys: Vec<FileKey>,
    #[serde(default)]
    appearance: FileAppearance,
}

/// `[appearance]`: how visible signatures look (see [`crate::AppearanceSettings`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAppearance {
    font: Option<PathBuf>,
    text_size: Option<f64>,
    seal_mm: Option<f64>,
    time_format: Option<String>,
    date_format: Option<String>,
    copy_template: Option<Vec<String>>,
    appendix_template: Option<Vec<String>>,
    incoming_template: Option<Vec<String>>,
    number_field: Option<String>,
    date_field: Option<String>,
    number_at: Option<crate::Spot>,
    date_at: Option<crate::Spot>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKey {
    id: String,
    p12: PathBuf,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    image: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToken {
    name: String,
    sha256: String,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileServer {
    listen: Option<std::net::SocketAddr>,
    body_limit: Option<u64>,
    concurrency: Option<u32>,
    verify_requires_token: Option<bool>,
    audit_log: Option<PathBuf>,
    metrics_requires_token: Option<bool>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls12: Option<bool>,
    header_timeout: Option<u64>,
    request_timeout: Option<u64>,
    log_format: Option<LogFormat>,
    #[serde(default)]
    tokens: Vec<FileToken>,
    jwt: Option<FileJwt>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileJwt {
    jwks: PathBuf,
    issuer: String,
    audience: String,
    scopes_claim: Option<String>,
    algorithms: Option<Vec<JwtAlgorithm>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEinvoice {
    tax_code_mismatch: Option<TaxCodePolicy>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTrust {
    anchors: Option<Vec<PathBuf>>,
    intermediates: Option<Vec<PathBuf>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTsa {
    url: Option<String>,
    timeout: Option<u64>,
    retries: Option<u32>,
    policy: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRevocation {
    policy: Option<RevocationPolicy>,
    online: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileNet {
    timeout: Option<u64>,
    retries: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKind {
    #[serde(default)]
    rules: Vec<KindRule>,
}

// ------------------------------------------------------------------------------ server

/// `[server]`: what `kyso serve` listens on and how much it takes at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerSettings {
    /// The address and port to listen on (`127.0.0.1:8700`).
    pub listen: std::net::SocketAddr,
    /// The largest request body accepted, in bytes (larger ones get 413).
    pub body_limit: u64,
    /// Requests verifying at once; more get 503 with `Retry-After`.
    pub concurrency: u32,
    /// Whether `POST /v1/verify` needs a bearer token with the scope `verify`.
    pub verify_requires_token: bool,
    /// Where every signing attempt is recorded (one JSON line each), if anywhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_log: Option<PathBuf>,
    /// The certificate chain (PEM) to serve HTTPS with; plain HTTP without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM: PKCS#8, RSA or EC) of `tls_cert`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    /// Whether TLS 1.2 is accepted too (TLS 1.3 only by default).
    pub tls12: bool,
    /// Seconds a client has to send a request's head (and, with TLS, to finish the handshake).
    #[serde(rename = "header_timeout")]
    pub header_timeout_seconds: u64,
    /// Seconds from a request's head to its answer (reading the body included).
    #[serde(rename = "request_timeout")]
    pub request_timeout_seconds: u64,
    /// How the request log on stderr is written.
    pub log_format: LogFormat,
    /// The bearer tokens accepted (by their SHA-256; never the tokens themselves).
    #[serde(skip)]
    pub tokens: Vec<TokenConfig>,
    /// Whether `GET /metrics` needs a bearer token with the scope `metrics`.
    pub metrics_requires_token: bool,
    /// `[server.jwt]`: JWT bearer tokens of an OIDC issuer, if accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<JwtConfig>,
}

/// `[server.jwt]`: JWT bearer tokens signed by an issuer whose public keys are in a JWKS file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JwtConfig {
    /// The JWKS file (`{"keys": [...]}`), read once when the service starts.
    pub jwks: PathBuf,
    /// The `iss` every token must carry.
    pub issuer: String,
    /// The `aud` every token must carry (or contain).
    pub audience: String,
    /// The claim holding the scopes: a space-separated string or an array of strings.
    pub scopes_claim: String,
    /// The signature algorithms accepted.
    pub algorithms: Vec<JwtAlgorithm>,
}

/// A JWT signature algorithm `kyso serve` accepts: public-key ones only (never `none`, never
/// an HMAC with a shared secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    #[serde(rename = "RS256")]
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    #[serde(rename = "RS384")]
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    #[serde(rename = "RS512")]
    Rs512,
    /// RSASSA-PSS with SHA-256.
    #[serde(rename = "PS256")]
    Ps256,
    /// RSASSA-PSS with SHA-384.
    #[serde(rename = "PS384")]
    Ps384,
    /// RSASSA-PSS with SHA-512.
    #[serde(rename = "PS512")]
    Ps512,
    /// ECDSA P-256 with SHA-256.
    #[serde(rename = "ES256")]
    Es256,
    /// ECDSA P-384 with SHA-384.
    #[serde(rename = "ES384")]
    Es384,
    /// Ed25519.
    #[serde(rename = "EdDSA")]
    EdDsa,
}

impl JwtAlgorithm {
    /// The `alg` name (`RS256`, `ES256`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            JwtAlgorithm::Rs256 => "RS256",
            JwtAlgorithm::Rs384 => "RS384",
            JwtAlgorithm::Rs512 => "RS512",
            JwtAlgorithm::Ps256 => "PS256",
            JwtAlgorithm::Ps384 => "PS384",
            JwtAlgorithm::Ps512 => "PS512",
            JwtAlgorithm::Es256 => "ES256",
            JwtAlgorithm::Es384 => "ES384",
            JwtAlgorithm::EdDsa => "EdDSA",
        }
    }
}

/// `server.log_format`: how `kyso serve` writes its one line per request on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `key=value` text.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("'{s}' is not a log format (text or json)")),
        }
    }
}

/// `[[server.tokens]]`: a bearer token kyso serve accepts, known by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    /// The token's name (recorded in the audit log instead of the token).
    pub name: String,
    /// The SHA-256 of the token.
    pub sha256: [u8; 32],
    /// What the token allows: `verify`, `sign:<key id>`.
    pub scopes: Vec<String>,
}

impl TokenConfig {
    /// Whether the token has `scope`.
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// Where the password of a configured key comes from (never the password itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPassword {
    /// The environment variable of this name.
    Env(String),
    /// The first line of this file.
    File(PathBuf),
}

/// `[[keys]]`: a signing key of kyso serve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyConfig {
    /// The name callers use (`POST /v1/sign?key=ID`, scope `sign:ID`).
    pub id: String,
    /// The PKCS#12 file.
    pub p12: PathBuf,
    /// Where its password comes from.
    pub password: KeyPassword,
    /// The key's picture for visible signatures (a PNG: the official's handwritten signature
    /// or the agency's seal), drawn by the approve and issue presets.
    pub image: Option<PathBuf>,
}

impl KeyConfig {
    /// Reads and decodes [`KeyConfig::image`], naming the key in errors.
    pub fn load_image(&self) -> Result<Option<crate::AppearanceImage>, Error> {
        let Some(path) = &self.image else {
            return Ok(None);
        };
        let fail = |reason: String| Error::ConfiguredKey {
            id: self.id.clone(),
            reason,
        };
        let data =
            std::fs::read(path).map_err(|e| fail(format!("image {}: {e}", path.display())))?;
        crate::AppearanceImage::from_png(&data)
            .map(Some)
            .map_err(|e| fail(format!("image {}: {e}", path.display())))
    }

    /// Reads the password and loads the credential. Every error names the key id, never the
    /// password.
    pub fn load(&self) -> Result<crate::Credential, Error> {
        let fail = |reason: String| Error::ConfiguredKey {
            id: self.id.clone(),
            reason,
        };
        let password = match &self.password {
            KeyPassword::Env(var) => match std::env::var(var) {
                Ok(v) => v,
                Err(std::env::VarError::NotPresent) => {
                    return Err(fail(format!(
                        "the environment variable {var} (password_env) is not set"
                    )));
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(fail(format!(
                        "the environment variable {var} (password_env) does not hold UTF-8 text"
                    )));
                }
            },
            KeyPassword::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => text.lines().next().unwrap_or("").to_string(),
                Err(e) => {
                    return Err(fail(format!(
                        "cannot read password_file {}: {e}",
                        path.display()
                    )));
                }
            },
        };
        crate::load_credential(&self.p12, &password).map_err(|e| fail(e.to_string()))
    }
}

/// Parses 64 hexadecimal digits.
fn parse_sha256_hex(s: &str) -> Option<[u8; 32]> {
    let s = s.trim().as_bytes();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.chunks(2)) {
        let text = std::str::from_utf8(pair).ok()?;
        *o = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

/// The default listening address of `kyso serve`: loopback only.
pub const DEFAULT_LISTEN: std::net::SocketAddr = std::net::SocketAddr::V4(
    std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 8700),
);

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: DEFAULT_LISTEN,
            body_limit: 100 * 1024 * 1024,
            concurrency: 64,
            verify_requires_token: false,
            audit_log: None,
            tls_cert: None,
            tls_key: None,
            tls12: false,
            header_timeout_seconds: 10,
            request_timeout_seconds: 120,
            log_format: LogFormat::Text,
            tokens: Vec::new(),
            metrics_requires_token: false,
            jwt: None,
        }
    }
}

// ------------------------------------------------------------------------- kind rules

/// The kind a rule assigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// A natural person.
    Personal,
    /// A legal person (an agency's seal).
    Agency,
}

impl From<RuleKind> for SignerKind {
    fn from(k: RuleKind) -> SignerKind {
        match k {
            RuleKind::Personal => SignerKind::Personal,
            RuleKind::Agency => SignerKind::Agency,
        }
    }
}

/// A signer-kind rule (`[[kind.rules]]`): certificates that match every condition given are
/// of `kind`. Text conditions compare case-insensitively; a pattern with `*` or `?` must
/// match the whole value (glob), one without is a substring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRule {
    /// The kind given to matching certificates.
    pub kind: RuleKind,
    /// A label for reports (default: the conditions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The issuer DN (RFC 4514 text, e.g. `CN=Government CA, O=..., C=VN`) contains this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The certificate policies include this OID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// `ATTR=pattern` on one subject attribute (`OU=*Cá nhân*`, `CN=Sở Nội vụ`, an attribute
    /// name such as CN, O, OU, L, ST, C, UID, serialNumber, title, GN, SN,
    /// organizationIdentifier, emailAddress, or a dotted OID); without `ATTR=`, a pattern on
    /// the whole subject DN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// SHA-256 fingerprints of the certificate (hex; colons and spaces ignored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<String>,
}

impl KindRule {
    /// Checks the rule itself: at least one condition, known attribute names, OIDs and hex
    /// fingerprints.
    pub fn check(&self) -> Result<(), String> {
        if self.issuer.is_none()
            && self.policy.is_none()
            && self.subject.is_none()
            && self.fingerprints.is_empty()
        {
            return Err(
                "a rule needs at least one of issuer, policy, subject, fingerprints".into(),
            );
        }
        if let Some(p) = &self.policy
            && !is_oid(p)
        {
            return Err(format!("policy '{p}' is not a dotted OID"));
        }
        if let Some(s) = &self.subject
            && let Some((attr, _)) = s.split_once('=')
            && attribute_oid(attr.trim()).is_none()
        {
            return Err(format!(
                "subject '{s}': unknown attribute '{}' (use CN, O, OU, L, ST, C, UID, serialNumber, title, GN, SN, organizationIdentifier, emailAddress or a dotted OID)",
                attr.trim()
            ));
        }
        for f in &self.fingerprints {
            let hex = normalize_fingerprint(f);
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "fingerprint '{f}' is not a SHA-256 fingerprint (64 hex digits)"
                ));
            }
        }
        Ok(())
    }

    /// Whether `cert` matches every condition of the rule.
    pub fn matches(&self, cert: &Certificate) -> bool {
        if let Some(issuer) = &self.issuer
            && !text_matches(issuer, &cert.issuer.to_string())
        {
            return false;
        }
        if let Some(p) = &self.policy
            && !cert.policies.iter().any(|x| x == p.trim())
        {
            return false;
        }
        if let Some(s) = &self.subject {
            let ok = match s.split_once('=') {
                Some((attr, pattern)) => match attribute_oid(attr.trim()) {
                    Some(oid) => cert
                        .subject
                        .values(&oid)
                        .any(|v| text_matches(pattern.trim(), v)),
                    None => false,
                },
                None => text_matches(s, &cert.subject.to_string()),
            };
            if !ok {
                return false;
            }
        }
        if !self.fingerprints.is_empty() {
            let fp = cert.sha256_hex().to_ascii_lowercase();
            if !self
                .fingerprints
                .iter()
                .any(|f| normalize_fingerprint(f) == fp)
            {
                return false;
            }
        }
        true
    }

    /// A short description for reports: the name, or the conditions.
    pub fn describe(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let mut parts = Vec::new();
        if let Some(i) = &self.issuer {
            parts.push(format!("issuer ~ '{i}'"));
        }
        if let Some(p) = &self.policy {
            parts.push(format!("policy {p}"));
        }
        if let Some(s) = &self.subject {
            parts.push(format!("subject ~ '{s}'"));
        }
        if !self.fingerprints.is_empty() {
            parts.push(format!("{} listed fingerprint(s)", self.fingerprints.len()));
        }
        parts.join(", ")
    }
}

/// The kind the first matching rule gives `cert`, if any.
pub fn apply_kind_rules(cert: &Certificate, rules: &[KindRule]) -> Option<SignerKind> {
    rules
        .iter()
        .find(|r| r.matches(cert))
        .map(|r| r.kind.into())
}

/// Classifies `cert` with kyso's built-in rules and, when they leave it `unknown`, with the
/// configured rules (the first that matches decides; the basis names it). Built-in evidence
/// (a CCCD or MST UID, ETSI markers) is never overridden by a rule.
pub fn classify_with_rules(cert: &Certificate, rules: &[KindRule]) -> Classification {
    let mut c = classify(cert);
    if c.kind == SignerKind::Unknown
        && let Some((i, rule)) = rules.iter().enumerate().find(|(_, r)| r.matches(cert))
    {
        c.kind = rule.kind.into();
        c.basis.push(format!(
            "configured kind rule {} ({}) says {}",
            i + 1,
            rule.describe(),
            c.kind.as_str()
        ));
    }
    c
}

fn is_oid(s: &str) -> bool {
    let s = s.trim();
    s.split('.').count() >= 2
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn normalize_fingerprint(f: &str) -> String {
    f.chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The OID of a subject attribute named in a rule.
fn attribute_oid(name: &str) -> Option<String> {
    use kyso_pki::name::oids;
    let oid = match name.to_ascii_lowercase().as_str() {
        "cn" | "commonname" => oids::CN,
        "sn" | "surname" => oids::SURNAME,
        "serialnumber" => oids::SERIAL_NUMBER,
        "c" | "country" => oids::C,
        "l" | "locality" => oids::L,
        "st" | "state" => oids::ST,
        "o" | "organization" => oids::O,
        "ou" | "organizationalunit" => oids::OU,
        "title" => oids::TITLE,
        "gn" | "givenname" => oids::GIVEN_NAME,
        "organizationidentifier" => oids::ORGANIZATION_IDENTIFIER,
        "uid" | "userid" => oids::UID,
        "emailaddress" | "email" => oids::EMAIL,
        "dc" => "0.9.2342.19200300.100.1.25",
        "street" => "2.5.4.9",
        other if is_oid(other) => return Some(other.to_string()),
        _ => return None,
    };
    Some(oid.to_string())
}

/// Case-insensitive: a glob when `pattern` has `*` or `?`, else a substring test.
fn text_matches(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let v: Vec<char> = value.to_lowercase().chars().collect();
    if p.iter().any(|c| matches!(c, '*' | '?')) {
        glob(&p, &v)
    } else {
        let p: String = p.into_iter().collect();
        let v: String = v.into_iter().collect();
        v.contains(&p)
    }
}

/// `*` any run, `?` one character; iterative with backtracking to the last star.
fn glob(p: &[char], v: &[char]) -> bool {
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == v.get(vi) => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    pi = sp + 1;
                    vi = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or(&[]).iter().all(|c| *c == '*')
}

// ---------------------------------------------------------------------------- settings

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// kyso's default.
    Default,
    /// The configuration file.
    File,
    /// A command-line flag.
    Flag,
}

impl Origin {
    /// `default`, `file` or `flag`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::File => "file",
            Origin::Flag => "flag",
        }
    }
}

/// The effective settings: defaults, then the configuration file, then flags.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
    /// Trust anchor files or directories.
    pub trust: Vec<PathBuf>,
    /// Extra intermediate certificate files or directories.
    pub intermediates: Vec<PathBuf>,
    /// Revocation policy.
    pub revocation: RevocationPolicy,
    /// Fetch missing validation data over the network.
    pub online: bool,
    /// CRL/OCSP/AIA timeouts and retries.
    pub net: NetConfig,
    /// The time-stamping authority.
    pub tsa: TsaConfig,
    /// What a tax code (MST) mismatch between an e-invoice and its signer does.
    pub tax_code_mismatch: TaxCodePolicy,
    /// Signer-kind rules, in order.
    pub kind_rules: Vec<KindRule>,
    /// `kyso serve`: listening address and limits.
    pub server: ServerSettings,
    /// `kyso serve`: the signing keys.
    #[serde(skip)]
    pub keys: Vec<KeyConfig>,
    /// `[appearance]`: how visible signatures look.
    #[serde(skip)]
    pub appearance: crate::AppearanceSettings,
    /// Where each value came from, by key (`trust`, `tsa.url`, `revocation.policy`, ...).
    pub origins: BTreeMap<String, Origin>,
}

/// The keys of [`Settings::origins`].
pub const SETTING_KEYS: &[&str] = &[
    "trust.anchors",
    "trust.intermediates",
    "tsa.url",
    "tsa.timeout",
    "tsa.retries",
    "tsa.policy",
    "revocation.policy",
    "revocation.online",
    "net.timeout",
    "net.retries",
    "einvoice.tax_code_mismatch",
    "kind.rules",
    "server.listen",
    "server.body_limit",
    "server.concurrency",
    "server.verify_requires_token",
    "server.audit_log",
    "server.metrics_requires_token",
    "server.jwt",
    "server.tls_cert",
    "server.tls_key",
    "server.tls12",
    "server.header_timeout",
    "server.request_timeout",
    "server.log_format",
    "appearance",
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            file: None,
            trust: Vec::new(),
            intermediates: Vec::new(),
            revocation: RevocationPolicy::default(),
            online: false,
            net: NetConfig::default(),
            tsa: TsaConfig::default(),
            tax_code_mismatch: TaxCodePolicy::default(),
            kind_rules: Vec::new(),
            server: ServerSettings::default(),
            keys: Vec::new(),
            appearance: crate::AppearanceSettings::default(),
            origins: SETTING_KEYS
                .iter()
                .map(|k| (k.to_string(), Origin::Default))
                .collect(),
        }
    }
}

/// `[appearance]` over the defaults; `true` when the table sets anything.
fn appearance_settings(
    f: FileAppearance,
    path: &Path,
    base: &Path,
) -> Result<(crate::AppearanceSettings, bool), Error> {
    let bad = |what: String| {
        Error::Invalid(format!(
            "configuration {}: appearance.{what}",
            path.display()
        ))
    };
    let mut a = crate::AppearanceSettings::default();
    let mut given = false;
    if let Some(p) = f.font {
        let p = if p.is_absolute() { p } else { base.join(p) };
        a.font = crate::AppearanceSettings::load_font(&p).map_err(|e| bad(format!("font: {e}")))?;
        given = true;
    }
    if let Some(v) = f.text_size {
        if !(4.0..=72.0).contains(&v) {
            return Err(bad(format!("text_size {v}: give 4 to 72 points")));
        }
        a.text_size = v;
        given = true;
    }
    if let Some(v) = f.seal_mm {
        if !(5.0..=100.0).contains(&v) {
            return Err(bad(format!("seal_mm {v}: give 5 to 100 millimetres")));
        }
        a.seal_mm = Some(v);
        given = true;
    }
    for (value, field) in [
        (f.time_format, &mut a.time_format),
        (f.date_format, &mut a.date_format),
    ] {
        if let Some(v) = value {
            *field = v;
            given = true;
        }
    }
    for (name, value, field) in [
        ("copy_template", f.copy_template, &mut a.copy_template),
        (
            "appendix_template",
            f.appendix_template,
            &mut a.appendix_template,
        ),
        (
            "incoming_template",
            f.incoming_template,
            &mut a.incoming_template,
        ),
    ] {
        if let Some(v) = value {
            if v.is_empty() || v.len() > 8 {
                return Err(bad(format!("{name}: give 1 to 8 lines")));
            }
            *field = v;
            given = true;
        }
    }
    for (value, field) in [
        (f.number_field, &mut a.number_field),
        (f.date_field, &mut a.date_field),
    ] {
        if let Some(v) = value {
            *field = v;
            given = true;
        }
    }
    for (name, value, field) in [
        ("number_at", f.number_at, &mut a.number_at),
        ("date_at", f.date_at, &mut a.date_at),
    ] {
        if let Some(v) = value {
            if v.page == 0 || !v.x.is_finite() || !v.y.is_finite() {
                return Err(bad(format!(
                    "{name}: page counts from 1; x and y are points"
                )));
            }
            *field = Some(v);
            given = true;
        }
    }
    Ok((a, given))
}

/// The user's configuration file: `$XDG_CONFIG_HOME/kyso/config.toml`, else
/// `$HOME/.config/kyso/config.toml` (whether or not it exists).
pub fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(base.join("kyso").join(CONFIG_FILE_NAME))
}

impl Settings {
    /// Loads `explicit` (which must exist), else the user's configuration file when it
    /// exists, else the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Settings, Error> {
        match explicit {
            Some(p) => Settings::from_file(p),
            None => match default_config_path() {
                Some(p) if p.is_file() => Settings::from_file(&p),
                _ => Ok(Settings::default()),
            },
        }
    }

    /// Reads one configuration file over the defaults.
    pub fn from_file(path: &Path) -> Result<Settings, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Settings::from_toml(&text, path)
    }

    /// Parses configuration text; `path` names it in errors and anchors relative paths.
    pub fn from_toml(text: &str, path: &Path) -> Result<Settings, Error> {
        let file: FileConfig = toml::from_str(text).map_err(|e| {
            Error::Invalid(format!(
                "configuration {}: {}",
                path.display(),
                e.message().trim_end()
            ))
            .with_location(text, e.span())
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut s = Settings {
            file: Some(path.to_path_buf()),
            ..Settings::default()
        };
        let mut set = |key: &str| {
            s.origins.insert(key.to_string(), Origin::File);
        };
        let relative = |v: Vec<PathBuf>| -> Vec<PathBuf> {
            v.into_iter()
                .map(|p| if p.is_absolute() { p } else { base.join(p) })
                .collect()
        };
        let mut trust = Vec::new();
        let mut intermediates = Vec::new();
        if let Some(v) = file.trust.anchors {
            trust = relative(v);
            set("trust.anchors");
        }
        if let Some(v) = file.trust.intermediates {
            intermediates = relative(v);
            set("trust.intermediates");
        }
        let mut tsa = TsaConfig::default();
        if let Some(v) = file.tsa.url {
            tsa.url = Some(v);
            set("tsa.url");
        }
        if let Some(v) = file.tsa.timeout {
            tsa.timeout_seconds = v;
            set("tsa.timeout");
        }
        if let Some(v) = file.tsa.retries {
            tsa.retries = v;
            set("tsa.retries");
        }
        if let Some(v) = file.tsa.policy {
            tsa.policy = Some(v);
            set("tsa.policy");
        }
        let mut revocation = RevocationPolicy::default();
        let mut online = false;
        if let Some(v) = file.revocation.policy {
            revocation = v;
            set("revocation.policy");
        }
        if let Some(v) = file.revocation.online {
            online = v;
            set("revocation.online");
        }
        let mut net = NetConfig::default();
        if let Some(v) = file.net.timeout {
            net.timeout_seconds = v;
            set("net.timeout");
        }
        if let Some(v) = file.net.retries {
            net.retries = v;
            set("net.retries");
        }
        let mut tax_code_mismatch = TaxCodePolicy::default();
        if let Some(v) = file.einvoice.tax_code_mismatch {
            tax_code_mismatch = v;
            set("einvoice.tax_code_mismatch");
        }
        if !file.kind.rules.is_empty() {
            set("kind.rules");
        }
        for (i, r) in file.kind.rules.iter().enumerate() {
            r.check().map_err(|e| {
                Error::Invalid(format!(
                    "configuration {}: kind.rules[{}]: {e}",
                    path.display(),
                    i + 1
                ))
            })?;
        }
        let mut server = ServerSettings::default();
        if let Some(v) = file.server.listen {
            server.listen = v;
            set("server.listen");
        }
        if let Some(v) = file.server.body_limit {
            if v == 0 {
                return Err(Error::Invalid(format!(
                    "configuration {}: server.body_limit must be at least 1 byte",
                    path.display()
                )));
            }
            server.body_limit = v;
            set("server.body_limit");
        }
        if let Some(v) = file.server.concurrency {
            if v == 0 {
                return Err(Error::Invalid(format!(
                    "configuration {}: server.concurrency must be at least 1",
                    path.display()
                )));
            }
            server.concurrency = v;
            set("server.concurrency");
        }
        if let Some(v) = file.server.verify_requires_token {
            server.verify_requires_token = v;
            set("server.verify_requires_token");
        }
        if let Some(v) = file.server.audit_log {
            server.audit_log = relative(vec![v]).pop();
            set("server.audit_log");
        }
        if let Some(v) = file.server.metrics_requires_token {
            server.metrics_requires_token = v;
            set("server.metrics_requires_token");
        }
        if let Some(j) = file.server.jwt {
            let algorithms = j
                .algorithms
                .unwrap_or_else(|| vec![JwtAlgorithm::Rs256, JwtAlgorithm::Es256]);
            if algorithms.is_empty() {
                return Err(Error::Invalid(format!(
                    "configuration {}: server.jwt.algorithms must name at least one algorithm",
                    path.display()
                )));
            }
            server.jwt = Some(JwtConfig {
                jwks: relative(vec![j.jwks]).pop().unwrap_or_default(),
                issuer: j.issuer,
                audience: j.audience,
                scopes_claim: j.scopes_claim.unwrap_or_else(|| "scope".to_string()),
                algorithms,
            });
            set("server.jwt");
        }
        if let Some(v) = file.server.tls_cert {
            server.tls_cert = relative(vec![v]).pop();
            set("server.tls_cert");
        }
        if let Some(v) = file.server.tls_key {
            server.tls_key = relative(vec![v]).pop();
            set("server.tls_key");
        }
        if server.tls_cert.is_some() != server.tls_key.is_some() {
            return Err(Error::Invalid(format!(
                "configuration {}: server.tls_cert and server.tls_key go together (HTTPS needs both)",
                path.display()
            )));
        }
        if let Some(v) = file.server.tls12 {
            server.tls12 = v;
            set("server.tls12");
        }
        for (key, value, field) in [
            (
                "header_timeout",
                file.server.header_timeout,
                &mut server.header_timeout_seconds,
            ),
            (
                "request_timeout",
                file.server.request_timeout,
                &mut server.request_timeout_seconds,
            ),
        ] {
            if let Some(v) = value {
                if v == 0 {
                    return Err(Error::Invalid(format!(
                        "configuration {}: server.{key} must be at least 1 second",
                        path.display()
                    )));
                }
                *field = v;
                set(&format!("server.{key}"));
            }
        }
        if let Some(v) = file.server.log_format {
            server.log_format = v;
            set("server.log_format");
        }
        for (i, t) in file.server.tokens.into_iter().enumerate() {
            let Some(sha256) = parse_sha256_hex(&t.sha256) else {
                return Err(Error::Invalid(format!(
                    "configuration {}: server.tokens[{}] ({}): sha256 must be 64 hexadecimal digits (the SHA-256 of the token)",
                    path.display(),
                    i + 1,
                    t.name
                )));
            };
            server.tokens.push(TokenConfig {
                name: t.name,
                sha256,
                scopes: t.scopes,
            });
        }
        let mut keys: Vec<KeyConfig> = Vec::new();
        for k in file.keys {
            let where_ = format!("configuration {}: key '{}'", path.display(), k.id);
            if keys.iter().any(|o| o.id == k.id) {
                return Err(Error::Invalid(format!("{where_}: the id is used twice")));
            }
            let password = match (k.password_env, k.password_file) {
                (Some(v), None) => KeyPassword::Env(v),
                (None, Some(f)) => KeyPassword::File(relative(vec![f]).pop().unwrap_or_default()),
                _ => {
                    return Err(Error::Invalid(format!(
                        "{where_}: give one of password_env or password_file"
                    )));
                }
            };
            let p12 = relative(vec![k.p12]).pop().unwrap_or_default();
            keys.push(KeyConfig {
                id: k.id,
                p12,
                password,
                image: k.image.map(|i| relative(vec![i]).pop().unwrap_or_default()),
            });
        }
        if let Some(p) = &tsa.policy
            && !is_oid(p)
        {
            return Err(Error::Invalid(format!(
                "configuration {}: tsa.policy '{p}' is not a dotted OID",
                path.display()
            )));
        }
        s.trust = trust;
        s.intermediates = intermediates;
        s.tsa = tsa;
        s.revocation = revocation;
        s.online = online;
        s.net = net;
        s.tax_code_mismatch = tax_code_mismatch;
        s.kind_rules = file.kind.rules;
        s.server = server;
        s.keys = keys;
        let (appearance, given) = appearance_settings(file.appearance, path, base)?;
        s.appearance = appearance;
        if given {
            s.origins.insert("appearance".into(), Origin::File);
        }
        Ok(s)
    }

    /// Records that a flag set `key`.
    pub fn set_by_flag(&mut self, key: &str) {
        self.origins.insert(key.to_string(), Origin::Flag);
    }

    /// Where `key` came from.
    pub fn origin(&self, key: &str) -> Origin {
        self.origins.get(key).copied().unwrap_or(Origin::Default)
    }

    /// Loads the anchors and intermediates and builds the verification settings.
    pub fn trust_config(&self) -> Result<TrustConfig, Error> {
        let mut config = TrustConfig {
            revocation: self.revocation,
            online: self.online,
            net: self.net.clone(),
            kind_rules: self.kind_rules.clone(),
            tax_code_mismatch: self.tax_code_mismatch,
            ..TrustConfig::default()
        };
        for t in &self.trust {
            config.add_anchors(t)?;
        }
        for i in &self.intermediates {
            config.add_intermediates(i)?;
        }
        Ok(config)
    }

    /// The configuration as TOML (what `kyso config show` prints), with paths as resolved.
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            trust: OutTrust<'a>,
            tsa: OutTsa<'a>,
            revocation: OutRevocation,
            net: OutNet,
            einvoice: OutEinvoice,
            server: &'a ServerSettings,
            kind: OutKind<'a>,
        }
        #[derive(Serialize)]
        struct OutEinvoice {
            tax_code_mismatch: TaxCodePolicy,
        }
        #[derive(Serialize)]
        struct OutTrust<'a> {
            anchors: &'a [PathBuf],
            intermediates: &'a [PathBuf],
        }
        #[derive(Serialize)]
        struct OutTsa<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            url: Option<&'a str>,
            timeout: u64,
            retries: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            policy: Option<&'a str>,
        }
        #[derive(Serialize)]
        struct OutRevocation {
            policy: RevocationPolicy,
            online: bool,
        }
        #[derive(Serialize)]
        struct OutNet {
            timeout: u64,
            retries: u32,
        }
        #[derive(Serialize)]
        struct OutKind<'a> {
            rules: &'a [KindRule],
        }
        let out = Out {
            trust: OutTrust {
                anchors: &self.trust,
                intermediates: &self.intermediates,
            },
            tsa: OutTsa {
                url: self.tsa.url.as_deref(),
                timeout: self.tsa.timeout_seconds,
                retries: self.tsa.retries,
                policy: self.tsa.policy.as_deref(),
            },
            revocation: OutRevocation {
                policy: self.revocation,
                online: self.online,
            },
            net: OutNet {
                timeout: self.net.timeout_seconds,
                retries: self.net.retries,
            },
            einvoice: OutEinvoice {
                tax_code_mismatch: self.tax_code_mismatch,
            },
            server: &self.server,
            kind: OutKind {
                rules: &self.kind_rules,
            },
        };
        toml::to_string(&out).unwrap_or_default()
    }
}

trait WithLocation {
    fn with_location(self, text: &str, span: Option<std::ops::Range<usize>>) -> Self;
}

impl WithLocation for Error {
    /// Adds `(line L)` for a parse error with a span.
    fn with_location(self, text: &str, span: Option<std::ops::Range<usize>>) -> Self {
        match (self, span) {
            (Error::Invalid(msg), Some(span)) => {
                let upto = text.get(..span.start).unwrap_or(text);
                let line = upto.matches('\n').count() + 1;
                Error::Invalid(format!("{msg} (line {line})"))
            }
            (e, _) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let m = |p: &str, v: &str| text_matches(p, v);
        assert!(m("*Cá nhân*", "Phòng Cá Nhân số 2"));
        assert!(m("cá nhân", "PHÒNG CÁ NHÂN"));
        assert!(!m("*Cá nhân", "Cá nhân 2"));
        assert!(m("S?", "So"));
        assert!(m("*", ""));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
    }

    #[test]
    fn parses_and_rejects_unknown_keys() {
        let p = Path::new("/etc/kyso/config.toml");
        let s = Settings::from_toml(
            r#"
[trust]
anchors = ["roots/", "/abs/root.pem"]
[tsa]
url = "http://127.0.0.1:8318/"
timeout = 3
[revocation]
policy = "hard"
[einvoice]
tax_code_mismatch = "fail"
[[kind.rules]]
kind = "agency"
subject = "OU=*Văn phòng*"
"#,
            p,
        )
        .unwrap();
        assert_eq!(
            s.trust,
            vec![
                PathBuf::from("/etc/kyso/roots/"),
                PathBuf::from("/abs/root.pem")
            ]
        );
        assert_eq!(s.tsa.timeout_seconds, 3);
        assert_eq!(s.tsa.retries, 2);
        assert_eq!(s.revocation, RevocationPolicy::Hard);
        assert_eq!(s.origin("tsa.url"), Origin::File);
        assert_eq!(s.origin("tsa.retries"), Origin::Default);
        assert_eq!(s.kind_rules.len(), 1);
        assert_eq!(s.tax_code_mismatch, TaxCodePolicy::Fail);
        assert_eq!(s.origin("einvoice.tax_code_mismatch"), Origin::File);
        let no_files = Settings {
            trust: Vec::new(),
            ..s.clone()
        };
        assert_eq!(
            no_files.trust_config().map(|t| t.tax_code_mismatch).ok(),
            Some(TaxCodePolicy::Fail)
        );
        let shown = s.to_toml();
        assert!(shown.contains("policy = \"hard\""), "{shown}");
        assert!(
            shown.contains("[einvoice]\ntax_code_mismatch = \"fail\""),
            "{shown}"
        );
        assert_eq!(
            Settings::default().tax_code_mismatch,
            TaxCodePolicy::Warn,
            "warn by default"
        );
        let e = Settings::from_toml("[einvoice]\ntax_code_mismatch = \"maybe\"\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("maybe") || e.contains("variant"), "{e}");

        let e = Settings::from_toml("[tsa]\nurl = \"x\"\ntimeot = 3\n", p)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("timeot") && e.contains("/etc/kyso/config.toml"),
            "{e}"
        );
        assert!(e.contains("line 3"), "{e}");
        let e = Settings::from_toml("[[kind.rules]]\nkind = \"agency\"\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("kind.rules[1]"), "{e}");
        let e = Settings::from_toml("[revocation]\npolicy = \"maybe\"\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("maybe") || e.contains("variant"), "{e}");
    }

    #[test]
    fn server_section() {
        let p = Path::new("/etc/kyso/config.toml");
        let d = Settings::from_toml("", p).unwrap();
        assert_eq!(d.server, ServerSettings::default());
        assert_eq!(d.server.listen.to_string(), "127.0.0.1:8700");
        assert_eq!(d.server.body_limit, 104_857_600);
        let s = Settings::from_toml(
            "[server]\nlisten = \"0.0.0.0:9000\"\nbody_limit = 1000\nconcurrency = 3\n",
            p,
        )
        .unwrap();
        assert_eq!(s.server.listen.to_string(), "0.0.0.0:9000");
        assert_eq!((s.server.body_limit, s.server.concurrency), (1000, 3));
        assert_eq!(s.origin("server.listen"), Origin::File);
        assert!(s.to_toml().contains("[server]\nlisten = \"0.0.0.0:9000\""));
        for bad in [
            "[server]\nlisten = \"here\"\n",
            "[server]\nconcurrency = 0\n",
            "[server]\nbody_limit = 0\n",
            "[server]\nport = 1\n",
        ] {
            assert!(Settings::from_toml(bad, p).is_err(), "{bad}");
        }
    }

    #[test]
    fn jwt_section() {
        let p = Path::new("/etc/kyso/config.toml");
        let s = Settings::from_toml(
            "[server]\nmetrics_requires_token = true\n\n[server.jwt]\njwks = \"jwks.json\"\n\
             issuer = \"https://idp\"\naudience = \"kyso\"\n",
            p,
        )
        .unwrap();
        assert!(s.server.metrics_requires_token);
        let j = s.server.jwt.as_ref().unwrap();
        assert_eq!(j.jwks, Path::new("/etc/kyso/jwks.json"));
        assert_eq!(
            (j.issuer.as_str(), j.audience.as_str()),
            ("https://idp", "kyso")
        );
        assert_eq!(j.scopes_claim, "scope");
        assert_eq!(j.algorithms, [JwtAlgorithm::Rs256, JwtAlgorithm::Es256]);
        assert!(s.to_toml().contains("[server.jwt]"), "{}", s.to_toml());
        let es = Settings::from_toml(
            "[server.jwt]\njwks = \"k\"\nissuer = \"i\"\naudience = \"a\"\n\
             scopes_claim = \"scp\"\nalgorithms = [\"ES384\", \"EdDSA\"]\n",
            p,
        )
        .unwrap();
        let j = es.server.jwt.unwrap();
        assert_eq!(j.algorithms, [JwtAlgorithm::Es384, JwtAlgorithm::EdDsa]);
        assert_eq!(j.scopes_claim, "scp");
        for bad in [
            "[server.jwt]\njwks = \"k\"\nissuer = \"i\"\naudience = \"a\"\nalgorithms = [\"HS256\"]\n",
            "[server.jwt]\njwks = \"k\"\nissuer = \"i\"\naudience = \"a\"\nalgorithms = [\"none\"]\n",
            "[server.jwt]\njwks = \"k\"\nissuer = \"i\"\naudience = \"a\"\nalgorithms = []\n",
            "[server.jwt]\njwks = \"k\"\nissuer = \"i\"\n",
        ] {
            assert!(Settings::from_toml(bad, p).is_err(), "{bad}");
        }
    }

    #[test]
    fn server_tls_timeouts_and_log_format() {
        let p = Path::new("/etc/kyso/kyso.toml");
        let d = Settings::from_toml("", p).unwrap();
        assert_eq!(d.server.tls_cert, None);
        assert!(!d.server.tls12);
        assert_eq!(
            (
                d.server.header_timeout_seconds,
                d.server.request_timeout_seconds
            ),
            (10, 120)
        );
        assert_eq!(d.server.log_format, LogFormat::Text);
        let s = Settings::from_toml(
            "[server]\ntls_cert = \"tls/chain.pem\"\ntls_key = \"/keys/server.key\"\ntls12 = true\n\
             header_timeout = 2\nrequest_timeout = 30\nlog_format = \"json\"\n",
            p,
        )
        .unwrap();
        assert_eq!(
            s.server.tls_cert.as_deref(),
            Some(Path::new("/etc/kyso/tls/chain.pem"))
        );
        assert_eq!(
            s.server.tls_key.as_deref(),
            Some(Path::new("/keys/server.key"))
        );
        assert!(s.server.tls12);
        assert_eq!(
            (
                s.server.header_timeout_seconds,
                s.server.request_timeout_seconds
            ),
            (2, 30)
        );
        assert_eq!(s.server.log_format, LogFormat::Json);
        assert_eq!(s.origin("server.request_timeout"), Origin::File);
        let shown = s.to_toml();
        assert!(shown.contains("header_timeout = 2\n"), "{shown}");
        assert!(shown.contains("log_format = \"json\"\n"), "{shown}");
        assert_eq!("json".parse::<LogFormat>(), Ok(LogFormat::Json));
        assert!("xml".parse::<LogFormat>().is_err());
        for bad in [
            "[server]\ntls_cert = \"a.pem\"\n",
            "[server]\ntls_key = \"a.key\"\n",
            "[server]\nheader_timeout = 0\n",
            "[server]\nrequest_timeout = 0\n",
            "[server]\nheader_timeout = \"10s\"\n",
            "[server]\nlog_format = \"xml\"\n",
        ] {
            assert!(Settings::from_toml(bad, p).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_and_tokens() {
        let p = Path::new("/etc/kyso/kyso.toml");
        let hash = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
        let s = Settings::from_toml(
            &format!(
                "[server]\nverify_requires_token = true\naudit_log = \"audit.jsonl\"\n\n\
                 [[server.tokens]]\nname = \"registry\"\nsha256 = \"{hash}\"\n\
                 scopes = [\"verify\", \"sign:agency\"]\n\n\
                 [[keys]]\nid = \"agency\"\np12 = \"agency.p12\"\npassword_env = \"PW\"\n\n\
                 [[keys]]\nid = \"personal\"\np12 = \"/k/personal.p12\"\npassword_file = \"pw\"\n"
            ),
            p,
        )
        .unwrap();
        assert!(s.server.verify_requires_token);
        assert_eq!(
            s.server.audit_log.as_deref(),
            Some(Path::new("/etc/kyso/audit.jsonl"))
        );
        let t = &s.server.tokens[0];
        assert_eq!(
            (t.name.as_str(), t.sha256[0], t.sha256[31]),
            ("registry", 0x9f, 0x08)
        );
        assert!(t.allows("sign:agency") && !t.allows("sign:personal"));
        assert_eq!(s.keys.len(), 2);
        assert_eq!(s.keys[0].p12, Path::new("/etc/kyso/agency.p12"));
        assert_eq!(s.keys[0].password, KeyPassword::Env("PW".into()));
        assert_eq!(s.keys[1].password, KeyPassword::File("/etc/kyso/pw".into()));
        // The token hashes are not printed back.
        assert!(!s.to_toml().to_lowercase().contains(&hash.to_lowercase()));
        for bad in [
            "[[server.tokens]]\nname = \"x\"\nsha256 = \"abc\"\n",
            "[[server.tokens]]\nname = \"x\"\nsha256 = \"zz\"\n",
            "[[keys]]\nid = \"a\"\np12 = \"a.p12\"\n",
            "[[keys]]\nid = \"a\"\np12 = \"a.p12\"\npassword_env = \"A\"\npassword_file = \"f\"\n",
            "[[keys]]\nid = \"a\"\np12 = \"a.p12\"\npassword_env = \"A\"\n\n[[keys]]\nid = \"a\"\np12 = \"b.p12\"\npassword_env = \"B\"\n",
            "[[keys]]\nid = \"a\"\np12 = \"a.p12\"\npassword = \"secret\"\n",
        ] {
            assert!(Settings::from_toml(bad, p).is_err(), "{bad}");
        }
        // A missing password variable names the key and the variable.
        let k = KeyConfig {
            id: "agency".into(),
            p12: "/nonexistent.p12".into(),
            password: KeyPassword::Env("KYSO_TEST_SURELY_UNSET_VARIABLE".into()),
            image: None,
        };
        let e = k.load().unwrap_err();
        assert_eq!(e.kind(), "configured_key");
        assert!(e.to_string().starts_with("key 'agency': "), "{e}");
    }

    fn fixture(name: &str) -> Certificate {
        let path = format!(
            "{}/../../fixtures/pki/{name}.pem",
            env!("CARGO_MANIFEST_DIR")
        );
        let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Certificate::from_pem_or_der(&pem).unwrap().remove(0)
    }

    fn rule(kind: RuleKind) -> KindRule {
        KindRule {
            kind,
            name: None,
            issuer: None,
            policy: None,
            subject: None,
            fingerprints: Vec::new(),
        }
    }

    #[test]
    fn kind_rules_match_certificates() {
        let tsa = fixture("tsa");
        let personal = fixture("personal");
        assert_eq!(classify(&tsa).kind, SignerKind::Unknown);

        let by_issuer = KindRule {
            issuer: Some("government signing ca".into()),
            ..rule(RuleKind::Agency)
        };
        assert!(by_issuer.matches(&tsa));
        let by_subject = KindRule {
            subject: Some("O=*Thông tin và Truyền*".into()),
            ..rule(RuleKind::Agency)
        };
        assert!(by_subject.matches(&tsa));
        let wrong_attr = KindRule {
            subject: Some("OU=*Thông tin*".into()),
            ..rule(RuleKind::Agency)
        };
        assert!(!wrong_attr.matches(&tsa));
        let both = KindRule {
            issuer: Some("Government Signing CA".into()),
            subject: Some("CN=Nobody".into()),
            ..rule(RuleKind::Agency)
        };
        assert!(!both.matches(&tsa), "every condition must hold");
        let colons: String = tsa
            .sha256_hex()
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).to_uppercase())
            .collect::<Vec<_>>()
            .join(":");
        let by_fp = KindRule {
            fingerprints: vec!["00".repeat(32), colons],
            ..rule(RuleKind::Personal)
        };
        assert!(by_fp.check().is_ok());
        assert!(by_fp.matches(&tsa));
        assert!(!by_fp.matches(&personal));
        let by_policy = KindRule {
            policy: Some("1.2.3.4".into()),
            ..rule(RuleKind::Agency)
        };
        assert!(!by_policy.matches(&tsa));

        let rules = vec![by_policy, by_fp, by_issuer];
        assert_eq!(apply_kind_rules(&tsa, &rules), Some(SignerKind::Personal));
        let c = classify_with_rules(&tsa, &rules);
        assert_eq!(c.kind, SignerKind::Personal);
        assert!(
            c.basis.iter().any(|b| b.contains("rule 2")),
            "{:?}",
            c.basis
        );
        // Built-in evidence wins: `personal` has a CCCD UID, the issuer rule says agency.
        let agency_rule = vec![rules[2].clone()];
        assert_eq!(
            apply_kind_rules(&personal, &agency_rule),
            Some(SignerKind::Agency)
        );
        assert_eq!(
            classify_with_rules(&personal, &agency_rule).kind,
            SignerKind::Personal
        );
        // Bad rules are refused.
        assert!(rule(RuleKind::Agency).check().is_err());
        let bad = KindRule {
            subject: Some("XX=a".into()),
            fingerprints: vec!["abc".into()],
            ..rule(RuleKind::Agency)
        };
        assert!(bad.check().is_err());
    }
}
