//! Test support shared by the services' black-box tests.
//!
//! - [`TestDatabase`]: a fresh PostgreSQL database per test, dropped when the test ends. The
//!   server is the one `DATABASE_URL` points at when it is set (CI, a developer's local
//!   cluster); otherwise one PostgreSQL container per test process is started with
//!   testcontainers and removed when the process exits.
//! - [`http`]: a client for loopback tests and the problem+json assertions every service needs.
//! - [`TcpProxy`]: a loopback TCP proxy in front of the database that a test can cut, to see how
//!   a service behaves when its database goes away and comes back.
//!
//! Provisioning failures panic: a test that cannot get its database must fail loudly.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc
)]

mod database;
pub mod http;
mod proxy;

pub use database::TestDatabase;
pub use proxy::TcpProxy;
