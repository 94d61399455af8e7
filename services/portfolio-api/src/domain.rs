//! Assets and insights as the API shows them.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// Where an asset is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AssetStatus {
    /// Being repaid.
    Active,
    /// Will not be repaid.
    Defaulted,
    /// Repaid in full.
    Paid,
}

impl AssetStatus {
    /// The status as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Defaulted => "defaulted",
            Self::Paid => "paid",
        }
    }
}

/// The text was not one of the three statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStatus;

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("must be one of active, defaulted, paid")
    }
}

impl FromStr for AssetStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "active" => Ok(Self::Active),
            "defaulted" => Ok(Self::Defaulted),
            "paid" => Ok(Self::Paid),
            _ => Err(UnknownStatus),
        }
    }
}

/// One asset of the portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Asset {
    /// The asset's id.
    #[schema(example = "asset-001")]
    pub id: String,
    /// Its nominal value: a JSON number with two decimals.
    #[serde(serialize_with = "number")]
    #[schema(value_type = f64, example = 37335.97)]
    pub nominal_value: Decimal,
    /// Where it is in its life.
    pub status: AssetStatus,
    /// When it is due (`YYYY-MM-DD`).
    #[schema(value_type = String, format = Date, example = "2026-09-05")]
    pub due_date: NaiveDate,
}

/// One figure computed over the whole portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Insight {
    /// `insight-001` to `insight-004`.
    #[schema(example = "insight-001")]
    pub id: &'static str,
    /// What it measures.
    #[schema(example = "total_portfolio_value")]
    pub name: &'static str,
    /// The figure: money to two decimals, rates to four.
    #[serde(serialize_with = "number")]
    #[schema(value_type = f64, example = 506_817.31)]
    pub value: Decimal,
}

/// The four insights, in the contract's order, from the database's figures.
pub fn insights(
    total: Decimal,
    default_rate: Decimal,
    outstanding: Decimal,
    collection_rate: Decimal,
) -> [Insight; 4] {
    [
        Insight {
            id: "insight-001",
            name: "total_portfolio_value",
            value: total,
        },
        Insight {
            id: "insight-002",
            name: "default_rate",
            value: default_rate,
        },
        Insight {
            id: "insight-003",
            name: "outstanding_debt",
            value: outstanding,
        },
        Insight {
            id: "insight-004",
            name: "collection_rate",
            value: collection_rate,
        },
    ]
}

/// Writes a decimal as a JSON number from its exact digits, never through a float, spelled as
/// the original Python service's floats were: trailing zeros dropped, but at least one decimal
/// (`6008.3`, `0.4`, `1.0`).
fn number<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    let normalized = value.normalize();
    let text = if normalized.scale() == 0 {
        format!("{normalized}.0")
    } else {
        normalized.to_string()
    };
    RawValue::from_string(text)
        .map_err(serde::ser::Error::custom)?
        .serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_exact_json_numbers() {
        let asset = Asset {
            id: "asset-009".to_owned(),
            nominal_value: Decimal::new(600_830, 2),
            status: AssetStatus::Active,
            due_date: NaiveDate::from_ymd_opt(2026, 2, 12).unwrap(),
        };
        assert_eq!(
            serde_json::to_string(&asset).unwrap(),
            r#"{"id":"asset-009","nominal_value":6008.3,"status":"active","due_date":"2026-02-12"}"#
        );
        let [total, rate, ..] = insights(
            Decimal::ZERO,
            Decimal::new(4000, 4),
            Decimal::ZERO,
            Decimal::ZERO,
        );
        assert_eq!(
            serde_json::to_string(&rate).unwrap(),
            r#"{"id":"insight-002","name":"default_rate","value":0.4}"#
        );
        assert_eq!(
            serde_json::to_string(&total).unwrap(),
            r#"{"id":"insight-001","name":"total_portfolio_value","value":0.0}"#
        );
    }

    #[test]
    fn parses_exactly_three_statuses() {
        for status in [
            AssetStatus::Active,
            AssetStatus::Defaulted,
            AssetStatus::Paid,
        ] {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert_eq!("Active".parse::<AssetStatus>(), Err(UnknownStatus));
    }
}
