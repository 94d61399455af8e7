//! `GET /api/loans`: order, paging and filters.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fields, problem};

fn ids(page: &[Value]) -> Vec<String> {
    page.iter()
        .map(|loan| loan["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The `<…>` target of a `Link: …; rel="next"` header.
fn next_link(response: &reqwest::Response) -> Option<String> {
    let link = response.headers().get("link")?.to_str().unwrap();
    assert!(link.ends_with(r#">; rel="next""#), "{link}");
    Some(link[1..link.find('>').unwrap()].to_owned())
}

#[tokio::test]
async fn an_empty_table_lists_as_an_empty_array() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/loans").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("link").is_none());
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
}

#[tokio::test]
async fn newest_first_with_ties_broken_by_id() {
    let app = TestApp::spawn().await;
    // The five seed loans are inserted in one statement, so they share `created_at`.
    app.seed().await;
    let newer = app
        .create_loan(&json!({"borrower_id": "late", "amount": 5, "currency": "KES"}))
        .await;

    let page: Vec<Value> = app.get("/api/loans").await.json().await.unwrap();
    let mut expected = vec![newer["id"].as_str().unwrap().to_owned()];
    expected.extend(
        (1..=5)
            .rev()
            .map(|n| format!("00000000-0000-0000-0000-00000000000{n}")),
    );
    assert_eq!(ids(&page), expected);
}

#[tokio::test]
async fn pages_follow_link_headers_through_every_loan_exactly_once() {
    let app = TestApp::spawn().await;
    app.seed().await;
    for n in 0..7 {
        app.create_loan(
            &json!({"borrower_id": format!("b{n}"), "amount": 100 + n, "currency": "KES"}),
        )
        .await;
    }
    let everything: Vec<Value> = app.get("/api/loans").await.json().await.unwrap();
    assert_eq!(everything.len(), 12);

    let mut seen = Vec::new();
    let mut next = Some("/api/loans?limit=5".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK);
        next = next_link(&response);
        let page: Vec<Value> = response.json().await.unwrap();
        assert!(page.len() <= 5);
        seen.extend(ids(&page));
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        ids(&everything),
        "same order as one big page, nothing twice"
    );
}

#[tokio::test]
async fn the_default_page_is_100_and_the_largest_1000() {
    let app = TestApp::spawn().await;
    let mut connection = app.db.connect().await;
    sqlx::query(
        "INSERT INTO loans (id, borrower_id, amount, currency, status)
         SELECT gen_random_uuid(), 'bulk', 10, 'KES', 'pending' FROM generate_series(1, 1001)",
    )
    .execute(&mut connection)
    .await
    .unwrap();

    let response = app.get("/api/loans").await;
    assert!(
        next_link(&response)
            .unwrap()
            .starts_with("/api/loans?limit=100&cursor=")
    );
    assert_eq!(response.json::<Vec<Value>>().await.unwrap().len(), 100);

    let response = app.get("/api/loans?limit=1000").await;
    assert!(next_link(&response).is_some());
    assert_eq!(response.json::<Vec<Value>>().await.unwrap().len(), 1000);

    let body = problem(
        app.get("/api/loans?limit=1001").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(fields(&body), ["limit"]);
}

#[tokio::test]
async fn filters_by_status_currency_and_borrower_and_keep_them_across_pages() {
    let app = TestApp::spawn().await;
    app.seed().await;
    for n in 0..3 {
        app.create_loan(
            &json!({"borrower_id": "usr_kenya_001", "amount": 10 + n, "currency": "kes"}),
        )
        .await;
    }

    let pending: Vec<Value> = app
        .get("/api/loans?status=pending")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending.len(), 4);
    assert!(pending.iter().all(|loan| loan["status"] == "pending"));

    let kes: Vec<Value> = app
        .get("/api/loans?currency=kes")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kes.len(), 4, "currency filter is case-insensitive");

    let approved_inr: Vec<Value> = app
        .get("/api/loans?status=approved&currency=INR")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&approved_inr), ["00000000-0000-0000-0000-000000000002"]);

    let first = app
        .get("/api/loans?borrower_id=usr_kenya_001&limit=2")
        .await;
    let next = next_link(&first).unwrap();
    assert!(next.contains("borrower_id=usr_kenya_001"), "{next}");
    let mut all: Vec<Value> = first.json().await.unwrap();
    all.extend(app.get(&next).await.json::<Vec<Value>>().await.unwrap());
    assert_eq!(all.len(), 4);
    assert!(
        all.iter()
            .all(|loan| loan["borrower_id"] == "usr_kenya_001")
    );

    let none: Vec<Value> = app
        .get("/api/loans?borrower_id=nobody")
        .await
        .json()
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn bad_query_values_are_400s_naming_each_parameter() {
    let app = TestApp::spawn().await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("limit=ten", "limit"),
        ("status=paid", "status"),
        ("status=PENDING", "status"),
        ("currency=EURO", "currency"),
        ("borrower_id=", "borrower_id"),
        ("cursor=garbage", "cursor"),
    ];
    for (query, field) in cases {
        let body = problem(
            app.get(&format!("/api/loans?{query}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(fields(&body), [field], "{query}");
    }
    let body = problem(
        app.get("/api/loans?limit=0&status=paid").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let named: HashSet<String> = fields(&body).into_iter().collect();
    assert_eq!(
        named,
        HashSet::from(["limit".to_owned(), "status".to_owned()])
    );
}
