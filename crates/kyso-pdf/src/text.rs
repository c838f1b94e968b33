//! Text extraction with positions, for placing a visible signature above a printed text
//! (`kyso sign --anchor TEXT`).
//!
//! A small content-stream interpreter follows the graphics and text state (`q`/`Q`, `cm`, the
//! text operators, Form XObjects through `Do`), decodes each shown string through its font
//! (ToUnicode CMaps first; else the simple font's encoding with /Differences), and places every
//! glyph in default user space. Glyphs are then grouped into lines (same baseline, ordered by x;
//! gaps wider than a quarter em read as spaces; far-apart columns are separate lines).
//!
//! Searching compares canonical decompositions (so precomposed and combining Vietnamese
//! diacritics match either way), case-sensitively, and ignores whitespace entirely: spaces in
//! extracted text are inferred from gaps, which producers do not draw consistently.
//!
//! Bytes come from untrusted files: Form XObjects nest at most [`MAX_FORM_DEPTH`] deep, and a
//! page may run at most [`MAX_OPERATIONS`] operators and glyphs in all (a whole document
//! [`MAX_DOCUMENT_OPERATIONS`]) before the extraction is refused.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{canonical_combining_class, decompose_canonical};

use crate::content::Lexer;
use crate::object::{Dict, ObjRef, Object};
use crate::{Document, Error, filter};

/// How deep Form XObjects may nest inside a page.
pub const MAX_FORM_DEPTH: usize = 8;
/// Operators plus shown glyphs one page may cost (Form XObjects included).
pub const MAX_OPERATIONS: u64 = 5_000_000;
/// Operators plus shown glyphs a whole-document search may cost.
pub const MAX_DOCUMENT_OPERATIONS: u64 = 50_000_000;
/// Entries a ToUnicode CMap may define.
const MAX_CMAP_ENTRIES: usize = 200_000;
/// Margin between the picture and the texts around it, in points.
const MARGIN: f64 = 2.0;
/// The picture's height when there is no room given by a line above.
const DEFAULT_HEIGHT: f64 = 60.0;
/// The smallest gap to a line above that is used as the picture's height.
const MIN_GAP: f64 = 20.0;

/// One occurrence of a searched text.
#[derive(Debug, Clone, PartialEq)]
pub struct TextMatch {
    /// Page, counted from 1.
    pub page: usize,
    /// The text's box in default user space (the page's coordinates, not CropBox-relative).
    pub rect: [f64; 4],
    /// The nearest line above it that overlaps it horizontally: its box, if any.
    pub line_above: Option<[f64; 4]>,
}

/// Every occurrence of `needle` on `page` (1-based) or on all pages, in reading order
/// (pages ascending; on a page top to bottom, left to right).
///
/// Matching is case-sensitive, on canonically decomposed text (precomposed and combining
/// diacritics match each other), with all whitespace ignored; a match lies within one line.
/// An empty (or all-whitespace) needle is refused.
pub fn find_text(
    doc: &Document<'_>,
    needle: &str,
    page: Option<usize>,
) -> Result<Vec<TextMatch>, Error> {
    let pattern: Vec<char> = needle.nfd().filter(|c| !c.is_whitespace()).collect();
    if pattern.is_empty() {
        return Err(Error::Appearance("the anchor text is empty".into()));
    }
    let pages = doc.pages()?;
    let numbers: Vec<usize> = match page {
        Some(n) => {
            check_page(n, pages.len())?;
            vec![n]
        }
        None => (1..=pages.len()).collect(),
    };
    let mut out = Vec::new();
    let mut budget = MAX_DOCUMENT_OPERATIONS;
    for n in numbers {
        let Some(page_ref) = n.checked_sub(1).and_then(|i| pages.get(i)) else {
            continue;
        };
        let lines = extract_lines(doc, *page_ref, n, &mut budget)?;
        for (i, line) in lines.iter().enumerate() {
            for rect in line.find(&pattern) {
                out.push(TextMatch {
                    page: n,
                    rect: to_user(line.dir, rect),
                    line_above: line_above(&lines, i, &rect),
                });
            }
        }
    }
    Ok(out)
}

/// The text of a page as lines (for tests and for `kyso` diagnostics): (box, text).
pub fn page_lines(doc: &Document<'_>, page: usize) -> Result<Vec<([f64; 4], String)>, Error> {
    let pages = doc.pages()?;
    check_page(page, pages.len())?;
    let Some(page_ref) = page.checked_sub(1).and_then(|i| pages.get(i)) else {
        return Ok(Vec::new());
    };
    Ok(
        extract_lines(doc, *page_ref, page, &mut { MAX_OPERATIONS })?
            .iter()
            .map(|l| (to_user(l.dir, l.rect), l.text()))
            .collect(),
    )
}

/// Where a picture of `aspect` (width / height) goes above `m`: centred horizontally on the
/// match, its bottom just above the match's top, its top just below `line_above`'s bottom
/// (with a small margin, ~2 pt); when there is no line above or the gap is under 20 pt,
/// use a default height of 60 pt; width from the aspect, at most `max_width` (then height
/// shrinks to keep the aspect). Returned in default user space.
///
/// An aspect that is not a positive finite number counts as 1; a `max_width` that is not
/// positive and finite sets no limit.
pub fn rect_above(m: &TextMatch, aspect: f64, max_width: f64) -> [f64; 4] {
    let aspect = if aspect.is_finite() && aspect > 0.0 {
        aspect
    } else {
        1.0
    };
    let max_width = if max_width.is_finite() && max_width > 0.0 {
        max_width
    } else {
        f64::INFINITY
    };
    let [x1, _, x2, top] = m.rect;
    let bottom = top + MARGIN;
    let mut height = match m.line_above {
        Some(above) if above[1] - MARGIN - bottom >= MIN_GAP => above[1] - MARGIN - bottom,
        _ => DEFAULT_HEIGHT,
    };
    let mut width = height * aspect;
    if width > max_width {
        width = max_width;
        height = width / aspect;
    }
    let cx = (x1 + x2) / 2.0;
    [cx - width / 2.0, bottom, cx + width / 2.0, bottom + height]
}

fn check_page(n: usize, count: usize) -> Result<(), Error> {
    if n == 0 || n > count {
        return Err(Error::Appearance(format!(
            "page {n} does not exist (the document has {count})"
        )));
    }
    Ok(())
}

/// The nearest line above `lines[index]`'s match `rect` that overlaps it horizontally (in the
/// line's own direction), in default user space.
fn line_above(lines: &[Line], index: usize, rect: &[f64; 4]) -> Option<[f64; 4]> {
    let me = lines.get(index)?;
    lines
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            *i != index
                && l.dir == me.dir
                && l.baseline > me.baseline + 0.5 * me.size
                && l.rect[0] < rect[2]
                && l.rect[2] > rect[0]
        })
        .map(|(_, l)| l)
        .min_by(|a, b| a.rect[1].total_cmp(&b.rect[1]))
        .map(|l| to_user(l.dir, l.rect))
}

/// A point of default user space in the frame of text running in direction `dir` (quarter
/// turns counter-clockwise): there the text runs along +x with its top towards +y.
fn to_frame(dir: u8, (x, y): (f64, f64)) -> (f64, f64) {
    match dir {
        1 => (y, -x),
        2 => (-x, -y),
        3 => (-y, x),
        _ => (x, y),
    }
}

/// A rectangle in the frame of direction `dir`, back in default user space.
fn to_user(dir: u8, r: [f64; 4]) -> [f64; 4] {
    let back = |(u, v): (f64, f64)| match dir {
        1 => (-v, u),
        2 => (-u, -v),
        3 => (v, -u),
        _ => (u, v),
    };
    let (a, b) = (back((r[0], r[1])), back((r[2], r[3])));
    [a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1)]
}

// ---------------------------------------------------------------------------------------------
// Geometry

