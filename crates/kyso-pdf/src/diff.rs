//! What changed after a signature: every object the later revisions (re)define is compared
//! with its signed version and classified as an allowed change (another signature, form
//! filling, DSS and document timestamps, metadata, and with DocMDP P=3 annotations) or a
//! modification.

use std::collections::HashSet;

use crate::Error;
use crate::document::{Document, XrefEntry, XrefMap};
use crate::object::{Dict, ObjRef, Object};

/// Which changes are allowed after the signature (ISO 32000 DocMDP semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// P=1: no changes (PAdES still allows DSS and document timestamps).
    NoChanges,
    /// P=2, and kyso's default for approval signatures: form filling and signing.
    FormFillingAndSigning,
    /// P=3: also annotations.
    Annotations,
}

impl Permission {
    pub fn from_docmdp(p: Option<u8>) -> Permission {
        match p {
            Some(1) => Permission::NoChanges,
            Some(3) => Permission::Annotations,
            _ => Permission::FormFillingAndSigning,
        }
    }
}

/// The outcome of change analysis for one signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeReport {
    /// Disallowed changes, human-readable. Empty means the signed content is intact.
    pub modifications: Vec<String>,
    /// Allowed changes seen (e.g. "signature field 'Signature2' added").
    pub allowed: Vec<String>,
}

struct Ctx<'d, 'a> {
    doc: &'d Document<'a>,
    old: XrefMap,
    perm: Permission,
    /// End of the signed revision.
    signed_end: usize,
}

impl Ctx<'_, '_> {
    fn old(&self, r: ObjRef) -> Object {
        self.doc.get_in(&self.old, r).unwrap_or(Object::Null)
    }
    fn current(&self, r: ObjRef) -> Object {
        self.doc.get(r).unwrap_or(Object::Null)
    }
    fn resolve_new(&self, o: &Object) -> Object {
        self.doc.resolve(o).unwrap_or(Object::Null)
    }
    fn resolve_old(&self, o: &Object) -> Object {
        self.doc.resolve_in(&self.old, o).unwrap_or(Object::Null)
    }
}

fn type_name(o: &Object) -> String {
    o.as_dict()
        .and_then(|d| d.name(b"Type").or_else(|| d.name(b"Subtype")))
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_else(|| match o {
            Object::Array(_) => "array".into(),
            Object::Stream(_) => "stream".into(),
            Object::Dict(_) => "dictionary".into(),
            _ => "object".into(),
        })
}

/// Keys whose values differ between two dictionaries.
fn changed_keys(a: &Dict, b: &Dict) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = a.keys().chain(b.keys()).map(|k| k.to_vec()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| a.get(k) != b.get(k)).collect()
}

fn key_str(k: &[u8]) -> String {
    format!("/{}", String::from_utf8_lossy(k))
}

