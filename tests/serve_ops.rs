//! `kyso serve` in operation: HTTPS (rustls), the header-read and request timeouts, the
//! request log with its request ids, and the start refused over unusable TLS files.

mod common;

use common::server::*;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------- TLS

/// A test CA and a server certificate for 127.0.0.1 and localhost, as PEM files.
struct TlsFiles {
    ca_pem: PathBuf,
    ca_der: rustls::pki_types::CertificateDer<'static>,
    chain: PathBuf,
    key: PathBuf,
}

fn tls_files(dir: &Path) -> TlsFiles {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "kyso test TLS CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &ca).unwrap();
    let files = TlsFiles {
        ca_pem: dir.join("ca.pem"),
        ca_der: ca.der().clone(),
        chain: dir.join("server-chain.pem"),
        key: dir.join("server.key"),
    };
    std::fs::write(&files.ca_pem, ca.pem()).unwrap();
    std::fs::write(&files.chain, format!("{}{}", cert.pem(), ca.pem())).unwrap();
    std::fs::write(&files.key, key.serialize_pem()).unwrap();
    files
}

/// `config` with these lines added to its `[server]` section (the last one it has).
fn with_server_lines(config: &Path, name: &str, lines: &str) -> PathBuf {
    let text = std::fs::read_to_string(config).unwrap();
    assert!(text.contains("[server]\n") && !text.contains("[["));
    let path = config.with_file_name(name);
    std::fs::write(&path, format!("{text}{lines}")).unwrap();
    path
}

fn tls_lines(files: &TlsFiles, extra: &str) -> String {
    format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n{extra}",
        files.chain.display(),
        files.key.display()
    )
}

/// A client trusting only the test CA, speaking only `versions`.
fn client(
    files: &TlsFiles,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(files.ca_der.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// One request over TLS (`Connection: close`): the answer, or why the exchange failed.
fn tls_request(
    server: &Server,
    config: &Arc<rustls::ClientConfig>,
    method: &str,
    target: &str,
    body: &[u8],
) -> Result<Answer, String> {
    let tcp = server.connect();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(config.clone(), name).map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    tls.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
    tls.write_all(body).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    match tls.read_to_end(&mut raw) {
        Ok(_) => {}
        // A peer that closes without close_notify after a complete answer.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(e.to_string()),
    }
    if raw.is_empty() {
        return Err("no answer".into());
    }
    Ok(parse_answer(&raw))
}

#[test]
fn https_serves_what_plain_http_serves() {
    let docs = documents();
    let dir = docs.dir.path();
    let files = tls_files(dir);
    let plain = Server::start(&docs.config);
    assert!(!plain.https);
    let expected = plain.post("/v1/verify?at=2027-06-01", &docs.pdf);
    assert_eq!(expected.status, 200, "{}", expected.text());

    let config = with_server_lines(&docs.config, "tls.toml", &tls_lines(&files, ""));
    let server = Server::start(&config);
    assert!(server.https, "the address is announced as https://");
    let tls13 = client(&files, &[&rustls::version::TLS13]);
    let health = tls_request(&server, &tls13, "GET", "/healthz", b"").unwrap();
    assert_eq!((health.status, health.text().trim()), (200, "ok"));
    let answer = tls_request(
        &server,
        &tls13,
        "POST",
        "/v1/verify?at=2027-06-01",
        &docs.pdf,
    )
    .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.body, expected.body);

    // Plain HTTP to the TLS port: the connection ends (an alert or a close), no hang, no
    // HTTP answer; the server goes on serving.
    let mut s = server.connect();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    match s.read_to_end(&mut raw) {
        Ok(_) => {}
        Err(e) => assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the server kept a plain-HTTP connection open: {e}"
        ),
    }
    assert!(
        !String::from_utf8_lossy(&raw).contains("HTTP/1.1 200"),
        "{raw:?}"
    );
    let again = tls_request(&server, &tls13, "GET", "/healthz", b"").unwrap();
    assert_eq!(again.status, 200);

    // TLS 1.2 only with tls12 = true.
    let tls12 = client(&files, &[&rustls::version::TLS12]);
    let refused = tls_request(&server, &tls12, "GET", "/healthz", b"");
    assert!(refused.is_err(), "TLS 1.2 was accepted: {refused:?}");
    let config12 = with_server_lines(
        &docs.config,
        "tls12.toml",
        &tls_lines(&files, "tls12 = true\n"),
    );
    let server12 = Server::start(&config12);
    let ok12 = tls_request(&server12, &tls12, "GET", "/healthz", b"").unwrap();
    assert_eq!(ok12.status, 200);
    let ok13 = tls_request(&server12, &tls13, "GET", "/healthz", b"").unwrap();
    assert_eq!(ok13.status, 200);
}

