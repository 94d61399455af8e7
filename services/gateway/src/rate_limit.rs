//! A token bucket per client, and who the client is.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::HeaderMap;
use ipnet::IpNet;

use crate::config::RateLimitConfig;

/// Buckets idle this long are forgotten (they would be full again anyway).
const IDLE: Duration = Duration::from_secs(600);
/// Past this many tracked clients, idle buckets are pruned on insert.
const PRUNE_ABOVE: usize = 10_000;

/// The outcome of [`RateLimiter::check`], with the `RateLimit-*` header values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The bucket's size (`RateLimit-Limit`).
    pub limit: u32,
    /// Requests left right now (`RateLimit-Remaining`).
    pub remaining: u32,
    /// Seconds until the bucket is full again (`RateLimit-Reset`).
    pub reset: u32,
    /// Seconds until the next request would be allowed (`Retry-After`, when refused).
    pub retry_after: u32,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets by client key.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    trusted_proxies: Vec<IpNet>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Buckets refilling at `requests_per_second`, holding at most `burst`.
    pub fn new(config: &RateLimitConfig) -> Self {
        Self {
            rate: config.requests_per_second,
            burst: f64::from(config.burst),
            trusted_proxies: config.trusted_proxies.clone(),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy, in which case the
    /// nearest untrusted address in `X-Forwarded-For` (a client cannot forge its way past a
    /// proxy that appends what it saw).
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.is_trusted(peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        forwarded
            .iter()
            .rev()
            .find(|address| !self.is_trusted(**address))
            .or_else(|| forwarded.first())
            .copied()
            .unwrap_or(peer)
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        self.trusted_proxies
            .iter()
            .any(|net| net.contains(&address))
    }

    /// Takes a token from `client`'s bucket if there is one.
    pub fn check(&self, client: &str) -> Decision {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() > PRUNE_ABOVE && !buckets.contains_key(client) {
            buckets.retain(|_, bucket| now.duration_since(bucket.updated) < IDLE);
        }
        let bucket = buckets.entry(client.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.updated = now;
        let allowed = bucket.tokens >= 1.0;
        if allowed {
            bucket.tokens -= 1.0;
        }
        // Rounded up: a client retrying sooner would only be refused again.
        let seconds = |tokens: f64| whole((tokens.max(0.0) / self.rate).ceil());
        Decision {
            allowed,
            limit: whole(self.burst),
            remaining: whole(bucket.tokens.floor()),
            reset: seconds(self.burst - bucket.tokens),
            retry_after: if allowed {
                0
            } else {
                seconds(1.0 - bucket.tokens).max(1)
            },
        }
    }
}

/// A non-negative count as a header value, saturating.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped into range first
fn whole(value: f64) -> u32 {
    value.clamp(0.0, f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(rate: f64, burst: u32) -> RateLimiter {
        RateLimiter::new(&RateLimitConfig {
            requests_per_second: rate,
            burst,
            trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        })
    }

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let limiter = limiter(1.0, 3);
        for remaining in [2, 1, 0] {
            let decision = limiter.check("a");
            assert!(decision.allowed);
            assert_eq!(decision.remaining, remaining);
        }
        let refused = limiter.check("a");
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, 1);
        assert_eq!(refused.limit, 3);
        assert!(limiter.check("b").allowed, "buckets are per client");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let limiter = limiter(1.0, 1);
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.7, 10.0.0.3".parse().unwrap());
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(
            limiter.client_address("10.1.2.3".parse().unwrap(), &headers),
            client
        );
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(limiter.client_address(stranger, &headers), stranger);
        // A forged entry to the left of the real client is ignored.
        headers.insert("x-forwarded-for", "1.2.3.4, 203.0.113.7".parse().unwrap());
        assert_eq!(
            limiter.client_address("10.1.2.3".parse().unwrap(), &headers),
            client
        );
    }
}
