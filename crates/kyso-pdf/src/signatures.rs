//! Finding signatures in a PDF and checking their byte ranges.

use std::collections::{HashMap, HashSet};

use crate::Error;
use crate::document::{Document, XrefEntry};
use crate::object::{Dict, ObjRef, Object, decode_text};
use crate::parse::{self, is_whitespace};

/// A signature as found in the document (not yet verified).
#[derive(Debug, Clone)]
pub struct SignatureInfo {
    /// Fully qualified field name.
    pub field: String,
    pub field_ref: Option<ObjRef>,
    /// The signature dictionary's reference, when indirect.
    pub sig_ref: Option<ObjRef>,
    /// `/Type` of the value dictionary: `Sig` or `DocTimeStamp`.
    pub sig_type: String,
    pub filter: Option<String>,
    pub sub_filter: Option<String>,
    pub byte_range: Vec<i64>,
    /// The decoded /Contents (CMS, possibly zero-padded).
    pub contents: Vec<u8>,
    /// `/M`, raw.
    pub m: Option<Vec<u8>>,
    pub name: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact: Option<String>,
    /// DocMDP permission level when this is a certification signature.
    pub docmdp: Option<u8>,
    /// `/Cert` (a string or an array of strings): the DER certificates of a legacy
    /// `adbe.x509.rsa_sha1` signature, the signer's first.
    pub certs: Vec<Vec<u8>>,
    /// Other fields whose `/V` is this same signature dictionary (the signature is listed
    /// once, under the first field in form order; a verifier reports the others).
    pub other_fields: Vec<String>,
    /// The field's widget annotations: the field itself when it is its own widget, else its
    /// kids that are not fields (no `/T`). Direct (unreferenced) widgets are not listed.
    pub widgets: Vec<ObjRef>,
    /// Where the signature is shown, from its widgets.
    pub placement: Placement,
}

/// Where a signature's widget is drawn, and whether it shows anything.
///
/// Taken from the first visible widget of the field; when none is visible, from the first
/// widget some page lists in its `/Annots`; when no page lists one, `page` and `rect` are
/// `None`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Placement {
    /// The page (counted from 1) whose `/Annots` lists the widget. The widget's own `/P` is
    /// not trusted: it can name a page that does not show the widget.
    pub page: Option<usize>,
    /// The widget's `/Rect`, normalized, as `[x1, y1, x2, y2]` in PDF points from the
    /// lower-left corner of the page as PDF readers show it: its CropBox (else MediaBox),
    /// turned by its /Rotate.
    pub rect: Option<[f64; 4]>,
    /// The widget is on a page, has an area of at least 1×1 point, is neither Hidden nor
    /// NoView (`/F` bits 2 and 6), and its normal appearance (`/AP /N`, the `/AS` state
    /// when `/N` holds several) is a stream with content.
    pub visible: bool,
}

/// What the byte range covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoveredRange {
    /// Start and end of the excluded `<...>` hex string.
    pub gap_start: usize,
    pub gap_end: usize,
    /// End of the signed revision (`b + c`).
    pub signed_end: usize,
    /// Nothing but whitespace follows the signed revision.
    pub covers_whole_document: bool,
}

/// Why a byte range is unacceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ByteRangeProblem {
    Malformed(String),
    /// The excluded part is not exactly the /Contents hex string.
    GapNotContents(String),
}

impl std::fmt::Display for ByteRangeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ByteRangeProblem::Malformed(s) | ByteRangeProblem::GapNotContents(s) => f.write_str(s),
        }
    }
}

