//! The `web` binary: see `http_kit::cli::main` for what it does in which order.

use std::process::ExitCode;

use http_kit::cli::{Service, StatelessCommand};
use web::config::{Config, DEFAULT_PORT};

/// mimalloc: fewer instructions per allocation than glibc's malloc, measured in
/// docs/benchmarks.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let service = Service {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        about: "The web tier: the portfolio dashboard and the loan console.",
        default_port: DEFAULT_PORT,
    };
    http_kit::cli::main::<StatelessCommand, _, _, _>(service, Config::from_env, web::run)
}
