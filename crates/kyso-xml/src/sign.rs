//! Enveloped XML signatures, inserted without re-serializing the document: every byte outside
//! the inserted element stays as it was.
//!
//! Generic documents get `Reference URI=""` with the enveloped-signature transform, as the last
//! child of the root element, written with the `ds:` prefix. E-invoices (`HDon`, also inside a
//! `TDiep` message) get the tax authority's profile and form: the signature goes into
//! `DSCKS/NBan`, `DSCKS/NMua` or `DSCKS/CQT` as `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"
//! Id="…">` (the default namespace, as real invoices write it), with a Reference to
//! `#<DLHDon Id>` and a second Reference to `Object Id="…"` holding
//! `SignatureProperties/SignatureProperty Target="#<signature Id>"/SigningTime`, all of them
//! XML-DSig elements by inheriting the default namespace.

use roxmltree::{Document, Node};

use kyso_pki::{Credential, DigestAlgorithm, base64, time};

use crate::Error;
use crate::algorithms::{self, C14N10, DSIG_NS, ENVELOPED, EXC_C14N};
use crate::canon;
use crate::document::{IdIndex, dsig_child, id_of, parse};

/// Which canonicalization to use for SignedInfo and references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum C14nChoice {
    /// Canonical XML 1.0 (the e-invoice profile requires it).
    Inclusive,
    /// Exclusive XML Canonicalization 1.0.
    Exclusive,
}

/// Who signs an e-invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EinvoiceRole {
    Seller,
    Buyer,
    Tax,
}

impl EinvoiceRole {
    fn container(self) -> &'static str {
        match self {
            EinvoiceRole::Seller => "NBan",
            EinvoiceRole::Buyer => "NMua",
            EinvoiceRole::Tax => "CQT",
        }
    }
}

/// How to sign.
#[derive(Debug, Clone)]
pub struct XmlSignOptions {
    pub digest: DigestAlgorithm,
    pub c14n: C14nChoice,
    /// For e-invoices: which DSCKS child receives the signature (default seller).
    pub role: EinvoiceRole,
    pub signing_time: time::UnixTime,
    /// Zone of the written SigningTime, minutes east of UTC (Vietnam: 420).
    pub utc_offset_minutes: i32,
}

/// Where the signature goes and what it references.
struct Plan {
    /// Byte offset where the signature text is inserted.
    at: usize,
    /// Text before and after the Signature element (wrappers such as `<DSCKS><NBan>`).
    before: String,
    after: String,
    /// For a self-closing target element `<X/>`: its range, rewritten as `<X>…</X>`.
    self_closing: Option<(usize, usize, String)>,
    /// `None`: URI="" (whole document); `Some(id)`: URI="#id" (e-invoice data).
    data_id: Option<String>,
    einvoice: bool,
    /// Namespace declarations in scope where the signature goes (` xmlns:p="…"`), redeclared on
    /// the Signature so that verifiers canonicalizing it out of context (signxml) agree.
    scope: String,
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Finds the e-invoice `HDon` element: the root, or the first `TDiep/DLieu/HDon` of a message.
pub fn find_invoice<'a, 'i>(doc: &'a Document<'i>) -> Option<Node<'a, 'i>> {
    let root = doc.root_element();
    if root.tag_name().name() == "HDon" {
        return Some(root);
    }
    if root.tag_name().name() == "TDiep" {
        // Where a reader takes invoices: TDiep/DLieu/HDon.
        return root
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "DLieu")
            .flat_map(|d| d.children())
            .find(|n| n.is_element() && n.tag_name().name() == "HDon");
    }
    None
}

/// The position just before an element's end tag, or `None` for a self-closing element.
pub(crate) fn before_end_tag(text: &str, node: &Node<'_, '_>) -> Option<usize> {
    let r = node.range();
    let slice = text.get(r.clone())?;
    if slice.ends_with("/>") && !slice.contains("</") {
        return None;
    }
    slice.rfind("</").map(|p| r.start + p)
}

