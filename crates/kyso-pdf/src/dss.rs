//! The Document Security Store (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1 §5.4): validation
//! data (certificates, CRLs, OCSP responses) kept in the catalog's `/DSS` so signatures can be
//! validated years later without the network.
//!
//! [`Dss::read`] reads the store of the latest revision; [`DssUpdate`] merges new data into it
//! as an incremental update, leaving every existing signature valid.

use std::collections::{BTreeMap, HashMap};

use crate::Error;
use crate::document::Document;
use crate::filter;
use crate::object::{Dict, Object, Stream};
use crate::writer::IncrementalUpdate;

/// Validation data for one signature (a `/VRI` entry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vri {
    /// DER certificates (`/Cert`).
    pub certs: Vec<Vec<u8>>,
    /// DER CRLs (`/CRL`).
    pub crls: Vec<Vec<u8>>,
    /// DER OCSP responses (`/OCSP`, each an OCSPResponse).
    pub ocsps: Vec<Vec<u8>>,
}

/// The document's security store, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dss {
    /// DER certificates (`/Certs`).
    pub certs: Vec<Vec<u8>>,
    /// DER CRLs (`/CRLs`).
    pub crls: Vec<Vec<u8>>,
    /// DER OCSP responses (`/OCSPs`, each an OCSPResponse).
    pub ocsps: Vec<Vec<u8>>,
    /// Per-signature data, keyed by [`vri_key`] of the signature's /Contents.
    pub vri: BTreeMap<String, Vri>,
    /// Entries that could not be read (not a stream, a missing object, undecodable data): they
    /// are left out of the lists above.
    pub skipped: usize,
}

/// The `/VRI` key of a signature: upper-case hex SHA-1 of its `/Contents` bytes (the decoded
/// string, zero padding included).
pub fn vri_key(contents: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, contents);
    let mut out = Vec::with_capacity(40);
    crate::object::push_hex(&mut out, d.as_ref(), b"0123456789ABCDEF");
    String::from_utf8_lossy(&out).into_owned()
}

/// Most entries one array may hold before the rest is ignored (a guard against absurd files).
const MAX_ENTRIES: usize = 100_000;

impl Dss {
    /// Reads the `/DSS` of the latest revision's catalog, or `None` when there is none.
    /// Streams are decoded with their filters; entries that cannot be read are counted in
    /// [`Dss::skipped`] rather than failing the whole store.
    pub fn read(doc: &Document<'_>) -> Result<Option<Dss>, Error> {
        Ok(RawDss::read(doc)?.map(|raw| raw.decoded()))
    }

    /// Whether the store holds nothing.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
            && self.crls.is_empty()
            && self.ocsps.is_empty()
            && self.vri.is_empty()
    }
}

/// One array entry as found: how it is referenced and, when readable, its decoded data.
#[derive(Debug, Clone)]
struct Entry {
    object: Object,
    data: Option<Vec<u8>>,
}

/// The store as found, keeping references so an update can extend it without rewriting data.
#[derive(Debug, Clone, Default)]
struct RawDss {
    /// The /DSS entry of the catalog (a reference or a direct dictionary).
    entry: Option<Object>,
    dict: Dict,
    certs: Vec<Entry>,
    crls: Vec<Entry>,
    ocsps: Vec<Entry>,
    /// Key → the entry object (as written) and its decoded content.
    vri: BTreeMap<String, (Object, RawVri)>,
    skipped: usize,
}

#[derive(Debug, Clone, Default)]
struct RawVri {
    dict: Dict,
    certs: Vec<Entry>,
    crls: Vec<Entry>,
    ocsps: Vec<Entry>,
}

impl RawDss {
    fn read(doc: &Document<'_>) -> Result<Option<RawDss>, Error> {
        let (_, catalog) = doc.catalog()?;
        let Some(entry) = catalog.get(b"DSS").cloned() else {
            return Ok(None);
        };
        let resolved = doc.resolve(&entry)?;
        let Some(dict) = resolved.as_dict().cloned() else {
            return Ok(None);
        };
        let mut skipped = 0;
        let certs = entries(doc, dict.get(b"Certs"), &mut skipped)?;
        let crls = entries(doc, dict.get(b"CRLs"), &mut skipped)?;
        let ocsps = entries(doc, dict.get(b"OCSPs"), &mut skipped)?;
        let mut vri = BTreeMap::new();
        if let Some(v) = dict.get(b"VRI") {
            let v = doc.resolve(v)?;
            for (key, value) in v.as_dict().map(|d| d.0.as_slice()).unwrap_or(&[]) {
                let resolved = doc.resolve(value)?;
                let Some(vd) = resolved.as_dict() else {
                    skipped += 1;
                    continue;
                };
                let raw = RawVri {
                    dict: vd.clone(),
                    certs: entries(doc, vd.get(b"Cert"), &mut skipped)?,
                    crls: entries(doc, vd.get(b"CRL"), &mut skipped)?,
                    ocsps: entries(doc, vd.get(b"OCSP"), &mut skipped)?,
                };
                let key = String::from_utf8_lossy(key).to_ascii_uppercase();
                vri.insert(key, (value.clone(), raw));
            }
        }
        Ok(Some(RawDss {
            entry: Some(entry),
            dict,
            certs,
            crls,
            ocsps,
            vri,
            skipped,
        }))
    }

