//! An agency seal whose signature field has several widgets (the seal, the document's number,
//! its date: kids without `/T` of the seal's own field, on pages 1 and 2), added in the
//! revision the seal signs, after a certification (DocMDP P=2): allowed, and both signatures
//! valid. What the rule must still refuse (kids added later, shared with another field, also
//! listed as fields, existing objects, not widgets, with another parent, on no page, with a
//! shared appearance) fails the certification. The files are built by
//! `kyso_fixtures::seal_kids`, signed here with kyso's CMS builder (the coordinator will
//! produce the positive case through `kyso sign`).
//!
//! The peers on the three-widget seal (`the_peers_on_a_seal_with_widget_kids`):
//! - pyHanko 0.38 (`sign validate`): the seal `CoQuan` is INTACT, TRUSTED, UNTOUCHED; the
//!   certification is ILLEGAL_MODIFICATIONS ("Update of ... is only allowed after an
//!   approval signature, not a certification signature"), as for a one-widget visible seal
//!   added after a certification (tests/interop.rs
//!   `a_visible_seal_signed_in_its_own_revision_keeps_the_certification`).
//! - pdfsig (poppler 22.12): the certification is valid; the seal is listed three times,
//!   once per widget, each "The signature form field is not signed.": poppler reads `/V`
//!   from each widget, not from the parent field. (With `/V` copied onto each widget it
//!   lists the seal three times as valid.) Poppler-based viewers may therefore show such a
//!   seal as unsigned.

mod common;

use std::path::{Path, PathBuf};

use common::peers::{nss_db, pdfsig};
use common::*;
use kyso_fixtures::attacks::{Attack, Expected};
use kyso_fixtures::seal_kids::{SEAL_FIELD, seal_kids_attacks, seal_with_kids};

/// letter-classic.pdf (two pages) certified by the official, DocMDP P=2.
fn certified(dir: &Path) -> Vec<u8> {
    let out = dir.join("certified.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &out,
        "personal.p12",
        &["--certify", "--mdp", "2"],
    );
    std::fs::read(&out).expect("read")
}

/// A detached CAdES CMS by the agency key over `content`.
fn agency_cms(content: &[u8]) -> Result<Vec<u8>, String> {
    let cred = kyso::load_credential(&pki("agency.p12"), PASSWORD).map_err(|e| e.to_string())?;
    let mut ctx = kyso::DigestAlgorithm::Sha256.context();
    ctx.update(content);
    kyso_cms::build_detached(
        &cred,
        ctx.finish().as_ref(),
        &kyso_cms::BuildOptions {
            digest: kyso::DigestAlgorithm::Sha256,
            signing_time: None,
            include_chain: true,
        },
    )
    .map_err(|e| e.to_string())
}

/// The certified letter sealed with a three-widget seal field, written to `dir`.
fn sealed(dir: &Path) -> PathBuf {
    let bytes = seal_with_kids(&certified(dir), &agency_cms).expect("sealed");
    let path = dir.join("sealed-kids.pdf");
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn a_seal_with_three_widget_kids_keeps_the_certification() {
    let dir = tempdir();
    let path = sealed(dir.path());
    let (code, r) = verify_json(&path);
    assert_eq!(code, 0, "{r:#}");
    let sigs = r["signatures"].as_array().expect("signatures");
    assert_eq!(sigs.len(), 2, "{r:#}");
    for s in sigs {
        assert_eq!(s["status"], "passed", "{s:#}");
        assert_eq!(s["modifications"], serde_json::json!([]), "{s:#}");
    }
    assert_eq!(sigs[0]["certification"], 2, "{r:#}");
    assert_eq!(
        sigs[0]["allowed_changes"],
        serde_json::json!([
            "signature field 'CoQuan' added and signed in one revision, with 3 visible \
             widgets (rectangle [72 90 252 190], rectangle [300 150 500 170], rectangle [300 \
             700 500 720]) that its signature covers"
        ]),
        "{r:#}"
    );
    assert_eq!(sigs[1]["field"], SEAL_FIELD, "{r:#}");
    // The seal's field: named by the parent, shown by its first visible kid.
    assert_eq!(
        sigs[1]["appearance"],
        serde_json::json!({"page": 1, "rect": [72, 90, 252, 190], "visible": true}),
        "{r:#}"
    );
    let bytes = std::fs::read(&path).expect("read");
    let doc = kyso_pdf::Document::open(&bytes).expect("open");
    let found = kyso_pdf::find_signatures(&doc).expect("signatures");
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].field, SEAL_FIELD);
    assert_eq!(found[1].widgets.len(), 3, "the three kids are its widgets");
    assert!(found[1].other_fields.is_empty());
}

