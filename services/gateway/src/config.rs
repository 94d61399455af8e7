//! The gateway's configuration: process settings from the environment, and routes, upstreams,
//! API keys, rate limits and CORS from a TOML file.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `GATEWAY_CONFIG` | built-in `config/gateway.toml` | path of the TOML file |
//! | `PORT` | `8002` | TCP port, bound on all interfaces |
//! | `SHUTDOWN_GRACE_SECONDS` | `20` | drain time after SIGTERM |
//!
//! The file may refer to environment variables as `${NAME}` or `${NAME:-default}`, so one file
//! serves every environment: upstream URLs and API key hashes come from the deployment. See the
//! built-in file for every setting and its default.

use std::collections::HashSet;
use std::time::Duration;

use http_kit::env::{self, EnvError};
use ipnet::IpNet;
use serde::Deserialize;

/// The port served when `PORT` is unset.
pub const DEFAULT_PORT: u16 = 8002;

/// The configuration used when `GATEWAY_CONFIG` is unset.
pub const BUILT_IN: &str = include_str!("../config/gateway.toml");

/// Everything the gateway needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The TCP port to listen on (all interfaces); 0 picks a free one (tests).
    pub port: u16,
    /// How long in-flight requests may run after SIGTERM.
    pub shutdown_grace: Duration,
    /// Routes, upstreams and policies.
    pub gateway: GatewayConfig,
}

impl Config {
    /// Reads the environment and the configuration file.
    ///
    /// # Errors
    /// A bad variable, an unreadable file, or an invalid setting, each named.
    pub fn from_env() -> Result<Self, EnvError> {
        let text = match env::optional("GATEWAY_CONFIG") {
            None => BUILT_IN.to_owned(),
            Some(path) => std::fs::read_to_string(&path).map_err(|error| {
                EnvError::new("GATEWAY_CONFIG", format!("cannot read {path}: {error}"))
            })?,
        };
        // `${NAME}` also reads NAME_FILE, so API_KEYS can come from a mounted secret.
        let unreadable = std::cell::RefCell::new(None);
        let lookup = |name: &str| match secret_by_name(name) {
            Ok(value) => value,
            Err(error) => {
                unreadable.borrow_mut().get_or_insert(error);
                None
            }
        };
        let parsed = GatewayConfig::parse(&text, lookup);
        if let Some(error) = unreadable.into_inner() {
            return Err(error);
        }
        let gateway = parsed.map_err(|reason| EnvError::new("GATEWAY_CONFIG", reason))?;
        Ok(Self {
            port: env::integer("PORT", DEFAULT_PORT, 1..=65535)?,
            shutdown_grace: env::seconds(
                "SHUTDOWN_GRACE_SECONDS",
                Duration::from_secs(20),
                0..=3600,
            )?,
            gateway,
        })
    }
}

/// A variable named at run time, or its `_FILE`.
fn secret_by_name(name: &str) -> Result<Option<String>, EnvError> {
    // EnvError names are static: leak the (few, configuration-time) names read this way.
    let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
    env::secret(name)
}

/// The contents of the configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// Request-level limits.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// The services requests are forwarded to.
    pub upstreams: Vec<UpstreamConfig>,
    /// Which path prefix goes to which upstream.
    pub routes: Vec<RouteConfig>,
    /// API keys.
    #[serde(default)]
    pub auth: AuthConfig,
    /// Requests per client.
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
    /// Browsers allowed to call the API from other origins.
    #[serde(default)]
    pub cors: CorsConfig,
    /// How many retries the gateway may add on top of the requests it receives.
    #[serde(default)]
    pub retry: RetryConfig,
}

/// Request-level limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest request body, in bytes (413 beyond).
    pub body_limit_bytes: usize,
    /// Largest upstream response body, in bytes (502 beyond).
    pub response_limit_bytes: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 64 * 1024,
            response_limit_bytes: 8 * 1024 * 1024,
        }
    }
}

