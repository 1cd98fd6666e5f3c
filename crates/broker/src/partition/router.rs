//! Delivery of commands from one partition to another (deployment distribution and its acknowledgements,
//! later message correlation and signals).
//!
//! Delivery is fire-and-forget: a command that cannot be handed over now (the target is busy or has no
//! leader here) is not retried by the router. The sending engine keeps every command that needs an
//! acknowledgement as pending state, and its leader re-sends pending commands periodically until they
//! are acknowledged. Receivers process duplicates idempotently.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hornet_protocol::{PartitionId, Record};
use tokio::sync::mpsc;
use tracing::debug;

use super::submission::Submission;

/// Routes commands to the partitions of this node.
#[derive(Default)]
pub(crate) struct PartitionRouter {
    /// Filled once every partition of the node has started.
    partitions: OnceLock<BTreeMap<PartitionId, mpsc::Sender<Submission>>>,
}

impl PartitionRouter {
    pub(crate) fn set_partitions(
        &self,
        partitions: BTreeMap<PartitionId, mpsc::Sender<Submission>>,
    ) {
        let _ = self.partitions.set(partitions);
    }

    /// Hands `command` to `partition` without waiting for its outcome.
    pub(crate) fn send(&self, partition: PartitionId, command: Record) {
        let Some(target) = self.partitions.get().and_then(|p| p.get(&partition)) else {
            debug!(%partition, "no route to partition; the sender will retry");
            return;
        };
        if target
            .try_send(Submission {
                command,
                reply: None,
            })
            .is_err()
        {
            debug!(%partition, "partition busy; the sender will retry");
        }
    }
}
