//! Every answer a test reads is checked against `openapi.yaml`: where the document declares the
//! status and a JSON body, the body must match its schema — every `required` member present,
//! no `null` where the type does not allow it, every value of an `enum` one of its values. So
//! the document cannot promise a field that the server leaves out or sends as null, on any
//! flow some test walks (and the tests walk them all, on both databases).
//!
//! Statuses the document does not declare, and non-JSON bodies, are other tests' business
//! (`methods.rs`, `openapi_in_step.rs`, schemathesis).

use std::sync::OnceLock;

use serde_json::Value;

fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
            .expect("openapi.yaml");
        serde_yaml::from_str(&text).expect("openapi.yaml is YAML")
    })
}

/// Where the answer to `method path` with `status` and `content_type` breaks the document
/// (nothing when the document says nothing about it).
pub fn mismatches(
    method: &str,
    path: &str,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Vec<String> {
    let doc = document();
    let Some(operation) = operation(doc, method, path) else {
        return Vec::new();
    };
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if !media.ends_with("json") {
        return Vec::new();
    }
    let schema = &operation["responses"][status.to_string()]["content"][media]["schema"];
    if schema.is_null() {
        return Vec::new();
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return vec![format!("the body is not JSON")];
    };
    let mut out = Vec::new();
    check(doc, schema, &value, "$", &mut out);
    out
}

/// The operation of the document that `path` is an instance of (a literal segment beats a
/// `{parameter}`).
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
    let segments: Vec<&str> = path.split('/').collect();
    doc["paths"]
        .as_object()?
        .iter()
        .filter_map(|(template, item)| {
            let parts: Vec<&str> = template.split('/').collect();
            let fits = parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')));
            let operation = &item[method.to_lowercase()];
            let parameters = parts.iter().filter(|t| t.starts_with('{')).count();
            (fits && operation.is_object()).then_some((parameters, operation))
        })
        .min_by_key(|(parameters, _)| *parameters)
        .map(|(_, operation)| operation)
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether `value` matches `schema`, without collecting why.
fn matches(doc: &Value, schema: &Value, value: &Value) -> bool {
    let mut out = Vec::new();
    check(doc, schema, value, "$", &mut out);
    out.is_empty()
}

/// The ways `value` (at `at`) breaks `schema`, pushed onto `out`.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return check(doc, &doc["components"]["schemas"][name], value, at, out);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        check(doc, part, value, at, out);
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(options) = schema[combinator].as_array() {
            if !options.iter().any(|o| matches(doc, o, value)) {
                out.push(format!("{at}: {value} matches no {combinator} option"));
            }
        }
    }
    let actual = type_of(value);
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let fits = |t: &&str| *t == actual || (*t == "number" && actual == "integer");
    if !allowed.is_empty() && !allowed.iter().any(fits) {
        out.push(format!(
            "{at}: {actual} where the document says {allowed:?}"
        ));
        return;
    }
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(value) {
            out.push(format!("{at}: {value} is not one of {values:?}"));
        }
    }
    match value {
        Value::Object(members) => {
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                if !members.contains_key(name) {
                    out.push(format!("{at}: required `{name}` is missing"));
                }
            }
            for (name, member) in members {
                let declared = &schema["properties"][name];
                let schema = if declared.is_null() {
                    &schema["additionalProperties"]
                } else {
                    declared
                };
                if schema.is_object() {
                    check(doc, schema, member, &format!("{at}.{name}"), out);
                }
            }
        }
        Value::Array(items) if schema["items"].is_object() => {
            for (i, item) in items.iter().enumerate() {
                check(doc, &schema["items"], item, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}
