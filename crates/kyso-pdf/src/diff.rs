//! What changed after a signature: every object the later revisions (re)define is compared
//! with its signed version and classified as an allowed change (another signature — in a new
//! field with a visible appearance only if it is signed, and after a certification only if
//! the field was added in the revision its signature signs — form filling, DSS and document
//! timestamps, metadata, and with DocMDP P=3
//! annotations) or a modification.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use crate::Error;
use crate::document::{Document, XrefEntry, XrefMap};
use crate::object::{Dict, ObjRef, Object};

/// Which changes are allowed after the signature (ISO 32000 DocMDP semantics), ordered from
/// the strictest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

    /// The permission of a `/P` entry (DocMDP transform parameters, a field lock dictionary):
    /// 1, 2 or 3; anything else is not a permission.
    fn from_p(p: Option<i64>) -> Option<Permission> {
        match p {
            Some(1) => Some(Permission::NoChanges),
            Some(2) => Some(Permission::FormFillingAndSigning),
            Some(3) => Some(Permission::Annotations),
            _ => None,
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
    /// The strictest of the DocMDP permission and the signed field locks' `/P`.
    perm: Permission,
    /// End of the signed revision.
    signed_end: usize,
    root: ObjRef,
    /// The signed revision's catalog (`root` unless the catalog was written as a new object).
    old_root: ObjRef,
    old_trailer: Dict,
    /// Field locks set by the signatures of the signed revision.
    locks: Vec<Lock>,
    /// The signature field whose lock's `/P` is stricter than the DocMDP permission.
    perm_lock: Option<String>,
    /// The signed revision carries a certification (the catalog's `/Perms /DocMDP`).
    certified: bool,
    /// Fully qualified names of the field nodes, signed revision then current one.
    old_names: HashMap<u32, String>,
    new_names: HashMap<u32, String>,
    old_view: OnceCell<View>,
    new_view: OnceCell<View>,
    new_form: OnceCell<FormLinks>,
}

/// Who lists which object in the current revision: the form's `/Fields`, the fields'
/// `/Kids`, the pages' `/Annots`.
#[derive(Default)]
struct FormLinks {
    /// The form's top-level `/Fields`.
    top: HashSet<u32>,
    /// Object → the field nodes whose `/Kids` list it.
    listed_by: HashMap<u32, Vec<u32>>,
    /// Annotations some page lists in its `/Annots`.
    on_pages: HashSet<u32>,
}

impl FormLinks {
    fn new(doc: &Document<'_>, nodes: impl Iterator<Item = u32>) -> FormLinks {
        let mut links = FormLinks::default();
        let map = doc.current_map();
        let Ok((_, catalog)) = doc.catalog() else {
            return links;
        };
        let refs = |o: Option<&Object>| -> Vec<u32> {
            o.map(|o| doc.resolve(o).unwrap_or(Object::Null))
                .as_ref()
                .and_then(Object::as_array)
                .unwrap_or(&[])
                .iter()
                .filter_map(|x| x.as_ref().map(|r| r.num))
                .collect()
        };
        let form = catalog
            .get(b"AcroForm")
            .map(|a| doc.resolve(a).unwrap_or(Object::Null));
        links.top = refs(form.as_ref().and_then(|f| f.as_dict()?.get(b"Fields")))
            .into_iter()
            .collect();
        for node in nodes {
            let obj = doc
                .shallow_in(map, ObjRef::new(node, 0))
                .unwrap_or(Object::Null);
            for kid in refs(obj.as_dict().and_then(|d| d.get(b"Kids"))) {
                let by = links.listed_by.entry(kid).or_default();
                if !by.contains(&node) {
                    by.push(node);
                }
            }
        }
        for page in pages_in(doc, map, &catalog) {
            let obj = doc
                .shallow_in(map, ObjRef::new(page, 0))
                .unwrap_or(Object::Null);
            links
                .on_pages
                .extend(refs(obj.as_dict().and_then(|d| d.get(b"Annots"))));
        }
        links
    }
}

impl Ctx<'_, '_> {
    fn new_form(&self) -> &FormLinks {
        self.new_form
            .get_or_init(|| FormLinks::new(self.doc, self.new_names.keys().copied()))
    }
    fn old_view(&self) -> &View {
        self.old_view
            .get_or_init(|| View::new(self.doc, &self.old, &self.old_trailer, self.old_root))
    }
    fn new_view(&self) -> &View {
        self.new_view.get_or_init(|| {
            View::new(
                self.doc,
                self.doc.current_map(),
                self.doc.trailer(),
                self.root,
            )
        })
    }
    /// Whether object `num` is shown or used by a reader, before or after the change, other
    /// than through the excluded entries (`/DSS`, `/Metadata`, `/StructTreeRoot`,
    /// `/Extensions`), or is a
    /// widget appearance.
    fn shown(&self, num: u32) -> bool {
        let (o, n) = (self.old_view(), self.new_view());
        o.reaches(num)
            || n.reaches(num)
            || o.ap_owners.contains_key(&num)
            || n.ap_owners.contains_key(&num)
    }
    /// The lock (if any) on the field named `name`.
    fn lock_on(&self, name: &str) -> Option<&Lock> {
        self.locks.iter().find(|l| l.locks(name))
    }
    fn field_name(&self, num: u32) -> String {
        self.old_names
            .get(&num)
            .or_else(|| self.new_names.get(&num))
            .cloned()
            .unwrap_or_else(|| format!("object {num}"))
    }

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
    keys.into_iter()
        .filter(|k| match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => !same_value(x, y),
            (x, y) => x != y,
        })
        .collect()
}

