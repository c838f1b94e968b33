//! A lazy PDF reader: cross-reference sections (tables, streams, hybrids), object streams,
//! and per-revision views, parsing only the objects asked for.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::Error;
use crate::crypt::Security;
use crate::filter;
use crate::object::{Dict, ObjRef, Object};
use crate::parse::{self, Parser};

/// Where an object lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefEntry {
    Free,
    InFile { offset: usize, generation: u16 },
    InStream { stream: u32, index: u32 },
}

/// Whether a section is a classic table or a cross-reference stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefStyle {
    Table,
    Stream,
}

/// One cross-reference section with its trailer.
#[derive(Debug, Clone)]
pub struct XrefSection {
    pub offset: usize,
    pub style: XrefStyle,
    /// Entries defined by this section (for hybrids, the table's, then the /XRefStm's).
    pub entries: Vec<(u32, XrefEntry)>,
    pub trailer: Dict,
}

/// The objects of a decoded object stream, in order.
type ObjectStream = Vec<(u32, Object)>;

/// Object-number → location, as of some revision.
pub type XrefMap = HashMap<u32, XrefEntry>;

/// A parsed PDF, borrowing its bytes.
pub struct Document<'a> {
    data: &'a [u8],
    /// Newest first, following /Prev from the last startxref.
    sections: Vec<XrefSection>,
    current: XrefMap,
    startxref: usize,
    objstm_cache: RefCell<HashMap<u32, Rc<ObjectStream>>>,
    /// Parsed objects by file offset (valid for every revision: an offset names one object).
    object_cache: RefCell<HashMap<usize, Rc<parse::IndirectObject>>>,
    /// The standard security handler of an encrypted document, authenticated.
    security: Option<Security>,
    /// Set when the cross-reference data could not be read and was rebuilt by scanning.
    rebuilt: Option<Rebuilt>,
}

/// How a document whose cross-reference data is broken was read: the sections of the
/// revisions before `from` were read as usual (none when `from` is 0); everything from `from`
/// on was rebuilt by scanning for `N G obj` headers and trailers, as one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    /// Where the part that could not be read starts (the end of the last readable revision).
    pub from: usize,
    /// What was wrong with the cross-reference data.
    pub reason: String,
}

/// A rebuilt file with more object headers than this is refused.
const MAX_SCANNED_OBJECTS: usize = 2_000_000;
/// At most this many revision ends are tried, from the last, as the end of a readable prefix.
const MAX_PREFIX_TRIES: usize = 64;
/// At most this many object streams of the rebuilt part are opened.
const MAX_SCANNED_OBJECT_STREAMS: usize = 10_000;

const MAX_SECTIONS: usize = 4096;