/// One upstream service. Every address its host names resolve to is a replica.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamConfig {
    /// The name routes refer to.
    pub name: String,
    /// Base URLs (`http://host:port`); each host is resolved, and every address is a replica.
    pub urls: Vec<String>,
    /// How often host names are resolved again, in milliseconds.
    #[serde(default = "defaults::resolve_interval_ms")]
    pub resolve_interval_ms: u64,
    /// How long a TCP connect may take, in milliseconds.
    #[serde(default = "defaults::connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    /// The readiness path probed on every replica.
    #[serde(default = "defaults::health_path")]
    pub health_path: String,
    /// How often replicas are probed, in milliseconds.
    #[serde(default = "defaults::health_interval_ms")]
    pub health_interval_ms: u64,
    /// Failures in a row that take a replica out of rotation.
    #[serde(default = "defaults::eject_after_failures")]
    pub eject_after_failures: u32,
    /// How long an ejected replica stays out, in milliseconds (doubling while it keeps
    /// failing, up to ten times).
    #[serde(default = "defaults::eject_ms")]
    pub eject_ms: u64,
    /// The circuit breaker in front of the whole upstream.
    #[serde(default)]
    pub breaker: BreakerConfig,
    /// Where the upstream's OpenAPI document is, to merge into the gateway's.
    #[serde(default = "defaults::openapi_path")]
    pub openapi_path: String,
}

/// A circuit breaker: after `failure_threshold` failed attempts in a row the upstream is not
/// called for `open_ms`; then one probe request decides whether it closes again.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BreakerConfig {
    /// Failed attempts in a row that open the breaker.
    pub failure_threshold: u32,
    /// How long the breaker stays open before probing, in milliseconds.
    pub open_ms: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 10,
            open_ms: 5000,
        }
    }
}

/// One route: requests whose path is `prefix` or starts with `prefix/`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// The public path prefix.
    pub prefix: String,
    /// The upstream's name.
    pub upstream: String,
    /// Whether the prefix is removed before forwarding (`/api/portfolio/assets` → `/assets`).
    #[serde(default)]
    pub strip_prefix: bool,
    /// The longest the whole request may take, retries included, in milliseconds (504 beyond).
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: u64,
    /// The scope an API key needs for POST, PUT, PATCH and DELETE.
    pub write_scope: String,
    /// The scope an API key needs for reads; unset means reads are public.
    #[serde(default)]
    pub read_scope: Option<String>,
}

/// API keys, stored as SHA-256 hashes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// The keys, as configured in the file.
    pub keys: Vec<KeyConfig>,
    /// More keys as `id:sha256hex:scope+scope,…`, typically `${API_KEYS}` from a secret store.
    pub keys_from: String,
}

/// One API key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// Who holds the key; sent upstream as the client identity.
    pub id: String,
    /// The SHA-256 of the key, in hex. The key itself is never configured.
    pub sha256: String,
    /// What the key may do.
    pub scopes: Vec<String>,
}

/// A token bucket per client: the API key's id, else the client's address.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Sustained requests per second.
    pub requests_per_second: f64,
    /// Requests allowed in a burst.
    pub burst: u32,
    /// Peers whose `X-Forwarded-For` is believed (the nginx tiers); CIDR notation.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            requests_per_second: 100.0,
            burst: 200,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Origins whose browser scripts may call the API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorsConfig {
    /// Exact origins, such as `https://localhost:8443`.
    pub allowed_origins: Vec<String>,
}

/// Retries: at most `max_attempts` per request, and overall no more than `ratio` of the
/// requests received plus `min_per_second`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryConfig {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Retries allowed per request received, over time.
    pub ratio: f64,
    /// Retries always allowed per second, however few requests arrive.
    pub min_per_second: f64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            ratio: 0.2,
            min_per_second: 10.0,
        }
    }
}

mod defaults {
    pub(super) fn resolve_interval_ms() -> u64 {
        5000
    }
    pub(super) fn connect_timeout_ms() -> u64 {
        500
    }
    pub(super) fn health_path() -> String {
        "/ready".to_owned()
    }
    pub(super) fn health_interval_ms() -> u64 {
        2000
    }
    pub(super) fn eject_after_failures() -> u32 {
        3
    }
    pub(super) fn eject_ms() -> u64 {
        5000
    }
    pub(super) fn openapi_path() -> String {
        "/openapi.json".to_owned()
    }
    pub(super) fn timeout_ms() -> u64 {
        10_000
    }
}

