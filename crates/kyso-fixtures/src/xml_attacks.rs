//! Attack files for XML signatures: variants of a signed e-invoice, tax-authority message or
//! document that try to make a verifier accept data the signature does not cover, or a
//! signature bound to the wrong certificate or signature. Tests verify every variant
//! (tests/xml_attacks.rs), and record what xmlsec1 and signxml say on the same files.
//!
//! Classes covered here (issue 10 of the project):
//! - [`XmlAttackClass::Wrapping`] (class 6): a second `DLHDon` (before or after the signed one,
//!   in no namespace, in a foreign namespace, with a `wsu:Id` or the same `Id`), the signed data
//!   moved into the signature's `Object`, a second `MCCQT`, a nested `HDon`; in a `TDiep`
//!   message a second invoice, `DLieu` or an invoice outside `DLieu`; in other documents a
//!   duplicated Id (also as `wsu:Id`, also unreferenced) and a copy of the document element;
//! - [`XmlAttackClass::Xades`] (class 7): a XAdES SigningCertificate (V1, V2) naming another
//!   certificate or issuer/serial, a countersignature that does not cover the countersigned
//!   SignatureValue;
//! - [`XmlAttackClass::Comments`] (class 8): signed text interrupted by a comment (invisible to
//!   canonicalization without comments) or a processing instruction.
//!
//! Variants that must pass (controls) are included, so that a verifier failing everything does
//! not look good.

use kyso_pki::{Certificate, Credential, DigestAlgorithm, base64};
use kyso_xml::algorithms::{self, DSIG_NS, EXC_C14N};
use kyso_xml::document::{IdIndex, WSU_NS};

/// The attack class (issue 10's numbering: 6, 7, 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlAttackClass {
    Wrapping,
    Xades,
    Comments,
}

/// What a correct verifier says about a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlExpected {
    /// The document fails, a signature with this reason code.
    Failed(&'static str),
    /// The document passes with a warning containing this text.
    Warning(&'static str),
    /// A control: the document passes.
    Passed,
}

/// One attack file.
#[derive(Debug, Clone)]
pub struct XmlAttack {
    /// A file-name-friendly name, unique among the variants.
    pub name: &'static str,
    pub class: XmlAttackClass,
    pub expected: XmlExpected,
    pub xml: String,
}

fn attack(
    name: &'static str,
    class: XmlAttackClass,
    expected: XmlExpected,
    xml: String,
) -> XmlAttack {
    XmlAttack {
        name,
        class,
        expected,
        xml,
    }
}

/// The byte range of the first element named `name` (local name) and its text.
fn element<'t>(text: &'t str, name: &str) -> Result<(std::ops::Range<usize>, &'t str), String> {
    let doc = kyso_xml::parse(text).map_err(|e| e.to_string())?;
    let r = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == name)
        .map(|n| n.range())
        .ok_or_else(|| format!("no {name} element"))?;
    let slice = text.get(r.clone()).ok_or("bad range")?;
    Ok((r, slice))
}

