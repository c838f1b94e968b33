//! Trust that holds for years: revocation (CRL, OCSP, document and online sources),
//! signature and document timestamps, and the reported levels, end to end against the
//! loopback TSA, OCSP responder and CRL server (`tests/common/services.rs`).

mod common;

use common::services;
use common::*;
use kyso::{TrustConfig, collect_validation_data, load_certificates};

fn trust() -> TrustConfig {
    let mut t = TrustConfig::default();
    t.add_anchors(&pki("root.pem")).expect("root");
    t.net.timeout_seconds = 5;
    t.net.retries = 0;
    t
}

fn cert(name: &str) -> kyso::Certificate {
    load_certificates(&pki(name))
        .expect("certificate")
        .remove(0)
}

#[test]
fn collect_validation_data_fetches_the_issuer_and_ocsp_for_the_chain() {
    let services = services::start();
    let trust = trust();
    let signer = cert("personal.pem");
    let now = kyso::parse_time("2026-11-22T00:00:00Z")
        .unwrap_or(0)
        .max(kyso_pki::time::now());
    let data = collect_validation_data(&signer, &[], &trust, now)
        .unwrap_or_else(|e| panic!("{e}\n{}", services.log()));
    let ders: Vec<Vec<u8>> = ["personal.pem", "ca.pem", "root.pem", "ocsp.pem"]
        .iter()
        .map(|n| cert(n).der().to_vec())
        .collect();
    for (d, n) in ders.iter().zip(["personal", "ca", "root", "ocsp"]) {
        assert!(
            data.certs.contains(d),
            "{n} missing from the collected certificates"
        );
    }
    assert_eq!(
        data.ocsps.len(),
        2,
        "one OCSP response each for personal and ca"
    );
    assert!(data.crls.is_empty());
}

#[test]
fn collect_validation_data_names_the_url_that_failed() {
    let _services = services::start();
    let trust = trust();
    let signer = cert("unreachable.pem");
    let err = collect_validation_data(&signer, &[cert("ca.pem")], &trust, kyso_pki::time::now())
        .expect_err("nothing answers for the unreachable signer");
    let msg = err.to_string();
    assert!(msg.contains("127.0.0.1:8399"), "{msg}");
}

// ------------------------------------------------------------------------------ helpers

use std::path::{Path, PathBuf};

use kyso_fixtures::pki::{Revocation, RevocationReason};

/// `kyso sign` into `dir/name` with a fixture identity and extra flags; asserts success.
fn sign_into(dir: &Path, name: &str, p12: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let o = try_sign(&pdf("letter-classic.pdf"), &out, p12, extra);
    assert!(
        o.status.success(),
        "kyso sign {name} failed: {}{}",
        stdout(&o),
        stderr(&o)
    );
    out
}

/// Signs at a PAdES level with the loopback TSA (and the fixture root for b-lt and up; kyso
/// refuses --trust below b-lt, where it has no use).
fn sign_level(dir: &Path, name: &str, p12: &str, level: &str) -> PathBuf {
    let root = pki("root.pem").to_string_lossy().into_owned();
    let mut args = vec!["--level", level, "--tsa", services::TSA_URL];
    if level == "b-lt" || level == "b-lta" {
        args.extend(["--trust", root.as_str()]);
    }
    sign_into(dir, name, p12, &args)
}

/// `kyso verify --json --trust root.pem ARGS FILE`: (exit code, report).
fn verify_with(file: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let o = run(kyso()
        .arg("verify")
        .arg(file)
        .arg("--trust")
        .arg(pki("root.pem"))
        .arg("--json")
        .args(args));
    let text = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {text}{}", stderr(&o)));
    (o.status.code().unwrap_or(-1), v)
}

fn sig(report: &serde_json::Value, i: usize) -> &serde_json::Value {
    &report["signatures"][i]
}