impl GatewayConfig {
    /// Parses and validates a configuration file, first replacing `${NAME}` and
    /// `${NAME:-default}` with `lookup(NAME)`.
    ///
    /// # Errors
    /// A message naming the setting that is wrong.
    pub fn parse(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let text = interpolate(text, lookup)?;
        let config: Self = toml::from_str(&text)
            .map_err(|error| error.message().to_owned() + &location(&error))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        let mut names = HashSet::new();
        for (index, upstream) in self.upstreams.iter().enumerate() {
            let at = format!("upstreams[{index}] ({})", upstream.name);
            if !names.insert(upstream.name.as_str()) {
                return Err(format!("{at}: the name is used twice"));
            }
            if upstream.urls.is_empty() {
                return Err(format!("{at}.urls: at least one URL is needed"));
            }
            for url in &upstream.urls {
                parse_base_url(url).map_err(|reason| format!("{at}.urls: {url:?} {reason}"))?;
            }
            if upstream.eject_after_failures == 0 || upstream.breaker.failure_threshold == 0 {
                return Err(format!("{at}: failure counts must be at least 1"));
            }
            if !upstream.health_path.starts_with('/') || !upstream.openapi_path.starts_with('/') {
                return Err(format!("{at}: paths must start with /"));
            }
        }
        for (index, route) in self.routes.iter().enumerate() {
            let at = format!("routes[{index}] ({})", route.prefix);
            if !route.prefix.starts_with('/')
                || (route.prefix.len() > 1 && route.prefix.ends_with('/'))
            {
                return Err(format!(
                    "{at}.prefix: must start with / and not end with one"
                ));
            }
            if !names.contains(route.upstream.as_str()) {
                return Err(format!(
                    "{at}.upstream: no upstream is named {:?}",
                    route.upstream
                ));
            }
            if route.timeout_ms == 0 {
                return Err(format!("{at}.timeout_ms: must be more than 0"));
            }
        }
        self.keys()?;
        let rate = self.rate_limit.requests_per_second;
        if rate.is_nan() || rate <= 0.0 || self.rate_limit.burst == 0 {
            return Err("rate_limit: requests_per_second and burst must be more than 0".to_owned());
        }
        if self.retry.max_attempts == 0 || self.retry.ratio < 0.0 || self.retry.min_per_second < 0.0
        {
            return Err(
                "retry: max_attempts must be at least 1 and the budget not negative".to_owned(),
            );
        }
        Ok(())
    }

    /// Every configured key, from the file and from `keys_from`.
    ///
    /// # Errors
    /// A malformed entry, or an id or hash used twice.
    pub fn keys(&self) -> Result<Vec<KeyConfig>, String> {
        let mut keys = self.auth.keys.clone();
        for entry in self
            .auth
            .keys_from
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let mut parts = entry.splitn(3, ':');
            let (Some(id), Some(sha256), Some(scopes)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err("auth.keys_from: each entry is id:sha256hex:scope+scope".to_owned());
            };
            keys.push(KeyConfig {
                id: id.to_owned(),
                sha256: sha256.to_owned(),
                scopes: scopes.split('+').map(str::to_owned).collect(),
            });
        }
        let mut ids = HashSet::new();
        let mut hashes = HashSet::new();
        for key in &keys {
            let valid_hash =
                key.sha256.len() == 64 && key.sha256.bytes().all(|b| b.is_ascii_hexdigit());
            if !valid_hash {
                // Say which key, never what was configured: it might be a key pasted by mistake.
                return Err(format!(
                    "auth key {:?}: sha256 must be 64 hex digits (the hash, not the key)",
                    key.id
                ));
            }
            if key.id.is_empty() || !ids.insert(key.id.clone()) {
                return Err(format!(
                    "auth key {:?}: ids must be non-empty and unique",
                    key.id
                ));
            }
            if !hashes.insert(key.sha256.to_ascii_lowercase()) {
                return Err(format!(
                    "auth key {:?}: the same hash is configured twice",
                    key.id
                ));
            }
        }
        Ok(keys)
    }
}

