//! One throwaway database per test.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor, PgConnection};
use testcontainers::core::{ContainerPort, IntoContainerPort};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};
use url::Url;

/// The image started when `DATABASE_URL` is unset; `TEST_POSTGRES_IMAGE` overrides it (for
/// example with a locally built stand-in on a machine that cannot pull).
const DEFAULT_IMAGE: &str = "postgres:15-alpine";
const POSTGRES_PORT: ContainerPort = ContainerPort::Tcp(5432);

/// A database created for one test and dropped (connections and all) when this value drops.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: Url,
    admin_url: String,
}

impl TestDatabase {
    /// Creates an empty database named `test_<random>` on the test server.
    pub async fn create() -> Self {
        let admin_url = server_url().to_owned();
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("cannot connect to the test PostgreSQL server");
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .expect("cannot create the test database");
        let _ = admin.close().await;
        let mut url = Url::parse(&admin_url).expect("the test server URL is not a URL");
        url.set_path(&format!("/{name}"));
        Self {
            name,
            url,
            admin_url,
        }
    }

    /// The database's connection URL.
    pub fn url(&self) -> String {
        self.url.to_string()
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `host:port` of the server, for a [`crate::TcpProxy`] to forward to.
    pub fn server_address(&self) -> String {
        format!(
            "{}:{}",
            self.url.host_str().unwrap_or("127.0.0.1"),
            self.url.port().unwrap_or(5432)
        )
    }

    /// The connection URL with host and port replaced by `address` (a proxy's).
    pub fn url_through(&self, address: std::net::SocketAddr) -> String {
        let mut url = self.url.clone();
        url.set_host(Some(&address.ip().to_string()))
            .expect("a proxy address is a valid host");
        url.set_port(Some(address.port()))
            .expect("a postgres URL has a port");
        url.to_string()
    }

    /// A new single connection to the database, to look at what a service wrote.
    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(self.url.as_str())
            .await
            .expect("cannot connect to the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let statement = format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name);
        // Drop runs inside the test's runtime, which cannot be blocked on; a short-lived thread
        // with its own runtime does the work.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                admin.execute(statement.as_str()).await?;
                admin.close().await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

/// The admin URL of the server every test database lives on.
fn server_url() -> &'static str {
    static SERVER: OnceLock<String> = OnceLock::new();
    SERVER.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => start_container(),
    })
}

/// Starts one PostgreSQL container for this test process and returns its admin URL.
///
/// The container outlives any one test's runtime, so it is started from a thread of its own and
/// its handle is deliberately leaked; a detached reaper removes it once this process has exited.
fn start_container() -> String {
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("cannot build a runtime to start PostgreSQL");
        runtime.block_on(async {
            let image = std::env::var("TEST_POSTGRES_IMAGE").unwrap_or_else(|_| DEFAULT_IMAGE.to_owned());
            let (name, tag) = image.rsplit_once(':').unwrap_or((image.as_str(), "latest"));
            let container = GenericImage::new(name, tag)
                .with_exposed_port(POSTGRES_PORT)
                .with_env_var("POSTGRES_PASSWORD", "postgres")
                .with_cmd(["postgres", "-c", "fsync=off", "-c", "max_connections=500"])
                .with_startup_timeout(Duration::from_secs(120))
                .start()
                .await
                .unwrap_or_else(|error| {
                    panic!("DATABASE_URL is unset and PostgreSQL ({image}) could not be started with Docker: {error}")
                });
            let host = container.get_host().await.expect("container host");
            let port = container
                .get_host_port_ipv4(5432.tcp())
                .await
                .expect("container port");
            spawn_reaper(container.id());
            std::mem::forget(container);
            let url = format!("postgres://postgres:postgres@{host}:{port}/postgres");
            wait_until_accepting(&url).await;
            url
        })
    })
    .join()
    .expect("starting PostgreSQL panicked")
}

/// The official image restarts PostgreSQL once after initdb; keep trying until the final server
/// answers over TCP.
async fn wait_until_accepting(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match PgConnection::connect(url).await {
            Ok(connection) => {
                let _ = connection.close().await;
                return;
            }
            Err(error) if Instant::now() > deadline => {
                panic!("the PostgreSQL container never accepted connections: {error}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Removes the container once the test process is gone, even if it is killed. The reaper runs
/// in its own process group so that a Ctrl-C aimed at the tests does not kill it first.
fn spawn_reaper(container_id: &str) {
    use std::os::unix::process::CommandExt;
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; docker rm -f -v {container_id} >/dev/null 2>&1",
        pid = std::process::id()
    );
    let spawned = std::process::Command::new("sh")
        .args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn();
    if let Err(error) = spawned {
        eprintln!("warning: cannot start the reaper for container {container_id}: {error}");
    }
}
