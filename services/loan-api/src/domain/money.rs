//! Money and rates: exact decimals from JSON, never through a float.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::value::RawValue;

/// The largest amount a single loan may be for.
const MAX_AMOUNT: Decimal = Decimal::from_parts(50_000, 0, 0, false, 0);
/// Interest rates are percentages from 0 to 100.
const MAX_RATE: Decimal = Decimal::from_parts(100, 0, 0, false, 0);
/// Both amounts and rates are kept to the cent / hundredth of a percent.
const PLACES: u32 = 2;

/// Reads an exact decimal from a JSON value's source text: a number literal (`12500`, `0.5`,
/// `1e3`) or, when `allow_string` is set, a string holding one (`"12500.00"`).
///
/// # Errors
/// A message for the field: not a number, not finite, or beyond what a decimal can hold.
pub fn decimal_from_json(raw: &RawValue, allow_string: bool) -> Result<Decimal, &'static str> {
    let text = raw.get().trim();
    let expected = if allow_string {
        "must be a number or a decimal string"
    } else {
        "must be a number"
    };
    if text.starts_with('"') {
        if !allow_string {
            return Err(expected);
        }
        let inner: String = serde_json::from_str(text).map_err(|_| expected)?;
        return parse_decimal_text(inner.trim())
            .ok_or("must be a decimal number such as \"12500.00\"");
    }
    if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return parse_decimal_text(text).ok_or("is out of range");
    }
    Err(expected)
}

fn parse_decimal_text(text: &str) -> Option<Decimal> {
    let valid_chars = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    if !valid_chars {
        return None;
    }
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str_exact(text).ok()
    }
}

/// Counts decimal places the way the original service did: trailing zeros do not count, so
/// `"100.000"` has none and `"0.125"` has three.
fn places(value: Decimal) -> u32 {
    value.normalize().scale()
}

/// A loan amount: greater than 0, at most 50 000, at most two decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(Decimal);

impl Amount {
    /// Validates `value` as a loan amount.
    ///
    /// # Errors
    /// A message saying which bound is broken.
    pub fn new(value: Decimal) -> Result<Self, &'static str> {
        if value <= Decimal::ZERO || value > MAX_AMOUNT {
            return Err("must be greater than 0 and at most 50000");
        }
        if places(value) > PLACES {
            return Err("must have at most 2 decimal places");
        }
        let mut value = value;
        value.rescale(PLACES);
        Ok(Self(value))
    }

    /// The amount, with exactly two decimal places.
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl FromStr for Amount {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::new(parse_decimal_text(text).ok_or("must be a decimal number")?)
    }
}

/// An annual percentage rate: from 0 to 100 inclusive, at most two decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct InterestRate(Decimal);

impl InterestRate {
    /// Validates `value` as an APR.
    ///
    /// # Errors
    /// A message saying which bound is broken.
    pub fn new(value: Decimal) -> Result<Self, &'static str> {
        if value < Decimal::ZERO || value > MAX_RATE {
            return Err("must be between 0 and 100");
        }
        if places(value) > PLACES {
            return Err("must have at most 2 decimal places");
        }
        let mut value = value;
        value.rescale(PLACES);
        Ok(Self(value))
    }

    /// The rate in percent, with exactly two decimal places.
    pub fn value(self) -> Decimal {
        self.0
    }
}

/// Formats a stored decimal with exactly two places, as the API always shows money and rates.
pub(crate) fn two_places(value: Decimal) -> String {
    let mut value = value;
    value.rescale(PLACES);
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_owned()).unwrap()
    }

    fn amount(json: &str) -> Result<String, &'static str> {
        let value = decimal_from_json(&raw(json), true)?;
        Amount::new(value).map(|a| a.value().to_string())
    }

    #[test]
    fn amounts_at_and_around_the_bounds() {
        assert_eq!(amount("0.01"), Ok("0.01".to_owned()));
        assert_eq!(amount("50000"), Ok("50000.00".to_owned()));
        assert_eq!(amount("\"50000.00\""), Ok("50000.00".to_owned()));
        assert!(amount("0").is_err());
        assert!(amount("-0.01").is_err());
        assert!(amount("50000.01").is_err());
        assert!(amount("1e6").is_err());
    }

    #[test]
    fn amounts_keep_their_exact_value() {
        assert_eq!(amount("12500"), Ok("12500.00".to_owned()));
        assert_eq!(amount("1e3"), Ok("1000.00".to_owned()));
        assert_eq!(amount("\" 19.99 \""), Ok("19.99".to_owned()));
        // 0.1 + 0.2 style inputs stay exact: no float on the way.
        assert_eq!(amount("0.30"), Ok("0.30".to_owned()));
    }

    #[test]
    fn trailing_zeros_do_not_count_as_places() {
        assert_eq!(amount("100.000"), Ok("100.00".to_owned()));
        assert_eq!(amount("0.001"), Err("must have at most 2 decimal places"));
        assert_eq!(amount("10.125"), Err("must have at most 2 decimal places"));
    }

    #[test]
    fn non_numbers_are_refused_with_a_message() {
        for json in [
            "true",
            "null",
            "[]",
            "{}",
            "\"abc\"",
            "\"\"",
            "\"NaN\"",
            "\"Infinity\"",
        ] {
            assert!(amount(json).is_err(), "{json}");
        }
        assert_eq!(
            decimal_from_json(&raw("\"5\""), false),
            Err("must be a number")
        );
    }

    #[test]
    fn interest_rates_from_zero_to_one_hundred() {
        let rate = |json: &str| decimal_from_json(&raw(json), true).and_then(InterestRate::new);
        assert!(rate("0").is_ok());
        assert!(rate("100").is_ok());
        assert!(rate("-0.01").is_err());
        assert!(rate("100.01").is_err());
        assert_eq!(rate("12.345"), Err("must have at most 2 decimal places"));
        assert_eq!(
            rate("28").map(|r| r.value().to_string()),
            Ok("28.00".to_owned())
        );
    }

    #[test]
    fn formats_with_two_places() {
        assert_eq!(two_places(Decimal::new(5, 0)), "5.00");
        assert_eq!(two_places(Decimal::new(12345, 2)), "123.45");
    }
}