fn status_reason(s: &serde_json::Value) -> (String, String) {
    (
        s["status"].as_str().unwrap_or("").to_string(),
        s["reason"].as_str().unwrap_or("").to_string(),
    )
}

fn warnings(s: &serde_json::Value) -> String {
    s["warnings"].to_string()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

// -------------------------------------------------------------------------------- tests

#[test]
fn b_lta_from_kyso_verifies_offline_at_level_b_lta() {
    let services = services::start();
    let dir = tempdir();
    let file = sign_level(dir.path(), "lta.pdf", "personal.p12", "b-lta");
    let (code, r) = verify_with(&file, &[]);
    assert_eq!(code, 0, "{r}\n{}", services.log());
    let s = sig(&r, 0);
    assert_eq!(s["level"], "b-lta", "{s}");
    assert_eq!(s["timestamps"][0]["status"], "passed");
    assert_eq!(s["revocation"][0]["source"], "dss", "{s}");
    let ts = sig(&r, 1);
    assert_eq!(ts["kind"], "timestamp", "{ts}");
    assert_eq!(status_reason(ts), pair("passed", "ok"));

    // In 2046 the signer (2035), the TSA (2035) and the root (2045) have all expired: the
    // timestamps prove what was valid when, so the document still verifies, and the expired
    // TSA of the last document timestamp is pointed out.
    let (code, r) = verify_with(
        &file,
        &["--at", "2046-01-01T00:00:00Z", "--revocation", "hard"],
    );
    assert_eq!(code, 0, "{r}");
    let s = sig(&r, 0);
    assert_eq!(s["level"], "b-lta", "{s}");
    assert!(warnings(s).contains("expired at 2035-01-01"), "{s}");
    assert!(
        warnings(sig(&r, 1)).contains("last document timestamp expired at 2035-01-01"),
        "{r}"
    );
    // Without timestamps, the same signer fails then.
    let plain = sign_into(dir.path(), "bb.pdf", "personal.p12", &[]);
    let (code, r) = verify_with(&plain, &["--at", "2046-01-01T00:00:00Z"]);
    assert_eq!(code, 1);
    assert_eq!(
        status_reason(sig(&r, 0)),
        pair("failed", "certificate_expired"),
        "{r}"
    );
}

#[test]
fn revoked_signer_fails_by_online_crl() {
    let _services = services::start();
    let dir = tempdir();
    let file = sign_into(dir.path(), "revoked.pdf", "revoked.p12", &[]);
    let (code, r) = verify_with(&file, &["--online"]);
    assert_eq!(code, 1);
    let s = sig(&r, 0);
    assert_eq!(status_reason(s), pair("failed", "revoked"), "{s}");
    assert!(
        s["message"]
            .as_str()
            .unwrap_or("")
            .contains("2026-06-01T00:00:00Z"),
        "{s}"
    );
    assert_eq!(s["revocation"][0]["status"], "revoked", "{s}");
    assert_eq!(s["revocation"][0]["source"], "online-crl", "{s}");
    assert_eq!(s["revocation"][0]["method"], "crl", "{s}");
    assert_eq!(
        s["revocation"][0]["revocation_reason"], "key compromise",
        "{s}"
    );
    assert_eq!(s["revocation"][1]["status"], "good", "{s}");
}

#[test]
fn revoked_signer_fails_by_online_ocsp_when_the_crl_is_gone() {
    let services = services::start_exclusive();
    services.remove_file("ca.crl");
    let dir = tempdir();
    let file = sign_into(dir.path(), "revoked.pdf", "revoked.p12", &[]);
    let (code, r) = verify_with(&file, &["--online", "--revocation", "hard"]);
    assert_eq!(code, 1, "{r}\n{}", services.log());
    let s = sig(&r, 0);
    assert_eq!(status_reason(s), pair("failed", "revoked"), "{s}");
    assert_eq!(s["revocation"][0]["status"], "revoked", "{s}");
    assert_eq!(s["revocation"][0]["source"], "online-ocsp", "{s}");
    assert_eq!(s["revocation"][0]["time"], "2026-06-01T00:00:00Z", "{s}");
    // A good signer is good by OCSP (its delegated responder validated).
    let good = sign_into(dir.path(), "personal.pdf", "personal.p12", &[]);
    let (code, r) = verify_with(&good, &["--online", "--revocation", "hard"]);
    assert_eq!(code, 0, "{r}\n{}", services.log());
    let s = sig(&r, 0);
    assert_eq!(s["revocation"][0]["source"], "online-ocsp", "{s}");
    assert_eq!(s["revocation"][0]["status"], "good", "{s}");
}

#[test]
fn revoked_signer_fails_by_a_crl_in_the_dss() {
    let dir = tempdir();
    let file = sign_into(dir.path(), "revoked.pdf", "revoked.p12", &[]);
    let with_dss = add_dss(
        &file,
        &dir.path().join("revoked-dss.pdf"),
        &["ca.crl", "root.crl"],
    );
    for args in [&[][..], &["--revocation", "hard"][..]] {
        let (code, r) = verify_with(&with_dss, args);
        assert_eq!(code, 1);
        let s = sig(&r, 0);
        assert_eq!(status_reason(s), pair("failed", "revoked"), "{s}");
        assert_eq!(s["revocation"][0]["source"], "dss", "{s}");
        assert_eq!(s["revocation"][0]["method"], "crl", "{s}");
        assert_eq!(s["revocation"][0]["time"], "2026-06-01T00:00:00Z", "{s}");
    }
    // The same CRLs say a good signer is good.
    let good = sign_into(dir.path(), "personal.pdf", "personal.p12", &[]);
    let good = add_dss(
        &good,
        &dir.path().join("personal-dss.pdf"),
        &["ca.crl", "root.crl"],
    );
    let (code, r) = verify_with(&good, &["--revocation", "hard"]);
    assert_eq!(code, 0, "{r}");
    let s = sig(&r, 0);
    assert_eq!(s["revocation"][0]["status"], "good", "{s}");
    assert_eq!(s["revocation"][1]["status"], "good", "{s}");
    assert_eq!(s["level"], "b-b", "no timestamp: {s}");
    // Off: nothing checked.
    let (code, r) = verify_with(&with_dss, &["--revocation", "off"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(sig(&r, 0)["revocation"], serde_json::json!([]));
}

/// Appends a DSS holding the fixture CRLs `crls` (file names under fixtures/pki).
fn add_dss(input: &Path, output: &Path, crls: &[&str]) -> PathBuf {
    let data = std::fs::read(input).expect("read");
    let doc = kyso_pdf::Document::open(&data).expect("PDF");
    let mut update = kyso_pdf::DssUpdate::new(&doc).expect("DSS update");
    let vri = kyso_pdf::Vri {
        certs: vec![cert("ca.pem").der().to_vec()],
        crls: crls
            .iter()
            .map(|n| std::fs::read(pki(n)).expect("CRL"))
            .collect(),
        ocsps: Vec::new(),
    };
    update.add(None, &vri);
    let written = update
        .write()
        .expect("write DSS")
        .expect("something written");
    std::fs::write(output, written.bytes).expect("write");
    output.to_path_buf()
}

#[test]
fn revoked_after_the_timestamp_passes_with_a_note() {
    let services = services::start_exclusive();
    let dir = tempdir();
    let stamped = sign_level(dir.path(), "bt.pdf", "personal.p12", "b-t");
    let plain = sign_into(dir.path(), "bb.pdf", "personal.p12", &[]);
    let (_, r) = verify_with(&stamped, &[]);
    let gen_time = sig(&r, 0)["timestamps"][0]["time"]
        .as_str()
        .map(|t| kyso::parse_time(t).expect("time"))
        .expect("a timestamp");
    // Revoked 30 s after the timestamp, by CRL and OCSP.
    let revoked_at = gen_time + 30;
    let revocation = [Revocation::of(
        "personal",
        revoked_at,
        Some(RevocationReason::KeyCompromise),
    )
    .expect("fixture")];
    let crl =
        kyso_fixtures::pki::crl("ca", &revocation, revoked_at, revoked_at + 86_400).expect("CRL");
    services.set_crl("ca", &crl);
    services.set_ocsp_revocations("ca", &revocation);

    let (code, r) = verify_with(&stamped, &["--online", "--revocation", "hard"]);
    assert_eq!(code, 0, "{r}\n{}", services.log());
    let s = sig(&r, 0);
    assert_eq!(status_reason(s), pair("passed", "ok"), "{s}");
    assert!(warnings(s).contains("was revoked at"), "{s}");
    assert_eq!(s["revocation"][0]["status"], "revoked", "{s}");
    assert_eq!(s["level"], "b-t", "{s}");

    // Without a timestamp nothing proves the signature came before the revocation.
    let (code, r) = verify_with(&plain, &["--online"]);
    assert_eq!(code, 1);
    assert_eq!(
        status_reason(sig(&r, 0)),
        pair("indeterminate", "revoked_no_poe"),
        "{r}"
    );
    // With --at before the revocation, the user asked for that time.
    let at = kyso_pki::time::to_rfc3339(revoked_at - 10);
    let (code, r) = verify_with(&plain, &["--online", "--at", &at]);
    assert_eq!(code, 0, "{r}");
    assert!(warnings(sig(&r, 0)).contains("was revoked at"), "{r}");
    // After it, the signature fails.
    let at = kyso_pki::time::to_rfc3339(revoked_at + 10);
    let (code, r) = verify_with(&plain, &["--online", "--at", &at]);
    assert_eq!(code, 1);
    assert_eq!(status_reason(sig(&r, 0)), pair("failed", "revoked"), "{r}");
}

#[test]
fn expired_signer_verifies_at_the_timestamp_only() {
    let _services = services::start();
    let dir = tempdir();
    let stamped = sign_level(dir.path(), "short-bt.pdf", "shortlived.p12", "b-t");
    let plain = sign_into(dir.path(), "short-bb.pdf", "shortlived.p12", &[]);
    let later = ["--at", "2027-06-01T00:00:00Z", "--revocation", "off"];
    let (code, r) = verify_with(&plain, &later);
    assert_eq!(code, 1);
    assert_eq!(
        status_reason(sig(&r, 0)),
        pair("failed", "certificate_expired"),
        "{r}"
    );
    let (code, r) = verify_with(&stamped, &later);
    assert_eq!(code, 0, "{r}");
    let s = sig(&r, 0);
    assert_eq!(s["level"], "b-t", "{s}");
    assert!(warnings(s).contains("expired at 2027-01-01"), "{s}");
    assert_eq!(s["validation_time"], s["proven_time"], "{s}");
}

#[test]
fn untrusted_tsa_is_indeterminate() {
    let _services = services::start();
    let dir = tempdir();
    let url = format!("{}untrusted", services::TSA_URL);
    let file = sign_into(
        dir.path(),
        "outsider-ts.pdf",
        "personal.p12",
        &["--level", "b-t", "--tsa", &url],
    );
    let (code, r) = verify_with(&file, &[]);
    assert_eq!(code, 1);
    let s = sig(&r, 0);
    assert_eq!(
        status_reason(s),
        pair("indeterminate", "timestamp_untrusted"),
        "{s}"
    );
    assert_eq!(s["timestamps"][0]["trusted"], false, "{s}");
    assert_eq!(s["level"], "b-b", "{s}");
    // Trusting the outsider TSA makes it valid.
    let (code, r) = verify_with(
        &file,
        &["--trust", &pki("outsider-tsa.pem").to_string_lossy()],
    );
    assert_eq!(code, 0, "{r}");
    assert_eq!(sig(&r, 0)["level"], "b-t");
}

#[test]
fn tampered_timestamp_token_fails() {
    let _services = services::start();
    let dir = tempdir();
    let file = sign_level(dir.path(), "bt.pdf", "personal.p12", "b-t");
    let mut data = std::fs::read(&file).expect("read");
    // The TSA's policy OID 2.999.3161.1 opens the TSTInfo; a digit of the message imprint
    // that follows it is changed (the /Contents hex is outside the signed byte range).
    let policy = b"06058837985901";
    let lower = policy.to_ascii_lowercase();
    let at = data
        .windows(policy.len())
        .position(|w| w == policy || w == lower.as_slice())
        .expect("the TSTInfo policy in /Contents");
    let target = at + policy.len() + 40;
    data[target] = if data[target] == b'0' { b'1' } else { b'0' };
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(&tampered, &data).expect("write");
    let (code, r) = verify_with(&tampered, &[]);
    assert_eq!(code, 1);
    let s = sig(&r, 0);
    assert_eq!(status_reason(s), pair("failed", "timestamp_invalid"), "{s}");
}

#[test]
fn ocsp_responder_down_is_a_warning_when_soft_and_indeterminate_when_hard() {
    let _services = services::start();
    let dir = tempdir();
    let file = sign_into(dir.path(), "unreachable.pdf", "unreachable.p12", &[]);
    let (code, r) = verify_with(&file, &["--online"]);
    assert_eq!(code, 0, "{r}");
    let s = sig(&r, 0);
    assert!(warnings(s).contains("127.0.0.1:8399"), "{s}");
    assert_eq!(s["revocation"][0]["status"], "unknown", "{s}");
    let (code, r) = verify_with(&file, &["--online", "--revocation", "hard"]);
    assert_eq!(code, 1);
    let s = sig(&r, 0);
    assert_eq!(
        status_reason(s),
        pair("indeterminate", "revocation_unknown"),
        "{s}"
    );
    assert!(s["message"].as_str().unwrap_or("").contains("8399"), "{s}");
}

#[test]
fn without_revocation_data_soft_warns_and_hard_is_indeterminate() {
    let dir = tempdir();
    let file = sign_into(dir.path(), "bb.pdf", "personal.p12", &[]);
    let (code, r) = verify_with(&file, &[]);
    assert_eq!(code, 0, "{r}");
    assert!(
        warnings(sig(&r, 0)).contains("revocation not checked"),
        "{r}"
    );
    let (code, r) = verify_with(&file, &["--revocation", "hard"]);
    assert_eq!(code, 1);
    assert_eq!(
        status_reason(sig(&r, 0)),
        pair("indeterminate", "revocation_unknown"),
        "{r}"
    );
}

/// `pyhanko sign addsig` of the classic letter into `out` with the personal fixture key and
/// chain, the fixture root trusted, and `options` (e.g. the PAdES level and TSA).
fn pyhanko_addsig(out: &Path, options: &[&str], services: &services::Services) {
    let o = run(std::process::Command::new(pyhanko())
        .args(["sign", "addsig", "--field", "Sig1"])
        .args(options)
        .arg("--trust")
        .arg(pki("root.pem"))
        .arg("--trust-replace")
        .args(["pemder", "--key"])
        .arg(pki("personal.key.pem"))
        .arg("--cert")
        .arg(pki("personal.pem"))
        .arg("--chain")
        .arg(pki("ca.pem"))
        .arg("--no-pass")
        .arg(pdf("letter-classic.pdf"))
        .arg(out));
    assert!(
        o.status.success(),
        "pyHanko addsig failed: {}{}\n{}",
        stdout(&o),
        stderr(&o),
        services.log()
    );
}

#[test]
#[ignore = "needs pyHanko: run scripts/test.sh"]
fn kyso_verifies_pyhanko_b_lta_at_level_b_lta() {
    let services = services::start();
    let dir = tempdir();
    let out = dir.path().join("pyhanko-lta.pdf");
    pyhanko_addsig(
        &out,
        &[
            "--use-pades-lta",
            "--with-validation-info",
            "--timestamp-url",
            services::TSA_URL,
        ],
        &services,
    );
    // Offline, with the revocation data pyHanko embedded, even under the hard policy.
    let (code, r) = verify_with(&out, &["--revocation", "hard"]);
    assert_eq!(code, 0, "{r}");
    let s = sig(&r, 0);
    assert_eq!(s["level"], "b-lta", "{s}");
    assert_eq!(s["timestamps"][0]["status"], "passed", "{s}");
    let stamps: Vec<&serde_json::Value> = r["signatures"]
        .as_array()
        .map(|a| a.iter().filter(|x| x["kind"] == "timestamp").collect())
        .unwrap_or_default();
    assert!(!stamps.is_empty(), "a document timestamp: {r}");
    for t in stamps {
        assert_eq!(status_reason(t), pair("passed", "ok"), "{t}");
    }
}

/// A time-stamp token from the loopback TSA over `data` (DER).
fn tsa_token(data: &[u8]) -> Vec<u8> {
    use kyso_cms::tsp::{RequestOptions, TimestampRequest, TimestampResponse};
    let req = TimestampRequest::for_data(data, &RequestOptions::default()).expect("request");
    let reply = kyso_net::Client::new(kyso_net::Options::default())
        .post(services::TSA_URL, "application/timestamp-query", req.der())
        .expect("TSA answers");
    let token = TimestampResponse::parse(&reply.body)
        .and_then(|r| r.into_token())
        .expect("a token");
    token.der().to_vec()
}

/// Adds a XAdES SignatureTimeStamp (exclusive C14N) with `token` to the signature of `xml`,
/// and a SigningTime when given (unsigned here: kyso-xml reads any SigningTime as the claim).
fn with_xades_timestamp(xml: &str, token: &[u8], signing_time: Option<&str>) -> String {
    let signed = signing_time
        .map(|t| {
            format!(
                "<xades:SignedProperties><xades:SignedSignatureProperties>\
                 <xades:SigningTime>{t}</xades:SigningTime></xades:SignedSignatureProperties>\
                 </xades:SignedProperties>"
            )
        })
        .unwrap_or_default();
    let object = format!(
        "<ds:Object><xades:QualifyingProperties xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\">\
         {signed}<xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:SignatureTimeStamp>\
         <ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
         <xades:EncapsulatedTimeStamp>{}</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>\
         </xades:UnsignedSignatureProperties></xades:UnsignedProperties>\
         </xades:QualifyingProperties></ds:Object></ds:Signature>",
        kyso_pki::base64::encode(token)
    );
    xml.replacen("</ds:Signature>", &object, 1)
}

#[test]
fn xades_signature_timestamp_gives_b_t() {
    let _services = services::start();
    let dir = tempdir();
    let signed = dir.path().join("report.signed.xml");
    sign(
        &fixture("xml/docs/report.xml"),
        &signed,
        "personal.p12",
        &[],
    );
    let xml = std::fs::read_to_string(&signed).expect("read");
    // Exclusive C14N of <ds:SignatureValue>: only the ds namespace, the text as is.
    let start = xml.find("<ds:SignatureValue>").expect("SignatureValue") + 19;
    let end = start + xml[start..].find("</ds:SignatureValue>").expect("end");
    let canonical = format!(
        "<ds:SignatureValue xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">{}</ds:SignatureValue>",
        &xml[start..end]
    );
    let stamped = dir.path().join("report.xades-t.xml");
    let token = tsa_token(canonical.as_bytes());
    std::fs::write(&stamped, with_xades_timestamp(&xml, &token, None)).expect("write");
    let (code, r) = verify_with(&stamped, &[]);
    assert_eq!(code, 0, "{r}");
    let s = sig(&r, 0);
    assert_eq!(s["level"], "b-t", "{s}");
    assert_eq!(s["timestamps"][0]["status"], "passed", "{s}");
    assert_eq!(s["validation_time"], s["proven_time"], "{s}");

    // A token over something else fails the signature.
    let wrong = dir.path().join("report.wrong-ts.xml");
    std::fs::write(
        &wrong,
        with_xades_timestamp(&xml, &tsa_token(b"something else"), None),
    )
    .expect("write");
    let (code, r) = verify_with(&wrong, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        status_reason(sig(&r, 0)),
        pair("failed", "timestamp_invalid"),
        "{r}"
    );

    // A claimed signing time seven hours after the timestamp: local time labelled as UTC.
    let local_as_utc = kyso_pki::time::to_rfc3339(kyso_pki::time::now() + 7 * 3600);
    let skewed = dir.path().join("report.skewed.xml");
    std::fs::write(
        &skewed,
        with_xades_timestamp(&xml, &token, Some(&local_as_utc)),
    )
    .expect("write");
    let (code, r) = verify_with(&skewed, &[]);
    assert_eq!(code, 0, "{r}");
    let w = warnings(sig(&r, 0));
    assert!(
        w.contains("signing time skew") && w.contains("7 h later") && w.contains("UTC+07:00"),
        "{r}"
    );
}

#[test]
#[ignore = "needs pyHanko: run scripts/test.sh"]
fn kyso_reads_revocation_info_pyhanko_puts_in_the_cms() {
    let services = services::start();
    let dir = tempdir();
    let out = dir.path().join("pyhanko-revinfo.pdf");
    // Without --use-pades, pyHanko embeds the OCSP responses and CRLs in the
    // adbe-revocationInfoArchival signed attribute.
    pyhanko_addsig(&out, &["--with-validation-info"], &services);
    let (code, r) = verify_with(&out, &["--revocation", "hard"]);
    assert_eq!(code, 0, "{r}");
    let s = sig(&r, 0);
    assert_eq!(s["subfilter"], "adbe.pkcs7.detached", "{s}");
    assert_eq!(s["revocation"][0]["source"], "cms", "{s}");
    assert_eq!(s["revocation"][0]["status"], "good", "{s}");
    assert_eq!(s["level"], "b-b", "no timestamp: {s}");
}

#[test]
fn a_missing_intermediate_is_fetched_through_aia_only_online() {
    let _services = services::start();
    let dir = tempdir();
    // A signature whose CMS carries the signer's certificate only, not the CA's.
    let mut cred = kyso::load_credential(&pki("personal.p12"), PASSWORD).expect("p12");
    cred.chain.clear();
    let data = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let signed = kyso::sign_pdf(&data, &cred, &kyso::PdfSignOptions::default()).expect("sign");
    let file = dir.path().join("leaf-only.pdf");
    std::fs::write(&file, signed).expect("write");

    // Offline: no path from the signer to the root.
    let (code, r) = verify_with(&file, &["--revocation", "off"]);
    assert_eq!(code, 1, "{r}");
    let s = sig(&r, 0);
    assert_ne!(s["status"], "passed", "{s}");
    assert_eq!(s["trusted"], false, "{s}");

    // Online: the CA certificate comes from the signer's caIssuers URL and the chain holds.
    let (code, r) = verify_with(&file, &["--online", "--revocation", "off"]);
    assert_eq!(code, 0, "{r}");
    let s = sig(&r, 0);
    assert_eq!(status_reason(s), pair("passed", "ok"), "{s}");
    assert_eq!(s["trusted"], true, "{s}");
    assert_eq!(s["chain"].as_array().map(|c| c.len()), Some(3), "{s}");
}
