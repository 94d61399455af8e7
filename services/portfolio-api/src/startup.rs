//! Building the application (pool, migrations, cache, listener, router) and running it until a
//! shutdown signal.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use pgpool::Pool;
use tokio::net::TcpListener;

use crate::cache::{self, Cache};
use crate::config::Config;
use crate::{db, routes};

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Pool,
    /// The default `/assets` page and `/insights`, in memory.
    pub cache: Arc<Cache>,
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
    cache: Arc<Cache>,
    database_url: String,
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
        let cache = Arc::new(Cache::new(config.cache_ttl));
        let state = AppState {
            db: pool.clone(),
            cache: cache.clone(),
        };
        Ok(Self {
            listener,
            router: router(state, config),
            pool,
            cache,
            database_url: config.database.url.clone(),
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
        let follower = self.cache.enabled().then(|| {
            tokio::spawn(cache::follow_changes(
                self.cache.clone(),
                self.database_url.clone(),
            ))
        });
        let served =
            http_kit::shutdown::serve(self.listener, self.router, shutdown, self.shutdown_grace)
                .await;
        if let Some(follower) = follower {
            follower.abort();
        }
        self.pool.close().await;
        served
    }
}
