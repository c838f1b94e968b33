//! kyso-xml: W3C XML Signature for official documents and e-invoices.
//!
//! [`verify_document`] checks every `Signature` element (references, transforms, digests,
//! SignedInfo and the signature value) and reports what each reference covers; [`sign`] inserts
//! an enveloped signature without re-serializing the document, with the e-invoice profile for
//! `HDon` documents; [`add_signature_timestamp`] adds a XAdES SignatureTimeStamp (level B-T)
//! to a signature afterwards.

pub mod algorithms;
mod canon;
pub mod document;
mod einvoice;
mod error;
mod external;
mod hmac;
pub mod keys;
mod sign;
mod subset;
mod verify;
mod xades;

pub use canon::{canonicalize, canonicalize_subset, is_c14n};
pub use document::{as_text, external_entities, parse, parse_with_entities};
pub use einvoice::{InvoiceParties, normalize_tax_code};
pub use error::Error;
pub use keys::{HmacKey, KeyContext};
pub use sign::{
    C14nChoice, EinvoiceRole, SignedXml, XmlSignOptions, find_invoice, sign, sign_enveloped,
};
pub use verify::{
    BareKey, Covered, Problem, ReferenceOutcome, Severity, SignatureOutcome,
    VIETNAM_OFFSET_MINUTES, signature_elements, verify_document, verify_document_with,
};
pub use xades::{
    COUNTERSIGNED_SIGNATURE, SIGNATURE_TIMESTAMP_C14N, XADES_111_NS, XADES_141_NS, XADES_NS,
    add_signature_timestamp, archive_timestamp_input, archive_timestamps,
    signature_timestamp_input,
};
