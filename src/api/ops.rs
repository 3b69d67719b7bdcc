//! Operations endpoints outside `/api/v1`: liveness, readiness and metrics.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::error::ApiResult;
use crate::metrics::Metrics;
use crate::service;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the process answers.
    #[schema(value_type = crate::api::closed_sets::HealthStatus)]
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` when the database answers.
    #[schema(value_type = crate::api::closed_sets::ReadinessStatus)]
    pub status: String,
    #[schema(value_type = crate::api::closed_sets::DatabaseBackend)]
    pub database: String,
}

/// The longest `/readyz` takes, whatever the database does: under a probe's usual 1 s.
const PROBE_DEADLINE: std::time::Duration = std::time::Duration::from_millis(900);

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    operation_id = "getHealth",
    security(()),
    responses((status = 200, description = "The process answers", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// The database answers; 503 when it does not.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    operation_id = "getReadiness",
    security(()),
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "The database does not answer"),
    ))]
#[get("/readyz")]
pub async fn readyz(db: web::Data<Db>) -> ApiResult<HttpResponse> {
    // The ping waits for a connection no longer than the probe's bound; this bound is for a
    // connection that hangs without failing (a network partition).
    let answered = actix_web::rt::time::timeout(PROBE_DEADLINE, db.ping()).await;
    let cause = match answered {
        Ok(Ok(())) => None,
        Ok(Err(err)) => Some(err.to_string()),
        Err(_) => Some(format!("no answer within {PROBE_DEADLINE:?}")),
    };
    if let Some(cause) = cause {
        tracing::warn!(error = %cause, "readiness check: database does not answer");
        return Err(service::Error::DatabaseUnavailable.into());
    }
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready".into(),
        database: db.backend().name().into(),
    }))
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    operation_id = "getMetrics",
    security(()),
    responses((status = 200, description = "Prometheus text format", body = String,
        content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(
    metrics: web::Data<Metrics>,
    db: web::Data<Db>,
    outbox: web::Data<service::outbox::Outbox>,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render(&db, outbox.counts()))
}
