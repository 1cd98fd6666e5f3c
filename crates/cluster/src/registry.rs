//! Which Raft handle serves which partition on this node.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use hornet_protocol::PartitionId;
use hornet_replication::Raft;

/// The partitions this node hosts, as the [`ClusterService`](crate::ClusterService) sees them.
pub trait PartitionRegistry: Send + Sync + 'static {
    /// The Raft handle of `partition`, if this node hosts it now.
    fn raft(&self, partition: PartitionId) -> Option<Raft>;

    /// Every hosted partition with its Raft handle, sorted by partition id.
    fn partitions(&self) -> Vec<(PartitionId, Raft)>;
}

/// A [`PartitionRegistry`] the broker fills as it starts and stops partitions. Cheap to clone;
/// clones share the same map.
#[derive(Clone, Default)]
pub struct RaftRegistry {
    partitions: Arc<RwLock<BTreeMap<PartitionId, Raft>>>,
}

impl std::fmt::Debug for RaftRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaftRegistry")
            .field("partitions", &self.read().keys().collect::<Vec<_>>())
            .finish()
    }
}

impl RaftRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<PartitionId, Raft>> {
        self.partitions
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<PartitionId, Raft>> {
        self.partitions
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Routes `partition`'s traffic to `raft` (replacing a previous handle, e.g. after a
    /// restart of the partition).
    pub fn register(&self, partition: PartitionId, raft: Raft) {
        self.write().insert(partition, raft);
    }

    /// Stops routing `partition`'s traffic; peers then see it as not hosted here.
    pub fn unregister(&self, partition: PartitionId) -> Option<Raft> {
        self.write().remove(&partition)
    }
}

impl PartitionRegistry for RaftRegistry {
    fn raft(&self, partition: PartitionId) -> Option<Raft> {
        self.read().get(&partition).cloned()
    }

    fn partitions(&self) -> Vec<(PartitionId, Raft)> {
        self.read()
            .iter()
            .map(|(id, raft)| (*id, raft.clone()))
            .collect()
    }
}
