//! Job workers: obtain jobs of the benchmark's type and complete them at once.
//!
//! Workers complete jobs without variables, so the instance's payload is not echoed back and
//! the measured cost is the broker's, not the worker's. Each worker completes the jobs it holds
//! concurrently, as Zeebe's client job workers do.

use std::sync::Arc;
use std::time::Duration;

use hornet_client::{proto, ActivateJobs, Client, LongPolling};
use serde_json::Value;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tonic::codec::Streaming;

use crate::starter::{classify, Outcome, BACKPRESSURE_PAUSE};
use crate::stats::Stats;
use crate::LoadgenError;

/// How long an activated job stays locked to the worker. Benchmark jobs complete within
/// milliseconds; the timeout only matters if a worker is stopped while holding jobs.
pub const JOB_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one ActivateJobs call may wait for jobs.
pub const LONG_POLLING: Duration = Duration::from_secs(5);
/// Pause after a failed ActivateJobs call or a broken job stream before trying again.
pub const ERROR_PAUSE: Duration = Duration::from_millis(100);
/// Jobs one streaming worker completes concurrently; further pushed jobs wait for a slot.
pub const STREAM_CONCURRENCY: usize = 64;

const ACTIVATE_RPC: &str = "ActivateJobs";
const STREAM_RPC: &str = "StreamActivatedJobs";
const COMPLETE_RPC: &str = "CompleteJob";

/// What every worker needs.
#[derive(Clone)]
pub struct WorkerConfig {
    pub client: Client,
    pub job_type: String,
    pub max_jobs: u32,
    /// Percentage of `max_jobs`; see [`crate::BenchArgs::activation_threshold`].
    pub activation_threshold: u8,
}

fn worker_name(index: usize) -> String {
    format!("hornet-bench-{index}")
}

/// The number of jobs a polling worker may hold at or below which it activates more: `percent`
/// of `max_jobs`, rounded like Zeebe's Java client (`JobWorkerImpl`: `activationThreshold =
/// Math.round(maxJobsActive * 0.3f)`).
fn activation_threshold(max_jobs: u32, percent: u8) -> usize {
    (max_jobs as f32 * f32::from(percent) / 100.0).round() as usize
}

/// Activates jobs with long polling and completes them until `stop` turns true. Like Zeebe's Java
/// client, it holds at most `max_jobs` jobs, and activates more (as many as fit) once the jobs it
/// still holds fall to the activation threshold. With a threshold of zero it waits for every job
/// of an activation to complete first: fewer activations, but new jobs wait for the slowest
/// completion.
pub async fn run_polling_worker(
    index: usize,
    config: WorkerConfig,
    stats: Arc<Stats>,
    mut stop: watch::Receiver<bool>,
    fatal: mpsc::UnboundedSender<LoadgenError>,
) {
    let max_jobs = config.max_jobs as usize;
    // Below `max_jobs` (at least 1), so that every activation asks for at least one job without
    // the worker ever holding more than `max_jobs`.
    let threshold = activation_threshold(config.max_jobs, config.activation_threshold)
        .min(max_jobs.saturating_sub(1));
    let mut completions = JoinSet::new();
    loop {
        while completions.try_join_next().is_some() {}
        while completions.len() > threshold {
            tokio::select! {
                biased;
                _ = stop.wait_for(|stopped| *stopped) => return,
                _ = completions.join_next() => {}
            }
        }
        let capacity = max_jobs - completions.len();
        let request = ActivateJobs::new(config.job_type.clone(), worker_name(index))
            .with_max_jobs(capacity as u32)
            .with_timeout(JOB_TIMEOUT)
            .with_long_polling(LongPolling::Timeout(LONG_POLLING));
        let activated = tokio::select! {
            biased;
            _ = stop.wait_for(|stopped| *stopped) => return,
            activated = config.client.activate_jobs(&request) => activated,
        };
        match activated {
            Ok(jobs) => {
                for job in jobs {
                    let client = config.client.clone();
                    let stats = Arc::clone(&stats);
                    completions.spawn(async move { complete(&client, job.key, &stats).await });
                }
            }
            Err(error) => match classify(&error) {
                Outcome::Backpressure => {
                    stats.backpressure();
                    tokio::time::sleep(BACKPRESSURE_PAUSE).await;
                }
                Outcome::Unsupported(message) => {
                    let _ = fatal.send(LoadgenError::Unsupported {
                        rpc: ACTIVATE_RPC,
                        message,
                    });
                    return;
                }
                Outcome::Error(code) => {
                    stats.error(ACTIVATE_RPC, code);
                    tokio::time::sleep(ERROR_PAUSE).await;
                }
            },
        }
    }
}

