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

/// Appends entries of `action` to the municipality's chain at the given UTC instants, as the
/// server would (so the chain stays intact).
async fn append_at(app: &TestApp, slug: &'static str, entries: Vec<(&'static str, &'static str)>) {
    app.db
        .write(move |conn| {
            let m = kurultai::db::municipalities::by_slug(conn, slug)?;
            for (action, at) in entries {
                let at = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").unwrap();
                let entry = kurultai::db::audit::NewEntry {
                    municipality_id: Some(&m.id),
                    actor_account_id: None,
                    actor_role: "system",
                    action,
                    target_type: "cycle",
                    target_id: None,
                    details: serde_json::json!({}),
                };
                kurultai::db::audit::append(conn, entry, at)?;
            }
            Ok::<_, kurultai::error::ApiError>(())
        })
        .await
        .unwrap();
}

/// Every page of `query` (limit 2), following `next_after` to the end.
async fn all_pages(reader: &Session, query: &str) -> Vec<AuditEntry> {
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let page: AuditPage = reader
            .get(&format!(
                "/api/v1/municipalities/kars/audit-log?limit=2&after={after}{query}"
            ))
            .await
            .ok();
        assert!(page.chain_intact, "{query}: {page:?}");
        seen.extend(page.entries);
        match page.next_after {
            Some(next) => after = next,
            None => return seen,
        }
    }
}

/// A filter by action pages through every matching entry once, in order, and no other.
#[tokio::test]
async fn the_action_filter_pages_without_dropping_or_repeating_an_entry() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("kars"))
        .await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    let mut entries = Vec::new();
    for i in 0..7 {
        let action = if i % 3 == 0 {
            "test.other"
        } else {
            "test.kept"
        };
        entries.push((action, "2026-03-01 09:00"));
    }
    append_at(&app, "kars", entries).await;

    let everything = log(&auditor).await.entries;
    let expected: Vec<i64> = everything
        .iter()
        .filter(|e| e.action == "test.kept")
        .map(|e| e.seq)
        .collect();
    assert_eq!(expected.len(), 4);
    let paged: Vec<i64> = all_pages(&auditor, "&action=test.kept")
        .await
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(paged, expected);
    let none = all_pages(&auditor, "&action=nothing.happened").await;
    assert!(none.is_empty());
}

/// Days are the municipality's (Kars is in Europe/Istanbul, UTC+3): 21:30 UTC on 1 March is
/// already 2 March there. `until` includes its whole day.
#[tokio::test]
async fn the_day_filter_reads_days_in_the_municipalitys_zone() {
    let app = spawn_app().await;
    let city = app
        .create_municipality(MunicipalityBuilder::turkish("kars"))
        .await;
    let auditor = app.staff_login(&city, Role::Auditor).await;
    append_at(
        &app,
        "kars",
        vec![
            ("test.day", "2026-03-01 20:30"), // 23:30 on 1 March in Istanbul
            ("test.day", "2026-03-01 21:30"), // 00:30 on 2 March
            ("test.day", "2026-03-02 20:59"), // 23:59 on 2 March
            ("test.day", "2026-03-02 21:00"), // 00:00 on 3 March
        ],
    )
    .await;
    let at = |entries: Vec<AuditEntry>| -> Vec<String> {
        entries
            .iter()
            .map(|e| e.created_at.format("%m-%d %H:%M").to_string())
            .collect()
    };

    let second = all_pages(
        &auditor,
        "&action=test.day&from=2026-03-02&until=2026-03-02",
    )
    .await;
    assert_eq!(at(second), ["03-01 21:30", "03-02 20:59"]);
    let up_to_first = all_pages(&auditor, "&action=test.day&until=2026-03-01").await;
    assert_eq!(at(up_to_first), ["03-01 20:30"]);
    let from_third = all_pages(&auditor, "&action=test.day&from=2026-03-03").await;
    assert_eq!(at(from_third), ["03-02 21:00"]);

    // A filtered page still reports the check of the whole chain up to its last entry.
    let page: AuditPage = auditor
        .get("/api/v1/municipalities/kars/audit-log?action=test.day&from=2026-03-03")
        .await
        .ok();
    let last = page.entries.last().expect("one entry");
    assert_eq!(page.checked_through, last.seq);
    assert_eq!(page.entries.len(), 1);
    assert!(page.chain_intact);
    // An empty last page still checks the whole chain, to its last entry.
    let none: AuditPage = auditor
        .get("/api/v1/municipalities/kars/audit-log?from=2030-01-01")
        .await
        .ok();
    assert!(none.entries.is_empty() && none.chain_intact);
    assert_eq!(none.checked_through, last.seq);

    for bad in [
        "from=2026-03-03&until=2026-03-02",
        "from=yesterday",
        "until=2026-02-30",
    ] {
        let response = auditor
            .get(&format!("/api/v1/municipalities/kars/audit-log?{bad}"))
            .await;
        assert_eq!(response.status, 400, "{bad}");
    }
}
