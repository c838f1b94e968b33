//! What `kyso serve` signs over HTTP, checked by the peers: pyHanko and poppler's pdfsig for
//! PDFs, xmlsec1 for XML. `#[ignore]`d in a plain `cargo test`; scripts/test.sh runs them with
//! `--include-ignored`, where a missing tool is a failure. (Refusals without a token, 401, and
//! with a token lacking the key's scope, 403, both in the audit log: tests/serve.rs
//! `sign_over_http`.)

mod common;

use common::peers::*;
use common::server::*;
use common::signing::*;
use common::*;

fn sign_over_http(server: &Server, query: &str, doc: &[u8]) -> Vec<u8> {
    let answer = server.request(
        "POST",
        &format!("/v1/sign?{query}"),
        &[("Authorization", &bearer(SIGNER_TOKEN))],
        doc,
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.body
}

#[test]
#[ignore = "needs pyHanko, pdfsig, certutil, xmlsec1: run scripts/test.sh"]
fn peers_accept_what_the_service_signs() {
    let dir = tempdir();
    let config = signing_config(dir.path(), "");
    let server = Server::start_with(&config, &key_env());
    let nss = nss_db(dir.path());

    // A letter certified over HTTP; and a letter certified by its author with `kyso sign`
    // (personal key), then sealed by the agency over HTTP. (Not the agency twice: pdfsig 22.12
    // (NSS) reports "Unknown issue with Certificate" for the second of two signatures by one
    // certificate, see tests/interop.rs.)
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let once = sign_over_http(&server, "key=agency&certify=true&mdp=2", &letter);
    let authored = dir.path().join("authored.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &authored,
        "personal.p12",
        &["--certify"],
    );
    let authored = std::fs::read(&authored).expect("read");
    let twice = sign_over_http(&server, "key=agency&reason=Approved", &authored);
    assert!(twice.starts_with(&authored), "an incremental update");
    for (n, signed) in [(1, &once), (2, &twice)] {
        let file = dir.path().join(format!("served-{n}.pdf"));
        std::fs::write(&file, signed).expect("write");
        let (ok, text) = pyhanko_validate(&file);
        assert!(
            ok,
            "pyHanko rejected the served PDF with {n} signatures:\n{text}"
        );
        assert_eq!(
            text.matches(":INTACT:TRUSTED").count(),
            n,
            "pyHanko:\n{text}"
        );
        assert!(
            !text.contains("INVALID") && !text.contains("ILLEGAL"),
            "pyHanko:\n{text}"
        );
        let text = pdfsig(&file, &nss);
        assert_eq!(
            text.matches("Signature is Valid.").count(),
            n,
            "pdfsig:\n{text}"
        );
        assert_eq!(
            text.matches("Certificate is Trusted.").count(),
            n,
            "pdfsig:\n{text}"
        );
    }

    // XML: a generic document, and an e-invoice (the seller's slot of the tax authority's form).
    let report = std::fs::read(xml("report.xml")).expect("read");
    let file = dir.path().join("served.xml");
    std::fs::write(&file, sign_over_http(&server, "key=agency", &report)).expect("write");
    let (ok, text) = xmlsec_verify(&file, None);
    assert!(ok, "xmlsec1 rejected the served XML:\n{text}");
    let invoice = std::fs::read(xml("invoice.xml")).expect("read");
    let file = dir.path().join("served-invoice.xml");
    let signed = sign_over_http(&server, "key=agency&einvoice_role=seller", &invoice);
    std::fs::write(&file, signed).expect("write");
    let (ok, text) = xmlsec_verify(
        &file,
        Some("//*[local-name()='NBan']/*[local-name()='Signature']"),
    );
    assert!(ok, "xmlsec1 rejected the served e-invoice:\n{text}");

    // The tools do say no: one byte changed inside the signed range.
    let mut tampered = twice.clone();
    flip_page_size(&mut tampered);
    let file = dir.path().join("tampered.pdf");
    std::fs::write(&file, &tampered).expect("write");
    let (ok, text) = pyhanko_validate(&file);
    assert!(!ok, "pyHanko accepted a tampered PDF:\n{text}");
    let text = pdfsig(&file, &nss);
    assert!(
        text.matches("Signature is Valid.").count() < 2,
        "pdfsig accepted a tampered PDF:\n{text}"
    );
}
