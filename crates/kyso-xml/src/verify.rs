//! Verifying every `Signature` element of a document: references (URIs, transforms,
//! digests), SignedInfo canonicalization and the signature value, KeyInfo certificates,
//! the claimed SigningTime, and what each reference actually covers.

use roxmltree::{Document, Node, NodeId};

use kyso_pki::{Certificate, DigestAlgorithm, SignatureScheme, base64, time};

use crate::Error;
use crate::algorithms::{self, BASE64, DSIG_NS, ENVELOPED};
use crate::canon;
use crate::document::{IdIndex, dsig_child, dsig_children, id_of, path, text_of};
use crate::einvoice;
use crate::keys::{self, Candidate, KeyContext};
use crate::subset;
use crate::xades;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Proven wrong (digest or signature mismatch, missing Id...).
    Failed,
    /// Cannot be decided (unsupported algorithm or transform...).
    Indeterminate,
}

/// A problem with one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// Stable reason code, as in the PDF report.
    pub reason: &'static str,
    pub message: String,
}

/// An element a reference covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covered {
    /// Local name, e.g. `DLHDon`.
    pub element: String,
    pub id: Option<String>,
    /// Where it sits, e.g. `/HDon/DLHDon`.
    pub path: String,
    /// The enveloped-signature transform removed the signature from what is covered.
    pub minus_signature: bool,
}

/// One Reference.
#[derive(Debug, Clone)]
pub struct ReferenceOutcome {
    pub uri: String,
    pub digest: Option<DigestAlgorithm>,
    pub transforms: Vec<String>,
    pub covered: Option<Covered>,
    /// The digest matched.
    pub ok: bool,
    /// The Reference's `Type` attribute (e.g. XAdES SignedProperties or CountersignedSignature).
    pub type_uri: Option<String>,
    /// The covered element (the document element for `URI=""`).
    pub(crate) apex: Option<NodeId>,
    /// The digested octets carried the comments of the covered data.
    pub(crate) comments_signed: bool,
    /// An XPath or XPath Filter 2.0 transform selected part of the data: the reference covers
    /// only the nodes its expressions select, not its whole element.
    pub subset: bool,
    /// The octets the reference's digest was computed over (kept for a XAdES archive
    /// time-stamp, whose message imprint covers them; `None` otherwise).
    pub(crate) digested: Option<Vec<u8>>,
    /// The transforms left a node-set, canonicalized with XMLDSig's default (C14N 1.0) for
    /// the digest.
    pub(crate) node_set: bool,
}

/// A key that verified a signature without a certificate naming its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BareKey {
    /// E.g. `RSA-2048 (KeyValue)`, `HMAC-SHA256`.
    pub description: String,
    /// The user gave this key explicitly (`--key`, `--hmac-key`).
    pub user_given: bool,
}

/// One Signature element.
#[derive(Debug, Clone)]
pub struct SignatureOutcome {
    pub id: Option<String>,
    /// Where the Signature element is, e.g. `/HDon/DSCKS/NBan/Signature`.
    pub path: String,
    pub signature_method: Option<SignatureScheme>,
    pub references: Vec<ReferenceOutcome>,
    /// Certificates from KeyInfo/X509Data.
    pub certificates: Vec<Certificate>,
    /// The certificate whose key verified the signature (or the first one, when none did).
    pub signer: Option<Certificate>,
    /// The signature verified with a key no certificate binds (a `KeyValue`, a key the user
    /// gave, or an HMAC key); `signer` is then `None`.
    pub bare_key: Option<BareKey>,
    /// SigningTime, as read (lenient about namespaces).
    pub signing_time: Option<time::ParsedTime>,
    /// In an e-invoice: the party the signature signs for (`seller` for
    /// `HDon/DSCKS/NBan/Signature`, `buyer` for `HDon/DSCKS/NMua/Signature`) and that party's
    /// tax code in the invoice data; `None` otherwise.
    pub party: Option<(&'static str, String)>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<String>,
}

impl SignatureOutcome {
    pub(crate) fn fail(&mut self, reason: &'static str, message: String) {
        self.problems.push(Problem {
            severity: Severity::Failed,
            reason,
            message,
        });
    }
    pub(crate) fn indeterminate(&mut self, reason: &'static str, message: String) {
        self.problems.push(Problem {
            severity: Severity::Indeterminate,
            reason,
            message,
        });
    }
}

/// All Signature elements in document order.
pub fn signature_elements<'a, 'i>(doc: &'a Document<'i>) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| {
            n.is_element()
                && n.tag_name().name() == "Signature"
                && n.tag_name().namespace() == Some(DSIG_NS)
        })
        .collect()
}

/// Minutes east of UTC of Vietnamese local time, in which e-invoices write a SigningTime
/// without a zone.
pub const VIETNAM_OFFSET_MINUTES: i32 = 420;

