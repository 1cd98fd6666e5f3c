//! The gateway's only view of the broker: a trait that executes one command on one partition.
//!
//! The gateway never touches engine or broker internals. Whatever owns the partitions (the embedded broker,
//! or a remote-broker client in a standalone gateway) implements [`BrokerClient`]; tests implement it with a
//! double.

use crate::topology::ClusterTopology;
pub use hornet_protocol::{JobStreamProperties, JobsAvailable, PushedJob};
use hornet_protocol::{PartitionId, Record};
use std::time::Instant;

/// Why a command could not be executed. The variants fix the gRPC status the client sees.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BrokerError {
    /// The partition has no reachable leader right now (election, node down, shutting down). The command
    /// was NOT appended, so the gateway may retry it (on another partition for creations). -> `UNAVAILABLE`
    #[error("partition {partition} is unavailable: {reason}")]
    PartitionUnavailable {
        partition: PartitionId,
        reason: String,
    },
    /// The partition refused the command to protect itself (backpressure); it was not appended.
    /// -> `RESOURCE_EXHAUSTED`
    #[error("the partition refused the request because it is overloaded (backpressure)")]
    Backpressure,
    /// No answer arrived before the deadline; the command may or may not have been processed.
    /// -> `DEADLINE_EXCEEDED`
    #[error("the request timed out before the partition answered")]
    Timeout,
    /// The partition took the command but could not answer it (its leader changed, or the leader
    /// that took it timed out): the command may or may not have been processed, so the gateway does
    /// not send it again. -> `DEADLINE_EXCEEDED`, what Zeebe's gateway answers when the leader
    /// holding a request steps down.
    #[error("partition {partition} took the command but could not answer it: {reason}")]
    OutcomeUnknown {
        partition: PartitionId,
        reason: String,
    },
    /// Anything else; not retried. -> `INTERNAL`
    #[error("{0}")]
    Internal(String),
}

/// Executes client commands on partitions. Object safe: the gateway holds an `Arc<dyn BrokerClient>`.
#[async_trait::async_trait]
pub trait BrokerClient: Send + Sync + 'static {
    /// Writes `command` to `partition`'s log and resolves with the record that answers it (an event or a
    /// rejection), once the records that justify it are committed. The broker stamps `timestamp` and
    /// `request`. For `ProcessInstanceCreation CREATE_WITH_AWAITING_RESULT` the answer is the
    /// `ProcessInstanceResult COMPLETED` record (or a rejection). Must give up with
    /// [`BrokerError::Timeout`] at `deadline`; the gateway also stops waiting then.
    async fn execute(
        &self,
        partition: PartitionId,
        command: Record,
        deadline: Instant,
    ) -> Result<Record, BrokerError>;

    /// The current cluster view, used for `Topology` and for routing. Called on every request, so keep it
    /// cheap (a snapshot behind a lock or an `ArcSwap`). `partitions_count` must be the cluster's
    /// configured partition count (message routing hashes over it), 0 only while the node is starting.
    fn topology(&self) -> ClusterTopology;

    /// Notifications that jobs of a type became activatable on a partition (created, failed with retries
    /// left, timed out, back from backoff). Long-polling `ActivateJobs` and `StreamActivatedJobs` rely on
    /// them to wake up; a missed notification delays a worker until its request times out.
    fn subscribe_jobs_available(&self) -> tokio::sync::broadcast::Receiver<JobsAvailable>;

    /// Opens a job stream with the partition leaders that can push to this gateway: they activate jobs
    /// of the stream's type for it as the jobs become activatable, and send them to `sink` once the
    /// activation is committed. The stream stays open while the returned registration is kept. `None`
    /// where no leader pushes (the default); the stream then finds its jobs by activating on
    /// [`JobsAvailable`] notices alone, as it also does for partitions that do not push to it.
    fn open_job_stream(
        &self,
        _properties: JobStreamProperties,
        _sink: tokio::sync::mpsc::Sender<PushedJob>,
    ) -> Option<JobStreamRegistration> {
        None
    }
}

/// Keeps a job stream open with the leaders while it is held.
pub type JobStreamRegistration = Box<dyn Send + Sync>;
