//! Black-box tests of loan-api: each test starts the real application on a free port with a
//! database of its own, and talks to it over HTTP like any client.
//!
//! One test binary (fast to link); one module per area of the contract.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod cli;
mod create_loan;
mod database_down;
mod get_loan;
mod helpers;
mod idempotency;
mod lifecycle;
mod list_loans;
mod ops;
mod protocol;
mod stats;
