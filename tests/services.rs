//! The loopback test services (tests/common/services.rs), proved with the real
//! tools: `openssl ts` against the TSA, `openssl ocsp` against the responder,
//! `openssl crl`/`openssl verify` on CRLs fetched over HTTP, with kyso-net as
//! the HTTP client.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::services::{self, CA_CRL_URL, OCSP_URL, ROOT_CERT_URL, TSA_URL};
use kyso_fixtures::pki::{self, Revocation, RevocationReason};
use kyso_net::{Client, Error, Options};

fn client() -> Client {
    Client::new(Options {
        retries: 0,
        total_timeout: Duration::from_secs(20),
        ..Options::default()
    })
}

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

fn pki_path(name: &str) -> String {
    common::pki(name).to_string_lossy().into_owned()
}

/// Makes a time-stamp query for `data` with openssl, sends it with kyso-net.
fn time_stamp(dir: &Path, url: &str) -> Vec<u8> {
    std::fs::write(
        dir.join("data.txt"),
        b"noi dung van ban can danh dau thoi gian",
    )
    .unwrap();
    let (ok, out) = openssl(
        &[
            "ts",
            "-query",
            "-data",
            "data.txt",
            "-sha256",
            "-cert",
            "-out",
            "query.tsq",
        ],
        dir,
    );
    assert!(ok, "{out}");
    let query = std::fs::read(dir.join("query.tsq")).unwrap();
    let reply = client()
        .post(url, "application/timestamp-query", &query)
        .unwrap_or_else(|e| panic!("{e}\n{}", services::start().log()));
    assert_eq!(
        reply.media_type().as_deref(),
        Some("application/timestamp-reply")
    );
    reply.body
}

#[test]
fn tsa_answers_a_query_that_openssl_verifies() {
    let _services = services::start();
    let dir = tempfile::tempdir().unwrap();
    let reply = time_stamp(dir.path(), TSA_URL);
    std::fs::write(dir.path().join("reply.tsr"), &reply).unwrap();

    let (ok, out) = openssl(
        &[
            "ts",
            "-verify",
            "-in",
            "reply.tsr",
            "-queryfile",
            "query.tsq",
            "-CAfile",
            &pki_path("root.pem"),
            "-untrusted",
            &pki_path("ca.pem"),
        ],
        dir.path(),
    );
    assert!(ok && out.contains("Verification: OK"), "{out}");

    let (ok, text) = openssl(&["ts", "-reply", "-in", "reply.tsr", "-text"], dir.path());
    assert!(ok, "{text}");
    for expected in [
        "Status: Granted.",
        "Policy OID: 2.999.3161.1",
        "Hash Algorithm: sha256",
        "Accuracy: 0x01 seconds, 0x01F4 millis, 0x64 micros",
        "Ordering: yes",
        "Time Stamping Authority (kyso test)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert_eq!(services::TSA_POLICY, "2.999.3161.1");
}

#[test]
fn untrusted_tsa_does_not_chain_to_the_fixture_root() {
    let _services = services::start();
    let dir = tempfile::tempdir().unwrap();
    let reply = time_stamp(dir.path(), &format!("{TSA_URL}untrusted"));
    std::fs::write(dir.path().join("reply.tsr"), &reply).unwrap();
    let verify = |ca: &str| {
        openssl(
            &[
                "ts",
                "-verify",
                "-in",
                "reply.tsr",
                "-queryfile",
                "query.tsq",
                "-CAfile",
                &pki_path(ca),
            ],
            dir.path(),
        )
    };
    let (ok, out) = verify("root.pem");
    assert!(
        !ok,
        "an outsider's token verified under the fixture root: {out}"
    );
    let (ok, out) = verify("outsider-tsa.pem");
    assert!(ok && out.contains("Verification: OK"), "{out}");
}

#[test]
fn failure_paths_for_timeout_and_error_tests() {
    let _services = services::start();
    let c = client();
    match c.post(
        &format!("{TSA_URL}fail"),
        "application/timestamp-query",
        b"x",
    ) {
        Err(Error::Status { status: 500, .. }) => {}
        other => panic!("{other:?}"),
    }
    match c.get(&format!("{}status/503/ca.crl", services::HTTP_BASE_URL)) {
        Err(Error::Status { status: 503, .. }) => {}
        other => panic!("{other:?}"),
    }
    let impatient = Client::new(Options {
        io_timeout: Duration::from_millis(500),
        retries: 0,
        ..Options::default()
    });
    match impatient.post(
        &format!("{OCSP_URL}slow/2/"),
        "application/ocsp-request",
        b"x",
    ) {
        Err(e @ Error::Timeout { .. }) => assert!(e.to_string().contains("127.0.0.1:8319")),
        other => panic!("{other:?}"),
    }
    // A slow CRL still arrives for a patient client.
    let crl = c
        .get(&format!("{}slow/0.3/ca.crl", services::HTTP_BASE_URL))
        .unwrap();
    assert_eq!(crl.body, std::fs::read(common::pki("ca.crl")).unwrap());
    // OCSP error statuses: OCSPResponse { responseStatus } only.
    let r = c
        .post(
            &format!("{OCSP_URL}trylater"),
            "application/ocsp-request",
            b"x",
        )
        .unwrap();
    assert_eq!(r.body, [0x30, 0x03, 0x0a, 0x01, 0x03]);
    // Nothing listens on the dead port the `unreachable` signer points at.
    match c.get(services::DEAD_OCSP_URL) {
        Err(e @ Error::ConnectionRefused { .. }) => assert!(e.is_unreachable()),
        other => panic!("{other:?}"),
    }
}

/// `openssl ocsp` as a client: status lines for each certificate.
fn ocsp_status(issuer: &str, certs: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "ocsp".to_owned(),
        "-issuer".into(),
        pki_path(issuer),
        "-url".into(),
        OCSP_URL.into(),
        "-CAfile".into(),
        pki_path("root.pem"),
        "-verify_other".into(),
        pki_path("ca.pem"),
        "-resp_text".into(),
    ];
    for c in certs {
        args.push("-cert".into());
        args.push(pki_path(c));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, out) = openssl(&args, dir.path());
    assert!(ok, "{out}");
    assert!(out.contains("Response verify OK"), "{out}");
    out
}

