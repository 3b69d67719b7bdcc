//! Builds the application: resolves secrets, opens the database, applies migrations, binds
//! the listener(s) and assembles the routes. The binary and the tests start the very same app
//! through [`Application::build`]; tests bind port 0.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;

use crate::api::{self, problems};
use crate::config::Settings;
use crate::db::{Backend, Db};
use crate::metrics::{self, Metrics};
use crate::routes;
use crate::secrets::{Secrets, SecretsError};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error("token keys: {0}")]
    Keys(String),
    #[error("cannot open the database: {0}")]
    Database(String),
    #[error("cannot apply migrations: {0}")]
    Migrations(String),
    #[error("the database did not answer within {waited_secs} s (db_startup_wait_secs): {cause}")]
    DatabaseUnreachable { waited_secs: u64, cause: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Mail(#[from] crate::mail::TransportError),
    #[error(transparent)]
    PublicUrl(#[from] crate::public_url::PublicUrlError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Which parts of the API a listener serves.
#[derive(Debug, Clone, Copy)]
struct Mount {
    public: bool,
    admin: bool,
}

pub struct Application {
    port: u16,
    admin_port: Option<u16>,
    server: Server,
    admin_server: Option<Server>,
    state: AppState,
    mail: crate::mail::Transport,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let secrets = Secrets::resolve(&settings)?;
        // Before the database: a production service without a chosen mail transport or its
        // public address stops here.
        let mail = crate::mail::Transport::from_settings(&settings)?;
        let public_url = crate::public_url::check(&settings)?;
        let db = open_database(&settings).await?;
        let (public_listener, port) = bind(&settings.bind)?;
        let admin = match &settings.admin_bind {
            Some(addr) => Some(bind(addr)?),
            None => None,
        };
        let mut settings = settings;
        // Links the service sends (e-mail, a provider's redirect) need its own address: when it
        // is not configured, the one just bound (development, tests on port 0).
        settings.public_url = Some(match public_url {
            Some(checked) => checked,
            None => crate::public_url::from_bound(public_listener.local_addr()?),
        });
        let state =
            AppState::new(settings, secrets, db).map_err(|e| StartupError::Keys(e.to_string()))?;
        crate::auth::password::return_hash_memory();
        // The dummy hash that failed logins verify against is made now, not on the first
        // failed login, so that one is not slower than the rest.
        web::block(crate::auth::password::prepare_dummy_hash)
            .await
            .ok();
        tracing::info!(
            address = %public_listener.local_addr()?,
            database = state.db.backend().name(),
            "Kurultai listening"
        );
        let server = serve(
            public_listener,
            &state,
            Mount {
                public: true,
                admin: admin.is_none(),
            },
        )?;
        let (admin_server, admin_port) = match admin {
            Some((listener, admin_port)) => {
                tracing::info!(address = %listener.local_addr()?, "admin module listening");
                let server = serve(
                    listener,
                    &state,
                    Mount {
                        public: false,
                        admin: true,
                    },
                )?;
                (Some(server), Some(admin_port))
            }
            None => (None, None),
        };
        Ok(Self {
            port,
            admin_port,
            server,
            admin_server,
            state,
            mail,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn admin_port(&self) -> Option<u16> {
        self.admin_port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the server stops; the scheduler and the mail worker run alongside in the
    /// same task (the servers' futures are not `Send`, and this needs no extra runtime).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mail = crate::mail::worker::Worker {
            db: self.state.db.clone(),
            outbox: self.state.outbox.clone().into_inner(),
            sealer: self.state.sealer.clone().into_inner(),
            transport: self.mail,
            settings: self.state.settings.mail.clone(),
        };
        let scheduler = Box::pin(futures_util::future::join(
            crate::scheduler::run(self.state.db.clone(), crate::scheduler::TICK),
            mail.run(),
        ));
        let servers = async move {
            match self.admin_server {
                Some(admin) => {
                    let (a, b) = futures_util::future::join(self.server, admin).await;
                    a.and(b)
                }
                None => self.server.await,
            }
        };
        match futures_util::future::select(Box::pin(servers), scheduler).await {
            futures_util::future::Either::Left((result, _)) => result,
            futures_util::future::Either::Right((((), ()), _)) => Ok(()),
        }
    }
}

/// Opens the pool, waits for PostgreSQL to answer (see [`wait_for_database`]) and applies
/// pending migrations (on a blocking thread: diesel is sync).
pub async fn open_database(settings: &Settings) -> Result<Db, StartupError> {
    let db = Db::connect(&settings.database_url(), settings.pool_size)
        .map_err(|e| StartupError::Database(e.to_string()))?
        .with_timeouts(
            Duration::from_millis(settings.db_checkout_timeout_ms),
            Duration::from_millis(settings.readiness_timeout_ms),
        );
    if db.backend() == Backend::Postgres {
        wait_for_database(&db, Duration::from_secs(settings.db_startup_wait_secs)).await?;
    }
    let migrating = db.clone();
    let applied = web::block(move || migrating.migrate().map_err(|e| e.to_string()))
        .await
        .map_err(|e| StartupError::Migrations(e.to_string()))?
        .map_err(StartupError::Migrations)?;
    for name in &applied {
        tracing::info!(migration = %name, "applied migration");
    }
    Ok(db)
}

/// Retries until the database answers, pausing longer each time (a quarter second, doubling,
/// at most five), and gives up once `bound` has passed: a service started with (or just
/// before) its database waits for it instead of exiting. A SQLite file needs no waiting.
async fn wait_for_database(db: &Db, bound: Duration) -> Result<(), StartupError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(250);
    for attempt in 1.. {
        let Err(err) = db.ping().await else {
            if attempt > 1 {
                tracing::info!(attempt, "the database answers");
            }
            return Ok(());
        };
        let waited = started.elapsed();
        if waited >= bound {
            return Err(StartupError::DatabaseUnreachable {
                waited_secs: waited.as_secs(),
                cause: err.to_string(),
            });
        }
        let next = pause.min(bound - waited);
        tracing::warn!(attempt, error = %err, retry_in_ms = next.as_millis() as u64,
            "the database does not answer yet; waiting for it");
        actix_web::rt::time::sleep(next).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
    unreachable!("the loop returns")
}

fn bind(addr: &str) -> Result<(TcpListener, u16), StartupError> {
    let listener = TcpListener::bind(addr).map_err(|source| StartupError::Bind {
        addr: addr.to_string(),
        source,
    })?;
    let port = listener.local_addr()?.port();
    Ok((listener, port))
}

fn serve(listener: TcpListener, state: &AppState, mount: Mount) -> Result<Server, StartupError> {
    let state = state.clone();
    let settings = state.settings.clone();
    let metrics = web::Data::new(Metrics::new());
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(api::text_guard::guard))
            .wrap(from_fn(api::body_deadline::limit))
            .wrap(problems::error_handlers())
            .wrap(from_fn(metrics::record))
            .wrap(TracingLogger::default())
            .app_data(metrics.clone())
            .configure(|cfg| state.register(cfg))
            .configure(|cfg| routes(cfg, mount))
            .default_service(web::to(problems::no_route))
    })
    // Slow clients: a connection that sends its headers too slowly gets 408 and is closed, an
    // idle keep-alive one is closed, and past the cap no more are accepted until some close
    // (the body's own deadline is `api::body_deadline`).
    .client_request_timeout(Duration::from_millis(settings.client_header_timeout_ms))
    .keep_alive(Duration::from_secs(settings.keep_alive_secs))
    .max_connections(settings.max_connections)
    .listen(listener)?
    .run();
    Ok(server)
}

fn routes(cfg: &mut web::ServiceConfig, mount: Mount) {
    routes::register(cfg, "", &[routes::OPERATIONS]);
    if mount.public {
        cfg.configure(crate::web_client::configure);
    }
    let scoped: &[&[routes::Route]] = match (mount.public, mount.admin) {
        (true, true) => &[routes::PUBLIC, routes::ADMIN],
        (true, false) => &[routes::PUBLIC],
        (false, true) => &[routes::ADMIN],
        (false, false) => &[],
    };
    cfg.service(
        web::scope(routes::API_SCOPE)
            .configure(|scope| routes::register(scope, routes::API_SCOPE, scoped)),
    );
}
