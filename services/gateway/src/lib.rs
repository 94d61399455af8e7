//! gateway: the one door in front of the lending workload's APIs.
//!
//! Every request that is not for the gateway itself ([`routes`]) goes through [`proxy`]: the
//! longest matching route of [`gateway`] picks an [`upstream`], the client is rate limited
//! ([`rate_limit`]) and authenticated ([`auth`]), and the request is sent by [`client`] to a
//! replica, retried on another where safe, within the route's deadline and behind the
//! upstream's circuit breaker. [`config`] reads the environment and the TOML file; [`openapi`]
//! merges the upstreams' documents under their public paths.

pub mod auth;
pub mod client;
pub mod config;
pub mod gateway;
pub mod openapi;
pub mod proxy;
pub mod rate_limit;
pub mod routes;
pub mod startup;
pub mod upstream;

use http_kit::cli::StatelessCommand;

use crate::config::Config;
use crate::startup::Application;

/// Runs one subcommand to completion (`healthcheck` is answered before any of this).
///
/// # Errors
/// Whatever stopped the gateway: a port in use, an inconsistent configuration.
pub async fn run(command: StatelessCommand, config: Config) -> anyhow::Result<()> {
    match command {
        StatelessCommand::Serve => {
            let app = Application::build(&config).await?;
            let address = app.local_addr()?;
            let routes: Vec<&str> = config
                .gateway
                .routes
                .iter()
                .map(|route| route.prefix.as_str())
                .collect();
            tracing::info!(%address, ?routes, "gateway listening");
            app.run_until_stopped(http_kit::shutdown::signal()).await?;
            tracing::info!("gateway stopped");
            Ok(())
        }
        StatelessCommand::Healthcheck(_) => anyhow::bail!("healthcheck runs without a runtime"),
    }
}
