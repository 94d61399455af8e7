//! Upstream services and their replicas: name resolution, load balancing, passive and active
//! health, and the circuit breaker.
//!
//! Every address an upstream's host names resolve to is a replica. [`Upstream::pick`] chooses
//! among the replicas that are in rotation the less busy of two picked at random
//! ("power of two choices" on in-flight requests). A replica leaves the rotation when it fails
//! several requests in a row (passive health) or its readiness probe fails (active health), and
//! comes back when its ejection has run out and it answers its probe again. [`maintain`] keeps
//! the replica list and the probes current.

mod breaker;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use rand::seq::IndexedRandom;
use serde::Serialize;

pub use breaker::{Admission, Breaker, BreakerState};

use crate::client::HttpClient;
use crate::config::{UpstreamConfig, parse_base_url};

/// Ejections last longer while a replica keeps failing, up to this many times the base period.
const MAX_EJECTION_FACTOR: u32 = 8;

/// One upstream service.
#[derive(Debug)]
pub struct Upstream {
    /// The name routes refer to.
    pub name: String,
    config: UpstreamConfig,
    /// `host:port` of the first URL, sent as the `Host` header.
    pub authority: String,
    targets: Vec<(String, u16)>,
    replicas: RwLock<Arc<Vec<Arc<Replica>>>>,
    /// Fails fast while the upstream is failing.
    pub breaker: Breaker,
    /// Attempts, their latency, and retries.
    pub metrics: UpstreamMetrics,
}

/// The upstream's metric handles, registered once.
#[derive(Debug)]
pub struct UpstreamMetrics {
    attempts: Vec<(&'static str, metrics::Counter)>,
    duration: metrics::Histogram,
    /// `gateway_retries_total`.
    pub retries: metrics::Counter,
}

impl UpstreamMetrics {
    /// The outcomes an attempt is counted under.
    pub const OUTCOMES: [&'static str; 6] = [
        "answered",
        "5xx",
        "connect_error",
        "transport_error",
        "timeout",
        "too_large",
    ];

    fn new(upstream: &str) -> Self {
        let name = upstream.to_owned();
        Self {
            attempts: Self::OUTCOMES
                .iter()
                .map(|outcome| {
                    let counter = metrics::counter!("gateway_upstream_attempts_total", "upstream" => name.clone(), "outcome" => *outcome);
                    (*outcome, counter)
                })
                .collect(),
            duration: metrics::histogram!("gateway_upstream_duration_seconds", "upstream" => name.clone()),
            retries: metrics::counter!("gateway_retries_total", "upstream" => name),
        }
    }

    /// Counts one attempt with its outcome (one of [`Self::OUTCOMES`]) and latency.
    pub fn record_attempt(&self, outcome: &str, elapsed: Duration) {
        if let Some((_, counter)) = self.attempts.iter().find(|(known, _)| *known == outcome) {
            counter.increment(1);
        }
        self.duration.record(elapsed.as_secs_f64());
    }
}

/// One address of an upstream.
#[derive(Debug)]
pub struct Replica {
    /// Where it listens.
    pub address: SocketAddr,
    in_flight: AtomicU32,
    failures_in_a_row: AtomicU32,
    ready: AtomicBool,
    ejection: Mutex<Ejection>,
}

#[derive(Debug, Default)]
struct Ejection {
    until: Option<Instant>,
    times: u32,
}

/// Marks a request in flight on a replica until dropped.
#[derive(Debug)]
pub struct InFlight(Arc<Replica>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl InFlight {
    /// The replica the request went to.
    pub fn replica(&self) -> &Arc<Replica> {
        &self.0
    }
}

impl Replica {
    fn new(address: SocketAddr) -> Self {
        Self {
            address,
            in_flight: AtomicU32::new(0),
            failures_in_a_row: AtomicU32::new(0),
            ready: AtomicBool::new(true),
            ejection: Mutex::new(Ejection::default()),
        }
    }

    fn ejected(&self, now: Instant) -> bool {
        let ejection = self.ejection.lock().unwrap_or_else(PoisonError::into_inner);
        ejection.until.is_some_and(|until| until > now)
    }

    fn in_rotation(&self, now: Instant) -> bool {
        self.ready.load(Ordering::Acquire) && !self.ejected(now)
    }
}

/// What an upstream looks like from outside, for `/ready`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UpstreamStatus {
    /// Replicas answering their readiness probe.
    pub ready_replicas: usize,
    /// All known replicas.
    pub replicas: usize,
    /// Replicas out of rotation after failing requests.
    pub ejected_replicas: usize,
    /// `closed`, `open` or `half_open`.
    pub breaker: &'static str,
}

impl Upstream {
    /// An upstream with no replica yet: call [`Upstream::resolve`] before use.
    ///
    /// # Panics
    /// Never for a validated configuration (its URLs parse).
    pub fn new(config: UpstreamConfig) -> Self {
        let targets: Vec<(String, u16)> = config
            .urls
            .iter()
            .filter_map(|url| parse_base_url(url).ok())
            .collect();
        let authority = targets
            .first()
            .map(|(host, port)| format!("{host}:{port}"))
            .unwrap_or_default();
        Self {
            name: config.name.clone(),
            metrics: UpstreamMetrics::new(&config.name),
            authority,
            targets,
            replicas: RwLock::new(Arc::new(Vec::new())),
            breaker: Breaker::new(
                config.breaker.failure_threshold,
                Duration::from_millis(config.breaker.open_ms),
            ),
            config,
        }
    }

