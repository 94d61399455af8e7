//! Forwarding one request: route, rate limit, authentication, body limit, breaker, then
//! attempts on replicas with retries where safe, within the route's deadline.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant as StdInstant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use http_body_util::Full;
use http_kit::Problem;
use http_kit::metrics::RouteLabel;
use telemetry::TraceContext;
use tokio::time::{Duration, Instant};

use crate::auth::Credential;
use crate::client::SendError;
use crate::config::RetryConfig;
use crate::gateway::{Gateway, Route};
use crate::rate_limit::Decision;
use crate::upstream::Admission;

/// The header carrying the authenticated client's id to upstreams; never accepted from outside.
pub static CLIENT_ID: HeaderName = HeaderName::from_static("x-client-id");
static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// Headers that belong to one connection, not to the request, and are never forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
];

/// The handler behind every path the gateway does not serve itself.
pub async fn handle(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |ConnectInfo(address)| {
            address.ip()
        });
    let Some((route, upstream_path)) = gateway.route(request.uri().path()) else {
        return Problem::new(StatusCode::NOT_FOUND, "No route serves this path.").into_response();
    };

    let credential = gateway.keys.authenticate(request.headers());
    let client_address = gateway.limiter.client_address(peer, request.headers());
    let rate_key = match &credential {
        Credential::Key(client) => format!("key:{}", client.id),
        Credential::Anonymous | Credential::Invalid => format!("ip:{client_address}"),
    };
    let decision = gateway.limiter.check(&rate_key);
    let mut response = if decision.allowed {
        forward(
            &gateway,
            route,
            &upstream_path,
            &credential,
            client_address,
            request,
        )
        .await
    } else {
        Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many requests; retry in {} s.", decision.retry_after),
        )
        .with_retry_after(decision.retry_after)
        .into_response()
    };
    rate_limit_headers(response.headers_mut(), decision);
    response
        .extensions_mut()
        .insert(RouteLabel(route.config.prefix.clone()));
    response
}

fn rate_limit_headers(headers: &mut HeaderMap, decision: Decision) {
    for (name, value) in [
        ("ratelimit-limit", decision.limit),
        ("ratelimit-remaining", decision.remaining),
        ("ratelimit-reset", decision.reset),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}

fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Authentication, then the body, then the attempts.
async fn forward(
    gateway: &Gateway,
    route: &Route,
    upstream_path: &str,
    credential: &Credential,
    client_address: IpAddr,
    request: Request,
) -> Response {
    let scope = if is_write(request.method()) {
        Some(route.config.write_scope.as_str())
    } else {
        route.config.read_scope.as_deref()
    };
    let client_id = match (credential, scope) {
        (Credential::Invalid, _) => return unauthorized("The API key is not valid.", true),
        (Credential::Anonymous, Some(scope)) => {
            return unauthorized(
                &format!("This request needs an API key with the scope `{scope}`."),
                false,
            );
        }
        (Credential::Key(client), Some(scope)) if !client.has_scope(scope) => {
            return Problem::new(
                StatusCode::FORBIDDEN,
                format!("This API key lacks the scope `{scope}`."),
            )
            .into_response();
        }
        (Credential::Key(client), _) => Some(client.id.clone()),
        (Credential::Anonymous, None) => None,
    };

    let (parts, body) = request.into_parts();
    let limit = gateway.limits.body_limit_bytes;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return too_large();
    }
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        return too_large();
    };

    let trace = parts.extensions.get::<TraceContext>().copied();
    let headers = upstream_headers(
        &parts.headers,
        client_id.as_deref(),
        client_address,
        &route.upstream.authority,
        trace,
    );
    let path_and_query = match parts.uri.query() {
        Some(query) => format!("{upstream_path}?{query}"),
        None => upstream_path.to_owned(),
    };
    let retryable = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
        || (parts.method == Method::POST && parts.headers.contains_key(&IDEMPOTENCY_KEY));
    let attempt = Attempt {
        method: parts.method,
        path_and_query,
        headers,
        body,
        retryable,
    };
    send_with_retries(gateway, route, &attempt).await
}

