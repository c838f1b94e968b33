//! XML: enveloped XML signatures (generic documents and the e-invoice profile), signing and
//! verification.

pub(crate) mod sign;
pub(crate) mod verify;
