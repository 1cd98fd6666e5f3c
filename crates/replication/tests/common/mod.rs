//! Shared test fixtures: a toy applier and small helpers.
#![allow(dead_code)]

use std::ops::ControlFlow;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hornet_replication::{
    Applier, ApplyError, CommittedEntry, PartitionReplica, Role, StateBatch, StateStore,
};

/// Toy engine: every payload is a big-endian u64 added to a running sum; each entry is also
/// recorded under `entry/<index>`. Remembers the order in which it saw entries.
#[derive(Default)]
pub struct SumApplier {
    pub seen: Mutex<Vec<u64>>,
    pub snapshots_installed: Mutex<u32>,
}

pub const SUM: &[u8] = b"sum";

pub fn read_sum(state: &StateStore) -> u64 {
    state
        .get_with(SUM, |v| {
            v.map_or(0, |v| u64::from_be_bytes(v.try_into().unwrap()))
        })
        .unwrap()
}

impl Applier for SumApplier {
    fn apply(
        &self,
        state: &StateStore,
        entry: &CommittedEntry<'_>,
    ) -> Result<StateBatch, ApplyError> {
        let value: [u8; 8] = entry
            .payload
            .try_into()
            .map_err(|_| ApplyError::Decode(format!("entry {}: expected 8 bytes", entry.index)))?;
        let sum = read_sum(state) + u64::from_be_bytes(value);
        let mut batch = StateBatch::new();
        batch.put(SUM, sum.to_be_bytes());
        let mut key = b"entry/".to_vec();
        key.extend_from_slice(&entry.index.to_be_bytes());
        batch.put(key, entry.payload);
        self.seen.lock().unwrap().push(entry.index);
        Ok(batch)
    }

    fn on_snapshot_installed(&self) {
        *self.snapshots_installed.lock().unwrap() += 1;
    }
}

pub async fn wait_for_role(replica: &PartitionReplica, role: Role, timeout: Duration) -> Duration {
    let started = Instant::now();
    let mut roles = replica.role_watch();
    tokio::time::timeout(timeout, roles.wait_for(|r| r.role == role))
        .await
        .unwrap_or_else(|_| panic!("node {} did not become {role:?} in time", replica.node_id()))
        .expect("role watch closed");
    started.elapsed()
}

pub async fn wait_applied(replica: &PartitionReplica, index: u64, timeout: Duration) {
    let mut applied = replica.applied_watch();
    tokio::time::timeout(timeout, applied.wait_for(|i| *i >= index))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "node {} applied only up to {} (wanted {index})",
                replica.node_id(),
                replica.last_applied()
            )
        })
        .expect("applied watch closed");
}

pub async fn append_values(
    replica: &PartitionReplica,
    values: impl Iterator<Item = u64>,
) -> Vec<u64> {
    let mut receipts = Vec::new();
    for value in values {
        receipts.push(
            replica
                .append(Bytes::copy_from_slice(&value.to_be_bytes()))
                .await
                .unwrap(),
        );
    }
    let mut indices = Vec::new();
    for receipt in receipts {
        indices.push(receipt.await.unwrap().index);
    }
    indices
}

pub fn entry_keys(state: &StateStore) -> Vec<u64> {
    let mut keys = Vec::new();
    state
        .scan_prefix(b"entry/", |key, _| {
            keys.push(u64::from_be_bytes(key[6..].try_into().unwrap()));
            ControlFlow::Continue(())
        })
        .unwrap();
    keys
}
