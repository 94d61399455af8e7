//! JSON request bodies whose every rejection is a problem details response.
//!
//! axum's own `Json` answers a bad body with `text/plain`; [`JsonBody`] answers with the same
//! problem+json as every other error and names the offending field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// A JSON request body deserialized into `T`.
///
/// Rejections: an empty body → 400; a body over the route's limit → 413; a non-JSON
/// `Content-Type` → 415; malformed JSON or a field of the wrong type → 400 naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state).await?;
        Ok(Self(parse(&bytes)?))
    }
}

/// Reads a JSON request body as raw bytes, applying the same checks as [`JsonBody`]
/// (size, presence, content type) but leaving parsing to the caller.
///
/// # Errors
/// 400, 413 or 415 problem details, as for [`JsonBody`].
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Problem> {
    let json_content_type = is_json_content_type(req.headers());
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is larger than this endpoint accepts.",
            )
        } else {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "The request body could not be read.",
            )
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::invalid_field(
            "body",
            "is required: send the request as a JSON object",
        ));
    }
    if !json_content_type {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the body as JSON with `Content-Type: application/json`.",
        ));
    }
    Ok(bytes)
}

/// Deserializes a JSON object in `bytes` into `T`, naming the field that failed.
///
/// # Errors
/// A 400 problem whose `errors` entry names the field (`body` for malformed JSON).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    // serde would read `[a, b]` into a struct's fields by position; a body is an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Problem::invalid_field("body", "must be a JSON object"));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return Problem::invalid_field("body", format!("is not valid JSON: {inner}"));
        }
        let field = if path == "." { "body".to_owned() } else { path };
        Problem::invalid_field(field, strip_position(&inner.to_string()))
    })
}

/// `application/json`, or any `application/*+json`, with optional parameters.
pub fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `serde_json` appends " at line 1 column 42" to its messages; the field name says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[derive(Debug, serde::Deserialize)]
    struct Body {
        #[allow(dead_code)]
        count: u32,
    }

    #[test]
    fn recognises_json_media_types() {
        let mut headers = HeaderMap::new();
        for (value, expected) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
        ] {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            assert_eq!(is_json_content_type(&headers), expected, "{value}");
        }
        assert!(!is_json_content_type(&HeaderMap::new()));
    }

    #[test]
    fn a_wrongly_typed_field_is_named() {
        let problem = parse::<Body>(br#"{"count": "many"}"#).unwrap_err().errors;
        assert_eq!(problem[0].field, "count");
        assert!(
            !problem[0].message.contains("line"),
            "{}",
            problem[0].message
        );
    }

    #[test]
    fn a_body_must_be_an_object() {
        for body in [&b"[1]"[..], b"  \"x\"", b"42", b"null"] {
            let problem = parse::<Body>(body).unwrap_err();
            assert_eq!(problem.errors[0].message, "must be a JSON object");
        }
    }

    #[test]
    fn malformed_json_is_a_body_error() {
        let problem = parse::<Body>(b"{not json").unwrap_err().errors;
        assert_eq!(problem[0].field, "body");
    }
}
