//! ARCHITECTURE.md's first invariants, checked on the source: the pure modules (`tally/`,
//! `pabulib/`, `domain/`) never reach the database, HTTP or the clock, and no floating-point
//! value takes part in counting. And each rule's one home: the engine has no command line
//! (that is `cli/tally.rs`), the cycle archive is checked without the database, and the audit
//! hash chain is computed only in `domain/audit_chain.rs`. And rooms stay small: no source file
//! over 500 lines unless its top says `//! One algorithm: <why>`.

use std::path::{Path, PathBuf};

const PURE: [&str; 3] = ["src/tally", "src/pabulib", "src/domain"];

/// What a pure module must not name: the database, HTTP, the clock.
const IMPURE: [&str; 9] = [
    "crate::db",
    "diesel",
    "actix_web",
    "reqwest",
    "crate::service",
    "crate::api",
    "Utc::now",
    "SystemTime",
    "Instant::now",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each pure file with its code lines (comments left out: they may name what they avoid).
fn pure_sources() -> Vec<(String, Vec<String>)> {
    sources(&PURE)
}

/// Each Rust file under `dirs` with its code lines, comments left out.
fn sources(dirs: &[&str]) -> Vec<(String, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in dirs {
        let path = root.join(dir);
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else {
            files.push(path);
        }
    }
    files
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let code = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(str::to_string)
                .collect();
            (name, code)
        })
        .collect()
}

/// `sources`, each cut at its unit tests (a `#[cfg(test)]` at the start of a line), without
/// the test-only `test_support.rs` modules (declared under `#[cfg(test)]`): tests may read
/// fixture files and build rows from literals.
fn production_sources(dirs: &[&str]) -> Vec<(String, Vec<String>)> {
    sources(dirs)
        .into_iter()
        .filter(|(name, _)| !name.ends_with("/test_support.rs"))
        .map(|(name, lines)| {
            let code = lines
                .into_iter()
                .take_while(|l| l != "#[cfg(test)]")
                .collect();
            (name, code)
        })
        .collect()
}

/// Every `word` found in `files`, with its file and line.
fn named_in(files: Vec<(String, Vec<String>)>, words: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, lines) in files {
        for line in &lines {
            for word in words.iter().filter(|w| line.contains(*w)) {
                found.push(format!("{name}: `{word}` in `{}`", line.trim()));
            }
        }
    }
    found
}

fn offences(words: &[&str], dirs: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, lines) in pure_sources() {
        if !dirs.iter().any(|d| name.starts_with(d)) {
            continue;
        }
        for line in &lines {
            for word in words.iter().filter(|w| line.contains(*w)) {
                found.push(format!("{name}: `{word}` in `{}`", line.trim()));
            }
        }
    }
    found
}

#[test]
fn pure_modules_never_touch_the_database_http_or_the_clock() {
    let found = offences(&IMPURE, &PURE);
    assert!(
        found.is_empty(),
        "impure code in a pure module:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_floating_point_in_the_count() {
    let found = offences(&["f32", "f64", "as_secs_f"], &["src/tally", "src/pabulib"]);
    assert!(
        found.is_empty(),
        "floating point in the count:\n{}",
        found.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The one-way arrows between the layers: `api/`, `admin/` → `service/` → `db/`, and no import
// cycle anywhere between the modules of `src/` (a top-level module, or a second-level one
// inside a folder: `state`, `auth::extract`, `service::ballots`).

/// Every `.rs` file under `src/` with its module path (`src/service/ballots.rs` →
/// `["service", "ballots"]`) and its code without comments.
fn modules() -> Vec<(Vec<String>, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(root.join("src")).unwrap();
            let mut module: Vec<String> = relative
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod") {
                module.pop();
            }
            let code = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let name = format!("src/{}", relative.to_string_lossy());
            (module, name, code)
        })
        .collect()
}

