//! Prometheus metrics: requests by route template and status, a latency histogram, and the
//! state of the database pool (read when `/metrics` is scraped).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::db::Db;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_max: IntGauge,
    pool_open: IntGauge,
    pool_idle: IntGauge,
    mail: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("kurultai".into()), None)
            .expect("the metrics prefix is valid");
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route template and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from request to response, by route template",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )
        .expect("valid metric");
        let pool_max = IntGauge::new(
            "db_pool_max_connections",
            "Largest size of the database pool",
        )
        .expect("valid metric");
        let pool_open = IntGauge::new("db_pool_connections", "Open database connections")
            .expect("valid metric");
        let pool_idle = IntGauge::new("db_pool_idle_connections", "Idle database connections")
            .expect("valid metric");
        let mail = IntCounterVec::new(
            Opts::new(
                "mail_messages_total",
                "E-mail by this process's outbox: queued, sent, failed (given up)",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool_max.clone()),
            Box::new(pool_open.clone()),
            Box::new(pool_idle.clone()),
            Box::new(mail.clone()),
        ] {
            registry
                .register(collector)
                .expect("each metric is registered once");
        }
        Self {
            registry,
            requests,
            latency,
            pool_max,
            pool_open,
            pool_idle,
            mail,
        }
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    /// The text exposition format, with the pool gauges and the outbox's counters read now.
    pub fn render(&self, db: &Db, mail: crate::service::outbox::Counts) -> String {
        for (outcome, total) in [
            ("queued", mail.queued),
            ("sent", mail.sent),
            ("failed", mail.failed),
        ] {
            // The outbox counts for the whole process; each listener's registry catches up.
            let counter = self.mail.with_label_values(&[outcome]);
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        let state = db.pool_state();
        self.pool_max.set(i64::from(state.max));
        self.pool_open.set(i64::from(state.open));
        self.pool_idle.set(i64::from(state.idle));
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("encoding to a Vec cannot fail");
        String::from_utf8(buffer).expect("the text format is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware: counts every request under its route template (`/api/v1/municipalities/{slug}`),
/// never the raw path, so ids do not explode the label space.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let result = next.call(req).await;
    if let Some(metrics) = metrics {
        let status = match &result {
            Ok(response) => response.status().as_u16(),
            Err(err) => err.as_response_error().status_code().as_u16(),
        };
        metrics.observe(&method, &route, status, started.elapsed().as_secs_f64());
    }
    result
}
