//! `GET /api/loans/{id}`.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, application, fields, problem};

#[tokio::test]
async fn returns_the_loan_with_its_etag() {
    let app = TestApp::spawn().await;
    let created = app.create_loan(&application()).await;
    let response = app
        .get(&format!("/api/loans/{}", created["id"].as_str().unwrap()))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(response.json::<Value>().await.unwrap(), created);
}

#[tokio::test]
async fn an_unknown_id_is_a_404_problem() {
    let app = TestApp::spawn().await;
    let body = problem(
        app.get("/api/loans/5f0c7a52-0000-4000-8000-000000000000")
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("5f0c7a52-0000-4000-8000-000000000000")
    );
}

#[tokio::test]
async fn an_id_that_is_not_a_uuid_is_a_400_naming_id() {
    let app = TestApp::spawn().await;
    for id in [
        "42",
        "not-a-uuid",
        "00000000-0000-0000-0000-00000000000g",
        "%20",
    ] {
        let body = problem(
            app.get(&format!("/api/loans/{id}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(fields(&body), ["id"], "{id}");
    }
}