fn plan(text: &str, doc: &Document<'_>, opts: &XmlSignOptions) -> Result<Plan, Error> {
    let Some(hdon) = find_invoice(doc) else {
        // Another enveloped signature over the whole document would break an existing one.
        let covers_all = crate::verify::signature_elements(doc).iter().any(|s| {
            s.descendants().any(|n| {
                n.is_element()
                    && n.tag_name().name() == "Reference"
                    && n.attribute("URI").is_none_or(|u| u.is_empty())
            })
        });
        if covers_all {
            return Err(Error::CannotSign(
                "an existing signature covers the whole document (Reference URI=\"\"); another enveloped signature would invalidate it".into(),
            ));
        }
        let root = doc.root_element();
        return Ok(match before_end_tag(text, &root) {
            Some(at) => Plan {
                at,
                before: String::new(),
                after: String::new(),
                self_closing: None,
                data_id: None,
                einvoice: false,
                scope: scope_of(&root, true),
            },
            None => {
                let r = root.range();
                let open = text
                    .get(r.start..r.end - 2)
                    .unwrap_or("")
                    .trim_end()
                    .to_string();
                let close = format!("</{}>", qualified_name(text, &root));
                Plan {
                    at: r.end,
                    before: String::new(),
                    after: String::new(),
                    self_closing: Some((r.start, r.end, format!("{open}>\u{0}{close}"))),
                    data_id: None,
                    einvoice: false,
                    scope: scope_of(&root, true),
                }
            }
        });
    };
    let data = hdon
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "DLHDon")
        .ok_or_else(|| Error::CannotSign("the invoice has no DLHDon element".into()))?;
    let data_id = id_of(&data)
        .ok_or_else(|| Error::CannotSign("DLHDon has no Id attribute to reference".into()))?
        .to_string();
    let ids = IdIndex::build(doc);
    ids.get(doc, &data_id)?; // a duplicated Id is refused
    let container = opts.role.container();
    let dscks = hdon
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "DSCKS");
    let einvoice_plan = |at, before: &str, after: &str, self_closing, scope: String| Plan {
        at,
        before: before.to_string(),
        after: after.to_string(),
        self_closing,
        data_id: Some(data_id.clone()),
        einvoice: true,
        scope,
    };
    let Some(dscks) = dscks else {
        let at =
            before_end_tag(text, &hdon).ok_or_else(|| Error::CannotSign("HDon is empty".into()))?;
        return Ok(einvoice_plan(
            at,
            &format!("<DSCKS><{container}>"),
            &format!("</{container}></DSCKS>"),
            None,
            scope_of(&hdon, false),
        ));
    };
    match dscks
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == container)
    {
        Some(slot) => {
            if slot.children().any(|c| {
                c.is_element()
                    && c.tag_name().name() == "Signature"
                    && c.tag_name().namespace() == Some(DSIG_NS)
            }) {
                return Err(Error::CannotSign(format!(
                    "DSCKS/{container} already holds a signature"
                )));
            }
            match before_end_tag(text, &slot) {
                Some(at) => Ok(einvoice_plan(at, "", "", None, scope_of(&slot, false))),
                None => {
                    let r = slot.range();
                    let rewritten = format!("<{container}>\u{0}</{container}>");
                    Ok(einvoice_plan(
                        r.end,
                        "",
                        "",
                        Some((r.start, r.end, rewritten)),
                        scope_of(&slot, false),
                    ))
                }
            }
        }
        None => {
            let at = match before_end_tag(text, &dscks) {
                Some(at) => at,
                None => {
                    return Err(Error::CannotSign(
                        "DSCKS is self-closing; cannot place the signature".into(),
                    ));
                }
            };
            Ok(einvoice_plan(
                at,
                &format!("<{container}>"),
                &format!("</{container}>"),
                None,
                scope_of(&dscks, false),
            ))
        }
    }
}

/// The namespace declarations in scope at `node`, as attributes (the `xml` and `ds` prefixes
/// excepted: `ds` is declared by a generic Signature itself; and the default namespace unless
/// `keep_default`: an e-invoice Signature declares the XMLDSig namespace as its default).
fn scope_of(node: &Node<'_, '_>, keep_default: bool) -> String {
    let mut decls: Vec<(String, String)> = node
        .namespaces()
        .filter(|ns| !matches!(ns.name(), Some("xml") | Some("ds")))
        .filter(|ns| keep_default || ns.name().is_some())
        .map(|ns| (ns.name().unwrap_or("").to_string(), ns.uri().to_string()))
        .collect();
    decls.sort();
    decls
        .iter()
        .map(|(p, u)| {
            if p.is_empty() {
                format!(" xmlns=\"{}\"", escape(u))
            } else {
                format!(" xmlns:{p}=\"{}\"", escape(u))
            }
        })
        .collect()
}