/// Splits `http://host:port` into host and port. Only plain HTTP: upstreams sit on the private
/// network behind the gateway.
///
/// # Errors
/// A message saying what is wrong with the URL.
pub fn parse_base_url(url: &str) -> Result<(String, u16), &'static str> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("must start with http://")?;
    let rest = rest.trim_end_matches('/');
    if rest.contains('/') {
        return Err("must not have a path");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => (
            host,
            port.parse::<u16>().map_err(|_| "has an invalid port")?,
        ),
        _ => (rest, 80),
    };
    if host.is_empty() {
        return Err("has no host");
    }
    Ok((
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port,
    ))
}

fn location(error: &toml::de::Error) -> String {
    error
        .span()
        .map_or_else(String::new, |span| format!(" (at byte {})", span.start))
}

/// Replaces `${NAME}` and `${NAME:-default}`, except on comment lines.
fn interpolate(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
        } else {
            out.push_str(&interpolate_line(line, &lookup)?);
        }
    }
    Ok(out)
}

fn interpolate_line(
    text: &str,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or("an unclosed ${ in the configuration")?;
        let expression = &after[..end];
        let (name, default) = match expression.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (expression, None),
        };
        let value = match (lookup(name), default) {
            (Some(value), _) => value,
            (None, Some(default)) => default.to_owned(),
            (None, None) => {
                return Err(format!(
                    "the configuration uses ${{{name}}} but {name} is not set"
                ));
            }
        };
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        (name == "LOAN_API_URL").then(|| "http://loans.internal:9000".to_owned())
    }

    #[test]
    fn the_built_in_configuration_is_valid() {
        let config = GatewayConfig::parse(BUILT_IN, lookup).unwrap();
        assert_eq!(config.upstreams[0].urls, ["http://loans.internal:9000"]);
        assert!(
            config
                .routes
                .iter()
                .any(|route| route.prefix == "/api/portfolio" && route.strip_prefix)
        );
    }

    #[test]
    fn variables_are_replaced_with_their_value_or_default() {
        assert_eq!(
            interpolate("a=${LOAN_API_URL} b=${NOPE:-x}", lookup).unwrap(),
            "a=http://loans.internal:9000 b=x"
        );
        assert!(
            interpolate("${NOPE}", lookup)
                .unwrap_err()
                .contains("NOPE is not set")
        );
    }

    #[test]
    fn mistakes_are_named() {
        let base = "[[upstreams]]\nname = \"a\"\nurls = [\"http://a:1\"]\n";
        let cases = [
            (
                format!(
                    "{base}[[routes]]\nprefix = \"/x\"\nupstream = \"b\"\nwrite_scope = \"w\"\n"
                ),
                "no upstream is named",
            ),
            (
                format!(
                    "{base}[[routes]]\nprefix = \"x\"\nupstream = \"a\"\nwrite_scope = \"w\"\n"
                ),
                "prefix",
            ),
            (
                format!("routes = []\n{base}[auth]\nkeys_from = \"k:abc:s\"\n"),
                "64 hex digits",
            ),
            (
                format!("routes = []\nsurprise = 1\n{base}"),
                "unknown field",
            ),
            (
                "routes = []\n[[upstreams]]\nname = \"a\"\nurls = [\"https://a\"]\n".to_owned(),
                "http://",
            ),
        ];
        for (text, expected) in cases {
            let error = GatewayConfig::parse(&text, lookup).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn base_urls_give_host_and_port() {
        assert_eq!(
            parse_base_url("http://loan-api:8000"),
            Ok(("loan-api".to_owned(), 8000))
        );
        assert_eq!(
            parse_base_url("http://10.0.0.5/"),
            Ok(("10.0.0.5".to_owned(), 80))
        );
        assert_eq!(
            parse_base_url("http://[::1]:8000"),
            Ok(("::1".to_owned(), 8000))
        );
        assert!(parse_base_url("http://a:1/path").is_err());
    }
}
