//! The HTTP/1.1 client the gateway calls upstreams with: pooled keep-alive connections, a
//! connect timeout, and failures sorted by what a retry may do about them.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use http::{HeaderValue, Request, Response, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::time::Instant;

/// How an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// No connection could be made: the request was never sent, so any method may be retried.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The connection failed after the request may have been sent.
    #[error("connection failed: {0}")]
    Transport(String),
    /// The deadline passed first.
    #[error("timed out")]
    Timeout,
    /// The response body is larger than allowed.
    #[error("response larger than {0} bytes")]
    TooLarge(usize),
}

/// A pooled client for one upstream.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl HttpClient {
    /// A client whose connection attempts give up after `connect_timeout`.
    pub fn new(connect_timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        connector.enforce_http(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(128)
            .build(connector);
        Self { client }
    }

    /// Sends `request` and reads the whole response (at most `limit` bytes) before `deadline`.
    ///
    /// # Errors
    /// [`SendError`], saying whether the request can have reached the upstream.
    pub async fn send(
        &self,
        request: Request<Full<Bytes>>,
        deadline: Instant,
        limit: usize,
    ) -> Result<Response<Bytes>, SendError> {
        let response = match tokio::time::timeout_at(deadline, self.client.request(request)).await {
            Err(_) => return Err(SendError::Timeout),
            Ok(Err(error)) if error.is_connect() => {
                return Err(SendError::Connect(error_chain(&error)));
            }
            Ok(Err(error)) => return Err(SendError::Transport(error_chain(&error))),
            Ok(Ok(response)) => response,
        };
        let (parts, body) = response.into_parts();
        let collected =
            tokio::time::timeout_at(deadline, Limited::new(body, limit).collect()).await;
        let body = match collected {
            Err(_) => return Err(SendError::Timeout),
            Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
                return Err(SendError::TooLarge(limit));
            }
            Ok(Err(error)) => return Err(SendError::Transport(error.to_string())),
            Ok(Ok(collected)) => collected.to_bytes(),
        };
        Ok(Response::from_parts(parts, body))
    }

    /// GETs `path` from one replica; `Some` body when it answers 200 within `timeout`.
    pub async fn get(
        &self,
        address: SocketAddr,
        authority: &str,
        path: &str,
        timeout: Duration,
    ) -> Option<Bytes> {
        let request = Request::get(format!("http://{address}{path}"))
            .header(header::HOST, HeaderValue::from_str(authority).ok()?)
            .header(header::USER_AGENT, "gateway")
            .body(Full::new(Bytes::new()))
            .ok()?;
        let response = self
            .send(request, Instant::now() + timeout, 16 * 1024 * 1024)
            .await
            .ok()?;
        (response.status() == http::StatusCode::OK).then(|| response.into_body())
    }

    /// Whether one replica answers 200 on `path` within `timeout`.
    pub async fn probe(
        &self,
        address: SocketAddr,
        authority: &str,
        path: &str,
        timeout: Duration,
    ) -> bool {
        self.get(address, authority, path, timeout).await.is_some()
    }
}

/// The error and its sources on one line (hyper's top-level message alone says little).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
