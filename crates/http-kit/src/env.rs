//! Typed configuration from environment variables, with errors that name the variable.
//!
//! Services read every setting through these helpers, so a bad value stops start-up with one
//! line such as `invalid PORT: expected an integer from 1 to 65535, got "80a"`.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

/// A missing or unusable environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvError {
    /// The variable's name.
    pub variable: &'static str,
    /// What is wrong and what is expected. Never contains the value of a secret.
    pub reason: String,
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.variable, self.reason)
    }
}

impl std::error::Error for EnvError {}

impl EnvError {
    /// An error for `variable`.
    pub fn new(variable: &'static str, reason: impl Into<String>) -> Self {
        Self {
            variable,
            reason: reason.into(),
        }
    }
}

/// The variable's value, or `None` when it is unset or blank.
pub fn optional(variable: &'static str) -> Option<String> {
    std::env::var(variable)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// A secret: the variable's value, or the contents of the file `<variable>_FILE` names (as
/// Docker and Kubernetes mount secrets), without a trailing newline. `None` when neither is set.
///
/// # Errors
/// When `<variable>_FILE` names a file that cannot be read.
pub fn secret(variable: &'static str) -> Result<Option<String>, EnvError> {
    if let Some(value) = optional(variable) {
        return Ok(Some(value));
    }
    let file_variable = format!("{variable}_FILE");
    let Some(path) = std::env::var(&file_variable)
        .ok()
        .filter(|path| !path.trim().is_empty())
    else {
        return Ok(None);
    };
    std::fs::read_to_string(path.trim())
        .map(|contents| {
            Some(contents.trim_end_matches(['\n', '\r']).to_owned())
                .filter(|value| !value.is_empty())
        })
        .map_err(|error| {
            EnvError::new(
                variable,
                format!("{file_variable} names a file that cannot be read: {error}"),
            )
        })
}

/// The variable's value.
///
/// # Errors
/// When it is unset or blank; `hint` says what to set it to.
pub fn required(variable: &'static str, hint: &str) -> Result<String, EnvError> {
    optional(variable).ok_or_else(|| EnvError::new(variable, format!("is not set; {hint}")))
}

/// An integer within `range`, or `default` when unset.
///
/// # Errors
/// When the value is not an integer within `range`.
pub fn integer<T>(
    variable: &'static str,
    default: T,
    range: RangeInclusive<T>,
) -> Result<T, EnvError>
where
    T: FromStr + PartialOrd + fmt::Display + Copy,
{
    parse_integer(variable, optional(variable), default, range)
}

/// A duration given in milliseconds within `range_ms`, or `default` when unset.
///
/// # Errors
/// When the value is not a whole number of milliseconds within `range_ms`.
pub fn millis(
    variable: &'static str,
    default: Duration,
    range_ms: RangeInclusive<u64>,
) -> Result<Duration, EnvError> {
    let default_ms = u64::try_from(default.as_millis()).unwrap_or(u64::MAX);
    integer(variable, default_ms, range_ms).map(Duration::from_millis)
}

/// A duration given in seconds within `range_s`, or `default` when unset.
///
/// # Errors
/// When the value is not a whole number of seconds within `range_s`.
pub fn seconds(
    variable: &'static str,
    default: Duration,
    range_s: RangeInclusive<u64>,
) -> Result<Duration, EnvError> {
    integer(variable, default.as_secs(), range_s).map(Duration::from_secs)
}

/// A boolean (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`), or `default` when unset.
///
/// # Errors
/// When the value is none of those.
pub fn boolean(variable: &'static str, default: bool) -> Result<bool, EnvError> {
    parse_boolean(variable, optional(variable), default)
}

fn parse_integer<T>(
    variable: &'static str,
    value: Option<String>,
    default: T,
    range: RangeInclusive<T>,
) -> Result<T, EnvError>
where
    T: FromStr + PartialOrd + fmt::Display + Copy,
{
    let Some(text) = value else {
        return Ok(default);
    };
    text.trim()
        .parse::<T>()
        .ok()
        .filter(|value| range.contains(value))
        .ok_or_else(|| {
            EnvError::new(
                variable,
                format!(
                    "expected an integer from {} to {}, got {text:?}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

fn parse_boolean(
    variable: &'static str,
    value: Option<String>,
    default: bool,
) -> Result<bool, EnvError> {
    let Some(text) = value else {
        return Ok(default);
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(EnvError::new(
            variable,
            format!("expected true or false, got {text:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_default_parse_and_name_the_variable_when_wrong() {
        assert_eq!(parse_integer("PORT", None, 8000_u16, 1..=65535), Ok(8000));
        assert_eq!(
            parse_integer("PORT", Some(" 9000 ".into()), 8000_u16, 1..=65535),
            Ok(9000)
        );
        let error = parse_integer("PORT", Some("80a".into()), 8000_u16, 1..=65535).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"invalid PORT: expected an integer from 1 to 65535, got "80a""#
        );
        assert!(parse_integer("PORT", Some("0".into()), 8000_u16, 1..=65535).is_err());
        assert!(parse_integer("PORT", Some("70000".into()), 8000_u16, 1..=65535).is_err());
    }

    #[test]
    fn booleans_accept_common_spellings() {
        assert_eq!(parse_boolean("X", Some("No".into()), true), Ok(false));
        assert_eq!(parse_boolean("X", Some("1".into()), false), Ok(true));
        assert_eq!(parse_boolean("X", None, true), Ok(true));
        assert!(parse_boolean("X", Some("maybe".into()), true).is_err());
    }

    #[test]
    fn a_missing_required_variable_says_what_to_set() {
        let error = required("HTTP_KIT_TEST_SURELY_UNSET", "set it to postgres://…").unwrap_err();
        assert_eq!(error.variable, "HTTP_KIT_TEST_SURELY_UNSET");
        assert!(error.to_string().contains("is not set"));
    }
}
