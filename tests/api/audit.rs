//! The audit log over HTTP: who may read it, and that any edit to a past entry (or removing
//! one) breaks the chain where it happened.

use crate::helpers::{spawn_app, TestApp};
use crate::support::{AuditEntry, AuditPage, MunicipalityBuilder, Role, Session};
use diesel::prelude::*;
use kurultai::db::schema::audit_log;

async fn log(reader: &Session) -> AuditPage {
    reader
        .get("/api/v1/municipalities/kars/audit-log?limit=500")
        .await
        .ok()
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
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("kars"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    let cycle = official.create_cycle(&city).await;
    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);
    assert_eq!(official.move_cycle(&cycle, "cancelled").await.status, 200);

    let intact = log(&auditor).await;
    assert!(intact.chain_intact);
    let entries = &intact.entries;
    assert!(entries.len() >= 5, "{entries:?}");
    let moves: Vec<&AuditEntry> = entries
        .iter()
        .filter(|e| e.action == "cycle.transition")
        .collect();
    assert_eq!(moves[0].details["to"], "submission");
    assert_eq!(moves[0].actor_role, "official");
    assert_eq!(
        official
            .get("/api/v1/municipalities/kars/audit-log")
            .await
            .status,
        403
    );
    let paged: AuditPage = city
        .admin
        .get("/api/v1/municipalities/kars/audit-log?limit=2")
        .await
        .json_as();
    assert_eq!(paged.entries.len(), 2);
    assert_eq!(paged.next_after, Some(2));

    // Edit one column of a middle entry at a time; each edit is caught at that entry.
    let victim = entries[2].id.clone();
    let seq = entries[2].seq;
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
        let broken = log(&auditor).await;
        assert!(!broken.chain_intact, "editing {column} went unnoticed");
        assert_eq!(broken.first_broken_seq, Some(seq), "editing {column}");
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
        assert!(log(&auditor).await.chain_intact, "after restoring {column}");
    }

    // Removing an entry breaks the link of the one after it.
    let sql = if kurultai_on_sqlite() {
        "DELETE FROM audit_log WHERE id = ?"
    } else {
        "DELETE FROM audit_log WHERE id = $1"
    };
    tamper(&app, sql, victim).await;
    let broken = log(&auditor).await;
    assert_eq!(broken.first_broken_seq, Some(seq + 1));
}

fn kurultai_on_sqlite() -> bool {
    !crate::helpers::on_postgres()
}

/// Staff read who did what by name: the municipality's own staff are named with their
/// e-mail; another municipality's staff never appear, and a resident is named by role only.
#[tokio::test]
async fn staff_actors_are_named_to_their_own_municipality() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("kars"))
        .await;
    let official = app.staff_login(&city, Role::Official).await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    let cycle = official.create_cycle(&city).await;
    assert_eq!(official.move_cycle(&cycle, "submission").await.status, 200);

    let page = log(&auditor).await;
    let moved = page
        .entries
        .iter()
        .find(|e| e.action == "cycle.transition")
        .expect("the move is logged");
    assert_eq!(moved.actor_name.as_deref(), Some("official"));
    assert_eq!(moved.actor_email.as_deref(), Some("official@kars.example"));
    // The platform admin who created the municipality is not one of its staff.
    let created = page
        .entries
        .iter()
        .find(|e| e.action == "municipality.created")
        .expect("the creation is logged");
    assert_eq!(
        (
            created.actor_name.as_deref(),
            created.actor_email.as_deref()
        ),
        (None, None)
    );
}
