//! A loan application as a client sends it, and the validated [`NewLoan`] it becomes.

use http_kit::FieldError;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::money::{Amount, InterestRate, decimal_from_json};

/// The body of `POST /api/loans`. Unknown fields, and `id`, `status` or timestamps sent by a
/// client, are ignored.
///
/// Every field is read from its raw JSON text so that amounts never pass through a float.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"borrower_id": "usr_kenya_001", "amount": "12500.00", "currency": "KES", "term_months": 6, "interest_rate_apr": 28}))]
pub struct CreateLoanRequest {
    /// Who borrows: 1 to 255 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 255)]
    pub borrower_id: Option<Box<RawValue>>,
    /// How much: greater than 0, at most 50000, at most two decimal places.
    #[schema(schema_with = amount_schema, required = true)]
    pub amount: Option<Box<RawValue>>,
    /// ISO 4217 code, three letters, any case (stored upper-cased).
    #[schema(value_type = String, required = true, min_length = 3, max_length = 3, pattern = "^[A-Za-z]{3}$")]
    pub currency: Option<Box<RawValue>>,
    /// Term in months, 1 to 600.
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 600)]
    pub term_months: Option<Box<RawValue>>,
    /// Annual percentage rate, 0 to 100, at most two decimal places.
    #[schema(schema_with = rate_schema)]
    pub interest_rate_apr: Option<Box<RawValue>>,
}

/// A decimal sent as a JSON number or as a string of digits.
fn decimal_schema(
    description: &str,
    number: utoipa::openapi::schema::ObjectBuilder,
    nullable: bool,
) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    let mut one_of = OneOfBuilder::new()
        .description(Some(description))
        .item(number.schema_type(Type::Number).multiple_of(Some(0.01)))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^-?\d+(\.\d+)?$")),
        );
    if nullable {
        one_of = one_of.item(ObjectBuilder::new().schema_type(Type::Null));
    }
    Schema::OneOf(one_of.build())
}

fn amount_schema() -> utoipa::openapi::schema::Schema {
    let number = utoipa::openapi::schema::ObjectBuilder::new()
        .exclusive_minimum(Some(0.0))
        .maximum(Some(50_000.0));
    decimal_schema(
        "A JSON number or a decimal string: greater than 0, at most 50000, at most two decimal places.",
        number,
        false,
    )
}

fn rate_schema() -> utoipa::openapi::schema::Schema {
    let number = utoipa::openapi::schema::ObjectBuilder::new()
        .minimum(Some(0.0))
        .maximum(Some(100.0));
    decimal_schema(
        "A JSON number or a decimal string from 0 to 100, at most two decimal places.",
        number,
        true,
    )
}

/// Who borrows: 1 to 255 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BorrowerId(String);

impl BorrowerId {
    const MAX_CHARS: usize = 255;

    /// Validates a borrower id.
    ///
    /// # Errors
    /// A message when it is empty, too long or holds control characters.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let chars = value.chars().count();
        if chars == 0 {
            return Err("must not be empty");
        }
        if chars > Self::MAX_CHARS {
            return Err("must be at most 255 characters");
        }
        if value.chars().any(char::is_control) {
            return Err("must not contain control characters");
        }
        Ok(Self(value.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ISO 4217-shaped currency code: three ASCII letters, kept upper-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency(String);

impl Currency {
    /// Validates and upper-cases a currency code (`"kes"` → `"KES"`).
    ///
    /// # Errors
    /// A message when it is not exactly three letters.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        if value.len() == 3 && value.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(value.to_ascii_uppercase()))
        } else {
            Err("must be exactly 3 letters, such as \"KES\"")
        }
    }

    /// The code, upper-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A loan term: 1 to 600 months (50 years).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermMonths(i32);

impl TermMonths {
    const MAX: i64 = 600;

    /// Validates a term.
    ///
    /// # Errors
    /// A message when it is below 1 or above 600.
    pub fn new(months: i64) -> Result<Self, &'static str> {
        if (1..=Self::MAX).contains(&months) {
            Ok(Self(i32::try_from(months).map_err(|_| "is out of range")?))
        } else {
            Err("must be between 1 and 600")
        }
    }

    /// The number of months.
    pub fn months(self) -> i32 {
        self.0
    }
}

/// A validated loan application, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLoan {
    /// Who borrows.
    pub borrower_id: BorrowerId,
    /// How much.
    pub amount: Amount,
    /// In which currency.
    pub currency: Currency,
    /// Over how many months, if agreed.
    pub term_months: Option<TermMonths>,
    /// At what rate, if agreed.
    pub interest_rate_apr: Option<InterestRate>,
}

