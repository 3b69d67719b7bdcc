use crate::helpers::spawn_app;
use crate::support::{Health, Problem, Readiness};

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let health: Health = app.anonymous().get("/healthz").await.ok();
    assert_eq!(health.status, "ok");
}

#[tokio::test]
async fn readyz_names_the_database_it_reached() {
    let app = spawn_app().await;
    let readiness: Readiness = app.anonymous().get("/readyz").await.ok();
    let expected = if crate::helpers::on_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(readiness.database, expected);
}

#[tokio::test]
async fn readyz_is_503_problem_when_the_database_does_not_answer() {
    // A pool towards a port where nothing listens: the app's own readiness handler must say
    // so with a problem document rather than hang or 500.
    let db = kurultai::db::Db::connect("postgres://kurultai@127.0.0.1:9/none?connect_timeout=1", 1)
        .unwrap();
    let app = actix_web::test::init_service(
        actix_web::App::new()
            .app_data(actix_web::web::Data::new(db))
            .service(kurultai::api::ops::readyz),
    )
    .await;
    let request = actix_web::test::TestRequest::get()
        .uri("/readyz")
        .to_request();
    let response = actix_web::test::call_service(&app, request).await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body: serde_json::Value = actix_web::test::read_body_json(response).await;
    assert_eq!(Problem::from(body).code, "database_unavailable");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = spawn_app().await;
    let anyone = app.anonymous();
    anyone.get("/api/v1/municipalities/nowhere").await;
    let text = anyone.get("/metrics").await.text();
    assert!(text.contains("kurultai_http_requests_total"), "{text}");
    assert!(
        text.contains(r#"route="/api/v1/municipalities/{slug}",status="404""#),
        "{text}"
    );
    assert!(text.contains("kurultai_http_request_duration_seconds_bucket"));
    assert!(text.contains("kurultai_db_pool_connections"));
}

#[tokio::test]
async fn unknown_routes_are_problem_documents() {
    let app = spawn_app().await;
    let reply = app.anonymous().get("/api/v1/no/such/thing").await;
    reply.expect_status(404);
    assert_eq!(reply.problem().code, "not_found");
}

/// Issue 15, finding 8: every SQLite connection of the app's pool syncs the WAL at each
/// commit (`synchronous = FULL`, 2), so an acknowledged ballot survives a power cut.
#[tokio::test]
async fn sqlite_connections_sync_every_commit() {
    use diesel::sql_types::Integer;
    use diesel::{QueryableByName, RunQueryDsl};
    use kurultai::db::DbConn;

    #[derive(QueryableByName)]
    struct Synchronous {
        #[diesel(sql_type = Integer)]
        synchronous: i32,
    }

    let app = spawn_app().await;
    if crate::helpers::on_postgres() {
        return; // PostgreSQL's own default (`synchronous_commit = on`) already syncs.
    }
    // Hold several connections at once so that more than one is checked.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut conn = app.db.blocking_conn().expect("a pooled connection");
        let DbConn::Sqlite(sqlite) = &mut **conn else {
            panic!("a SQLite connection")
        };
        let level = diesel::sql_query("PRAGMA synchronous")
            .get_result::<Synchronous>(sqlite)
            .expect("PRAGMA synchronous answers")
            .synchronous;
        assert_eq!(level, 2, "PRAGMA synchronous must be FULL (2)");
        held.push(conn);
    }
}
