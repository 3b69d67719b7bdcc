//! Values the services' unit tests build their cases from. Every row a test needs is made
//! here, so a change of a row's shape (ids becoming newtypes, a new column) touches one place.

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::accounts::AccountRow;
use crate::db::audit::AuditRow;
use crate::db::ballots::BallotRow;
use crate::db::budgets::BudgetRow;
use crate::db::cycles::CycleRow;
use crate::db::municipalities::Municipality;
use crate::db::proposals::ProposalRow;
use crate::db::residents::ResidentRow;
use crate::db::tallies::TallyRow;
use crate::domain::budget::{BallotInput, BallotSpec};
use crate::domain::cycle::CycleStatus;
use crate::domain::settings::MunicipalitySettings;
use crate::domain::{
    AccountStatus, Country, ProposalStatus, ResidentStatus, Role, Texts, ValidationErrors,
};
use crate::service::scope::CycleScope;
use crate::service::{Actor, Error};

/// `(field, code)` of every field error, in order.
pub fn codes(errors: &ValidationErrors) -> Vec<(String, &'static str)> {
    errors
        .errors()
        .iter()
        .map(|e| (e.field.clone(), e.code))
        .collect()
}

/// `(field, code)` of every field error of a refusal; empty when it is not a validation error.
pub fn error_codes(err: &Error) -> Vec<(String, &'static str)> {
    match err {
        Error::Invalid(fields) => fields.iter().map(|e| (e.field.clone(), e.code)).collect(),
        _ => Vec::new(),
    }
}

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a valid instant")
}

/// A Kazakh municipality (Asia/Almaty, languages kk and ru) whose minimum voting age is 18.
pub fn municipality(id: &str) -> Municipality {
    let mut settings = MunicipalitySettings::from_country(Country::KZ).expect("KZ is served");
    settings.min_voting_age = 18;
    Municipality {
        id: id.into(),
        slug: format!("town-{id}"),
        country: "KZ".to_string(),
        names: Texts::default(),
        settings,
        created_at: epoch(),
        updated_at: epoch(),
    }
}

/// An account of `role`, working for `municipality_id` (or none, for a platform admin).
pub fn actor(role: Role, municipality_id: Option<&str>) -> Actor {
    Actor {
        account_id: "account-1".into(),
        role,
        municipality_id: municipality_id.map(Into::into),
        session_id: "session-1".into(),
    }
}

/// The active resident account `account-1` of `m-1`, named and reachable by e-mail.
pub fn account_row() -> AccountRow {
    AccountRow {
        id: "account-1".into(),
        municipality_id: Some("m-1".into()),
        tenant_key: "m-1".to_string(),
        role: Role::Resident,
        email: Some("aigerim@example.kz".to_string()),
        display_name: "Aigerim Test".to_string(),
        password_hash: "hash".to_string(),
        status: AccountStatus::Active,
        created_at: epoch(),
        updated_at: epoch(),
        last_login_at: None,
    }
}

/// A verified resident of `municipality_id` in no district, born on `birth_date`.
pub fn resident(municipality_id: &str, birth_date: NaiveDate) -> ResidentRow {
    ResidentRow {
        account_id: "account-1".into(),
        municipality_id: municipality_id.into(),
        national_id_hash: "hash".to_string(),
        full_name: "Aigerim Test".to_string(),
        birth_date,
        district_id: None,
        phone: None,
        language: None,
        status: ResidentStatus::Verified,
        status_reason: None,
        reviewed_by: None,
        reviewed_at: None,
        created_at: epoch(),
        updated_at: epoch(),
    }
}

