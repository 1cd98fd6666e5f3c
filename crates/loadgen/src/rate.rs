//! Pacing of instance creation at a target rate.
//!
//! The limiter spaces permits evenly (one every `1/rate` seconds) instead of handing out a
//! second's worth at the start of each second, so the broker sees a steady arrival rate rather
//! than bursts. Lateness of up to [`JITTER_TOLERANCE`] (or one interval, if that is longer) is
//! made up, because timers fire late by about a millisecond and the caller would otherwise fall
//! short of the target rate by that much every interval. When the starter falls further behind
//! (for example while it waits for an in-flight slot), the schedule restarts from "now": the
//! missed permits are dropped, not made up with a burst. This is the virtual-scheduling form of
//! the generic cell rate algorithm with a small burst tolerance.
//!
//! Time is passed in, so the limiter is deterministic and testable without sleeping.

use std::time::{Duration, Instant};

/// How late a caller may take a permit without losing its place in the schedule: covers timer
/// granularity and scheduling delays, which would otherwise lower the achieved rate.
pub const JITTER_TOLERANCE: Duration = Duration::from_millis(10);

/// Hands out permits at a fixed rate.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    interval: Duration,
    /// Lateness that is made up rather than dropped.
    tolerance: Duration,
    /// When the next permit becomes available; `None` until the first permit.
    next: Option<Instant>,
}

impl RateLimiter {
    /// A limiter granting `per_second` permits per second; `None` for a rate of zero, which
    /// means "unlimited".
    pub fn new(per_second: u32) -> Option<Self> {
        if per_second == 0 {
            return None;
        }
        Some(Self {
            // Above 10^9 per second the division rounds to zero; one nanosecond is the finest
            // spacing the clock can express.
            interval: (Duration::from_secs(1) / per_second).max(Duration::from_nanos(1)),
            tolerance: JITTER_TOLERANCE.max(Duration::from_secs(1) / per_second),
            next: None,
        })
    }

    /// Time between two permits.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Takes a permit at `now` if one is available, otherwise says how long to wait for it.
    pub fn try_acquire(&mut self, now: Instant) -> Result<(), Duration> {
        match self.next {
            Some(next) if next > now => Err(next - now),
            // On time, or late within the tolerance: keep the schedule. Later than that: restart
            // it from now, so that a long stall never turns into a catch-up burst.
            Some(next) => {
                let earliest_kept = now.checked_sub(self.tolerance).unwrap_or(now);
                self.next = Some(next.max(earliest_kept) + self.interval);
                Ok(())
            }
            None => {
                self.next = Some(now + self.interval);
                Ok(())
            }
        }
    }

    /// Waits (on the Tokio timer) until a permit is available and takes it.
    pub async fn acquire(&mut self) {
        loop {
            match self.try_acquire(Instant::now()) {
                Ok(()) => return,
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn zero_rate_means_unlimited() {
        assert!(RateLimiter::new(0).is_none());
    }

    #[test]
    fn permits_are_evenly_spaced() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(100).unwrap();
        assert_eq!(limiter.interval(), ms(10));
        assert_eq!(limiter.try_acquire(start), Ok(()));
        // The second permit is not available immediately: no burst at the start.
        assert_eq!(limiter.try_acquire(start), Err(ms(10)));
        assert_eq!(limiter.try_acquire(start + ms(4)), Err(ms(6)));
        assert_eq!(limiter.try_acquire(start + ms(10)), Ok(()));
        assert_eq!(limiter.try_acquire(start + ms(10)), Err(ms(10)));
    }

    #[test]
    fn simulated_second_yields_the_target_count() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(250).unwrap();
        let mut now = start;
        let mut granted = 0;
        // A caller that sleeps exactly as told.
        while now < start + Duration::from_secs(1) {
            match limiter.try_acquire(now) {
                Ok(()) => granted += 1,
                Err(wait) => now += wait,
            }
        }
        assert_eq!(granted, 250);
    }

    #[test]
    fn falling_behind_does_not_cause_a_burst() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(100).unwrap();
        assert_eq!(limiter.try_acquire(start), Ok(()));
        // The caller was blocked for 500 ms (50 intervals); it gets what the tolerance covers
        // (10 ms: one permit) at once and then one per interval, not 50 at once.
        let late = start + ms(500);
        assert_eq!(limiter.try_acquire(late), Ok(()));
        assert_eq!(limiter.try_acquire(late), Ok(()));
        assert_eq!(limiter.try_acquire(late), Err(ms(10)));
        assert_eq!(limiter.try_acquire(late + ms(10)), Ok(()));
        assert_eq!(limiter.try_acquire(late + ms(10)), Err(ms(10)));
    }

    #[test]
    fn timer_overshoot_does_not_lower_the_rate() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(50).unwrap();
        let mut now = start;
        let mut granted = 0;
        // A caller whose sleeps always end 3 ms late, as a loaded machine's timers do.
        while now < start + Duration::from_secs(10) {
            match limiter.try_acquire(now) {
                Ok(()) => granted += 1,
                Err(wait) => now += wait + ms(3),
            }
        }
        assert!((499..=501).contains(&granted), "granted {granted}");
    }

    #[test]
    fn very_high_rates_keep_a_nonzero_interval() {
        let limiter = RateLimiter::new(u32::MAX).unwrap();
        assert!(limiter.interval() > Duration::ZERO);
    }
}
