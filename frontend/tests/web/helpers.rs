//! The web tier under test, in front of a stub gateway that answers like the real one.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The web tier's API key in these tests.
pub const API_KEY: &str = "web-tier-test-key";
pub const LOAN_ID: &str = "00000000-0000-0000-0000-000000000001";

/// A request the stub received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

#[derive(Debug, Default)]
struct StubState {
    seen: Mutex<Vec<Seen>>,
    slow: Mutex<Option<Duration>>,
}

/// A stub gateway.
pub struct StubGateway {
    pub url: String,
    state: Arc<StubState>,
    server: JoinHandle<()>,
}

impl StubGateway {
    pub async fn start() -> Self {
        let state = Arc::new(StubState::default());
        let router = Router::new()
            .route("/health", get(|| async { "ok" }))
            .route("/ready", get(|| async { axum::Json(json!({"status": "ready", "checks": {"loan-api": {"status": "up", "detail": "1 of 1 replicas ready"}, "portfolio-api": {"status": "down", "detail": "0 of 1 replicas ready"}}})) }))
            .route("/api/portfolio/insights", get(insights))
            .route("/api/portfolio/assets", get(assets))
            .route("/api/loans", get(loans).post(create_loan))
            .route("/api/loans/{id}", get(loan))
            .route("/api/loans/{id}/status", post(move_loan))
            .route("/api/stats", get(stats))
            .layer(axum::middleware::from_fn_with_state(state.clone(), record))
            .with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { url, state, server }
    }

    /// Every answer waits this long first.
    pub fn slow_down(&self, delay: Duration) {
        *self.state.slow.lock().unwrap() = Some(delay);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    pub fn kill(&self) {
        self.server.abort();
    }
}

impl Drop for StubGateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn record(
    State(state): State<Arc<StubState>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let delay = *state.slow.lock().unwrap();
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    state.seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        path: parts.uri.to_string(),
        headers: parts.headers.clone(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    });
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

async fn insights() -> impl IntoResponse {
    axum::Json(json!([
        {"id": "insight-001", "name": "total_portfolio_value", "value": 506817.31},
        {"id": "insight-002", "name": "default_rate", "value": 0.4},
        {"id": "insight-003", "name": "outstanding_debt", "value": 260238.11},
        {"id": "insight-004", "name": "collection_rate", "value": 0.0288},
    ]))
}

async fn assets() -> impl IntoResponse {
    axum::Json(json!([
        {"id": "asset-001", "nominal_value": 37335.97, "status": "defaulted", "due_date": "2020-01-01"},
        {"id": "asset-002", "nominal_value": 37087.09, "status": "active", "due_date": "2020-01-02"},
        {"id": "asset-003", "nominal_value": 6008.3, "status": "active", "due_date": "2999-01-01"},
    ]))
}

fn loan_json(status: &str) -> Value {
    json!({"id": LOAN_ID, "borrower_id": "usr_kenya_001", "amount": "12500.00", "currency": "KES", "status": status,
           "term_months": 6, "interest_rate_apr": "28.00", "created_at": "2026-01-02T03:04:05.000000Z", "updated_at": "2026-01-02T03:04:05.000000Z"})
}

async fn loans() -> Response {
    let mut response = axum::Json(json!([loan_json("pending")])).into_response();
    response.headers_mut().insert(
        header::LINK,
        "</api/loans?limit=20&cursor=NEXT1>; rel=\"next\""
            .parse()
            .unwrap(),
    );
    response
}

async fn create_loan(body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or_default();
    if body["amount"] == "0" {
        let problem = json!({"type": "urn:problem:validation", "title": "Validation failed", "status": 400, "detail": "`amount` must be greater than 0 and at most 50000",
                             "errors": [{"field": "amount", "message": "must be greater than 0 and at most 50000"}]});
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/problem+json")],
            problem.to_string(),
        )
            .into_response();
    }
    (StatusCode::CREATED, axum::Json(loan_json("pending"))).into_response()
}

async fn loan(Path(id): Path<String>) -> Response {
    if id != LOAN_ID {
        let problem = json!({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "No loan has this id."});
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/problem+json")],
            problem.to_string(),
        )
            .into_response();
    }
    let mut response = axum::Json(loan_json("pending")).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, "\"1\"".parse().unwrap());
    response
}

async fn move_loan(headers: HeaderMap) -> Response {
    if headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) != Some("\"1\"") {
        let problem = json!({"type": "urn:problem:stale-etag", "title": "Loan has changed", "status": 412, "detail": "The loan has changed since you read it; read it again and retry with its new ETag."});
        return (
            StatusCode::PRECONDITION_FAILED,
            [(header::CONTENT_TYPE, "application/problem+json")],
            problem.to_string(),
        )
            .into_response();
    }
    axum::Json(loan_json("approved")).into_response()
}

async fn stats() -> impl IntoResponse {
    axum::Json(
        json!({"total_loans": 5, "total_amount": 123900.0, "avg_amount": 24780.0,
                      "by_status": {"approved": 1, "pending": 3, "repaid": 1}, "by_currency": {"KES": 4, "INR": 1}}),
    )
}

/// The web tier under test.
pub struct TestWeb {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    server: JoinHandle<std::io::Result<()>>,
}

impl TestWeb {
    pub async fn start(api_url: &str) -> Self {
        let mut config = web::config::Config::new(api_url);
        config.port = 0;
        config.api_key = Some(API_KEY.to_owned());
        config.api_timeout = Duration::from_millis(500);
        config.cookie_secure = false;
        let app = web::startup::Application::build(&config).await.unwrap();
        let port = app.local_addr().unwrap().port();
        let server = tokio::spawn(app.run_until_stopped(std::future::pending()));
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            client,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.unwrap())
    }
}

impl Drop for TestWeb {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The value of the hidden input `name` in `html`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// `name=value` of the `Set-Cookie` in `headers`.
pub fn cookie(headers: &HeaderMap) -> String {
    headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}
