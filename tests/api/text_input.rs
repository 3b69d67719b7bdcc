//! Issue 15, finding 4: text that no field should hold (NUL, other control characters,
//! bidirectional overrides, invisible-only text) is refused with 422 `invalid_text` in every
//! text field the API declares, on both databases — never stored, never a 500.
//!
//! The fields are not a hand-kept list: the test walks `openapi.yaml` (every JSON request
//! body's string fields at any depth, every string query and header parameter, every path
//! parameter), so a field added to the API is tested the day it is documented.

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::helpers::spawn_app;
use crate::support::{FieldError, MunicipalityBuilder, ResidentView, Session};

/// What each hostile value is, and whether a multi-line field may hold it.
const HOSTILE: &[(&str, &str, bool)] = &[
    ("NUL", "a\u{0}b", false),
    ("escape", "a\u{1b}[31mb", false),
    ("DEL", "a\u{7f}b", false),
    ("C1 next line", "a\u{85}b", false),
    ("right-to-left override", "ab\u{202E}cd", false),
    ("first-strong isolate", "a\u{2068}b", false),
    ("zero-width only", "\u{200B}\u{200D}", false),
    ("Hangul filler only", "\u{3164}", false),
    ("newline", "a\nb", true),
    ("tab", "a\tb", true),
    ("line separator", "a\u{2028}b", true),
];

fn openapi() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .expect("openapi.yaml");
    serde_yaml::from_str(&text).expect("openapi.yaml is YAML")
}

/// A step from a body's root to one of its string fields.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    AnyKey,
    Item,
}

/// Every path from the schema to a string, through `$ref`, `oneOf`/`anyOf`/`allOf`,
/// properties, maps and arrays.
fn string_fields(api: &Value, schema: &Value, at: Vec<Step>, out: &mut Vec<Vec<Step>>) {
    if at.len() > 8 {
        return;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return string_fields(api, &api["components"]["schemas"][name], at, out);
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        for option in schema[combinator].as_array().into_iter().flatten() {
            string_fields(api, option, at.clone(), out);
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.contains(&"string") && !out.iter().any(|p| same(p, &at)) {
        out.push(at.clone());
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (key, property) in properties {
            let mut next = at.clone();
            next.push(Step::Key(key.clone()));
            string_fields(api, property, next, out);
        }
    }
    if schema["additionalProperties"].is_object() {
        let mut next = at.clone();
        next.push(Step::AnyKey);
        string_fields(api, &schema["additionalProperties"], next, out);
    }
    if types.contains(&"array") {
        let mut next = at;
        next.push(Step::Item);
        string_fields(api, &schema["items"], next, out);
    }
}

fn same(a: &[Step], b: &[Step]) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// A body holding `value` at `path` and nothing else.
fn body_with(path: &[Step], value: &str) -> Value {
    match path.split_first() {
        None => Value::String(value.to_string()),
        Some((Step::Key(key), rest)) => {
            Value::Object(Map::from_iter([(key.clone(), body_with(rest, value))]))
        }
        Some((Step::AnyKey, rest)) => {
            Value::Object(Map::from_iter([("en".to_string(), body_with(rest, value))]))
        }
        Some((Step::Item, rest)) => Value::Array(vec![body_with(rest, value)]),
    }
}

fn describe(path: &[Step]) -> String {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => format!(".{k}"),
            Step::AnyKey => ".en".into(),
            Step::Item => "[0]".into(),
        })
        .collect()
}

fn is_secret(path: &[Step]) -> bool {
    path.iter()
        .any(|s| matches!(s, Step::Key(k) if k.contains("password")))
}

fn is_multi_line(path: &[Step]) -> bool {
    path.iter()
        .any(|s| matches!(s, Step::Key(k) if ["descriptions", "description", "reason"].contains(&k.as_str())))
}

fn percent_encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The operations of the document: method, path template, operation.
fn operations(api: &Value) -> Vec<(Method, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if let Ok(method) = method.to_uppercase().parse::<Method>() {
                out.push((method, path.clone(), operation.clone()));
            }
        }
    }
    out
}

