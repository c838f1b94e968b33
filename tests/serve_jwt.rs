//! `kyso serve` with JWT bearer tokens (`[server.jwt]`): an issuer's key pair made here, its
//! public key in a JWKS file, tokens signed with jsonwebtoken.

mod common;

use common::server::*;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use std::path::{Path, PathBuf};

const ISSUER: &str = "https://login.example.gov.vn/realms/kyso";
const AUDIENCE: &str = "kyso-serve";

fn b64url(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// An ES256 key pair: its PKCS#8 document (to sign) and its JWK (to verify).
struct Issuer {
    pkcs8: Vec<u8>,
    jwk: serde_json::Value,
}

fn issuer(kid: &str) -> Issuer {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .expect("a P-256 key")
        .as_ref()
        .to_vec();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng).expect("load");
    let point = pair.public_key().as_ref();
    assert_eq!(point.len(), 65);
    let jwk = serde_json::json!({
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
        "x": b64url(&point[1..33]), "y": b64url(&point[33..65]),
    });
    Issuer { pkcs8, jwk }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64
}

/// A token of `issuer` with `claims` over the usual ones (sub, iss, aud, exp, nbf, scope).
fn token(issuer: &Issuer, kid: &str, claims: serde_json::Value) -> String {
    let mut all = serde_json::json!({
        "sub": "nguyen.van.anh@agency.example.gov.vn",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now(),
        "nbf": now() - 10,
        "exp": now() + 600,
        "scope": "openid sign:agency",
    });
    for (k, v) in claims.as_object().expect("an object") {
        all[k] = v.clone();
    }
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, &all, &EncodingKey::from_ec_der(&issuer.pkcs8)).expect("sign")
}

fn b64decode(text: &str) -> Vec<u8> {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = T.iter().position(|t| *t == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// The fixture key `name` (an RSA PKCS#8 PEM) and its JWK.
fn rsa_issuer(name: &str, kid: &str) -> (ring::signature::RsaKeyPair, serde_json::Value) {
    let pem = std::fs::read_to_string(pki(name)).expect("read the key");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&b64decode(&body)).expect("an RSA key");
    let c = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public());
    let jwk = serde_json::json!({"kty": "RSA", "kid": kid, "n": b64url(&c.n), "e": b64url(&c.e)});
    (pair, jwk)
}

/// An RS256 (or, with `alg` PS256, RSASSA-PSS) token signed by `pair`.
fn rsa_token(
    pair: &ring::signature::RsaKeyPair,
    alg: &str,
    kid: &str,
    claims: serde_json::Value,
) -> String {
    let header = serde_json::json!({"alg": alg, "typ": "JWT", "kid": kid});
    let message = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let scheme: &dyn ring::signature::RsaEncoding = match alg {
        "PS256" => &ring::signature::RSA_PSS_SHA256,
        _ => &ring::signature::RSA_PKCS1_SHA256,
    };
    let mut sig = vec![0u8; pair.public().modulus_len()];
    pair.sign(scheme, &SystemRandom::new(), message.as_bytes(), &mut sig)
        .expect("sign");
    format!("{message}.{}", b64url(&sig))
}

fn jwt_config(dir: &Path, jwks: &Path) -> PathBuf {
    service_config(
        dir,
        "",
        &[("registry", "tok-static-9c2e", &["sign:agency"])],
        &format!(
            "[server.jwt]\njwks = \"{}\"\nissuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\n",
            jwks.display()
        ),
    )
}

