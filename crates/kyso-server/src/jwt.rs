//! JWT bearer tokens (`[server.jwt]`): signed by an OIDC issuer whose public keys are in a JWKS
//! file read once at start.
//!
//! A token is accepted when its `alg` is one of the configured (public-key) algorithms, its
//! signature verifies with the JWKS key its `kid` names (without a `kid`, a key of the
//! algorithm's family), `exp` is in the future and `nbf` in the past (30 s leeway), `iss` is
//! the configured issuer and `aud` the configured audience. Its scopes are the
//! `scopes_claim` claim (a space-separated string or an array of strings); the audit log
//! records its `sub` and `iss`.

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use kyso::config::{JwtAlgorithm, JwtConfig};

use crate::error::Error;

/// The leeway on `exp` and `nbf`, in seconds (clocks differ a little).
const LEEWAY: u64 = 30;

/// One public key of the JWKS.
struct Key {
    kid: Option<String>,
    /// The algorithm the JWKS pins the key to, if it does.
    alg: Option<Algorithm>,
    family: Family,
    key: DecodingKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Rsa,
    Ec,
    Ed,
}

fn family(alg: Algorithm) -> Option<Family> {
    match alg {
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => Some(Family::Rsa),
        Algorithm::ES256 | Algorithm::ES384 => Some(Family::Ec),
        Algorithm::EdDSA => Some(Family::Ed),
        _ => None,
    }
}

fn algorithm(a: JwtAlgorithm) -> Algorithm {
    match a {
        JwtAlgorithm::Rs256 => Algorithm::RS256,
        JwtAlgorithm::Rs384 => Algorithm::RS384,
        JwtAlgorithm::Rs512 => Algorithm::RS512,
        JwtAlgorithm::Ps256 => Algorithm::PS256,
        JwtAlgorithm::Ps384 => Algorithm::PS384,
        JwtAlgorithm::Ps512 => Algorithm::PS512,
        JwtAlgorithm::Es256 => Algorithm::ES256,
        JwtAlgorithm::Es384 => Algorithm::ES384,
        JwtAlgorithm::EdDsa => Algorithm::EdDSA,
    }
}

fn key_algorithm(a: KeyAlgorithm) -> Option<Algorithm> {
    Some(match a {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

/// The caller a valid JWT names.
#[derive(Debug, Clone)]
pub(crate) struct JwtCaller {
    pub(crate) subject: String,
    pub(crate) issuer: String,
    pub(crate) scopes: Vec<String>,
}

/// Checks JWTs against the configured issuer's keys.
pub(crate) struct JwtVerifier {
    keys: Vec<Key>,
    algorithms: Vec<Algorithm>,
    issuer: String,
    audience: String,
    scopes_claim: String,
}

impl JwtVerifier {
    /// Reads the JWKS of `config`; an unreadable file, a file that is not a JWKS or one
    /// without a usable public key is an error naming the file.
    pub(crate) fn load(config: &JwtConfig) -> Result<JwtVerifier, Error> {
        let fail = |reason: String| Error::Jwks {
            path: config.jwks.clone(),
            reason,
        };
        let text = std::fs::read(&config.jwks).map_err(|e| fail(e.to_string()))?;
        let set: JwkSet = serde_json::from_slice(&text)
            .map_err(|e| fail(format!("not a JWKS ({{\"keys\": [...]}}): {e}")))?;
        JwtVerifier::from_set(config, set).map_err(fail)
    }

    fn from_set(config: &JwtConfig, set: JwkSet) -> Result<JwtVerifier, String> {
        let mut keys = Vec::new();
        for (i, jwk) in set.keys.iter().enumerate() {
            if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
                continue;
            }
            let family = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => Family::Rsa,
                AlgorithmParameters::EllipticCurve(_) => Family::Ec,
                AlgorithmParameters::OctetKeyPair(_) => Family::Ed,
                // A shared secret (kty oct) would let anyone holding it mint tokens for
                // every client: not taken.
                AlgorithmParameters::OctetKey(_) => continue,
            };
            let key = DecodingKey::from_jwk(jwk).map_err(|e| {
                format!(
                    "key {} ({}): {e}",
                    i + 1,
                    jwk.common.key_id.as_deref().unwrap_or("no kid")
                )
            })?;
            keys.push(Key {
                kid: jwk.common.key_id.clone(),
                alg: jwk.common.key_algorithm.and_then(key_algorithm),
                family,
                key,
            });
        }
        if keys.is_empty() {
            return Err("the JWKS has no public signature key (RSA, EC or OKP)".into());
        }
        Ok(JwtVerifier {
            keys,
            algorithms: config.algorithms.iter().map(|a| algorithm(*a)).collect(),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            scopes_claim: config.scopes_claim.clone(),
        })
    }

    /// The caller `token` names, or why it is not accepted (said to the client: nothing
    /// secret in it).
    pub(crate) fn verify(&self, token: &str) -> Result<JwtCaller, String> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| format!("not a usable JWT: {e}"))?;
        let alg = header.alg;
        if !self.algorithms.contains(&alg) {
            return Err(format!("the JWT algorithm {alg:?} is not accepted"));
        }
        let fam =
            family(alg).ok_or_else(|| format!("the JWT algorithm {alg:?} is not accepted"))?;
        let candidates: Vec<&Key> = self
            .keys
            .iter()
            .filter(|k| match (&header.kid, &k.kid) {
                (Some(want), Some(have)) => want == have,
                (Some(_), None) => false,
                (None, _) => true,
            })
            .filter(|k| k.family == fam && k.alg.is_none_or(|a| a == alg))
            .collect();
        if candidates.is_empty() {
            return Err(match &header.kid {
                Some(kid) => format!("no key '{kid}' for {alg:?} in the issuer's JWKS"),
                None => format!("no key for {alg:?} in the issuer's JWKS"),
            });
        }
        let mut validation = Validation::new(alg);
        validation.algorithms = vec![alg];
        validation.leeway = LEEWAY;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let mut last = String::new();
        for key in candidates {
            match jsonwebtoken::decode::<serde_json::Value>(token, &key.key, &validation) {
                Ok(data) => return self.caller(&data.claims),
                Err(e) => last = describe(&e),
            }
        }
        Err(last)
    }

    fn caller(&self, claims: &serde_json::Value) -> Result<JwtCaller, String> {
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let subject = text("sub").ok_or("the JWT has no sub")?;
        let issuer = text("iss").unwrap_or_default();
        let scopes = match claims.get(&self.scopes_claim) {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::String(s)) => {
                s.split_whitespace().map(str::to_string).collect()
            }
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str())
                .map(str::to_string)
                .collect(),
            Some(_) => {
                return Err(format!(
                    "the JWT claim '{}' is neither a string nor an array of strings",
                    self.scopes_claim
                ));
            }
        };
        Ok(JwtCaller {
            subject,
            issuer,
            scopes,
        })
    }
}

