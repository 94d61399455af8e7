//! `/api/loans`: apply for, read, list and move loans through their lifecycle.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use http_kit::json::JsonBody;
use http_kit::middleware::RequestId;
use http_kit::{FieldError, Problem};
use serde::Deserialize;
use sqlx::{Connection, PgConnection};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::{BorrowerId, CreateLoanRequest, Currency, Loan, LoanStatus, NewLoan};
use crate::error::ApiError;
use crate::repo::loans::ListFilter;
use crate::repo::{idempotency, loans};
use crate::startup::AppState;

/// The path every loan lives under, used for `Location` and `Link` headers.
const COLLECTION: &str = "/api/loans";
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;
static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
static IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Query parameters of `GET /api/loans`. Values are checked by hand so that each bad one is
/// named in the 400 response.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 1000 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// Where the previous page ended: the `cursor` of its `Link: rel="next"` URL.
    cursor: Option<String>,
    /// Only loans in this status.
    #[param(value_type = Option<LoanStatus>)]
    status: Option<String>,
    /// Only loans in this currency (any case).
    currency: Option<String>,
    /// Only this borrower's loans.
    borrower_id: Option<String>,
}

/// Lists loans, newest first (ties broken by id).
///
/// When more loans follow, the response carries `Link: </api/loans?…&cursor=…>; rel="next"`;
/// the body is always a plain array.
#[utoipa::path(get, path = "/api/loans", tag = "loans", operation_id = "listLoans", params(ListParams),
    responses(
        (status = 200, description = "A page of loans", body = [Loan],
            headers(("Link" = String, description = "The next page, when there is one"))),
        (status = 400, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = query.map_err(|rejection| {
        ApiError::Validation(vec![FieldError::new("query", rejection.body_text())])
    })?;
    let (filter, limit) = parse_list_params(&params)?;
    let mut page = state
        .db
        .run(async |connection: &mut PgConnection| {
            loans::list(connection, &filter, limit + 1).await
        })
        .await?;

    let mut headers = HeaderMap::new();
    if page.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        page.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        if let Some(last) = page.last() {
            let link = next_link(&params, limit, &encode_cursor(last.created_at, last.id));
            if let Ok(value) = HeaderValue::from_str(&link) {
                headers.insert(header::LINK, value);
            }
        }
    }
    Ok((headers, Json(page)).into_response())
}

fn parse_list_params(params: &ListParams) -> Result<(ListFilter, i64), ApiError> {
    let mut errors = Vec::new();
    let limit = match params.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<i64>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    "must be an integer from 1 to 1000",
                ));
                DEFAULT_LIMIT
            }
        },
    };
    let mut filter = ListFilter::default();
    if let Some(text) = params.status.as_deref() {
        match text.parse::<LoanStatus>() {
            Ok(status) => filter.status = Some(status),
            Err(error) => errors.push(FieldError::new("status", error.to_string())),
        }
    }
    if let Some(text) = params.currency.as_deref() {
        match Currency::parse(text) {
            Ok(currency) => filter.currency = Some(currency.as_str().to_owned()),
            Err(message) => errors.push(FieldError::new("currency", message)),
        }
    }
    if let Some(text) = params.borrower_id.as_deref() {
        match BorrowerId::parse(text) {
            Ok(borrower) => filter.borrower_id = Some(borrower.as_str().to_owned()),
            Err(message) => errors.push(FieldError::new("borrower_id", message)),
        }
    }
    if let Some(text) = params.cursor.as_deref() {
        match decode_cursor(text) {
            Some(position) => filter.after = Some(position),
            None => errors.push(FieldError::new(
                "cursor",
                "is not a cursor this API issued; follow the Link header of the previous page",
            )),
        }
    }
    if errors.is_empty() {
        Ok((filter, limit))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A cursor is the `(created_at, id)` of the last loan shown, opaque to clients.
fn encode_cursor(created_at: DateTime<Utc>, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", created_at.timestamp_micros()))
}

fn decode_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (micros, id) = text.split_once(':')?;
    let created_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    Some((created_at, id.parse().ok()?))
}

fn next_link(params: &ListParams, limit: i64, cursor: &str) -> String {
    let limit = limit.to_string();
    let mut pairs: Vec<(&str, &str)> = vec![("limit", limit.as_str())];
    for (name, value) in [
        ("status", &params.status),
        ("currency", &params.currency),
        ("borrower_id", &params.borrower_id),
    ] {
        if let Some(value) = value {
            pairs.push((name, value));
        }
    }
    pairs.push(("cursor", cursor));
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    format!("<{COLLECTION}?{query}>; rel=\"next\"")
}

