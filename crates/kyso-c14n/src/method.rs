//! Canonicalization methods and their XMLDSig algorithm identifiers.

/// Canonical XML 1.0 without comments.
pub const C14N10_URI: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// Canonical XML 1.0 with comments.
pub const C14N10_WITH_COMMENTS_URI: &str =
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
/// Canonical XML 1.1 without comments.
pub const C14N11_URI: &str = "http://www.w3.org/2006/12/xml-c14n11";
/// Canonical XML 1.1 with comments.
pub const C14N11_WITH_COMMENTS_URI: &str = "http://www.w3.org/2006/12/xml-c14n11#WithComments";
/// Exclusive XML Canonicalization 1.0 without comments.
pub const EXC_C14N10_URI: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Exclusive XML Canonicalization 1.0 with comments.
pub const EXC_C14N10_WITH_COMMENTS_URI: &str =
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

/// A W3C canonicalization method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// Canonical XML 1.0 (REC-xml-c14n-20010315).
    C14n10,
    /// Canonical XML 1.1 (REC-xml-c14n11-20080502).
    C14n11,
    /// Exclusive XML Canonicalization 1.0 (REC-xml-exc-c14n-20020718).
    ExcC14n10,
}

impl Method {
    /// The XMLDSig algorithm URI of this method, with or without comments.
    pub const fn uri(self, with_comments: bool) -> &'static str {
        method_uri(self, with_comments)
    }

    /// Whether this is the exclusive method (the only one that uses an
    /// InclusiveNamespaces PrefixList).
    pub const fn is_exclusive(self) -> bool {
        matches!(self, Method::ExcC14n10)
    }
}

/// Maps an XMLDSig `Algorithm` URI to a method and whether comments are kept.
///
/// Returns `None` for anything that is not one of the six canonicalization
/// URIs. The comparison is exact, as XMLDSig requires.
pub fn method_from_uri(uri: &str) -> Option<(Method, bool)> {
    match uri {
        C14N10_URI => Some((Method::C14n10, false)),
        C14N10_WITH_COMMENTS_URI => Some((Method::C14n10, true)),
        C14N11_URI => Some((Method::C14n11, false)),
        C14N11_WITH_COMMENTS_URI => Some((Method::C14n11, true)),
        EXC_C14N10_URI => Some((Method::ExcC14n10, false)),
        EXC_C14N10_WITH_COMMENTS_URI => Some((Method::ExcC14n10, true)),
        _ => None,
    }
}

/// The XMLDSig algorithm URI of `method`, the reverse of [`method_from_uri`].
pub const fn method_uri(method: Method, with_comments: bool) -> &'static str {
    match (method, with_comments) {
        (Method::C14n10, false) => C14N10_URI,
        (Method::C14n10, true) => C14N10_WITH_COMMENTS_URI,
        (Method::C14n11, false) => C14N11_URI,
        (Method::C14n11, true) => C14N11_WITH_COMMENTS_URI,
        (Method::ExcC14n10, false) => EXC_C14N10_URI,
        (Method::ExcC14n10, true) => EXC_C14N10_WITH_COMMENTS_URI,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        for method in [Method::C14n10, Method::C14n11, Method::ExcC14n10] {
            for comments in [false, true] {
                let uri = method_uri(method, comments);
                assert_eq!(method_from_uri(uri), Some((method, comments)), "{uri}");
                assert_eq!(method.uri(comments), uri);
            }
        }
        assert_eq!(
            method_from_uri("http://www.w3.org/2001/10/xml-exc-c14n"),
            None
        );
        assert_eq!(method_from_uri(""), None);
    }
}