type Matrix = [f64; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m` then `n`: the matrix of applying `m` first.
fn mul(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn translate(x: f64, y: f64) -> Matrix {
    [1.0, 0.0, 0.0, 1.0, x, y]
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Int(i) => Some(*i as f64),
        Object::Real(r) if r.is_finite() => Some(*r),
        _ => None,
    }
}

/// `N` numbers, or `None` if an operand is missing or not a number.
fn numbers<const N: usize>(operands: &[Object]) -> Option<[f64; N]> {
    let tail = operands.get(operands.len().checked_sub(N)?..)?;
    let mut out = [0.0; N];
    for (slot, o) in out.iter_mut().zip(tail) {
        *slot = number(o)?;
    }
    Some(out)
}

fn matrix_of(o: Option<&Object>) -> Option<Matrix> {
    let a = o?.as_array()?;
    if a.len() != 6 {
        return None;
    }
    numbers::<6>(a)
}

// ---------------------------------------------------------------------------------------------
// Glyphs and lines

/// One shown glyph, in the frame of its direction (see [`to_frame`]).
#[derive(Debug, Clone)]
struct Glyph {
    /// The direction its text runs in, in quarter turns counter-clockwise.
    dir: u8,
    /// Left and right of its advance.
    x0: f64,
    x1: f64,
    /// Its baseline.
    y: f64,
    /// Bottom and top of its box.
    bottom: f64,
    top: f64,
    /// The font size in user space.
    size: f64,
    /// The character and word spacing (Tc, Tw) after it: a gap that is not between words.
    spacing: f64,
    text: String,
}

/// A line: glyphs on one baseline, left to right, with inferred spaces (in the frame of its
/// direction).
#[derive(Debug, Clone)]
struct Line {
    dir: u8,
    glyphs: Vec<Glyph>,
    /// `spaces[i]`: a space was inferred before glyph `i`.
    spaces: Vec<bool>,
    rect: [f64; 4],
    baseline: f64,
    size: f64,
}

impl Line {
    fn new(glyphs: Vec<Glyph>) -> Line {
        let mut spaces = Vec::with_capacity(glyphs.len());
        let mut rect = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        let mut prev: Option<&Glyph> = None;
        let mut size = 0.0f64;
        for g in &glyphs {
            spaces.push(prev.is_some_and(|p| g.x0 - p.x1 - p.spacing > 0.25 * g.size.max(p.size)));
            rect = [
                rect[0].min(g.x0),
                rect[1].min(g.bottom),
                rect[2].max(g.x1),
                rect[3].max(g.top),
            ];
            size = size.max(g.size);
            prev = Some(g);
        }
        let baseline = glyphs.first().map_or(0.0, |g| g.y);
        let dir = glyphs.first().map_or(0, |g| g.dir);
        Line {
            dir,
            glyphs,
            spaces,
            rect,
            baseline,
            size,
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for (g, space) in self.glyphs.iter().zip(&self.spaces) {
            if *space && !out.ends_with(char::is_whitespace) && !g.text.starts_with(' ') {
                out.push(' ');
            }
            out.push_str(&g.text);
        }
        out.nfc().collect::<String>().trim().to_owned()
    }

    /// The boxes of every occurrence of `pattern` (canonically decomposed, no whitespace).
    fn find(&self, pattern: &[char]) -> Vec<[f64; 4]> {
        // The line's text, decomposed, without whitespace; each char with its glyph.
        let mut chars: Vec<(char, usize)> = Vec::new();
        for (i, g) in self.glyphs.iter().enumerate() {
            for c in g.text.chars() {
                decompose_canonical(c, |d| {
                    if !d.is_whitespace() {
                        chars.push((d, i));
                    }
                });
            }
        }
        reorder_marks(&mut chars);
        let mut out = Vec::new();
        if pattern.is_empty() || chars.len() < pattern.len() {
            return out;
        }
        let mut start = 0;
        while start + pattern.len() <= chars.len() {
            let window = chars.get(start..start + pattern.len()).unwrap_or(&[]);
            let hit = window.iter().map(|(c, _)| c).eq(pattern.iter());
            // A match ends at a character boundary: not before a combining mark of its last
            // letter (searching "a" does not match the "a" of "ấ").
            let ends_clean = chars
                .get(start + pattern.len())
                .is_none_or(|(c, _)| canonical_combining_class(*c) == 0);
            if hit && ends_clean {
                let first = window.first().map_or(0, |(_, g)| *g);
                let last = window.last().map_or(0, |(_, g)| *g);
                out.push(self.span_rect(first, last));
                start += pattern.len();
            } else {
                start += 1;
            }
        }
        out
    }

    fn span_rect(&self, first: usize, last: usize) -> [f64; 4] {
        let mut rect = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for g in self.glyphs.get(first..=last).unwrap_or(&[]) {
            rect = [
                rect[0].min(g.x0),
                rect[1].min(g.bottom),
                rect[2].max(g.x1),
                rect[3].max(g.top),
            ];
        }
        rect
    }
}

/// Canonical ordering: runs of combining marks sorted (stably) by combining class.
fn reorder_marks(chars: &mut [(char, usize)]) {
    let mut i = 0;
    while i < chars.len() {
        let run = chars
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .take_while(|(c, _)| canonical_combining_class(*c) != 0)
            .count();
        if run > 1
            && let Some(slice) = chars.get_mut(i..i + run)
        {
            slice.sort_by_key(|(c, _)| canonical_combining_class(*c));
        }
        i += run.max(1);
    }
}

/// Groups glyphs into lines, each direction apart (the most used first): top to bottom, and
/// on one baseline left to right, split where columns are far apart.
fn group_lines(glyphs: Vec<Glyph>) -> Vec<Line> {
    let mut by_dir: [Vec<Glyph>; 4] = Default::default();
    for g in glyphs {
        if let Some(group) = by_dir.get_mut(usize::from(g.dir)) {
            group.push(g);
        }
    }
    let mut order = [0usize, 1, 2, 3];
    order.sort_by_key(|d| std::cmp::Reverse(by_dir.get(*d).map_or(0, Vec::len)));
    let mut lines = Vec::new();
    for d in order {
        if let Some(group) = by_dir.get_mut(d) {
            lines.extend(group_direction(std::mem::take(group)));
        }
    }
    lines
}

fn group_direction(mut glyphs: Vec<Glyph>) -> Vec<Line> {
    glyphs.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x0.total_cmp(&b.x0)));
    let mut lines = Vec::new();
    let mut band: Vec<Glyph> = Vec::new();
    let mut band_y = 0.0;
    let mut band_size = 0.0f64;
    for g in glyphs {
        if !band.is_empty() && (band_y - g.y).abs() > 0.35 * band_size.max(g.size) {
            split_band(std::mem::take(&mut band), &mut lines);
        }
        if band.is_empty() {
            band_y = g.y;
            band_size = g.size;
        }
        band_size = band_size.max(g.size);
        band.push(g);
    }
    split_band(band, &mut lines);
    lines
}

fn split_band(mut band: Vec<Glyph>, lines: &mut Vec<Line>) {
    if band.is_empty() {
        return;
    }
    band.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    let mut current: Vec<Glyph> = Vec::new();
    for g in band {
        // Text drawn twice at (almost) the same place, as fake bold is: keep one copy.
        let tol = 0.15 * g.size;
        let duplicate = current
            .iter()
            .rev()
            .take(4)
            .any(|p| p.text == g.text && (p.x0 - g.x0).abs() < tol && (p.y - g.y).abs() < tol);
        if duplicate {
            continue;
        }
        let far = current
            .last()
            .is_some_and(|p| g.x0 - p.x1 > 3.0 * g.size.max(p.size));
        if far {
            push_line(std::mem::take(&mut current), lines);
        }
        current.push(g);
    }
    push_line(current, lines);
}

fn push_line(glyphs: Vec<Glyph>, lines: &mut Vec<Line>) {
    if glyphs.iter().any(|g| !g.text.trim().is_empty()) {
        lines.push(Line::new(glyphs));
    }
}

// ---------------------------------------------------------------------------------------------
// The interpreter

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    /// Horizontal scaling as a fraction (Tz 100 = 1).
    scale: f64,
    leading: f64,
    rise: f64,
}

/// A resource dictionary, and where it comes from (the page: `None`; a form: its reference),
/// which names it in caches.
#[derive(Clone, Copy)]
struct Res<'r> {
    dict: &'r Dict,
    id: Option<ObjRef>,
}

/// A Form XObject's dictionary and decoded content.
type Form = (Dict, Vec<u8>);

struct Interp<'d, 'a> {
    doc: &'d Document<'a>,
    page: usize,
    fonts: HashMap<ObjRef, Rc<Font>>,
    /// Fonts by resource name, per resource dictionary.
    fonts_by_name: HashMap<(Option<ObjRef>, Vec<u8>), Rc<Font>>,
    /// Looked-up resources: (resource dictionary, is a font, name).
    looked_up: HashMap<(Option<ObjRef>, bool, Vec<u8>), Option<Object>>,
    forms: HashMap<ObjRef, Rc<Form>>,
    /// Forms being run, to refuse one that runs itself.
    running: Vec<ObjRef>,
    budget: u64,
    glyphs: Vec<Glyph>,
}

/// The page's lines (top to bottom, left to right), at the cost of at most
/// [`MAX_OPERATIONS`] of `budget`, which is charged what was spent.
fn extract_lines(
    doc: &Document<'_>,
    page_ref: ObjRef,
    page: usize,
    budget: &mut u64,
) -> Result<Vec<Line>, Error> {
    let page_obj = doc.get(page_ref)?;
    let page_dict = page_obj
        .as_dict()
        .ok_or_else(|| Error::Appearance(format!("page {page} is not a dictionary")))?;
    let resources = inherited_resources(doc, page_ref)?;
    let mut content = Vec::new();
    match doc.resolve(page_dict.get(b"Contents").unwrap_or(&Object::Null))? {
        Object::Stream(s) => content = decode_content(&s)?,
        Object::Array(parts) => {
            for part in &parts {
                if let Object::Stream(s) = doc.resolve(part)? {
                    content.extend_from_slice(&decode_content(&s)?);
                    content.push(b'\n');
                }
            }
        }
        _ => {}
    }
    let mut interp = Interp {
        doc,
        page,
        fonts: HashMap::new(),
        fonts_by_name: HashMap::new(),
        looked_up: HashMap::new(),
        forms: HashMap::new(),
        running: Vec::new(),
        budget: MAX_OPERATIONS.min(*budget),
        glyphs: Vec::new(),
    };
    let state = GState {
        ctm: IDENTITY,
        font: None,
        size: 0.0,
        char_spacing: 0.0,
        word_spacing: 0.0,
        scale: 1.0,
        leading: 0.0,
        rise: 0.0,
    };
    let page_resources = Res {
        dict: &resources,
        id: None,
    };
    let start = interp.budget;
    let result = interp
        .run(&content, page_resources, state.clone(), 0)
        .and_then(|()| interp.annotations(page_dict, &state));
    *budget = budget.saturating_sub(start - interp.budget);
    result?;
    Ok(group_lines(interp.glyphs))
}

/// A content stream's bytes. Damaged compressed data reads as no content (as viewers show
/// nothing for it); a filter kyso does not implement is an error, so that a missing anchor
/// is not blamed on the text.
fn decode_content(s: &crate::Stream) -> Result<Vec<u8>, Error> {
    match filter::decode(s) {
        Err(Error::Decode(_)) => Ok(Vec::new()),
        other => other,
    }
}

/// A rectangle `[x1 y1 x2 y2]`, normalized.
fn rect_of(o: Option<&Object>) -> Option<[f64; 4]> {
    let a = o?.as_array()?;
    if a.len() != 4 {
        return None;
    }
    let [x1, y1, x2, y2] = numbers::<4>(a)?;
    Some([x1.min(x2), y1.min(y2), x1.max(x2), y1.max(y2)])
}

/// The page's /Resources, inherited through the page tree.
fn inherited_resources(doc: &Document<'_>, page_ref: ObjRef) -> Result<Dict, Error> {
    let mut node = Some(page_ref);
    for _ in 0..64 {
        let Some(r) = node else { break };
        let obj = doc.get(r)?;
        let Some(d) = obj.as_dict() else { break };
        if let Some(res) = d.get(b"Resources") {
            return Ok(doc.resolve(res)?.as_dict().cloned().unwrap_or_default());
        }
        node = d.reference(b"Parent");
    }
    Ok(Dict::new())
}

impl Interp<'_, '_> {
    fn spend(&mut self, cost: u64) -> Result<(), Error> {
        self.budget = self.budget.checked_sub(cost).ok_or_else(|| {
            Error::Appearance(format!(
                "page {}: the content is too large to search for text",
                self.page
            ))
        })?;
        Ok(())
    }

    fn run(
        &mut self,
        content: &[u8],
        resources: Res<'_>,
        initial: GState,
        depth: usize,
    ) -> Result<(), Error> {
        let mut gs = initial;
        let mut stack: Vec<GState> = Vec::new();
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        let mut lexer = Lexer::new(content);
        let mut operands = Vec::new();
        while let Some(op) = lexer.next_op(&mut operands) {
            self.spend(1)?;
            match op {
                b"q" if stack.len() < 256 => stack.push(gs.clone()),
                b"Q" => {
                    if let Some(saved) = stack.pop() {
                        gs = saved;
                    }
                }
                b"cm" => {
                    if let Some(m) = numbers::<6>(&operands) {
                        gs.ctm = mul(&m, &gs.ctm);
                    }
                }
                b"BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                b"Tf" => {
                    if let (Some(Object::Name(name)), Some(size)) = (
                        operands.len().checked_sub(2).and_then(|i| operands.get(i)),
                        operands.last().and_then(number),
                    ) {
                        gs.font = Some(self.font(resources, name));
                        gs.size = size;
                    }
                }
                b"Tm" => {
                    if let Some(m) = numbers::<6>(&operands) {
                        tm = m;
                        tlm = m;
                    }
                }
                b"Td" => {
                    if let Some([x, y]) = numbers::<2>(&operands) {
                        tlm = mul(&translate(x, y), &tlm);
                        tm = tlm;
                    }
                }
                b"TD" => {
                    if let Some([x, y]) = numbers::<2>(&operands) {
                        gs.leading = -y;
                        tlm = mul(&translate(x, y), &tlm);
                        tm = tlm;
                    }
                }
                b"T*" => {
                    tlm = mul(&translate(0.0, -gs.leading), &tlm);
                    tm = tlm;
                }
                b"TL" => set(&operands, &mut gs.leading),
                b"Tc" => set(&operands, &mut gs.char_spacing),
                b"Tw" => set(&operands, &mut gs.word_spacing),
                b"Ts" => set(&operands, &mut gs.rise),
                b"Tz" => {
                    if let Some([z]) = numbers::<1>(&operands) {
                        gs.scale = z / 100.0;
                    }
                }
                b"Tj" => {
                    if let Some(Object::String(s)) = operands.last() {
                        self.show(s, &gs, &mut tm)?;
                    }
                }
                b"'" | b"\"" => {
                    if op == b"\""
                        && let Some([w, c]) = operands
                            .len()
                            .checked_sub(3)
                            .and_then(|i| operands.get(i..i + 2))
                            .and_then(numbers::<2>)
                    {
                        gs.word_spacing = w;
                        gs.char_spacing = c;
                    }
                    tlm = mul(&translate(0.0, -gs.leading), &tlm);
                    tm = tlm;
                    if let Some(Object::String(s)) = operands.last() {
                        self.show(s, &gs, &mut tm)?;
                    }
                }
                b"TJ" => {
                    if let Some(Object::Array(items)) = operands.last() {
                        for item in items {
                            match item {
                                Object::String(s) => self.show(s, &gs, &mut tm)?,
                                other => {
                                    self.spend(1)?;
                                    if let Some(n) = number(other) {
                                        let tx = -n / 1000.0 * gs.size * gs.scale;
                                        tm = mul(&translate(tx, 0.0), &tm);
                                    }
                                }
                            }
                        }
                    }
                }
                b"Do" => {
                    if let Some(Object::Name(name)) = operands.last() {
                        self.form(resources, name, &gs, depth)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Runs the Form XObject `name` (other XObjects are images: nothing to read).
    fn form(
        &mut self,
        resources: Res<'_>,
        name: &[u8],
        gs: &GState,
        depth: usize,
    ) -> Result<(), Error> {
        // A direct stream is not allowed for an XObject: only references are followed.
        match self
            .lookup(resources, b"XObject", name)
            .as_ref()
            .and_then(Object::as_ref)
        {
            Some(r) => self.run_form(r, resources, gs, depth),
            None => Ok(()),
        }
    }

    /// The form `r`'s dictionary and decoded content (cached); `None` if it is not a form.
    fn load_form(&mut self, r: ObjRef) -> Result<Option<Rc<Form>>, Error> {
        if let Some(f) = self.forms.get(&r) {
            return Ok(Some(f.clone()));
        }
        let Object::Stream(s) = self.doc.get(r)? else {
            return Ok(None);
        };
        if s.dict.name(b"Subtype").is_some_and(|t| t != b"Form") {
            return Ok(None);
        }
        self.spend(s.data.len() as u64 / 64)?;
        let data = decode_content(&s)?;
        let f = Rc::new((s.dict, data));
        self.forms.insert(r, f.clone());
        Ok(Some(f))
    }

    /// Runs the form `r` with its /Matrix and /Resources (else `resources`), one level deeper.
    fn run_form(
        &mut self,
        r: ObjRef,
        resources: Res<'_>,
        gs: &GState,
        depth: usize,
    ) -> Result<(), Error> {
        if depth + 1 > MAX_FORM_DEPTH || self.running.contains(&r) {
            return Ok(());
        }
        let Some(form) = self.load_form(r)? else {
            return Ok(());
        };
        let (dict, data) = (&form.0, &form.1);
        let matrix = matrix_of(dict.get(b"Matrix")).unwrap_or(IDENTITY);
        let own = match dict.get(b"Resources") {
            Some(o) => self.doc.resolve(o)?.as_dict().cloned(),
            None => None,
        };
        let mut inner = gs.clone();
        inner.ctm = mul(&matrix, &gs.ctm);
        self.running.push(r);
        let inner_resources = match &own {
            Some(dict) => Res { dict, id: Some(r) },
            None => resources,
        };
        let result = self.run(data, inner_resources, inner, depth + 1);
        self.running.pop();
        result
    }

    /// Whether a widget annotation belongs to a signature field (/FT /Sig, maybe inherited).
    fn is_signature(&self, annot: &Dict) -> bool {
        let mut node = annot.clone();
        for _ in 0..16 {
            match node.name(b"FT") {
                Some(ft) => return ft == b"Sig",
                None => match node.get(b"Parent").map(|p| self.doc.resolve(p)) {
                    Some(Ok(Object::Dict(parent))) => node = parent,
                    _ => return false,
                },
            }
        }
        false
    }

    /// Runs the normal appearances of the page's visible annotations (filled form fields,
    /// stamps), each mapped onto its /Rect (ISO 32000-1 12.5.5). Signature fields' pictures
    /// are left out: they are not the document's text, and are drawn over it.
    fn annotations(&mut self, page: &Dict, base: &GState) -> Result<(), Error> {
        let annots = match page.get(b"Annots") {
            Some(a) => self.doc.resolve(a)?,
            None => return Ok(()),
        };
        for annot in annots.as_array().unwrap_or(&[]).iter().take(10_000) {
            self.spend(1)?;
            let Some(a) = self.doc.resolve(annot)?.as_dict().cloned() else {
                continue;
            };
            // Hidden (2) or NoView (32); and signatures' own pictures, which are not the
            // document's text (and are drawn over it).
            if a.int(b"F").is_some_and(|f| f & (2 | 32) != 0) || self.is_signature(&a) {
                continue;
            }
            let normal = a
                .get(b"AP")
                .and_then(|ap| self.doc.resolve(ap).ok())
                .and_then(|ap| ap.as_dict().and_then(|d| d.get(b"N").cloned()));
            let r = match normal {
                Some(Object::Ref(r)) => match self.doc.get(r)? {
                    Object::Stream(_) => Some(r),
                    // A dictionary of appearance states: the one /AS names.
                    Object::Dict(states) => a.name(b"AS").and_then(|state| states.reference(state)),
                    _ => None,
                },
                Some(Object::Dict(states)) => {
                    a.name(b"AS").and_then(|state| states.reference(state))
                }
                _ => None,
            };
            let (Some(r), Some(rect)) = (r, rect_of(a.get(b"Rect"))) else {
                continue;
            };
            let Some(form) = self.load_form(r)? else {
                continue;
            };
            let matrix = matrix_of(form.0.get(b"Matrix")).unwrap_or(IDENTITY);
            let Some(bbox) = rect_of(form.0.get(b"BBox")) else {
                continue;
            };
            // The form's box after its matrix, scaled and moved onto the annotation's box.
            let corners = [
                apply(&matrix, bbox[0], bbox[1]),
                apply(&matrix, bbox[2], bbox[1]),
                apply(&matrix, bbox[0], bbox[3]),
                apply(&matrix, bbox[2], bbox[3]),
            ];
            let (mut x1, mut y1, mut x2, mut y2) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for (x, y) in corners {
                (x1, y1, x2, y2) = (x1.min(x), y1.min(y), x2.max(x), y2.max(y));
            }
            if x2 - x1 < 1e-9 || y2 - y1 < 1e-9 {
                continue;
            }
            let sx = (rect[2] - rect[0]) / (x2 - x1);
            let sy = (rect[3] - rect[1]) / (y2 - y1);
            let mut gs = base.clone();
            gs.ctm = [sx, 0.0, 0.0, sy, rect[0] - sx * x1, rect[1] - sy * y1];
            let none = Dict::new();
            let resources = Res {
                dict: &none,
                id: Some(r),
            };
            self.run_form(r, resources, &gs, 0)?;
        }
        Ok(())
    }

    /// `resources[category][name]`, following references (not the last one); remembered, so
    /// that operators repeated many times do not copy the resource dictionaries each time.
    fn lookup(&mut self, resources: Res<'_>, category: &[u8], name: &[u8]) -> Option<Object> {
        let key = (resources.id, category == b"Font", name.to_vec());
        if let Some(found) = self.looked_up.get(&key) {
            return found.clone();
        }
        let found = resources
            .dict
            .get(category)
            .and_then(|g| self.doc.resolve(g).ok())
            .and_then(|g| g.as_dict().and_then(|d| d.get(name).cloned()));
        if self.looked_up.len() < 100_000 {
            self.looked_up.insert(key, found.clone());
        }
        found
    }

    fn font(&mut self, resources: Res<'_>, name: &[u8]) -> Rc<Font> {
        let key = (resources.id, name.to_vec());
        if let Some(f) = self.fonts_by_name.get(&key) {
            return f.clone();
        }
        let entry = self.lookup(resources, b"Font", name);
        if let Some(r) = entry.as_ref().and_then(Object::as_ref)
            && let Some(f) = self.fonts.get(&r)
        {
            return f.clone();
        }
        let dict = entry
            .as_ref()
            .and_then(|e| self.doc.resolve(e).ok())
            .and_then(|o| o.as_dict().cloned())
            .unwrap_or_default();
        let font = Rc::new(Font::load(self.doc, &dict));
        if let Some(r) = entry.as_ref().and_then(Object::as_ref) {
            self.fonts.insert(r, font.clone());
        }
        if self.fonts_by_name.len() < 100_000 {
            self.fonts_by_name.insert(key, font.clone());
        }
        font
    }

    /// Shows a string: one glyph per character code, advancing the text matrix.
    fn show(&mut self, s: &[u8], gs: &GState, tm: &mut Matrix) -> Result<(), Error> {
        let Some(font) = gs.font.clone() else {
            return Ok(());
        };
        self.spend(s.len() as u64)?;
        for (code, len) in font.codes(s) {
            let w0 = font.width(code);
            let m = mul(tm, &gs.ctm);
            let spacing = if len == 1 && code == 32 {
                gs.char_spacing + gs.word_spacing
            } else {
                gs.char_spacing
            };
            let advance = w0 * gs.size * gs.scale;
            let start = apply(&m, 0.0, gs.rise);
            let end = apply(&m, advance, gs.rise);
            let next = apply(&m, advance + spacing * gs.scale, gs.rise);
            let up = (m[2] * gs.size, m[3] * gs.size);
            let size = up.0.hypot(up.1);
            let glyph_ok = [start.0, start.1, end.0, end.1, size]
                .iter()
                .all(|v| v.is_finite());
            if glyph_ok && size > 1e-6 {
                // The direction of the baseline (of the up vector turned clockwise for a glyph
                // without advance), to the nearest quarter turn.
                let run = if (end.0 - start.0).hypot(end.1 - start.1) > 1e-9 {
                    (end.0 - start.0, end.1 - start.1)
                } else {
                    (up.1, -up.0)
                };
                let quarter = (run.1.atan2(run.0) / std::f64::consts::FRAC_PI_2).round();
                let dir = (quarter as i64).rem_euclid(4) as u8;
                let (start, end, next, up) = (
                    to_frame(dir, start),
                    to_frame(dir, end),
                    to_frame(dir, next),
                    to_frame(dir, up),
                );
                let (a, b) = (start.1 + font.descent * up.1, start.1 + font.ascent * up.1);
                self.glyphs.push(Glyph {
                    dir,
                    x0: start.0.min(end.0),
                    x1: start.0.max(end.0),
                    y: start.1,
                    bottom: a.min(b),
                    top: a.max(b),
                    size,
                    spacing: next.0 - end.0,
                    text: font.unicode(code),
                });
            }
            let tx = (w0 * gs.size + spacing) * gs.scale;
            *tm = mul(&translate(tx, 0.0), tm);
        }
        Ok(())
    }
}

fn set(operands: &[Object], slot: &mut f64) {
    if let Some([v]) = numbers::<1>(operands) {
        *slot = v;
    }
}

// ---------------------------------------------------------------------------------------------
// Fonts

#[derive(Debug)]
enum Widths {
    /// Simple fonts: one width per code, in glyph units of 1/1000 em.
    Simple(Box<[f64; 256]>),
    /// CID fonts: ranges `first → (last, width)`, and the default width.
    Cid(BTreeMap<u32, (u32, f64)>, f64),
}

/// How a shown string splits into character codes.
#[derive(Debug)]
enum Codes {
    /// Simple fonts.
    OneByte,
    /// Type0 fonts with Identity-H/V (and, as a guess, other predefined CMaps).
    TwoByte,
    /// A Type0 font's embedded CMap: its code space ranges (low, high), and its code → CID
    /// ranges `first code → (last code, first CID)`.
    CMap(Vec<(Vec<u8>, Vec<u8>)>, BTreeMap<u32, (u32, u32)>),
}

#[derive(Debug)]
struct Font {
    codes: Codes,
    to_unicode: HashMap<u32, String>,
    /// A simple font's encoding: the text of each code.
    encoding: Vec<String>,
    widths: Widths,
    /// Glyph units to text space (0.001, or a Type3 font's matrix).
    scale: f64,
    /// Ascent and descent as fractions of the font size.
    ascent: f64,
    descent: f64,
}

impl Font {
    fn load(doc: &Document<'_>, dict: &Dict) -> Font {
        let resolve = |key: &[u8], d: &Dict| -> Option<Object> {
            d.get(key).and_then(|o| doc.resolve(o).ok())
        };
        let subtype = dict.name(b"Subtype").unwrap_or(b"Type1");
        let base_font = dict.name(b"BaseFont").unwrap_or(b"").to_vec();
        let to_unicode = match resolve(b"ToUnicode", dict) {
            Some(Object::Stream(s)) => filter::decode(&s)
                .map(|data| parse_cmap(&data))
                .unwrap_or_default(),
            _ => HashMap::new(),
        };
        let mut ascent = 0.75;
        let mut descent = -0.22;
        let mut metrics = |descriptor: Option<Object>| {
            if let Some(d) = descriptor.as_ref().and_then(Object::as_dict) {
                let get = |k: &[u8]| d.get(k).and_then(number);
                if let Some(a) = get(b"Ascent").filter(|a| (300.0..=1500.0).contains(a)) {
                    ascent = a / 1000.0;
                }
                if let Some(dsc) = get(b"Descent").filter(|v| (-1000.0..0.0).contains(v)) {
                    descent = dsc / 1000.0;
                }
            }
        };
        if subtype == b"Type0" {
            let descendant = resolve(b"DescendantFonts", dict)
                .and_then(|a| a.as_array().and_then(|a| a.first().cloned()))
                .and_then(|o| doc.resolve(&o).ok())
                .and_then(|o| o.as_dict().cloned())
                .unwrap_or_default();
            metrics(resolve(b"FontDescriptor", &descendant));
            let dw = descendant.get(b"DW").and_then(number).unwrap_or(1000.0);
            let w = resolve(b"W", &descendant).unwrap_or(Object::Null);
            let codes = match resolve(b"Encoding", dict) {
                Some(Object::Stream(s)) => filter::decode(&s)
                    .ok()
                    .map(|data| parse_encoding_cmap(&data))
                    .filter(|c| matches!(c, Codes::CMap(space, _) if !space.is_empty()))
                    .unwrap_or(Codes::TwoByte),
                _ => Codes::TwoByte,
            };
            return Font {
                codes,
                to_unicode,
                encoding: Vec::new(),
                widths: Widths::Cid(cid_widths(doc, w.as_array().unwrap_or(&[])), dw),
                scale: 0.001,
                ascent,
                descent,
            };
        }
        metrics(resolve(b"FontDescriptor", dict));
        let encoding = simple_encoding(doc, dict, subtype, &base_font);
        let missing = resolve(b"FontDescriptor", dict)
            .and_then(|d| {
                d.as_dict()
                    .and_then(|d| d.get(b"MissingWidth").and_then(number))
            })
            .filter(|w| *w > 0.0);
        let mut widths = Box::new([0.0f64; 256]);
        let standard = standard_widths(&base_font);
        for (code, w) in widths.iter_mut().enumerate() {
            *w = standard
                .and_then(|table| {
                    let c = encoding.get(code)?.nfd().next()?;
                    let i = usize::try_from(u32::from(c)).ok()?.checked_sub(32)?;
                    table.get(i).map(|w| f64::from(*w))
                })
                .or(missing)
                .unwrap_or(500.0);
        }
        let first = dict.int(b"FirstChar").unwrap_or(0);
        if let Some(Object::Array(list)) = resolve(b"Widths", dict) {
            for (i, w) in list.iter().enumerate() {
                let code = first.saturating_add(i as i64);
                let w = doc.resolve(w).ok().as_ref().and_then(number);
                if let (Ok(code), Some(w)) = (usize::try_from(code), w)
                    && let Some(slot) = widths.get_mut(code)
                {
                    *slot = w;
                }
            }
        }
        let mut scale = 0.001;
        // Type3 widths are in glyph space, scaled by the font's matrix.
        if subtype == b"Type3"
            && let Some(m) = matrix_of(resolve(b"FontMatrix", dict).as_ref())
        {
            scale = m[0];
        }
        Font {
            codes: Codes::OneByte,
            to_unicode,
            encoding,
            widths: Widths::Simple(widths),
            scale,
            ascent,
            descent,
        }
    }

    /// The character codes of a string, with their lengths in bytes.
    fn codes(&self, s: &[u8]) -> Vec<(u32, usize)> {
        let value = |c: &[u8]| c.iter().fold(0u32, |a, b| a << 8 | u32::from(*b));
        match &self.codes {
            Codes::OneByte => s.iter().map(|b| (u32::from(*b), 1)).collect(),
            Codes::TwoByte => s.chunks_exact(2).map(|c| (value(c), 2)).collect(),
            Codes::CMap(space, _) => {
                let shortest = space.iter().map(|(lo, _)| lo.len()).min().unwrap_or(1);
                let mut out = Vec::new();
                let mut rest = s;
                while !rest.is_empty() {
                    // The code space range the next bytes fall in; else the shortest code.
                    let len = space
                        .iter()
                        .find(|(lo, hi)| {
                            rest.get(..lo.len()).is_some_and(|c| {
                                c.iter()
                                    .zip(lo.iter().zip(hi))
                                    .all(|(b, (l, h))| (l..=h).contains(&b))
                            })
                        })
                        .map_or(shortest, |(lo, _)| lo.len())
                        .clamp(1, rest.len());
                    let (code, tail) = rest.split_at(len);
                    out.push((value(code), len));
                    rest = tail;
                }
                out
            }
        }
    }

    /// The CID of a composite font's code.
    fn cid(&self, code: u32) -> u32 {
        match &self.codes {
            Codes::CMap(_, ranges) => ranges
                .range(..=code)
                .next_back()
                .filter(|(_, (last, _))| code <= *last)
                .map_or(code, |(first, (_, cid))| cid.saturating_add(code - first)),
            _ => code,
        }
    }

    /// The advance of `code` in text space (per unit of font size).
    fn width(&self, code: u32) -> f64 {
        let w = match &self.widths {
            Widths::Simple(table) => usize::try_from(code)
                .ok()
                .and_then(|i| table.get(i))
                .copied()
                .unwrap_or(0.0),
            Widths::Cid(ranges, dw) => ranges
                .range(..=self.cid(code))
                .next_back()
                .filter(|(_, (last, _))| self.cid(code) <= *last)
                .map_or(*dw, |(_, (_, w))| *w),
        };
        w * self.scale
    }

    fn unicode(&self, code: u32) -> String {
        if let Some(s) = self.to_unicode.get(&code) {
            return s.clone();
        }
        if !matches!(self.codes, Codes::OneByte) {
            return "\u{fffd}".into();
        }
        usize::try_from(code)
            .ok()
            .and_then(|i| self.encoding.get(i))
            .cloned()
            .unwrap_or_default()
    }
}

/// A CID font's /W array: `c [w1 w2 …]` and `c_first c_last w`.
fn cid_widths(doc: &Document<'_>, w: &[Object]) -> BTreeMap<u32, (u32, f64)> {
    let mut out = BTreeMap::new();
    let mut i = 0;
    let code = |o: Option<&Object>| {
        o.and_then(Object::as_int)
            .and_then(|v| u32::try_from(v).ok())
    };
    while i < w.len() && out.len() < MAX_CMAP_ENTRIES {
        let Some(first) = code(w.get(i)) else { break };
        match w.get(i + 1).map(|o| doc.resolve(o)) {
            Some(Ok(Object::Array(list))) => {
                for (k, v) in list.iter().enumerate() {
                    if let (Some(c), Some(v)) = (first.checked_add(k as u32), number(v)) {
                        out.insert(c, (c, v));
                    }
                }
                i += 2;
            }
            Some(Ok(other)) => {
                let (Some(last), Some(v)) = (code(Some(&other)), w.get(i + 2).and_then(number))
                else {
                    break;
                };
                out.insert(first, (last, v));
                i += 3;
            }
            _ => break,
        }
    }
    out
}

/// The text of each code of a simple font: its base encoding with /Differences applied.
fn simple_encoding(
    doc: &Document<'_>,
    dict: &Dict,
    subtype: &[u8],
    base_font: &[u8],
) -> Vec<String> {
    let default = if subtype == b"TrueType" {
        Encoding::WinAnsi
    } else {
        Encoding::Standard
    };
    let by_name = |n: &[u8]| match n {
        b"WinAnsiEncoding" => Some(Encoding::WinAnsi),
        b"MacRomanEncoding" => Some(Encoding::MacRoman),
        b"StandardEncoding" => Some(Encoding::Standard),
        _ => None,
    };
    let enc = dict.get(b"Encoding").and_then(|o| doc.resolve(o).ok());
    let (base, differences) = match &enc {
        Some(Object::Name(n)) => (by_name(n).unwrap_or(default), None),
        Some(o) => match o.as_dict() {
            Some(d) => (
                d.name(b"BaseEncoding").and_then(by_name).unwrap_or(default),
                d.get(b"Differences")
                    .and_then(|o| doc.resolve(o).ok())
                    .and_then(|o| o.as_array().map(<[Object]>::to_vec)),
            ),
            None => (default, None),
        },
        None => (default, None),
    };
    // Symbol fonts have their own encodings: keep codes as Latin-1 rather than guess.
    let symbolic = base_font.ends_with(b"Symbol") || base_font.ends_with(b"Dingbats");
    let mut table: Vec<String> = (0u8..=255)
        .map(|b| {
            if symbolic {
                String::new()
            } else {
                base.char(b).map(String::from).unwrap_or_default()
            }
        })
        .collect();
    let mut code: Option<usize> = None;
    for item in differences.iter().flatten() {
        match item {
            Object::Int(c) => code = usize::try_from(*c).ok(),
            Object::Name(name) => {
                if let Some(c) = code {
                    if let Some(slot) = table.get_mut(c) {
                        *slot = glyph_unicode(name).unwrap_or_default();
                    }
                    code = Some(c + 1);
                }
            }
            _ => {}
        }
    }
    table
}

// ---------------------------------------------------------------------------------------------
// ToUnicode CMaps

/// `code → text` from a ToUnicode CMap's bfchar and bfrange sections.
fn parse_cmap(data: &[u8]) -> HashMap<u32, String> {
    let mut out = HashMap::new();
    let mut lexer = Lexer::new(data);
    let mut operands = Vec::new();
    let code_of = |o: &Object| match o {
        Object::String(s) if !s.is_empty() && s.len() <= 4 => {
            Some(s.iter().fold(0u32, |a, b| a << 8 | u32::from(*b)))
        }
        _ => None,
    };
    while let Some(op) = lexer.next_op(&mut operands) {
        match op {
            b"endbfchar" => {
                for pair in operands.chunks_exact(2) {
                    if let ([src, Object::String(dst)], true) = (pair, out.len() < MAX_CMAP_ENTRIES)
                        && let Some(c) = code_of(src)
                    {
                        out.insert(c, utf16(dst));
                    }
                }
            }
            b"endbfrange" => {
                for triple in operands.chunks_exact(3) {
                    let [lo, hi, dst] = triple else { continue };
                    let (Some(lo), Some(hi)) = (code_of(lo), code_of(hi)) else {
                        continue;
                    };
                    if hi < lo
                        || (hi - lo) as usize > MAX_CMAP_ENTRIES - out.len().min(MAX_CMAP_ENTRIES)
                    {
                        continue;
                    }
                    match dst {
                        Object::String(start) => {
                            for (k, c) in (lo..=hi).enumerate() {
                                out.insert(c, utf16(&increment(start, k as u32)));
                            }
                        }
                        Object::Array(list) => {
                            for (c, item) in (lo..=hi).zip(list) {
                                if let Object::String(s) = item {
                                    out.insert(c, utf16(s));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A Type0 font's embedded encoding CMap: its code space and CID ranges.
fn parse_encoding_cmap(data: &[u8]) -> Codes {
    let mut space = Vec::new();
    let mut cids = BTreeMap::new();
    let mut lexer = Lexer::new(data);
    let mut operands = Vec::new();
    let code_of = |o: &Object| match o {
        Object::String(s) if !s.is_empty() && s.len() <= 4 => {
            Some(s.iter().fold(0u32, |a, b| a << 8 | u32::from(*b)))
        }
        _ => None,
    };
    let cid_of = |o: &Object| o.as_int().and_then(|v| u32::try_from(v).ok());
    while let Some(op) = lexer.next_op(&mut operands) {
        match op {
            b"endcodespacerange" => {
                for pair in operands.chunks_exact(2) {
                    if let [Object::String(lo), Object::String(hi)] = pair
                        && lo.len() == hi.len()
                        && (1..=4).contains(&lo.len())
                        && space.len() < 256
                    {
                        space.push((lo.clone(), hi.clone()));
                    }
                }
            }
            b"endcidrange" => {
                for triple in operands.chunks_exact(3) {
                    if let [lo, hi, cid] = triple
                        && let (Some(lo), Some(hi), Some(cid)) =
                            (code_of(lo), code_of(hi), cid_of(cid))
                        && lo <= hi
                        && cids.len() < MAX_CMAP_ENTRIES
                    {
                        cids.insert(lo, (hi, cid));
                    }
                }
            }
            b"endcidchar" => {
                for pair in operands.chunks_exact(2) {
                    if let [code, cid] = pair
                        && let (Some(code), Some(cid)) = (code_of(code), cid_of(cid))
                        && cids.len() < MAX_CMAP_ENTRIES
                    {
                        cids.insert(code, (code, cid));
                    }
                }
            }
            _ => {}
        }
    }
    Codes::CMap(space, cids)
}

/// `start` with `k` added to its last UTF-16 unit (bfrange destinations).
fn increment(start: &[u8], k: u32) -> Vec<u8> {
    let mut out = start.to_vec();
    let n = out.len();
    if n >= 2 {
        let unit = u32::from(u16::from_be_bytes([
            out.get(n - 2).copied().unwrap_or(0),
            out.get(n - 1).copied().unwrap_or(0),
        ]));
        let v = unit.wrapping_add(k) as u16;
        if let Some(tail) = out.get_mut(n - 2..) {
            tail.copy_from_slice(&v.to_be_bytes());
        }
    } else if let Some(last) = out.last_mut() {
        *last = last.wrapping_add(k as u8);
    }
    out
}

/// A CMap destination: UTF-16BE (surrogate pairs and several characters allowed); a single
/// byte is taken as Latin-1.
fn utf16(bytes: &[u8]) -> String {
    if let [b] = bytes {
        return char::from(*b).to_string();
    }
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| match c {
            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
            [hi] => u16::from(*hi),
            _ => 0xfffd,
        })
        .collect();
    String::from_utf16_lossy(&units)
        .chars()
        .filter(|c| *c != '\0')
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Encodings and glyph names

#[derive(Debug, Clone, Copy)]
enum Encoding {
    WinAnsi,
    MacRoman,
    Standard,
}

/// WinAnsiEncoding 0x80..=0x9F (ISO 32000-1 D.2; undefined codes read as bullets).
const WIN_ANSI_80: [char; 32] = [
    '€', '•', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '•', 'Ž', '•', '•', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '•', 'ž', 'Ÿ',
];

/// MacRomanEncoding 0x80..=0xFF.
const MAC_ROMAN_80: [char; 128] = [
    'Ä', 'Å', 'Ç', 'É', 'Ñ', 'Ö', 'Ü', 'á', 'à', 'â', 'ä', 'ã', 'å', 'ç', 'é', 'è', 'ê', 'ë', 'í',
    'ì', 'î', 'ï', 'ñ', 'ó', 'ò', 'ô', 'ö', 'õ', 'ú', 'ù', 'û', 'ü', '†', '°', '¢', '£', '§', '•',
    '¶', 'ß', '®', '©', '™', '´', '¨', '≠', 'Æ', 'Ø', '∞', '±', '≤', '≥', '¥', 'µ', '∂', '∑', '∏',
    'π', '∫', 'ª', 'º', 'Ω', 'æ', 'ø', '¿', '¡', '¬', '√', 'ƒ', '≈', '∆', '«', '»', '…', '\u{a0}',
    'À', 'Ã', 'Õ', 'Œ', 'œ', '–', '—', '“', '”', '‘', '’', '÷', '◊', 'ÿ', 'Ÿ', '⁄', '¤', '‹', '›',
    'ﬁ', 'ﬂ', '‡', '·', '‚', '„', '‰', 'Â', 'Ê', 'Á', 'Ë', 'È', 'Í', 'Î', 'Ï', 'Ì', 'Ó', 'Ô',
    '\u{fffd}', 'Ò', 'Ú', 'Û', 'Ù', 'ı', 'ˆ', '˜', '¯', '˘', '˙', '˚', '¸', '˝', '˛', 'ˇ',
];

/// StandardEncoding above 0x7F.
const STANDARD_HIGH: &[(u8, char)] = &[
    (0xa1, '¡'),
    (0xa2, '¢'),
    (0xa3, '£'),
    (0xa4, '⁄'),
    (0xa5, '¥'),
    (0xa6, 'ƒ'),
    (0xa7, '§'),
    (0xa8, '¤'),
    (0xa9, '\''),
    (0xaa, '“'),
    (0xab, '«'),
    (0xac, '‹'),
    (0xad, '›'),
    (0xae, 'ﬁ'),
    (0xaf, 'ﬂ'),
    (0xb1, '–'),
    (0xb2, '†'),
    (0xb3, '‡'),
    (0xb4, '·'),
    (0xb6, '¶'),
    (0xb7, '•'),
    (0xb8, '‚'),
    (0xb9, '„'),
    (0xba, '”'),
    (0xbb, '»'),
    (0xbc, '…'),
    (0xbd, '‰'),
    (0xbf, '¿'),
    (0xc1, '`'),
    (0xc2, '´'),
    (0xc3, 'ˆ'),
    (0xc4, '˜'),
    (0xc5, '¯'),
    (0xc6, '˘'),
    (0xc7, '˙'),
    (0xc8, '¨'),
    (0xca, '˚'),
    (0xcb, '¸'),
    (0xcd, '˝'),
    (0xce, '˛'),
    (0xcf, 'ˇ'),
    (0xd0, '—'),
    (0xe1, 'Æ'),
    (0xe3, 'ª'),
    (0xe8, 'Ł'),
    (0xe9, 'Ø'),
    (0xea, 'Œ'),
    (0xeb, 'º'),
    (0xf1, 'æ'),
    (0xf5, 'ı'),
    (0xf8, 'ł'),
    (0xf9, 'ø'),
    (0xfa, 'œ'),
    (0xfb, 'ß'),
];

