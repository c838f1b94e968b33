//! `kyso serve`: the real binary on a loopback port, spoken to with a small std-only HTTP
//! client; every answer compared with what `kyso verify --json` prints.

mod common;

use common::server::*;
use common::signing::*;
use common::*;
use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn verify_answers_what_the_cli_prints() {
    let docs = documents();
    let dir = docs.dir.path();
    let server = Server::start(&docs.config);

    // One document as the body: the object `kyso verify --json` prints for the file `-`.
    let answer = server.post("/v1/verify?at=2027-06-01", &docs.pdf);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let cli = cli_json(&docs.config, dir, &["-"], &["--at", "2027-06-01"]);
    assert_eq!(answer.text(), String::from_utf8_lossy(&cli));
    assert_eq!(answer.json()["status"], "passed", "{}", answer.text());

    // Without options, and with a content type that is not a document's: the same.
    let plain = server.request(
        "POST",
        "/v1/verify",
        &[("Content-Type", "text/plain")],
        &docs.pdf,
    );
    assert_eq!(plain.status, 200);
    assert_eq!(plain.body, cli_json(&docs.config, dir, &["-"], &[]));

    // The query options are applied like the flags.
    let at = "2026-12-03T09:30:00+07:00";
    let options = server.post(
        &format!("/v1/verify?at={at}&revocation=off&online=false"),
        &docs.pdf,
    );
    assert_eq!(options.status, 200, "{}", options.text());
    let cli = cli_json(
        &docs.config,
        dir,
        &["-"],
        &["--at", at, "--revocation", "off"],
    );
    assert_eq!(options.text(), String::from_utf8_lossy(&cli));
    let hard = server.post("/v1/verify?revocation=hard&at=2027-06-01", &docs.pdf);
    let cli = cli_json(
        &docs.config,
        dir,
        &["-"],
        &["--revocation", "hard", "--at", "2027-06-01"],
    );
    assert_eq!(hard.text(), String::from_utf8_lossy(&cli));

    // Several files: JSON Lines in order, each what the CLI prints for that file name.
    let (ct, body) = multipart(&[
        ("letter.pdf", &docs.pdf),
        ("report.xml", &docs.xml),
        ("junk.bin", b"neither PDF nor XML\n"),
    ]);
    let lines = server.request("POST", "/v1/verify", &[("Content-Type", &ct)], &body);
    assert_eq!(lines.status, 200, "{}", lines.text());
    assert_eq!(lines.header("content-type"), Some("application/x-ndjson"));
    let cli = cli_json(
        &docs.config,
        dir,
        &["letter.pdf", "report.xml", "junk.bin"],
        &[],
    );
    assert_eq!(lines.text(), String::from_utf8_lossy(&cli));
    let reports: Vec<serde_json::Value> = lines
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(reports.len(), 3);
    assert_eq!(reports[0]["status"], "passed", "{}", reports[0]);
    assert_eq!(reports[1]["status"], "passed", "{}", reports[1]);
    assert_eq!(
        (&reports[2]["status"], &reports[2]["reason"]),
        (&"error".into(), &"unsupported".into())
    );
}

