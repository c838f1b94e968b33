//! RFC 3161 time-stamps against openssl: the replies in fixtures/tsp (made by `openssl ts
//! -reply` with fixtures/make-protocol-vectors.sh) parse to exactly what `openssl ts -reply -in
//! X -text` printed (the `.txt` next to each), verify, and fail in the right way when tampered
//! with or checked against the wrong data or nonce; the requests kyso builds are read and
//! answered by `openssl ts`; a CAdES signature gains a signature time-stamp that openssl still
//! verifies.

use std::path::{Path, PathBuf};
use std::process::Command;

use kyso_cms::oids;
use kyso_cms::tsp::{
    ExpectedImprint, FailureInfo, GeneralName, PkiStatus, RequestOptions, TimestampRequest,
    TimestampResponse, TimestampToken, TspError, VerifyOptions, check_tsa_certificate,
};
use kyso_cms::{SignedData, add_signature_timestamp, signature_value};
use kyso_pki::{Certificate, DigestAlgorithm, der, time};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/tsp")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn cert(name: &str) -> Certificate {
    Certificate::from_pem_or_der(&read(&format!("{name}.pem")))
        .unwrap()
        .remove(0)
}

fn data() -> Vec<u8> {
    read("data.txt")
}

fn token(name: &str) -> TimestampToken {
    TimestampResponse::parse(&read(&format!("reply-{name}.tsr")))
        .unwrap()
        .into_token()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The `Key: value` lines of an `openssl ts -text` dump, and the hex of `Message data`.
struct Dump {
    pairs: Vec<(String, String)>,
    message: Vec<u8>,
}

impl Dump {
    fn parse(text: &str) -> Dump {
        let mut pairs = Vec::new();
        let mut message = Vec::new();
        for line in text.lines() {
            // `    0000 - 8a 1e 3e 1e 2d a8 b2 23-9c 0e ...   ascii`: 47 columns of hex.
            if let Some(at) = line.find(" - ")
                && line.trim_start().starts_with(|c: char| c.is_ascii_digit())
            {
                let hexpart: String = line[at + 3..].chars().take(47).collect();
                for tok in hexpart.replace('-', " ").split_whitespace() {
                    message.push(u8::from_str_radix(tok, 16).unwrap());
                }
                continue;
            }
            if let Some((k, v)) = line.split_once(':') {
                pairs.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        Dump { pairs, message }
    }

    fn load(name: &str) -> Dump {
        Dump::parse(&String::from_utf8(read(name)).unwrap())
    }

    fn must(&self, key: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no '{key}' in the dump"))
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// openssl's rendering of an INTEGER: `0x` and the minimal big-endian octets.
fn openssl_int(v: u64) -> String {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    format!("0x{}", hex(&bytes[skip..]))
}

/// `Nov 22 13:29:17.390602 2026 GMT` → (unix seconds, nanoseconds).
fn openssl_time(s: &str) -> (i64, u32) {
    let p: Vec<&str> = s.split_whitespace().collect();
    assert_eq!((p.len(), p[4]), (5, "GMT"), "time '{s}'");
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == p[0])
    .unwrap() as u32
        + 1;
    let (hms, frac) = p[2].split_once('.').unwrap_or((p[2], ""));
    let hms: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
    let nanos: u32 = format!("{frac:0<9}").parse().unwrap();
    let unix = time::days_from_civil(p[3].parse().unwrap(), month, p[1].parse().unwrap()) * 86400
        + hms[0] * 3600
        + hms[1] * 60
        + hms[2];
    (unix, nanos)
}

const GRANTED: [&str; 3] = [
    "rsa-sha1ess-nonce",
    "rsa-sha256ess-nononce",
    "ec-sha256ess-nonce",
];

fn tsa_for(name: &str) -> Certificate {
    cert(if name.starts_with("ec-") {
        "tsa-ec"
    } else {
        "tsa-rsa"
    })
}

/// The query each reply answers.
fn query_for(name: &str) -> &'static str {
    match name {
        "rsa-sha1ess-nonce" => "query-sha256-nonce",
        "rsa-sha256ess-nononce" => "query-sha512-nononce",
        "ec-sha256ess-nonce" => "query-sha384-nonce",
        other => panic!("{other}"),
    }
}

fn dump_nonce(d: &Dump) -> Option<Vec<u8>> {
    let n = d.must("Nonce");
    if n == "unspecified" {
        return None;
    }
    let h = n.strip_prefix("0x").unwrap();
    let h = if h.len() % 2 == 1 {
        format!("0{h}")
    } else {
        h.to_string()
    };
    Some(
        (0..h.len() / 2)
            .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
            .collect(),
    )
}

#[test]
fn granted_replies_match_what_openssl_prints() {
    for name in GRANTED {
        let resp = TimestampResponse::parse(&read(&format!("reply-{name}.tsr"))).unwrap();
        let d = Dump::load(&format!("reply-{name}.txt"));
        assert_eq!(d.must("Status"), "Granted.");
        assert_eq!(resp.status.status, PkiStatus::Granted);
        assert!(resp.status.text.is_empty() && resp.status.fail_info.is_empty());
        let token = resp.into_token().unwrap();
        let tst = &token.tst_info;
        assert_eq!(d.must("Version"), tst.version.to_string());
        assert_eq!(d.must("Policy OID"), tst.policy, "{name}");
        assert_eq!(
            d.must("Hash Algorithm"),
            tst.message_imprint.digest_algorithm().unwrap().name()
        );
        assert_eq!(d.message, tst.message_imprint.digest, "{name}");
        assert_eq!(d.must("Serial number"), format!("0x{}", tst.serial_hex()));
        let (unix, nanos) = openssl_time(d.must("Time stamp"));
        assert_eq!(
            (tst.gen_time.unix, tst.gen_time.nanos),
            (unix, nanos),
            "{name}"
        );
        let acc = tst.accuracy.unwrap();
        let part = |v: Option<u64>, unit: &str| match v {
            Some(v) => format!("{} {unit}", openssl_int(v)),
            None => format!("unspecified {unit}"),
        };
        assert_eq!(
            d.must("Accuracy"),
            format!(
                "{}, {}, {}",
                part(acc.seconds, "seconds"),
                part(acc.millis.map(u64::from), "millis"),
                part(acc.micros.map(u64::from), "micros")
            ),
            "{name}"
        );
        assert_eq!(d.must("Ordering"), if tst.ordering { "yes" } else { "no" });
        assert_eq!(dump_nonce(&d), tst.nonce, "{name}");
        match &tst.tsa {
            None => assert_eq!(d.must("TSA"), "unspecified"),
            Some(GeneralName::Directory(n)) => {
                let dn: String = n
                    .attributes()
                    .iter()
                    .map(|a| {
                        let key = match a.oid.as_str() {
                            "2.5.4.6" => "C",
                            "2.5.4.10" => "O",
                            "2.5.4.3" => "CN",
                            other => panic!("{other}"),
                        };
                        format!("/{key}={}", a.value)
                    })
                    .collect();
                assert_eq!(d.must("TSA"), format!("DirName:{dn}"));
            }
            Some(other) => panic!("{other:?}"),
        }
        // The token inside the reply is the one `-token_out` wrote.
        assert_eq!(token.der(), read(&format!("token-{name}.der")).as_slice());
        let alone = TimestampToken::parse(&read(&format!("token-{name}.der"))).unwrap();
        assert_eq!(alone.tst_info, token.tst_info);
        assert_eq!(token.signed_data.encap_content_type, oids::TST_INFO);
    }
}

#[test]
fn accuracy_and_fractions_are_exact() {
    // accuracy = secs:1, millisecs:500 and three fraction digits.
    let t = token("rsa-sha1ess-nonce").tst_info;
    let a = t.accuracy.unwrap();
    assert_eq!((a.seconds, a.millis, a.micros), (Some(1), Some(500), None));
    assert_eq!(t.gen_time.nanos % 1_000_000, 0);
    // secs:2, millisecs:250, microsecs:125, no fraction.
    let t = token("rsa-sha256ess-nononce").tst_info;
    let a = t.accuracy.unwrap();
    assert_eq!(
        (a.seconds, a.millis, a.micros),
        (Some(2), Some(250), Some(125))
    );
    assert_eq!(a.total_micros(), 2_250_125);
    assert_eq!(t.gen_time.nanos, 0);
    assert_eq!(t.latest_time(), t.gen_time.unix + 3);
    assert_eq!(t.earliest_time(), t.gen_time.unix - 3);
    // millisecs:10 only, six fraction digits, ordering.
    let t = token("ec-sha256ess-nonce").tst_info;
    let a = t.accuracy.unwrap();
    assert_eq!((a.seconds, a.millis, a.micros), (None, Some(10), None));
    assert_eq!(t.gen_time.nanos % 1000, 0);
    assert!(t.ordering);
}

#[test]
fn rejected_replies_name_the_failure() {
    for (name, fail) in [
        ("rejected-badalg", FailureInfo::BadAlg),
        ("rejected-policy", FailureInfo::UnacceptedPolicy),
    ] {
        let resp = TimestampResponse::parse(&read(&format!("reply-{name}.tsr"))).unwrap();
        let d = Dump::load(&format!("reply-{name}.txt"));
        assert_eq!(d.must("Status"), "Rejected.");
        assert_eq!(d.must("Failure info"), fail.description());
        assert_eq!(
            vec![d.must("Status description").to_string()],
            resp.status.text
        );
        assert!(resp.token.is_none());
        let err = resp.into_token().unwrap_err();
        match &err {
            TspError::Rejected {
                status,
                fail_info,
                text,
            } => {
                assert_eq!(*status, PkiStatus::Rejection);
                assert_eq!(fail_info, &vec![fail]);
                assert_eq!(text.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains(fail.name()) && msg.contains("rejection"),
            "{msg}"
        );
    }
}

#[test]
fn granted_tokens_verify_with_the_queries_nonce() {
    for name in GRANTED {
        let query = Dump::load(&format!("{}.txt", query_for(name)));
        let nonce = dump_nonce(&query);
        let tok = token(name);
        let d = data();
        let opts = VerifyOptions {
            imprint: ExpectedImprint::Data(&d),
            nonce: nonce.as_deref(),
            policy: None,
            tsa_certificate: None,
        };
        let v = tok.verify(&opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(v.tsa_certificate.der(), tsa_for(name).der());
        assert_eq!(v.gen_time, tok.tst_info.gen_time);
        assert_eq!(v.policy, tok.tst_info.policy);
        assert_eq!(v.serial, tok.tst_info.serial);
        assert_eq!(v.token_der, tok.der());
        assert!(
            v.certificates
                .iter()
                .all(|c| c.der() != v.tsa_certificate.der())
        );
        check_tsa_certificate(&v.tsa_certificate).unwrap();
        // The same over a digest.
        let alg = DigestAlgorithm::from_name(query.must("Hash Algorithm")).unwrap();
        assert_eq!(query.message, alg.digest(&data()));
        let by_digest = VerifyOptions {
            nonce: nonce.as_deref(),
            ..VerifyOptions::digest(alg, &query.message)
        };
        tok.verify(&by_digest).unwrap();
        // With the TSA certificate supplied.
        let tsa = tsa_for(name);
        let supplied = VerifyOptions {
            tsa_certificate: Some(&tsa),
            ..VerifyOptions::data(&d)
        };
        tok.verify(&supplied).unwrap();
        // ESS v1 (SHA-1) for ess_cert_id_alg sha1, v2 otherwise.
        let si = &tok.signed_data.signer_infos[0];
        let v1 = si.count_signed_attribute(oids::SIGNING_CERTIFICATE);
        let v2 = si.count_signed_attribute(oids::SIGNING_CERTIFICATE_V2);
        if name.contains("sha1ess") {
            assert_eq!((v1, v2), (1, 0), "{name}");
        } else {
            assert_eq!((v1, v2), (0, 1), "{name}");
        }
    }
}

#[test]
fn wrong_imprint_nonce_policy_or_tsa_are_refused() {
    let d = data();
    let tok = token("rsa-sha1ess-nonce");
    let mut other = d.clone();
    other.push(b'!');
    assert_eq!(
        tok.verify(&VerifyOptions::data(&other)).unwrap_err(),
        TspError::ImprintMismatch
    );
    let sha384 = DigestAlgorithm::Sha384.digest(&d);
    assert!(matches!(
        tok.verify(&VerifyOptions::digest(DigestAlgorithm::Sha384, &sha384)),
        Err(TspError::ImprintAlgorithmMismatch { .. })
    ));
    let mut wrong = DigestAlgorithm::Sha256.digest(&d);
    wrong[0] ^= 1;
    assert_eq!(
        tok.verify(&VerifyOptions::digest(DigestAlgorithm::Sha256, &wrong))
            .unwrap_err(),
        TspError::ImprintMismatch
    );
    // Nonce: another value; and a nonce expected where the TSA sent none.
    let mut nonce = tok.tst_info.nonce.clone().unwrap();
    nonce[3] ^= 0x10;
    let opts = VerifyOptions {
        nonce: Some(&nonce),
        ..VerifyOptions::data(&d)
    };
    assert_eq!(tok.verify(&opts).unwrap_err(), TspError::NonceMismatch);
    let opts = VerifyOptions {
        nonce: Some(&[1, 2, 3]),
        ..VerifyOptions::data(&d)
    };
    assert_eq!(
        token("rsa-sha256ess-nononce").verify(&opts).unwrap_err(),
        TspError::NonceMissing
    );
    // Policy.
    let opts = VerifyOptions {
        policy: Some("1.3.6.1.4.1.55555.1.2"),
        ..VerifyOptions::data(&d)
    };
    assert!(matches!(
        tok.verify(&opts),
        Err(TspError::PolicyMismatch { .. })
    ));
    // Another certificate supplied as the TSA's.
    let ec = cert("tsa-ec");
    let opts = VerifyOptions {
        tsa_certificate: Some(&ec),
        ..VerifyOptions::data(&d)
    };
    assert_eq!(
        tok.verify(&opts).unwrap_err(),
        TspError::TsaCertificateNotFound
    );
}

fn position(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle in the token")
}

#[test]
fn tampered_tokens_are_refused() {
    let d = data();
    for name in GRANTED {
        let original = read(&format!("token-{name}.der"));
        let tok = TimestampToken::parse(&original).unwrap();
        // A digit of genTime inside the TSTInfo: messageDigest no longer matches.
        let tst = tok.tst_info.der();
        let at = position(&original, tst);
        let gt = position(tst, b"Z") - 1; // the last digit before the zone
        let mut bad = original.clone();
        bad[at + gt] = if bad[at + gt] == b'0' { b'1' } else { b'0' };
        let t = TimestampToken::parse(&bad).unwrap();
        assert_ne!(t.tst_info.gen_time, tok.tst_info.gen_time);
        assert_eq!(
            t.verify(&VerifyOptions::data(&d)).unwrap_err(),
            TspError::MessageDigestMismatch,
            "{name}"
        );
        // The signature value.
        let sig = &tok.signed_data.signer_infos[0].signature;
        let at = position(&original, sig);
        let mut bad = original.clone();
        bad[at + sig.len() - 5] ^= 0x01;
        let t = TimestampToken::parse(&bad).unwrap();
        assert_eq!(
            t.verify(&VerifyOptions::data(&d)).unwrap_err(),
            TspError::BadSignature,
            "{name}"
        );
        // A signed attribute (the messageDigest value): the signature breaks.
        let md = tok.signed_data.signer_infos[0].message_digest().unwrap();
        let at = position(&original, &md);
        let mut bad = original.clone();
        bad[at] ^= 0x01;
        let t = TimestampToken::parse(&bad).unwrap();
        assert_eq!(
            t.verify(&VerifyOptions::data(&d)).unwrap_err(),
            TspError::MessageDigestMismatch,
            "{name}"
        );
        // The ESS certificate hash (a signed attribute the digest check does not look at):
        // the signature over the signed attributes breaks.
        let tsa = tsa_for(name);
        let ess_alg = if name.contains("sha1ess") {
            DigestAlgorithm::Sha1
        } else {
            DigestAlgorithm::Sha256
        };
        let hash = ess_alg.digest(tsa.der());
        let at = position(&original, &hash);
        let mut bad = original.clone();
        bad[at + 3] ^= 0x01;
        let t = TimestampToken::parse(&bad).unwrap();
        assert_eq!(
            t.verify(&VerifyOptions::data(&d)).unwrap_err(),
            TspError::BadSignature,
            "{name}"
        );
        // Truncations never panic and never parse.
        for n in 0..original.len() {
            assert!(TimestampToken::parse(&original[..n]).is_err(), "{name} {n}");
        }
    }
    // Not a token: a detached document signature.
    let sd = read("signed.p7s");
    assert!(matches!(
        TimestampToken::parse(&sd),
        Err(TspError::NotTstInfo(_))
    ));
}

#[test]
fn our_requests_equal_openssls_byte_for_byte() {
    let d = data();
    for (query, digest, policy) in [
        ("query-sha256-nonce", DigestAlgorithm::Sha256, None),
        (
            "query-sha384-nonce",
            DigestAlgorithm::Sha384,
            Some("1.3.6.1.4.1.55555.1.2"),
        ),
        ("query-sha512-nononce", DigestAlgorithm::Sha512, None),
    ] {
        let dump = Dump::load(&format!("{query}.txt"));
        let nonce = dump_nonce(&dump);
        let opts = RequestOptions {
            digest,
            policy: policy.map(str::to_string),
            nonce: false,
            cert_req: true,
        };
        let ours =
            TimestampRequest::with_nonce(&digest.digest(&d), &opts, nonce.as_deref()).unwrap();
        assert_eq!(
            ours.der(),
            read(&format!("{query}.tsq")).as_slice(),
            "{query}"
        );
    }
}

#[test]
fn tsa_certificate_purpose() {
    check_tsa_certificate(&cert("tsa-rsa")).unwrap();
    check_tsa_certificate(&cert("tsa-ec")).unwrap();
    match check_tsa_certificate(&cert("tsa-noncritical")) {
        Err(TspError::NotTsaCertificate(why)) => assert!(why.contains("not critical"), "{why}"),
        other => panic!("{other:?}"),
    }
    match check_tsa_certificate(&cert("signer")) {
        Err(TspError::NotTsaCertificate(why)) => assert!(why.contains("no extended"), "{why}"),
        other => panic!("{other:?}"),
    }
}

/// Re-encodes a DER token in BER: indefinite lengths for ContentInfo, SignedData and
/// encapContentInfo, and the eContent as a constructed OCTET STRING of several chunks.
fn to_ber(token: &[u8]) -> Vec<u8> {
    let indefinite = |tag: u8, parts: &[&[u8]]| {
        let mut out = vec![tag, 0x80];
        for p in parts {
            out.extend_from_slice(p);
        }
        out.extend_from_slice(&[0, 0]);
        out
    };
    let ci = der::parse_one(token).unwrap();
    let mut r = ci.reader();
    let ct = r.read().unwrap();
    let sd = r.read().unwrap().reader().read().unwrap();
    let mut s = sd.reader();
    let version = s.read().unwrap();
    let algs = s.read().unwrap();
    let eci = s.read().unwrap();
    let rest = s.rest();
    let mut e = eci.reader();
    let ect = e.read().unwrap();
    let content = e.read().unwrap().reader().read().unwrap().value;
    let chunks: Vec<Vec<u8>> = content.chunks(7).map(der::octet_string).collect();
    let chunk_refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    let octets = indefinite(0x24, &chunk_refs);
    let econtent = indefinite(0xa0, &[&octets]);
    let eci = indefinite(0x30, &[ect.raw, &econtent]);
    let sd = indefinite(0x30, &[version.raw, algs.raw, &eci, rest]);
    let explicit = indefinite(0xa0, &[&sd]);
    indefinite(0x30, &[ct.raw, &explicit])
}

#[test]
fn ber_tokens_with_constructed_econtent_verify() {
    for name in GRANTED {
        let ber = to_ber(&read(&format!("token-{name}.der")));
        let sd = SignedData::parse(&ber).unwrap();
        let tok = TimestampToken::parse(&ber).unwrap();
        assert_eq!(sd.encapsulated_content(), Some(tok.tst_info.der()));
        assert_eq!(tok.tst_info, token(name).tst_info);
        tok.verify(&VerifyOptions::data(&data()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(tok.der(), ber.as_slice());
    }
}

#[test]
fn unsigned_attribute_is_added_without_touching_the_signature() {
    let cms = read("signed.p7s");
    let before = SignedData::parse(&cms).unwrap();
    let si = &before.signer_infos[0];
    assert!(si.unsigned_attributes.is_empty());
    assert_eq!(signature_value(&cms).unwrap(), si.signature);
    // Any token will do for the structure (this one is not over the signature).
    let tok = token("rsa-sha1ess-nonce");
    let mut padded = cms.clone();
    padded.extend_from_slice(&[0; 64]); // as in a PDF /Contents
    let once = add_signature_timestamp(&padded, &tok).unwrap();
    der::parse_one(&once).unwrap();
    let twice = add_signature_timestamp(&once, &token("ec-sha256ess-nonce")).unwrap();
    for (out, n) in [(&once, 1), (&twice, 2)] {
        let after = SignedData::parse(out).unwrap();
        let s = &after.signer_infos[0];
        assert_eq!(s.signed_attrs_der, si.signed_attrs_der);
        assert_eq!(s.signature, si.signature);
        assert_eq!(after.certificates.len(), before.certificates.len());
        let signer = s.find_signer(&after.certificates).unwrap();
        s.verify_signature(signer, None).unwrap();
        // One attribute type, n values.
        assert_eq!(s.unsigned_attributes.len(), 1);
        let tokens: Vec<&[u8]> = s.signature_timestamp_tokens().collect();
        assert_eq!(tokens.len(), n);
        assert!(tokens.contains(&tok.der()));
        for t in tokens {
            TimestampToken::parse(t).unwrap();
        }
    }
    // Everything but the SignerInfo's tail is copied as it was.
    let cert_der = before.certificates[0].der();
    assert!(once.windows(cert_der.len()).any(|w| w == cert_der));
    assert!(matches!(
        add_signature_timestamp(&read("token-ec-sha256ess-nonce.der")[..10], &tok),
        Err(TspError::Cms(_))
    ));
}

fn openssl(args: &[&str], cwd: &Path) -> std::process::Output {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(cwd)
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
    let d = std::env::temp_dir().join(format!("kyso-tsp-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("tsaserial"), "01\n").unwrap();
    d
}

fn fixture(name: &str) -> String {
    dir().join(name).to_str().unwrap().to_string()
}

/// `openssl ts -reply` for the query at `query`, from the TSA configuration `section`.
fn openssl_reply(tmp: &Path, query: &Path, section: &str, tsa: &str) -> Vec<u8> {
    let out = tmp.join("reply.tsr");
    openssl(
        &[
            "ts",
            "-reply",
            "-config",
            &fixture("tsa.cnf"),
            "-section",
            section,
            "-queryfile",
            query.to_str().unwrap(),
            "-signer",
            &fixture(&format!("{tsa}.pem")),
            "-inkey",
            &fixture(&format!("{tsa}.key.pem")),
            "-out",
            out.to_str().unwrap(),
        ],
        tmp,
    );
    std::fs::read(out).unwrap()
}

#[test]
#[ignore = "needs the openssl command: run scripts/test.sh"]
fn openssl_reads_and_answers_our_requests() {
    let tmp = temp_dir("req");
    let d = data();
    for (digest, policy, nonce, section, tsa) in [
        (
            DigestAlgorithm::Sha256,
            None,
            true,
            "tsa_rsa_sha1ess",
            "tsa-rsa",
        ),
        (
            DigestAlgorithm::Sha384,
            Some("1.3.6.1.4.1.55555.1.2"),
            true,
            "tsa_ec",
            "tsa-ec",
        ),
        (
            DigestAlgorithm::Sha512,
            None,
            false,
            "tsa_rsa_sha256ess",
            "tsa-rsa",
        ),
    ] {
        let req = TimestampRequest::for_data(
            &d,
            &RequestOptions {
                digest,
                policy: policy.map(str::to_string),
                nonce,
                cert_req: true,
            },
        )
        .unwrap();
        let path = tmp.join("req.tsq");
        std::fs::write(&path, req.der()).unwrap();
        let text = openssl(
            &["ts", "-query", "-in", path.to_str().unwrap(), "-text"],
            &tmp,
        );
        let dump = Dump::parse(&String::from_utf8_lossy(&text.stdout));
        assert_eq!(dump.must("Version"), "1");
        assert_eq!(dump.must("Hash Algorithm"), digest.name());
        assert_eq!(dump.message, digest.digest(&d));
        assert_eq!(dump.must("Policy OID"), policy.unwrap_or("unspecified"));
        assert_eq!(dump_nonce(&dump), req.nonce);
        if nonce {
            assert!(req.nonce.as_ref().is_some_and(|n| n.len() <= 8));
        }
        assert_eq!(dump.must("Certificate required"), "yes");

        let reply = openssl_reply(&tmp, &path, section, tsa);
        let v = req
            .verify_response(&reply, None)
            .unwrap_or_else(|e| panic!("{}: {e}", digest.name()));
        assert_eq!(v.tsa_certificate.der(), cert(tsa).der());
        assert!((v.gen_time.unix - time::now()).abs() < 600);
        check_tsa_certificate(&v.tsa_certificate).unwrap();
        // The answer to one request is refused for another (different nonce or imprint).
        let other = TimestampRequest::new(
            &digest.digest(b"other"),
            &RequestOptions {
                digest,
                policy: policy.map(str::to_string),
                nonce,
                cert_req: true,
            },
        )
        .unwrap();
        assert!(other.verify_response(&reply, None).is_err());
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
#[ignore = "needs the openssl command: run scripts/test.sh"]
fn cades_signature_gains_a_signature_timestamp_openssl_accepts() {
    let tmp = temp_dir("bt");
    let cms = read("signed.p7s");
    // The imprint of a signature time-stamp: the hash of the signature value octets.
    let sig = signature_value(&cms).unwrap();
    let req = TimestampRequest::for_data(&sig, &RequestOptions::default()).unwrap();
    let qpath = tmp.join("sig.tsq");
    std::fs::write(&qpath, req.der()).unwrap();
    let reply = openssl_reply(&tmp, &qpath, "tsa_rsa_sha256ess", "tsa-rsa");
    req.verify_response(&reply, None).unwrap();
    let tok = TimestampResponse::parse(&reply)
        .unwrap()
        .into_token()
        .unwrap();
    let bt = add_signature_timestamp(&cms, &tok).unwrap();

    // kyso reads it back: the embedded token is over this signature.
    let sd = SignedData::parse(&bt).unwrap();
    let si = &sd.signer_infos[0];
    let embedded: Vec<&[u8]> = si.signature_timestamp_tokens().collect();
    assert_eq!(embedded, vec![tok.der()]);
    let t = TimestampToken::parse(embedded[0]).unwrap();
    t.verify(&VerifyOptions::data(&si.signature)).unwrap();
    si.verify_signature(si.find_signer(&sd.certificates).unwrap(), None)
        .unwrap();

    // openssl still verifies the signature, and sees the attribute.
    let bt_path = tmp.join("bt.p7s");
    std::fs::write(&bt_path, &bt).unwrap();
    openssl(
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            bt_path.to_str().unwrap(),
            "-content",
            &fixture("data.txt"),
            "-CAfile",
            &fixture("ca.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        &tmp,
    );
    let printed = openssl(
        &[
            "cms",
            "-cmsout",
            "-print",
            "-inform",
            "DER",
            "-in",
            bt_path.to_str().unwrap(),
        ],
        &tmp,
    );
    let printed = String::from_utf8_lossy(&printed.stdout);
    assert!(
        printed.contains("id-smime-aa-timeStampToken"),
        "unsigned attribute not seen by openssl:\n{printed}"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
