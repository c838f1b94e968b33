//! Before signing, the signer's certificate is checked against the configured trust anchors:
//! no path, or revoked, and nothing is signed (issue 9, item 12).

mod common;

use std::path::Path;
use std::process::Output;

use common::services::{self, TSA_URL};
use common::*;

fn root() -> String {
    pki("root.pem").to_string_lossy().into_owned()
}

/// A refusal: exit 2, the message contains every one of `needles`, and no output file.
fn refused(o: &Output, out: &Path, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{}{err}", stdout(o));
    for n in needles {
        assert!(err.contains(n), "no {n:?} in: {err}");
    }
    assert!(!out.exists(), "{} written", out.display());
}

#[test]
fn trusted_signer_signs() {
    let dir = tempdir();
    let out = dir.path().join("personal.pdf");
    sign(
        &pdf("letter-classic.pdf"),
        &out,
        "personal.p12",
        &["--trust", &root()],
    );
    let o = try_sign(
        &pdf("letter-classic.pdf"),
        &dir.path().join("warned.pdf"),
        "agency.p12",
        &["--trust", &root()],
    );
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("revocation status was not checked (use --online"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn trusted_signer_signs_online() {
    let _services = services::start();
    let dir = tempdir();
    let out = dir.path().join("online.pdf");
    let o = try_sign(
        &pdf("letter-classic.pdf"),
        &out,
        "agency.p12",
        &["--trust", &root(), "--online"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(out.exists());
}

#[test]
fn signer_without_a_path_is_refused_unless_forced() {
    let dir = tempdir();
    let out = dir.path().join("outsider.pdf");
    let o = try_sign(
        &pdf("letter-classic.pdf"),
        &out,
        "outsider.p12",
        &["--trust", &root()],
    );
    refused(
        &o,
        &out,
        &[
            "no path to the trust anchors",
            "Vietnam National Root CA (kyso test)",
            "Outsider (kyso test",
            "--force",
        ],
    );
    // XML too.
    let xml_out = dir.path().join("invoice.xml");
    let o = try_sign(
        &xml("invoice.xml"),
        &xml_out,
        "outsider.p12",
        &["--trust", &root()],
    );
    refused(&o, &xml_out, &["no path to the trust anchors"]);
    // The trust anchors of the configuration count as --trust does.
    let config = dir.path().join("kyso.toml");
    std::fs::write(
        &config,
        format!("[trust]\nanchors = [{:?}]\n", pki("root.pem")),
    )
    .expect("config");
    let o = run(kyso()
        .arg("--config")
        .arg(&config)
        .arg("sign")
        .arg(pdf("letter-classic.pdf"))
        .arg("-o")
        .arg(&out)
        .arg("--p12")
        .arg(pki("outsider.p12"))
        .args(["--password-env", "KYSO_PASSWORD"]));
    refused(&o, &out, &["no path to the trust anchors"]);
    // Without anchors nothing is checked; with --force the user takes it upon themselves.
    sign(&pdf("letter-classic.pdf"), &out, "outsider.p12", &[]);
    std::fs::remove_file(&out).expect("remove");
    let o = try_sign(
        &pdf("letter-classic.pdf"),
        &out,
        "outsider.p12",
        &["--trust", &root(), "--force"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("signing anyway (--force)"));
    assert!(out.exists());
}

#[test]
fn batch_signing_is_refused_before_any_output() {
    let dir = tempdir();
    let outdir = dir.path().join("out");
    std::fs::create_dir(&outdir).expect("mkdir");
    let o = run(kyso()
        .arg("sign")
        .arg(pdf("letter-classic.pdf"))
        .arg(xml("invoice.xml"))
        .arg("--out-dir")
        .arg(&outdir)
        .arg("--p12")
        .arg(pki("outsider.p12"))
        .args(["--password-env", "KYSO_PASSWORD", "--trust", &root()]));
    refused(
        &o,
        &outdir.join("letter-classic.pdf"),
        &["no path to the trust anchors"],
    );
    assert_eq!(
        std::fs::read_dir(&outdir).expect("dir").count(),
        0,
        "nothing written"
    );
}

#[test]
fn revoked_signer_is_refused_even_with_force() {
    let _services = services::start();
    let dir = tempdir();
    let out = dir.path().join("revoked.pdf");
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["--trust", "root", "--online"];
        let r = root();
        args[1] = &r;
        args.extend_from_slice(extra);
        let o = try_sign(&pdf("letter-classic.pdf"), &out, "revoked.p12", &args);
        refused(&o, &out, &["revoked", "Lê Văn Cường", "nothing was signed"]);
        assert!(!stderr(&o).contains("use --force"), "{}", stderr(&o));
    }
    // XML, and at b-lt, which asks the revocation services anyway (no --online needed).
    let xml_out = dir.path().join("revoked.xml");
    let o = try_sign(
        &xml("invoice.xml"),
        &xml_out,
        "revoked.p12",
        &["--trust", &root(), "--online"],
    );
    refused(&o, &xml_out, &["revoked"]);
    let o = try_sign(
        &pdf("letter-classic.pdf"),
        &out,
        "revoked.p12",
        &["--trust", &root(), "--level", "b-lt", "--tsa", TSA_URL],
    );
    refused(&o, &out, &["revoked", "nothing was signed"]);
}