/// Verifies every signature of a parsed document. In an e-invoice (`HDon`, also inside a
/// `TDiep` message) a SigningTime without a zone is Vietnamese local time (+07:00); elsewhere
/// it is read as UTC. Either way a warning says so.
///
/// Beyond each signature's cryptography, the document's structure: every signature fails
/// (`ambiguous_id`) when two elements carry the same Id value (`Id`, `ID`, `id`, `xml:id`,
/// `wsu:Id`); in an e-invoice, when a reader could take other data than the signed one
/// (`signed_data_not_covered`: a second `DLHDon`, `MCCQT` or invoice, an invoice no signature
/// covers, a signature that does not cover its invoice's `DLHDon`); in another document, when
/// the document element appears again inside it and the signature does not cover the whole
/// document (`signed_data_not_covered`). Text of a signed element interrupted by a comment
/// (which canonicalization without comments leaves out of the signature) fails inside an
/// e-invoice's data (`signed_text_interrupted`) and is a warning elsewhere, as is a processing
/// instruction (which is signed) interrupting signed text. XAdES: the SigningCertificate
/// (V2) must name the signer certificate (`signer_certificate_mismatch`), and a
/// countersignature must cover the countersigned signature's SignatureValue
/// (`countersignature_not_bound`).
pub fn verify_document(doc: &Document<'_>) -> Vec<SignatureOutcome> {
    verify_document_with(doc, &KeyContext::default())
}

/// [`verify_document`] with keys, certificates, an HMAC key and an external-reference
/// directory from outside the document (see [`KeyContext`]).
pub fn verify_document_with(doc: &Document<'_>, ctx: &KeyContext) -> Vec<SignatureOutcome> {
    let ids = IdIndex::build(doc);
    let cache = C14nCache::default();
    let local_offset = crate::sign::find_invoice(doc).map(|_| VIETNAM_OFFSET_MINUTES);
    let structure = einvoice::structure(doc);
    let scan = Scan::build(doc, structure.is_some());
    let sigs = signature_elements(doc);
    let mut outcomes: Vec<SignatureOutcome> = sigs
        .iter()
        .map(|s| verify_signature(doc, &ids, &cache, *s, local_offset, ctx))
        .collect();
    for (sig, out) in sigs.iter().zip(outcomes.iter_mut()) {
        check_ids(&ids, out);
        check_structure(doc, structure.as_ref(), &scan, *sig, out);
        check_interrupted_text(doc, structure.is_some(), &scan, *sig, out);
    }
    if let Some(st) = &structure {
        check_every_invoice_signed(doc, st, &mut outcomes);
    }
    outcomes
}

/// What one pass over the document finds for the structure checks: elements whose text is
/// interrupted by a comment or processing instruction, and (outside e-invoices) copies of the
/// document element.
struct Scan {
    /// Elements with a comment (`true`) or processing instruction (`false`) child followed by
    /// non-whitespace text.
    interrupted: Vec<(NodeId, bool)>,
    /// Elements below the document element with its name and namespace.
    root_copies: Vec<NodeId>,
}

impl Scan {
    fn build(doc: &Document<'_>, einvoice: bool) -> Scan {
        let root = doc.root_element();
        let root_name = root.tag_name();
        let mut scan = Scan {
            interrupted: Vec::new(),
            root_copies: Vec::new(),
        };
        for n in root.descendants() {
            if !n.is_element() {
                continue;
            }
            if !einvoice && n != root && n.tag_name() == root_name {
                scan.root_copies.push(n.id());
            }
            // A comment or PI, then non-whitespace text, among the children.
            let mut marker: Option<bool> = None;
            for c in n.children() {
                if c.is_comment() {
                    marker = Some(true);
                } else if c.is_pi() {
                    marker = Some(marker.unwrap_or(false));
                } else if let Some(kind) = marker
                    && c.is_text()
                    && c.text().is_some_and(|t| !t.trim().is_empty())
                {
                    scan.interrupted.push((n.id(), kind));
                    break;
                }
            }
        }
        scan
    }
}

/// Two elements with the same Id value make any reference to it ambiguous: verifiers differ
/// in which they take (the first, the last, the one with the attribute they know).
fn check_ids(ids: &IdIndex, out: &mut SignatureOutcome) {
    if let Some(dup) = ids.duplicated().first() {
        let more = ids.duplicated().len() - 1;
        out.fail(
            "ambiguous_id",
            format!(
                "Id '{dup}' is carried by more than one element{}: a reference to it is ambiguous",
                if more > 0 {
                    format!(" (and {more} other duplicated Id value(s))")
                } else {
                    String::new()
                }
            ),
        );
    }
}

/// The node a reference's data starts from.
fn apex_node<'a, 'i>(doc: &'a Document<'i>, r: &ReferenceOutcome) -> Option<Node<'a, 'i>> {
    r.apex.and_then(|id| doc.get_node(id))
}