impl NewLoan {
    /// Validates every field of a request, reporting all invalid fields at once.
    ///
    /// # Errors
    /// One [`FieldError`] per missing or invalid field.
    pub fn parse(request: &CreateLoanRequest) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();

        let borrower_id = check(
            &mut errors,
            "borrower_id",
            required(request.borrower_id.as_deref())
                .and_then(|raw| string(raw).and_then(|text| BorrowerId::parse(&text))),
        );
        let amount = check(
            &mut errors,
            "amount",
            required(request.amount.as_deref())
                .and_then(|raw| decimal_from_json(raw, true))
                .and_then(Amount::new),
        );
        let currency = check(
            &mut errors,
            "currency",
            required(request.currency.as_deref())
                .and_then(|raw| string(raw).and_then(|text| Currency::parse(&text))),
        );
        let term_months = check(
            &mut errors,
            "term_months",
            request
                .term_months
                .as_deref()
                .map(|raw| integer(raw).and_then(TermMonths::new))
                .transpose(),
        );
        let interest_rate_apr = check(
            &mut errors,
            "interest_rate_apr",
            request
                .interest_rate_apr
                .as_deref()
                .map(|raw| decimal_from_json(raw, true).and_then(InterestRate::new))
                .transpose(),
        );

        match (
            borrower_id,
            amount,
            currency,
            term_months,
            interest_rate_apr,
        ) {
            (
                Some(borrower_id),
                Some(amount),
                Some(currency),
                Some(term_months),
                Some(interest_rate_apr),
            ) if errors.is_empty() => Ok(Self {
                borrower_id,
                amount,
                currency,
                term_months,
                interest_rate_apr,
            }),
            _ => Err(errors),
        }
    }

    /// A digest of what this application means, used to tell an idempotent retry (same
    /// application) from a reused key (a different one). Equivalent spellings of the same
    /// request (`12500` and `"12500.00"`, `"kes"` and `"KES"`) have the same fingerprint.
    pub fn fingerprint(&self) -> Vec<u8> {
        let canonical = serde_json::json!([
            self.borrower_id.as_str(),
            self.amount.value().to_string(),
            self.currency.as_str(),
            self.term_months.map(TermMonths::months),
            self.interest_rate_apr.map(|rate| rate.value().to_string()),
        ]);
        Sha256::digest(canonical.to_string().as_bytes()).to_vec()
    }
}

/// The field's value, or `None` after noting why it is invalid.
fn check<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    outcome: Result<T, &'static str>,
) -> Option<T> {
    outcome
        .map_err(|message| errors.push(FieldError::new(field, message)))
        .ok()
}

fn required(raw: Option<&RawValue>) -> Result<&RawValue, &'static str> {
    raw.ok_or("is required")
}

fn string(raw: &RawValue) -> Result<String, &'static str> {
    serde_json::from_str::<String>(raw.get()).map_err(|_| "must be a string")
}

