//! Reading proposals: who may see one, one proposal, and the lists (filtered and sorted here,
//! see the module's top).

use std::collections::BTreeMap;

use crate::db::budgets::BudgetRow;
use crate::db::proposals::{self as rows, ProposalRow};
use crate::db::{budgets, Db};
use crate::domain::ids::{BudgetId, CycleId, ProposalId};
use crate::domain::{ProposalStatus, Texts};
use crate::service::scope::{self, is_staff, CycleScope};
use crate::service::Actor;
use crate::service::{Error, Result};

/// Whether `caller` may read `row`: approved ones are public with their cycle; authors see
/// their own; staff see all.
fn readable(row: &ProposalRow, caller: Option<&Actor>, scope: &CycleScope) -> bool {
    row.status == ProposalStatus::Approved && scope.status.is_public()
        || is_staff(caller, &scope.municipality)
        || caller.is_some_and(|c| row.author_account_id.as_deref() == Some(c.account_id.as_str()))
}

pub async fn get(
    db: &Db,
    caller: Option<&Actor>,
    id: ProposalId,
) -> Result<(ProposalRow, BudgetRow, CycleScope)> {
    let caller = caller.cloned();
    db.read(move |conn| {
        let row = rows::find(conn, &id)?;
        let (budget, scope) = scope::budget(conn, &row.budget_id)?;
        if !readable(&row, caller.as_ref(), &scope) {
            return Err(Error::not_found());
        }
        Ok((row, budget, scope))
    })
    .await
}

/// How a list is sorted; ties always fall back to the id, so pages are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Oldest first: the order they were submitted in.
    #[default]
    Submitted,
    Newest,
    CostAsc,
    CostDesc,
    /// By title in the reader's language.
    Title,
}

impl std::str::FromStr for Sort {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "submitted" => Sort::Submitted,
            "newest" => Sort::Newest,
            "cost" => Sort::CostAsc,
            "-cost" => Sort::CostDesc,
            "title" => Sort::Title,
            _ => {
                return Err(Error::malformed(
                    "invalid_query",
                    "sort is one of submitted, newest, cost, -cost, title",
                ))
            }
        })
    }
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub status: Option<String>,
    pub category: Option<String>,
    pub district: Option<String>,
    /// Words that must all occur in a title or description (any language, any case).
    pub search: Option<String>,
    pub sort: Sort,
    pub language: String,
    pub page: u32,
    pub limit: u32,
}

pub struct Listed {
    pub items: Vec<(ProposalRow, BudgetRow)>,
    pub total: usize,
    pub scope: CycleScope,
}

/// Proposals of one budget (`budget_id`) or of every budget of a cycle.
pub async fn list(
    db: &Db,
    caller: Option<&Actor>,
    budget_id: Option<BudgetId>,
    cycle_id: Option<CycleId>,
    query: ListQuery,
) -> Result<Listed> {
    let caller = caller.cloned();
    db.read(move |conn| {
        let (budgets, scope) = match (budget_id.clone(), cycle_id.clone()) {
            (Some(b), _) => {
                let (budget, scope) = scope::budget(conn, &b)?;
                (vec![budget], scope)
            }
            (None, Some(c)) => {
                let scope = scope::cycle(conn, &c)?;
                (budgets::of_cycle(conn, &scope.cycle.id)?, scope)
            }
            (None, None) => return Err(Error::internal("list needs a budget or a cycle")),
        };
        scope.check_read(caller.as_ref())?;
        if query.status.is_some() && !is_staff(caller.as_ref(), &scope.municipality) {
            // The public sees approved proposals only; a filter must not hint at the others.
            if query.status.as_deref().map(str::parse) != Some(Ok(ProposalStatus::Approved)) {
                return Err(Error::forbidden());
            }
        }
        let mut items = Vec::new();
        for budget in budgets {
            if query
                .district
                .as_ref()
                .is_some_and(|d| budget.district_id.as_deref() != Some(d.as_str()))
            {
                continue;
            }
            for row in rows::of_budget(conn, &budget.id)? {
                if readable(&row, caller.as_ref(), &scope) && matches(&row, &query) {
                    items.push((row, budget.clone()));
                }
            }
        }
        sort(
            &mut items,
            query.sort,
            &query.language,
            scope.municipality.default_language(),
        );
        let total = items.len();
        let start = (query.page.saturating_sub(1) as usize).saturating_mul(query.limit as usize);
        let items = items
            .into_iter()
            .skip(start)
            .take(query.limit as usize)
            .collect();
        Ok(Listed {
            items,
            total,
            scope,
        })
    })
    .await
}

