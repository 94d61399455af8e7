//! Request ids and W3C trace context arrive upstream; one span per hop.

use reqwest::StatusCode;

use crate::helpers::{Behaviour, FakeUpstream, TestGateway, config};

#[tokio::test]
async fn the_request_id_and_the_trace_arrive_upstream_with_a_new_parent_span() {
    let upstream = FakeUpstream::start(Behaviour::Ok).await;
    let gateway = TestGateway::start(&config(&[("loans", &[upstream.url()])], 2000, "")).await;
    let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let response = gateway
        .client
        .get(gateway.url("/api/loans?x=1"))
        .header("x-request-id", "edge-req-7")
        .header("traceparent", caller)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-request-id"], "edge-req-7");

    let seen = &upstream.seen()[0];
    assert_eq!(
        seen.path, "/?x=1",
        "the prefix is stripped and the query kept"
    );
    assert_eq!(seen.headers["x-request-id"], "edge-req-7");
    let forwarded = seen.headers["traceparent"].to_str().unwrap();
    assert!(
        forwarded.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "same trace: {forwarded}"
    );
    assert!(
        !forwarded.contains("00f067aa0ba902b7"),
        "the gateway's own span is the parent: {forwarded}"
    );
    assert!(forwarded.ends_with("-01"), "the sampling decision is kept");
}

#[tokio::test]
async fn a_request_without_ids_gets_new_ones_forwarded() {
    let upstream = FakeUpstream::start(Behaviour::Ok).await;
    let gateway = TestGateway::start(&config(&[("loans", &[upstream.url()])], 2000, "")).await;
    let response = gateway.get("/api/loans").await;
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let seen = &upstream.seen()[0];
    assert_eq!(seen.headers["x-request-id"], id.as_str());
    let traceparent = seen.headers["traceparent"].to_str().unwrap();
    assert!(
        telemetry::TraceContext::parse(traceparent).is_some(),
        "{traceparent}"
    );
}