/// The substring of the certification's modification that names what is refused.
fn refusal(name: &str) -> &'static str {
    match name {
        "seal-kid-added-later" => "not added in the revision its signature signs",
        "seal-kid-shared" => "which another field also lists",
        "seal-kid-also-a-field" => "also lists as a field of its own",
        "seal-kid-existing-object" => "not added in the revision its signature signs",
        "seal-kid-not-a-widget" => "which is not a widget annotation",
        "seal-kid-parent-elsewhere" => "which was already signed",
        "seal-kid-not-on-a-page" => "which no page lists in /Annots",
        "seal-kid-shared-appearance" => "is also used elsewhere",
        other => panic!("unknown variant {other}"),
    }
}

fn check(attack: &Attack, r: &serde_json::Value) {
    let name = attack.name;
    let sigs = r["signatures"].as_array().expect("signatures");
    assert_eq!(sigs.len(), 2, "{name}: {r:#}");
    assert_eq!(r["status"], "failed", "{name}: {r:#}");
    let cert = &sigs[0];
    assert_eq!(cert["status"], "failed", "{name}: {cert:#}");
    assert_eq!(cert["reason"], "modified_after_signing", "{name}: {cert:#}");
    let found = refusal(name);
    assert!(
        cert["modifications"]
            .as_array()
            .expect("list")
            .iter()
            .any(|m| m.as_str().is_some_and(|m| m.contains(found))),
        "{name}: no modification says {found:?}: {cert:#}"
    );
    match attack.expected {
        // Both fail: the seal's field gained a widget after the seal.
        Expected::Modified => {
            assert_eq!(sigs[1]["status"], "failed", "{name}: {r:#}");
            assert_eq!(sigs[1]["reason"], "modified_after_signing", "{name}");
            assert!(
                sigs[1]["modifications"]
                    .to_string()
                    .contains("which was already signed"),
                "{name}: {r:#}"
            );
        }
        Expected::FirstModified => {
            assert_eq!(sigs[1]["status"], "passed", "{name}: {r:#}");
        }
        other => panic!("{name}: unexpected {other:?}"),
    }
}

#[test]
fn what_the_seal_kids_rule_refuses() {
    let dir = tempdir();
    let attacks = seal_kids_attacks(&certified(dir.path()), &agency_cms).expect("variants");
    assert_eq!(attacks.len(), 8, "every variant is built");
    for attack in &attacks {
        let path = dir.path().join(format!("{}.pdf", attack.name));
        std::fs::write(&path, &attack.bytes).expect("write");
        let (code, r) = verify_json(&path);
        assert_eq!(code, 1, "{}: {r:#}", attack.name);
        check(attack, &r);
    }
}

/// What pyHanko and pdfsig say about the three-widget seal (recorded in the module's doc).
#[test]
#[ignore = "needs pyHanko and pdfsig: run scripts/test.sh"]
fn the_peers_on_a_seal_with_widget_kids() {
    let dir = tempdir();
    let path = sealed(dir.path());
    let (ok, text) = pyhanko_validate(&path);
    assert!(!ok, "pyHanko's verdict changed: {text}");
    assert!(
        text.lines().any(|l| l.starts_with("Signature1:")
            && l.contains("INTACT:TRUSTED")
            && l.contains("ILLEGAL_MODIFICATIONS")),
        "pyHanko's verdict on the certification changed: {text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("CoQuan:") && l.contains("INTACT:TRUSTED,UNTOUCHED")),
        "pyHanko's verdict on the seal changed: {text}"
    );
    let nss = nss_db(dir.path());
    let text = pdfsig(&path, &nss);
    assert_eq!(
        text.matches("Signature Field Name: CoQuan").count(),
        3,
        "pdfsig's verdict changed: {text}"
    );
    assert_eq!(
        text.matches("The signature form field is not signed.")
            .count(),
        3,
        "pdfsig's verdict changed: {text}"
    );
    assert_eq!(
        text.matches("Signature is Valid").count(),
        1,
        "pdfsig's verdict changed: {text}"
    );
}
