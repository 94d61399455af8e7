//! The `portfolio-api` binary: see `http_kit::cli::main` for what it does in which order.

use std::process::ExitCode;

use http_kit::cli::{DatabaseCommand, Service};
use portfolio_api::config::{Config, DEFAULT_PORT};

/// mimalloc: fewer instructions per allocation than glibc's malloc, measured in
/// docs/benchmarks.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let service = Service {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        about: "The portfolio API: assets and insights on PostgreSQL.",
        default_port: DEFAULT_PORT,
    };
    http_kit::cli::main::<DatabaseCommand, _, _, _>(service, Config::from_env, portfolio_api::run)
}
