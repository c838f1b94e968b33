//! XML signing: generic enveloped signatures and the e-invoice profile.

use kyso_pki::{Credential, DigestAlgorithm, time};
use kyso_xml::{C14nChoice, EinvoiceRole, XmlSignOptions};

use crate::Error;
use crate::pdf_sign::check_credential;

/// How to sign an XML document.
#[derive(Debug, Clone)]
pub struct XmlSignRequest {
    /// Digest; default SHA-256.
    pub digest: Option<DigestAlgorithm>,
    /// Canonicalization for generic documents (e-invoices always use inclusive C14N 1.0).
    pub c14n: C14nChoice,
    /// E-invoice role: seller (default), buyer or tax authority.
    pub role: EinvoiceRole,
    /// Signing time; default now.
    pub signing_time: Option<time::UnixTime>,
    /// Zone of the written SigningTime, minutes east of UTC (Vietnam: 420).
    pub utc_offset_minutes: i32,
}

impl Default for XmlSignRequest {
    fn default() -> Self {
        XmlSignRequest {
            digest: None,
            c14n: C14nChoice::Inclusive,
            role: EinvoiceRole::Seller,
            signing_time: None,
            utc_offset_minutes: 420,
        }
    }
}

/// Signs an XML document held in memory; every byte outside the inserted signature is kept.
pub fn sign_xml(input: &[u8], cred: &Credential, req: &XmlSignRequest) -> Result<Vec<u8>, Error> {
    let now = req.signing_time.unwrap_or_else(time::now);
    check_credential(cred, now)?;
    let text = kyso_xml::as_text(input)?;
    let opts = XmlSignOptions {
        digest: req.digest.unwrap_or_else(|| cred.key.default_digest()),
        c14n: req.c14n,
        role: req.role,
        signing_time: now,
        utc_offset_minutes: req.utc_offset_minutes,
    };
    Ok(kyso_xml::sign(text, cred, &opts)?.into_bytes())
}

/// Which canonical form `kyso c14n` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum C14nForm {
    /// Canonical XML 1.0.
    Inclusive10,
    /// Canonical XML 1.1.
    Inclusive11,
    /// Exclusive XML Canonicalization 1.0.
    Exclusive,
}

/// Canonicalizes a whole XML document.
pub fn canonicalize_xml(
    input: &[u8],
    form: C14nForm,
    with_comments: bool,
    inclusive_prefixes: &[String],
) -> Result<Vec<u8>, Error> {
    let text = kyso_xml::as_text(input)?;
    let doc = kyso_xml::parse(text)?;
    let base = match form {
        C14nForm::Inclusive10 => "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        C14nForm::Inclusive11 => "http://www.w3.org/2006/12/xml-c14n11",
        C14nForm::Exclusive => "http://www.w3.org/2001/10/xml-exc-c14n#",
    };
    let uri = match (form, with_comments) {
        (_, false) => base.to_string(),
        (C14nForm::Exclusive, true) => format!("{base}WithComments"),
        (_, true) => format!("{base}#WithComments"),
    };
    Ok(kyso_xml::canonicalize(
        &doc,
        None,
        None,
        &uri,
        true,
        inclusive_prefixes,
    )?)
}
