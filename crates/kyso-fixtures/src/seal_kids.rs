//! An agency seal whose signature field has several widgets: the seal itself, the document's
//! number and its date, each a widget annotation (a kid without `/T`) of the seal's own
//! signature field, on page 1 and page 2, added in the revision the seal signs (so the seal
//! covers what they draw). After a certification (DocMDP P=2) this is allowed; the variants
//! of [`seal_kids_attacks`] are what the rule must still refuse:
//! - `seal-kid-added-later`: a fourth widget (a forged date) added to the signed seal's field
//!   in a later, unsigned revision;
//! - `seal-kid-shared`: a widget also listed in the `/Kids` of another (empty, invisible)
//!   signature field added in the same revision;
//! - `seal-kid-also-a-field`: a widget also listed in the form's `/Fields`;
//! - `seal-kid-existing-object`: a widget that is an object of the certified revision (the
//!   document information dictionary's number, redefined as a widget);
//! - `seal-kid-not-a-widget`: a kid that is a `/Stamp` annotation;
//! - `seal-kid-parent-elsewhere`: a widget the seal's `/Kids` lists whose `/Parent` is the
//!   certification's field;
//! - `seal-kid-not-on-a-page`: a widget no page lists in `/Annots`;
//! - `seal-kid-shared-appearance`: a widget whose appearance stream is also another widget's.
//!
//! The crate does not sign: the caller gives a [`CmsSigner`] that makes the detached CMS
//! over the bytes the signature covers (the test uses kyso's own CMS builder).

use kyso_pdf::{Dict, Document, IncrementalUpdate, ObjRef, Object, Stream, write_object};

use crate::attacks::{Attack, AttackClass, Expected, first_page_font, form_xobject};

/// Makes a DER CMS SignedData (detached) over `content`: the two byte ranges of the
/// signature, joined.
pub type CmsSigner<'a> = &'a dyn Fn(&[u8]) -> Result<Vec<u8>, String>;

/// The name of the seal's signature field.
pub const SEAL_FIELD: &str = "CoQuan";

/// Bytes reserved for the CMS.
const CONTENTS_SIZE: usize = 12_000;
const BYTE_RANGE_PLACEHOLDER: &[u8] = b"[0 0000000000 0000000000 0000000000]";

/// How a variant differs from the sound seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tweak {
    None,
    Shared,
    AlsoAField,
    ExistingObject,
    NotAWidget,
    ParentElsewhere,
    NotOnAPage,
    SharedAppearance,
}

fn err(e: kyso_pdf::Error) -> String {
    e.to_string()
}

fn ints(v: &[i64]) -> Object {
    Object::Array(v.iter().map(|x| Object::Int(*x)).collect())
}

/// A form XObject drawing a red double ring (the seal's picture) in a 180×100 box.
fn seal_picture() -> Object {
    let mut d = Dict::new();
    d.set(b"Type", Object::name("XObject"));
    d.set(b"Subtype", Object::name("Form"));
    d.set(b"BBox", ints(&[0, 0, 180, 100]));
    d.set(b"Resources", Object::Dict(Dict::new()));
    Object::Stream(Stream {
        dict: d,
        data: b"0.8 0 0 RG 3 w 40 5 100 90 re S 1 w 46 11 88 78 re S".to_vec(),
    })
}

/// A widget annotation (no `/T`: a kid of `parent`) on `page` at `rect`, printable.
fn kid(parent: ObjRef, page: ObjRef, rect: [i64; 4], ap: Option<ObjRef>) -> Dict {
    let mut w = Dict::new();
    w.set(b"Type", Object::name("Annot"));
    w.set(b"Subtype", Object::name("Widget"));
    w.set(b"Parent", Object::Ref(parent));
    w.set(b"P", Object::Ref(page));
    w.set(b"F", Object::Int(4));
    w.set(b"Rect", ints(&rect));
    if let Some(ap) = ap {
        let mut apd = Dict::new();
        apd.set(b"N", Object::Ref(ap));
        w.set(b"AP", Object::Dict(apd));
    }
    w
}

