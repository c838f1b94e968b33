//! What to canonicalize with.

use crate::method::{Method, method_from_uri};

/// Canonicalization parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The canonicalization method.
    pub method: Method,
    /// Keep comment nodes (the `#WithComments` variants).
    pub with_comments: bool,
    /// The exclusive-C14N InclusiveNamespaces PrefixList: prefixes whose
    /// in-scope declarations are treated as in inclusive C14N. `#default`
    /// (or an empty string) stands for the default namespace. Ignored by the
    /// inclusive methods.
    pub inclusive_prefixes: Vec<String>,
}

impl Options {
    /// Options for `method`, without comments and with an empty PrefixList.
    pub fn new(method: Method) -> Self {
        Options {
            method,
            with_comments: false,
            inclusive_prefixes: Vec::new(),
        }
    }

    /// Options for an XMLDSig algorithm URI, or `None` if the URI is not a
    /// canonicalization method.
    pub fn from_uri(uri: &str) -> Option<Self> {
        method_from_uri(uri)
            .map(|(method, with_comments)| Options::new(method).comments(with_comments))
    }

    /// Sets whether comments are kept.
    #[must_use]
    pub fn comments(mut self, with_comments: bool) -> Self {
        self.with_comments = with_comments;
        self
    }

    /// Sets the InclusiveNamespaces PrefixList from its attribute value: a
    /// whitespace-separated list of prefixes, `#default` for the default
    /// namespace.
    #[must_use]
    pub fn prefix_list(mut self, prefix_list: &str) -> Self {
        self.inclusive_prefixes = prefix_list
            .split_ascii_whitespace()
            .map(str::to_owned)
            .collect();
        self
    }

    /// The XMLDSig algorithm URI of these options.
    pub fn uri(&self) -> &'static str {
        self.method.uri(self.with_comments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_uri_and_prefix_list() {
        let o = Options::from_uri("http://www.w3.org/2001/10/xml-exc-c14n#WithComments")
            .map(|o| o.prefix_list("  ds\txsi #default \n"));
        assert_eq!(
            o,
            Some(Options {
                method: Method::ExcC14n10,
                with_comments: true,
                inclusive_prefixes: vec!["ds".into(), "xsi".into(), "#default".into()],
            })
        );
        assert_eq!(Options::from_uri("http://example.org/"), None);
        assert_eq!(
            Options::new(Method::C14n11).uri(),
            "http://www.w3.org/2006/12/xml-c14n11"
        );
    }
}
