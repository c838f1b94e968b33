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
//! - `contents`: data hidden in the zero padding of the signature's `/Contents` (a second CMS).

use kyso_pdf::{Dict, Document, IncrementalUpdate, ObjRef, Object, find_signatures};

/// The attack class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttackClass {
    SharedValue,
    Coverage,
    Contents,
}

/// What a correct verifier must say about a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The signature must fail: the document was modified after signing.
    Modified,
    /// The signature may pass, but the report must carry a warning about the variant.
    Warning,
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
        bytes: with_extra_signature_field(&doc, Object::Ref(sig_ref))?,
    });
    let copy = doc
        .get(sig_ref)
        .map_err(|e| format!("cannot read the signature dictionary: {e}"))?;
    out.push(Attack {
        name: "shared-value-copied-dictionary",
        class: AttackClass::SharedValue,
        expected: Expected::Modified,
        bytes: with_extra_signature_field(&doc, copy)?,
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
    Ok(out)
}

/// The signed bytes with `tail` appended (after a newline if the file does not end in one).
fn appended(signed: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut out = signed.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.extend_from_slice(tail);
    out
}

/// An incremental update adding a visible signature field on page 1 whose `/V` is `value`,
/// listed in the form's `/Fields` and the page's `/Annots`.
fn with_extra_signature_field(doc: &Document<'_>, value: Object) -> Result<Vec<u8>, String> {
    let err = |e: kyso_pdf::Error| e.to_string();
    let (root, mut catalog) = doc.catalog().map_err(err)?;
    let page = *doc
        .pages()
        .map_err(err)?
        .first()
        .ok_or("the PDF has no page")?;
    let mut update = IncrementalUpdate::new(doc);
    let field = update.reserve();
    let mut widget = Dict::new();
    widget.set(b"Type", Object::name("Annot"));
    widget.set(b"Subtype", Object::name("Widget"));
    widget.set(b"FT", Object::name("Sig"));
    widget.set(b"T", Object::text("Agency seal"));
    widget.set(b"F", Object::Int(4));
    widget.set(
        b"Rect",
        Object::Array(vec![
            Object::Int(300),
            Object::Int(100),
            Object::Int(500),
            Object::Int(180),
        ]),
    );
    widget.set(b"P", Object::Ref(page));
    widget.set(b"V", value);
    update.set(field, Object::Dict(widget));

    // The form's field list.
    let acroform = catalog.get(b"AcroForm").cloned().ok_or("no /AcroForm")?;
    let mut form = doc
        .resolve(&acroform)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("/AcroForm is not a dictionary")?;
    let fields_obj = form.get(b"Fields").cloned().unwrap_or(Object::Null);
    let mut fields = doc
        .resolve(&fields_obj)
        .map_err(err)?
        .as_array()
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    fields.push(Object::Ref(field));
    match fields_obj {
        Object::Ref(r) => update.set(r, Object::Array(fields)),
        _ => {
            form.set(b"Fields", Object::Array(fields));
            match acroform {
                Object::Ref(r) => update.set(r, Object::Dict(form)),
                _ => {
                    catalog.set(b"AcroForm", Object::Dict(form));
                    update.set(root, Object::Dict(catalog));
                }
            }
        }
    }

    // The page's annotations.
    let mut page_dict = doc
        .get(page)
        .map_err(err)?
        .as_dict()
        .cloned()
        .ok_or("the page is not a dictionary")?;
    let annots_obj = page_dict.get(b"Annots").cloned().unwrap_or(Object::Null);
    let mut annots = doc
        .resolve(&annots_obj)
        .map_err(err)?
        .as_array()
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    annots.push(Object::Ref(field));
    match annots_obj {
        Object::Ref(r) => update.set(r, Object::Array(annots)),
        _ => {
            page_dict.set(b"Annots", Object::Array(annots));
            update.set(page, Object::Dict(page_dict));
        }
    }
    update.write().map(|w| w.bytes).map_err(err)
}

/// The first page's content stream reference (the first one, if `/Contents` is an array).
fn first_page_content(doc: &Document<'_>) -> Result<ObjRef, String> {
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
