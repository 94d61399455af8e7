//! Rate limits (429), body limits (413) and CORS.

use reqwest::StatusCode;

use crate::helpers::{Behaviour, FakeUpstream, LOANS_KEY, TestGateway, config, problem};

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after_and_ratelimit_headers() {
    let upstream = FakeUpstream::start(Behaviour::Ok).await;
    let extra = "[rate_limit]\nrequests_per_second = 0.5\nburst = 3\ntrusted_proxies = []\n";
    let gateway = TestGateway::start(&config(&[("loans", &[upstream.url()])], 2000, extra)).await;

    for remaining in ["2", "1", "0"] {
        let response = gateway.get("/api/loans").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["ratelimit-limit"], "3");
        assert_eq!(response.headers()["ratelimit-remaining"], remaining);
    }
    let refused = gateway.get("/api/loans").await;
    assert_eq!(refused.headers()["retry-after"], "2");
    assert_eq!(refused.headers()["ratelimit-remaining"], "0");
    let body = problem(refused, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(
        body["detail"].as_str().unwrap().contains("retry in 2 s"),
        "{body}"
    );
    assert_eq!(upstream.seen().len(), 3);

    // A key is a client of its own, with its own bucket.
    let keyed = gateway
        .client
        .get(gateway.url("/api/loans"))
        .bearer_auth(LOANS_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(keyed.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_never_forwarded() {
    let upstream = FakeUpstream::start(Behaviour::Ok).await;
    let extra = "[limits]\nbody_limit_bytes = 1024\n";
    let gateway = TestGateway::start(&config(&[("loans", &[upstream.url()])], 2000, extra)).await;
    let response = gateway
        .client
        .post(gateway.url("/api/loans"))
        .bearer_auth(LOANS_KEY)
        .body(vec![b'x'; 2048])
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(upstream.seen().is_empty());
}

#[tokio::test]
async fn cors_answers_allowed_origins_only() {
    let upstream = FakeUpstream::start(Behaviour::Ok).await;
    let extra = "[cors]\nallowed_origins = [\"https://app.example\"]\n";
    let gateway = TestGateway::start(&config(&[("loans", &[upstream.url()])], 2000, extra)).await;
    let preflight = |origin: &'static str| {
        gateway
            .client
            .request(reqwest::Method::OPTIONS, gateway.url("/api/loans"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://app.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
