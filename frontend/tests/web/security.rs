//! Security headers, content-hashed static assets, markup that needs no unsafe-inline.

use reqwest::StatusCode;

use crate::helpers::{StubGateway, TestWeb};

#[tokio::test]
async fn every_page_carries_a_csp_without_unsafe_inline_and_the_markup_complies() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    for path in ["/", "/loans", "/loans/new", "/stats", "/status", "/nowhere"] {
        let (_, headers, html) = web.get(path).await;
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(
            !html.contains(" style="),
            "{path}: an inline style would need unsafe-inline"
        );
        assert!(
            !html.contains("<script>"),
            "{path}: an inline script would need unsafe-inline"
        );
        assert!(
            html.contains("<html lang=\"en\">") && html.contains("<h1>"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn static_assets_have_hashed_names_and_are_cached_for_a_year() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    let (_, _, html) = web.get("/").await;
    let start = html.find("/static/app.").unwrap();
    let path = &html[start..start + html[start..].find('"').unwrap()];
    assert!(
        path.starts_with("/static/app.") && path.len() == "/static/app..css".len() + 12,
        "{path}"
    );
    let response = web.client.get(web.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(response.text().await.unwrap().contains("--brand"));
}

#[tokio::test]
async fn the_page_request_id_and_trace_reach_the_gateway() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    web.client
        .get(web.url("/stats"))
        .header("x-request-id", "browser-1")
        .send()
        .await
        .unwrap();
    let seen = gateway.seen().pop().unwrap();
    assert_eq!(seen.headers["x-request-id"], "browser-1");
    assert!(
        telemetry::TraceContext::parse(seen.headers["traceparent"].to_str().unwrap()).is_some()
    );
}
