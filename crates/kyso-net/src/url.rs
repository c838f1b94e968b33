//! `http://` URL parsing: just what the client needs.

use crate::Error;

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    /// Host as written, without brackets for IPv6 literals.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Path and query, starting with `/`.
    pub(crate) target: String,
    /// True when the host is an IPv6 literal (written in brackets).
    pub(crate) ipv6: bool,
}

impl Url {
    /// Parses an absolute `http://` URL. Fragments are dropped.
    pub(crate) fn parse(url: &str) -> Result<Url, Error> {
        let invalid = |reason: &str| Error::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        if url
            .bytes()
            .any(|b| b.is_ascii_control() || b == b' ' || !b.is_ascii())
        {
            return Err(invalid(
                "contains spaces, control or non-ASCII characters (percent-encode them)",
            ));
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(invalid("not an absolute URL (no scheme://)"));
        };
        if !scheme.eq_ignore_ascii_case("http") {
            let reason = if scheme.eq_ignore_ascii_case("https") {
                "https is not supported (plain http only; OCSP, CRL, caIssuers and most TSAs use http)"
                    .to_owned()
            } else {
                format!("the {scheme:?} scheme is not supported (plain http only)")
            };
            return Err(Error::Unsupported {
                url: url.to_owned(),
                reason,
            });
        }
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(split);
        if authority.contains('@') {
            return Err(Error::Unsupported {
                url: url.to_owned(),
                reason: "credentials in the URL are not supported".to_owned(),
            });
        }
        let (host, port, ipv6) = if let Some(after_bracket) = authority.strip_prefix('[') {
            let Some((host, after)) = after_bracket.split_once(']') else {
                return Err(invalid("unclosed [ in the host"));
            };
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| invalid("junk after the IPv6 address"))?,
                ),
            };
            (host, port, true)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p), false),
                None => (authority, None, false),
            }
        };
        if host.is_empty() {
            return Err(invalid("no host"));
        }
        if ipv6 && host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(invalid("not an IPv6 address between [ and ]"));
        }
        let port = match port {
            None | Some("") => 80,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n != 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return Err(invalid("bad port")),
            },
        };
        let target = if target.starts_with('/') {
            target.to_owned()
        } else {
            format!("/{target}")
        };
        Ok(Url {
            host: host.to_owned(),
            port,
            target,
            ipv6,
        })
    }

    /// `host:port` for messages (brackets around IPv6 literals).
    pub(crate) fn authority(&self) -> String {
        if self.ipv6 {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The `Host` header value: the port only when it is not 80.
    pub(crate) fn host_header(&self) -> String {
        let host = if self.ipv6 {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The URL back as a string.
    pub(crate) fn to_url_string(&self) -> String {
        format!("http://{}{}", self.host_header(), self.target)
    }

    /// Resolves a `Location` header against this URL.
    pub(crate) fn join(&self, location: &str) -> Result<Url, Error> {
        let location = location.trim();
        if location.contains("://") {
            return Url::parse(location);
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Url::parse(&format!("http://{rest}"));
        }
        let target = if location.starts_with('/') {
            location.to_owned()
        } else if let Some(query) = location.strip_prefix('?') {
            let path = self.target.split('?').next().unwrap_or("/");
            format!("{path}?{query}")
        } else {
            let path = self.target.split('?').next().unwrap_or("/");
            let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
            format!("{dir}/{location}")
        };
        Url::parse(&format!("http://{}{target}", self.host_header()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_ports_and_targets() {
        let u = Url::parse("http://127.0.0.1:8319/").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("127.0.0.1", 8319, "/")
        );
        let u = Url::parse("HTTP://Example.org").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("Example.org", 80, "/")
        );
        assert_eq!(u.host_header(), "Example.org");
        let u = Url::parse("http://[::1]:8080/a/b?c=d#frag").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("::1", 8080, "/a/b?c=d")
        );
        assert_eq!(u.authority(), "[::1]:8080");
        assert_eq!(u.to_url_string(), "http://[::1]:8080/a/b?c=d");
        let u = Url::parse("http://host?x=1").unwrap();
        assert_eq!(u.target, "/?x=1");
    }

    #[test]
    fn rejects_what_it_cannot_do() {
        for (url, unsupported) in [
            ("https://tsa.example/", true),
            ("ftp://x/", true),
            ("http://user:pw@x/", true),
            ("http:///path", false),
            ("http://x:99999/", false),
            ("http://x:-1/", false),
            ("http://x:+80/", false),
            ("http://[::1/", false),
            ("http://[zz]/", false),
            ("http://x/a b", false),
            ("x/y", false),
            ("", false),
        ] {
            match Url::parse(url) {
                Err(Error::Unsupported { url: u, .. }) if unsupported => assert_eq!(u, url),
                Err(Error::InvalidUrl { .. }) if !unsupported => {}
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[test]
    fn joins_locations() {
        let base = Url::parse("http://h:81/dir/file?q").unwrap();
        let j = |l: &str| base.join(l).unwrap().to_url_string();
        assert_eq!(j("/abs"), "http://h:81/abs");
        assert_eq!(j("rel.crl"), "http://h:81/dir/rel.crl");
        assert_eq!(j("?z"), "http://h:81/dir/file?z");
        assert_eq!(j("//other/x"), "http://other/x");
        assert_eq!(j("http://third:9/"), "http://third:9/");
        assert!(matches!(
            base.join("https://secure/"),
            Err(Error::Unsupported { .. })
        ));
    }
}