#[test]
fn jwt_bearer_tokens() {
    let dir = tempdir();
    let good = issuer("k1");
    let (rsa, rsa_jwk) = rsa_issuer("agency.key.pem", "rsa1");
    let jwks = dir.path().join("jwks.json");
    std::fs::write(
        &jwks,
        serde_json::json!({"keys": [good.jwk, issuer("k2").jwk, rsa_jwk]}).to_string(),
    )
    .expect("write the JWKS");
    let config = jwt_config(dir.path(), &jwks);
    let server = Server::start_with(&config, &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)]);
    let letter = std::fs::read(pdf("letter-classic.pdf")).expect("read");
    let sign = |token: &str| {
        server.request(
            "POST",
            "/v1/sign?key=agency",
            &[("Authorization", &format!("Bearer {token}"))],
            &letter,
        )
    };

    // A good token with the scope signs.
    let ok = sign(&token(&good, "k1", serde_json::json!({})));
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.header("content-type"), Some("application/pdf"));
    assert!(ok.body.starts_with(b"%PDF-"));
    // Scopes as an array too; /v1/keys lists what they allow.
    let array = token(&good, "k1", serde_json::json!({"scope": ["sign:agency"]}));
    let keys = server.request(
        "GET",
        "/v1/keys",
        &[("Authorization", &format!("Bearer {array}"))],
        b"",
    );
    assert_eq!(keys.status, 200, "{}", keys.text());
    assert_eq!(keys.json()[0]["id"], "agency");

    // RS256 with the RSA key of the JWKS (the default algorithms are RS256 and ES256).
    let claims = serde_json::json!({
        "sub": "registry-bot", "iss": ISSUER, "aud": [AUDIENCE, "other"],
        "exp": now() + 600, "scope": "sign:agency",
    });
    let rs = sign(&rsa_token(&rsa, "RS256", "rsa1", claims.clone()));
    assert_eq!(rs.status, 200, "{}", rs.text());
    // PS256 is a good signature too, but not among the configured algorithms.
    let ps = sign(&rsa_token(&rsa, "PS256", "rsa1", claims.clone())).assert_problem(401);
    assert!(
        ps["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not accepted")),
        "{ps}"
    );
    // An RS256 token naming the EC key: refused.
    sign(&rsa_token(&rsa, "RS256", "k1", claims)).assert_problem(401);

    // Refused: 401 with the reason, never a 5xx.
    let other = issuer("k1");
    let cases = [
        (
            "expired",
            token(
                &good,
                "k1",
                serde_json::json!({"exp": now() - 3600, "nbf": now() - 7200}),
            ),
        ),
        (
            "another audience",
            token(&good, "k1", serde_json::json!({"aud": "someone-else"})),
        ),
        (
            "another issuer",
            token(
                &good,
                "k1",
                serde_json::json!({"iss": "https://evil.example"}),
            ),
        ),
        ("another key", token(&other, "k1", serde_json::json!({}))),
        ("an unknown kid", token(&good, "k9", serde_json::json!({}))),
        (
            "not yet valid",
            token(&good, "k1", serde_json::json!({"nbf": now() + 3600})),
        ),
        (
            "no sub",
            token(&good, "k1", serde_json::json!({"sub": null})),
        ),
    ];
    for (what, t) in &cases {
        let p = sign(t).assert_problem(401);
        assert_eq!(p["type"], "urn:kyso:problem:unauthorized", "{what}");
    }
    let expired = sign(&cases[0].1).assert_problem(401);
    assert!(
        expired["detail"]
            .as_str()
            .is_some_and(|d| d.contains("expired")),
        "{expired}"
    );
    // alg none: the good token's claims, no signature.
    let claims = ok_claims(&token(&good, "k1", serde_json::json!({})));
    let none = format!(
        "{}.{}.",
        b64url(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#),
        claims
    );
    sign(&none).assert_problem(401);
    // HS256 with the public key's bytes as the secret (key confusion): refused.
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("k1".into());
    let confused = jsonwebtoken::encode(
        &hs,
        &serde_json::json!({"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600, "scope": "sign:agency"}),
        &EncodingKey::from_secret(good.jwk.to_string().as_bytes()),
    )
    .expect("sign");
    sign(&confused).assert_problem(401);

    // Valid, without the scope: 403.
    let weak = token(&good, "k1", serde_json::json!({"scope": "openid verify"}));
    sign(&weak).assert_problem(403);

    // Static tokens still work beside JWTs.
    assert_eq!(sign("tok-static-9c2e").status, 200);

    // The audit log names the JWT's subject and issuer (never the token).
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("the audit log");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let first = &lines[0];
    assert_eq!(first["outcome"], "signed");
    assert_eq!(first["subject"], "nguyen.van.anh@agency.example.gov.vn");
    assert_eq!(first["issuer"], ISSUER);
    assert_eq!(first["token"], serde_json::Value::Null);
    let forbidden = lines
        .iter()
        .find(|l| l["outcome"] == "forbidden")
        .expect("the 403 recorded");
    assert_eq!(forbidden["subject"], "nguyen.van.anh@agency.example.gov.vn");
    assert!(
        lines
            .iter()
            .any(|l| l["subject"] == "registry-bot" && l["outcome"] == "signed"),
        "{log}"
    );
    let last = lines.last().expect("lines");
    assert_eq!(last["token"], "registry");
    assert!(last.get("subject").is_none(), "{last}");
    assert!(!log.contains(&cases[0].1), "a token in the audit log");
}

/// The claims part of a token.
fn ok_claims(token: &str) -> String {
    token.split('.').nth(1).expect("claims").to_string()
}

#[test]
fn an_unusable_jwks_stops_the_start() {
    let dir = tempdir();
    let jwks = dir.path().join("jwks.json");
    for (content, says) in [
        (None, "jwks.json"),
        (Some("{\"keys\": 7}"), "not a JWKS"),
        (
            Some("{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}"),
            "no public signature key",
        ),
    ] {
        match content {
            Some(text) => std::fs::write(&jwks, text).expect("write"),
            None => {
                let _ = std::fs::remove_file(&jwks);
            }
        }
        let config = jwt_config(dir.path(), &jwks);
        let (code, err) = refused_start(serve_command(
            &config,
            &[("KYSO_TEST_KEY_PASSWORD", PASSWORD)],
        ));
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("server.jwt.jwks"), "{err}");
        assert!(err.contains(says), "{says}: {err}");
        assert!(!err.contains("listening"), "{err}");
    }
}
