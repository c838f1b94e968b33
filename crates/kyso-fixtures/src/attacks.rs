//! Attack files: variants of a signed PDF that try to make a verifier accept content that was
//! changed after signing, or show a signature that is not there. Each variant is built from
//! the signed bytes by appending (or, inside the unsigned `/Contents` hole, overwriting), the
//! way an attacker who holds a signed document would. Tests verify every variant; the same
//! files can be written to a folder (`kyso-fixtures --attacks SIGNED.pdf OUT_DIR`) for the
//! peers.
//!
//! Classes covered here (issue 10 of the project):
//! - `shared-value`: a field added after signing whose `/V` is the existing signature
//!   dictionary (by reference, or a copy), a forged second signature ("agency seal");
//! - `coverage`: bytes after the last revision that are not a revision (junk, object
//!   definitions without a cross-reference section, with or without a fake `startxref`);
//! - `contents`: data hidden in the zero padding of the signature's `/Contents` (a second CMS);
//! - `dss`: a page's content stream or font rewritten and listed in the catalog's `/DSS` (as
//!   a certificate, or in a `/VRI` entry), disguised as validation data;
//! - `appearance` (on a [`form_letter`]): an object the page draws that is also a field's
//!   `/AP` (an empty signature field's, a text field's), or that a field's appearance shares
//!   with the page (its font), rewritten as "the field's appearance";
//! - `lock` (on a [`form_letter`] whose locked field `Approval` is signed): a locked field
//!   filled, an annotation added although the lock's `/P 2` forbids it.
//!
//! [`valid_updates`] builds the other direction: later revisions a verifier must accept.
//! The pdf-insecurity.org classes (USF, ISA, SWA, shadow, EAA, SSA) are in
//! [`crate::pdf_insecurity`], which reuses the helpers here.

use kyso_pdf::{Dict, Document, IncrementalUpdate, ObjRef, Object, Stream, find_signatures};

/// The attack class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttackClass {
    SharedValue,
    Coverage,
    Contents,
    Dss,
    Appearance,
    Lock,
    /// Universal signature forgery (see [`crate::pdf_insecurity`]).
    Usf,
    /// Incremental saving attack.
    Isa,
    /// Signature wrapping attack.
    Swa,
    /// Shadow attack, "hide": an overlay of the signed version removed.
    ShadowHide,
    /// Shadow attack, "replace": a field value, a font or content redefined.
    ShadowReplace,
    /// Shadow attack, "hide-and-replace": content prepared hidden in the signed version
    /// swapped in.
    ShadowHideReplace,
    /// Evil annotation attack on a certified document.
    Certification,
    /// Sneaky signature attack on a certified document.
    SneakySignature,
    /// The widget kids of an agency seal's signature field (see [`crate::seal_kids`]).
    SealKids,
    /// Not an attack: a legitimate later revision.
    Valid,
}

/// What a correct verifier must say about a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The signature must fail: the document was modified after signing.
    Modified,
    /// The signature may pass, but the report must carry a warning about the variant.
    Warning,
    /// The last signature (the one whose lock is broken) must fail as modified; earlier
    /// signatures, which set no lock, may pass.
    LastModified,
    /// The first signature (the certification) must fail as modified; the last one, which
    /// nothing follows, must pass.
    FirstModified,
    /// Every signature must pass: the change is allowed.
    Allowed,
    /// Every signature listed must fail, the attacked one with this report reason (with no
    /// signature left, the document fails with it).
    Fails(&'static str),
}

/// One attack file.
#[derive(Debug, Clone)]
pub struct Attack {
    /// A file-name-friendly name, unique among the variants.
    pub name: &'static str,
    pub class: AttackClass,
    pub expected: Expected,
    pub bytes: Vec<u8>,
}

