//! A stored loan, as the API shows it.

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;
use uuid::Uuid;

use super::money::two_places;
use super::status::LoanStatus;

/// A loan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Loan {
    /// The loan's id.
    pub id: Uuid,
    /// Who borrows.
    #[schema(example = "usr_kenya_001")]
    pub borrower_id: String,
    /// The amount, a decimal string with exactly two places.
    #[serde(serialize_with = "money")]
    #[schema(value_type = String, example = "12500.00")]
    pub amount: Decimal,
    /// ISO 4217 code, upper-case.
    #[schema(example = "KES")]
    pub currency: String,
    /// Where the loan is in its lifecycle.
    pub status: LoanStatus,
    /// The term in months, if agreed.
    #[schema(example = 6)]
    pub term_months: Option<i32>,
    /// The annual percentage rate, a decimal string with two places, if agreed.
    #[serde(serialize_with = "optional_money")]
    #[schema(value_type = Option<String>, example = "28.00")]
    pub interest_rate_apr: Option<Decimal>,
    /// When the loan was applied for (RFC 3339, UTC).
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// When the loan last changed (RFC 3339, UTC).
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change; the loan's `ETag`.
    #[serde(skip)]
    pub version: i64,
}

impl Loan {
    /// The entity tag of this version of the loan, for `ETag` and `If-Match`.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// The loan's URL path.
    pub fn location(&self) -> String {
        format!("/api/loans/{}", self.id)
    }
}

fn money<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&two_places(*value))
}

#[allow(clippy::ref_option)] // the signature serde's `serialize_with` requires
fn optional_money<S: Serializer>(
    value: &Option<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => money(value, serializer),
        None => serializer.serialize_none(),
    }
}

fn rfc3339<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::Micros, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_money_as_two_place_strings_and_times_as_rfc3339() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.5+02:00")
            .unwrap()
            .with_timezone(&Utc);
        let loan = Loan {
            id: Uuid::nil(),
            borrower_id: "b".to_owned(),
            amount: Decimal::new(125, 0),
            currency: "KES".to_owned(),
            status: LoanStatus::Pending,
            term_months: None,
            interest_rate_apr: Some(Decimal::new(285, 1)),
            created_at: at,
            updated_at: at,
            version: 3,
        };
        let json = serde_json::to_value(&loan).unwrap();
        assert_eq!(json["amount"], "125.00");
        assert_eq!(json["interest_rate_apr"], "28.50");
        assert_eq!(json["term_months"], serde_json::Value::Null);
        assert_eq!(json["created_at"], "2026-01-02T01:04:05.500000Z");
        assert!(json.get("version").is_none());
        assert_eq!(loan.etag(), "\"3\"");
    }
}
