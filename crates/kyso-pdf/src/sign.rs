//! Preparing a PDF for signing: the signature dictionary with a reserved /Contents hole, the
//! signature field and widget, AcroForm and page updates, DocMDP for certification; then
//! embedding the CMS once it exists.

use std::ops::Range;

use crate::Error;
use crate::document::Document;
use crate::object::{Dict, ObjRef, Object, decode_text, write_object};
use crate::signatures::{self, find_signatures};
use crate::writer::IncrementalUpdate;

/// The /SubFilter to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubFilter {
    /// PAdES (ETSI EN 319 142): `/ETSI.CAdES.detached`.
    EtsiCadesDetached,
    /// ISO 32000-1 `/adbe.pkcs7.detached`, for old verifiers.
    AdbePkcs7Detached,
    /// A document time-stamp (PAdES B-LTA, ISO 32000-2 §12.8.5): `/Type /DocTimeStamp` with
    /// `/SubFilter /ETSI.RFC3161`; /Contents holds an RFC 3161 TimeStampToken over the
    /// byte ranges. `/M`, `/Name`, `/Reason`, `/Location`, `/ContactInfo` and certification
    /// are not written.
    EtsiRfc3161,
}

impl SubFilter {
    pub fn name(self) -> &'static str {
        match self {
            SubFilter::EtsiCadesDetached => "ETSI.CAdES.detached",
            SubFilter::AdbePkcs7Detached => "adbe.pkcs7.detached",
            SubFilter::EtsiRfc3161 => "ETSI.RFC3161",
        }
    }

    /// Whether this makes a document time-stamp rather than a signature.
    pub fn is_document_timestamp(self) -> bool {
        self == SubFilter::EtsiRfc3161
    }
}

/// What to write.
#[derive(Debug, Clone)]
pub struct SignatureRequest {
    /// Field to sign: an existing empty signature field of that name, or a new field.
    pub field_name: Option<String>,
    pub sub_filter: SubFilter,
    /// `Some(P)` makes a certification signature with DocMDP permissions P (1, 2 or 3).
    pub certify: Option<u8>,
    /// `/M`, already formatted as a PDF date.
    pub signing_time: String,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact: Option<String>,
    pub name: Option<String>,
    /// Bytes reserved for the CMS blob.
    pub contents_size: usize,
    /// A visible signature: its page, rectangle and picture; `None`: invisible.
    pub appearance: Option<crate::appearance::Appearance>,
    /// Text form fields filled in the same update, before the signature covers them (the
    /// registry's number and date when it applies the seal).
    pub fills: Vec<crate::appearance::FieldFill>,
}

/// A document with a signature dictionary whose /Contents is still zeros.
#[derive(Debug, Clone)]
pub struct PreparedPdf {
    bytes: Vec<u8>,
    gap: Range<usize>,
}

impl PreparedPdf {
    /// The two byte ranges the signature covers.
    pub fn signed_ranges(&self) -> [Range<usize>; 2] {
        [0..self.gap.start, self.gap.end..self.bytes.len()]
    }

    /// The whole prepared file.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Writes `cms` (hex, zero-padded) into the reserved hole.
    pub fn embed(mut self, cms: &[u8]) -> Result<Vec<u8>, Error> {
        let room = (self.gap.len() - 2) / 2;
        if cms.len() > room {
            return Err(Error::CannotSign(format!(
                "the signature ({} bytes) does not fit the {room} bytes reserved",
                cms.len()
            )));
        }
        let mut hex = Vec::with_capacity(cms.len() * 2);
        crate::object::push_hex(&mut hex, cms, b"0123456789abcdef");
        let start = self.gap.start + 1;
        self.bytes[start..start + hex.len()].copy_from_slice(&hex);
        Ok(self.bytes)
    }
}

const BYTE_RANGE_PLACEHOLDER: &[u8] = b"[0 0000000000 0000000000 0000000000]";