#[test]
fn errors_are_problem_details() {
    let docs = documents();
    let server = Server::start(&docs.config);
    for bad in [
        "/v1/verify?revocation=maybe",
        "/v1/verify?at=tomorrow",
        "/v1/verify?online=perhaps",
        "/v1/verify?trust=mine",
        "/v1/verify?at=%zz",
    ] {
        let p = server.post(bad, &docs.pdf).assert_problem(400);
        assert!(
            p["type"].as_str().is_some_and(|t| t.contains("bad-query")),
            "{p}"
        );
    }
    let p = server
        .post("/v1/verify?at=03/12/2026", &docs.pdf)
        .assert_problem(400);
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("2026-12-03")),
        "{p}"
    );

    // Over the limit: 413 from the declared length, before the body is sent.
    let mut s = server.connect();
    s.write_all(
        format!(
            "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            LIMIT + 1
        )
        .as_bytes(),
    )
    .expect("send");
    let p = read_answer(&mut s).assert_problem(413);
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&LIMIT.to_string())),
        "{p}"
    );
    // ... and as multipart.
    let big = vec![b'%'; LIMIT + 10];
    let (ct, body) = multipart(&[("big.pdf", &big)]);
    let mut s = server.connect();
    s.write_all(
        format!(
            "POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .expect("send");
    read_answer(&mut s).assert_problem(413);

    // Other multipart kinds, a form without a file part, unknown routes and methods.
    let p = server
        .request(
            "POST",
            "/v1/verify",
            &[("Content-Type", "multipart/mixed; boundary=x")],
            b"--x--\r\n",
        )
        .assert_problem(415);
    assert_eq!(p["reason"], "unsupported");
    let form = "multipart/form-data; boundary=b";
    server
        .request(
            "POST",
            "/v1/verify",
            &[("Content-Type", form)],
            b"--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n",
        )
        .assert_problem(400);
    server.post("/v2/verify", b"").assert_problem(404);
    server
        .request("GET", "/v1/verify", &[], b"")
        .assert_problem(405);

    // The server still serves.
    let ok = server.post("/v1/verify", &docs.pdf);
    assert_eq!(ok.status, 200, "{}", ok.text());
}

#[test]
fn probes_and_graceful_shutdown() {
    let docs = documents();
    let config = config_with(docs.dir.path(), 1);
    let mut server = Server::start(&config);
    let health = server.request("GET", "/healthz", &[], b"");
    assert_eq!((health.status, health.text().trim()), (200, "ok"));
    let ready = server.request("GET", "/readyz", &[], b"");
    assert_eq!((ready.status, ready.text().trim()), (200, "ready"));

    // A request in flight when SIGTERM comes is answered in full, then kyso exits 0.
    let (upload, busy) = busy_upload(&server, &docs.pdf);
    busy.assert_problem(503);
    Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        server.child.try_wait().ok().flatten().is_none(),
        "kyso serve exited with a request in flight"
    );
    let answer = finish(upload, &docs.pdf);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        answer.body,
        cli_json(&docs.config, docs.dir.path(), &["-"], &[])
    );
    let status = server
        .wait(Duration::from_secs(30))
        .expect("kyso serve still running 30 s after SIGTERM");
    assert_eq!(status.code(), Some(0), "{status}");
    let rest: Vec<String> = server.log.try_iter().collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

/// Sends the head and the first half of a raw verify request; the rest with [`finish`].
fn start_upload(server: &Server, doc: &[u8]) -> TcpStream {
    let mut s = server.connect();
    s.write_all(
        format!(
            "POST /v1/verify HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            doc.len()
        )
        .as_bytes(),
    )
    .expect("send");
    s.write_all(&doc[..doc.len() / 2]).expect("send");
    s
}

/// Starts an upload (headers and half the body) and waits (at most 60 s) until it holds the
/// only verification slot (concurrency 1): another verification is answered 503. Returns the
/// upload's connection and that 503 answer. A probe can win the race for the slot before the
/// upload's request is read; the upload is then the one answered 503, and another is started.
fn busy_upload(server: &Server, doc: &[u8]) -> (TcpStream, Answer) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut upload = start_upload(server, doc);
    for _ in 0..600 {
        let probe = server.post("/v1/verify", doc);
        if probe.status == 503 {
            return (upload, probe);
        }
        assert!(Instant::now() < deadline, "the slot never got taken");
        if answered(&upload) {
            upload = start_upload(server, doc);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the slot never got taken");
}

/// Whether the server has already answered on `s` (without waiting for it).
fn answered(s: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    let _ = s.set_nonblocking(true);
    let got = matches!(s.peek(&mut byte), Ok(n) if n > 0);
    let _ = s.set_nonblocking(false);
    got
}

fn finish(mut s: TcpStream, doc: &[u8]) -> Answer {
    s.write_all(&doc[doc.len() / 2..]).expect("send the rest");
    read_answer(&mut s)
}

#[test]
fn saturated_means_503_with_retry_after() {
    let docs = documents();
    let config = config_with(docs.dir.path(), 1);
    let server = Server::start(&config);
    // One upload in progress takes the one verification slot...
    let (first, busy) = busy_upload(&server, &docs.pdf);
    busy.assert_problem(503);
    assert_eq!(busy.header("retry-after"), Some("1"));
    // ... the probes still answer, and once it is done the slot is free again.
    assert_eq!(server.request("GET", "/readyz", &[], b"").status, 200);
    assert_eq!(finish(first, &docs.pdf).status, 200);
    let again = server.post("/v1/verify", &docs.pdf);
    assert_eq!(again.status, 200, "{}", again.text());
}

#[test]
fn sigterm_when_idle_exits_zero() {
    let dir = tempdir();
    let config = config(dir.path());
    let mut server = Server::start(&config);
    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "{status}");
}

