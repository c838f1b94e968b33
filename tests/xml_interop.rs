//! XML interop with real peers: xmlsec1 (libxml2/OpenSSL) and signxml (lxml/cryptography).
//! `#[ignore]`d in a plain `cargo test`; scripts/test.sh runs them with `--include-ignored`.

mod common;

use common::peers::*;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn signxml(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let o = run(Command::new(peer_python())
        .arg(root().join("tests/peers/signxml_tool.py"))
        .args(args));
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

/// signxml signs `doc` (a fixture) into `out` with a fixture key, its certificate and the CA.
fn signxml_sign(doc: &Path, out: &Path, key: &Path, cert: &Path, alg: &str) -> (bool, String) {
    let ca = pki("ca.pem");
    signxml(&[
        "sign".as_ref(),
        "--alg".as_ref(),
        alg.as_ref(),
        doc.as_os_str(),
        out.as_os_str(),
        key.as_os_str(),
        cert.as_os_str(),
        ca.as_os_str(),
    ])
}

fn signxml_verify(file: &Path, location: &str, refs: usize) -> (bool, String) {
    signxml_verify_with(file, location, refs, false)
}

/// signxml on the tax authority's e-invoice form: `tax_form` works around signxml 5.2's two
/// failures there (see tests/peers/signxml_tool.py and the README).
fn signxml_verify_with(file: &Path, location: &str, refs: usize, tax_form: bool) -> (bool, String) {
    let root_pem = pki("root.pem");
    let refs = refs.to_string();
    let mut args: Vec<&std::ffi::OsStr> = vec!["verify".as_ref()];
    if tax_form {
        args.push("--tax-form".as_ref());
    }
    args.extend([
        file.as_os_str(),
        root_pem.as_os_str(),
        location.as_ref(),
        refs.as_ref(),
    ]);
    if refs != "1" {
        args.push("Id".as_ref());
    }
    signxml(&args)
}

const NBAN: &str = "//*[local-name()='NBan']/*[local-name()='Signature']";
const NMUA: &str = "//*[local-name()='NMua']/*[local-name()='Signature']";

#[test]
#[ignore = "needs xmlsec1 and signxml: run scripts/test.sh"]
fn peers_accept_what_kyso_signs() {
    let dir = tempdir();
    for doc in ["notice.xml", "report.xml"] {
        for c14n in ["inclusive", "exclusive"] {
            let generic = dir.path().join(format!("{c14n}-{doc}"));
            sign(&xml(doc), &generic, "personal.p12", &["--c14n", c14n]);
            let (ok, text) = xmlsec_verify(&generic, None);
            assert!(
                ok,
                "xmlsec1 rejected the {c14n} signature on {doc}:\n{text}"
            );
            // report.xml is beyond signxml 5.2 whatever the algorithm: it re-serializes the
            // document with lxml's default ASCII encoding, which turns the non-ASCII text of a
            // processing instruction into literal "&#7917;" (character references do not apply
            // in PIs), and it drops the xml:lang that C14N 1.0 inherits onto SignedInfo (see
            // signxml_disagrees_with_xmlsec1_on_inherited_xml_lang). xmlsec1 checks it above.
            if doc == "report.xml" {
                continue;
            }
            let (ok, text) = signxml_verify(&generic, "./", 1);
            assert!(
                ok,
                "signxml rejected the {c14n} signature on {doc}:\n{text}"
            );
        }
    }
    // E-invoices in the tax authority's form (XMLDSig as the Signature's default namespace):
    // seller only, seller and buyer, and inside a TDiep message.
    let seller = dir.path().join("seller.xml");
    sign(&xml("invoice.xml"), &seller, "agency.p12", &[]);
    let both = dir.path().join("both.xml");
    sign(
        &seller,
        &both,
        "personal.p12",
        &["--einvoice-role", "buyer"],
    );
    let tdiep = dir.path().join("tdiep.xml");
    sign(&xml("invoice-tdiep.xml"), &tdiep, "agency.p12", &[]);
    let cases = [
        (&seller, NBAN, "./DSCKS/NBan/"),
        (&both, NBAN, "./DSCKS/NBan/"),
        (&both, NMUA, "./DSCKS/NMua/"),
        (&tdiep, NBAN, "./DLieu/HDon/DSCKS/NBan/"),
    ];
    for (file, xpath, location) in cases {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let (ok, text) = xmlsec_verify(file, Some(xpath));
        assert!(ok, "xmlsec1 rejected {name:?} {xpath}:\n{text}");
        let (ok, text) = signxml_verify_with(file, location, 2, true);
        assert!(ok, "signxml rejected {name:?} {location}:\n{text}");
        // Without the workarounds signxml 5.2 refuses the form before any cryptography: its
        // XML Signature schema admits only foreign elements in SignatureProperty.
        let (ok, text) = signxml_verify(file, location, 2);
        assert!(
            !ok && text.contains("SigningTime"),
            "signxml now accepts the tax authority's form as is: revisit the README and \
             tests/peers/signxml_tool.py --tax-form:\n{text}"
        );
    }
}

#[test]
#[ignore = "needs xmlsec1 and signxml: run scripts/test.sh"]
fn signxml_disagrees_with_xmlsec1_on_inherited_xml_lang() {
    // signxml 5.2 signs lang.xml (xml:lang="vi" on the root) over a SignedInfo canonicalized
    // without the inherited xml:lang; xmlsec1 (libxml2's reference C14N) and kyso both reject it.
    let dir = tempdir();
    let out = dir.path().join("signxml-lang.xml");
    let (ok, text) = signxml_sign(
        &xml("lang.xml"),
        &out,
        &pki("agency.key.pem"),
        &pki("agency.pem"),
        "RSA_SHA256",
    );
    assert!(ok, "signxml sign: {text}");
    assert!(
        !xmlsec_verify(&out, None).0,
        "xmlsec1 now accepts signxml's xml:lang signature: revisit this test"
    );
    let (code, r) = verify_json(&out);
    assert_eq!(
        (code, r["signatures"][0]["reason"].as_str()),
        (1, Some("signature_invalid")),
        "{r}"
    );
}

#[test]
#[ignore = "needs xmlsec1 and signxml: run scripts/test.sh"]
fn everyone_rejects_a_changed_amount() {
    let dir = tempdir();
    let seller = dir.path().join("seller.xml");
    sign(&xml("invoice.xml"), &seller, "agency.p12", &[]);
    let tampered = dir.path().join("tampered.xml");
    let text = std::fs::read_to_string(&seller).expect("read");
    std::fs::write(
        &tampered,
        text.replacen(
            "<TgTTTBSo>1815000</TgTTTBSo>",
            "<TgTTTBSo>1915000</TgTTTBSo>",
            1,
        ),
    )
    .expect("write");
    let (code, _) = verify_json(&tampered);
    assert_eq!(code, 1);
    assert!(
        !xmlsec_verify(&tampered, Some(NBAN)).0,
        "xmlsec1 accepted a changed amount"
    );
    assert!(
        !signxml_verify_with(&tampered, "./DSCKS/NBan/", 2, true).0,
        "signxml accepted a changed amount"
    );
}

#[test]
#[ignore = "needs signxml: run scripts/test.sh"]
fn kyso_verifies_what_signxml_signs() {
    let dir = tempdir();
    let out = dir.path().join("signxml.xml");
    let (ok, text) = signxml_sign(
        &xml("notice.xml"),
        &out,
        &pki("agency.key.pem"),
        &pki("agency.pem"),
        "RSA_SHA256",
    );
    assert!(ok, "signxml sign: {text}");
    assert!(
        xmlsec_verify(&out, None).0,
        "xmlsec1 rejects signxml's signature on notice.xml"
    );
    let (code, r) = verify_json(&out);
    assert_eq!(code, 0, "{r}");
    assert_eq!(kinds(&r), vec!["agency"]);
}

/// An e-invoice signature template, as Vietnamese invoicing software writes them, for xmlsec1 to fill.
fn einvoice_template(dir: &Path, signing_time: &str) -> PathBuf {
    let text = std::fs::read_to_string(xml("invoice.xml")).expect("read");
    let sig = format!(
        "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"seller\"><SignedInfo>\
<CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>\
<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
<Reference URI=\"#data\"><Transforms><Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/></Transforms>\
<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue/></Reference>\
<Reference URI=\"#st\"><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><DigestValue/></Reference>\
</SignedInfo><SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo>\
<Object Id=\"st\"><SignatureProperties xmlns=\"\"><SignatureProperty Target=\"#seller\"><SigningTime>{signing_time}</SigningTime></SignatureProperty></SignatureProperties></Object></Signature>"
    );
    let t = dir.join("template.xml");
    std::fs::write(
        &t,
        text.replacen("<NBan/>", &format!("<NBan>{sig}</NBan>"), 1),
    )
    .expect("write");
    t
}

#[test]
#[ignore = "needs xmlsec1: run scripts/test.sh"]
fn kyso_verifies_what_xmlsec1_signs_with_a_lenient_signing_time() {
    let dir = tempdir();
    let template = einvoice_template(dir.path(), "2025-02-12T10:33:35");
    let out = dir.path().join("xmlsec.xml");
    let o = run(Command::new("xmlsec1")
        .args(["--sign", "--pkcs12"])
        .arg(pki("agency.p12"))
        .args(["--pwd", PASSWORD, "--id-attr:Id", "DLHDon", "--output"])
        .arg(&out)
        .arg(&template));
    assert!(o.status.success(), "xmlsec1 --sign: {}", stderr(&o));
    let (code, r) = verify_json(&out);
    assert_eq!(code, 0, "{r}");
    let s = &r["signatures"][0];
    assert_eq!(s["signer"]["kind"], "agency");
    // An e-invoice's SigningTime without a zone is Vietnamese local time.
    assert_eq!(s["signing_time"], "2025-02-12T03:33:35Z");
    assert!(
        s["warnings"]
            .to_string()
            .contains("no time zone; read as Vietnam time (+07:00)"),
        "{s}"
    );
}

/// A P-384 signer issued by the fixture CA at test time (openssl), as (key, cert) paths.
fn p384_signer(dir: &Path) -> (PathBuf, PathBuf) {
    let key = dir.join("p384.key.pem");
    let csr = dir.join("p384.csr");
    let cert = dir.join("p384.pem");
    let ext = dir.join("ext.cnf");
    std::fs::write(&ext, "keyUsage=critical,digitalSignature,nonRepudiation\n").expect("write");
    let o = run(Command::new("openssl")
        .args([
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:secp384r1",
            "-nodes",
            "-keyout",
        ])
        .arg(&key)
        .args([
            "-subj",
            "/C=VN/CN=Lê Văn Cường/UID=CCCD:079090001234",
            "-utf8",
            "-out",
        ])
        .arg(&csr));
    assert!(o.status.success(), "openssl req: {}", stderr(&o));
    let o = run(Command::new("openssl")
        .args(["x509", "-req", "-in"])
        .arg(&csr)
        .arg("-CA")
        .arg(pki("ca.pem"))
        .arg("-CAkey")
        .arg(pki("ca.key.pem"))
        .args(["-set_serial", "384", "-days", "3650", "-sha256", "-extfile"])
        .arg(&ext)
        .arg("-out")
        .arg(&cert));
    assert!(o.status.success(), "openssl x509: {}", stderr(&o));
    (key, cert)
}

#[test]
#[ignore = "needs signxml, xmlsec1 and openssl: run scripts/test.sh"]
fn kyso_verifies_every_signature_method() {
    let dir = tempdir();
    let (p384_key, p384_cert) = p384_signer(dir.path());
    let cases: [(&str, PathBuf, PathBuf, &str); 5] = [
        (
            "RSA_SHA512",
            pki("agency.key.pem"),
            pki("agency.pem"),
            "rsa-pkcs1-sha512",
        ),
        (
            "SHA256_RSA_MGF1",
            pki("agency.key.pem"),
            pki("agency.pem"),
            "rsa-pss-sha256",
        ),
        (
            "SHA384_RSA_MGF1",
            pki("personal.key.pem"),
            pki("personal.pem"),
            "rsa-pss-sha384",
        ),
        (
            "ECDSA_SHA256",
            pki("personal-ec.key.pem"),
            pki("personal-ec.pem"),
            "ecdsa-sha256",
        ),
        ("ECDSA_SHA384", p384_key, p384_cert, "ecdsa-sha384"),
    ];
    for (alg, key, cert, expected) in cases {
        let out = dir.path().join(format!("{alg}.xml"));
        let (ok, text) = signxml_sign(&xml("notice.xml"), &out, &key, &cert, alg);
        assert!(ok, "signxml {alg}: {text}");
        let (code, r) = verify_json(&out);
        assert_eq!(code, 0, "{alg}: {r}");
        assert_eq!(r["signatures"][0]["signature_algorithm"], expected, "{alg}");
    }
    // RSA-SHA1 with a SHA-1 digest, as older invoicing software still writes: accepted, flagged weak.
    let template = einvoice_template(dir.path(), "2025-02-12T10:33:35+07:00")
        .to_string_lossy()
        .into_owned();
    let sha1 = std::fs::read_to_string(&template)
        .expect("read")
        .replace(
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        )
        .replace(
            "http://www.w3.org/2001/04/xmlenc#sha256",
            "http://www.w3.org/2000/09/xmldsig#sha1",
        );
    let t1 = dir.path().join("sha1-template.xml");
    std::fs::write(&t1, sha1).expect("write");
    let out = dir.path().join("sha1.xml");
    let o = run(Command::new("xmlsec1")
        .args(["--sign", "--pkcs12"])
        .arg(pki("agency.p12"))
        .args(["--pwd", PASSWORD, "--id-attr:Id", "DLHDon", "--output"])
        .arg(&out)
        .arg(&t1));
    assert!(o.status.success(), "xmlsec1 --sign sha1: {}", stderr(&o));
    let (code, r) = verify_json(&out);
    assert_eq!(code, 0, "{r}");
    let s = &r["signatures"][0];
    assert_eq!(s["signature_algorithm"], "rsa-pkcs1-sha1");
    assert_eq!(s["digest"], "sha1");
    assert!(s["warnings"].to_string().contains("weak"), "{s}");
}

#[test]
#[ignore = "needs xmlsec1: run scripts/test.sh"]
fn base64_transform_and_larger_digests() {
    let dir = tempdir();
    // An Object holding base64 data, referenced through the base64 transform (xmlsec1 signs it).
    let text = std::fs::read_to_string(xml("notice.xml")).expect("read");
    let sig = "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512\"/>\
<ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/></ds:Transforms>\
<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#sha384\"/><ds:DigestValue/></ds:Reference>\
<ds:Reference URI=\"#att\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#base64\"/></ds:Transforms>\
<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha512\"/><ds:DigestValue/></ds:Reference>\
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>\
<ds:Object Id=\"att\">VMOgaSBsaeG7h3UgxJHDrW5oIGvDqG0=</ds:Object></ds:Signature>";
    let template = dir.path().join("b64-template.xml");
    std::fs::write(
        &template,
        text.replacen("</tb:ThongBao>", &format!("{sig}</tb:ThongBao>"), 1),
    )
    .expect("write");
    let out = dir.path().join("b64.xml");
    let o = run(Command::new("xmlsec1")
        .args(["--sign", "--pkcs12"])
        .arg(pki("agency.p12"))
        .args(["--pwd", PASSWORD, "--output"])
        .arg(&out)
        .arg(&template));
    assert!(o.status.success(), "xmlsec1 --sign: {}", stderr(&o));
    let (code, r) = verify_json(&out);
    assert_eq!(code, 0, "{r}");
    let s = &r["signatures"][0];
    assert_eq!(s["signature_algorithm"], "rsa-pkcs1-sha512");
    assert_eq!(s["references"][1]["element"], "Object");
    assert_eq!(s["references"][1]["digest_ok"], true);
    // Change the attached data: the base64 reference fails.
    let tampered = dir.path().join("b64-tampered.xml");
    let changed = std::fs::read_to_string(&out).expect("read").replacen(
        "VMOgaSBsaeG7h3UgxJHDrW5oIGvDqG0=",
        "VMOgaSBsaeG7h3UgxJHDrW5oIGvDqH0=", // a significant digit: the padding bits of "G0=" vs "G1=" decode alike
        1,
    );
    std::fs::write(&tampered, changed).expect("write");
    let (code, r) = verify_json(&tampered);
    assert_eq!(
        (code, r["signatures"][0]["reason"].as_str()),
        (1, Some("digest_mismatch")),
        "{r}"
    );

    // kyso's own e-invoice signatures with SHA-384 and SHA-512, accepted by xmlsec1.
    for digest in ["sha384", "sha512"] {
        let signed = dir.path().join(format!("{digest}.xml"));
        sign(
            &xml("invoice.xml"),
            &signed,
            "agency.p12",
            &["--digest", digest],
        );
        let (code, r) = verify_json(&signed);
        assert_eq!(code, 0, "{r}");
        assert_eq!(r["signatures"][0]["digest"], digest);
        let (ok, text) = xmlsec_verify(&signed, Some(NBAN));
        assert!(ok, "xmlsec1 rejected kyso's {digest} invoice:\n{text}");
    }
}
