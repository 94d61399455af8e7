//! SQL over the `assets` table, checked at compile time. Functions take any executor.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgExecutor;

use crate::domain::{self, Asset, AssetStatus, Insight};

struct AssetRow {
    id: String,
    nominal_value: Decimal,
    status: String,
    due_date: NaiveDate,
}

impl TryFrom<AssetRow> for Asset {
    type Error = sqlx::Error;

    fn try_from(row: AssetRow) -> Result<Self, Self::Error> {
        let status = row.status.parse::<AssetStatus>().map_err(|error| {
            sqlx::Error::Decode(format!("asset {}: status {error}", row.id).into())
        })?;
        Ok(Self {
            id: row.id,
            nominal_value: row.nominal_value,
            status,
            due_date: row.due_date,
        })
    }
}

/// Up to `limit` assets in id order, optionally only those in `status`, after `after_id`.
pub async fn list(
    executor: impl PgExecutor<'_>,
    status: Option<AssetStatus>,
    after_id: Option<&str>,
    limit: i64,
) -> Result<Vec<Asset>, sqlx::Error> {
    sqlx::query_as!(
        AssetRow,
        r#"
        SELECT id, nominal_value, status, due_date
        FROM assets
        WHERE ($1::varchar IS NULL OR status = $1)
          AND ($2::varchar IS NULL OR id > $2)
        ORDER BY id
        LIMIT $3
        "#,
        status.map(AssetStatus::as_str),
        after_id,
        limit,
    )
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(Asset::try_from)
    .collect()
}

/// The asset with this id, if any.
pub async fn find(executor: impl PgExecutor<'_>, id: &str) -> Result<Option<Asset>, sqlx::Error> {
    sqlx::query_as!(
        AssetRow,
        "SELECT id, nominal_value, status, due_date FROM assets WHERE id = $1",
        id
    )
    .fetch_optional(executor)
    .await?
    .map(Asset::try_from)
    .transpose()
}

/// The four insights, computed by the database in one scan.
pub async fn insights(executor: impl PgExecutor<'_>) -> Result<[Insight; 4], sqlx::Error> {
    let row = sqlx::query!(
        r#"
        SELECT
            coalesce(round(sum(nominal_value), 2), 0) AS "total!",
            coalesce(round(count(*) FILTER (WHERE status = 'defaulted')::numeric
                           / nullif(count(*), 0), 4), 0) AS "default_rate!",
            coalesce(round(sum(nominal_value) FILTER (WHERE status = 'active'), 2), 0) AS "outstanding!",
            coalesce(round(coalesce(sum(nominal_value) FILTER (WHERE status = 'paid'), 0)
                           / nullif(sum(nominal_value), 0), 4), 0) AS "collection_rate!"
        FROM assets
        "#
    )
    .fetch_one(executor)
    .await?;
    Ok(domain::insights(
        row.total,
        row.default_rate,
        row.outstanding,
        row.collection_rate,
    ))
}
