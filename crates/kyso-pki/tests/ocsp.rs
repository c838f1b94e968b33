//! OCSP against openssl: the responses in fixtures/ocsp (made by `openssl ocsp` with
//! fixtures/make-protocol-vectors.sh) parse to exactly what `openssl ocsp -respin X -text`
//! printed (the `.txt` next to each), verify, and fail in the right way when something is
//! wrong; and the requests kyso builds are read and answered by `openssl ocsp`.

use std::path::PathBuf;
use std::process::Command;

use kyso_pki::ocsp::{
    CertId, CertStatus, OcspError, OcspRequest, OcspResponse, RequestOptions, ResponderId,
    ResponderKind, ResponseStatus, RevocationReason, VerifyOptions,
};
use kyso_pki::{Certificate, DigestAlgorithm, time};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ocsp")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn cert(name: &str) -> Certificate {
    Certificate::from_pem_or_der(&read(&format!("{name}.pem")))
        .unwrap()
        .remove(0)
}

fn response(name: &str) -> OcspResponse {
    OcspResponse::parse(&read(&format!("{name}.der"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The `Key: value` lines of an openssl text dump, up to the first embedded certificate.
struct Dump(Vec<(String, String)>, Vec<String>);

impl Dump {
    fn load(name: &str) -> Dump {
        let text = String::from_utf8(read(&format!("{name}.txt"))).unwrap();
        Dump::parse(&text)
    }

    fn parse(text: &str) -> Dump {
        let lines: Vec<String> = text
            .lines()
            .take_while(|l| !l.starts_with("Certificate:"))
            .map(str::to_string)
            .collect();
        let pairs = lines
            .iter()
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                Some((k.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        Dump(pairs, lines)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn must(&self, key: &str) -> &str {
        self.get(key)
            .unwrap_or_else(|| panic!("no '{key}' in the dump"))
    }

    /// The line after `key:` (openssl prints the nonce extension's value there).
    fn next_line(&self, key: &str) -> Option<String> {
        let i = self.1.iter().position(|l| l.trim() == format!("{key}:"))?;
        self.1.get(i + 1).map(|l| l.trim().to_string())
    }
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// openssl's time format: `Nov 22 13:29:16 2026 GMT` (day padded with a space).
fn openssl_time(s: &str) -> i64 {
    let parts: Vec<&str> = s.split_whitespace().collect();
    assert_eq!(parts.len(), 5, "time '{s}'");
    assert_eq!(parts[4], "GMT");
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[0])
    .unwrap() as u32
        + 1;
    let day: u32 = parts[1].parse().unwrap();
    let year: i64 = parts[3].parse().unwrap();
    let hms: Vec<u32> = parts[2]
        .split('.')
        .next()
        .unwrap()
        .split(':')
        .map(|x| x.parse().unwrap())
        .collect();
    time::days_from_civil(year, month, day) * 86400 + (hms[0] * 3600 + hms[1] * 60 + hms[2]) as i64
}

/// Every field openssl prints for a one-status basic response equals what kyso parsed.
fn assert_matches_dump(name: &str) -> OcspResponse {
    let resp = response(name);
    let dump = Dump::load(name);
    assert_eq!(
        dump.must("OCSP Response Status"),
        format!("{} (0x{:x})", resp.status, resp.status.code())
    );
    assert_eq!(dump.must("Response Type"), "Basic OCSP Response");
    let basic = resp.basic().unwrap();
    assert_eq!(
        dump.must("Version"),
        format!("{} (0x{:x})", basic.version + 1, basic.version)
    );
    match &basic.responder_id {
        ResponderId::ByKey(hash) => assert_eq!(dump.must("Responder Id"), hex(hash), "{name}"),
        ResponderId::ByName(n) => {
            // openssl prints the RDNs in order as `C = VN, O = ..., CN = ...`.
            let printed: Vec<String> = dump
                .must("Responder Id")
                .split(", ")
                .map(|p| p.split(" = ").nth(1).unwrap().to_string())
                .collect();
            let ours: Vec<String> = n.attributes().iter().map(|a| a.value.clone()).collect();
            assert_eq!(printed, ours, "{name}");
        }
    }
    assert_eq!(
        basic.produced_at,
        openssl_time(dump.must("Produced At")),
        "{name}"
    );
    assert_eq!(basic.responses.len(), 1, "{name}");
    let single = &basic.responses[0];
    let id = &single.cert_id;
    assert_eq!(
        dump.must("Hash Algorithm"),
        id.digest().unwrap().name(),
        "{name}"
    );
    assert_eq!(dump.must("Issuer Name Hash"), hex(&id.issuer_name_hash));
    assert_eq!(dump.must("Issuer Key Hash"), hex(&id.issuer_key_hash));
    assert_eq!(dump.must("Serial Number"), id.serial_hex());
    match single.status {
        CertStatus::Good => assert_eq!(dump.must("Cert Status"), "good"),
        CertStatus::Unknown => assert_eq!(dump.must("Cert Status"), "unknown"),
        CertStatus::Revoked { time, reason } => {
            assert_eq!(dump.must("Cert Status"), "revoked");
            assert_eq!(time, openssl_time(dump.must("Revocation Time")));
            match reason {
                Some(r) => assert_eq!(
                    dump.must("Revocation Reason"),
                    format!("{} (0x{:x})", r.name(), r.code())
                ),
                None => assert_eq!(dump.get("Revocation Reason"), None),
            }
        }
    }
    assert_eq!(single.this_update, openssl_time(dump.must("This Update")));
    assert_eq!(
        single.next_update,
        dump.get("Next Update").map(openssl_time),
        "{name}"
    );
    match basic.nonce() {
        Some(n) => {
            // openssl prints the extension value: the DER OCTET STRING around the nonce.
            let printed = unhex(&dump.next_line("OCSP Nonce").unwrap());
            assert_eq!(printed[0], 0x04);
            assert_eq!(&printed[2..], n, "{name}");
        }
        None => assert!(dump.get("OCSP Nonce").is_none(), "{name}"),
    }
    let sig_alg = match basic
        .signature_algorithm
        .signature_scheme(None)
        .unwrap()
        .name()
        .as_str()
    {
        "rsa-pkcs1-sha256" => "sha256WithRSAEncryption",
        "ecdsa-sha256" => "ecdsa-with-SHA256",
        other => panic!("{other}"),
    };
    assert_eq!(dump.must("Signature Algorithm"), sig_alg);
    // The certificates openssl printed are the ones carried.
    let text = String::from_utf8(read(&format!("{name}.txt"))).unwrap();
    assert_eq!(
        text.matches("-----BEGIN CERTIFICATE-----").count(),
        basic.certificates.len(),
        "{name}"
    );
    assert_eq!(resp.der(), read(&format!("{name}.der")).as_slice());
    resp
}

#[test]
fn every_response_matches_what_openssl_prints() {
    for name in [
        "resp-good-ca",
        "resp-revoked-delegated",
        "resp-revoked-noreason-delegated",
        "resp-unknown-delegated",
        "resp-good-sha256",
        "resp-good-nocerts",
        "resp-rogue",
        "resp-foreign-issuer",
    ] {
        assert_matches_dump(name);
    }
}

/// The time every vector is checked at: its own thisUpdate.
fn at(resp: &OcspResponse) -> i64 {
    resp.basic().unwrap().responses[0].this_update
}

#[test]
fn good_signed_by_the_ca_itself_with_the_request_nonce() {
    let resp = response("resp-good-ca");
    let request = Dump::load("req-good-nonce");
    let nonce = unhex(&request.next_line("OCSP Nonce").unwrap())[2..].to_vec();
    let v = resp
        .verify(
            &cert("good"),
            &cert("ca"),
            &VerifyOptions {
                nonce: Some(&nonce),
                at: Some(at(&resp)),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(v.status, CertStatus::Good);
    assert_eq!(v.responder.kind, ResponderKind::Issuer);
    assert_eq!(v.responder.certificate.der(), cert("ca").der());
    assert_eq!(v.next_update, None);
    // A different nonce is refused.
    let mut other = nonce.clone();
    other[0] ^= 1;
    let err = resp
        .verify(
            &cert("good"),
            &cert("ca"),
            &VerifyOptions {
                nonce: Some(&other),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err, OcspError::NonceMismatch);
    // It is about good.pem only.
    assert_eq!(
        resp.verify(&cert("revoked"), &cert("ca"), &VerifyOptions::default())
            .unwrap_err(),
        OcspError::NoMatchingResponse
    );
}

#[test]
fn revoked_by_a_delegated_responder_identified_by_key() {
    let resp = response("resp-revoked-delegated");
    assert!(matches!(
        resp.basic().unwrap().responder_id,
        ResponderId::ByKey(_)
    ));
    let v = resp
        .verify(
            &cert("revoked"),
            &cert("ca"),
            &VerifyOptions {
                at: Some(at(&resp)),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        v.status,
        CertStatus::Revoked {
            time: time::days_from_civil(2025, 3, 1) * 86400 + 12 * 3600,
            reason: Some(RevocationReason::KeyCompromise),
        }
    );
    assert_eq!(
        v.responder.kind,
        ResponderKind::Delegated { no_check: true }
    );
    assert_eq!(v.responder.certificate.der(), cert("responder").der());
    assert!(
        v.certificates
            .iter()
            .any(|c| c.der() == cert("responder").der())
    );

    let resp = response("resp-revoked-noreason-delegated");
    let v = resp
        .verify(
            &cert("revoked-noreason"),
            &cert("ca"),
            &VerifyOptions::default(),
        )
        .unwrap();
    assert!(matches!(v.status, CertStatus::Revoked { reason: None, .. }));
}

#[test]
fn unknown_and_sha256_cert_ids() {
    let resp = response("resp-unknown-delegated");
    let v = resp
        .verify(&cert("unknown"), &cert("ca"), &VerifyOptions::default())
        .unwrap();
    assert_eq!(v.status, CertStatus::Unknown);

    let resp = response("resp-good-sha256");
    let single = &resp.basic().unwrap().responses[0];
    assert_eq!(single.cert_id.digest(), Some(DigestAlgorithm::Sha256));
    assert_eq!(
        single.cert_id,
        CertId::new(&cert("good"), &cert("ca"), DigestAlgorithm::Sha256).unwrap()
    );
    let v = resp
        .verify(&cert("good"), &cert("ca"), &VerifyOptions::default())
        .unwrap();
    assert_eq!(v.status, CertStatus::Good);
    // No nonce in this one: asking for one fails.
    assert_eq!(
        resp.verify(
            &cert("good"),
            &cert("ca"),
            &VerifyOptions {
                nonce: Some(b"abc"),
                ..Default::default()
            }
        )
        .unwrap_err(),
        OcspError::NonceMissing
    );
}

#[test]
fn freshness_against_this_and_next_update() {
    let resp = response("resp-good-sha256");
    let single = resp.basic().unwrap().responses[0].clone();
    let next = single.next_update.unwrap();
    let check = |t: i64, skew: i64| {
        resp.verify(
            &cert("good"),
            &cert("ca"),
            &VerifyOptions {
                at: Some(t),
                clock_skew: skew,
                ..Default::default()
            },
        )
    };
    assert!(check(single.this_update, 0).is_ok());
    assert!(check(next, 0).is_ok());
    assert!(matches!(check(next + 1, 0), Err(OcspError::Expired { .. })));
    assert!(check(next + 60, 300).is_ok());
    // Before thisUpdate (and producedAt): not yet valid.
    assert!(matches!(
        check(single.this_update - 3600, 0),
        Err(OcspError::ProducedLater { .. })
    ));
    assert!(matches!(
        single.check_validity_at(single.this_update - 3600, 0, None),
        Err(OcspError::NotYetValid { .. })
    ));
    // Without nextUpdate, a maximum age applies when asked.
    let resp = response("resp-good-ca");
    let this = at(&resp);
    let opts = |t, max_age| VerifyOptions {
        at: Some(t),
        max_age,
        ..Default::default()
    };
    assert!(
        resp.verify(&cert("good"), &cert("ca"), &opts(this + 86400 * 365, None))
            .is_ok()
    );
    assert!(matches!(
        resp.verify(&cert("good"), &cert("ca"), &opts(this + 7200, Some(3600))),
        Err(OcspError::TooOld { .. })
    ));
}

#[test]
fn responder_must_be_found_and_authorised() {
    // No certificates carried: the responder must be supplied.
    let resp = response("resp-good-nocerts");
    assert!(resp.basic().unwrap().certificates.is_empty());
    assert_eq!(
        resp.verify(&cert("good"), &cert("ca"), &VerifyOptions::default())
            .unwrap_err(),
        OcspError::ResponderNotFound
    );
    let extra = [cert("responder")];
    let v = resp
        .verify(
            &cert("good"),
            &cert("ca"),
            &VerifyOptions {
                extra_certificates: &extra,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(v.status, CertStatus::Good);

    // Issued by the CA but without id-kp-OCSPSigning.
    let resp = response("resp-rogue");
    match resp.verify(&cert("good"), &cert("ca"), &VerifyOptions::default()) {
        Err(OcspError::UnauthorizedResponder(why)) => assert!(why.contains("OCSPSigning")),
        other => panic!("expected an unauthorised responder, got {other:?}"),
    }

    // A status for the same serial under another CA does not answer for ours.
    let resp = response("resp-foreign-issuer");
    assert_eq!(
        resp.verify(&cert("good"), &cert("ca"), &VerifyOptions::default())
            .unwrap_err(),
        OcspError::NoMatchingResponse
    );
}

#[test]
fn unsuccessful_status_is_named() {
    let resp = response("resp-malformed");
    assert_eq!(resp.status, ResponseStatus::MalformedRequest);
    let dump = String::from_utf8(read("resp-malformed.txt")).unwrap();
    assert!(dump.contains(&format!(
        "{} ({})",
        resp.status.to_string().to_lowercase(),
        resp.status.code()
    )));
    let err = resp
        .verify(&cert("good"), &cert("ca"), &VerifyOptions::default())
        .unwrap_err();
    assert_eq!(
        err,
        OcspError::Unsuccessful(ResponseStatus::MalformedRequest)
    );
    assert!(err.to_string().contains("malformedRequest"));
}

#[test]
fn tampered_responses_are_rejected() {
    let original = read("resp-revoked-delegated.der");
    // The last byte is inside the carried certificate's signature; the response's own
    // signature sits before the certificates. Flip a byte of producedAt instead: the
    // GeneralizedTime right after the ResponderID.
    let resp = OcspResponse::parse(&original).unwrap();
    let produced = time::to_rfc3339(resp.basic().unwrap().produced_at);
    let digits: String = produced.chars().filter(|c| c.is_ascii_digit()).collect();
    let needle = format!("{digits}Z");
    let pos = original
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("producedAt in the DER");
    let mut tampered = original.clone();
    let last = pos + needle.len() - 2; // the last seconds digit
    tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
    let resp = OcspResponse::parse(&tampered).unwrap();
    assert_eq!(
        resp.verify(&cert("revoked"), &cert("ca"), &VerifyOptions::default())
            .unwrap_err(),
        OcspError::BadSignature
    );
    // The signature itself.
    let basic = OcspResponse::parse(&original).unwrap();
    let sig = basic.basic().unwrap().signature.clone();
    let spos = original
        .windows(sig.len())
        .position(|w| w == sig.as_slice())
        .unwrap();
    let mut tampered = original.clone();
    tampered[spos + sig.len() / 2] ^= 0x01;
    let resp = OcspResponse::parse(&tampered).unwrap();
    assert!(matches!(
        resp.verify(&cert("revoked"), &cert("ca"), &VerifyOptions::default()),
        Err(OcspError::BadSignature)
    ));
    // Truncations never panic and never parse.
    for n in 0..original.len() {
        assert!(OcspResponse::parse(&original[..n]).is_err());
    }
}

#[test]
fn our_cert_id_equals_openssls() {
    let dump = Dump::load("req-good-nonce");
    let id = CertId::new(&cert("good"), &cert("ca"), DigestAlgorithm::Sha1).unwrap();
    assert_eq!(dump.must("Issuer Name Hash"), hex(&id.issuer_name_hash));
    assert_eq!(dump.must("Issuer Key Hash"), hex(&id.issuer_key_hash));
    assert_eq!(dump.must("Serial Number"), id.serial_hex());
    // Byte for byte, as in openssl's request.
    let req = read("req-good-nonce.der");
    assert!(
        req.windows(id.to_der().len())
            .any(|w| w == id.to_der().as_slice())
    );
}

fn openssl(args: &[&str]) -> std::process::Output {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `openssl` ({e}): install the openssl command line tool (CI does)")
        });
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kyso-ocsp-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
#[ignore = "needs the openssl command: run scripts/test.sh"]
fn openssl_reads_and_answers_our_requests() {
    let tmp = temp_dir("req");
    let d = dir();
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    for (who, digest, status) in [
        ("good", DigestAlgorithm::Sha1, "good"),
        ("good", DigestAlgorithm::Sha256, "good"),
        ("revoked", DigestAlgorithm::Sha1, "revoked"),
        ("unknown", DigestAlgorithm::Sha256, "unknown"),
    ] {
        let req = OcspRequest::new(
            &cert(who),
            &cert("ca"),
            &RequestOptions {
                digest,
                nonce: true,
            },
        )
        .unwrap();
        let nonce = req.nonce.clone().unwrap();
        assert_eq!(nonce.len(), 32);
        let req_path = tmp.join(format!("{who}-{}.req", digest.name()));
        std::fs::write(&req_path, req.der()).unwrap();
        let req_arg = req_path.to_str().unwrap();

        // openssl reads it back as we meant it.
        let text = openssl(&["ocsp", "-reqin", req_arg, "-text"]);
        let dump = Dump::parse(&String::from_utf8_lossy(&text.stdout));
        assert_eq!(dump.must("Hash Algorithm"), digest.name());
        assert_eq!(
            dump.must("Issuer Name Hash"),
            hex(&req.cert_id.issuer_name_hash)
        );
        assert_eq!(
            dump.must("Issuer Key Hash"),
            hex(&req.cert_id.issuer_key_hash)
        );
        assert_eq!(dump.must("Serial Number"), req.cert_id.serial_hex());
        let printed = unhex(&dump.next_line("OCSP Nonce").unwrap());
        assert_eq!(&printed[2..], nonce.as_slice());

        // And answers it; the answer verifies for our nonce.
        let resp_path = tmp.join(format!("{who}-{}.resp", digest.name()));
        openssl(&[
            "ocsp",
            "-index",
            &p("index.txt"),
            "-CA",
            &p("ca.pem"),
            "-rsigner",
            &p("responder.pem"),
            "-rkey",
            &p("responder.key.pem"),
            "-reqin",
            req_arg,
            "-respout",
            resp_path.to_str().unwrap(),
            "-ndays",
            "1",
        ]);
        let resp = OcspResponse::parse(&std::fs::read(&resp_path).unwrap()).unwrap();
        let v = resp
            .verify(
                &cert(who),
                &cert("ca"),
                &VerifyOptions {
                    nonce: Some(&nonce),
                    at: Some(time::now()),
                    clock_skew: 300,
                    ..Default::default()
                },
            )
            .unwrap();
        let got = match v.status {
            CertStatus::Good => "good",
            CertStatus::Revoked { .. } => "revoked",
            CertStatus::Unknown => "unknown",
        };
        assert_eq!(got, status, "{who} {}", digest.name());
    }
    // Without a nonce there is no request extension at all.
    let req = OcspRequest::new(
        &cert("good"),
        &cert("ca"),
        &RequestOptions {
            nonce: false,
            ..Default::default()
        },
    )
    .unwrap();
    let path = tmp.join("nononce.req");
    std::fs::write(&path, req.der()).unwrap();
    let text = openssl(&["ocsp", "-reqin", path.to_str().unwrap(), "-text"]);
    assert!(!String::from_utf8_lossy(&text.stdout).contains("Nonce"));
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn nonce_length_is_bounded() {
    for n in [0usize, 33] {
        assert_eq!(
            OcspRequest::with_nonce(
                &cert("good"),
                &cert("ca"),
                DigestAlgorithm::Sha1,
                Some(vec![1; n])
            )
            .unwrap_err(),
            OcspError::NonceLength(n)
        );
    }
}
