//! `/assets` and `/assets/{id}`.

use chrono::{Duration, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fields, problem};

/// The contract's table: id, nominal value, status, due offset in days from the seed day.
const SEED: [(&str, f64, &str, i64); 20] = [
    ("asset-001", 37335.97, "defaulted", -78),
    ("asset-002", 37087.09, "active", -19),
    ("asset-003", 29934.13, "defaulted", -46),
    ("asset-004", 11713.26, "active", -43),
    ("asset-005", 28501.01, "active", -77),
    ("asset-006", 11801.59, "defaulted", 124),
    ("asset-007", 38181.56, "active", -87),
    ("asset-008", 17672.28, "active", 126),
    ("asset-009", 6008.30, "active", 82),
    ("asset-010", 42527.22, "active", 93),
    ("asset-011", 36756.86, "defaulted", -68),
    ("asset-012", 4861.21, "active", 103),
    ("asset-013", 29290.26, "active", 95),
    ("asset-014", 33401.90, "defaulted", -67),
    ("asset-015", 42910.57, "defaulted", -50),
    ("asset-016", 14620.71, "paid", 104),
    ("asset-017", 8970.05, "defaulted", 96),
    ("asset-018", 35389.20, "active", 46),
    ("asset-019", 30847.42, "defaulted", -54),
    ("asset-020", 9006.72, "active", 35),
];

async fn seed_day(app: &TestApp) -> NaiveDate {
    let mut connection = app.db.connect().await;
    sqlx::query_scalar("SELECT CURRENT_DATE")
        .fetch_one(&mut connection)
        .await
        .unwrap()
}

fn expected(asset: &(&str, f64, &str, i64), day: NaiveDate) -> Value {
    let (id, value, status, offset) = *asset;
    let due = (day + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string();
    json!({"id": id, "nominal_value": value, "status": status, "due_date": due})
}

#[tokio::test]
async fn the_demo_portfolio_is_the_original_twenty_assets_in_id_order() {
    let app = TestApp::spawn().await;
    let day = seed_day(&app).await;
    let response = app.get("/assets").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers().get("link").is_none(),
        "20 assets fit the default page"
    );
    let text = response.text().await.unwrap();
    let assets: Vec<Value> = serde_json::from_str(&text).unwrap();
    let expected: Vec<Value> = SEED.iter().map(|asset| expected(asset, day)).collect();
    assert_eq!(assets, expected);
    // Money keeps exactly its cents as a JSON number: no float artefacts in the text.
    assert!(text.contains(r#""nominal_value":37335.97,"#), "{text}");
    assert!(text.contains(r#""nominal_value":6008.3,"#), "{text}");
}

#[tokio::test]
async fn one_asset_by_id_and_a_404_for_an_unknown_one() {
    let app = TestApp::spawn().await;
    let day = seed_day(&app).await;
    assert_eq!(
        app.get_json("/assets/asset-016").await,
        expected(&SEED[15], day)
    );
    let body = problem(app.get("/assets/asset-999").await, StatusCode::NOT_FOUND).await;
    assert!(body["detail"].as_str().unwrap().contains("asset-999"));
}

#[tokio::test]
async fn filters_by_status() {
    let app = TestApp::spawn().await;
    for (status, count) in [("active", 11), ("defaulted", 8), ("paid", 1)] {
        let assets = app.get_json(&format!("/assets?status={status}")).await;
        let assets = assets.as_array().unwrap();
        assert_eq!(assets.len(), count, "{status}");
        assert!(assets.iter().all(|asset| asset["status"] == status));
    }
}

#[tokio::test]
async fn pages_follow_link_headers_in_id_order() {
    let app = TestApp::spawn().await;
    let mut seen = Vec::new();
    let mut next = Some("/assets?status=defaulted&limit=3".to_owned());
    while let Some(path) = next {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK);
        next = response.headers().get("link").map(|link| {
            let link = link.to_str().unwrap();
            link[1..link.find('>').unwrap()].to_owned()
        });
        let page: Vec<Value> = response.json().await.unwrap();
        seen.extend(
            page.iter()
                .map(|asset| asset["id"].as_str().unwrap().to_owned()),
        );
    }
    let expected: Vec<&str> = SEED
        .iter()
        .filter(|a| a.2 == "defaulted")
        .map(|a| a.0)
        .collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn bad_query_values_are_400s_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("status=overdue", "status"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=many", "limit"),
        ("cursor=", "cursor"),
    ] {
        let body = problem(
            app.get(&format!("/assets?{query}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(fields(&body), [field], "{query}");
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_are_problems() {
    let app = TestApp::spawn().await;
    problem(
        app.get("/assets/asset-001/owner").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let response = app.client.post(app.url("/assets")).send().await.unwrap();
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
}
