//! Black-box tests of the web tier against a stub gateway: pages, forms, failures, security.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod forms;
mod helpers;
mod pages;
mod security;
