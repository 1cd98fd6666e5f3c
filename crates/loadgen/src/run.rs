//! One benchmark run: deploy, start workers and the starter, report progress, stop, summarize.
//!
//! Timeline: the warm-up (load, not measured) is followed by `--duration` of measured load. Then
//! the starter stops and the instances still in flight get up to `--grace` to complete; the
//! measured interval ends when they have (or when the grace period runs out). Workers keep
//! completing jobs until then, so that the in-flight instances can finish.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hornet_client::Client;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::memory::MemoryTracker;
use crate::process::{self, DeployedProcess};
use crate::progress::{self, ProgressOutput};
use crate::starter::{run_starter, StarterConfig};
use crate::stats::{RunConfig, Snapshot, Stats, Summary};
use crate::worker::{self, StreamOpenError, WorkerConfig};
use crate::{payload, BenchArgs, LoadgenError, WorkerMode};

/// How long workers get to return after the run ends before they are aborted.
const WORKER_STOP_TIMEOUT: Duration = Duration::from_secs(2);

/// Runs a benchmark against the gateway at `args.address`, prints the progress line to stderr
/// and the summary to stdout, writes the summary as JSON if `--json` is given, and returns it.
///
/// Ctrl-C ends the measured phase early; the summary covers the time until then.
pub async fn run(args: BenchArgs) -> Result<Summary, LoadgenError> {
    args.validate()?;
    // The starter and the workers each get their own connection, as in Zeebe's benchmark, where
    // they are separate applications. On one shared connection every request and response of both
    // goes through one HTTP/2 connection task at each end, which serializes them on one core.
    let clients = Clients {
        starter: connect(&args.address).await?,
        workers: connect(&args.address).await?,
    };
    let process = process::deploy(&clients.starter, args.process.as_deref()).await?;
    eprintln!(
        "deployed {process}; starting {} {} workers for job type {:?}",
        args.workers, args.worker_mode, args.job_type
    );
    let summary = drive(&args, &clients, &process).await?;
    println!("{summary}");
    if let Some(path) = &args.json {
        write_json(path, &summary)?;
    }
    Ok(summary)
}

/// The connections of one run: one for the starter, one shared by the workers.
struct Clients {
    starter: Client,
    workers: Client,
}

async fn connect(address: &str) -> Result<Client, LoadgenError> {
    Client::connect(address)
        .await
        .map_err(|source| LoadgenError::Connect {
            address: address.to_owned(),
            source,
        })
}

