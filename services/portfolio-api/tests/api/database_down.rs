//! The database goes away and comes back: cached answers for at most the TTL, then bounded
//! 503s, and recovery without a restart.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use test_support::{TcpProxy, TestDatabase};

use crate::helpers::{TestApp, problem};

const TTL: Duration = Duration::from_millis(300);
/// Generous slack: what is checked is "bounded", not "fast".
const BOUND: Duration = Duration::from_secs(4);

#[tokio::test]
async fn a_dead_database_gives_503s_once_the_cache_expires_and_the_service_recovers() {
    let db = TestDatabase::create().await;
    let proxy = TcpProxy::start(&db.server_address()).await;
    let url = db.url_through(proxy.address());
    let app = TestApp::spawn_on(db, url, |config| {
        config.cache_ttl = TTL;
        config.database.settings.acquire_timeout = Duration::from_millis(500);
    })
    .await;
    app.seed().await;
    assert_eq!(app.get("/insights").await.status(), StatusCode::OK);

    proxy.cut();
    tokio::time::sleep(TTL + Duration::from_millis(100)).await;
    for path in [
        "/insights",
        "/assets",
        "/assets/asset-001",
        "/assets?status=paid",
    ] {
        let started = Instant::now();
        let response = app.get(path).await;
        assert!(
            started.elapsed() < BOUND,
            "{path} took {:?}",
            started.elapsed()
        );
        problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    }
    assert_eq!(app.get("/health").await.status(), StatusCode::OK);
    assert_eq!(
        app.get("/ready").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    proxy.restore();
    let started = Instant::now();
    while app.get("/insights").await.status() != StatusCode::OK {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no recovery within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.get_json("/assets").await.as_array().unwrap().len(), 20);
}