// ------------------------------------------------------------------------------ signing

/// The parts of a `kyso verify --json` report that do not change from one signing to the
/// next: the document status, and per signature its status, kind, signer and level.
fn structure(report: &serde_json::Value) -> serde_json::Value {
    let sigs: Vec<serde_json::Value> = report["signatures"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    serde_json::json!([
                        s["status"],
                        s["signer"]["kind"],
                        s["signer"]["subject"],
                        s["signer"]["sha256"],
                        s["level"],
                        s["field"],
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    serde_json::json!({"status": report["status"], "signatures": sigs})
}

#[test]
fn sign_over_http() {
    let dir = tempdir();
    let audit = dir.path().join("audit.jsonl");
    let config = signing_config(dir.path(), &format!("audit_log = \"{}\"", audit.display()));
    let mut server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let signer = bearer(SIGNER_TOKEN);
    let checker = bearer(VERIFIER_TOKEN);
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");

    // Keys: only those the token may sign with.
    let keys = server.request("GET", "/v1/keys", &[("Authorization", &signer)], b"");
    assert_eq!(keys.status, 200, "{}", keys.text());
    let list = keys.json();
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["id"], "agency");
    assert_eq!(list[0]["kind"], "agency");
    for field in ["subject", "not_before", "not_after"] {
        assert!(
            list[0][field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}"
        );
    }
    let none = server.request("GET", "/v1/keys", &[("Authorization", &checker)], b"");
    assert_eq!(none.json(), serde_json::json!([]));
    let anonymous = server.request("GET", "/v1/keys", &[], b"");
    anonymous.assert_problem(401);
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));

    // Never anonymous; unknown token 401; a token without the scope 403.
    let p = server.post("/v1/sign?key=agency", &letter);
    p.assert_problem(401);
    assert_eq!(p.header("www-authenticate"), Some("Bearer"));
    let wrong = bearer("not-a-token");
    server
        .request(
            "POST",
            "/v1/sign?key=agency",
            &[("Authorization", &wrong)],
            &letter,
        )
        .assert_problem(401);
    server
        .request(
            "POST",
            "/v1/sign?key=agency",
            &[("Authorization", &checker)],
            &letter,
        )
        .assert_problem(403);
    server
        .request(
            "POST",
            "/v1/sign?key=personal",
            &[("Authorization", &signer)],
            &letter,
        )
        .assert_problem(403);

    // The signed letter verifies, like the one `kyso sign` makes with the same key.
    let answer = server.request(
        "POST",
        "/v1/sign?key=agency&reason=Ph%C3%AA%20duy%E1%BB%87t",
        &[("Authorization", &signer)],
        &letter,
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/pdf"));
    assert!(answer.body.starts_with(&letter), "an incremental update");
    let served = dir.path().join("served.pdf");
    std::fs::write(&served, &answer.body).expect("write");
    let (code, report) = verify_json(&served);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["status"], "passed", "{report}");
    let by_cli = dir.path().join("cli.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &by_cli,
        "agency.p12",
        &["--reason", "Phê duyệt"],
    );
    let (_, cli_report) = verify_json(&by_cli);
    assert_eq!(structure(&report), structure(&cli_report));
    assert_eq!(
        report["signatures"][0]["reason"],
        cli_report["signatures"][0]["reason"]
    );

    // XML: the same key, the XML content type, a signature that verifies.
    let report_xml = std::fs::read(xml("report.xml")).expect("read");
    let answer_xml = server.request(
        "POST",
        "/v1/sign?key=agency",
        &[("Authorization", &signer)],
        &report_xml,
    );
    assert_eq!(answer_xml.status, 200, "{}", answer_xml.text());
    assert_eq!(answer_xml.header("content-type"), Some("application/xml"));
    let served_xml = dir.path().join("served.xml");
    std::fs::write(&served_xml, &answer_xml.body).expect("write");
    let (code, xml_report) = verify_xml_json(&served_xml);
    assert_eq!(code, 0, "{xml_report}");

    // A document kyso refuses: 422 with the error kind; not a document: 422 too.
    let p = server
        .request(
            "POST",
            "/v1/sign?key=agency&reason=x",
            &[("Authorization", &signer)],
            &report_xml,
        )
        .assert_problem(422);
    assert_eq!(p["error"], "invalid", "{p}");
    let p = server
        .request(
            "POST",
            "/v1/sign?key=agency",
            &[("Authorization", &signer)],
            b"junk",
        )
        .assert_problem(422);
    assert_eq!(p["error"], "unsupported_format", "{p}");
    server
        .request(
            "POST",
            "/v1/sign?key=agency&level=b-q",
            &[("Authorization", &signer)],
            &letter,
        )
        .assert_problem(400);
    // A key without a path to the configured anchors is refused, as kyso sign refuses it.
    let outside = bearer(OUTSIDER_TOKEN);
    let p = server
        .request(
            "POST",
            "/v1/sign?key=outsider",
            &[("Authorization", &outside)],
            &letter,
        )
        .assert_problem(422);
    assert_eq!(p["error"], "signer_no_path", "{p}");

    // The audit log: one line per attempt, hashes of the documents, never the token.
    assert_eq!(server.terminate().code(), Some(0));
    let log = std::fs::read_to_string(&audit).expect("read the audit log");
    assert!(
        [SIGNER_TOKEN, VERIFIER_TOKEN, OUTSIDER_TOKEN, PASSWORD]
            .iter()
            .all(|secret| !log.contains(secret)),
        "{log}"
    );
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 10, "{log}");
    assert_eq!(lines[9]["outcome"], "signer_no_path");
    assert_eq!(lines[9]["token"], "outside");
    let first = &lines[0];
    assert_eq!(first["outcome"], "unauthorized");
    assert_eq!(first["token"], serde_json::Value::Null);
    let signed = lines
        .iter()
        .find(|l| l["outcome"] == "signed")
        .expect("a signed line");
    assert_eq!(signed["token"], "registry");
    assert_eq!(signed["key"], "agency");
    assert_eq!(signed["level"], "b-b");
    assert_eq!(signed["input_sha256"], sha256_hex(&letter));
    assert_eq!(signed["output_sha256"], sha256_hex(&answer.body));
    assert!(
        signed["client"]
            .as_str()
            .is_some_and(|c| c.starts_with("127.0.0.1:")),
        "{signed}"
    );
    let t = signed["time"].as_str().expect("a time");
    assert!(t.ends_with('Z') && t.len() == 20, "{t}");
    let refused = lines
        .iter()
        .find(|l| l["outcome"] == "invalid")
        .expect("a refusal");
    assert_eq!(refused["output_sha256"], serde_json::Value::Null);
    assert_eq!(refused["input_sha256"], sha256_hex(&report_xml));
    assert_eq!(
        lines.iter().filter(|l| l["outcome"] == "forbidden").count(),
        2
    );
}