    /// The upstream's settings.
    pub fn config(&self) -> &UpstreamConfig {
        &self.config
    }

    /// Resolves every host again. Replicas that are still there keep their state; new
    /// addresses join; vanished ones leave. A failed lookup keeps the previous replicas.
    pub async fn resolve(&self) {
        let mut addresses = Vec::new();
        for (host, port) in &self.targets {
            match tokio::net::lookup_host((host.as_str(), *port)).await {
                Ok(found) => addresses.extend(found),
                Err(error) => {
                    tracing::warn!(upstream = %self.name, %host, %error, "cannot resolve upstream host");
                    return;
                }
            }
        }
        addresses.sort_unstable();
        addresses.dedup();
        let current = self.replicas();
        if current
            .iter()
            .map(|r| r.address)
            .eq(addresses.iter().copied())
        {
            return;
        }
        let next: Vec<Arc<Replica>> = addresses
            .into_iter()
            .map(|address| {
                current
                    .iter()
                    .find(|replica| replica.address == address)
                    .cloned()
                    .unwrap_or_else(|| Arc::new(Replica::new(address)))
            })
            .collect();
        tracing::info!(upstream = %self.name, replicas = ?next.iter().map(|r| r.address).collect::<Vec<_>>(), "upstream replicas changed");
        *self
            .replicas
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(next);
    }