    fn decoded(&self) -> Dss {
        Dss {
            certs: data_of(&self.certs),
            crls: data_of(&self.crls),
            ocsps: data_of(&self.ocsps),
            vri: self
                .vri
                .iter()
                .map(|(k, (_, v))| {
                    (
                        k.clone(),
                        Vri {
                            certs: data_of(&v.certs),
                            crls: data_of(&v.crls),
                            ocsps: data_of(&v.ocsps),
                        },
                    )
                })
                .collect(),
            skipped: self.skipped,
        }
    }
}

fn data_of(entries: &[Entry]) -> Vec<Vec<u8>> {
    entries.iter().filter_map(|e| e.data.clone()).collect()
}

/// Reads an array of stream references (direct or indirect array).
fn entries(
    doc: &Document<'_>,
    array: Option<&Object>,
    skipped: &mut usize,
) -> Result<Vec<Entry>, Error> {
    let Some(array) = array else {
        return Ok(Vec::new());
    };
    let array = doc.resolve(array)?;
    let mut out = Vec::new();
    for item in array.as_array().unwrap_or(&[]).iter().take(MAX_ENTRIES) {
        let data = match doc.resolve(item) {
            Ok(Object::Stream(s)) => filter::decode(&s).ok(),
            _ => None,
        };
        if data.is_none() {
            *skipped += 1;
        }
        out.push(Entry {
            object: item.clone(),
            data,
        });
    }
    Ok(out)
}

/// Validation data kyso adds to the store: new streams are written once (deduplicated against
/// the store and against each other by their bytes) and listed in `/Certs`, `/CRLs` and
/// `/OCSPs`; data for a signature also goes into its `/VRI` entry.
pub struct DssUpdate<'d, 'a> {
    doc: &'d Document<'a>,
    raw: RawDss,
    /// Data for the top-level arrays only.
    loose: Vri,
    /// Data per VRI key (upper-case).
    per_signature: BTreeMap<String, Vri>,
}

/// What [`DssUpdate::write`] produced.
#[derive(Debug, Clone)]
pub struct DssWritten {
    /// The whole new file: the input bytes followed by the update.
    pub bytes: Vec<u8>,
    /// Certificate streams newly written.
    pub added_certs: usize,
    /// CRL streams newly written.
    pub added_crls: usize,
    /// OCSP response streams newly written.
    pub added_ocsps: usize,
    /// VRI entries created or extended.
    pub vri_written: usize,
}

/// The three kinds of data, to share the merging code.
#[derive(Clone, Copy)]
enum Kind {
    Cert,
    Crl,
    Ocsp,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Cert, Kind::Crl, Kind::Ocsp];

    fn top_key(self) -> &'static [u8] {
        match self {
            Kind::Cert => b"Certs",
            Kind::Crl => b"CRLs",
            Kind::Ocsp => b"OCSPs",
        }
    }

    fn vri_key(self) -> &'static [u8] {
        match self {
            Kind::Cert => b"Cert",
            Kind::Crl => b"CRL",
            Kind::Ocsp => b"OCSP",
        }
    }

    fn of(self, v: &Vri) -> &[Vec<u8>] {
        match self {
            Kind::Cert => &v.certs,
            Kind::Crl => &v.crls,
            Kind::Ocsp => &v.ocsps,
        }
    }

    fn of_raw(self, raw: &RawDss) -> &[Entry] {
        match self {
            Kind::Cert => &raw.certs,
            Kind::Crl => &raw.crls,
            Kind::Ocsp => &raw.ocsps,
        }
    }

    fn of_raw_vri(self, raw: &RawVri) -> &[Entry] {
        match self {
            Kind::Cert => &raw.certs,
            Kind::Crl => &raw.crls,
            Kind::Ocsp => &raw.ocsps,
        }
    }
}

