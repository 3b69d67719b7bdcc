//! The web client is served by the same binary: the page, its assets, their headers, and how
//! much a phone downloads for the first page.

use reqwest::Method;

use crate::helpers::spawn_app;

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

    for path in first_page_files() {
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
/// everything it loads stay under 150 KB. (The figure goes in docs/performance.md.)
#[tokio::test]
async fn the_first_page_is_under_150_kb_compressed() {
    let app = spawn_app().await;
    let anyone = app.anonymous();
    let mut total = 0;
    for path in first_page_files() {
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
    println!("first page: {total} bytes gzip-compressed");
    assert!(total < 150 * 1024, "first page is {total} bytes compressed");
}
