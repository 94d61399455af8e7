//! The gateway in front of the real loan-api and portfolio-api, each on its own database: every
//! public path answers through the gateway exactly as it does directly.

use std::net::SocketAddr;

use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::TestDatabase;

use crate::helpers::{LOANS_KEY, TestGateway, problem};

struct Stack {
    loan_api: SocketAddr,
    portfolio_api: SocketAddr,
    gateway: TestGateway,
    _databases: (TestDatabase, TestDatabase),
}

async fn stack() -> Stack {
    let loans_db = TestDatabase::create().await;
    let mut config = loan_api::config::Config::new(loans_db.url());
    config.port = 0;
    let loans = loan_api::startup::Application::build(&config)
        .await
        .unwrap();
    let loan_api = SocketAddr::from(([127, 0, 0, 1], loans.local_addr().unwrap().port()));
    let pool = pgpool::Config::new(loans_db.url()).pool("seed").unwrap();
    loan_api::db::seed(&pool).await.unwrap();
    tokio::spawn(loans.run_until_stopped(std::future::pending()));

    let portfolio_db = TestDatabase::create().await;
    let mut config = portfolio_api::config::Config::new(portfolio_db.url());
    config.port = 0;
    let portfolio = portfolio_api::startup::Application::build(&config)
        .await
        .unwrap();
    let portfolio_api = SocketAddr::from(([127, 0, 0, 1], portfolio.local_addr().unwrap().port()));
    let pool = pgpool::Config::new(portfolio_db.url())
        .pool("seed")
        .unwrap();
    portfolio_api::db::seed(&pool).await.unwrap();
    tokio::spawn(portfolio.run_until_stopped(std::future::pending()));

    // The built-in configuration, pointed at these two.
    let toml = gateway::config::BUILT_IN
        .replace(
            "${LOAN_API_URL:-http://127.0.0.1:8000}",
            &format!("http://{loan_api}"),
        )
        .replace(
            "${PORTFOLIO_API_URL:-http://127.0.0.1:8001}",
            &format!("http://{portfolio_api}"),
        )
        .replace("${API_KEYS:-}", "${TEST_KEYS}");
    let gateway = TestGateway::start(&toml).await;
    Stack {
        loan_api,
        portfolio_api,
        gateway,
        _databases: (loans_db, portfolio_db),
    }
}

async fn body(client: &reqwest::Client, url: String) -> (StatusCode, Value) {
    let response = client.get(url).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn every_public_read_answers_as_it_does_directly() {
    let stack = stack().await;
    let client = &stack.gateway.client;
    let pairs = [
        ("/api/loans", format!("http://{}/api/loans", stack.loan_api)),
        (
            "/api/loans/00000000-0000-0000-0000-000000000003",
            format!(
                "http://{}/api/loans/00000000-0000-0000-0000-000000000003",
                stack.loan_api
            ),
        ),
        (
            "/api/loans?status=pending&limit=1",
            format!("http://{}/api/loans?status=pending&limit=1", stack.loan_api),
        ),
        (
            "/api/loans/not-a-uuid",
            format!("http://{}/api/loans/not-a-uuid", stack.loan_api),
        ),
        ("/api/stats", format!("http://{}/api/stats", stack.loan_api)),
        (
            "/api/portfolio/assets",
            format!("http://{}/assets", stack.portfolio_api),
        ),
        (
            "/api/portfolio/assets?status=paid",
            format!("http://{}/assets?status=paid", stack.portfolio_api),
        ),
        (
            "/api/portfolio/assets/asset-007",
            format!("http://{}/assets/asset-007", stack.portfolio_api),
        ),
        (
            "/api/portfolio/assets/asset-999",
            format!("http://{}/assets/asset-999", stack.portfolio_api),
        ),
        (
            "/api/portfolio/insights",
            format!("http://{}/insights", stack.portfolio_api),
        ),
    ];
    for (public, direct) in pairs {
        let through = body(client, stack.gateway.url(public)).await;
        assert_eq!(through, body(client, direct).await, "{public}");
    }
}

#[tokio::test]
async fn writes_with_a_key_go_through_and_keep_their_headers() {
    let stack = stack().await;
    let created = stack
        .gateway
        .client
        .post(stack.gateway.url("/api/loans"))
        .bearer_auth(LOANS_KEY)
        .header("idempotency-key", "through-the-gateway")
        .json(&json!({"borrower_id": "gw", "amount": "250.00", "currency": "kes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let loan: Value = created.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/loans/{}", loan["id"].as_str().unwrap()),
        "a public path"
    );

    let moved = stack
        .gateway
        .client
        .post(stack.gateway.url(&format!("{location}/status")))
        .bearer_auth(LOANS_KEY)
        .header("if-match", &etag)
        .json(&json!({"status": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    let (status, direct) = body(
        &stack.gateway.client,
        format!("http://{}{location}", stack.loan_api),
    )
    .await;
    assert_eq!(
        (status, direct["status"].as_str()),
        (StatusCode::OK, Some("approved"))
    );
}

#[tokio::test]
async fn upstream_operational_endpoints_stay_private_and_the_gateway_has_its_own() {
    let stack = stack().await;
    for path in [
        "/api/portfolio/metrics",
        "/api/portfolio/ready",
        "/api/nothing",
        "/",
    ] {
        problem(stack.gateway.get(path).await, StatusCode::NOT_FOUND).await;
    }
    let ready: Value = stack.gateway.get("/ready").await.json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["checks"]["loan-api"]["status"], "up");
    assert_eq!(
        ready["checks"]["portfolio-api"]["detail"],
        "1 of 1 replicas ready, 0 ejected, breaker closed"
    );
}

#[tokio::test]
async fn the_openapi_document_covers_both_backends_under_their_public_paths() {
    let stack = stack().await;
    let document: Value = stack
        .gateway
        .get("/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let paths: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        paths,
        [
            "/api/loans",
            "/api/loans/{id}",
            "/api/loans/{id}/status",
            "/api/portfolio/assets",
            "/api/portfolio/assets/{id}",
            "/api/portfolio/insights",
            "/api/stats",
        ]
    );
    assert_eq!(
        document["paths"]["/api/loans"]["post"]["security"],
        json!([{"apiKey": []}])
    );
    assert!(
        document["paths"]["/api/loans"]["get"]
            .get("security")
            .is_none()
    );
    for schema in ["Loan", "Asset", "Insight", "Problem"] {
        assert!(
            document["components"]["schemas"].get(schema).is_some(),
            "{schema}"
        );
    }
    assert_eq!(stack.gateway.get("/docs").await.status(), StatusCode::OK);
    insta::assert_json_snapshot!("merged_openapi", document);
}
