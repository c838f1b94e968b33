//! XML signing: generic enveloped signatures and the e-invoice profile, at level B-B or, with
//! a XAdES SignatureTimeStamp, B-T.

use kyso_pki::{Credential, DigestAlgorithm, time};
use kyso_xml::{C14nChoice, EinvoiceRole, XmlSignOptions};

use crate::Error;
use crate::pdf::sign::{LevelServices, PadesLevel, check_credential};
use crate::trust::tsa::TsaError;

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
    /// Level: B-B, or B-T (a XAdES SignatureTimeStamp; use [`sign_xml_at_level`] with a TSA).
    /// B-LT and B-LTA are not made for XML.
    pub level: PadesLevel,
}

impl Default for XmlSignRequest {
    fn default() -> Self {
        XmlSignRequest {
            digest: None,
            c14n: C14nChoice::Inclusive,
            role: EinvoiceRole::Seller,
            signing_time: None,
            utc_offset_minutes: 420,
            level: PadesLevel::BaselineB,
        }
    }
}

/// Why an XML signature cannot be made at `level` (B-LT and B-LTA), or `None`.
pub fn xml_level_unsupported(level: PadesLevel) -> Option<String> {
    (level >= PadesLevel::BaselineLt).then(|| {
        format!(
            "level {} is not available for XML: XML signatures are made at b-b or b-t (XAdES SignatureTimeStamp); kyso does not write XAdES validation data or archive time-stamps",
            level.as_str()
        )
    })
}

/// Whether an XML document is a Vietnamese e-invoice (an `HDon` element: the root, or inside
/// a `TDiep` message), which is signed with the e-invoice profile (a role's DSCKS slot,
/// Canonical XML 1.0); `false` for any other document, or one that does not parse.
pub fn is_einvoice(input: &[u8]) -> bool {
    let Ok(text) = kyso_xml::as_text(input) else {
        return false;
    };
    kyso_xml::parse(text).is_ok_and(|doc| kyso_xml::find_invoice(&doc).is_some())
}

/// Signs an XML document held in memory at B-B (`req.level` must be B-B); every byte outside
/// the inserted signature is kept.
pub fn sign_xml(input: &[u8], cred: &Credential, req: &XmlSignRequest) -> Result<Vec<u8>, Error> {
    if let Some(why) = xml_level_unsupported(req.level) {
        return Err(Error::Invalid(why));
    }
    if req.level.needs_tsa() {
        return Err(Error::Invalid(format!(
            "XAdES {} needs a time-stamping authority",
            req.level.as_str()
        )));
    }
    Ok(sign_xml_inner(input, cred, req)?.xml.into_bytes())
}

/// Signs an XML document at `req.level`: B-B, or B-T, where the signature's canonical
/// `ds:SignatureValue` (exclusive C14N) is time-stamped by `services.tsa` (same digest as the
/// signature) and the token is added as an unsigned XAdES SignatureTimeStamp inside the
/// signature. B-LT and B-LTA are refused. Nothing is returned unless every step succeeded.
pub fn sign_xml_at_level(
    input: &[u8],
    cred: &Credential,
    req: &XmlSignRequest,
    services: &LevelServices<'_>,
) -> Result<Vec<u8>, Error> {
    if let Some(why) = xml_level_unsupported(req.level) {
        return Err(Error::Invalid(why));
    }
    let tsa = match (req.level.needs_tsa(), services.tsa) {
        (false, _) => None,
        (true, Some(t)) => Some(t),
        (true, None) => return Err(TsaError::NotConfigured.into()),
    };
    let signed = sign_xml_inner(input, cred, req)?;
    let Some(tsa) = tsa else {
        return Ok(signed.xml.into_bytes());
    };
    let c14n = kyso_xml::SIGNATURE_TIMESTAMP_C14N;
    let covered = kyso_xml::signature_timestamp_input(&signed.xml, &signed.signature_id, c14n)?;
    let digest = req.digest.unwrap_or_else(|| cred.key.default_digest());
    // The client checks the answer: granted, signed by a TSA certificate, over these octets,
    // with the request's nonce and policy.
    let verified = tsa.timestamp_data(digest, &covered)?;
    let stamped = kyso_xml::add_signature_timestamp(
        &signed.xml,
        &signed.signature_id,
        c14n,
        &verified.token_der,
    )?;
    Ok(stamped.into_bytes())
}

fn sign_xml_inner(
    input: &[u8],
    cred: &Credential,
    req: &XmlSignRequest,
) -> Result<kyso_xml::SignedXml, Error> {
    let now = req.signing_time.unwrap_or_else(time::now);
    check_credential(cred, now)?;
    let text = kyso_xml::as_text(input)?;
    let digest = req.digest.unwrap_or_else(|| cred.key.default_digest());
    cred.key
        .supports(digest)
        .map_err(|e| Error::UnsupportedKey(e.to_string()))?;
    let opts = XmlSignOptions {
        digest,
        c14n: req.c14n,
        role: req.role,
        signing_time: now,
        utc_offset_minutes: req.utc_offset_minutes,
    };
    Ok(kyso_xml::sign_enveloped(text, cred, &opts)?)
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
    canonicalize_xml_with(input, form, with_comments, inclusive_prefixes, None, None)
}

/// Like [`canonicalize_xml`], for the document subset the XPath 1.0 expression `subset` selects
/// (evaluated at the document root, e.g. `(//. | //@* | //namespace::*)[not(self::comment())]`);
/// `namespaces` bind the prefixes the expression uses (those of the document element are bound
/// too). Comments are output when selected and `with_comments` is set.
pub fn canonicalize_xml_subset(
    input: &[u8],
    form: C14nForm,
    with_comments: bool,
    inclusive_prefixes: &[String],
    subset: &str,
    namespaces: &[(String, String)],
) -> Result<Vec<u8>, Error> {
    canonicalize_xml_with(
        input,
        form,
        with_comments,
        inclusive_prefixes,
        Some((subset, namespaces)),
        None,
    )
}

/// [`canonicalize_xml`] or, with `subset` (expression, prefix bindings),
/// [`canonicalize_xml_subset`]; with `allow_external`, the external parsed entities the
/// internal DTD subset declares are read from that directory (relative file URIs inside it
/// only, as `--allow-external` for references). Without it they are never read and a
/// document that uses one is refused.
pub fn canonicalize_xml_with(
    input: &[u8],
    form: C14nForm,
    with_comments: bool,
    inclusive_prefixes: &[String],
    subset: Option<(&str, &[(String, String)])>,
    allow_external: Option<&std::path::Path>,
) -> Result<Vec<u8>, Error> {
    let text = kyso_xml::as_text(input)?;
    let entities = match allow_external {
        Some(dir) => kyso_xml::external_entities(text, dir)?,
        None => Vec::new(),
    };
    let resolver = |_public: Option<&str>, uri: &str| -> Result<Option<&str>, String> {
        Ok(entities
            .iter()
            .find(|(u, _)| u == uri)
            .map(|(_, t)| t.as_str()))
    };
    let doc = if allow_external.is_some() {
        kyso_xml::parse_with_entities(text, &resolver)?
    } else {
        kyso_xml::parse(text)?
    };
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
    Ok(match subset {
        None => kyso_xml::canonicalize(&doc, None, None, &uri, true, inclusive_prefixes)?,
        Some((expr, namespaces)) => {
            kyso_xml::canonicalize_subset(&doc, expr, namespaces, &uri, inclusive_prefixes)?
        }
    })
}
