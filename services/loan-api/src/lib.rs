//! loan-api: the Branch microloans API, rewritten in Rust.
//!
//! A request enters through [`startup::router`] (the routes in [`routes`] wrapped in the shared
//! middleware of `http_kit`), is validated into [`domain`] types, reaches PostgreSQL through
//! [`repo`], and fails, if it fails, as one [`error::ApiError`] rendered as problem+json.
//! [`config`] reads the environment, [`db`] owns the pool, migrations and the demo seed, and
//! [`cli`] with [`run`] is what `main` calls.

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod repo;
pub mod routes;
pub mod startup;

use std::time::Duration;

use anyhow::Context;

use crate::cli::Command;
use crate::config::Config;
use crate::startup::Application;

/// Runs one subcommand to completion (`healthcheck` excepted: see [`healthcheck`]).
///
/// # Errors
/// Whatever stopped the command: an unreachable database, a failed migration, a port in use.
pub async fn run(command: Command, mut config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { no_migrate } => {
            config.migrate_on_start &= !no_migrate;
            let app = Application::build(&config).await?;
            let address = app.local_addr()?;
            tracing::info!(%address, database = %config.database_display(), "loan-api listening");
            app.run_until_stopped(http_kit::shutdown::signal()).await?;
            tracing::info!("loan-api stopped");
        }
        Command::Migrate => {
            let pool = db::pool(&config)?;
            db::migrate(&pool).await.context("applying migrations")?;
            tracing::info!(database = %config.database_display(), "migrations applied");
        }
        Command::Seed => {
            let pool = db::pool(&config)?;
            let inserted = db::seed(&pool)
                .await
                .context("seeding demo loans (are migrations applied? run `loan-api migrate`)")?;
            tracing::info!(inserted, "demo loans seeded");
        }
        Command::Healthcheck { .. } => anyhow::bail!("healthcheck runs without a runtime"),
    }
    Ok(())
}

/// Probes `/ready` and says whether the service is ready. Needs neither configuration nor a
/// runtime, so it works in an image with nothing but the binary.
///
/// # Errors
/// When `PORT` is invalid, nothing answers, or the answer is not 200.
pub fn healthcheck(url: Option<&str>) -> anyhow::Result<()> {
    let url = if let Some(url) = url {
        url.to_owned()
    } else {
        let port = http_kit::env::integer("PORT", 8000_u16, 1..=65535)?;
        format!("http://127.0.0.1:{port}/ready")
    };
    http_kit::healthcheck::probe(&url, Duration::from_secs(3))?;
    Ok(())
}
