//! Builders for what tests send: each starts from the values most tests want and names only
//! what a test changes, so a test's set-up reads as what matters to it.

use serde_json::{json, Value};

use super::fixtures::tckn;
use super::model::Id;
use crate::helpers::PASSWORD;

pub const DEFAULT_CYCLE_NAME: &str = "People's Budget 2027";

/// A municipality (`City of <slug>`, English only) with its first admin `admin@<slug>.example`.
pub struct MunicipalityBuilder {
    pub(super) slug: String,
    pub(super) country: String,
    /// A settings update applied right after creation, as its admin.
    pub(super) settings: Option<Value>,
}

impl MunicipalityBuilder {
    pub fn new(slug: &str, country: &str) -> Self {
        MunicipalityBuilder {
            slug: slug.to_string(),
            country: country.to_string(),
            settings: None,
        }
    }

    /// A Turkish municipality: national ids are T.C. Kimlik numbers (`tckn`).
    pub fn turkish(slug: &str) -> Self {
        Self::new(slug, "TR")
    }

    /// Residents are verified as they register, and may replace their ballot per `revote`.
    pub fn open_registration(self, revote: &str) -> Self {
        self.registration("open").setting("revote_policy", revote)
    }

    /// How residents are verified: `open`, `review` or `roll`.
    pub fn registration(self, policy: &str) -> Self {
        self.setting("registration_policy", policy)
    }

    /// One member of the settings update applied after creation.
    pub fn setting(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.settings.get_or_insert_with(|| json!({}))[name] = value.into();
        self
    }
}

/// Resident number `n`: `resident<n>@<slug>.example`, named `Resident <n>`, with the T.C.
/// Kimlik No `tckn(n)`.
pub struct ResidentBuilder {
    n: u64,
    birth_date: String,
    district: Option<String>,
}

impl ResidentBuilder {
    /// Born on 1 January 1980.
    pub fn adult(n: u64) -> Self {
        ResidentBuilder {
            n,
            birth_date: "1980-01-01".into(),
            district: None,
        }
    }

    pub fn born(mut self, date: &str) -> Self {
        self.birth_date = date.into();
        self
    }

    pub fn district(mut self, district: &(impl Id + ?Sized)) -> Self {
        self.district = Some(district.id().to_string());
        self
    }

    /// `district` when the test holds an optional one.
    pub fn maybe_district(mut self, district: Option<&str>) -> Self {
        self.district = district.map(str::to_string);
        self
    }

    pub fn email(&self, slug: &str) -> String {
        format!("resident{}@{slug}.example", self.n)
    }

    pub fn national_id(&self) -> String {
        tckn(self.n)
    }

    pub fn body(&self, slug: &str) -> Value {
        json!({"national_id": self.national_id(), "full_name": format!("Resident {}", self.n),
               "birth_date": self.birth_date, "district_id": self.district,
               "email": self.email(slug), "password": PASSWORD})
    }
}

/// A budget (`names.en`, amount, ballot rules), city-wide unless given a district.
pub struct BudgetBuilder {
    name: String,
    amount_minor: i64,
    ballot: Value,
    district: Option<String>,
}

impl BudgetBuilder {
    /// "All", 100,000 in minor units, an approval ballot of up to `max_selections`.
    pub fn approval(max_selections: u32) -> Self {
        Self::with_ballot(json!({"type": "approval", "max_selections": max_selections}))
    }

    pub fn with_ballot(ballot: Value) -> Self {
        BudgetBuilder {
            name: "All".into(),
            amount_minor: 100_000,
            ballot,
            district: None,
        }
    }

    pub fn name(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }

    pub fn amount(mut self, amount_minor: i64) -> Self {
        self.amount_minor = amount_minor;
        self
    }

    pub fn district(mut self, district: &(impl Id + ?Sized)) -> Self {
        self.district = Some(district.id().to_string());
        self
    }

    pub fn build(self) -> Value {
        let mut body = json!({"names": {"en": self.name}, "amount_minor": self.amount_minor,
                              "ballot": self.ballot});
        if let Some(district) = self.district {
            body["district_id"] = json!(district);
        }
        body
    }
}

/// `BudgetBuilder`s are sent as the JSON they build.
impl From<BudgetBuilder> for Value {
    fn from(budget: BudgetBuilder) -> Value {
        budget.build()
    }
}

/// A proposal titled `title`, described as `About <title>`, in category "x".
pub struct ProposalBuilder {
    title: String,
    cost_minor: i64,
    category: String,
}

impl ProposalBuilder {
    pub fn new(title: &str) -> Self {
        ProposalBuilder {
            title: title.into(),
            cost_minor: 1_000,
            category: "x".into(),
        }
    }

    pub fn cost(mut self, cost_minor: i64) -> Self {
        self.cost_minor = cost_minor;
        self
    }

    pub fn category(mut self, category: &str) -> Self {
        self.category = category.into();
        self
    }
}

impl From<ProposalBuilder> for Value {
    fn from(p: ProposalBuilder) -> Value {
        json!({"titles": {"en": p.title}, "descriptions": {"en": format!("About {}", p.title)},
               "cost_minor": p.cost_minor, "category": p.category})
    }
}

/// An approval-style selection of `proposals`, in order.
pub fn approvals<T: Id>(proposals: &[T]) -> Value {
    Value::Array(
        proposals
            .iter()
            .map(|p| json!({"proposal_id": p.id()}))
            .collect(),
    )
}
