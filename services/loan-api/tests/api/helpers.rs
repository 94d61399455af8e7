//! Starting the application for a test, and the requests tests make often.

use std::net::SocketAddr;

use loan_api::config::Config;
use loan_api::startup::Application;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use test_support::TestDatabase;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use test_support::http::{fields, problem};

/// A running loan-api with its own database.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    /// The application with default settings on a fresh, migrated database.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// The application with settings adjusted by `customise`.
    pub async fn spawn_with(customise: impl FnOnce(&mut Config)) -> Self {
        let db = TestDatabase::create().await;
        let url = db.url();
        Self::spawn_on(db, url, customise).await
    }

    /// The application on `db`, connecting through `url` (for example a proxy's).
    pub async fn spawn_on(
        db: TestDatabase,
        url: String,
        customise: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = Config::new(url);
        config.port = 0;
        customise(&mut config);
        let app = Application::build(&config)
            .await
            .expect("the application builds");
        let port = app.local_addr().expect("bound").port();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            client: test_support::http::client(),
            db,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET sent")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST sent")
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        let mut request = self.client.post(self.url(path)).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send().await.expect("POST sent")
    }

    /// Creates a loan from `body` and returns it, failing the test unless the answer is 201.
    pub async fn create_loan(&self, body: &Value) -> Value {
        let response = self.post_json("/api/loans", body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "creating {body}");
        response.json().await.unwrap()
    }

    pub async fn change_status(&self, id: &str, status: &str, if_match: Option<&str>) -> Response {
        let mut request = self
            .client
            .post(self.url(&format!("/api/loans/{id}/status")))
            .json(&json!({ "status": status }));
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        request.send().await.expect("POST sent")
    }

    /// Loads the five demo loans.
    pub async fn seed(&self) {
        let pool = pgpool::Config::new(self.db.url()).pool("test").unwrap();
        assert_eq!(loan_api::db::seed(&pool).await.unwrap(), 5);
        pool.close().await;
    }

    /// How many rows a table holds, read straight from the database.
    pub async fn count(&self, table: &str) -> i64 {
        let mut connection = self.db.connect().await;
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut connection)
            .await
            .unwrap()
    }

    /// Signals the application to stop, the way SIGTERM would, without waiting.
    pub fn begin_stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }

    /// Stops the application the way SIGTERM would and waits until it has drained.
    pub async fn stop(mut self) {
        self.begin_stop();
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// A valid application, to vary one field at a time.
pub fn application() -> Value {
    json!({
        "borrower_id": "usr_test_001",
        "amount": "1500.00",
        "currency": "KES",
        "term_months": 6,
        "interest_rate_apr": 28.5,
    })
}