/// Every object number reachable from `start` in the given map (bounded).
fn reachable(doc: &Document<'_>, map: &XrefMap, start: &Object, limit: usize) -> HashSet<u32> {
    let mut seen = HashSet::new();
    let mut stack = vec![start.clone()];
    while let Some(o) = stack.pop() {
        if seen.len() >= limit {
            break;
        }
        match o {
            Object::Ref(r) if seen.insert(r.num) => {
                stack.push(doc.get_in(map, r).unwrap_or(Object::Null));
            }
            Object::Array(a) => stack.extend(a),
            Object::Dict(d) => stack.extend(d.0.into_iter().map(|(_, v)| v)),
            Object::Stream(s) => stack.extend(s.dict.0.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    seen
}

/// Field object numbers in a form (walking /Kids), with whether each is a signature field.
fn form_fields(doc: &Document<'_>, map: &XrefMap, catalog: &Dict) -> Vec<(u32, bool)> {
    let mut out = Vec::new();
    let Some(af) = catalog
        .get(b"AcroForm")
        .map(|a| doc.resolve_in(map, a).unwrap_or(Object::Null))
    else {
        return out;
    };
    let fields = af
        .as_dict()
        .and_then(|d| d.get(b"Fields"))
        .map(|f| doc.resolve_in(map, f).unwrap_or(Object::Null));
    let mut stack: Vec<(Object, Option<Vec<u8>>, usize)> = fields
        .as_ref()
        .and_then(Object::as_array)
        .unwrap_or(&[])
        .iter()
        .map(|f| (f.clone(), None, 0))
        .collect();
    let mut seen = HashSet::new();
    while let Some((f, inherited, depth)) = stack.pop() {
        let Some(r) = f.as_ref() else { continue };
        if depth > 32 || !seen.insert(r.num) {
            continue;
        }
        let obj = doc.get_in(map, r).unwrap_or(Object::Null);
        let Some(d) = obj.as_dict() else { continue };
        let ft = d.name(b"FT").map(|n| n.to_vec()).or(inherited);
        out.push((r.num, ft.as_deref() == Some(b"Sig")));
        if let Some(kids) = d.get(b"Kids") {
            let kids = doc.resolve_in(map, kids).unwrap_or(Object::Null);
            for k in kids.as_array().unwrap_or(&[]) {
                stack.push((k.clone(), ft.clone(), depth + 1));
            }
        }
    }
    out
}

/// Analyzes the changes made after the revision that ends at `signed_end`.
pub fn analyze(
    doc: &Document<'_>,
    signed_end: usize,
    perm: Permission,
) -> Result<ChangeReport, Error> {
    let changed = doc.objects_changed_since(signed_end);
    let mut report = ChangeReport::default();
    if changed.is_empty() {
        return Ok(report);
    }
    let ctx = Ctx {
        doc,
        old: doc.map_before(signed_end),
        perm,
        signed_end,
    };
    let old_trailer = doc
        .sections()
        .iter()
        .find(|s| s.offset < signed_end)
        .map(|s| s.trailer.clone())
        .ok_or_else(|| {
            Error::Xref("no cross-reference section inside the signed revision".into())
        })?;
    let old_root = old_trailer.reference(b"Root");
    let new_root = doc.trailer().reference(b"Root");
    if old_root != new_root {
        report
            .modifications
            .push("the document catalog was replaced".into());
        return Ok(report);
    }
    let Some(root) = new_root else {
        return Err(Error::Xref("trailer has no /Root".into()));
    };
    if old_trailer.get(b"Encrypt") != doc.trailer().get(b"Encrypt") {
        report.modifications.push("encryption was changed".into());
    }
    let old_catalog = ctx.old(root).as_dict().cloned().unwrap_or_default();
    let new_catalog = ctx.current(root).as_dict().cloned().unwrap_or_default();

    let old_fields = form_fields(doc, &ctx.old, &old_catalog);
    let new_fields = form_fields(doc, doc.current_map(), &new_catalog);
    let old_field_nums: HashSet<u32> = old_fields.iter().map(|(n, _)| *n).collect();
    let new_sig_fields: HashSet<u32> = new_fields
        .iter()
        .filter(|(_, s)| *s)
        .map(|(n, _)| *n)
        .collect();
    let old_pages: HashSet<u32> = pages_in(doc, &ctx.old, &old_catalog);
    let old_annots_arrays: HashSet<u32> = old_pages
        .iter()
        .filter_map(|p| {
            ctx.old(ObjRef::new(*p, 0))
                .as_dict()
                .and_then(|d| d.reference(b"Annots"))
                .map(|r| r.num)
        })
        .collect();
    let old_acro_ref = old_catalog.reference(b"AcroForm");
    let old_fields_array = old_acro_ref
        .and_then(|r| ctx.old(r).as_dict().and_then(|d| d.reference(b"Fields")))
        .map(|r| r.num);
    let dss: HashSet<u32> = new_catalog
        .get(b"DSS")
        .map(|d| reachable(doc, doc.current_map(), d, 100_000))
        .unwrap_or_default();
    // Appearance streams of form widgets may be regenerated when fields are filled or signed.
    let mut appearance: HashSet<u32> = HashSet::new();
    for (n, _) in &new_fields {
        if let Some(ap) = ctx
            .current(ObjRef::new(*n, 0))
            .as_dict()
            .and_then(|d| d.get(b"AP").cloned())
        {
            appearance.extend(reachable(doc, doc.current_map(), &ap, 10_000));
        }
    }
    let info = old_trailer.reference(b"Info").map(|r| r.num);
    let metadata = old_catalog.reference(b"Metadata").map(|r| r.num);

    for num in changed {
        let r = ObjRef::new(num, 0);
        let old = ctx.old(r);
        let new = ctx.current(r);
        if old == new {
            continue;
        }
        if matches!(old, Object::Null) {
            continue; // new objects matter only where changed objects refer to them
        }
        if matches!(new, Object::Null) {
            report
                .modifications
                .push(format!("object {num} ({}) was deleted", type_name(&old)));
            continue;
        }
        let structural = matches!(
            old.as_dict().and_then(|d| d.name(b"Type")),
            Some(b"XRef") | Some(b"ObjStm")
        );
        if structural
            || dss.contains(&num)
            || old.as_dict().and_then(|d| d.name(b"Type")) == Some(b"DSS")
        {
            continue;
        }
        if Some(num) == info {
            report.allowed.push("document information updated".into());
            continue;
        }
        if Some(num) == metadata {
            report.allowed.push("XMP metadata updated".into());
            continue;
        }
        if Some(r) == Some(root) {
            check_catalog(
                &ctx,
                &old_catalog,
                &new_catalog,
                &new_sig_fields,
                &mut report,
            );
        } else if Some(num) == old_acro_ref.map(|a| a.num) {
            let (o, n) = (
                old.as_dict().cloned().unwrap_or_default(),
                new.as_dict().cloned().unwrap_or_default(),
            );
            check_acroform(&ctx, &o, &n, &new_sig_fields, &mut report);
        } else if Some(num) == old_fields_array {
            check_list(
                &ctx,
                &old,
                &new,
                "form field list",
                &new_sig_fields,
                &mut report,
            );
        } else if old_pages.contains(&num) {
            check_page(&ctx, num, &old, &new, &new_sig_fields, &mut report);
        } else if old_annots_arrays.contains(&num) {
            check_list(
                &ctx,
                &old,
                &new,
                "annotation list",
                &new_sig_fields,
                &mut report,
            );
        } else if old_field_nums.contains(&num) {
            check_field(&ctx, num, &old, &new, &mut report);
        } else if appearance.contains(&num) && ctx.perm != Permission::NoChanges {
            report
                .allowed
                .push(format!("appearance stream {num} updated"));
        } else if ctx.perm == Permission::Annotations
            && old.as_dict().and_then(|d| d.name(b"Type")) == Some(b"Annot")
        {
            report.allowed.push(format!("annotation {num} changed"));
        } else {
            report
                .modifications
                .push(format!("object {num} ({}) was changed", type_name(&old)));
        }
    }
    // A signature widget is both a form field and an annotation of its page, so each added
    // signature field is seen twice: in /AcroForm /Fields and in the page's /Annots. Report
    // each change once, in the order first seen.
    dedup_in_order(&mut report.allowed);
    dedup_in_order(&mut report.modifications);
    Ok(report)
}

/// Removes repeated entries, keeping the first of each.
fn dedup_in_order(items: &mut Vec<String>) {
    let mut seen = HashSet::new();
    items.retain(|s| seen.insert(s.clone()));
}

fn pages_in(doc: &Document<'_>, map: &XrefMap, catalog: &Dict) -> HashSet<u32> {
    let mut out = HashSet::new();
    let mut stack: Vec<(Object, usize)> = catalog
        .get(b"Pages")
        .map(|p| vec![(p.clone(), 0)])
        .unwrap_or_default();
    while let Some((o, depth)) = stack.pop() {
        let Some(r) = o.as_ref() else { continue };
        if depth > 64 || out.len() > 1_000_000 || !out.insert(r.num) {
            continue;
        }
        let obj = doc.get_in(map, r).unwrap_or(Object::Null);
        if let Some(kids) = obj.as_dict().and_then(|d| d.get(b"Kids")) {
            let kids = doc.resolve_in(map, kids).unwrap_or(Object::Null);
            stack.extend(
                kids.as_array()
                    .unwrap_or(&[])
                    .iter()
                    .map(|k| (k.clone(), depth + 1)),
            );
        }
    }
    out
}

/// Where object `num` was first defined in the file: the offset of its oldest definition (for
/// an object in an object stream, of that stream's definition in the same section).
fn defined_at(doc: &Document<'_>, num: u32) -> Option<usize> {
    doc.sections().iter().rev().find_map(|section| {
        let entry = section
            .entries
            .iter()
            .find(|(n, e)| *n == num && !matches!(e, XrefEntry::Free))?;
        match entry.1 {
            XrefEntry::InFile { offset, .. } => Some(offset),
            XrefEntry::InStream { stream, .. } => {
                section.entries.iter().find_map(|(n, e)| match e {
                    XrefEntry::InFile { offset, .. } if *n == stream => Some(*offset),
                    _ => None,
                })
            }
            XrefEntry::Free => None,
        }
    })
}

/// Whether an added field or annotation is an allowed addition.
fn addition_allowed(
    ctx: &Ctx<'_, '_>,
    item: &Object,
    new_sig_fields: &HashSet<u32>,
) -> Result<String, String> {
    let obj = ctx.resolve_new(item);
    let d = obj.as_dict().cloned().unwrap_or_default();
    let num = item.as_ref().map(|r| r.num);
    let is_sig = num.is_some_and(|n| new_sig_fields.contains(&n))
        || d.name(b"FT") == Some(b"Sig")
        || d.get(b"Parent")
            .map(|p| ctx.resolve_new(p))
            .is_some_and(|p| p.as_dict().and_then(|pd| pd.name(b"FT")) == Some(b"Sig"));
    let label = d
        .string(b"T")
        .map(crate::object::decode_text)
        .map(|t| format!("'{t}'"))
        .unwrap_or_else(|| num.map(|n| format!("object {n}")).unwrap_or_default());
    if is_sig {
        // A new field whose value is a signature dictionary that already existed in the
        // signed revision shows an old signature a second time (a forged extra "seal").
        if let Some(v) = d.get(b"V").and_then(Object::as_ref)
            && !matches!(ctx.old(v), Object::Null)
        {
            return Err(format!(
                "signature field {label} added with the value of an existing signature \
                 (object {})",
                v.num
            ));
        }
        let value = d.get(b"V").map(|v| ctx.resolve_new(v));
        // A signature added later must sign the revision that adds its field: a field
        // defined after the end of its value's byte range shows a signature (or a copy of
        // one) that was made before the field existed.
        if let Some(br) = value
            .as_ref()
            .and_then(|v| v.as_dict())
            .and_then(|v| v.get(b"ByteRange"))
            .map(|b| ctx.resolve_new(b))
            && let [_, _, Object::Int(b), Object::Int(c)] = br.as_array().unwrap_or(&[])
        {
            let signed_to = usize::try_from(b.saturating_add(*c)).unwrap_or(0);
            let field_at = num.and_then(|n| defined_at(ctx.doc, n));
            if signed_to <= ctx.signed_end || field_at.is_some_and(|at| at >= signed_to) {
                return Err(format!(
                    "signature field {label} added with a signature that does not cover it \
                     (a signature made before the field existed)"
                ));
            }
        }
        let is_timestamp = value
            .as_ref()
            .and_then(|v| v.as_dict())
            .and_then(|v| v.name(b"Type"))
            == Some(b"DocTimeStamp");
        if ctx.perm == Permission::NoChanges && !is_timestamp {
            return Err(format!(
                "signature field {label} added, but the certification allows no changes"
            ));
        }
        return Ok(format!("signature field {label} added"));
    }
    if ctx.perm == Permission::Annotations
        && d.name(b"Type") != Some(b"Page")
        && d.name(b"Subtype") != Some(b"Widget")
    {
        return Ok(format!("annotation {label} added"));
    }
    Err(format!(
        "{} {label} added",
        if d.name(b"Subtype") == Some(b"Widget") {
            "form field"
        } else {
            "annotation"
        }
    ))
}

/// A list (fields or annotations) may only grow, by allowed additions.
fn check_list(
    ctx: &Ctx<'_, '_>,
    old: &Object,
    new: &Object,
    what: &str,
    sigs: &HashSet<u32>,
    report: &mut ChangeReport,
) {
    let old_items = ctx
        .resolve_old(old)
        .as_array()
        .map(|a| a.to_vec())
        .unwrap_or_default();
    let new_items = ctx
        .resolve_new(new)
        .as_array()
        .map(|a| a.to_vec())
        .unwrap_or_default();
    for o in &old_items {
        if !new_items.contains(o) {
            if ctx.perm == Permission::Annotations && what == "annotation list" {
                report.allowed.push("annotation removed".into());
            } else {
                report
                    .modifications
                    .push(format!("an entry of the {what} was removed"));
            }
        }
    }
    for n in new_items.iter().filter(|n| !old_items.contains(n)) {
        match addition_allowed(ctx, n, sigs) {
            Ok(s) => report.allowed.push(s),
            Err(s) => report.modifications.push(s),
        }
    }
}

fn check_catalog(
    ctx: &Ctx<'_, '_>,
    old: &Dict,
    new: &Dict,
    sigs: &HashSet<u32>,
    report: &mut ChangeReport,
) {
    for k in changed_keys(old, new) {
        match k.as_slice() {
            b"DSS" => report.allowed.push("validation data (DSS) added".into()),
            b"Extensions" => report.allowed.push("developer extensions updated".into()),
            b"AcroForm" => {
                let o = old
                    .get(b"AcroForm")
                    .map(|a| ctx.resolve_old(a))
                    .and_then(|a| a.as_dict().cloned())
                    .unwrap_or_default();
                let n = new
                    .get(b"AcroForm")
                    .map(|a| ctx.resolve_new(a))
                    .and_then(|a| a.as_dict().cloned())
                    .unwrap_or_default();
                if old.get(b"AcroForm").is_none()
                    || matches!(old.get(b"AcroForm"), Some(Object::Dict(_)))
                {
                    check_acroform(ctx, &o, &n, sigs, report);
                } else {
                    report
                        .modifications
                        .push("the catalog's /AcroForm was replaced".into());
                }
            }
            _ => report
                .modifications
                .push(format!("document catalog entry {} changed", key_str(&k))),
        }
    }
}

fn check_acroform(
    ctx: &Ctx<'_, '_>,
    old: &Dict,
    new: &Dict,
    sigs: &HashSet<u32>,
    report: &mut ChangeReport,
) {
    for k in changed_keys(old, new) {
        match k.as_slice() {
            b"Fields" => {
                let o = old
                    .get(b"Fields")
                    .cloned()
                    .unwrap_or(Object::Array(Vec::new()));
                let n = new
                    .get(b"Fields")
                    .cloned()
                    .unwrap_or(Object::Array(Vec::new()));
                check_list(ctx, &o, &n, "form field list", sigs, report);
            }
            b"SigFlags" | b"DR" | b"DA" => {}
            _ => report
                .modifications
                .push(format!("form entry {} changed", key_str(&k))),
        }
    }
}

fn check_page(
    ctx: &Ctx<'_, '_>,
    num: u32,
    old: &Object,
    new: &Object,
    sigs: &HashSet<u32>,
    report: &mut ChangeReport,
) {
    let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
        report
            .modifications
            .push(format!("page object {num} was replaced"));
        return;
    };
    for k in changed_keys(o, n) {
        if k == b"Annots" {
            let oa = o
                .get(b"Annots")
                .cloned()
                .unwrap_or(Object::Array(Vec::new()));
            let na = n
                .get(b"Annots")
                .cloned()
                .unwrap_or(Object::Array(Vec::new()));
            check_list(ctx, &oa, &na, "annotation list", sigs, report);
        } else {
            report.modifications.push(format!(
                "page object {num}: {} changed (page content or resources)",
                key_str(&k)
            ));
        }
    }
}

fn check_field(ctx: &Ctx<'_, '_>, num: u32, old: &Object, new: &Object, report: &mut ChangeReport) {
    let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
        report
            .modifications
            .push(format!("form field {num} was replaced"));
        return;
    };
    let is_sig = o.name(b"FT") == Some(b"Sig") || n.name(b"FT") == Some(b"Sig");
    for k in changed_keys(o, n) {
        let allowed = match k.as_slice() {
            b"V" if is_sig => o.get(b"V").is_none() && ctx.perm != Permission::NoChanges,
            b"V" => ctx.perm != Permission::NoChanges,
            b"AP" | b"AS" | b"MK" => ctx.perm != Permission::NoChanges,
            _ => false,
        };
        if allowed {
            report.allowed.push(if is_sig {
                "signature field signed".into()
            } else {
                format!("form field {num} filled")
            });
        } else {
            report
                .modifications
                .push(format!("form field {num}: {} changed", key_str(&k)));
        }
    }
}
