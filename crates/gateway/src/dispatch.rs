//! Sending commands to partitions: deadlines, retries on leader changes, and fail-over for creations.

use crate::broker_client::{BrokerClient, BrokerError};
use crate::commands::unknown_key_reason;
use crate::routing::{key_partition, RoundRobin};
use crate::status::{
    broker_error_status, no_partitions_status, rejection_status, retries_exhausted_status,
};
use hornet_protocol::{PartitionId, Record, Rejection, RejectionType};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonic::Status;

/// First pause before retrying a partition without a leader; doubles up to [`MAX_RETRY_BACKOFF`].
const FIRST_RETRY_BACKOFF: Duration = Duration::from_millis(25);
const MAX_RETRY_BACKOFF: Duration = Duration::from_millis(800);

/// Routes commands to partitions through the [`BrokerClient`].
pub struct Dispatcher {
    broker: Arc<dyn BrokerClient>,
    creations: RoundRobin,
}

impl Dispatcher {
    pub fn new(broker: Arc<dyn BrokerClient>) -> Self {
        Dispatcher {
            broker,
            creations: RoundRobin::default(),
        }
    }

    pub fn broker(&self) -> &Arc<dyn BrokerClient> {
        &self.broker
    }

    /// The number of partitions; `UNAVAILABLE` while the cluster has none yet.
    pub fn partitions_count(&self) -> Result<u16, Status> {
        match self.broker.topology().partitions_count {
            0 => Err(no_partitions_status()),
            count => Ok(count),
        }
    }

    /// One attempt, bounded by `deadline` even if the broker client ignores it.
    pub async fn execute_once(
        &self,
        partition: PartitionId,
        command: Record,
        deadline: Instant,
    ) -> Result<Record, BrokerError> {
        let call = self.broker.execute(partition, command, deadline);
        match tokio::time::timeout_at(deadline.into(), call).await {
            Ok(result) => result,
            Err(_) => Err(BrokerError::Timeout),
        }
    }

    /// Executes on a fixed partition. A partition without a leader did not take the command, so it is
    /// retried with backoff until the deadline, which rides out leader elections.
    pub async fn execute_on(
        &self,
        partition: PartitionId,
        command: Record,
        deadline: Instant,
    ) -> Result<Record, Status> {
        let mut backoff = FIRST_RETRY_BACKOFF;
        loop {
            match self
                .execute_once(partition, command.clone(), deadline)
                .await
            {
                Ok(answer) => return Ok(answer),
                Err(BrokerError::PartitionUnavailable { .. })
                    if Instant::now() + backoff < deadline =>
                {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_RETRY_BACKOFF);
                }
                Err(error) => return Err(broker_error_status(&error)),
            }
        }
    }

    /// Executes a command addressed by its key on the partition that owns the key. A key that names no
    /// partition of the cluster cannot exist: `NOT_FOUND`, as the partition would answer.
    pub async fn execute_by_key(
        &self,
        key: i64,
        command: Record,
        deadline: Instant,
    ) -> Result<Record, Status> {
        let count = self.partitions_count()?;
        match key_partition(key, count) {
            Some(partition) => self.execute_on(partition, command, deadline).await,
            None => {
                let rejection = Rejection {
                    kind: RejectionType::NotFound,
                    reason: unknown_key_reason(&command),
                };
                Err(rejection_status(command.intent_name(), &rejection))
            }
        }
    }

    /// Executes a command any partition can take (process instance creation): round-robin over the
    /// partitions that have a leader, moving on to the next one when a partition is unavailable or
    /// applies backpressure (neither appended the command). When every partition was unavailable (a
    /// leader change), the round is tried again with backoff until the deadline.
    pub async fn execute_anywhere(
        &self,
        command: Record,
        deadline: Instant,
    ) -> Result<Record, Status> {
        let mut backoff = FIRST_RETRY_BACKOFF;
        loop {
            let topology = self.broker.topology();
            if topology.partitions_count == 0 {
                return Err(no_partitions_status());
            }
            let mut candidates = topology.partitions_with_leader();
            if candidates.is_empty() {
                // Nobody is known to lead right now; try them all, an election may just have finished.
                candidates = topology.partitions().collect();
            }
            let mut last_error = BrokerError::Backpressure;
            for partition in self.creations.order(&candidates) {
                match self
                    .execute_once(partition, command.clone(), deadline)
                    .await
                {
                    Ok(answer) => return Ok(answer),
                    Err(
                        error @ (BrokerError::PartitionUnavailable { .. }
                        | BrokerError::Backpressure),
                    ) => {
                        tracing::debug!(%partition, %error, "trying the next partition");
                        last_error = error;
                    }
                    Err(error) => return Err(broker_error_status(&error)),
                }
                if Instant::now() >= deadline {
                    return Err(broker_error_status(&BrokerError::Timeout));
                }
            }
            let unavailable = matches!(last_error, BrokerError::PartitionUnavailable { .. });
            if !unavailable || Instant::now() + backoff >= deadline {
                return Err(retries_exhausted_status(&last_error));
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_RETRY_BACKOFF);
        }
    }
}
