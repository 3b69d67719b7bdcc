//! The test binary's own layering: modules share fixtures through `support/` (and the app
//! through `helpers`), never by importing one another, so a test module can be read, moved or
//! rewritten without breaking another.

use std::path::Path;

/// What a test module may reach inside this binary. `browser` is the shared browser harness
/// (`browser_available`, `run_in_browser`, `open_city`) each part's browser test module uses.
const SHARED: [&str; 3] = ["helpers", "support", "browser"];

/// Every `<prefix><module>` a file names (`crate::` or `super::`), comments left out.
fn paths_after(prefix: &str, source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in source.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at + prefix.len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
            rest = after;
        }
    }
    found
}

#[test]
fn test_modules_share_fixtures_only_through_support() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api");
    let modules: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/api")
        .map(|entry| entry.expect("a directory entry").path())
        // support/ is the shared layer itself; this file names such paths in its examples.
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter(|path| !path.ends_with("layering.rs"))
        .collect();
    let siblings: Vec<String> = modules
        .iter()
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut offences = Vec::new();
    for path in &modules {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(path).expect("a test module");
        // `super::` from a nested module may name its own file's items: only siblings count.
        let reached = paths_after("crate::", &source).into_iter().chain(
            paths_after("super::", &source)
                .into_iter()
                .filter(|m| siblings.contains(m)),
        );
        for module in reached.filter(|m| !SHARED.contains(&m.as_str())) {
            offences.push(format!("{name} reaches into {module}"));
        }
    }
    assert!(
        offences.is_empty(),
        "test modules import each other (move the shared fixture to support/):\n{}",
        offences.join("\n")
    );
}

#[test]
fn crate_paths_are_found_on_any_line() {
    assert_eq!(
        paths_after(
            "crate::",
            "use crate::ballots::{vote};\n    let x = crate::helpers::spawn_app();\n// crate::gone"
        ),
        ["ballots", "helpers"]
    );
}
