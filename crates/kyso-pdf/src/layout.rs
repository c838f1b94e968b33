//! Where the revisions of a file begin and end, and what lies outside every revision.
//!
//! A revision ends with `startxref N %%EOF` (and an optional end-of-line). A signature should
//! cover exactly one whole revision; bytes after a revision that are not a revision of their
//! own (no cross-reference section of the document's `/Prev` chain starts there) are invisible
//! to a conforming reader but not to one that repairs files by scanning for objects, so a
//! verifier reports them.

use std::collections::HashSet;

use crate::document::{Document, XrefEntry};
use crate::parse::{self, is_whitespace};

/// The end of one revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevisionEnd {
    /// Just after `%%EOF`.
    pub eof: usize,
    /// After the end-of-line that follows `%%EOF` (equal to `eof` without one).
    pub eol: usize,
}

impl RevisionEnd {
    /// Whether a signed range ending at `end` ends exactly with this revision.
    pub fn matches(&self, end: usize) -> bool {
        end == self.eof || end == self.eol
    }
}

/// Bytes that belong to no revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    pub start: usize,
    pub end: usize,
    /// They contain object definitions (`N G obj`), which a repairing reader may show.
    pub has_objects: bool,
}

/// The revision structure of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Every revision end, in file order.
    pub ends: Vec<RevisionEnd>,
    /// Runs of non-whitespace bytes outside every revision, in file order.
    pub orphans: Vec<Orphan>,
    /// Offsets of object definitions (`N G obj`) inside a revision after the first that no
    /// cross-reference section lists: a conforming reader ignores them, a reader that repairs
    /// files (or takes the last definition of a number) may show them.
    pub unlisted: Vec<usize>,
}

impl Layout {
    /// The revision end a signed range ending at `end` matches, if any.
    pub fn revision_ending_at(&self, end: usize) -> Option<usize> {
        self.ends.iter().position(|e| e.matches(end))
    }

    /// Unlisted object definitions at or after `offset`.
    pub fn unlisted_after(&self, offset: usize) -> impl Iterator<Item = usize> + '_ {
        self.unlisted.iter().copied().filter(move |o| *o >= offset)
    }

    /// Orphans that start at or after `offset`.
    pub fn orphans_after(&self, offset: usize) -> impl Iterator<Item = &Orphan> {
        self.orphans.iter().filter(move |o| o.start >= offset)
    }
}

/// At most this many revision ends are listed (a file with more is treated as having
/// orphans nowhere beyond them: the list is a report, not a parser).
const MAX_ENDS: usize = 100_000;

/// Finds the revision ends (`startxref`, digits, `%%EOF`) and the bytes between them that
/// hold no cross-reference section of the document.
pub fn revision_layout(doc: &Document<'_>) -> Layout {
    let data = doc.data();
    let mut ends = Vec::new();
    for at in memchr::memmem::find_iter(data, b"%%EOF") {
        if ends.len() >= MAX_ENDS {
            break;
        }
        if !preceded_by_startxref(&data[..at]) {
            continue;
        }
        let eof = at + 5;
        let eol = match data.get(eof..) {
            Some([b'\r', b'\n', ..]) => eof + 2,
            Some([b'\r' | b'\n', ..]) => eof + 1,
            _ => eof,
        };
        ends.push(RevisionEnd { eof, eol });
    }
    let sections: Vec<usize> = doc.sections().iter().map(|s| s.offset).collect();
    // Where objects are listed: every in-file entry, and the sections themselves (an xref
    // stream need not list itself).
    let listed: HashSet<usize> = doc
        .sections()
        .iter()
        .flat_map(|s| {
            s.entries
                .iter()
                .filter_map(|(_, e)| match e {
                    XrefEntry::InFile { offset, .. } => Some(*offset),
                    _ => None,
                })
                .chain(std::iter::once(s.offset))
        })
        .collect();
    let mut unlisted = Vec::new();
    let mut orphans = Vec::new();
    let mut start = 0;
    let bounds = ends
        .iter()
        .map(|e| e.eol)
        .chain(std::iter::once(data.len()));
    for end in bounds {
        if end < start {
            continue;
        }
        let segment = &data[start..end];
        let has_section = sections.iter().any(|s| (start..end).contains(s));
        if has_section && start > 0 {
            unlisted.extend(
                object_definitions(segment)
                    .into_iter()
                    .map(|at| start + at)
                    // Tolerate an offset that points at the whitespace before the definition.
                    .filter(|at| !(at.saturating_sub(4)..=*at).any(|o| listed.contains(&o))),
            );
        }
        if !has_section && let Some(first) = segment.iter().position(|b| !is_whitespace(*b)) {
            orphans.push(Orphan {
                start: start + first,
                end,
                has_objects: has_object_definition(segment),
            });
        }
        start = end;
    }
    Layout {
        ends,
        orphans,
        unlisted,
    }
}

/// Whether the bytes before a `%%EOF` end with `startxref`, whitespace, digits, whitespace.
fn preceded_by_startxref(before: &[u8]) -> bool {
    let mut i = before.len();
    while i > 0 && is_whitespace(before[i - 1]) {
        i -= 1;
    }
    let digits_end = i;
    while i > 0 && before[i - 1].is_ascii_digit() {
        i -= 1;
    }
    if i == digits_end {
        return false;
    }
    while i > 0 && is_whitespace(before[i - 1]) {
        i -= 1;
    }
    before[..i].ends_with(b"startxref")
}

/// Whether `bytes` contain `<digits> <digits> obj`.
fn has_object_definition(bytes: &[u8]) -> bool {
    !object_definitions(bytes).is_empty()
}

/// Where `bytes` hold `<digits> <digits> obj` (the offset of the first digit).
fn object_definitions(bytes: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = parse::find(&bytes[from..], b"obj") {
        let at = from + rel;
        from = at + 3;
        let mut i = at;
        let mut groups = 0;
        while groups < 2 {
            let ws_end = i;
            while i > 0 && is_whitespace(bytes[i - 1]) {
                i -= 1;
            }
            if i == ws_end {
                break;
            }
            let digits_end = i;
            while i > 0 && bytes[i - 1].is_ascii_digit() {
                i -= 1;
            }
            if i == digits_end {
                break;
            }
            groups += 1;
        }
        if groups == 2 {
            found.push(i);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startxref_before_eof() {
        assert!(preceded_by_startxref(b"trailer<<>>\nstartxref\n123\n"));
        assert!(preceded_by_startxref(b"startxref 0 "));
        assert!(!preceded_by_startxref(b"startxref\n"));
        assert!(!preceded_by_startxref(b"stream data 12\n"));
        assert!(!preceded_by_startxref(b""));
    }

    #[test]
    fn object_definitions() {
        assert!(has_object_definition(b"junk\n12 0 obj\n<<>>\nendobj"));
        assert!(!has_object_definition(b"this is an object"));
        assert!(!has_object_definition(b"0 obj"));
        assert!(!has_object_definition(b"obj"));
    }

    #[test]
    fn definition_offsets() {
        assert_eq!(
            super::object_definitions(b"x\n12 0 obj\n<<>>\nendobj\n3 0 obj"),
            vec![2, 23]
        );
        assert!(super::object_definitions(b"(a 0 obj)").is_empty());
    }
}
