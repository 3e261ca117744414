//! Layers: the import graph among `src/`'s top-level modules, read from the source.
//!
//! In: every `.rs` file under `src/` (its code before any `#[cfg(test)]`), each `crate::name`
//! it names. Out: three assertions. No two modules depend on each other in a circle. Every
//! module sits in one layer of [`LAYERS`] and uses only modules of lower layers, or of its own
//! layer outside the stages (services use services, nouns use nouns: the circle check keeps
//! those acyclic). A stage uses another stage only where [`STAGE_TO_STAGE`] says so and why;
//! that list may only shrink: an edge taken away fails here until it is taken off the list, so
//! the list stays the truth.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, bottom up (ARCHITECTURE.md, Layers).
const LAYERS: &[(&str, &[&str])] = &[
    (
        "services",
        &[
            "boundary",
            "budget",
            "fingerprint",
            "lang",
            "manifest",
            "near",
            "output",
            "progress",
            "spill",
            "text",
        ],
    ),
    ("nouns", &["broken", "photo", "profile", "receipt"]),
    (
        "shared over the nouns",
        &[
            "catalog", "config", "imaging", "journal", "messages", "reading", "render", "report",
            "validate",
        ],
    ),
    (
        "stages",
        &[
            "dedupe", "ingest", "inspect", "package", "review", "sheets", "tags", "template",
        ],
    ),
    ("orchestration", &["cli", "intake", "pipeline", "serve"]),
];

/// The stages that still use another stage, each with why. Keep it sorted; shrink it, never
/// grow it (it is empty: keep it so).
const STAGE_TO_STAGE: &[(&str, &str, &str)] = &[];

/// Each top-level module's dependencies on the others.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if top == "main" || top == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let deps = graph.entry(top.clone()).or_default();
            for (at, _) in code.match_indices("crate::") {
                let name: String = code[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if !name.is_empty() && name != top {
                    deps.insert(name);
                }
            }
        }
    }
    graph
}

/// The strongly connected components of more than one module (Tarjan's algorithm).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on: BTreeSet<&'g str>,
        found: Vec<BTreeSet<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        for w in &s.graph[v] {
            let Some((w, _)) = s.graph.get_key_value(w.as_str()) else {
                continue;
            };
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = BTreeSet::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on.remove(w);
                component.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found.sort();
    state.found
}

#[test]
fn modules_depend_on_each_other_in_no_circle() {
    let graph = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph.contains_key("pipeline") && graph.contains_key("photo"));
    assert_eq!(
        cycles(&graph),
        Vec::<BTreeSet<String>>::new(),
        "an import cycle: a stage must not use another stage, nor a noun a stage (see \
         ARCHITECTURE.md, Layers)"
    );
}

#[test]
fn modules_use_only_lower_layers_and_the_listed_stages() {
    let graph = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let layer: BTreeMap<&str, usize> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (_, modules))| modules.iter().map(move |m| (*m, i)))
        .collect();
    let stages = LAYERS
        .iter()
        .position(|(name, _)| *name == "stages")
        .unwrap();
    let listed: BTreeSet<(&str, &str)> = STAGE_TO_STAGE.iter().map(|&(a, b, _)| (a, b)).collect();
    let mut used = BTreeSet::new();
    for (module, deps) in &graph {
        let Some(&here) = layer.get(module.as_str()) else {
            panic!("{module} is in no layer: add it to LAYERS (and to ARCHITECTURE.md)");
        };
        for dep in deps {
            let Some(&there) = layer.get(dep.as_str()) else {
                continue; // not a module of the crate (a macro path, say)
            };
            if there < here || (there == here && here != stages) {
                continue;
            }
            assert!(
                there == here && listed.contains(&(module.as_str(), dep.as_str())),
                "{module} ({}) uses {dep} ({}): a module uses lower layers only, and a stage \
                 another stage only as STAGE_TO_STAGE lists (see ARCHITECTURE.md, Layers)",
                LAYERS[here].0,
                LAYERS[there].0
            );
            used.insert((module.as_str(), dep.as_str()));
        }
    }
    let gone: Vec<_> = listed.difference(&used).collect();
    assert!(
        gone.is_empty(),
        "these stages no longer use each other: take them off STAGE_TO_STAGE: {gone:?}"
    );
}

#[test]
fn the_cycle_finder_finds_a_circle_and_passes_a_line() {
    let g = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            graph
                .entry(a.to_string())
                .or_default()
                .insert(b.to_string());
            graph.entry(b.to_string()).or_default();
        }
        graph
    };
    let line = g(&[("a", "b"), ("b", "c")]);
    assert!(cycles(&line).is_empty());
    let circle = g(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]);
    let expected: BTreeSet<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    assert_eq!(cycles(&circle), vec![expected]);
}