#[test]
fn ocsp_responder_answers_openssl() {
    let _services = services::start();
    let out = ocsp_status("ca.pem", &["revoked.pem", "personal.pem", "tsa.pem"]);
    assert!(out.contains("revoked.pem: revoked"), "{out}");
    assert!(out.contains("Reason: keyCompromise"), "{out}");
    assert!(
        out.contains("Revocation Time: Jun  1 00:00:00 2026 GMT"),
        "{out}"
    );
    assert!(out.contains("personal.pem: good"), "{out}");
    assert!(out.contains("tsa.pem: good"), "{out}");
    assert!(
        out.contains("CN = Government Signing CA OCSP Responder (kyso test)"),
        "{out}"
    );

    // The CA's own status comes from the root's delegated responder (never the root itself).
    let out = ocsp_status("root.pem", &["ca.pem"]);
    assert!(out.contains("ca.pem: good"), "{out}");
    assert!(
        out.contains("CN = Vietnam National Root CA OCSP Responder (kyso test)"),
        "{out}"
    );
}

#[test]
fn ocsp_over_kyso_net_post_and_get() {
    let _services = services::start();
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = openssl(
        &[
            "ocsp",
            "-issuer",
            &pki_path("ca.pem"),
            "-cert",
            &pki_path("revoked.pem"),
            "-no_nonce",
            "-reqout",
            "req.der",
        ],
        dir.path(),
    );
    assert!(ok, "{out}");
    let req = std::fs::read(dir.path().join("req.der")).unwrap();

    let base64 = Command::new("openssl")
        .args(["base64", "-A", "-in", "req.der"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let encoded: String = String::from_utf8(base64.stdout)
        .unwrap()
        .trim()
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");

    let c = client();
    for response in [
        c.post(OCSP_URL, "application/ocsp-request", &req).unwrap(),
        c.get(&format!("{OCSP_URL}{encoded}")).unwrap(),
    ] {
        assert_eq!(
            response.media_type().as_deref(),
            Some("application/ocsp-response")
        );
        std::fs::write(dir.path().join("resp.der"), &response.body).unwrap();
        let (ok, out) = openssl(
            &[
                "ocsp",
                "-respin",
                "resp.der",
                "-issuer",
                &pki_path("ca.pem"),
                "-cert",
                &pki_path("revoked.pem"),
                "-CAfile",
                &pki_path("root.pem"),
                "-verify_other",
                &pki_path("ca.pem"),
                "-no_nonce",
            ],
            dir.path(),
        );
        assert!(ok && out.contains("Response verify OK"), "{out}");
        assert!(out.contains(": revoked"), "{out}");
    }
}

#[test]
fn ocsp_answers_follow_set_ocsp_revocations() {
    let services = services::start_exclusive();
    let an_hour_ago = kyso_pki::time::now() - 3600;
    services.set_ocsp_revocations(
        "ca",
        &[Revocation::of("personal", an_hour_ago, Some(RevocationReason::Superseded)).unwrap()],
    );
    let out = ocsp_status("ca.pem", &["personal.pem", "revoked.pem"]);
    assert!(out.contains("personal.pem: revoked"), "{out}");
    assert!(out.contains("Reason: superseded"), "{out}");
    assert!(out.contains("revoked.pem: good"), "{out}");
    services.reset();
    let out = ocsp_status("ca.pem", &["personal.pem", "revoked.pem"]);
    assert!(out.contains("personal.pem: good"), "{out}");
    assert!(out.contains("revoked.pem: revoked"), "{out}");
}

#[test]
fn crls_and_ca_certificates_over_http() {
    let _services = services::start();
    let c = client();
    let crl = c.get(CA_CRL_URL).unwrap();
    assert_eq!(crl.media_type().as_deref(), Some("application/pkix-crl"));
    assert_eq!(crl.body, std::fs::read(common::pki("ca.crl")).unwrap());
    let root = c.get(ROOT_CERT_URL).unwrap();
    assert_eq!(root.media_type().as_deref(), Some("application/pkix-cert"));
    assert_eq!(root.body, std::fs::read(common::pki("root.der")).unwrap());
    match c.get(&format!("{}missing.crl", services::HTTP_BASE_URL)) {
        Err(Error::Status { status: 404, .. }) => {}
        other => panic!("{other:?}"),
    }

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.crl"), &crl.body).unwrap();
    let root_crl = c.get(services::ROOT_CRL_URL).unwrap();
    std::fs::write(dir.path().join("root.crl"), &root_crl.body).unwrap();
    let (ok, text) = openssl(
        &["crl", "-inform", "DER", "-in", "ca.crl", "-noout", "-text"],
        dir.path(),
    );
    assert!(ok, "{text}");
    assert!(text.contains("Serial Number: 4B59534F202514"), "{text}");
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(
        text.contains("Next Update: Jan  1 00:00:00 2036 GMT"),
        "{text}"
    );
    let (ok, text) = openssl(
        &[
            "crl", "-inform", "DER", "-in", "root.crl", "-noout", "-text",
        ],
        dir.path(),
    );
    assert!(ok && text.contains("No Revoked Certificates."), "{text}");

    // openssl's own revocation check with the downloaded CRLs.
    for (name, f) in [("ca.crl", "ca.crl.pem"), ("root.crl", "root.crl.pem")] {
        let (ok, out) = openssl(
            &["crl", "-inform", "DER", "-in", name, "-out", f],
            dir.path(),
        );
        assert!(ok, "{out}");
    }
    let verify = |leaf: &str| {
        openssl(
            &[
                "verify",
                "-crl_check_all",
                "-CAfile",
                &pki_path("root.pem"),
                "-untrusted",
                &pki_path("ca.pem"),
                "-CRLfile",
                "ca.crl.pem",
                "-CRLfile",
                "root.crl.pem",
                &pki_path(leaf),
            ],
            dir.path(),
        )
    };
    let (ok, out) = verify("personal.pem");
    assert!(ok, "{out}");
    let (ok, out) = verify("revoked.pem");
    assert!(!ok && out.contains("certificate revoked"), "{out}");
}

#[test]
fn a_test_can_serve_its_own_crl() {
    let services = services::start_exclusive();
    let now = kyso_pki::time::now();
    let crl = pki::crl(
        "ca",
        &[Revocation::of(
            "personal",
            now + 86400,
            Some(RevocationReason::KeyCompromise),
        )
        .unwrap()],
        now,
        now + 7 * 86400,
    )
    .unwrap();
    services.set_crl("ca", &crl);
    services.put_file("extra.bin", b"anything");
    let c = client();
    assert_eq!(c.get(CA_CRL_URL).unwrap().body, crl);
    assert_eq!(
        c.get(&format!("{}extra.bin", services::HTTP_BASE_URL))
            .unwrap()
            .body,
        b"anything"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("new.crl"), &crl).unwrap();
    let (ok, text) = openssl(
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "new.crl",
            "-noout",
            "-text",
            "-CAfile",
            &pki_path("ca.pem"),
        ],
        dir.path(),
    );
    assert!(ok && text.contains("verify OK"), "{text}");
    assert!(text.contains("Serial Number: 4B59534F202511"), "{text}");
    drop(services);

    // Defaults are back for the next test.
    let _services = services::start();
    assert_eq!(
        c.get(CA_CRL_URL).unwrap().body,
        std::fs::read(common::pki("ca.crl")).unwrap()
    );
    assert!(
        c.get(&format!("{}extra.bin", services::HTTP_BASE_URL))
            .is_err()
    );
}

#[test]
fn a_second_start_reuses_the_running_services() {
    let a = services::start();
    let b = services::start();
    assert_eq!(a.workdir(), b.workdir());
    assert!(a.workdir().join("www/ca.crl").exists());
}