/// Builds every variant from a PDF that carries at least one signature in a classic or
/// stream cross-reference file.
pub fn pdf_attacks(signed: &[u8]) -> Result<Vec<Attack>, String> {
    let doc = Document::open(signed).map_err(|e| format!("cannot read the signed PDF: {e}"))?;
    let sigs = find_signatures(&doc).map_err(|e| format!("cannot list signatures: {e}"))?;
    let sig = sigs.last().ok_or("the PDF has no signature")?;
    let sig_ref = sig
        .sig_ref
        .ok_or("the signature value is not an indirect object")?;
    let mut out = Vec::new();

    // shared-value: a new signature field showing the existing signature again.
    out.push(Attack {
        name: "shared-value-same-reference",
        class: AttackClass::SharedValue,
        expected: Expected::Modified,
        bytes: with_extra_signature_field(&doc, Some(Object::Ref(sig_ref)), None)?,
    });
    let copy = doc
        .get(sig_ref)
        .map_err(|e| format!("cannot read the signature dictionary: {e}"))?;
    out.push(Attack {
        name: "shared-value-copied-dictionary",
        class: AttackClass::SharedValue,
        expected: Expected::Modified,
        bytes: with_extra_signature_field(&doc, Some(copy), None)?,
    });

    // coverage: bytes after the last revision.
    let page_content = first_page_content(&doc)?;
    let text = "BT /F1 24 Tf 72 700 Td (9.000.000.000 VND) Tj ET";
    let fake_page = format!(
        "{} 0 obj\n<< /Length {} >>\nstream\n{text}\nendstream\nendobj\n",
        page_content.num,
        text.len()
    );
    out.push(Attack {
        name: "coverage-junk-after-eof",
        class: AttackClass::Coverage,
        expected: Expected::Warning,
        bytes: appended(signed, b"% a note that is not a revision\n"),
    });
    out.push(Attack {
        name: "coverage-objects-then-eof",
        class: AttackClass::Coverage,
        expected: Expected::Modified,
        bytes: appended(signed, format!("{fake_page}%%EOF\n").as_bytes()),
    });
    out.push(Attack {
        name: "coverage-objects-with-old-startxref",
        class: AttackClass::Coverage,
        expected: Expected::Modified,
        bytes: appended(
            signed,
            format!("{fake_page}startxref\n{}\n%%EOF\n", doc.startxref()).as_bytes(),
        ),
    });

    // contents: a second CMS in the /Contents padding (inside the unsigned hole).
    out.push(Attack {
        name: "contents-second-cms-in-padding",
        class: AttackClass::Contents,
        expected: Expected::Warning,
        bytes: second_cms_in_padding(signed, &sig.byte_range, &sig.contents)?,
    });

    // dss: a page's objects rewritten and listed as validation data.
    let mut up = IncrementalUpdate::new(&doc);
    up.set(page_content, content_stream(text));
    let mut dss = Dict::new();
    dss.set(b"Certs", Object::Array(vec![Object::Ref(page_content)]));
    up.set(
        root_ref(&doc)?,
        with_catalog_entry(&doc, b"DSS", Object::Dict(dss))?,
    );
    out.push(Attack {
        name: "dss-certs-lists-page-content",
        class: AttackClass::Dss,
        expected: Expected::Modified,
        bytes: up.write().map_err(|e| e.to_string())?.bytes,
    });
    let font = first_page_font(&doc)?;
    let mut up = IncrementalUpdate::new(&doc);
    up.set(font, another_font(&doc, font)?);
    let mut entry = Dict::new();
    entry.set(b"Cert", Object::Array(vec![Object::Ref(font)]));
    let mut vri = Dict::new();
    vri.set(
        b"0123456789ABCDEF0123456789ABCDEF01234567",
        Object::Dict(entry),
    );
    let mut dss = Dict::new();
    dss.set(b"VRI", Object::Dict(vri));
    let dss_ref = up.add(Object::Dict(dss));
    up.set(
        root_ref(&doc)?,
        with_catalog_entry(&doc, b"DSS", Object::Ref(dss_ref))?,
    );
    out.push(Attack {
        name: "dss-vri-lists-page-font",
        class: AttackClass::Dss,
        expected: Expected::Modified,
        bytes: up.write().map_err(|e| e.to_string())?.bytes,
    });
    Ok(out)
}

/// The text the base form letter shows in its amount box, and the forged one.
const AMOUNT: &str = "So tien: 1.000.000 VND";
pub(crate) const FORGED: &str = "So tien: 9.000.000.000 VND";

