//! The gateway's state: routes joined to their upstreams, keys, rate limiter, retry budget.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::Keys;
use crate::client::HttpClient;
use crate::config::{GatewayConfig, LimitsConfig, RetryConfig, RouteConfig};
use crate::openapi::MergedDocument;
use crate::proxy::RetryBudget;
use crate::rate_limit::RateLimiter;
use crate::upstream::Upstream;

/// Upstream paths the gateway never forwards: each service's own operational endpoints stay on
/// the private network.
const PRIVATE_PATHS: [&str; 5] = ["/health", "/ready", "/metrics", "/openapi.json", "/docs"];

/// A route joined to its upstream and client.
#[derive(Debug)]
pub struct Route {
    /// As configured.
    pub config: RouteConfig,
    /// Where it goes.
    pub upstream: Arc<Upstream>,
    /// How.
    pub client: HttpClient,
}

/// Everything the proxy and the gateway's own endpoints share.
#[derive(Debug)]
pub struct Gateway {
    /// Longest prefix first, so the first match wins.
    routes: Vec<Route>,
    /// Every upstream with its client, in configuration order.
    pub upstreams: Vec<(Arc<Upstream>, HttpClient)>,
    /// API keys.
    pub keys: Keys,
    /// Requests per client.
    pub limiter: RateLimiter,
    /// Retries on top of the traffic.
    pub retry_budget: RetryBudget,
    /// Retry settings.
    pub retry: RetryConfig,
    /// Body limits.
    pub limits: LimitsConfig,
    /// The merged OpenAPI document.
    pub openapi: MergedDocument,
}

impl Gateway {
    /// Builds the state from a validated configuration. Upstreams have no replicas until
    /// [`Gateway::resolve_all`].
    ///
    /// # Errors
    /// When the keys are invalid (validation already checked them).
    pub fn new(config: &GatewayConfig) -> Result<Self, String> {
        // Metric handles are registered as upstreams are built: the recorder must exist first.
        http_kit::metrics::install();
        let upstreams: Vec<(Arc<Upstream>, HttpClient)> = config
            .upstreams
            .iter()
            .map(|upstream| {
                let client = HttpClient::new(Duration::from_millis(upstream.connect_timeout_ms));
                (Arc::new(Upstream::new(upstream.clone())), client)
            })
            .collect();
        let by_name: HashMap<&str, &(Arc<Upstream>, HttpClient)> = upstreams
            .iter()
            .map(|entry| (entry.0.name.as_str(), entry))
            .collect();
        let mut routes: Vec<Route> = config
            .routes
            .iter()
            .filter_map(|route| {
                let (upstream, client) = by_name.get(route.upstream.as_str())?;
                Some(Route {
                    config: route.clone(),
                    upstream: upstream.clone(),
                    client: client.clone(),
                })
            })
            .collect();
        routes.sort_by_key(|route| std::cmp::Reverse(route.config.prefix.len()));
        Ok(Self {
            routes,
            keys: Keys::new(&config.keys()?),
            limiter: RateLimiter::new(&config.rate_limit),
            retry_budget: RetryBudget::new(&config.retry),
            retry: config.retry.clone(),
            limits: config.limits.clone(),
            openapi: MergedDocument::new(config),
            upstreams,
        })
    }

    /// Resolves every upstream's hosts once (at start-up, before serving).
    pub async fn resolve_all(&self) {
        for (upstream, client) in &self.upstreams {
            upstream.resolve().await;
            upstream.probe(client).await;
        }
    }

    /// The route for `path`, and the path to forward: `None` when no route matches or the path
    /// is one of the upstream's private endpoints.
    pub fn route(&self, path: &str) -> Option<(&Route, String)> {
        let route = self.routes.iter().find(|route| {
            let prefix = route.config.prefix.as_str();
            prefix == "/"
                || path == prefix
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
        })?;
        let forwarded = if route.config.strip_prefix {
            let rest = &path[route.config.prefix.len().min(path.len())..];
            if rest.is_empty() {
                "/".to_owned()
            } else {
                rest.to_owned()
            }
        } else {
            path.to_owned()
        };
        if PRIVATE_PATHS
            .iter()
            .any(|private| forwarded == *private || forwarded.starts_with(&format!("{private}/")))
        {
            return None;
        }
        Some((route, forwarded))
    }

    /// The routes, longest prefix first.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway() -> Gateway {
        let config = GatewayConfig::parse(crate::config::BUILT_IN, |_| None).unwrap();
        Gateway::new(&config).unwrap()
    }

    #[test]
    fn routes_match_whole_segments_and_strip_where_configured() {
        let gateway = gateway();
        let forwarded = |path: &str| {
            gateway
                .route(path)
                .map(|(route, to)| (route.upstream.name.clone(), to))
        };
        assert_eq!(
            forwarded("/api/loans"),
            Some(("loan-api".to_owned(), "/api/loans".to_owned()))
        );
        assert_eq!(
            forwarded("/api/loans/42/status"),
            Some(("loan-api".to_owned(), "/api/loans/42/status".to_owned()))
        );
        assert_eq!(
            forwarded("/api/stats"),
            Some(("loan-api".to_owned(), "/api/stats".to_owned()))
        );
        assert_eq!(
            forwarded("/api/portfolio/assets"),
            Some(("portfolio-api".to_owned(), "/assets".to_owned()))
        );
        assert_eq!(
            forwarded("/api/portfolio"),
            Some(("portfolio-api".to_owned(), "/".to_owned()))
        );
        assert_eq!(
            forwarded("/api/loansharks"),
            None,
            "a prefix matches whole segments only"
        );
        assert_eq!(forwarded("/api/other"), None);
    }

    #[test]
    fn upstream_operational_endpoints_are_not_reachable_through_the_gateway() {
        let gateway = gateway();
        for path in [
            "/api/portfolio/metrics",
            "/api/portfolio/ready",
            "/api/portfolio/openapi.json",
            "/api/portfolio/docs/x",
        ] {
            assert!(gateway.route(path).is_none(), "{path}");
        }
    }
}
