//! `/insights`.

use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::TestDatabase;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_demo_portfolio_gives_the_documented_insights_in_order() {
    let app = TestApp::spawn().await;
    let response = app.get("/insights").await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!([
            {"id": "insight-001", "name": "total_portfolio_value", "value": 506817.31},
            {"id": "insight-002", "name": "default_rate", "value": 0.4},
            {"id": "insight-003", "name": "outstanding_debt", "value": 260238.11},
            {"id": "insight-004", "name": "collection_rate", "value": 0.0288},
        ])
    );
    assert!(
        text.contains(r#""value":0.0288}"#),
        "rates to four places: {text}"
    );
}

#[tokio::test]
async fn an_empty_portfolio_gives_zeros_not_errors() {
    let db = TestDatabase::create().await;
    let url = db.url();
    let app = TestApp::spawn_on(db, url, |_| {}).await;
    let insights = app.get_json("/insights").await;
    let values: Vec<f64> = insights
        .as_array()
        .unwrap()
        .iter()
        .map(|insight| insight["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [0.0, 0.0, 0.0, 0.0]);
    assert_eq!(app.get_json("/assets").await, json!([]));
}

#[tokio::test]
async fn insights_are_computed_from_the_current_data() {
    let app = TestApp::spawn_with(|config| config.cache_ttl = std::time::Duration::ZERO).await;
    app.execute("UPDATE assets SET status = 'paid' WHERE id = 'asset-002'")
        .await;
    let insights = app.get_json("/insights").await;
    // 37087.09 moved from active to paid.
    assert_eq!(insights[2]["value"], json!(223151.02));
    assert_eq!(insights[3]["value"], json!(0.1020));
    assert_eq!(insights[1]["value"], json!(0.4));
}