/// A letter with a form, built from an unsigned PDF as one incremental update (signed later,
/// so it is part of the signed content). On page 1:
/// - form XObject `/Amt` (the amount) drawn by the page and also the `/AP /N` of the empty
///   signature field `Seal`;
/// - form XObject `/Amt2` drawn by the page and also the `/AP /N` of the text field `Amount`;
/// - the text field `Note`, whose appearance is its own (it uses the page's font `/F1`);
/// - the empty signature field `Approval` with a lock dictionary
///   `<< /Action /Include /Fields [(Amount)] /P 2 >>` (ISO 32000-2 12.7.5.5);
/// - a structure tree (tagged PDF) with a `Document` element and a parent tree, and XMP
///   metadata.
///
/// Sign it with a certification (DocMDP P=3), then sign the field `Approval`, then build the
/// variants with [`form_attacks`] and [`valid_updates`].
pub fn form_letter(plain: &[u8]) -> Result<Vec<u8>, String> {
    let err = |e: kyso_pdf::Error| e.to_string();
    let doc = Document::open(plain).map_err(|e| format!("cannot read the PDF: {e}"))?;
    let (root, mut catalog) = doc.catalog().map_err(err)?;
    let page = *doc
        .pages()
        .map_err(err)?
        .first()
        .ok_or("the PDF has no page")?;
    let font = first_page_font(&doc)?;
    let mut up = IncrementalUpdate::new(&doc);
    let amount = up.add(form_xobject(font, AMOUNT));
    let amount2 = up.add(form_xobject(font, AMOUNT));
    let note_ap = up.add(form_xobject(font, "Ghi chu: -"));
    let draw = up.add(content_stream(
        "q 1 0 0 1 72 90 cm /Amt Do Q q 1 0 0 1 320 90 cm /Amt2 Do Q",
    ));

    let mut page_dict = doc
        .get(page)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("the page is not a dictionary")?;
    let mut resources = page_dict
        .get(b"Resources")
        .map(|r| doc.resolve(r))
        .transpose()
        .map_err(err)?
        .and_then(|r| r.as_dict().cloned())
        .unwrap_or_default();
    let mut xobjects = Dict::new();
    xobjects.set(b"Amt", Object::Ref(amount));
    xobjects.set(b"Amt2", Object::Ref(amount2));
    resources.set(b"XObject", Object::Dict(xobjects));
    page_dict.set(b"Resources", Object::Dict(resources));
    let mut contents = match page_dict.get(b"Contents") {
        Some(Object::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    contents.push(Object::Ref(draw));
    page_dict.set(b"Contents", Object::Array(contents));

    let widget =
        |name: &str, ft: &str, rect: [i64; 4], ap: Option<ObjRef>| widget(name, ft, rect, page, ap);
    let seal = up.add(Object::Dict(widget(
        "Seal",
        "Sig",
        [72, 90, 372, 120],
        Some(amount),
    )));
    let mut amount_field = widget("Amount", "Tx", [320, 90, 620, 120], Some(amount2));
    amount_field.set(b"V", Object::text(AMOUNT));
    amount_field.set(b"DA", Object::string(b"/F1 14 Tf 0 g"));
    let amount_field = up.add(Object::Dict(amount_field));
    let mut note = widget("Note", "Tx", [72, 40, 372, 70], Some(note_ap));
    note.set(b"DA", Object::string(b"/F1 14 Tf 0 g"));
    let note = up.add(Object::Dict(note));
    let mut approval = widget("Approval", "Sig", [400, 40, 550, 70], None);
    let mut lock = Dict::new();
    lock.set(b"Type", Object::name("SigFieldLock"));
    lock.set(b"Action", Object::name("Include"));
    lock.set(b"Fields", Object::Array(vec![Object::text("Amount")]));
    lock.set(b"P", Object::Int(2));
    approval.set(b"Lock", Object::Dict(lock));
    let approval = up.add(Object::Dict(approval));
    let fields = vec![
        Object::Ref(approval),
        Object::Ref(seal),
        Object::Ref(amount_field),
        Object::Ref(note),
    ];
    let annots = up.add(Object::Array(fields.clone()));
    page_dict.set(b"Annots", Object::Ref(annots));
    page_dict.set(b"StructParents", Object::Int(0));
    up.set(page, Object::Dict(page_dict));

    let mut form = Dict::new();
    form.set(b"Fields", Object::Array(fields));
    form.set(b"DA", Object::string(b"/F1 12 Tf 0 g"));
    let mut dr_fonts = Dict::new();
    dr_fonts.set(b"F1", Object::Ref(font));
    let mut dr = Dict::new();
    dr.set(b"Font", Object::Dict(dr_fonts));
    form.set(b"DR", Object::Dict(dr));
    catalog.set(b"AcroForm", Object::Dict(form));

    // A minimal structure tree: one Document element, a parent tree with page 1's entry.
    let str_root = up.reserve();
    let document = up.reserve();
    let mut doc_elem = Dict::new();
    doc_elem.set(b"Type", Object::name("StructElem"));
    doc_elem.set(b"S", Object::name("Document"));
    doc_elem.set(b"P", Object::Ref(str_root));
    doc_elem.set(b"K", Object::Array(Vec::new()));
    up.set(document, Object::Dict(doc_elem));
    let mut nums = Dict::new();
    nums.set(
        b"Nums",
        Object::Array(vec![Object::Int(0), Object::Array(Vec::new())]),
    );
    let parent_tree = up.add(Object::Dict(nums));
    let mut tree = Dict::new();
    tree.set(b"Type", Object::name("StructTreeRoot"));
    tree.set(b"K", Object::Array(vec![Object::Ref(document)]));
    tree.set(b"ParentTree", Object::Ref(parent_tree));
    tree.set(b"ParentTreeNextKey", Object::Int(1));
    up.set(str_root, Object::Dict(tree));
    catalog.set(b"StructTreeRoot", Object::Ref(str_root));
    let mut mark = Dict::new();
    mark.set(b"Marked", Object::Bool(true));
    catalog.set(b"MarkInfo", Object::Dict(mark));
    catalog.set(
        b"Metadata",
        Object::Ref(up.add(xmp_stream("kyso-fixtures"))),
    );
    up.set(root, Object::Dict(catalog));
    up.write().map(|w| w.bytes).map_err(err)
}

/// The field of a [`form_letter`] named `name`, with its dictionary.
pub(crate) fn field(doc: &Document<'_>, name: &str) -> Result<(ObjRef, Dict), String> {
    let (_, catalog) = doc.catalog().map_err(|e| e.to_string())?;
    let form = catalog
        .get(b"AcroForm")
        .map(|f| doc.resolve(f))
        .transpose()
        .map_err(|e| e.to_string())?
        .ok_or("no /AcroForm")?;
    let fields = form
        .as_dict()
        .and_then(|f| f.get(b"Fields"))
        .map(|f| doc.resolve(f))
        .transpose()
        .map_err(|e| e.to_string())?
        .ok_or("no /Fields")?;
    for f in fields.as_array().unwrap_or(&[]) {
        let Some(r) = f.as_ref() else { continue };
        let d = doc.get(r).map_err(|e| e.to_string())?;
        if let Some(d) = d.as_dict()
            && d.string(b"T") == Some(name.as_bytes())
        {
            return Ok((r, d.clone()));
        }
    }
    Err(format!("no field '{name}'"))
}

/// The normal appearance stream of a field dictionary.
pub(crate) fn normal_appearance(d: &Dict) -> Result<ObjRef, String> {
    d.get(b"AP")
        .and_then(Object::as_dict)
        .and_then(|ap| ap.reference(b"N"))
        .ok_or_else(|| "the field has no indirect /AP /N".into())
}

/// Attack variants of a signed [`form_letter`] (certified, then `Approval` signed).
pub fn form_attacks(signed: &[u8]) -> Result<Vec<Attack>, String> {
    let err = |e: kyso_pdf::Error| e.to_string();
    let doc = Document::open(signed).map_err(|e| format!("cannot read the signed PDF: {e}"))?;
    let font = first_page_font(&doc)?;
    let mut out = Vec::new();

    // The empty signature field's appearance is what the page draws: "update" it.
    let (seal, mut seal_dict) = field(&doc, "Seal")?;
    let shared = normal_appearance(&seal_dict)?;
    let mut up = IncrementalUpdate::new(&doc);
    up.set(shared, form_xobject(font, FORGED));
    let mut mk = Dict::new();
    mk.set(b"BG", Object::Array(vec![Object::Int(1); 3]));
    seal_dict.set(b"MK", Object::Dict(mk));
    up.set(seal, Object::Dict(seal_dict));
    out.push(Attack {
        name: "appearance-shared-with-page-signature-field",
        class: AttackClass::Appearance,
        expected: Expected::Modified,
        bytes: up.write().map_err(err)?.bytes,
    });

    // A text field filled, its appearance (drawn by the page too) rewritten.
    let (amount, mut amount_dict) = field(&doc, "Amount")?;
    let shared = normal_appearance(&amount_dict)?;
    let mut up = IncrementalUpdate::new(&doc);
    up.set(shared, form_xobject(font, FORGED));
    amount_dict.set(b"V", Object::text(FORGED));
    up.set(amount, Object::Dict(amount_dict.clone()));
    out.push(Attack {
        name: "appearance-shared-with-page-text-field",
        class: AttackClass::Appearance,
        expected: Expected::Modified,
        bytes: up.write().map_err(err)?.bytes,
    });

    // A field filled with its own appearance, which also rewrites the font the page uses.
    let (note, mut note_dict) = field(&doc, "Note")?;
    let own = normal_appearance(&note_dict)?;
    let mut up = IncrementalUpdate::new(&doc);
    up.set(own, form_xobject(font, "Ghi chu: da duyet"));
    up.set(font, another_font(&doc, font)?);
    note_dict.set(b"V", Object::text("Ghi chu: da duyet"));
    up.set(note, Object::Dict(note_dict));
    out.push(Attack {
        name: "appearance-own-field-rewrites-page-font",
        class: AttackClass::Appearance,
        expected: Expected::Modified,
        bytes: up.write().map_err(err)?.bytes,
    });

    // lock: the locked field filled (value only).
    let mut up = IncrementalUpdate::new(&doc);
    amount_dict.set(b"V", Object::text(FORGED));
    up.set(amount, Object::Dict(amount_dict));
    out.push(Attack {
        name: "lock-locked-field-filled",
        class: AttackClass::Lock,
        expected: Expected::LastModified,
        bytes: up.write().map_err(err)?.bytes,
    });

    // lock: an annotation added; the certification (P=3) allows it, the lock's /P 2 not.
    let page = *doc.pages().map_err(err)?.first().ok_or("no page")?;
    let page_dict = doc.get(page).map_err(err)?;
    let annots_ref = page_dict
        .as_dict()
        .and_then(|d| d.reference(b"Annots"))
        .ok_or("the page's /Annots is not indirect")?;
    let mut annots = doc
        .get(annots_ref)
        .map_err(err)?
        .as_array()
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    let mut up = IncrementalUpdate::new(&doc);
    let mut note_annot = Dict::new();
    note_annot.set(b"Type", Object::name("Annot"));
    note_annot.set(b"Subtype", Object::name("FreeText"));
    note_annot.set(
        b"Rect",
        Object::Array(vec![
            Object::Int(72),
            Object::Int(600),
            Object::Int(400),
            Object::Int(640),
        ]),
    );
    note_annot.set(b"Contents", Object::text(FORGED));
    note_annot.set(b"DA", Object::string(b"/Helv 14 Tf 0 g"));
    note_annot.set(b"P", Object::Ref(page));
    annots.push(Object::Ref(up.add(Object::Dict(note_annot))));
    up.set(annots_ref, Object::Array(annots));
    out.push(Attack {
        name: "lock-annotation-added",
        class: AttackClass::Lock,
        expected: Expected::LastModified,
        bytes: up.write().map_err(err)?.bytes,
    });
    Ok(out)
}

/// Legitimate later revisions of a signed [`form_letter`]: every signature must still pass.
pub fn valid_updates(signed: &[u8]) -> Result<Vec<Attack>, String> {
    let err = |e: kyso_pdf::Error| e.to_string();
    let doc = Document::open(signed).map_err(|e| format!("cannot read the signed PDF: {e}"))?;
    let font = first_page_font(&doc)?;
    let (root, catalog) = doc.catalog().map_err(err)?;
    let mut out = Vec::new();

    // An unlocked field filled: value, its own appearance, annotation flags and default
    // appearance.
    let (note, mut note_dict) = field(&doc, "Note")?;
    let own = normal_appearance(&note_dict)?;
    let mut up = IncrementalUpdate::new(&doc);
    up.set(own, form_xobject(font, "Ghi chu: da duyet"));
    note_dict.set(b"V", Object::text("Ghi chu: da duyet"));
    note_dict.set(b"F", Object::Int(4 | 128));
    note_dict.set(b"DA", Object::string(b"/F1 12 Tf 0 g"));
    up.set(note, Object::Dict(note_dict.clone()));
    out.push(Attack {
        name: "valid-unlocked-field-filled",
        class: AttackClass::Valid,
        expected: Expected::Allowed,
        bytes: up.write().map_err(err)?.bytes,
    });

    // The same in a tagged PDF: the widget gains a /StructParent, the structure tree an
    // element for it.
    let mut up = IncrementalUpdate::new(&doc);
    up.set(own, form_xobject(font, "Ghi chu: da duyet"));
    note_dict.set(b"StructParent", Object::Int(1));
    up.set(note, Object::Dict(note_dict));
    let tree_ref = catalog
        .reference(b"StructTreeRoot")
        .ok_or("no structure tree")?;
    let mut tree = doc
        .get(tree_ref)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("the structure tree root is not a dictionary")?;
    let document = tree
        .get(b"K")
        .and_then(Object::as_array)
        .and_then(|k| k.first())
        .and_then(Object::as_ref)
        .ok_or("no Document element")?;
    let mut doc_elem = doc
        .get(document)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("the Document element is not a dictionary")?;
    let mut objr = Dict::new();
    objr.set(b"Type", Object::name("OBJR"));
    objr.set(b"Obj", Object::Ref(note));
    let mut form_elem = Dict::new();
    form_elem.set(b"Type", Object::name("StructElem"));
    form_elem.set(b"S", Object::name("Form"));
    form_elem.set(b"P", Object::Ref(document));
    form_elem.set(b"K", Object::Dict(objr));
    let form_elem = up.add(Object::Dict(form_elem));
    let mut kids = doc_elem
        .get(b"K")
        .and_then(Object::as_array)
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    kids.push(Object::Ref(form_elem));
    doc_elem.set(b"K", Object::Array(kids));
    up.set(document, Object::Dict(doc_elem));
    let parent_tree = tree
        .reference(b"ParentTree")
        .ok_or("the parent tree is not indirect")?;
    let mut nums = doc
        .get(parent_tree)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("the parent tree is not a dictionary")?;
    let mut list = nums
        .get(b"Nums")
        .and_then(Object::as_array)
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    list.push(Object::Int(1));
    list.push(Object::Ref(form_elem));
    nums.set(b"Nums", Object::Array(list));
    up.set(parent_tree, Object::Dict(nums));
    tree.set(b"ParentTreeNextKey", Object::Int(2));
    up.set(tree_ref, Object::Dict(tree));
    out.push(Attack {
        name: "valid-unlocked-field-filled-tagged",
        class: AttackClass::Valid,
        expected: Expected::Allowed,
        bytes: up.write().map_err(err)?.bytes,
    });

    // The XMP metadata rewritten in place.
    let meta = catalog
        .reference(b"Metadata")
        .ok_or("the letter has no XMP metadata")?;
    let mut up = IncrementalUpdate::new(&doc);
    up.set(meta, xmp_stream("kyso-fixtures (updated)"));
    out.push(Attack {
        name: "valid-metadata-updated",
        class: AttackClass::Valid,
        expected: Expected::Allowed,
        bytes: up.write().map_err(err)?.bytes,
    });

    // New XMP metadata, the version raised.
    let mut up = IncrementalUpdate::new(&doc);
    let meta = up.add(xmp_stream("kyso-fixtures (replaced)"));
    let mut cat = catalog.clone();
    cat.set(b"Metadata", Object::Ref(meta));
    cat.set(b"Version", Object::name("2.0"));
    up.set(root, Object::Dict(cat));
    out.push(Attack {
        name: "valid-metadata-replaced-version-raised",
        class: AttackClass::Valid,
        expected: Expected::Allowed,
        bytes: up.write().map_err(err)?.bytes,
    });

    // Page entries nothing draws (issue 10): iText's /ITXT stamp and the tab order added, the
    // page's resources rewritten as a new object with the same content.
    let (page, mut page_dict, resources) = first_page(&doc)?;
    let mut up = IncrementalUpdate::new(&doc);
    let same = up.add(Object::Dict(resources));
    page_dict.set(b"Resources", Object::Ref(same));
    page_dict.set(b"ITXT", Object::text("5.0.0"));
    page_dict.set(b"Tabs", Object::name("S"));
    up.set(page, Object::Dict(page_dict));
    out.push(Attack {
        name: "valid-page-stamp-tabs-resources-rewritten",
        class: AttackClass::Valid,
        expected: Expected::Allowed,
        bytes: up.write().map_err(err)?.bytes,
    });

    // The parent tree replaced by a new one that keeps page 1's entry (as a new array with
    // the same elements) and adds one; a role map added for a type no element has.
    let mut up = IncrementalUpdate::new(&doc);
    let (tree_ref, mut tree) = struct_root(&doc)?;
    let old_nums = parent_tree_nums(&doc, &tree)?;
    let mut nums = Vec::new();
    for pair in old_nums.chunks(2) {
        if let [k, v] = pair {
            let v = doc.resolve(v).map_err(err)?;
            nums.push(k.clone());
            nums.push(Object::Ref(up.add(v)));
        }
    }
    nums.push(Object::Int(7));
    nums.push(Object::Array(Vec::new()));
    let mut parent = Dict::new();
    parent.set(b"Nums", Object::Array(nums));
    tree.set(b"ParentTree", Object::Ref(up.add(Object::Dict(parent))));
    tree.set(b"ParentTreeNextKey", Object::Int(8));
    let mut roles = Dict::new();
    roles.set(b"Seal", Object::name("Figure"));
    tree.set(b"RoleMap", Object::Dict(roles));
    up.set(tree_ref, Object::Dict(tree));
    out.push(Attack {
        name: "valid-parent-tree-replaced-kept",
        class: AttackClass::Valid,
        expected: Expected::Allowed,
        bytes: up.write().map_err(err)?.bytes,
    });
    Ok(out)
}

/// The dangerous versions of the changes [`valid_updates`] allows in a signed
/// [`form_letter`] (issue 10): each must be a modification.
pub fn later_change_attacks(signed: &[u8]) -> Result<Vec<Attack>, String> {
    let err = |e: kyso_pdf::Error| e.to_string();
    let doc = Document::open(signed).map_err(|e| format!("cannot read the signed PDF: {e}"))?;
    let font = first_page_font(&doc)?;
    let mut out = Vec::new();

    // The resources rewritten as a new object that also defines a font name: content that
    // named a missing font would now draw text.
    let (page, mut page_dict, mut resources) = first_page(&doc)?;
    let mut fonts = resources
        .get(b"Font")
        .map(|f| doc.resolve(f))
        .transpose()
        .map_err(err)?
        .and_then(|f| f.as_dict().cloned())
        .unwrap_or_default();
    fonts.set(b"F9", Object::Ref(font));
    resources.set(b"Font", Object::Dict(fonts));
    let mut up = IncrementalUpdate::new(&doc);
    page_dict.set(b"Resources", Object::Ref(up.add(Object::Dict(resources))));
    up.set(page, Object::Dict(page_dict.clone()));
    out.push(Attack {
        name: "page-resources-rewritten-font-added",
        class: AttackClass::SharedValue,
        expected: Expected::Modified,
        bytes: up.write().map_err(err)?.bytes,
    });

    // The page tied to another parent tree entry: its marked content gets other elements.
    let mut up = IncrementalUpdate::new(&doc);
    page_dict.set(b"StructParents", Object::Int(5));
    up.set(page, Object::Dict(page_dict));
    out.push(Attack {
        name: "page-struct-parents-changed",
        class: AttackClass::SharedValue,
        expected: Expected::Modified,
        bytes: up.write().map_err(err)?.bytes,
    });

    // The parent tree replaced by one whose entry for page 1 names another element (with
    // alternate text a screen reader speaks for the page content).
    let mut up = IncrementalUpdate::new(&doc);
    let (tree_ref, mut tree) = struct_root(&doc)?;
    let mut elem = Dict::new();
    elem.set(b"Type", Object::name("StructElem"));
    elem.set(b"S", Object::name("Figure"));
    elem.set(b"Alt", Object::text(FORGED));
    let elem = up.add(Object::Dict(elem));
    let mut parent = Dict::new();
    parent.set(
        b"Nums",
        Object::Array(vec![Object::Int(0), Object::Array(vec![Object::Ref(elem)])]),
    );
    tree.set(b"ParentTree", Object::Ref(up.add(Object::Dict(parent))));
    up.set(tree_ref, Object::Dict(tree));
    out.push(Attack {
        name: "parent-tree-replaced-entry-changed",
        class: AttackClass::SharedValue,
        expected: Expected::Modified,
        bytes: up.write().map_err(err)?.bytes,
    });
    Ok(out)
}

/// The first page, its dictionary and its resources (resolved).
fn first_page(doc: &Document<'_>) -> Result<(ObjRef, Dict, Dict), String> {
    let err = |e: kyso_pdf::Error| e.to_string();
    let page = *doc
        .pages()
        .map_err(err)?
        .first()
        .ok_or("the PDF has no page")?;
    let dict = doc
        .get(page)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("the page is not a dictionary")?;
    let resources = dict
        .get(b"Resources")
        .map(|r| doc.resolve(r))
        .transpose()
        .map_err(err)?
        .and_then(|r| r.as_dict().cloned())
        .ok_or("the page has no /Resources")?;
    Ok((page, dict, resources))
}

/// The structure tree root (indirect) of a [`form_letter`].
fn struct_root(doc: &Document<'_>) -> Result<(ObjRef, Dict), String> {
    let (_, catalog) = doc.catalog().map_err(|e| e.to_string())?;
    let r = catalog
        .reference(b"StructTreeRoot")
        .ok_or("no structure tree")?;
    let tree = doc
        .get(r)
        .map_err(|e| e.to_string())?
        .as_dict()
        .cloned()
        .ok_or("the structure tree root is not a dictionary")?;
    Ok((r, tree))
}

/// The `/Nums` of a structure tree's (flat) parent tree.
fn parent_tree_nums(doc: &Document<'_>, tree: &Dict) -> Result<Vec<Object>, String> {
    let parent = tree.get(b"ParentTree").ok_or("no parent tree")?;
    let parent = doc.resolve(parent).map_err(|e| e.to_string())?;
    let nums = parent
        .as_dict()
        .and_then(|p| p.get(b"Nums"))
        .ok_or("the parent tree has no /Nums")?;
    Ok(doc
        .resolve(nums)
        .map_err(|e| e.to_string())?
        .as_array()
        .map(<[Object]>::to_vec)
        .unwrap_or_default())
}

/// An XMP metadata stream naming `producer`.
fn xmp_stream(producer: &str) -> Object {
    let xmp = format!(
        "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF \
         xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description \
         rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\
         <pdf:Producer>{producer}</pdf:Producer></rdf:Description></rdf:RDF></x:xmpmeta>\n\
         <?xpacket end=\"w\"?>"
    );
    let mut meta = Dict::new();
    meta.set(b"Type", Object::name("Metadata"));
    meta.set(b"Subtype", Object::name("XML"));
    Object::Stream(Stream {
        dict: meta,
        data: xmp.into_bytes(),
    })
}

/// A form XObject showing `text` in the page's font.
pub(crate) fn form_xobject(font: ObjRef, text: &str) -> Object {
    let mut fonts = Dict::new();
    fonts.set(b"F1", Object::Ref(font));
    let mut resources = Dict::new();
    resources.set(b"Font", Object::Dict(fonts));
    let mut d = Dict::new();
    d.set(b"Type", Object::name("XObject"));
    d.set(b"Subtype", Object::name("Form"));
    d.set(
        b"BBox",
        Object::Array(vec![
            Object::Int(0),
            Object::Int(0),
            Object::Int(300),
            Object::Int(30),
        ]),
    );
    d.set(b"Resources", Object::Dict(resources));
    Object::Stream(Stream {
        dict: d,
        data: format!("BT /F1 14 Tf 2 10 Td ({text}) Tj ET").into_bytes(),
    })
}

/// The font `font` made another (Courier): the same text now reads differently (and a
/// `/Differences` encoding could swap digits outright).
pub(crate) fn another_font(doc: &Document<'_>, font: ObjRef) -> Result<Object, String> {
    let mut f = doc
        .get(font)
        .map_err(|e| e.to_string())?
        .as_dict()
        .cloned()
        .ok_or("the font is not a dictionary")?;
    f.set(b"BaseFont", Object::name("Courier"));
    Ok(Object::Dict(f))
}

/// A printable field widget on `page` (field and widget in one dictionary) whose normal
/// appearance is `ap`.
pub(crate) fn widget(
    name: &str,
    ft: &str,
    rect: [i64; 4],
    page: ObjRef,
    ap: Option<ObjRef>,
) -> Dict {
    let mut w = Dict::new();
    w.set(b"Type", Object::name("Annot"));
    w.set(b"Subtype", Object::name("Widget"));
    w.set(b"FT", Object::name(ft));
    w.set(b"T", Object::text(name));
    w.set(b"F", Object::Int(4));
    w.set(
        b"Rect",
        Object::Array(rect.iter().map(|v| Object::Int(*v)).collect()),
    );
    w.set(b"P", Object::Ref(page));
    if let Some(ap) = ap {
        let mut apd = Dict::new();
        apd.set(b"N", Object::Ref(ap));
        w.set(b"AP", Object::Dict(apd));
    }
    w
}

/// An unfiltered content stream.
pub(crate) fn content_stream(text: &str) -> Object {
    Object::Stream(Stream {
        dict: Dict::new(),
        data: text.as_bytes().to_vec(),
    })
}

pub(crate) fn root_ref(doc: &Document<'_>) -> Result<ObjRef, String> {
    doc.catalog().map(|(r, _)| r).map_err(|e| e.to_string())
}

/// The catalog with `key` set to `value`.
pub(crate) fn with_catalog_entry(
    doc: &Document<'_>,
    key: &[u8],
    value: Object,
) -> Result<Object, String> {
    let (_, mut catalog) = doc.catalog().map_err(|e| e.to_string())?;
    catalog.set(key, value);
    Ok(Object::Dict(catalog))
}

/// The first font (indirect) in the first page's resources.
pub(crate) fn first_page_font(doc: &Document<'_>) -> Result<ObjRef, String> {
    let page = *doc
        .pages()
        .map_err(|e| e.to_string())?
        .first()
        .ok_or("the PDF has no page")?;
    let page = doc.get(page).map_err(|e| e.to_string())?;
    let resources = page
        .as_dict()
        .and_then(|d| d.get(b"Resources"))
        .map(|r| doc.resolve(r))
        .transpose()
        .map_err(|e| e.to_string())?
        .ok_or("the first page has no /Resources")?;
    let fonts = resources
        .as_dict()
        .and_then(|d| d.get(b"Font"))
        .map(|f| doc.resolve(f))
        .transpose()
        .map_err(|e| e.to_string())?
        .ok_or("the first page has no fonts")?;
    fonts
        .as_dict()
        .and_then(|d| {
            d.reference(b"F1")
                .or_else(|| d.0.iter().find_map(|(_, v)| v.as_ref()))
        })
        .ok_or_else(|| "the first page has no indirect font".into())
}

/// The signed bytes with `tail` appended (after a newline if the file does not end in one).
pub(crate) fn appended(signed: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut out = signed.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.extend_from_slice(tail);
    out
}

/// An incremental update adding a signature field on page 1 (a widget at 300,100–500,180)
/// whose `/V` is `value` and whose normal appearance is `appearance`, listed in the form's
/// `/Fields` (a new `/AcroForm` if the document has none) and the page's `/Annots`.
pub(crate) fn with_extra_signature_field(
    doc: &Document<'_>,
    value: Option<Object>,
    appearance: Option<Object>,
) -> Result<Vec<u8>, String> {
    let err = |e: kyso_pdf::Error| e.to_string();
    let (root, mut catalog) = doc.catalog().map_err(err)?;
    let page = *doc
        .pages()
        .map_err(err)?
        .first()
        .ok_or("the PDF has no page")?;
    let mut update = IncrementalUpdate::new(doc);
    let field = update.reserve();
    let ap = appearance.map(|a| update.add(a));
    let mut widget = widget("Agency seal", "Sig", [300, 100, 500, 180], page, ap);
    if let Some(value) = value {
        widget.set(b"V", value);
    }
    update.set(field, Object::Dict(widget));

    // The form's field list.
    let acroform = catalog
        .get(b"AcroForm")
        .cloned()
        .unwrap_or_else(|| Object::Dict(Dict::new()));
    let mut form = doc
        .resolve(&acroform)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("/AcroForm is not a dictionary")?;
    let fields_obj = form.get(b"Fields").cloned().unwrap_or(Object::Null);
    if let Some(fields) = append_ref(doc, &mut update, &fields_obj, field)? {
        form.set(b"Fields", fields);
        match acroform {
            Object::Ref(r) => update.set(r, Object::Dict(form)),
            _ => {
                catalog.set(b"AcroForm", Object::Dict(form));
                update.set(root, Object::Dict(catalog));
            }
        }
    }

    push_annotation(doc, &mut update, page, field)?;
    update.write().map(|w| w.bytes).map_err(err)
}

/// Appends a reference to `item` to the array `list` (indirect, direct, or `Null` for none).
/// An indirect array is rewritten in `update` and `None` is returned; otherwise the new direct
/// array is returned, for the caller to store in the dictionary that holds it.
fn append_ref(
    doc: &Document<'_>,
    update: &mut IncrementalUpdate<'_, '_>,
    list: &Object,
    item: ObjRef,
) -> Result<Option<Object>, String> {
    let mut items = doc
        .resolve(list)
        .map_err(|e| e.to_string())?
        .as_array()
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    items.push(Object::Ref(item));
    match list {
        Object::Ref(r) => {
            update.set(*r, Object::Array(items));
            Ok(None)
        }
        _ => Ok(Some(Object::Array(items))),
    }
}

/// Lists annotation `annot` in the `/Annots` of `page` (rewriting the array, or the page if
/// the array is direct).
pub(crate) fn push_annotation(
    doc: &Document<'_>,
    update: &mut IncrementalUpdate<'_, '_>,
    page: ObjRef,
    annot: ObjRef,
) -> Result<(), String> {
    let err = |e: kyso_pdf::Error| e.to_string();
    let mut page_dict = doc
        .get(page)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("the page is not a dictionary")?;
    let annots_obj = page_dict.get(b"Annots").cloned().unwrap_or(Object::Null);
    if let Some(annots) = append_ref(doc, update, &annots_obj, annot)? {
        page_dict.set(b"Annots", annots);
        update.set(page, Object::Dict(page_dict));
    }
    Ok(())
}

/// The first page's content stream reference (the first one, if `/Contents` is an array).
pub(crate) fn first_page_content(doc: &Document<'_>) -> Result<ObjRef, String> {
    let page = *doc
        .pages()
        .map_err(|e| e.to_string())?
        .first()
        .ok_or("the PDF has no page")?;
    let page = doc.get(page).map_err(|e| e.to_string())?;
    let contents = page
        .as_dict()
        .and_then(|d| d.get(b"Contents"))
        .ok_or("the first page has no /Contents")?;
    match contents {
        Object::Ref(r) => Ok(*r),
        Object::Array(a) => a
            .first()
            .and_then(Object::as_ref)
            .ok_or_else(|| "the first page's /Contents array is empty".into()),
        _ => Err("the first page's /Contents is not a reference".into()),
    }
}

/// Writes a second copy of the CMS into the zero padding of the `/Contents` hex string.
fn second_cms_in_padding(
    signed: &[u8],
    byte_range: &[i64],
    contents: &[u8],
) -> Result<Vec<u8>, String> {
    let [_, a, b, _] = byte_range else {
        return Err("the byte range does not have four numbers".into());
    };
    let (a, b) = (
        usize::try_from(*a).map_err(|_| "negative byte range")?,
        usize::try_from(*b).map_err(|_| "negative byte range")?,
    );
    let used = contents.len() - contents.iter().rev().take_while(|x| **x == 0).count();
    // Hex digits start after '<'; the CMS takes 2 * used of them.
    let start = a + 1 + 2 * used;
    let room = (b - 1).saturating_sub(start);
    let hex: Vec<u8> = contents[..used]
        .iter()
        .flat_map(|x| {
            let digits = b"0123456789ABCDEF";
            [digits[usize::from(x >> 4)], digits[usize::from(x & 15)]]
        })
        .take(room & !1)
        .collect();
    if hex.len() < 16 {
        return Err("no room in the /Contents padding".into());
    }
    let mut out = signed.to_vec();
    out.get_mut(start..start + hex.len())
        .ok_or("the byte range does not fit the file")?
        .copy_from_slice(&hex);
    Ok(out)
}
