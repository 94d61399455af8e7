//! The gateway, as the pages use it: typed calls, every one carrying the page request's id and
//! trace context, and failures sorted into what a page can say about them.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;
use reqwest::{Method, StatusCode, header};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One figure of the portfolio dashboard.
#[derive(Debug, Clone, Deserialize)]
pub struct Insight {
    /// `insight-001` …
    pub id: String,
    /// `total_portfolio_value`, `default_rate`, …
    pub name: String,
    /// The figure (display only; never used for arithmetic).
    pub value: f64,
}

/// One asset of the portfolio.
#[derive(Debug, Clone, Deserialize)]
pub struct Asset {
    /// `asset-001` …
    pub id: String,
    /// Its nominal value (display only).
    pub nominal_value: f64,
    /// `active`, `defaulted` or `paid`.
    pub status: String,
    /// When it is due.
    pub due_date: NaiveDate,
}

/// A loan, as the loan API sends it: money stays a decimal string.
#[derive(Debug, Clone, Deserialize)]
pub struct Loan {
    /// Its id.
    pub id: String,
    /// Who borrows.
    pub borrower_id: String,
    /// The amount, two decimals.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Lifecycle status.
    pub status: String,
    /// Term in months.
    pub term_months: Option<i64>,
    /// APR in percent, two decimals.
    pub interest_rate_apr: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// Loan totals.
#[derive(Debug, Clone, Deserialize)]
pub struct Stats {
    /// How many loans.
    pub total_loans: i64,
    /// Their sum (display only).
    pub total_amount: f64,
    /// Their mean (display only).
    pub avg_amount: f64,
    /// Count per status.
    pub by_status: BTreeMap<String, i64>,
    /// Count per currency.
    pub by_currency: BTreeMap<String, i64>,
}

/// A page of a list and the cursor of the next one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Where the next page starts, when there is one.
    pub next_cursor: Option<String>,
}

/// A field the API refused, and why.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name.
    pub field: String,
    /// Why.
    pub message: String,
}

/// What went wrong with a call, in the terms a page needs.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The API could not be reached, or said it is unavailable.
    #[error("the API is unavailable: {0}")]
    Unavailable(String),
    /// The API did not answer in time.
    #[error("the API did not answer in time")]
    Timeout,
    /// No such resource.
    #[error("not found")]
    NotFound,
    /// The request was refused field by field.
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    /// Refused for another reason the user can act on (409, 412, 422, …): the API's detail.
    #[error("{0}")]
    Refused(String),
    /// Anything else.
    #[error("unexpected answer from the API: {0}")]
    Other(String),
}

/// What a loan application form holds, sent as is: the API validates.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Application {
    /// Who borrows.
    pub borrower_id: String,
    /// The amount, as typed.
    pub amount: String,
    /// The currency, as typed.
    pub currency: String,
    /// The term, as typed (may be empty).
    pub term_months: String,
    /// The rate, as typed (may be empty).
    pub interest_rate_apr: String,
}

/// The ids a page request passes on to the API calls it makes.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    /// The page request's id.
    pub request_id: Option<String>,
    /// `traceparent` for the next hop.
    pub traceparent: Option<String>,
}

/// The gateway client.
#[derive(Debug, Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
    key: Option<String>,
}

/// Loan list filters, as the page's query string has them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct LoanFilters {
    /// Status filter.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Currency filter.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub currency: String,
    /// Borrower filter.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub borrower_id: String,
}