#[test]
fn no_signed_document_without_its_audit_line() {
    let dir = tempdir();
    // A folder cannot be appended to.
    let config = signing_config(
        dir.path(),
        &format!("audit_log = \"{}\"", dir.path().display()),
    );
    let server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let signer = bearer(SIGNER_TOKEN);
    let answer = server.request(
        "POST",
        "/v1/sign?key=agency",
        &[("Authorization", &signer)],
        &letter,
    );
    let p = answer.assert_problem(500);
    assert_eq!(p["type"], "urn:kyso:problem:audit-failed");
    assert!(!answer.body.windows(5).any(|w| w == b"%PDF-"));
}

#[test]
fn a_wrong_key_password_stops_the_start() {
    let dir = tempdir();
    let config = signing_config(dir.path(), "");
    let wrong = "not-the-fixture-password-3f9";
    let (code, err) = refused_start(serve_command(&config, &[("KYSO_TEST_KEY_PASSWORD", wrong)]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("key 'agency'"), "{err}");
    assert!(err.contains("wrong password"), "{err}");
    assert!(!err.contains(wrong), "{err}");
    assert!(!err.contains("listening"), "{err}");
    // The variable not set at all: the same, naming the variable (not a password).
    let mut unset = serve_command(&config, &[]);
    unset.env_remove("KYSO_TEST_KEY_PASSWORD");
    let (code, err) = refused_start(unset);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("key 'agency'"), "{err}");
}

