//! Verification methods (issue 19): every path that verifies a resident records its method, a
//! municipality offers a set of methods and a budget accepts some of them for voting (the cast
//! and the eligibility read refuse alike), the printed letter code an official issues, and the
//! counter reset code that sets a new password after a check at the counter.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp, PASSWORD};
use crate::support::{
    approvals, audit_details, tckn, BudgetBuilder, City, MunicipalityBuilder, Reply, Resident,
    ResidentBuilder, Role, Session,
};

const NEW_PASSWORD: &str = "a quite different passphrase";

/// A Turkish city under `policy` offering `methods` (the default set when `None`).
async fn city(app: &TestApp, slug: &str, policy: &str, methods: Option<&[&str]>) -> City {
    let mut builder = MunicipalityBuilder::turkish(slug).registration(policy);
    if let Some(methods) = methods {
        builder = builder.setting("verification_methods", json!(methods));
    }
    app.create_municipality(builder).await
}

/// The caller's profile.
async fn profile(who: &Session) -> Value {
    who.get("/api/v1/me/profile").await.ok()
}

/// The methods that verified a resident, as their profile shows them.
async fn verified_by(who: &Session) -> Value {
    profile(who).await["verified_by"].clone()
}

/// The resident's account id.
async fn account_id(who: &Session) -> String {
    profile(who).await["id"].as_str().unwrap().to_string()
}

async fn upload_roll(city: &City, national_ids: &[String]) {
    let mut csv = String::from("national_id,birth_date\n");
    for id in national_ids {
        csv.push_str(&format!("{id},1980-01-01\n"));
    }
    let request = city
        .admin
        .request(
            Method::POST,
            &format!("/api/v1/municipalities/{}/voter-roll", city.slug),
        )
        .header("Content-Type", "text/csv")
        .body(csv);
    city.admin.exchange(request).await.expect_status(200);
}

async fn verify(official: &Session, city: &City, account: &str) -> Value {
    let path = format!(
        "/api/v1/municipalities/{}/residents/{account}/verify",
        city.slug
    );
    official.post(&path, &json!({})).await.ok()
}

async fn issue(official: &Session, slug: &str, account: &str, kind: &str) -> Reply {
    let path = format!("/api/v1/municipalities/{slug}/residents/{account}/{kind}");
    official.post(&path, &json!({})).await
}

/// An official's letter code for `account`, this once.
async fn letter_code(official: &Session, city: &City, account: &str) -> String {
    let issued: Value = issue(official, &city.slug, account, "letter-code")
        .await
        .created();
    issued["code"].as_str().unwrap().to_string()
}

async fn enter_letter_code(who: &Session, code: &str) -> Reply {
    who.post(
        "/api/v1/me/verification/letter-code",
        &json!({"code": code}),
    )
    .await
}

async fn reset_at_counter(app: &TestApp, slug: &str, national_id: &str, code: &str) -> Reply {
    let body = json!({"national_id": national_id, "code": code, "new_password": NEW_PASSWORD});
    app.anonymous()
        .post(
            &format!("/api/v1/municipalities/{slug}/password-reset/counter"),
            &body,
        )
        .await
}

/// Makes every live code of `purpose` expired, as time would.
async fn expire_codes(app: &TestApp, purpose: &'static str) {
    app.db
        .write(move |conn| {
            use diesel::prelude::*;
            use kurultai::db::schema::one_time_codes as codes;
            let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
            diesel::update(codes::table.filter(codes::purpose.eq(purpose)))
                .set(codes::expires_at.eq(past))
                .execute(conn)
                .map_err(kurultai::db::DbError::from)
        })
        .await
        .unwrap();
}

fn assert_invalid_code(reply: &Reply) {
    assert_eq!(reply.status, 403, "{}", reply.text());
    assert_eq!(reply.problem().code, "invalid_code");
}

fn assert_throttled(reply: &Reply) {
    assert_eq!(reply.status, 429, "{}", reply.text());
    assert!(reply.header("retry-after").is_some());
}

