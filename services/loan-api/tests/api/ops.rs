//! Operational endpoints: liveness, readiness, metrics, the OpenAPI document, graceful stop.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::{TcpProxy, TestDatabase};

use crate::helpers::{TestApp, application};

#[tokio::test]
async fn health_is_ok() {
    let app = TestApp::spawn().await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );
}

#[tokio::test]
async fn ready_when_the_database_answers_and_migrations_are_applied() {
    let app = TestApp::spawn().await;
    let response = app.get("/ready").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"status": "ready", "checks": {"database": {"status": "up"}, "migrations": {"status": "up"}}})
    );
}

#[tokio::test]
async fn not_ready_while_migrations_are_pending() {
    let app = TestApp::spawn_with(|config| config.migrate_on_start = false).await;
    let response = app.get("/ready").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["checks"]["database"]["status"], "up");
    assert_eq!(body["checks"]["migrations"]["status"], "down");
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    assert_eq!(
        body["checks"]["migrations"]["detail"],
        format!("{migrations} migration(s) pending")
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_show_the_pool() {
    let app = TestApp::spawn().await;
    app.create_loan(&application()).await;
    app.get("/api/loans/not-a-uuid").await;

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    for expected in [
        r#"http_requests_total{method="POST",route="/api/loans",status="201"}"#,
        r#"http_requests_total{method="GET",route="/api/loans/{id}",status="400"}"#,
        r#"http_request_duration_seconds_bucket{method="POST",route="/api/loans",status="201",le="0.005"}"#,
        r#"db_pool_connections{state="idle"}"#,
        r#"db_pool_connections{state="in_use"}"#,
        "db_pool_max_connections 10",
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
}

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    let app = TestApp::spawn().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    for path in [
        "/api/loans",
        "/api/loans/{id}",
        "/api/loans/{id}/status",
        "/api/stats",
        "/health",
        "/ready",
    ] {
        assert!(
            document["paths"].get(path).is_some(),
            "{path} is documented"
        );
    }
    insta::assert_json_snapshot!("openapi", document);
}

#[tokio::test]
async fn the_docs_page_is_served() {
    let app = TestApp::spawn().await;
    let response = app.get("/docs").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.text().await.unwrap().contains("loan-api"));
}

#[tokio::test]
async fn stopping_refuses_new_connections_and_lets_in_flight_requests_finish() {
    let db = TestDatabase::create().await;
    let proxy = TcpProxy::start(&db.server_address()).await;
    let url = db.url_through(proxy.address());
    // Room for the pool to open a connection through the slow proxy if it needs a new one.
    let mut app = TestApp::spawn_on(db, url, |config| {
        config.database.settings.acquire_timeout = Duration::from_secs(15);
    })
    .await;
    assert_eq!(app.get("/api/loans").await.status(), StatusCode::OK);

    // A slow database keeps the next request in flight for over a second.
    proxy.set_latency(Duration::from_millis(600));
    let in_flight = tokio::spawn(app.client.get(app.url("/api/loans")).send());
    tokio::time::sleep(Duration::from_millis(300)).await;

    app.begin_stop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = app.client.get(app.url("/health")).send().await;
    assert!(
        refused.is_err(),
        "a stopping service accepts no new connection"
    );

    let finished = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered, not dropped");
    let status = finished.status();
    assert_eq!(status, StatusCode::OK, "{}", finished.text().await.unwrap());
    app.stop().await;
}