fn matches(row: &ProposalRow, query: &ListQuery) -> bool {
    // An unknown status matches no proposal (an empty list), as it always has.
    if query
        .status
        .as_deref()
        .is_some_and(|s| s.parse() != Ok(row.status))
    {
        return false;
    }
    if query
        .category
        .as_ref()
        .is_some_and(|c| row.category.as_deref() != Some(c.to_lowercase().as_str()))
    {
        return false;
    }
    match &query.search {
        None => true,
        Some(words) => {
            // The search reads the stored JSON text, keys included, as it always has.
            let (titles, descriptions) = (row.titles.clone(), row.descriptions.clone());
            let haystack =
                format!("{} {}", String::from(titles), String::from(descriptions)).to_lowercase();
            words
                .to_lowercase()
                .split_whitespace()
                .all(|w| haystack.contains(w))
        }
    }
}

/// The text of a stored translation map in `language`, else the default.
pub fn text_in(texts: &Texts, language: &str, default: &str) -> String {
    crate::domain::translations::pick(texts, language, default)
}

fn sort(items: &mut [(ProposalRow, BudgetRow)], sort: Sort, language: &str, default: &str) {
    match sort {
        Sort::Submitted => {
            items.sort_by(|a, b| (a.0.created_at, &a.0.id).cmp(&(b.0.created_at, &b.0.id)))
        }
        Sort::Newest => {
            items.sort_by(|a, b| (b.0.created_at, &a.0.id).cmp(&(a.0.created_at, &b.0.id)))
        }
        Sort::CostAsc => {
            items.sort_by(|a, b| (a.0.cost_minor, &a.0.id).cmp(&(b.0.cost_minor, &b.0.id)))
        }
        Sort::CostDesc => {
            items.sort_by(|a, b| (b.0.cost_minor, &a.0.id).cmp(&(a.0.cost_minor, &b.0.id)))
        }
        Sort::Title => items.sort_by_cached_key(|(row, _)| {
            (
                text_in(&row.titles, language, default).to_lowercase(),
                row.id.clone(),
            )
        }),
    }
}