#[tokio::test]
async fn every_path_that_verifies_a_resident_records_its_method() {
    let app = spawn_app().await;
    // Open registration: self-declared.
    let open = city(&app, "izmir", "open", None).await;
    let ayse = app
        .register_resident(&open, ResidentBuilder::adult(1))
        .await;
    assert_eq!(verified_by(&ayse).await, json!(["open"]));

    // Review: nothing until an official verifies.
    let review = city(&app, "kayseri", "review", None).await;
    let official = app.staff_login(&review, Role::Official).await;
    let mehmet = app
        .register_resident(&review, ResidentBuilder::adult(2))
        .await;
    assert_eq!(profile(&mehmet).await["status"], "pending");
    assert_eq!(verified_by(&mehmet).await, json!([]));
    let view = verify(&official, &review, &account_id(&mehmet).await).await;
    assert_eq!(view["verified_by"], json!(["review"]));
    assert_eq!(view["status"], "verified");

    // Roll: on the roll when registering, or found by the roll import later.
    let roll = city(&app, "antalya", "roll", None).await;
    let roll_official = app.staff_login(&roll, Role::Official).await;
    let early = app
        .register_resident(&roll, ResidentBuilder::adult(3))
        .await;
    assert_eq!(profile(&early).await["status"], "pending");
    upload_roll(&roll, &[tckn(3), tckn(4)]).await;
    assert_eq!(profile(&early).await["status"], "verified");
    assert_eq!(verified_by(&early).await, json!(["roll"]));
    let late = app
        .register_resident(&roll, ResidentBuilder::adult(4))
        .await;
    assert_eq!(verified_by(&late).await, json!(["roll"]));

    // Methods combine: an official's check is recorded beside the roll's, once, audit-logged.
    let before = audit_details(&app, "resident.verified").await.len();
    let early_id = account_id(&early).await;
    verify(&roll_official, &roll, &early_id).await;
    verify(&roll_official, &roll, &early_id).await;
    assert_eq!(verified_by(&early).await, json!(["roll", "review"]));
    assert_eq!(
        audit_details(&app, "resident.verified").await.len(),
        before + 1
    );
    // The officials' list shows them too.
    let page: Value = roll_official
        .get("/api/v1/municipalities/antalya/residents")
        .await
        .ok();
    let listed: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["verified_by"])
        .collect();
    assert_eq!(listed, [&json!(["roll", "review"]), &json!(["roll"])]);
}

#[tokio::test]
async fn a_budget_that_accepts_only_the_roll_refuses_others_at_the_cast_and_in_eligibility() {
    let app = spawn_app().await;
    let city = city(&app, "konya", "review", None).await;
    let official = app.staff_login(&city, Role::Official).await;
    let reviewed = app
        .register_resident(&city, ResidentBuilder::adult(1))
        .await;
    verify(&official, &city, &account_id(&reviewed).await).await;
    let on_roll = app
        .register_resident(&city, ResidentBuilder::adult(2))
        .await;
    upload_roll(&city, &[tckn(2)]).await;

    let mut budget = BudgetBuilder::approval(1).build();
    budget["accepted_verifications"] = json!(["roll"]);
    let voting = app.open_voting(&city, &official, budget, &[100]).await;
    let budget = &voting.budget;
    let shown: Value = app
        .anonymous()
        .get(&format!("/api/v1/budgets/{}", budget.id))
        .await
        .ok();
    assert_eq!(shown["accepted_verifications"], json!(["roll"]));

    let eligibility = format!("/api/v1/budgets/{}/eligibility", budget.id);
    let standing: Value = reviewed.get(&eligibility).await.ok();
    assert_eq!(standing["reason"], "verification_not_accepted");
    assert_eq!(standing["can_vote"], false);
    assert_eq!(standing["verified_by"], json!(["review"]));
    assert_eq!(standing["accepted_verifications"], json!(["roll"]));
    let refused = reviewed
        .cast(budget, approvals(&voting.proposal_ids()))
        .await;
    assert_eq!(refused.status, 403);
    let problem = refused.problem();
    assert_eq!(problem.code, "not_eligible");
    assert!(
        problem.detail().starts_with("verification_not_accepted:"),
        "{}",
        problem.detail()
    );

    let standing: Value = on_roll.get(&eligibility).await.ok();
    assert_eq!(standing["can_vote"], true);
    let cast = on_roll
        .cast(budget, approvals(&voting.proposal_ids()))
        .await;
    assert_eq!(cast.status, 201, "{}", cast.text());

    // Voting has opened: the accepted methods are frozen with the rest of the budget.
    let frozen = official
        .patch(
            &format!("/api/v1/budgets/{}", budget.id),
            &json!({"accepted_verifications": []}),
        )
        .await;
    assert_eq!(frozen.status, 409);
    assert_eq!(frozen.problem().code, "budget_frozen");
}

