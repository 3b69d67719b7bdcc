//! Sign-in through a municipality's OpenID Connect provider (issue 19), against a real
//! provider (npm's `oidc-provider`, started by `support::oidc`): registration as verified,
//! later sign-ins, the ID token's checks (forged, wrong audience, expired, wrong nonce), the
//! single-use `state`, the national ID's check digits, linking a typed-ID account, the
//! write-only client secret, tenancy, and that neither the ID nor the secret is stored or
//! logged in clear. Each test skips when node or the package is missing (not in CI).

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::support::leaks::{all_stored_text, capture_logs, logged, logged_bytes};
use crate::support::oidc::{land, person, Landing, OidcProvider, CLIENT_ID, CLIENT_SECRET};
use crate::support::{
    approvals, tckn, BudgetBuilder, City, MunicipalityBuilder, ResidentBuilder, Role, Session,
    Tokens,
};

/// A Turkish city with open registration whose admin configured `provider` and offers it as
/// a verification method.
async fn city_with_provider(app: &TestApp, slug: &str, provider: &OidcProvider) -> City {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish(slug).open_registration("until_close"))
        .await;
    let reply = configure(&city, provider).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    offer_methods(&city, &["open", "review", "roll", "provider"]).await;
    city
}

async fn offer_methods(city: &City, methods: &[&str]) {
    let reply = city
        .admin
        .patch(
            &format!("/api/v1/municipalities/{}/settings", city.slug),
            &json!({ "verification_methods": methods }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

async fn default_language(app: &TestApp, slug: &str) -> String {
    let m: Value = app
        .anonymous()
        .get(&format!("/api/v1/municipalities/{slug}"))
        .await
        .ok();
    m["default_language"].as_str().unwrap().to_string()
}

fn provider_path(slug: &str) -> String {
    format!("/api/v1/municipalities/{slug}/identity-provider")
}

async fn configure(city: &City, provider: &OidcProvider) -> crate::support::Reply {
    configure_with(city, provider, |_| {}).await
}

/// [`configure`] with the body changed by `tweak` before it is sent.
async fn configure_with(
    city: &City,
    provider: &OidcProvider,
    tweak: impl FnOnce(&mut Value),
) -> crate::support::Reply {
    let admin = &city.admin;
    let lang = {
        let m: Value = admin
            .get(&format!("/api/v1/municipalities/{}", city.slug))
            .await
            .ok();
        m["default_language"].as_str().unwrap().to_string()
    };
    let mut body = json!({
        "issuer_url": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "national_id_claim": "national_id",
        "birth_date_claim": "birthdate",
        "name_claim": "name",
        "scopes": ["profile"],
        "button_labels": { lang: "e-Devlet ile giriş" },
    });
    tweak(&mut body);
    admin.put(&provider_path(&city.slug), &body).await
}

/// Starts a sign-in (with `session`, a link), plays the browser at the provider as `login`,
/// and lands where our callback sends the browser; also returns the callback's URL.
async fn sign_in_as(
    app: &TestApp,
    slug: &str,
    provider: &OidcProvider,
    login: &str,
    session: Option<&Session>,
) -> (Landing, String) {
    let reply = match session {
        None => {
            app.anonymous()
                .post(
                    &format!("/api/v1/municipalities/{slug}/oidc/start"),
                    &json!({}),
                )
                .await
        }
        Some(s) => {
            s.post(
                &format!("/api/v1/municipalities/{slug}/oidc/link"),
                &json!({}),
            )
            .await
        }
    };
    let started: Value = reply.ok();
    let url = started["authorization_url"].as_str().unwrap();
    for param in [
        "code_challenge_method=S256",
        "state=",
        "nonce=",
        "code_challenge=",
    ] {
        assert!(url.contains(param), "{param} in {url}");
    }
    let callback = provider.authorize(url, login).await;
    (land(app, &callback).await, callback)
}

async fn sign_in(app: &TestApp, slug: &str, provider: &OidcProvider, login: &str) -> Landing {
    sign_in_as(app, slug, provider, login, None).await.0
}

async fn finish(app: &TestApp, landing: &Landing) -> crate::support::Reply {
    let code = landing.code().unwrap_or_else(|| panic!("{landing:?}"));
    app.anonymous()
        .post("/api/v1/auth/oidc/finish", &json!({ "code": code }))
        .await
}

/// How many rows `table` has.
async fn count(app: &TestApp, table: &'static str) -> i64 {
    app.db
        .read(move |conn| {
            use diesel::prelude::*;
            use diesel::sql_types::BigInt;
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = BigInt)]
                n: i64,
            }
            let sql = format!("SELECT COUNT(*) AS n FROM {table}");
            let n: N = match conn {
                kurultai::db::DbConn::Sqlite(c) => diesel::sql_query(sql).get_result(c),
                kurultai::db::DbConn::Postgresql(c) => diesel::sql_query(sql).get_result(c),
            }
            .map_err(kurultai::db::DbError::from)?;
            Ok::<_, kurultai::db::DbError>(n.n)
        })
        .await
        .unwrap()
}

