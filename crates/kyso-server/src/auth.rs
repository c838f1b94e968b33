//! Bearer tokens: static ones known by their SHA-256 (compared in constant time), and JWTs of
//! an OIDC issuer (`[server.jwt]`), with scopes.

use axum::http::{HeaderMap, StatusCode, header};
use kyso::config::TokenConfig;

use crate::jwt::{JwtCaller, JwtVerifier};
use crate::problem::Problem;

/// What the service knows of bearer tokens.
#[derive(Default)]
pub(crate) struct Auth {
    pub(crate) tokens: Vec<TokenConfig>,
    pub(crate) jwt: Option<JwtVerifier>,
}

/// Who a request's bearer token names.
#[derive(Debug, Clone)]
pub(crate) enum Caller<'a> {
    /// A configured static token.
    Token(&'a TokenConfig),
    /// A valid JWT.
    Jwt(JwtCaller),
}

impl Caller<'_> {
    /// Whether the caller has `scope`.
    pub(crate) fn allows(&self, scope: &str) -> bool {
        match self {
            Caller::Token(t) => t.allows(scope),
            Caller::Jwt(j) => j.scopes.iter().any(|s| s == scope),
        }
    }
}

/// The caller of the request's bearer token: a configured static token whose SHA-256 is the
/// token's, else (with `[server.jwt]`) a valid JWT; `Ok(None)` when the request carries no
/// `Authorization` header, 401 when it carries an unknown or invalid token.
pub(crate) fn authenticate<'a>(
    auth: &'a Auth,
    headers: &HeaderMap,
) -> Result<Option<Caller<'a>>, Problem> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("the Authorization header is not 'Bearer <token>'"))?;
    if let Some(t) = find(&auth.tokens, token) {
        return Ok(Some(Caller::Token(t)));
    }
    match &auth.jwt {
        Some(jwt) if token.split('.').count() == 3 => jwt
            .verify(token)
            .map(|c| Some(Caller::Jwt(c)))
            .map_err(|why| unauthorized(&why)),
        _ => Err(unauthorized("unknown token")),
    }
}

/// The token whose hash is that of `token`. Every configured hash is compared in full (no
/// early exit on a mismatch, nor on a match), so the time taken says nothing about them.
pub(crate) fn find<'a>(tokens: &'a [TokenConfig], token: &str) -> Option<&'a TokenConfig> {
    let digest = kyso::DigestAlgorithm::Sha256.digest(token.as_bytes());
    let mut found = None;
    for t in tokens {
        let mut diff = 0u8;
        for (a, b) in t.sha256.iter().zip(digest.iter()) {
            diff |= a ^ b;
        }
        diff |= u8::from(digest.len() != t.sha256.len());
        if diff == 0 {
            found = Some(t);
        }
    }
    found
}

/// The token of the request, which must have `scope`: 401 without a (known) token, 403
/// without the scope.
pub(crate) fn require<'a>(
    auth: &'a Auth,
    headers: &HeaderMap,
    scope: &str,
) -> Result<Caller<'a>, Problem> {
    let token = authenticate(auth, headers)?
        .ok_or_else(|| unauthorized("this route needs a bearer token (Authorization: Bearer)"))?;
    if token.allows(scope) {
        Ok(token)
    } else {
        Err(forbidden(scope))
    }
}

pub(crate) fn unauthorized(detail: &str) -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Authentication required",
        detail.to_string(),
    )
}

pub(crate) fn forbidden(scope: &str) -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "The token does not allow this",
        format!("the token does not have the scope '{scope}'"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(name: &str, secret: &str, scopes: &[&str]) -> TokenConfig {
        let d = kyso::DigestAlgorithm::Sha256.digest(secret.as_bytes());
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(&d);
        TokenConfig {
            name: name.into(),
            sha256,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn tokens_and_scopes() {
        let tokens = Auth {
            tokens: vec![
                token("a", "secret-a", &["verify"]),
                token("b", "secret-b", &["sign:agency"]),
            ],
            jwt: None,
        };
        let mut h = HeaderMap::new();
        assert!(authenticate(&tokens, &h).unwrap().is_none());
        assert_eq!(
            require(&tokens, &h, "verify").unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        h.insert(header::AUTHORIZATION, "Bearer secret-b".parse().unwrap());
        assert!(matches!(
            require(&tokens, &h, "sign:agency").unwrap(),
            Caller::Token(t) if t.name == "b"
        ));
        assert_eq!(
            require(&tokens, &h, "verify").unwrap_err().status,
            StatusCode::FORBIDDEN
        );
        for bad in ["Bearer secret-c", "Basic secret-a", "Bearer ", "secret-a"] {
            h.insert(header::AUTHORIZATION, bad.parse().unwrap());
            assert_eq!(
                authenticate(&tokens, &h).unwrap_err().status,
                StatusCode::UNAUTHORIZED,
                "{bad}"
            );
        }
    }
}
