//! kyso-xml: W3C XML Signature for official documents and e-invoices.
//!
//! [`verify_document`] checks every `Signature` element (references, transforms, digests,
//! SignedInfo and the signature value) and reports what each reference covers; [`sign`] inserts
//! an enveloped signature without re-serializing the document, with the e-invoice profile for
//! `HDon` documents.

pub mod algorithms;
mod canon;
pub mod document;
mod error;
mod sign;
mod verify;

pub use canon::{canonicalize, is_c14n};
pub use document::{as_text, parse};
pub use error::Error;
pub use sign::{C14nChoice, EinvoiceRole, XmlSignOptions, find_invoice, sign};
pub use verify::{
    Covered, Problem, ReferenceOutcome, Severity, SignatureOutcome, signature_elements,
    verify_document,
};