/// Why a JWT failed, in words for the client.
fn describe(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::ExpiredSignature => "the JWT has expired".into(),
        ErrorKind::ImmatureSignature => "the JWT is not valid yet (nbf)".into(),
        ErrorKind::InvalidIssuer => "the JWT is from another issuer".into(),
        ErrorKind::InvalidAudience => "the JWT is for another audience".into(),
        ErrorKind::InvalidSignature => "the JWT signature does not verify".into(),
        ErrorKind::MissingRequiredClaim(c) => format!("the JWT has no {c} claim"),
        ErrorKind::InvalidAlgorithm => "the JWT algorithm does not fit the key".into(),
        _ => format!("the JWT is not valid: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(path: &Path) -> JwtConfig {
        JwtConfig {
            jwks: path.to_path_buf(),
            issuer: "https://idp.test".into(),
            audience: "kyso".into(),
            scopes_claim: "scope".into(),
            algorithms: vec![JwtAlgorithm::Rs256, JwtAlgorithm::Es256],
        }
    }

    #[test]
    fn jwks_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("kyso-jwks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.json");
        let e = JwtVerifier::load(&config(&missing))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("missing.json"), "{e}");
        let bad = dir.join("bad.json");
        std::fs::write(&bad, b"{\"keys\": 5}").unwrap();
        let e = JwtVerifier::load(&config(&bad)).err().unwrap().to_string();
        assert!(e.contains("not a JWKS"), "{e}");
        let secret = dir.join("secret.json");
        std::fs::write(&secret, br#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#).unwrap();
        let e = JwtVerifier::load(&config(&secret))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("no public signature key"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_none_and_hmac() {
        let set: JwkSet = serde_json::from_str(
            r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1",
            "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#,
        )
        .unwrap();
        let v = JwtVerifier::from_set(&config(Path::new("x")), set).unwrap();
        // {"alg":"none"} . {"sub":"a"} .
        let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.";
        assert!(v.verify(none).is_err());
        // {"alg":"HS256","kid":"k1"} . {"sub":"a"} . x
        let hs = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhIn0.eA";
        let e = v.verify(hs).unwrap_err();
        assert!(e.contains("not accepted"), "{e}");
        assert!(v.verify("not-a-jwt").is_err());
    }
}
