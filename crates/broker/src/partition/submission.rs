//! What clients hand to a partition, and what they get back.

use hornet_protocol::{PartitionId, Record};
use tokio::sync::oneshot;

/// Why a partition could not answer a command.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum PartitionError {
    #[error("partition {partition} is not led by this node (leader: {leader:?})")]
    NotLeader {
        partition: PartitionId,
        leader: Option<u64>,
    },
    #[error("partition {0} is at its limit of commands in flight; retry later")]
    Backpressure(PartitionId),
    #[error("partition {partition} stopped serving: {reason}")]
    Stopped {
        partition: PartitionId,
        reason: String,
    },
    /// The leader had appended the command when it lost its leadership, before the command's
    /// outcome committed. The next leader processes the command if the entry reached a majority, so
    /// whether it took effect is unknown, and sending it again could apply it twice.
    #[error("partition {partition} changed leaders before the command's outcome was known; it may or may not have been processed")]
    OutcomeUnknown { partition: PartitionId },
}

pub(crate) type Responder = oneshot::Sender<Result<Record, PartitionError>>;

/// A command on its way into the partition log, with the channel to answer on once the records that
/// justify the answer are committed.
pub(crate) struct Submission {
    pub command: Record,
    pub reply: Option<Responder>,
}
