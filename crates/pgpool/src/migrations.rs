//! Embedded migrations: applying them, and telling whether the database is up to date.

use http_kit::health::{Check, Readiness};
use sqlx::PgConnection;
use sqlx::migrate::{MigrateError, Migrator};

use crate::Pool;

/// Applies pending migrations. Concurrent replicas are serialised by the migrator's advisory
/// lock.
///
/// # Errors
/// When the database is unreachable or a migration fails.
pub async fn apply(pool: &Pool, migrator: &Migrator) -> Result<(), MigrateError> {
    let mut connection = pool.acquire().await?;
    migrator.run(&mut *connection).await?;
    connection.release();
    Ok(())
}

/// How many of `migrator`'s migrations the database has not applied.
///
/// # Errors
/// When the database cannot be queried.
pub async fn pending(pool: &Pool, migrator: &Migrator) -> Result<usize, sqlx::Error> {
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
    Ok(migrator
        .iter()
        .filter(|migration| migration.migration_type.is_up_migration())
        .filter(|migration| applied.binary_search(&migration.version).is_err())
        .count())
}

/// The `/ready` report of a database service: the database answers, and every migration is
/// applied.
pub async fn readiness(pool: &Pool, migrator: &Migrator) -> Readiness {
    let (database, migrations) = match pending(pool, migrator).await {
        Ok(0) => (Check::up(), Check::up()),
        Ok(count) => (
            Check::up(),
            Check::down(format!("{count} migration(s) pending")),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness: database check failed");
            (Check::down("database unreachable"), Check::down("unknown"))
        }
    };
    Readiness::from_checks([("database", database), ("migrations", migrations)])
}
