//! Black-box tests of the gateway: the real gateway on a free port, in front of the real APIs
//! (on a real PostgreSQL) or of misbehaving test upstreams, driven over HTTP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod auth;
mod failures;
mod helpers;
mod limits;
mod real_upstreams;
mod tracing;
