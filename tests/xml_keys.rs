//! XML signatures whose key is not an embedded X509Certificate (issue 10): KeyValue, KeyName,
//! X509IssuerSerial / X509SKI / X509SubjectName, HMAC, and references kyso does not fetch.
//! The documents are signed by xmlsec1 at test time (`#[ignore]`d in a plain `cargo test`:
//! scripts/test.sh runs them with `--include-ignored`); the refusals need no peer.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// notice.xml with an enveloped signature template: `method` the SignatureMethod URI,
/// `key_info` the KeyInfo content, `method_extra` inside SignatureMethod.
fn template(dir: &Path, name: &str, method: &str, method_extra: &str, key_info: &str) -> PathBuf {
    let text = std::fs::read_to_string(xml("notice.xml")).expect("read");
    let sig = format!(
        "<ds:Signature xmlns:ds=\"{DS}\"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
<ds:SignatureMethod Algorithm=\"{method}\">{method_extra}</ds:SignatureMethod>\
<ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"{DS}enveloped-signature\"/></ds:Transforms>\
<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/></ds:Reference>\
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo>{key_info}</ds:KeyInfo></ds:Signature>"
    );
    let path = dir.join(name);
    std::fs::write(
        &path,
        text.replacen("</tb:ThongBao>", &format!("{sig}</tb:ThongBao>"), 1),
    )
    .expect("write");
    path
}

/// xmlsec1 --sign with `key_args` (e.g. `--privkey-pem key,cert`).
fn xmlsec_sign(template: &Path, out: &Path, key_args: &[&str]) {
    let o = run(Command::new("xmlsec1")
        .arg("--sign")
        .args(key_args)
        .arg("--output")
        .arg(out)
        .arg(template));
    assert!(o.status.success(), "xmlsec1 --sign: {}", stderr(&o));
}

/// `kyso verify --json` with `args`; (exit code, first signature's report, whole stdout).
fn verify(file: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let o = run(kyso().arg("verify").arg(file).args(args).arg("--json"));
    let text = stdout(&o);
    let v: serde_json::Value =
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("bad JSON ({e}): {text}"));
    (
        o.status.code().unwrap_or(-1),
        v["signatures"][0].clone(),
        text,
    )
}

fn reason(s: &serde_json::Value) -> (&str, &str) {
    (
        s["status"].as_str().unwrap_or_default(),
        s["reason"].as_str().unwrap_or_default(),
    )
}

fn tampered(signed: &Path, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(signed).expect("read");
    assert!(text.contains("128/TB-CT"));
    let path = dir.join("tampered.xml");
    std::fs::write(&path, text.replacen("128/TB-CT", "129/TB-CT", 1)).expect("write");
    path
}