impl<'d, 'a> DssUpdate<'d, 'a> {
    /// Starts an update of `doc`'s store (reading what is already there).
    pub fn new(doc: &'d Document<'a>) -> Result<DssUpdate<'d, 'a>, Error> {
        if let Some(rebuilt) = doc.rebuilt() {
            return Err(crate::sign::broken_xref(&rebuilt.reason));
        }
        Ok(DssUpdate {
            doc,
            raw: RawDss::read(doc)?.unwrap_or_default(),
            loose: Vri::default(),
            per_signature: BTreeMap::new(),
        })
    }

    /// The store as it is before the update.
    pub fn existing(&self) -> Dss {
        self.raw.decoded()
    }

    /// Adds validation data: for the signature whose [`vri_key`] is `key` (also listed in the
    /// top-level arrays), or with `None` for the top-level arrays only.
    pub fn add(&mut self, key: Option<&str>, data: &Vri) {
        let target = match key {
            Some(k) => self
                .per_signature
                .entry(k.to_ascii_uppercase())
                .or_default(),
            None => &mut self.loose,
        };
        target.certs.extend(data.certs.iter().cloned());
        target.crls.extend(data.crls.iter().cloned());
        target.ocsps.extend(data.ocsps.iter().cloned());
    }

    /// Writes the update, or returns `None` when everything given is already in the store.
    pub fn write(self) -> Result<Option<DssWritten>, Error> {
        let doc = self.doc;
        let raw = &self.raw;
        let mut up = IncrementalUpdate::new(doc);
        let mut added = [0usize; 3];
        // Per kind: bytes → the object that holds them, and the new top-level array.
        let mut index: Vec<HashMap<Vec<u8>, Object>> = Vec::new();
        let mut arrays: Vec<Vec<Object>> = Vec::new();
        for (i, kind) in Kind::ALL.into_iter().enumerate() {
            let mut map = HashMap::new();
            let mut array = Vec::new();
            for e in kind.of_raw(raw) {
                if let Some(d) = &e.data {
                    map.entry(d.clone()).or_insert_with(|| e.object.clone());
                }
                array.push(e.object.clone());
            }
            let all = std::iter::once(&self.loose).chain(self.per_signature.values());
            for blob in all.flat_map(|v| kind.of(v).iter()) {
                if blob.is_empty() || map.contains_key(blob) {
                    continue;
                }
                let r = up.add(stream_of(blob));
                map.insert(blob.clone(), Object::Ref(r));
                array.push(Object::Ref(r));
                added[i] += 1;
            }
            index.push(map);
            arrays.push(array);
        }

        // VRI: existing entries stay as they are unless they gain data.
        let mut vri_dict = Dict::new();
        for (key, (object, _)) in &raw.vri {
            vri_dict.set(key.as_bytes(), object.clone());
        }
        let mut vri_written = 0;
        for (key, data) in &self.per_signature {
            let existing = raw.vri.get(key).map(|(_, v)| v);
            let mut dict = existing.map(|v| v.dict.clone()).unwrap_or_default();
            dict.set(b"Type", Object::name("VRI"));
            let mut changed = existing.is_none();
            for (i, kind) in Kind::ALL.into_iter().enumerate() {
                let mut list: Vec<Object> = existing
                    .map(|v| {
                        kind.of_raw_vri(v)
                            .iter()
                            .map(|e| e.object.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                let have: Vec<&[u8]> = existing
                    .map(|v| {
                        kind.of_raw_vri(v)
                            .iter()
                            .filter_map(|e| e.data.as_deref())
                            .collect()
                    })
                    .unwrap_or_default();
                let mut seen: Vec<&[u8]> = Vec::new();
                for blob in kind.of(data) {
                    if blob.is_empty()
                        || have.contains(&blob.as_slice())
                        || seen.contains(&blob.as_slice())
                    {
                        continue;
                    }
                    seen.push(blob);
                    if let Some(o) = index.get(i).and_then(|m| m.get(blob)) {
                        list.push(o.clone());
                        changed = true;
                    }
                }
                if list.is_empty() {
                    dict.remove(kind.vri_key());
                } else {
                    dict.set(kind.vri_key(), Object::Array(list));
                }
            }
            if changed {
                let r = up.add(Object::Dict(dict));
                vri_dict.set(key.as_bytes(), Object::Ref(r));
                vri_written += 1;
            }
        }

        if added.iter().all(|n| *n == 0) && vri_written == 0 {
            return Ok(None);
        }

        let mut dss = raw.dict.clone();
        dss.set(b"Type", Object::name("DSS"));
        for (kind, array) in Kind::ALL.into_iter().zip(arrays) {
            if array.is_empty() {
                dss.remove(kind.top_key());
            } else {
                dss.set(kind.top_key(), Object::Array(array));
            }
        }
        if vri_dict.0.is_empty() {
            dss.remove(b"VRI");
        } else {
            dss.set(b"VRI", Object::Dict(vri_dict));
        }
        match &raw.entry {
            Some(Object::Ref(r)) => up.set(*r, Object::Dict(dss)),
            _ => {
                let r = up.add(Object::Dict(dss));
                let (root, mut catalog) = doc.catalog()?;
                catalog.set(b"DSS", Object::Ref(r));
                add_esic_extension(doc, &mut catalog)?;
                up.set(root, Object::Dict(catalog));
            }
        }
        let written = up.write()?;
        Ok(Some(DssWritten {
            bytes: written.bytes,
            added_certs: added[0],
            added_crls: added[1],
            added_ocsps: added[2],
            vri_written,
        }))
    }
}

/// A Flate-compressed stream holding `data`.
fn stream_of(data: &[u8]) -> Object {
    let mut dict = Dict::new();
    dict.set(b"Filter", Object::name("FlateDecode"));
    Object::Stream(Stream {
        dict,
        data: filter::deflate(data),
    })
}

/// Declares the PAdES extension (`/Extensions /ESIC`, base version 1.7, level 5) in a catalog
/// that has no ESIC entry yet, as ETSI EN 319 142-1 asks of PDF 1.7 files with a DSS.
fn add_esic_extension(doc: &Document<'_>, catalog: &mut Dict) -> Result<(), Error> {
    let mut ext = match catalog.get(b"Extensions") {
        Some(e) => match doc.resolve(e)? {
            Object::Dict(d) => d,
            _ => Dict::new(),
        },
        None => Dict::new(),
    };
    if ext.get(b"ESIC").is_some() {
        return Ok(());
    }
    let mut esic = Dict::new();
    esic.set(b"BaseVersion", Object::name("1.7"));
    esic.set(b"ExtensionLevel", Object::Int(5));
    ext.set(b"ESIC", Object::Dict(esic));
    catalog.set(b"Extensions", Object::Dict(ext));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/../../fixtures/pdf/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn no_dss() {
        let data = fixture("letter-classic.pdf");
        let doc = Document::open(&data).unwrap();
        assert_eq!(Dss::read(&doc).unwrap(), None);
    }

    #[test]
    fn reads_a_hand_made_store() {
        let data = fixture("letter-xrefstream.pdf");
        let doc = Document::open(&data).unwrap();
        let (root, mut catalog) = doc.catalog().unwrap();
        let mut up = IncrementalUpdate::new(&doc);
        let mut flate = Dict::new();
        flate.set(b"Filter", Object::name("FlateDecode"));
        let cert = up.add(Object::Stream(Stream {
            dict: flate,
            data: filter::deflate(b"certificate"),
        }));
        let crl = up.add(Object::Stream(Stream {
            dict: Dict::new(),
            data: b"crl".to_vec(),
        }));
        let crls = up.add(Object::Array(vec![Object::Ref(crl)]));
        let mut vri = Dict::new();
        vri.set(b"Cert", Object::Array(vec![Object::Ref(cert)]));
        vri.set(b"OCSP", Object::Array(vec![Object::Int(3)]));
        let mut vris = Dict::new();
        vris.set(b"abcdef", Object::Dict(vri));
        let mut dss = Dict::new();
        dss.set(b"Certs", Object::Array(vec![Object::Ref(cert)]));
        dss.set(b"CRLs", Object::Ref(crls));
        dss.set(b"VRI", Object::Dict(vris));
        let dss_ref = up.add(Object::Dict(dss));
        catalog.set(b"DSS", Object::Ref(dss_ref));
        up.set(root, Object::Dict(catalog));
        let out = up.write().unwrap().bytes;

        let doc = Document::open(&out).unwrap();
        let dss = Dss::read(&doc).unwrap().unwrap();
        assert_eq!(dss.certs, vec![b"certificate".to_vec()]);
        assert_eq!(dss.crls, vec![b"crl".to_vec()]);
        assert!(dss.ocsps.is_empty());
        let v = &dss.vri["ABCDEF"];
        assert_eq!(v.certs, vec![b"certificate".to_vec()]);
        assert!(v.ocsps.is_empty());
        assert_eq!(dss.skipped, 1);
    }

    #[test]
    fn a_store_in_an_encrypted_document_is_encrypted_and_read_back() {
        for name in [
            "encrypted/letter-rc4-40.pdf",
            "encrypted/letter-aes256-r6.pdf",
        ] {
            let data = fixture(name);
            let doc = Document::open(&data).unwrap();
            let mut up = DssUpdate::new(&doc).unwrap();
            let secret: &[u8] = b"a certificate only readable with the file key";
            up.add(Some("aa11"), &vri(&[secret], &[b"a crl"], &[]));
            let w = up.write().unwrap().unwrap();
            assert!(
                !w.bytes.windows(secret.len()).any(|x| x == secret),
                "{name}: the store is written in clear"
            );
            let doc1 = Document::open(&w.bytes).unwrap();
            assert!(doc1.security().is_some(), "{name}");
            let dss = Dss::read(&doc1).unwrap().unwrap();
            assert_eq!(dss.vri["AA11"], vri(&[secret], &[b"a crl"], &[]), "{name}");
        }
    }

    #[test]
    fn vri_keys_are_upper_case_sha1() {
        assert_eq!(vri_key(b"abc"), "A9993E364706816ABA3E25717850C26C9CD0D89D");
    }

    fn vri(certs: &[&[u8]], crls: &[&[u8]], ocsps: &[&[u8]]) -> Vri {
        let v = |x: &[&[u8]]| x.iter().map(|b| b.to_vec()).collect();
        Vri {
            certs: v(certs),
            crls: v(crls),
            ocsps: v(ocsps),
        }
    }

    #[test]
    fn writes_merges_and_deduplicates() {
        for name in ["letter-classic.pdf", "letter-xrefstream.pdf"] {
            let data = fixture(name);
            let doc = Document::open(&data).unwrap();
            let mut up = DssUpdate::new(&doc).unwrap();
            up.add(Some("aa11"), &vri(&[b"c1", b"c2"], &[b"crl"], &[b"o1"]));
            up.add(None, &vri(&[b"c2", b"c3"], &[], &[]));
            let w = up.write().unwrap().unwrap();
            assert_eq!((w.added_certs, w.added_crls, w.added_ocsps), (3, 1, 1));
            assert_eq!(w.vri_written, 1);
            assert!(w.bytes.starts_with(&data), "{name}: an incremental update");
            let doc1 = Document::open(&w.bytes).unwrap();
            assert_eq!(doc1.xref_style(), doc.xref_style(), "{name}");
            let dss = Dss::read(&doc1).unwrap().unwrap();
            assert_eq!(dss.certs.len(), 3);
            assert_eq!(dss.vri["AA11"], vri(&[b"c1", b"c2"], &[b"crl"], &[b"o1"]));
            assert_eq!(dss.skipped, 0);
            let (_, catalog) = doc1.catalog().unwrap();
            assert!(catalog.get(b"Extensions").is_some());

            // The same data again: nothing to write.
            let mut again = DssUpdate::new(&doc1).unwrap();
            again.add(Some("AA11"), &vri(&[b"c1"], &[b"crl"], &[b"o1"]));
            again.add(None, &vri(&[b"c3"], &[], &[]));
            assert!(again.write().unwrap().is_none());

            // More data for the same signature and a second one: merged, old streams reused.
            let mut more = DssUpdate::new(&doc1).unwrap();
            more.add(Some("aa11"), &vri(&[b"c3"], &[], &[b"o2"]));
            more.add(Some("bb22"), &vri(&[b"c1"], &[], &[]));
            let w2 = more.write().unwrap().unwrap();
            assert_eq!((w2.added_certs, w2.added_crls, w2.added_ocsps), (0, 0, 1));
            assert_eq!(w2.vri_written, 2);
            let doc2 = Document::open(&w2.bytes).unwrap();
            let dss2 = Dss::read(&doc2).unwrap().unwrap();
            assert_eq!(dss2.certs.len(), 3);
            assert_eq!(dss2.ocsps.len(), 2);
            assert_eq!(
                dss2.vri["AA11"],
                vri(&[b"c1", b"c2", b"c3"], &[b"crl"], &[b"o1", b"o2"])
            );
            assert_eq!(dss2.vri["BB22"], vri(&[b"c1"], &[], &[]));
            // The DSS object was rewritten in place, the catalog left alone.
            let changed = doc2.objects_changed_since(w.bytes.len());
            let (root, _) = doc2.catalog().unwrap();
            assert!(!changed.contains(&root.num), "{name}: {changed:?}");
        }
    }
}
