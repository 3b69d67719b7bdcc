//! Examples for the OpenAPI document: one story, told through the main calls, in the order
//! a new deployment makes them (a municipality, a resident, a login, a cycle with a budget
//! and a proposal, a ballot, the result). The handlers' annotations name these functions;
//! Spectral checks every example against its schema (`scripts/api_clients.sh`).

use serde_json::{json, Value};

const MUNICIPALITY_ID: &str = "0193b7e4-5c1a-7d2e-9f10-2a3b4c5d6e01";
const ADMIN_ID: &str = "0193b7e4-5c1a-7d2e-9f10-2a3b4c5d6e02";
const RESIDENT_ID: &str = "0193b7e4-5c1a-7d2e-9f10-2a3b4c5d6e03";
const CYCLE_ID: &str = "0193b7e4-5c1a-7d2e-9f10-2a3b4c5d6e04";
const BUDGET_ID: &str = "0193b7e4-5c1a-7d2e-9f10-2a3b4c5d6e05";
const PROPOSAL_ID: &str = "0193b7e4-5c1a-7d2e-9f10-2a3b4c5d6e06";

fn names(ky: &str, ru: &str) -> Value {
    json!({ "ky": ky, "ru": ru })
}

pub fn create_municipality() -> Value {
    json!({
        "slug": "bishkek",
        "country": "KG",
        "names": names("Бишкек", "Бишкек"),
        "languages": ["ky", "ru"],
        "default_language": "ky",
        "currency": "KGS",
        "time_zone": "Asia/Bishkek",
        "national_id_scheme": "kg_pin",
        "registration_policy": "review",
        "revote_policy": "until_close",
        "admin": {
            "email": "admin@bishkek.example",
            "display_name": "Айгерим Садыкова"
        }
    })
}

fn municipality_settings() -> Value {
    json!({
        "id": MUNICIPALITY_ID,
        "slug": "bishkek",
        "names": names("Бишкек", "Бишкек"),
        "name": "Бишкек",
        "country": "KG",
        "languages": ["ky", "ru"],
        "default_language": "ky",
        "currency": "KGS",
        "time_zone": "Asia/Bishkek",
        "national_id_scheme": "kg_pin",
        "check_digit_policy": "enforce",
        "min_voting_age": 16,
        "registration_policy": "review",
        "revote_policy": "until_close",
        "max_proposals_per_resident": 5,
        "proposal_categories": [{"key": "parks", "names": names("Сейил бактар", "Парки")}],
        "verification_methods": ["review", "roll"],
        "created_at": "2027-03-01T09:00:00Z",
        "updated_at": "2027-03-01T09:00:00Z"
    })
}

fn account(id: &str, role: &str, email: &str, name: &str) -> Value {
    json!({
        "id": id,
        "role": role,
        "email": email,
        "display_name": name,
        "status": "active",
        "municipality": "bishkek",
        "created_at": "2027-03-01T09:00:00Z",
        "last_login_at": null
    })
}

pub fn created_municipality() -> Value {
    // The first admin is invited: active once they set their password through the e-mailed link.
    let mut admin = account(
        ADMIN_ID,
        "municipality_admin",
        "admin@bishkek.example",
        "Айгерим Садыкова",
    );
    admin["status"] = json!("invited");
    json!({
        "municipality": municipality_settings(),
        "admin": admin
    })
}

pub fn register_resident() -> Value {
    json!({
        "national_id": "21503199012345",
        "full_name": "Азамат Токтогулов",
        "birth_date": "1990-03-15",
        "email": "azamat@example.kg",
        "password": "another long passphrase here",
        "language": "ky"
    })
}

pub fn registered_resident() -> Value {
    json!({
        "id": RESIDENT_ID,
        "municipality": "bishkek",
        "full_name": "Азамат Токтогулов",
        "birth_date": "1990-03-15",
        "district_id": null,
        "email": "azamat@example.kg",
        "phone": null,
        "language": "ky",
        "status": "pending",
        "verified_by": [],
        "status_reason": null,
        "reviewed_at": null,
        "created_at": "2027-04-02T08:30:00Z",
        "updated_at": "2027-04-02T08:30:00Z"
    })
}

pub fn login() -> Value {
    json!({
        "municipality": "bishkek",
        "login": "azamat@example.kg",
        "password": "another long passphrase here"
    })
}

pub fn logged_in() -> Value {
    json!({
        "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
        "token_type": "Bearer",
        "expires_in": 900,
        "refresh_token": "rt_3q2+7w==",
        "account": account(RESIDENT_ID, "resident", "azamat@example.kg", "Азамат Токтогулов")
    })
}

pub fn create_cycle() -> Value {
    json!({
        "names": names("Элдик бюджет 2027", "Народный бюджет 2027"),
        "voting_opens_at": "2027-05-01T08:00",
        "voting_closes_at": "2027-05-31T20:00"
    })
}

