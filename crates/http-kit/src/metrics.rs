//! Prometheus metrics: one process-wide recorder, rendered by each service's `/metrics` route.
//!
//! The middleware records `http_requests_total` and `http_request_duration_seconds` by method,
//! route template and status; services add their own (database pool gauges, …) with the
//! `metrics` macros before calling [`render`].

use std::collections::HashMap;
use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::Duration;

use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds, from half a millisecond to ten seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// How often histogram samples are folded into buckets.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Installs the global recorder (once per process; later calls are no-ops).
pub fn install() {
    handle();
}

fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_duration_seconds".to_owned()),
                    LATENCY_BUCKETS,
                )
                .and_then(PrometheusBuilder::install_recorder);
            match builder {
                Ok(handle) => {
                    spawn_upkeep(handle.clone());
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "metrics recorder not installed; /metrics will be empty");
                    None
                }
            }
        })
        .as_ref()
}

/// Names the route a response belongs to, for the HTTP metrics, when axum's route template does
/// not (a fallback handler such as the gateway's proxy sets it to its own route).
#[derive(Debug, Clone)]
pub struct RouteLabel(pub String);

/// The request counter and latency histogram of one (route, method, status), registered once:
/// looking a labelled metric up in the recorder allocates its labels on every call.
type Handles = (metrics::Counter, metrics::Histogram);

/// Handles by route, then by method and status.
type HandleTable = HashMap<String, HashMap<(Method, u16), Handles>>;

static HANDLES: OnceLock<RwLock<HandleTable>> = OnceLock::new();

/// Histogram samples are held raw until upkeep folds them into buckets; without it they would
/// pile up between scrapes (or forever, if nothing scrapes).
fn spawn_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                handle.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start metrics upkeep; histograms will grow until scraped");
    }
}

/// Records one finished HTTP request.
pub(crate) fn record_request(method: &Method, route: &str, status: u16, elapsed: Duration) {
    let table = HANDLES.get_or_init(RwLock::default);
    let key = (method.clone(), status);
    let cached = table
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(route)
        .and_then(|by_status| by_status.get(&key))
        .cloned();
    let (counter, histogram) = cached.unwrap_or_else(|| {
        let labels = [
            ("method", method.to_string()),
            ("route", route.to_owned()),
            ("status", status.to_string()),
        ];
        let handles = (
            metrics::counter!("http_requests_total", &labels),
            metrics::histogram!("http_request_duration_seconds", &labels),
        );
        table
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(route.to_owned())
            .or_default()
            .insert(key, handles.clone());
        handles
    });
    counter.increment(1);
    histogram.record(elapsed.as_secs_f64());
}

/// The Prometheus text exposition of every metric recorded so far.
pub fn render() -> Response {
    let body = handle().map_or_else(String::new, |handle| {
        handle.run_upkeep();
        handle.render()
    });
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