/// A cycle of `municipality` in `status`, with no scheduled close.
pub fn cycle_scope(municipality: Municipality, status: CycleStatus) -> CycleScope {
    let cycle = CycleRow {
        id: "cycle-1".into(),
        municipality_id: municipality.id.clone(),
        names: Texts::default(),
        status,
        submission_opens_at: None,
        voting_opens_at: None,
        voting_closes_at: None,
        voting_opened_at: None,
        voting_closed_at: None,
        published_at: None,
        ballot_key: None,
        created_at: epoch(),
        updated_at: epoch(),
    };
    CycleScope::new(cycle, municipality).expect("a cycle of its own municipality")
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// A city-wide approval budget `id` of `amount_minor`, counted greedily.
pub fn budget(id: &str, amount_minor: i64) -> BudgetRow {
    BudgetRow {
        id: id.into(),
        cycle_id: "cycle-1".into(),
        municipality_id: "m-1".into(),
        names: Texts::default(),
        district_id: None,
        amount_minor,
        ballot_rules: stored(
            r#"{"type":"approval","min_selections":1,"max_selections":null,"max_points":null,"max_points_per_proposal":null,"max_spend_minor":null,"min_spend_percent":null}"#,
        ),
        counting_rule: stored(
            r#"{"kind":"greedy","completion":"none","tie_break":"pabutools","seed":null}"#,
        ),
        frozen_at: None,
        created_at: epoch(),
        updated_at: epoch(),
        accepted_verifications: Default::default(),
    }
}

/// An approved proposal `id` of budget `budget-1` by `account-9`, titled in Kazakh.
pub fn proposal(id: &str, title: &str, cost_minor: i64) -> ProposalRow {
    let texts = |text: &str| Texts([("kk".to_string(), text.to_string())].into());
    ProposalRow {
        id: id.into(),
        budget_id: "budget-1".into(),
        municipality_id: "m-1".into(),
        titles: texts(title),
        descriptions: texts(""),
        cost_minor,
        category: None,
        location: None,
        author_account_id: Some("account-9".into()),
        status: ProposalStatus::Approved,
        status_reason: None,
        on_ballot: false,
        created_at: epoch(),
        updated_at: epoch(),
    }
}

/// The stored count of budget `budget-1`: `result` is the engine's result as stored.
pub fn tally_row(result: serde_json::Value, ballots_counted: i64) -> TallyRow {
    TallyRow {
        budget_id: "budget-1".into(),
        result: stored(&result.to_string()),
        ballots_counted,
        computed_at: epoch(),
        computed_by: "account-1".into(),
    }
}

/// A ballot of budget `budget-1` cast through `channel` (`online`, `paper`), its selections
/// as stored (a JSON list).
pub fn ballot_row(selections: &str, channel: &str) -> BallotRow {
    BallotRow {
        id: "ballot-1".into(),
        budget_id: "budget-1".into(),
        voter_key: None,
        channel: channel.to_string(),
        polling_station: None,
        selections: stored(selections),
        cast_at: epoch(),
        revision: 1,
    }
}

/// Entry `seq` of municipality `m-1`'s audit chain (its hashes are not a real chain's).
pub fn audit_row(seq: i64) -> AuditRow {
    AuditRow {
        id: format!("audit-{seq}"),
        chain_key: "m-1".to_string(),
        seq,
        municipality_id: Some("m-1".to_string()),
        actor_account_id: Some("account-1".to_string()),
        actor_role: "official".to_string(),
        action: "cycle.created".to_string(),
        target_type: "cycle".to_string(),
        target_id: Some("cycle-1".to_string()),
        details: "{}".to_string(),
        created_at: epoch(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// A JSON column's value as `db/` decodes it from the text `json`.
fn stored<T: TryFrom<String>>(json: &str) -> T
where
    T::Error: std::fmt::Debug,
{
    T::try_from(json.to_string()).expect("a column as db/ stores it")
}

/// Ballot rules of `ballot_type` as a budget of `budget_minor` resolves them (defaults for
/// what is not given).
pub fn ballot_rules(
    ballot_type: &str,
    max_points: Option<i64>,
    max_selections: Option<i64>,
    budget_minor: i64,
) -> BallotSpec {
    let input = BallotInput {
        ballot_type: Some(ballot_type.to_string()),
        max_points,
        max_selections,
        ..BallotInput::default()
    };
    let mut errors = ValidationErrors::new();
    let spec = BallotSpec::parse(&input, budget_minor, &mut errors);
    spec.unwrap_or_else(|| panic!("invalid ballot rules: {:?}", codes(&errors)))
}
