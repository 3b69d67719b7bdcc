//! What makes `openapi.yaml` something clients can be generated from (issue 16, point 5),
//! checked on the document the code generates. `scripts/api_clients.sh` goes further and
//! runs the generators and Spectral themselves.

use std::collections::BTreeSet;

use serde_yaml::Value;

fn document() -> Value {
    serde_yaml::from_str(&kurultai::openapi::yaml()).expect("the document is YAML")
}

/// Every operation, as (`METHOD /path`, operation).
fn operations(doc: &Value) -> Vec<(String, Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_mapping().expect("paths") {
        for (method, op) in item.as_mapping().expect("a path item") {
            let name = format!(
                "{} {}",
                method.as_str().unwrap().to_uppercase(),
                path.as_str().unwrap()
            );
            all.push((name, op.clone()));
        }
    }
    all
}

#[test]
fn operation_ids_are_unique_and_lower_camel_case() {
    let doc = document();
    let mut seen = BTreeSet::new();
    for (name, op) in operations(&doc) {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no operationId"));
        assert!(
            id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{name}: operationId {id:?} is not lowerCamelCase"
        );
        assert!(
            seen.insert(id.to_string()),
            "{name}: operationId {id:?} is used twice"
        );
    }
}

#[test]
fn every_operation_declares_its_security() {
    let doc = document();
    assert!(doc["components"]["securitySchemes"]["bearer"].is_mapping());
    for (name, op) in operations(&doc) {
        let security = op["security"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name} declares no security"));
        assert!(!security.is_empty(), "{name}: empty security list");
        for requirement in security {
            let requirement = requirement.as_mapping().expect("a requirement");
            assert!(
                requirement.keys().all(|k| k.as_str() == Some("bearer")),
                "{name}: unknown security scheme"
            );
        }
    }
}

#[test]
fn summaries_are_one_short_line() {
    let doc = document();
    for (name, op) in operations(&doc) {
        let summary = op["summary"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no summary"));
        assert!(
            summary.chars().count() <= 120 && !summary.contains('\n'),
            "{name}: summary is longer than one line of 120 characters: {summary:?}"
        );
    }
}

#[test]
fn every_429_says_when_to_retry() {
    let doc = document();
    let mut found = 0;
    for (name, op) in operations(&doc) {
        if let Some(response) = op["responses"].get("429") {
            found += 1;
            assert!(
                response["headers"]["Retry-After"].is_mapping(),
                "{name}: 429 without Retry-After"
            );
        }
    }
    assert!(found >= 2, "login and registration are throttled");
}

/// Any operation that uses the database answers 503 `database_unavailable` with `Retry-After`
/// when the database is away (issue 17, point 1); the document says so on each of them.
#[test]
fn every_operation_on_the_database_documents_its_503_with_retry_after() {
    let doc = document();
    for (name, op) in operations(&doc) {
        let without_database =
            matches!(op["operationId"].as_str(), Some("getHealth" | "getMetrics"));
        match op["responses"].get("503") {
            Some(response) => assert!(
                response["headers"]["Retry-After"].is_mapping(),
                "{name}: 503 without Retry-After"
            ),
            None => assert!(without_database, "{name}: no 503 documented"),
        }
    }
}

#[test]
fn file_bodies_are_binary_strings() {
    let doc = document();
    for (name, op) in operations(&doc) {
        let request = op["requestBody"]["content"].as_mapping().cloned();
        let responses = op["responses"].as_mapping().cloned().unwrap_or_default();
        let contents = request.into_iter().chain(
            responses
                .values()
                .filter_map(|r| r["content"].as_mapping().cloned()),
        );
        for content in contents {
            for (media, body) in &content {
                let media = media.as_str().unwrap();
                let is_file = media.starts_with("text/csv")
                    || media.starts_with("application/gzip")
                    || (media.starts_with("text/plain") && name.ends_with(".pb"));
                if is_file {
                    assert_eq!(
                        body["schema"]["type"].as_str(),
                        Some("string"),
                        "{name} {media}"
                    );
                    assert_eq!(
                        body["schema"]["format"].as_str(),
                        Some("binary"),
                        "{name} {media}"
                    );
                }
            }
        }
    }
}

#[test]
fn page_limits_are_in_the_schema() {
    let doc = document();
    let mut found = 0;
    for (name, op) in operations(&doc) {
        for param in op["parameters"].as_sequence().into_iter().flatten() {
            if param["name"] == "limit" {
                found += 1;
                let schema = &param["schema"];
                assert_eq!(schema["minimum"].as_u64(), Some(1), "{name}");
                assert!(schema["maximum"].as_u64().is_some(), "{name}");
                assert!(schema["default"].as_u64().is_some(), "{name}");
            }
        }
    }
    assert_eq!(found, 5, "every paged list has a limit");
}

#[test]
fn every_reference_resolves() {
    let text = kurultai::openapi::yaml();
    let doc = document();
    let schemas = doc["components"]["schemas"].as_mapping().expect("schemas");
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("$ref: '#/components/schemas/") {
            let name = rest.trim_end_matches('\'');
            assert!(
                schemas.contains_key(name),
                "$ref to a missing schema {name}"
            );
        }
    }
}

#[test]
fn the_document_names_its_servers() {
    let doc = document();
    let servers = doc["servers"].as_sequence().expect("servers");
    assert!(!servers.is_empty());
}

#[test]
fn the_main_flows_have_request_and_response_examples() {
    let doc = document();
    let ops = operations(&doc);
    let main_flows = [
        "createMunicipality",
        "registerResident",
        "login",
        "createCycle",
        "createBudget",
        "createProposal",
        "castBallot",
        "getResults",
    ];
    for id in main_flows {
        let (name, op) = ops
            .iter()
            .find(|(_, op)| op["operationId"] == id)
            .unwrap_or_else(|| panic!("no operation {id}"));
        if let Some(request) = op["requestBody"]["content"]["application/json"].as_mapping() {
            assert!(
                request.contains_key("example"),
                "{name}: no request example"
            );
        }
        let responses = op["responses"].as_mapping().unwrap();
        let success = responses
            .iter()
            .find(|(status, _)| status.as_str().is_some_and(|s| s.starts_with('2')))
            .map(|(_, response)| response)
            .unwrap_or_else(|| panic!("{name}: no success response"));
        assert!(
            success["content"]["application/json"]["example"].is_mapping(),
            "{name}: no response example"
        );
    }
}
