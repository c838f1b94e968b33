//! kyso-c14n: W3C XML canonicalization for XML signatures.
//!
//! Implements [Canonical XML 1.0], [Canonical XML 1.1] and [Exclusive XML
//! Canonicalization 1.0], each with and without comments, over documents
//! parsed by [roxmltree], for the node-sets XMLDSig references produce: a
//! whole document, the subtree of one element, either of them minus one
//! excluded subtree (the enveloped-signature transform). See [`NodeSet`].
//!
//! The output is byte-for-byte what libxml2 (`xmllint --c14n`, lxml, xmlsec)
//! produces for the same node-set, including where libxml2 reads the
//! specifications in its own way; the crate documentation of each rule says
//! so where it matters.
//!
//! ```
//! use kyso_c14n::{NodeSet, Options, ParseOptions, canonicalize, parse};
//!
//! let xml = r#"<HDon><DLHDon Id="data"><TTChung><THDon>Hóa đơn</THDon></TTChung></DLHDon>
//! <DSCKS><NBan><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/></NBan></DSCKS></HDon>"#;
//! let doc = parse(xml, &ParseOptions::default())?;
//! let data = doc
//!     .descendants()
//!     .find(|n| n.attribute("Id") == Some("data"))
//!     .ok_or("no Id")?;
//! let options = Options::from_uri("http://www.w3.org/TR/2001/REC-xml-c14n-20010315").ok_or("uri")?;
//! let bytes = canonicalize(&NodeSet::subtree(data), &options)?;
//! assert_eq!(bytes, "<DLHDon Id=\"data\"><TTChung><THDon>Hóa đơn</THDon></TTChung></DLHDon>".as_bytes());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Following libxml2 where it reads the specifications its own way
//!
//! * Namespace declarations are written verbatim: a namespace URI containing
//!   `&` (valid in a URI) comes out as `&`, where the specifications would
//!   escape it as `&amp;` like any attribute value.
//! * Canonical XML 1.1 drops an empty `xml:base`, and when joining the
//!   `xml:base` values of omitted ancestors it appends `/` to a value whose
//!   last-but-one character is `.` and resolves with libxml2's `xmlBuildURI`
//!   path normalization.
//! * Exclusive C14N with `#default` in the PrefixList renders `xmlns=""` on
//!   the first output element where the empty default namespace is in scope
//!   (libxml2 2.9; libxml2 2.14 renders it where it is first utilized).
//! * Relative namespace URIs and namespace values that are not URIs at all
//!   are errors, for every element of the document, also outside the
//!   node-set.
//!
//! # Limitations
//!
//! * Attribute defaults and non-`CDATA` attribute normalization of the
//!   internal DTD subset are applied (C14N 1.0 §3.3, §3.4; a bounded reader,
//!   only for documents that have an internal subset), but not defaulted
//!   namespace declarations (`<!ATTLIST e xmlns:p CDATA "...">`), which
//!   roxmltree does not know of (libxml2 applies those always). External
//!   subsets and parameter entities are never read.
//! * roxmltree rejects element names with the `xml:` prefix, and reads
//!   character references that produce markup inside an entity value
//!   (`<!ENTITY e "&#60;x/>">`) as text.
//! * External entities are never resolved by [`parse()`]; a document that
//!   references one fails to parse. A caller may parse with its own
//!   roxmltree resolver.
//! * Node-sets are limited to the shapes of [`NodeSet`]; arbitrary XPath
//!   node-sets are not supported.
//! * The C14N 1.1 `xml:base` join reproduces libxml2 for ASCII URIs;
//!   percent-encoding is normalized the way libxml2 2.9 does, other exotic
//!   inputs may differ.
//! * The cost is linear in the number of elements times the number of
//!   namespaces in scope; [`parse()`] bounds the latter.
//!
//! [Canonical XML 1.0]: https://www.w3.org/TR/2001/REC-xml-c14n-20010315
//! [Canonical XML 1.1]: https://www.w3.org/TR/2008/REC-xml-c14n11-20080502/
//! [Exclusive XML Canonicalization 1.0]: https://www.w3.org/TR/2002/REC-xml-exc-c14n-20020718/

mod attributes;
mod canonicalize;
mod dtd;
mod error;
mod escape;
mod method;
mod namespaces;
mod node_set;
mod ns_stack;
mod options;
mod parse;
mod qname;
mod uri;
pub mod xpath;

pub use canonicalize::{canonicalize, canonicalize_into};
pub use error::Error;
pub use method::{
    C14N10_URI, C14N10_WITH_COMMENTS_URI, C14N11_URI, C14N11_WITH_COMMENTS_URI, EXC_C14N10_URI,
    EXC_C14N10_WITH_COMMENTS_URI, Method, method_from_uri, method_uri,
};
pub use node_set::{NodeSet, Selection};
pub use options::Options;
pub use parse::{ParseOptions, parse, parse_with_resolver};
pub use roxmltree;
