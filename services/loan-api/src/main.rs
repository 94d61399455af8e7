//! The `loan-api` binary: parse the command line, start telemetry, read the configuration,
//! run. Exit codes: 0 done, 1 failed, 2 misconfigured.

use std::process::ExitCode;

use clap::Parser;
use loan_api::cli::{Cli, Command};
use loan_api::config::Config;

/// mimalloc: fewer instructions per allocation than glibc's malloc and no per-thread arena
/// bloat, measured in docs/benchmarks.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let command = Cli::parse().command.unwrap_or_default();
    if let Command::Healthcheck { url } = &command {
        return match loan_api::healthcheck(url.as_deref()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("loan-api healthcheck: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let _telemetry = match telemetry::init(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")) {
        Ok(guard) => guard,
        Err(error) => return misconfigured(&error),
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => return misconfigured(&error),
    };
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(loan_api::run(command, config)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "loan-api failed");
            ExitCode::FAILURE
        }
    }
}

fn misconfigured(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("loan-api: configuration error: {error}");
    ExitCode::from(2)
}
