//! A PostgreSQL connection pool for request-per-query services.
//!
//! sqlx's own `Pool` pings every connection when it is returned (a `Sync` and a wait for
//! `ReadyForQuery`): one extra round trip per request, which on a loaded service costs as much
//! as a third of its throughput. The ping guards against connections left mid-protocol by
//! cancelled work, or mid-transaction by a dropped `Transaction`. This pool keeps the guarantee
//! without paying for it on the common path:
//!
//! - work that ran to completion ([`Pool::run`] returning `Ok`, or
//!   [`PooledConnection::release`]) gives its connection back as is;
//! - work that failed, panicked or was cancelled drops its [`PooledConnection`], and the
//!   connection is resynchronised with a ping in the background (which also sends a queued
//!   `ROLLBACK`) before anyone else gets it, or closed if that fails.
//!
//! The rule for callers: a unit of work that opens a transaction commits or rolls it back
//! before returning `Ok`.
//!
//! [`Config`] reads the `DATABASE_URL` and `DB_*` settings every database service shares, and
//! [`migrations`] applies embedded migrations and reports readiness, and [`problem`] says how a
//! database error is answered.
//!
//! Also: a bounded size, an acquire timeout that covers connecting (so a database that is down or
//! unreachable gives [`sqlx::Error::PoolTimedOut`] in bounded time, never a hang), retries while
//! the server refuses connections (it is starting), idle and lifetime limits, and a graceful
//! close.

mod config;
pub mod migrations;
pub mod problem;

pub use config::Config;

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a background resynchronisation may take before the connection is given up.
const RESET_TIMEOUT: Duration = Duration::from_secs(5);

/// Sizes and limits.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Most connections open at once.
    pub max_connections: u32,
    /// Longest wait for a connection, connecting included.
    pub acquire_timeout: Duration,
    /// An idle connection older than this is closed instead of reused.
    pub idle_timeout: Duration,
    /// A connection older than this is closed instead of reused (lets the pool follow a failover).
    pub max_lifetime: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(300),
            max_lifetime: Duration::from_secs(1800),
        }
    }
}

/// A pool of PostgreSQL connections. Cheap to clone; clones share the pool.
#[derive(Debug, Clone)]
pub struct Pool {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    connect_options: PgConnectOptions,
    settings: Settings,
    idle: Mutex<Vec<Idle>>,
    permits: Arc<Semaphore>,
    open: AtomicU32,
    closed: AtomicBool,
}

#[derive(Debug)]
struct Idle {
    connection: PgConnection,
    created: Instant,
    since: Instant,
}

impl Pool {
    /// A pool that connects lazily, on first use.
    pub fn new(connect_options: PgConnectOptions, settings: Settings) -> Self {
        let permits = usize::try_from(settings.max_connections.max(1)).unwrap_or(usize::MAX);
        Self {
            shared: Arc::new(Shared {
                connect_options,
                settings,
                idle: Mutex::new(Vec::new()),
                permits: Arc::new(Semaphore::new(permits)),
                open: AtomicU32::new(0),
                closed: AtomicBool::new(false),
            }),
        }
    }

    /// Runs `work` on a pooled connection. The connection goes straight back to the pool when
    /// `work` returns `Ok`; otherwise it is resynchronised (or closed) before reuse.
    ///
    /// # Errors
    /// A connection could not be had in time ([`sqlx::Error::PoolTimedOut`]), the pool is closed,
    /// connecting failed, or `work` failed.
    pub async fn run<T, E>(
        &self,
        work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<sqlx::Error>,
    {
        let mut connection = self.acquire().await?;
        let outcome = work(&mut connection).await;
        if outcome.is_ok() {
            connection.release();
        }
        outcome
    }

    /// A connection for the caller's exclusive use until it is released or dropped.
    ///
    /// # Errors
    /// [`sqlx::Error::PoolTimedOut`] when none is free and none can be opened within the acquire
    /// timeout; [`sqlx::Error::PoolClosed`] after [`Pool::close`]; a connection error that
    /// retrying will not fix (bad credentials, unknown database).
    pub async fn acquire(&self) -> Result<PooledConnection, sqlx::Error> {
        let shared = &self.shared;
        if shared.closed.load(Ordering::Acquire) {
            return Err(sqlx::Error::PoolClosed);
        }
        let deadline = tokio::time::Instant::now() + shared.settings.acquire_timeout;
        let permit =
            match tokio::time::timeout_at(deadline, shared.permits.clone().acquire_owned()).await {
                Err(_) => return Err(sqlx::Error::PoolTimedOut),
                Ok(Err(_)) => return Err(sqlx::Error::PoolClosed),
                Ok(Ok(permit)) => permit,
            };
        if let Some((connection, created)) = shared.take_idle() {
            return Ok(PooledConnection::new(
                connection,
                created,
                permit,
                shared.clone(),
            ));
        }
        let connection = shared.connect(deadline).await?;
        shared.open.fetch_add(1, Ordering::AcqRel);
        Ok(PooledConnection::new(
            connection,
            Instant::now(),
            permit,
            shared.clone(),
        ))
    }

    /// Connections open now (idle, in use, or being reset).
    pub fn size(&self) -> u32 {
        self.shared.open.load(Ordering::Acquire)
    }

    /// Connections idle in the pool now.
    pub fn num_idle(&self) -> usize {
        self.shared.lock_idle().len()
    }

    /// The most connections the pool will open.
    pub fn max_connections(&self) -> u32 {
        self.shared.settings.max_connections
    }

    /// Sets the `db_pool_connections{state="idle"|"in_use"}` and `db_pool_max_connections`
    /// gauges, for a `/metrics` scrape.
    pub fn record_metrics(&self) {
        let size = self.size();
        let idle = u32::try_from(self.num_idle()).unwrap_or(u32::MAX);
        metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
        metrics::gauge!("db_pool_connections", "state" => "in_use")
            .set(f64::from(size.saturating_sub(idle)));
        metrics::gauge!("db_pool_max_connections").set(f64::from(self.max_connections()));
    }

    /// Whether [`Pool::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// Refuses new acquisitions and closes idle connections; connections in use are closed when
    /// they come back.
    pub async fn close(&self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.permits.close();
        let idle: Vec<Idle> = std::mem::take(&mut *self.shared.lock_idle());
        for entry in idle {
            self.shared.open.fetch_sub(1, Ordering::AcqRel);
            let _ = entry.connection.close().await;
        }
    }
}

impl Shared {
    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<Idle>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most recently used idle connection that is still within its limits; stale ones are
    /// closed on the way.
    fn take_idle(self: &Arc<Self>) -> Option<(PgConnection, Instant)> {
        loop {
            let entry = self.lock_idle().pop()?;
            let now = Instant::now();
            let stale = now.duration_since(entry.since) > self.settings.idle_timeout
                || now.duration_since(entry.created) > self.settings.max_lifetime;
            if !stale {
                return Some((entry.connection, entry.created));
            }
            self.discard(entry.connection, true);
        }
    }