fn insert(text: &str, at: usize, what: &str) -> String {
    let mut out = String::with_capacity(text.len() + what.len());
    out.push_str(text.get(..at).unwrap_or(""));
    out.push_str(what);
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// `element_text` with its `Id` attribute replaced by `attrs` (e.g. `""`, ` Id="x"`) and the
/// text of the first `amount_tag` element (or else the first text) changed: the fake data.
fn fake_of(element_text: &str, id: &str, attrs: &str, amount_tag: &str) -> String {
    let mut fake = element_text.replacen(&format!(" Id=\"{id}\""), attrs, 1);
    let open = format!("<{amount_tag}>");
    if let Some(start) = fake.find(&open).map(|p| p + open.len())
        && let Some(len) = fake.get(start..).and_then(|s| s.find('<'))
    {
        fake.replace_range(start..start + len, "999999999");
    }
    fake
}

/// The `Id` of the element named `name`.
fn id_of_element(text: &str, name: &str) -> Result<String, String> {
    let (_, slice) = element(text, name)?;
    let doc = kyso_xml::parse(slice).map_err(|e| e.to_string())?;
    doc.root_element()
        .attribute("Id")
        .map(str::to_string)
        .ok_or_else(|| format!("{name} has no Id"))
}

/// Variants of an e-invoice (`HDon` root) signed by the seller (kyso's form: a Reference to
/// `#<DLHDon Id>`, the signature in `DSCKS/NBan`): classes 6 and 8.
pub fn einvoice_attacks(signed: &str) -> Result<Vec<XmlAttack>, String> {
    use XmlAttackClass::{Comments, Wrapping};
    use XmlExpected::{Failed, Passed};
    let (data, data_text) = element(signed, "DLHDon")?;
    let id = id_of_element(signed, "DLHDon")?;
    let fake = fake_of(data_text, &id, "", "TgTTTBSo");
    let mut out = Vec::new();
    let not_covered = Failed("signed_data_not_covered");
    out.push(attack(
        "einvoice-fake-dlhdon-before",
        Wrapping,
        not_covered,
        insert(signed, data.start, &fake),
    ));
    out.push(attack(
        "einvoice-fake-dlhdon-after",
        Wrapping,
        not_covered,
        insert(signed, data.end, &fake),
    ));
    let foreign = fake
        .replacen("<DLHDon", "<x:DLHDon xmlns:x=\"urn:kyso:attack\"", 1)
        .replace("</DLHDon>", "</x:DLHDon>");
    out.push(attack(
        "einvoice-fake-dlhdon-foreign-namespace",
        Wrapping,
        not_covered,
        insert(signed, data.start, &foreign),
    ));
    let wsu = fake_of(
        data_text,
        &id,
        &format!(" xmlns:wsu=\"{WSU_NS}\" wsu:Id=\"{id}\""),
        "TgTTTBSo",
    );
    out.push(attack(
        "einvoice-fake-dlhdon-wsu-id",
        Wrapping,
        Failed("reference_invalid"),
        insert(signed, data.start, &wsu),
    ));
    let same = fake_of(data_text, &id, &format!(" Id=\"{id}\""), "TgTTTBSo");
    out.push(attack(
        "einvoice-fake-dlhdon-same-id",
        Wrapping,
        Failed("reference_invalid"),
        insert(signed, data.end, &same),
    ));
    // The signed data moved into the signature (an Object), a fake in its place.
    let (sig_value, _) = element(signed, "SignatureValue")?;
    let moved = data_text.replacen("<DLHDon", "<DLHDon xmlns=\"\"", 1);
    let with_object = insert(signed, sig_value.end, &format!("<Object>{moved}</Object>"));
    let mut wrapped = String::new();
    wrapped.push_str(with_object.get(..data.start).unwrap_or(""));
    wrapped.push_str(&fake);
    wrapped.push_str(with_object.get(data.end..).unwrap_or(""));
    out.push(attack(
        "einvoice-signed-data-moved-into-object",
        Wrapping,
        not_covered,
        wrapped,
    ));
    out.push(attack(
        "einvoice-two-mccqt",
        Wrapping,
        not_covered,
        insert(
            signed,
            data.end,
            "<MCCQT Id=\"m1\">00AAAA1111BBBB2222CCCC3333</MCCQT><MCCQT Id=\"m2\">00FFFF9999EEEE8888DDDD7777</MCCQT>",
        ),
    ));
    // The signed invoice nested in a new HDon whose DLHDon is the fake.
    let (hdon, _) = element(signed, "HDon")?;
    let mut nested = String::new();
    nested.push_str(signed.get(..hdon.start).unwrap_or(""));
    nested.push_str("<HDon>");
    nested.push_str(&fake);
    nested.push_str(signed.get(hdon.clone()).unwrap_or(""));
    nested.push_str("</HDon>");
    nested.push_str(signed.get(hdon.end..).unwrap_or(""));
    out.push(attack(
        "einvoice-nested-hdon",
        Wrapping,
        not_covered,
        nested,
    ));

    // Comments and processing instructions in signed text.
    let interrupted = |tag: &str, marker: &str| -> Result<String, String> {
        let open = format!("<{tag}>");
        let at = signed
            .get(data.clone())
            .and_then(|d| d.find(&open))
            .map(|p| data.start + p + open.len() + 4)
            .ok_or_else(|| format!("no {tag} in DLHDon"))?;
        Ok(insert(signed, at, marker))
    };
    out.push(attack(
        "einvoice-comment-in-tax-code",
        Comments,
        Failed("signed_text_interrupted"),
        interrupted("MST", "<!--x-->")?,
    ));
    out.push(attack(
        "einvoice-comment-in-amount",
        Comments,
        Failed("signed_text_interrupted"),
        interrupted("TgTTTBSo", "<!-- -->")?,
    ));
    out.push(attack(
        "einvoice-pi-in-amount",
        Comments,
        Failed("digest_mismatch"),
        interrupted("TgTTTBSo", "<?x?>")?,
    ));
    let (content, _) = element(signed, "NDHDon")?;
    out.push(attack(
        "einvoice-comment-between-elements",
        Comments,
        Passed,
        insert(signed, content.start + "<NDHDon>".len(), "<!-- note -->"),
    ));
    Ok(out)
}

/// Variants of a tax-authority message (`TDiep/DLieu/HDon`) signed by the seller: class 6.
pub fn message_attacks(signed: &str) -> Result<Vec<XmlAttack>, String> {
    use XmlAttackClass::Wrapping;
    let not_covered = XmlExpected::Failed("signed_data_not_covered");
    let (data, data_text) = element(signed, "DLHDon")?;
    let id = id_of_element(signed, "DLHDon")?;
    let fake = fake_of(data_text, &id, "", "TgTTTBSo");
    let (dlieu, _) = element(signed, "DLieu")?;
    let fake_invoice = format!("<HDon>{fake}<DSCKS><NBan/></DSCKS></HDon>");
    let after_dlieu_tag = dlieu.start + "<DLieu>".len();
    Ok(vec![
        attack(
            "message-unsigned-invoice-before",
            Wrapping,
            not_covered,
            insert(signed, after_dlieu_tag, &fake_invoice),
        ),
        attack(
            "message-fake-dlieu-before",
            Wrapping,
            not_covered,
            insert(
                signed,
                dlieu.start,
                &format!("<DLieu>{fake_invoice}</DLieu>"),
            ),
        ),
        attack(
            "message-invoice-outside-dlieu",
            Wrapping,
            not_covered,
            insert(signed, dlieu.start, &fake_invoice),
        ),
        attack(
            "message-fake-dlhdon-before",
            Wrapping,
            not_covered,
            insert(signed, data.start, &fake),
        ),
    ])
}

/// How a test signature names its certificate in XAdES SignedProperties.
#[derive(Clone, Copy)]
enum SigningCert<'c> {
    None,
    /// SigningCertificate: CertDigest of the first, IssuerSerial of the second.
    V1(&'c Certificate, &'c Certificate),
    /// SigningCertificateV2: CertDigest of the first, IssuerSerialV2 of the second.
    V2(&'c Certificate, &'c Certificate),
}

