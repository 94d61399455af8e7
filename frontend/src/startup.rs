//! Building the web tier and running it until a shutdown signal.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use http_kit::middleware::Limits;
use tokio::net::TcpListener;

use crate::api::Api;
use crate::config::Config;
use crate::csrf::Csrf;
use crate::routes;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The gateway.
    pub api: Api,
    /// Form tokens.
    pub csrf: Csrf,
    /// Longest wait for a passed-through `/api/…` request.
    pub passthrough_timeout: Duration,
}

/// A built, bound, not-yet-serving web tier.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    shutdown_grace: Duration,
}

impl Application {
    /// Builds the state and binds the port.
    ///
    /// # Errors
    /// When the HTTP client cannot be built or the port bound.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let state = AppState {
            api: Api::new(&config.api_url, config.api_key.clone(), config.api_timeout)?,
            csrf: Csrf::new(config.csrf_secret.clone(), config.cookie_secure),
            passthrough_timeout: config.passthrough_timeout,
        };
        let limits = Limits {
            request_timeout: (config.api_timeout * 2).max(config.passthrough_timeout)
                + Duration::from_secs(1),
            body_limit: 1024 * 1024,
        };
        let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, config.port)).await?;
        Ok(Self {
            listener,
            router: http_kit::middleware::apply(routes::router(state), limits),
            shutdown_grace: config.shutdown_grace,
        })
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    /// When the socket has no local address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves and in-flight requests have drained.
    ///
    /// # Errors
    /// An I/O error from the listener.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        http_kit::shutdown::serve(self.listener, self.router, shutdown, self.shutdown_grace).await
    }
}
