//! `POST /api/loans`: what is accepted, how it is stored, and what is refused.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, application, fields, problem};

fn with(field: &str, value: Value) -> Value {
    let mut body = application();
    body[field] = value;
    body
}

fn without(field: &str) -> Value {
    let mut body = application();
    body.as_object_mut().unwrap().remove(field);
    body
}

#[tokio::test]
async fn creates_a_pending_loan_and_says_where_it_is() {
    let app = TestApp::spawn().await;
    let response = app.post_json("/api/loans", &application()).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["content-type"], "application/json");
    let loan: Value = response.json().await.unwrap();

    assert_eq!(
        location,
        format!("/api/loans/{}", loan["id"].as_str().unwrap())
    );
    assert_eq!(etag, "\"1\"");
    assert_eq!(loan["borrower_id"], "usr_test_001");
    assert_eq!(loan["amount"], "1500.00");
    assert_eq!(loan["currency"], "KES");
    assert_eq!(loan["status"], "pending");
    assert_eq!(loan["term_months"], 6);
    assert_eq!(loan["interest_rate_apr"], "28.50");
    assert_eq!(loan["created_at"], loan["updated_at"]);
    let created_at = loan["created_at"].as_str().unwrap();
    assert!(created_at.ends_with('Z'), "RFC 3339 in UTC: {created_at}");
    assert!(chrono::DateTime::parse_from_rfc3339(created_at).is_ok());

    let stored: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(stored, loan);
}

#[tokio::test]
async fn status_id_timestamps_and_unknown_fields_sent_by_the_client_are_ignored() {
    let app = TestApp::spawn().await;
    let mut body = application();
    body["status"] = json!("disbursed");
    body["id"] = json!("00000000-0000-0000-0000-000000000099");
    body["created_at"] = json!("2001-01-01T00:00:00Z");
    body["favourite_colour"] = json!("teal");

    let loan = app.create_loan(&body).await;

    assert_eq!(loan["status"], "pending");
    assert_ne!(loan["id"], "00000000-0000-0000-0000-000000000099");
    assert!(!loan["created_at"].as_str().unwrap().starts_with("2001"));
    assert!(loan.get("favourite_colour").is_none());
}

#[tokio::test]
async fn optional_fields_may_be_left_out_or_null() {
    let app = TestApp::spawn().await;
    let loan = app
        .create_loan(&json!({"borrower_id": "b", "amount": 10, "currency": "usd"}))
        .await;
    assert_eq!(loan["term_months"], Value::Null);
    assert_eq!(loan["interest_rate_apr"], Value::Null);
    assert_eq!(loan["currency"], "USD");

    let loan = app.create_loan(&with("term_months", Value::Null)).await;
    assert_eq!(loan["term_months"], Value::Null);
}

