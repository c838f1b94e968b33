//! The modules of kyso-pki import each other in one direction: the layer list in the crate
//! documentation (src/lib.rs) names every module, no module refers to a module of a higher
//! layer, and the graph of `crate::` references between modules has no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn src_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The text without `//` comments (doc links do not make a dependency).
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn leading_ident(s: &str) -> &str {
    let s = s.trim_start();
    &s[..s.find(|c: char| !is_ident(c)).unwrap_or(s.len())]
}

/// The first path segment after every `crate::` in `code`, including each item of a
/// `crate::{a, b::c}` group.
fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let preceded = rest[..i].chars().next_back().is_some_and(is_ident);
        rest = &rest[i + "crate::".len()..];
        if preceded {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(leading_ident(&item).to_string());
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            out.insert(leading_ident(&item).to_string());
        } else {
            out.insert(leading_ident(rest).to_string());
        }
    }
    out.remove("");
    out
}

/// Module name → the modules it refers to, for every `src/*.rs` but lib.rs.
fn module_graph() -> Graph {
    let mut graph = Graph::new();
    for entry in std::fs::read_dir(src_dir()).expect("read src") {
        let path = entry.expect("dir entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(module) = name.strip_suffix(".rs") else {
            continue;
        };
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read module");
        let mut refs = crate_refs(&strip_comments(&text));
        refs.remove(module);
        graph.insert(module.to_string(), refs);
    }
    graph
}

/// The numbered layer list of the crate documentation: `//! N. what: `a`, `b`, ...`, an
/// item continued on lines indented under it.
fn documented_layers() -> Vec<Vec<String>> {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).expect("read lib.rs");
    let mut layers: Vec<Vec<String>> = Vec::new();
    let mut open = false;
    for line in lib.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            break;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        let number = doc.split_once(". ").map(|(n, _)| n);
        if number.is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())) {
            layers.push(Vec::new());
            open = true;
        } else if !(open && doc.starts_with("   ")) {
            open = false;
            continue;
        }
        let Some(layer) = layers.last_mut() else {
            continue;
        };
        for (i, piece) in doc.split('`').enumerate() {
            if i % 2 == 1 && !piece.is_empty() && piece.chars().all(is_ident) {
                layer.push(piece.to_string());
            }
        }
    }
    layers
}

/// A cycle of `graph`, if it has one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    // 0 unvisited, 1 on the current path, 2 done.
    fn visit(
        node: &str,
        graph: &Graph,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                0 => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
                1 => {
                    let start = stack.iter().position(|m| m == next).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0
            && let Some(cycle) = visit(node, graph, &mut state, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn reference_scanner_reads_paths_and_groups() {
    let code = "use crate::a::B;\nuse crate::{c, d::{E, F}, g::H};\nlet x = crate::i::j();\n\
                use other_crate::k;";
    let refs: Vec<String> = crate_refs(code).into_iter().collect();
    assert_eq!(refs, ["a", "c", "d", "g", "i"]);
    let mut cyclic = Graph::new();
    cyclic.insert("a".into(), ["b".to_string()].into());
    cyclic.insert("b".into(), ["c".to_string()].into());
    cyclic.insert("c".into(), ["a".to_string()].into());
    assert_eq!(
        find_cycle(&cyclic),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    cyclic.insert("c".into(), BTreeSet::new());
    assert_eq!(find_cycle(&cyclic), None);
}

#[test]
fn lib_rs_only_declares_modules_and_re_exports() {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).expect("read lib.rs");
    let code = strip_comments(&lib);
    let mut statement = String::new();
    for line in code.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if statement.is_empty() {
            assert!(
                ["pub mod ", "mod ", "pub use "]
                    .iter()
                    .any(|p| line.starts_with(p)),
                "lib.rs should only declare modules and re-export: {line}"
            );
        }
        statement.push_str(line);
        if line.ends_with(';') {
            statement.clear();
        }
    }
}

#[test]
fn modules_are_layered_without_cycles() {
    let graph = module_graph();
    let layers = documented_layers();
    assert!(
        !layers.is_empty(),
        "no layer list in the crate documentation"
    );

    let mut layer_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (n, layer) in layers.iter().enumerate() {
        for module in layer {
            assert!(
                layer_of.insert(module, n + 1).is_none(),
                "module {module} is listed in two layers"
            );
            assert!(
                graph.contains_key(module),
                "layer {} lists {module}, which is not a file in src/",
                n + 1
            );
        }
    }
    for (module, refs) in &graph {
        let Some(&own) = layer_of.get(module.as_str()) else {
            panic!("module {module} is missing from the layer list in lib.rs");
        };
        for r in refs {
            let Some(&other) = layer_of.get(r.as_str()) else {
                panic!(
                    "{module} refers to crate::{r}, which is not a module (name the defining module, not a root re-export)"
                );
            };
            assert!(
                other <= own,
                "{module} (layer {own}) refers to {r}, which is in the higher layer {other}"
            );
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "modules refer to each other in a cycle: {}",
            cycle.join(" -> ")
        );
    }
}