fn pubkey_pem(dir: &Path, key: &str) -> PathBuf {
    let out = dir.join(format!("{key}.pub.pem"));
    let o = run(Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(pki(key))
        .arg("-out")
        .arg(&out));
    assert!(o.status.success(), "openssl pkey: {}", stderr(&o));
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
#[ignore = "needs xmlsec1 and openssl: run scripts/test.sh"]
fn key_value_verifies_but_names_no_signer() {
    let dir = tempdir();
    for (key, cert, method, kind) in [
        (
            "personal.key.pem",
            "personal.pem",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "RSA-2048",
        ),
        (
            "personal-ec.key.pem",
            "personal-ec.pem",
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            "ECDSA P-256",
        ),
    ] {
        let ec = kind.starts_with("ECDSA");
        // xmlsec1 1.2 writes no ECKeyValue: the EC KeyValue is added after signing (KeyInfo
        // is not signed).
        let key_info = if ec { "" } else { "<ds:KeyValue/>" };
        let t = template(dir.path(), "kv-template.xml", method, "", key_info);
        let signed = dir.path().join(format!("kv-{key}.xml"));
        xmlsec_sign(&t, &signed, &["--privkey-pem", s(&pki(key))]);
        if ec {
            let o = run(Command::new("sh").arg("-c").arg(format!(
                "openssl pkey -in '{}' -pubout -outform DER | tail -c 65 | base64 -w0",
                s(&pki(key))
            )));
            assert!(o.status.success(), "{}", stderr(&o));
            let point = stdout(&o);
            let text = std::fs::read_to_string(&signed).expect("read");
            let kv = format!(
                "<ds:KeyInfo><ds:KeyValue><dsig11:ECKeyValue xmlns:dsig11=\"http://www.w3.org/2009/xmldsig11#\">\
<dsig11:NamedCurve URI=\"urn:oid:1.2.840.10045.3.1.7\"/><dsig11:PublicKey>{}</dsig11:PublicKey>\
</dsig11:ECKeyValue></ds:KeyValue></ds:KeyInfo>",
                point.trim()
            );
            let empty = ["<ds:KeyInfo></ds:KeyInfo>", "<ds:KeyInfo/>"]
                .into_iter()
                .find(|e| text.contains(e))
                .unwrap_or_else(|| panic!("no empty KeyInfo: {text}"));
            std::fs::write(&signed, text.replacen(empty, &kv, 1)).expect("write");
        }
        let text = std::fs::read_to_string(&signed).expect("read");
        assert!(text.contains("KeyValue>") && !text.contains("X509Certificate"));

        // The bare key verifies, but nothing says who holds it: the data is intact, the key
        // untrusted.
        let (code, sig, out) = verify(&signed, &[]);
        assert_eq!(code, 1, "{out}");
        assert_eq!(reason(&sig), ("indeterminate", "untrusted_key"), "{out}");
        assert_eq!(sig["trusted"], false, "{out}");
        assert!(
            sig["message"]
                .as_str()
                .is_some_and(|m| m.contains("no certificate binds that key")),
            "{out}"
        );
        assert!(sig["signer"].is_null(), "{out}");
        assert_eq!(sig["signer_key"], format!("{kind} (KeyValue)"), "{out}");
        assert_eq!(sig["references"][0]["digest_ok"], true, "{out}");

        // The user vouches for the key: passed, trusted, no signer kind.
        let pubkey = pubkey_pem(dir.path(), key);
        let (code, sig, out) = verify(&signed, &["--key", s(&pubkey)]);
        assert_eq!((code, reason(&sig)), (0, ("passed", "ok")), "{out}");
        assert_eq!(sig["trusted"], true, "{out}");
        assert!(sig["signer"].is_null(), "{out}");
        assert_eq!(sig["signer_key"], format!("{kind} (--key)"), "{out}");

        // A certificate of that key makes it an ordinary, path-validated signer.
        let (code, sig, out) = verify(
            &signed,
            &[
                "--key",
                s(&pki(cert)),
                "--trust",
                s(&pki("root.pem")),
                "--intermediates",
                s(&pki("ca.pem")),
            ],
        );
        assert_eq!((code, reason(&sig)), (0, ("passed", "ok")), "{out}");
        assert!(sig["signer"]["subject"].is_string(), "{out}");
        assert!(sig.get("signer_key").is_none(), "{out}");

        // Another key the user gives does not make the KeyValue trusted.
        let other = pubkey_pem(dir.path(), "outsider.key.pem");
        let (_, sig, out) = verify(&signed, &["--key", s(&other)]);
        assert_eq!(reason(&sig), ("indeterminate", "untrusted_key"), "{out}");

        // Changed data fails whatever the key.
        let bad = tampered(&signed, dir.path());
        let (code, sig, out) = verify(&bad, &["--key", s(&pubkey)]);
        assert_eq!(
            (code, reason(&sig)),
            (1, ("failed", "digest_mismatch")),
            "{out}"
        );
    }
}

#[test]
#[ignore = "needs xmlsec1: run scripts/test.sh"]
fn certificate_identifiers_resolve_against_given_certificates() {
    let dir = tempdir();
    let key_cert = format!(
        "{},{}",
        s(&pki("personal.key.pem")),
        s(&pki("personal.pem"))
    );
    for (name, data) in [
        (
            "issuer-serial",
            "<ds:X509Data><ds:X509IssuerSerial/></ds:X509Data>",
        ),
        ("ski", "<ds:X509Data><ds:X509SKI/></ds:X509Data>"),
        (
            "subject",
            "<ds:X509Data><ds:X509SubjectName/></ds:X509Data>",
        ),
    ] {
        let t = template(
            dir.path(),
            "id-template.xml",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "",
            data,
        );
        let signed = dir.path().join(format!("{name}.xml"));
        xmlsec_sign(&t, &signed, &["--privkey-pem", &key_cert]);
        let text = std::fs::read_to_string(&signed).expect("read");
        assert!(!text.contains("X509Certificate"), "{name}: {text}");

        // Without the certificate: it cannot be found.
        let (code, sig, out) = verify(
            &signed,
            &[
                "--trust",
                s(&pki("root.pem")),
                "--intermediates",
                s(&pki("ca.pem")),
            ],
        );
        assert_eq!(code, 1, "{name}: {out}");
        assert_eq!(
            reason(&sig),
            ("indeterminate", "signer_certificate_missing"),
            "{name}: {out}"
        );
        // Given as an intermediate, or with --key: found, verified and path-validated.
        for flag in ["--intermediates", "--key"] {
            let (code, sig, out) = verify(
                &signed,
                &[
                    flag,
                    s(&pki("personal.pem")),
                    "--trust",
                    s(&pki("root.pem")),
                    "--intermediates",
                    s(&pki("ca.pem")),
                ],
            );
            assert_eq!(
                (code, reason(&sig)),
                (0, ("passed", "ok")),
                "{name} {flag}: {out}"
            );
            assert_eq!(sig["trusted"], true, "{name}: {out}");
        }
        // The wrong certificate is not taken for the signer.
        let (code, sig, out) = verify(
            &signed,
            &[
                "--intermediates",
                s(&pki("outsider.pem")),
                "--trust",
                s(&pki("root.pem")),
                "--intermediates",
                s(&pki("ca.pem")),
            ],
        );
        assert_eq!(code, 1, "{name}: {out}");
        assert_eq!(
            reason(&sig),
            ("indeterminate", "signer_certificate_missing"),
            "{name}: {out}"
        );
        let bad = tampered(&signed, dir.path());
        let (code, sig, out) = verify(
            &bad,
            &[
                "--intermediates",
                s(&pki("personal.pem")),
                "--trust",
                s(&pki("root.pem")),
                "--intermediates",
                s(&pki("ca.pem")),
            ],
        );
        assert_eq!(
            (code, reason(&sig)),
            (1, ("failed", "digest_mismatch")),
            "{name}: {out}"
        );
    }
}

#[test]
#[ignore = "needs xmlsec1: run scripts/test.sh"]
fn key_name_with_the_key_given() {
    let dir = tempdir();
    let t = template(
        dir.path(),
        "kn-template.xml",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "",
        "<ds:KeyName>so-noi-vu</ds:KeyName>",
    );
    let signed = dir.path().join("kn.xml");
    xmlsec_sign(
        &t,
        &signed,
        &["--privkey-pem:so-noi-vu", s(&pki("personal.key.pem"))],
    );
    let (code, sig, out) = verify(&signed, &[]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        reason(&sig),
        ("indeterminate", "signer_certificate_missing"),
        "{out}"
    );
    assert!(
        sig["message"]
            .as_str()
            .unwrap_or_default()
            .contains("so-noi-vu"),
        "{out}"
    );
    let (code, sig, out) = verify(
        &signed,
        &[
            "--key",
            s(&pki("personal.pem")),
            "--trust",
            s(&pki("root.pem")),
            "--intermediates",
            s(&pki("ca.pem")),
        ],
    );
    assert_eq!((code, reason(&sig)), (0, ("passed", "ok")), "{out}");
}

#[test]
#[ignore = "needs xmlsec1: run scripts/test.sh"]
fn hmac_with_the_key_given() {
    let dir = tempdir();
    let key = dir.path().join("hmac.key");
    let secret = "kyso-hmac-secret-never-printed";
    std::fs::write(&key, secret).expect("write");
    let wrong = dir.path().join("wrong.key");
    std::fs::write(&wrong, "another secret").expect("write");
    for (method, extra, ok) in [
        (
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
            "",
            true,
        ),
        ("http://www.w3.org/2000/09/xmldsig#hmac-sha1", "", true),
        (
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512",
            "<ds:HMACOutputLength>256</ds:HMACOutputLength>",
            true,
        ),
        // Truncated below half of SHA-256 (XMLDSig erratum E03): refused.
        (
            "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
            "<ds:HMACOutputLength>80</ds:HMACOutputLength>",
            false,
        ),
    ] {
        let t = template(dir.path(), "hmac-template.xml", method, extra, "");
        let signed = dir.path().join("hmac.xml");
        xmlsec_sign(&t, &signed, &["--hmackey", s(&key)]);

        let (code, sig, out) = verify(&signed, &[]);
        assert_eq!(code, 1, "{out}");
        if ok {
            assert_eq!(
                reason(&sig),
                ("indeterminate", "signer_certificate_missing"),
                "{out}"
            );
            assert!(out.contains("--hmac-key"), "{out}");
        }
        let o = run(kyso()
            .arg("verify")
            .arg(&signed)
            .args(["--hmac-key", s(&key)])
            .arg("--json"));
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(!all.contains(secret), "the HMAC key was printed: {all}");
        let (code, sig, out) = verify(&signed, &["--hmac-key", s(&key)]);
        if ok {
            assert_eq!(
                (code, reason(&sig)),
                (0, ("passed", "ok")),
                "{method} {out}"
            );
            assert_eq!(sig["trusted"], true, "{out}");
            assert!(
                sig["signer_key"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("HMAC")
            );
            let (code, sig, out) = verify(&signed, &["--hmac-key", s(&wrong)]);
            assert_eq!(
                (code, reason(&sig)),
                (1, ("failed", "signature_invalid")),
                "{out}"
            );
            let bad = tampered(&signed, dir.path());
            let (code, sig, out) = verify(&bad, &["--hmac-key", s(&key)]);
            assert_eq!(
                (code, reason(&sig)),
                (1, ("failed", "digest_mismatch")),
                "{out}"
            );
        } else {
            assert_eq!(
                (code, reason(&sig)),
                (1, ("failed", "signature_invalid")),
                "{out}"
            );
            assert!(out.contains("HMACOutputLength 80"), "{out}");
        }
    }
}

/// A signature over the external file `uri` (relative to `dir`), signed by xmlsec1 in `dir`.
fn external_signature(dir: &Path, uri: &str) -> PathBuf {
    let t = dir.join("ext-template.xml");
    let doc = format!(
        "<Doc><Signature xmlns=\"{DS}\"><SignedInfo>\
<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
<Reference URI=\"{uri}\"><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue/></Reference>\
</SignedInfo><SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature></Doc>"
    );
    std::fs::write(&t, doc).expect("write");
    let out = dir.join("ext.xml");
    let o = run(Command::new("xmlsec1")
        .current_dir(dir)
        .args([
            "--sign",
            "--enabled-reference-uris",
            "empty,same-doc,local,remote",
            "--privkey-pem",
        ])
        .arg(format!(
            "{},{}",
            s(&pki("personal.key.pem")),
            s(&pki("personal.pem"))
        ))
        .arg("--output")
        .arg(&out)
        .arg(&t));
    assert!(o.status.success(), "xmlsec1 --sign: {}", stderr(&o));
    out
}

#[test]
#[ignore = "needs xmlsec1: run scripts/test.sh"]
fn external_references_only_inside_the_allowed_directory() {
    let dir = tempdir();
    std::fs::write(dir.path().join("data.txt"), "dữ liệu đính kèm\n").expect("write");
    let signed = external_signature(dir.path(), "data.txt");
    let (anchor, ca) = (pki("root.pem"), pki("ca.pem"));
    let root = ["--trust", s(&anchor), "--intermediates", s(&ca)];
    // Never fetched by default.
    let (code, sig, out) = verify(&signed, &root);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        reason(&sig),
        ("indeterminate", "unsupported_reference"),
        "{out}"
    );
    assert!(out.contains("data.txt"), "{out}");
    // Read inside the directory.
    let mut args = root.to_vec();
    args.extend(["--allow-external", s(dir.path())]);
    let (code, sig, out) = verify(&signed, &args);
    assert_eq!((code, reason(&sig)), (0, ("passed", "ok")), "{out}");
    // The file changed: the digest fails.
    std::fs::write(dir.path().join("data.txt"), "dữ liệu khác\n").expect("write");
    let (code, sig, out) = verify(&signed, &args);
    assert_eq!(
        (code, reason(&sig)),
        (1, ("failed", "digest_mismatch")),
        "{out}"
    );
    // Another directory, or an escape from it: refused.
    let inner = dir.path().join("inner");
    std::fs::create_dir_all(&inner).expect("mkdir");
    let escaping = external_signature(&inner, "../data.txt");
    let mut args = root.to_vec();
    args.extend(["--allow-external", s(&inner)]);
    let (_, sig, out) = verify(&escaping, &args);
    assert_eq!(
        reason(&sig),
        ("indeterminate", "unsupported_reference"),
        "{out}"
    );
    assert!(out.contains("outside"), "{out}");
}

#[test]
fn references_kyso_does_not_resolve_are_named() {
    let dir = tempdir();
    for (uri_attr, expect) in [
        (
            "URI=\"http://example.com/data.xml\"",
            "http://example.com/data.xml",
        ),
        ("URI=\"file:///etc/passwd\"", "file:///etc/passwd"),
        ("", "without URI"),
    ] {
        let doc = format!(
            "<Doc><Signature xmlns=\"{DS}\"><SignedInfo>\
<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
<Reference {uri_attr}><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue>AAAA</DigestValue></Reference>\
</SignedInfo><SignatureValue>AAAA</SignatureValue></Signature></Doc>"
        );
        let path = dir.path().join("refs.xml");
        std::fs::write(&path, doc).expect("write");
        let (code, _, out) = verify(&path, &["--allow-external", s(dir.path())]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("unsupported_reference"), "{out}");
        assert!(out.contains(expect), "{expect}: {out}");
    }
}

#[test]
fn key_and_hmac_key_files_are_checked() {
    let dir = tempdir();
    let empty = dir.path().join("empty.key");
    std::fs::write(&empty, "").expect("write");
    let doc = xml("notice.xml");
    let o = run(kyso().arg("verify").arg(&doc).arg("--hmac-key").arg(&empty));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(kyso().arg("verify").arg(&doc).arg("--key").arg(&empty));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("PUBLIC KEY"), "{}", stderr(&o));
}

