//! What this node does for other nodes: runs commands forwarded to the partitions it leads, tells
//! them when jobs become activatable here, and takes their gateways' job streams.

use std::sync::Arc;

use async_trait::async_trait;
use hornet_cluster::{CommandHandler, ExecuteError};
use hornet_protocol::{JobStreamProperties, JobsAvailable, PartitionId, PushedJob, Record};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::job_streams::JobStreamRegistry;
use crate::partition::{PartitionError, PartitionRouter};

/// The [`CommandHandler`] of this node's cluster service, over its local partitions.
pub(crate) struct LocalPartitions {
    pub router: Arc<PartitionRouter>,
    pub jobs_available: broadcast::Sender<JobsAvailable>,
    pub job_streams: Arc<JobStreamRegistry>,
}

impl LocalPartitions {
    fn handle(
        &self,
        partition: PartitionId,
    ) -> Result<&crate::partition::PartitionHandle, ExecuteError> {
        self.router
            .local(partition)
            .ok_or(ExecuteError::PartitionNotFound(partition))
    }
}

fn execute_error(error: PartitionError) -> ExecuteError {
    match error {
        PartitionError::NotLeader { leader, .. } => ExecuteError::NotLeader {
            leader,
            leader_address: None,
        },
        PartitionError::Backpressure(_) => ExecuteError::ResourceExhausted(error.to_string()),
        PartitionError::Stopped { .. } => ExecuteError::Unavailable(error.to_string()),
        PartitionError::OutcomeUnknown { .. } => ExecuteError::DeadlineExceeded(error.to_string()),
    }
}

#[async_trait]
impl CommandHandler for LocalPartitions {
    async fn execute(
        &self,
        partition: PartitionId,
        command: Record,
        _deadline: Instant,
    ) -> Result<Record, ExecuteError> {
        // The cluster service stops waiting at the deadline; the command itself stays in the log.
        self.handle(partition)?
            .execute(command)
            .await
            .map_err(execute_error)
    }

    fn deliver(&self, partition: PartitionId, command: Record) -> Result<(), ExecuteError> {
        self.handle(partition)?
            .deliver(command)
            .map_err(execute_error)
    }

    fn is_healthy(&self, partition: PartitionId) -> bool {
        self.router
            .local(partition)
            .is_some_and(|handle| handle.is_healthy())
    }

    fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable> {
        self.jobs_available.subscribe()
    }

    fn open_job_stream(
        &self,
        properties: JobStreamProperties,
        sink: mpsc::Sender<PushedJob>,
    ) -> Box<dyn Send + Sync> {
        Box::new(self.job_streams.register(properties, sink))
    }
}
