//! `kyso serve`'s API surface: `GET /metrics`, `GET /openapi.json`, and schemathesis run over
//! the OpenAPI document against the real server.

mod common;

use common::server::*;
use common::*;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SIGNER: &str = "tok-api-signer-3f9a";
const WATCHER: &str = "tok-api-metrics-77c1";

/// The value of the sample `name` (with its labels, as written) in a text exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

#[test]
fn metrics_count_requests_documents_and_signatures() {
    let dir = tempdir();
    let config = service_config(
        dir.path(),
        "",
        &[("registry", SIGNER, &["sign:agency"])],
        "",
    );
    let server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let bearer = format!("Bearer {SIGNER}");

    // Sign the letter (an agency seal), then verify it and a file that is no document.
    let signed = server.request(
        "POST",
        "/v1/sign?key=agency",
        &[("Authorization", &bearer)],
        &letter,
    );
    assert_eq!(signed.status, 200, "{}", signed.text());
    let report = server.post("/v1/verify", &signed.body);
    assert_eq!(report.status, 200);
    assert_eq!(report.json()["status"], "passed", "{}", report.text());
    let junk = server.post("/v1/verify", b"neither PDF nor XML");
    assert_eq!(junk.json()["status"], "error");
    server
        .post("/v1/verify?revocation=maybe", b"x")
        .assert_problem(400);
    server
        .request("GET", "/no/such/path/12345", &[], b"")
        .assert_problem(404);

    let m = server.request("GET", "/metrics", &[], b"");
    assert_eq!(m.status, 200, "{}", m.text());
    assert_eq!(
        m.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = m.text();
    let count = |name: &str| sample(&text, name).unwrap_or_else(|| panic!("{name}:\n{text}"));
    let req = |route: &str, method: &str, status: u16| {
        format!(
            "kyso_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}}"
        )
    };
    assert_eq!(count(&req("/v1/verify", "POST", 200)), 2.0);
    assert_eq!(count(&req("/v1/verify", "POST", 400)), 1.0);
    assert_eq!(count(&req("/v1/sign", "POST", 200)), 1.0);
    // Unknown paths share one label: the raw path never becomes a label value.
    assert_eq!(count(&req("other", "GET", 404)), 1.0);
    assert!(!text.contains("12345"), "{text}");
    assert_eq!(
        count("kyso_verified_documents_total{status=\"passed\"}"),
        1.0
    );
    assert_eq!(
        count("kyso_verified_documents_total{status=\"error\"}"),
        1.0
    );
    assert_eq!(
        count("kyso_verified_signatures_total{signer_kind=\"agency\"}"),
        1.0
    );
    assert_eq!(
        count("kyso_signed_documents_total{outcome=\"signed\"}"),
        1.0
    );
    assert_eq!(count("kyso_verify_duration_seconds_count"), 2.0);
    assert_eq!(
        count("kyso_verify_duration_seconds_bucket{le=\"+Inf\"}"),
        2.0
    );
    assert!(count("kyso_verify_duration_seconds_sum") > 0.0);
    assert_eq!(count("kyso_sign_duration_seconds_count"), 1.0);
    // The request asking for the metrics is the one in flight.
    assert_eq!(count("kyso_requests_in_flight"), 1.0);
    assert!(
        text.contains(&format!(
            "kyso_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    for kind in ["counter", "gauge", "histogram"] {
        assert!(text.contains(&format!(" {kind}\n")), "{kind}");
    }
}

#[test]
fn metrics_can_require_a_token() {
    let dir = tempdir();
    let config = service_config(
        dir.path(),
        "metrics_requires_token = true",
        &[
            ("prometheus", WATCHER, &["metrics"]),
            ("registry", SIGNER, &["sign:agency"]),
        ],
        "",
    );
    let server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    server
        .request("GET", "/metrics", &[], b"")
        .assert_problem(401);
    let signer = format!("Bearer {SIGNER}");
    server
        .request("GET", "/metrics", &[("Authorization", &signer)], b"")
        .assert_problem(403);
    let watcher = format!("Bearer {WATCHER}");
    let m = server.request("GET", "/metrics", &[("Authorization", &watcher)], b"");
    assert_eq!(m.status, 200, "{}", m.text());
    assert!(m.text().contains("kyso_http_requests_total{"));
}

#[test]
fn openapi_document_describes_the_routes() {
    let dir = tempdir();
    let config = service_config(dir.path(), "", &[], "");
    let server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let answer = server.request("GET", "/openapi.json", &[], b"");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let doc = answer.json();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    for (path, method) in [
        ("/", "get"),
        ("/v1/verify", "post"),
        ("/v1/sign", "post"),
        ("/v1/keys", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    let verify = &doc["paths"]["/v1/verify"]["post"];
    let media = verify["requestBody"]["content"]
        .as_object()
        .expect("content");
    assert!(media.contains_key("multipart/form-data"), "{media:?}");
    assert!(media.contains_key("application/octet-stream"), "{media:?}");
    let sign = &doc["paths"]["/v1/sign"]["post"];
    let key = sign["parameters"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "key"))
        .expect("the key parameter");
    assert_eq!(key["required"], true);
    assert_eq!(sign["security"], serde_json::json!([{"bearer": []}]));
    // The report schema names every field of a real report.
    let schema = &doc["components"]["schemas"]["DocumentReport"];
    let report = server.post(
        "/v1/verify",
        &std::fs::read(pdf("letter-signed-pyhanko.pdf")).expect("read"),
    );
    for field in report.json().as_object().expect("an object").keys() {
        assert!(schema["properties"][field].is_object(), "{field}");
    }
    let sig_props = &schema["properties"]["signatures"]["items"]["properties"];
    for sig in report.json()["signatures"].as_array().expect("signatures") {
        for field in sig.as_object().expect("an object").keys() {
            assert!(sig_props[field].is_object(), "signature field {field}");
        }
    }
}

/// schemathesis over the served OpenAPI document: no answer is a 5xx, and every answer
/// matches its documented schema.
#[test]
#[ignore = "needs schemathesis: run scripts/test.sh"]
fn schemathesis_finds_nothing() {
    let dir = tempdir();
    let config = service_config(
        dir.path(),
        "",
        &[("fuzzer", SIGNER, &["sign:agency", "verify", "metrics"])],
        "",
    );
    let server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let url = format!("http://{}/openapi.json", server.addr);
    let mut child = Command::new(schemathesis())
        .current_dir(dir.path())
        .args(["run", &url])
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        .args(["--max-examples", "25", "--seed", "20261203"])
        .args(["--request-timeout", "30", "--workers", "1"])
        .args(["--header", &format!("Authorization: Bearer {SIGNER}")])
        .args(["--report-dir", "report", "--no-color"])
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", schemathesis().display()));
    // Read while it runs: a full pipe would stop it.
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|s| Box::new(s) as _));
    let stderr = drain(child.stderr.take().map(|s| Box::new(s) as _));
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for schemathesis") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("schemathesis still running after 600 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = format!(
        "{}\n{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    );
    assert!(status.success(), "schemathesis failed:\n{text}");
    // It did test every operation, with generated cases.
    let tested = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Tested:"))
        .and_then(|n| n.trim().parse::<u32>().ok());
    // Every operation but the document itself (schemathesis leaves its own source out).
    assert!(tested.is_some_and(|n| n >= 7), "{text}");
    let generated = text
        .lines()
        .filter_map(|l| l.trim().split_once(" generated, "))
        .find_map(|(n, _)| n.trim().parse::<u32>().ok());
    assert!(generated.is_some_and(|n| n >= 100), "{text}");
}

/// Every report of tests/golden (the public contract) is valid under the served
/// `DocumentReport` schema (JSON Schema 2020-12, checked with jsonschema_rs, which
/// schemathesis brings); a report off the schema is named.
#[test]
#[ignore = "needs schemathesis: run scripts/test.sh"]
fn golden_reports_match_the_report_schema() {
    let dir = tempdir();
    let config = service_config(dir.path(), "", &[], "");
    let server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let doc = server.request("GET", "/openapi.json", &[], b"");
    assert_eq!(doc.status, 200);
    let doc_path = dir.path().join("openapi.json");
    std::fs::write(&doc_path, &doc.body).expect("write the document");
    let golden: Vec<std::path::PathBuf> = std::fs::read_dir(root().join("tests/golden"))
        .expect("tests/golden")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert!(!golden.is_empty());
    let beside = schemathesis().with_file_name("python");
    let python = if beside.exists() {
        beside
    } else {
        peer_python()
    };
    const CHECK: &str = r#"
import json, sys
import jsonschema_rs
doc = json.load(open(sys.argv[1], encoding="utf-8"))
v = jsonschema_rs.Draft202012Validator(doc["components"]["schemas"]["DocumentReport"])
n = 0
for path in sys.argv[2:]:
    for line in open(path, encoding="utf-8"):
        if line.strip():
            for e in v.iter_errors(json.loads(line)):
                sys.exit(f"{path}: {e.message} at {list(e.instance_path)}")
            n += 1
print(f"{n} reports valid")
"#;
    let o = run(Command::new(&python)
        .arg("-c")
        .arg(CHECK)
        .arg(&doc_path)
        .args(&golden));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    let n: u32 = out
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(n >= 100, "{out}");
}
