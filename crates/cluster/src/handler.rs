//! The broker's side of command forwarding.

use hornet_protocol::{JobStreamProperties, JobsAvailable, PartitionId, PushedJob, Record};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::error::ExecuteError;

/// Runs commands forwarded by other nodes on the partitions this node leads.
///
/// The broker implements it over its local partitions: append the command to the partition's
/// log (on the leader only), wait for it to be processed, and return the response record (an
/// event or a rejection) with its position set. The [`ClusterService`](crate::ClusterService)
/// has already checked that the partition is hosted here and stops waiting at `deadline`
/// (answering [`ExecuteError::DeadlineExceeded`]); a handler may return earlier errors itself.
#[async_trait::async_trait]
pub trait CommandHandler: Send + Sync + 'static {
    async fn execute(
        &self,
        partition: PartitionId,
        command: Record,
        deadline: Instant,
    ) -> Result<Record, ExecuteError>;

    /// Hands `command` (sent by another partition) to the partition's leader here, without
    /// waiting for its outcome. `Ok` means the leader took it; the sender re-sends until the
    /// receiver acknowledges, so refusing (not leader, busy) loses nothing.
    fn deliver(&self, partition: PartitionId, command: Record) -> Result<(), ExecuteError>;

    /// Whether the partition's replica here runs and, if it leads, its processor serves.
    fn is_healthy(&self, partition: PartitionId) -> bool;

    /// Notices of jobs becoming activatable on the partitions this node leads.
    fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable>;

    /// Opens a job stream with the partitions this node leads: jobs they activate for it arrive on
    /// `sink`, until the returned registration is dropped.
    fn open_job_stream(
        &self,
        properties: JobStreamProperties,
        sink: mpsc::Sender<PushedJob>,
    ) -> Box<dyn Send + Sync>;
}
