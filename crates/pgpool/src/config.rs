//! Database settings from the environment, shared by every service that owns a database.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `DATABASE_URL` | required | `postgres://user:password@host:5432/database` (never logged) |
//! | `DATABASE_PASSWORD` or `DATABASE_PASSWORD_FILE` | unset | the password, when it is kept out of the URL (secret stores) |
//! | `DB_MAX_CONNECTIONS` | `10` | pool size |
//! | `DB_ACQUIRE_TIMEOUT_MS` | `2000` | longest wait for a connection; then the request gets a 503 |
//! | `DB_STATEMENT_TIMEOUT_MS` | `5000` | PostgreSQL `statement_timeout` |
//! | `DB_IDLE_TIMEOUT_SECONDS` | `300` | idle connections are closed after this |
//! | `DB_MAX_LIFETIME_SECONDS` | `1800` | connections are replaced after this (follows a failover) |

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use http_kit::env::{self, EnvError};
use sqlx::postgres::PgConnectOptions;

use crate::{Pool, Settings};

/// Where the database is and how to use it.
#[derive(Clone)]
pub struct Config {
    /// The connection URL. A secret: `Debug` shows only host, port and database.
    pub url: String,
    /// The password, when it is not in the URL.
    pub password: Option<String>,
    /// Pool sizes and limits.
    pub settings: Settings,
    /// PostgreSQL `statement_timeout` for every connection.
    pub statement_timeout: Duration,
}

impl Config {
    /// The defaults, for a database at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            password: None,
            settings: Settings::default(),
            statement_timeout: Duration::from_secs(5),
        }
    }

    /// Reads and validates `DATABASE_URL` and the `DB_*` variables.
    ///
    /// # Errors
    /// The first missing or invalid variable, by name, without repeating a secret.
    pub fn from_env() -> Result<Self, EnvError> {
        let url = env::required(
            "DATABASE_URL",
            "set it to postgres://user:password@host:5432/database",
        )?;
        let postgres_scheme = url.starts_with("postgres://") || url.starts_with("postgresql://");
        if !postgres_scheme || PgConnectOptions::from_str(&url).is_err() {
            return Err(EnvError::new(
                "DATABASE_URL",
                "is not a valid PostgreSQL URL (postgres://user:password@host:5432/database)",
            ));
        }
        let defaults = Self {
            password: env::secret("DATABASE_PASSWORD")?,
            ..Self::new(url)
        };
        Ok(Self {
            settings: Settings {
                max_connections: env::integer(
                    "DB_MAX_CONNECTIONS",
                    defaults.settings.max_connections,
                    1..=1000,
                )?,
                acquire_timeout: env::millis(
                    "DB_ACQUIRE_TIMEOUT_MS",
                    defaults.settings.acquire_timeout,
                    50..=60_000,
                )?,
                idle_timeout: env::seconds(
                    "DB_IDLE_TIMEOUT_SECONDS",
                    defaults.settings.idle_timeout,
                    1..=86_400,
                )?,
                max_lifetime: env::seconds(
                    "DB_MAX_LIFETIME_SECONDS",
                    defaults.settings.max_lifetime,
                    60..=86_400,
                )?,
            },
            statement_timeout: env::millis(
                "DB_STATEMENT_TIMEOUT_MS",
                defaults.statement_timeout,
                100..=600_000,
            )?,
            ..defaults
        })
    }

    /// A pool for this database (connecting lazily), tagged with `application_name` in
    /// `pg_stat_activity`.
    ///
    /// # Errors
    /// When the URL cannot be parsed.
    pub fn pool(&self, application_name: &str) -> Result<Pool, sqlx::Error> {
        let statement_timeout = self.statement_timeout.as_millis().to_string();
        let mut options = PgConnectOptions::from_str(&self.url)?
            .application_name(application_name)
            .options([("statement_timeout", statement_timeout.as_str())]);
        if let Some(password) = &self.password {
            options = options.password(password);
        }
        Ok(Pool::new(options, self.settings))
    }

    /// The database as `host:port/name`, safe to log.
    pub fn display(&self) -> String {
        PgConnectOptions::from_str(&self.url).map_or_else(
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

// `url` is shown as `display()`, without the password.
#[allow(clippy::missing_fields_in_debug)]
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database", &self.display())
            .field("settings", &self.settings)
            .field("statement_timeout", &self.statement_timeout)
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