impl Encoding {
    fn char(self, b: u8) -> Option<char> {
        match self {
            Encoding::WinAnsi => match b {
                0x20..=0x7e | 0xa0..=0xff => Some(char::from(b)),
                0x80..=0x9f => WIN_ANSI_80.get(usize::from(b - 0x80)).copied(),
                _ => None,
            },
            Encoding::MacRoman => match b {
                0x20..=0x7e => Some(char::from(b)),
                0x80..=0xff => MAC_ROMAN_80.get(usize::from(b - 0x80)).copied(),
                _ => None,
            },
            Encoding::Standard => match b {
                0x27 => Some('’'),
                0x60 => Some('‘'),
                0x20..=0x7e => Some(char::from(b)),
                _ => STANDARD_HIGH
                    .iter()
                    .find(|(code, _)| *code == b)
                    .map(|(_, c)| *c),
            },
        }
    }
}

/// Glyph names with no letter-plus-accents spelling (Adobe Glyph List).
const GLYPH_NAMES: &[(&str, &str)] = &[
    ("space", " "),
    ("nbspace", "\u{a0}"),
    ("nonbreakingspace", "\u{a0}"),
    ("exclam", "!"),
    ("quotedbl", "\""),
    ("numbersign", "#"),
    ("dollar", "$"),
    ("percent", "%"),
    ("ampersand", "&"),
    ("quotesingle", "'"),
    ("parenleft", "("),
    ("parenright", ")"),
    ("asterisk", "*"),
    ("plus", "+"),
    ("comma", ","),
    ("hyphen", "-"),
    ("sfthyphen", "\u{ad}"),
    ("period", "."),
    ("slash", "/"),
    ("zero", "0"),
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("colon", ":"),
    ("semicolon", ";"),
    ("less", "<"),
    ("equal", "="),
    ("greater", ">"),
    ("question", "?"),
    ("at", "@"),
    ("bracketleft", "["),
    ("backslash", "\\"),
    ("bracketright", "]"),
    ("asciicircum", "^"),
    ("underscore", "_"),
    ("grave", "`"),
    ("braceleft", "{"),
    ("bar", "|"),
    ("braceright", "}"),
    ("asciitilde", "~"),
    ("quoteleft", "‘"),
    ("quoteright", "’"),
    ("quotedblleft", "“"),
    ("quotedblright", "”"),
    ("quotesinglbase", "‚"),
    ("quotedblbase", "„"),
    ("guilsinglleft", "‹"),
    ("guilsinglright", "›"),
    ("guillemotleft", "«"),
    ("guillemotright", "»"),
    ("endash", "–"),
    ("emdash", "—"),
    ("bullet", "•"),
    ("ellipsis", "…"),
    ("dagger", "†"),
    ("daggerdbl", "‡"),
    ("perthousand", "‰"),
    ("trademark", "™"),
    ("Euro", "€"),
    ("exclamdown", "¡"),
    ("cent", "¢"),
    ("sterling", "£"),
    ("currency", "¤"),
    ("yen", "¥"),
    ("brokenbar", "¦"),
    ("section", "§"),
    ("dieresis", "¨"),
    ("copyright", "©"),
    ("ordfeminine", "ª"),
    ("logicalnot", "¬"),
    ("registered", "®"),
    ("macron", "¯"),
    ("degree", "°"),
    ("plusminus", "±"),
    ("twosuperior", "²"),
    ("threesuperior", "³"),
    ("acute", "´"),
    ("mu", "µ"),
    ("paragraph", "¶"),
    ("periodcentered", "·"),
    ("cedilla", "¸"),
    ("onesuperior", "¹"),
    ("ordmasculine", "º"),
    ("onequarter", "¼"),
    ("onehalf", "½"),
    ("threequarters", "¾"),
    ("questiondown", "¿"),
    ("multiply", "×"),
    ("divide", "÷"),
    ("florin", "ƒ"),
    ("circumflex", "ˆ"),
    ("tilde", "˜"),
    ("ring", "˚"),
    ("caron", "ˇ"),
    ("breve", "˘"),
    ("dotaccent", "˙"),
    ("hungarumlaut", "˝"),
    ("ogonek", "˛"),
    ("minus", "−"),
    ("fraction", "⁄"),
    ("fi", "ﬁ"),
    ("fl", "ﬂ"),
    ("ff", "ff"),
    ("ffi", "ffi"),
    ("ffl", "ffl"),
    ("AE", "Æ"),
    ("ae", "æ"),
    ("OE", "Œ"),
    ("oe", "œ"),
    ("Oslash", "Ø"),
    ("oslash", "ø"),
    ("Lslash", "Ł"),
    ("lslash", "ł"),
    ("Eth", "Ð"),
    ("eth", "ð"),
    ("Thorn", "Þ"),
    ("thorn", "þ"),
    ("germandbls", "ß"),
    ("dotlessi", "ı"),
    ("Dcroat", "Đ"),
    ("Dslash", "Đ"),
    ("dcroat", "đ"),
    ("dmacron", "đ"),
    ("Ohorn", "Ơ"),
    ("ohorn", "ơ"),
    ("Uhorn", "Ư"),
    ("uhorn", "ư"),
    ("gravecomb", "\u{300}"),
    ("acutecomb", "\u{301}"),
    ("tildecomb", "\u{303}"),
    ("hookabovecomb", "\u{309}"),
    ("dotbelowcomb", "\u{323}"),
];

