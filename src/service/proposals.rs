//! Proposals: submission (residents during `submission`, officials until voting), edits,
//! review, withdrawal, and the lists residents browse.
//!
//! Lists are filtered and sorted here rather than in SQL: a budget holds hundreds of
//! proposals, not millions, and sorting text in Rust gives the same order on SQLite and
//! PostgreSQL whatever collation the database was created with.

use std::collections::BTreeMap;

use crate::db::budgets::BudgetRow;
use crate::db::proposals::{self as rows, ProposalRow};
use crate::db::{budgets, residents, Db, DbConn};
use crate::domain::cycle::CycleStatus;
use crate::domain::{FieldError, ProposalStatus, ResidentStatus, Role, Texts, ValidationErrors};
use crate::service::audit_log;
use crate::service::municipalities::parse_texts;
use crate::service::now;
use crate::service::scope::{self, is_staff, CycleScope, OFFICIALS};
use crate::service::Actor;
use crate::service::{Error, Result};

pub const TITLE_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 10_000;
pub const CATEGORY_MAX_CHARS: usize = 64;

pub use crate::domain::Location;

/// A proposal as sent; on update, absent fields keep their value.
#[derive(Debug, Clone, Default)]
pub struct ProposalInput {
    pub titles: Option<BTreeMap<String, String>>,
    pub descriptions: Option<BTreeMap<String, String>>,
    pub cost_minor: Option<i64>,
    pub category: Option<Option<String>>,
    pub location: Option<Option<Location>>,
}