async fn drive(
    args: &BenchArgs,
    clients: &Clients,
    process: &DeployedProcess,
) -> Result<Summary, LoadgenError> {
    let stats = Arc::new(Stats::default());
    let memory = Arc::new(MemoryTracker::default());
    let (stop_starter, stop_starter_rx) = watch::channel(false);
    let (stop_workers, stop_workers_rx) = watch::channel(false);
    let (fatal_tx, mut fatal) = mpsc::unbounded_channel();

    // Dropping a JoinSet aborts its tasks, so every early return below cleans up after itself.
    let mut workers = JoinSet::new();
    let worker_config = WorkerConfig {
        client: clients.workers.clone(),
        job_type: args.job_type.clone(),
        max_jobs: args.max_jobs,
        activation_threshold: args.activation_threshold,
    };
    for index in 0..args.workers {
        let config = worker_config.clone();
        let stats = Arc::clone(&stats);
        let stop = stop_workers_rx.clone();
        let fatal = fatal_tx.clone();
        match args.worker_mode {
            WorkerMode::Polling => {
                workers.spawn(worker::run_polling_worker(
                    index, config, stats, stop, fatal,
                ));
            }
            WorkerMode::Streaming => {
                // Opened before any load is generated, so an unsupported RPC fails the run
                // before it starts; other failures are retried by the worker.
                let first = match worker::open_stream(index, &config).await {
                    Ok(stream) => Some(stream),
                    Err(StreamOpenError::Unsupported(error)) => return Err(error),
                    Err(StreamOpenError::Failed(status)) => {
                        stats.error(
                            "StreamActivatedJobs",
                            crate::starter::code_name(status.code()),
                        );
                        None
                    }
                };
                workers.spawn(worker::run_streaming_worker(
                    index, config, first, stats, stop, fatal,
                ));
            }
        }
    }

    let mut background = JoinSet::new();
    {
        let memory = Arc::clone(&memory);
        let address = args.monitoring.clone();
        background.spawn(async move { memory.scrape_every_second(&address).await });
    }

    let started_at = Instant::now();
    let warm_until = started_at + args.warmup;
    {
        let stats = Arc::clone(&stats);
        let memory = Arc::clone(&memory);
        background.spawn(report_progress(started_at, warm_until, stats, memory));
    }

    let mut starter = JoinSet::new();
    starter.spawn(run_starter(
        StarterConfig {
            client: clients.starter.clone(),
            process_definition_key: process.process_definition_key,
            payload: Arc::new(payload::generate(args.payload_size)),
            rate: args.rate,
            max_in_flight: args.max_in_flight,
            request_timeout: args.request_timeout,
        },
        Arc::clone(&stats),
        stop_starter_rx,
        fatal_tx,
    ));

    if !args.warmup.is_zero() {
        if let Some(error) = wait_or_fatal(args.warmup, &mut fatal).await {
            return Err(error);
        }
        stats.reset();
    }
    let measured_from = Instant::now();
    if let Some(error) = wait_or_fatal(args.duration, &mut fatal).await {
        return Err(error);
    }

    // Stop starting instances; let those in flight finish within the grace period.
    let _ = stop_starter.send(true);
    let mut in_flight = match starter.join_next().await {
        Some(Ok(in_flight)) => in_flight,
        Some(Err(error)) => {
            return Err(LoadgenError::TaskFailed {
                task: "starter",
                reason: error.to_string(),
            })
        }
        None => unreachable!("the starter task was spawned above"),
    };
    let drained = tokio::time::timeout(args.grace, async {
        while in_flight.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        eprintln!(
            "\n{} instances still in flight after the {:?} grace period; abandoning them",
            in_flight.len(),
            args.grace
        );
    }
    let measured = measured_from.elapsed();
    let end = stats.snapshot();
    let errors = stats.errors();
    in_flight.abort_all();

    let _ = stop_workers.send(true);
    let _ = tokio::time::timeout(WORKER_STOP_TIMEOUT, async {
        while workers.join_next().await.is_some() {}
    })
    .await;
    background.abort_all();
    while background.join_next().await.is_some() {}
    // One last look, so that a short run still has a memory figure.
    memory.scrape(&args.monitoring).await;

    let config = RunConfig {
        address: args.address.clone(),
        process: process.to_string(),
        job_type: args.job_type.clone(),
        rate: args.rate,
        max_in_flight: args.max_in_flight,
        workers: args.workers,
        worker_mode: args.worker_mode,
        max_jobs: args.max_jobs,
        activation_threshold: args.activation_threshold,
        payload_size: args.payload_size,
        warmup_seconds: args.warmup.as_secs_f64(),
        duration_seconds: args.duration.as_secs_f64(),
    };
    Ok(Summary::new(
        config,
        measured,
        end,
        errors,
        memory.reading(),
    ))
}

/// Sleeps for `period`, ending early on Ctrl-C (returns `None`) or on a fatal error reported by
/// a task (returns it).
async fn wait_or_fatal(
    period: Duration,
    fatal: &mut mpsc::UnboundedReceiver<LoadgenError>,
) -> Option<LoadgenError> {
    tokio::select! {
        () = tokio::time::sleep(period) => None,
        Some(error) = fatal.recv() => Some(error),
        interrupted = tokio::signal::ctrl_c() => {
            match interrupted {
                Ok(()) => eprintln!("\ninterrupted: stopping the run early"),
                // No signal handler could be installed; run for the full period instead.
                Err(_) => tokio::time::sleep(period).await,
            }
            None
        }
    }
}

/// Ends an in-place progress line when the (aborted) progress task is dropped.
struct FinishOnDrop(ProgressOutput);

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// Prints the progress line once a second until aborted.
async fn report_progress(
    started_at: Instant,
    warm_until: Instant,
    stats: Arc<Stats>,
    memory: Arc<MemoryTracker>,
) {
    let mut output = FinishOnDrop(ProgressOutput::stderr());
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    let mut previous = Snapshot::default();
    let mut previous_at = Instant::now();
    loop {
        ticks.tick().await;
        let now = Instant::now();
        let current = stats.snapshot();
        // The warm-up reset set the counters back; rates restart from zero.
        if current.started < previous.started {
            previous = Snapshot::default();
        }
        let recent = stats.take_recent_latency();
        let text = progress::line(
            now - started_at,
            now < warm_until,
            &previous,
            &current,
            now - previous_at,
            recent.as_ref(),
            memory.latest(),
        );
        output.0.print(&text);
        previous = current;
        previous_at = now;
    }
}

fn write_json(path: &std::path::Path, summary: &Summary) -> Result<(), LoadgenError> {
    let write_error = |source| LoadgenError::WriteSummary {
        path: path.to_owned(),
        source,
    };
    let mut text = serde_json::to_string_pretty(summary)
        .map_err(|error| write_error(std::io::Error::other(error)))?;
    text.push('\n');
    std::fs::write(path, text).map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::MemoryReading;
    use std::collections::BTreeMap;

    fn summary() -> Summary {
        let config = RunConfig {
            address: "127.0.0.1:26500".into(),
            process: "benchmark v1 (key 1)".into(),
            job_type: "benchmark-task".into(),
            rate: 0,
            max_in_flight: 8,
            workers: 1,
            worker_mode: WorkerMode::Polling,
            max_jobs: 32,
            activation_threshold: 30,
            payload_size: 512,
            warmup_seconds: 0.0,
            duration_seconds: 1.0,
        };
        Summary::new(
            config,
            Duration::from_secs(1),
            Snapshot::default(),
            BTreeMap::new(),
            MemoryReading::Unknown("not scraped".into()),
        )
    }

    #[test]
    fn summary_json_is_written_and_readable() {
        let dir = std::env::temp_dir().join(format!("hornet-loadgen-json-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("summary.json");
        write_json(&path, &summary()).unwrap();
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written["config"]["max_in_flight"], 8);
        assert_eq!(written["broker_memory_source"], "not scraped");
        std::fs::remove_dir_all(&dir).unwrap();

        let error = write_json(&dir.join("missing").join("x.json"), &summary()).unwrap_err();
        assert!(
            matches!(error, LoadgenError::WriteSummary { .. }),
            "{error}"
        );
    }

    #[tokio::test]
    async fn invalid_arguments_fail_before_connecting() {
        let args = BenchArgs {
            // Nothing listens here; validation must fail first.
            address: "127.0.0.1:9".into(),
            workers: 0,
            ..BenchArgs::default()
        };
        match run(args).await {
            Err(LoadgenError::InvalidArgument { argument, .. }) => {
                assert_eq!(argument, "--workers")
            }
            other => panic!("expected an invalid argument, got {other:?}"),
        }
    }
}
