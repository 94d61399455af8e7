//! The connection pool, the embedded migrations and the demo seed.

use std::str::FromStr;

use pgpool::Pool;
use sqlx::PgConnection;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgConnectOptions;

use crate::config::Config;

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Builds the pool without connecting: the service starts (and reports not ready) even when
/// the database is down, and connects once it is back.
///
/// # Errors
/// When `DATABASE_URL` cannot be parsed.
pub fn pool(config: &Config) -> Result<Pool, sqlx::Error> {
    let statement_timeout = config.pool.statement_timeout.as_millis().to_string();
    let options = PgConnectOptions::from_str(&config.database_url)?
        .application_name("loan-api")
        .options([("statement_timeout", statement_timeout.as_str())]);
    Ok(Pool::new(
        options,
        pgpool::Settings {
            max_connections: config.pool.max_connections,
            acquire_timeout: config.pool.acquire_timeout,
            idle_timeout: config.pool.idle_timeout,
            max_lifetime: config.pool.max_lifetime,
        },
    ))
}

/// Applies pending migrations. Concurrent replicas are serialised by a database lock.
///
/// # Errors
/// When the database is unreachable or a migration fails.
pub async fn migrate(pool: &Pool) -> Result<(), sqlx::migrate::MigrateError> {
    let mut connection = pool.acquire().await?;
    MIGRATOR.run(&mut *connection).await?;
    connection.release();
    Ok(())
}

/// How many embedded migrations the database has not applied.
///
/// # Errors
/// When the database cannot be queried.
pub async fn pending_migrations(pool: &Pool) -> Result<usize, sqlx::Error> {
    let applied = pool
        .run(async |connection: &mut PgConnection| {
            let applied: Result<Vec<i64>, sqlx::Error> = sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(connection)
            .await;
            match applied {
                // No bookkeeping table yet: nothing has been applied.
                Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P01") => {
                    Ok(Vec::new())
                }
                other => other,
            }
        })
        .await?;
    Ok(MIGRATOR
        .iter()
        .filter(|migration| migration.migration_type.is_up_migration())
        .filter(|migration| applied.binary_search(&migration.version).is_err())
        .count())
}

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
