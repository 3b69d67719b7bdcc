//! The web client is served by the same binary: the page, its assets, their headers, and how
//! much a phone downloads for the first page.

use reqwest::Method;

use crate::helpers::spawn_app;

/// Everything the client could ever load, for an upper bound: the page, the style sheet,
/// every script (pages' modules load only when visited, staff pages included) and the English
/// and one other language's text.
fn whole_client_files() -> Vec<String> {
    let mut files = vec![
        "/".to_string(),
        "/assets/app.css".into(),
        "/assets/i18n/en.json".into(),
        "/assets/i18n/kk.json".into(),
    ];
    let root = js_root();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "js") {
                let rel = path.strip_prefix(&root).unwrap().display().to_string();
                files.push(format!("/assets/js/{rel}"));
            }
        }
    }
    files
}

fn js_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/assets/js")
}

/// The modules a script imports statically (`import … from "./x.js"`, `export … from`,
/// `import "./x.js"`), as paths under `web/assets/js`; dynamic `import()`s load later and
/// are left out.
fn static_imports(module: &str) -> Vec<String> {
    let source = std::fs::read_to_string(js_root().join(module)).unwrap();
    let dir = std::path::Path::new(module).parent().unwrap().to_path_buf();
    let mut found = Vec::new();
    for marker in ["from \"", "import \""] {
        for (at, _) in source.match_indices(marker) {
            let rest = &source[at + marker.len()..];
            let Some(end) = rest.find('"') else { continue };
            let target = &rest[..end];
            if !(target.starts_with("./") || target.starts_with("../")) {
                continue;
            }
            let mut path = dir.clone();
            for part in target.split('/') {
                match part {
                    "." => {}
                    ".." => {
                        path.pop();
                    }
                    part => path.push(part),
                }
            }
            found.push(path.display().to_string());
        }
    }
    found
}

/// What a phone loads for the first page, whichever it is (the home page or a municipality's):
/// the page, the style sheet, every script the page names (`early.js`, `app.js`, the
/// preloaded modules), the home and city views, everything those import statically, and the
/// largest of the nine languages' text.
fn first_page_files() -> Vec<String> {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/index.html"),
    )
    .unwrap();
    let mut modules: Vec<String> = vec!["views/home.js".into(), "views/city.js".into()];
    for (at, _) in page.match_indices("/assets/js/") {
        let rest = &page[at + "/assets/js/".len()..];
        modules.push(rest[..rest.find('"').unwrap()].to_string());
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(module) = modules.pop() {
        if seen.insert(module.clone()) {
            modules.extend(static_imports(&module));
        }
    }
    let i18n = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/assets/i18n");
    let largest = std::fs::read_dir(i18n)
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut files = vec![
        "/".to_string(),
        "/assets/app.css".into(),
        format!(
            "/assets/i18n/{}",
            largest.file_name().unwrap().to_string_lossy()
        ),
    ];
    files.extend(seen.into_iter().map(|m| format!("/assets/js/{m}")));
    files
}

/// The gzip-compressed bytes of `files`, each fetched as a browser would.
async fn compressed_bytes(files: Vec<String>) -> usize {
    let app = spawn_app().await;
    let anyone = app.anonymous();
    let mut total = 0;
    for path in files {
        let reply = anyone
            .exchange(
                anyone
                    .request(Method::GET, &path)
                    .header("accept-encoding", "gzip"),
            )
            .await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-encoding"), Some("gzip"), "{path}");
        total += reply.body.len();
    }
    total
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_with_a_strict_policy() {
    let app = spawn_app().await;
    let anyone = app.anonymous();
    let page = anyone.get("/").await;
    page.expect_status(200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let html = page.text();
    assert!(html.contains(r#"<script type="module" src="/assets/js/app.js">"#));
    assert!(html.contains(r#"aria-live="polite""#));

    for path in whole_client_files() {
        let reply = anyone.get(&path).await;
        assert_eq!(reply.status, 200, "{path}");
        let kind = reply.header("content-type").unwrap();
        let expected = match path.rsplit('.').next() {
            Some("js") => "javascript",
            Some("css") => "text/css",
            Some("json") => "application/json",
            _ => "text/html",
        };
        assert!(kind.contains(expected), "{path}: {kind}");
    }
}

#[tokio::test]
async fn an_unchanged_asset_is_revalidated_without_a_body() {
    let app = spawn_app().await;
    let anyone = app.anonymous();
    let first = anyone.get("/assets/js/app.js").await;
    let etag = first.header("etag").unwrap();
    assert_eq!(first.header("cache-control"), Some("no-cache"));
    let again = anyone
        .exchange(
            anyone
                .request(Method::GET, "/assets/js/app.js")
                .header("if-none-match", etag),
        )
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
}

#[tokio::test]
async fn an_unknown_asset_is_a_problem_not_the_page() {
    let app = spawn_app().await;
    for path in [
        "/assets/nope.js",
        "/assets/../Cargo.toml",
        "/index.html",
        "/assets/",
    ] {
        let reply = app.anonymous().get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.problem().code, "not_found", "{path}");
    }
}

/// A phone on 3G should have the first page within a second or so: the compressed bytes of
/// everything it loads for it stay under 150 KB. (The figure goes in docs/performance.md.)
#[tokio::test]
async fn the_first_page_is_under_150_kb_compressed() {
    let files = first_page_files();
    assert!(files.iter().any(|f| f.ends_with("/views/city.js")));
    assert!(
        files.iter().all(|f| !f.contains("/views/staff/")),
        "{files:?}"
    );
    let total = compressed_bytes(files).await;
    println!("first page: {total} bytes gzip-compressed");
    assert!(total < 150 * 1024, "first page is {total} bytes compressed");
}

/// The whole client (every page's script, staff pages included, and two languages' text)
/// stays under 200 KB compressed: a bound on what the pages cost together, so that growth is
/// seen before it reaches the first page. (The figure goes in docs/performance.md.)
#[tokio::test]
async fn the_whole_client_is_under_200_kb_compressed() {
    let total = compressed_bytes(whole_client_files()).await;
    println!("whole client: {total} bytes gzip-compressed");
    assert!(
        total < 200 * 1024,
        "the whole client is {total} bytes compressed"
    );
}