/// The e-invoice rules (see [`einvoice::structure`]) and, for other documents, a copy of the
/// document element inside it.
fn check_structure<'a, 'i>(
    doc: &'a Document<'i>,
    structure: Option<&einvoice::Structure<'a, 'i>>,
    scan: &Scan,
    sig: Node<'a, 'i>,
    out: &mut SignatureOutcome,
) {
    let Some(st) = structure else {
        let whole = out
            .references
            .iter()
            .any(|r| r.ok && r.apex == Some(doc.root_element().id()));
        if !whole && let Some(copy) = scan.root_copies.first().and_then(|id| doc.get_node(*id)) {
            out.fail(
                "signed_data_not_covered",
                format!(
                    "the document element {} appears again at {}: a reader may take either, and the signature does not cover the whole document",
                    copy.tag_name().name(),
                    path(&copy)
                ),
            );
        }
        return;
    };
    if let Some(p) = st.problems.first() {
        out.fail("signed_data_not_covered", format!("ambiguous invoice: {p}"));
    }
    // The signature's own invoice (the HDon it sits in), else the first.
    let own = st
        .invoices
        .iter()
        .find(|i| sig.ancestors().any(|a| a == i.hdon))
        .or_else(|| st.invoices.first());
    let Some(inv) = own else {
        return;
    };
    if sig.ancestors().any(|a| a == inv.hdon) {
        out.party = einvoice::party_of(&sig, &inv.hdon);
    }
    let Some(data) = inv.data else {
        return;
    };
    if !covers(doc, out, data) {
        let covered: Vec<String> = out
            .references
            .iter()
            .filter_map(|r| r.covered.as_ref().map(|c| c.path.clone()))
            .collect();
        out.fail(
            "signed_data_not_covered",
            format!(
                "the signature covers {} but a reader takes the invoice data from {}",
                covered.join(", "),
                path(&data)
            ),
        );
    }
}

/// Whether a verified reference of the signature covers `node` (the node itself or an
/// ancestor of it).
fn covers(doc: &Document<'_>, out: &SignatureOutcome, node: Node<'_, '_>) -> bool {
    out.references
        .iter()
        .any(|r| r.ok && apex_node(doc, r).is_some_and(|a| node.ancestors().any(|n| n == a)))
}

/// A tax-authority message whose invoices are not all covered by a signature: a reader would
/// show an unsigned invoice beside signed ones.
fn check_every_invoice_signed(
    doc: &Document<'_>,
    st: &einvoice::Structure<'_, '_>,
    outcomes: &mut [SignatureOutcome],
) {
    if outcomes.is_empty() {
        return;
    }
    let unsigned = st.invoices.iter().find(|i| {
        i.data
            .is_some_and(|d| !outcomes.iter().any(|o| covers(doc, o, d)))
    });
    if let Some(inv) = unsigned {
        let message = format!(
            "the invoice at {} is covered by no signature",
            path(&inv.hdon)
        );
        for o in outcomes.iter_mut() {
            if !o
                .problems
                .iter()
                .any(|p| p.reason == "signed_data_not_covered")
            {
                o.fail("signed_data_not_covered", message.clone());
            }
        }
    }
}

/// Signed text interrupted by a comment or processing instruction: a reader that stops there
/// shows other text than the whole. A comment outside the signed octets (canonicalization
/// without comments) may have been added after signing: inside an e-invoice's data
/// (`DLHDon`, `MCCQT`) that fails, elsewhere it is a warning; a processing instruction (always
/// signed) or a signed comment is a warning.
fn check_interrupted_text(
    doc: &Document<'_>,
    einvoice: bool,
    scan: &Scan,
    sig: Node<'_, '_>,
    out: &mut SignatureOutcome,
) {
    if scan.interrupted.is_empty() {
        return;
    }
    let mut reported: Vec<NodeId> = Vec::new();
    let mut failures = Vec::new();
    for r in &out.references {
        let (Some(apex), Some(covered)) = (apex_node(doc, r), r.covered.as_ref()) else {
            continue;
        };
        for (id, comment) in &scan.interrupted {
            let Some(el) = doc.get_node(*id) else {
                continue;
            };
            if reported.contains(id) || !el.ancestors().any(|a| a == apex) {
                continue;
            }
            // Inside the signature the enveloped transform removes: not signed.
            if covered.minus_signature && el.ancestors().any(|a| a == sig) {
                continue;
            }
            reported.push(*id);
            let at = path(&el);
            let unsigned_comment = *comment && !r.comments_signed;
            let in_invoice_data = el.ancestors().any(|a| {
                matches!(a.tag_name().name(), "DLHDon" | "MCCQT")
                    && a.parent_element()
                        .is_some_and(|p| p.tag_name().name() == "HDon")
            });
            if unsigned_comment && einvoice && in_invoice_data {
                failures.push(at);
            } else if unsigned_comment {
                out.warnings.push(format!(
                    "the signed text of {at} is interrupted by a comment, which the signature does not cover: a reader that stops at it shows only part of the text"
                ));
            } else {
                out.warnings.push(format!(
                    "the signed text of {at} is interrupted by a {}: a reader that stops at it shows only part of the text",
                    if *comment { "comment" } else { "processing instruction" }
                ));
            }
        }
    }
    if !failures.is_empty() {
        out.fail(
            "signed_text_interrupted",
            format!(
                "the invoice text of {} is interrupted by a comment, which the signature does not cover (it may have been added after signing): a reader that stops at it shows other text",
                failures.join(", ")
            ),
        );
    }
}

/// Canonical octets already computed for this document, so that signatures referencing the
/// same data (an e-invoice's seller and buyer signatures both cover DLHDon) canonicalize it
/// once. Keyed by everything the result depends on: the apex, the excluded signature when it
/// lies inside the apex, the algorithm, comments and the inclusive prefixes.
#[derive(Default)]
struct C14nCache {
    map: std::cell::RefCell<Vec<(C14nKey, Vec<u8>)>>,
}

#[derive(PartialEq, Eq)]
struct C14nKey {
    apex: Option<roxmltree::NodeId>,
    exclude: Option<roxmltree::NodeId>,
    alg: String,
    comments: bool,
    prefixes: Vec<String>,
}