/// curl with `args`: its exit code and stdout (bounded by curl's own --max-time).
fn curl(args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let o = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "60"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run curl");
    (o.status.code(), o.stdout)
}

#[test]
#[ignore = "needs curl: run scripts/test.sh"]
fn https_with_curl() {
    let docs = documents();
    let dir = docs.dir.path();
    let files = tls_files(dir);
    let plain = Server::start(&docs.config);
    let expected = plain.post("/v1/verify", &docs.pdf);
    assert_eq!(expected.status, 200);
    let config = with_server_lines(&docs.config, "tls.toml", &tls_lines(&files, ""));
    let server = Server::start(&config);
    let base = format!("https://{}", server.addr);
    let ca = files.ca_pem.display().to_string();
    let (code, out) = curl(&["--cacert", &ca, "--tlsv1.3", &format!("{base}/healthz")]);
    assert_eq!(
        (code, String::from_utf8_lossy(&out).trim()),
        (Some(0), "ok")
    );
    let letter = dir.join("letter.pdf");
    let (code, out) = curl(&[
        "--cacert",
        &ca,
        "--data-binary",
        &format!("@{}", letter.display()),
        &format!("{base}/v1/verify"),
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(out, expected.body);
    // TLS 1.2 at most: refused (curl's 35, a handshake failure).
    let (code, _) = curl(&[
        "--cacert",
        &ca,
        "--tlsv1.2",
        "--tls-max",
        "1.2",
        &format!("{base}/healthz"),
    ]);
    assert_ne!(code, Some(0));
    // Plain HTTP to the TLS port fails without hanging (curl's own limit is 60 s).
    let (code, out) = curl(&[&format!("http://{}/healthz", server.addr)]);
    assert_ne!(code, Some(0), "{}", String::from_utf8_lossy(&out));
    assert_ne!(code, Some(28), "curl timed out: the server hung");
    let (code, _) = curl(&["--cacert", &ca, &format!("{base}/healthz")]);
    assert_eq!(code, Some(0));
}

// ------------------------------------------------------------------- refused starts

fn refused_start_of(config: &Path) -> (Option<i32>, String) {
    refused_start(serve_command(config, &[]))
}

#[test]
fn unusable_tls_files_stop_the_start() {
    let dir = tempdir();
    let files = tls_files(dir.path());
    let base = config(dir.path());

    let missing = dir.path().join("no-such.key");
    let lines = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        files.chain.display(),
        missing.display()
    );
    let (code, err) = refused_start_of(&with_server_lines(&base, "a.toml", &lines));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert!(!err.contains("listening"), "{err}");

    // A key file that is not a usable key: named, and nothing of it printed.
    let junk = dir.path().join("junk.key");
    std::fs::write(
        &junk,
        "-----BEGIN PRIVATE KEY-----\nU0VDUkVUS0VZTUFURVJJQUw=\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let lines = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        files.chain.display(),
        junk.display()
    );
    let (code, err) = refused_start_of(&with_server_lines(&base, "b.toml", &lines));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&junk.display().to_string()), "{err}");
    assert!(!err.contains("U0VDUkVU"), "key material printed: {err}");

    // The key of another certificate.
    let other = tls_files(&{
        let d = dir.path().join("other");
        std::fs::create_dir_all(&d).unwrap();
        d
    });
    let lines = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        files.chain.display(),
        other.key.display()
    );
    let (code, err) = refused_start_of(&with_server_lines(&base, "c.toml", &lines));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&other.key.display().to_string()), "{err}");
    assert!(!err.contains("PRIVATE KEY"), "{err}");

    // A certificate file that holds none; a certificate without its key.
    let lines = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        files.key.display(),
        files.key.display()
    );
    let (code, err) = refused_start_of(&with_server_lines(&base, "d.toml", &lines));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no certificate"), "{err}");
    let lines = format!("tls_cert = \"{}\"\n", files.chain.display());
    let (code, err) = refused_start_of(&with_server_lines(&base, "e.toml", &lines));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("tls_key"), "{err}");
}

