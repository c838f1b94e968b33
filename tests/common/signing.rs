//! A `kyso serve` configuration with the fixture signing keys and bearer tokens, for the
//! service tests outside tests/serve.rs (which keeps its own copy).

use super::server::LIMIT;
use super::*;
use std::path::{Path, PathBuf};

/// A token with the scope `sign:agency` (the configuration holds only its SHA-256).
pub const SIGNER_TOKEN: &str = "tok-registry-5b0c1e";
/// A token with the scope `verify` only.
pub const VERIFIER_TOKEN: &str = "tok-checker-81aa07";

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
/// environment variable `KYSO_TEST_KEY_PASSWORD`, see [`key_env`]), the tokens `registry`
/// (sign with agency) and `checker` (verify), and `extra` appended to `[server]`.
pub fn signing_config(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("kyso.toml");
    let text = format!(
        "[trust]\nanchors = [\"{root}\"]\n\n[server]\nbody_limit = {LIMIT}\n{extra}\n\n\
         [[server.tokens]]\nname = \"registry\"\nsha256 = \"{signer}\"\nscopes = [\"sign:agency\"]\n\n\
         [[server.tokens]]\nname = \"checker\"\nsha256 = \"{checker}\"\nscopes = [\"verify\"]\n\n\
         [[keys]]\nid = \"agency\"\np12 = \"{agency}\"\npassword_env = \"KYSO_TEST_KEY_PASSWORD\"\n",
        root = pki("root.pem").display(),
        signer = sha256_hex(SIGNER_TOKEN.as_bytes()),
        checker = sha256_hex(VERIFIER_TOKEN.as_bytes()),
        agency = pki("agency.p12").display(),
    );
    std::fs::write(&path, text).expect("write the configuration");
    path
}

/// The environment [`signing_config`] needs.
pub fn key_env() -> [(&'static str, &'static str); 1] {
    [("KYSO_TEST_KEY_PASSWORD", PASSWORD)]
}
