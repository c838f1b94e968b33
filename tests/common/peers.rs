//! The peer tools the interop tests run: poppler's pdfsig (with an NSS database trusting the
//! fixture root) and xmlsec1.

use super::*;
use std::path::Path;
use std::process::Command;

/// An NSS database trusting the fixture root, for pdfsig.
pub fn nss_db(dir: &Path) -> String {
    let db = dir.join("nss");
    std::fs::create_dir_all(&db).expect("nss dir");
    let spec = format!("sql:{}", db.display());
    let o = run(Command::new("certutil").args(["-N", "-d", &spec, "--empty-password"]));
    assert!(o.status.success(), "certutil -N: {}", stderr(&o));
    let o = run(Command::new("certutil")
        .args(["-A", "-d", &spec, "-n", "kyso-root", "-t", "CT,C,C", "-i"])
        .arg(pki("root.pem")));
    assert!(o.status.success(), "certutil -A: {}", stderr(&o));
    spec
}

/// pdfsig's output on `file`. pdfsig checks the signers' certificates online with OCSP (NSS),
/// at the loopback responder the fixture certificates name, so the test services run meanwhile.
/// (Its `-no-ocsp` is no way out: poppler 22.12 then reports "Unknown issue with Certificate"
/// for certificates without an EKU.)
pub fn pdfsig(file: &Path, nss: &str) -> String {
    let _services = services::start();
    let o = run(Command::new("pdfsig").args(["-nssdir", nss]).arg(file));
    format!("{}{}", stdout(&o), stderr(&o))
}

/// `xmlsec1 --verify` trusting the fixture root (`DLHDon` ids registered), optionally of the
/// signature at `node_xpath`: whether it verified, and its output.
pub fn xmlsec_verify(file: &Path, node_xpath: Option<&str>) -> (bool, String) {
    let mut c = Command::new("xmlsec1");
    c.args(["--verify", "--trusted-pem"])
        .arg(pki("root.pem"))
        .args(["--id-attr:Id", "DLHDon"]);
    if let Some(x) = node_xpath {
        c.args(["--node-xpath", x]);
    }
    let o = run(c.arg(file));
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}
