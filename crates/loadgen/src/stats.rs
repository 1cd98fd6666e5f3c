//! Counters and the latency histogram shared by the starter and the workers, and the summary
//! computed from them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Highest latency the histogram resolves (one hour, in microseconds); longer ones are recorded
/// as this value.
const MAX_LATENCY_MICROS: u64 = 3_600_000_000;
/// Three significant digits: a recorded latency is off by at most 0.1%.
const SIGNIFICANT_DIGITS: u8 = 3;

fn new_histogram() -> Histogram<u64> {
    // The bounds are constants that satisfy hdrhistogram's preconditions (low >= 1,
    // high >= 2 * low, digits <= 5), so construction cannot fail.
    Histogram::new_with_bounds(1, MAX_LATENCY_MICROS, SIGNIFICANT_DIGITS)
        .unwrap_or_else(|error| unreachable!("constant histogram bounds are valid: {error}"))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Counters stay meaningful even if a task panicked while holding the lock.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Which measurement period an instance was started in; outcomes of instances started before
/// the last [`Stats::reset`] (i.e. during the warm-up) are not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(u64);

/// Live statistics of a run, updated concurrently by every task.
#[derive(Debug)]
pub struct Stats {
    period: Mutex<Period>,
    jobs_completed: AtomicU64,
    backpressure: AtomicU64,
    /// Errors other than backpressure, by RPC and gRPC code name.
    errors: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
}

/// The instances of the current measurement period: how many started, how they ended, and their
/// create-to-complete latencies over the period and since the progress line last took them. One
/// lock, so that the end of the warm-up never falls between an instance's start and its count.
#[derive(Debug)]
struct Period {
    epoch: u64,
    started: u64,
    completed: u64,
    failed: u64,
    run: Histogram<u64>,
    recent: Histogram<u64>,
}

impl Default for Period {
    fn default() -> Self {
        Self {
            epoch: 0,
            started: 0,
            completed: 0,
            failed: 0,
            run: new_histogram(),
            recent: new_histogram(),
        }
    }
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            period: Mutex::new(Period::default()),
            jobs_completed: AtomicU64::new(0),
            backpressure: AtomicU64::new(0),
            errors: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Stats {
    /// An instance is being started; its outcome is reported with the returned epoch.
    pub fn instance_started(&self) -> Epoch {
        let mut period = lock(&self.period);
        period.started += 1;
        Epoch(period.epoch)
    }

    /// An instance completed `latency` after the create call that started it was sent.
    pub fn instance_completed(&self, epoch: Epoch, latency: Duration) {
        let mut period = lock(&self.period);
        if period.epoch != epoch.0 {
            return;
        }
        period.completed += 1;
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let micros = micros.clamp(1, MAX_LATENCY_MICROS);
        period.run.saturating_record(micros);
        period.recent.saturating_record(micros);
    }

    /// An instance gave up with an error (recorded separately with [`Stats::error`]).
    pub fn instance_failed(&self, epoch: Epoch) {
        let mut period = lock(&self.period);
        if period.epoch == epoch.0 {
            period.failed += 1;
        }
    }

    pub fn job_completed(&self) {
        self.jobs_completed.fetch_add(1, Ordering::Relaxed);
    }

    /// A command was refused with RESOURCE_EXHAUSTED.
    pub fn backpressure(&self) {
        self.backpressure.fetch_add(1, Ordering::Relaxed);
    }

    /// An RPC failed with `code` (a gRPC code name such as `UNAVAILABLE`, or `LOCAL` for errors
    /// raised before sending).
    pub fn error(&self, rpc: &str, code: &str) {
        *lock(&self.errors)
            .entry(rpc.to_owned())
            .or_default()
            .entry(code.to_owned())
            .or_default() += 1;
    }

    /// Forgets everything recorded so far (at the end of the warm-up), including the later
    /// outcomes of instances started before.
    pub fn reset(&self) {
        {
            let mut period = lock(&self.period);
            *period = Period {
                epoch: period.epoch + 1,
                ..Period::default()
            };
        }
        self.jobs_completed.store(0, Ordering::Relaxed);
        self.backpressure.store(0, Ordering::Relaxed);
        lock(&self.errors).clear();
    }

    /// The counters and latency percentiles as of now.
    pub fn snapshot(&self) -> Snapshot {
        let period = lock(&self.period);
        Snapshot {
            started: period.started,
            completed: period.completed,
            failed: period.failed,
            jobs_completed: self.jobs_completed.load(Ordering::Relaxed),
            backpressure: self.backpressure.load(Ordering::Relaxed),
            latency: LatencySummary::of(&period.run),
        }
    }

    /// The latencies of the instances completed since the last call (or the warm-up's end), then
    /// forgets them: what the progress line shows for the last second, where the run's percentiles
    /// hide a bad second among many good ones.
    pub fn take_recent_latency(&self) -> Option<LatencySummary> {
        let mut period = lock(&self.period);
        let recent = LatencySummary::of(&period.recent);
        period.recent.reset();
        recent
    }

    pub fn errors(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        lock(&self.errors).clone()
    }
}

/// Counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Snapshot {
    pub started: u64,
    pub completed: u64,
    pub failed: u64,
    pub jobs_completed: u64,
    pub backpressure: u64,
    pub latency: Option<LatencySummary>,
}

/// Create-to-complete latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl LatencySummary {
    /// Percentiles of a histogram of microseconds; `None` if it is empty.
    pub fn of(histogram: &Histogram<u64>) -> Option<Self> {
        if histogram.is_empty() {
            return None;
        }
        let ms = |micros: u64| micros as f64 / 1000.0;
        Some(Self {
            count: histogram.len(),
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p90_ms: ms(histogram.value_at_quantile(0.90)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            max_ms: ms(histogram.max()),
            mean_ms: histogram.mean() / 1000.0,
        })
    }
}

/// `count` events over `elapsed`, per second; zero for an empty interval.
pub fn per_second(count: u64, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

/// The settings a run used, repeated in its summary so that a result file is self-describing.
#[derive(Debug, Clone, Serialize)]
pub struct RunConfig {
    pub address: String,
    pub process: String,
    pub job_type: String,
    /// Target instances per second; 0 means as fast as `max_in_flight` allows.
    pub rate: u32,
    pub max_in_flight: usize,
    pub workers: usize,
    pub worker_mode: crate::WorkerMode,
    /// Most jobs a polling worker holds (`--max-jobs`).
    pub max_jobs: u32,
    /// Percentage of `max_jobs` at which a polling worker activates more (`--activation-threshold`).
    pub activation_threshold: u8,
    pub payload_size: usize,
    pub warmup_seconds: f64,
    pub duration_seconds: f64,
}

/// The result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub config: RunConfig,
    /// From the end of the warm-up until the last in-flight instance finished (or the grace
    /// period ran out); all rates are over this interval.
    pub measured_seconds: f64,
    pub instances_started: u64,
    pub instances_completed: u64,
    /// Instances whose creation failed with an error other than backpressure.
    pub instances_failed: u64,
    /// Instances still in flight when the grace period ended.
    pub instances_unfinished: u64,
    pub started_per_second: f64,
    pub completed_per_second: f64,
    pub jobs_completed: u64,
    pub jobs_per_second: f64,
    /// Create-to-complete latency; `None` if no instance completed.
    pub latency: Option<LatencySummary>,
    pub backpressure_rejections: u64,
    /// Errors other than backpressure: RPC name, then gRPC code name, then count.
    pub errors: BTreeMap<String, BTreeMap<String, u64>>,
    /// Highest resident memory of the broker seen on its metrics endpoint; `None` if unknown.
    pub broker_peak_resident_memory_bytes: Option<u64>,
    /// Where the memory figure came from, or why it is unknown.
    pub broker_memory_source: String,
}

impl Summary {
    /// The summary of a measured interval of length `measured` ending in `end`.
    pub fn new(
        config: RunConfig,
        measured: Duration,
        end: Snapshot,
        errors: BTreeMap<String, BTreeMap<String, u64>>,
        memory: MemoryReading,
    ) -> Self {
        let unfinished = end.started.saturating_sub(end.completed + end.failed);
        let (broker_peak_resident_memory_bytes, broker_memory_source) = match memory {
            MemoryReading::Known { peak_bytes, metric } => {
                (Some(peak_bytes), format!("peak of `{metric}`"))
            }
            MemoryReading::Unknown(reason) => (None, reason),
        };
        Self {
            config,
            measured_seconds: measured.as_secs_f64(),
            instances_started: end.started,
            instances_completed: end.completed,
            instances_failed: end.failed,
            instances_unfinished: unfinished,
            started_per_second: per_second(end.started, measured),
            completed_per_second: per_second(end.completed, measured),
            jobs_completed: end.jobs_completed,
            jobs_per_second: per_second(end.jobs_completed, measured),
            latency: end.latency,
            backpressure_rejections: end.backpressure,
            errors,
            broker_peak_resident_memory_bytes,
            broker_memory_source,
        }
    }
}

/// What the memory scraper learned over a run.
#[derive(Debug, Clone, PartialEq)]
pub enum MemoryReading {
    Known {
        peak_bytes: u64,
        metric: &'static str,
    },
    /// Why no figure is available (endpoint unreachable, metric absent).
    Unknown(String),
}

/// `bytes` in binary units with one decimal (e.g. `23.5 MiB`).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.config;
        let rate = if c.rate == 0 {
            "max".to_owned()
        } else {
            format!("{}/s", c.rate)
        };
        let holding = match c.worker_mode {
            crate::WorkerMode::Polling => format!(
                " (up to {} jobs each, activating more at {}%)",
                c.max_jobs, c.activation_threshold
            ),
            crate::WorkerMode::Streaming => String::new(),
        };
        writeln!(f, "Benchmark summary")?;
        writeln!(
            f,
            "  setup        {} via {}, job type {}, rate {rate}, max in flight {}, {} {} workers{holding}, payload {} B",
            c.process, c.address, c.job_type, c.max_in_flight, c.workers, c.worker_mode, c.payload_size
        )?;
        writeln!(
            f,
            "  measured     {:.1} s (after {:.1} s warm-up)",
            self.measured_seconds, c.warmup_seconds
        )?;
        writeln!(
            f,
            "  instances    {} started ({:.1}/s), {} completed ({:.1}/s), {} failed, {} unfinished",
            self.instances_started,
            self.started_per_second,
            self.instances_completed,
            self.completed_per_second,
            self.instances_failed,
            self.instances_unfinished
        )?;
        writeln!(
            f,
            "  jobs         {} completed ({:.1}/s)",
            self.jobs_completed, self.jobs_per_second
        )?;
        match &self.latency {
            Some(l) => writeln!(
                f,
                "  latency      p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms, mean {:.2} ms",
                l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms, l.mean_ms
            )?,
            None => writeln!(f, "  latency      no instance completed")?,
        }
        writeln!(
            f,
            "  backpressure {} RESOURCE_EXHAUSTED rejections",
            self.backpressure_rejections
        )?;
        if self.errors.is_empty() {
            writeln!(f, "  errors       none")?;
        } else {
            for (rpc, codes) in &self.errors {
                let codes: Vec<String> = codes
                    .iter()
                    .map(|(code, count)| format!("{code} x{count}"))
                    .collect();
                writeln!(f, "  errors       {rpc}: {}", codes.join(", "))?;
            }
        }
        match self.broker_peak_resident_memory_bytes {
            Some(bytes) => write!(
                f,
                "  broker RSS   {} peak ({})",
                format_bytes(bytes),
                self.broker_memory_source
            ),
            None => write!(f, "  broker RSS   unknown ({})", self.broker_memory_source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> RunConfig {
        RunConfig {
            address: "127.0.0.1:26500".into(),
            process: "benchmark".into(),
            job_type: "benchmark-task".into(),
            rate: 100,
            max_in_flight: 10,
            workers: 2,
            worker_mode: crate::WorkerMode::Polling,
            max_jobs: 32,
            activation_threshold: 30,
            payload_size: 512,
            warmup_seconds: 0.0,
            duration_seconds: 10.0,
        }
    }

    /// Within the histogram's 3 significant digits.
    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() <= expected * 0.001
    }

    #[test]
    fn percentiles_come_from_recorded_latencies() {
        let stats = Stats::default();
        // 1..=100 ms: p50 = 50 ms, p90 = 90 ms, p99 = 99 ms, max = 100 ms.
        for ms in 1..=100 {
            let epoch = stats.instance_started();
            stats.instance_completed(epoch, Duration::from_millis(ms));
        }
        let latency = stats.snapshot().latency.unwrap();
        assert_eq!(latency.count, 100);
        assert!(close(latency.p50_ms, 50.0), "{latency:?}");
        assert!(close(latency.p90_ms, 90.0), "{latency:?}");
        assert!(close(latency.p99_ms, 99.0), "{latency:?}");
        assert!(close(latency.max_ms, 100.0), "{latency:?}");
        assert!(close(latency.mean_ms, 50.5), "{latency:?}");
    }

    #[test]
    fn extreme_latencies_are_clamped_not_lost() {
        let stats = Stats::default();
        let epoch = stats.instance_started();
        stats.instance_completed(epoch, Duration::ZERO);
        stats.instance_completed(epoch, Duration::from_secs(10 * 3600));
        let latency = stats.snapshot().latency.unwrap();
        assert_eq!(latency.count, 2);
        assert!(latency.max_ms >= 3_600_000.0 * 0.999);
    }

    #[test]
    fn summary_rates_and_unfinished_count() {
        let stats = Stats::default();
        let epochs: Vec<Epoch> = (0..300).map(|_| stats.instance_started()).collect();
        for epoch in &epochs[..250] {
            stats.instance_completed(*epoch, Duration::from_millis(5));
            stats.job_completed();
        }
        for epoch in &epochs[250..270] {
            stats.instance_failed(*epoch);
        }
        stats.backpressure();
        stats.error("CreateProcessInstanceWithResult", "DEADLINE_EXCEEDED");
        stats.error("CreateProcessInstanceWithResult", "DEADLINE_EXCEEDED");
        stats.error("CompleteJob", "NOT_FOUND");
        let summary = Summary::new(
            config(),
            Duration::from_secs(10),
            stats.snapshot(),
            stats.errors(),
            MemoryReading::Known {
                peak_bytes: 30 * 1024 * 1024,
                metric: "hornet_process_resident_memory_bytes",
            },
        );
        assert_eq!(summary.instances_unfinished, 30);
        assert_eq!(summary.started_per_second, 30.0);
        assert_eq!(summary.completed_per_second, 25.0);
        assert_eq!(summary.jobs_per_second, 25.0);
        assert_eq!(summary.backpressure_rejections, 1);
        assert_eq!(
            summary.errors["CreateProcessInstanceWithResult"]["DEADLINE_EXCEEDED"],
            2
        );
        let text = summary.to_string();
        assert!(text.contains("250 completed (25.0/s)"), "{text}");
        assert!(text.contains("30.0 MiB peak"), "{text}");
        assert!(text.contains("CompleteJob: NOT_FOUND x1"), "{text}");

        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["instances_completed"], 250);
        assert_eq!(json["broker_peak_resident_memory_bytes"], 30 * 1024 * 1024);
        assert_eq!(json["config"]["worker_mode"], "polling");
        assert_eq!(json["latency"]["count"], 250);
    }

    #[test]
    fn empty_run_has_no_latency_and_unknown_memory() {
        let summary = Summary::new(
            config(),
            Duration::ZERO,
            Snapshot::default(),
            BTreeMap::new(),
            MemoryReading::Unknown("metric absent".into()),
        );
        assert_eq!(summary.completed_per_second, 0.0);
        assert!(summary.latency.is_none());
        let json = serde_json::to_value(&summary).unwrap();
        assert!(json["broker_peak_resident_memory_bytes"].is_null());
        let text = summary.to_string();
        assert!(
            text.contains("broker RSS   unknown (metric absent)"),
            "{text}"
        );
        assert!(text.contains("no instance completed"), "{text}");
    }

    #[test]
    fn reset_forgets_the_warmup() {
        let stats = Stats::default();
        let warmup = stats.instance_started();
        stats.instance_completed(warmup, Duration::from_millis(3));
        let straddling = stats.instance_started();
        stats.error("ActivateJobs", "UNAVAILABLE");
        stats.reset();
        assert_eq!(stats.snapshot(), Snapshot::default());
        assert_eq!(stats.take_recent_latency(), None);
        assert!(stats.errors().is_empty());
        // An instance started in the warm-up that ends afterwards is not counted, so the
        // measured completions never exceed the measured starts.
        stats.instance_completed(straddling, Duration::from_millis(3));
        stats.instance_failed(straddling);
        let measured = stats.instance_started();
        stats.instance_completed(measured, Duration::from_millis(4));
        let snapshot = stats.snapshot();
        assert_eq!(
            (snapshot.started, snapshot.completed, snapshot.failed),
            (1, 1, 0)
        );
    }

    #[test]
    fn recent_latency_covers_the_completions_since_it_was_last_taken() {
        let stats = Stats::default();
        for millis in [10, 20] {
            let epoch = stats.instance_started();
            stats.instance_completed(epoch, Duration::from_millis(millis));
        }
        let recent = stats.take_recent_latency().expect("two completions");
        assert_eq!(recent.count, 2);
        assert!(close(recent.max_ms, 20.0), "{recent:?}");
        assert_eq!(stats.take_recent_latency(), None);

        let epoch = stats.instance_started();
        stats.instance_completed(epoch, Duration::from_millis(500));
        let recent = stats.take_recent_latency().expect("one completion");
        assert!(close(recent.p99_ms, 500.0), "{recent:?}");
        // The run's percentiles still cover all three.
        let run = stats.snapshot().latency.expect("three completions");
        assert_eq!(run.count, 3);
        assert!(close(run.p50_ms, 20.0), "{run:?}");
    }

    #[test]
    fn byte_formatting() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(23 * 1024 * 1024 + 512 * 1024), "23.5 MiB");
    }
}