/// The node-set or octets flowing through a transform chain.
enum Data<'a, 'i> {
    Nodes {
        apex: Option<Node<'a, 'i>>,
        exclude: Option<Node<'a, 'i>>,
        comments: bool,
    },
    /// An arbitrary node-set, what an XPath or XPath Filter 2.0 transform left; `comments`:
    /// comment nodes may be in it.
    Set {
        selection: kyso_c14n::Selection,
        comments: bool,
    },
    Octets(Vec<u8>),
}

fn verify_signature<'a, 'i>(
    doc: &'a Document<'i>,
    ids: &IdIndex,
    cache: &C14nCache,
    sig: Node<'a, 'i>,
    local_offset: Option<i32>,
    ctx: &KeyContext,
) -> SignatureOutcome {
    let mut out = SignatureOutcome {
        id: id_of(&sig).map(str::to_string),
        path: path(&sig),
        signature_method: None,
        references: Vec::new(),
        certificates: Vec::new(),
        signer: None,
        bare_key: None,
        signing_time: None,
        party: None,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let Some(signed_info) = dsig_child(&sig, "SignedInfo") else {
        out.fail("malformed_signature", "Signature has no SignedInfo".into());
        return out;
    };
    let resolved = keys::resolve(doc, ids, &sig, ctx);
    out.certificates = resolved.certificates;
    out.warnings.extend(resolved.warnings);
    let candidates = resolved.candidates;
    let unresolved = resolved.unresolved;
    let unreadable = resolved.unreadable;
    read_signing_time(&sig, local_offset, &mut out);

    for r in dsig_children(&signed_info, "Reference") {
        out.references.push(check_reference(
            doc,
            ids,
            cache,
            sig,
            r,
            ctx,
            &mut out.problems,
        ));
    }
    if out.references.is_empty() {
        out.fail("malformed_signature", "SignedInfo has no Reference".into());
    }
    if !xades::has_archive_timestamp(&sig) {
        // Only an archive time-stamp's imprint needs the digested octets.
        for r in &mut out.references {
            r.digested = None;
        }
    }
    xades::check_countersignature(doc, sig, &mut out);

    // SignedInfo → canonical bytes → signature value.
    let c14n_uri = dsig_child(&signed_info, "CanonicalizationMethod")
        .and_then(|c| c.attribute("Algorithm"))
        .unwrap_or("");
    let prefixes = dsig_child(&signed_info, "CanonicalizationMethod")
        .map(|c| inclusive_prefixes(&c))
        .unwrap_or_default();
    let method_uri = dsig_child(&signed_info, "SignatureMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .unwrap_or("");
    let hmac = crate::hmac::Hmac::from_uri(method_uri);
    let scheme = algorithms::signature_from_uri(method_uri);
    if hmac.is_none() && scheme.is_none() {
        out.indeterminate(
            "unsupported_algorithm",
            format!("signature method '{method_uri}' is not supported"),
        );
        return out;
    }
    out.signature_method = scheme;
    if scheme.is_some_and(|s| s.digest().is_weak()) {
        out.warnings.push("SHA-1 signature method (weak)".into());
    }
    let canonical =
        match canon::canonicalize(doc, Some(signed_info), None, c14n_uri, true, &prefixes) {
            Ok(c) => c,
            Err(Error::Unsupported(m)) => {
                out.indeterminate("unsupported_algorithm", m);
                return out;
            }
            Err(e) => {
                out.fail(
                    "malformed_signature",
                    format!("cannot canonicalize SignedInfo: {e}"),
                );
                return out;
            }
        };
    let value = dsig_child(&sig, "SignatureValue")
        .map(|v| text_of(&v))
        .unwrap_or_default();
    let Ok(value) = base64::decode(value.as_bytes()) else {
        out.fail("malformed_signature", "SignatureValue is not base64".into());
        return out;
    };
    if let Some(hmac) = hmac {
        if let Some(method) = dsig_child(&signed_info, "SignatureMethod") {
            crate::hmac::check(hmac, &method, &canonical, &value, ctx, &mut out);
        }
        return out;
    }
    let Some(scheme) = scheme else {
        return out;
    };
    if candidates.is_empty() {
        // A certificate that is there but cannot be read (tampered or corrupt) leaves the
        // signature unverifiable by anyone: malformed, as EU DSS judges it (not intact).
        if let Some(unreadable) = unreadable.first() {
            let message = format!("the signer cannot be identified: {unreadable}");
            out.fail("malformed_signature", message);
            return out;
        }
        let message = if unresolved.is_empty() {
            "KeyInfo carries no X509Certificate".to_string()
        } else {
            format!(
                "KeyInfo names a key kyso could not find: {} (give the certificate with --key, --trust or --intermediates)",
                unresolved.join(", ")
            )
        };
        out.indeterminate("signer_certificate_missing", message);
        return out;
    }
    // The signer is the key that verifies; the error reported is that of a key of the
    // scheme's kind (never a mismatch with another key).
    let mut first_err = None;
    let mut verified: Option<&Candidate> = None;
    for c in candidates.iter().filter(|c| fits(scheme, c)) {
        let r = match c {
            Candidate::Cert(cert) => verify_value(scheme, cert, &canonical, &value),
            Candidate::Key(key, _) => verify_value_key(scheme, key, &canonical, &value),
        };
        match r {
            Ok(()) => {
                verified = Some(c);
                break;
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match verified {
        Some(Candidate::Cert(cert)) => out.signer = Some(cert.clone()),
        Some(Candidate::Key(key, given)) => {
            // A KeyValue key the user also gave with --key is the user's key.
            let user_given = &(*given || ctx.keys.iter().any(|k| k.spki() == key.spki()));
            // A certificate of the document or the user's that certifies this very key names
            // the signer; else the key is bare.
            let bound = out
                .certificates
                .iter()
                .chain(ctx.key_certificates.iter())
                .chain(ctx.certificates.iter())
                .find(|c| key.is_key_of(c))
                .cloned();
            match bound {
                Some(cert) => {
                    if !out.certificates.iter().any(|c| c.der() == cert.der()) {
                        out.certificates.push(cert.clone());
                    }
                    out.signer = Some(cert);
                }
                None => {
                    let from = if *user_given { "--key" } else { "KeyValue" };
                    out.bare_key = Some(BareKey {
                        description: format!("{} ({from})", keys::describe(key)),
                        user_given: *user_given,
                    });
                    if !*user_given {
                        // The signature value verifies (integrity), but nothing vouches for
                        // the key: not a missing certificate, an untrusted key.
                        out.indeterminate(
                            "untrusted_key",
                            format!(
                                "the signature verifies with the {} key of KeyValue, but no certificate binds that key to a signer (give the key with --key to trust it, or its certificate)",
                                keys::describe(key)
                            ),
                        );
                    }
                }
            }
        }
        None => {}
    }
    if let Some(signer) = out.signer.clone() {
        xades::check_signing_certificate(doc, sig, &signer, &mut out);
    } else if out.bare_key.is_none() {
        out.signer = out
            .certificates
            .iter()
            .find(|c| scheme.fits(&c.public_key))
            .or(out.certificates.first())
            .cloned();
        match first_err {
            Some(kyso_pki::Error::UnsupportedAlgorithm(a)) => out.indeterminate(
                "unsupported_algorithm",
                format!("unsupported algorithm: {a}"),
            ),
            Some(_) => out.fail(
                "signature_invalid",
                "the signature value does not verify over SignedInfo".into(),
            ),
            None => out.fail(
                "signature_invalid",
                format!(
                    "no key in KeyInfo is of the kind of the signature method ({})",
                    scheme.name()
                ),
            ),
        }
    }
    out
}

fn fits(scheme: SignatureScheme, c: &Candidate) -> bool {
    match c {
        Candidate::Cert(cert) => scheme.fits(&cert.public_key),
        Candidate::Key(key, _) => scheme.fits(&key.public_key),
    }
}

fn verify_value_key(
    scheme: SignatureScheme,
    key: &kyso_pki::RawPublicKey,
    message: &[u8],
    value: &[u8],
) -> Result<(), kyso_pki::Error> {
    key.verify_message(scheme, message, &der_value(scheme, value)?)
}

fn verify_value(
    scheme: SignatureScheme,
    cert: &Certificate,
    message: &[u8],
    value: &[u8],
) -> Result<(), kyso_pki::Error> {
    cert.verify_message(scheme, message, &der_value(scheme, value)?)
}

/// XMLDSig writes ECDSA and DSA values as fixed `r‖s`; the verifiers take DER.
fn der_value(scheme: SignatureScheme, value: &[u8]) -> Result<Vec<u8>, kyso_pki::Error> {
    match scheme {
        SignatureScheme::Ecdsa(_) | SignatureScheme::Dsa(_) => {
            kyso_pki::algorithm::ecdsa_fixed_to_der(value)
        }
        _ => Ok(value.to_vec()),
    }
}

pub(crate) fn inclusive_prefixes(method: &Node<'_, '_>) -> Vec<String> {
    method
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "InclusiveNamespaces")
        .and_then(|n| n.attribute("PrefixList"))
        .map(|p| p.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

fn check_reference<'a, 'i>(
    doc: &'a Document<'i>,
    ids: &IdIndex,
    cache: &C14nCache,
    sig: Node<'a, 'i>,
    r: Node<'a, 'i>,
    ctx: &KeyContext,
    problems: &mut Vec<Problem>,
) -> ReferenceOutcome {
    let given_uri = r.attribute("URI");
    let uri = given_uri.unwrap_or("").to_string();
    let mut outcome = ReferenceOutcome {
        uri: uri.clone(),
        digest: None,
        transforms: Vec::new(),
        covered: None,
        ok: false,
        type_uri: r.attribute("Type").map(str::to_string),
        apex: None,
        comments_signed: false,
        subset: false,
        digested: None,
        node_set: false,
    };
    let mut problem = |severity, reason, message: String| {
        problems.push(Problem {
            severity,
            reason,
            message,
        })
    };
    let digest_uri = dsig_child(&r, "DigestMethod")
        .and_then(|d| d.attribute("Algorithm"))
        .unwrap_or("");
    let Some(digest) = algorithms::digest_from_uri(digest_uri) else {
        problem(
            Severity::Indeterminate,
            "unsupported_algorithm",
            format!("digest method '{digest_uri}' is not supported"),
        );
        return outcome;
    };
    outcome.digest = Some(digest);
    if given_uri.is_none() {
        // Without URI the application is to know the data (XMLDSig 4.4.3.1); kyso does not.
        problem(
            Severity::Indeterminate,
            "unsupported_reference",
            "a Reference without URI: the application is to supply the signed data, and kyso has none".into(),
        );
        return outcome;
    }
    let external = !uri.is_empty() && !uri.starts_with('#');
    let mut data = match if external {
        crate::external::read(&uri, ctx.external_dir.as_deref()).map(Data::Octets)
    } else {
        dereference(doc, ids, &uri)
    } {
        Ok(d) => d,
        Err(e @ (Error::MissingId(_) | Error::DuplicateId(_))) => {
            problem(Severity::Failed, "reference_invalid", e.to_string());
            return outcome;
        }
        Err(e) => {
            problem(
                Severity::Indeterminate,
                "unsupported_reference",
                e.to_string(),
            );
            return outcome;
        }
    };
    if let Data::Nodes { apex, .. } = &data {
        let node = apex.unwrap_or_else(|| doc.root_element());
        outcome.apex = Some(node.id());
        outcome.covered = Some(Covered {
            element: node.tag_name().name().to_string(),
            id: id_of(&node).map(str::to_string),
            path: path(&node),
            minus_signature: false,
        });
    }
    let transforms: Vec<Node> = dsig_child(&r, "Transforms")
        .map(|t| dsig_children(&t, "Transform").collect())
        .unwrap_or_default();
    for (idx, &t) in transforms.iter().enumerate() {
        let alg = t.attribute("Algorithm").unwrap_or("");
        outcome.transforms.push(alg.to_string());
        data = match (alg, data) {
            (alg, Data::Octets(octets))
                if alg == subset::XPATH || alg == subset::FILTER2 || canon::is_c14n(alg) =>
            {
                // An external XML document: parsed, and the rest of the chain applied to it.
                let rest = transforms.get(idx..).unwrap_or_default();
                match subset::octets_chain(&octets, rest) {
                    Ok((out, narrowed)) => {
                        outcome.transforms.extend(
                            rest.iter()
                                .skip(1)
                                .map(|t| t.attribute("Algorithm").unwrap_or("").to_string()),
                        );
                        outcome.subset |= narrowed;
                        data = Data::Octets(out);
                        break;
                    }
                    Err(message) => {
                        problem(
                            Severity::Indeterminate,
                            "unsupported_transform",
                            format!("transform '{alg}' over an external document: {message}"),
                        );
                        return outcome;
                    }
                }
            }
            (subset::XPATH | subset::FILTER2, data) => {
                let (selection, comments) = match data {
                    Data::Nodes {
                        apex,
                        exclude,
                        comments,
                    } => (subset::select(doc, apex, exclude, comments), comments),
                    Data::Set {
                        selection,
                        comments,
                    } => (selection, comments),
                    Data::Octets(_) => return outcome,
                };
                let filtered = if alg == subset::XPATH {
                    subset::xpath_filter(doc, &selection, t)
                } else {
                    subset::filter2(doc, &selection, t)
                };
                match filtered {
                    Ok(selection) => {
                        // Part of the data: the reference no longer covers its whole element.
                        outcome.apex = None;
                        outcome.subset = true;
                        Data::Set {
                            selection,
                            comments,
                        }
                    }
                    Err(message) => {
                        problem(
                            Severity::Indeterminate,
                            "unsupported_transform",
                            format!("transform '{alg}': {message}"),
                        );
                        return outcome;
                    }
                }
            }
            (
                ENVELOPED,
                Data::Set {
                    selection,
                    comments,
                },
            ) => {
                if let Some(c) = outcome.covered.as_mut() {
                    c.minus_signature = true;
                }
                Data::Set {
                    selection: subset::without(doc, &selection, sig),
                    comments,
                }
            }
            (ENVELOPED, Data::Nodes { apex, comments, .. }) => {
                if let Some(c) = outcome.covered.as_mut() {
                    c.minus_signature = true;
                }
                Data::Nodes {
                    apex,
                    exclude: Some(sig),
                    comments,
                }
            }
            (BASE64, data) => {
                // The string value of a node-set, or the octets themselves, decoded.
                let input = match data {
                    Data::Octets(o) => o,
                    Data::Set { selection, .. } => subset::text(doc, &selection).into_bytes(),
                    Data::Nodes { apex, exclude, .. } => {
                        let node = apex.unwrap_or_else(|| doc.root_element());
                        node.descendants()
                            .filter(|n| {
                                n.is_text()
                                    && exclude.is_none_or(|x| !n.ancestors().any(|a| a == x))
                            })
                            .filter_map(|n| n.text())
                            .collect::<String>()
                            .into_bytes()
                    }
                };
                match base64::decode(&input) {
                    Ok(b) => Data::Octets(b),
                    Err(_) => {
                        problem(
                            Severity::Failed,
                            "digest_mismatch",
                            "base64 transform input is not base64".into(),
                        );
                        return outcome;
                    }
                }
            }
            (
                alg,
                Data::Nodes {
                    apex,
                    exclude,
                    comments,
                },
            ) if canon::is_c14n(alg) => {
                outcome.comments_signed = comments && alg.ends_with("#WithComments");
                match canonical_octets(
                    doc,
                    cache,
                    apex,
                    exclude,
                    alg,
                    comments,
                    &inclusive_prefixes(&t),
                ) {
                    Ok(o) => Data::Octets(o),
                    Err(p) => {
                        problem(p.severity, p.reason, p.message);
                        return outcome;
                    }
                }
            }
            (
                alg,
                Data::Set {
                    selection,
                    comments,
                },
            ) if canon::is_c14n(alg) => {
                outcome.comments_signed = comments && alg.ends_with("WithComments");
                match canon::canonicalize_selection(doc, &selection, alg, &inclusive_prefixes(&t)) {
                    Ok(o) => Data::Octets(o),
                    Err(e) => {
                        problem(
                            Severity::Indeterminate,
                            "unsupported_algorithm",
                            e.to_string(),
                        );
                        return outcome;
                    }
                }
            }
            (alg, _) => {
                problem(
                    Severity::Indeterminate,
                    "unsupported_transform",
                    format!("transform '{alg}' is not supported"),
                );
                return outcome;
            }
        };
    }
    outcome.node_set = matches!(data, Data::Nodes { .. } | Data::Set { .. });
    let octets = match data {
        Data::Octets(o) => o,
        // A node-set left after the transforms gets XMLDSig's default, C14N 1.0.
        Data::Set { selection, .. } => {
            match canon::canonicalize_selection(doc, &selection, algorithms::C14N10, &[]) {
                Ok(o) => o,
                Err(e) => {
                    problem(
                        Severity::Indeterminate,
                        "unsupported_algorithm",
                        e.to_string(),
                    );
                    return outcome;
                }
            }
        }
        Data::Nodes {
            apex,
            exclude,
            comments,
        } => match canonical_octets(doc, cache, apex, exclude, algorithms::C14N10, comments, &[]) {
            // A node-set left after the transforms gets XMLDSig's default, C14N 1.0.
            Ok(o) => o,
            Err(p) => {
                problem(p.severity, p.reason, p.message);
                return outcome;
            }
        },
    };
    let expected = dsig_child(&r, "DigestValue")
        .map(|d| text_of(&d))
        .unwrap_or_default();
    match base64::decode(expected.as_bytes()) {
        Ok(v) if v == digest.digest(&octets) => {
            outcome.ok = true;
            outcome.digested = Some(octets);
        }
        Ok(_) => problem(
            Severity::Failed,
            "digest_mismatch",
            format!("the data of reference '{uri}' was changed (digest does not match)"),
        ),
        Err(_) => problem(
            Severity::Failed,
            "malformed_signature",
            format!("DigestValue of '{uri}' is not base64"),
        ),
    }
    outcome
}

/// Canonicalizes a reference's node-set; a failure leaves the reference indeterminate.
fn canonical_octets(
    doc: &Document<'_>,
    cache: &C14nCache,
    apex: Option<Node<'_, '_>>,
    exclude: Option<Node<'_, '_>>,
    alg: &str,
    comments: bool,
    prefixes: &[String],
) -> Result<Vec<u8>, Problem> {
    // An excluded node outside the apex's subtree changes nothing.
    let effective_exclude = match (apex, exclude) {
        (Some(a), Some(x)) if !x.ancestors().any(|n| n == a) => None,
        (_, x) => x,
    };
    let key = C14nKey {
        apex: apex.map(|n| n.id()),
        exclude: effective_exclude.map(|n| n.id()),
        alg: alg.to_string(),
        comments,
        prefixes: prefixes.to_vec(),
    };
    if let Ok(map) = cache.map.try_borrow()
        && let Some((_, octets)) = map.iter().find(|(k, _)| *k == key)
    {
        return Ok(octets.clone());
    }
    let octets = canon::canonicalize(doc, apex, effective_exclude, alg, comments, prefixes)
        .map_err(|e| Problem {
            severity: Severity::Indeterminate,
            reason: "unsupported_algorithm",
            message: e.to_string(),
        })?;
    // A handful of entries covers real documents; the bound keeps lookups cheap for
    // documents with thousands of references.
    if let Ok(mut map) = cache.map.try_borrow_mut()
        && map.len() < 32
    {
        map.push((key, octets.clone()));
    }
    Ok(octets)
}

/// Same-document URI dereferencing: `""`, `#id`, `#xpointer(/)`, `#xpointer(id('id'))`.
fn dereference<'a, 'i>(
    doc: &'a Document<'i>,
    ids: &IdIndex,
    uri: &str,
) -> Result<Data<'a, 'i>, Error> {
    if uri.is_empty() {
        return Ok(Data::Nodes {
            apex: None,
            exclude: None,
            comments: false,
        });
    }
    let Some(frag) = uri.strip_prefix('#') else {
        return Err(Error::Unsupported(format!(
            "external reference '{uri}' (only same-document references)"
        )));
    };
    if frag == "xpointer(/)" {
        return Ok(Data::Nodes {
            apex: None,
            exclude: None,
            comments: true,
        });
    }
    if let Some(inner) = frag
        .strip_prefix("xpointer(id(")
        .and_then(|r| r.strip_suffix("))"))
    {
        let id = inner.trim_matches(|c| c == '\'' || c == '"');
        return Ok(Data::Nodes {
            apex: Some(ids.get(doc, id)?),
            exclude: None,
            comments: true,
        });
    }
    if frag.starts_with("xpointer(") {
        return Err(Error::Unsupported(format!("XPointer '{frag}'")));
    }
    Ok(Data::Nodes {
        apex: Some(ids.get(doc, frag)?),
        exclude: None,
        comments: false,
    })
}

/// SigningTime anywhere under the signature's Objects, in any namespace or none (no namespace,
/// a `ds:` prefix, the default XMLDSig namespace, XAdES...). Without a zone it is read at
/// `local_offset` minutes east of UTC (e-invoices: Vietnam time), else as UTC.
fn read_signing_time(sig: &Node<'_, '_>, local_offset: Option<i32>, out: &mut SignatureOutcome) {
    let Some(node) = sig
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "SigningTime")
    else {
        return;
    };
    let text = text_of(&node);
    let text = text.trim();
    match time::parse_rfc3339(text) {
        Ok(mut t) => {
            if t.offset_minutes.is_none() {
                match local_offset {
                    Some(offset) => {
                        t.unix -= i64::from(offset) * 60;
                        out.warnings.push(format!(
                            "SigningTime '{text}' has no time zone; read as Vietnam time ({})",
                            zone_text(offset)
                        ));
                    }
                    None => out.warnings.push(format!(
                        "SigningTime '{text}' has no time zone; read as UTC"
                    )),
                }
            }
            out.signing_time = Some(t);
        }
        Err(_) => out
            .warnings
            .push(format!("SigningTime '{text}' is not an ISO 8601 time")),
    }
}

/// `+07:00` for 420 minutes.
fn zone_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::parse;

    fn signing_time(signature: &str, local_offset: Option<i32>) -> SignatureOutcome {
        let mut out = SignatureOutcome {
            id: None,
            path: String::new(),
            signature_method: None,
            references: Vec::new(),
            certificates: Vec::new(),
            signer: None,
            bare_key: None,
            signing_time: None,
            party: None,
            problems: Vec::new(),
            warnings: Vec::new(),
        };
        if let Ok(doc) = parse(signature) {
            read_signing_time(&doc.root_element(), local_offset, &mut out);
        }
        out
    }

    #[test]
    fn signing_time_in_any_namespace() {
        let forms = [
            // The tax authority's: the default XMLDSig namespace.
            format!(
                "<Signature xmlns=\"{DSIG_NS}\"><Object><SignatureProperties><SignatureProperty>\
                 <SigningTime>2026-11-20T09:15:00+07:00</SigningTime></SignatureProperty>\
                 </SignatureProperties></Object></Signature>"
            ),
            // No namespace under a ds: prefixed signature.
            format!(
                "<ds:Signature xmlns:ds=\"{DSIG_NS}\"><ds:Object><SignatureProperties>\
                 <SignatureProperty><SigningTime>2026-11-20T09:15:00+07:00</SigningTime>\
                 </SignatureProperty></SignatureProperties></ds:Object></ds:Signature>"
            ),
            // xmlns="" under a default-namespace signature.
            format!(
                "<Signature xmlns=\"{DSIG_NS}\"><Object><SignatureProperties xmlns=\"\">\
                 <SignatureProperty><SigningTime>2026-11-20T09:15:00+07:00</SigningTime>\
                 </SignatureProperty></SignatureProperties></Object></Signature>"
            ),
            // ds: prefixed, and a foreign namespace.
            format!(
                "<ds:Signature xmlns:ds=\"{DSIG_NS}\"><ds:Object><ds:SignatureProperties>\
                 <ds:SignatureProperty><ds:SigningTime>2026-11-20T09:15:00+07:00</ds:SigningTime>\
                 </ds:SignatureProperty></ds:SignatureProperties></ds:Object></ds:Signature>"
            ),
            format!(
                "<ds:Signature xmlns:ds=\"{DSIG_NS}\"><ds:Object><x:SigningTime xmlns:x=\"urn:x\">\
                 2026-11-20T09:15:00+07:00</x:SigningTime></ds:Object></ds:Signature>"
            ),
        ];
        for f in &forms {
            let out = signing_time(f, None);
            assert_eq!(
                out.signing_time.map(|t| time::to_rfc3339(t.unix)),
                Some("2026-11-20T02:15:00Z".to_string()),
                "{f}"
            );
            assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        }
    }

    #[test]
    fn signing_time_without_a_zone() {
        let doc = format!(
            "<Signature xmlns=\"{DSIG_NS}\"><Object><SignatureProperties><SignatureProperty>\
             <SigningTime>2026-11-20T09:15:00</SigningTime></SignatureProperty>\
             </SignatureProperties></Object></Signature>"
        );
        let vn = signing_time(&doc, Some(VIETNAM_OFFSET_MINUTES));
        assert_eq!(
            vn.signing_time.map(|t| time::to_rfc3339(t.unix)),
            Some("2026-11-20T02:15:00Z".to_string())
        );
        assert_eq!(
            vn.warnings,
            vec![
                "SigningTime '2026-11-20T09:15:00' has no time zone; read as Vietnam time (+07:00)"
                    .to_string()
            ]
        );
        let utc = signing_time(&doc, None);
        assert_eq!(
            utc.signing_time.map(|t| time::to_rfc3339(t.unix)),
            Some("2026-11-20T09:15:00Z".to_string())
        );
        assert!(
            utc.warnings[0].ends_with("read as UTC"),
            "{:?}",
            utc.warnings
        );
        assert_eq!(zone_text(-90), "-01:30");
    }
}
