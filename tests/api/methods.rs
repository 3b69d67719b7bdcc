//! Every path in the OpenAPI document, asked with every method it does not declare, answers
//! 405 `method_not_allowed`; asked with one it declares, anything but 405. The router, the
//! document and the 405 answers are built from one table (`routes.rs`): this is the proof
//! that they agree, on one listener and on a split public/admin pair.

use std::collections::BTreeMap;

use kurultai::openapi::ApiDoc;
use kurultai::routes::{self, Route};
use reqwest::Method;
use serde_json::Value;
use utoipa::openapi::path::HttpMethod;
use utoipa::OpenApi;

use crate::helpers::{spawn_app, spawn_app_with};

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

fn method_of(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Each path with the methods it declares.
type Declared = BTreeMap<String, Vec<Method>>;

fn declared_in_document() -> Declared {
    let mut declared = Declared::new();
    for (path, item) in &ApiDoc::openapi().paths.paths {
        let methods = declared.entry(path.clone()).or_default();
        let operations = [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
        ];
        for (method, operation) in operations {
            if operation.is_some() {
                methods.push(method);
            }
        }
    }
    declared
}

fn declared_in(tables: &[&[Route]]) -> Declared {
    let mut declared = Declared::new();
    for route in tables.iter().copied().flatten() {
        let methods = declared.entry((route.path)()).or_default();
        methods.extend((route.methods)().iter().map(method_of));
    }
    declared
}

/// A concrete path for a templated one (nothing needs to exist behind it).
fn concrete(path: &str) -> String {
    path.replace("{slug}", "no-such-town")
        .replace("{id}", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
        .replace("{code}", "ABCD-EFGH")
}

/// What is wrong with `base`'s answers to every method on every path of `declared`.
async fn wrong_answers(client: &reqwest::Client, base: &str, declared: &Declared) -> Vec<String> {
    let mut wrong = Vec::new();
    for (path, methods) in declared {
        let url = format!("{base}{}", concrete(path));
        for method in METHODS {
            let response = client
                .request(method.clone(), &url)
                .send()
                .await
                .expect("request sent");
            let status = response.status().as_u16();
            if methods.contains(&method) {
                if status == 405 {
                    wrong.push(format!("{method} {path}: declared, but 405"));
                }
                continue;
            }
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if status != 405 || body["code"] != "method_not_allowed" {
                wrong.push(format!("{method} {path}: {status} {}", body["code"]));
            }
        }
    }
    wrong
}

#[tokio::test]
async fn every_undeclared_method_on_a_documented_path_is_405() {
    let app = spawn_app().await;
    let wrong = wrong_answers(&app.client, &app.address, &declared_in_document()).await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn a_separate_admin_listener_answers_405_for_its_own_paths() {
    let app = spawn_app_with(|s| s.admin_bind = Some("127.0.0.1:0".into())).await;
    let admin_address = app.admin_address.clone().expect("an admin listener");
    let admin = declared_in(&[routes::OPERATIONS, routes::ADMIN]);
    let public = declared_in(&[routes::OPERATIONS, routes::PUBLIC]);
    let mut wrong = wrong_answers(&app.client, &admin_address, &admin).await;
    wrong.extend(wrong_answers(&app.client, &app.address, &public).await);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