impl Api {
    /// A client for the gateway at `base`, using `key` for writes.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base: &str, key: Option<String>, timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(1)))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            key,
        })
    }

    /// The shared HTTP client (for the `/api` pass-through).
    pub fn http(&self) -> &reqwest::Client {
        &self.client
    }

    /// The gateway's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        context: &CallContext,
    ) -> reqwest::RequestBuilder {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(id) = &context.request_id {
            request = request.header("x-request-id", id);
        }
        if let Some(traceparent) = &context.traceparent {
            request = request.header("traceparent", traceparent);
        }
        request
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, ApiError> {
        let response = request.send().await.map_err(|error| {
            if error.is_timeout() {
                ApiError::Timeout
            } else {
                ApiError::Unavailable(error.to_string())
            }
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(refusal(response).await)
    }

    async fn json<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ApiError> {
        self.send(request)
            .await?
            .json::<T>()
            .await
            .map_err(|error| {
                if error.is_timeout() {
                    ApiError::Timeout
                } else {
                    ApiError::Other(error.to_string())
                }
            })
    }

    /// `GET /api/portfolio/insights`.
    pub async fn insights(&self, context: &CallContext) -> Result<Vec<Insight>, ApiError> {
        self.json(self.request(Method::GET, "/api/portfolio/insights", context))
            .await
    }

    /// `GET /api/portfolio/assets`, optionally of one status.
    pub async fn assets(
        &self,
        status: Option<&str>,
        context: &CallContext,
    ) -> Result<Vec<Asset>, ApiError> {
        let mut request = self.request(Method::GET, "/api/portfolio/assets", context);
        if let Some(status) = status {
            request = request.query(&[("status", status)]);
        }
        self.json(request).await
    }

    /// `GET /api/loans` with filters, from `cursor`.
    pub async fn loans(
        &self,
        filters: &LoanFilters,
        cursor: Option<&str>,
        limit: u32,
        context: &CallContext,
    ) -> Result<Page<Loan>, ApiError> {
        let mut request = self
            .request(Method::GET, "/api/loans", context)
            .query(filters)
            .query(&[("limit", limit)]);
        if let Some(cursor) = cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let response = self.send(request).await?;
        let next_cursor = response
            .headers()
            .get(header::LINK)
            .and_then(|value| value.to_str().ok())
            .and_then(next_cursor);
        let items = response
            .json()
            .await
            .map_err(|error| ApiError::Other(error.to_string()))?;
        Ok(Page { items, next_cursor })
    }

    /// `GET /api/loans/{id}` and its `ETag`.
    pub async fn loan(&self, id: &str, context: &CallContext) -> Result<(Loan, String), ApiError> {
        let response = self
            .send(self.request(Method::GET, &format!("/api/loans/{id}"), context))
            .await?;
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let loan = response
            .json()
            .await
            .map_err(|error| ApiError::Other(error.to_string()))?;
        Ok((loan, etag))
    }

    /// `POST /api/loans` with an `Idempotency-Key`, so a double submit creates one loan.
    pub async fn create_loan(
        &self,
        application: &Application,
        idempotency_key: &str,
        context: &CallContext,
    ) -> Result<Loan, ApiError> {
        let body = application_json(application);
        let request = self
            .with_key(self.request(Method::POST, "/api/loans", context))
            .header("idempotency-key", idempotency_key)
            .json(&body);
        self.json(request).await
    }

    /// `POST /api/loans/{id}/status`, guarded by `If-Match`.
    pub async fn change_status(
        &self,
        id: &str,
        status: &str,
        etag: &str,
        context: &CallContext,
    ) -> Result<Loan, ApiError> {
        let request = self
            .with_key(self.request(Method::POST, &format!("/api/loans/{id}/status"), context))
            .header(header::IF_MATCH, etag)
            .json(&serde_json::json!({ "status": status }));
        self.json(request).await
    }

    /// `GET /api/stats`.
    pub async fn stats(&self, context: &CallContext) -> Result<Stats, ApiError> {
        self.json(self.request(Method::GET, "/api/stats", context))
            .await
    }

    /// The gateway's `/ready` report, whatever its status.
    pub async fn ready(&self, context: &CallContext) -> Result<(StatusCode, Value), ApiError> {
        let response = self
            .request(Method::GET, "/ready", context)
            .send()
            .await
            .map_err(|error| {
                if error.is_timeout() {
                    ApiError::Timeout
                } else {
                    ApiError::Unavailable(error.to_string())
                }
            })?;
        let status = response.status();
        let body = response
            .json()
            .await
            .map_err(|error| ApiError::Other(error.to_string()))?;
        Ok((status, body))
    }

    /// Whether the gateway answers its liveness check.
    pub async fn reachable(&self) -> bool {
        let request = self
            .client
            .get(format!("{}/health", self.base))
            .timeout(Duration::from_secs(1));
        request
            .send()
            .await
            .is_ok_and(|response| response.status().is_success())
    }

    fn with_key(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }
}

/// The form's text as JSON: numbers where the user typed numbers, so the API's messages are
/// about the value, and empty optional fields left out.
fn application_json(application: &Application) -> Value {
    let number_or_text = |text: &str| -> Value {
        let text = text.trim();
        serde_json::from_str::<serde_json::Number>(text)
            .map_or_else(|_| Value::String(text.to_owned()), Value::Number)
    };
    let mut body = serde_json::json!({
        "borrower_id": application.borrower_id.trim(),
        "amount": application.amount.trim(),
        "currency": application.currency.trim(),
    });
    if !application.term_months.trim().is_empty() {
        body["term_months"] = number_or_text(&application.term_months);
    }
    if !application.interest_rate_apr.trim().is_empty() {
        body["interest_rate_apr"] = number_or_text(&application.interest_rate_apr);
    }
    body
}

async fn refusal(response: reqwest::Response) -> ApiError {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or_default();
    let detail = body["detail"].as_str().unwrap_or("").to_owned();
    match status {
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::BAD_REQUEST => {
            let errors: Vec<FieldError> =
                serde_json::from_value(body["errors"].clone()).unwrap_or_default();
            if errors.is_empty() {
                ApiError::Refused(detail)
            } else {
                ApiError::Invalid(errors)
            }
        }
        StatusCode::GATEWAY_TIMEOUT => ApiError::Timeout,
        status if status.is_server_error() => ApiError::Unavailable(format!("{status}: {detail}")),
        status if status.is_client_error() => ApiError::Refused(if detail.is_empty() {
            status.to_string()
        } else {
            detail
        }),
        status => ApiError::Other(status.to_string()),
    }
}

/// The `cursor` of a `Link: <…?…&cursor=X>; rel="next"` header.
fn next_cursor(link: &str) -> Option<String> {
    let target = link
        .split(';')
        .next()?
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let query = target.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find_map(|(name, value)| (name == "cursor").then_some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cursor_in_a_link_header() {
        assert_eq!(
            next_cursor(r#"</api/loans?limit=2&status=pending&cursor=MTc5%3D>; rel="next""#),
            Some("MTc5=".to_owned())
        );
        assert_eq!(next_cursor("garbage"), None);
    }

    #[test]
    fn an_application_keeps_numbers_as_numbers_and_drops_empty_optionals() {
        let body = application_json(&Application {
            borrower_id: " b ".to_owned(),
            amount: "1500.00".to_owned(),
            currency: "kes".to_owned(),
            term_months: "6".to_owned(),
            interest_rate_apr: String::new(),
        });
        assert_eq!(
            body,
            serde_json::json!({"borrower_id": "b", "amount": "1500.00", "currency": "kes", "term_months": 6})
        );
    }
}
