//! kyso-pdf: the PDF side of kyso.
//!
//! A lazy reader ([`Document`]) that parses only the objects it is asked for, an incremental
//! writer that never touches existing bytes, signature discovery with byte-range checks, the
//! preparation of a new signature, the document security store ([`Dss`]), the analysis of
//! what changed after each signature, and embedded TrueType text for visible signatures
//! ([`Font`], [`TextEncoder`]).

pub mod appearance;
mod content;
pub mod crypt;
pub mod diff;
mod document;
pub mod dss;
mod error;
pub mod filter;
pub mod font;
pub mod layout;
mod object;
mod parse;
pub mod sign;
pub mod signatures;
pub mod text;
mod writer;

pub use appearance::{Align, Appearance, FieldFill, Image, Mark, PageGeometry, TextBlock};
pub use diff::{ChangeReport, Permission, analyze};
pub use document::{Document, Rebuilt, XrefEntry, XrefMap, XrefSection, XrefStyle};
pub use dss::{Dss, DssUpdate, DssWritten, Vri, vri_key};
pub use error::Error;
pub use font::{Font, TextEncoder};
pub use layout::{Layout, Orphan, RevisionEnd, revision_layout};
pub use object::{Dict, ObjRef, Object, Stream, decode_text, write_object};
pub use parse::{IndirectObject, Parser, decode_hex, parse_indirect};
pub use sign::{PreparedPdf, SignatureRequest, SubFilter, prepare};
pub use signatures::{ByteRangeProblem, CoveredRange, Placement, SignatureInfo, find_signatures};
pub use text::{TextMatch, find_text, page_lines, rect_above};
pub use writer::{IncrementalUpdate, Written};
