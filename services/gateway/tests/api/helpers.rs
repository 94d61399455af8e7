//! The gateway under test, and test upstreams that misbehave on demand.

use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gateway::config::{Config, GatewayConfig};
use gateway::startup::Application;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use test_support::http::problem;

/// An API key the test configurations accept, with the `loans:write` scope.
pub const LOANS_KEY: &str = "test-key-loans-0123456789";
/// An API key with only the `portfolio:write` scope.
pub const PORTFOLIO_KEY: &str = "test-key-portfolio-0123456789";

/// `id:sha256:scopes` entries for the two test keys, as `keys_from` expects.
pub fn test_keys() -> String {
    let hash = |key: &str| hex::encode(Sha256::digest(key.as_bytes()));
    format!(
        "loans-client:{}:loans:write,portfolio-client:{}:portfolio:write",
        hash(LOANS_KEY),
        hash(PORTFOLIO_KEY)
    )
}

/// A running gateway.
pub struct TestGateway {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    server: JoinHandle<std::io::Result<()>>,
}

impl TestGateway {
    /// A gateway with the TOML configuration `toml` (keys from [`test_keys`] added).
    pub async fn start(toml: &str) -> Self {
        let keys = test_keys();
        let gateway =
            GatewayConfig::parse(toml, |name| (name == "TEST_KEYS").then(|| keys.clone()))
                .unwrap_or_else(|error| panic!("test configuration: {error}"));
        let config = Config {
            port: 0,
            shutdown_grace: Duration::from_secs(1),
            gateway,
        };
        let app = Application::build(&config)
            .await
            .expect("the gateway builds");
        let port = app.local_addr().unwrap().port();
        let server = tokio::spawn(app.run_until_stopped(std::future::pending()));
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            client: test_support::http::client(),
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET sent")
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A gateway configuration: `upstreams` as (name, urls), one route per upstream at
/// `/api/<name>` (prefix stripped), and `extra` TOML appended (it may set top-level tables).
pub fn config(upstreams: &[(&str, &[String])], route_timeout_ms: u64, extra: &str) -> String {
    let mut toml = String::from("[auth]\nkeys_from = \"${TEST_KEYS}\"\n");
    toml.push_str(extra);
    toml.push('\n');
    for (name, urls) in upstreams {
        let urls: Vec<String> = urls.iter().map(|url| format!("\"{url}\"")).collect();
        let _ = write!(
            toml,
            "[[upstreams]]\nname = \"{name}\"\nurls = [{}]\nhealth_interval_ms = 200\nresolve_interval_ms = 500\nconnect_timeout_ms = 200\neject_after_failures = 2\neject_ms = 500\nbreaker = {{ failure_threshold = 1000, open_ms = 1000 }}\n",
            urls.join(", ")
        );
    }
    for (name, _) in upstreams {
        let _ = write!(
            toml,
            "[[routes]]\nprefix = \"/api/{name}\"\nupstream = \"{name}\"\nstrip_prefix = true\ntimeout_ms = {route_timeout_ms}\nwrite_scope = \"loans:write\"\n"
        );
    }
    toml
}

/// What a test upstream does with the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// 200 with `{"served_by": port}`.
    Ok,
    /// An empty answer with this status.
    Status(u16),
    /// Sleeps this long, then 200.
    Slow(Duration),
    /// Sleeps this long, then answers with this status (a service whose database is away).
    SlowStatus(Duration, u16),
    /// Alternates between 503 and 200, starting with 503.
    Flapping,
}

/// A request a test upstream received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
}

#[derive(Debug)]
struct FakeState {
    port: u16,
    behaviour: Mutex<Behaviour>,
    seen: Mutex<Vec<Seen>>,
    flap: Mutex<bool>,
}

/// A test upstream. Its `/ready` always answers 200; everything else follows its behaviour.
pub struct FakeUpstream {
    pub address: SocketAddr,
    state: Arc<FakeState>,
    server: JoinHandle<()>,
}

impl FakeUpstream {
    pub async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let state = Arc::new(FakeState {
            port: address.port(),
            behaviour: Mutex::new(behaviour),
            seen: Mutex::new(Vec::new()),
            flap: Mutex::new(false),
        });
        let router = Router::new()
            .route("/ready", axum::routing::get(|| async { "ready" }))
            .fallback(serve)
            .with_state(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            address,
            state,
            server,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn set(&self, behaviour: Behaviour) {
        *self.state.behaviour.lock().unwrap() = behaviour;
    }

    /// The requests received so far (readiness probes excluded).
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Stops listening and drops every connection, like a killed process.
    pub fn kill(&self) {
        self.server.abort();
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(State(state): State<Arc<FakeState>>, request: Request) -> Response {
    state.seen.lock().unwrap().push(Seen {
        method: request.method().to_string(),
        path: request.uri().to_string(),
        headers: request.headers().clone(),
    });
    let behaviour = *state.behaviour.lock().unwrap();
    let ok = || axum::Json(serde_json::json!({"served_by": state.port})).into_response();
    match behaviour {
        Behaviour::Ok => ok(),
        Behaviour::Status(code) => StatusCode::from_u16(code).unwrap().into_response(),
        Behaviour::Slow(delay) => {
            tokio::time::sleep(delay).await;
            ok()
        }
        Behaviour::SlowStatus(delay, code) => {
            tokio::time::sleep(delay).await;
            StatusCode::from_u16(code).unwrap().into_response()
        }
        Behaviour::Flapping => {
            let mut up = state.flap.lock().unwrap();
            *up = !*up;
            if *up {
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            } else {
                ok()
            }
        }
    }
}

/// A URL where nothing listens: connections are refused.
pub fn refusing_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// An upstream that accepts connections, reads the request, and closes without answering;
/// with the number of requests it has read so far.
pub async fn resetting_upstream() -> (String, Arc<std::sync::atomic::AtomicUsize>, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = requests.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buffer = [0_u8; 4096];
                let read = tokio::io::AsyncReadExt::read(&mut socket, &mut buffer).await;
                // Readiness probes are not requests the test cares about.
                if read.is_ok_and(|n| n > 0 && !buffer[..n].starts_with(b"GET /ready ")) {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                drop(socket);
            });
        }
    });
    (url, requests, task)
}
