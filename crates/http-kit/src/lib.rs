//! The HTTP pieces every service in the workload shares.
//!
//! - [`problem`]: RFC 9457 problem details, the one error body every service answers with.
//! - [`json`]: a JSON body extractor whose rejections are problem details naming the field.
//! - [`middleware`]: the request stack (request id → span, access log and metrics → problem
//!   bodies for bare errors → panic catcher → timeout), assembled in [`middleware::apply`].
//! - [`metrics`]: the Prometheus recorder and the `/metrics` body.
//! - [`cli`]: the subcommands and the `main` every service binary shares.
//! - [`env`]: typed settings from environment variables, errors naming the variable.
//! - [`health`]: the `/ready` response shape.
//! - [`shutdown`]: SIGTERM/Ctrl-C handling and a server loop whose drain is bounded.
//! - [`healthcheck`]: the HTTP probe behind each binary's `healthcheck` subcommand.

pub mod cli;
pub mod env;
pub mod health;
pub mod healthcheck;
pub mod json;
pub mod metrics;
pub mod middleware;
pub mod problem;
pub mod shutdown;

pub use problem::{FieldError, Problem};