macro_rules! provider_or_skip {
    ($app:expr) => {
        match OidcProvider::start($app).await {
            Some(p) => p,
            None => return,
        }
    };
}

#[tokio::test]
async fn a_first_sign_in_registers_a_verified_resident_who_votes_and_a_later_one_logs_in() {
    let app = spawn_app().await;
    let provider = provider_or_skip!(&app);
    let city = city_with_provider(&app, "izmir", &provider).await;
    let official = app.staff_login(&city, Role::Official).await;
    let voting = app
        .open_voting(&city, &official, BudgetBuilder::approval(2), &[300, 200])
        .await;

    // The public page knows the button.
    let lang = default_language(&app, "izmir").await;
    let options: Value = app
        .anonymous()
        .get("/api/v1/municipalities/izmir/sign-in-options")
        .await
        .ok();
    assert_eq!(options["provider"]["label"], "e-Devlet ile giriş");
    assert_eq!(options["provider"]["labels"][&lang], "e-Devlet ile giriş");

    let id = tckn(4242);
    provider
        .add_account("ayse", person(&id, "Ayşe Yılmaz", "1984-02-29"))
        .await;
    let landing = sign_in(&app, "izmir", &provider, "ayse").await;
    assert_eq!(landing.route, "/m/izmir/signed-in", "{landing:?}");
    let tokens: Tokens = finish(&app, &landing).await.ok();
    assert_eq!(tokens.account.role, "resident");
    // The code works once.
    let again = finish(&app, &landing).await;
    assert_eq!(again.problem().code, "invalid_code");

    let ayse = app.session(&tokens.access_token);
    let profile: Value = ayse.get("/api/v1/me/profile").await.ok();
    assert_eq!(profile["status"], "verified", "{profile}");
    assert_eq!(profile["verified_by"], json!(["provider"]), "{profile}");
    assert_eq!(profile["full_name"], "Ayşe Yılmaz");
    assert_eq!(profile["birth_date"], "1984-02-29");
    let cast = ayse
        .cast(&voting.budget, approvals(&[&voting.proposals[0]]))
        .await;
    assert_eq!(cast.status, 201, "{}", cast.text());

    // A later sign-in opens the same account, and no second one is made.
    let later = sign_in(&app, "izmir", &provider, "ayse").await;
    let later: Tokens = finish(&app, &later).await.ok();
    assert_eq!(later.account.id, tokens.account.id);
    assert_eq!(count(&app, "residents").await, 1);
    // Nobody can log in to it with a password, not even an empty one.
    let by_password = app.attempt_login(Some("izmir"), &id, "").await;
    assert_eq!(by_password.status, 401);
}