/// Fills a path template: the test town's slug for `{slug}`, a fresh UUID for ids.
fn fill(template: &str, slug: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            "{slug}" => slug,
            s if s.starts_with('{') => "0195a1c4-7d2e-7b4c-9d3e-2f6a8b1c0d9e",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

struct Sent {
    /// The platform admin: every request is sent with its token.
    platform: Session,
    failures: Vec<String>,
    requests: usize,
}

impl Sent {
    /// Sends the request; `refused` says whether `invalid_text` is the required answer.
    async fn check(&mut self, what: String, request: reqwest::RequestBuilder, refused: bool) {
        self.requests += 1;
        let reply = self.platform.exchange(request).await;
        let status = reply.status;
        if status.is_server_error() {
            self.failures.push(format!("{what}: {status}"));
            return;
        }
        if refused || status.is_client_error() {
            let is_problem = reply
                .header("content-type")
                .is_some_and(|v| v.starts_with("application/problem+json"));
            if !is_problem {
                self.failures
                    .push(format!("{what}: {status} without problem+json"));
                return;
            }
            let problem = reply.problem();
            if refused && (status != 422 || problem.code != "invalid_text") {
                self.failures.push(format!(
                    "{what}: {status} {:?} instead of 422 invalid_text",
                    problem.code
                ));
            }
        }
    }
}

#[tokio::test]
async fn every_declared_text_field_refuses_hostile_text() {
    let app = spawn_app().await;
    let slug = "textville";
    app.create_municipality(MunicipalityBuilder::turkish(slug))
        .await;
    let api = openapi();
    let mut sent = Sent {
        platform: app.platform_admin().await,
        failures: Vec::new(),
        requests: 0,
    };
    let mut fields = 0;
    for (method, template, operation) in operations(&api) {
        let url = fill(&template, slug);
        // Request bodies: every string field, alone in an otherwise empty body.
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        if !schema.is_null() {
            let mut paths = Vec::new();
            string_fields(&api, schema, Vec::new(), &mut paths);
            for path in paths {
                fields += 1;
                for (name, value, multi_line_ok) in HOSTILE {
                    let refused = if is_secret(&path) {
                        *name == "NUL"
                    } else {
                        !(is_multi_line(&path) && *multi_line_ok)
                    };
                    let body = body_with(&path, value);
                    let request = sent.platform.request(method.clone(), &url).json(&body);
                    let what = format!("{method} {template} body{} {name}", describe(&path));
                    sent.check(what, request, refused).await;
                }
            }
        }
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let (name, place) = (parameter["name"].as_str().unwrap(), &parameter["in"]);
            let is_text = parameter["schema"]["type"] == "string"
                || parameter["schema"]["type"]
                    .as_array()
                    .is_some_and(|ts| ts.contains(&json!("string")));
            fields += 1;
            for (hostile, value, _) in HOSTILE {
                let what = format!("{method} {template} {place} {name} {hostile}");
                if place == "query" && is_text {
                    let url = format!("{url}?{name}={}", percent_encode(value));
                    let request = sent.platform.request(method.clone(), &url);
                    sent.check(what, request, true).await;
                } else if place == "path" {
                    let url = fill(
                        &template.replace(&format!("{{{name}}}"), &percent_encode(value)),
                        slug,
                    );
                    let request = sent.platform.request(method.clone(), &url);
                    sent.check(what, request, true).await;
                } else if place == "header" && is_text {
                    // HTTP itself cannot carry control characters in a header; the rest can.
                    let Ok(header) = HeaderValue::from_bytes(value.as_bytes()) else {
                        continue;
                    };
                    let request = sent
                        .platform
                        .request(method.clone(), &url)
                        .header(HeaderName::from_bytes(name.as_bytes()).unwrap(), header)
                        .json(&json!({}));
                    sent.check(what, request, true).await;
                }
            }
        }
    }
    assert!(
        fields > 60 && sent.requests > 500,
        "only {fields} fields and {} requests: is the walk broken?",
        sent.requests
    );
    assert!(
        sent.failures.is_empty(),
        "{} of {} requests answered wrongly:\n{}",
        sent.failures.len(),
        sent.requests,
        sent.failures.join("\n")
    );
}

/// The four fields of the finding, with everything else valid, on a real municipality: NUL is
/// 422 `invalid_text` naming the field; nothing was stored.
#[tokio::test]
async fn nul_in_the_reported_fields_is_invalid_text_not_a_server_error() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("nulton"))
        .await;
    let anyone = app.anonymous();
    let register = anyone
        .post(
            "/api/v1/municipalities/nulton/residents",
            &json!({"national_id": "10000000146", "full_name": "Ayşe\u{0}Yılmaz",
                    "birth_date": "1990-01-01", "password": "a long and unusual passphrase"}),
        )
        .await;
    let login = app
        .attempt_login(Some("nulton"), "a\u{0}@x.example", "whatever it is")
        .await;
    let staff = city
        .admin
        .post(
            "/api/v1/municipalities/nulton/staff",
            &json!({"email": "o@nulton.example", "display_name": "Official\u{0}",
                    "role": "official"}),
        )
        .await;
    for (reply, field) in [
        (register, "full_name"),
        (login, "login"),
        (staff, "display_name"),
    ] {
        assert_eq!(reply.status, 422, "{field}");
        let problem = reply.problem();
        assert_eq!(problem.code, "invalid_text", "{field}");
        assert_eq!(
            problem.errors()[0],
            FieldError {
                field: field.into(),
                code: "control_character".into()
            }
        );
    }
    // Nothing of it was stored: the ID registers cleanly afterwards.
    let resident: ResidentView = anyone
        .post(
            "/api/v1/municipalities/nulton/residents",
            &json!({"national_id": "10000000146", "full_name": "Ays\u{327}e Yılmaz",
                    "birth_date": "1990-01-01", "password": "a long and unusual passphrase"}),
        )
        .await
        .created();
    // Stored in NFC: the decomposed "s + combining cedilla" became "ş".
    assert_eq!(resident.full_name, "Ayşe Yılmaz");
}