#[tokio::test]
async fn amounts_are_exact_at_every_boundary() {
    let app = TestApp::spawn().await;
    // (sent, stored) for amounts that must be accepted.
    let accepted = [
        (json!(0.01), "0.01"),
        (json!("0.01"), "0.01"),
        (json!(50000), "50000.00"),
        (json!("50000.00"), "50000.00"),
        (json!(49999.99), "49999.99"),
        (json!("12500"), "12500.00"),
        (json!(1e3), "1000.00"),
        (json!("100.000"), "100.00"),
        (json!(0.1), "0.10"),
    ];
    for (sent, stored) in accepted {
        let loan = app.create_loan(&with("amount", sent.clone())).await;
        assert_eq!(loan["amount"], stored, "amount {sent}");
    }
    let refused = [
        json!(0),
        json!("0.00"),
        json!(-1),
        json!(-0.01),
        json!(50000.01),
        json!("50000.01"),
        json!(1e9),
        json!(0.001),
        json!("10.125"),
        json!("abc"),
        json!(""),
        json!("NaN"),
        json!(true),
        json!([1]),
        json!({"value": 1}),
        Value::Null,
    ];
    for sent in refused {
        let body = problem(
            app.post_json("/api/loans", &with("amount", sent.clone()))
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(fields(&body), ["amount"], "amount {sent}: {body}");
    }
    assert_eq!(app.count("loans").await, 9, "no refused amount was stored");
}

#[tokio::test]
async fn a_huge_number_literal_is_a_field_error_not_a_crash() {
    let app = TestApp::spawn().await;
    let body =
        r#"{"borrower_id":"b","currency":"KES","amount":1234567890123456789012345678901234567890}"#;
    let problem = problem(
        app.post_raw("/api/loans", Some("application/json"), body)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(fields(&problem), ["amount"]);
}

#[tokio::test]
async fn currencies_must_be_three_letters_and_are_stored_upper_case() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.create_loan(&with("currency", json!("kes"))).await["currency"],
        "KES"
    );
    assert_eq!(
        app.create_loan(&with("currency", json!("Ngn"))).await["currency"],
        "NGN"
    );
    for sent in [
        json!("KE"),
        json!("KESH"),
        json!(""),
        json!("K3S"),
        json!("kés"),
        json!(123),
        Value::Null,
    ] {
        let body = problem(
            app.post_json("/api/loans", &with("currency", sent.clone()))
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(fields(&body), ["currency"], "currency {sent}");
    }
}

#[tokio::test]
async fn borrower_ids_need_one_to_255_characters() {
    let app = TestApp::spawn().await;
    app.create_loan(&with("borrower_id", json!("x"))).await;
    app.create_loan(&with("borrower_id", json!("é".repeat(255))))
        .await;
    for sent in [
        json!(""),
        json!("x".repeat(256)),
        json!(42),
        json!("tab\there"),
        Value::Null,
    ] {
        let body = problem(
            app.post_json("/api/loans", &with("borrower_id", sent.clone()))
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(fields(&body), ["borrower_id"], "borrower_id {sent}");
    }
}

#[tokio::test]
async fn term_months_is_a_whole_number_from_1_to_600() {
    let app = TestApp::spawn().await;
    for (sent, stored) in [(json!(1), 1), (json!(600), 600), (json!(6.0), 6)] {
        assert_eq!(
            app.create_loan(&with("term_months", sent)).await["term_months"],
            stored
        );
    }
    for sent in [
        json!(0),
        json!(-1),
        json!(601),
        json!(6.5),
        json!("6"),
        json!(2_147_483_648_i64),
        json!(true),
    ] {
        let body = problem(
            app.post_json("/api/loans", &with("term_months", sent.clone()))
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(fields(&body), ["term_months"], "term_months {sent}");
    }
}

#[tokio::test]
async fn interest_rates_go_from_0_to_100_with_two_places() {
    let app = TestApp::spawn().await;
    for (sent, stored) in [
        (json!(0), "0.00"),
        (json!(100), "100.00"),
        (json!(12.34), "12.34"),
        (json!("7.5"), "7.50"),
    ] {
        assert_eq!(
            app.create_loan(&with("interest_rate_apr", sent)).await["interest_rate_apr"],
            stored
        );
    }
    for sent in [
        json!(-0.01),
        json!(100.01),
        json!(12.345),
        json!("x"),
        json!(false),
    ] {
        let body = problem(
            app.post_json("/api/loans", &with("interest_rate_apr", sent.clone()))
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(
            fields(&body),
            ["interest_rate_apr"],
            "interest_rate_apr {sent}"
        );
    }
}

#[tokio::test]
async fn every_missing_required_field_is_named_at_once() {
    let app = TestApp::spawn().await;
    let body = problem(
        app.post_json("/api/loans", &json!({})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(fields(&body), ["borrower_id", "amount", "currency"]);
    assert_eq!(body["type"], "urn:problem:validation");

    for field in ["borrower_id", "amount", "currency"] {
        let body = problem(
            app.post_json("/api/loans", &without(field)).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(fields(&body), [field]);
        assert_eq!(body["errors"][0]["message"], "is required");
    }
    assert_eq!(app.count("loans").await, 0, "nothing half-written");
}

#[tokio::test]
async fn a_body_that_is_missing_or_not_json_is_a_400() {
    let app = TestApp::spawn().await;
    let cases: [(&str, &[u8]); 5] = [
        ("empty", b""),
        ("not JSON", b"{borrower_id: b}"),
        ("truncated", br#"{"borrower_id": "b", "amount""#),
        ("an array", b"[1, 2]"),
        ("a string", br#""loan""#),
    ];
    for (case, body) in cases {
        let response = app
            .post_raw("/api/loans", Some("application/json"), body.to_vec())
            .await;
        let problem = problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(fields(&problem), ["body"], "{case}: {problem}");
    }
    let response = app.post_raw("/api/loans", None, Vec::new()).await;
    problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.count("loans").await, 0);
}

#[tokio::test]
async fn json_sent_as_something_else_is_a_415() {
    let app = TestApp::spawn().await;
    let body = application().to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let response = app.post_raw("/api/loans", content_type, body.clone()).await;
        problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    }
    let response = app
        .post_raw("/api/loans", Some("application/json; charset=utf-8"), body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413() {
    let app = TestApp::spawn().await;
    let mut body = application();
    body["padding"] = json!("x".repeat(70 * 1024));
    let response = app.post_json("/api/loans", &body).await;
    problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(app.count("loans").await, 0);
}