#[tokio::test]
async fn forged_misaddressed_expired_and_replayed_answers_are_refused_and_open_nothing() {
    let app = spawn_app().await;
    let provider = provider_or_skip!(&app);
    city_with_provider(&app, "bursa", &provider).await;
    // The staff's sessions; a refused sign-in adds none.
    let sessions = count(&app, "sessions").await;
    // The staff's used invitation codes; a refused sign-in adds none.
    let codes = count(&app, "one_time_codes").await;
    let cases = [
        ("forged", "oidc_signature_invalid"),
        ("audience", "oidc_audience_invalid"),
        ("expired", "oidc_token_expired"),
        ("nonce", "oidc_nonce_invalid"),
    ];
    for (n, (mode, code)) in cases.iter().enumerate() {
        let login = format!("person{n}");
        provider
            .add_account(
                &login,
                person(&tckn(100 + n as u64), "Kim Se", "1970-01-01"),
            )
            .await;
        provider.set_mode(mode).await;
        let landing = sign_in(&app, "bursa", &provider, &login).await;
        assert_eq!(landing.route, "/m/bursa/sign-in", "{mode}: {landing:?}");
        assert_eq!(landing.error(), Some(*code), "{mode}");
        assert_eq!(landing.code(), None);
    }
    provider.set_mode("normal").await;

    // A national ID with a wrong check digit.
    let mut bad = tckn(7);
    let last = bad.pop().unwrap().to_digit(10).unwrap();
    bad.push(char::from_digit((last + 1) % 10, 10).unwrap());
    provider
        .add_account("typo", person(&bad, "Kim Se", "1970-01-01"))
        .await;
    let landing = sign_in(&app, "bursa", &provider, "typo").await;
    assert_eq!(landing.error(), Some("invalid_check_digit"), "{landing:?}");

    assert_eq!(count(&app, "residents").await, 0);
    assert_eq!(count(&app, "sessions").await, sessions);
    assert_eq!(count(&app, "one_time_codes").await, codes);

    // A state is good once: the provider's redirect replayed finds nothing.
    provider
        .add_account("real", person(&tckn(9), "Kim Se", "1970-01-01"))
        .await;
    let (landing, callback) = sign_in_as(&app, "bursa", &provider, "real", None).await;
    assert!(landing.code().is_some(), "{landing:?}");
    let replayed = land(&app, &callback).await;
    assert_eq!(replayed.route, "/");
    assert_eq!(replayed.error(), Some("oidc_state_invalid"));
    // A state nobody issued.
    let unknown = format!(
        "{}/api/v1/auth/oidc/callback?code=abc&state=made-up-state",
        app.address
    );
    assert_eq!(
        land(&app, &unknown).await.error(),
        Some("oidc_state_invalid")
    );
    let missing = format!("{}/api/v1/auth/oidc/callback", app.address);
    assert_eq!(
        land(&app, &missing).await.error(),
        Some("oidc_state_invalid")
    );
    assert_eq!(count(&app, "residents").await, 1);
    assert_eq!(count(&app, "sessions").await, sessions);
}

#[tokio::test]
async fn the_client_secret_and_the_national_id_are_never_stored_or_logged_in_clear() {
    capture_logs();
    let app = spawn_app().await;
    let provider = provider_or_skip!(&app);
    let city = city_with_provider(&app, "konya", &provider).await;
    let id = tckn(31_337);
    provider
        .add_account("emre", person(&id, "Emre Kaya", "1991-07-15"))
        .await;
    let landing = sign_in(&app, "konya", &provider, "emre").await;
    let _: Tokens = finish(&app, &landing).await.ok();

    let view: Value = city.admin.get(&provider_path("konya")).await.ok();
    assert_eq!(view["client_secret_set"], true);
    assert!(view.get("client_secret").is_none(), "{view}");
    assert!(!view.to_string().contains(CLIENT_SECRET));
    assert_eq!(
        view["redirect_uri"],
        format!("{}/api/v1/auth/oidc/callback", app.address)
    );
    let audited = crate::support::audit_details(&app, "identity_provider.configured").await;
    assert_eq!(audited.len(), 1);
    assert!(!audited[0].to_string().contains(CLIENT_SECRET));

    for (table, column, value) in all_stored_text(&app).await {
        assert!(
            !value.contains(CLIENT_SECRET),
            "the client secret in clear in {table}.{column}"
        );
        assert!(
            !value.contains(&id),
            "the national ID in clear in {table}.{column}"
        );
    }
    assert!(logged_bytes() > 0, "the logs are captured");
    assert!(!logged(&id), "the national ID is in the logs");
    assert!(!logged(CLIENT_SECRET), "the client secret is in the logs");

    // Saving again without a secret keeps the stored one; a bad issuer is refused by field.
    let mut body = json!({
        "issuer_url": provider.issuer, "client_id": CLIENT_ID,
        "national_id_claim": "national_id", "scopes": ["profile"],
        "button_labels": view["button_labels"],
    });
    let kept = city.admin.put(&provider_path("konya"), &body).await;
    assert_eq!(kept.status, 200, "{}", kept.text());
    let again = sign_in(&app, "konya", &provider, "emre").await;
    assert!(again.code().is_some(), "{again:?}");
    body["issuer_url"] = json!("http://127.0.0.1:9/nobody");
    let refused = city.admin.put(&provider_path("konya"), &body).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.json()["errors"][0]["code"], "discovery_failed");
}