/// `page`'s dictionary with `annots` appended to its `/Annots` (direct or indirect array:
/// an indirect one is rewritten in `up`).
fn with_annots(
    doc: &Document<'_>,
    up: &mut IncrementalUpdate<'_, '_>,
    page: ObjRef,
    annots: &[ObjRef],
) -> Result<(), String> {
    if annots.is_empty() {
        return Ok(());
    }
    let mut d = doc
        .get(page)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("the page is not a dictionary")?;
    let add = annots.iter().map(|a| Object::Ref(*a));
    match d.get(b"Annots").cloned() {
        Some(Object::Ref(r)) => {
            let mut items = doc
                .get(r)
                .map_err(err)?
                .as_array()
                .map(<[Object]>::to_vec)
                .unwrap_or_default();
            items.extend(add);
            up.set(r, Object::Array(items));
        }
        Some(Object::Array(mut items)) => {
            items.extend(add);
            d.set(b"Annots", Object::Array(items));
            up.set(page, Object::Dict(d));
        }
        _ => {
            d.set(b"Annots", Object::Array(add.collect()));
            up.set(page, Object::Dict(d));
        }
    }
    Ok(())
}

/// The form's `/Fields` with `more` appended, written into `up` (the document must have an
/// indirect or direct `/AcroForm`, as a signed document has).
fn with_fields(
    doc: &Document<'_>,
    up: &mut IncrementalUpdate<'_, '_>,
    more: &[ObjRef],
) -> Result<(), String> {
    let (root, mut catalog) = doc.catalog().map_err(err)?;
    let entry = catalog
        .get(b"AcroForm")
        .cloned()
        .ok_or("the document has no form")?;
    let mut form = doc
        .resolve(&entry)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("/AcroForm is not a dictionary")?;
    let add = more.iter().map(|f| Object::Ref(*f));
    match form.get(b"Fields").cloned() {
        Some(Object::Ref(r)) => {
            let mut items = doc
                .get(r)
                .map_err(err)?
                .as_array()
                .map(<[Object]>::to_vec)
                .unwrap_or_default();
            items.extend(add);
            up.set(r, Object::Array(items));
            return Ok(());
        }
        Some(Object::Array(mut items)) => {
            items.extend(add);
            form.set(b"Fields", Object::Array(items));
        }
        _ => form.set(b"Fields", Object::Array(add.collect())),
    }
    form.set(b"SigFlags", Object::Int(3));
    match entry {
        Object::Ref(r) => up.set(r, Object::Dict(form)),
        _ => {
            catalog.set(b"AcroForm", Object::Dict(form));
            up.set(root, Object::Dict(catalog));
        }
    }
    Ok(())
}

