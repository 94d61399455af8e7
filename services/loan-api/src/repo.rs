//! Database access, one module per table. Functions take any executor, so they run on the
//! pool or inside a transaction alike.

pub mod idempotency;
pub mod loans;