#[tokio::test]
async fn a_typed_id_account_links_to_the_provider_only_with_the_same_id() {
    let app = spawn_app().await;
    let provider = provider_or_skip!(&app);
    let city = city_with_provider(&app, "samsun", &provider).await;
    let deniz = app
        .register_resident(&city, ResidentBuilder::adult(1))
        .await;
    let other = app
        .register_resident(&city, ResidentBuilder::adult(2))
        .await;
    provider
        .add_account(
            "deniz",
            person(&deniz.national_id, "Deniz Ak", "1980-01-01"),
        )
        .await;

    // Without a session, the typed-ID account is not handed to whoever the provider vouches
    // for: the person who typed the ID may not be its owner.
    let landing = sign_in(&app, "samsun", &provider, "deniz").await;
    assert_eq!(
        landing.error(),
        Some("id_registered_without_provider"),
        "{landing:?}"
    );

    // Another resident cannot link Deniz's identity to their own account.
    let (mismatch, _) = sign_in_as(&app, "samsun", &provider, "deniz", Some(&other)).await;
    assert_eq!(
        mismatch.error(),
        Some("provider_id_mismatch"),
        "{mismatch:?}"
    );

    // Deniz, logged in, links; afterwards the provider signs Deniz in to the same account.
    let (linked, _) = sign_in_as(&app, "samsun", &provider, "deniz", Some(&deniz)).await;
    let linked: Tokens = finish(&app, &linked).await.ok();
    let me: Value = deniz.get("/api/v1/me").await.ok();
    assert_eq!(linked.account.id, me["id"].as_str().unwrap());
    let later = sign_in(&app, "samsun", &provider, "deniz").await;
    let later: Tokens = finish(&app, &later).await.ok();
    assert_eq!(later.account.id, linked.account.id);
    assert_eq!(count(&app, "residents").await, 2);

    // Staff cannot start a link.
    let official = app.staff_login(&city, Role::Official).await;
    let refused = official
        .post("/api/v1/municipalities/samsun/oidc/link", &json!({}))
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn another_municipalitys_provider_is_out_of_reach() {
    let app = spawn_app().await;
    let provider = provider_or_skip!(&app);
    city_with_provider(&app, "adana", &provider).await;
    let other = app
        .create_municipality(MunicipalityBuilder::turkish("mersin"))
        .await;
    for reply in [
        other.admin.get(&provider_path("adana")).await,
        configure(
            &City {
                slug: "adana".into(),
                admin: other.admin.clone(),
            },
            &provider,
        )
        .await,
        other.admin.delete(&provider_path("adana")).await,
    ] {
        assert_eq!(reply.status, 404, "{}", reply.text());
    }
    // Mersin has none of its own: no button, no sign-in.
    let options: Value = app
        .anonymous()
        .get("/api/v1/municipalities/mersin/sign-in-options")
        .await
        .ok();
    assert_eq!(options["provider"], Value::Null);
    let start = app
        .anonymous()
        .post("/api/v1/municipalities/mersin/oidc/start", &json!({}))
        .await;
    assert_eq!(start.problem().code, "no_identity_provider");
    assert_eq!(other.admin.get(&provider_path("mersin")).await.status, 404);
}

#[tokio::test]
async fn a_rotated_signing_key_is_fetched_again_from_the_jwks() {
    let app = spawn_app().await;
    let provider = provider_or_skip!(&app);
    city_with_provider(&app, "hatay", &provider).await;
    provider
        .add_account("mert", person(&tckn(55), "Mert Er", "1975-05-05"))
        .await;
    provider.set_mode("rotated").await;
    // Past the re-fetch bound (keys fetched more recently are not fetched again: a token with
    // a made-up key id cannot make us hammer the provider).
    tokio::time::sleep(std::time::Duration::from_millis(5_200)).await;
    let landing = sign_in(&app, "hatay", &provider, "mert").await;
    assert!(landing.code().is_some(), "{landing:?}");
}

/// The `state` in an authorization URL.
fn state_of(authorization_url: &str) -> String {
    reqwest::Url::parse(authorization_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

#[tokio::test]
async fn a_cancelled_sign_in_is_refused_and_its_state_is_never_stored_in_clear() {
    let app = spawn_app().await;
    let provider = provider_or_skip!(&app);
    city_with_provider(&app, "sivas", &provider).await;
    let started: Value = app
        .anonymous()
        .post("/api/v1/municipalities/sivas/oidc/start", &json!({}))
        .await
        .ok();
    let state = state_of(started["authorization_url"].as_str().unwrap());
    for (table, column, value) in all_stored_text(&app).await {
        assert!(
            !value.contains(&state),
            "the state in clear in {table}.{column}"
        );
    }
    // The person cancels at the provider, which says so on the way back.
    let cancelled = format!(
        "{}/api/v1/auth/oidc/callback?error=access_denied&state={state}",
        app.address
    );
    let landing = land(&app, &cancelled).await;
    assert_eq!(landing.route, "/m/sivas/sign-in");
    assert_eq!(landing.error(), Some("oidc_denied"));
    // And that state is spent.
    assert_eq!(
        land(&app, &cancelled).await.error(),
        Some("oidc_state_invalid")
    );
    assert_eq!(count(&app, "oidc_requests").await, 0);
}

#[tokio::test]
async fn starting_sign_ins_is_throttled_per_address_and_links_stay_in_their_city() {
    let app = spawn_app_with(|s| {
        // Enough for the set-up's four logins; the starts have a bucket of their own.
        s.rate_limit.login_per_ip_per_minute = 1;
        s.rate_limit.login_per_ip_burst = 4;
    })
    .await;
    let provider = provider_or_skip!(&app);
    let city = city_with_provider(&app, "ordu", &provider).await;
    let other = app
        .create_municipality(MunicipalityBuilder::turkish("rize").open_registration("until_close"))
        .await;
    let stranger = app
        .register_resident(&other, ResidentBuilder::adult(3))
        .await;
    // A resident of another city cannot link to this city's provider.
    let refused = stranger
        .post("/api/v1/municipalities/ordu/oidc/link", &json!({}))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    let _ = city;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let reply = app
            .anonymous()
            .post("/api/v1/municipalities/ordu/oidc/start", &json!({}))
            .await;
        statuses.push(reply.status.as_u16());
    }
    assert!(statuses.contains(&200), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(count(&app, "oidc_requests").await <= 4);
}

#[tokio::test]
async fn without_a_birth_date_claim_the_date_comes_from_the_id_or_registration_is_refused() {
    let app = spawn_app().await;
    let provider = provider_or_skip!(&app);
    let no_birth_claim = |body: &mut Value| body["birth_date_claim"] = Value::Null;
    // An IIN carries the birth date.
    let almaty = app
        .create_municipality(
            MunicipalityBuilder::new("almaty", "KZ").open_registration("until_close"),
        )
        .await;
    let saved = configure_with(&almaty, &provider, no_birth_claim).await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    offer_methods(&almaty, &["open", "provider"]).await;
    provider
        .add_account(
            "aigerim",
            person("900101300017", "Aigerim Sarsen", "1999-09-09"),
        )
        .await;
    let landing = sign_in(&app, "almaty", &provider, "aigerim").await;
    let tokens: Tokens = finish(&app, &landing).await.ok();
    let profile: Value = app
        .session(&tokens.access_token)
        .get("/api/v1/me/profile")
        .await
        .ok();
    assert_eq!(profile["birth_date"], "1990-01-01", "{profile}");
    // A T.C. Kimlik No does not: refused with its code, and nobody registered there.
    let trabzon = app
        .create_municipality(
            MunicipalityBuilder::turkish("trabzon").open_registration("until_close"),
        )
        .await;
    configure_with(&trabzon, &provider, no_birth_claim)
        .await
        .expect_status(200);
    offer_methods(&trabzon, &["open", "provider"]).await;
    provider
        .add_account("zeynep", person(&tckn(77), "Zeynep Ak", "1988-08-08"))
        .await;
    let refused = sign_in(&app, "trabzon", &provider, "zeynep").await;
    assert_eq!(
        refused.error(),
        Some("oidc_birth_date_missing"),
        "{refused:?}"
    );
    assert_eq!(count(&app, "residents").await, 1);
}

#[tokio::test]
async fn a_provider_the_city_does_not_offer_as_a_method_is_neither_shown_nor_started() {
    let app = spawn_app().await;
    let provider = provider_or_skip!(&app);
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("kars").open_registration("until_close"))
        .await;
    let reply = configure(&city, &provider).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let options: Value = app
        .anonymous()
        .get("/api/v1/municipalities/kars/sign-in-options")
        .await
        .ok();
    assert_eq!(options["provider"], Value::Null);
    let start = app
        .anonymous()
        .post("/api/v1/municipalities/kars/oidc/start", &json!({}))
        .await;
    assert_eq!(start.status, 409, "{}", start.text());
    assert_eq!(start.problem().code, "verification_method_not_offered");

    offer_methods(&city, &["review", "provider"]).await;
    let options: Value = app
        .anonymous()
        .get("/api/v1/municipalities/kars/sign-in-options")
        .await
        .ok();
    assert_eq!(options["provider"]["label"], "e-Devlet ile giriş");
}