/// One Reference of a test signature: URI and Type.
struct RefSpec<'a> {
    uri: &'a str,
    type_uri: Option<&'a str>,
}

const DIGEST_MARK: &str = "@@KYSO-DIGEST-";
const VALUE_MARK: &str = "@@KYSO-VALUE@@";

/// Inserts at `at` a `ds:Signature` (Id `sig_id`, exclusive C14N, SHA-256) with the given
/// references, KeyInfo with `cred`'s certificate, and XAdES SignedProperties (covered by a
/// reference) when `cert` asks for them.
fn insert_signature(
    text: &str,
    at: usize,
    sig_id: &str,
    refs: &[RefSpec<'_>],
    cred: &Credential,
    cert: SigningCert<'_>,
) -> Result<String, String> {
    let sha256 = algorithms::digest_uri(DigestAlgorithm::Sha256);
    let props_id = format!("{sig_id}-props");
    let props_uri = format!("#{props_id}");
    let mut all: Vec<(String, Option<&str>)> = refs
        .iter()
        .map(|r| (r.uri.to_string(), r.type_uri))
        .collect();
    let object = match cert {
        SigningCert::None => String::new(),
        SigningCert::V1(digest_of, serial_of) | SigningCert::V2(digest_of, serial_of) => {
            all.push((
                props_uri,
                Some("http://uri.etsi.org/01903#SignedProperties"),
            ));
            let digest = base64::encode(&DigestAlgorithm::Sha256.digest(digest_of.der()));
            let (name, issuer_serial) = match cert {
                SigningCert::V1(..) => (
                    "SigningCertificate",
                    format!(
                        "<xades:IssuerSerial><ds:X509IssuerName>{}</ds:X509IssuerName>\
                         <ds:X509SerialNumber>{}</ds:X509SerialNumber></xades:IssuerSerial>",
                        escape(&serial_of.issuer.to_string()),
                        decimal(&serial_of.serial)
                    ),
                ),
                _ => {
                    use kyso_pki::der;
                    let gn = der::tlv(0xa4, serial_of.issuer.raw());
                    let v2 = der::seq(&[&der::seq(&[&gn]), &der::tlv(0x02, &serial_of.serial)]);
                    (
                        "SigningCertificateV2",
                        format!(
                            "<xades:IssuerSerialV2>{}</xades:IssuerSerialV2>",
                            base64::encode(&v2)
                        ),
                    )
                }
            };
            format!(
                "<ds:Object><xades:QualifyingProperties xmlns:xades=\"{}\" Target=\"#{sig_id}\">\
                 <xades:SignedProperties Id=\"{props_id}\"><xades:SignedSignatureProperties>\
                 <xades:SigningTime>2026-11-20T09:15:00+07:00</xades:SigningTime>\
                 <xades:{name}><xades:Cert><xades:CertDigest>\
                 <ds:DigestMethod Algorithm=\"{sha256}\"/><ds:DigestValue>{digest}</ds:DigestValue>\
                 </xades:CertDigest>{issuer_serial}</xades:Cert></xades:{name}>\
                 </xades:SignedSignatureProperties></xades:SignedProperties>\
                 </xades:QualifyingProperties></ds:Object>",
                kyso_xml::XADES_NS
            )
        }
    };
    let scheme = cred.key.scheme(DigestAlgorithm::Sha256);
    let mut references = String::new();
    for (i, (uri, type_uri)) in all.iter().enumerate() {
        let type_attr = type_uri
            .map(|t| format!(" Type=\"{t}\""))
            .unwrap_or_default();
        references.push_str(&format!(
            "<ds:Reference URI=\"{uri}\"{type_attr}><ds:Transforms><ds:Transform Algorithm=\"{EXC_C14N}\"/></ds:Transforms>\
             <ds:DigestMethod Algorithm=\"{sha256}\"/><ds:DigestValue>{DIGEST_MARK}{i}@@</ds:DigestValue></ds:Reference>"
        ));
    }
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NS}\" Id=\"{sig_id}\"><ds:SignedInfo>\
         <ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/><ds:SignatureMethod Algorithm=\"{}\"/>\
         {references}</ds:SignedInfo><ds:SignatureValue Id=\"{sig_id}-value\">{VALUE_MARK}</ds:SignatureValue>\
         <ds:KeyInfo><ds:X509Data>{}</ds:X509Data></ds:KeyInfo>{object}</ds:Signature>",
        algorithms::signature_uri(scheme),
        std::iter::once(&cred.certificate)
            .chain(cred.chain.iter().filter(|c| !c.is_self_issued()))
            .map(|c| format!(
                "<ds:X509Certificate>{}</ds:X509Certificate>",
                base64::encode(c.der())
            ))
            .collect::<String>()
    );
    let mut out = insert(text, at, &signature);
    // Digests in the final document (nothing referenced holds a digest or the value).
    let digests = {
        let doc = kyso_xml::parse(&out).map_err(|e| e.to_string())?;
        let ids = IdIndex::build(&doc);
        let mut d = Vec::new();
        for (uri, _) in &all {
            let id = uri.trim_start_matches('#');
            let node = ids.get(&doc, id).map_err(|e| e.to_string())?;
            let c = kyso_xml::canonicalize(&doc, Some(node), None, EXC_C14N, false, &[])
                .map_err(|e| e.to_string())?;
            d.push(base64::encode(&DigestAlgorithm::Sha256.digest(&c)));
        }
        d
    };
    for (i, d) in digests.iter().enumerate() {
        out = out.replace(&format!("{DIGEST_MARK}{i}@@"), d);
    }
    let canonical = {
        let without = out.replacen(VALUE_MARK, "", 1);
        let doc = kyso_xml::parse(&without).map_err(|e| e.to_string())?;
        let ids = IdIndex::build(&doc);
        let sig = ids.get(&doc, sig_id).map_err(|e| e.to_string())?;
        let si = kyso_xml::document::dsig_child(&sig, "SignedInfo").ok_or("no SignedInfo")?;
        kyso_xml::canonicalize(&doc, Some(si), None, EXC_C14N, false, &[])
            .map_err(|e| e.to_string())?
    };
    let mut value = cred
        .key
        .sign(DigestAlgorithm::Sha256, &canonical)
        .map_err(|e| e.to_string())?;
    if let kyso_pki::PublicKey::Ec { curve, .. } = &cred.certificate.public_key {
        value = kyso_pki::algorithm::ecdsa_der_to_fixed(
            &value,
            kyso_pki::algorithm::ecdsa_half_len(*curve),
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(out.replacen(VALUE_MARK, &base64::encode(&value), 1))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A big-endian unsigned integer in decimal.
fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for b in bytes {
        let mut carry = u32::from(*b);
        for d in digits.iter_mut() {
            let v = u32::from(*d) * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

/// The position just before the document element's end tag.
fn before_root_end(text: &str) -> Result<usize, String> {
    text.rfind("</")
        .ok_or_else(|| "the document element is empty".into())
}

/// `unsigned` (a document whose element with Id `id` is not the document element) signed
/// with a Reference to `#id` and no enveloped transform, the signature last in the document
/// element.
pub fn sign_id_reference(unsigned: &str, id: &str, signer: &Credential) -> Result<String, String> {
    let uri = format!("#{id}");
    insert_signature(
        unsigned,
        before_root_end(unsigned)?,
        "kyso-attack-sig",
        &[RefSpec {
            uri: &uri,
            type_uri: None,
        }],
        signer,
        SigningCert::None,
    )
}

/// Variants of a document whose element with Id `id` is signed by a Reference to `#id` (see
/// [`sign_id_reference`]): duplicated Ids, a copy of the document element (class 6), comments
/// in signed text (class 8). The fakes change the signed element's first text.
pub fn document_attacks(
    unsigned: &str,
    id: &str,
    signer: &Credential,
) -> Result<Vec<XmlAttack>, String> {
    use XmlAttackClass::{Comments, Wrapping};
    use XmlExpected::{Failed, Passed, Warning};
    let signed = sign_id_reference(unsigned, id, signer)?;
    let doc = kyso_xml::parse(&signed).map_err(|e| e.to_string())?;
    let ids = IdIndex::build(&doc);
    let node = ids.get(&doc, id).map_err(|e| e.to_string())?;
    let range = node.range();
    let first_text = node
        .descendants()
        .find(|n| n.is_text() && n.text().is_some_and(|t| !t.trim().is_empty()))
        .map(|n| n.range())
        .ok_or("the signed element has no text")?;
    let root = doc.root_element().range();
    let root_tag_end = signed
        .get(root.clone())
        .and_then(|r| r.find('>'))
        .map(|p| root.start + p + 1)
        .ok_or("no root start tag")?;
    let root_start_tag = signed
        .get(root.start..root_tag_end)
        .unwrap_or("")
        .to_string();
    let root_qname: String = root_start_tag
        .trim_start_matches('<')
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>')
        .collect();
    let element_text = signed.get(range.clone()).unwrap_or("");
    let rel = first_text.start - range.start..first_text.end - range.start;
    let mut fake_body = element_text.to_string();
    fake_body.replace_range(rel, "999999999");
    let fake_same = fake_body.clone();
    let fake_wsu = fake_body.replacen(
        &format!("Id=\"{id}\""),
        &format!("xmlns:wsu=\"{WSU_NS}\" wsu:Id=\"{id}\""),
        1,
    );
    let fake_plain = fake_body.replacen(&format!(" Id=\"{id}\""), "", 1);
    let mut nested = String::new();
    nested.push_str(signed.get(..root.start).unwrap_or(""));
    nested.push_str(&root_start_tag);
    nested.push_str(&fake_plain);
    nested.push_str(signed.get(root.clone()).unwrap_or(""));
    nested.push_str(&format!("</{root_qname}>"));
    nested.push_str(signed.get(root.end..).unwrap_or(""));
    let comment_at = first_text.start + 2.min(first_text.len().saturating_sub(1));
    Ok(vec![
        attack("document-id-reference", Wrapping, Passed, signed.clone()),
        attack(
            "document-duplicate-id",
            Wrapping,
            Failed("reference_invalid"),
            insert(&signed, range.end, &fake_same),
        ),
        attack(
            "document-duplicate-wsu-id",
            Wrapping,
            Failed("reference_invalid"),
            insert(&signed, range.start, &fake_wsu),
        ),
        attack(
            "document-duplicate-unreferenced-id",
            Wrapping,
            Failed("ambiguous_id"),
            insert(
                &signed,
                range.end,
                "<Note Id=\"note-1\">a</Note><Note Id=\"note-1\">b</Note>",
            ),
        ),
        attack(
            "document-root-duplicated",
            Wrapping,
            Failed("signed_data_not_covered"),
            nested,
        ),
        attack(
            "document-comment-in-signed-text",
            Comments,
            Warning("interrupted by a comment"),
            insert(&signed, comment_at, "<!--x-->"),
        ),
    ])
}

/// XAdES variants (class 7) of `unsigned` (whose element with Id `id` is signed): the
/// SigningCertificate / SigningCertificateV2 names the signer (controls) or `other`'s
/// certificate or issuer/serial; countersignatures by `other` over the signer's
/// SignatureValue (control) or over the data instead.
pub fn xades_attacks(
    unsigned: &str,
    id: &str,
    signer: &Credential,
    other: &Credential,
) -> Result<Vec<XmlAttack>, String> {
    use XmlAttackClass::Xades;
    use XmlExpected::{Failed, Passed};
    let at = before_root_end(unsigned)?;
    let data = format!("#{id}");
    let refs = [RefSpec {
        uri: &data,
        type_uri: None,
    }];
    let me = &signer.certificate;
    let them = &other.certificate;
    let xades = |cert| insert_signature(unsigned, at, "kyso-xades", &refs, signer, cert);
    let mismatch = Failed("signer_certificate_mismatch");
    let mut out = vec![
        attack(
            "xades-signing-certificate",
            Xades,
            Passed,
            xades(SigningCert::V1(me, me))?,
        ),
        attack(
            "xades-signing-certificate-v2",
            Xades,
            Passed,
            xades(SigningCert::V2(me, me))?,
        ),
        attack(
            "xades-signing-certificate-names-other",
            Xades,
            mismatch,
            xades(SigningCert::V1(them, them))?,
        ),
        attack(
            "xades-signing-certificate-v2-names-other",
            Xades,
            mismatch,
            xades(SigningCert::V2(them, them))?,
        ),
        attack(
            "xades-issuer-serial-of-other",
            Xades,
            mismatch,
            xades(SigningCert::V1(me, them))?,
        ),
        attack(
            "xades-issuer-serial-v2-of-other",
            Xades,
            mismatch,
            xades(SigningCert::V2(me, them))?,
        ),
    ];
    // Countersignatures of a signature with XAdES properties.
    let parent = xades(SigningCert::V1(me, me))?;
    let end = parent
        .rfind("</ds:Signature>")
        .ok_or("no signature end tag")?;
    let counter = |target: &str| -> Result<String, String> {
        let open = format!(
            "<ds:Object><xades:QualifyingProperties xmlns:xades=\"{}\" Target=\"#kyso-xades\">\
             <xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:CounterSignature>",
            kyso_xml::XADES_NS
        );
        let close = "</xades:CounterSignature></xades:UnsignedSignatureProperties>\
                     </xades:UnsignedProperties></xades:QualifyingProperties></ds:Object>";
        let shell = insert(&parent, end, &format!("{open}{close}"));
        insert_signature(
            &shell,
            end + open.len(),
            "kyso-counter",
            &[RefSpec {
                uri: target,
                type_uri: Some(kyso_xml::COUNTERSIGNED_SIGNATURE),
            }],
            other,
            SigningCert::None,
        )
    };
    out.push(attack(
        "xades-countersignature",
        Xades,
        Passed,
        counter("#kyso-xades-value")?,
    ));
    out.push(attack(
        "xades-countersignature-covers-data",
        Xades,
        Failed("countersignature_not_bound"),
        counter(&data)?,
    ));
    let standalone = insert_signature(
        &parent,
        before_root_end(&parent)?,
        "kyso-counter",
        &[RefSpec {
            uri: &data,
            type_uri: Some(kyso_xml::COUNTERSIGNED_SIGNATURE),
        }],
        other,
        SigningCert::None,
    )?;
    out.push(attack(
        "xades-standalone-countersignature-covers-data",
        Xades,
        Failed("countersignature_not_bound"),
        standalone,
    ));
    Ok(out)
}