fn apply(
    row: &mut ProposalRow,
    input: &ProposalInput,
    budget: &BudgetRow,
    scope: &CycleScope,
) -> Result<()> {
    let settings = scope.municipality.settings.clone();
    let mut errors = ValidationErrors::new();
    if let Some(titles) = &input.titles {
        if let Some(t) = parse_texts("titles", titles, &settings, TITLE_MAX_CHARS, &mut errors) {
            row.titles = Texts::from(&t);
        }
    }
    if let Some(descriptions) = &input.descriptions {
        if let Some(d) = parse_texts(
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

/// The caller as a verified resident of the municipality, or why not.
fn check_resident(conn: &mut DbConn, caller: &Actor, scope: &CycleScope) -> Result<()> {
    if caller.municipality_id.as_deref() != Some(scope.municipality.id.as_str()) {
        return Err(Error::not_found());
    }
    match residents::by_account(conn, &caller.account_id)?.map(|r| r.status) {
        Some(ResidentStatus::Verified) => Ok(()),
        _ => Err(Error::refused(
            "not_verified",
            "Only verified residents can submit proposals.",
        )),
    }
}

fn closed_for(what: &str) -> Error {
    Error::conflict(
        "cycle_not_accepting_proposals",
        format!("The cycle is not in a phase where {what}."),
    )
}

pub async fn create(
    db: &Db,
    caller: &Actor,
    budget_id: String,
    input: ProposalInput,
) -> Result<ProposalRow> {
    let caller = caller.clone();
    db.write(move |conn| {
        let (budget, scope) = scope::budget(conn, &budget_id)?;
        scope.check_read(Some(&caller))?;
        if caller.is(Role::Resident) {
            check_resident(conn, &caller, &scope)?;
            if scope.status != CycleStatus::Submission {
                return Err(closed_for("residents can submit proposals"));
            }
            let budget_ids: Vec<String> = budgets::of_cycle(conn, &scope.cycle.id)?
                .into_iter()
                .map(|b| b.id)
                .collect();
            let limit = i64::from(scope.municipality.settings.max_proposals_per_resident);
            if rows::count_by_author(conn, &budget_ids, &caller.account_id)? >= limit {
                return Err(Error::conflict(
                    "proposal_limit_reached",
                    format!("A resident may submit at most {limit} proposals in a cycle."),
                ));
            }
        } else {
            scope.check_role(&caller, OFFICIALS)?;
            if !scope.status.before_voting() || scope.status == CycleStatus::Draft {
                return Err(closed_for("proposals can be added"));
            }
        }
        let mut missing = ValidationErrors::new();
        for (field, absent) in [
            ("titles", input.titles.is_none()),
            ("descriptions", input.descriptions.is_none()),
            ("cost_minor", input.cost_minor.is_none()),
        ] {
            if absent {
                missing.push(FieldError::new(
                    field,
                    "required",
                    format!("{field} is required"),
                ));
            }
        }
        if !missing.is_empty() {
            return Err(missing.into());
        }
        let at = now();
        let mut row = ProposalRow {
            id: uuid::Uuid::new_v4().to_string(),
            budget_id: budget.id.clone(),
            municipality_id: scope.municipality.id.clone(),
            titles: Texts::default(),
            descriptions: Texts::default(),
            cost_minor: 0,
            category: None,
            location: None,
            author_account_id: Some(caller.account_id.clone()),
            status: ProposalStatus::Submitted,
            status_reason: None,
            on_ballot: false,
            created_at: at,
            updated_at: at,
        };
        apply(&mut row, &input, &budget, &scope)?;
        rows::insert(conn, &row)?;
        audit_log::append(
            conn,
            &caller,
            &scope.municipality.id,
            "proposal.submitted",
            "proposal",
            &row.id,
            serde_json::json!({"budget_id": row.budget_id, "cost_minor": row.cost_minor}),
        )?;
        Ok(row)
    })
    .await
}

/// Loads a proposal for a change by its author (while submitted, during `submission`) or an
/// official (until voting).
fn for_change(
    conn: &mut DbConn,
    caller: &Actor,
    id: &str,
) -> Result<(ProposalRow, BudgetRow, CycleScope)> {
    let row = rows::find(conn, id)?;
    let (budget, scope) = scope::budget(conn, &row.budget_id)?;
    let is_author = row.author_account_id.as_deref() == Some(caller.account_id.as_str());
    if caller.is(Role::Resident) {
        if !is_author {
            return Err(Error::not_found());
        }
        if scope.status != CycleStatus::Submission || row.status != ProposalStatus::Submitted {
            return Err(closed_for("the author can change the proposal"));
        }
    } else {
        scope.check_role(caller, OFFICIALS)?;
        if !scope.status.before_voting() {
            return Err(closed_for("proposals can change"));
        }
    }
    Ok((row, budget, scope))
}

pub async fn update(
    db: &Db,
    caller: &Actor,
    id: String,
    input: ProposalInput,
) -> Result<ProposalRow> {
    let caller = caller.clone();
    db.write(move |conn| {
        let (mut row, budget, scope) = for_change(conn, &caller, &id)?;
        apply(&mut row, &input, &budget, &scope)?;
        row.updated_at = now();
        rows::update(conn, &row)?;
        audit_log::append(
            conn,
            &caller,
            &scope.municipality.id,
            "proposal.updated",
            "proposal",
            &row.id,
            serde_json::json!({"cost_minor": row.cost_minor, "category": row.category}),
        )?;
        Ok(row)
    })
    .await
}

/// An official's decision.
pub async fn review(
    db: &Db,
    caller: &Actor,
    id: String,
    approve: bool,
    reason: Option<String>,
) -> Result<ProposalRow> {
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if !approve && reason.is_none() {
        return Err(Error::field(
            "reason",
            "required",
            "a rejection needs a reason",
        ));
    }
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > DESCRIPTION_MAX_CHARS)
    {
        return Err(Error::field(
            "reason",
            "text_too_long",
            "the reason is too long",
        ));
    }
    let caller = caller.clone();
    db.write(move |conn| {
        let row = rows::find(conn, &id)?;
        let (_, scope) = scope::budget(conn, &row.budget_id)?;
        scope.check_role(&caller, OFFICIALS)?;
        let mut row = row;
        if !scope.status.before_voting() {
            return Err(closed_for("proposals can be reviewed"));
        }
        if row.status == ProposalStatus::Withdrawn {
            return Err(Error::conflict(
                "proposal_withdrawn",
                "The author withdrew this proposal.",
            ));
        }
        row.status = if approve {
            ProposalStatus::Approved
        } else {
            ProposalStatus::Rejected
        };
        row.status_reason = reason;
        row.updated_at = now();
        rows::update(conn, &row)?;
        audit_log::append(
            conn,
            &caller,
            &scope.municipality.id,
            "proposal.reviewed",
            "proposal",
            &row.id,
            serde_json::json!({"decision": row.status, "reason": row.status_reason}),
        )?;
        Ok(row)
    })
    .await
}

pub async fn withdraw(db: &Db, caller: &Actor, id: String) -> Result<ProposalRow> {
    let caller = caller.clone();
    db.write(move |conn| {
        let mut row = rows::find(conn, &id)?;
        let (_, scope) = scope::budget(conn, &row.budget_id)?;
        if row.author_account_id.as_deref() != Some(caller.account_id.as_str()) {
            // Officials and everyone else: the author alone withdraws.
            scope.check_read(Some(&caller))?;
            return Err(if is_staff(Some(&caller), &scope.municipality) {
                Error::forbidden()
            } else {
                Error::not_found()
            });
        }
        if !scope.status.before_voting() {
            return Err(closed_for("proposals can be withdrawn"));
        }
        if matches!(
            row.status,
            ProposalStatus::Withdrawn | ProposalStatus::Rejected
        ) {
            return Err(Error::conflict(
                "proposal_not_withdrawable",
                format!("The proposal is {}.", row.status),
            ));
        }
        row.status = ProposalStatus::Withdrawn;
        row.updated_at = now();
        rows::update(conn, &row)?;
        audit_log::append(
            conn,
            &caller,
            &scope.municipality.id,
            "proposal.withdrawn",
            "proposal",
            &row.id,
            serde_json::json!({}),
        )?;
        Ok(row)
    })
    .await
}

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
    id: String,
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
    budget_id: Option<String>,
    cycle_id: Option<String>,
    query: ListQuery,
) -> Result<Listed> {
    let caller = caller.cloned();
    db.read_once(move |conn| {
        let (budgets, scope) = match (budget_id, cycle_id) {
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
                .is_some_and(|d| budget.district_id.as_ref() != Some(d))
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
}
