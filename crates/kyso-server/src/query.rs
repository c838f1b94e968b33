//! The verification options of the query string.

use std::sync::Arc;

use kyso::{RevocationPolicy, TrustConfig};

use crate::problem::Problem;

/// The verification options of the query string, applied like the CLI's flags.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct VerifyQuery {
    pub(crate) at: Option<i64>,
    pub(crate) revocation: Option<RevocationPolicy>,
    pub(crate) online: Option<bool>,
}

impl VerifyQuery {
    pub(crate) fn parse(query: Option<&str>) -> Result<VerifyQuery, Problem> {
        let mut q = VerifyQuery::default();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(key)?;
            let value = percent_decode(value)?;
            match key.as_str() {
                "at" => {
                    q.at = Some(
                        kyso::parse_at(&value)
                            .map_err(|e| Problem::bad_query(format!("at={value}: {e}")))?,
                    );
                }
                "revocation" => {
                    q.revocation = Some(value.parse().map_err(|e: kyso::Error| {
                        Problem::bad_query(format!("revocation={value}: {e}"))
                    })?);
                }
                "online" => {
                    q.online = Some(match value.as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => {
                            return Err(Problem::bad_query(format!(
                                "online={value}: expected true or false"
                            )));
                        }
                    });
                }
                other => {
                    return Err(Problem::bad_query(format!(
                        "unknown parameter '{other}' (at, revocation, online)"
                    )));
                }
            }
        }
        Ok(q)
    }

    /// `base` with these options over it; `base` itself when there are none.
    pub(crate) fn apply(&self, base: &Arc<TrustConfig>) -> Arc<TrustConfig> {
        if *self == VerifyQuery::default() {
            return base.clone();
        }
        let mut trust = TrustConfig::clone(base);
        if let Some(at) = self.at {
            trust.at = Some(at);
        }
        if let Some(policy) = self.revocation {
            trust.revocation = policy;
        }
        if let Some(online) = self.online {
            trust.online = online;
        }
        Arc::new(trust)
    }
}

/// `%XX` decoding of one query component; a `+` stays a plus sign (so an unencoded
/// `at=2026-12-03T09:30:00+07:00` means what it says).
pub(crate) fn percent_decode(s: &str) -> Result<String, Problem> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(v) => {
                    out.push(v);
                    i += 3;
                }
                None => {
                    return Err(Problem::bad_query(format!(
                        "'{s}': a % not followed by two hex digits"
                    )));
                }
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Problem::bad_query(format!("'{s}': not UTF-8 once decoded")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn query_parameters() {
        let q = VerifyQuery::parse(Some("at=2026-12-03&revocation=hard&online=false")).unwrap();
        assert_eq!(q.at, kyso::parse_at("2026-12-03").ok());
        assert_eq!(q.revocation, Some(RevocationPolicy::Hard));
        assert_eq!(q.online, Some(false));
        let plus = VerifyQuery::parse(Some("at=2026-12-03T09:30:00+07:00")).unwrap();
        let encoded = VerifyQuery::parse(Some("at=2026-12-03T09%3A30%3A00%2B07%3A00")).unwrap();
        assert_eq!(plus, encoded);
        assert_eq!(plus.at, kyso::parse_at("2026-12-03T02:30:00Z").ok());
        assert_eq!(VerifyQuery::parse(None).unwrap(), VerifyQuery::default());
        for bad in [
            "at=tomorrow",
            "revocation=maybe",
            "online=yes",
            "trust=x",
            "at=%zz",
            "at=%ff",
        ] {
            let p = VerifyQuery::parse(Some(bad)).unwrap_err();
            assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }

    #[test]
    fn options_over_the_configuration() {
        let base = Arc::new(TrustConfig::default());
        assert!(Arc::ptr_eq(&VerifyQuery::default().apply(&base), &base));
        let q = VerifyQuery {
            at: Some(5),
            revocation: Some(RevocationPolicy::Off),
            online: Some(true),
        };
        let t = q.apply(&base);
        assert_eq!(
            (t.at, t.revocation, t.online),
            (Some(5), RevocationPolicy::Off, true)
        );
    }
}
