//! The application form and the lifecycle moves: CSRF, field errors beside their fields,
//! values kept, idempotency, If-Match.

use reqwest::StatusCode;

use crate::helpers::{API_KEY, LOAN_ID, StubGateway, TestWeb, cookie, hidden};

async fn form(web: &TestWeb) -> (String, String, String) {
    let response = web.client.get(web.url("/loans/new")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = cookie(response.headers());
    let html = response.text().await.unwrap();
    (
        cookie,
        hidden(&html, "csrf"),
        hidden(&html, "idempotency_key"),
    )
}

fn application(csrf: &str, key: &str, amount: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.to_owned()),
        ("idempotency_key", key.to_owned()),
        ("borrower_id", "usr_form_1".to_owned()),
        ("amount", amount.to_owned()),
        ("currency", "kes".to_owned()),
        ("term_months", "6".to_owned()),
        ("interest_rate_apr", String::new()),
    ]
}

#[tokio::test]
async fn a_valid_application_creates_the_loan_and_redirects_to_it() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    let (cookie, csrf, key) = form(&web).await;
    let response = web
        .client
        .post(web.url("/loans/new"))
        .header("cookie", &cookie)
        .form(&application(&csrf, &key, "1500.00"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("/loans/{LOAN_ID}?notice=created")
    );

    let sent = gateway.seen().pop().unwrap();
    assert_eq!(
        sent.headers["authorization"],
        format!("Bearer {API_KEY}"),
        "the web tier's own key"
    );
    assert_eq!(sent.headers["idempotency-key"], key.as_str());
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"borrower_id": "usr_form_1", "amount": "1500.00", "currency": "kes", "term_months": 6})
    );

    // The same form submitted twice carries the same key: the API creates one loan.
    web.client
        .post(web.url("/loans/new"))
        .header("cookie", &cookie)
        .form(&application(&csrf, &key, "1500.00"))
        .send()
        .await
        .unwrap();
    let keys: Vec<String> = gateway
        .seen()
        .iter()
        .filter(|seen| seen.method == "POST")
        .map(|seen| seen.headers["idempotency-key"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys, [key.clone(), key]);
}

#[tokio::test]
async fn a_refused_amount_shows_its_error_beside_the_field_and_keeps_what_was_typed() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    let (cookie, csrf, key) = form(&web).await;
    let response = web
        .client
        .post(web.url("/loans/new"))
        .header("cookie", &cookie)
        .form(&application(&csrf, &key, "0"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<input id="amount" name="amount" value="0" inputmode="decimal" aria-describedby="amount-hint amount-error" aria-invalid="true">"#), "{html}");
    assert!(html.contains(r#"<p class="error" id="amount-error">This amount must be greater than 0 and at most 50000.</p>"#));
    assert!(
        html.contains(r#"value="usr_form_1""#) && html.contains(r#"value="kes""#),
        "typed values are kept"
    );
    assert_eq!(
        hidden(&html, "idempotency_key"),
        key,
        "a refused application keeps its key"
    );
}

#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused_and_never_reaches_the_api() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    let (cookie, _, key) = form(&web).await;
    let forged = web
        .client
        .post(web.url("/loans/new"))
        .header("cookie", &cookie)
        .form(&application("00ff", &key, "10"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (_, csrf, _) = form(&web).await;
    let no_cookie = web
        .client
        .post(web.url("/loans/new"))
        .form(&application(&csrf, &key, "10"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_cookie.status(), StatusCode::FORBIDDEN);
    let moved = web
        .client
        .post(web.url(&format!("/loans/{LOAN_ID}/status")))
        .header("cookie", &cookie)
        .form(&[("status", "approved"), ("etag", "\"1\""), ("csrf", "bad")])
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::FORBIDDEN);
    assert!(gateway.seen().iter().all(|seen| seen.method == "GET"));
}

#[tokio::test]
async fn a_loan_page_offers_the_legal_moves_and_a_move_sends_its_etag() {
    let gateway = StubGateway::start().await;
    let web = TestWeb::start(&gateway.url).await;
    let response = web
        .client
        .get(web.url(&format!("/loans/{LOAN_ID}")))
        .send()
        .await
        .unwrap();
    let cookie = cookie(response.headers());
    let html = response.text().await.unwrap();
    assert!(html.contains(">Approve</button>") && html.contains(">Reject</button>"));
    assert!(!html.contains(">Disburse</button>"), "not from pending");

    let csrf = hidden(&html, "csrf");
    let moved = web
        .client
        .post(web.url(&format!("/loans/{LOAN_ID}/status")))
        .header("cookie", &cookie)
        .form(&[
            ("status", "approved"),
            ("etag", "\"1\""),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        moved.headers()["location"],
        format!("/loans/{LOAN_ID}?notice=moved")
    );
    let sent = gateway.seen().pop().unwrap();
    assert_eq!(sent.headers["if-match"], "\"1\"");
    assert_eq!(sent.body, r#"{"status":"approved"}"#);

    let stale = web
        .client
        .post(web.url(&format!("/loans/{LOAN_ID}/status")))
        .header("cookie", &cookie)
        .form(&[
            ("status", "approved"),
            ("etag", "\"0\""),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.headers()["location"],
        format!("/loans/{LOAN_ID}?notice=stale")
    );
    let (_, _, html) = web.get(&format!("/loans/{LOAN_ID}?notice=stale")).await;
    assert!(html.contains("Someone changed this loan"));
}
