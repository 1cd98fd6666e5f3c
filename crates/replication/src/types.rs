//! The openraft type configuration of a Hornet partition group.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// Opaque application payload of one log entry: an encoded batch of Hornet records. Replication
/// never looks inside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload(pub Bytes);

impl std::fmt::Display for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "payload({} bytes)", self.0.len())
    }
}

impl From<Bytes> for Payload {
    fn from(bytes: Bytes) -> Self {
        Self(bytes)
    }
}

/// Identifies a member of a partition group (the broker's node id).
pub type NodeId = u64;

openraft::declare_raft_types!(
    /// openraft types of a partition group. Client writes answer with `()`: the entry's position
    /// is part of openraft's write response already. Snapshot data is streamed through files.
    pub TypeConfig:
        D = Payload,
        R = (),
        NodeId = NodeId,
        Node = openraft::BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = tokio::fs::File,
        AsyncRuntime = openraft::TokioRuntime,
);

/// The openraft handle of a partition group.
pub type Raft = openraft::Raft<TypeConfig>;
/// A log id (leader term, leader node, index) of this group.
pub type LogId = openraft::LogId<NodeId>;
/// A log entry of this group.
pub type Entry = openraft::Entry<TypeConfig>;
/// Membership as persisted with the applied state.
pub type StoredMembership = openraft::StoredMembership<NodeId, openraft::BasicNode>;
/// Snapshot metadata of this group.
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, openraft::BasicNode>;
/// openraft's storage error for this group.
pub type RaftStorageError = openraft::StorageError<NodeId>;

/// Position of an entry in the partition log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryPosition {
    /// Log index (1-based for application entries; index 0 is the group's initial membership).
    pub index: u64,
    /// Term of the leader that appended the entry.
    pub term: u64,
}
