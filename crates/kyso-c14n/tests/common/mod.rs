//! Shared helpers for the fixture-driven tests.

#![allow(dead_code)]

use std::path::PathBuf;

use kyso_c14n::roxmltree::{Document, Node};
use kyso_c14n::{Method, Options, ParseOptions};

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/xml/c14n")
}

pub fn read(path: &PathBuf) -> String {
    match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => panic!("reading {}: {e}", path.display()),
    }
}

/// Parse options for the fixtures: DTDs allowed (the W3C examples need them).
pub fn parse_options() -> ParseOptions {
    ParseOptions {
        allow_dtd: true,
        ..ParseOptions::default()
    }
}

/// Splits a manifest line on whitespace, keeping "double quoted" fields together.
pub fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            c => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(cur);
    }
    out
}

/// Finds a node by a manifest selector: `id:VALUE` or `el:LOCALNAME`.
pub fn select<'a, 'input>(doc: &'a Document<'input>, spec: &str) -> Option<Node<'a, 'input>> {
    let (kind, value) = spec.split_once(':')?;
    doc.descendants()
        .filter(Node::is_element)
        .find(|n| match kind {
            "id" => ["Id", "ID", "id"]
                .iter()
                .any(|a| n.attribute(*a) == Some(value)),
            "el" => n.tag_name().name() == value,
            _ => false,
        })
}

/// The eight variants: file suffix, options, whether it uses the PrefixList.
pub fn variants(prefixes: Option<&str>) -> Vec<(&'static str, Options)> {
    let mut v = vec![
        ("c14n", Options::new(Method::C14n10)),
        ("c14n-comments", Options::new(Method::C14n10).comments(true)),
        ("c14n11", Options::new(Method::C14n11)),
        (
            "c14n11-comments",
            Options::new(Method::C14n11).comments(true),
        ),
        ("exc", Options::new(Method::ExcC14n10)),
        (
            "exc-comments",
            Options::new(Method::ExcC14n10).comments(true),
        ),
    ];
    if let Some(p) = prefixes {
        v.push(("exc-incl", Options::new(Method::ExcC14n10).prefix_list(p)));
        v.push((
            "exc-incl-comments",
            Options::new(Method::ExcC14n10)
                .comments(true)
                .prefix_list(p),
        ));
    }
    v
}

/// A readable account of where two byte strings differ.
pub fn describe_difference(expected: &[u8], actual: &[u8]) -> String {
    let at = expected
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let from = at.saturating_sub(60);
    let show = |b: &[u8]| {
        let end = (at + 60).min(b.len());
        format!("{:?}", String::from_utf8_lossy(&b[from.min(b.len())..end]))
    };
    format!(
        "first difference at byte {at} (expected {} bytes, got {}):\n      expected ...{}...\n      actual   ...{}...",
        expected.len(),
        actual.len(),
        show(expected),
        show(actual)
    )
}
