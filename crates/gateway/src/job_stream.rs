//! `StreamActivatedJobs`: a long-lived stream that pushes jobs of one type as they become activatable.
//!
//! Zeebe's brokers push jobs into registered streams. Hornet's gateway gets the same effect from what the
//! [`BrokerClient`](crate::BrokerClient) offers: when the stream opens, and whenever a
//! [`JobsAvailable`](crate::JobsAvailable) notification for its type arrives, it activates jobs in batches
//! over all partitions and pushes them one by one, until a pass finds nothing. A job pushed to a client
//! that has gone stays activated until its timeout, after which it is activatable again.

use crate::broker_client::BrokerError;
use crate::commands::ActivateJobs;
use crate::dispatch::Dispatcher;
use crate::responses::activated_jobs;
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
/// After a pass where some partition failed (no leader, backpressure), look again this soon even without
/// a notification: jobs waiting there would otherwise be found only by the next notification.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

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

/// Runs a job stream until the client goes away (`Ok`) or activation is rejected (`Err`).
pub async fn stream_jobs(
    dispatcher: &Dispatcher,
    order: &RoundRobin,
    request: ActivateJobs,
    request_timeout: Duration,
    tx: &JobSender,
) -> Result<(), Status> {
    let mut notifications = dispatcher.broker().subscribe_jobs_available();
    let mut notifications_open = true;
    loop {
        // Activate until a pass finds nothing.
        let failed = loop {
            let pass = activation_pass(dispatcher, order, &request, request_timeout, tx).await?;
            if tx.is_closed() {
                return Ok(());
            }
            if pass.pushed == 0 {
                break pass.failed;
            }
        };
        // Wait for a reason to look again.
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
