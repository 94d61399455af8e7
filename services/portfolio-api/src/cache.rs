//! The default `/assets` page and `/insights`, served from memory.
//!
//! A dashboard polls these two far more often than the portfolio changes, and the original
//! service answered them without a database round trip. The rewrite keeps the data in
//! PostgreSQL and keeps the two rendered responses in memory:
//!
//! - a trigger on `assets` sends `NOTIFY portfolio_changed` when a change commits, and
//!   [`follow_changes`] drops the cached responses at once;
//! - a cached response is never older than the configured TTL, so a missed notification (the
//!   listener reconnecting) or a database that went away is noticed within that bound: past it,
//!   requests go to the database again, and get a 503 if it is down.
//!
//! One request reloads an expired snapshot while the others wait for it, so an expiry costs two
//! queries, not one per waiting request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderValue;
use pgpool::Pool;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgListener;
use sqlx::{Connection, PgConnection};

use crate::repo;

/// The channel the `assets_changed` trigger notifies.
const CHANNEL: &str = "portfolio_changed";
/// How many assets the default `/assets` page holds.
pub const DEFAULT_PAGE: i64 = 100;

/// A rendered JSON response and its entity tag.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The body.
    pub json: Bytes,
    /// A strong `ETag` of the body.
    pub etag: HeaderValue,
}

impl Rendered {
    fn new(json: Vec<u8>) -> Self {
        let digest = Sha256::digest(&json);
        let hex = hex::encode(&digest[..8]);
        Self {
            etag: HeaderValue::from_str(&format!("\"{hex}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("\"0\"")),
            json: Bytes::from(json),
        }
    }
}

/// The default `/assets` page and `/insights`, as of one moment.
#[derive(Debug)]
pub struct Snapshot {
    /// `GET /assets` without parameters.
    pub assets: Rendered,
    /// `GET /insights`.
    pub insights: Rendered,
    generation: u64,
    loaded: Instant,
}

/// The snapshot currently served, if any.
#[derive(Debug)]
pub struct Cache {
    ttl: Duration,
    generation: AtomicU64,
    current: RwLock<Option<Arc<Snapshot>>>,
    reload: tokio::sync::Mutex<()>,
}

impl Cache {
    /// A cache whose snapshots live at most `ttl`; a zero `ttl` turns it off.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            generation: AtomicU64::new(0),
            current: RwLock::new(None),
            reload: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether responses are served from memory at all.
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// Forgets the current snapshot: the portfolio changed, or may have.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The current snapshot, loading a new one if it is missing, stale or outdated.
    ///
    /// # Errors
    /// When the database cannot be queried.
    pub async fn snapshot(&self, pool: &Pool) -> Result<Arc<Snapshot>, crate::error::ApiError> {
        if let Some(snapshot) = self.fresh() {
            return Ok(snapshot);
        }
        let _reloading = self.reload.lock().await;
        if let Some(snapshot) = self.fresh() {
            return Ok(snapshot);
        }
        // A change notified while loading makes this snapshot outdated on arrival: it is
        // stored under the generation read before the queries, which `fresh` then rejects.
        let generation = self.generation.load(Ordering::Acquire);
        let (assets, insights) = pool
            .run(
                async |connection: &mut PgConnection| -> Result<_, crate::error::ApiError> {
                    // One consistent view for both responses.
                    let mut transaction = connection.begin().await?;
                    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        .execute(&mut *transaction)
                        .await?;
                    let assets = repo::list(&mut *transaction, None, None, DEFAULT_PAGE).await?;
                    let insights = repo::insights(&mut *transaction).await?;
                    transaction.commit().await?;
                    Ok((serde_json::to_vec(&assets)?, serde_json::to_vec(&insights)?))
                },
            )
            .await?;
        let snapshot = Arc::new(Snapshot {
            assets: Rendered::new(assets),
            insights: Rendered::new(insights),
            generation,
            loaded: Instant::now(),
        });
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(snapshot.clone());
        Ok(snapshot)
    }

    fn fresh(&self) -> Option<Arc<Snapshot>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        let snapshot = current.as_ref()?;
        let valid = snapshot.generation == self.generation.load(Ordering::Acquire)
            && snapshot.loaded.elapsed() < self.ttl;
        valid.then(|| snapshot.clone())
    }
}

/// Listens for `portfolio_changed` and invalidates `cache` on every notification, and whenever
/// the listening connection was lost (notifications may have been missed). Runs until aborted.
pub async fn follow_changes(cache: Arc<Cache>, database_url: String) {
    loop {
        match listen(&database_url).await {
            Ok(mut listener) => {
                cache.invalidate();
                loop {
                    match listener.try_recv().await {
                        // `None`: the connection dropped and will be re-established.
                        Ok(Some(_) | None) => cache.invalidate(),
                        Err(error) => {
                            tracing::warn!(%error, "portfolio change listener lost its connection");
                            cache.invalidate();
                            break;
                        }
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "cannot listen for portfolio changes; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen(database_url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
