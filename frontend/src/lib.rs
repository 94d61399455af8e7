//! web: the server-rendered portfolio dashboard and loan console.
//!
//! Every page in [`pages`] is rendered on the server from data the gateway serves ([`api`]),
//! works without JavaScript (forms post and redirect), and is protected by [`csrf`] tokens and
//! the security headers of [`routes`]. [`assets`] serves the stylesheet and script under
//! content-hashed names; [`passthrough`] hands `/api/…` to the gateway unchanged. [`config`]
//! reads the environment and [`run`] is what `main` calls.

pub mod api;
pub mod assets;
pub mod config;
pub mod csrf;
pub mod pages;
pub mod passthrough;
pub mod routes;
pub mod startup;

use http_kit::cli::StatelessCommand;

use crate::config::Config;
use crate::startup::Application;

/// Runs one subcommand to completion (`healthcheck` is answered before any of this).
///
/// # Errors
/// Whatever stopped the web tier: a port in use.
pub async fn run(command: StatelessCommand, config: Config) -> anyhow::Result<()> {
    match command {
        StatelessCommand::Serve => {
            let app = Application::build(&config).await?;
            let address = app.local_addr()?;
            tracing::info!(%address, api = %config.api_url, "web listening");
            app.run_until_stopped(http_kit::shutdown::signal()).await?;
            tracing::info!("web stopped");
            Ok(())
        }
        StatelessCommand::Healthcheck(_) => anyhow::bail!("healthcheck runs without a runtime"),
    }
}