/// Opens a job stream for worker `index`. UNIMPLEMENTED (a gateway without job streaming) is
/// reported as [`LoadgenError::Unsupported`] so that the run fails instead of measuring nothing.
pub async fn open_stream(
    index: usize,
    config: &WorkerConfig,
) -> Result<Streaming<proto::ActivatedJob>, StreamOpenError> {
    let request = proto::StreamActivatedJobsRequest {
        r#type: config.job_type.clone(),
        worker: worker_name(index),
        timeout: JOB_TIMEOUT.as_millis() as i64,
        fetch_variable: Vec::new(),
        tenant_ids: Vec::new(),
    };
    match config.client.raw().stream_activated_jobs(request).await {
        Ok(response) => Ok(response.into_inner()),
        Err(status) if status.code() == tonic::Code::Unimplemented => {
            Err(StreamOpenError::Unsupported(LoadgenError::Unsupported {
                rpc: STREAM_RPC,
                message: format!(
                    "{} (run with --worker-mode polling instead)",
                    status.message()
                ),
            }))
        }
        Err(status) => Err(StreamOpenError::Failed(status)),
    }
}

/// Why a job stream could not be opened.
#[derive(Debug)]
pub enum StreamOpenError {
    /// The gateway does not implement job streaming: fatal for the run.
    Unsupported(LoadgenError),
    /// Any other status: worth retrying.
    Failed(tonic::Status),
}

/// Completes the jobs pushed on `first_stream` (opening a new stream when there is none or it
/// breaks) until `stop` turns true.
pub async fn run_streaming_worker(
    index: usize,
    config: WorkerConfig,
    first_stream: Option<Streaming<proto::ActivatedJob>>,
    stats: Arc<Stats>,
    mut stop: watch::Receiver<bool>,
    fatal: mpsc::UnboundedSender<LoadgenError>,
) {
    let slots = Arc::new(Semaphore::new(STREAM_CONCURRENCY));
    let mut completions = JoinSet::new();
    let mut stream = first_stream;
    loop {
        while completions.try_join_next().is_some() {}
        let Some(current) = stream.as_mut() else {
            let reopened = tokio::select! {
                biased;
                _ = stop.wait_for(|stopped| *stopped) => return,
                reopened = open_stream(index, &config) => reopened,
            };
            match reopened {
                Ok(opened) => stream = Some(opened),
                Err(StreamOpenError::Unsupported(error)) => {
                    let _ = fatal.send(error);
                    return;
                }
                Err(StreamOpenError::Failed(status)) => {
                    stats.error(STREAM_RPC, crate::starter::code_name(status.code()));
                    tokio::time::sleep(ERROR_PAUSE).await;
                }
            }
            continue;
        };
        let message = tokio::select! {
            biased;
            _ = stop.wait_for(|stopped| *stopped) => return,
            message = current.message() => message,
        };
        match message {
            Ok(Some(job)) => {
                let slot = tokio::select! {
                    biased;
                    _ = stop.wait_for(|stopped| *stopped) => return,
                    slot = Arc::clone(&slots).acquire_owned() => slot,
                };
                let Ok(slot) = slot else { return };
                let client = config.client.clone();
                let stats = Arc::clone(&stats);
                completions.spawn(async move {
                    let _slot = slot;
                    complete(&client, job.key, &stats).await;
                });
            }
            // The gateway ended the stream (e.g. on shutdown or leader change): reopen it.
            Ok(None) => stream = None,
            Err(status) => {
                stats.error(STREAM_RPC, crate::starter::code_name(status.code()));
                stream = None;
                tokio::time::sleep(ERROR_PAUSE).await;
            }
        }
    }
}

/// Completes one job without variables, retrying after backpressure.
async fn complete(client: &Client, job_key: i64, stats: &Stats) {
    loop {
        match client.complete_job(job_key, &Value::Null).await {
            Ok(()) => {
                stats.job_completed();
                return;
            }
            Err(error) => match classify(&error) {
                Outcome::Backpressure => {
                    stats.backpressure();
                    tokio::time::sleep(BACKPRESSURE_PAUSE).await;
                }
                Outcome::Unsupported(_) => {
                    stats.error(COMPLETE_RPC, "UNIMPLEMENTED");
                    return;
                }
                Outcome::Error(code) => {
                    stats.error(COMPLETE_RPC, code);
                    return;
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activation_threshold_rounds_like_zeebes_client() {
        // Zeebe's Java client: Math.round(maxJobsActive * 0.3f).
        assert_eq!(activation_threshold(32, 30), 10);
        assert_eq!(activation_threshold(1, 30), 0);
        assert_eq!(activation_threshold(2, 30), 1);
        assert_eq!(activation_threshold(5, 30), 2);
        assert_eq!(activation_threshold(100, 30), 30);
        assert_eq!(activation_threshold(32, 0), 0);
        assert_eq!(activation_threshold(32, 100), 32);
    }
}
