//! The in-memory portfolio: changes show at once, conditional requests, and the cache off.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Polls `path` until `check` holds; what is asserted is that a change shows, not how fast.
async fn eventually(app: &TestApp, path: &str, check: impl Fn(&Value) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if check(&app.get_json(path).await) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path} never showed the change"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_committed_change_invalidates_the_cached_portfolio() {
    // A TTL far beyond the test: only the change notification can refresh the cache.
    let app = TestApp::spawn_with(|config| config.cache_ttl = Duration::from_secs(3600)).await;
    assert_eq!(app.get_json("/insights").await[1]["value"], json!(0.4));
    // Let the change listener subscribe before the change.
    tokio::time::sleep(Duration::from_millis(300)).await;

    app.execute("UPDATE assets SET status = 'defaulted' WHERE id = 'asset-002'")
        .await;
    eventually(&app, "/insights", |insights| {
        insights[1]["value"] == json!(0.45)
    })
    .await;
    eventually(&app, "/assets", |assets| assets[1]["status"] == "defaulted").await;

    app.execute("DELETE FROM assets WHERE id = 'asset-020'")
        .await;
    eventually(&app, "/assets", |assets| {
        assets.as_array().is_some_and(|a| a.len() == 19)
    })
    .await;
}

#[tokio::test]
async fn an_unchanged_portfolio_answers_if_none_match_with_304() {
    let app = TestApp::spawn().await;
    for path in ["/assets", "/insights"] {
        let first = app.get(path).await;
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()["etag"], etag.as_str());
        assert!(again.bytes().await.unwrap().is_empty());

        let stale = app
            .client
            .get(app.url(path))
            .header("if-none-match", "\"0000\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn with_the_cache_off_every_request_reads_the_database() {
    let app = TestApp::spawn_with(|config| config.cache_ttl = Duration::ZERO).await;
    app.execute("UPDATE assets SET nominal_value = 1.00 WHERE id = 'asset-001'")
        .await;
    assert_eq!(
        app.get_json("/assets").await[0]["nominal_value"],
        json!(1.0)
    );
    assert_eq!(
        app.get_json("/insights").await[0]["value"],
        json!(469482.34)
    );
}