#[tokio::test]
async fn a_budget_accepts_only_methods_its_city_offers_and_the_city_offers_at_least_one() {
    let app = spawn_app().await;
    let city = city(&app, "sivas", "review", None).await;
    let official = app.staff_login(&city, Role::Official).await;
    let shown: Value = app
        .anonymous()
        .get("/api/v1/municipalities/sivas")
        .await
        .ok();
    assert_eq!(
        shown["verification_methods"],
        json!(["open", "review", "roll"])
    );

    let cycle = official.create_cycle(&city).await;
    let path = format!("/api/v1/cycles/{}/budgets", cycle.id);
    let mut body = BudgetBuilder::approval(1).build();
    body["accepted_verifications"] = json!(["roll", "letter_code", "sms", "roll"]);
    let refused = official.post(&path, &body).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.problem().field_codes(),
        [
            ("accepted_verifications[2]".into(), "unknown_value".into()),
            (
                "accepted_verifications[3]".into(),
                "duplicate_verification_method".into()
            ),
        ]
    );
    body["accepted_verifications"] = json!(["roll", "letter_code"]);
    let refused = official.post(&path, &body).await;
    assert_eq!(
        refused.problem().field_codes(),
        [(
            "accepted_verifications[1]".into(),
            "verification_not_offered".into()
        )]
    );

    let settings = "/api/v1/municipalities/sivas/settings";
    let none = city
        .admin
        .patch(settings, &json!({"verification_methods": []}))
        .await;
    assert_eq!(
        none.problem().field_codes(),
        [(
            "verification_methods".into(),
            "no_verification_methods".into()
        )]
    );
    let changed: Value = city
        .admin
        .patch(
            settings,
            &json!({"verification_methods": ["review", "roll", "letter_code"]}),
        )
        .await
        .ok();
    assert_eq!(
        changed["verification_methods"],
        json!(["review", "roll", "letter_code"])
    );
    let created: Value = official.post(&path, &body).await.created();
    assert_eq!(
        created["accepted_verifications"],
        json!(["roll", "letter_code"])
    );
    // Until voting opens, it is edited like the budget's other fields.
    let edited: Value = official
        .patch(
            &format!("/api/v1/budgets/{}", created["id"].as_str().unwrap()),
            &json!({"accepted_verifications": []}),
        )
        .await
        .ok();
    assert_eq!(edited["accepted_verifications"], json!([]));
}

