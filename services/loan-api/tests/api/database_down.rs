//! The database goes away and comes back: bounded 503s, no hang, recovery without a restart,
//! and nothing acknowledged lost.
//!
//! The service reaches PostgreSQL through a [`TcpProxy`] the test cuts: existing connections
//! are closed and new ones refused (a server that died) or left unanswered (a network that
//! drops packets).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use test_support::{TcpProxy, TestDatabase};

use crate::helpers::{TestApp, application, problem};

const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(500);
/// Generous slack over the acquire timeout: what is checked is "bounded", not "fast".
const BOUND: Duration = Duration::from_secs(3);

async fn app_behind_proxy() -> (TestApp, TcpProxy) {
    let db = TestDatabase::create().await;
    let proxy = TcpProxy::start(&db.server_address()).await;
    let url = db.url_through(proxy.address());
    let app = TestApp::spawn_on(db, url, |config| {
        config.database.settings.acquire_timeout = ACQUIRE_TIMEOUT;
    })
    .await;
    (app, proxy)
}

async fn wait_until_ok(app: &TestApp, path: &str, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if app.get(path).await.status() == StatusCode::OK {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "{path} did not recover within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_dead_database_gives_503s_and_the_service_recovers_by_itself() {
    let (app, proxy) = app_behind_proxy().await;
    let loan = app.create_loan(&application()).await;
    let path = format!("/api/loans/{}", loan["id"].as_str().unwrap());

    proxy.cut();
    for route in [path.as_str(), "/api/loans", "/api/stats"] {
        let started = Instant::now();
        let response = app.get(route).await;
        assert!(
            started.elapsed() < BOUND,
            "{route} answered in {:?}",
            started.elapsed()
        );
        let body = problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
        assert!(
            !body.to_string().contains("127.0.0.1"),
            "no connection details leak: {body}"
        );
    }
    let response = app.post_json("/api/loans", &application()).await;
    assert_eq!(response.headers()["retry-after"], "1");
    problem(response, StatusCode::SERVICE_UNAVAILABLE).await;

    assert_eq!(
        app.get("/health").await.status(),
        StatusCode::OK,
        "liveness ignores the database"
    );
    let ready = app.get("/ready").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ready.json::<Value>().await.unwrap()["checks"]["database"]["status"],
        "down"
    );

    proxy.restore();
    wait_until_ok(&app, &path, Duration::from_secs(5)).await;
    wait_until_ok(&app, "/ready", Duration::from_secs(5)).await;
    let stored: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(stored, loan, "what was stored before the outage is intact");
}

#[tokio::test]
async fn an_unanswering_database_is_bounded_by_the_acquire_timeout() {
    let (app, proxy) = app_behind_proxy().await;
    proxy.blackhole();
    for route in ["/api/loans", "/ready"] {
        let started = Instant::now();
        let response = app.get(route).await;
        let elapsed = started.elapsed();
        assert_eq!(
            response.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{route}"
        );
        assert!(
            elapsed < BOUND,
            "{route} took {elapsed:?}, not bounded by the acquire timeout"
        );
    }
    proxy.restore();
    wait_until_ok(&app, "/api/loans", Duration::from_secs(5)).await;
}

#[tokio::test]
async fn every_acknowledged_write_survives_an_outage_and_no_refused_one_appears() {
    let (app, proxy) = app_behind_proxy().await;
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    for round in 0..30 {
        match round {
            10 => proxy.cut(),
            20 => proxy.restore(),
            _ => {}
        }
        let mut body = application();
        body["borrower_id"] = serde_json::json!(format!("outage-{round}"));
        let response = app.post_json("/api/loans", &body).await;
        match response.status() {
            StatusCode::CREATED => acknowledged.push(response.json::<Value>().await.unwrap()),
            StatusCode::SERVICE_UNAVAILABLE => refused += 1,
            other => panic!("unexpected {other} during the outage"),
        }
    }
    assert!(
        refused >= 10,
        "writes during the outage were refused ({refused})"
    );
    assert!(acknowledged.len() >= 10);

    wait_until_ok(&app, "/ready", Duration::from_secs(5)).await;
    assert_eq!(
        app.count("loans").await,
        i64::try_from(acknowledged.len()).unwrap(),
        "exactly the acknowledged loans exist"
    );
    for loan in acknowledged {
        let stored: Value = app
            .get(&format!("/api/loans/{}", loan["id"].as_str().unwrap()))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(stored, loan);
    }
}
