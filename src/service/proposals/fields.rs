//! A proposal as sent, and the checks of its fields against the municipality's languages and
//! the budget.

use std::collections::BTreeMap;

use crate::db::budgets::BudgetRow;
use crate::db::proposals::ProposalRow;
use crate::domain::{
    FieldError, LanguageTag, Location, MunicipalitySettings, Texts, Translations, ValidationErrors,
};
use crate::service::municipalities::parse_texts;
use crate::service::scope::CycleScope;
use crate::service::Result;

pub const TITLE_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 10_000;
pub const CATEGORY_MAX_CHARS: usize = 64;

/// A proposal as sent; on update, absent fields keep their value.
#[derive(Debug, Clone, Default)]
pub struct ProposalInput {
    pub titles: Option<BTreeMap<String, String>>,
    pub descriptions: Option<BTreeMap<String, String>>,
    pub cost_minor: Option<i64>,
    pub category: Option<Option<String>>,
    pub location: Option<Option<Location>>,
}

pub(super) fn apply(
    row: &mut ProposalRow,
    input: &ProposalInput,
    budget: &BudgetRow,
    scope: &CycleScope,
) -> Result<()> {
    let settings = scope.municipality.settings.clone();
    let mut errors = ValidationErrors::new();
    if let Some(titles) = &input.titles {
        if let Some(t) =
            texts_in_any_language("titles", titles, &settings, TITLE_MAX_CHARS, &mut errors)
        {
            row.titles = Texts::from(&t);
        }
    }
    if let Some(descriptions) = &input.descriptions {
        if let Some(d) = texts_in_any_language(
            "descriptions",
            descriptions,
            &settings,
            DESCRIPTION_MAX_CHARS,
            &mut errors,
        ) {
            row.descriptions = Texts::from(&d);
        }
    }
    if let Some(cost) = input.cost_minor {
        if cost <= 0 {
            errors.push(FieldError::new(
                "cost_minor",
                "out_of_range",
                "the cost must be positive",
            ));
        } else if cost > budget.amount_minor {
            errors.push(FieldError::new(
                "cost_minor",
                "cost_above_budget",
                format!(
                    "the cost is above the budget of {} minor units",
                    budget.amount_minor
                ),
            ));
        } else {
            row.cost_minor = cost;
        }
    }
    match &input.category {
        None => {}
        Some(None) => row.category = None,
        Some(Some(c)) => {
            let c = c.trim();
            if c.is_empty() || c.chars().count() > CATEGORY_MAX_CHARS {
                errors.push(FieldError::new(
                    "category",
                    "invalid_category",
                    format!("a category is 1 to {CATEGORY_MAX_CHARS} characters"),
                ));
            } else if !settings.allows_category(&c.to_lowercase()) {
                errors.push(FieldError::new(
                    "category",
                    "unknown_category",
                    "the category is not one of the municipality's categories",
                ));
            } else {
                row.category = Some(c.to_lowercase());
            }
        }
    }
    match &input.location {
        None => {}
        Some(None) => row.set_location(None),
        Some(Some(loc)) => {
            if loc.is_on_earth() {
                row.set_location(Some(*loc));
            } else {
                errors.push(FieldError::new(
                    "location",
                    "invalid_location",
                    "latitude must be within ±90 and longitude within ±180",
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into())
    }
}

/// A proposal's texts: like a municipality's names, except that a resident writes in their own
/// language, so any one enabled language will do (readers fall back to it, see
/// `translations::pick`); with none, the default language is what is missing.
fn texts_in_any_language(
    field: &str,
    input: &BTreeMap<String, String>,
    settings: &MunicipalitySettings,
    max_chars: usize,
    errors: &mut ValidationErrors,
) -> Option<Translations> {
    let mut own = ValidationErrors::new();
    let parsed = parse_texts(field, input, settings, max_chars, &mut own);
    let written = input.iter().any(|(tag, text)| {
        !text.trim().is_empty()
            && LanguageTag::parse(tag).is_ok_and(|l| settings.languages.contains(&l))
    });
    let kept: Vec<FieldError> = own
        .0
        .into_iter()
        .filter(|e| !(written && e.field == field && e.code == "missing_default_language"))
        .collect();
    if !kept.is_empty() {
        errors.extend(kept);
        return None;
    }
    parsed.or_else(|| {
        let mut texts = Translations::new();
        for (tag, text) in input {
            if let Ok(language) = LanguageTag::parse(tag) {
                texts.insert(language, text.trim());
            }
        }
        Some(texts)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cycle::CycleStatus;
    use crate::service::test_support::{budget, cycle_scope, error_codes, municipality, proposal};

    /// `input` applied over a proposal costing 100 of a budget of 1,000: the changed proposal,
    /// or the `(field, code)` of every refusal.
    fn applied(input: ProposalInput) -> Result<ProposalRow, Vec<(String, &'static str)>> {
        let scope = cycle_scope(municipality("m-1"), CycleStatus::Submission);
        let mut row = proposal("p-1", "Саябақ", 100);
        match apply(&mut row, &input, &budget("budget-1", 1_000), &scope) {
            Ok(()) => Ok(row),
            Err(err) => Err(error_codes(&err)),
        }
    }

    fn refusals(input: ProposalInput) -> Vec<(String, &'static str)> {
        let mut codes = applied(input).expect_err("refused");
        codes.sort();
        codes
    }

    fn field(name: &str, code: &'static str) -> (String, &'static str) {
        (name.to_string(), code)
    }

    #[test]
    fn absent_fields_keep_their_value() {
        let before = proposal("p-1", "Саябақ", 100);
        let after = applied(ProposalInput::default()).unwrap();
        assert_eq!(
            (
                after.titles,
                after.cost_minor,
                after.category,
                after.location
            ),
            (
                before.titles,
                before.cost_minor,
                before.category,
                before.location
            )
        );
    }

    #[test]
    fn a_cost_is_positive_and_at_most_the_budget() {
        let cost = |c| ProposalInput {
            cost_minor: Some(c),
            ..Default::default()
        };
        assert_eq!(applied(cost(1)).unwrap().cost_minor, 1);
        assert_eq!(applied(cost(1_000)).unwrap().cost_minor, 1_000);
        assert_eq!(refusals(cost(0)), [field("cost_minor", "out_of_range")]);
        assert_eq!(refusals(cost(-5)), [field("cost_minor", "out_of_range")]);
        assert_eq!(
            refusals(cost(1_001)),
            [field("cost_minor", "cost_above_budget")]
        );
    }

    #[test]
    fn a_category_is_trimmed_and_lowercased_or_cleared() {
        let category = |c: Option<&str>| ProposalInput {
            category: Some(c.map(str::to_string)),
            ..Default::default()
        };
        let row = applied(category(Some("  Parks "))).unwrap();
        assert_eq!(row.category.as_deref(), Some("parks"));
        assert_eq!(applied(category(None)).unwrap().category, None);
        let longest = "Ж".repeat(CATEGORY_MAX_CHARS);
        assert!(applied(category(Some(&longest))).is_ok());
        let too_long = "Ж".repeat(CATEGORY_MAX_CHARS + 1);
        for bad in ["   ", "", too_long.as_str()] {
            assert_eq!(
                refusals(category(Some(bad))),
                [field("category", "invalid_category")],
                "{bad:?}"
            );
        }
    }

    #[test]
    fn where_the_municipality_lists_categories_a_category_is_one_of_them() {
        let mut m = municipality("m-1");
        m.settings.proposal_categories = vec![crate::domain::ProposalCategory {
            key: "parks".to_string(),
            names: [("kk".to_string(), "Саябақтар".to_string())].into(),
        }];
        let scope = cycle_scope(m, CycleStatus::Submission);
        let category = |c: &str| ProposalInput {
            category: Some(Some(c.to_string())),
            ..Default::default()
        };
        let mut row = proposal("p-1", "Саябақ", 100);
        let b = budget("budget-1", 1_000);
        assert!(apply(&mut row, &category(" Parks"), &b, &scope).is_ok());
        assert_eq!(row.category.as_deref(), Some("parks"));
        let err = apply(&mut row, &category("roads"), &b, &scope).unwrap_err();
        assert_eq!(error_codes(&err), [field("category", "unknown_category")]);
        let clear = ProposalInput {
            category: Some(None),
            ..Default::default()
        };
        assert!(apply(&mut row, &clear, &b, &scope).is_ok());
    }

    #[test]
    fn a_text_in_any_enabled_language_will_do() {
        let titles = |pairs: &[(&str, &str)]| ProposalInput {
            titles: Some(
                pairs
                    .iter()
                    .map(|(l, t)| (l.to_string(), t.to_string()))
                    .collect(),
            ),
            ..Default::default()
        };
        let row = applied(titles(&[("ru", " Парк ")])).unwrap();
        assert_eq!(row.titles.0.get("ru").map(String::as_str), Some("Парк"));
        assert_eq!(row.titles.0.len(), 1);
        assert_eq!(
            refusals(titles(&[("ru", "  ")])),
            [
                field("titles", "missing_default_language"),
                field("titles.ru", "blank_text")
            ]
        );
        assert_eq!(
            refusals(titles(&[("fr", "Parc")])),
            [
                field("titles", "missing_default_language"),
                field("titles.fr", "language_not_enabled")
            ]
        );
    }

    #[test]
    fn a_location_is_on_earth_or_cleared() {
        let location = |l: Option<Location>| ProposalInput {
            location: Some(l),
            ..Default::default()
        };
        let almaty = Location {
            lat: 43.24,
            lon: 76.89,
        };
        let row = applied(location(Some(almaty))).unwrap();
        assert_eq!(row.location().unwrap(), Some(almaty));
        assert_eq!(applied(location(None)).unwrap().location, None);
        for (lat, lon) in [(90.5, 0.0), (0.0, -180.5), (f64::NAN, 0.0)] {
            assert_eq!(
                refusals(location(Some(Location { lat, lon }))),
                [field("location", "invalid_location")]
            );
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = ProposalInput {
            titles: Some([("ru".to_string(), "Парк".to_string())].into()),
            descriptions: Some([("kk".to_string(), "x".repeat(DESCRIPTION_MAX_CHARS + 1))].into()),
            cost_minor: Some(0),
            category: Some(Some(" ".to_string())),
            location: Some(Some(Location {
                lat: 91.0,
                lon: 0.0,
            })),
        };
        assert_eq!(
            refusals(input),
            [
                field("category", "invalid_category"),
                field("cost_minor", "out_of_range"),
                field("descriptions.kk", "text_too_long"),
                field("location", "invalid_location"),
            ]
        );
    }
}
