//! Object identifiers used in CMS and CAdES.

pub const DATA: &str = "1.2.840.113549.1.7.1";
pub const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub const SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
pub const SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
pub const SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
pub const SIGNATURE_TIME_STAMP: &str = "1.2.840.113549.1.9.16.2.14";
/// id-ct-TSTInfo: the eContentType of a time-stamp token (RFC 3161).
pub const TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
/// id-kp-timeStamping: the one extended key usage of a TSA certificate.
pub const KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
/// The extendedKeyUsage certificate extension.
pub const EXTENDED_KEY_USAGE: &str = "2.5.29.37";
