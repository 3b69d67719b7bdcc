//! The shapes the tests read back from the API, decoded from the real responses. Only the
//! fields some test looks at are named; serde leaves the rest alone, so a new field in a
//! response never breaks a test that does not care about it.

use serde::Deserialize;
use serde_json::Value;

/// Anything a path can name by id: a decoded record, or an id a test already holds.
pub trait Id {
    fn id(&self) -> &str;
}

impl Id for str {
    fn id(&self) -> &str {
        self
    }
}

impl Id for String {
    fn id(&self) -> &str {
        self
    }
}

impl<T: Id + ?Sized> Id for &T {
    fn id(&self) -> &str {
        (**self).id()
    }
}

/// Anything that names a municipality by slug.
pub trait Slug {
    fn slug(&self) -> &str;
}

impl Slug for str {
    fn slug(&self) -> &str {
        self
    }
}

impl Slug for String {
    fn slug(&self) -> &str {
        self
    }
}

impl<T: Slug + ?Sized> Slug for &T {
    fn slug(&self) -> &str {
        (**self).slug()
    }
}

macro_rules! has_id {
    ($($t:ty),*) => {$(
        impl Id for $t {
            fn id(&self) -> &str {
                &self.id
            }
        }
    )*};
}

/// The staff roles an admin can create (the API's `role` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Official,
    Auditor,
    MunicipalityAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Official => "official",
            Role::Auditor => "auditor",
            Role::MunicipalityAdmin => "municipality_admin",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Cycle {
    pub id: String,
    pub status: String,
    pub name: String,
    pub time_zone: String,
    pub voting_opens_at: Option<String>,
    pub voting_closes_at: Option<String>,
    pub voting_closes_local: Option<String>,
    pub voting_closed_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Budget {
    pub id: String,
    pub cycle_id: String,
    pub name: String,
    pub amount_minor: i64,
    pub currency: String,
    pub district_id: Option<String>,
    pub frozen_at: Option<String>,
    pub cycle_status: String,
    /// The ballot rules and the counting rule stay JSON: tests read single members of them.
    pub ballot: Value,
    pub rule: Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Proposal {
    pub id: String,
    pub budget_id: String,
    pub status: String,
    pub title: String,
    pub cost_minor: i64,
    pub category: Option<String>,
    pub description: String,
    pub status_reason: Option<String>,
    pub on_ballot: bool,
    pub mine: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProposalPage {
    pub items: Vec<Proposal>,
    pub total: i64,
}

impl ProposalPage {
    pub fn titles(&self) -> Vec<&str> {
        self.items.iter().map(|p| p.title.as_str()).collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct District {
    pub id: String,
    pub name: String,
}

/// The answer to casting or replacing a ballot.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CastReply {
    pub budget_id: String,
    pub receipt: String,
    pub replaced: bool,
    pub cast_at: String,
}

/// A voter's own ballot as `GET /budgets/{id}/ballot` shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct OwnBallot {
    pub budget_id: String,
    pub receipt: String,
    pub revision: i64,
    pub selections: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Turnout {
    pub online: i64,
    pub paper: i64,
    pub total: i64,
}

/// A resident as registration, review and the profile show them.
#[derive(Debug, Clone, Deserialize)]
pub struct ResidentView {
    pub id: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub birth_date: String,
    pub municipality: String,
    pub district_id: Option<String>,
    /// Left out of the answer when empty (openapi.yaml does not list it as required).
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResidentPage {
    pub items: Vec<ResidentView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub id: String,
    pub role: String,
    pub email: Option<String>,
    pub municipality: Option<String>,
}

/// The answer to a successful login or refresh.
#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub account: Account,
}

/// A municipality as anyone sees it, and (with `id`) as its admins see its settings.
#[derive(Debug, Clone, Deserialize)]
pub struct Municipality {
    pub id: Option<String>,
    pub slug: String,
    pub name: String,
    pub country: String,
    pub currency: String,
    pub time_zone: String,
    pub national_id_scheme: String,
    pub default_language: String,
    pub languages: Vec<String>,
    pub min_voting_age: i64,
    pub registration_policy: String,
    pub revote_policy: String,
    pub max_proposals_per_resident: Option<i64>,
}

/// The answer to creating a municipality: it and its first admin.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedMunicipality {
    pub municipality: Municipality,
    pub admin: Account,
}

/// A page of a municipality's audit log, with the verdict on its hash chain.
#[derive(Debug, Clone, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub chain_intact: bool,
    pub first_broken_seq: Option<i64>,
    pub next_after: Option<i64>,
    pub checked_through: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub seq: i64,
    pub action: String,
    pub actor_role: String,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    /// Each action records its own details: tests read single members.
    pub details: Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A municipality's published signing keys.
#[derive(Debug, Clone, Deserialize)]
pub struct Keys {
    pub municipality: String,
    pub keys: Vec<Key>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Key {
    pub algorithm: String,
    pub key_id: String,
    pub public_key: String,
    #[serde(rename = "use")]
    pub purpose: String,
}

/// What a receipt code tells anyone: only the state of the ballot it was given for.
#[derive(Debug, Clone, Deserialize)]
pub struct ReceiptStatus {
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TallyReply {
    pub ballots_counted: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaperReply {
    pub accepted: i64,
}

/// A budget's published results.
#[derive(Debug, Clone, Deserialize)]
pub struct Results {
    pub ballots_counted: i64,
    pub selected: Vec<String>,
    pub total_cost_minor: i64,
    pub proposals: Vec<ResultLine>,
    /// How the count was made (rule, seed, …): tests read single members.
    pub tally: Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResultLine {
    pub proposal_id: String,
    pub title: String,
    pub votes: i64,
    pub selected: bool,
}

has_id!(Cycle, Budget, Proposal, District, ResidentView, Account);

/// The liveness answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Health {
    pub status: String,
}

/// The readiness answer: which database the server reached.
#[derive(Debug, Clone, Deserialize)]
pub struct Readiness {
    pub status: String,
    pub database: String,
}

/// A problem+json body: the stable `code` every test checks, and the whole body for the rest
/// (`errors`, extension members).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub code: String,
    pub status: u16,
    pub body: Value,
}

/// One field's complaint in a 422 problem's `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
}

impl From<Value> for Problem {
    /// A problem read from a body a test already holds as JSON.
    fn from(body: Value) -> Problem {
        Problem {
            code: body["code"].as_str().unwrap_or_default().to_string(),
            status: body["status"].as_u64().unwrap_or_default() as u16,
            body,
        }
    }
}

impl Problem {
    /// The human-readable detail; a test asking for it expects one.
    pub fn detail(&self) -> &str {
        self.body["detail"]
            .as_str()
            .unwrap_or_else(|| panic!("no detail in {}", self.body))
    }

    /// The field errors of a validation problem, in the order the API lists them.
    pub fn errors(&self) -> Vec<FieldError> {
        serde_json::from_value(self.body["errors"].clone())
            .unwrap_or_else(|e| panic!("no field errors ({e}) in {}", self.body))
    }

    /// The (field, code) pairs of `errors`; none when the problem has no `errors`.
    pub fn field_codes(&self) -> Vec<(String, String)> {
        match self.body.get("errors") {
            Some(_) => self
                .errors()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Just the fields named by `errors`.
    pub fn fields(&self) -> Vec<String> {
        self.errors().into_iter().map(|e| e.field).collect()
    }
}

impl std::ops::Index<&str> for Problem {
    type Output = Value;

    fn index(&self, key: &str) -> &Value {
        &self.body[key]
    }
}
