//! Building the application (pool, migrations, listener, router) and running it until a
//! shutdown signal.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use pgpool::Pool;
use sqlx::PgConnection;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::repo::idempotency;
use crate::{db, routes};

/// How often expired idempotency keys are deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(600);

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Pool,
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_ttl: Duration,
}

/// The full router: routes plus the shared middleware stack.
pub fn router(state: AppState, config: &Config) -> Router {
    http_kit::middleware::apply(routes::router(state), config.limits)
}

/// A built, bound, not-yet-serving service.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    pool: Pool,
    shutdown_grace: Duration,
}

impl Application {
    /// Creates the pool, applies migrations when configured to, and binds the port.
    ///
    /// # Errors
    /// When migrations fail or the port cannot be bound.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let pool = config.database.pool(db::APPLICATION_NAME)?;
        if config.migrate_on_start {
            pgpool::migrations::apply(&pool, &db::MIGRATOR).await?;
        }
        if config.seed_on_start {
            let inserted = db::seed(&pool).await?;
            tracing::info!(inserted, "demo data seeded");
        }
        let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, config.port)).await?;
        let state = AppState {
            db: pool.clone(),
            idempotency_ttl: config.idempotency_ttl,
        };
        Ok(Self {
            listener,
            router: router(state, config),
            pool,
            shutdown_grace: config.shutdown_grace,
        })
    }

    /// The address the listener is bound to (the real port when configured with 0).
    ///
    /// # Errors
    /// When the socket has no local address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, drains in-flight requests within the grace period,
    /// then closes the pool.
    ///
    /// # Errors
    /// An I/O error from the listener.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let purge = tokio::spawn(purge_expired_keys(self.pool.clone()));
        let served =
            http_kit::shutdown::serve(self.listener, self.router, shutdown, self.shutdown_grace)
                .await;
        purge.abort();
        self.pool.close().await;
        served
    }
}

async fn purge_expired_keys(pool: Pool) {
    let mut ticks = tokio::time::interval(PURGE_INTERVAL);
    loop {
        ticks.tick().await;
        let purged = pool
            .run(async |connection: &mut PgConnection| idempotency::purge_expired(connection).await)
            .await;
        match purged {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired idempotency keys deleted"),
            Err(error) => tracing::warn!(%error, "could not delete expired idempotency keys"),
        }
    }
}