impl<'a> Document<'a> {
    /// Opens a PDF: reads the header, the last startxref and every xref section. An
    /// encrypted document is opened with the empty user password ([`Error::Encrypted`] when
    /// that does not work).
    pub fn open(data: &'a [u8]) -> Result<Document<'a>, Error> {
        Document::open_with_password(data, b"")
    }

    /// Opens a PDF, authenticating `password` (user or owner password) if it is encrypted;
    /// strings and streams are then decrypted as objects are read.
    pub fn open_with_password(data: &'a [u8], password: &[u8]) -> Result<Document<'a>, Error> {
        let head = &data[..data.len().min(1024)];
        if parse::find(head, b"%PDF-").is_none() {
            return Err(Error::NotPdf);
        }
        let sx = parse::rfind(data, b"startxref")
            .ok_or_else(|| Error::Xref("no startxref (truncated file?)".into()))?;
        // Objects after the last %%EOF mean an update that was cut off (or appended without an
        // xref section): readers would silently ignore it, so refuse the file.
        if let Some(eof) = parse::rfind(data, b"%%EOF") {
            let tail = &data[eof..];
            if eof > sx
                && (parse::find(tail, b" obj").is_some() || parse::find(tail, b"endobj").is_some())
            {
                return Err(Error::Xref("objects follow the last %%EOF without a cross-reference section (truncated or incomplete update)".into()));
            }
        } else {
            return Err(Error::Xref("no %%EOF marker (truncated file?)".into()));
        }
        let mut p = Parser::new(data, sx + 9);
        let startxref = p.uint().map(|v| v as usize);
        let mut doc = Document {
            data,
            sections: Vec::new(),
            current: XrefMap::new(),
            startxref: startxref.unwrap_or(0),
            objstm_cache: RefCell::new(HashMap::new()),
            object_cache: RefCell::new(HashMap::new()),
            security: None,
            rebuilt: None,
        };
        let chain = match startxref {
            Some(off) => doc.read_chain(off, data.len()),
            None => Err(Error::Xref("startxref without an offset".into())),
        };
        match chain {
            Ok(sections) => doc.sections = sections,
            Err(e) => doc.rebuild(&e)?,
        }
        doc.current = doc.map_filtered(|_| true);
        // A null value (or a reference to a null object) is an absent entry (ISO 32000-1
        // 7.3.9): `/Encrypt null` means not encrypted.
        if let Some(entry) = doc.trailer().get(b"Encrypt").cloned()
            && !matches!(entry, Object::Null)
            && !matches!(doc.resolve(&entry), Ok(Object::Null))
        {
            doc.security = Some(doc.open_security(&entry, password)?);
        }
        Ok(doc)
    }

    /// Reads the /Encrypt dictionary (before any decryption) and authenticates.
    fn open_security(&self, entry: &Object, password: &[u8]) -> Result<Security, Error> {
        let dict_ref = entry.as_ref();
        let dict = match self.resolve(entry)? {
            Object::Dict(d) => d,
            _ => {
                return Err(Error::Encrypted(
                    "the /Encrypt entry is not a dictionary".into(),
                ));
            }
        };
        let id0 = self
            .trailer()
            .get(b"ID")
            .and_then(Object::as_array)
            .and_then(|a| a.first())
            .and_then(|o| match o {
                Object::String(s) => Some(s.as_slice()),
                _ => None,
            })
            .unwrap_or_default();
        let security = Security::open(&dict, dict_ref, id0, password)?;
        // Objects read so far (the /Encrypt dictionary) were read without decryption.
        self.object_cache.borrow_mut().clear();
        self.objstm_cache.borrow_mut().clear();
        Ok(security)
    }

    /// Reads the /Prev chain from `start`, every section before `limit`, and checks that each
    /// in-file entry points at the header of the object it names.
    fn read_chain(&self, start: usize, limit: usize) -> Result<Vec<XrefSection>, Error> {
        let mut sections: Vec<XrefSection> = Vec::new();
        let mut seen = HashSet::new();
        let mut next = Some(start);
        while let Some(off) = next {
            if !seen.insert(off) || sections.len() >= MAX_SECTIONS {
                return Err(Error::Xref("/Prev chain loops".into()));
            }
            if off >= limit {
                return Err(Error::Xref(format!(
                    "xref offset {off} is past the end of its revision"
                )));
            }
            let section = self.read_section(off)?;
            next = section
                .trailer
                .int(b"Prev")
                .and_then(|v| usize::try_from(v).ok());
            sections.push(section);
        }
        for s in &sections {
            for (num, e) in &s.entries {
                if let XrefEntry::InFile { offset, .. } = e
                    && header_at(self.data, *offset) != Some(*num)
                {
                    return Err(Error::Xref(format!(
                        "the cross-reference section at offset {} puts object {num} at offset \
                         {offset}, where it is not",
                        s.offset
                    )));
                }
            }
        }
        Ok(sections)
    }

    /// Rebuilds the cross-reference data after `error`: keeps the longest prefix of revisions
    /// whose sections read and check, and scans the rest of the file for objects and trailers.
    fn rebuild(&mut self, error: &Error) -> Result<(), Error> {
        let data = self.data;
        let ends = revision_ends(data);
        let mut from = 0;
        let mut kept = Vec::new();
        for (at, xref) in ends.iter().rev().take(MAX_PREFIX_TRIES) {
            if let Ok(sections) = self.read_chain(*xref, *at) {
                from = *at;
                kept = sections;
                break;
            }
        }
        let region = data.get(from..).unwrap_or_default();
        let mut entries: HashMap<u32, XrefEntry> = HashMap::new();
        let mut order: Vec<u32> = Vec::new();
        // Trailer candidates by position: table trailers and xref-stream dictionaries.
        let mut trailers: Vec<(usize, Dict, XrefStyle)> = Vec::new();
        let mut object_streams = Vec::new();
        let mut count = 0usize;
        let mut i = 0;
        while let Some(rel) = region.get(i..).and_then(find_obj_keyword) {
            let at = i + rel;
            i = at + 3;
            let Some((num, generation, start)) = header_before(region, at) else {
                continue;
            };
            count += 1;
            if count > MAX_SCANNED_OBJECTS {
                return Err(Error::Xref(format!(
                    "cannot rebuild the cross-reference table ({error}): more than \
                     {MAX_SCANNED_OBJECTS} objects"
                )));
            }
            let offset = from + start;
            if entries
                .insert(num, XrefEntry::InFile { offset, generation })
                .is_none()
            {
                order.push(num);
            }
            // The object's dictionary, if it starts with one: xref streams are trailers,
            // object streams hold more objects.
            let mut p = Parser::new(data, from + at + 3);
            p.skip_ws();
            if data.get(p.pos..p.pos + 2) == Some(b"<<")
                && let Ok(Object::Dict(d)) = p.object()
            {
                match d.name(b"Type") {
                    Some(b"XRef") => trailers.push((at, d, XrefStyle::Stream)),
                    Some(b"ObjStm") => object_streams.push(num),
                    _ => {}
                }
            }
        }
        let mut j = 0;
        while let Some(rel) = region.get(j..).and_then(|r| parse::find(r, b"trailer")) {
            let at = j + rel;
            j = at + 7;
            let mut p = Parser::new(data, from + at + 7);
            if let Ok(Object::Dict(d)) = p.object() {
                trailers.push((at, d, XrefStyle::Table));
            }
        }
        // Objects in the object streams found, unless defined directly.
        let mut map: XrefMap = XrefMap::new();
        for s in kept.iter().rev() {
            for (num, e) in &s.entries {
                map.insert(*num, *e);
            }
        }
        map.extend(entries.iter().map(|(n, e)| (*n, *e)));
        for stream in object_streams.into_iter().take(MAX_SCANNED_OBJECT_STREAMS) {
            if let Ok(objects) = self.load_object_stream(&map, stream) {
                for (index, (num, _)) in objects.iter().enumerate() {
                    if !entries.contains_key(num) {
                        let e = XrefEntry::InStream {
                            stream,
                            index: index as u32,
                        };
                        entries.insert(*num, e);
                        order.push(*num);
                    }
                }
            }
        }
        self.objstm_cache.borrow_mut().clear();
        self.object_cache.borrow_mut().clear();
        // The last trailer with a /Root, else the last one.
        trailers.sort_by_key(|(at, _, _)| *at);
        let pick = trailers
            .iter()
            .rposition(|(_, d, _)| d.get(b"Root").is_some())
            .or_else(|| trailers.len().checked_sub(1));
        let trailer = pick.map(|i| trailers.swap_remove(i));
        let (mut trailer, style) = match trailer {
            Some((_, t, style)) => (t, style),
            None => match kept.first() {
                Some(s) => (s.trailer.clone(), s.style),
                None => (Dict::new(), XrefStyle::Table),
            },
        };
        if trailer.get(b"Root").is_none() {
            let root = kept
                .first()
                .and_then(|s| s.trailer.get(b"Root").cloned())
                .or_else(|| self.find_catalog(&entries, &order));
            if let Some(root) = root {
                trailer.set(b"Root", root);
            }
        }
        for key in [&b"Encrypt"[..], b"ID", b"Info"] {
            if trailer.get(key).is_none()
                && let Some(v) = kept.first().and_then(|s| s.trailer.get(key))
            {
                trailer.set(key, v.clone());
            }
        }
        trailer.remove(b"Prev");
        let rebuilt = XrefSection {
            offset: from,
            style,
            entries: order
                .iter()
                .filter_map(|n| entries.get(n).map(|e| (*n, *e)))
                .collect(),
            trailer,
        };
        self.sections = std::iter::once(rebuilt).chain(kept).collect();
        let reason = match error {
            Error::Xref(s) => s.clone(),
            other => other.to_string(),
        };
        self.rebuilt = Some(Rebuilt { from, reason });
        Ok(())
    }

    /// The first object of the rebuilt part that is a `/Type /Catalog` dictionary.
    fn find_catalog(&self, entries: &HashMap<u32, XrefEntry>, order: &[u32]) -> Option<Object> {
        order.iter().rev().find_map(|num| match entries.get(num) {
            Some(XrefEntry::InFile { offset, generation }) => {
                let o = parse::parse_indirect(self.data, *offset, &|_| None).ok()?;
                let d = o.object.as_dict()?;
                (d.name(b"Type") == Some(b"Catalog"))
                    .then_some(Object::Ref(ObjRef::new(*num, *generation)))
            }
            _ => None,
        })
    }

    /// Set when the cross-reference data was broken and rebuilt by scanning the file.
    pub fn rebuilt(&self) -> Option<&Rebuilt> {
        self.rebuilt.as_ref()
    }

    /// The security handler of an encrypted document (`None` when it is not encrypted).
    pub fn security(&self) -> Option<&Security> {
        self.security.as_ref()
    }

    /// The bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The newest trailer.
    pub fn trailer(&self) -> &Dict {
        static EMPTY: Dict = Dict(Vec::new());
        self.sections.first().map_or(&EMPTY, |s| &s.trailer)
    }

    /// Sections, newest first.
    pub fn sections(&self) -> &[XrefSection] {
        &self.sections
    }

    /// Offset of the newest xref section (the last startxref).
    pub fn startxref(&self) -> usize {
        self.startxref
    }

    /// The style of the newest section (new sections should match it).
    pub fn xref_style(&self) -> XrefStyle {
        let Some(s) = self.sections.first() else {
            return XrefStyle::Table;
        };
        if s.style == XrefStyle::Table && s.trailer.get(b"XRefStm").is_some() {
            XrefStyle::Table
        } else {
            s.style
        }
    }

    /// Whether the first object is a linearization dictionary.
    pub fn is_linearized(&self) -> bool {
        let data = self.data;
        let Some(pdf) = parse::find(&data[..data.len().min(1024)], b"%PDF-") else {
            return false;
        };
        let mut p = Parser::new(data, pdf + 5);
        p.token();
        p.skip_ws();
        match parse::parse_indirect(data, p.pos, &|_| None) {
            Ok(o) => o
                .object
                .as_dict()
                .is_some_and(|d| d.get(b"Linearized").is_some()),
            Err(_) => false,
        }
    }

    /// One more than the largest object number in use.
    pub fn size(&self) -> u32 {
        let from_trailer = self
            .trailer()
            .int(b"Size")
            .unwrap_or(0)
            .clamp(0, u32::MAX as i64) as u32;
        let from_entries = self
            .current
            .keys()
            .max()
            .map(|m| m.saturating_add(1))
            .unwrap_or(0);
        from_trailer.max(from_entries)
    }

    fn map_filtered(&self, keep: impl Fn(&XrefSection) -> bool) -> XrefMap {
        let mut map = XrefMap::new();
        for s in self.sections.iter().filter(|s| keep(s)) {
            for (num, e) in &s.entries {
                map.entry(*num).or_insert(*e);
            }
        }
        map
    }

    /// The object map as of the revision that ends at byte `end` (sections located before it).
    pub fn map_before(&self, end: usize) -> XrefMap {
        self.map_filtered(|s| s.offset < end)
    }

    /// The current object map.
    pub fn current_map(&self) -> &XrefMap {
        &self.current
    }

    /// Object numbers defined by sections located at or after `end`.
    pub fn objects_changed_since(&self, end: usize) -> Vec<u32> {
        let mut nums: Vec<u32> = self
            .sections
            .iter()
            .filter(|s| s.offset >= end)
            .flat_map(|s| s.entries.iter().map(|(n, _)| *n))
            .collect();
        nums.sort_unstable();
        nums.dedup();
        nums
    }

    fn read_section(&self, offset: usize) -> Result<XrefSection, Error> {
        if offset >= self.data.len() {
            return Err(Error::Xref(format!(
                "xref offset {offset} is past the end of the file"
            )));
        }
        let mut p = Parser::new(self.data, offset);
        if p.eat_keyword(b"xref") {
            let (mut entries, trailer) = self.read_table(&mut p)?;
            if let Some(stm) = trailer
                .int(b"XRefStm")
                .and_then(|v| usize::try_from(v).ok())
                && let Ok(extra) = self.read_xref_stream(stm)
            {
                let have: HashSet<u32> = entries.iter().map(|(n, _)| *n).collect();
                entries.extend(extra.entries.into_iter().filter(|(n, _)| !have.contains(n)));
            }
            Ok(XrefSection {
                offset,
                style: XrefStyle::Table,
                entries,
                trailer,
            })
        } else {
            self.read_xref_stream(offset)
        }
    }

    fn read_table(&self, p: &mut Parser<'a>) -> Result<(Vec<(u32, XrefEntry)>, Dict), Error> {
        let mut entries = Vec::new();
        loop {
            if p.eat_keyword(b"trailer") {
                let trailer = match p.object()? {
                    Object::Dict(d) => d,
                    _ => return Err(Error::Xref("trailer is not a dictionary".into())),
                };
                return Ok((entries, trailer));
            }
            let start = p
                .uint()
                .ok_or_else(|| Error::Xref(format!("bad xref subsection at {}", p.pos)))?;
            let count = p
                .uint()
                .ok_or_else(|| Error::Xref(format!("bad xref subsection at {}", p.pos)))?;
            if count > self.data.len() as u64 / 18 + 1 || start > u32::MAX as u64 {
                return Err(Error::Xref("xref subsection count too large".into()));
            }
            for i in 0..count {
                let off = p
                    .uint()
                    .ok_or_else(|| Error::Xref(format!("bad xref entry at {}", p.pos)))?;
                let generation = p
                    .uint()
                    .ok_or_else(|| Error::Xref(format!("bad xref entry at {}", p.pos)))?;
                let kind = p.token();
                let num = (start + i).min(u32::MAX as u64) as u32;
                let entry = match kind {
                    b"n" if off > 0 => XrefEntry::InFile {
                        offset: off as usize,
                        generation: generation.min(u16::MAX as u64) as u16,
                    },
                    b"n" | b"f" => XrefEntry::Free,
                    _ => return Err(Error::Xref(format!("bad xref entry type at {}", p.pos))),
                };
                entries.push((num, entry));
            }
        }
    }

    fn read_xref_stream(&self, offset: usize) -> Result<XrefSection, Error> {
        let obj = parse::parse_indirect(self.data, offset, &|_| None)?;
        let stream = match obj.object {
            Object::Stream(s) if s.dict.name(b"Type") == Some(b"XRef") => s,
            _ => {
                return Err(Error::Xref(format!(
                    "no xref table or stream at offset {offset}"
                )));
            }
        };
        let data = filter::decode(&stream)?;
        let w: Vec<usize> = stream
            .dict
            .get(b"W")
            .and_then(Object::as_array)
            .map(|a| {
                a.iter()
                    .map(|o| o.as_int().unwrap_or(0).clamp(0, 8) as usize)
                    .collect()
            })
            .unwrap_or_default();
        if w.len() != 3 {
            return Err(Error::Xref("xref stream /W must have three widths".into()));
        }
        let size = stream.dict.int(b"Size").unwrap_or(0).max(0);
        let index: Vec<i64> = match stream.dict.get(b"Index").and_then(Object::as_array) {
            Some(a) => a.iter().map(|o| o.as_int().unwrap_or(0)).collect(),
            None => vec![0, size],
        };
        let row = w[0] + w[1] + w[2];
        if row == 0 {
            return Err(Error::Xref("xref stream with zero-width rows".into()));
        }
        let field = |bytes: &[u8]| bytes.iter().fold(0u64, |a, b| (a << 8) | *b as u64);
        let mut rows = data.chunks_exact(row);
        let mut entries = Vec::new();
        for pair in index.chunks(2) {
            let (start, count) = (
                pair[0].max(0) as u64,
                pair.get(1).copied().unwrap_or(0).max(0) as u64,
            );
            for i in 0..count {
                let Some(r) = rows.next() else { break };
                let kind = if w[0] == 0 { 1 } else { field(&r[..w[0]]) };
                let f2 = field(&r[w[0]..w[0] + w[1]]);
                let f3 = field(&r[w[0] + w[1]..]);
                let num = (start + i).min(u32::MAX as u64) as u32;
                let entry = match kind {
                    0 => XrefEntry::Free,
                    1 if f2 > 0 => XrefEntry::InFile {
                        offset: f2 as usize,
                        generation: f3.min(u16::MAX as u64) as u16,
                    },
                    2 => XrefEntry::InStream {
                        stream: f2.min(u32::MAX as u64) as u32,
                        index: f3.min(u32::MAX as u64) as u32,
                    },
                    _ => XrefEntry::Free,
                };
                entries.push((num, entry));
            }
        }
        Ok(XrefSection {
            offset,
            style: XrefStyle::Stream,
            entries,
            trailer: stream.dict,
        })
    }

    /// Resolves an object number in the current revision.
    pub fn get(&self, r: ObjRef) -> Result<Object, Error> {
        self.get_in(&self.current, r)
    }

    /// Resolves an object number in the given revision map. A missing or free object is `Null`.
    pub fn get_in(&self, map: &XrefMap, r: ObjRef) -> Result<Object, Error> {
        match map.get(&r.num) {
            None | Some(XrefEntry::Free) => Ok(Object::Null),
            Some(XrefEntry::InFile { offset, .. }) => {
                Ok(self.cached_at(map, *offset, r)?.object.clone())
            }
            Some(XrefEntry::InStream { stream, index }) => {
                self.object_from_stream(map, *stream, *index, r.num)
            }
        }
    }

    /// Resolves an object number in the given revision without a stream's data: a stream
    /// comes back as its dictionary. Reference tracking reads only dictionaries and arrays, so
    /// it never copies content streams or images onto the heap.
    pub fn shallow_in(&self, map: &XrefMap, r: ObjRef) -> Result<Object, Error> {
        match map.get(&r.num) {
            None | Some(XrefEntry::Free) => Ok(Object::Null),
            Some(XrefEntry::InFile { offset, .. }) => {
                if let Some(o) = self.object_cache.borrow().get(offset)
                    && o.id.num == r.num
                {
                    return Ok(match &o.object {
                        Object::Stream(s) => Object::Dict(s.dict.clone()),
                        other => other.clone(),
                    });
                }
                let mut p = Parser::new(self.data, *offset);
                let num = p.uint();
                let _generation = p.uint();
                if num != Some(u64::from(r.num)) || !p.eat_keyword(b"obj") {
                    return Err(Error::Xref(format!(
                        "xref says object {} is at offset {offset}, but it is not there",
                        r.num
                    )));
                }
                p.object()
            }
            Some(XrefEntry::InStream { stream, index }) => {
                self.object_from_stream(map, *stream, *index, r.num)
            }
        }
    }

    fn cached_at(
        &self,
        map: &XrefMap,
        offset: usize,
        expect: ObjRef,
    ) -> Result<Rc<parse::IndirectObject>, Error> {
        if let Some(o) = self.object_cache.borrow().get(&offset)
            && o.id.num == expect.num
        {
            return Ok(o.clone());
        }
        let parsed = Rc::new(self.parse_at(map, offset, expect)?);
        self.object_cache
            .borrow_mut()
            .insert(offset, parsed.clone());
        Ok(parsed)
    }

    /// Parses the indirect object at `offset`, checking that it is object `expect`.
    pub fn parse_at(
        &self,
        map: &XrefMap,
        offset: usize,
        expect: ObjRef,
    ) -> Result<parse::IndirectObject, Error> {
        if offset >= self.data.len() {
            return Err(Error::Xref(format!(
                "object {} at offset {offset} is past the end",
                expect.num
            )));
        }
        let length_of = |lr: ObjRef| match map.get(&lr.num) {
            Some(XrefEntry::InFile { offset, .. }) => {
                parse::parse_indirect(self.data, *offset, &|_| None)
                    .ok()
                    .and_then(|o| o.object.as_int())
            }
            Some(XrefEntry::InStream { stream, index }) => self
                .object_from_stream(map, *stream, *index, lr.num)
                .ok()
                .and_then(|o| o.as_int()),
            _ => None,
        };
        let mut obj = parse::parse_indirect(self.data, offset, &length_of)?;
        if obj.id.num != expect.num {
            return Err(Error::Xref(format!(
                "xref says object {} is at offset {offset}, but object {} is there",
                expect.num, obj.id.num
            )));
        }
        if let Some(security) = &self.security {
            security.decrypt_object(obj.id, &mut obj.object);
        }
        Ok(obj)
    }

    fn object_from_stream(
        &self,
        map: &XrefMap,
        stream: u32,
        index: u32,
        num: u32,
    ) -> Result<Object, Error> {
        let cached = self.objstm_cache.borrow().get(&stream).cloned();
        let objects = match cached {
            Some(o) => o,
            None => {
                let loaded = Rc::new(self.load_object_stream(map, stream)?);
                self.objstm_cache
                    .borrow_mut()
                    .insert(stream, loaded.clone());
                loaded
            }
        };
        if let Some((n, o)) = objects.get(index as usize)
            && *n == num
        {
            return Ok(o.clone());
        }
        Ok(objects
            .iter()
            .find(|(n, _)| *n == num)
            .map(|(_, o)| o.clone())
            .unwrap_or(Object::Null))
    }

    fn load_object_stream(&self, map: &XrefMap, stream: u32) -> Result<Vec<(u32, Object)>, Error> {
        let offset = match map.get(&stream) {
            Some(XrefEntry::InFile { offset, .. }) => *offset,
            _ => {
                return Err(Error::Xref(format!(
                    "object stream {stream} is not in the file"
                )));
            }
        };
        let s = match self.parse_at(map, offset, ObjRef::new(stream, 0))?.object {
            Object::Stream(s) => s,
            _ => {
                return Err(Error::Xref(format!(
                    "object {stream} is not an object stream"
                )));
            }
        };
        let data = filter::decode(&s)?;
        let n = s.dict.int(b"N").unwrap_or(0).clamp(0, 1_000_000) as usize;
        let first = s.dict.int(b"First").unwrap_or(0).max(0) as usize;
        let mut header = Parser::new(&data, 0);
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let (Some(num), Some(off)) = (header.uint(), header.uint()) else {
                break;
            };
            let pos = first.saturating_add(off as usize);
            if pos >= data.len() || num > u32::MAX as u64 {
                break;
            }
            let obj = Parser::new(&data, pos).object().unwrap_or(Object::Null);
            out.push((num as u32, obj));
        }
        Ok(out)
    }

    /// Follows a reference (if `o` is one) in the current revision.
    pub fn resolve(&self, o: &Object) -> Result<Object, Error> {
        self.resolve_in(&self.current, o)
    }

    /// Follows references (up to a small depth) in a given revision.
    pub fn resolve_in(&self, map: &XrefMap, o: &Object) -> Result<Object, Error> {
        let mut cur = o.clone();
        for _ in 0..16 {
            match cur {
                Object::Ref(r) => cur = self.get_in(map, r)?,
                other => return Ok(other),
            }
        }
        Err(Error::Xref("reference chain too long".into()))
    }

    /// The document catalog.
    pub fn catalog(&self) -> Result<(ObjRef, Dict), Error> {
        let root = self
            .trailer()
            .reference(b"Root")
            .ok_or_else(|| Error::Xref("trailer has no /Root".into()))?;
        match self.get(root)? {
            Object::Dict(d) => Ok((root, d)),
            _ => Err(Error::Xref("/Root is not a dictionary".into())),
        }
    }

    /// The pages in order, as references (walks the page tree, guarding against cycles).
    pub fn pages(&self) -> Result<Vec<ObjRef>, Error> {
        let (_, catalog) = self.catalog()?;
        let root = catalog
            .reference(b"Pages")
            .ok_or_else(|| Error::Xref("catalog has no /Pages".into()))?;
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.walk_pages(root, &mut out, &mut seen, 0)?;
        Ok(out)
    }

    fn walk_pages(
        &self,
        node: ObjRef,
        out: &mut Vec<ObjRef>,
        seen: &mut HashSet<ObjRef>,
        depth: usize,
    ) -> Result<(), Error> {
        if depth > 64 || !seen.insert(node) {
            return Err(Error::Xref("page tree loops or is too deep".into()));
        }
        let obj = self.get(node)?;
        let Some(d) = obj.as_dict() else {
            return Ok(());
        };
        match d.name(b"Type") {
            Some(b"Pages") | None if d.get(b"Kids").is_some() => {
                let kids = self.resolve(d.get(b"Kids").unwrap_or(&Object::Null))?;
                for k in kids.as_array().unwrap_or(&[]) {
                    if let Some(r) = k.as_ref() {
                        self.walk_pages(r, out, seen, depth + 1)?;
                    }
                }
            }
            _ => out.push(node),
        }
        Ok(())
    }

    /// Whether the document is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.trailer().get(b"Encrypt").is_some()
    }
}