impl SignatureInfo {
    /// Checks that /ByteRange is `[0 a b c]`, that `[a, b)` is exactly the /Contents hex
    /// string of this dictionary (preceded by the `/Contents` key), and returns what is covered.
    pub fn check_byte_range(&self, data: &[u8]) -> Result<CoveredRange, ByteRangeProblem> {
        let br = &self.byte_range;
        if br.len() != 4 {
            return Err(ByteRangeProblem::Malformed(format!(
                "/ByteRange has {} numbers, expected 4",
                br.len()
            )));
        }
        if br.iter().any(|v| *v < 0) || br[0] != 0 {
            return Err(ByteRangeProblem::Malformed(
                "/ByteRange must start at 0 with non-negative numbers".into(),
            ));
        }
        let (a, b, c) = (br[1] as u64, br[2] as u64, br[3] as u64);
        let end = b
            .checked_add(c)
            .ok_or_else(|| ByteRangeProblem::Malformed("/ByteRange overflows".into()))?;
        if a >= b || end > data.len() as u64 {
            return Err(ByteRangeProblem::Malformed(format!(
                "/ByteRange [0 {a} {b} {c}] does not fit a file of {} bytes",
                data.len()
            )));
        }
        let (a, b, end) = (a as usize, b as usize, end as usize);
        let gap = &data[a..b];
        let body = match gap {
            [b'<', body @ .., b'>'] => body,
            _ => {
                return Err(ByteRangeProblem::GapNotContents(
                    "the bytes excluded by /ByteRange are not a hex string".into(),
                ));
            }
        };
        if !parse::hex_encodes(body, &self.contents) {
            if !parse::is_hex_text(body) {
                return Err(ByteRangeProblem::GapNotContents(
                    "the bytes excluded by /ByteRange are not a hex string".into(),
                ));
            }
            return Err(ByteRangeProblem::GapNotContents(
                "the bytes excluded by /ByteRange are not this signature's /Contents".into(),
            ));
        }
        let mut k = a;
        while k > 0 && is_whitespace(data[k - 1]) {
            k -= 1;
        }
        if !data[..k].ends_with(b"/Contents") {
            return Err(ByteRangeProblem::GapNotContents(
                "the bytes excluded by /ByteRange do not follow the /Contents key".into(),
            ));
        }
        let covers_whole_document = data[end..].iter().all(|x| is_whitespace(*x));
        Ok(CoveredRange {
            gap_start: a,
            gap_end: b,
            signed_end: end,
            covers_whole_document,
        })
    }
}

fn text(d: &Dict, key: &[u8]) -> Option<String> {
    d.string(key).map(decode_text)
}

/// Lists the document's signatures in file order (by end of signed range).
pub fn find_signatures(doc: &Document<'_>) -> Result<Vec<SignatureInfo>, Error> {
    let (_, catalog) = doc.catalog()?;
    let Some(acroform) = catalog.get(b"AcroForm") else {
        return Ok(Vec::new());
    };
    let acroform = doc.resolve(acroform)?;
    let Some(acroform) = acroform.as_dict() else {
        return Ok(Vec::new());
    };
    let fields = doc.resolve(acroform.get(b"Fields").unwrap_or(&Object::Null))?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for f in fields.as_array().unwrap_or(&[]) {
        collect(doc, f, "", None, &mut out, &mut seen, 0)?;
    }
    if !out.is_empty() {
        let pages = PageAnnots::read(doc);
        for sig in &mut out {
            sig.placement = placement(doc, &pages, &sig.widgets);
        }
    }
    let mut out = merge_shared_values(out);
    out.sort_by_key(|s| {
        s.byte_range
            .get(2)
            .copied()
            .unwrap_or(0)
            .saturating_add(s.byte_range.get(3).copied().unwrap_or(0))
    });
    Ok(out)
}

/// One entry per signature: fields that share a `/V` (the same reference, or a copy with the
/// same byte range and contents) are folded into the first one.
fn merge_shared_values(found: Vec<SignatureInfo>) -> Vec<SignatureInfo> {
    let mut out: Vec<SignatureInfo> = Vec::with_capacity(found.len());
    for sig in found {
        let same = out.iter_mut().find(|o| {
            (o.sig_ref.is_some() && o.sig_ref == sig.sig_ref)
                || (!sig.byte_range.is_empty()
                    && o.byte_range == sig.byte_range
                    && o.contents == sig.contents)
        });
        match same {
            Some(first) => first.other_fields.push(sig.field),
            None => out.push(sig),
        }
    }
    out
}

