//! Tracking the broker's resident memory by scraping its metrics endpoint once a second.

use std::sync::Mutex;
use std::time::Duration;

use crate::prometheus::{fetch_metrics, resident_memory};
use crate::stats::MemoryReading;

/// How long one scrape may take; a slower endpoint counts as unreachable for that second.
const SCRAPE_TIMEOUT: Duration = Duration::from_millis(900);

/// What the scrapes have found so far.
#[derive(Debug, Default)]
pub struct MemoryTracker {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    peak: Option<(u64, &'static str)>,
    latest: Option<u64>,
    /// Why the latest scrape gave no figure.
    problem: Option<String>,
}

impl MemoryTracker {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records the outcome of one scrape.
    pub fn observe(&self, outcome: Result<(u64, &'static str), String>) {
        let mut state = self.state();
        match outcome {
            Ok((bytes, metric)) => {
                state.latest = Some(bytes);
                state.problem = None;
                if state.peak.is_none_or(|(peak, _)| bytes > peak) {
                    state.peak = Some((bytes, metric));
                }
            }
            Err(problem) => {
                state.latest = None;
                state.problem = Some(problem);
            }
        }
    }

    /// The most recent figure, for the progress line.
    pub fn latest(&self) -> Option<u64> {
        self.state().latest
    }

    /// The peak, or why there is none.
    pub fn reading(&self) -> MemoryReading {
        let state = self.state();
        match (state.peak, &state.problem) {
            (Some((peak_bytes, metric)), _) => MemoryReading::Known { peak_bytes, metric },
            (None, Some(problem)) => MemoryReading::Unknown(problem.clone()),
            (None, None) => MemoryReading::Unknown("the metrics endpoint was never scraped".into()),
        }
    }

    /// Scrapes `address` now and records the outcome.
    pub async fn scrape(&self, address: &str) {
        let outcome = match fetch_metrics(address, SCRAPE_TIMEOUT).await {
            Ok(page) => resident_memory(&page).ok_or_else(|| {
                format!(
                    "{address}/metrics has neither {}",
                    crate::prometheus::RESIDENT_MEMORY_METRICS.join(" nor ")
                )
            }),
            Err(error) => Err(error.to_string()),
        };
        self.observe(outcome);
    }

    /// Scrapes `address` every second, forever (the caller aborts the task).
    pub async fn scrape_every_second(&self, address: &str) {
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.scrape(address).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_peak_across_failures() {
        let tracker = MemoryTracker::default();
        assert!(matches!(tracker.reading(), MemoryReading::Unknown(_)));
        tracker.observe(Ok((10, "process_resident_memory_bytes")));
        tracker.observe(Ok((30, "process_resident_memory_bytes")));
        tracker.observe(Ok((20, "process_resident_memory_bytes")));
        assert_eq!(tracker.latest(), Some(20));
        tracker.observe(Err("connection refused".into()));
        assert_eq!(tracker.latest(), None);
        assert_eq!(
            tracker.reading(),
            MemoryReading::Known {
                peak_bytes: 30,
                metric: "process_resident_memory_bytes"
            }
        );
    }

    #[test]
    fn never_known_reports_the_last_problem() {
        let tracker = MemoryTracker::default();
        tracker.observe(Err("metric absent".into()));
        assert_eq!(
            tracker.reading(),
            MemoryReading::Unknown("metric absent".into())
        );
    }

    #[tokio::test]
    async fn unreachable_endpoint_is_unknown() {
        let address = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().to_string()
        };
        let tracker = MemoryTracker::default();
        tracker.scrape(&address).await;
        match tracker.reading() {
            MemoryReading::Unknown(reason) => assert!(reason.contains(&address), "{reason}"),
            other => panic!("expected unknown, got {other:?}"),
        }
    }
}
