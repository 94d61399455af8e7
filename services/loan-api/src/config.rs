//! Settings, read once from the environment and validated before anything binds.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `DATABASE_URL`, `DB_*` | | the database and its pool: see `pgpool::Config` |
//! | `PORT` | `8000` | TCP port, bound on all interfaces |
//! | `REQUEST_TIMEOUT_MS` | `10000` | longest a request may run (503 beyond) |
//! | `BODY_LIMIT_BYTES` | `65536` | largest request body (413 beyond) |
//! | `SHUTDOWN_GRACE_SECONDS` | `20` | drain time after SIGTERM |
//! | `IDEMPOTENCY_TTL_SECONDS` | `86400` | how long an `Idempotency-Key` is remembered |
//! | `MIGRATE_ON_START` | `true` | apply pending migrations when serving |
//! | `SEED_ON_START` | `false` | load the demo data (idempotent) after migrating |
//!
//! Logging (`LOG_FORMAT`, `RUST_LOG`) and tracing (`OTEL_*`) are read by the telemetry crate.

use std::time::Duration;

use http_kit::env::{self, EnvError};
use http_kit::middleware::Limits;

/// The port served when `PORT` is unset.
pub const DEFAULT_PORT: u16 = 8000;

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the loans live, and the pool's settings.
    pub database: pgpool::Config,
    /// The TCP port to listen on (all interfaces); 0 picks a free one (tests).
    pub port: u16,
    /// Per-request limits.
    pub limits: Limits,
    /// How long in-flight requests may run after SIGTERM.
    pub shutdown_grace: Duration,
    /// How long an `Idempotency-Key` and its response are kept.
    pub idempotency_ttl: Duration,
    /// Whether `serve` applies pending migrations first.
    pub migrate_on_start: bool,
    /// Whether `serve` loads the demo data (idempotently) after migrating.
    pub seed_on_start: bool,
}

impl Config {
    /// The defaults, for a database at `database_url`.
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database: pgpool::Config::new(database_url),
            port: DEFAULT_PORT,
            limits: Limits {
                request_timeout: Duration::from_secs(10),
                body_limit: 64 * 1024,
            },
            shutdown_grace: Duration::from_secs(20),
            idempotency_ttl: Duration::from_secs(24 * 60 * 60),
            migrate_on_start: true,
            seed_on_start: false,
        }
    }

    /// Reads and validates every setting.
    ///
    /// # Errors
    /// The first missing or invalid variable, by name.
    pub fn from_env() -> Result<Self, EnvError> {
        let defaults = Self {
            database: pgpool::Config::from_env()?,
            ..Self::new("")
        };
        Ok(Self {
            port: env::integer("PORT", defaults.port, 1..=65535)?,
            limits: Limits {
                request_timeout: env::millis(
                    "REQUEST_TIMEOUT_MS",
                    defaults.limits.request_timeout,
                    100..=600_000,
                )?,
                body_limit: env::integer(
                    "BODY_LIMIT_BYTES",
                    defaults.limits.body_limit,
                    1024..=16 * 1024 * 1024,
                )?,
            },
            shutdown_grace: env::seconds(
                "SHUTDOWN_GRACE_SECONDS",
                defaults.shutdown_grace,
                0..=3600,
            )?,
            idempotency_ttl: env::seconds(
                "IDEMPOTENCY_TTL_SECONDS",
                defaults.idempotency_ttl,
                60..=30 * 86_400,
            )?,
            migrate_on_start: env::boolean("MIGRATE_ON_START", defaults.migrate_on_start)?,
            seed_on_start: env::boolean("SEED_ON_START", defaults.seed_on_start)?,
            ..defaults
        })
    }
}
