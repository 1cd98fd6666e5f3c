//! `StreamActivatedJobs`: a long-lived stream that pushes jobs of one type as they become activatable.
//!
//! Jobs reach the stream two ways:
//! - **Pushed by the leaders.** The stream is opened with the partition leaders that can push to this
//!   gateway ([`BrokerClient::open_job_stream`](crate::BrokerClient::open_job_stream)). They activate a
//!   job for it in the processing that makes the job activatable, and hand it over once that is
//!   committed, so a streamed job costs no activation command.
//! - **Activated by the gateway.** When the stream opens, and whenever a
//!   [`JobsAvailable`](crate::JobsAvailable) notice for its type arrives (jobs no stream took: from
//!   partitions that do not push here, or while the stream was full), it activates jobs in batches over
//!   all partitions until a pass finds nothing.
//!
//! A pushed job that cannot reach the client (it has gone) is given back with a job YIELD, so it is
//! activatable again at once. A job activated by the gateway for a client that has gone stays activated
//! until its timeout.

use crate::broker_client::{BrokerError, JobStreamProperties, PushedJob};
use crate::commands::ActivateJobs;
use crate::dispatch::Dispatcher;
use crate::responses::{activated_job, activated_jobs};
use crate::routing::RoundRobin;
use crate::validate::tenants;
use hornet_api::gateway_protocol as pb;
use hornet_protocol::PartitionId;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tonic::Status;

/// How many jobs one partition activates per command for a stream.
const STREAM_BATCH: i32 = 32;
/// How many pushed jobs wait for the client at most. Leaders offer a stream jobs only while this has
/// room; the rest are announced and found by activation.
const PUSH_BUFFER: usize = 64;
/// After a pass where some partition failed (no leader, backpressure), look again this soon even without
/// a notification: jobs waiting there would otherwise be found only by the next notification.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);
/// How long giving back an undelivered pushed job may take.
const GIVE_BACK_TIMEOUT: Duration = Duration::from_secs(10);

pub type JobSender = mpsc::Sender<Result<pb::ActivatedJob, Status>>;

/// Checks a stream request with Zeebe's messages and turns it into activation parameters.
pub fn validate(request: pb::StreamActivatedJobsRequest) -> Result<ActivateJobs, Status> {
    let tenant_ids = tenants("StreamActivatedJobs", &request.tenant_ids)?;
    let invalid = |field: &str, expectation: &str, actual: &str| {
        Status::invalid_argument(format!(
            "Expected to stream activated jobs with {field} to be {expectation}, but it was {actual}"
        ))
    };
    if request.r#type.trim().is_empty() {
        return Err(invalid("type", "present", "blank"));
    }
    if request.timeout < 1 {
        return Err(invalid(
            "timeout",
            "greater than zero",
            &request.timeout.to_string(),
        ));
    }
    Ok(ActivateJobs {
        job_type: request.r#type,
        worker: request.worker,
        timeout: request.timeout,
        max_jobs_to_activate: STREAM_BATCH,
        fetch_variables: request.fetch_variable,
        tenant_ids,
        request_timeout: -1,
    })
}

/// What one pass over the partitions achieved.
struct Pass {
    pushed: usize,
    failed: bool,
}

/// What a stream asks of the jobs pushed to it.
fn push_properties(request: &ActivateJobs) -> JobStreamProperties {
    JobStreamProperties {
        job_type: request.job_type.clone(),
        worker: request.worker.clone(),
        timeout: request.timeout,
        fetch_variables: request.fetch_variables.clone(),
    }
}

/// Runs a job stream until the client goes away (`Ok`) or activation is rejected (`Err`).
pub async fn stream_jobs(
    dispatcher: &Dispatcher,
    order: &RoundRobin,
    request: ActivateJobs,
    request_timeout: Duration,
    tx: &JobSender,
) -> Result<(), Status> {
    let (push_sink, mut pushed) = mpsc::channel(PUSH_BUFFER);
    let registration = dispatcher
        .broker()
        .open_job_stream(push_properties(&request), push_sink);
    let result = run_stream(
        dispatcher,
        order,
        &request,
        request_timeout,
        tx,
        &mut pushed,
    )
    .await;
    // Close the stream before giving back what was pushed but not delivered: a leader that pushes
    // after this gives the job back itself.
    drop(registration);
    pushed.close();
    while let Ok(job) = pushed.try_recv() {
        give_back(dispatcher, job);
    }
    result
}

