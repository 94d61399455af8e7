//! The command line: one binary, four jobs.

use clap::{Parser, Subcommand};

/// The loan API.
#[derive(Debug, Parser)]
#[command(
    name = "loan-api",
    version,
    about = "The loan API: microloans on PostgreSQL."
)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve HTTP on $PORT, applying pending migrations first unless told not to.
    Serve {
        /// Do not apply migrations (they are run separately, e.g. as a one-off task).
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Insert the five demo loans (idempotent) and exit.
    Seed,
    /// Probe /ready over HTTP; exit 0 when ready, 1 otherwise. For container health checks.
    Healthcheck {
        /// The URL to probe (default http://127.0.0.1:$PORT/ready).
        #[arg(long)]
        url: Option<String>,
    },
}

impl Default for Command {
    fn default() -> Self {
        Self::Serve { no_migrate: false }
    }
}
