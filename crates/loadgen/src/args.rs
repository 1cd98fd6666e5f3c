//! Command-line arguments of a benchmark run (`hornet bench ...`).

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::LoadgenError;

/// Job type of the built-in process's service task, as in Zeebe's benchmark.
pub const DEFAULT_JOB_TYPE: &str = "benchmark-task";

/// How workers obtain jobs.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkerMode {
    /// `ActivateJobs` with long polling, then `CompleteJob` for each job.
    Polling,
    /// `StreamActivatedJobs`: the gateway pushes jobs as they are created.
    Streaming,
}

impl std::fmt::Display for WorkerMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WorkerMode::Polling => "polling",
            WorkerMode::Streaming => "streaming",
        })
    }
}

/// Arguments of a benchmark run.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Gateway address (`host:port` or `http://host:port`).
    #[arg(long, default_value = "127.0.0.1:26500")]
    pub address: String,

    /// Broker monitoring address (`host:port`); its Prometheus `/metrics` endpoint is scraped
    /// every second for the broker's resident memory.
    #[arg(long, default_value = "127.0.0.1:9600")]
    pub monitoring: String,

    /// How long to generate load after the warm-up (e.g. `60s`, `2m`, `500ms`).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Load is generated but not measured for this long before the measured run.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub warmup: Duration,

    /// Target process instances started per second; 0 starts them as fast as possible,
    /// bounded only by --max-in-flight.
    #[arg(long, default_value_t = 0)]
    pub rate: u32,

    /// Maximum number of instances started but not yet completed.
    #[arg(long, default_value_t = 128)]
    pub max_in_flight: usize,

    /// Number of job worker tasks.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,

    /// How workers obtain jobs.
    #[arg(long, value_enum, default_value_t = WorkerMode::Polling)]
    pub worker_mode: WorkerMode,

    /// Most jobs a polling worker holds at once (Zeebe's `maxJobsActive`).
    #[arg(long, default_value_t = 32)]
    pub max_jobs: u32,

    /// A polling worker activates more jobs once the jobs it holds fall to this percentage of
    /// --max-jobs. 30 is what Zeebe's Java client does; 0 waits for every job to complete first,
    /// which makes fewer, larger activations.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub activation_threshold: u8,

    /// Size in bytes of the JSON variables document each instance is started with.
    #[arg(long, default_value_t = 512)]
    pub payload_size: usize,

    /// BPMN file to deploy and start; default: a built-in process with one service task of
    /// type `benchmark-task`.
    #[arg(long)]
    pub process: Option<PathBuf>,

    /// Job type the workers activate (must match the service task of --process).
    #[arg(long, default_value = DEFAULT_JOB_TYPE)]
    pub job_type: String,

    /// Write the summary as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,

    /// After --duration, how long to wait for instances still in flight to complete.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub grace: Duration,

    /// How long the gateway may take to complete one instance created with result.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,
}

impl Default for BenchArgs {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:26500".into(),
            monitoring: "127.0.0.1:9600".into(),
            duration: Duration::from_secs(60),
            warmup: Duration::ZERO,
            rate: 0,
            max_in_flight: 128,
            workers: 4,
            worker_mode: WorkerMode::Polling,
            max_jobs: 32,
            activation_threshold: 30,
            payload_size: 512,
            process: None,
            job_type: DEFAULT_JOB_TYPE.into(),
            json: None,
            grace: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl BenchArgs {
    /// Rejects combinations that would make the run meaningless or hang.
    pub fn validate(&self) -> Result<(), LoadgenError> {
        let invalid = |argument: &'static str, reason: &str| {
            Err(LoadgenError::InvalidArgument {
                argument,
                reason: reason.into(),
            })
        };
        if self.duration.is_zero() {
            return invalid("--duration", "must be longer than zero");
        }
        if self.max_in_flight == 0 {
            return invalid("--max-in-flight", "must be at least 1");
        }
        if self.workers == 0 {
            return invalid("--workers", "must be at least 1");
        }
        if self.max_jobs == 0 || self.max_jobs > i32::MAX as u32 {
            return invalid("--max-jobs", "must be between 1 and 2147483647");
        }
        if self.job_type.trim().is_empty() {
            return invalid("--job-type", "must not be blank");
        }
        if self.request_timeout < Duration::from_millis(1) {
            return invalid("--request-timeout", "must be at least 1ms");
        }
        Ok(())
    }
}

/// Parses a duration such as `60s`, `500ms`, `2m`, `1h` or `1.5s`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err(format!("{text:?} does not start with a number"));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{number:?} in {text:?} is not a number"))?;
    let seconds_per_unit = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}; use ms, s, m or h"
            ))
        }
    };
    Duration::try_from_secs_f64(value * seconds_per_unit)
        .map_err(|error| format!("{text:?} is not a valid duration: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        bench: BenchArgs,
    }

    #[test]
    fn durations_with_units() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        for bad in ["", "s", "10x", "1.2.3s", "-5s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn clap_defaults_match_default_impl() {
        let parsed = Cli::try_parse_from(["bench"]).unwrap().bench;
        let default = BenchArgs::default();
        assert_eq!(parsed.address, default.address);
        assert_eq!(parsed.monitoring, default.monitoring);
        assert_eq!(parsed.duration, default.duration);
        assert_eq!(parsed.warmup, default.warmup);
        assert_eq!(parsed.rate, default.rate);
        assert_eq!(parsed.max_in_flight, default.max_in_flight);
        assert_eq!(parsed.workers, default.workers);
        assert_eq!(parsed.worker_mode, default.worker_mode);
        assert_eq!(parsed.max_jobs, default.max_jobs);
        assert_eq!(parsed.activation_threshold, default.activation_threshold);
        assert_eq!(parsed.payload_size, default.payload_size);
        assert_eq!(parsed.job_type, default.job_type);
        assert_eq!(parsed.grace, default.grace);
        assert_eq!(parsed.request_timeout, default.request_timeout);
    }

    #[test]
    fn flags_are_parsed() {
        let args = Cli::try_parse_from([
            "bench",
            "--duration",
            "5s",
            "--rate",
            "200",
            "--worker-mode",
            "streaming",
            "--payload-size",
            "1024",
            "--json",
            "out.json",
        ])
        .unwrap()
        .bench;
        assert_eq!(args.duration, Duration::from_secs(5));
        assert_eq!(args.rate, 200);
        assert_eq!(args.worker_mode, WorkerMode::Streaming);
        assert_eq!(args.payload_size, 1024);
        assert_eq!(args.json, Some(PathBuf::from("out.json")));
    }

    #[test]
    fn validation_names_the_argument() {
        type Mutation = fn(&mut BenchArgs);
        let cases: [(Mutation, &str); 4] = [
            (|a| a.duration = Duration::ZERO, "--duration"),
            (|a| a.max_in_flight = 0, "--max-in-flight"),
            (|a| a.workers = 0, "--workers"),
            (|a| a.job_type = " ".into(), "--job-type"),
        ];
        for (mutate, expected) in cases {
            let mut args = BenchArgs::default();
            mutate(&mut args);
            match args.validate() {
                Err(LoadgenError::InvalidArgument { argument, .. }) => {
                    assert_eq!(argument, expected)
                }
                other => panic!("expected {expected} to be rejected, got {other:?}"),
            }
        }
        assert!(BenchArgs::default().validate().is_ok());
    }
}