/// Stored translations as a view shows them.
pub fn translations(texts: &Texts) -> Result<BTreeMap<String, String>> {
    Ok(texts.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pairs: &[(&str, &str)]) -> Texts {
        Texts(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_text_is_shown_in_the_asked_language_else_the_default() {
        let titles = texts(&[("kk", "Саябақ"), ("ru", "Парк")]);
        assert_eq!(text_in(&titles, "ru", "kk"), "Парк");
        assert_eq!(text_in(&titles, "kk", "kk"), "Саябақ");
        assert_eq!(text_in(&titles, "en", "kk"), "Саябақ");
        assert_eq!(
            text_in(&texts(&[("ru", "Парк")]), "en", "kk"),
            "Парк",
            "any text beats none"
        );
        assert_eq!(
            text_in(&texts(&[]), "ru", "kk"),
            "",
            "no text shows nothing"
        );
    }

    #[test]
    fn stored_translations_are_shown_whole() {
        let map = translations(&texts(&[("kk", "Саябақ"), ("ru", "Парк")])).unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map["ru"], "Парк");
        assert!(translations(&texts(&[])).unwrap().is_empty());
    }

    use crate::domain::cycle::CycleStatus;
    use crate::domain::Role;
    use crate::service::test_support::{actor, budget, cycle_scope, municipality, proposal};

    #[test]
    fn approved_proposals_are_public_the_rest_for_their_author_and_staff() {
        let public = cycle_scope(municipality("m-1"), CycleStatus::Submission);
        let author = Actor {
            account_id: "account-9".into(),
            ..actor(Role::Resident, Some("m-1"))
        };
        let neighbour = actor(Role::Resident, Some("m-1"));
        let official = actor(Role::Official, Some("m-1"));
        let stranger = actor(Role::Official, Some("m-2"));
        let approved = proposal("p-1", "Саябақ", 100);
        for reader in [None, Some(&neighbour), Some(&stranger), Some(&author)] {
            assert!(readable(&approved, reader, &public));
        }
        for status in [
            ProposalStatus::Submitted,
            ProposalStatus::Rejected,
            ProposalStatus::Withdrawn,
        ] {
            let row = ProposalRow {
                status,
                ..approved.clone()
            };
            assert!(!readable(&row, None, &public), "{status:?}");
            assert!(!readable(&row, Some(&neighbour), &public), "{status:?}");
            assert!(!readable(&row, Some(&stranger), &public), "{status:?}");
            assert!(readable(&row, Some(&author), &public), "{status:?}");
            assert!(readable(&row, Some(&official), &public), "{status:?}");
        }
        let draft = cycle_scope(municipality("m-1"), CycleStatus::Draft);
        assert!(!readable(&approved, None, &draft));
        assert!(readable(&approved, Some(&official), &draft));
    }

    fn query(status: Option<&str>, category: Option<&str>, search: Option<&str>) -> ListQuery {
        ListQuery {
            status: status.map(str::to_string),
            category: category.map(str::to_string),
            search: search.map(str::to_string),
            ..ListQuery::default()
        }
    }

    #[test]
    fn a_list_filters_by_status_category_and_every_searched_word() {
        let row = ProposalRow {
            category: Some("parks".to_string()),
            descriptions: texts(&[("kk", "Жаңа ағаштар"), ("ru", "Новые Деревья")]),
            ..proposal("p-1", "Саябақ", 100)
        };
        assert!(matches(&row, &query(None, None, None)));
        assert!(matches(&row, &query(Some("approved"), None, None)));
        assert!(!matches(&row, &query(Some("submitted"), None, None)));
        assert!(!matches(&row, &query(Some("no-such-status"), None, None)));
        assert!(matches(&row, &query(None, Some("Parks"), None)));
        assert!(!matches(&row, &query(None, Some("roads"), None)));
        let uncategorised = ProposalRow {
            category: None,
            ..row.clone()
        };
        assert!(!matches(&uncategorised, &query(None, Some("parks"), None)));
        assert!(matches(&row, &query(None, None, Some("САЯБАҚ деревья"))));
        assert!(matches(&row, &query(None, None, Some("  новые  "))));
        assert!(!matches(&row, &query(None, None, Some("саябақ дорога"))));
    }

    fn ids(items: &[(ProposalRow, BudgetRow)]) -> Vec<&str> {
        items.iter().map(|(row, _)| row.id.as_str()).collect()
    }

    #[test]
    fn lists_sort_by_time_cost_or_title_with_ties_broken_by_id() {
        let at = |day| {
            chrono::NaiveDate::from_ymd_opt(2026, 3, day)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
        };
        let made = |id: &str, title: &str, cost, day| {
            let mut row = proposal(id, title, cost);
            row.titles.0.insert("ru".to_string(), format!("ru {title}"));
            row.created_at = at(day);
            (row, budget("budget-1", 1_000))
        };
        let mut items = vec![
            made("c", "bravo", 300, 2),
            made("a", "Charlie", 100, 3),
            made("d", "alpha", 300, 1),
            made("b", "Bravo", 200, 2),
        ];
        // In Russian, "a" is titled first.
        items[1]
            .0
            .titles
            .0
            .insert("ru".to_string(), "ru aaa".to_string());
        let mut sorted = |how, language| {
            sort(&mut items, how, language, "kk");
            ids(&items).join("")
        };
        assert_eq!(sorted(Sort::Submitted, "kk"), "dbca");
        assert_eq!(sorted(Sort::Newest, "kk"), "abcd");
        assert_eq!(sorted(Sort::CostAsc, "kk"), "abcd");
        assert_eq!(sorted(Sort::CostDesc, "kk"), "cdba");
        assert_eq!(sorted(Sort::Title, "kk"), "dbca");
        assert_eq!(sorted(Sort::Title, "en"), "dbca");
        assert_eq!(sorted(Sort::Title, "ru"), "adbc");
    }

    #[test]
    fn sorts_are_named_as_the_query_string_names_them() {
        let parsed: Vec<Sort> = ["submitted", "newest", "cost", "-cost", "title"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(
            parsed,
            [
                Sort::Submitted,
                Sort::Newest,
                Sort::CostAsc,
                Sort::CostDesc,
                Sort::Title
            ]
        );
        for bad in ["", "Cost", "+cost", "oldest"] {
            let err = bad.parse::<Sort>().unwrap_err();
            assert_eq!(err.code(), "invalid_query", "{bad:?}");
        }
    }
}
