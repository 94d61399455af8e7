//! API keys: 401 without or with a bad key, 403 without the scope, and the client identity the
//! gateway vouches for.

use reqwest::StatusCode;

use crate::helpers::{
    Behaviour, FakeUpstream, LOANS_KEY, PORTFOLIO_KEY, TestGateway, config, problem,
};

async fn setup() -> (FakeUpstream, TestGateway) {
    let upstream = FakeUpstream::start(Behaviour::Ok).await;
    let gateway = TestGateway::start(&config(&[("loans", &[upstream.url()])], 2000, "")).await;
    (upstream, gateway)
}

#[tokio::test]
async fn reads_are_public_and_writes_need_a_key() {
    let (upstream, gateway) = setup().await;
    assert_eq!(gateway.get("/api/loans/x").await.status(), StatusCode::OK);

    let response = gateway
        .client
        .post(gateway.url("/api/loans"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"lending\""
    );
    let body = problem(response, StatusCode::UNAUTHORIZED).await;
    assert!(
        body["detail"].as_str().unwrap().contains("loans:write"),
        "{body}"
    );
    assert_eq!(
        upstream.seen().len(),
        1,
        "the refused write never reached the upstream"
    );
}

#[tokio::test]
async fn a_wrong_key_is_401_and_a_key_without_the_scope_is_403() {
    let (upstream, gateway) = setup().await;
    let response = gateway
        .client
        .post(gateway.url("/api/loans"))
        .bearer_auth("not-a-key")
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    problem(response, StatusCode::UNAUTHORIZED).await;
    // A bad key is refused even where no key is needed: it is a client bug worth reporting.
    problem(
        gateway
            .client
            .get(gateway.url("/api/loans"))
            .bearer_auth("not-a-key")
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;

    let response = gateway
        .client
        .delete(gateway.url("/api/loans/1"))
        .bearer_auth(PORTFOLIO_KEY)
        .send()
        .await
        .unwrap();
    let body = problem(response, StatusCode::FORBIDDEN).await;
    assert!(body["detail"].as_str().unwrap().contains("loans:write"));
    assert!(upstream.seen().is_empty());
}

#[tokio::test]
async fn the_upstream_sees_the_vouched_identity_never_the_key_or_a_forged_identity() {
    let (upstream, gateway) = setup().await;
    let response = gateway
        .client
        .post(gateway.url("/api/loans"))
        .bearer_auth(LOANS_KEY)
        .header("x-client-id", "admin")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    gateway
        .client
        .get(gateway.url("/api/loans"))
        .header("x-client-id", "admin")
        .send()
        .await
        .unwrap();

    let seen = upstream.seen();
    assert_eq!(seen[0].headers["x-client-id"], "loans-client");
    assert!(
        seen[0].headers.get("authorization").is_none(),
        "the key stays at the gateway"
    );
    assert!(
        seen[1].headers.get("x-client-id").is_none(),
        "an anonymous request carries no identity"
    );
}
