//! kyso-cms: CMS SignedData for document signatures.
//!
//! [`SignedData::parse`] reads what any signer produced (DER, or BER with indefinite lengths),
//! keeping the exact bytes each signature covers; [`build_detached`] writes a CAdES-baseline
//! detached signature (contentType, messageDigest, signing-certificate-v2, optional signingTime).
//! [`tsp`] requests, parses and verifies RFC 3161 time-stamps; [`add_signature_timestamp`]
//! turns a signature into CAdES B-T.

mod builder;
mod error;
pub mod oids;
mod signed_data;
pub mod tsp;

pub use builder::{BuildOptions, assemble, build_detached, signed_attributes, size_estimate};
pub use error::Error;
pub use signed_data::{
    Attribute, SignedData, SignerIdentifier, SignerInfo, add_unsigned_attribute, signature_value,
};
pub use tsp::{
    TimestampRequest, TimestampResponse, TimestampToken, TspError, VerifiedTimestamp,
    add_signature_timestamp,
};
