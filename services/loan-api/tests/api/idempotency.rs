//! `Idempotency-Key` on `POST /api/loans`.

use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, application, fields, problem};

async fn post_with_key(app: &TestApp, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/loans"))
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_returns_the_original_response_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let first = post_with_key(&app, "retry-1", &application()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let location = first.headers()["location"].clone();
    let first_body = first.bytes().await.unwrap();

    // The loan moves on in between; the replay is still the original answer.
    let id = serde_json::from_slice::<Value>(&first_body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.change_status(&id, "approved", None).await.status(),
        StatusCode::OK
    );

    let retry = post_with_key(&app, "retry-1", &application()).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.headers()["location"], location);
    assert_eq!(
        retry.bytes().await.unwrap(),
        first_body,
        "byte-for-byte the first body"
    );
    assert_eq!(app.count("loans").await, 1);
}

#[tokio::test]
async fn an_equivalent_spelling_of_the_same_application_is_a_retry() {
    let app = TestApp::spawn().await;
    let body = json!({"borrower_id": "b", "amount": 12500, "currency": "kes"});
    let same =
        json!({"currency": "KES", "amount": "12500.00", "borrower_id": "b", "note": "ignored"});
    assert_eq!(
        post_with_key(&app, "spelling", &body).await.status(),
        StatusCode::CREATED
    );
    let retry = post_with_key(&app, "spelling", &same).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(app.count("loans").await, 1);
}

#[tokio::test]
async fn the_same_key_with_a_different_application_is_a_422() {
    let app = TestApp::spawn().await;
    assert_eq!(
        post_with_key(&app, "reused", &application()).await.status(),
        StatusCode::CREATED
    );
    let mut other = application();
    other["amount"] = json!("1500.01");
    let body = problem(
        post_with_key(&app, "reused", &other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["type"], "urn:problem:idempotency-key-reused");
    assert_eq!(app.count("loans").await, 1);
}

#[tokio::test]
async fn concurrent_duplicates_create_exactly_one_loan() {
    let app = TestApp::spawn_with(|config| config.database.settings.max_connections = 20).await;
    let body = application();
    let responses = join_all((0..20).map(|_| post_with_key(&app, "burst", &body))).await;

    let mut ids = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::CREATED);
        let loan: Value = response.json().await.unwrap();
        ids.push(loan["id"].as_str().unwrap().to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every answer names the same loan");
    assert_eq!(app.count("loans").await, 1);
    assert_eq!(app.count("idempotency_keys").await, 1);
}

#[tokio::test]
async fn different_keys_create_different_loans() {
    let app = TestApp::spawn().await;
    for key in ["k-1", "k-2"] {
        assert_eq!(
            post_with_key(&app, key, &application()).await.status(),
            StatusCode::CREATED
        );
    }
    assert_eq!(app.count("loans").await, 2);
}

#[tokio::test]
async fn an_expired_key_can_be_used_again() {
    let app = TestApp::spawn_with(|config| config.idempotency_ttl = Duration::from_secs(1)).await;
    assert_eq!(
        post_with_key(&app, "short-lived", &application())
            .await
            .status(),
        StatusCode::CREATED
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = post_with_key(&app, "short-lived", &application()).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert!(again.headers().get("idempotent-replayed").is_none());
    assert_eq!(app.count("loans").await, 2);
    assert_eq!(app.count("idempotency_keys").await, 1);
}

#[tokio::test]
async fn a_malformed_key_is_a_400_naming_the_header() {
    let app = TestApp::spawn().await;
    for key in ["has space".to_owned(), "x".repeat(256)] {
        let body = problem(
            post_with_key(&app, &key, &application()).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(fields(&body), ["Idempotency-Key"]);
    }
    assert_eq!(app.count("loans").await, 0);
}

#[tokio::test]
async fn an_invalid_application_is_refused_even_with_a_key_and_does_not_burn_it() {
    let app = TestApp::spawn().await;
    let mut bad = application();
    bad["amount"] = json!(0);
    problem(
        post_with_key(&app, "careful", &bad).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        post_with_key(&app, "careful", &application())
            .await
            .status(),
        StatusCode::CREATED
    );
}
