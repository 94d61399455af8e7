//! Settings, read once from the environment and validated before anything binds.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `API_URL` | `http://127.0.0.1:8002` | the gateway (through the internal nginx tier in the stack) |
//! | `API_KEY` (or `API_KEY_FILE`) | unset | the web tier's own API key, with `loans:write`, for the loan console's writes |
//! | `API_TIMEOUT_MS` | `3000` | longest wait for the API before a page says it is slow |
//! | `API_PASSTHROUGH_TIMEOUT_MS` | `10000` | longest wait for the gateway's answer to a passed-through `/api/…` request; longer than the gateway's own route timeouts, so its answer (a 503, say) reaches the client instead of a 504 from here |
//! | `CSRF_SECRET` (or `CSRF_SECRET_FILE`) | random per process | signs form tokens; set it (32+ characters) when running several replicas |
//! | `COOKIE_SECURE` | `true` | mark cookies `Secure` (served over HTTPS by the edge) |
//! | `PORT` | `3000` | TCP port, bound on all interfaces |
//! | `SHUTDOWN_GRACE_SECONDS` | `20` | drain time after SIGTERM |

use std::fmt;
use std::time::Duration;

use http_kit::env::{self, EnvError};

/// The port served when `PORT` is unset.
pub const DEFAULT_PORT: u16 = 3000;

/// Everything the web tier needs to start.
#[derive(Clone)]
pub struct Config {
    /// The gateway's base URL, without a trailing slash.
    pub api_url: String,
    /// The web tier's API key (a secret: never shown by `Debug`).
    pub api_key: Option<String>,
    /// Longest wait for the API.
    pub api_timeout: Duration,
    /// Longest wait for a passed-through `/api/…` request.
    pub passthrough_timeout: Duration,
    /// Signs CSRF tokens (a secret).
    pub csrf_secret: Vec<u8>,
    /// Whether cookies are `Secure`.
    pub cookie_secure: bool,
    /// The TCP port; 0 picks a free one (tests).
    pub port: u16,
    /// How long in-flight requests may run after SIGTERM.
    pub shutdown_grace: Duration,
}

impl Config {
    /// Defaults for an API at `api_url`, with a random CSRF secret.
    pub fn new(api_url: impl Into<String>) -> Self {
        Self {
            api_url: api_url.into().trim_end_matches('/').to_owned(),
            api_key: None,
            api_timeout: Duration::from_secs(3),
            passthrough_timeout: Duration::from_secs(10),
            csrf_secret: random_secret(),
            cookie_secure: true,
            port: DEFAULT_PORT,
            shutdown_grace: Duration::from_secs(20),
        }
    }

    /// Reads and validates every setting.
    ///
    /// # Errors
    /// The first missing or invalid variable, by name.
    pub fn from_env() -> Result<Self, EnvError> {
        let api_url =
            env::optional("API_URL").unwrap_or_else(|| "http://127.0.0.1:8002".to_owned());
        if !(api_url.starts_with("http://") || api_url.starts_with("https://")) {
            return Err(EnvError::new(
                "API_URL",
                "must start with http:// or https://",
            ));
        }
        let mut config = Self::new(api_url);
        config.api_key = env::secret("API_KEY")?;
        config.api_timeout = env::millis("API_TIMEOUT_MS", config.api_timeout, 100..=60_000)?;
        config.passthrough_timeout = env::millis(
            "API_PASSTHROUGH_TIMEOUT_MS",
            config.passthrough_timeout,
            100..=300_000,
        )?;
        if let Some(secret) = env::secret("CSRF_SECRET")? {
            if secret.len() < 32 {
                return Err(EnvError::new(
                    "CSRF_SECRET",
                    "must be at least 32 characters",
                ));
            }
            config.csrf_secret = secret.into_bytes();
        }
        config.cookie_secure = env::boolean("COOKIE_SECURE", config.cookie_secure)?;
        config.port = env::integer("PORT", DEFAULT_PORT, 1..=65535)?;
        config.shutdown_grace =
            env::seconds("SHUTDOWN_GRACE_SECONDS", config.shutdown_grace, 0..=3600)?;
        Ok(config)
    }
}

fn random_secret() -> Vec<u8> {
    let mut secret = uuid::Uuid::new_v4().as_bytes().to_vec();
    secret.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    secret
}

// The key and the secret are never shown.
#[allow(clippy::missing_fields_in_debug)]
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_url", &self.api_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("api_timeout", &self.api_timeout)
            .field("passthrough_timeout", &self.passthrough_timeout)
            .field("cookie_secure", &self.cookie_secure)
            .field("port", &self.port)
            .finish()
    }
}