pub(crate) fn qualified_name(text: &str, node: &Node<'_, '_>) -> String {
    let r = node.range();
    let s = text.get(r.start + 1..r.end).unwrap_or("");
    s.chars()
        .take_while(|c| !c.is_whitespace() && *c != '/' && *c != '>')
        .collect()
}

const DIGEST_MARK: &str = "\u{1}KYSO-DIGEST-";
const VALUE_MARK: &str = "\u{1}KYSO-SIGNATURE-VALUE\u{1}";

/// A signed document and the Id of the signature inserted into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedXml {
    /// The whole document with the signature.
    pub xml: String,
    /// The `Id` of the inserted `ds:Signature` (unique in the document).
    pub signature_id: String,
}

/// Signs `text`; returns the signed document.
pub fn sign(text: &str, cred: &Credential, opts: &XmlSignOptions) -> Result<String, Error> {
    sign_enveloped(text, cred, opts).map(|s| s.xml)
}

/// Signs `text`; returns the signed document and the Id of the new signature (for unsigned
/// properties added afterwards, such as a XAdES SignatureTimeStamp).
pub fn sign_enveloped(
    text: &str,
    cred: &Credential,
    opts: &XmlSignOptions,
) -> Result<SignedXml, Error> {
    cred.key.supports(opts.digest)?;
    let doc = parse(text)?;
    let plan = plan(text, &doc, opts)?;
    let scheme = cred.key.scheme(opts.digest);
    let c14n = match (plan.einvoice, opts.c14n) {
        (true, _) | (false, C14nChoice::Inclusive) => C14N10,
        (false, C14nChoice::Exclusive) => EXC_C14N,
    };
    // Ids unique in the document: the role (or "sig") and the signing time, with a counter.
    let ids = IdIndex::build(&doc);
    let label = if plan.einvoice {
        opts.role.container().to_ascii_lowercase()
    } else {
        "sig".into()
    };
    let (sig_id, obj_id) = (0..)
        .map(|n| {
            let stamp = if n == 0 {
                format!("{:x}", opts.signing_time)
            } else {
                format!("{:x}-{n}", opts.signing_time)
            };
            (
                format!("kyso-{label}-{stamp}"),
                format!("kyso-{label}-time-{stamp}"),
            )
        })
        .find(|(s, o)| {
            ids.get(&doc, s)
                .is_err_and(|e| matches!(e, Error::MissingId(_)))
                && ids
                    .get(&doc, o)
                    .is_err_and(|e| matches!(e, Error::MissingId(_)))
        })
        .unwrap_or_default();
    let digest_uri = algorithms::digest_uri(opts.digest);
    // E-invoices: the tax authority's form, XMLDSig as the default namespace of the Signature
    // (so the Object's SignatureProperties and SigningTime are XMLDSig elements too). Generic
    // documents: the `ds:` prefix.
    let (p, ns_decl) = if plan.einvoice {
        ("", format!(" xmlns=\"{DSIG_NS}\""))
    } else {
        ("ds:", format!(" xmlns:ds=\"{DSIG_NS}\""))
    };
    let mut refs = String::new();
    let data_uri = plan
        .data_id
        .as_ref()
        .map(|i| format!("#{i}"))
        .unwrap_or_default();
    let c14n_transform = if plan.einvoice {
        String::new()
    } else {
        format!("<{p}Transform Algorithm=\"{c14n}\"/>")
    };
    refs.push_str(&format!(
        "<{p}Reference URI=\"{}\"><{p}Transforms><{p}Transform Algorithm=\"{ENVELOPED}\"/>{c14n_transform}</{p}Transforms><{p}DigestMethod Algorithm=\"{digest_uri}\"/><{p}DigestValue>{DIGEST_MARK}0\u{1}</{p}DigestValue></{p}Reference>",
        escape(&data_uri)
    ));
    let mut object = String::new();
    if plan.einvoice {
        refs.push_str(&format!(
            "<Reference URI=\"#{obj_id}\"><DigestMethod Algorithm=\"{digest_uri}\"/><DigestValue>{DIGEST_MARK}1\u{1}</DigestValue></Reference>"
        ));
        object = format!(
            "<Object Id=\"{obj_id}\"><SignatureProperties><SignatureProperty Target=\"#{sig_id}\"><SigningTime>{}</SigningTime></SignatureProperty></SignatureProperties></Object>",
            time::to_rfc3339_offset(opts.signing_time, opts.utc_offset_minutes)
        );
    }
    let mut key_info = format!("<{p}KeyInfo><{p}X509Data>");
    key_info.push_str(&format!(
        "<{p}X509SubjectName>{}</{p}X509SubjectName>",
        escape(&cred.certificate.subject.to_string())
    ));
    for c in
        std::iter::once(&cred.certificate).chain(cred.chain.iter().filter(|c| !c.is_self_issued()))
    {
        key_info.push_str(&format!(
            "<{p}X509Certificate>{}</{p}X509Certificate>",
            base64::encode(c.der())
        ));
    }
    key_info.push_str(&format!("</{p}X509Data></{p}KeyInfo>"));
    let signature = format!(
        "{}<{p}Signature{ns_decl}{} Id=\"{sig_id}\"><{p}SignedInfo><{p}CanonicalizationMethod Algorithm=\"{c14n}\"/><{p}SignatureMethod Algorithm=\"{}\"/>{refs}</{p}SignedInfo><{p}SignatureValue>{VALUE_MARK}</{p}SignatureValue>{key_info}{object}</{p}Signature>{}",
        plan.before,
        plan.scope,
        algorithms::signature_uri(scheme),
        plan.after
    );
    let mut out = String::with_capacity(text.len() + signature.len() + 4096);
    match &plan.self_closing {
        Some((start, end, rewritten)) => {
            out.push_str(text.get(..*start).unwrap_or(""));
            out.push_str(&rewritten.replace('\u{0}', &signature));
            out.push_str(text.get(*end..).unwrap_or(""));
        }
        None => {
            out.push_str(text.get(..plan.at).unwrap_or(""));
            out.push_str(&signature);
            out.push_str(text.get(plan.at..).unwrap_or(""));
        }
    }

    // Digests, computed in the final document (namespace context included).
    let n_refs = if plan.einvoice { 2 } else { 1 };
    let mut digests = Vec::new();
    {
        let placeholder = out.replace(DIGEST_MARK, "").replace('\u{1}', "");
        let doc = parse(&placeholder)?;
        let sig = find_own_signature(&doc, &sig_id)?;
        let ids = IdIndex::build(&doc);
        for i in 0..n_refs {
            let octets = if i == 0 {
                let apex = match &plan.data_id {
                    Some(id) => Some(ids.get(&doc, id)?),
                    None => None,
                };
                let alg = if plan.einvoice { C14N10 } else { c14n };
                canon::canonicalize(&doc, apex, Some(sig), alg, false, &[])?
            } else {
                canon::canonicalize(
                    &doc,
                    Some(ids.get(&doc, &obj_id)?),
                    None,
                    C14N10,
                    false,
                    &[],
                )?
            };
            digests.push(base64::encode(&opts.digest.digest(&octets)));
        }
    }
    for (i, d) in digests.iter().enumerate() {
        out = out.replace(&format!("{DIGEST_MARK}{i}\u{1}"), d);
    }
    // SignedInfo, canonicalized in place, is what gets signed.
    let canonical = {
        let without_value = out.replace(VALUE_MARK, "");
        let doc = parse(&without_value)?;
        let sig = find_own_signature(&doc, &sig_id)?;
        let si = dsig_child(&sig, "SignedInfo")
            .ok_or_else(|| Error::CannotSign("SignedInfo vanished".into()))?;
        canon::canonicalize(&doc, Some(si), None, c14n, false, &[])?
    };
    let mut value = cred.key.sign(opts.digest, &canonical)?;
    if let kyso_pki::PublicKey::Ec { curve, .. } = &cred.certificate.public_key {
        value = kyso_pki::algorithm::ecdsa_der_to_fixed(
            &value,
            kyso_pki::algorithm::ecdsa_half_len(*curve),
        )?;
    }
    Ok(SignedXml {
        xml: out.replace(VALUE_MARK, &base64::encode(&value)),
        signature_id: sig_id,
    })
}

fn find_own_signature<'a, 'i>(doc: &'a Document<'i>, id: &str) -> Result<Node<'a, 'i>, Error> {
    doc.descendants()
        .find(|n| {
            n.is_element() && n.tag_name().name() == "Signature" && n.attribute("Id") == Some(id)
        })
        .ok_or_else(|| Error::CannotSign("the inserted signature was not found".into()))
}
