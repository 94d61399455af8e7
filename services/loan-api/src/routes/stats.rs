//! `GET /api/stats`: portfolio totals.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use sqlx::PgConnection;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::repo::loans;
use crate::startup::AppState;

/// Totals over every loan.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsResponse {
    /// How many loans there are.
    #[schema(example = 5)]
    pub total_loans: i64,
    /// The sum of all amounts (a JSON number, exact to the cent).
    #[serde(serialize_with = "decimal_number")]
    #[schema(value_type = f64, example = 123_900.0)]
    pub total_amount: Decimal,
    /// The mean amount, rounded to the cent (0 when there are no loans).
    #[serde(serialize_with = "decimal_number")]
    #[schema(value_type = f64, example = 24780.0)]
    pub avg_amount: Decimal,
    /// Loan count per status present.
    #[schema(example = json!({"pending": 1, "approved": 1}))]
    pub by_status: BTreeMap<String, i64>,
    /// Loan count per currency present.
    #[schema(example = json!({"KES": 1, "INR": 1}))]
    pub by_currency: BTreeMap<String, i64>,
}

/// Writes a decimal as a JSON number from its exact digits, never through a float.
fn decimal_number<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    let mut value = *value;
    value.rescale(2);
    RawValue::from_string(value.to_string())
        .map_err(serde::ser::Error::custom)?
        .serialize(serializer)
}

/// Loan totals, by status and by currency.
#[utoipa::path(get, path = "/api/stats", tag = "loans", operation_id = "getStats",
    responses(
        (status = 200, description = "Totals over every loan", body = StatsResponse),
        (status = 503, description = "Database unavailable", body = http_kit::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(State(state): State<AppState>) -> Result<Json<StatsResponse>, ApiError> {
    let stats = state
        .db
        .run(async |connection: &mut PgConnection| loans::stats(connection).await)
        .await?;
    Ok(Json(StatsResponse {
        total_loans: stats.total_loans,
        total_amount: stats.total_amount,
        avg_amount: stats.avg_amount,
        by_status: stats.by_status,
        by_currency: stats.by_currency,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_json_numbers() {
        let response = StatsResponse {
            total_loans: 5,
            total_amount: Decimal::new(12_390_000, 2),
            avg_amount: Decimal::new(2478, 0),
            by_status: BTreeMap::new(),
            by_currency: BTreeMap::new(),
        };
        let json = serde_json::to_string(&response).unwrap();
        assert!(json.contains(r#""total_amount":123900.00"#), "{json}");
        assert!(json.contains(r#""avg_amount":2478.00"#), "{json}");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["total_amount"].as_f64(), Some(123_900.0));
    }
}