/// Applies for a loan. The new loan is always `pending`.
///
/// With an `Idempotency-Key`, a retry of the same application returns the first response
/// (with `Idempotent-Replayed: true`) and creates nothing; the same key with a different
/// application is refused with 422.
#[utoipa::path(post, path = "/api/loans", tag = "loans", operation_id = "createLoan",
    request_body(content = CreateLoanRequest, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1 to 255 printable ASCII characters, unique per application")),
    responses(
        (status = 201, description = "The loan was created (or a retry was recognised)", body = Loan,
            headers(("Location" = String, description = "The new loan's URL"), ("ETag" = String))),
        (status = 400, description = "The body is missing, not JSON, or a field is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not declared as JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used for a different application", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable; nothing was created", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<CreateLoanRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let application = NewLoan::parse(&request).map_err(ApiError::Validation)?;
    let id = Uuid::now_v7();

    let Some(key) = key else {
        let loan = state
            .db
            .run(async |connection: &mut PgConnection| {
                loans::insert(connection, id, &application).await
            })
            .await?;
        let body = serde_json::to_vec(&loan)?;
        return Ok(created(&loan.location(), &loan.etag(), body, false));
    };

    let fingerprint = application.fingerprint();
    let ttl = state.idempotency_ttl;
    let outcome = state
        .db
        .run(
            async |connection: &mut PgConnection| -> Result<Keyed, ApiError> {
                let mut transaction = connection.begin().await?;
                let loan = loans::insert(&mut *transaction, id, &application).await?;
                let body = serde_json::to_vec(&loan)?;
                if idempotency::save(&mut *transaction, &key, &fingerprint, loan.id, &body, ttl)
                    .await?
                {
                    transaction.commit().await?;
                    return Ok(Keyed::Created(loan, body));
                }
                // The key is taken: undo this insert and answer as the first request was answered.
                transaction.rollback().await?;
                Ok(Keyed::Seen(idempotency::find(connection, &key).await?))
            },
        )
        .await?;

    match outcome {
        Keyed::Created(loan, body) => Ok(created(&loan.location(), &loan.etag(), body, false)),
        Keyed::Seen(Some(stored)) if stored.fingerprint == fingerprint => {
            let location = format!("{COLLECTION}/{}", stored.loan_id);
            // A created loan is always at version 1, the ETag the first response carried.
            Ok(created(&location, "\"1\"", stored.response_body, true))
        }
        Keyed::Seen(Some(_)) => Err(ApiError::IdempotencyKeyReused),
        // The record expired between the two statements; the client's retry will settle it.
        Keyed::Seen(None) => Err(ApiError::IdempotencyKeyBusy),
    }
}

/// What a create with an `Idempotency-Key` found.
enum Keyed {
    /// The key was new: this request created the loan.
    Created(Loan, Vec<u8>),
    /// The key was taken; here is what it answered first, unless that has just expired.
    Seen(Option<idempotency::Stored>),
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(&IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    if (1..=255).contains(&bytes.len()) && bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
        Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
    } else {
        Err(ApiError::Validation(vec![FieldError::new(
            "Idempotency-Key",
            "must be 1 to 255 printable ASCII characters without spaces",
        )]))
    }
}

fn created(location: &str, etag: &str, body: Vec<u8>, replayed: bool) -> Response {
    let mut response = (StatusCode::CREATED, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in [(header::LOCATION, location), (header::ETAG, etag)] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    if replayed {
        headers.insert(
            IDEMPOTENT_REPLAYED.clone(),
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// Reads one loan. The `ETag` header is what `If-Match` expects on a status change.
#[utoipa::path(get, path = "/api/loans/{id}", tag = "loans", operation_id = "getLoan",
    params(("id" = Uuid, Path, description = "The loan's id")),
    responses(
        (status = 200, description = "The loan", body = Loan, headers(("ETag" = String))),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such loan", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let loan = state
        .db
        .run(async |connection: &mut PgConnection| loans::find(connection, id).await)
        .await?
        .ok_or(ApiError::NotFound(id))?;
    Ok(with_etag(&loan))
}

fn parse_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(text)
        .map_err(|_| ApiError::Validation(vec![FieldError::new("id", "must be a UUID")]))
}

fn with_etag(loan: &Loan) -> Response {
    let mut response = Json(loan).into_response();
    if let Ok(value) = HeaderValue::from_str(&loan.etag()) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The body of a status change.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StatusChangeRequest {
    /// The status to move to.
    #[schema(value_type = LoanStatus, required = true)]
    status: Option<serde_json::Value>,
}

/// Moves a loan along its lifecycle: `pending → approved | rejected`, `approved → disbursed`,
/// `disbursed → repaid | defaulted`.
///
/// Send `If-Match` with the `ETag` you read to be sure nobody changed the loan in between.
#[utoipa::path(post, path = "/api/loans/{id}/status", tag = "loans", operation_id = "changeLoanStatus",
    params(
        ("id" = Uuid, Path, description = "The loan's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on"),
    ),
    request_body(content = StatusChangeRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The loan in its new status", body = Loan, headers(("ETag" = String))),
        (status = 400, description = "The id or status is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such loan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lifecycle does not allow this move", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the loan's current ETag", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request_id: Option<Extension<RequestId>>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<StatusChangeRequest>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let to = match request.status {
        None | Some(serde_json::Value::Null) => Err("is required".to_owned()),
        Some(serde_json::Value::String(text)) => {
            text.parse::<LoanStatus>().map_err(|e| e.to_string())
        }
        Some(_) => Err("must be a string".to_owned()),
    }
    .map_err(|message| ApiError::Validation(vec![FieldError::new("status", message)]))?;

    let request_id = request_id.as_ref().map(|Extension(id)| id.as_str());
    let updated = state
        .db
        .run(
            async |connection: &mut PgConnection| -> Result<Loan, ApiError> {
                let mut transaction = connection.begin().await?;
                let loan = loans::find_for_update(&mut *transaction, id)
                    .await?
                    .ok_or(ApiError::NotFound(id))?;
                if !if_match_allows(&headers, &loan.etag()) {
                    return Err(ApiError::PreconditionFailed {
                        current_etag: loan.etag(),
                    });
                }
                if !loan.status.can_move_to(to) {
                    return Err(ApiError::Transition {
                        from: loan.status,
                        to,
                    });
                }
                let updated = loans::set_status(&mut *transaction, id, to).await?;
                loans::record_status_change(&mut *transaction, id, loan.status, to, request_id)
                    .await?;
                transaction.commit().await?;
                Ok(updated)
            },
        )
        .await?;
    Ok(with_etag(&updated))
}

/// `If-Match` absent, `*`, or listing the current strong ETag.
fn if_match_allows(headers: &HeaderMap, current: &str) -> bool {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return true;
    };
    let Ok(text) = value.to_str() else {
        return false;
    };
    text.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        let at = DateTime::from_timestamp_micros(1_763_000_000_123_456).unwrap();
        let id = Uuid::now_v7();
        let cursor = encode_cursor(at, id);
        assert_eq!(decode_cursor(&cursor), Some((at, id)));
        assert_eq!(decode_cursor("not-a-cursor"), None);
        assert_eq!(
            decode_cursor(&URL_SAFE_NO_PAD.encode("12:not-a-uuid")),
            None
        );
    }

    #[test]
    fn next_link_keeps_the_filters_and_escapes_them() {
        let params = ListParams {
            borrower_id: Some("a&b c".to_owned()),
            status: Some("pending".to_owned()),
            ..ListParams::default()
        };
        assert_eq!(
            next_link(&params, 2, "XYZ"),
            r#"</api/loans?limit=2&status=pending&borrower_id=a%26b+c&cursor=XYZ>; rel="next""#
        );
    }

    #[test]
    fn if_match_compares_strong_etags() {
        let mut headers = HeaderMap::new();
        assert!(if_match_allows(&headers, "\"2\""));
        headers.insert(header::IF_MATCH, HeaderValue::from_static("\"1\", \"2\""));
        assert!(if_match_allows(&headers, "\"2\""));
        headers.insert(header::IF_MATCH, HeaderValue::from_static("W/\"2\""));
        assert!(!if_match_allows(&headers, "\"2\""));
        headers.insert(header::IF_MATCH, HeaderValue::from_static("*"));
        assert!(if_match_allows(&headers, "\"7\""));
    }
}