fn collect(
    doc: &Document<'_>,
    field: &Object,
    parent_name: &str,
    inherited_ft: Option<Vec<u8>>,
    out: &mut Vec<SignatureInfo>,
    seen: &mut HashSet<ObjRef>,
    depth: usize,
) -> Result<(), Error> {
    if depth > 32 {
        return Ok(());
    }
    let field_ref = field.as_ref();
    if let Some(r) = field_ref
        && !seen.insert(r)
    {
        return Ok(());
    }
    let obj = doc.resolve(field)?;
    let Some(d) = obj.as_dict() else {
        return Ok(());
    };
    let partial = d.string(b"T").map(decode_text);
    let name = match (&partial, parent_name.is_empty()) {
        (Some(p), true) => p.clone(),
        (Some(p), false) => format!("{parent_name}.{p}"),
        (None, _) => parent_name.to_string(),
    };
    let ft = d.name(b"FT").map(|n| n.to_vec()).or(inherited_ft);
    let mut widgets = Vec::new();
    match d.get(b"Kids") {
        Some(kids) => {
            let kids = doc.resolve(kids)?;
            // Kids that are fields (have /T) are descended; pure widgets are not fields.
            for k in kids.as_array().unwrap_or(&[]) {
                let kobj = doc.resolve(k)?;
                if kobj.as_dict().is_some_and(|kd| kd.get(b"T").is_some()) {
                    collect(doc, k, &name, ft.clone(), out, seen, depth + 1)?;
                } else if let Some(r) = k.as_ref()
                    && kobj.as_dict().is_some()
                {
                    widgets.push(r);
                }
            }
        }
        // A field without kids is its own widget.
        None => widgets.extend(field_ref),
    }
    if ft.as_deref() != Some(b"Sig") {
        return Ok(());
    }
    let Some(v) = d.get(b"V") else { return Ok(()) };
    let sig_ref = v.as_ref();
    let value = doc.resolve(v)?;
    let Some(sd) = value.as_dict() else {
        return Ok(());
    };
    let byte_range = sd
        .get(b"ByteRange")
        .map(|o| doc.resolve(o))
        .transpose()?
        .and_then(|o| {
            o.as_array()
                .map(|a| a.iter().map(|x| x.as_int().unwrap_or(-1)).collect())
        })
        .unwrap_or_default();
    let docmdp = sd
        .get(b"Reference")
        .map(|r| doc.resolve(r))
        .transpose()?
        .and_then(|r| docmdp_level(doc, &r));
    out.push(SignatureInfo {
        field: name,
        field_ref,
        sig_ref,
        sig_type: sd
            .name(b"Type")
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_else(|| "Sig".into()),
        filter: sd
            .name(b"Filter")
            .map(|n| String::from_utf8_lossy(n).into_owned()),
        sub_filter: sd
            .name(b"SubFilter")
            .map(|n| String::from_utf8_lossy(n).into_owned()),
        byte_range,
        contents: sd
            .string(b"Contents")
            .map(|c| c.to_vec())
            .unwrap_or_default(),
        m: sd.string(b"M").map(|m| m.to_vec()),
        name: text(sd, b"Name"),
        reason: text(sd, b"Reason"),
        location: text(sd, b"Location"),
        contact: text(sd, b"ContactInfo"),
        docmdp,
        certs: cert_strings(doc, sd.get(b"Cert")),
        other_fields: Vec::new(),
        widgets,
        placement: Placement::default(),
    });
    Ok(())
}

/// Which page lists which annotation, and each page's box.
struct PageAnnots {
    /// Annotation → index of the first page whose `/Annots` lists it.
    page_of: HashMap<ObjRef, usize>,
    pages: Vec<ObjRef>,
}

impl PageAnnots {
    /// Reads every page's `/Annots` (a document whose page tree cannot be read has none).
    fn read(doc: &Document<'_>) -> PageAnnots {
        let pages = doc.pages().unwrap_or_default();
        let mut page_of = HashMap::new();
        for (i, p) in pages.iter().enumerate() {
            let Ok(page) = doc.get(*p) else { continue };
            let Some(annots) = page.as_dict().and_then(|d| d.get(b"Annots")) else {
                continue;
            };
            let Ok(annots) = doc.resolve(annots) else {
                continue;
            };
            for a in annots.as_array().unwrap_or(&[]) {
                if let Some(r) = a.as_ref() {
                    page_of.entry(r).or_insert(i);
                }
            }
        }
        PageAnnots { page_of, pages }
    }
}