#[test]
fn verify_can_require_a_token() {
    let dir = tempdir();
    let config = signing_config(dir.path(), "verify_requires_token = true");
    let server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let p = server.post("/v1/verify", &letter);
    p.assert_problem(401);
    assert_eq!(p.header("www-authenticate"), Some("Bearer"));
    let signer = bearer(SIGNER_TOKEN);
    server
        .request("POST", "/v1/verify", &[("Authorization", &signer)], &letter)
        .assert_problem(403);
    let checker = bearer(VERIFIER_TOKEN);
    let ok = server.request(
        "POST",
        "/v1/verify",
        &[("Authorization", &checker)],
        &letter,
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(ok.json()["status"].is_string(), "{}", ok.text());
}

#[test]
fn sign_at_level_b_t_with_the_configured_tsa() {
    let _services = common::services::start();
    let dir = tempdir();
    let config = signing_config(dir.path(), "");
    let mut text = std::fs::read_to_string(&config).expect("read");
    text.push_str(&format!(
        "\n[tsa]\nurl = \"{}\"\n",
        common::services::TSA_URL
    ));
    std::fs::write(&config, text).expect("write");
    let server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let signer = bearer(SIGNER_TOKEN);
    let answer = server.request(
        "POST",
        "/v1/sign?key=agency&level=b-t",
        &[("Authorization", &signer)],
        &letter,
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    let served = dir.path().join("served-bt.pdf");
    std::fs::write(&served, &answer.body).expect("write");
    let (code, report) = verify_json(&served);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["signatures"][0]["level"], "b-t", "{report}");
    // XML goes up to b-t only: b-lt is refused before anything is fetched.
    let report_xml = std::fs::read(xml("report.xml")).expect("read");
    let p = server
        .request(
            "POST",
            "/v1/sign?key=agency&level=b-lt",
            &[("Authorization", &signer)],
            &report_xml,
        )
        .assert_problem(422);
    assert_eq!(p["error"], "invalid", "{p}");
}

/// Every PDF and XML file under fixtures/ (434 documents: letters, encrypted PDFs, C14N and
/// XPath vectors, e-invoices), posted in one multipart request, answers the JSON Lines
/// `kyso verify --json` prints for the same files under the same names; and each posted alone
/// as the body answers what the CLI prints for it as `-`.
#[test]
fn every_fixture_through_the_server_is_what_the_cli_prints() {
    let dir = tempdir();
    let config = dir.path().join("kyso.toml");
    std::fs::write(
        &config,
        format!(
            "[trust]\nanchors = [\"{}\"]\n\n[server]\nbody_limit = 67108864\nconcurrency = 4\n",
            pki("root.pem").display()
        ),
    )
    .expect("write the configuration");
    let mut files = Vec::new();
    let mut stack = vec![fixture("pdf"), fixture("xml")];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read a fixture folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "pdf" || e == "xml") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 400, "{} fixture documents", files.len());
    let root = fixture("");
    let named: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| {
            let name = p
                .strip_prefix(&root)
                .expect("under fixtures/")
                .to_string_lossy()
                .replace('/', "__");
            let data = std::fs::read(p).expect("read a fixture");
            std::fs::write(dir.path().join(&name), &data).expect("copy");
            (name, data)
        })
        .collect();
    let server = Server::start(&config);
    let parts: Vec<(&str, &[u8])> = named
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let (ct, body) = multipart(&parts);
    let lines = server.request("POST", "/v1/verify", &[("Content-Type", &ct)], &body);
    assert_eq!(lines.status, 200, "{}", lines.text());
    let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
    let cli = cli_json(&config, dir.path(), &names, &[]);
    assert_eq!(lines.text(), String::from_utf8_lossy(&cli));
    assert_eq!(lines.text().lines().count(), named.len());

    // Raw bodies: a sample of each kind, compared with the CLI reading the file as `-`.
    for (name, data) in named.iter().step_by(17) {
        let answer = server.post("/v1/verify", data);
        assert_eq!(answer.status, 200, "{name}: {}", answer.text());
        std::fs::write(dir.path().join("-"), data).expect("write");
        let cli = cli_json(&config, dir.path(), &["-"], &[]);
        assert_eq!(answer.text(), String::from_utf8_lossy(&cli), "{name}");
    }
}
