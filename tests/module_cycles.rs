//! No import cycles between the crate's modules, as the JS suites check for
//! the package (tests/js/contract.test.mjs): each module's `crate::` and
//! `super::` paths, outside comments and its test module, must form a graph
//! without a cycle. A module may use its parent (a facade re-exporting what
//! it owns) and a parent its children; that is ownership, not a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Every module under src/ by its path (`canonical::parser`), with its source.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &[String], found: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            let name = path.file_stem().and_then(|s| s.to_str()).expect("a UTF-8 file name").to_owned();
            if path.is_dir() {
                walk(&path, &[prefix, &[name]].concat(), found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let module = match name.as_str() {
                    "lib" | "mod" => prefix.join("::"),
                    _ => [prefix, &[name]].concat().join("::"),
                };
                found.insert(module, fs::read_to_string(&path).expect("a readable source file"));
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &[], &mut found);
    found
}

/// The code of a module: no comment lines, nothing from its test module on.
fn code(source: &str) -> String {
    let end = source.find("#[cfg(test)]\nmod tests").unwrap_or(source.len());
    source[..end].lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The path segments after each `anchor` (`crate::` or `super::`) in `code`.
fn paths_after<'a>(code: &'a str, anchor: &str) -> Vec<Vec<&'a str>> {
    code.match_indices(anchor)
        .filter(|(at, _)| !code[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':'))
        .map(|(at, _)| {
            let rest = &code[at + anchor.len()..];
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            rest[..end].split("::").filter(|s| !s.is_empty()).collect()
        })
        .collect()
}

/// The longest prefix of `base` + `segments` that names a module.
fn resolve(known: &BTreeMap<String, String>, base: &[&str], segments: &[&str]) -> String {
    let full: Vec<&str> = base.iter().chain(segments).copied().collect();
    (0..=full.len()).rev().map(|n| full[..n].join("::")).find(|m| known.contains_key(m)).unwrap_or_default()
}

/// Whether `a` is `b`, or one of them is inside the other.
fn related(a: &str, b: &str) -> bool {
    let inside =
        |inner: &str, outer: &str| outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}::"));
    inside(a, b) || inside(b, a)
}

fn edges(known: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, source) in known {
        let code = code(source);
        let own: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
        let parent = &own[..own.len().saturating_sub(1)];
        let targets = paths_after(&code, "crate::")
            .into_iter()
            .map(|p| resolve(known, &[], &p))
            .chain(paths_after(&code, "super::").into_iter().map(|p| resolve(known, parent, &p)));
        let entry = graph.entry(module.clone()).or_default();
        for target in targets.filter(|t| !related(module, t)) {
            entry.insert(target);
        }
    }
    graph
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            return Some([&stack[at..], &[node.to_owned()]].concat());
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

#[test]
fn the_crate_has_no_module_cycle() {
    let known = modules();
    assert!(known.contains_key("canonical::parser") && known.contains_key("contract"), "the walk found the modules");
    let graph = edges(&known);
    assert!(graph["canonical::writer"].contains("canonical::sink"), "the scan sees super:: paths");
    assert!(graph["schema"].contains("contract"), "the scan sees crate:: paths");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("module cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_check_finds_a_cycle() {
    let known: BTreeMap<String, String> = [
        ("".to_owned(), String::new()),
        ("a".to_owned(), "use crate::b::thing;".to_owned()),
        ("b".to_owned(), "fn f() { crate::c::g() }\n#[cfg(test)]\nmod tests { use crate::z; }".to_owned()),
        ("c".to_owned(), "// crate::b in a comment\nuse super::a::X;".to_owned()),
    ]
    .into_iter()
    .collect();
    let cycle = find_cycle(&edges(&known)).expect("a -> b -> c -> a");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4);
}
