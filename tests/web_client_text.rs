//! The web client's interface text: every language has every key, with the same
//! placeholders, and every key the code asks for exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LANGUAGES: [&str; 9] = ["tr", "kk", "ky", "uz", "az", "tk", "hu", "ru", "en"];

fn web() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

fn texts(lang: &str) -> BTreeMap<String, String> {
    let path = web().join("assets/i18n").join(format!("{lang}.json"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `{name}` placeholders of a text.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        found.insert(rest[start + 1..start + len].to_string());
        rest = &rest[start + len..];
    }
    found
}

#[test]
fn every_language_has_every_key_with_the_same_placeholders() {
    let english = texts("en");
    assert!(english.len() > 100, "en.json looks truncated");
    for lang in LANGUAGES {
        let other = texts(lang);
        let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{lang}.json lacks {missing:?}");
        assert!(
            extra.is_empty(),
            "{lang}.json has keys en.json lacks: {extra:?}"
        );
        for (key, text) in &english {
            assert!(!other[key].trim().is_empty(), "{lang}.json: {key} is empty");
            assert_eq!(
                placeholders(text),
                placeholders(&other[key]),
                "{lang}.json: {key} has other placeholders than English"
            );
        }
    }
}

/// Every JavaScript file of the client, with its path.
fn scripts() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).expect("web/assets/js") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "js") {
                let text = std::fs::read_to_string(&path).expect("a readable script");
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&web().join("assets/js"), &mut out);
    out
}

/// The keys named literally in `t("…")` calls, and the prefixes of `t(`prefix.${…}`)`.
fn asked_for(source: &str) -> (Vec<String>, Vec<String>) {
    let (mut keys, mut prefixes) = (Vec::new(), Vec::new());
    for (i, _) in source.match_indices("t(") {
        // Only the function `t`, not `split(` or `format(`.
        let before = source[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = &source[i + 2..];
        if let Some(literal) = rest.strip_prefix('"') {
            if let Some(end) = literal.find('"') {
                keys.push(literal[..end].to_string());
            }
        } else if let Some(template) = rest.strip_prefix('`') {
            if let Some(end) = template.find("${") {
                prefixes.push(template[..end].to_string());
            }
        }
    }
    (keys, prefixes)
}

#[test]
fn every_key_the_client_asks_for_exists() {
    let english = texts("en");
    let mut asked = 0;
    for (path, source) in scripts() {
        let (keys, prefixes) = asked_for(&source);
        for key in keys {
            asked += 1;
            assert!(
                english.contains_key(&key),
                "{} asks for {key:?}, which en.json lacks",
                path.display()
            );
        }
        for prefix in prefixes {
            assert!(
                english.keys().any(|k| k.starts_with(&prefix)),
                "{} builds keys from {prefix:?}, and en.json has none",
                path.display()
            );
        }
    }
    assert!(
        asked > 50,
        "found only {asked} t(\"…\") calls: is the scan broken?"
    );
}

/// The templated keys whose values come from the API: each value the server can send has
/// its text. The lists come from the server's own enums where it has them.
#[test]
fn every_phase_status_and_ballot_type_has_its_text() {
    use kurultai::domain::budget::{BallotType, RuleKind};
    use kurultai::domain::cycle::CycleStatus;
    use kurultai::domain::{NationalIdScheme, RegistrationPolicy, RevotePolicy, Role};

    fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|&v| name(v)).collect()
    }
    let english = texts("en");
    let expected = [
        ("phase.", names(CycleStatus::ALL, CycleStatus::as_str)),
        ("ballot.type.", names(BallotType::ALL, BallotType::as_str)),
        ("ballot.kind.", names(BallotType::ALL, BallotType::as_str)),
        ("ballot.rules.", names(BallotType::ALL, BallotType::as_str)),
        ("rule.", names(RuleKind::ALL, RuleKind::as_str)),
        ("rule.name.", names(RuleKind::ALL, RuleKind::as_str)),
        (
            "register.policy.",
            names(RegistrationPolicy::ALL, RegistrationPolicy::as_str),
        ),
        (
            "settings.value.",
            names(RegistrationPolicy::ALL, RegistrationPolicy::as_str),
        ),
        (
            "settings.value.",
            names(RevotePolicy::ALL, RevotePolicy::as_str),
        ),
        (
            "scheme.",
            names(NationalIdScheme::ALL, NationalIdScheme::as_str),
        ),
        (
            "settings.value.",
            names(NationalIdScheme::ALL, NationalIdScheme::as_str),
        ),
        ("role.", names(Role::ALL, Role::as_str)),
        (
            "proposal.status.",
            vec!["submitted", "approved", "rejected", "withdrawn"],
        ),
        (
            "receipt.status.",
            vec!["recorded", "counted", "replaced", "cycle_cancelled"],
        ),
        ("language.", LANGUAGES.to_vec()),
    ];
    for (prefix, values) in expected {
        for value in values {
            let key = format!("{prefix}{value}");
            assert!(english.contains_key(&key), "en.json lacks {key}");
        }
    }
}

