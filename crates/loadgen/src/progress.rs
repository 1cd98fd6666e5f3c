//! The live progress line, printed to stderr once a second.
//!
//! On a terminal the line is rewritten in place (`\r`); otherwise (CI logs, redirected output)
//! each report is a line of its own, so logs stay readable.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use crate::stats::{format_bytes, per_second, LatencySummary, Snapshot};

/// Formats one progress report. `previous` is the snapshot of one `interval` earlier; `recent` the
/// latencies of the instances completed in that interval.
pub fn line(
    elapsed: Duration,
    warming_up: bool,
    previous: &Snapshot,
    current: &Snapshot,
    interval: Duration,
    recent: Option<&LatencySummary>,
    broker_memory: Option<u64>,
) -> String {
    let rate = |now: u64, before: u64| per_second(now.saturating_sub(before), interval);
    let mut text = format!(
        "[{:>5.0}s{}] started {:>7.0}/s  completed {:>7.0}/s  jobs {:>7.0}/s",
        elapsed.as_secs_f64(),
        if warming_up { " warm-up" } else { "" },
        rate(current.started, previous.started),
        rate(current.completed, previous.completed),
        rate(current.jobs_completed, previous.jobs_completed),
    );
    match &current.latency {
        Some(latency) => text.push_str(&format!(
            "  p50 {:>7.2} ms  p99 {:>7.2} ms",
            latency.p50_ms, latency.p99_ms
        )),
        None => text.push_str("  p50       - ms  p99       - ms"),
    }
    match recent {
        Some(recent) => text.push_str(&format!(" (last {:>7.2} ms)", recent.p99_ms)),
        None => text.push_str(" (last       - ms)"),
    }
    text.push_str(&format!("  backpressure {}", current.backpressure));
    if let Some(bytes) = broker_memory {
        text.push_str(&format!("  broker RSS {}", format_bytes(bytes)));
    }
    text
}

/// Where progress lines go.
#[derive(Debug)]
pub struct ProgressOutput {
    terminal: bool,
    wrote: bool,
}

impl ProgressOutput {
    pub fn stderr() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            wrote: false,
        }
    }

    pub fn print(&mut self, line: &str) {
        let mut stderr = std::io::stderr().lock();
        // Progress is best effort: a closed stderr must not stop the benchmark.
        let _ = if self.terminal {
            // Clear to the end of the line so a shorter report leaves no leftovers.
            write!(stderr, "\r{line}\x1b[K")
        } else {
            writeln!(stderr, "{line}")
        };
        let _ = stderr.flush();
        self.wrote = true;
    }

    /// Ends an in-place line so that whatever is printed next starts on a fresh line.
    pub fn finish(&mut self) {
        if self.terminal && self.wrote {
            let _ = writeln!(std::io::stderr());
            self.wrote = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::LatencySummary;

    #[test]
    fn rates_are_per_interval_deltas() {
        let previous = Snapshot {
            started: 100,
            completed: 90,
            jobs_completed: 90,
            ..Default::default()
        };
        let run = LatencySummary {
            count: 330,
            p50_ms: 3.25,
            p90_ms: 5.0,
            p99_ms: 9.5,
            max_ms: 12.0,
            mean_ms: 3.5,
        };
        let current = Snapshot {
            started: 350,
            completed: 330,
            jobs_completed: 331,
            backpressure: 4,
            latency: Some(run),
            ..Default::default()
        };
        let recent = LatencySummary {
            count: 240,
            p99_ms: 31.25,
            ..run
        };
        let text = line(
            Duration::from_secs(12),
            false,
            &previous,
            &current,
            Duration::from_millis(500),
            Some(&recent),
            Some(24 * 1024 * 1024),
        );
        assert_eq!(
            text,
            "[   12s] started     500/s  completed     480/s  jobs     482/s  \
             p50    3.25 ms  p99    9.50 ms (last   31.25 ms)  backpressure 4  broker RSS 24.0 MiB"
        );
    }

    #[test]
    fn warmup_and_empty_latency_are_shown() {
        let text = line(
            Duration::from_secs(1),
            true,
            &Snapshot::default(),
            &Snapshot::default(),
            Duration::from_secs(1),
            None,
            None,
        );
        assert!(
            text.starts_with("[    1s warm-up] started       0/s"),
            "{text}"
        );
        assert!(text.contains("p50       - ms"), "{text}");
        assert!(text.contains("(last       - ms)"), "{text}");
        assert!(!text.contains("RSS"), "{text}");
    }

    #[test]
    fn counter_reset_does_not_underflow() {
        let previous = Snapshot {
            started: 1000,
            ..Default::default()
        };
        let text = line(
            Duration::from_secs(5),
            false,
            &previous,
            &Snapshot::default(),
            Duration::from_secs(1),
            None,
            None,
        );
        assert!(text.contains("started       0/s"), "{text}");
    }
}