/// The certified document with a revision adding the seal's signature field (three widget
/// kids: the seal on page 1 at 72,90–252,190, the number on page 1 at 300,150–500,170, the
/// date on page 2 at 300,700–500,720), changed by `tweak`, signed by `sign`.
fn sealed(certified: &[u8], tweak: Tweak, sign: CmsSigner<'_>) -> Result<Vec<u8>, String> {
    let doc = Document::open(certified).map_err(|e| format!("cannot read the PDF: {e}"))?;
    let pages = doc.pages().map_err(err)?;
    let (Some(&page1), Some(&page2)) = (pages.first(), pages.get(1)) else {
        return Err("the seal variants need a document of two pages".into());
    };
    let font = first_page_font(&doc)?;
    let mut up = IncrementalUpdate::new(&doc);
    let sig = up.reserve();
    let field = up.reserve();
    let picture = up.add(seal_picture());
    let number = up.add(form_xobject(font, "So: 123/QD-UBND"));
    let date = up.add(form_xobject(font, "Ngay 01 thang 6 nam 2026"));
    let seal_kid = up.add(Object::Dict(kid(
        field,
        page1,
        [72, 90, 252, 190],
        Some(picture),
    )));
    let mut number_kid = kid(
        field,
        page1,
        [300, 150, 500, 170],
        Some(if tweak == Tweak::SharedAppearance {
            picture
        } else {
            number
        }),
    );
    if tweak == Tweak::NotAWidget {
        number_kid.set(b"Subtype", Object::name("Stamp"));
    }
    if tweak == Tweak::ParentElsewhere {
        let first = kyso_pdf::find_signatures(&doc)
            .map_err(err)?
            .into_iter()
            .find_map(|s| s.field_ref)
            .ok_or("the document has no signature field")?;
        number_kid.set(b"Parent", Object::Ref(first));
    }
    let number_kid = if tweak == Tweak::ExistingObject {
        let info = doc
            .trailer()
            .reference(b"Info")
            .ok_or("the document has no indirect /Info")?;
        up.set(info, Object::Dict(number_kid));
        info
    } else {
        up.add(Object::Dict(number_kid))
    };
    let date_kid = up.add(Object::Dict(kid(
        field,
        page2,
        [300, 700, 500, 720],
        Some(date),
    )));
    let kids = [seal_kid, number_kid, date_kid];
    let mut f = Dict::new();
    f.set(b"FT", Object::name("Sig"));
    f.set(b"T", Object::text(SEAL_FIELD));
    f.set(b"V", Object::Ref(sig));
    f.set(
        b"Kids",
        Object::Array(kids.iter().map(|k| Object::Ref(*k)).collect()),
    );
    up.set(field, Object::Dict(f));
    let mut fields = vec![field];
    match tweak {
        Tweak::Shared => {
            // An empty, invisible signature field that lists the number's widget too.
            let mut other = Dict::new();
            other.set(b"FT", Object::name("Sig"));
            other.set(b"T", Object::text("Khac"));
            other.set(b"Kids", Object::Array(vec![Object::Ref(number_kid)]));
            fields.push(up.add(Object::Dict(other)));
        }
        Tweak::AlsoAField => fields.push(number_kid),
        _ => {}
    }
    with_fields(&doc, &mut up, &fields)?;
    let on_page1: Vec<ObjRef> = if tweak == Tweak::NotOnAPage {
        vec![seal_kid]
    } else {
        vec![seal_kid, number_kid]
    };
    with_annots(&doc, &mut up, page1, &on_page1)?;
    with_annots(&doc, &mut up, page2, &[date_kid])?;

    // The signature dictionary, written by hand so the hole's position is known.
    let mut head = Dict::new();
    head.set(b"Type", Object::name("Sig"));
    head.set(b"Filter", Object::name("Adobe.PPKLite"));
    head.set(b"SubFilter", Object::name("ETSI.CAdES.detached"));
    head.set(b"M", Object::string(b"D:20260601000000Z"));
    let mut body = Vec::new();
    write_object(&mut body, &Object::Dict(head));
    body.truncate(body.len().saturating_sub(2));
    body.extend_from_slice(b"/ByteRange ");
    let br_pos = body.len();
    body.extend_from_slice(BYTE_RANGE_PLACEHOLDER);
    body.extend_from_slice(b" /Contents ");
    let contents_pos = body.len();
    body.push(b'<');
    body.resize(body.len() + CONTENTS_SIZE * 2, b'0');
    body.extend_from_slice(b">>>");
    up.set_raw(sig, body);
    let written = up.write().map_err(err)?;
    let at = written
        .offsets
        .iter()
        .find(|(r, _)| *r == sig)
        .map(|(_, o)| *o)
        .ok_or("the signature dictionary was not written")?;
    let header = format!("{} {} obj\n", sig.num, sig.generation).len();
    let mut bytes = written.bytes;
    let gap_start = at + header + contents_pos;
    let gap_end = gap_start + CONTENTS_SIZE * 2 + 2;
    let br = format!("[0 {gap_start} {gap_end} {}]", bytes.len() - gap_end);
    let mut br = br.into_bytes();
    br.resize(BYTE_RANGE_PLACEHOLDER.len(), b' ');
    let br_at = at + header + br_pos;
    bytes
        .get_mut(br_at..br_at + br.len())
        .ok_or("the /ByteRange is outside the file")?
        .copy_from_slice(&br);
    let mut covered = bytes.get(..gap_start).unwrap_or_default().to_vec();
    covered.extend_from_slice(bytes.get(gap_end..).unwrap_or_default());
    let cms = sign(&covered)?;
    if cms.len() > CONTENTS_SIZE {
        return Err(format!("the CMS ({} bytes) does not fit", cms.len()));
    }
    let hex: String = cms.iter().map(|b| format!("{b:02x}")).collect();
    bytes
        .get_mut(gap_start + 1..gap_start + 1 + hex.len())
        .ok_or("the /Contents hole is outside the file")?
        .copy_from_slice(hex.as_bytes());
    Ok(bytes)
}

