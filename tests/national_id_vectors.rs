//! The national-ID test vectors shared with the web client
//! (`tests/fixtures/national_id_vectors.json`): the server's parser must give exactly the
//! recorded answer for each one, so that `web/assets/js/national_ids.js`, held to the same
//! file by `tests/browser/national_ids.test.mjs`, says what the server says.

use std::collections::{BTreeMap, BTreeSet};

use kurultai::domain::national_id::{CheckDigitPolicy, NationalId, NationalIdScheme, Pepper};
use serde::Deserialize;

const VECTORS: &str = include_str!("fixtures/national_id_vectors.json");

#[derive(Debug, Deserialize)]
struct File {
    vectors: Vec<Vector>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    scheme: NationalIdScheme,
    policy: CheckDigitPolicy,
    input: String,
    expected: Expected,
    note: String,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Expected {
    ok: bool,
    normalized: Option<String>,
    code: Option<String>,
    warning: Option<String>,
    birth_date: Option<String>,
}

fn vectors() -> Vec<Vector> {
    serde_json::from_str::<File>(VECTORS)
        .expect("national_id_vectors.json is well-formed")
        .vectors
}

/// Whether `id` was normalised to `normalized`. The parser never shows a normalised ID (no
/// `Display`, no getter: raw IDs stay inside the module), but its keyed hash is the MAC of
/// `scheme ":" normalised`, which `Pepper::mac` can compute for the expected string.
fn normalised_to(id: &NationalId, normalized: &str) -> bool {
    let pepper = Pepper::new([42u8; 32]).expect("32 bytes is long enough");
    let expected = pepper.mac(&[id.scheme().as_str().as_bytes(), b":", normalized.as_bytes()]);
    id.keyed_hash(&pepper) == expected
}

/// What the parser answers, in the vectors' shape; `normalized` is taken from the expectation
/// once the keyed hash has confirmed it (see [`normalised_to`]).
fn answer(v: &Vector) -> Expected {
    match NationalId::parse_with(v.scheme, &v.input, v.policy) {
        Ok((id, warning)) => {
            let normalized = v
                .expected
                .normalized
                .clone()
                .filter(|n| normalised_to(&id, n))
                .unwrap_or_else(|| "<not the expected normalisation>".to_owned());
            Expected {
                ok: true,
                normalized: Some(normalized),
                code: None,
                warning: warning.map(|w| w.code().to_owned()),
                birth_date: id.birth_date().map(|d| d.format("%Y-%m-%d").to_string()),
            }
        }
        Err(e) => Expected {
            ok: false,
            normalized: None,
            code: Some(e.code().to_owned()),
            warning: None,
            birth_date: None,
        },
    }
}

#[test]
fn the_parser_agrees_with_every_vector() {
    let vectors = vectors();
    let mismatches: Vec<String> = vectors
        .iter()
        .filter_map(|v| {
            let got = answer(v);
            (got != v.expected).then(|| {
                format!(
                    "{} {:?} ({:?}, {}):\n  expected {:?}\n  got      {:?}",
                    v.scheme, v.input, v.policy, v.note, v.expected, got
                )
            })
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} vectors disagree:\n{}",
        mismatches.len(),
        vectors.len(),
        mismatches.join("\n")
    );
}

#[test]
fn a_normalised_id_parses_to_the_same_id() {
    for v in vectors() {
        let Some(normalized) = &v.expected.normalized else {
            continue;
        };
        let (id, _) = NationalId::parse_with(v.scheme, &v.input, v.policy).expect("accepted");
        let (again, _) = NationalId::parse_with(v.scheme, normalized, v.policy).expect("accepted");
        assert_eq!(id, again, "{} {:?}", v.scheme, v.input);
    }
}

/// The file is meant to cover each scheme: at least 6 valid and 8 invalid IDs under `enforce`,
/// every error code the scheme can give, and `warn` for each scheme.
#[test]
fn the_vectors_cover_every_scheme_and_error_code() {
    let vectors = vectors();
    // `birth_date_mismatch` is not here: it comes from `check_birth_date`, not from parsing.
    let codes_of = |scheme: NationalIdScheme| -> BTreeSet<&'static str> {
        let mut codes = BTreeSet::from(["invalid_characters", "invalid_length"]);
        if scheme.encodes_birth_date() || scheme.has_check_digit() {
            codes.insert("invalid_format");
        }
        if scheme.encodes_birth_date() && scheme != NationalIdScheme::HuTaxId {
            codes.insert("invalid_birth_date");
        }
        if scheme.has_check_digit() {
            codes.insert("invalid_check_digit");
        }
        if matches!(scheme, NationalIdScheme::KzIin | NationalIdScheme::HuTaxId) {
            codes.insert("never_issued");
        }
        codes
    };
    let mut valid = BTreeMap::<NationalIdScheme, usize>::new();
    let mut invalid = BTreeMap::<NationalIdScheme, usize>::new();
    let mut codes = BTreeMap::<NationalIdScheme, BTreeSet<&str>>::new();
    let mut warned = BTreeSet::new();
    for v in &vectors {
        if v.policy == CheckDigitPolicy::Warn {
            warned.insert(v.scheme);
            continue;
        }
        if v.expected.ok {
            *valid.entry(v.scheme).or_default() += 1;
        } else {
            *invalid.entry(v.scheme).or_default() += 1;
            codes
                .entry(v.scheme)
                .or_default()
                .insert(v.expected.code.as_deref().unwrap_or("?"));
        }
    }
    for &scheme in NationalIdScheme::ALL {
        assert!(valid.get(&scheme).copied().unwrap_or(0) >= 6, "{scheme}");
        assert!(invalid.get(&scheme).copied().unwrap_or(0) >= 8, "{scheme}");
        assert_eq!(
            codes.get(&scheme).cloned().unwrap_or_default(),
            codes_of(scheme),
            "{scheme}"
        );
        assert!(warned.contains(&scheme), "{scheme} has no `warn` vector");
    }
}
