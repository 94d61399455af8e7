//! The embedded migrations and the demo seed. (The pool and its settings are `pgpool`'s.)

use pgpool::Pool;
use sqlx::PgConnection;
use sqlx::migrate::Migrator;

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// The name the service's connections carry in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "portfolio-api";

/// Inserts the original service's 20 assets unless they are there; due dates count from the day
/// the seed first runs. Returns how many were inserted.
///
/// # Errors
/// When the database is unreachable or the schema is missing.
pub async fn seed(pool: &Pool) -> Result<u64, sqlx::Error> {
    pool.run(async |connection: &mut PgConnection| {
        let inserted = sqlx::query!(
            r#"
            INSERT INTO assets (id, nominal_value, status, due_date)
            SELECT id, nominal_value, status, CURRENT_DATE + due_in_days
            FROM (VALUES
                ('asset-001', 37335.97, 'defaulted',  -78),
                ('asset-002', 37087.09, 'active',     -19),
                ('asset-003', 29934.13, 'defaulted',  -46),
                ('asset-004', 11713.26, 'active',     -43),
                ('asset-005', 28501.01, 'active',     -77),
                ('asset-006', 11801.59, 'defaulted', 124),
                ('asset-007', 38181.56, 'active',     -87),
                ('asset-008', 17672.28, 'active',    126),
                ('asset-009',  6008.30, 'active',     82),
                ('asset-010', 42527.22, 'active',     93),
                ('asset-011', 36756.86, 'defaulted',  -68),
                ('asset-012',  4861.21, 'active',    103),
                ('asset-013', 29290.26, 'active',     95),
                ('asset-014', 33401.90, 'defaulted',  -67),
                ('asset-015', 42910.57, 'defaulted',  -50),
                ('asset-016', 14620.71, 'paid',      104),
                ('asset-017',  8970.05, 'defaulted',  96),
                ('asset-018', 35389.20, 'active',     46),
                ('asset-019', 30847.42, 'defaulted',  -54),
                ('asset-020',  9006.72, 'active',     35)
            ) AS seed (id, nominal_value, status, due_in_days)
            ON CONFLICT (id) DO NOTHING
            "#
        )
        .execute(connection)
        .await?;
        Ok(inserted.rows_affected())
    })
    .await
}