#[test]
fn signer_certificate_only_in_xades_certificate_values() {
    // EN 319 132-1 lets the signing certificate travel in xades:CertificateValues only (DSS
    // xades-level-b-with-certvals.xml): without a key in KeyInfo, kyso takes the signer from
    // there, checked like a KeyInfo certificate.
    let dir = tempdir();
    let signed = dir.path().join("notice.signed.xml");
    let o = run(kyso()
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .env("HOME", dir.path())
        .arg("sign")
        .arg(xml("notice.xml"))
        .arg("--p12")
        .arg(pki("personal.p12"))
        .args(["--password-env", "KYSO_PASSWORD", "-o"])
        .arg(&signed));
    assert!(o.status.success(), "kyso sign: {}", stderr(&o));
    let text = std::fs::read_to_string(&signed).expect("read");
    let start = text.find("<ds:KeyInfo>").expect("KeyInfo");
    let end = text.find("</ds:KeyInfo>").expect("KeyInfo end") + "</ds:KeyInfo>".len();
    let key_info = &text[start..end];
    let values: String = key_info
        .split("<ds:X509Certificate>")
        .skip(1)
        .filter_map(|c| c.split("</ds:X509Certificate>").next())
        .map(|b64| {
            format!("<xades:EncapsulatedX509Certificate>{b64}</xades:EncapsulatedX509Certificate>")
        })
        .collect();
    assert!(!values.is_empty(), "{key_info}");
    let without_key_info = text.replacen(key_info, "", 1);
    let object = format!(
        "<ds:Object><xades:QualifyingProperties xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\">\
         <xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:CertificateValues>\
         {values}</xades:CertificateValues></xades:UnsignedSignatureProperties>\
         </xades:UnsignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>"
    );
    let (root, ca) = (pki("root.pem"), pki("ca.pem"));
    let args = ["--trust", s(&root), "--intermediates", s(&ca)];

    let bare = dir.path().join("bare.xml");
    std::fs::write(&bare, &without_key_info).expect("write");
    let (code, sig, out) = verify(&bare, &args);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        reason(&sig),
        ("indeterminate", "signer_certificate_missing"),
        "{out}"
    );

    let certvals = dir.path().join("certvals.xml");
    std::fs::write(
        &certvals,
        without_key_info.replacen("</ds:Signature>", &object, 1),
    )
    .expect("write");
    let (code, sig, out) = verify(&certvals, &args);
    assert_eq!((code, reason(&sig)), (0, ("passed", "ok")), "{out}");
    assert!(
        sig["signer"]["subject"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{out}"
    );
    // Changed data still fails.
    let bad = tampered(&certvals, dir.path());
    let (code, sig, out) = verify(&bad, &args);
    assert_eq!(
        (code, reason(&sig)),
        (1, ("failed", "digest_mismatch")),
        "{out}"
    );
}