/// Prepares an incremental update carrying a new signature.
pub fn prepare(doc: &Document<'_>, req: &SignatureRequest) -> Result<PreparedPdf, Error> {
    if let Some(rebuilt) = doc.rebuilt() {
        return Err(broken_xref(&rebuilt.reason));
    }
    let existing = find_signatures(doc)?;
    let signed: Vec<_> = existing
        .iter()
        .filter(|s| !s.byte_range.is_empty())
        .collect();
    let timestamp = req.sub_filter.is_document_timestamp();
    if timestamp && req.certify.is_some() {
        return Err(Error::CannotSign(
            "a document time-stamp cannot be a certification signature".into(),
        ));
    }
    if let Some(level) = req.certify {
        if !(1..=3).contains(&level) {
            return Err(Error::CannotSign(format!(
                "DocMDP level must be 1, 2 or 3, not {level}"
            )));
        }
        if !signed.is_empty() {
            return Err(Error::CertificationNotFirst);
        }
    }
    // PAdES allows document time-stamps (and DSS updates) even under DocMDP P=1.
    if let Some((_, 1)) = signatures::catalog_docmdp(doc)
        && !timestamp
    {
        return Err(Error::CertifiedNoChanges);
    }
    let (root_ref, mut catalog) = doc.catalog()?;
    let pages = doc.pages()?;
    let page_index = req.appearance.as_ref().map_or(1, |a| a.page);
    let page_ref = *pages.get(page_index.wrapping_sub(1)).ok_or_else(|| {
        if pages.is_empty() {
            Error::CannotSign("the document has no pages".into())
        } else {
            Error::Appearance(format!(
                "page {page_index} does not exist: the document has {} page{}",
                pages.len(),
                if pages.len() == 1 { "" } else { "s" }
            ))
        }
    })?;
    let geometry = crate::appearance::PageGeometry::of(doc, page_ref)?;
    // The widget's rectangle in default user space, and its boxes as shown: the signature's
    // own and, with marks, the one that holds them too.
    let visible = match &req.appearance {
        Some(app) => match app.rect {
            Some(rect) => {
                let main =
                    geometry.rect_to_display(crate::appearance::widget_rect(app, rect, &geometry)?);
                let outer = crate::appearance::with_marks(app, main, &geometry)?;
                Some((geometry.rect_to_user(outer), main, outer))
            }
            None => None,
        },
        None => None,
    };
    if let Some(c) = req
        .appearance
        .as_ref()
        .and_then(|a| a.text.as_ref()?.missing_char())
    {
        return Err(Error::Font(format!(
            "the font has no glyph for '{c}' (U+{:04X}): configure a font that covers it",
            u32::from(c)
        )));
    }

    let mut up = IncrementalUpdate::new(doc);
    let mut drawing = crate::appearance::Drawing::default();
    let sig_ref = up.reserve();

    // AcroForm: indirect (rewrite that object), direct (rewrite the catalog), or new.
    let acro_entry = catalog.get(b"AcroForm").cloned();
    let (acro_ref, mut acroform) = match &acro_entry {
        Some(Object::Ref(r)) => (
            Some(*r),
            doc.get(*r)?.as_dict().cloned().unwrap_or_default(),
        ),
        Some(Object::Dict(d)) => (None, d.clone()),
        _ => (None, Dict::new()),
    };
    let fields_entry = acroform.get(b"Fields").cloned();
    let mut fields: Vec<Object> = match &fields_entry {
        Some(o) => doc
            .resolve(o)?
            .as_array()
            .map(|a| a.to_vec())
            .unwrap_or_default(),
        None => Vec::new(),
    };

    // An existing empty signature field with the requested name?
    let mut target: Option<(ObjRef, Dict)> = None;
    if let Some(name) = &req.field_name {
        for f in &fields {
            let Some(r) = f.as_ref() else { continue };
            let obj = doc.get(r)?;
            let Some(d) = obj.as_dict() else { continue };
            if d.string(b"T").map(decode_text).as_deref() == Some(name.as_str()) {
                if d.name(b"FT") != Some(b"Sig") {
                    return Err(Error::CannotSign(format!(
                        "field '{name}' exists and is not a signature field"
                    )));
                }
                if d.get(b"V").is_some() {
                    return Err(Error::CannotSign(format!(
                        "field '{name}' is already signed"
                    )));
                }
                target = Some((r, d.clone()));
            }
        }
    }
    let field_name = match &req.field_name {
        Some(n) => n.clone(),
        None => {
            let taken: Vec<String> = existing.iter().map(|s| s.field.clone()).collect();
            let mut i = existing.len() + 1;
            loop {
                let prefix = if timestamp { "Timestamp" } else { "Signature" };
                let candidate = format!("{prefix}{i}");
                let clash = taken.contains(&candidate)
                    || fields.iter().any(|f| {
                        f.as_ref()
                            .and_then(|r| doc.get(r).ok())
                            .and_then(|o| o.as_dict().and_then(|d| d.string(b"T").map(decode_text)))
                            .as_deref()
                            == Some(candidate.as_str())
                    });
                if !clash {
                    break candidate;
                }
                i += 1;
            }
        }
    };

    if target.is_some() && visible.is_some() {
        return Err(Error::Appearance(
            "an existing signature field keeps its own rectangle: give either --field with an \
             existing field or --page/--rect for a new one"
                .into(),
        ));
    }
    if target.is_none() && visible.is_none() && req.appearance.is_some() {
        return Err(Error::Appearance(
            "where should the signature be drawn? give --rect (and --page), or --field naming \
             an existing empty signature field"
                .into(),
        ));
    }
    match target {
        Some((r, mut d)) => {
            d.set(b"V", Object::Ref(sig_ref));
            if let Some(app) = &req.appearance {
                // Drawn in the field's own rectangle; the field must be its own widget.
                if d.get(b"Kids").is_some() {
                    return Err(Error::Appearance(format!(
                        "field '{field_name}' has separate widgets; kyso draws into a field that \
                         is its own widget"
                    )));
                }
                let rect = crate::appearance::rect_of(doc, &d).ok_or_else(|| {
                    Error::Appearance(format!(
                        "field '{field_name}' has no rectangle to draw in (it is invisible)"
                    ))
                })?;
                let page = match d.reference(b"P") {
                    Some(p) if pages.contains(&p) => crate::appearance::PageGeometry::of(doc, p)?,
                    _ => geometry,
                };
                if !app.marks.is_empty() {
                    return Err(Error::Appearance(
                        "the number and date are drawn by a new signature field, not an \
                         existing one"
                            .into(),
                    ));
                }
                let shown = page.rect_to_display(rect);
                let ap = crate::appearance::appearance_dict(
                    &mut up,
                    &mut drawing,
                    app,
                    shown,
                    shown,
                    &page,
                )?;
                d.set(b"AP", Object::Dict(ap));
                let flags = d.int(b"F").unwrap_or(0);
                // Printed, and neither hidden nor NoView.
                d.set(b"F", Object::Int((flags | 4) & !(2 | 32)));
            }
            up.set(r, Object::Dict(d));
        }
        None => {
            let mut w = Dict::new();
            w.set(b"FT", Object::name("Sig"));
            w.set(b"T", Object::text(&field_name));
            w.set(b"V", Object::Ref(sig_ref));
            w.set(b"Type", Object::name("Annot"));
            w.set(b"Subtype", Object::name("Widget"));
            match (&visible, &req.appearance) {
                (Some((rect, main, outer)), Some(app)) => {
                    w.set(
                        b"Rect",
                        Object::Array(rect.iter().map(|v| Object::Real(*v)).collect()),
                    );
                    // Print; the appearance is the signer's picture.
                    w.set(b"F", Object::Int(4));
                    let ap = crate::appearance::appearance_dict(
                        &mut up,
                        &mut drawing,
                        app,
                        *main,
                        *outer,
                        &geometry,
                    )?;
                    w.set(b"AP", Object::Dict(ap));
                }
                _ => {
                    w.set(b"Rect", Object::Array(vec![Object::Int(0); 4]));
                    w.set(b"F", Object::Int(132));
                }
            }
            w.set(b"P", Object::Ref(page_ref));
            let widget_ref = up.add(Object::Dict(w));
            fields.push(Object::Ref(widget_ref));
            add_annotation(doc, &mut up, page_ref, widget_ref)?;
            match &fields_entry {
                Some(Object::Ref(fr)) => up.set(*fr, Object::Array(fields.clone())),
                _ => acroform.set(b"Fields", Object::Array(fields.clone())),
            }
        }
    }
    crate::appearance::fill_fields(doc, &mut up, &mut drawing, &fields, &req.fills)?;
    drawing.finish(&mut up)?;
    acroform.set(b"SigFlags", Object::Int(3));
    let mut catalog_changed = false;
    match acro_ref {
        Some(r) => up.set(r, Object::Dict(acroform)),
        None => {
            let r = up.add(Object::Dict(acroform));
            catalog.set(b"AcroForm", Object::Ref(r));
            catalog_changed = true;
        }
    }
    if req.certify.is_some() {
        let mut perms = match catalog.get(b"Perms") {
            Some(p) => doc.resolve(p)?.as_dict().cloned().unwrap_or_default(),
            None => Dict::new(),
        };
        perms.set(b"DocMDP", Object::Ref(sig_ref));
        catalog.set(b"Perms", Object::Dict(perms));
        catalog_changed = true;
    }
    if catalog_changed {
        up.set(root_ref, Object::Dict(catalog));
    }

    // The signature dictionary, written by hand so the hole's position is known.
    let mut head = Dict::new();
    head.set(
        b"Type",
        Object::name(if timestamp { "DocTimeStamp" } else { "Sig" }),
    );
    head.set(b"Filter", Object::name("Adobe.PPKLite"));
    head.set(b"SubFilter", Object::name(req.sub_filter.name()));
    let described: [(&[u8], &Option<String>); 4] = [
        (b"Name", &req.name),
        (b"Reason", &req.reason),
        (b"Location", &req.location),
        (b"ContactInfo", &req.contact),
    ];
    if !timestamp {
        head.set(b"M", Object::string(req.signing_time.as_bytes()));
    }
    for (key, v) in described.into_iter().filter(|_| !timestamp) {
        if let Some(v) = v {
            head.set(key, Object::text(v));
        }
    }
    if let Some(p) = req.certify {
        let mut params = Dict::new();
        params.set(b"Type", Object::name("TransformParams"));
        params.set(b"P", Object::Int(p as i64));
        params.set(b"V", Object::name("1.2"));
        let mut sigref = Dict::new();
        sigref.set(b"Type", Object::name("SigRef"));
        sigref.set(b"TransformMethod", Object::name("DocMDP"));
        sigref.set(b"TransformParams", Object::Dict(params));
        head.set(b"Reference", Object::Array(vec![Object::Dict(sigref)]));
    }
    // In an encrypted document the strings of the signature dictionary are encrypted, its
    // /Contents (appended below) is not (ISO 32000-2 7.6.2).
    let head = match doc.security() {
        Some(security) => security.encrypt_object(sig_ref, &Object::Dict(head)),
        None => Object::Dict(head),
    };
    let mut body = Vec::new();
    write_object(&mut body, &head);
    body.truncate(body.len() - 2); // reopen the dictionary: drop ">>"
    body.extend_from_slice(b"/ByteRange ");
    let br_pos = body.len();
    body.extend_from_slice(BYTE_RANGE_PLACEHOLDER);
    body.extend_from_slice(b" /Contents ");
    let contents_pos = body.len();
    body.push(b'<');
    body.resize(body.len() + req.contents_size * 2, b'0');
    body.push(b'>');
    body.extend_from_slice(b">>");
    up.set_raw(sig_ref, body);

    let written = up.write()?;
    let obj_off = written
        .offsets
        .iter()
        .find(|(r, _)| *r == sig_ref)
        .map(|(_, o)| *o)
        .ok_or_else(|| Error::CannotSign("signature object was not written".into()))?;
    let header_len = format!("{} {} obj\n", sig_ref.num, sig_ref.generation).len();
    let mut bytes = written.bytes;
    let gap_start = obj_off + header_len + contents_pos;
    let gap_end = gap_start + req.contents_size * 2 + 2;
    let br_at = obj_off + header_len + br_pos;
    let br = format!("[0 {} {} {}]", gap_start, gap_end, bytes.len() - gap_end);
    if br.len() > BYTE_RANGE_PLACEHOLDER.len() {
        return Err(Error::CannotSign(
            "file too large for the /ByteRange placeholder".into(),
        ));
    }
    let mut br_bytes = br.into_bytes();
    br_bytes.resize(BYTE_RANGE_PLACEHOLDER.len(), b' ');
    bytes[br_at..br_at + br_bytes.len()].copy_from_slice(&br_bytes);
    Ok(PreparedPdf {
        bytes,
        gap: gap_start..gap_end,
    })
}

