//! Settings, read once from the environment and validated before anything binds.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `DATABASE_URL` | required | `postgres://user:password@host:5432/loans` (never logged) |
//! | `PORT` | `8000` | TCP port, bound on all interfaces |
//! | `DB_MAX_CONNECTIONS` | `10` | pool size |
//! | `DB_ACQUIRE_TIMEOUT_MS` | `2000` | longest wait for a connection before answering 503 |
//! | `DB_STATEMENT_TIMEOUT_MS` | `5000` | PostgreSQL `statement_timeout` |
//! | `DB_IDLE_TIMEOUT_SECONDS` | `300` | idle connections are closed after this |
//! | `DB_MAX_LIFETIME_SECONDS` | `1800` | connections are replaced after this (follows failovers) |
//! | `REQUEST_TIMEOUT_MS` | `10000` | longest a request may run (503 beyond) |
//! | `BODY_LIMIT_BYTES` | `65536` | largest request body (413 beyond) |
//! | `SHUTDOWN_GRACE_SECONDS` | `20` | drain time after SIGTERM |
//! | `IDEMPOTENCY_TTL_SECONDS` | `86400` | how long an `Idempotency-Key` is remembered |
//! | `MIGRATE_ON_START` | `true` | apply pending migrations when serving |
//!
//! Logging (`LOG_FORMAT`, `RUST_LOG`) and tracing (`OTEL_*`) are read by the telemetry crate.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use http_kit::env::{self, EnvError};
use http_kit::middleware::Limits;
use sqlx::postgres::PgConnectOptions;

/// Everything the service needs to start.
#[derive(Clone)]
pub struct Config {
    /// Where the loans live. A secret: `Debug` shows only host and database.
    pub database_url: String,
    /// The TCP port to listen on (all interfaces); 0 picks a free one (tests).
    pub port: u16,
    /// The connection pool.
    pub pool: PoolSettings,
    /// Per-request limits.
    pub limits: Limits,
    /// How long in-flight requests may run after SIGTERM.
    pub shutdown_grace: Duration,
    /// How long an `Idempotency-Key` and its response are kept.
    pub idempotency_ttl: Duration,
    /// Whether `serve` applies pending migrations first.
    pub migrate_on_start: bool,
}

/// Connection pool settings.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_connections: u32,
    /// Longest wait for a connection; past it the request gets a 503.
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout` for every connection.
    pub statement_timeout: Duration,
    /// Idle connections are closed after this.
    pub idle_timeout: Duration,
    /// Connections are replaced after this.
    pub max_lifetime: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(2),
            statement_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(300),
            max_lifetime: Duration::from_secs(1800),
        }
    }
}

impl Config {
    /// The defaults, for a database at `database_url`.
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            port: 8000,
            pool: PoolSettings::default(),
            limits: Limits {
                request_timeout: Duration::from_secs(10),
                body_limit: 64 * 1024,
            },
            shutdown_grace: Duration::from_secs(20),
            idempotency_ttl: Duration::from_secs(24 * 60 * 60),
            migrate_on_start: true,
        }
    }

    /// Reads and validates every setting.
    ///
    /// # Errors
    /// The first missing or invalid variable, by name.
    pub fn from_env() -> Result<Self, EnvError> {
        let database_url = env::required(
            "DATABASE_URL",
            "set it to postgres://user:password@host:5432/database",
        )?;
        let postgres_scheme =
            database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
        if !postgres_scheme || PgConnectOptions::from_str(&database_url).is_err() {
            // The URL may hold a password: say what is wrong without repeating it.
            return Err(EnvError::new(
                "DATABASE_URL",
                "is not a valid PostgreSQL URL (postgres://user:password@host:5432/database)",
            ));
        }
        let defaults = Self::new(database_url);
        let pool = PoolSettings {
            max_connections: env::integer(
                "DB_MAX_CONNECTIONS",
                defaults.pool.max_connections,
                1..=1000,
            )?,
            acquire_timeout: env::millis(
                "DB_ACQUIRE_TIMEOUT_MS",
                defaults.pool.acquire_timeout,
                50..=60_000,
            )?,
            statement_timeout: env::millis(
                "DB_STATEMENT_TIMEOUT_MS",
                defaults.pool.statement_timeout,
                100..=600_000,
            )?,
            idle_timeout: env::seconds(
                "DB_IDLE_TIMEOUT_SECONDS",
                defaults.pool.idle_timeout,
                1..=86_400,
            )?,
            max_lifetime: env::seconds(
                "DB_MAX_LIFETIME_SECONDS",
                defaults.pool.max_lifetime,
                60..=86_400,
            )?,
        };
        Ok(Self {
            port: env::integer("PORT", defaults.port, 1..=65535)?,
            pool,
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
            ..defaults
        })
    }

    /// The database as `host:port/name`, safe to log.
    pub fn database_display(&self) -> String {
        PgConnectOptions::from_str(&self.database_url).map_or_else(
            |_| "<invalid>".to_owned(),
            |options| {
                format!(
                    "{}:{}/{}",
                    options.get_host(),
                    options.get_port(),
                    options.get_database().unwrap_or_default()
                )
            },
        )
    }
}

// `database_url` is shown as `database_display()`, without the password.
#[allow(clippy::missing_fields_in_debug)]
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database", &self.database_display())
            .field("port", &self.port)
            .field("pool", &self.pool)
            .field("limits", &self.limits)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("idempotency_ttl", &self.idempotency_ttl)
            .field("migrate_on_start", &self.migrate_on_start)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_password() {
        let config = Config::new("postgres://loans:s3cr3t-pw@db.internal:5433/loans");
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t-pw"), "{shown}");
        assert!(shown.contains("db.internal:5433/loans"), "{shown}");
    }
}
