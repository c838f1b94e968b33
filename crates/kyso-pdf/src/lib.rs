//! kyso-pdf: the PDF side of kyso.
//!
//! A lazy reader ([`Document`]) that parses only the objects it is asked for, an incremental
//! writer that never touches existing bytes, signature discovery with byte-range checks, the
//! preparation of a new signature, the document security store ([`Dss`]), and the analysis of
//! what changed after each signature.

pub mod appearance;
pub mod crypt;
pub mod diff;
mod document;
pub mod dss;
mod error;
pub mod filter;
pub mod layout;
mod object;
mod parse;
pub mod sign;
pub mod signatures;
mod writer;

pub use appearance::{Appearance, Image};
pub use diff::{ChangeReport, Permission, analyze};
pub use document::{Document, Rebuilt, XrefEntry, XrefMap, XrefSection, XrefStyle};
pub use dss::{Dss, DssUpdate, DssWritten, Vri, vri_key};
pub use error::Error;
pub use layout::{Layout, Orphan, RevisionEnd, revision_layout};
pub use object::{Dict, ObjRef, Object, Stream, decode_text, write_object};
pub use parse::{IndirectObject, Parser, decode_hex, parse_indirect};
pub use sign::{PreparedPdf, SignatureRequest, SubFilter, prepare};
pub use signatures::{ByteRangeProblem, CoveredRange, Placement, SignatureInfo, find_signatures};
pub use writer::{IncrementalUpdate, Written};