/// The modules `path` imports statically (`import … from "./x.js"`), as paths under `web/`.
fn static_imports(path: &Path) -> Vec<PathBuf> {
    let source = std::fs::read_to_string(path).expect("a readable script");
    let dir = path.parent().expect("a folder");
    source
        .lines()
        .filter(|line| line.starts_with("import ") || line.starts_with("} from "))
        .filter_map(|line| line.split('"').nth(1))
        .filter(|target| target.starts_with('.'))
        .map(|target| normalise(&dir.join(target)))
        .collect()
}

/// `a/b/../c` → `a/c` (the files exist, but `canonicalize` would resolve symlinks too).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `index.html` preloads every module the entry point imports, directly or not, so a phone
/// fetches them in one round trip instead of one per level of imports (a module the page also
/// runs on its own, `async`, counts as preloaded).
#[test]
fn the_page_preloads_every_module_it_imports() {
    let html = std::fs::read_to_string(web().join("index.html")).expect("web/index.html");
    let mut todo = vec![web().join("assets/js/app.js")];
    let mut seen = BTreeSet::new();
    while let Some(module) = todo.pop() {
        if !seen.insert(module.clone()) {
            continue;
        }
        assert!(
            module.exists(),
            "{} is imported but missing",
            module.display()
        );
        todo.extend(static_imports(&module));
    }
    assert!(seen.len() >= 5, "found only {seen:?}: is the scan broken?");
    for module in seen {
        let rel = module
            .strip_prefix(web())
            .expect("under web/")
            .display()
            .to_string();
        let preload = format!(r#"<link rel="modulepreload" href="/{rel}">"#);
        let script = format!(r#"<script type="module" async src="/{rel}"></script>"#);
        assert!(
            html.contains(&preload) || html.contains(&script),
            "index.html does not preload {rel}"
        );
    }
}

/// Every error code the API documents for a 4xx answer (in backticks in `openapi.yaml`) has
/// a text, so a person reads what went wrong in their language instead of the server's
/// English detail.
#[test]
fn every_documented_error_code_has_a_text() {
    let english = texts("en");
    let api = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.yaml"))
        .expect("openapi.yaml");
    // The indentation of the 4xx status key whose block we are in, if any.
    let mut client_error: Option<usize> = None;
    let mut codes = BTreeSet::new();
    for line in api.lines() {
        let trimmed = line.trim();
        let indent = line.len() - line.trim_start().len();
        if trimmed.ends_with("':") && trimmed.starts_with('\'') {
            client_error = trimmed.starts_with("'4").then_some(indent);
        } else if client_error.is_some_and(|status| indent <= status) {
            client_error = None;
        } else if client_error.is_some() && trimmed.starts_with("description:") {
            for (i, part) in trimmed.split('`').enumerate() {
                let is_code = i % 2 == 1
                    && part.contains('_')
                    && part.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if is_code {
                    codes.insert(part.to_string());
                }
            }
        }
    }
    assert!(
        codes.len() > 20,
        "found only {codes:?}: is the scan broken?"
    );
    let missing: Vec<_> = codes
        .iter()
        .filter(|code| !english.contains_key(&format!("error.{code}")))
        .collect();
    assert!(missing.is_empty(), "en.json has no text for {missing:?}");
}

/// The problem `code`s the server can send, read from its source: the constructors of
/// `service::Error` and `ApiError`, field errors, and the `fn code` tables of the error enums
/// (unit tests at the bottom of a file are left out).
fn server_error_codes() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("src") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a readable source");
                let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let code = flat.split("#[cfg(test)] mod tests {").next();
                out.push(code.unwrap_or_default().to_string());
            }
        }
    }
    /// The `n`th argument (from 0) of the call whose `(` ends at `rest`, if a string literal.
    fn literal_argument(rest: &str, n: usize) -> Option<String> {
        let mut depth = 0;
        let mut index = 0;
        let mut start = 0;
        let mut in_string = false;
        for (i, c) in rest.char_indices() {
            match c {
                '"' => in_string = !in_string,
                _ if in_string => {}
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => break,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    if index == n {
                        break;
                    }
                    index += 1;
                    start = i + 1;
                }
                _ => {}
            }
            if index == n && c == ')' {
                break;
            }
        }
        if index != n {
            return None;
        }
        let arg = rest[start..].trim_start();
        let literal = arg.strip_prefix('"')?;
        let end = literal.find('"')?;
        let word = &literal[..end];
        let is_code = !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        is_code.then(|| word.to_string())
    }
    let mut sources = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut sources,
    );
    let calls: [(&str, usize); 13] = [
        ("Error::missing(", 0),
        ("Error::unauthorized(", 0),
        ("Error::refused(", 0),
        ("Error::malformed(", 0),
        ("Error::conflict(", 0),
        ("Error::rule(", 0),
        ("Error::unavailable(", 0),
        ("Error::field(", 1),
        ("FieldError::new(", 1),
        ("ApiError::new(", 1),
        ("Self::unauthorized(", 0),
        ("::bad_request(", 0),
        // A line's findings gathered as `(field, code, message)` before they become errors.
        ("push((", 1),
    ];
    let mut codes = BTreeSet::new();
    for source in &sources {
        for (call, n) in calls {
            for (i, _) in source.match_indices(call) {
                codes.extend(literal_argument(&source[i + call.len()..], n));
            }
        }
        // `fn code(&self) -> &'static str { match self { Self::X => "x", … } }`
        for (i, _) in source.match_indices("fn code(") {
            let body = &source[i..];
            let body = &body[..body.find("\n}").unwrap_or(body.len()).min(4000)];
            let body = &body[..body[1..].find(" fn ").map_or(body.len(), |e| e + 1)];
            for (j, _) in body.match_indices("=> \"") {
                let rest = &body[j + 4..];
                if let Some(end) = rest.find('"') {
                    codes.insert(rest[..end].to_string());
                }
            }
        }
    }
    codes
}

/// Every problem `code` the server can send is shown in the page's language, never in the
/// server's English (`errorText` in ui.js looks up `error.<code>`).
#[test]
fn every_error_code_the_server_sends_has_a_text() {
    let codes = server_error_codes();
    assert!(
        codes.len() > 40,
        "found only {codes:?}: is the scan broken?"
    );
    for code in [
        "not_found",
        "already_voted",
        "password_too_short",
        "invalid_check_digit",
    ] {
        assert!(codes.contains(code), "the scan misses {code}");
    }
    let english = texts("en");
    let missing: Vec<_> = codes
        .iter()
        .filter(|code| !english.contains_key(&format!("error.{code}")))
        .collect();
    assert!(
        missing.is_empty(),
        "en.json has no error text for {missing:?}"
    );
}
