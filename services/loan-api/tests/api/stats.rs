//! `GET /api/stats`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn an_empty_table_gives_zeros_and_empty_objects() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/stats").await;
    assert_eq!(response.status(), StatusCode::OK);
    let stats: Value = response.json().await.unwrap();
    assert_eq!(
        stats,
        json!({"total_loans": 0, "total_amount": 0.0, "avg_amount": 0.0, "by_status": {}, "by_currency": {}})
    );
}

#[tokio::test]
async fn the_seed_gives_the_documented_figures() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let stats: Value = app.get("/api/stats").await.json().await.unwrap();
    assert_eq!(stats["total_loans"], 5);
    assert_eq!(stats["total_amount"].as_f64(), Some(123_900.0));
    assert_eq!(stats["avg_amount"].as_f64(), Some(24_780.0));
    assert_eq!(
        stats["by_status"],
        json!({"pending": 1, "approved": 1, "rejected": 1, "disbursed": 1, "repaid": 1})
    );
    assert_eq!(
        stats["by_currency"],
        json!({"KES": 1, "INR": 1, "NGN": 1, "VND": 1, "PHP": 1})
    );
}

#[tokio::test]
async fn totals_are_exact_to_the_cent_and_the_average_is_rounded() {
    let app = TestApp::spawn().await;
    for amount in ["0.10", "0.20", "0.01"] {
        app.create_loan(&json!({"borrower_id": "b", "amount": amount, "currency": "usd"}))
            .await;
    }
    let text = app.get("/api/stats").await.text().await.unwrap();
    // 0.1 + 0.2 + 0.01 is 0.31 exactly, not 0.31000000000000005; the mean 0.1033… is 0.10.
    assert!(
        text.contains(r#""total_amount":0.31,"#) || text.contains(r#""total_amount":0.31}"#),
        "{text}"
    );
    assert!(text.contains(r#""avg_amount":0.10,"#), "{text}");
    let stats: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(stats["by_currency"], json!({"USD": 3}));
    assert_eq!(stats["by_status"], json!({"pending": 3}));
}

#[tokio::test]
async fn totals_follow_status_changes_and_writes_that_bypass_the_api() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let loan = app
        .create_loan(&json!({"borrower_id": "b", "amount": "100.00", "currency": "KES"}))
        .await;
    let id = loan["id"].as_str().unwrap();
    assert_eq!(
        app.change_status(id, "approved", None).await.status(),
        StatusCode::OK
    );

    let stats: Value = app.get("/api/stats").await.json().await.unwrap();
    assert_eq!(stats["total_loans"], 6);
    assert_eq!(stats["by_status"]["pending"], 1);
    assert_eq!(stats["by_status"]["approved"], 2);
    assert_eq!(stats["by_currency"]["KES"], 2);
    assert_eq!(stats["total_amount"].as_f64(), Some(124_000.0));

    // Another writer (a migration, an operator) changes the table directly.
    let mut connection = app.db.connect().await;
    sqlx::query("DELETE FROM loans WHERE id = '00000000-0000-0000-0000-000000000002'")
        .execute(&mut connection)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE loans SET currency = 'USD' WHERE id = '00000000-0000-0000-0000-000000000003'",
    )
    .execute(&mut connection)
    .await
    .unwrap();
    let stats: Value = app.get("/api/stats").await.json().await.unwrap();
    assert_eq!(stats["total_loans"], 5);
    assert_eq!(stats["total_amount"].as_f64(), Some(74_000.0));
    assert_eq!(stats["avg_amount"].as_f64(), Some(14_800.0));
    assert_eq!(stats["by_status"]["approved"], 1);
    assert!(
        stats["by_currency"].get("INR").is_none(),
        "a currency with no loans left is not listed"
    );
    assert!(stats["by_currency"].get("NGN").is_none());
    assert_eq!(stats["by_currency"]["USD"], 1);
}