/// Accent words in glyph names (`ecircumflexacute`), as combining marks.
const ACCENTS: &[(&str, char)] = &[
    ("acute", '\u{301}'),
    ("grave", '\u{300}'),
    ("tilde", '\u{303}'),
    ("hookabove", '\u{309}'),
    ("dotbelow", '\u{323}'),
    ("circumflex", '\u{302}'),
    ("breve", '\u{306}'),
    ("horn", '\u{31b}'),
    ("dieresis", '\u{308}'),
    ("cedilla", '\u{327}'),
    ("caron", '\u{30c}'),
    ("macron", '\u{304}'),
    ("ring", '\u{30a}'),
    ("ogonek", '\u{328}'),
    ("dotaccent", '\u{307}'),
    ("hungarumlaut", '\u{30b}'),
    ("commaaccent", '\u{326}'),
];

/// The text of a glyph name: the AGL names real documents use, `uniXXXX…`, `uXXXX[XX]`,
/// letters with accent words (`Acircumflexacute`, `ohornhookabove`), ligatures (`f_i`) and
/// suffixed variants (`a.sc`).
fn glyph_unicode(name: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(name).ok()?;
    let name = name.split('.').next().filter(|n| !n.is_empty())?;
    if name.contains('_') {
        return name
            .split('_')
            .map(|part| glyph_unicode(part.as_bytes()))
            .collect();
    }
    if let Some(&(_, text)) = GLYPH_NAMES.iter().find(|(n, _)| *n == name) {
        return Some(text.to_owned());
    }
    if let Some(hex) = name.strip_prefix("uni")
        && !hex.is_empty()
        && hex.len() % 4 == 0
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return hex
            .as_bytes()
            .chunks(4)
            .map(|c| {
                let s = std::str::from_utf8(c).ok()?;
                char::from_u32(u32::from_str_radix(s, 16).ok()?)
            })
            .collect();
    }
    if let Some(hex) = name.strip_prefix('u')
        && (4..=6).contains(&hex.len())
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return char::from_u32(u32::from_str_radix(hex, 16).ok()?).map(String::from);
    }
    let mut chars = name.chars();
    let base = chars.next().filter(char::is_ascii_alphabetic)?;
    let mut rest = chars.as_str();
    let mut out = String::from(base);
    while !rest.is_empty() {
        let (word, mark) = ACCENTS.iter().find(|(w, _)| rest.starts_with(w))?;
        out.push(*mark);
        rest = rest.get(word.len()..)?;
    }
    Some(out.nfc().collect())
}