async fn run_stream(
    dispatcher: &Dispatcher,
    order: &RoundRobin,
    request: &ActivateJobs,
    request_timeout: Duration,
    tx: &JobSender,
    pushed: &mut mpsc::Receiver<PushedJob>,
) -> Result<(), Status> {
    let mut notifications = dispatcher.broker().subscribe_jobs_available();
    let mut notifications_open = true;
    loop {
        // Activate until a pass finds nothing.
        let failed = loop {
            let pass = activation_pass(dispatcher, order, request, request_timeout, tx).await?;
            if tx.is_closed() {
                return Ok(());
            }
            if pass.pushed == 0 {
                break pass.failed;
            }
        };
        // Forward pushed jobs while waiting for a reason to activate again.
        let retry_at = failed.then(|| Instant::now() + RETRY_AFTER_FAILURE);
        let retry = async {
            match retry_at {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(retry);
        loop {
            tokio::select! {
                _ = tx.closed() => return Ok(()),
                Some(job) = pushed.recv() => match tx.reserve().await {
                    Ok(permit) => permit.send(Ok(activated_job(job.key, *job.job))),
                    Err(_) => {
                        give_back(dispatcher, job);
                        return Ok(());
                    }
                },
                _ = &mut retry => break,
                notification = notifications.recv(), if notifications_open => match notification {
                    Ok(available) if available.job_type == request.job_type => break,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => notifications_open = false,
                },
            }
        }
    }
}

/// Yields a pushed job the client did not get, so it is activatable again without waiting for its
/// deadline. Best effort: if the yield is lost, the job times out as any unfinished activation does.
fn give_back(dispatcher: &Dispatcher, job: PushedJob) {
    let Some(partition) = job.key.partition() else {
        return;
    };
    let broker = std::sync::Arc::clone(dispatcher.broker());
    tokio::spawn(async move {
        let deadline = Instant::now() + GIVE_BACK_TIMEOUT;
        if let Err(error) = broker
            .execute(partition, job.yield_command(), deadline)
            .await
        {
            tracing::debug!(%partition, job = %job.key, %error, "could not give back a pushed job; it times out instead");
        }
    });
}

async fn activation_pass(
    dispatcher: &Dispatcher,
    order: &RoundRobin,
    request: &ActivateJobs,
    request_timeout: Duration,
    tx: &JobSender,
) -> Result<Pass, Status> {
    let partitions: Vec<PartitionId> = dispatcher.broker().topology().partitions().collect();
    let mut pass = Pass {
        pushed: 0,
        failed: false,
    };
    for partition in order.order(&partitions) {
        if tx.is_closed() {
            break;
        }
        let deadline = Instant::now() + request_timeout;
        let answer = match dispatcher
            .execute_once(partition, request.command(STREAM_BATCH), deadline)
            .await
        {
            Ok(answer) => answer,
            Err(error) => {
                log_failure(partition, &error, &request.job_type);
                pass.failed = true;
                continue;
            }
        };
        for job in activated_jobs(answer)? {
            if tx.send(Ok(job)).await.is_err() {
                tracing::warn!(%partition, job_type = %request.job_type, "job stream closed while pushing jobs");
                return Ok(pass);
            }
            pass.pushed += 1;
        }
    }
    Ok(pass)
}

fn log_failure(partition: PartitionId, error: &BrokerError, job_type: &str) {
    tracing::debug!(%partition, %error, job_type, "job stream activation failed on partition");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn stream_requests_are_validated_with_zeebe_messages() {
        let valid = pb::StreamActivatedJobsRequest {
            r#type: "t".into(),
            timeout: 1000,
            ..Default::default()
        };
        assert_eq!(
            validate(valid.clone()).unwrap().max_jobs_to_activate,
            STREAM_BATCH
        );
        let status = validate(pb::StreamActivatedJobsRequest {
            r#type: "  ".into(),
            ..valid.clone()
        })
        .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "Expected to stream activated jobs with type to be present, but it was blank"
        );
        let status = validate(pb::StreamActivatedJobsRequest {
            timeout: 0,
            ..valid
        })
        .unwrap_err();
        assert_eq!(
            status.message(),
            "Expected to stream activated jobs with timeout to be greater than zero, but it was 0"
        );
    }
}
