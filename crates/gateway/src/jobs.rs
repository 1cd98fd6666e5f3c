//! `ActivateJobs`: one `JobBatch ACTIVATE` per partition, round-robin, streaming each partition's jobs as
//! they come; with long polling when nothing was activatable.
//!
//! Long polling subscribes to [`JobsAvailable`](crate::JobsAvailable) notifications before the first round,
//! so jobs created while a round is in flight are not missed: such a notification makes the next wait end
//! at once and the request tries again.

use crate::broker_client::BrokerError;
use crate::commands::ActivateJobs;
use crate::dispatch::Dispatcher;
use crate::responses::activated_jobs;
use crate::routing::RoundRobin;
use crate::status::retries_exhausted_status;
use hornet_api::gateway_protocol as pb;
use hornet_protocol::PartitionId;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tonic::Status;

/// Where the stream's messages go.
pub type ResponseSender = mpsc::Sender<Result<pb::ActivateJobsResponse, Status>>;

/// How long polling is configured for one request.
pub struct LongPolling {
    pub enabled: bool,
    pub default_timeout: Duration,
}

impl LongPolling {
    /// Zeebe's rule: `requestTimeout` 0 means the gateway default, negative means no long polling.
    fn deadline(&self, request_timeout: i64, now: Instant) -> Option<Instant> {
        if !self.enabled || request_timeout < 0 {
            return None;
        }
        let wait = match request_timeout {
            0 => self.default_timeout,
            ms => Duration::from_millis(ms.unsigned_abs()),
        };
        Some(now + wait)
    }
}

/// What one pass over the partitions achieved.
struct Round {
    activated: usize,
    /// Partitions that answered (with or without jobs).
    answered: usize,
    /// The first failure, kept to report when no partition answered.
    failure: Option<BrokerError>,
}

/// Runs one `ActivateJobs` request to its end. Jobs are sent on `tx` as each partition returns them; the
/// returned error (if any) ends the stream with that status.
pub async fn activate_jobs(
    dispatcher: &Dispatcher,
    order: &RoundRobin,
    request: ActivateJobs,
    long_polling: LongPolling,
    request_timeout: Duration,
    tx: &ResponseSender,
) -> Result<(), Status> {
    let poll_deadline = long_polling.deadline(request.request_timeout, Instant::now());
    let mut notifications = dispatcher.broker().subscribe_jobs_available();
    loop {
        dispatcher.partitions_count()?;
        let partitions: Vec<PartitionId> = dispatcher.broker().topology().partitions().collect();
        let round = activation_round(
            dispatcher,
            &order.order(&partitions),
            &request,
            request_timeout,
            tx,
        )
        .await?;
        if round.activated > 0 || tx.is_closed() {
            return Ok(());
        }
        if round.answered == 0 {
            if let Some(failure) = round.failure {
                return Err(retries_exhausted_status(&failure));
            }
        }
        let Some(deadline) = poll_deadline else {
            return Ok(());
        };
        // Wait until jobs of our type may be available, the long-poll timeout ends, or the client leaves.
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline.into()) => return Ok(()),
                _ = tx.closed() => return Ok(()),
                notification = notifications.recv() => match notification {
                    Ok(available) if available.job_type == request.job_type => break,
                    Ok(_) => continue,
                    // Missed some notifications, one of them may have been ours.
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => {
                        tokio::select! {
                            _ = tokio::time::sleep_until(deadline.into()) => {}
                            _ = tx.closed() => {}
                        }
                        return Ok(());
                    }
                },
            }
        }
        if Instant::now() >= deadline {
            return Ok(());
        }
    }
}

async fn activation_round(
    dispatcher: &Dispatcher,
    partitions: &[PartitionId],
    request: &ActivateJobs,
    request_timeout: Duration,
    tx: &ResponseSender,
) -> Result<Round, Status> {
    let mut round = Round {
        activated: 0,
        answered: 0,
        failure: None,
    };
    for &partition in partitions {
        let missing = request
            .max_jobs_to_activate
            .saturating_sub(round.activated.try_into().unwrap_or(i32::MAX));
        if missing <= 0 || tx.is_closed() {
            break;
        }
        let deadline = Instant::now() + request_timeout;
        let answer = match dispatcher
            .execute_once(partition, request.command(missing), deadline)
            .await
        {
            Ok(answer) => answer,
            Err(error) => {
                tracing::debug!(%partition, %error, job_type = %request.job_type, "job activation failed on partition");
                round.failure.get_or_insert(error);
                continue;
            }
        };
        let jobs = match activated_jobs(answer) {
            Ok(jobs) => jobs,
            // A rejection (or a bad answer) is the same on every partition; report it unless jobs already went out.
            Err(status) if round.activated == 0 => return Err(status),
            Err(status) => {
                tracing::warn!(%partition, %status, "job activation rejected after jobs were sent");
                return Ok(round);
            }
        };
        round.answered += 1;
        if jobs.is_empty() {
            continue;
        }
        let count = jobs.len();
        if tx
            .send(Ok(pb::ActivateJobsResponse { jobs }))
            .await
            .is_err()
        {
            // The client left; these jobs stay activated until their timeout and then become available again.
            tracing::warn!(%partition, count, job_type = %request.job_type, "client went away before receiving activated jobs");
            return Ok(round);
        }
        round.activated += count;
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_timeout_selects_long_polling_like_zeebe() {
        let polling = LongPolling {
            enabled: true,
            default_timeout: Duration::from_secs(10),
        };
        let now = Instant::now();
        assert_eq!(
            polling.deadline(0, now),
            Some(now + Duration::from_secs(10))
        );
        assert_eq!(
            polling.deadline(250, now),
            Some(now + Duration::from_millis(250))
        );
        assert_eq!(polling.deadline(-1, now), None);
        let disabled = LongPolling {
            enabled: false,
            default_timeout: Duration::from_secs(10),
        };
        assert_eq!(disabled.deadline(0, now), None);
    }
}