/// One widget's placement.
fn widget_placement(doc: &Document<'_>, pages: &PageAnnots, widget: ObjRef) -> Placement {
    let Some(index) = pages.page_of.get(&widget).copied() else {
        return Placement::default();
    };
    let Ok(obj) = doc.get(widget) else {
        return Placement::default();
    };
    let Some(w) = obj.as_dict() else {
        return Placement::default();
    };
    let rect = widget_rect(doc, w);
    // As readers show the page: from its CropBox's corner, turned by its /Rotate (the
    // coordinates `kyso sign --rect` takes).
    let rect = rect.map(|r| {
        match pages
            .pages
            .get(index)
            .and_then(|p| crate::appearance::PageGeometry::of(doc, *p).ok())
        {
            Some(g) => g.rect_to_display(r),
            None => r,
        }
    });
    let has_area = rect.is_some_and(|[x1, y1, x2, y2]| x2 - x1 >= 1.0 && y2 - y1 >= 1.0);
    let flags = w.int(b"F").unwrap_or(0);
    let hidden = flags & (2 | 32) != 0;
    Placement {
        page: Some(index + 1),
        rect,
        visible: has_area && !hidden && draws_something(doc, w),
    }
}

/// The placement of a field from its widgets: the first visible one, else the first on a page.
fn placement(doc: &Document<'_>, pages: &PageAnnots, widgets: &[ObjRef]) -> Placement {
    let mut first_on_page = None;
    for w in widgets {
        let p = widget_placement(doc, pages, *w);
        if p.visible {
            return p;
        }
        if first_on_page.is_none() && p.page.is_some() {
            first_on_page = Some(p);
        }
    }
    first_on_page.unwrap_or_default()
}

/// A widget's `/Rect`, normalized, when it is four finite numbers.
fn widget_rect(doc: &Document<'_>, w: &Dict) -> Option<[f64; 4]> {
    let r = doc.resolve(w.get(b"Rect")?).ok()?;
    let mut v = [0.0; 4];
    let items = r.as_array()?;
    if items.len() != 4 {
        return None;
    }
    for (slot, item) in v.iter_mut().zip(items) {
        *slot = match doc.resolve(item).ok()? {
            Object::Int(i) => i as f64,
            Object::Real(x) => x,
            _ => return None,
        };
    }
    let [a, b, c, d] = v;
    v.iter()
        .all(|x| x.is_finite())
        .then_some([a.min(c), b.min(d), a.max(c), b.max(d)])
}

/// Whether the widget's normal appearance is a stream with content (not only whitespace).
fn draws_something(doc: &Document<'_>, w: &Dict) -> bool {
    let Some(ap) = w.get(b"AP").and_then(|ap| doc.resolve(ap).ok()) else {
        return false;
    };
    let Some(n) = ap.as_dict().and_then(|ap| ap.get(b"N")) else {
        return false;
    };
    let Ok(mut n) = doc.resolve(n) else {
        return false;
    };
    // Several appearance states: the one /AS selects.
    if let Object::Dict(states) = &n {
        let Some(state) = w.name(b"AS").and_then(|s| states.get(s)) else {
            return false;
        };
        match doc.resolve(state) {
            Ok(s) => n = s,
            Err(_) => return false,
        }
    }
    let Object::Stream(stream) = &n else {
        return false;
    };
    // A stream kyso cannot decode is taken to draw what its bytes hold.
    let content = crate::filter::decode(stream).unwrap_or_else(|_| stream.data.clone());
    content.iter().any(|b| !is_whitespace(*b))
}