fn unauthorized(detail: &str, invalid: bool) -> Response {
    let mut response = Problem::new(StatusCode::UNAUTHORIZED, detail).into_response();
    let challenge = if invalid {
        "Bearer realm=\"lending\", error=\"invalid_token\""
    } else {
        "Bearer realm=\"lending\""
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

fn too_large() -> Response {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The request body is larger than the gateway accepts.",
    )
    .into_response()
}

/// What the upstream receives: the client's headers minus hop-by-hop headers, credentials and
/// any identity it claimed; plus the identity the gateway vouches for, the forwarding chain and
/// the trace context of this hop.
fn upstream_headers(
    incoming: &HeaderMap,
    client_id: Option<&str>,
    client_address: IpAddr,
    authority: &str,
    trace: Option<TraceContext>,
) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(incoming.len() + 4);
    let listed_in_connection: Vec<String> = incoming
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    for (name, value) in incoming {
        let dropped = HOP_BY_HOP.contains(&name.as_str())
            || listed_in_connection
                .iter()
                .any(|listed| listed == name.as_str())
            || *name == header::HOST
            || *name == header::AUTHORIZATION
            || *name == header::CONTENT_LENGTH
            || *name == header::TRANSFER_ENCODING
            || *name == CLIENT_ID
            || name == "traceparent"
            || name == "tracestate"
            || name == "x-forwarded-for";
        if !dropped {
            headers.append(name.clone(), value.clone());
        }
    }
    if let Ok(host) = HeaderValue::from_str(authority) {
        headers.insert(header::HOST, host);
    }
    if let Some(id) = client_id.and_then(|id| HeaderValue::from_str(id).ok()) {
        headers.insert(CLIENT_ID.clone(), id);
    }
    if let Ok(forwarded) = HeaderValue::from_str(&client_address.to_string()) {
        headers.insert(HeaderName::from_static("x-forwarded-for"), forwarded);
    }
    if let Some(trace) = trace {
        trace.inject(&mut headers);
    }
    headers
}

/// One request as sent to a replica, reusable for retries.
struct Attempt {
    method: Method,
    path_and_query: String,
    headers: HeaderMap,
    body: Bytes,
    retryable: bool,
}

impl Attempt {
    fn to_request(&self, replica: SocketAddr) -> Option<http::Request<Full<Bytes>>> {
        let mut request = http::Request::builder()
            .method(self.method.clone())
            .uri(format!("http://{replica}{}", self.path_and_query))
            .body(Full::new(self.body.clone()))
            .ok()?;
        *request.headers_mut() = self.headers.clone();
        Some(request)
    }
}

/// What became of one attempt.
enum Outcome {
    Answered(http::Response<Bytes>),
    Failed(SendError),
}

async fn send_with_retries(gateway: &Gateway, route: &Route, attempt: &Attempt) -> Response {
    let upstream = &route.upstream;
    let deadline = Instant::now() + Duration::from_millis(route.config.timeout_ms);
    let admission = upstream.breaker.admit();
    let mut probe = match admission {
        Admission::Rejected(wait) => {
            let seconds = u32::try_from(wait.as_secs()).unwrap_or(u32::MAX).max(1);
            return Problem::typed(
                StatusCode::SERVICE_UNAVAILABLE,
                "upstream-unavailable",
                "Upstream unavailable",
                format!(
                    "{} is failing; the gateway is not calling it for now.",
                    upstream.name
                ),
            )
            .with_retry_after(seconds)
            .with_cause(format!("circuit breaker open for {}", upstream.name))
            .into_response();
        }
        Admission::Probe(probe) => Some(probe),
        Admission::Allowed => None,
    };
    gateway.retry_budget.deposit();

    let mut tried = Vec::new();
    let mut attempts = 0;
    // The last answer an upstream gave (a 5xx, or it would not have been retried): when the
    // deadline runs out during a retry, the client gets that answer, not a timeout of ours.
    let mut last_answer: Option<http::Response<Bytes>> = None;
    loop {
        attempts += 1;
        let Some(in_flight) = upstream.pick(&tried) else {
            return Problem::unavailable(format!("{} has no replica to call.", upstream.name), 1)
                .with_cause(format!("no replicas resolved for {}", upstream.name))
                .into_response();
        };
        let replica = in_flight.replica().clone();
        tried.push(replica.address);
        let started = StdInstant::now();
        let outcome = match attempt.to_request(replica.address) {
            Some(request) => match route
                .client
                .send(request, deadline, gateway.limits.response_limit_bytes)
                .await
            {
                Ok(response) => Outcome::Answered(response),
                Err(error) => Outcome::Failed(error),
            },
            None => Outcome::Failed(SendError::Transport(
                "the request could not be built".to_owned(),
            )),
        };
        drop(in_flight);
        let success = match &outcome {
            Outcome::Answered(response) => !matches!(response.status().as_u16(), 502..=504),
            Outcome::Failed(_) => false,
        };
        upstream.report(&replica, success);
        upstream
            .metrics
            .record_attempt(outcome_label(&outcome), started.elapsed());

        let last_chance = !should_retry(
            &outcome,
            attempt.retryable,
            attempts,
            &gateway.retry,
            deadline,
        ) || !gateway.retry_budget.withdraw();
        if success || last_chance {
            match probe.take() {
                Some(probe) => probe.finish(success),
                None => upstream.breaker.record(success),
            }
            let outcome = match (outcome, last_answer) {
                (Outcome::Failed(SendError::Timeout), Some(answer)) => Outcome::Answered(answer),
                (outcome, _) => outcome,
            };
            return into_response(outcome, &upstream.name, route.config.timeout_ms);
        }
        if let Outcome::Answered(answer) = outcome {
            last_answer = Some(answer);
        }
        upstream.breaker.record(false);
        upstream.metrics.retries.increment(1);
        tracing::debug!(upstream = %upstream.name, replica = %replica.address, attempts, "retrying on another replica");
    }
}

