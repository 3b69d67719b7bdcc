//! Several instances of the service on one database (issue 17, point 3), on SQLite and on
//! PostgreSQL: whatever one instance decided, another one behind the same load balancer
//! answers alike — throttles, stored ballot replies, tokens, signing keys, the scheduled close.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp, PASSWORD, PLATFORM_EMAIL};
use crate::support::{
    approvals, audit_details, Keys, MunicipalityBuilder, Resident, ResidentBuilder, Role, Session,
    Voting,
};

#[tokio::test]
async fn a_login_throttle_spent_on_one_instance_is_spent_on_the_others() {
    let a = spawn_app_with(|s| {
        s.trust_forwarded_for = true;
        s.rate_limit.login_per_pair_per_minute = 1;
        s.rate_limit.login_per_pair_burst = 4;
    })
    .await;
    let (b, c) = (a.another_instance().await, a.another_instance().await);
    a.platform_admin_token().await;
    // Four guesses in all, spread over three instances, spend the pair's burst…
    for app in [&a, &b, &c, &a] {
        assert_eq!(
            app.login_from("203.0.113.66", "a wrong guess").await.status,
            401
        );
    }
    // …so every instance refuses the fifth, even with the right password.
    for app in [&a, &b, &c] {
        let refused = app.login_from("203.0.113.66", PASSWORD).await;
        assert_eq!(refused.status, 429);
        assert_eq!(refused.problem().code, "rate_limited");
        assert!(refused.headers.contains_key("retry-after"));
    }
    assert_eq!(c.login_from("198.51.100.7", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_registration_throttle_spent_on_one_instance_is_spent_on_the_other() {
    let a = spawn_app_with(|s| {
        s.trust_forwarded_for = true;
        s.rate_limit.registration_per_ip_per_hour = 1;
        s.rate_limit.registration_per_ip_burst = 2;
    })
    .await;
    let b = a.another_instance().await;
    let city = a
        .create_municipality(MunicipalityBuilder::turkish("bursa").open_registration("until_close"))
        .await;
    let register = |app: &TestApp, n: u64| {
        let anyone = app.anonymous();
        let request = anyone
            .request(Method::POST, "/api/v1/municipalities/bursa/residents")
            .header("X-Forwarded-For", "203.0.113.9")
            .json(&ResidentBuilder::adult(30 + n).body(&city.slug));
        async move { anyone.exchange(request).await }
    };
    assert_eq!(register(&a, 1).await.status, 201);
    assert_eq!(register(&b, 2).await.status, 201);
    for app in [&a, &b] {
        let refused = register(app, 3).await;
        assert_eq!(refused.status, 429);
        assert_eq!(refused.problem().code, "rate_limited");
    }
}

/// A city `slug` on `app` with one budget in voting (two proposals), its official and a
/// registered voter.
async fn voting_in(app: &TestApp, slug: &str) -> (Session, Voting, Resident) {
    let city = app
        .create_municipality(MunicipalityBuilder::turkish(slug).open_registration("until_close"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let voting = app
        .open_voting(
            &city,
            &official,
            json!({"names": {"en": "All"}, "amount_minor": 1_000}),
            &[100, 200],
        )
        .await;
    let voter = app
        .register_resident(&city, ResidentBuilder::adult(21))
        .await;
    (official, voting, voter)
}

#[tokio::test]
async fn a_ballot_retried_on_another_instance_gets_the_first_answer() {
    let a = spawn_app_with(|_| {}).await;
    let b = a.another_instance().await;
    let (_, voting, voter) = voting_in(&a, "izmir").await;
    let path = format!("/api/v1/budgets/{}/ballot", voting.budget.id);
    let put = |address: &str, selections: Value| {
        let voter = voter.at(address);
        let request = voter
            .request(Method::PUT, &path)
            .header("Idempotency-Key", "retry-1")
            .json(&json!({ "selections": selections }));
        async move { voter.exchange(request).await }
    };
    let first = put(&a.address, approvals(&voting.proposals[..1])).await;
    assert_eq!(first.status, 201);
    let retry = put(&b.address, approvals(&voting.proposals[..1])).await;
    assert_eq!(retry.status, 201);
    assert_eq!(
        retry.text(),
        first.text(),
        "B answers with A's first answer"
    );
    let misuse = put(&b.address, approvals(&voting.proposals[1..])).await;
    assert_eq!(misuse.problem().code, "idempotency_key_reused");
}

#[tokio::test]
async fn tokens_and_signing_keys_agree_between_instances() {
    let a = spawn_app_with(|_| {}).await;
    let b = a.another_instance().await;
    a.create_municipality(MunicipalityBuilder::turkish("konya"))
        .await;
    let on_a = a.logged_in(None, PLATFORM_EMAIL, PASSWORD).await;
    assert_eq!(on_a.at(&b.address).get("/api/v1/me").await.status, 200);
    let keys = |app: &TestApp| {
        let anyone = app.anonymous();
        async move {
            anyone
                .get("/api/v1/municipalities/konya/keys")
                .await
                .json_as::<Value>()
        }
    };
    let (from_a, from_b) = (keys(&a).await, keys(&b).await);
    assert_eq!(from_a, from_b);
    assert!(from_a["keys"][0]["public_key"].is_string());
    // Logged out on B, the session is dead on A too.
    assert_eq!(on_a.at(&b.address).logout().await.status, 204);
    assert_eq!(on_a.get("/api/v1/me").await.status, 401);
}

#[tokio::test]
async fn a_scheduled_close_is_recorded_once_and_every_instance_refuses_ballots_after_it() {
    let a = spawn_app_with(|_| {}).await;
    let (b, c) = (a.another_instance().await, a.another_instance().await);
    let city = a
        .create_municipality(
            MunicipalityBuilder::turkish("mersin").open_registration("until_close"),
        )
        .await;
    let official = a.staff_login(&city, Role::Official).await;
    let close = chrono::Utc::now() + chrono::Duration::seconds(3);
    let voting = a
        .open_voting_closing_at(
            &city,
            &official,
            json!({"names": {"en": "All"}, "amount_minor": 1_000}),
            &[100],
            close,
        )
        .await;
    let (budget, p) = (&voting.budget, &voting.proposals[0]);
    let voter = a.register_resident(&city, ResidentBuilder::adult(41)).await;
    assert_eq!(
        voter
            .at(&b.address)
            .cast(budget, approvals(&[p]))
            .await
            .status,
        201
    );

    // On PostgreSQL, a fourth sweeper holds the sweep's advisory lock over the close: while
    // it does, the instances skip their sweeps (and their schedulers' ticks).
    let holder = crate::helpers::on_postgres().then(|| hold_the_sweep(&a.database_url));

    let wait = (close - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + std::time::Duration::from_millis(50)).await;
    if let Some(holder) = holder {
        let skipped = kurultai::service::cycles::close_overdue(&a.db).await;
        assert_eq!(
            skipped.expect("a sweep"),
            0,
            "another instance holds the sweep"
        );
        drop(holder);
    }
    // The three instances sweep together, several times (their schedulers tick too).
    let mut closed = 0;
    for _ in 0..3 {
        let sweeps = [&a, &b, &c].map(|app| kurultai::service::cycles::close_overdue(&app.db));
        for swept in futures_util::future::join_all(sweeps).await {
            closed += swept.expect("a sweep");
        }
    }
    assert!(closed <= 1, "{closed} sweeps closed the cycle");
    for app in [&a, &b, &c] {
        let late = voter.at(&app.address).cast(budget, approvals(&[p])).await;
        assert_eq!(late.status, 409);
        assert_eq!(late.problem().code, "cycle_not_in_voting");
    }
    tokio::time::sleep(kurultai::scheduler::TICK).await;
    let closes: Vec<Value> = audit_details(&a, "cycle.transition")
        .await
        .into_iter()
        .filter(|d| d["to"] == "closed")
        .collect();
    assert_eq!(closes.len(), 1, "one close, recorded once: {closes:?}");
    assert_eq!(closes[0]["scheduled"], true);
}

/// A connection holding the sweep's advisory lock in an open transaction, until it is dropped.
fn hold_the_sweep(database_url: &str) -> diesel::PgConnection {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let mut conn = diesel::PgConnection::establish(database_url).expect("the test database");
    conn.batch_execute(&format!(
        "BEGIN; SELECT pg_advisory_xact_lock({})",
        kurultai::db::cycles::SWEEP_LOCK
    ))
    .expect("the sweep's lock");
    conn
}

/// A cycle archive exported on one instance verifies with the key every other instance
/// publishes, and archives of the same cycle from two instances carry the same signing key:
/// the key is derived from the shared `signing_secret`, not from anything an instance keeps.
#[tokio::test]
async fn an_archive_signed_on_one_instance_verifies_with_the_key_another_publishes() {
    let a = spawn_app_with(|_| {}).await;
    let b = a.another_instance().await;
    let (official, voting, voter) = voting_in(&a, "bursa").await;
    assert_eq!(
        voter
            .cast(&voting.budget, approvals(&voting.proposals[..1]))
            .await
            .status,
        201
    );
    assert_eq!(
        official.move_cycle(&voting.cycle, "closed").await.status,
        200
    );
    official.tally(&voting.budget).await;
    let export = format!("/api/v1/cycles/{}/export", voting.cycle.id);
    let archive = |address: &str| {
        let official = official.at(address);
        let export = export.clone();
        async move {
            let reply = official.get(&export).await;
            assert_eq!(reply.status, 200, "{}", reply.text());
            reply.body
        }
    };
    let (from_a, from_b) = (archive(&a.address).await, archive(&b.address).await);
    let key_of = |app: &TestApp| {
        let anyone = app.anonymous();
        async move {
            let keys: Keys = anyone
                .get("/api/v1/municipalities/bursa/keys")
                .await
                .json_as();
            kurultai::archive::PublicKey::parse(&keys.keys[0].public_key).unwrap()
        }
    };
    let (key_a, key_b) = (key_of(&a).await, key_of(&b).await);
    for (made_on, archive) in [("A", &from_a), ("B", &from_b)] {
        for (published_by, key) in [("A", &key_a), ("B", &key_b)] {
            let report = kurultai::archive::verify::verify(archive.as_slice(), Some(key));
            let failures: Vec<_> = report.failures().map(|f| f.message.clone()).collect();
            assert!(
                failures.is_empty(),
                "made on {made_on}, checked with {published_by}'s key: {failures:?}"
            );
        }
    }
}