    /// The current replicas.
    pub fn replicas(&self) -> Arc<Vec<Arc<Replica>>> {
        self.replicas
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A replica for the next attempt, avoiding those in `tried` when others exist: the less
    /// busy of two random replicas in rotation; if none is in rotation, of those not ejected;
    /// failing that, of all (a request that may succeed beats a certain refusal).
    pub fn pick(&self, tried: &[SocketAddr]) -> Option<InFlight> {
        let replicas = self.replicas();
        let now = Instant::now();
        let untried: Vec<&Arc<Replica>> = replicas
            .iter()
            .filter(|r| !tried.contains(&r.address))
            .collect();
        let pool = if untried.is_empty() {
            replicas.iter().collect()
        } else {
            untried
        };
        let in_rotation: Vec<&Arc<Replica>> = pool
            .iter()
            .copied()
            .filter(|r| r.in_rotation(now))
            .collect();
        let not_ejected: Vec<&Arc<Replica>> =
            pool.iter().copied().filter(|r| !r.ejected(now)).collect();
        let candidates = [in_rotation, not_ejected, pool]
            .into_iter()
            .find(|set| !set.is_empty())?;
        let mut rng = rand::rng();
        let chosen = match candidates
            .choose_multiple(&mut rng, 2)
            .collect::<Vec<_>>()
            .as_slice()
        {
            [a, b] => {
                if b.in_flight.load(Ordering::Acquire) < a.in_flight.load(Ordering::Acquire) {
                    *b
                } else {
                    *a
                }
            }
            [only] => *only,
            _ => return None,
        };
        chosen.in_flight.fetch_add(1, Ordering::AcqRel);
        Some(InFlight(Arc::clone(chosen)))
    }

    /// Records how an attempt on `replica` went: a failure in a row too many ejects it.
    pub fn report(&self, replica: &Replica, success: bool) {
        if success {
            replica.failures_in_a_row.store(0, Ordering::Release);
            let mut ejection = replica
                .ejection
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if ejection.until.is_none_or(|until| until <= Instant::now()) {
                *ejection = Ejection::default();
            }
            return;
        }
        let failures = replica.failures_in_a_row.fetch_add(1, Ordering::AcqRel) + 1;
        if failures >= self.config.eject_after_failures {
            replica.failures_in_a_row.store(0, Ordering::Release);
            let mut ejection = replica
                .ejection
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            ejection.times = ejection.times.saturating_add(1);
            let factor = 2_u32
                .saturating_pow(ejection.times - 1)
                .min(MAX_EJECTION_FACTOR);
            let period = Duration::from_millis(self.config.eject_ms) * factor;
            ejection.until = Some(Instant::now() + period);
            tracing::warn!(upstream = %self.name, replica = %replica.address, ?period, "replica ejected after failing in a row");
        }
    }

    /// Whether at least one replica answers its readiness probe.
    pub fn is_ready(&self) -> bool {
        self.replicas()
            .iter()
            .any(|replica| replica.ready.load(Ordering::Acquire))
    }

    /// Counts for `/ready` and `/metrics`.
    pub fn status(&self) -> UpstreamStatus {
        let replicas = self.replicas();
        let now = Instant::now();
        UpstreamStatus {
            ready_replicas: replicas
                .iter()
                .filter(|r| r.ready.load(Ordering::Acquire))
                .count(),
            replicas: replicas.len(),
            ejected_replicas: replicas.iter().filter(|r| r.ejected(now)).count(),
            breaker: self.breaker.state().as_str(),
        }
    }

    /// Probes every replica's readiness path once.
    pub async fn probe(&self, client: &HttpClient) {
        let replicas = self.replicas();
        let timeout = Duration::from_millis(self.config.health_interval_ms.clamp(200, 2000));
        let probes = replicas.iter().map(|replica| async move {
            let ready = client.probe(replica.address, &self.authority, &self.config.health_path, timeout).await;
            let was = replica.ready.swap(ready, Ordering::AcqRel);
            if was != ready {
                tracing::info!(upstream = %self.name, replica = %replica.address, ready, "replica readiness changed");
            }
        });
        futures::future::join_all(probes).await;
    }

    /// Publishes the replica and breaker gauges.
    pub fn record_metrics(&self) {
        let status = self.status();
        let name = self.name.clone();
        metrics::gauge!("gateway_upstream_replicas", "upstream" => name.clone(), "state" => "ready")
            .set(gauge(status.ready_replicas));
        metrics::gauge!("gateway_upstream_replicas", "upstream" => name.clone(), "state" => "ejected")
            .set(gauge(status.ejected_replicas));
        metrics::gauge!("gateway_upstream_replicas", "upstream" => name.clone(), "state" => "known")
            .set(gauge(status.replicas));
        metrics::gauge!("gateway_breaker_state", "upstream" => name)
            .set(f64::from(self.breaker.state().code()));
    }
}

fn gauge(count: usize) -> f64 {
    u32::try_from(count).map_or(f64::from(u32::MAX), f64::from)
}

/// Keeps `upstream` current: resolves its hosts every `resolve_interval_ms` and probes its
/// replicas every `health_interval_ms`. Runs until aborted.
pub async fn maintain(upstream: Arc<Upstream>, client: HttpClient) {
    let mut resolve = tokio::time::interval(Duration::from_millis(
        upstream.config.resolve_interval_ms.max(100),
    ));
    let mut probe = tokio::time::interval(Duration::from_millis(
        upstream.config.health_interval_ms.max(100),
    ));
    resolve.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = resolve.tick() => upstream.resolve().await,
            _ = probe.tick() => upstream.probe(&client).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BreakerConfig;

    fn upstream(addresses: &[&str]) -> Upstream {
        let upstream = Upstream::new(UpstreamConfig {
            name: "test".to_owned(),
            urls: vec!["http://127.0.0.1:1".to_owned()],
            resolve_interval_ms: 1000,
            connect_timeout_ms: 100,
            health_path: "/ready".to_owned(),
            health_interval_ms: 1000,
            eject_after_failures: 2,
            eject_ms: 60_000,
            breaker: BreakerConfig::default(),
            openapi_path: "/openapi.json".to_owned(),
        });
        let replicas = addresses
            .iter()
            .map(|a| Arc::new(Replica::new(a.parse().unwrap())))
            .collect();
        *upstream.replicas.write().unwrap() = Arc::new(replicas);
        upstream
    }

    #[test]
    fn picks_the_less_busy_of_two() {
        let upstream = upstream(&["127.0.0.1:1", "127.0.0.1:2"]);
        let busy = upstream.pick(&[]).unwrap();
        // With two replicas, both are always the candidates: the idle one wins.
        let next = upstream.pick(&[]).unwrap();
        assert_ne!(next.replica().address, busy.replica().address);
    }

    #[test]
    fn a_replica_failing_in_a_row_is_ejected_and_skipped() {
        let upstream = upstream(&["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]);
        let bad = upstream.replicas()[0].clone();
        upstream.report(&bad, false);
        assert!(!bad.ejected(Instant::now()), "one failure is not enough");
        upstream.report(&bad, false);
        assert!(bad.ejected(Instant::now()));
        for _ in 0..50 {
            let picked = upstream.pick(&[]).unwrap();
            assert_ne!(picked.replica().address, bad.address);
        }
        assert_eq!(upstream.status().ejected_replicas, 1);
    }

    #[test]
    fn a_retry_avoids_the_replica_already_tried() {
        let upstream = upstream(&["127.0.0.1:1", "127.0.0.1:2"]);
        let first = upstream.pick(&[]).unwrap().replica().address;
        for _ in 0..20 {
            assert_ne!(upstream.pick(&[first]).unwrap().replica().address, first);
        }
    }

    #[test]
    fn when_every_replica_is_out_of_rotation_one_is_still_tried() {
        let upstream = upstream(&["127.0.0.1:1"]);
        let only = upstream.replicas()[0].clone();
        only.ready.store(false, Ordering::Release);
        assert_eq!(upstream.pick(&[]).unwrap().replica().address, only.address);
    }
}