fn outcome_label(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Answered(response) if response.status().is_server_error() => "5xx",
        Outcome::Answered(_) => "answered",
        Outcome::Failed(SendError::Connect(_)) => "connect_error",
        Outcome::Failed(SendError::Transport(_)) => "transport_error",
        Outcome::Failed(SendError::Timeout) => "timeout",
        Outcome::Failed(SendError::TooLarge(_)) => "too_large",
    }
}

/// A connection that was never made can be retried for any request; anything else only for
/// requests that are safe to repeat. Never past the deadline or the attempt limit.
fn should_retry(
    outcome: &Outcome,
    retryable: bool,
    attempts: u32,
    retry: &RetryConfig,
    deadline: Instant,
) -> bool {
    if attempts >= retry.max_attempts || Instant::now() >= deadline {
        return false;
    }
    match outcome {
        Outcome::Failed(SendError::Connect(_)) => true,
        Outcome::Failed(SendError::Transport(_)) => retryable,
        Outcome::Answered(response) => retryable && matches!(response.status().as_u16(), 502..=504),
        Outcome::Failed(SendError::Timeout | SendError::TooLarge(_)) => false,
    }
}

fn into_response(outcome: Outcome, upstream: &str, timeout_ms: u64) -> Response {
    match outcome {
        Outcome::Answered(response) => {
            let (mut parts, body) = response.into_parts();
            for name in HOP_BY_HOP {
                parts.headers.remove(name);
            }
            parts.headers.remove(header::TRANSFER_ENCODING);
            Response::from_parts(parts, Body::from(body))
        }
        Outcome::Failed(SendError::Timeout) => Problem::typed(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream-timeout",
            "Upstream timed out",
            format!("{upstream} did not answer within {timeout_ms} ms."),
        )
        .with_cause(format!("{upstream} timed out"))
        .into_response(),
        Outcome::Failed(error) => Problem::typed(
            StatusCode::BAD_GATEWAY,
            "upstream-failed",
            "Upstream failed",
            format!("{upstream} could not be reached or broke off the connection."),
        )
        .with_cause(format!("{upstream}: {error}"))
        .into_response(),
    }
}

/// Retries the gateway may add, over time, on top of the requests it receives: each request
/// deposits `ratio` of a retry; `min_per_second` accrue regardless; a retry spends one.
#[derive(Debug)]
pub struct RetryBudget {
    ratio: f64,
    min_per_second: f64,
    cap: f64,
    state: Mutex<(f64, StdInstant)>,
}

impl RetryBudget {
    /// A full budget.
    pub fn new(config: &RetryConfig) -> Self {
        let cap = (config.min_per_second * 10.0).max(10.0);
        Self {
            ratio: config.ratio,
            min_per_second: config.min_per_second,
            cap,
            state: Mutex::new((cap, StdInstant::now())),
        }
    }

    fn refill(&self, state: &mut (f64, StdInstant)) {
        let now = StdInstant::now();
        state.0 = (state.0 + now.duration_since(state.1).as_secs_f64() * self.min_per_second)
            .min(self.cap);
        state.1 = now;
    }

    /// Credits one incoming request.
    pub fn deposit(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        self.refill(&mut state);
        state.0 = (state.0 + self.ratio).min(self.cap);
    }

    /// Spends a retry, if the budget has one.
    pub fn withdraw(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        self.refill(&mut state);
        if state.0 >= 1.0 {
            state.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_credentials_and_claimed_identity_never_reach_the_upstream() {
        let mut incoming = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive, x-secret-hop"),
            ("x-secret-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("authorization", "Bearer key"),
            ("x-client-id", "admin"),
            ("host", "public.example"),
            ("x-request-id", "r-1"),
            ("accept", "application/json"),
        ] {
            incoming.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let sent = upstream_headers(
            &incoming,
            Some("officer"),
            "203.0.113.7".parse().unwrap(),
            "loan-api:8000",
            None,
        );
        for gone in ["connection", "x-secret-hop", "keep-alive", "authorization"] {
            assert!(!sent.contains_key(gone), "{gone} was forwarded");
        }
        assert_eq!(sent["x-client-id"], "officer");
        assert_eq!(sent["host"], "loan-api:8000");
        assert_eq!(sent["x-request-id"], "r-1");
        assert_eq!(sent["x-forwarded-for"], "203.0.113.7");
        assert_eq!(sent["accept"], "application/json");

        let anonymous =
            upstream_headers(&incoming, None, "203.0.113.7".parse().unwrap(), "a:1", None);
        assert!(!anonymous.contains_key("x-client-id"));
    }

    #[test]
    fn the_retry_budget_runs_out_and_refills_with_traffic() {
        let budget = RetryBudget::new(&RetryConfig {
            max_attempts: 3,
            ratio: 0.5,
            min_per_second: 0.0,
        });
        let mut granted = 0;
        while budget.withdraw() {
            granted += 1;
            assert!(granted <= 10, "the budget is bounded");
        }
        assert_eq!(granted, 10);
        budget.deposit();
        assert!(!budget.withdraw(), "half a retry per request");
        budget.deposit();
        assert!(budget.withdraw());
    }
}