/// A KeyInfo certificate that is there but unreadable (tampered: EU DSS's
/// `xades-tampered-keyinfo.xml`) leaves no key to verify with: malformed_signature (failed),
/// not a missing certificate.
#[test]
fn an_unreadable_key_info_certificate_is_malformed() {
    let dir = tempdir();
    let signed = dir.path().join("signed.xml");
    sign(&xml("report.xml"), &signed, "personal.p12", &[]);
    let mut text = std::fs::read_to_string(&signed).expect("read");
    // Every certificate of KeyInfo replaced by SEQUENCE { INTEGER 1 }: base64 that decodes,
    // DER that is no certificate.
    let mut replaced = 0;
    for tag in ["<X509Certificate>", "<ds:X509Certificate>"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(tag) {
            let open = from + at + tag.len();
            let close = open + text[open..].find('<').expect("end of the element");
            text.replace_range(open..close, "MAMCAQE=");
            replaced += 1;
            from = open;
        }
    }
    assert!(replaced > 0, "a certificate in KeyInfo");
    let tampered = text;
    let file = dir.path().join("tampered.xml");
    std::fs::write(&file, tampered).expect("write");
    let (_, sig, text) = verify(&file, &[]);
    assert_eq!(reason(&sig), ("failed", "malformed_signature"), "{text}");
    assert!(
        sig["message"]
            .to_string()
            .contains("unreadable X509Certificate"),
        "{sig:#}"
    );
}
