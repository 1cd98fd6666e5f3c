//! Errors at the crate boundary.

use std::path::PathBuf;

use hornet_storage::StorageError;

use crate::codec::CodecError;
use crate::types::NodeId;

/// Failure reported by an [`Applier`](crate::Applier) for one committed entry.
///
/// Applying is deterministic, so the same entry would fail on every replica: the group stops
/// (openraft treats it as a storage failure) instead of skipping the entry.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Reading or staging state failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The payload could not be decoded by the caller.
    #[error("cannot decode payload: {0}")]
    Decode(String),
    /// Any other failure of the caller's applier.
    #[error("{0}")]
    Other(String),
}

/// Everything the replication layer can report to its caller.
#[derive(Debug, thiserror::Error)]
pub enum ReplicationError {
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A stored value could not be decoded.
    #[error("corrupt replicated data: {0}")]
    Corrupt(#[from] CodecError),
    /// The configuration is invalid.
    #[error("invalid replication configuration: {0}")]
    Config(String),
    /// This replica is not the leader of its group; `leader` is the current leader if known.
    #[error("node {node} is not the leader of the partition (leader: {leader:?})")]
    NotLeader {
        node: NodeId,
        leader: Option<NodeId>,
    },
    /// A membership change was refused.
    #[error("membership change refused: {0}")]
    Membership(String),
    /// The requested log position was compacted away behind a snapshot.
    #[error("log index {requested} was purged; the log starts after index {purged_up_to}")]
    LogPurged { requested: u64, purged_up_to: u64 },
    /// The Raft group stopped (shut down or failed fatally).
    #[error("raft group stopped: {0}")]
    Stopped(String),
    /// Another Raft-level failure.
    #[error("raft error: {0}")]
    Raft(String),
    /// Snapshot packing, unpacking or persisting failed.
    #[error("snapshot error at {path}: {reason}")]
    Snapshot { path: PathBuf, reason: String },
}