#[tokio::test]
async fn a_letter_code_verifies_its_resident_once_and_every_other_use_is_invalid_code() {
    let app = spawn_app().await;
    let methods: &[&str] = &["review", "letter_code"];
    let city = city(&app, "bursa", "review", Some(methods)).await;
    let official = app.staff_login(&city, Role::Official).await;
    let ali = app
        .register_resident(&city, ResidentBuilder::adult(1))
        .await;
    let veli = app
        .register_resident(&city, ResidentBuilder::adult(2))
        .await;
    let (ali_id, veli_id) = (account_id(&ali).await, account_id(&veli).await);

    let issued: Value = issue(&official, "bursa", &ali_id, "letter-code")
        .await
        .created();
    let code = issued["code"].as_str().unwrap();
    assert!(issued["expires_at"].is_string());
    // The audit log records the issue and until when, never the code.
    let details = audit_details(&app, "resident.letter_code_issued").await;
    assert_eq!(details.len(), 1);
    assert!(details[0]["expires_at"].is_string());
    let logged = details[0].to_string();
    for part in code.split('-') {
        assert!(!logged.contains(part), "{logged}");
    }

    // Another resident's code, a wrong one: refused alike, and the code lives on.
    assert_invalid_code(&enter_letter_code(&veli, code).await);
    assert_invalid_code(&enter_letter_code(&ali, "00000-00000").await);
    assert_eq!(profile(&ali).await["status"], "pending");
    let typed = code.to_lowercase().replace('-', " ");
    let entered = enter_letter_code(&ali, &typed).await;
    assert_eq!(entered.status, 200, "{}", entered.text());
    let entered: Value = entered.json();
    assert_eq!(entered["status"], "verified");
    assert_eq!(entered["verified_by"], json!(["letter_code"]));
    // Used once: never again.
    assert_invalid_code(&enter_letter_code(&ali, code).await);

    // Expired.
    let late = letter_code(&official, &city, &veli_id).await;
    expire_codes(&app, "letter_verification").await;
    assert_invalid_code(&enter_letter_code(&veli, &late).await);
    assert_eq!(profile(&veli).await["status"], "pending");

    // A rejection stands: the code is recorded, the resident stays rejected.
    let path = format!("/api/v1/municipalities/bursa/residents/{veli_id}/reject");
    official
        .post(&path, &json!({"reason": "No such address"}))
        .await
        .expect_status(200);
    let fresh = letter_code(&official, &city, &veli_id).await;
    let entered: Value = enter_letter_code(&veli, &fresh).await.ok();
    assert_eq!(entered["status"], "rejected");
    assert_eq!(entered["verified_by"], json!(["letter_code"]));

    // Another municipality's official cannot issue one for this city's resident.
    let other = city_with_official(&app, "mersin", methods).await;
    assert_eq!(
        issue(&other, "bursa", &ali_id, "letter-code").await.status,
        404
    );
    assert_eq!(
        issue(&other, "mersin", &ali_id, "letter-code").await.status,
        404
    );
    assert_eq!(
        audit_details(&app, "resident.letter_code_issued")
            .await
            .len(),
        3
    );

    // Where the city does not offer letter codes, none is issued or entered.
    city.admin
        .patch(
            "/api/v1/municipalities/bursa/settings",
            &json!({"verification_methods": ["review"]}),
        )
        .await
        .expect_status(200);
    let refused = issue(&official, "bursa", &veli_id, "letter-code").await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.problem().code, "verification_method_not_offered");
    let refused = enter_letter_code(&veli, &fresh).await;
    assert_eq!(refused.problem().code, "verification_method_not_offered");
}

/// A city offering `methods` and its official.
async fn city_with_official(app: &TestApp, slug: &str, methods: &[&str]) -> Session {
    let city = city(app, slug, "review", Some(methods)).await;
    app.staff_login(&city, Role::Official).await
}

#[tokio::test]
async fn letter_code_attempts_are_throttled_per_account() {
    let app = spawn_app_with(|s| {
        s.code_limits.per_person_per_hour = 1;
        s.code_limits.per_person_burst = 2;
    })
    .await;
    let methods: &[&str] = &["review", "letter_code"];
    let city = city(&app, "samsun", "review", Some(methods)).await;
    let official = app.staff_login(&city, Role::Official).await;
    let guesser = app
        .register_resident(&city, ResidentBuilder::adult(1))
        .await;
    let other = app
        .register_resident(&city, ResidentBuilder::adult(2))
        .await;
    let code = letter_code(&official, &city, &account_id(&guesser).await).await;
    for _ in 0..2 {
        assert_invalid_code(&enter_letter_code(&guesser, "00000-00000").await);
    }
    // Refused before the code is looked at, even the right one.
    assert_throttled(&enter_letter_code(&guesser, &code).await);
    // Another account's attempts are its own.
    assert_invalid_code(&enter_letter_code(&other, "00000-00000").await);
}

/// A resident registered in an open city, logged in, and the city's official.
async fn counter_setup(app: &TestApp, slug: &str) -> (City, Session, Resident) {
    let city = city(app, slug, "open", None).await;
    let official = app.staff_login(&city, Role::Official).await;
    let resident = app
        .register_resident(&city, ResidentBuilder::adult(1))
        .await;
    (city, official, resident)
}