/// Equal as a reader sees them: like `==`, except that an integer and a real of the same
/// value are the same number (`612` and `612.0`; ISO 32000 7.3.3), at any depth.
fn same_value(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Int(i), Object::Real(r)) | (Object::Real(r), Object::Int(i)) => {
            // Exact: an i64 beyond 2^53 never equals a real.
            *r == *i as f64 && (*r as i64) == *i
        }
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Object::Dict(x), Object::Dict(y)) => {
            x.0.len() == y.0.len()
                && x.0
                    .iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

fn key_str(k: &[u8]) -> String {
    format!("/{}", String::from_utf8_lossy(k))
}

/// Every object number reachable from `start` in the given map (bounded; stream data is
/// not read).
fn reachable(doc: &Document<'_>, map: &XrefMap, start: &Object, limit: usize) -> HashSet<u32> {
    let mut seen = HashSet::new();
    let mut stack = vec![start.clone()];
    while let Some(o) = stack.pop() {
        if seen.len() >= limit {
            break;
        }
        match o {
            Object::Ref(r) if seen.insert(r.num) => {
                stack.push(doc.shallow_in(map, r).unwrap_or(Object::Null));
            }
            Object::Array(a) => stack.extend(a),
            Object::Dict(d) => stack.extend(d.0.into_iter().map(|(_, v)| v)),
            Object::Stream(s) => stack.extend(s.dict.0.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    seen
}

/// A form field (or widget) node of the field tree.
struct Field {
    num: u32,
    is_sig: bool,
    /// Fully qualified name (a widget without `/T` carries its parent's).
    name: String,
}

/// The most field-tree nodes read.
const MAX_FIELDS: usize = 100_000;

/// Field nodes in a form (walking /Kids), with whether each is a signature field and its
/// fully qualified name.
fn form_fields(doc: &Document<'_>, map: &XrefMap, catalog: &Dict) -> Vec<Field> {
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
    let mut stack: Vec<(Object, Option<Vec<u8>>, String, usize)> = fields
        .as_ref()
        .and_then(Object::as_array)
        .unwrap_or(&[])
        .iter()
        .rev()
        .map(|f| (f.clone(), None, String::new(), 0))
        .collect();
    let mut seen = HashSet::new();
    while let Some((f, inherited, parent, depth)) = stack.pop() {
        let Some(r) = f.as_ref() else { continue };
        if depth > 32 || out.len() >= MAX_FIELDS || !seen.insert(r.num) {
            continue;
        }
        let obj = doc.shallow_in(map, r).unwrap_or(Object::Null);
        let Some(d) = obj.as_dict() else { continue };
        let ft = d.name(b"FT").map(|n| n.to_vec()).or(inherited);
        let name = match d.string(b"T").map(crate::object::decode_text) {
            Some(t) if parent.is_empty() => t,
            Some(t) => format!("{parent}.{t}"),
            None => parent,
        };
        out.push(Field {
            num: r.num,
            is_sig: ft.as_deref() == Some(b"Sig"),
            name: name.clone(),
        });
        if let Some(kids) = d.get(b"Kids") {
            let kids = doc.resolve_in(map, kids).unwrap_or(Object::Null);
            for k in kids.as_array().unwrap_or(&[]).iter().rev() {
                stack.push((k.clone(), ft.clone(), name.clone(), depth + 1));
            }
        }
    }
    out
}

/// What a FieldMDP transform or a signature field lock dictionary locks.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LockAction {
    All,
    Include(Vec<String>),
    Exclude(Vec<String>),
}

/// A field lock in effect after the signed revision (ISO 32000-2 12.7.5.5, 12.8.2.4).
#[derive(Debug, Clone)]
struct Lock {
    action: LockAction,
    /// The signature field whose signature set the lock.
    by: String,
}

impl Lock {
    /// Whether the field `name` (or a field below it) is locked.
    fn locks(&self, name: &str) -> bool {
        let within = |listed: &[String]| {
            listed.iter().any(|l| {
                name == l
                    || name
                        .strip_prefix(l.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        };
        match &self.action {
            LockAction::All => true,
            LockAction::Include(listed) => within(listed),
            LockAction::Exclude(listed) => !within(listed),
        }
    }
}

/// Reads `/Action` and `/Fields` of a lock dictionary or FieldMDP transform parameters.
/// An unknown action locks everything.
fn lock_action(doc: &Document<'_>, map: &XrefMap, d: &Dict) -> LockAction {
    let fields: Vec<String> = d
        .get(b"Fields")
        .map(|f| doc.resolve_in(map, f).unwrap_or(Object::Null))
        .as_ref()
        .and_then(Object::as_array)
        .unwrap_or(&[])
        .iter()
        .take(MAX_FIELDS)
        .filter_map(|f| match doc.resolve_in(map, f) {
            Ok(Object::String(s)) => Some(crate::object::decode_text(&s)),
            _ => None,
        })
        .collect();
    match d.name(b"Action") {
        Some(b"Include") => LockAction::Include(fields),
        Some(b"Exclude") => LockAction::Exclude(fields),
        _ => LockAction::All,
    }
}

/// The field locks and the strictest lock permission (`/P`) set by the signatures of the
/// signed revision: each signed signature field's `/Lock` dictionary and the FieldMDP (and
/// DocMDP) transforms in its signature dictionary's `/Reference`.
fn signed_locks(
    doc: &Document<'_>,
    map: &XrefMap,
    fields: &[Field],
) -> (Vec<Lock>, Option<(Permission, String)>) {
    let mut locks = Vec::new();
    let mut perm: Option<(Permission, String)> = None;
    let mut stricter = |p: Option<Permission>, by: &str| {
        if let Some(p) = p
            && perm.as_ref().is_none_or(|(q, _)| p < *q)
        {
            perm = Some((p, by.to_string()));
        }
    };
    for f in fields.iter().filter(|f| f.is_sig) {
        let node = doc
            .shallow_in(map, ObjRef::new(f.num, 0))
            .unwrap_or(Object::Null);
        let Some(d) = node.as_dict() else { continue };
        let value = d
            .get(b"V")
            .map(|v| doc.resolve_in(map, v).unwrap_or(Object::Null))
            .unwrap_or(Object::Null);
        let Some(v) = value.as_dict().filter(|v| v.get(b"ByteRange").is_some()) else {
            continue; // an empty signature field locks nothing yet
        };
        if let Some(lock) = d
            .get(b"Lock")
            .map(|l| doc.resolve_in(map, l).unwrap_or(Object::Null))
            .as_ref()
            .and_then(Object::as_dict)
        {
            locks.push(Lock {
                action: lock_action(doc, map, lock),
                by: f.name.clone(),
            });
            stricter(Permission::from_p(lock.int(b"P")), &f.name);
        }
        let refs = v
            .get(b"Reference")
            .map(|r| doc.resolve_in(map, r).unwrap_or(Object::Null))
            .unwrap_or(Object::Null);
        for r in refs.as_array().unwrap_or(&[]).iter().take(64) {
            let r = doc.resolve_in(map, r).unwrap_or(Object::Null);
            let Some(r) = r.as_dict() else { continue };
            let params = r
                .get(b"TransformParams")
                .map(|p| doc.resolve_in(map, p).unwrap_or(Object::Null))
                .unwrap_or(Object::Null);
            let params = params.as_dict().cloned().unwrap_or_default();
            match r.name(b"TransformMethod") {
                Some(b"FieldMDP") => {
                    locks.push(Lock {
                        action: lock_action(doc, map, &params),
                        by: f.name.clone(),
                    });
                    stricter(Permission::from_p(params.int(b"P")), &f.name);
                }
                Some(b"DocMDP") => stricter(Permission::from_p(params.int(b"P")), &f.name),
                _ => {}
            }
        }
    }
    (locks, perm)
}

/// The most objects one reference walk visits; past it, every object counts as shown.
const MAX_TRACKED: usize = 2_000_000;

/// What a reader of one revision reaches from its trailer.
#[derive(Default)]
struct View {
    /// Objects reachable from the trailer without passing through the catalog's `/DSS`,
    /// `/Metadata`, `/StructTreeRoot` or `/Extensions` or a widget's `/AP`: everything a reader may show or
    /// act on other than widget appearances.
    reached: HashSet<u32>,
    /// For each object reachable from a widget's `/AP`: the widgets whose appearance uses it.
    ap_owners: HashMap<u32, Vec<u32>>,
    /// Objects reachable from the form's default resources (`/AcroForm /DR`) only: what a
    /// reader uses to build new field appearances, not to show the signed ones.
    dr: HashSet<u32>,
    /// The walk hit its bound: every object counts as reached.
    truncated: bool,
}

impl View {
    fn new(doc: &Document<'_>, map: &XrefMap, trailer: &Dict, root: ObjRef) -> View {
        let mut view = View::default();
        let mut ap_roots: Vec<(u32, Object)> = Vec::new();
        let mut dr_roots: Vec<Object> = Vec::new();
        // (object, number of the indirect object that holds it)
        let mut stack: Vec<(Object, u32)> = trailer
            .0
            .iter()
            .filter(|(k, _)| !matches!(k.as_slice(), b"Prev" | b"XRefStm"))
            .map(|(_, v)| (v.clone(), 0))
            .collect();
        while let Some((o, holder)) = stack.pop() {
            match o {
                Object::Ref(r) => {
                    if view.reached.len() >= MAX_TRACKED {
                        view.truncated = true;
                        break;
                    }
                    if !view.reached.insert(r.num) {
                        continue;
                    }
                    let obj = doc.shallow_in(map, r).unwrap_or(Object::Null);
                    if r == root {
                        for (k, v) in obj.as_dict().map(|d| d.0.clone()).unwrap_or_default() {
                            if !matches!(
                                k.as_slice(),
                                b"DSS" | b"Metadata" | b"StructTreeRoot" | b"Extensions"
                            ) {
                                stack.push((v, r.num));
                            }
                        }
                    } else {
                        stack.push((obj, r.num));
                    }
                }
                Object::Array(a) => stack.extend(a.into_iter().map(|x| (x, holder))),
                Object::Dict(d) | Object::Stream(crate::object::Stream { dict: d, .. }) => {
                    let widget = d.name(b"Subtype") == Some(b"Widget") || d.get(b"FT").is_some();
                    let form = d.get(b"Fields").is_some();
                    for (k, v) in d.0 {
                        if widget && k == b"AP" {
                            ap_roots.push((holder, v));
                        } else if form && k == b"DR" {
                            dr_roots.push(v);
                        } else {
                            stack.push((v, holder));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut budget = MAX_TRACKED;
        for dr in dr_roots {
            let objects = reachable(doc, map, &dr, budget.min(100_000));
            budget = budget.saturating_sub(objects.len());
            if budget == 0 {
                view.truncated = true;
            }
            view.dr
                .extend(objects.into_iter().filter(|n| !view.reached.contains(n)));
        }
        for (owner, ap) in ap_roots {
            let objects = reachable(doc, map, &ap, budget.min(100_000));
            budget = budget.saturating_sub(objects.len());
            if budget == 0 {
                view.truncated = true;
            }
            for n in objects {
                let owners = view.ap_owners.entry(n).or_default();
                if !owners.contains(&owner) {
                    owners.push(owner);
                }
            }
        }
        view
    }

    /// Whether a reader shows or uses object `num` other than as a widget appearance.
    fn reaches(&self, num: u32) -> bool {
        self.truncated || self.reached.contains(&num) || self.dr.contains(&num)
    }

    /// Whether a reader shows or uses object `num` other than as a widget appearance or
    /// through the form's default resources.
    fn reaches_besides_dr(&self, num: u32) -> bool {
        self.truncated || self.reached.contains(&num)
    }
}

/// Objects that are document security store content: the `/DSS` dictionary, its arrays and
/// `/VRI` dictionaries, and the streams reached through the proper keys (`/Certs`, `/CRLs`,
/// `/OCSPs`, `/VRI` → `/Cert`, `/CRL`, `/OCSP`, `/TS`).
fn dss_objects(doc: &Document<'_>, map: &XrefMap, catalog: &Dict) -> HashSet<u32> {
    let mut out = HashSet::new();
    let Some(entry) = catalog.get(b"DSS") else {
        return out;
    };
    // Collects the references of a (possibly indirect) array of references.
    let list = |o: Option<&Object>, out: &mut HashSet<u32>| {
        let Some(o) = o else { return };
        if let Some(r) = o.as_ref() {
            out.insert(r.num);
        }
        let arr = doc.resolve_in(map, o).unwrap_or(Object::Null);
        for item in arr.as_array().unwrap_or(&[]).iter().take(MAX_TRACKED) {
            if let Some(r) = item.as_ref() {
                out.insert(r.num);
            }
        }
    };
    if let Some(r) = entry.as_ref() {
        out.insert(r.num);
    }
    let dss = doc.resolve_in(map, entry).unwrap_or(Object::Null);
    let Some(dss) = dss.as_dict() else {
        return out;
    };
    for key in [&b"Certs"[..], b"CRLs", b"OCSPs"] {
        list(dss.get(key), &mut out);
    }
    let Some(vri) = dss.get(b"VRI") else {
        return out;
    };
    if let Some(r) = vri.as_ref() {
        out.insert(r.num);
    }
    let vri = doc.resolve_in(map, vri).unwrap_or(Object::Null);
    for (_, entry) in vri
        .as_dict()
        .map(|d| d.0.as_slice())
        .unwrap_or(&[])
        .iter()
        .take(MAX_FIELDS)
    {
        if let Some(r) = entry.as_ref() {
            out.insert(r.num);
        }
        let e = doc.resolve_in(map, entry).unwrap_or(Object::Null);
        let Some(e) = e.as_dict() else { continue };
        for key in [&b"Cert"[..], b"CRL", b"OCSP"] {
            list(e.get(key), &mut out);
        }
        if let Some(r) = e.get(b"TS").and_then(Object::as_ref) {
            out.insert(r.num);
        }
    }
    out
}

/// Analyzes the changes made after the revision that ends at `signed_end`.
///
/// Every object that existed in the signed revision and is defined again later is compared
/// with its signed version. Besides the rules for the catalog, the form, pages and fields, an
/// object may change only as document security store content, XMP metadata, a widget's
/// appearance (for the one widget whose `/AP` alone reaches it, in the revision that fills or
/// creates that field) or, with tagged PDF, a structure tree that grows: an object a reader
/// also reaches from anywhere else (a page, its resources, another annotation, the catalog,
/// the trailer) is a modification whatever else points at it. Field locks of the signed
/// revision's signatures (`/Lock`, FieldMDP) are enforced, and their `/P` tightens `perm`.
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
    let old_map = doc.map_before(signed_end);
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
    let (Some(old_root), Some(root)) = (old_root, new_root) else {
        return Err(Error::Xref("trailer has no /Root".into()));
    };
    // A catalog written again as a new object (some producers do so in every revision) is
    // compared entry by entry with the signed one, like a catalog updated in place. A /Root
    // naming an object of the signed revision is a replacement.
    let replaced = old_root != root;
    if replaced && !matches!(doc.get_in(&old_map, root), Ok(Object::Null) | Err(_)) {
        report
            .modifications
            .push("the document catalog was replaced".into());
        return Ok(report);
    }
    // `/Encrypt null` is no /Encrypt entry (ISO 32000-1 7.3.9).
    let encrypt = |t: &Dict| {
        t.get(b"Encrypt")
            .filter(|e| !matches!(e, Object::Null))
            .cloned()
    };
    if encrypt(&old_trailer) != encrypt(doc.trailer()) {
        report.modifications.push("encryption was changed".into());
    }
    let old_catalog = doc
        .get_in(&old_map, old_root)
        .unwrap_or(Object::Null)
        .as_dict()
        .cloned()
        .unwrap_or_default();
    let new_catalog = doc
        .get(root)
        .unwrap_or(Object::Null)
        .as_dict()
        .cloned()
        .unwrap_or_default();

    let old_fields = form_fields(doc, &old_map, &old_catalog);
    let new_fields = form_fields(doc, doc.current_map(), &new_catalog);
    let (locks, lock_perm) = signed_locks(doc, &old_map, &old_fields);
    let ctx = Ctx {
        doc,
        perm: lock_perm.as_ref().map_or(perm, |(p, _)| (*p).min(perm)),
        perm_lock: lock_perm.filter(|(p, _)| *p < perm).map(|(_, by)| by),
        certified: old_catalog
            .get(b"Perms")
            .map(|p| doc.resolve_in(&old_map, p).unwrap_or(Object::Null))
            .is_some_and(|p| p.as_dict().is_some_and(|p| p.get(b"DocMDP").is_some())),
        signed_end,
        root,
        old_root,
        old_trailer,
        locks,
        old_names: old_fields.iter().map(|f| (f.num, f.name.clone())).collect(),
        new_names: new_fields.iter().map(|f| (f.num, f.name.clone())).collect(),
        old: old_map,
        old_view: OnceCell::new(),
        new_view: OnceCell::new(),
        new_form: OnceCell::new(),
    };
    let old_field_nums: HashSet<u32> = old_fields.iter().map(|f| f.num).collect();
    let new_sig_fields: HashSet<u32> = new_fields
        .iter()
        .filter(|f| f.is_sig)
        .map(|f| f.num)
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
    let old_kids_arrays: HashSet<u32> = old_fields
        .iter()
        .filter_map(|f| {
            ctx.old(ObjRef::new(f.num, 0))
                .as_dict()
                .and_then(|d| d.reference(b"Kids"))
                .map(|r| r.num)
        })
        .collect();
    let old_acro_ref = old_catalog.reference(b"AcroForm");
    let old_fields_array = old_acro_ref
        .and_then(|r| ctx.old(r).as_dict().and_then(|d| d.reference(b"Fields")))
        .map(|r| r.num);
    let dss = dss_objects(doc, doc.current_map(), &new_catalog);
    let info = ctx.old_trailer.reference(b"Info").map(|r| r.num);
    let metadata: Vec<u32> = [&old_catalog, &new_catalog]
        .iter()
        .filter_map(|c| c.reference(b"Metadata").map(|r| r.num))
        .collect();
    let old_struct = struct_tree(doc, &ctx.old, &old_catalog);
    // The form's default resources (when indirect) and the indirect entries they hold (a
    // /Font dictionary), in either revision.
    let dr_objects: HashSet<u32> = [(&ctx.old, &old_catalog), (doc.current_map(), &new_catalog)]
        .iter()
        .filter_map(|(map, c)| {
            let form = doc.resolve_in(map, c.get(b"AcroForm")?).ok()?;
            let dr = form.as_dict()?.get(b"DR")?.clone();
            let mut out: Vec<u32> = dr.as_ref().map(|r| r.num).into_iter().collect();
            let dr = doc.resolve_in(map, &dr).ok()?;
            out.extend(
                dr.as_dict()?
                    .0
                    .iter()
                    .take(64)
                    .filter_map(|(_, v)| v.as_ref().map(|r| r.num)),
            );
            Some(out)
        })
        .flatten()
        .collect();
    // The developer extensions dictionary (and what it holds) when indirect: it declares the
    // extensions a file uses and draws nothing.
    let extensions: HashSet<u32> = [(&ctx.old, &old_catalog), (doc.current_map(), &new_catalog)]
        .iter()
        .filter_map(|(map, c)| c.get(b"Extensions").map(|e| reachable(doc, map, e, 1_000)))
        .flatten()
        .collect();
    // Fields and widgets changed or added since the signed revision: an appearance may be
    // rewritten only together with its field.
    let touched: HashSet<u32> = changed.iter().copied().collect();

    if replaced {
        check_catalog(
            &ctx,
            &old_catalog,
            &new_catalog,
            &new_sig_fields,
            &mut report,
        );
        report
            .allowed
            .push("document catalog written as a new object".into());
    }
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
        if structural {
            continue;
        }
        if Some(num) == info {
            report.allowed.push("document information updated".into());
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
            check_field(&ctx, num, &old, &new, &new_sig_fields, &mut report);
        } else if old_kids_arrays.contains(&num) {
            check_kids(&ctx, num, &old, &new, &new_sig_fields, &mut report);
        } else if dss.contains(&num) {
            // Validation data may be rewritten only where no reader sees it.
            if ctx.shown(num) {
                report.modifications.push(format!(
                    "object {num} ({}) was changed: it is listed in the document security \
                     store but also used by the document",
                    type_name(&old)
                ));
            }
        } else if metadata.contains(&num) {
            if ctx.shown(num) || !matches!(new, Object::Stream(_)) {
                report.modifications.push(format!(
                    "object {num} ({}) was changed: it is the XMP metadata but also used by \
                     the document",
                    type_name(&old)
                ));
            } else {
                report.allowed.push("XMP metadata updated".into());
            }
        } else if dr_objects.contains(&num) && default_resources_grow(&ctx, num, &old, &new) {
            report
                .allowed
                .push("form default resources extended".into());
        } else if extensions.contains(&num) && !ctx.shown(num) {
            report.allowed.push("developer extensions updated".into());
        } else if let Some(owners) = ctx.new_view().ap_owners.get(&num) {
            check_appearance(&ctx, num, owners, &touched, &mut report);
        } else if old_struct.contains(&num) {
            check_struct_node(&ctx, num, &old, &new, &mut report);
        } else if ctx.perm == Permission::Annotations
            && old.as_dict().and_then(|d| d.name(b"Type")) == Some(b"Annot")
            && old.as_dict().and_then(|d| d.name(b"Subtype")) != Some(b"Widget")
            && !ctx.old_view().ap_owners.contains_key(&num)
        {
            report.allowed.push(format!("annotation {num} changed"));
        } else {
            report
                .modifications
                .push(format!("object {num} ({}) was changed", type_name(&old)));
        }
    }
    if let Some(by) = &ctx.perm_lock
        && !report.modifications.is_empty()
    {
        let allows = match ctx.perm {
            Permission::NoChanges => "no changes",
            Permission::FormFillingAndSigning => "only form filling and signing",
            Permission::Annotations => "form filling, signing and annotations",
        };
        for m in &mut report.modifications {
            m.push_str(&format!(
                " (the field lock of the signature in '{by}' allows {allows})"
            ));
        }
    }
    // A signature widget is both a form field and an annotation of its page, so each added
    // signature field is seen twice: in /AcroForm /Fields and in the page's /Annots. Report
    // each change once, in the order first seen.
    dedup_in_order(&mut report.allowed);
    dedup_in_order(&mut report.modifications);
    Ok(report)
}

/// The form's default resources (or a dictionary in them) only gained entries: every name
/// keeps what it named, so no field appearance built from them changes, and nothing else
/// (a page, an appearance) uses the object.
fn default_resources_grow(ctx: &Ctx<'_, '_>, num: u32, old: &Object, new: &Object) -> bool {
    let (Object::Dict(o), Object::Dict(n)) = (old, new) else {
        return false;
    };
    let (ov, nv) = (ctx.old_view(), ctx.new_view());
    ctx.perm != Permission::NoChanges
        && dict_grows(o, n, 2)
        && !ov.reaches_besides_dr(num)
        && !nv.reaches_besides_dr(num)
        && !ov.ap_owners.contains_key(&num)
        && !nv.ap_owners.contains_key(&num)
}

/// Every entry of `old` is in `new` with the same value, or (down to `depth` levels of
/// direct dictionaries, such as a resource category) with a value that only grew.
fn dict_grows(old: &Dict, new: &Dict, depth: usize) -> bool {
    old.0.iter().all(|(k, v)| match (v, new.get(k)) {
        (v, Some(w)) if v == w => true,
        (Object::Dict(v), Some(Object::Dict(w))) if depth > 0 => dict_grows(v, w, depth - 1),
        _ => false,
    })
}

/// Removes repeated entries, keeping the first of each.
fn dedup_in_order(items: &mut Vec<String>) {
    let mut seen = HashSet::new();
    items.retain(|s| seen.insert(s.clone()));
}

/// Whether the widget `w` or its parent field was created or changed since the signed
/// revision.
fn field_changed(ctx: &Ctx<'_, '_>, w: u32, touched: &HashSet<u32>) -> bool {
    let differs = |n: u32| {
        touched.contains(&n) && {
            let r = ObjRef::new(n, 0);
            ctx.old(r) != ctx.current(r)
        }
    };
    differs(w)
        || ctx
            .current(ObjRef::new(w, 0))
            .as_dict()
            .and_then(|d| d.reference(b"Parent"))
            .is_some_and(|p| differs(p.num))
}

/// An object reached from one or more widgets' `/AP` changed: allowed only as the appearance
/// of a single widget whose field changed (was filled, signed or created) in the same
/// update, and which a reader reaches from nowhere else.
fn check_appearance(
    ctx: &Ctx<'_, '_>,
    num: u32,
    owners: &[u32],
    touched: &HashSet<u32>,
    report: &mut ChangeReport,
) {
    let old_owners = ctx
        .old_view()
        .ap_owners
        .get(&num)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let (o, n) = (ctx.old_view(), ctx.new_view());
    let problem = if o.reaches(num) || n.reaches(num) {
        Some(
            "it is also used outside the widget's appearance (page content, resources, \
              another annotation or the catalog)"
                .to_string(),
        )
    } else if owners.len() != 1 || old_owners.iter().any(|w| !owners.contains(w)) {
        Some("it is the appearance of more than one widget".to_string())
    } else if ctx.perm == Permission::NoChanges {
        Some("the signature allows no changes".to_string())
    } else if let Some(lock) = owners.first().and_then(|w| {
        let name = ctx.field_name(*w);
        ctx.lock_on(&name)
    }) {
        Some(format!(
            "the field is locked by the signature in '{}'",
            lock.by
        ))
    } else if !owners.iter().all(|w| field_changed(ctx, *w, touched)) {
        Some("its field was not filled or signed in the same update".to_string())
    } else {
        None
    };
    match problem {
        Some(why) => report.modifications.push(format!(
            "object {num} ({}) of a widget appearance was changed: {why}",
            type_name(&ctx.old(ObjRef::new(num, 0)))
        )),
        None => report
            .allowed
            .push(format!("appearance stream {num} updated")),
    }
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
    // A bare widget (no /T, no /FT) of a signature field is judged with its field.
    if let Some(kid) = num
        && d.get(b"T").is_none()
        && d.get(b"FT").is_none()
        && let Some(parent) = d.reference(b"Parent")
        && parent.num != kid
        && let Some(pd) = ctx.current(parent).as_dict()
        && pd.name(b"FT") == Some(b"Sig")
    {
        let label = pd
            .string(b"T")
            .map(crate::object::decode_text)
            .map(|t| format!("'{t}'"))
            .unwrap_or_else(|| format!("object {}", parent.num));
        let old_parent = ctx.old(parent);
        if let Some(op) = old_parent.as_dict() {
            if op.get(b"V").is_some() {
                return Err(format!(
                    "widget {kid} added to signature field {label}, which was already signed"
                ));
            }
        } else {
            // The field is new as well: its own judgement covers every widget it lists.
            let listed = ctx
                .resolve_new(pd.get(b"Kids").unwrap_or(&Object::Null))
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k.as_ref().map(|r| r.num) == Some(kid)));
            if !listed || !ctx.new_names.contains_key(&parent.num) {
                return Err(format!(
                    "widget {kid} added, naming as its field the signature field {label},                      which is not a form field listing it"
                ));
            }
            return addition_allowed(ctx, &Object::Ref(parent), new_sig_fields);
        }
    }
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
        // Where the revision before the one the new signature signs ends (its xref): a
        // field first defined after it was added in the signed revision itself.
        let mut added_with_signature = false;
        // The part of the file the new signature signs: (end of the revision before its
        // own, end of its own revision).
        let mut signed_revision = None;
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
            let mut xrefs: Vec<usize> = ctx
                .doc
                .sections()
                .iter()
                .map(|s| s.offset)
                .filter(|&o| o < signed_to)
                .collect();
            xrefs.sort_unstable_by(|a, b| b.cmp(a));
            let previous_end = xrefs.get(1).copied().unwrap_or(0);
            let kids = d.get(b"Kids").map(|k| ctx.resolve_new(k));
            let kid_refs = kids.as_ref().and_then(Object::as_array).unwrap_or(&[]);
            added_with_signature = std::iter::once(num)
                .chain(kid_refs.iter().map(|k| k.as_ref().map(|r| r.num)))
                .all(|n| {
                    n.and_then(|n| defined_at(ctx.doc, n))
                        .is_some_and(|at| at > previous_end && at < signed_to)
                });
            signed_revision = Some((previous_end, signed_to));
        }
        // Widget kids: each a new widget of this field alone, on a page.
        if let Some(n) = num
            && (d.get(b"T").is_some() || d.get(b"FT").is_some())
            && d.get(b"Kids").is_some()
            && let Err(why) = widget_kids_sound(ctx, n, &d, signed_revision)
        {
            return Err(format!("signature field {label} added with {why}"));
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
        // A visible appearance added with the field can show anything over the signed
        // pages (the sneaky signature attack). An unsigned one is a modification after any
        // signature (an empty field shows nothing but its picture); after a certification a
        // visible one is allowed only when the field, its widgets and their appearance were
        // added in the revision its own signature signs (the signer vouches for what it
        // draws, as for an agency seal over a certified letter) — a visible field left
        // unsigned in one revision and signed in a later one still is a modification.
        let kids = d.get(b"Kids").map(|k| ctx.resolve_new(k));
        let widgets = std::iter::once(d.clone()).chain(
            kids.as_ref()
                .and_then(Object::as_array)
                .unwrap_or(&[])
                .iter()
                .filter_map(|k| ctx.resolve_new(k).as_dict().cloned()),
        );
        // (A widget's value is its field's: a bare widget, without /T or /FT, is judged
        // with the field that lists it in /Kids.)
        let unsigned = value.is_none() && (d.get(b"T").is_some() || d.get(b"FT").is_some());
        let checked = ctx.certified || unsigned;
        let mut shown: Vec<String> = Vec::new();
        for w in widgets.filter(|_| checked) {
            if let Some(rect) = visible_rect(ctx, &w) {
                if unsigned || !added_with_signature {
                    return Err(format!(
                        "signature field {label} added with a visible appearance ({rect}): it \
                         is drawn over the signed pages"
                    ));
                }
                shown.push(rect);
            }
        }
        return Ok(match &shown[..] {
            [] => format!("signature field {label} added"),
            [rect] => format!(
                "signature field {label} added and signed in one revision, with a visible \
                 appearance ({rect}) that its signature covers"
            ),
            rects => format!(
                "signature field {label} added and signed in one revision, with {} visible \
                 widgets ({}) that its signature covers",
                rects.len(),
                rects.join(", ")
            ),
        });
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

/// The widget kids (kids without `/T`) of a signature field `field` added since the signed
/// revision: each must be an indirect `/Widget` annotation whose `/Parent` is the field, listed
/// by no other field's `/Kids` nor in the form's `/Fields`, in some page's `/Annots`, with a
/// normal appearance (if any) that no other widget and nothing else a reader shows uses;
/// when the field is signed (`signed_revision`: the end of the revision before its
/// signature's and of its signature's), each was first defined in that revision.
fn widget_kids_sound(
    ctx: &Ctx<'_, '_>,
    field: u32,
    d: &Dict,
    signed_revision: Option<(usize, usize)>,
) -> Result<(), String> {
    let kids = ctx.resolve_new(d.get(b"Kids").unwrap_or(&Object::Null));
    let links = ctx.new_form();
    for kid in kids.as_array().unwrap_or(&[]).iter().take(MAX_FIELDS) {
        let kd = ctx.resolve_new(kid);
        let Some(kd) = kd.as_dict() else {
            return Err("a kid that is not a dictionary".into());
        };
        if kd.get(b"T").is_some() {
            continue; // a field of its own, judged as one
        }
        let Some(k) = kid.as_ref().map(|r| r.num) else {
            return Err("a widget that is not an indirect object".into());
        };
        if kd.name(b"Subtype") != Some(b"Widget") {
            return Err(format!("kid {k}, which is not a widget annotation"));
        }
        if kd.reference(b"Parent").map(|p| p.num) != Some(field) {
            return Err(format!("widget {k}, whose /Parent is another object"));
        }
        if links.top.contains(&k) {
            return Err(format!(
                "widget {k}, which the form also lists as a field of its own"
            ));
        }
        if links
            .listed_by
            .get(&k)
            .is_some_and(|by| by.iter().any(|f| *f != field))
        {
            return Err(format!("widget {k}, which another field also lists"));
        }
        if !links.on_pages.contains(&k) {
            return Err(format!("widget {k}, which no page lists in /Annots"));
        }
        if let Some((previous_end, signed_to)) = signed_revision
            && !defined_at(ctx.doc, k).is_some_and(|at| at > previous_end && at < signed_to)
        {
            return Err(format!(
                "widget {k}, which was not added in the revision its signature signs"
            ));
        }
        let view = ctx.new_view();
        let ap = kd
            .get(b"AP")
            .map(|ap| ctx.resolve_new(ap))
            .unwrap_or(Object::Null);
        let normal = ap.as_dict().and_then(|ap| ap.get(b"N")).cloned();
        let mut streams: Vec<u32> = normal
            .iter()
            .filter_map(Object::as_ref)
            .map(|r| r.num)
            .collect();
        if let Some(Object::Dict(states)) = normal.as_ref().map(|n| ctx.resolve_new(n)) {
            streams.extend(
                states
                    .0
                    .iter()
                    .filter_map(|(_, s)| s.as_ref())
                    .map(|r| r.num),
            );
        }
        for s in streams {
            let shared = view.reaches(s)
                || view
                    .ap_owners
                    .get(&s)
                    .is_some_and(|owners| owners.iter().any(|o| *o != k));
            if shared {
                return Err(format!(
                    "widget {k}, whose appearance (object {s}) is also used elsewhere"
                ));
            }
        }
    }
    Ok(())
}

/// The rectangle of a widget that a reader draws: a normal appearance, an area, and neither
/// the Hidden nor the NoView flag.
fn visible_rect(ctx: &Ctx<'_, '_>, w: &Dict) -> Option<String> {
    let flags = w.int(b"F").unwrap_or(0);
    if flags & (2 | 32) != 0 {
        return None;
    }
    w.get(b"AP")
        .map(|ap| ctx.resolve_new(ap))
        .and_then(|ap| ap.as_dict().and_then(|ap| ap.get(b"N")).cloned())?;
    let rect = ctx.resolve_new(w.get(b"Rect")?);
    let v: Vec<f64> = rect
        .as_array()?
        .iter()
        .filter_map(|x| match x {
            Object::Int(i) => Some(*i as f64),
            Object::Real(r) => Some(*r),
            _ => None,
        })
        .collect();
    let [x1, y1, x2, y2] = v[..] else {
        return None;
    };
    ((x2 - x1).abs() > 0.0 && (y2 - y1).abs() > 0.0)
        .then(|| format!("rectangle [{x1} {y1} {x2} {y2}]"))
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
            b"Version" => {
                let version = |d: &Dict| d.name(b"Version").and_then(pdf_version);
                match (version(old), version(new)) {
                    (o, Some(n)) if o.is_none_or(|o| n >= o) => {
                        report.allowed.push("PDF version raised".into())
                    }
                    _ => report
                        .modifications
                        .push("document catalog entry /Version changed".into()),
                }
            }
            b"Metadata" => {
                let is_stream = new
                    .get(b"Metadata")
                    .filter(|m| m.as_ref().is_some())
                    .map(|m| ctx.resolve_new(m))
                    .is_some_and(|m| {
                        matches!(m, Object::Stream(_))
                            && m.as_dict().and_then(|d| d.name(b"Type")) == Some(b"Metadata")
                    });
                if is_stream {
                    report.allowed.push("XMP metadata updated".into());
                } else {
                    report
                        .modifications
                        .push("document catalog entry /Metadata changed".into());
                }
            }
            b"MarkInfo" => report.allowed.push("tagged PDF marker updated".into()),
            b"StructTreeRoot" => {
                let tree = |d: &Dict, old: bool| {
                    d.get(b"StructTreeRoot")
                        .map(|t| {
                            if old {
                                ctx.resolve_old(t)
                            } else {
                                ctx.resolve_new(t)
                            }
                        })
                        .and_then(|t| t.as_dict().cloned())
                };
                let grows = ctx.perm != Permission::NoChanges
                    && match (tree(old, true), tree(new, false)) {
                        (Some(o), Some(n)) => {
                            n.name(b"Type") == Some(b"StructTreeRoot")
                                && struct_dict_grows(ctx, &o, &n)
                        }
                        _ => false,
                    };
                if grows {
                    report.allowed.push("structure tree updated".into());
                } else {
                    report
                        .modifications
                        .push("document catalog entry /StructTreeRoot changed".into());
                }
            }
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

/// A PDF version name (`1.7`, `2.0`) as (major, minor).
fn pdf_version(v: &[u8]) -> Option<(u32, u32)> {
    let text = std::str::from_utf8(v).ok()?;
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
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
        } else if let Some(why) = page_entry_inert(ctx, &k, o.get(&k), n.get(&k)) {
            report
                .allowed
                .push(format!("page object {num}: {} {why}", key_str(&k)));
        } else {
            report.modifications.push(format!(
                "page object {num}: {} changed (page content or resources)",
                key_str(&k)
            ));
        }
    }
}

/// Why a changed page (or page tree node) entry cannot change what a reader shows, if it
/// cannot: the value rewritten as a new object with the same content (dictionaries compared
/// one level deep, so every object they point at is the signed one or is checked where it is
/// defined); iText's private version stamp `/ITXT`; `/Tabs`, the keyboard order of the
/// annotations; `/StructParents` added where there was none, with no entry for it in the
/// parent tree (so no content is tied to a structure element).
fn page_entry_inert(
    ctx: &Ctx<'_, '_>,
    key: &[u8],
    old: Option<&Object>,
    new: Option<&Object>,
) -> Option<&'static str> {
    if let (Some(o), Some(n)) = (old, new)
        && o != n
        && ctx.resolve_old(o) == ctx.resolve_new(n)
        && !matches!(ctx.resolve_new(n), Object::Null)
    {
        return Some("rewritten with the same content");
    }
    if ctx.perm == Permission::NoChanges {
        return None;
    }
    match key {
        b"ITXT" => Some("changed (a producer's version stamp)"),
        b"Tabs" => Some("changed (the tab order of the annotations)"),
        b"StructParents" => match (old, new) {
            (None, Some(Object::Int(k))) if !parent_tree_has(ctx, *k) => {
                Some("added (no structure element is tied to the page content)")
            }
            _ => None,
        },
        _ => None,
    }
}

/// The most number tree nodes read.
const MAX_TREE_NODES: usize = 100_000;

/// The `(key, value)` entries of a number tree (`/Nums` of the root and of its `/Kids`), in
/// the given map; values as stored (references not resolved).
fn number_tree(doc: &Document<'_>, map: &XrefMap, tree: &Object) -> Vec<(Object, Object)> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![(tree.clone(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > 64 || seen.len() >= MAX_TREE_NODES {
            break;
        }
        if let Some(r) = node.as_ref()
            && !seen.insert(r.num)
        {
            continue;
        }
        let node = doc.resolve_in(map, &node).unwrap_or(Object::Null);
        let Some(d) = node.as_dict() else { continue };
        if let Some(nums) = d.get(b"Nums") {
            let nums = doc.resolve_in(map, nums).unwrap_or(Object::Null);
            for pair in nums.as_array().unwrap_or(&[]).chunks(2) {
                if let [k, v] = pair {
                    out.push((k.clone(), v.clone()));
                }
            }
        }
        if let Some(kids) = d.get(b"Kids") {
            let kids = doc.resolve_in(map, kids).unwrap_or(Object::Null);
            for k in kids.as_array().unwrap_or(&[]).iter().take(MAX_TREE_NODES) {
                stack.push((k.clone(), depth + 1));
            }
        }
    }
    out
}

/// Whether the current structure tree's parent tree has an entry for `key`.
fn parent_tree_has(ctx: &Ctx<'_, '_>, key: i64) -> bool {
    let catalog = ctx.current(ctx.root);
    let Some(tree) = catalog.as_dict().and_then(|c| c.get(b"StructTreeRoot")) else {
        return false;
    };
    let tree = ctx.resolve_new(tree);
    let Some(parent) = tree.as_dict().and_then(|t| t.get(b"ParentTree")) else {
        return false;
    };
    number_tree(ctx.doc, ctx.doc.current_map(), parent)
        .iter()
        .any(|(k, _)| *k == Object::Int(key))
}

fn check_field(
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
            .push(format!("form field {num} was replaced"));
        return;
    };
    let name = ctx.field_name(num);
    let is_sig = o.name(b"FT") == Some(b"Sig") || n.name(b"FT") == Some(b"Sig");
    let lock = ctx.lock_on(&name);
    for k in changed_keys(o, n) {
        if let Some(lock) = lock {
            report.modifications.push(format!(
                "form field '{name}' is locked by the signature in '{}': {} changed",
                lock.by,
                key_str(&k)
            ));
            continue;
        }
        if k == b"Kids" && ctx.perm != Permission::NoChanges {
            let empty = Object::Array(Vec::new());
            check_list(
                ctx,
                o.get(b"Kids").unwrap_or(&empty),
                n.get(b"Kids").unwrap_or(&empty),
                "form field list",
                sigs,
                report,
            );
            continue;
        }
        if k == b"AP"
            && let Some(shared) = o.get(b"AP").and_then(|ap| shared_appearance(ctx, num, ap))
        {
            report.modifications.push(format!(
                "form field {num}: /AP changed, but its previous appearance (object {shared}) \
                 is also used outside the widget"
            ));
            continue;
        }
        let allowed = match k.as_slice() {
            b"V" if is_sig => o.get(b"V").is_none() && ctx.perm != Permission::NoChanges,
            // `/I`: the selected options of a choice field, part of its value.
            b"V" | b"I" => ctx.perm != Permission::NoChanges,
            // The value's appearance, annotation and field flags, default appearance and
            // quadding: what form filling rewrites (the appearance objects themselves are
            // checked where they are defined).
            b"AP" | b"AS" | b"MK" | b"F" | b"Ff" | b"DA" | b"Q" | b"StructParent" => {
                ctx.perm != Permission::NoChanges
            }
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

/// An object of widget `num`'s previous appearance `ap` that the signed revision also used
/// elsewhere (reached by a reader, or another widget's appearance): replacing the appearance
/// of a widget is allowed only where the widget alone used it.
fn shared_appearance(ctx: &Ctx<'_, '_>, num: u32, ap: &Object) -> Option<u32> {
    let objects = appearance_streams(ctx, ap);
    if objects.is_empty() {
        return None;
    }
    let view = ctx.old_view();
    let mut shared: Vec<u32> = objects
        .into_iter()
        .filter(|n| {
            view.reaches(*n)
                || view
                    .ap_owners
                    .get(n)
                    .is_some_and(|w| w.iter().any(|w| *w != num))
        })
        .collect();
    shared.sort_unstable();
    shared.first().copied()
}

/// The indirect objects of an appearance dictionary `ap` in the signed revision: the
/// dictionary itself, its `/N`, `/R`, `/D` entries and, for appearance states, the streams
/// of each state. Not what the streams use (fonts, images): replacing a widget's appearance
/// leaves those objects as they were, and they are often shared with the pages.
fn appearance_streams(ctx: &Ctx<'_, '_>, ap: &Object) -> HashSet<u32> {
    let mut out = HashSet::new();
    if let Some(r) = ap.as_ref() {
        out.insert(r.num);
    }
    let ap = ctx.resolve_old(ap);
    for (_, entry) in ap
        .as_dict()
        .map(|d| d.0.as_slice())
        .unwrap_or(&[])
        .iter()
        .take(16)
    {
        if let Some(r) = entry.as_ref() {
            out.insert(r.num);
        }
        let entry = ctx.resolve_old(entry);
        if matches!(entry, Object::Dict(_)) {
            for (_, state) in entry
                .as_dict()
                .map(|d| d.0.as_slice())
                .unwrap_or(&[])
                .iter()
                .take(1024)
            {
                if let Some(r) = state.as_ref() {
                    out.insert(r.num);
                }
            }
        }
    }
    out
}

/// An indirect `/Kids` array of a field changed: it may only grow, by allowed fields, and
/// not under a lock.
fn check_kids(
    ctx: &Ctx<'_, '_>,
    num: u32,
    old: &Object,
    new: &Object,
    sigs: &HashSet<u32>,
    report: &mut ChangeReport,
) {
    if ctx.perm == Permission::NoChanges {
        report
            .modifications
            .push(format!("field kids list {num} changed"));
        return;
    }
    check_list(ctx, old, new, "form field list", sigs, report);
}

/// Objects of the structure tree (tagged PDF) of a revision: the structure tree root, its
/// structure elements (through `/K`) and the nodes of its `/ParentTree`, not what they
/// point at (pages, annotations, content).
fn struct_tree(doc: &Document<'_>, map: &XrefMap, catalog: &Dict) -> HashSet<u32> {
    let mut out = HashSet::new();
    let Some(root) = catalog.get(b"StructTreeRoot") else {
        return out;
    };
    let mut stack: Vec<(Object, usize)> = vec![(root.clone(), 0)];
    while let Some((o, depth)) = stack.pop() {
        if depth > 256 || out.len() >= MAX_TRACKED {
            break;
        }
        let o = match o {
            Object::Ref(r) => {
                if !out.insert(r.num) {
                    continue;
                }
                doc.shallow_in(map, r).unwrap_or(Object::Null)
            }
            other => other,
        };
        match &o {
            Object::Array(a) => stack.extend(a.iter().map(|x| (x.clone(), depth + 1))),
            Object::Dict(d) => {
                // Marked-content and object references point into the content: not followed.
                if matches!(d.name(b"Type"), Some(b"MCR") | Some(b"OBJR")) {
                    continue;
                }
                for key in [&b"K"[..], b"ParentTree", b"Kids", b"Nums"] {
                    if let Some(v) = d.get(key) {
                        stack.push((v.clone(), depth + 1));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A node of the structure tree changed: allowed when it only grows (entries added to `/K`,
/// the parent tree's `/Nums` and `/Kids`, `/ParentTreeNextKey` and `/Limits` updated), as
/// when a field or annotation is added to a tagged PDF, and no reader reaches it otherwise.
fn check_struct_node(
    ctx: &Ctx<'_, '_>,
    num: u32,
    old: &Object,
    new: &Object,
    report: &mut ChangeReport,
) {
    let ok = ctx.perm != Permission::NoChanges
        && !ctx.shown(num)
        && match (old, new) {
            (Object::Array(_), Object::Array(_)) => grows(Some(old), Some(new)),
            (Object::Dict(o), Object::Dict(n)) => struct_dict_grows(ctx, o, n),
            _ => false,
        };
    if ok {
        report.allowed.push("structure tree updated".into());
    } else {
        report.modifications.push(format!(
            "object {num} ({}) of the structure tree was changed",
            type_name(old)
        ));
    }
}

/// Every item of `old` (an array, or a single object) is in `new`.
fn grows(old: Option<&Object>, new: Option<&Object>) -> bool {
    let items = |x: Option<&Object>| -> Vec<Object> {
        match x {
            None => Vec::new(),
            Some(Object::Array(a)) => a.clone(),
            Some(other) => vec![other.clone()],
        }
    };
    let (o, n) = (items(old), items(new));
    o.iter().all(|x| n.contains(x))
}

/// A structure tree node (root, element or parent tree node) only grows: entries added to
/// `/K`, `/Kids` and `/Nums`, `/ParentTreeNextKey` and `/Limits` updated, the `/ParentTree`
/// replaced by one that keeps every old entry, `/RoleMap` entries added for structure types
/// no element of the signed tree uses. Whatever the signed tree said about the content (its
/// elements, their alternate text, the parent tree's ties to the content) stays.
fn struct_dict_grows(ctx: &Ctx<'_, '_>, o: &Dict, n: &Dict) -> bool {
    changed_keys(o, n).iter().all(|k| match k.as_slice() {
        b"K" | b"Kids" => grows(o.get(k), n.get(k)),
        b"Nums" => nums_grow(ctx, o.get(k), n.get(k)),
        b"ParentTreeNextKey" | b"Limits" => true,
        b"ParentTree" => {
            let entries = |map: &XrefMap, t: Option<&Object>| {
                t.map(|t| number_tree(ctx.doc, map, t)).unwrap_or_default()
            };
            // Values compared resolved: a page's array of elements may be rewritten as a
            // new object with the same elements.
            let new_entries: Vec<(Object, Object)> = entries(ctx.doc.current_map(), n.get(k))
                .into_iter()
                .map(|(k, v)| (k, ctx.resolve_new(&v)))
                .collect();
            entries(&ctx.old, o.get(k))
                .into_iter()
                .all(|(k, v)| new_entries.contains(&(k, ctx.resolve_old(&v))))
        }
        b"RoleMap" => role_map_grows(ctx, o.get(k), n.get(k)),
        _ => false,
    })
}

/// A structure tree's `/RoleMap` keeps its mappings and maps only types that no element of
/// the signed structure tree has.
fn role_map_grows(ctx: &Ctx<'_, '_>, old: Option<&Object>, new: Option<&Object>) -> bool {
    let dict = |x: Option<&Object>, old: bool| -> Option<Dict> {
        match x {
            None => Some(Dict::new()),
            Some(x) => {
                let x = if old {
                    ctx.resolve_old(x)
                } else {
                    ctx.resolve_new(x)
                };
                x.as_dict().cloned()
            }
        }
    };
    let (Some(o), Some(n)) = (dict(old, true), dict(new, false)) else {
        return false;
    };
    let added: Vec<&[u8]> =
        n.0.iter()
            .filter(|(k, v)| o.get(k) != Some(v))
            .map(|(k, _)| k.as_slice())
            .collect();
    if o.0.iter().any(|(k, v)| n.get(k) != Some(v)) {
        return false;
    }
    if added.is_empty() {
        return true;
    }
    let catalog = ctx.old(ctx.old_root);
    let used: HashSet<Vec<u8>> = catalog
        .as_dict()
        .map(|c| struct_tree(ctx.doc, &ctx.old, c))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|num| {
            ctx.old(ObjRef::new(num, 0))
                .as_dict()
                .and_then(|d| d.name(b"S"))
                .map(<[u8]>::to_vec)
        })
        .collect();
    added.iter().all(|k| !used.contains(*k))
}

/// A number tree's `/Nums` keeps every old key with its old value.
fn nums_grow(ctx: &Ctx<'_, '_>, old: Option<&Object>, new: Option<&Object>) -> bool {
    let pairs =
        |x: Option<&Object>, resolve: &dyn Fn(&Object) -> Object| -> Vec<(Object, Object)> {
            let arr = x.map(resolve).unwrap_or(Object::Null);
            arr.as_array()
                .unwrap_or(&[])
                .chunks(2)
                .filter_map(|c| match c {
                    [k, v] => Some((k.clone(), v.clone())),
                    _ => None,
                })
                .collect()
        };
    let o = pairs(old, &|x| ctx.resolve_old(x));
    let n = pairs(new, &|x| ctx.resolve_new(x));
    o.iter().all(|p| n.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF with the given objects (1-based numbers) and a classic xref table.
    fn pdf(objects: &[&str]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    /// `base` with an incremental update (re)defining `objects`, its trailer naming `root`.
    fn update(base: &[u8], objects: &[(u32, &str)], root: u32, extra: &str) -> Vec<u8> {
        let mut out = base.to_vec();
        let prev = base
            .windows(9)
            .rposition(|w| w == b"startxref")
            .and_then(|i| {
                std::str::from_utf8(&base[i + 9..])
                    .ok()?
                    .split_whitespace()
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .expect("startxref");
        let mut offsets = Vec::new();
        for (num, body) in objects {
            offsets.push((*num, out.len()));
            out.extend_from_slice(format!("{num} 0 obj\n{body}\nendobj\n").as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n");
        for (num, off) in &offsets {
            out.extend_from_slice(format!("{num} 1\n{off:010} 00000 n \n").as_bytes());
        }
        let size = objects
            .iter()
            .map(|(n, _)| n + 1)
            .max()
            .unwrap_or(1)
            .max(20);
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {size} /Root {root} 0 R /Prev {prev} {extra} >>\n\
                 startxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        out
    }

    /// A signed-looking base: catalog 1 with an indirect form /DR (5) and /Extensions (6),
    /// page 3 drawing content 4 with font 7, a choice field 8.
    fn base() -> Vec<u8> {
        pdf(&[
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [8 0 R] /DR 5 0 R >> \
             /Extensions 6 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R \
             /Resources << /Font << /F1 7 0 R >> >> /Annots [8 0 R] >>",
            "<< /Length 0 >>\nstream\n\nendstream",
            "<< /Font << /F1 7 0 R >> >>",
            "<< /ADBE << /BaseVersion /1.7 /ExtensionLevel 3 >> >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Type /Annot /Subtype /Widget /FT /Ch /T (Pick) /Opt [(a) (b)] /V (a) \
             /I [0] /Rect [0 0 10 10] /P 3 0 R >>",
        ])
    }

    fn changes(data: &[u8], signed_end: usize) -> ChangeReport {
        let doc = Document::open(data).expect("open");
        analyze(&doc, signed_end, Permission::FormFillingAndSigning).expect("analyze")
    }

    const CATALOG: &str = "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [8 0 R] \
                           /DR 5 0 R >> /Extensions 6 0 R >>";

    #[test]
    fn default_resources_may_gain_names_but_not_redefine_them() {
        let signed = base();
        let grown = update(
            &signed,
            &[
                (5, "<< /Font << /F1 7 0 R /F2 9 0 R >> >>"),
                (9, "<< /Type /Font >>"),
            ],
            1,
            "",
        );
        let r = changes(&grown, signed.len());
        assert!(r.modifications.is_empty(), "{r:?}");
        assert!(
            r.allowed
                .contains(&"form default resources extended".to_string())
        );
        let redefined = update(&signed, &[(5, "<< /Font << /F1 9 0 R >> >>")], 1, "");
        assert!(!changes(&redefined, signed.len()).modifications.is_empty());
        // The same growth of an object the page also uses as its resources.
        let shared = update(
            &signed,
            &[
                (
                    3,
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R \
                     /Resources 5 0 R /Annots [8 0 R] >>",
                ),
                (5, "<< /Font << /F1 7 0 R /F2 7 0 R >> >>"),
            ],
            1,
            "",
        );
        assert!(!changes(&shared, signed.len()).modifications.is_empty());
    }

    #[test]
    fn indirect_developer_extensions_may_change_unless_a_reader_uses_them() {
        let signed = base();
        let ext = "<< /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 >> /ISO_ [<< \
                   /BaseVersion /2.0 /ExtensionLevel 32002 >>] >>";
        let r = changes(&update(&signed, &[(6, ext)], 1, ""), signed.len());
        assert!(r.modifications.is_empty(), "{r:?}");
        // The page's content stream "declared" as an extension and rewritten.
        let catalog = "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [8 0 R] /DR 5 0 R \
                       >> /Extensions << /X 4 0 R >> >>";
        let r = changes(
            &update(
                &signed,
                &[
                    (1, catalog),
                    (4, "<< /Length 9 >>\nstream\n(forged) '\nendstream"),
                ],
                1,
                "",
            ),
            signed.len(),
        );
        assert!(!r.modifications.is_empty(), "{r:?}");
    }

    #[test]
    fn a_catalog_written_as_a_new_object_is_compared_entry_by_entry() {
        let signed = base();
        let r = changes(&update(&signed, &[(10, CATALOG)], 10, ""), signed.len());
        assert!(r.modifications.is_empty(), "{r:?}");
        let open_action = "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [8 0 R] \
                           /DR 5 0 R >> /Extensions 6 0 R /OpenAction << /S /JavaScript \
                           /JS (app.alert(1)) >> >>";
        let r = changes(&update(&signed, &[(10, open_action)], 10, ""), signed.len());
        assert!(!r.modifications.is_empty(), "{r:?}");
        // /Root naming an object of the signed revision.
        let r = changes(&update(&signed, &[(7, CATALOG)], 7, ""), signed.len());
        assert_eq!(r.modifications, ["the document catalog was replaced"]);
    }

    #[test]
    fn a_choice_fields_selection_is_its_value_and_a_null_encrypt_is_no_encryption() {
        let signed = base();
        let picked = "<< /Type /Annot /Subtype /Widget /FT /Ch /T (Pick) /Opt [(a) (b)] \
                      /V (b) /I [1] /Rect [0 0 10 10] /P 3 0 R >>";
        let r = changes(
            &update(&signed, &[(8, picked)], 1, "/Encrypt null"),
            signed.len(),
        );
        assert!(r.modifications.is_empty(), "{r:?}");
    }

    #[test]
    fn struct_parents_may_be_added_only_without_a_parent_tree_entry() {
        let tagged = pdf(&[
            "<< /Type /Catalog /Pages 2 0 R /StructTreeRoot 4 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
            "<< /Type /StructTreeRoot /ParentTree 5 0 R /ParentTreeNextKey 1 >>",
            "<< /Nums [] >>",
        ]);
        let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /StructParents 0 >>";
        let r = changes(&update(&tagged, &[(3, page)], 1, ""), tagged.len());
        assert!(r.modifications.is_empty(), "{r:?}");
        let r = changes(
            &update(
                &tagged,
                &[
                    (3, page),
                    (5, "<< /Nums [0 [6 0 R]] >>"),
                    (6, "<< /Type /StructElem /S /Figure /Alt (forged) >>"),
                ],
                1,
                "",
            ),
            tagged.len(),
        );
        assert!(!r.modifications.is_empty(), "{r:?}");
    }

    #[test]
    fn lock_actions_cover_fields_and_their_descendants() {
        let lock = |action| Lock {
            action,
            by: "S".into(),
        };
        let include = lock(LockAction::Include(vec!["a".into()]));
        assert!(include.locks("a") && include.locks("a.b"));
        assert!(!include.locks("ab") && !include.locks("b"));
        let exclude = lock(LockAction::Exclude(vec!["a".into()]));
        assert!(!exclude.locks("a.b") && exclude.locks("b"));
        assert!(lock(LockAction::All).locks("anything"));
    }

    #[test]
    fn field_mdp_in_the_signature_reference_and_the_field_lock_are_read() {
        let data = pdf(&[
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R 5 0 R 6 0 R] >> >>",
            "<< /Type /Pages /Kids [] /Count 0 >>",
            "<< /FT /Sig /T (S1) /V 4 0 R >>",
            "<< /Type /Sig /ByteRange [0 1 2 3] /Reference [<< /Type /SigRef \
             /TransformMethod /FieldMDP /TransformParams << /Action /Exclude \
             /Fields [(Note)] /P 3 >> >>] >>",
            "<< /FT /Sig /T (S2) /V << /Type /Sig /ByteRange [0 1 2 3] >> \
             /Lock << /Action /Include /Fields [(Amount)] /P 1 >> >>",
            "<< /FT /Sig /T (Empty) /Lock << /Action /All /P 1 >> >>",
        ]);
        let doc = Document::open(&data).expect("open");
        let (_, catalog) = doc.catalog().expect("catalog");
        let fields = form_fields(&doc, doc.current_map(), &catalog);
        let (locks, perm) = signed_locks(&doc, doc.current_map(), &fields);
        // The empty field's lock is not in effect yet.
        assert_eq!(locks.len(), 2);
        assert_eq!(perm, Some((Permission::NoChanges, "S2".to_string())));
        let locked = |n: &str| locks.iter().any(|l| l.locks(n));
        assert!(locked("Amount") && locked("Other") && !locked("Note"));
    }

    #[test]
    fn equal_numbers_written_differently_are_the_same_value() {
        let arr = |v: Vec<Object>| Object::Array(v);
        let a = arr(vec![
            Object::Int(0),
            Object::Int(0),
            Object::Real(612.0),
            Object::Int(792),
        ]);
        let b = arr(vec![
            Object::Int(0),
            Object::Int(0),
            Object::Int(612),
            Object::Int(792),
        ]);
        assert!(same_value(&a, &b));
        let c = arr(vec![
            Object::Int(0),
            Object::Int(0),
            Object::Real(612.5),
            Object::Int(792),
        ]);
        assert!(!same_value(&a, &c));
        assert!(!same_value(&Object::Int(1), &Object::String(b"1".to_vec())));
        let mut d1 = Dict::default();
        d1.set(b"W", Object::Real(2.0));
        let mut d2 = Dict::default();
        d2.set(b"W", Object::Int(2));
        assert!(changed_keys(&d1, &d2).is_empty());
        d2.set(b"W", Object::Int(3));
        assert_eq!(changed_keys(&d1, &d2), vec![b"W".to_vec()]);
    }
}
