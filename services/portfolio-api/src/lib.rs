//! portfolio-api: an asset-backed lending portfolio and its insights, a Rust rewrite of the
//! FastAPI service that fed the portfolio dashboard.
//!
//! A request enters through [`startup::router`] (the routes in [`routes`] wrapped in the shared
//! middleware of `http_kit`); the default asset page and the insights come from [`cache`],
//! everything else from PostgreSQL through [`repo`]; failures are one [`error::ApiError`]
//! rendered as problem+json. [`config`] reads the environment, [`db`] holds the migrations and
//! the demo seed, and [`run`] is what `main` calls for each subcommand.

pub mod cache;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod repo;
pub mod routes;
pub mod startup;

use anyhow::Context;
use http_kit::cli::DatabaseCommand;

use crate::config::Config;
use crate::startup::Application;

/// Runs one subcommand to completion (`healthcheck` is answered before any of this).
///
/// # Errors
/// Whatever stopped the command: an unreachable database, a failed migration, a port in use.
pub async fn run(command: DatabaseCommand, mut config: Config) -> anyhow::Result<()> {
    let database = config.database.display();
    match command {
        DatabaseCommand::Serve { no_migrate } => {
            config.migrate_on_start &= !no_migrate;
            let app = Application::build(&config).await?;
            let address = app.local_addr()?;
            tracing::info!(%address, %database, "portfolio-api listening");
            app.run_until_stopped(http_kit::shutdown::signal()).await?;
            tracing::info!("portfolio-api stopped");
        }
        DatabaseCommand::Migrate => {
            let pool = config.database.pool(db::APPLICATION_NAME)?;
            pgpool::migrations::apply(&pool, &db::MIGRATOR)
                .await
                .context("applying migrations")?;
            tracing::info!(%database, "migrations applied");
        }
        DatabaseCommand::Seed => {
            let pool = config.database.pool(db::APPLICATION_NAME)?;
            let inserted = db::seed(&pool).await.context(
                "seeding demo assets (are migrations applied? run `portfolio-api migrate`)",
            )?;
            tracing::info!(inserted, "demo assets seeded");
        }
        DatabaseCommand::Healthcheck(_) => anyhow::bail!("healthcheck runs without a runtime"),
    }
    Ok(())
}
