//! A `kyso serve` configuration with the fixture signing keys and bearer tokens, for the
//! service tests.

use super::server::LIMIT;
use super::*;
use std::path::{Path, PathBuf};

/// A token with the scope `sign:agency` (the configuration holds only its SHA-256).
pub const SIGNER_TOKEN: &str = "tok-registry-5b0c1e";
/// A token with the scope `verify` only.
pub const VERIFIER_TOKEN: &str = "tok-checker-81aa07";
/// A token with the scope `sign:outsider` (a key whose certificate has no path to the root).
pub const OUTSIDER_TOKEN: &str = "tok-outside-c4d2e9";

pub fn sha256_hex(data: &[u8]) -> String {
    kyso_pki::DigestAlgorithm::Sha256
        .digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A configuration trusting the fixture root, with the key `agency` (its password from the
/// environment variable `KYSO_TEST_KEY_PASSWORD`, see [`key_env`]), `personal` (its password
/// from a file) and `outsider`, the tokens `registry` (sign with agency), `checker` (verify)
/// and `outside` (sign with outsider), and `extra` appended to `[server]`.
pub fn signing_config(dir: &Path, extra: &str) -> PathBuf {
    let pw = dir.join("personal.pw");
    std::fs::write(&pw, format!("{PASSWORD}\n")).expect("write the password file");
    let path = dir.join("kyso.toml");
    let text = format!(
        "[trust]\nanchors = [\"{root}\"]\n\n[server]\nbody_limit = {LIMIT}\n{extra}\n\n\
         [[server.tokens]]\nname = \"registry\"\nsha256 = \"{signer}\"\nscopes = [\"sign:agency\"]\n\n\
         [[server.tokens]]\nname = \"checker\"\nsha256 = \"{checker}\"\nscopes = [\"verify\"]\n\n\
         [[server.tokens]]\nname = \"outside\"\nsha256 = \"{outside}\"\nscopes = [\"sign:outsider\"]\n\n\
         [[keys]]\nid = \"agency\"\np12 = \"{agency}\"\npassword_env = \"KYSO_TEST_KEY_PASSWORD\"\n\n\
         [[keys]]\nid = \"personal\"\np12 = \"{personal}\"\npassword_file = \"{pw}\"\n\n\
         [[keys]]\nid = \"outsider\"\np12 = \"{outsider}\"\npassword_env = \"KYSO_TEST_KEY_PASSWORD\"\n",
        root = pki("root.pem").display(),
        signer = sha256_hex(SIGNER_TOKEN.as_bytes()),
        checker = sha256_hex(VERIFIER_TOKEN.as_bytes()),
        outside = sha256_hex(OUTSIDER_TOKEN.as_bytes()),
        outsider = pki("outsider.p12").display(),
        agency = pki("agency.p12").display(),
        personal = pki("personal.p12").display(),
        pw = pw.display(),
    );
    std::fs::write(&path, text).expect("write the configuration");
    path
}

/// The environment [`signing_config`] needs.
pub fn key_env() -> [(&'static str, &'static str); 1] {
    [("KYSO_TEST_KEY_PASSWORD", PASSWORD)]
}
