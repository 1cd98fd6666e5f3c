//! Notices a partition leader sends out of band, outside the log.

use crate::PartitionId;

/// Jobs of `job_type` became activatable on `partition` (created, failed with retries left, timed out,
/// back from backoff). Wakes long-polling job activations and job streams, on this node and, over the
/// cluster transport, on gateways of other nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobsAvailable {
    pub partition: PartitionId,
    pub job_type: String,
}
