//! The audit log over HTTP: who may read it, and that any edit to a past entry (or removing
//! one) breaks the chain where it happened.

use diesel::prelude::*;
use kurultai::db::schema::audit_log;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};
use crate::support::{city, move_to, new_cycle};

async fn log(app: &TestApp, token: &str) -> Value {
    let response = app
        .get(
            "/api/v1/municipalities/kars/audit-log?limit=500",
            Some(token),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Runs `sql` (one statement with the entry id bound) on the test database.
async fn tamper(app: &TestApp, sql: &'static str, id: String) {
    app.db
        .write(move |conn| {
            diesel::sql_query(sql)
                .bind::<diesel::sql_types::Text, _>(id)
                .execute(conn)
                .map(|_| ())
                .map_err(kurultai::db::DbError::from)
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn any_edit_to_a_past_entry_breaks_the_chain() {
    let app = spawn_app().await;
    let (admin, official) = city(&app, "kars").await;
    let auditor = app.staff(&admin, "kars", "auditor").await;
    let cycle = new_cycle(&app, "kars", &official).await;
    assert_eq!(
        move_to(&app, &cycle, &official, "submission")
            .await
            .status(),
        200
    );
    assert_eq!(
        move_to(&app, &cycle, &official, "cancelled").await.status(),
        200
    );

    let intact = log(&app, &auditor).await;
    assert_eq!(intact["chain_intact"], true);
    let entries = intact["entries"].as_array().unwrap();
    assert!(entries.len() >= 5, "{entries:?}");
    let moves: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "cycle.transition")
        .collect();
    assert_eq!(moves[0]["details"]["to"], "submission");
    assert_eq!(moves[0]["actor_role"], "official");
    assert_eq!(
        app.get("/api/v1/municipalities/kars/audit-log", Some(&official))
            .await
            .status(),
        403
    );
    let paged: Value = app
        .get(
            "/api/v1/municipalities/kars/audit-log?limit=2",
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paged["entries"].as_array().unwrap().len(), 2);
    assert_eq!(paged["next_after"], 2);

    // Edit one column of a middle entry at a time; each edit is caught at that entry.
    let victim = entries[2]["id"].as_str().unwrap().to_string();
    let seq = entries[2]["seq"].as_i64().unwrap();
    let edits: [(&str, &str); 5] = [
        (
            "UPDATE audit_log SET details = '{\"to\":\"published\"}' WHERE id = $1",
            "details",
        ),
        (
            "UPDATE audit_log SET action = 'nothing.happened' WHERE id = $1",
            "action",
        ),
        (
            "UPDATE audit_log SET actor_role = 'auditor' WHERE id = $1",
            "actor_role",
        ),
        (
            "UPDATE audit_log SET target_id = NULL WHERE id = $1",
            "target_id",
        ),
        (
            "UPDATE audit_log SET created_at = '2001-01-01 00:00:00' WHERE id = $1",
            "created_at",
        ),
    ];
    let original: (
        String,
        String,
        String,
        Option<String>,
        chrono::NaiveDateTime,
    ) = {
        let id = victim.clone();
        app.db
            .read(move |conn| {
                audit_log::table
                    .find(&id)
                    .select((
                        audit_log::details,
                        audit_log::action,
                        audit_log::actor_role,
                        audit_log::target_id,
                        audit_log::created_at,
                    ))
                    .first(conn)
                    .map_err(kurultai::db::DbError::from)
            })
            .await
            .unwrap()
    };
    for (sql, column) in edits {
        let sql: &'static str = if kurultai_on_sqlite() {
            Box::leak(sql.replace("$1", "?").into_boxed_str())
        } else {
            sql
        };
        tamper(&app, sql, victim.clone()).await;
        let broken = log(&app, &auditor).await;
        assert_eq!(
            broken["chain_intact"], false,
            "editing {column} went unnoticed"
        );
        assert_eq!(broken["first_broken_seq"], seq, "editing {column}");
        // Put it back and the chain holds again.
        let (details, action, role, target, at) = original.clone();
        let id = victim.clone();
        app.db
            .write(move |conn| {
                diesel::update(audit_log::table.find(&id))
                    .set((
                        audit_log::details.eq(details),
                        audit_log::action.eq(action),
                        audit_log::actor_role.eq(role),
                        audit_log::target_id.eq(target),
                        audit_log::created_at.eq(at),
                    ))
                    .execute(conn)
                    .map_err(kurultai::db::DbError::from)
            })
            .await
            .unwrap();
        assert_eq!(
            log(&app, &auditor).await["chain_intact"],
            true,
            "after restoring {column}"
        );
    }

    // Removing an entry breaks the link of the one after it.
    let sql = if kurultai_on_sqlite() {
        "DELETE FROM audit_log WHERE id = ?"
    } else {
        "DELETE FROM audit_log WHERE id = $1"
    };
    tamper(&app, sql, victim).await;
    let broken = log(&app, &auditor).await;
    assert_eq!(broken["first_broken_seq"], seq + 1);
}

fn kurultai_on_sqlite() -> bool {
    !crate::helpers::on_postgres()
}
