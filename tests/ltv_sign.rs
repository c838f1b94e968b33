//! Signing above B-B against the loopback services (tests/common/services.rs): B-T (signature
//! time-stamp), B-LT (DSS with validation data), B-LTA (document time-stamp), `kyso timestamp`,
//! `kyso ltv`, TSA failures, and the configuration file (`--config`, the user's file,
//! `kyso config show`). pyHanko's verdicts on what kyso produces are `#[ignore]`d tests that
//! need the peers (scripts/test.sh).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::services::{self, TSA_POLICY, TSA_URL};
use common::*;
use kyso_cms::SignedData;
use kyso_cms::tsp::{TimestampToken, VerifyOptions};
use kyso_pdf::{Document, Dss, SignatureInfo, find_signatures, vri_key};
use kyso_pki::{Certificate, DigestAlgorithm};

const LETTER: &str = "letter-classic.pdf";

fn sign_at(input: &Path, output: &Path, level: &str, extra: &[&str]) -> Output {
    let mut args = vec!["--level", level, "--tsa", TSA_URL];
    if level == "b-lt" || level == "b-lta" {
        args.push("--trust");
    }
    let root = pki("root.pem").to_string_lossy().into_owned();
    if level == "b-lt" || level == "b-lta" {
        args.push(&root);
    }
    args.extend_from_slice(extra);
    try_sign(input, output, "agency.p12", &args)
}

