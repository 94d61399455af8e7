//! Black-box tests of portfolio-api: each test starts the real application on a free port with a
//! database of its own, and talks to it over HTTP like any client.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod assets;
mod cache;
mod cli;
mod database_down;
mod helpers;
mod insights;
mod ops;
