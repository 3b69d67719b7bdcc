//! Every path in the OpenAPI document, asked with every method it does not declare, answers
//! 405 `method_not_allowed`; asked with one it declares, anything but 405. The router, the
//! document and the 405 answers are built from one table (`routes.rs`): this is the proof
//! that they agree.

use kurultai::openapi::ApiDoc;
use reqwest::Method;
use serde_json::Value;
use utoipa::openapi::path::PathItem;
use utoipa::OpenApi;

use crate::helpers::spawn_app;

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

fn declares(item: &PathItem, method: &Method) -> bool {
    match *method {
        Method::GET => item.get.is_some(),
        Method::POST => item.post.is_some(),
        Method::PUT => item.put.is_some(),
        Method::PATCH => item.patch.is_some(),
        Method::DELETE => item.delete.is_some(),
        _ => unreachable!(),
    }
}

/// A concrete path for a templated one (nothing needs to exist behind it).
fn concrete(path: &str) -> String {
    path.replace("{slug}", "no-such-town")
        .replace("{id}", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
        .replace("{code}", "ABCD-EFGH")
}

#[tokio::test]
async fn every_undeclared_method_on_a_documented_path_is_405() {
    let app = spawn_app().await;
    let doc = ApiDoc::openapi();
    let mut wrong = Vec::new();
    for (path, item) in &doc.paths.paths {
        let url = concrete(path);
        for method in METHODS {
            let response = app
                .request(method.clone(), &url, None)
                .send()
                .await
                .expect("request sent");
            let status = response.status().as_u16();
            if declares(item, &method) {
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
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
