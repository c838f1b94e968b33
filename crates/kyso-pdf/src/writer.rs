//! Incremental updates: new and replaced objects appended after the original bytes, with an
//! xref section in the file's own style (table or stream) chained by /Prev.

use crate::Error;
use crate::document::{Document, XrefStyle};
use crate::object::{Dict, ObjRef, Object, write_object};

/// An object to append: either a serialized object or raw bytes written verbatim.
enum Body {
    Object(Object),
    Raw(Vec<u8>),
}

/// Collects the objects of one incremental update.
pub struct IncrementalUpdate<'d, 'a> {
    doc: &'d Document<'a>,
    next_num: u32,
    objects: Vec<(ObjRef, Body)>,
}

/// The result of writing an update: the whole new file, and where raw objects landed.
#[derive(Debug, Clone)]
pub struct Written {
    pub bytes: Vec<u8>,
    /// Offset of each appended object's first byte (`N G obj`).
    pub offsets: Vec<(ObjRef, usize)>,
}

impl<'d, 'a> IncrementalUpdate<'d, 'a> {
    pub fn new(doc: &'d Document<'a>) -> Self {
        IncrementalUpdate {
            doc,
            next_num: doc.size().max(1),
            objects: Vec::new(),
        }
    }

    /// Reserves a new object number.
    pub fn reserve(&mut self) -> ObjRef {
        let r = ObjRef::new(self.next_num, 0);
        self.next_num += 1;
        r
    }

    /// Adds a new object.
    pub fn add(&mut self, obj: Object) -> ObjRef {
        let r = self.reserve();
        self.set(r, obj);
        r
    }

    /// Writes `obj` as object `r` (new, reserved, or replacing an existing one).
    pub fn set(&mut self, r: ObjRef, obj: Object) {
        self.objects.retain(|(x, _)| *x != r);
        self.objects.push((r, Body::Object(obj)));
    }

    /// Writes the body of object `r` verbatim (between `obj` and `endobj`). In an encrypted
    /// document the caller encrypts its strings and streams (see [`Document::security`]).
    pub fn set_raw(&mut self, r: ObjRef, body: Vec<u8>) {
        self.objects.retain(|(x, _)| *x != r);
        self.objects.push((r, Body::Raw(body)));
    }

    /// Appends the update to the original bytes.
    pub fn write(self) -> Result<Written, Error> {
        let doc = self.doc;
        let orig = doc.data();
        let old_trailer = doc.trailer();
        let mut out = Vec::with_capacity(orig.len() + 16 * 1024);
        out.extend_from_slice(orig);
        if !out.ends_with(b"\n") && !out.ends_with(b"\r") {
            out.push(b'\n');
        }
        let mut offsets = Vec::new();
        for (r, body) in &self.objects {
            offsets.push((*r, out.len()));
            out.extend_from_slice(format!("{} {} obj\n", r.num, r.generation).as_bytes());
            match body {
                Body::Object(o) => match doc.security() {
                    Some(security) => write_object(&mut out, &security.encrypt_object(*r, o)),
                    None => write_object(&mut out, o),
                },
                Body::Raw(b) => out.extend_from_slice(b),
            }
            out.extend_from_slice(b"\nendobj\n");
        }
        let mut next_num = self.next_num;
        let mut trailer = Dict::new();
        let root = old_trailer
            .get(b"Root")
            .cloned()
            .ok_or_else(|| Error::Xref("trailer has no /Root".into()))?;
        trailer.set(b"Root", root);
        if let Some(info) = old_trailer.get(b"Info") {
            trailer.set(b"Info", info.clone());
        }
        // An encrypted document stays encrypted with the same key: /Encrypt is carried over,
        // and /ID's first element (part of the key derivation) is kept by `new_id`.
        if let Some(encrypt) = old_trailer.get(b"Encrypt") {
            trailer.set(b"Encrypt", encrypt.clone());
        }
        trailer.set(
            b"ID",
            Object::Array(new_id(old_trailer, orig.len(), &out[orig.len()..])),
        );
        trailer.set(b"Prev", Object::Int(doc.startxref() as i64));
        let xref_offset = out.len();
        match doc.xref_style() {
            XrefStyle::Table => {
                trailer.set(b"Size", Object::Int(next_num as i64));
                let mut entries: Vec<(u32, usize, u16)> = offsets
                    .iter()
                    .map(|(r, o)| (r.num, *o, r.generation))
                    .collect();
                entries.sort_unstable();
                out.extend_from_slice(b"xref\n");
                for run in runs(&entries) {
                    out.extend_from_slice(format!("{} {}\n", run[0].0, run.len()).as_bytes());
                    for (_, off, generation) in run {
                        out.extend_from_slice(
                            format!("{off:010} {generation:05} n\r\n").as_bytes(),
                        );
                    }
                }
                out.extend_from_slice(b"trailer\n");
                write_object(&mut out, &Object::Dict(trailer));
                out.push(b'\n');
            }
            XrefStyle::Stream => {
                let xref_ref = ObjRef::new(next_num, 0);
                next_num += 1;
                trailer.set(b"Size", Object::Int(next_num as i64));
                let mut entries: Vec<(u32, usize, u16)> = offsets
                    .iter()
                    .map(|(r, o)| (r.num, *o, r.generation))
                    .collect();
                entries.push((xref_ref.num, xref_offset, 0));
                entries.sort_unstable();
                let mut index = Vec::new();
                let mut data = Vec::new();
                for run in runs(&entries) {
                    index.push(Object::Int(run[0].0 as i64));
                    index.push(Object::Int(run.len() as i64));
                    for (_, off, generation) in run {
                        data.push(1u8);
                        data.extend_from_slice(&(*off as u64).to_be_bytes()[3..]);
                        data.extend_from_slice(&generation.to_be_bytes());
                    }
                }
                let mut dict = trailer;
                dict.set(b"Type", Object::name("XRef"));
                dict.set(
                    b"W",
                    Object::Array(vec![Object::Int(1), Object::Int(5), Object::Int(2)]),
                );
                dict.set(b"Index", Object::Array(index));
                out.extend_from_slice(format!("{} 0 obj\n", xref_ref.num).as_bytes());
                write_object(
                    &mut out,
                    &Object::Stream(crate::object::Stream { dict, data }),
                );
                out.extend_from_slice(b"\nendobj\n");
            }
        }
        out.extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
        Ok(Written {
            bytes: out,
            offsets,
        })
    }
}

fn runs(entries: &[(u32, usize, u16)]) -> Vec<&[(u32, usize, u16)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=entries.len() {
        if i == entries.len() || entries[i].0 != entries[i - 1].0 + 1 {
            out.push(&entries[start..i]);
            start = i;
        }
    }
    out
}

/// `/ID`: the original first element, and a new second element derived from the old ID, the
/// original size and the appended bytes (not a second pass over the whole file).
fn new_id(old_trailer: &Dict, orig_len: usize, appended: &[u8]) -> Vec<Object> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    if let Some(id) = old_trailer.get(b"ID") {
        let mut old = Vec::new();
        write_object(&mut old, id);
        ctx.update(&old);
    }
    ctx.update(&(orig_len as u64).to_be_bytes());
    ctx.update(appended);
    let fresh = ctx.finish().as_ref()[..16].to_vec();
    let first = old_trailer
        .get(b"ID")
        .and_then(Object::as_array)
        .and_then(|a| a.first())
        .and_then(|o| match o {
            Object::String(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_else(|| fresh.clone());
    vec![Object::String(first), Object::String(fresh)]
}
