//! The crate's error type.

/// Everything that can go wrong while parsing or canonicalizing.
///
/// Canonicalization never panics; any input it cannot process faithfully is
/// reported here instead of producing output that a verifier would silently
/// disagree with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The XML text is not a well-formed, namespace-well-formed document, or it
    /// hit one of roxmltree's own limits (entity loops, node count, ...).
    #[error("XML parse error: {0}")]
    Parse(#[from] roxmltree::Error),

    /// The document declares a DTD but [`ParseOptions::allow_dtd`](crate::ParseOptions::allow_dtd)
    /// is off.
    #[error("the document has a DTD, which is not allowed here")]
    DtdNotAllowed,

    /// Entity references could expand the document beyond
    /// [`ParseOptions::max_expanded_len`](crate::ParseOptions::max_expanded_len).
    #[error("entity expansion could reach {bound} bytes, more than the limit of {limit}")]
    ExpansionLimit {
        /// Upper bound of the expanded size, computed before parsing.
        bound: u64,
        /// The configured limit.
        limit: u64,
    },

    /// The internal DTD subset could not be read (attribute-list or entity
    /// declarations canonicalization needs).
    #[error("internal DTD subset: {0}")]
    Dtd(String),

    /// Entity references in a DTD default value nest deeper than the limit.
    #[error("entity references nest deeper than {limit} levels")]
    EntityDepth {
        /// The nesting limit.
        limit: usize,
    },

    /// An XPath expression is malformed, unsupported, or exceeded a limit.
    #[error("XPath: {0}")]
    XPath(String),

    /// The in-scope namespace bindings roxmltree would materialize exceed
    /// [`ParseOptions::max_namespace_bindings`](crate::ParseOptions::max_namespace_bindings).
    #[error(
        "the document could need {bound} in-scope namespace bindings, more than the limit of {limit}"
    )]
    NamespaceLimit {
        /// Upper bound computed before parsing.
        bound: u64,
        /// The configured limit.
        limit: u64,
    },

    /// A namespace declaration uses a relative URI. Canonical XML requires
    /// implementations to fail on such documents (C14N 1.0 §2.3, C14N 1.1 §2.4).
    #[error("namespace {prefix} is bound to the relative URI {uri:?}")]
    RelativeNamespaceUri {
        /// `xmlns` or `xmlns:prefix`.
        prefix: String,
        /// The declared value.
        uri: String,
    },

    /// A namespace declaration's value is not a URI at all (RFC 3986).
    #[error("namespace {prefix} is bound to {uri:?}, which is not a valid URI")]
    InvalidNamespaceUri {
        /// `xmlns` or `xmlns:prefix`.
        prefix: String,
        /// The declared value.
        uri: String,
    },

    /// The apex of a [`NodeSet`](crate::NodeSet) must be the document root or an element.
    #[error("a node-set apex must be the document root or an element, not a {0:?} node")]
    UnsupportedApex(roxmltree::NodeType),

    /// The excluded node of a [`NodeSet`](crate::NodeSet) belongs to another document.
    #[error("the excluded node belongs to a different document than the apex")]
    ForeignNode,

    /// The prefix an element or attribute was written with could not be
    /// recovered from the source text, and its namespace URI is bound to
    /// several prefixes, so there is no unambiguous way to print it.
    #[error("cannot recover the namespace prefix of {name:?}")]
    UnresolvedPrefix {
        /// Local name of the element or attribute.
        name: String,
    },
}
