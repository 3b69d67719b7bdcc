//! `openapi.yaml` is what the code generates. When this fails, run
//! `cargo run -- openapi > openapi.yaml` and review the diff.

#[test]
fn committed_openapi_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .expect("openapi.yaml at the top of the repository");
    let generated = kurultai::openapi::yaml();
    assert!(
        committed == generated,
        "openapi.yaml is out of date: run `cargo run -- openapi > openapi.yaml`"
    );
}

#[test]
fn every_operation_documents_its_errors_as_problem_json() {
    let doc: serde_yaml::Value = serde_yaml::from_str(&kurultai::openapi::yaml()).unwrap();
    let paths = doc["paths"].as_mapping().unwrap();
    for (path, item) in paths {
        for (method, op) in item.as_mapping().unwrap() {
            let responses = op["responses"].as_mapping().unwrap();
            for (status, response) in responses {
                let status = status.as_str().unwrap();
                if status.starts_with('4') || status.starts_with('5') {
                    let content = &response["content"];
                    assert!(
                        content.get("application/problem+json").is_some(),
                        "{method:?} {path:?} {status} is not problem+json"
                    );
                }
            }
        }
    }
}
