//! Delivery of commands from one partition to another (deployment distribution and its acknowledgements,
//! message subscriptions and correlations).
//!
//! A command goes to the target partition's leader: straight into its actor when this node leads it,
//! otherwise over the cluster transport. Delivery is fire-and-forget: a command that cannot be handed
//! over now (the target is busy, has no leader, or its node is down) is not retried by the router. The
//! sending engine keeps every command that needs an acknowledgement as pending state, and its leader
//! re-sends pending commands periodically until they are acknowledged. Receivers process duplicates
//! idempotently.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hornet_cluster::Directory;
use hornet_protocol::{PartitionId, Record};
use tracing::debug;

use super::{PartitionError, PartitionHandle};

/// Routes commands to partition leaders, on this node or another.
#[derive(Default)]
pub(crate) struct PartitionRouter {
    /// Filled once every partition of the node has started.
    local: OnceLock<BTreeMap<PartitionId, PartitionHandle>>,
    /// The cluster view that finds leaders on other nodes.
    directory: OnceLock<Directory>,
}

impl PartitionRouter {
    pub(crate) fn set_partitions(
        &self,
        partitions: BTreeMap<PartitionId, PartitionHandle>,
        directory: Directory,
    ) {
        let _ = self.local.set(partitions);
        let _ = self.directory.set(directory);
    }

    /// The partitions this node hosts.
    pub(crate) fn local(&self, partition: PartitionId) -> Option<&PartitionHandle> {
        self.local.get().and_then(|local| local.get(&partition))
    }

    /// Hands `command` to `partition`'s leader without waiting for its outcome.
    pub(crate) fn send(&self, partition: PartitionId, command: Record) {
        if let Some(local) = self.local(partition).filter(|p| p.is_serving()) {
            match local.deliver(command) {
                Ok(()) => {}
                Err(PartitionError::NotLeader { .. })
                | Err(PartitionError::Stopped { .. })
                | Err(PartitionError::OutcomeUnknown { .. }) => {
                    debug!(%partition, "partition stopped leading; the sender will retry")
                }
                Err(PartitionError::Backpressure(_)) => {
                    debug!(%partition, "partition busy; the sender will retry")
                }
            }
            return;
        }
        match self.directory.get() {
            Some(directory) => directory.deliver(partition, command),
            None => debug!(%partition, "no route to partition yet; the sender will retry"),
        }
    }
}