/// The node of the graph a module belongs to: its first two levels (`tally::mes::run` →
/// `tally::mes`), or one for a module that is a single file (`state`).
fn node(module: &[String]) -> Option<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let first = module.first()?;
    let folder = src.join(first);
    if !folder.is_dir() && !src.join(format!("{first}.rs")).is_file() {
        return None; // an item of the crate root, or a macro's `$crate`
    }
    match module.get(1) {
        Some(second)
            if folder.join(format!("{second}.rs")).is_file() || folder.join(second).is_dir() =>
        {
            Some(format!("{first}::{second}"))
        }
        _ => Some(first.clone()),
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Parses one `use` tree from `at` (`a::b::{c, d::e as f, self}`), pushing each path.
fn use_tree(
    code: &[char],
    mut at: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        while at < code.len() && code[at].is_whitespace() {
            at += 1;
        }
        if at < code.len() && code[at] == '{' {
            at += 1;
            loop {
                while at < code.len() && (code[at].is_whitespace() || code[at] == ',') {
                    at += 1;
                }
                if at >= code.len() || code[at] == '}' {
                    return at + 1;
                }
                at = use_tree(code, at, prefix.clone(), out);
                // Skip a rename (`as name`) up to the next item of the group.
                while at < code.len() && code[at] != ',' && code[at] != '}' {
                    at += 1;
                }
            }
        }
        let start = at;
        while at < code.len() && is_ident(code[at]) {
            at += 1;
        }
        if at > start {
            let ident: String = code[start..at].iter().collect();
            if ident != "self" {
                prefix.push(ident);
            }
        }
        if at > start && code[at..].starts_with(&[':', ':']) {
            at += 2;
            continue;
        }
        out.push(prefix);
        return at;
    }
}

/// Every `crate::…` path a file's code names (`use crate::…` and paths written in place).
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let needle: Vec<char> = "crate::".chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    while at + needle.len() <= chars.len() {
        let preceded = at > 0 && (is_ident(chars[at - 1]) || chars[at - 1] == '$');
        if !preceded && chars[at..].starts_with(&needle) {
            at = use_tree(&chars, at + needle.len(), Vec::new(), &mut out);
        } else {
            at += 1;
        }
    }
    out
}

/// The module graph: each node and the nodes it names, with the file that names each.
fn import_graph() -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>
{
    let mut graph = std::collections::BTreeMap::<_, std::collections::BTreeMap<_, _>>::new();
    for (module, name, code) in modules() {
        let Some(from) = node(&module) else { continue };
        let edges = graph.entry(from.clone()).or_default();
        // Unit tests import fixtures that import what they test (`service::test_support`):
        // no arrow of the built program.
        let code = code.split("\n#[cfg(test)]").next().unwrap_or_default();
        for path in crate_paths(code) {
            if let Some(to) = node(&path) {
                if to != from {
                    edges.entry(to).or_insert_with(|| name.clone());
                }
            }
        }
    }
    graph
}