// ------------------------------------------------------------------------- timeouts

/// Whether the server closed `s` (EOF or reset) within `wait`; bytes it sent are kept in
/// `got`.
fn closed_within(s: &mut TcpStream, wait: Duration, got: &mut Vec<u8>) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 4096];
    match s.read(&mut buf) {
        Ok(0) => true,
        Ok(n) => {
            got.extend_from_slice(&buf[..n]);
            false
        }
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            false
        }
        Err(_) => true,
    }
}

#[test]
fn a_head_sent_byte_by_byte_is_cut_at_the_header_timeout() {
    let dir = tempdir();
    let config = with_server_lines(&config(dir.path()), "slow.toml", "header_timeout = 2\n");
    let server = Server::start(&config);
    let head =
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut s = server.connect();
    let mut got = Vec::new();
    let mut cut_after = None;
    for (i, byte) in head.iter().take(20).enumerate() {
        if s.write_all(&[*byte]).is_err() {
            cut_after = Some(i);
            break;
        }
        if i == 0 {
            // Meanwhile the others are answered.
            assert_eq!(server.request("GET", "/healthz", &[], b"").status, 200);
        }
        if closed_within(&mut s, Duration::from_secs(1), &mut got) {
            cut_after = Some(i + 1);
            break;
        }
    }
    let n = cut_after.expect("a head trickling at one byte a second was not cut in 20 s");
    assert!(n < 20, "{n}");
    assert!(
        !String::from_utf8_lossy(&got).contains(" 200 "),
        "{}",
        String::from_utf8_lossy(&got)
    );
    let after = server.request("GET", "/healthz", &[], b"");
    assert_eq!((after.status, after.text().trim()), (200, "ok"));
}

#[test]
fn a_body_trickling_past_the_request_timeout_gets_408() {
    let docs = documents();
    let config = with_server_lines(&docs.config, "slow.toml", "request_timeout = 2\n");
    let server = Server::start(&config);
    let mut s = server.connect();
    s.write_all(
        b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10000\r\n\r\n",
    )
    .unwrap();
    let mut got = Vec::new();
    let mut closed = false;
    for _ in 0..60 {
        if s.write_all(b"%").is_err() || closed_within(&mut s, Duration::from_millis(500), &mut got)
        {
            closed = true;
            break;
        }
        if !got.is_empty() {
            break;
        }
    }
    assert!(closed || !got.is_empty(), "no answer within 30 s");
    // The rest of the answer, then the end of the connection.
    for _ in 0..120 {
        if closed_within(&mut s, Duration::from_millis(500), &mut got) {
            break;
        }
    }
    let answer = parse_answer(&got);
    let p = answer.assert_problem(408);
    assert_eq!(p["type"], "urn:kyso:problem:request-timeout");
    assert!(answer.header("x-request-id").is_some());
    // The server goes on serving.
    let ok = server.post("/v1/verify", &docs.pdf);
    assert_eq!(ok.status, 200, "{}", ok.text());
}

#[test]
fn a_signing_past_the_request_timeout_gets_503_and_is_still_recorded() {
    let _services = common::services::start();
    let dir = tempdir();
    let token = "tok-slow-signer-31c4";
    let hash: String = kyso_pki::DigestAlgorithm::Sha256
        .digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let audit = dir.path().join("audit.jsonl");
    let config = dir.path().join("kyso.toml");
    // The TSA answers after 3 s; the request may take 1 s.
    std::fs::write(
        &config,
        format!(
            "[trust]\nanchors = [\"{root}\"]\n\n[tsa]\nurl = \"{tsa}slow/3/\"\n\n\
             [server]\nrequest_timeout = 1\naudit_log = \"{audit}\"\n\n\
             [[server.tokens]]\nname = \"slow\"\nsha256 = \"{hash}\"\nscopes = [\"sign:agency\"]\n\n\
             [[keys]]\nid = \"agency\"\np12 = \"{p12}\"\npassword_env = \"KYSO_TEST_KEY_PASSWORD\"\n",
            root = pki("root.pem").display(),
            tsa = common::services::TSA_URL,
            audit = audit.display(),
            p12 = pki("agency.p12").display(),
        ),
    )
    .unwrap();
    let mut server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let letter = std::fs::read(pdf("letter-classic.pdf")).unwrap();
    let answer = server.request(
        "POST",
        "/v1/sign?key=agency&level=b-t",
        &[("Authorization", &format!("Bearer {token}"))],
        &letter,
    );
    let p = answer.assert_problem(503);
    assert_eq!(p["type"], "urn:kyso:problem:timeout", "{p}");
    assert!(!answer.text().contains("%PDF"));
    assert_eq!(server.request("GET", "/healthz", &[], b"").status, 200);
    // The signing is not abandoned: SIGTERM now still lets it end and record its attempt
    // before the process exits.
    assert_eq!(server.terminate().code(), Some(0));
    let text = std::fs::read_to_string(&audit).expect("the audit log");
    let record: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("an audit line")).unwrap();
    assert_eq!(record["token"], "slow", "{record}");
    assert_eq!(record["outcome"], "signed", "{record}");
}

