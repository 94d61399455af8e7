//! `POST /api/loans/{id}/status`: the lifecycle, its 409s and 412s, and the audit trail.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, application, fields, problem};

const STATUSES: [&str; 6] = [
    "pending",
    "approved",
    "rejected",
    "disbursed",
    "repaid",
    "defaulted",
];

/// The moves the contract allows; every other pair must be refused.
const ALLOWED: [(&str, &str); 5] = [
    ("pending", "approved"),
    ("pending", "rejected"),
    ("approved", "disbursed"),
    ("disbursed", "repaid"),
    ("disbursed", "defaulted"),
];

/// A loan in `status`, put there directly so every starting point can be tested.
async fn loan_in(app: &TestApp, status: &str) -> String {
    let loan = app.create_loan(&application()).await;
    let id = loan["id"].as_str().unwrap().to_owned();
    let mut connection = app.db.connect().await;
    sqlx::query("UPDATE loans SET status = $1 WHERE id = $2::uuid")
        .bind(status)
        .bind(&id)
        .execute(&mut connection)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn a_loan_goes_from_application_to_repayment() {
    let app = TestApp::spawn().await;
    let created = app.create_loan(&application()).await;
    let id = created["id"].as_str().unwrap();
    let mut previous_update = created["updated_at"].as_str().unwrap().to_owned();

    for (step, status) in ["approved", "disbursed", "repaid"].into_iter().enumerate() {
        let response = app.change_status(id, status, None).await;
        assert_eq!(response.status(), StatusCode::OK, "to {status}");
        assert_eq!(response.headers()["etag"], format!("\"{}\"", step + 2));
        let loan: Value = response.json().await.unwrap();
        assert_eq!(loan["status"], status);
        assert_eq!(loan["created_at"], created["created_at"]);
        let updated = loan["updated_at"].as_str().unwrap().to_owned();
        assert!(
            updated > previous_update,
            "updated_at advances: {updated} after {previous_update}"
        );
        previous_update = updated;
    }
    let stored: Value = app
        .get(&format!("/api/loans/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["status"], "repaid");
    assert_eq!(
        app.count("loan_status_changes").await,
        3,
        "each move is audited"
    );
}

#[tokio::test]
async fn exactly_the_documented_moves_are_allowed() {
    let app = TestApp::spawn().await;
    for from in STATUSES {
        for to in STATUSES {
            let id = loan_in(&app, from).await;
            let response = app.change_status(&id, to, None).await;
            if ALLOWED.contains(&(from, to)) {
                assert_eq!(response.status(), StatusCode::OK, "{from} → {to}");
            } else {
                let body = problem(response, StatusCode::CONFLICT).await;
                assert_eq!(
                    body["type"], "urn:problem:invalid-transition",
                    "{from} → {to}"
                );
                let stored: Value = app
                    .get(&format!("/api/loans/{id}"))
                    .await
                    .json()
                    .await
                    .unwrap();
                assert_eq!(stored["status"], from, "a refused move changes nothing");
            }
        }
    }
}

#[tokio::test]
async fn if_match_guards_against_lost_updates() {
    let app = TestApp::spawn().await;
    let loan = app.create_loan(&application()).await;
    let id = loan["id"].as_str().unwrap();

    // Two officers read version 1; the first approves, the second's rejection must fail.
    let response = app.change_status(id, "approved", Some("\"1\"")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.change_status(id, "rejected", Some("\"1\"")).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let body = problem(response, StatusCode::PRECONDITION_FAILED).await;
    assert_eq!(body["type"], "urn:problem:stale-etag");
    assert_eq!(etag, "\"2\"", "the 412 tells the current ETag");

    let response = app.change_status(id, "disbursed", Some(&etag)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.change_status(id, "repaid", Some("*")).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_weak_etag_never_satisfies_if_match() {
    let app = TestApp::spawn().await;
    let loan = app.create_loan(&application()).await;
    let response = app
        .change_status(loan["id"].as_str().unwrap(), "approved", Some("W/\"1\""))
        .await;
    problem(response, StatusCode::PRECONDITION_FAILED).await;
}

#[tokio::test]
async fn concurrent_moves_from_one_state_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    let loan = app.create_loan(&application()).await;
    let id = loan["id"].as_str().unwrap();
    let (approve, reject) = tokio::join!(
        app.change_status(id, "approved", None),
        app.change_status(id, "rejected", None)
    );
    let mut statuses = [approve.status(), reject.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(app.count("loan_status_changes").await, 1);
}

#[tokio::test]
async fn bad_requests_are_refused_before_anything_changes() {
    let app = TestApp::spawn().await;
    let loan = app.create_loan(&application()).await;
    let path = format!("/api/loans/{}/status", loan["id"].as_str().unwrap());

    for body in [
        json!({"status": "paid"}),
        json!({"status": "APPROVED"}),
        json!({"status": 1}),
        json!({}),
    ] {
        let problem = problem(app.post_json(&path, &body).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(fields(&problem), ["status"], "{body}");
    }
    let problem_body = problem(
        app.change_status("5f0c7a52-0000-4000-8000-000000000000", "approved", None)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(
        problem_body["detail"]
            .as_str()
            .unwrap()
            .contains("5f0c7a52")
    );
    problem(
        app.change_status("nope", "approved", None).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    problem(
        app.post_raw(&path, Some("text/plain"), "approved").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert_eq!(app.count("loan_status_changes").await, 0);
}