/// An integer, also accepting an integral number written with a fraction (`6.0`), as the
/// original service did; `6.5` and `"6"` are refused.
fn integer(raw: &RawValue) -> Result<i64, &'static str> {
    let value = decimal_from_json(raw, false).map_err(|_| "must be an integer")?;
    if !value.fract().is_zero() {
        return Err("must be an integer");
    }
    i64::try_from(value).map_err(|_| "must be between 1 and 600")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> CreateLoanRequest {
        serde_json::from_str(json).unwrap()
    }

    fn fields(result: Result<NewLoan, Vec<FieldError>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_complete_application_is_valid() {
        let loan = NewLoan::parse(&request(
            r#"{"borrower_id":"usr_1","amount":"12500","currency":"kes","term_months":6,"interest_rate_apr":28}"#,
        ))
        .unwrap();
        assert_eq!(loan.currency.as_str(), "KES");
        assert_eq!(loan.amount.value().to_string(), "12500.00");
        assert_eq!(loan.term_months.map(TermMonths::months), Some(6));
        assert_eq!(
            loan.interest_rate_apr.map(|r| r.value().to_string()),
            Some("28.00".to_owned())
        );
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let result = NewLoan::parse(&request(
            r#"{"borrower_id":"","amount":0,"currency":"KESH","term_months":0,"interest_rate_apr":101}"#,
        ));
        assert_eq!(
            fields(result),
            [
                "borrower_id",
                "amount",
                "currency",
                "term_months",
                "interest_rate_apr"
            ]
        );
    }

    #[test]
    fn missing_and_null_required_fields_are_reported() {
        assert_eq!(
            fields(NewLoan::parse(&request("{}"))),
            ["borrower_id", "amount", "currency"]
        );
        let nulls = r#"{"borrower_id":null,"amount":null,"currency":null}"#;
        assert_eq!(
            fields(NewLoan::parse(&request(nulls))),
            ["borrower_id", "amount", "currency"]
        );
    }

    #[test]
    fn optional_fields_may_be_null() {
        let loan = NewLoan::parse(&request(
            r#"{"borrower_id":"b","amount":1,"currency":"USD","term_months":null,"interest_rate_apr":null}"#,
        ))
        .unwrap();
        assert_eq!(loan.term_months, None);
        assert_eq!(loan.interest_rate_apr, None);
    }

    #[test]
    fn term_months_must_be_a_whole_number_in_range() {
        assert_eq!(TermMonths::new(1).map(TermMonths::months), Ok(1));
        assert!(TermMonths::new(600).is_ok());
        assert!(TermMonths::new(0).is_err());
        assert!(TermMonths::new(601).is_err());
        let raw = |json: &str| RawValue::from_string(json.to_owned()).unwrap();
        assert_eq!(integer(&raw("6.0")), Ok(6));
        assert!(integer(&raw("6.5")).is_err());
        assert!(integer(&raw("\"6\"")).is_err());
        assert!(integer(&raw("99999999999999999999")).is_err());
    }

    #[test]
    fn currencies_are_three_letters() {
        assert_eq!(
            Currency::parse("usd").map(|c| c.as_str().to_owned()),
            Ok("USD".to_owned())
        );
        for bad in ["", "US", "USDT", "U5D", "ÉUR", "kés"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn borrower_ids_are_bounded() {
        assert!(BorrowerId::parse("x").is_ok());
        assert!(BorrowerId::parse(&"x".repeat(255)).is_ok());
        assert!(BorrowerId::parse(&"x".repeat(256)).is_err());
        assert!(BorrowerId::parse("").is_err());
        assert!(BorrowerId::parse("a\nb").is_err());
    }

    #[test]
    fn equivalent_spellings_share_a_fingerprint() {
        let a = NewLoan::parse(&request(
            r#"{"borrower_id":"b","amount":12500,"currency":"kes"}"#,
        ))
        .unwrap();
        let b = NewLoan::parse(&request(
            r#"{"borrower_id":"b","amount":"12500.00","currency":"KES","extra":1}"#,
        ))
        .unwrap();
        let c = NewLoan::parse(&request(
            r#"{"borrower_id":"b","amount":"12500.01","currency":"KES"}"#,
        ))
        .unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