/// The certified document (DocMDP P=2, two pages) sealed by `sign`: the seal's signature
/// field `CoQuan` with three widget kids (the seal and the number on page 1, the date on
/// page 2), all added in the revision the seal signs. A verifier must keep both signatures
/// valid.
pub fn seal_with_kids(certified: &[u8], sign: CmsSigner<'_>) -> Result<Vec<u8>, String> {
    sealed(certified, Tweak::None, sign)
}

/// A later, unsigned revision of a [`seal_with_kids`] file adding a fourth widget (a forged
/// date on page 1) to the seal's field.
fn kid_added_later(sealed: &[u8]) -> Result<Vec<u8>, String> {
    let doc = Document::open(sealed).map_err(|e| format!("cannot read the PDF: {e}"))?;
    let field = kyso_pdf::find_signatures(&doc)
        .map_err(err)?
        .into_iter()
        .find(|s| s.field == SEAL_FIELD)
        .and_then(|s| s.field_ref)
        .ok_or("no seal field")?;
    let page1 = *doc.pages().map_err(err)?.first().ok_or("no page")?;
    let font = first_page_font(&doc)?;
    let mut up = IncrementalUpdate::new(&doc);
    let forged = up.add(form_xobject(font, "Ngay 31 thang 12 nam 2025"));
    let extra = up.add(Object::Dict(kid(
        field,
        page1,
        [300, 120, 500, 140],
        Some(forged),
    )));
    let mut f = doc
        .get(field)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("the seal field is not a dictionary")?;
    let mut kids = f
        .get(b"Kids")
        .and_then(Object::as_array)
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    kids.push(Object::Ref(extra));
    f.set(b"Kids", Object::Array(kids));
    up.set(field, Object::Dict(f));
    with_annots(&doc, &mut up, page1, &[extra])?;
    up.write().map(|w| w.bytes).map_err(err)
}

/// The variants a verifier must refuse, built from a certified (DocMDP P=2) two-page
/// document: every one fails the certification as modified after signing; the seal's own
/// signature, which nothing follows, is valid except in `seal-kid-added-later` (`expected`
/// is [`Expected::Modified`] there: both fail; [`Expected::FirstModified`] for the others).
pub fn seal_kids_attacks(certified: &[u8], sign: CmsSigner<'_>) -> Result<Vec<Attack>, String> {
    let mut out = vec![Attack {
        name: "seal-kid-added-later",
        class: AttackClass::SealKids,
        expected: Expected::Modified,
        bytes: kid_added_later(&seal_with_kids(certified, sign)?)?,
    }];
    for (name, tweak) in [
        ("seal-kid-shared", Tweak::Shared),
        ("seal-kid-also-a-field", Tweak::AlsoAField),
        ("seal-kid-existing-object", Tweak::ExistingObject),
        ("seal-kid-not-a-widget", Tweak::NotAWidget),
        ("seal-kid-parent-elsewhere", Tweak::ParentElsewhere),
        ("seal-kid-not-on-a-page", Tweak::NotOnAPage),
        ("seal-kid-shared-appearance", Tweak::SharedAppearance),
    ] {
        out.push(Attack {
            name,
            class: AttackClass::SealKids,
            expected: Expected::FirstModified,
            bytes: sealed(certified, tweak, sign)?,
        });
    }
    Ok(out)
}
