//! Starting the application for a test, and the requests tests make often.

use std::net::SocketAddr;

use portfolio_api::config::Config;
use portfolio_api::startup::Application;
use reqwest::Response;
use serde_json::Value;
use test_support::TestDatabase;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use test_support::http::{fields, problem};

/// A running portfolio-api with its own database.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    /// The application with default settings on a fresh, migrated, seeded database.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// The application, seeded, with settings adjusted by `customise`.
    pub async fn spawn_with(customise: impl FnOnce(&mut Config)) -> Self {
        let db = TestDatabase::create().await;
        let url = db.url();
        let app = Self::spawn_on(db, url, customise).await;
        app.seed().await;
        app
    }

    /// The application on `db`, connecting through `url` (for example a proxy's); not seeded.
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

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    /// Loads the 20 demo assets.
    pub async fn seed(&self) {
        let pool = pgpool::Config::new(self.db.url()).pool("test").unwrap();
        assert_eq!(portfolio_api::db::seed(&pool).await.unwrap(), 20);
        pool.close().await;
    }

    /// Runs SQL straight against the database, as another writer would.
    pub async fn execute(&self, sql: &str) {
        let mut connection = self.db.connect().await;
        sqlx::query(sql).execute(&mut connection).await.unwrap();
    }

    /// Stops the application the way SIGTERM would and waits until it has drained.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
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