// ---------------------------------------------------------------------------- logs

/// The first log line containing `needle` (waiting at most 20 s for it).
fn log_line(server: &Server, needle: &str, seen: &mut Vec<String>) -> String {
    if let Some(l) = seen.iter().find(|l| l.contains(needle)) {
        return l.clone();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(line) = server.log.recv_timeout(Duration::from_millis(200)) {
            seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }
    panic!("no log line with {needle}: {seen:#?}");
}

const SECRET: &str = "tok-secret-9f1e2d77";

#[test]
fn one_log_line_per_request_with_its_id_and_no_secrets() {
    let docs = documents();
    let mut server = Server::start(&docs.config);
    let mut seen = Vec::new();
    let bearer = format!("Bearer {SECRET}");
    let answer = server.request(
        "POST",
        "/v1/verify?at=2027-06-01",
        &[
            ("X-Request-Id", "ops-test-0042"),
            ("Authorization", &bearer),
        ],
        &docs.pdf,
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("x-request-id"), Some("ops-test-0042"));
    let line = log_line(&server, "request_id=ops-test-0042", &mut seen);
    for part in [
        "method=POST",
        "path=/v1/verify ",
        "status=200",
        "duration_ms=",
        "client=127.0.0.1:",
    ] {
        assert!(line.contains(part), "{part}: {line}");
    }
    assert!(
        !line.contains("2027-06-01"),
        "the query is not logged: {line}"
    );

    // Without an id, or with one that could break a log line: one is made.
    let made = server.request("GET", "/nowhere", &[], b"");
    made.assert_problem(404);
    let id = made.header("x-request-id").expect("an id").to_string();
    let line = log_line(&server, &format!("request_id={id}"), &mut seen);
    assert!(
        line.contains("status=404") && line.contains("path=/nowhere"),
        "{line}"
    );
    let odd = server.request(
        "GET",
        "/healthz",
        &[("X-Request-Id", "two words\" status=999")],
        b"",
    );
    let replaced = odd.header("x-request-id").expect("an id").to_string();
    assert!(!replaced.contains(' '), "{replaced}");
    log_line(&server, &format!("request_id={replaced}"), &mut seen);

    // After the end, nothing on stderr carries the token.
    assert_eq!(server.terminate().code(), Some(0));
    seen.extend(server.log.try_iter());
    assert!(
        seen.iter().all(|l| !l.contains(SECRET)),
        "the token is in the log: {seen:#?}"
    );
}

#[test]
fn json_log_lines() {
    let docs = documents();
    let config = with_server_lines(&docs.config, "json.toml", "log_format = \"json\"\n");
    let server = Server::start(&config);
    let mut seen = Vec::new();
    let bearer = format!("Bearer {SECRET}");
    let answer = server.request(
        "GET",
        "/readyz",
        &[("X-Request-Id", "json-7"), ("Authorization", &bearer)],
        b"",
    );
    assert_eq!(answer.status, 200);
    let line = log_line(&server, "\"json-7\"", &mut seen);
    let v: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(v["request_id"], "json-7", "{v}");
    assert_eq!(v["method"], "GET", "{v}");
    assert_eq!(v["path"], "/readyz", "{v}");
    assert_eq!(v["status"], 200, "{v}");
    assert!(v["duration_ms"].is_u64(), "{v}");
    assert!(
        v["client"]
            .as_str()
            .is_some_and(|c| c.starts_with("127.0.0.1:")),
        "{v}"
    );
    assert_eq!(v["level"], "INFO", "{v}");
    assert!(!line.contains(SECRET));
}