    fn put_idle(&self, connection: PgConnection, created: Instant) {
        if self.closed.load(Ordering::Acquire) {
            self.discard(connection, true);
            return;
        }
        let now = Instant::now();
        self.lock_idle().push(Idle {
            connection,
            created,
            since: now,
        });
    }

    /// Opens a connection, retrying while the server refuses (it is starting or restarting)
    /// until `deadline`.
    async fn connect(&self, deadline: tokio::time::Instant) -> Result<PgConnection, sqlx::Error> {
        let mut backoff = Duration::from_millis(10);
        loop {
            let attempt = tokio::time::timeout_at(deadline, self.connect_options.connect()).await;
            match attempt {
                Err(_) => return Err(sqlx::Error::PoolTimedOut),
                Ok(Ok(connection)) => return Ok(connection),
                Ok(Err(error)) if !is_transient(&error) => return Err(error),
                Ok(Err(_)) => {}
            }
            if tokio::time::Instant::now() + backoff >= deadline {
                return Err(sqlx::Error::PoolTimedOut);
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_millis(500));
        }
    }

    /// Closes a connection that will not be reused: gracefully (a `Terminate` message) when
    /// `graceful` and a runtime is at hand, else by dropping its socket.
    fn discard(&self, connection: PgConnection, graceful: bool) {
        self.open.fetch_sub(1, Ordering::AcqRel);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) if graceful => {
                runtime.spawn(async move {
                    let _ = tokio::time::timeout(RESET_TIMEOUT, connection.close()).await;
                });
            }
            _ => drop(connection),
        }
    }
}

/// Errors worth another connection attempt: the server is not accepting yet.
fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof
        ),
        // cannot_connect_now: starting up, shutting down, in recovery.
        sqlx::Error::Database(database) => database.code().as_deref() == Some("57P03"),
        _ => false,
    }
}

/// A connection checked out of a [`Pool`].
#[derive(Debug)]
pub struct PooledConnection {
    connection: Option<PgConnection>,
    created: Instant,
    permit: Option<OwnedSemaphorePermit>,
    shared: Arc<Shared>,
}

impl PooledConnection {
    fn new(
        connection: PgConnection,
        created: Instant,
        permit: OwnedSemaphorePermit,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            connection: Some(connection),
            created,
            permit: Some(permit),
            shared,
        }
    }

    /// Gives the connection back for immediate reuse. Call it only when every query on it ran to
    /// completion and any transaction was committed or rolled back; otherwise just drop it.
    pub fn release(mut self) {
        if let Some(connection) = self.connection.take() {
            self.shared.put_idle(connection, self.created);
        }
        drop(self.permit.take());
    }
}

impl Deref for PooledConnection {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        // Present until `release` or `drop`, both of which consume the guard.
        self.connection
            .as_ref()
            .unwrap_or_else(|| unreachable!("connection taken"))
    }
}

impl DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.connection
            .as_mut()
            .unwrap_or_else(|| unreachable!("connection taken"))
    }
}

impl Drop for PooledConnection {
    /// Work on this connection failed or was cancelled: it may hold unread replies or a queued
    /// `ROLLBACK`. A ping flushes and reads everything up to `ReadyForQuery`; the connection
    /// (and its slot in the pool) is handed back only after that succeeds.
    fn drop(&mut self) {
        let Some(mut connection) = self.connection.take() else {
            return;
        };
        let permit = self.permit.take();
        let shared = self.shared.clone();
        let created = self.created;
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            shared.discard(connection, false);
            return;
        };
        runtime.spawn(async move {
            let reset = tokio::time::timeout(RESET_TIMEOUT, connection.ping()).await;
            if let Ok(Ok(())) = reset {
                shared.put_idle(connection, created);
            } else {
                tracing::debug!("discarding a database connection that failed to resynchronise");
                shared.discard(connection, false);
            }
            drop(permit);
        });
    }
}
