//! Assertions on HTTP responses that every service's tests make.

use reqwest::{Response, StatusCode};
use serde_json::Value;

/// A client for talking to a service under test: no proxy (loopback only), bounded waits.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// Asserts a problem+json response (RFC 9457) with `status` and returns its body.
pub async fn problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "status of {}", response.url());
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "a {status} must be problem+json"
    );
    let body: Value = response.json().await.expect("a JSON problem body");
    assert_eq!(body["status"], status.as_u16());
    for member in ["type", "title", "detail"] {
        assert!(
            body[member].is_string(),
            "problem without `{member}`: {body}"
        );
    }
    body
}

/// The fields named in a validation problem's `errors`.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|error| error["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