/// The strings of a `/Cert` entry: one string, or an array of (possibly indirect) strings.
fn cert_strings(doc: &Document<'_>, entry: Option<&Object>) -> Vec<Vec<u8>> {
    let Some(value) = entry.and_then(|e| doc.resolve(e).ok()) else {
        return Vec::new();
    };
    match &value {
        Object::String(s) => vec![s.clone()],
        Object::Array(items) => items
            .iter()
            .filter_map(|i| match doc.resolve(i).ok()? {
                Object::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn docmdp_level(doc: &Document<'_>, reference: &Object) -> Option<u8> {
    for r in reference.as_array().unwrap_or(&[]) {
        let r = doc.resolve(r).ok()?;
        let d = r.as_dict()?;
        if d.name(b"TransformMethod") == Some(b"DocMDP") {
            let params = d.get(b"TransformParams").and_then(|p| doc.resolve(p).ok());
            let p = params
                .as_ref()
                .and_then(Object::as_dict)
                .and_then(|p| p.int(b"P"))
                .unwrap_or(2);
            return Some(p.clamp(1, 3) as u8);
        }
    }
    None
}

/// The DocMDP level the catalog's /Perms points at, if any.
pub fn catalog_docmdp(doc: &Document<'_>) -> Option<(ObjRef, u8)> {
    let (_, catalog) = doc.catalog().ok()?;
    let perms = doc.resolve(catalog.get(b"Perms")?).ok()?;
    let sig_ref = perms.as_dict()?.reference(b"DocMDP")?;
    let sig = doc.get(sig_ref).ok()?;
    let level = docmdp_level(doc, &doc.resolve(sig.as_dict()?.get(b"Reference")?).ok()?)?;
    Some((sig_ref, level))
}

/// Where an object is stored in the current revision (for checks on signature dictionaries).
pub fn object_offset(doc: &Document<'_>, r: ObjRef) -> Option<usize> {
    match doc.current_map().get(&r.num) {
        Some(XrefEntry::InFile { offset, .. }) => Some(*offset),
        _ => None,
    }
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

    const SIG: &str = "<< /Type /Sig /Filter /Adobe.PPKLite /ByteRange [0 1 2 3] /Contents <00> >>";
    const DRAWS: &str =
        "<< /Subtype /Form /BBox [0 0 10 10] /Length 8 >>\nstream\n0 0 m S \nendstream";
    const EMPTY: &str = "<< /Subtype /Form /BBox [0 0 10 10] /Length 1 >>\nstream\n \nendstream";

    /// Catalog 1, pages 2, page 3 (CropBox at 10,20) and page 4 (MediaBox from the tree),
    /// then `rest` from object 5.
    fn doc_with(annots3: &str, annots4: &str, fields: &str, rest: &[&str]) -> Vec<u8> {
        let catalog =
            format!("<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [{fields}] >> >>");
        let page3 =
            format!("<< /Type /Page /Parent 2 0 R /CropBox [10 20 610 820] /Annots [{annots3}] >>");
        let page4 = format!("<< /Type /Page /Parent 2 0 R /Annots [{annots4}] >>");
        let mut objects = vec![
            catalog.as_str(),
            "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 595 842] >>",
            page3.as_str(),
            page4.as_str(),
        ];
        objects.extend_from_slice(rest);
        pdf(&objects)
    }

    fn placements(data: &[u8]) -> Vec<(String, Placement, Vec<u32>)> {
        let doc = Document::open(data).expect("open");
        find_signatures(&doc)
            .expect("signatures")
            .into_iter()
            .map(|s| {
                (
                    s.field,
                    s.placement,
                    s.widgets.iter().map(|w| w.num).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn placement_from_the_pages_annots_relative_to_the_crop_box() {
        // Field 5 is its own widget on page 1 (whose CropBox starts at 10,20), with a /P
        // naming page 2; field 7 is invisible on page 2.
        let data = doc_with(
            "5 0 R",
            "7 0 R",
            "5 0 R 7 0 R",
            &[
                "<< /FT /Sig /T (A) /V 6 0 R /Subtype /Widget /F 4 /Rect [510 200 360 140] \
                 /P 4 0 R /AP << /N 8 0 R >> >>",
                SIG,
                "<< /FT /Sig /T (B) /V 9 0 R /Subtype /Widget /Rect [0 0 0 0] /P 4 0 R >>",
                DRAWS,
                "<< /Type /Sig /ByteRange [0 1 5 3] /Contents <01> >>",
            ],
        );
        let got = placements(&data);
        assert_eq!(got[0].0, "A");
        assert_eq!(
            got[0].1,
            Placement {
                page: Some(1),
                rect: Some([350.0, 120.0, 500.0, 180.0]),
                visible: true
            }
        );
        assert_eq!(got[0].2, [5]);
        assert_eq!(
            got[1].1,
            Placement {
                page: Some(2),
                rect: Some([0.0; 4]),
                visible: false
            }
        );
    }

    #[test]
    fn hidden_noview_empty_or_unlisted_widgets_are_not_visible() {
        for (widget, page) in [
            // Hidden, NoView.
            ("/F 6 /AP << /N 8 0 R >>", Some(1)),
            ("/F 36 /AP << /N 8 0 R >>", Some(1)),
            // An appearance that draws nothing, none at all, a state /AS does not name.
            ("/AP << /N 9 0 R >>", Some(1)),
            ("", Some(1)),
            ("/AP << /N << /On 8 0 R >> >> /AS /Off", Some(1)),
        ] {
            let data = doc_with(
                "5 0 R",
                "",
                "5 0 R",
                &[
                    &format!("<< /FT /Sig /T (A) /V 6 0 R /Rect [0 0 50 50] {widget} >>"),
                    SIG,
                    "null",
                    DRAWS,
                    EMPTY,
                ],
            );
            let p = placements(&data)[0].1;
            assert!(!p.visible, "{widget}");
            assert_eq!(p.page, page, "{widget}");
        }
        // The appearance state /AS names is used.
        let data = doc_with(
            "5 0 R",
            "",
            "5 0 R",
            &[
                "<< /FT /Sig /T (A) /V 6 0 R /Rect [0 0 50 50] /AP << /N << /On 8 0 R >> >> \
                 /AS /On >>",
                SIG,
                "null",
                DRAWS,
            ],
        );
        assert!(placements(&data)[0].1.visible);
        // A widget no page lists: no page, no rectangle (its /P is not trusted).
        let data = doc_with(
            "",
            "",
            "5 0 R",
            &[
                "<< /FT /Sig /T (A) /V 6 0 R /Rect [0 0 50 50] /P 3 0 R /AP << /N 8 0 R >> >>",
                SIG,
                "null",
                DRAWS,
            ],
        );
        assert_eq!(placements(&data)[0].1, Placement::default());
    }

    #[test]
    fn a_field_with_widget_kids_takes_its_name_from_the_parent_and_its_place_from_the_first_visible_kid()
     {
        // Field 5 (no /Rect of its own) with kids 7 (hidden, page 1), 8 (visible, page 2)
        // and 9 (visible, page 1).
        let data = doc_with(
            "7 0 R 9 0 R",
            "8 0 R",
            "5 0 R",
            &[
                "<< /FT /Sig /T (CoQuan) /V 6 0 R /Kids [7 0 R 8 0 R 9 0 R] >>",
                SIG,
                "<< /Type /Annot /Subtype /Widget /Parent 5 0 R /F 2 /Rect [0 0 50 50] \
                 /AP << /N 10 0 R >> >>",
                "<< /Type /Annot /Subtype /Widget /Parent 5 0 R /F 4 /Rect [100 100 200 150] \
                 /AP << /N 10 0 R >> >>",
                "<< /Type /Annot /Subtype /Widget /Parent 5 0 R /F 4 /Rect [300 300 320 310] \
                 /AP << /N 10 0 R >> >>",
                DRAWS,
            ],
        );
        let got = placements(&data);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "CoQuan");
        assert_eq!(got[0].2, [7, 8, 9]);
        assert_eq!(
            got[0].1,
            Placement {
                page: Some(2),
                rect: Some([100.0, 100.0, 200.0, 150.0]),
                visible: true
            }
        );
    }
}