fn ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what} failed ({:?}): {}{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

fn signatures(data: &[u8]) -> Vec<SignatureInfo> {
    let doc = Document::open(data).expect("a PDF");
    find_signatures(&doc).expect("signatures")
}

fn dss(data: &[u8]) -> Option<Dss> {
    Dss::read(&Document::open(data).expect("a PDF")).expect("DSS readable")
}

fn cert(name: &str) -> Certificate {
    let pem = std::fs::read(pki(&format!("{name}.pem"))).expect("fixture");
    Certificate::from_pem_or_der(&pem)
        .expect("certificate")
        .remove(0)
}

/// The signature time-stamp of a CMS signature, checked over its signature value.
fn signature_timestamp(sig: &SignatureInfo) -> TimestampToken {
    let sd = SignedData::parse(&sig.contents).expect("CMS");
    let si = &sd.signer_infos[0];
    let tokens: Vec<&[u8]> = si
        .unsigned_attribute_values(kyso_cms::oids::SIGNATURE_TIME_STAMP)
        .collect();
    assert_eq!(tokens.len(), 1, "one signature time-stamp");
    let token = TimestampToken::parse(tokens[0]).expect("token");
    let verified = token
        .verify(&VerifyOptions::data(&si.signature))
        .expect("the token is over the signature value");
    assert_eq!(verified.tsa_certificate.der(), cert("tsa").der());
    assert_eq!(verified.policy, TSA_POLICY);
    token
}

/// A document time-stamp, checked over its byte ranges.
fn document_timestamp(data: &[u8], sig: &SignatureInfo) {
    assert_eq!(sig.sig_type, "DocTimeStamp");
    assert_eq!(sig.sub_filter.as_deref(), Some("ETSI.RFC3161"));
    let range = sig.check_byte_range(data).expect("byte range");
    assert!(range.covers_whole_document);
    let mut covered = data[..range.gap_start].to_vec();
    covered.extend_from_slice(&data[range.gap_end..range.signed_end]);
    let token = TimestampToken::parse(&sig.contents).expect("token");
    token
        .verify(&VerifyOptions::data(&covered))
        .expect("the document time-stamp covers the byte ranges");
}

/// The VRI of a signature holds validation data for `names` (fixture certificates) and at
/// least one OCSP response.
fn assert_vri(dss: &Dss, sig: &SignatureInfo, names: &[&str]) {
    let vri = dss
        .vri
        .get(&vri_key(&sig.contents))
        .unwrap_or_else(|| panic!("no VRI for {}: {:?}", sig.field, dss.vri.keys()));
    for n in names {
        let der = cert(n).der().to_vec();
        assert!(vri.certs.contains(&der), "VRI lacks {n}");
        assert!(dss.certs.contains(&der), "DSS lacks {n}");
    }
    assert!(
        !vri.ocsps.is_empty() || !vri.crls.is_empty(),
        "VRI without revocation data"
    );
    assert!(vri.ocsps.iter().all(|o| dss.ocsps.contains(o)));
}

/// kyso verify's verdict per signature field, with the fixture root: (field, status, reason,
/// level).
fn verify_fields(file: &Path) -> Vec<(String, String, String, String)> {
    let (_, report) = verify_json(file);
    report["signatures"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    let text = |k: &str| s[k].as_str().unwrap_or("").to_string();
                    (text("field"), text("status"), text("reason"), text("level"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The level kyso verify reports for the first signature.
fn first_level(file: &Path) -> String {
    verify_fields(file)
        .first()
        .map(|v| v.3.clone())
        .unwrap_or_default()
}

/// Signatures (not document time-stamps) all pass kyso verify.
fn signatures_pass(file: &Path) {
    let data = std::fs::read(file).expect("read");
    let sigs = signatures(&data);
    let verdicts = verify_fields(file);
    for s in sigs.iter().filter(|s| s.sig_type != "DocTimeStamp") {
        let v = verdicts
            .iter()
            .find(|v| v.0 == s.field)
            .unwrap_or_else(|| panic!("{} not in the report", s.field));
        assert_eq!(v.1, "passed", "{}: {v:?}", s.field);
    }
}

#[test]
fn b_t_embeds_a_signature_time_stamp() {
    let _services = services::start();
    let dir = tempdir();
    for structure in [LETTER, "letter-xrefstream.pdf", "letter-signed-pyhanko.pdf"] {
        let out = dir.path().join(format!("bt-{structure}"));
        let o = sign_at(&pdf(structure), &out, "b-t", &["--json"]);
        ok(&o, "sign b-t");
        let report: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
        assert_eq!(report["level"], "b-t", "as verify --json spells it");
        let data = std::fs::read(&out).expect("output");
        let sigs = signatures(&data);
        signature_timestamp(sigs.last().expect("a signature"));
        assert!(dss(&data).is_none(), "no DSS at B-T");
        signatures_pass(&out);
        let levels = verify_fields(&out);
        assert_eq!(
            levels.last().map(|v| v.3.as_str()),
            Some("b-t"),
            "{levels:?}"
        );
    }
}

#[test]
fn b_lt_adds_validation_data_for_signer_and_tsa() {
    let _services = services::start();
    let dir = tempdir();
    for structure in [LETTER, "letter-xrefstream.pdf"] {
        let out = dir.path().join(format!("blt-{structure}"));
        ok(&sign_at(&pdf(structure), &out, "b-lt", &[]), "sign b-lt");
        let data = std::fs::read(&out).expect("output");
        let sigs = signatures(&data);
        assert_eq!(sigs.len(), 1);
        signature_timestamp(&sigs[0]);
        let dss = dss(&data).expect("a DSS");
        assert_vri(&dss, &sigs[0], &["agency", "ca", "tsa"]);
        // The signature covers the revision before the DSS update.
        let range = sigs[0].check_byte_range(&data).expect("range");
        assert!(!range.covers_whole_document);
        signatures_pass(&out);
        assert_eq!(first_level(&out), "b-lt");
    }
}

#[test]
fn b_lta_adds_a_document_time_stamp_after_the_dss() {
    let _services = services::start();
    let dir = tempdir();
    let out = dir.path().join("blta.pdf");
    ok(&sign_at(&pdf(LETTER), &out, "b-lta", &[]), "sign b-lta");
    let data = std::fs::read(&out).expect("output");
    let sigs = signatures(&data);
    assert_eq!(sigs.len(), 2, "{sigs:?}");
    signature_timestamp(&sigs[0]);
    document_timestamp(&data, &sigs[1]);
    // The DSS is in the revision the document time-stamp covers.
    let range = sigs[1].check_byte_range(&data).expect("range");
    let before = &data[..range.signed_end];
    assert!(dss(before).is_some());
    signatures_pass(&out);
    assert_eq!(first_level(&out), "b-lta");
    let verdicts = verify_fields(&out);
    assert_eq!(
        verdicts[1].1, "passed",
        "the document time-stamp: {verdicts:?}"
    );
}

#[test]
fn several_documents_share_one_tsa_client() {
    let _services = services::start();
    let dir = tempdir();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("dir");
    let inputs: Vec<PathBuf> = [LETTER, "letter-form.pdf", "letter-updates.pdf"]
        .iter()
        .map(|s| pdf(s))
        .collect();
    let o = run(kyso()
        .arg("sign")
        .args(&inputs)
        .arg("--out-dir")
        .arg(&out_dir)
        .arg("--p12")
        .arg(pki("personal.p12"))
        .args([
            "--password-env",
            "KYSO_PASSWORD",
            "--level",
            "b-t",
            "--tsa",
            TSA_URL,
        ]));
    ok(&o, "batch sign b-t");
    for i in &inputs {
        let out = out_dir.join(i.file_name().expect("name"));
        let data = std::fs::read(&out).expect("output");
        signature_timestamp(signatures(&data).last().expect("signature"));
    }
}

#[test]
fn timestamp_command_appends_a_document_time_stamp() {
    let _services = services::start();
    let dir = tempdir();
    let signed = dir.path().join("bb.pdf");
    sign(
        &pdf("letter-xrefstream.pdf"),
        &signed,
        "personal.p12",
        &["--certify", "--mdp", "1"],
    );
    let out = dir.path().join("ts.pdf");
    let o = run(kyso()
        .arg("timestamp")
        .arg(&signed)
        .arg("-o")
        .arg(&out)
        .args(["--tsa", TSA_URL, "--json"]));
    ok(&o, "kyso timestamp");
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
    assert_eq!(v["timestamp"]["tsa"], TSA_URL);
    let data = std::fs::read(&out).expect("output");
    let sigs = signatures(&data);
    assert_eq!(sigs.len(), 2);
    document_timestamp(&data, &sigs[1]);
    // Allowed even under DocMDP P=1; the certification signature stays valid.
    signatures_pass(&out);
}

#[test]
fn ltv_command_covers_every_signature_and_is_idempotent() {
    let _services = services::start();
    let dir = tempdir();
    let first = dir.path().join("bt.pdf");
    ok(&sign_at(&pdf(LETTER), &first, "b-t", &["--certify"]), "b-t");
    let second = dir.path().join("bt2.pdf");
    sign(&first, &second, "personal.p12", &[]);
    let stamped = dir.path().join("ts.pdf");
    ok(
        &run(kyso()
            .arg("timestamp")
            .arg(&second)
            .arg("-o")
            .arg(&stamped)
            .args(["--tsa", TSA_URL])),
        "timestamp",
    );

    let out = dir.path().join("ltv.pdf");
    let o = run(kyso()
        .arg("ltv")
        .arg(&stamped)
        .arg("-o")
        .arg(&out)
        .arg("--trust")
        .arg(pki("root.pem"))
        .arg("--json"));
    ok(&o, "kyso ltv");
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
    assert_eq!(v["changed"], true);
    assert_eq!(v["signatures"].as_array().map(Vec::len), Some(3));
    let data = std::fs::read(&out).expect("output");
    let sigs = signatures(&data);
    let dss = dss(&data).expect("DSS");
    assert_vri(&dss, &sigs[0], &["agency", "ca", "tsa"]);
    assert_vri(&dss, &sigs[1], &["personal", "ca"]);
    assert_vri(&dss, &sigs[2], &["tsa", "ca"]);
    signatures_pass(&out);
    // The earlier document time-stamp does not cover the new DSS: B-LT until one does.
    let levels: Vec<String> = verify_fields(&out).into_iter().map(|v| v.3).collect();
    assert_eq!(levels[..2], ["b-lt", "b-lt"], "{levels:?}");

    // Again: nothing is missing, nothing is appended.
    let again = dir.path().join("ltv2.pdf");
    let o = run(kyso()
        .arg("ltv")
        .arg(&out)
        .arg("-o")
        .arg(&again)
        .arg("--trust")
        .arg(pki("root.pem")));
    ok(&o, "kyso ltv again");
    assert!(stdout(&o).contains("already holds"), "{}", stdout(&o));
    assert_eq!(std::fs::read(&again).expect("output"), data);

    // --timestamp: then a document time-stamp.
    let lta = dir.path().join("lta.pdf");
    ok(
        &run(kyso()
            .arg("ltv")
            .arg(&out)
            .arg("-o")
            .arg(&lta)
            .arg("--trust")
            .arg(pki("root.pem"))
            .args(["--timestamp", "--tsa", TSA_URL])),
        "kyso ltv --timestamp",
    );
    let data = std::fs::read(&lta).expect("output");
    let sigs = signatures(&data);
    assert_eq!(sigs.len(), 4);
    document_timestamp(&data, &sigs[3]);
    let verdicts = verify_fields(&lta);
    let levels: Vec<&str> = verdicts.iter().map(|v| v.3.as_str()).collect();
    assert_eq!(levels[..2], ["b-lta", "b-lta"], "{verdicts:?}");
    assert!(verdicts.iter().all(|v| v.1 == "passed"), "{verdicts:?}");
}

#[test]
fn slow_tsa_times_out_naming_it_and_writes_nothing() {
    let _services = services::start();
    let dir = tempdir();
    let out = dir.path().join("out.pdf");
    let slow = "http://127.0.0.1:8318/slow/5/";
    let started = std::time::Instant::now();
    let o = try_sign(
        &pdf(LETTER),
        &out,
        "agency.p12",
        &[
            "--level",
            "b-t",
            "--tsa",
            slow,
            "--tsa-timeout",
            "1",
            "--tsa-retries",
            "0",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(slow) && err.contains("timed out"), "{err}");
    assert!(started.elapsed().as_secs() < 5, "gave up in time");
    assert!(!out.exists(), "no output file");

    let o = run(kyso()
        .arg("timestamp")
        .arg(pdf(LETTER))
        .arg("-o")
        .arg(&out)
        .args(["--tsa", slow, "--tsa-timeout", "1"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("timed out"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn tsa_errors_are_clear() {
    let _services = services::start();
    let dir = tempdir();
    let out = dir.path().join("out.pdf");
    let cases = [
        ("http://127.0.0.1:8318/fail/", "HTTP 500"),
        ("http://127.0.0.1:8318/garbage/", "unusable answer"),
        ("http://127.0.0.1:8399/", "refused"),
    ];
    for (url, expect) in cases {
        let o = try_sign(
            &pdf(LETTER),
            &out,
            "agency.p12",
            &["--level", "b-t", "--tsa", url, "--tsa-retries", "0"],
        );
        assert_eq!(o.status.code(), Some(2));
        let err = stderr(&o);
        assert!(err.contains(url) && err.contains(expect), "{url}: {err}");
        assert!(!out.exists());
    }

    // A refusal: the TSA does not grant a policy it does not have.
    let config = dir.path().join("kyso.toml");
    std::fs::write(
        &config,
        format!("[tsa]\nurl = \"{TSA_URL}\"\npolicy = \"1.2.3.4\"\n"),
    )
    .expect("write");
    let o = run(kyso()
        .arg("--config")
        .arg(&config)
        .arg("timestamp")
        .arg(pdf(LETTER))
        .arg("-o")
        .arg(&out));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(TSA_URL) && err.contains("refused") && err.contains("unacceptedPolicy"),
        "{err}"
    );
    assert!(!out.exists());

    // No TSA at all.
    let o = try_sign(&pdf(LETTER), &out, "agency.p12", &["--level", "b-t"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--tsa"), "{}", stderr(&o));
    // B-LT without anchors.
    let o = try_sign(
        &pdf(LETTER),
        &out,
        "agency.p12",
        &["--level", "b-lt", "--tsa", TSA_URL],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("trust anchor"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// kyso with an empty user configuration directory, so a developer's own file never leaks in.
fn kyso_isolated(home: &Path) -> Command {
    let mut c = kyso();
    c.env("XDG_CONFIG_HOME", home.join("xdg"));
    c.env("HOME", home);
    c
}

#[test]
fn configuration_file_flags_and_show() {
    let dir = tempdir();
    let home = dir.path();

    // Defaults, no file.
    let o = run(kyso_isolated(home).args(["config", "show", "--json"]));
    ok(&o, "config show");
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
    assert_eq!(v["file"], serde_json::Value::Null);
    assert_eq!(v["revocation"], "soft");
    assert_eq!(v["origins"]["tsa.url"], "default");

    // The user's file is picked up; relative paths are relative to it.
    let user = home.join("xdg/kyso");
    std::fs::create_dir_all(&user).expect("dir");
    std::fs::copy(pki("root.pem"), user.join("root.pem")).expect("copy");
    std::fs::write(
        user.join("config.toml"),
        "[trust]\nanchors = [\"root.pem\"]\n[tsa]\nurl = \"http://127.0.0.1:8399/\"\ntimeout = 3\n\
         [revocation]\npolicy = \"hard\"\n[[kind.rules]]\nkind = \"agency\"\nsubject = \"O=*Bac Ninh*\"\n",
    )
    .expect("write");
    let o = run(kyso_isolated(home).args(["config", "show", "--json", "--tsa", TSA_URL]));
    ok(&o, "config show");
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
    assert_eq!(
        v["file"].as_str().map(PathBuf::from),
        Some(user.join("config.toml"))
    );
    assert_eq!(v["tsa"]["url"], TSA_URL, "the flag wins");
    assert_eq!(v["origins"]["tsa.url"], "flag");
    assert_eq!(v["tsa"]["timeout_seconds"], 3);
    assert_eq!(v["origins"]["tsa.timeout"], "file");
    assert_eq!(v["revocation"], "hard");
    assert_eq!(v["kind_rules"][0]["kind"], "agency");
    let o = run(kyso_isolated(home).args(["config", "show"]));
    ok(&o, "config show (TOML)");
    let text = stdout(&o);
    assert!(
        text.contains("config.toml") && text.contains("policy = \"hard\""),
        "{text}"
    );

    // The anchors from the file are used by verify.
    let signed = dir.path().join("signed.pdf");
    sign(&pdf(LETTER), &signed, "agency.p12", &[]);
    let o = run(kyso_isolated(home)
        .args(["verify", "--json", "--revocation", "off"])
        .arg(&signed));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
    assert_eq!(v["signatures"][0]["trusted"], true, "{v}");

    // The kind rules classify what the built-in rules leave unknown (the TSA certificate has no
    // UID), in cert inspect.
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[kind.rules]]\nkind = \"agency\"\nissuer = \"Government Signing CA\"\nsubject = \"CN=*Time Stamping*\"\n",
    )
    .expect("write");
    let o = run(kyso_isolated(home)
        .arg("--config")
        .arg(&rules)
        .args(["cert", "inspect", "--json"])
        .arg(pki("tsa.pem")));
    ok(&o, "cert inspect with rules");
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
    assert_eq!(v["kind"], "agency", "{v}");

    // --config wins over the user's file; an unknown key names the key and the file.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[tsa]\nurl = \"http://x/\"\ntimeuot = 3\n").expect("write");
    let o = run(kyso_isolated(home)
        .arg("--config")
        .arg(&bad)
        .args(["config", "show"]));
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("timeuot") && err.contains(&bad.display().to_string()),
        "{err}"
    );
    let o = run(kyso_isolated(home)
        .arg("--config")
        .arg(dir.path().join("missing.toml"))
        .args(["config", "show"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.toml"), "{}", stderr(&o));
}

#[test]
fn configured_tsa_is_used_and_flags_override_it() {
    let _services = services::start();
    let dir = tempdir();
    let config = dir.path().join("kyso.toml");
    std::fs::write(
        &config,
        format!(
            "[trust]\nanchors = [\"{}\"]\n[tsa]\nurl = \"{TSA_URL}\"\n",
            pki("root.pem").display()
        ),
    )
    .expect("write");
    let out = dir.path().join("out.pdf");
    let o = run(kyso()
        .arg("--config")
        .arg(&config)
        .arg("sign")
        .arg(pdf(LETTER))
        .arg("-o")
        .arg(&out)
        .args(["--p12"])
        .arg(pki("agency.p12"))
        .args(["--password-env", "KYSO_PASSWORD", "--level", "b-lt"]));
    ok(&o, "sign with the configured TSA and anchors");
    let data = std::fs::read(&out).expect("output");
    assert!(dss(&data).is_some());

    // A flag pointing at a dead TSA overrides the file.
    let out2 = dir.path().join("out2.pdf");
    let o = run(kyso()
        .arg("--config")
        .arg(&config)
        .arg("timestamp")
        .arg(&out)
        .arg("-o")
        .arg(&out2)
        .args(["--tsa", "http://127.0.0.1:8399/", "--tsa-retries", "0"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("127.0.0.1:8399"), "{}", stderr(&o));
}

#[test]
fn digests_follow_the_signature() {
    let _services = services::start();
    let dir = tempdir();
    let out = dir.path().join("sha384.pdf");
    ok(
        &sign_at(&pdf(LETTER), &out, "b-t", &["--digest", "sha384"]),
        "b-t sha384",
    );
    let data = std::fs::read(&out).expect("output");
    let token = signature_timestamp(signatures(&data).last().expect("sig"));
    assert_eq!(
        token.tst_info.message_imprint.digest_algorithm(),
        Some(DigestAlgorithm::Sha384)
    );
}

// ------------------------------------------------------------------------------ pyHanko

/// `pyhanko sign validate` with the fixture root; `extra` picks the revocation mode.
fn pyhanko_validate(file: &Path, extra: &[&str]) -> (bool, String) {
    let o = run(Command::new(pyhanko())
        .args(["sign", "validate", "--pretty-print", "--trust"])
        .arg(pki("root.pem"))
        .arg("--trust-replace")
        .args(extra)
        .arg(file));
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

#[test]
#[ignore = "needs pyHanko: run scripts/test.sh"]
fn pyhanko_validates_b_t() {
    let _services = services::start();
    let dir = tempdir();
    let out = dir.path().join("bt.pdf");
    ok(&sign_at(&pdf(LETTER), &out, "b-t", &[]), "b-t");
    let (good, text) = pyhanko_validate(&out, &["--no-revocation-check"]);
    assert!(good, "{text}");
    for expect in [
        "Signature timestamp token",
        "The timestamp token is cryptographically sound.",
        "The TSA certificate is trusted.",
        "The signature is judged VALID.",
    ] {
        assert!(text.contains(expect), "{expect}: {text}");
    }
}

/// pyHanko's AdES validation with no network (tests/peers/pyhanko_offline.py): revocation
/// data only from the document (LOCAL_ONLY, no caIssuers, and every socket connect refused
/// and counted, although the services are up for the signing), required for every
/// certificate below the fixture root. `expect` is `b-lt` (ETSI EN 319 102-1 5.5 PASSED with
/// the document's data, not without it) or `b-lta` (also 5.6.3 PASSED with a document
/// time-stamp as evidence record).
///
/// `pyhanko sign adesverify` is no offline check: it has no option to stop fetching, so it
/// fetches fresh OCSP responses from the services while they run; with the network
/// unreachable a failed fetch ends the revocation check of `ca` before the DSS is looked at
/// ("no revocation information could be found for intermediate certificate 1"). Its verdict is
/// also only the current-time status, not the AdES indication.
///
/// pyHanko 0.38's 5.6.3 process accepts B-LTA only because the fixture root does not sign OCSP
/// responses itself (`root-ocsp` answers for `ca`): its time slide re-validates the signer of
/// each OCSP response as the leaf of a path, and a response signed by the trust anchor gives
/// the path root -> root, for which it wants revocation data of the root ("No revocation info
/// from before ... found for certificate ... Vietnam National Root CA", NO_POE); pyHanko's
/// own `addsig --use-pades-lta` output failed the same way. Its 5.6.3 process never accepts a
/// B-LT (no document time-stamp), pyHanko's own included: past validation starts at the
/// current time and the DSS certificates have no proof of existence before that instant
/// (InsufficientPOEError, NO_POE). So 5.5 is the B-LT check.
fn pyhanko_offline(file: &Path, expect: &str) -> (bool, String) {
    let o = run(Command::new(peer_python())
        .arg(root().join("tests/peers/pyhanko_offline.py"))
        .arg("--trust")
        .arg(pki("root.pem"))
        .args(["--expect", expect])
        .arg(file));
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

#[test]
#[ignore = "needs pyHanko: run scripts/test.sh"]
fn pyhanko_validates_b_lt_and_b_lta_offline() {
    let services = services::start();
    let dir = tempdir();
    for level in ["b-lt", "b-lta"] {
        let out = dir.path().join(format!("{level}.pdf"));
        ok(&sign_at(&pdf(LETTER), &out, level, &[]), level);
        let (good, text) = pyhanko_offline(&out, level);
        assert!(
            good,
            "{level}: {text}\n--- services ---\n{}",
            services.log()
        );
        for expect in [
            // Valid with the DSS, and the DSS is what makes it so.
            "Signature1 with-time: AdESPassed.OK INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>",
            "ACCEPTABLE_MODIFICATIONS",
            "Signature1 with-time without document data: AdESIndeterminate.",
            // The signer's and the TSA's certificates and OCSP responses (signer, TSA, ca),
            // the responders' certificates, no trust anchor.
            "Signature1 validation data: certs=5 ocsps=3 crls=0",
            "network connections attempted: 0",
        ] {
            assert!(text.contains(expect), "{level}: {expect}: {text}");
        }
        if level == "b-lta" {
            assert!(
                text.contains("Signature1 lta: AdESPassed.OK evidence-record=20"),
                "{level}: {text}"
            );
        }
    }
}