#[tokio::test]
async fn a_counter_code_sets_a_new_password_once_and_ends_every_session() {
    let app = spawn_app().await;
    let (city, official, resident) = counter_setup(&app, "trabzon").await;
    let second = app
        .logged_in(Some("trabzon"), &resident.email, PASSWORD)
        .await;
    let id = account_id(&resident).await;
    let issued: Value = issue(&official, "trabzon", &id, "password-reset-code")
        .await
        .created();
    let code = issued["code"].as_str().unwrap();
    let details = audit_details(&app, "resident.password_reset_code_issued").await;
    assert_eq!(details.len(), 1);
    for part in code.split('-') {
        assert!(!details[0].to_string().contains(part));
    }

    // An unknown ID and a wrong code: the same answer, word for word.
    let unknown = reset_at_counter(&app, "trabzon", &tckn(99), code).await;
    let wrong = reset_at_counter(&app, "trabzon", &resident.national_id, "00000-00000").await;
    let malformed = reset_at_counter(&app, "trabzon", "12345", code).await;
    for reply in [&unknown, &wrong, &malformed] {
        assert_invalid_code(reply);
        assert_eq!(reply.json(), unknown.json());
    }
    // The password policy is checked whoever asks.
    let weak = app
        .anonymous()
        .post(
            "/api/v1/municipalities/trabzon/password-reset/counter",
            &json!({"national_id": resident.national_id, "code": code, "new_password": "short"}),
        )
        .await;
    assert_eq!(weak.status, 422);

    let reset = reset_at_counter(&app, "trabzon", &resident.national_id, code).await;
    assert_eq!(reset.status, 204, "{}", reset.text());
    for old in [&resident.session, &second] {
        assert_eq!(old.get("/api/v1/me").await.status, 401);
    }
    let login =
        |password: &'static str| app.attempt_login(Some("trabzon"), &resident.email, password);
    assert_eq!(login(PASSWORD).await.status, 401);
    assert_eq!(login(NEW_PASSWORD).await.status, 200);
    // Used once.
    assert_invalid_code(&reset_at_counter(&app, "trabzon", &resident.national_id, code).await);

    // Expired.
    let later: Value = issue(&official, "trabzon", &id, "password-reset-code")
        .await
        .created();
    expire_codes(&app, "password_reset_counter").await;
    let late = later["code"].as_str().unwrap();
    assert_invalid_code(&reset_at_counter(&app, "trabzon", &resident.national_id, late).await);

    // Another municipality's official issues nothing for this city's resident.
    let (_, stranger, _) = counter_setup(&app, "rize").await;
    let refused = issue(&stranger, &city.slug, &id, "password-reset-code").await;
    assert_eq!(refused.status, 404);
    let refused = issue(&stranger, "rize", &id, "password-reset-code").await;
    assert_eq!(refused.status, 404);
}

#[tokio::test]
async fn counter_reset_attempts_are_throttled_per_id_and_per_address() {
    let app = spawn_app_with(|s| {
        s.trust_forwarded_for = true;
        s.code_limits.per_person_per_hour = 1;
        s.code_limits.per_person_burst = 2;
        s.code_limits.per_ip_per_hour = 1;
        s.code_limits.per_ip_burst = 3;
    })
    .await;
    let (_, _, resident) = counter_setup(&app, "ordu").await;
    let attempt = |address: &'static str, national_id: String| {
        let anyone = app.anonymous();
        async move {
            let request = anyone
                .request(
                    Method::POST,
                    "/api/v1/municipalities/ordu/password-reset/counter",
                )
                .header("X-Forwarded-For", address)
                .json(&json!({"national_id": national_id, "code": "00000-00000",
                               "new_password": NEW_PASSWORD}));
            anyone.exchange(request).await
        }
    };
    let (known, unknown) = (resident.national_id.clone(), tckn(77));
    assert_invalid_code(&attempt("10.0.0.1", known.clone()).await);
    assert_invalid_code(&attempt("10.0.0.1", known.clone()).await);
    // The ID's budget is spent, from any address.
    assert_throttled(&attempt("10.0.0.1", known.clone()).await);
    assert_throttled(&attempt("10.0.0.2", known.clone()).await);
    // Another ID from a fresh address is answered; the first address's budget is spent.
    assert_invalid_code(&attempt("10.0.0.2", unknown.clone()).await);
    assert_throttled(&attempt("10.0.0.1", unknown).await);
}