/// The refusal to write an incremental update over broken cross-reference data: its /Prev
/// would chain to sections that readers cannot follow, and each repairs the file its own way.
pub(crate) fn broken_xref(reason: &str) -> Error {
    Error::CannotSign(format!(
        "the cross-reference table is broken ({reason}); an incremental update over it would \
         be unsafe: repair the file first (for example `qpdf broken.pdf repaired.pdf`) and sign \
         the repaired copy"
    ))
}

/// Adds `annot` to the page's /Annots (direct array, indirect array, or new).
fn add_annotation(
    doc: &Document<'_>,
    up: &mut IncrementalUpdate<'_, '_>,
    page_ref: ObjRef,
    annot: ObjRef,
) -> Result<(), Error> {
    let page = doc.get(page_ref)?;
    let mut page = page
        .as_dict()
        .cloned()
        .ok_or_else(|| Error::CannotSign("page is not a dictionary".into()))?;
    match page.get(b"Annots").cloned() {
        Some(Object::Ref(ar)) => {
            let mut arr = doc
                .get(ar)?
                .as_array()
                .map(|a| a.to_vec())
                .unwrap_or_default();
            arr.push(Object::Ref(annot));
            up.set(ar, Object::Array(arr));
        }
        Some(Object::Array(mut arr)) => {
            arr.push(Object::Ref(annot));
            page.set(b"Annots", Object::Array(arr));
            up.set(page_ref, Object::Dict(page));
        }
        _ => {
            page.set(b"Annots", Object::Array(vec![Object::Ref(annot)]));
            up.set(page_ref, Object::Dict(page));
        }
    }
    Ok(())
}
