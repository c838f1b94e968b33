//! Name constraints (RFC 5280 §4.2.1.10): permitted and excluded subtrees of directory
//! names, e-mail addresses, DNS names, URIs and IP addresses, and the check of a
//! certificate's names against every constraint above it in a path.
//!
//! [`NameConstraints`] is parsed with the certificate (and re-exported here); this module
//! holds the path-validation side.

use crate::cert::Certificate;
use crate::general_name::GeneralName;
use crate::name::oids;

pub use crate::name_constraints_ext::NameConstraints;

/// The outcome of checking one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// The name is not in any permitted subtree of its type.
    NotPermitted(GeneralName),
    /// The name is in an excluded subtree.
    Excluded(GeneralName),
}

/// The names of a certificate that constraints apply to: the subject DN (when not empty),
/// every subjectAltName entry, and emailAddress attributes of the subject as e-mail names.
pub fn names_of(cert: &Certificate) -> Vec<GeneralName> {
    let mut names = Vec::new();
    if !cert.subject.is_empty() {
        names.push(GeneralName::Directory(cert.subject.clone()));
    }
    names.extend(cert.subject_alt_names.iter().cloned());
    for email in cert.subject.values(oids::EMAIL) {
        names.push(GeneralName::Email(email.to_string()));
    }
    names
}

/// Checks `names` against each constraint set in `constraints` (one per CA above in the
/// path: a name must satisfy all of them, which is the intersection RFC 5280 §6.1.4 (g)
/// computes).
pub fn check(names: &[GeneralName], constraints: &[&NameConstraints]) -> Result<(), Violation> {
    for nc in constraints {
        for name in names {
            if nc
                .excluded
                .iter()
                .any(|base| within(name, base) == Some(true))
            {
                return Err(Violation::Excluded(name.clone()));
            }
            let mut same_type = nc
                .permitted
                .iter()
                .filter(|b| same_kind(name, b))
                .peekable();
            if same_type.peek().is_some() && !same_type.any(|base| within(name, base) == Some(true))
            {
                return Err(Violation::NotPermitted(name.clone()));
            }
        }
    }
    Ok(())
}

fn same_kind(a: &GeneralName, b: &GeneralName) -> bool {
    match (a, b) {
        (GeneralName::Other { kind: x, .. }, GeneralName::Other { kind: y, .. }) => x == y,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// Whether `name` lies in the subtree `base`; `None` when they are of different types.
pub fn within(name: &GeneralName, base: &GeneralName) -> Option<bool> {
    Some(match (name, base) {
        (GeneralName::Directory(n), GeneralName::Directory(b)) => n.is_within(b),
        (GeneralName::Email(n), GeneralName::Email(b)) => email_within(n, b),
        (GeneralName::Dns(n), GeneralName::Dns(b)) => dns_within(n, b),
        (GeneralName::Uri(n), GeneralName::Uri(b)) => match uri_host(n) {
            Some(host) => host_within(host, b),
            None => false,
        },
        (GeneralName::Ip(n), GeneralName::Ip(b)) => ip_within(n, b),
        (GeneralName::RegisteredId(n), GeneralName::RegisteredId(b)) => n == b,
        (GeneralName::Other { kind: k1, der: n }, GeneralName::Other { kind: k2, der: b }) => {
            if k1 != k2 {
                return None;
            }
            n == b
        }
        _ => return None,
    })
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.is_char_boundary(s.len() - suffix.len())
        && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// A mailbox `local@host` against a constraint: a mailbox (exact), `.domain` (any host
/// below the domain) or `host` (any mailbox on that host).
fn email_within(name: &str, base: &str) -> bool {
    let Some((local, host)) = name.rsplit_once('@') else {
        return false;
    };
    if let Some((b_local, b_host)) = base.rsplit_once('@') {
        return local == b_local && host.eq_ignore_ascii_case(b_host);
    }
    if base.starts_with('.') {
        ends_with_ci(host, base)
    } else {
        host.eq_ignore_ascii_case(base)
    }
}

/// A DNS name against a constraint: the name itself or any name below it; an empty
/// constraint holds every name; a leading dot means below only.
fn dns_within(name: &str, base: &str) -> bool {
    let name = name.trim_end_matches('.');
    let base = base.trim_end_matches('.');
    if base.is_empty() {
        return true;
    }
    if let Some(stripped) = base.strip_prefix('.') {
        return ends_with_ci(name, base) && name.len() > stripped.len() + 1;
    }
    name.eq_ignore_ascii_case(base) || ends_with_ci(name, &format!(".{base}"))
}

/// A URI's host against a constraint: `.domain` means a host below the domain, otherwise
/// the host itself.
fn host_within(host: &str, base: &str) -> bool {
    if base.starts_with('.') {
        ends_with_ci(host, base)
    } else {
        host.eq_ignore_ascii_case(base)
    }
}

/// The host of a URI with an authority part (`scheme://[user@]host[:port]/...`).
fn uri_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    if host.is_empty() { None } else { Some(host) }
}

/// An address against `address ‖ mask` of the same family.
fn ip_within(name: &[u8], base: &[u8]) -> bool {
    if base.len() != name.len() * 2 {
        return false;
    }
    let (addr, mask) = base.split_at(name.len());
    name.iter()
        .zip(addr)
        .zip(mask)
        .all(|((n, a), m)| n & m == a & m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        assert!(email_within("a@example.com", "example.com"));
        assert!(!email_within("a@x.example.com", "example.com"));
        assert!(email_within("a@x.example.com", ".example.com"));
        assert!(email_within("a@EXAMPLE.com", "a@example.com"));
        assert!(!email_within("b@example.com", "a@example.com"));
        assert!(dns_within("www.example.com", "example.com"));
        assert!(dns_within("example.com", "example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert_eq!(uri_host("http://u@host.example:80/x"), Some("host.example"));
        assert_eq!(uri_host("urn:x"), None);
        assert!(ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
    }
}
