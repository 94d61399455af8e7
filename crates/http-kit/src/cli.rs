//! The command line every service binary shares, and the `main` that runs it.
//!
//! A service's `main.rs` names the service and hands over two functions: one that reads its
//! configuration from the environment, one that runs a subcommand. [`main`] does the rest in
//! the same order everywhere: parse the command line; answer `healthcheck` straight away (no
//! telemetry, no configuration, no runtime: it must work in an image with nothing but the
//! binary); start telemetry; read the configuration; run on a Tokio runtime. Exit codes: 0 done,
//! 1 failed, 2 misconfigured.

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::env::{self, EnvError};

/// Who the binary is.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// The binary's name, also the OpenTelemetry `service.name`.
    pub name: &'static str,
    /// Its version.
    pub version: &'static str,
    /// One line for `--help`.
    pub about: &'static str,
    /// The port served when `PORT` is unset, also what `healthcheck` probes.
    pub default_port: u16,
}

/// Subcommands of a service that owns a database.
#[derive(Debug, Clone, Subcommand)]
pub enum DatabaseCommand {
    /// Serve HTTP on $PORT, applying pending migrations first unless told not to.
    Serve {
        /// Do not apply migrations (they run separately, e.g. as a one-off task).
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Insert the demo data (idempotent) and exit.
    Seed,
    /// Probe /ready over HTTP; exit 0 when ready, 1 otherwise. For container health checks.
    Healthcheck(HealthcheckArgs),
}

/// Subcommands of a service without a database of its own.
#[derive(Debug, Clone, Subcommand)]
pub enum StatelessCommand {
    /// Serve HTTP on $PORT.
    Serve,
    /// Probe /ready over HTTP; exit 0 when ready, 1 otherwise. For container health checks.
    Healthcheck(HealthcheckArgs),
}

/// Arguments of `healthcheck`.
#[derive(Debug, Clone, Args)]
pub struct HealthcheckArgs {
    /// The URL to probe (default `http://127.0.0.1:$PORT/ready`).
    #[arg(long)]
    pub url: Option<String>,
}

/// A service's subcommand set: its default, and which one is the health check.
pub trait ServiceCommand: Subcommand + Send + 'static {
    /// What runs when no subcommand is given.
    fn default_command() -> Self;
    /// The health check's arguments, when this is the health check.
    fn as_healthcheck(&self) -> Option<&HealthcheckArgs>;
}

impl ServiceCommand for DatabaseCommand {
    fn default_command() -> Self {
        Self::Serve { no_migrate: false }
    }

    fn as_healthcheck(&self) -> Option<&HealthcheckArgs> {
        match self {
            Self::Healthcheck(args) => Some(args),
            _ => None,
        }
    }
}

impl ServiceCommand for StatelessCommand {
    fn default_command() -> Self {
        Self::Serve
    }

    fn as_healthcheck(&self) -> Option<&HealthcheckArgs> {
        match self {
            Self::Healthcheck(args) => Some(args),
            Self::Serve => None,
        }
    }
}

#[derive(Debug, Parser)]
struct Cli<C: Subcommand> {
    #[command(subcommand)]
    command: Option<C>,
}

/// Runs a service binary: see the module documentation.
pub fn main<C, Config, Run, Fut>(
    service: Service,
    load: fn() -> Result<Config, EnvError>,
    run: Run,
) -> ExitCode
where
    C: ServiceCommand,
    Run: FnOnce(C, Config) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let command = match parse::<C>(service) {
        Ok(command) => command,
        Err(error) => error.exit(),
    };
    if let Some(args) = command.as_healthcheck() {
        return healthcheck(service, args);
    }
    let _telemetry = match telemetry::init(service.name, service.version) {
        Ok(guard) => guard,
        Err(error) => return misconfigured(service, &error),
    };
    let config = match load() {
        Ok(config) => config,
        Err(error) => return misconfigured(service, &error),
    };
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(command, config)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "{} failed", service.name);
            ExitCode::FAILURE
        }
    }
}

fn parse<C: ServiceCommand>(service: Service) -> Result<C, clap::Error> {
    let matches = Cli::<C>::command()
        .name(service.name)
        .version(service.version)
        .about(service.about)
        .try_get_matches()?;
    let cli = Cli::<C>::from_arg_matches(&matches)?;
    Ok(cli.command.unwrap_or_else(C::default_command))
}

fn healthcheck(service: Service, args: &HealthcheckArgs) -> ExitCode {
    let url = match &args.url {
        Some(url) => url.clone(),
        None => match env::integer("PORT", service.default_port, 1..=65535) {
            Ok(port) => format!("http://127.0.0.1:{port}/ready"),
            Err(error) => return misconfigured(service, &error),
        },
    };
    match crate::healthcheck::probe(&url, Duration::from_secs(3)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{} healthcheck: {error}", service.name);
            ExitCode::FAILURE
        }
    }
}

fn misconfigured(service: Service, error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("{}: configuration error: {error}", service.name);
    ExitCode::from(2)
}