/// Advance widths (1/1000 em) of ASCII 32..=126 in the standard Helvetica, Helvetica-Bold,
/// Times-Roman and Times-Bold fonts (their AFM files); Courier is 600 throughout.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];
const TIMES: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 778, 333, 333, 333, 500, 564, 250, 333, 250, 278, 500, 500, 500,
    500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, 921, 722, 667, 667, 722, 611,
    556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722,
    722, 611, 333, 278, 333, 469, 500, 333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500,
    278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
];
const TIMES_BOLD: [u16; 95] = [
    250, 333, 555, 500, 500, 1000, 833, 333, 333, 333, 500, 570, 250, 333, 250, 278, 500, 500, 500,
    500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500, 930, 722, 667, 722, 722, 667,
    611, 778, 778, 389, 500, 778, 667, 944, 722, 778, 611, 778, 722, 556, 667, 722, 722, 1000, 722,
    722, 667, 333, 278, 333, 581, 500, 333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556,
    278, 833, 556, 500, 556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 394, 220, 394, 520,
];
const COURIER: [u16; 95] = [600; 95];

/// The width table of a standard font (by its /BaseFont, a subset prefix allowed).
fn standard_widths(base_font: &[u8]) -> Option<&'static [u16; 95]> {
    let name = base_font
        .iter()
        .position(|b| *b == b'+')
        .and_then(|i| base_font.get(i + 1..))
        .unwrap_or(base_font);
    let has = |s: &[u8]| name.windows(s.len()).any(|w| w == s);
    let bold = has(b"Bold");
    if has(b"Courier") {
        Some(&COURIER)
    } else if has(b"Helvetica") || has(b"Arial") {
        Some(if bold { &HELVETICA_BOLD } else { &HELVETICA })
    } else if has(b"Times") {
        Some(if bold { &TIMES_BOLD } else { &TIMES })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> Option<String> {
        glyph_unicode(n.as_bytes())
    }

    #[test]
    fn glyph_names() {
        assert_eq!(name("A").as_deref(), Some("A"));
        assert_eq!(name("space").as_deref(), Some(" "));
        assert_eq!(name("uni1EC5").as_deref(), Some("ễ"));
        assert_eq!(name("uni00660069").as_deref(), Some("fi"));
        assert_eq!(name("u1D400").as_deref(), Some("\u{1d400}"));
        assert_eq!(name("Aacute").as_deref(), Some("Á"));
        assert_eq!(name("ecircumflexacute").as_deref(), Some("ế"));
        assert_eq!(name("Acircumflexdotbelow").as_deref(), Some("Ậ"));
        assert_eq!(name("ohornhookabove").as_deref(), Some("ở"));
        assert_eq!(name("Uhorntilde").as_deref(), Some("Ữ"));
        assert_eq!(name("abrevegrave").as_deref(), Some("ằ"));
        assert_eq!(name("ydotbelow").as_deref(), Some("ỵ"));
        assert_eq!(name("Ohorn").as_deref(), Some("Ơ"));
        assert_eq!(name("dcroat").as_deref(), Some("đ"));
        assert_eq!(name("Dcroat").as_deref(), Some("Đ"));
        assert_eq!(name("f_f_i").as_deref(), Some("ffi"));
        assert_eq!(name("a.sc").as_deref(), Some("a"));
        assert_eq!(name("quotedblleft").as_deref(), Some("“"));
        assert_eq!(name("hookabovecomb").as_deref(), Some("\u{309}"));
        for unknown in [".notdef", "g123", "cid42", "uniD800", "uni12", "", "Axyz"] {
            assert_eq!(name(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn encodings() {
        use Encoding::*;
        assert_eq!(WinAnsi.char(0x41), Some('A'));
        assert_eq!(WinAnsi.char(0x80), Some('€'));
        assert_eq!(WinAnsi.char(0x93), Some('“'));
        assert_eq!(WinAnsi.char(0xe2), Some('â'));
        assert_eq!(WinAnsi.char(0x05), None);
        assert_eq!(MacRoman.char(0x80), Some('Ä'));
        assert_eq!(MacRoman.char(0xd2), Some('“'));
        assert_eq!(MacRoman.char(0xff), Some('ˇ'));
        assert_eq!(Standard.char(0x27), Some('’'));
        assert_eq!(Standard.char(0xe8), Some('Ł'));
        assert_eq!(Standard.char(0xa0), None);
        assert_eq!(WIN_ANSI_80.len(), 32);
        assert_eq!(MAC_ROMAN_80.len(), 128);
    }

    #[test]
    fn cmaps() {
        let cmap = b"begincmap 2 beginbfchar <01> <0041> <0002> <D835DC00> endbfchar \
            2 beginbfrange <0010> <0012> <00660069> <0020> <0021> [<0062> <00630063>] \
            endbfrange 1 beginbfrange <0030> <FFFF> <0041> endbfrange \
            1 beginbfchar <05> <41> endbfchar endcmap";
        let map = parse_cmap(cmap);
        assert_eq!(map.get(&1).map(String::as_str), Some("A"));
        assert_eq!(map.get(&2).map(String::as_str), Some("\u{1d400}"));
        // A string destination: its last unit counts up.
        assert_eq!(map.get(&0x10).map(String::as_str), Some("fi"));
        assert_eq!(map.get(&0x12).map(String::as_str), Some("fk"));
        assert_eq!(map.get(&0x20).map(String::as_str), Some("b"));
        assert_eq!(map.get(&0x21).map(String::as_str), Some("cc"));
        assert_eq!(map.get(&0x31).map(String::as_str), Some("B"));
        assert_eq!(map.get(&5).map(String::as_str), Some("A"));
        // Hostile: a reversed range, a range over the entry limit, garbage.
        let map =
            parse_cmap(b"beginbfrange <05> <01> <0041> <00000000> <FFFFFFFF> <0041> endbfrange");
        assert!(map.is_empty());
        assert!(parse_cmap(b"beginbfchar <01> endbfchar ((( <<").is_empty());
    }

    #[test]
    fn marks_are_put_in_canonical_order() {
        let mut chars = vec![('e', 0), ('\u{302}', 1), ('\u{323}', 2), ('n', 3)];
        reorder_marks(&mut chars);
        assert_eq!(chars, [('e', 0), ('\u{323}', 2), ('\u{302}', 1), ('n', 3)]);
    }

    #[test]
    fn standard_font_widths() {
        assert_eq!(standard_widths(b"Helvetica").map(|t| t[33]), Some(667));
        assert_eq!(
            standard_widths(b"ABCDEF+Arial-BoldMT").map(|t| t[33]),
            Some(722)
        );
        assert_eq!(standard_widths(b"Times-Bold").map(|t| t[0]), Some(250));
        assert_eq!(
            standard_widths(b"TimesNewRomanPSMT").map(|t| t[65]),
            Some(444)
        );
        assert_eq!(
            standard_widths(b"Courier-Oblique").map(|t| t[10]),
            Some(600)
        );
        assert_eq!(standard_widths(b"Calibri"), None);
    }

    #[test]
    fn matrices() {
        let m = mul(&[2.0, 0.0, 0.0, 2.0, 10.0, 20.0], &translate(5.0, 5.0));
        assert_eq!(apply(&m, 1.0, 1.0), (17.0, 27.0));
        let rotate = [0.0, 1.0, -1.0, 0.0, 0.0, 0.0];
        assert_eq!(
            apply(&mul(&translate(1.0, 0.0), &rotate), 0.0, 0.0),
            (0.0, 1.0)
        );
        assert_eq!(
            numbers::<2>(&[Object::Int(1), Object::Real(0.5)]),
            Some([1.0, 0.5])
        );
        assert_eq!(numbers::<2>(&[Object::Int(1)]), None);
        assert_eq!(numbers::<1>(&[Object::Real(f64::INFINITY)]), None);
    }

    /// A one-page PDF showing `content` with Helvetica as /F1.
    fn one_page(content: &str) -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
            "<< /Type /Page /Parent 2 0 R /Contents 4 0 R \
             /Resources << /Font << /F1 5 0 R >> >> >>"
                .to_owned(),
            format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len()
            ),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        ];
        let mut out = String::from("%PDF-1.7\n");
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
        }
        let xref = out.len();
        out.push_str("xref\n0 6\n0000000000 65535 f \n");
        for off in offsets {
            out.push_str(&format!("{off:010} 00000 n \n"));
        }
        out.push_str(&format!(
            "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        ));
        out.into_bytes()
    }

    #[test]
    fn pages_are_charged_to_the_document_budget() {
        let content = "BT /F1 10 Tf 10 10 Td (abcd) Tj ET ".repeat(100);
        let pdf = one_page(&content);
        let doc = Document::open(&pdf).unwrap();
        let page = doc.pages().unwrap()[0];
        // 100 × (BT, Tf, Td, Tj, ET and 4 glyphs) = 900.
        let mut budget = 1000;
        assert_eq!(extract_lines(&doc, page, 1, &mut budget).unwrap().len(), 1);
        assert_eq!(budget, 100);
        match extract_lines(&doc, page, 1, &mut budget) {
            Err(Error::Appearance(msg)) => assert!(msg.contains("too large"), "{msg}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(budget, 0);
        let mut budget = MAX_DOCUMENT_OPERATIONS;
        assert!(extract_lines(&doc, page, 1, &mut budget).is_ok());
    }

    fn glyph(x0: f64, y: f64, text: &str) -> Glyph {
        Glyph {
            dir: 0,
            x0,
            x1: x0 + 5.0,
            y,
            bottom: y - 2.2,
            top: y + 7.5,
            size: 10.0,
            spacing: 0.0,
            text: text.into(),
        }
    }

    #[test]
    fn lines_group_by_baseline_and_split_columns() {
        let glyphs = vec![
            glyph(105.0, 500.5, "b"),
            glyph(100.0, 500.0, "a"),
            glyph(113.0, 500.0, "c"),
            glyph(300.0, 500.0, "z"),
            glyph(100.0, 480.0, "x"),
        ];
        let lines = group_lines(glyphs);
        let texts: Vec<String> = lines.iter().map(Line::text).collect();
        assert_eq!(texts, ["ab c", "z", "x"]);
        assert_eq!(lines[0].rect, [100.0, 497.8, 118.0, 508.0]);
        let pattern: Vec<char> = "bc".chars().collect();
        assert_eq!(lines[0].find(&pattern), vec![[105.0, 497.8, 118.0, 508.0]]);
    }
}