pub fn cycle() -> Value {
    json!({
        "id": CYCLE_ID,
        "municipality": "bishkek",
        "names": names("Элдик бюджет 2027", "Народный бюджет 2027"),
        "name": "Элдик бюджет 2027",
        "status": "draft",
        "time_zone": "Asia/Bishkek",
        "submission_opens_at": null,
        "voting_opens_at": "2027-05-01T02:00:00Z",
        "voting_closes_at": "2027-05-31T14:00:00Z",
        "voting_closes_local": "2027-05-31T20:00:00",
        "voting_opened_at": null,
        "voting_closed_at": null,
        "published_at": null,
        "created_at": "2027-03-02T10:00:00Z",
        "updated_at": "2027-03-02T10:00:00Z"
    })
}

pub fn create_budget() -> Value {
    json!({
        "names": names("Шаар боюнча", "Общегородской"),
        "amount_minor": 5_000_000_000_i64,
        "ballot": { "type": "approval", "min_selections": 1, "max_selections": 3 },
        "rule": { "kind": "greedy" }
    })
}

pub fn budget() -> Value {
    json!({
        "id": BUDGET_ID,
        "cycle_id": CYCLE_ID,
        "names": names("Шаар боюнча", "Общегородской"),
        "name": "Шаар боюнча",
        "district_id": null,
        "amount_minor": 5_000_000_000_i64,
        "currency": "KGS",
        "ballot": {
            "type": "approval",
            "min_selections": 1,
            "max_selections": 3,
            "max_points": null,
            "max_points_per_proposal": null,
            "max_spend_minor": null,
            "min_spend_percent": null
        },
        "rule": { "kind": "greedy", "completion": "none", "tie_break": "pabutools", "seed": null },
        "frozen_at": null,
        "accepted_verifications": [],
        "cycle_status": "draft",
        "created_at": "2027-03-02T10:05:00Z",
        "updated_at": "2027-03-02T10:05:00Z"
    })
}

pub fn create_proposal() -> Value {
    json!({
        "titles": names("Жаңы оюн аянтчасы", "Новая детская площадка"),
        "descriptions": names(
            "Ала-Тоо аянтынын жанындагы оюн аянтчасы.",
            "Детская площадка у площади Ала-Тоо."
        ),
        "cost_minor": 1_200_000_000_i64,
        "category": "parks"
    })
}

pub fn proposal() -> Value {
    json!({
        "id": PROPOSAL_ID,
        "budget_id": BUDGET_ID,
        "titles": names("Жаңы оюн аянтчасы", "Новая детская площадка"),
        "descriptions": names(
            "Ала-Тоо аянтынын жанындагы оюн аянтчасы.",
            "Детская площадка у площади Ала-Тоо."
        ),
        "title": "Жаңы оюн аянтчасы",
        "description": "Ала-Тоо аянтынын жанындагы оюн аянтчасы.",
        "language": "ky",
        "cost_minor": 1_200_000_000_i64,
        "currency": "KGS",
        "category": "parks",
        "location": null,
        "status": "submitted",
        "status_reason": null,
        "on_ballot": false,
        "mine": true,
        "created_at": "2027-04-03T12:00:00Z",
        "updated_at": "2027-04-03T12:00:00Z"
    })
}

pub fn ballot() -> Value {
    json!({ "selections": [{ "proposal_id": PROPOSAL_ID }] })
}

pub fn cast() -> Value {
    json!({
        "budget_id": BUDGET_ID,
        "receipt": "7KQ2-M9XD-4TPA",
        "cast_at": "2027-05-12T15:42:10Z",
        "replaced": false
    })
}

pub fn recast() -> Value {
    json!({
        "budget_id": BUDGET_ID,
        "receipt": "P3WV-8HNC-2RJE",
        "cast_at": "2027-05-20T07:05:44Z",
        "replaced": true
    })
}

pub fn results() -> Value {
    json!({
        "budget_id": BUDGET_ID,
        "currency": "KGS",
        "amount_minor": 5_000_000_000_i64,
        "ballots_counted": 18_432,
        "computed_at": "2027-06-01T09:00:00Z",
        "selected": [PROPOSAL_ID],
        "total_cost_minor": 1_200_000_000_i64,
        "proposals": [{
            "proposal_id": PROPOSAL_ID,
            "titles": names("Жаңы оюн аянтчасы", "Новая детская площадка"),
            "title": "Жаңы оюн аянтчасы",
            "cost_minor": 1_200_000_000_i64,
            "votes": 9_120,
            "score": "9120",
            "selected": true,
            "funded_order": 1
        }],
        "tally": { "rule": "greedy" }
    })
}
