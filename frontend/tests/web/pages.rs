//! Pages render what the gateway serves, and say so when it does not.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{LOAN_ID, StubGateway, TestWeb};

#[tokio::test]
async fn the_dashboard_shows_four_insights_and_the_assets_with_overdue_flagged() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    let (status, _, html) = web.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("data-insight=").count(), 4);
    for text in [
        "506,817.31",
        "40.00%",
        "260,238.11",
        "2.88%",
        "Total portfolio value",
        "3 assets",
    ] {
        assert!(html.contains(text), "missing {text}");
    }
    assert_eq!(
        html.matches("class=\"badge overdue\"").count(),
        1,
        "only the past-due active asset"
    );
    assert!(html.contains("<caption>"), "tables have captions");

    web.get("/?status=paid").await;
    assert!(
        gateway
            .seen()
            .iter()
            .any(|seen| seen.path == "/api/portfolio/assets?status=paid")
    );
}

#[tokio::test]
async fn the_loans_list_links_the_next_page_and_back() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    let (_, _, html) = web.get("/loans?status=pending").await;
    assert!(html.contains("12,500.00") && html.contains("usr_kenya_001"));
    assert!(
        html.contains("href=\"/loans?status=pending&amp;cursor=NEXT1&amp;back=\""),
        "{html}"
    );
    assert!(
        !html.contains("rel=\"prev\""),
        "no previous page on the first"
    );
    let (_, _, second) = web.get("/loans?status=pending&cursor=NEXT1&back=").await;
    assert!(
        second.contains("href=\"/loans?status=pending&amp;cursor=\" rel=\"prev\""),
        "{second}"
    );
    assert!(
        gateway
            .seen()
            .iter()
            .any(|seen| seen.path.contains("cursor=NEXT1"))
    );
}

#[tokio::test]
async fn stats_are_drawn_as_svg_bars() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    let (_, _, html) = web.get("/stats").await;
    assert!(html.contains("<svg class=\"chart\" id=\"by-status\""));
    assert!(html.contains("data-count=\"3\""), "pending: 3");
    assert!(html.contains("123,900.00") && html.contains("24,780.00"));
}

#[tokio::test]
async fn a_dead_gateway_gives_a_page_that_says_so_and_the_status_page_still_works() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    gateway.kill();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (status, _, html) = web.get("/").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        html.contains("not answering") && html.contains("href=\"/loans\""),
        "the page says so and keeps the navigation"
    );
    let (status, _, html) = web.get("/status").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("state-down"));
    assert_eq!(web.get("/ready").await.0, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_slow_gateway_gives_a_page_that_says_it_is_slow() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    gateway.slow_down(Duration::from_secs(2));
    let (status, _, html) = web.get("/stats").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert!(html.contains("slow to answer"));
}

#[tokio::test]
async fn the_status_page_lists_each_tier() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    let (_, _, html) = web.get("/status").await;
    assert!(
        html.contains("loan-api")
            && html.contains("portfolio-api")
            && html.contains("0 of 1 replicas ready")
    );
    assert_eq!(web.get("/ready").await.0, StatusCode::OK);
}

#[tokio::test]
async fn unknown_pages_and_loans_are_real_404s() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    for path in [
        "/nowhere",
        "/loans/not-a-uuid",
        "/loans/00000000-0000-0000-0000-000000000099",
        "/static/app.000.css",
    ] {
        let (status, _, html) = web.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("Page not found"), "{path}");
    }
    let (status, _, _) = web.get(&format!("/loans/{LOAN_ID}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn api_calls_pass_through_unchanged() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    let response = web
        .client
        .post(web.url("/api/loans?x=1"))
        .bearer_auth("client-key")
        .header("content-type", "application/json")
        .body(r#"{"borrower_id":"b","amount":"10","currency":"KES"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let seen = gateway.seen().pop().unwrap();
    assert_eq!(seen.path, "/api/loans?x=1");
    assert_eq!(
        seen.headers["authorization"], "Bearer client-key",
        "the client's own credentials"
    );
    assert!(seen.headers.contains_key("traceparent"));
    assert_eq!(
        seen.body,
        r#"{"borrower_id":"b","amount":"10","currency":"KES"}"#
    );
}

#[tokio::test]
async fn passed_through_calls_wait_for_the_gateway_longer_than_pages_do() {
    // Pages give up after API_TIMEOUT_MS (500 ms here); an /api/… call waits for the
    // gateway's own answer, which may come after its retries.
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    gateway.slow_down(Duration::from_millis(1200));
    let response = web
        .client
        .get(web.url(&format!("/api/loans/{LOAN_ID}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(web.get("/stats").await.0, StatusCode::GATEWAY_TIMEOUT);
}
