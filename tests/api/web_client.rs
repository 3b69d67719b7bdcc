//! The web client is served by the same binary: the page, its assets, their headers, and how
//! much a phone downloads for the first page.

use crate::helpers::{problem, spawn_app};

/// More than the first page loads, for an upper bound: the page, the style sheet, every
/// script (pages' modules load only when visited) and the English and one other language's
/// text.
fn first_page_files() -> Vec<String> {
    let mut files = vec![
        "/".to_string(),
        "/assets/app.css".into(),
        "/assets/i18n/en.json".into(),
        "/assets/i18n/kk.json".into(),
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/assets/js");
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

#[tokio::test]
async fn the_page_and_its_assets_are_served_with_a_strict_policy() {
    let app = spawn_app().await;
    let page = app.get("/", None).await;
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<script type="module" src="/assets/js/app.js">"#));
    assert!(html.contains(r#"aria-live="polite""#));

    for path in first_page_files() {
        let response = app.get(&path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
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
    let first = app.get("/assets/js/app.js", None).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let again = app
        .client
        .get(app.url("/assets/js/app.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
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
        let response = app.get(path, None).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(problem(response).await["code"], "not_found", "{path}");
    }
}

/// A phone on 3G should have the first page within a second or so: the compressed bytes of
/// everything it loads stay under 150 KB. (The figure goes in docs/performance.md.)
#[tokio::test]
async fn the_first_page_is_under_150_kb_compressed() {
    let app = spawn_app().await;
    let mut total = 0;
    for path in first_page_files() {
        let response = app
            .client
            .get(app.url(&path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-encoding"], "gzip", "{path}");
        total += response.bytes().await.unwrap().len();
    }
    println!("first page: {total} bytes gzip-compressed");
    assert!(total < 150 * 1024, "first page is {total} bytes compressed");
}
