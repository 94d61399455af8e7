//! HTTP behaviour shared by every route: problem bodies, request ids, trace context.

use reqwest::StatusCode;

use crate::helpers::{TestApp, problem};

#[tokio::test]
async fn an_unknown_path_is_a_404_problem() {
    let app = TestApp::spawn().await;
    for path in ["/", "/api", "/api/loan", "/api/loans/1/2/3", "/admin"] {
        problem(app.get(path).await, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .delete(app.url("/api/loans"))
        .send()
        .await
        .unwrap();
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;

    let response = app.client.put(app.url("/api/stats")).send().await.unwrap();
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn a_callers_request_id_is_echoed_and_a_missing_one_is_minted() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/api/stats"))
        .header("x-request-id", "req-42.abc")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "req-42.abc");

    let minted = app.get("/api/stats").await;
    let id = minted.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 32);

    // Errors carry it too, so a client can quote it to support.
    let error = app.get("/nowhere").await;
    assert!(error.headers().contains_key("x-request-id"));

    let hostile = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "x".repeat(500))
        .send()
        .await
        .unwrap();
    assert_eq!(
        hostile.headers()["x-request-id"].len(),
        32,
        "an oversized id is replaced"
    );
}

#[tokio::test]
async fn the_status_change_audit_keeps_the_request_id() {
    let app = TestApp::spawn().await;
    let loan = app.create_loan(&crate::helpers::application()).await;
    let response = app
        .client
        .post(app.url(&format!(
            "/api/loans/{}/status",
            loan["id"].as_str().unwrap()
        )))
        .header("x-request-id", "audit-trail-1")
        .json(&serde_json::json!({"status": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut connection = app.db.connect().await;
    let (from, to, request_id): (String, String, Option<String>) =
        sqlx::query_as("SELECT from_status, to_status, request_id FROM loan_status_changes")
            .fetch_one(&mut connection)
            .await
            .unwrap();
    assert_eq!((from.as_str(), to.as_str()), ("pending", "approved"));
    assert_eq!(request_id.as_deref(), Some("audit-trail-1"));
}
