//! Operational endpoints: liveness, readiness, metrics, the OpenAPI document.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn health_says_healthy_with_the_version() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get_json("/health").await,
        json!({"status": "healthy", "version": env!("CARGO_PKG_VERSION")})
    );
}

#[tokio::test]
async fn ready_when_the_database_answers_and_migrations_are_applied() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get_json("/ready").await["status"], "ready");
}

#[tokio::test]
async fn not_ready_while_migrations_are_pending() {
    let db = test_support::TestDatabase::create().await;
    let url = db.url();
    let app = TestApp::spawn_on(db, url, |config| config.migrate_on_start = false).await;
    let response = app.get("/ready").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["checks"]["migrations"]["status"], "down");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_pool() {
    let app = TestApp::spawn().await;
    app.get("/assets/asset-001").await;
    app.get("/assets/nope").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    for expected in [
        r#"http_requests_total{method="GET",route="/assets/{id}",status="200"}"#,
        r#"http_requests_total{method="GET",route="/assets/{id}",status="404"}"#,
        r#"db_pool_connections{state="idle"}"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
}

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    let app = TestApp::spawn().await;
    let document = app.get_json("/openapi.json").await;
    for path in ["/assets", "/assets/{id}", "/insights", "/health", "/ready"] {
        assert!(
            document["paths"].get(path).is_some(),
            "{path} is documented"
        );
    }
    insta::assert_json_snapshot!("openapi", document);
    assert_eq!(app.get("/docs").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_request_id_is_echoed() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/insights"))
        .header("x-request-id", "dashboard-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "dashboard-42");
}

#[tokio::test]
async fn a_stopped_service_closes_its_port() {
    let app = TestApp::spawn().await;
    let url = app.url("/health");
    let client = app.client.clone();
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    app.stop().await;
    assert!(
        client.get(&url).send().await.is_err(),
        "no longer listening"
    );
}
