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
}

pub(crate) type Responder = oneshot::Sender<Result<Record, PartitionError>>;

/// A command on its way into the partition log, with the channel to answer on once the records that
/// justify the answer are committed.
pub(crate) struct Submission {
    pub command: Record,
    pub reply: Option<Responder>,
}
