//! Building the gateway (state, first resolution, listener, router) and running it until a
//! shutdown signal.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use http_kit::middleware::Limits;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::gateway::Gateway;
use crate::{routes, upstream};

/// A built, bound, not-yet-serving gateway.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    gateway: Arc<Gateway>,
    shutdown_grace: Duration,
}

impl Application {
    /// Builds the state, resolves and probes every upstream once, and binds the port.
    ///
    /// # Errors
    /// When the configuration is inconsistent or the port cannot be bound.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let gateway = Arc::new(Gateway::new(&config.gateway).map_err(anyhow::Error::msg)?);
        gateway.resolve_all().await;
        let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, config.port)).await?;
        // Routes answer 504 at their own deadline; this outer limit only catches the unforeseen.
        let longest_route = config
            .gateway
            .routes
            .iter()
            .map(|route| route.timeout_ms)
            .max()
            .unwrap_or(10_000);
        let limits = Limits {
            request_timeout: Duration::from_millis(longest_route) + Duration::from_secs(1),
            body_limit: config.gateway.limits.body_limit_bytes,
        };
        let mut router = http_kit::middleware::apply(routes::router(gateway.clone()), limits);
        if let Some(cors) = routes::cors(&config.gateway.cors) {
            router = router.layer(cors);
        }
        Ok(Self {
            listener,
            router,
            gateway,
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

    /// Serves until `shutdown` resolves and in-flight requests have drained (within the grace
    /// period), keeping the upstreams' replica lists and probes current meanwhile.
    ///
    /// # Errors
    /// An I/O error from the listener.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let maintainers: Vec<_> = self
            .gateway
            .upstreams
            .iter()
            .map(|(upstream, client)| {
                tokio::spawn(upstream::maintain(upstream.clone(), client.clone()))
            })
            .collect();
        let served =
            http_kit::shutdown::serve(self.listener, self.router, shutdown, self.shutdown_grace)
                .await;
        for maintainer in maintainers {
            maintainer.abort();
        }
        served
    }
}