/// One cycle through the graph, as `a → b → … → a` with the file behind each arrow, if any.
fn find_cycle(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
) -> Option<String> {
    // Depth-first search; a node met again while still on the path closes a cycle.
    fn visit(
        at: &str,
        graph: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<String> {
        if let Some(start) = path.iter().position(|p| p == at) {
            let mut cycle = path[start..].to_vec();
            cycle.push(at.to_string());
            let steps: Vec<String> = cycle
                .windows(2)
                .map(|w| format!("{} → {} ({})", w[0], w[1], graph[&w[0]][&w[1]]))
                .collect();
            return Some(steps.join(", "));
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.to_string());
        for next in graph.get(at).into_iter().flat_map(|edges| edges.keys()) {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(at.to_string());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(start, graph, &mut Vec::new(), &mut done))
}

/// Lines of the files under `dir` that name one of `words`.
fn naming(dir: &str, words: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (_, name, code) in modules() {
        if !name.starts_with(dir) {
            continue;
        }
        for line in code.lines() {
            for word in words.iter().filter(|w| line.contains(*w)) {
                found.push(format!("{name}: `{word}` in `{}`", line.trim()));
            }
        }
    }
    found
}

#[test]
fn services_know_no_http() {
    let found = naming(
        "src/service/",
        &[
            "crate::api",
            "crate::state",
            "crate::admin",
            "crate::error",
            "actix_web",
            "StatusCode",
        ],
    );
    assert!(found.is_empty(), "HTTP in the rules:\n{}", found.join("\n"));
}

#[test]
fn the_database_layer_knows_no_service_or_api() {
    let found = naming(
        "src/db/",
        &["crate::service", "crate::api", "crate::admin", "actix_web"],
    );
    assert!(
        found.is_empty(),
        "the database layer reaches up:\n{}",
        found.join("\n")
    );
}

/// `kurultai tally` (clap, files, exit codes, timing) lives in `cli/tally.rs`, not in the engine.
/// What `api/` and `admin/` may name from `db/` outside their unit tests: the handle they pass
/// to services (`Db`), and the stored rows that services hand back and the edge renders into
/// views (`Municipality` is a decoded record; the rest are rows until `db/` returns records for
/// them too). Nothing else: a query module or function named
/// there would be a handler reading the database itself, past the rules.
const EDGE_MAY_NAME_FROM_DB: [&str; 8] = [
    "Db",
    "Municipality",
    "AccountRow",
    "AuditRow",
    "BudgetRow",
    "DistrictRow",
    "MunicipalityRow",
    "ProposalRow",
];

#[test]
fn handlers_and_extractors_reach_the_database_only_through_services() {
    let mut found = Vec::new();
    for (_, name, code) in modules() {
        if !(name.starts_with("src/api/") || name.starts_with("src/admin/")) {
            continue;
        }
        let code = code.split("\n#[cfg(test)]").next().unwrap_or_default();
        for path in crate_paths(code) {
            let allowed = path
                .last()
                .is_some_and(|item| EDGE_MAY_NAME_FROM_DB.contains(&item.as_str()));
            if path.first().is_some_and(|m| m == "db") && !allowed {
                found.push(format!("{name}: `crate::{}`", path.join("::")));
            }
        }
        // The handle itself opens a connection with `read`/`write`: only services do that.
        for line in code.lines().filter(|l| l.contains("|conn|")) {
            found.push(format!("{name}: a connection in `{}`", line.trim()));
        }
    }
    assert!(
        found.is_empty(),
        "the edge reads the database itself:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_engine_has_no_command_line() {
    let found = named_in(
        production_sources(&["src/tally"]),
        &[
            "clap",
            "std::fs",
            "std::process",
            "ExitCode",
            "Instant",
            "println!",
        ],
    );
    assert!(
        found.is_empty(),
        "the command line in the engine:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_import_cycle_between_modules() {
    let graph = import_graph();
    assert!(
        graph.contains_key("service::ballots")
            && graph["api::ballots"].contains_key("service::ballots")
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {cycle}");
    }
}

#[test]
fn use_trees_are_read_whole() {
    let paths = crate_paths(
        "use crate::db::{self, x::{A, B as C}, Db};\nlet y = crate::state::S::new(); $crate::z",
    );
    let expected: Vec<Vec<String>> = [
        vec!["db"],
        vec!["db", "x", "A"],
        vec!["db", "x", "B"],
        vec!["db", "Db"],
        vec!["state", "S", "new"],
    ]
    .iter()
    .map(|p| p.iter().map(|s| s.to_string()).collect())
    .collect();
    assert_eq!(paths, expected);
}

/// `kurultai verify` checks an archive without the service's database or its rules: what it
/// shares with them (the audit chain, the receipt code's format) lives in `domain/`.
#[test]
fn the_archive_never_reaches_the_database() {
    let found = named_in(
        sources(&["src/archive"]),
        &["crate::db", "diesel", "crate::service"],
    );
    assert!(
        found.is_empty(),
        "the archive reaches the database or a service:\n{}",
        found.join("\n")
    );
}

/// The audit chain's rule has one home: no other file hashes entries or walks the chain.
#[test]
fn the_audit_chain_is_computed_in_one_pure_module() {
    const CHAIN: &str = "src/domain/audit_chain.rs";
    let chain = sources(&[CHAIN]);
    assert!(
        named_in(chain, &IMPURE).is_empty(),
        "{CHAIN} must stay pure"
    );
    let others: Vec<_> = sources(&["src"])
        .into_iter()
        .filter(|(name, _)| name != CHAIN)
        .collect();
    let found = named_in(
        others,
        &[
            "fn entry_hash",
            "fn first_break",
            "prev_hash !=",
            "GENESIS_HASH:",
        ],
    );
    assert!(
        found.is_empty(),
        "the audit chain computed outside {CHAIN}:\n{}",
        found.join("\n")
    );
}

/// A file longer than this does more than one job, unless it says it is one algorithm.
const MAX_FILE_LINES: usize = 500;

/// True when the file's opening doc comment has a line `//! One algorithm: <why>`.
fn says_it_is_one_algorithm(text: &str) -> bool {
    text.lines()
        .take_while(|l| l.starts_with("//!"))
        .any(|l| l.starts_with("//! One algorithm:"))
}

#[test]
fn no_source_file_over_500_lines_unless_it_is_one_algorithm() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut offenders = Vec::new();
    for path in files {
        let name = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        let lines = text.lines().count();
        if lines > MAX_FILE_LINES && !says_it_is_one_algorithm(&text) {
            offenders.push(format!("{name} ({lines} lines)"));
        }
    }
    offenders.sort();
    assert!(
        offenders.is_empty(),
        "split these by the jobs they do, or say `//! One algorithm: <why>` at the top: {offenders:#?}"
    );
}

/// The layers above the database: they get decoded records and never parse a column.
/// Request bodies are read by actix's `web::Json`, so no handler needs a parse either.
const ABOVE_DB: [&str; 4] = ["src/service", "src/api", "src/admin", "src/auth"];

#[test]
fn json_columns_are_decoded_in_the_database_layer() {
    let mut found = Vec::new();
    for (name, lines) in production_sources(&ABOVE_DB) {
        let count = lines
            .iter()
            .filter(|l| l.contains("serde_json::from_str"))
            .count();
        if count > 0 {
            found.push(format!("{name}: {count}"));
        }
    }
    assert!(
        found.is_empty(),
        "a JSON column parsed above db/ (decode it in the row's module):\n{}",
        found.join("\n")
    );
}

/// Every stored status of an account, resident, proposal or cycle.
const STATUS_WORDS: [&str; 16] = [
    "active",
    "disabled",
    "deleted",
    "pending",
    "verified",
    "rejected",
    "submitted",
    "approved",
    "withdrawn",
    "draft",
    "submission",
    "review",
    "voting",
    "closed",
    "published",
    "cancelled",
];

/// The ways a status is compared or named as a string: `== "x"`, `.eq("x")` in a query,
/// `Some("x") =>` in a match, `matches!(…, "x" | …)`, and a `const` holding one.
fn status_literals(line: &str) -> Vec<String> {
    let code = line.trim();
    let mut found = Vec::new();
    for word in STATUS_WORDS {
        let quoted = format!("\"{word}\"");
        let compared = [
            format!("== {quoted}"),
            format!("!= {quoted}"),
            format!("{quoted} =="),
            format!("{quoted} !="),
            format!(".eq({quoted})"),
            format!(".ne({quoted})"),
            format!("Some({quoted}) =>"),
        ]
        .iter()
        .any(|p| code.contains(p.as_str()))
            || (code.contains("matches!(") && code.contains(&quoted))
            || (code.starts_with("pub const") || code.starts_with("const"))
                && code.ends_with(&format!("= {quoted};"));
        if compared {
            found.push(format!("`{word}` in `{code}`"));
        }
    }
    found
}

#[test]
fn statuses_are_enums_above_the_database() {
    // `domain/` names each status once (`domain::status`, `domain::cycle`); `db/` writes
    // `Status::X.as_str()` in its queries, so it is checked too.
    let mut found = Vec::new();
    for (name, lines) in production_sources(&["src"]) {
        if name.starts_with("src/domain/") {
            continue;
        }
        for line in &lines {
            for hit in status_literals(line) {
                found.push(format!("{name}: {hit}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a status compared as a string (use the enum in domain/):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_one_algorithm_marker_is_read_only_in_the_opening_doc_comment() {
    assert!(says_it_is_one_algorithm(
        "//! Engine.\n//!\n//! One algorithm: why.\nuse x;"
    ));
    assert!(!says_it_is_one_algorithm(
        "//! Engine.\nuse x;\n//! One algorithm: too late.\n"
    ));
    assert!(!says_it_is_one_algorithm("use x;\n"));
}

#[test]
fn settings_are_decoded_once_in_the_database_layer() {
    let found = named_in(
        production_sources(&["src"]),
        &["settings_of(", "store_settings("],
    );
    assert!(
        found.is_empty(),
        "a municipality's settings re-parsed (db::municipalities::Municipality has them):\n{}",
        found.join("\n")
    );
}

/// The ids that have a type of their own (`domain::ids`), by the name their fields and
/// parameters carry, with the `db/` records whose `id` is one.
const TYPED_IDS: [(&str, &[&str]); 10] = [
    ("municipality_id", &["Municipality", "MunicipalityRow"]),
    ("cycle_id", &["CycleRow"]),
    ("budget_id", &["BudgetRow"]),
    // A proposal's own id, and the ids inside a ballot's selections and a tally's lines (the
    // engine, `src/tally/`, keeps its own string ids: `service::selections::engine_ballot`).
    ("proposal_id", &["ProposalRow"]),
    ("district_id", &["DistrictRow"]),
    // A resident's id is their account's (`ResidentRow.account_id`); also catches
    // `author_account_id`.
    ("account_id", &["AccountRow"]),
    // Columns that name the account that did something.
    ("reviewed_by", &[]),
    ("computed_by", &[]),
    ("ballot_id", &["BallotRow"]),
    ("session_id", &["SessionRow"]),
];

/// What a caller sends, kept as strings until checked so that every bad value becomes a field
/// error: an id in here is not yet known to exist.
const UNCHECKED_INPUTS: [&str; 1] = ["Registration"];

/// How an id looks when it travels as a bare string.
const BARE: [&str; 6] = [
    ": String",
    ": &str",
    ": &'a str",
    ": Option<String>",
    ": Option<&str>",
    ": Option<&'a str>",
];

/// Lines of `db/` and `service/` that carry a typed id as a bare string: a row field, a
/// record's own `id`, or a function's parameter.
fn bare_ids(files: Vec<(String, Vec<String>)>) -> Vec<String> {
    let mut found = Vec::new();
    for (name, lines) in files {
        // The audit chain hashes its entries' ids as the strings they are (`domain::audit_chain`).
        if name.ends_with("db/audit.rs") {
            continue;
        }
        let mut record = String::new();
        for line in &lines {
            let code = line.trim();
            if let Some(rest) = code.strip_prefix("pub struct ") {
                record = rest
                    .split([' ', '<', '{', '('])
                    .next()
                    .unwrap_or("")
                    .to_string();
            }
            if line == "}" {
                record.clear();
            }
            if UNCHECKED_INPUTS.contains(&record.as_str()) {
                continue;
            }
            for (field, records) in TYPED_IDS {
                let bare_field = BARE.iter().any(|b| code.contains(&format!("{field}{b}")));
                let bare_own_id = records.contains(&record.as_str())
                    && BARE.iter().any(|b| code.starts_with(&format!("pub id{b}")));
                if bare_field || bare_own_id {
                    found.push(format!("{name}: `{code}`"));
                }
            }
        }
    }
    found
}

#[test]
fn typed_ids_are_not_bare_strings_in_the_database_and_service_layers() {
    let found = bare_ids(production_sources(&["src/db", "src/service"]));
    assert!(
        found.is_empty(),
        "an id with a type of its own carried as a string (use domain::ids):\n{}",
        found.join("\n")
    );
}

#[test]
fn a_bare_id_is_found() {
    let old = vec![
        "pub struct CycleRow {".to_string(),
        "    pub id: String,".to_string(),
        "    pub municipality_id: String,".to_string(),
        "}".to_string(),
        "pub fn find(conn: &mut DbConn, cycle_id: &str) {".to_string(),
        "pub struct Other {".to_string(),
        "    pub id: String,".to_string(),
    ];
    assert_eq!(bare_ids(vec![("src/db/cycles.rs".into(), old)]).len(), 3);
}
