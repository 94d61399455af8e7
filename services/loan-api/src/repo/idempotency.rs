//! Remembered `Idempotency-Key`s and the responses to replay for them.

use std::time::Duration;

use sqlx::PgExecutor;
use uuid::Uuid;

/// The response first given for a key.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The fingerprint of the request that used the key first.
    pub fingerprint: Vec<u8>,
    /// The loan it created.
    pub loan_id: Uuid,
    /// The exact body of the 201 response.
    pub response_body: Vec<u8>,
}

/// Records `key` with its response, unless an unexpired record exists. Returns whether it was
/// recorded.
///
/// Run inside the transaction that creates the loan: a concurrent request with the same key
/// waits here until this transaction ends, then finds the record and creates nothing.
pub async fn save(
    executor: impl PgExecutor<'_>,
    key: &str,
    fingerprint: &[u8],
    loan_id: Uuid,
    response_body: &[u8],
    ttl: Duration,
) -> Result<bool, sqlx::Error> {
    let saved = sqlx::query_scalar!(
        r#"
        INSERT INTO idempotency_keys (key, fingerprint, loan_id, response_body, expires_at)
        VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
        ON CONFLICT (key) DO UPDATE
            SET fingerprint = EXCLUDED.fingerprint,
                loan_id = EXCLUDED.loan_id,
                response_body = EXCLUDED.response_body,
                created_at = now(),
                expires_at = EXCLUDED.expires_at
            WHERE idempotency_keys.expires_at <= now()
        RETURNING key
        "#,
        key,
        fingerprint,
        loan_id,
        response_body,
        ttl.as_secs_f64(),
    )
    .fetch_optional(executor)
    .await?;
    Ok(saved.is_some())
}

/// The unexpired record for `key`, if any.
pub async fn find(executor: impl PgExecutor<'_>, key: &str) -> Result<Option<Stored>, sqlx::Error> {
    sqlx::query_as!(
        Stored,
        r#"
        SELECT fingerprint, loan_id, response_body
        FROM idempotency_keys
        WHERE key = $1 AND expires_at > now()
        "#,
        key
    )
    .fetch_optional(executor)
    .await
}

/// Deletes expired records; returns how many.
pub async fn purge_expired(executor: impl PgExecutor<'_>) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!("DELETE FROM idempotency_keys WHERE expires_at <= now()")
        .execute(executor)
        .await?;
    Ok(deleted.rows_affected())
}
