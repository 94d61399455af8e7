//! A circuit breaker in front of one upstream.
//!
//! Closed: requests pass; `threshold` failed attempts in a row open it. Open: requests fail
//! fast for `open_for`. Then half-open: exactly one request (the probe) passes; its success
//! closes the breaker, its failure opens it again. A probe that is abandoned (the client went
//! away) counts as a failure, so the breaker cannot stay half-open forever.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests pass.
    Closed,
    /// Requests fail fast.
    Open,
    /// One probe request is deciding.
    HalfOpen,
}

impl BreakerState {
    /// The state's name, for `/ready`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }

    /// The state as a gauge value: 0 closed, 1 open, 2 half-open.
    pub fn code(self) -> u8 {
        match self {
            Self::Closed => 0,
            Self::Open => 1,
            Self::HalfOpen => 2,
        }
    }
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// The circuit breaker.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    open_for: Duration,
    state: Mutex<State>,
}

/// Whether a request may go upstream.
#[derive(Debug)]
pub enum Admission<'a> {
    /// Go ahead; report the outcome with [`Breaker::record`].
    Allowed,
    /// Go ahead as the probe; report the outcome with [`Probe::finish`].
    Probe(Probe<'a>),
    /// Fail fast; the breaker may let a probe through after this long.
    Rejected(Duration),
}

/// The one request a half-open breaker lets through.
#[derive(Debug)]
pub struct Probe<'a> {
    breaker: &'a Breaker,
    finished: bool,
}

impl Probe<'_> {
    /// Closes the breaker on success, opens it again on failure.
    pub fn finish(mut self, success: bool) {
        self.finished = true;
        self.breaker.settle_probe(success);
    }
}

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.breaker.settle_probe(false);
        }
    }
}

impl Breaker {
    /// A closed breaker.
    pub fn new(threshold: u32, open_for: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            open_for,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks to send a request.
    pub fn admit(&self) -> Admission<'_> {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Admission::Allowed,
            State::Open { until } => {
                let now = Instant::now();
                if now >= until {
                    *state = State::HalfOpen;
                    Admission::Probe(Probe {
                        breaker: self,
                        finished: false,
                    })
                } else {
                    Admission::Rejected(until - now)
                }
            }
            State::HalfOpen => Admission::Rejected(Duration::from_secs(1)),
        }
    }

    /// Records the outcome of an attempt admitted as [`Admission::Allowed`].
    pub fn record(&self, success: bool) {
        let mut state = self.lock();
        if let State::Closed { failures } = &mut *state {
            if success {
                *failures = 0;
            } else {
                *failures += 1;
                if *failures >= self.threshold {
                    tracing::warn!(threshold = self.threshold, "circuit breaker opened");
                    *state = State::Open {
                        until: Instant::now() + self.open_for,
                    };
                }
            }
        }
    }

    fn settle_probe(&self, success: bool) {
        let mut state = self.lock();
        *state = if success {
            tracing::info!("circuit breaker closed after a successful probe");
            State::Closed { failures: 0 }
        } else {
            State::Open {
                until: Instant::now() + self.open_for,
            }
        };
    }

    /// The current state (an open breaker whose time is up reads as half-open).
    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if Instant::now() < until => BreakerState::Open,
            State::Open { .. } | State::HalfOpen => BreakerState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_failures_in_a_row_and_closes_after_a_good_probe() {
        let breaker = Breaker::new(3, Duration::from_millis(50));
        breaker.record(false);
        breaker.record(false);
        breaker.record(true);
        breaker.record(false);
        breaker.record(false);
        assert_eq!(
            breaker.state(),
            BreakerState::Closed,
            "a success resets the count"
        );
        breaker.record(false);
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(matches!(breaker.admit(), Admission::Rejected(_)));

        std::thread::sleep(Duration::from_millis(60));
        let Admission::Probe(probe) = breaker.admit() else {
            panic!("the first request after the open period is the probe");
        };
        assert!(
            matches!(breaker.admit(), Admission::Rejected(_)),
            "only one probe at a time"
        );
        probe.finish(true);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(matches!(breaker.admit(), Admission::Allowed));
    }

    #[test]
    fn a_failed_or_abandoned_probe_opens_it_again() {
        let breaker = Breaker::new(1, Duration::from_millis(20));
        breaker.record(false);
        std::thread::sleep(Duration::from_millis(30));
        let Admission::Probe(probe) = breaker.admit() else {
            panic!("probe expected")
        };
        drop(probe);
        assert_eq!(breaker.state(), BreakerState::Open);
    }
}