/// The object number whose `N G obj` header starts at `offset` (after whitespace).
fn header_at(data: &[u8], offset: usize) -> Option<u32> {
    let mut p = Parser::new(data, offset);
    let num = p.uint()?;
    p.uint()?;
    if !p.eat_keyword(b"obj") {
        return None;
    }
    u32::try_from(num).ok()
}

/// The next `obj` keyword (not `endobj`, not part of a longer word) in `data`.
fn find_obj_keyword(data: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(rel) = data.get(from..).and_then(|d| parse::find(d, b"obj")) {
        let at = from + rel;
        from = at + 3;
        let after_ok = data
            .get(at + 3)
            .is_none_or(|b| parse::is_whitespace(*b) || b"<[(/%".contains(b));
        if after_ok {
            return Some(at);
        }
    }
    None
}

/// `(num, generation, start)` of an `N G obj` header whose `obj` is at `at`.
fn header_before(data: &[u8], at: usize) -> Option<(u32, u16, usize)> {
    let mut k = at;
    let ws = |k: &mut usize| {
        let start = *k;
        while *k > 0 && data.get(*k - 1).is_some_and(|b| parse::is_whitespace(*b)) {
            *k -= 1;
        }
        *k < start
    };
    let digits = |k: &mut usize, max: usize| -> Option<u64> {
        let end = *k;
        while *k > 0 && end - *k < max && data.get(*k - 1).is_some_and(u8::is_ascii_digit) {
            *k -= 1;
        }
        let text = data.get(*k..end)?;
        if text.is_empty() {
            return None;
        }
        Some(text.iter().fold(0u64, |a, d| a * 10 + u64::from(d - b'0')))
    };
    if !ws(&mut k) {
        return None;
    }
    let generation = digits(&mut k, 5)?;
    if !ws(&mut k) {
        return None;
    }
    let num = digits(&mut k, 10)?;
    if k > 0
        && !data
            .get(k - 1)
            .is_some_and(|b| parse::is_whitespace(*b) || b">]})".contains(b))
    {
        return None;
    }
    Some((u32::try_from(num).ok()?, u16::try_from(generation).ok()?, k))
}

/// The revision ends of a file, in file order: (just after `%%EOF`, the offset its
/// `startxref` names).
fn revision_ends(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = data.get(from..).and_then(|d| parse::find(d, b"startxref")) {
        let at = from + rel;
        from = at + 9;
        let mut p = Parser::new(data, at + 9);
        let Some(xref) = p.uint() else { continue };
        // `%%EOF` reads as a comment to the parser: skip whitespace only.
        let mut k = p.pos;
        while data.get(k).is_some_and(|b| parse::is_whitespace(*b)) {
            k += 1;
        }
        if data.get(k..k + 5) == Some(b"%%EOF") {
            out.push((k + 5, xref as usize));
        }
        if out.len() >= 100_000 {
            break;
        }
    }
    out
}
