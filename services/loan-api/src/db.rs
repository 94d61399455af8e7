//! The embedded migrations and the demo seed. (The pool and its settings are `pgpool`'s.)

use pgpool::Pool;
use sqlx::PgConnection;
use sqlx::migrate::Migrator;

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// The name the service's connections carry in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "loan-api";

/// Inserts the five demo loans unless they are already there; returns how many were inserted.
///
/// # Errors
/// When the database is unreachable or the schema is missing.
pub async fn seed(pool: &Pool) -> Result<u64, sqlx::Error> {
    pool.run(async |connection: &mut PgConnection| {
        let inserted = sqlx::query!(
            r#"
            INSERT INTO loans (id, borrower_id, amount, currency, status, term_months, interest_rate_apr)
            VALUES
                ('00000000-0000-0000-0000-000000000001', 'usr_kenya_001',       12500.00, 'KES', 'pending',   6,  28.00),
                ('00000000-0000-0000-0000-000000000002', 'usr_india_002',       50000.00, 'INR', 'approved',  12, 24.00),
                ('00000000-0000-0000-0000-000000000003', 'usr_nigeria_003',     32000.00, 'NGN', 'rejected',  9,  30.00),
                ('00000000-0000-0000-0000-000000000004', 'usr_vietnam_004',      8400.00, 'VND', 'disbursed', 4,  26.00),
                ('00000000-0000-0000-0000-000000000005', 'usr_philippines_005', 21000.00, 'PHP', 'repaid',    6,  22.00)
            ON CONFLICT (id) DO NOTHING
            "#
        )
        .execute(connection)
        .await?;
        Ok(inserted.rows_affected())
    })
    .await
}
