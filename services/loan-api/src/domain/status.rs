//! Where a loan is in its life, and which moves are allowed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The status of a loan.
///
/// ```text
/// pending ──► approved ──► disbursed ──► repaid
///    │                          └──────► defaulted
///    └──────► rejected
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LoanStatus {
    /// Applied for, awaiting a decision.
    Pending,
    /// Accepted, not yet paid out.
    Approved,
    /// Refused; final.
    Rejected,
    /// Paid out to the borrower.
    Disbursed,
    /// Paid back in full; final.
    Repaid,
    /// Will not be paid back; final.
    Defaulted,
}

impl LoanStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 6] = [
        Self::Pending,
        Self::Approved,
        Self::Rejected,
        Self::Disbursed,
        Self::Repaid,
        Self::Defaulted,
    ];

    /// The status as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Disbursed => "disbursed",
            Self::Repaid => "repaid",
            Self::Defaulted => "defaulted",
        }
    }

    /// The statuses a loan may move to from this one.
    pub fn next(self) -> &'static [Self] {
        match self {
            Self::Pending => &[Self::Approved, Self::Rejected],
            Self::Approved => &[Self::Disbursed],
            Self::Disbursed => &[Self::Repaid, Self::Defaulted],
            Self::Rejected | Self::Repaid | Self::Defaulted => &[],
        }
    }

    /// Whether a loan in this status may move to `to`.
    pub fn can_move_to(self, to: Self) -> bool {
        self.next().contains(&to)
    }
}

impl fmt::Display for LoanStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of the six statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStatus;

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("must be one of pending, approved, rejected, disbursed, repaid, defaulted")
    }
}

impl FromStr for LoanStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or(UnknownStatus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_exactly_five_moves() {
        use LoanStatus::{Approved, Defaulted, Disbursed, Pending, Rejected, Repaid};
        let allowed: Vec<(LoanStatus, LoanStatus)> = LoanStatus::ALL
            .into_iter()
            .flat_map(|from| LoanStatus::ALL.into_iter().map(move |to| (from, to)))
            .filter(|(from, to)| from.can_move_to(*to))
            .collect();
        assert_eq!(
            allowed,
            [
                (Pending, Approved),
                (Pending, Rejected),
                (Approved, Disbursed),
                (Disbursed, Repaid),
                (Disbursed, Defaulted),
            ]
        );
    }

    #[test]
    fn parses_only_the_six_lower_case_names() {
        for status in LoanStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert_eq!("Pending".parse::<LoanStatus>(), Err(UnknownStatus));
        assert_eq!("paid".parse::<LoanStatus>(), Err(UnknownStatus));
    }
}
