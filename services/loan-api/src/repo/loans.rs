//! The `loans` table and its audit trail.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::{InterestRate, Loan, LoanStatus, NewLoan, TermMonths};

/// A row as stored; turned into a [`Loan`] once its status is checked.
struct LoanRow {
    id: Uuid,
    borrower_id: String,
    amount: Decimal,
    currency: String,
    status: String,
    term_months: Option<i32>,
    interest_rate_apr: Option<Decimal>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl TryFrom<LoanRow> for Loan {
    type Error = sqlx::Error;

    fn try_from(row: LoanRow) -> Result<Self, Self::Error> {
        let status = row.status.parse::<LoanStatus>().map_err(|error| {
            sqlx::Error::Decode(format!("loan {}: status {error}", row.id).into())
        })?;
        Ok(Self {
            id: row.id,
            borrower_id: row.borrower_id,
            amount: row.amount,
            currency: row.currency,
            status,
            term_months: row.term_months,
            interest_rate_apr: row.interest_rate_apr,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        })
    }
}

/// Which loans to list, and from where.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only loans in this status.
    pub status: Option<LoanStatus>,
    /// Only loans in this currency (upper-case).
    pub currency: Option<String>,
    /// Only this borrower's loans.
    pub borrower_id: Option<String>,
    /// Only loans after this position in the newest-first order.
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

/// Stores a new pending loan.
pub async fn insert(
    executor: impl PgExecutor<'_>,
    id: Uuid,
    loan: &NewLoan,
) -> Result<Loan, sqlx::Error> {
    sqlx::query_as!(
        LoanRow,
        r#"
        INSERT INTO loans (id, borrower_id, amount, currency, status, term_months, interest_rate_apr)
        VALUES ($1, $2, $3, $4, 'pending', $5, $6)
        RETURNING id, borrower_id, amount, currency, status, term_months, interest_rate_apr,
                  created_at, updated_at, version
        "#,
        id,
        loan.borrower_id.as_str(),
        loan.amount.value(),
        loan.currency.as_str(),
        loan.term_months.map(TermMonths::months),
        loan.interest_rate_apr.map(InterestRate::value),
    )
    .fetch_one(executor)
    .await?
    .try_into()
}

/// The loan with this id, if any.
pub async fn find(executor: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Loan>, sqlx::Error> {
    sqlx::query_as!(
        LoanRow,
        r#"
        SELECT id, borrower_id, amount, currency, status, term_months, interest_rate_apr,
               created_at, updated_at, version
        FROM loans WHERE id = $1
        "#,
        id
    )
    .fetch_optional(executor)
    .await?
    .map(Loan::try_from)
    .transpose()
}

/// The loan with this id, locked until the transaction ends.
pub async fn find_for_update(
    executor: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<Loan>, sqlx::Error> {
    sqlx::query_as!(
        LoanRow,
        r#"
        SELECT id, borrower_id, amount, currency, status, term_months, interest_rate_apr,
               created_at, updated_at, version
        FROM loans WHERE id = $1
        FOR UPDATE
        "#,
        id
    )
    .fetch_optional(executor)
    .await?
    .map(Loan::try_from)
    .transpose()
}

/// Up to `limit` loans matching `filter`, newest first, ties broken by id.
pub async fn list(
    executor: impl PgExecutor<'_>,
    filter: &ListFilter,
    limit: i64,
) -> Result<Vec<Loan>, sqlx::Error> {
    let (after_created_at, after_id) = filter.after.unzip();
    sqlx::query_as!(
        LoanRow,
        r#"
        SELECT id, borrower_id, amount, currency, status, term_months, interest_rate_apr,
               created_at, updated_at, version
        FROM loans
        WHERE ($1::varchar IS NULL OR status = $1)
          AND ($2::varchar IS NULL OR currency = $2)
          AND ($3::varchar IS NULL OR borrower_id = $3)
          AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5::uuid))
        ORDER BY created_at DESC, id DESC
        LIMIT $6
        "#,
        filter.status.map(LoanStatus::as_str),
        filter.currency.as_deref(),
        filter.borrower_id.as_deref(),
        after_created_at,
        after_id,
        limit,
    )
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(Loan::try_from)
    .collect()
}

/// Sets a loan's status, advancing `updated_at` (strictly, even within one clock tick) and the
/// version.
pub async fn set_status(
    executor: impl PgExecutor<'_>,
    id: Uuid,
    status: LoanStatus,
) -> Result<Loan, sqlx::Error> {
    sqlx::query_as!(
        LoanRow,
        r#"
        UPDATE loans
        SET status = $2,
            updated_at = GREATEST(now(), updated_at + interval '1 microsecond'),
            version = version + 1
        WHERE id = $1
        RETURNING id, borrower_id, amount, currency, status, term_months, interest_rate_apr,
                  created_at, updated_at, version
        "#,
        id,
        status.as_str(),
    )
    .fetch_one(executor)
    .await?
    .try_into()
}

/// Appends a status change to the audit trail.
pub async fn record_status_change(
    executor: impl PgExecutor<'_>,
    loan_id: Uuid,
    from: LoanStatus,
    to: LoanStatus,
    request_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO loan_status_changes (loan_id, from_status, to_status, request_id)
        VALUES ($1, $2, $3, $4)
        "#,
        loan_id,
        from.as_str(),
        to.as_str(),
        request_id,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Portfolio totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    /// How many loans there are.
    pub total_loans: i64,
    /// The sum of their amounts.
    pub total_amount: Decimal,
    /// Their mean amount, rounded to the cent.
    pub avg_amount: Decimal,
    /// How many loans are in each status present.
    pub by_status: BTreeMap<String, i64>,
    /// How many loans are in each currency present.
    pub by_currency: BTreeMap<String, i64>,
}

/// Totals, by status and by currency, computed by the database in one round trip from the
/// running totals the `loans_totals` trigger keeps (a few rows per status and currency, whatever
/// the number of loans).
pub async fn stats(executor: impl PgExecutor<'_>) -> Result<Stats, sqlx::Error> {
    let rows = sqlx::query!(
        r#"
        SELECT status AS "status?", currency AS "currency?",
               GROUPING(status, currency) AS "grouping!",
               coalesce(sum(loans), 0)::BIGINT AS "loans!",
               coalesce(sum(amount), 0) AS "total!",
               coalesce(round(sum(amount) / nullif(sum(loans), 0), 2), 0) AS "average!"
        FROM loan_totals
        GROUP BY GROUPING SETS ((), (status), (currency))
        HAVING sum(loans) > 0 OR GROUPING(status, currency) = 3
        "#
    )
    .fetch_all(executor)
    .await?;

    let mut stats = Stats {
        total_loans: 0,
        total_amount: Decimal::ZERO,
        avg_amount: Decimal::ZERO,
        by_status: BTreeMap::new(),
        by_currency: BTreeMap::new(),
    };
    for row in rows {
        // GROUPING sets a bit for each column rolled up: 3 is the grand total, 1 a status
        // group (currency rolled up), 2 a currency group.
        match (row.grouping, row.status, row.currency) {
            (3, _, _) => {
                stats.total_loans = row.loans;
                stats.total_amount = row.total;
                stats.avg_amount = row.average;
            }
            (1, Some(status), _) => {
                stats.by_status.insert(status, row.loans);
            }
            (2, _, Some(currency)) => {
                stats.by_currency.insert(currency, row.loans);
            }
            _ => {}
        }
    }
    Ok(stats)
}
