//! Misbehaving upstreams: dead replicas, slow, refusing, resetting and flapping upstreams, and
//! the circuit breaker.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    Behaviour, FakeUpstream, LOANS_KEY, TestGateway, config, problem, refusing_url,
    resetting_upstream,
};

async fn served_by(gateway: &TestGateway, path: &str) -> u64 {
    let response = gateway.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json::<Value>().await.unwrap()["served_by"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_dead_replica_of_three_costs_no_get_and_leaves_the_rotation() {
    let live = [
        FakeUpstream::start(Behaviour::Ok).await,
        FakeUpstream::start(Behaviour::Ok).await,
    ];
    let urls = [live[0].url(), live[1].url(), refusing_url()];
    let gateway = TestGateway::start(&config(&[("loans", &urls)], 2000, "")).await;

    let mut served = HashSet::new();
    for _ in 0..100 {
        served.insert(served_by(&gateway, "/api/loans").await);
    }
    assert_eq!(served.len(), 2, "both live replicas share the load");
    let ready: Value = gateway.get("/ready").await.json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(
        ready["checks"]["loans"]["detail"],
        "2 of 3 replicas ready, 0 ejected, breaker closed"
    );
}

#[tokio::test]
async fn a_replica_killed_under_load_costs_no_get() {
    let replicas = [
        FakeUpstream::start(Behaviour::Ok).await,
        FakeUpstream::start(Behaviour::Ok).await,
        FakeUpstream::start(Behaviour::Ok).await,
    ];
    let urls: Vec<String> = replicas.iter().map(FakeUpstream::url).collect();
    let gateway = TestGateway::start(&config(&[("loans", &urls)], 2000, "")).await;
    for round in 0..150 {
        if round == 50 {
            replicas[0].kill();
        }
        served_by(&gateway, "/api/loans").await;
    }
    let killed_port = u64::from(replicas[0].address.port());
    for _ in 0..30 {
        assert_ne!(served_by(&gateway, "/api/loans").await, killed_port);
    }
}

#[tokio::test]
async fn a_slow_upstream_gets_504_within_the_route_timeout_plus_ten_percent() {
    let slow = FakeUpstream::start(Behaviour::Slow(Duration::from_secs(5))).await;
    let gateway = TestGateway::start(&config(&[("loans", &[slow.url()])], 1000, "")).await;
    let started = Instant::now();
    let response = gateway.get("/api/loans").await;
    let elapsed = started.elapsed();
    let body = problem(response, StatusCode::GATEWAY_TIMEOUT).await;
    assert_eq!(body["type"], "urn:problem:upstream-timeout");
    assert!(
        elapsed >= Duration::from_millis(1000),
        "not before the deadline: {elapsed:?}"
    );
    assert!(
        elapsed <= Duration::from_millis(1100),
        "within the timeout + 10 %: {elapsed:?}"
    );
}

#[tokio::test]
async fn a_refusing_upstream_is_502() {
    let gateway = TestGateway::start(&config(&[("loans", &[refusing_url()])], 2000, "")).await;
    let body = problem(gateway.get("/api/loans").await, StatusCode::BAD_GATEWAY).await;
    assert_eq!(body["type"], "urn:problem:upstream-failed");
    assert!(
        !body.to_string().contains("127.0.0.1"),
        "no internal address leaks: {body}"
    );
}

#[tokio::test]
async fn a_resetting_upstream_is_502_and_only_safe_requests_are_tried_again() {
    let (url, requests, _server) = resetting_upstream().await;
    let gateway = TestGateway::start(&config(&[("loans", &[url])], 2000, "")).await;
    problem(gateway.get("/api/loans").await, StatusCode::BAD_GATEWAY).await;
    let after_get = requests.load(Ordering::SeqCst);
    assert_eq!(after_get, 3, "a GET is tried up to max_attempts times");

    let write = gateway
        .client
        .post(gateway.url("/api/loans"))
        .bearer_auth(LOANS_KEY)
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(write, StatusCode::BAD_GATEWAY).await;
    assert_eq!(
        requests.load(Ordering::SeqCst),
        after_get + 1,
        "a POST that may have arrived is not sent again"
    );
}

#[tokio::test]
async fn retries_repeat_only_what_is_safe_to_repeat() {
    let failing = FakeUpstream::start(Behaviour::Status(503)).await;
    let healthy = FakeUpstream::start(Behaviour::Ok).await;
    let extra = "[retry]\nmax_attempts = 2\nratio = 1.0\nmin_per_second = 100\n";
    // Keep the failing replica in rotation, so that plain POSTs keep landing on it.
    let toml = config(&[("loans", &[failing.url(), healthy.url()])], 2000, extra)
        .replace("eject_after_failures = 2", "eject_after_failures = 1000");
    let gateway = TestGateway::start(&toml).await;

    let mut post_statuses = HashSet::new();
    for round in 0..20 {
        assert_eq!(
            gateway.get("/api/loans").await.status(),
            StatusCode::OK,
            "a GET is retried"
        );
        let keyed = gateway
            .client
            .post(gateway.url("/api/loans"))
            .bearer_auth(LOANS_KEY)
            .header("idempotency-key", format!("k-{round}"))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(
            keyed.status(),
            StatusCode::OK,
            "a POST with an Idempotency-Key is retried"
        );
        let plain = gateway
            .client
            .post(gateway.url("/api/loans"))
            .bearer_auth(LOANS_KEY)
            .body("{}")
            .send()
            .await
            .unwrap();
        post_statuses.insert(plain.status());
    }
    assert!(
        post_statuses.contains(&StatusCode::SERVICE_UNAVAILABLE),
        "a plain POST that got a 503 is answered with it, not repeated"
    );
    let plain_posts_on_both = failing
        .seen()
        .iter()
        .filter(|s| s.method == "POST" && !s.headers.contains_key("idempotency-key"))
        .count()
        + healthy
            .seen()
            .iter()
            .filter(|s| s.method == "POST" && !s.headers.contains_key("idempotency-key"))
            .count();
    assert_eq!(
        plain_posts_on_both, 20,
        "each plain POST reached an upstream exactly once"
    );
}

#[tokio::test]
async fn a_flapping_upstream_is_smoothed_over_for_gets() {
    let flapping = FakeUpstream::start(Behaviour::Flapping).await;
    let steady = FakeUpstream::start(Behaviour::Flapping).await;
    let gateway = TestGateway::start(&config(
        &[("loans", &[flapping.url(), steady.url()])],
        2000,
        "",
    ))
    .await;
    for _ in 0..40 {
        assert_eq!(gateway.get("/api/loans").await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn the_breaker_opens_fails_fast_and_closes_after_a_good_probe() {
    let upstream = FakeUpstream::start(Behaviour::Status(503)).await;
    let toml = config(
        &[("loans", &[upstream.url()])],
        2000,
        "[retry]\nmax_attempts = 1\n",
    )
    .replace(
        "breaker = { failure_threshold = 1000, open_ms = 1000 }",
        "breaker = { failure_threshold = 3, open_ms = 800 }",
    )
    .replace("eject_after_failures = 2", "eject_after_failures = 1000");
    let gateway = TestGateway::start(&toml).await;

    for _ in 0..3 {
        assert_eq!(
            gateway.get("/api/loans").await.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
    let calls_when_opened = upstream.seen().len();
    let started = Instant::now();
    let response = gateway.get("/api/loans").await;
    assert!(started.elapsed() < Duration::from_millis(200), "fails fast");
    assert!(response.headers().contains_key("retry-after"));
    let body = problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["type"], "urn:problem:upstream-unavailable");
    assert_eq!(
        upstream.seen().len(),
        calls_when_opened,
        "an open breaker does not call the upstream"
    );
    let ready: Value = gateway.get("/ready").await.json().await.unwrap();
    assert!(
        ready["checks"]["loans"]["detail"]
            .as_str()
            .unwrap()
            .ends_with("breaker open")
    );

    upstream.set(Behaviour::Ok);
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        gateway.get("/api/loans").await.status(),
        StatusCode::OK,
        "the probe passes and closes it"
    );
    assert_eq!(upstream.seen().len(), calls_when_opened + 1);
    assert_eq!(gateway.get("/api/loans").await.status(), StatusCode::OK);
    let metrics = gateway.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"gateway_breaker_state{upstream="loans"} 0"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_retry_cut_short_by_the_deadline_returns_the_upstreams_own_answer() {
    // Every replica answers 503 after 400 ms (its database is away): the third attempt cannot
    // finish within the 1 000 ms route timeout, and the client gets the 503, not a 504.
    let replicas = [
        FakeUpstream::start(Behaviour::SlowStatus(Duration::from_millis(400), 503)).await,
        FakeUpstream::start(Behaviour::SlowStatus(Duration::from_millis(400), 503)).await,
        FakeUpstream::start(Behaviour::SlowStatus(Duration::from_millis(400), 503)).await,
    ];
    let urls: Vec<String> = replicas.iter().map(FakeUpstream::url).collect();
    let gateway = TestGateway::start(&config(&[("loans", &urls)], 1000, "")).await;
    let started = Instant::now();
    let response = gateway.get("/api/loans").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_millis(1100),
        "{:?}",
        started.elapsed()
    );
    let tried: usize = replicas.iter().map(|r| r.seen().len()).sum();
    assert_eq!(tried, 3, "two retries, the last cut short by the deadline");
}
