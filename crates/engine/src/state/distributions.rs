//! Command distribution (Zeebe's `DistributionState`): commands this partition sends to the others,
//! kept until every receiver acknowledged them.
//!
//! * `70 distribution-key` → [`StoredDistribution`]: the distributed command's value (e.g. the Deployment
//!   CREATE copy) and the timestamp of its COMMAND_DISTRIBUTION STARTED events, so the command can be
//!   rebuilt for re-sending.
//! * `71 distribution-key partition(u32 BE)` → empty: the receiving partitions that have not acknowledged
//!   yet.
//! * `72 distribution-key` → empty: distributed commands received from another partition whose effect is
//!   not idempotent by itself (signal broadcasts), so that a re-sent copy is acknowledged again but not
//!   processed twice.

use super::{column, get, keys_with_prefix, put, KeyBuf, PRESENT};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::{Key, PartitionId, RecordValue};
use serde::{Deserialize, Serialize};

/// A distributed command as stored until every partition acknowledged it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredDistribution {
    /// The timestamp of the distribution's STARTED events (the original command's time).
    pub timestamp: i64,
    pub command: RecordValue,
}

fn distribution_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::DISTRIBUTION).key(key).build()
}

fn pending_prefix(key: Key) -> Vec<u8> {
    KeyBuf::new(column::DISTRIBUTION_PENDING).key(key).build()
}

fn pending_key(key: Key, partition: PartitionId) -> Vec<u8> {
    KeyBuf::new(column::DISTRIBUTION_PENDING)
        .key(key)
        .u32(u32::from(partition.get()))
        .build()
}

pub fn get_distribution(
    kv: &dyn KvRead,
    key: Key,
) -> Result<Option<StoredDistribution>, EngineError> {
    get(kv, "command distribution", &distribution_key(key))
}

pub fn is_pending(kv: &dyn KvRead, key: Key, partition: PartitionId) -> Result<bool, EngineError> {
    Ok(kv.get(&pending_key(key, partition))?.is_some())
}

/// Whether any partition has yet to acknowledge distribution `key`.
pub fn has_pending(kv: &dyn KvRead, key: Key) -> Result<bool, EngineError> {
    Ok(!keys_with_prefix(kv, &pending_prefix(key))?.is_empty())
}

/// Every (distribution key, partition) not acknowledged yet, in key then partition order.
pub fn all_pending(kv: &dyn KvRead) -> Result<Vec<(Key, PartitionId)>, EngineError> {
    let mut pending = Vec::new();
    let mut corrupt = false;
    kv.scan_prefix(&[column::DISTRIBUTION_PENDING], &mut |key, _| {
        let parsed = super::key_at(key, 1).zip(
            key.get(9..13)
                .and_then(|part| <[u8; 4]>::try_from(part).ok())
                .map(u32::from_be_bytes)
                .and_then(|p| u16::try_from(p).ok()),
        );
        match parsed {
            Some((distribution, partition)) => {
                pending.push((distribution, PartitionId(partition)));
                true
            }
            None => {
                corrupt = true;
                false
            }
        }
    })?;
    if corrupt {
        return Err(EngineError::CorruptState {
            what: "pending command distribution",
            reason: "malformed state key".to_string(),
        });
    }
    Ok(pending)
}

fn received_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::DISTRIBUTION_RECEIVED).key(key).build()
}

/// Whether the distributed command `key` from another partition was processed here already.
pub fn was_received(kv: &dyn KvRead, key: Key) -> Result<bool, EngineError> {
    Ok(kv.get(&received_key(key))?.is_some())
}

/// Remembers that the distributed command `key` from another partition was processed here.
pub fn mark_received(kv: &mut dyn KvWrite, key: Key) {
    kv.put(&received_key(key), PRESENT);
}

/// COMMAND_DISTRIBUTION STARTED applier: remembers the command (once) and the pending receiver.
pub fn start(
    kv: &mut dyn KvWrite,
    key: Key,
    partition: PartitionId,
    distribution: &StoredDistribution,
) -> Result<(), EngineError> {
    if get_distribution(kv, key)?.is_none() {
        put(
            kv,
            "command distribution",
            &distribution_key(key),
            distribution,
        )?;
    }
    kv.put(&pending_key(key, partition), PRESENT);
    Ok(())
}

/// COMMAND_DISTRIBUTION ACKNOWLEDGED applier.
pub fn acknowledge(kv: &mut dyn KvWrite, key: Key, partition: PartitionId) {
    kv.delete(&pending_key(key, partition));
}

/// COMMAND_DISTRIBUTION FINISHED applier.
pub fn finish(kv: &mut dyn KvWrite, key: Key) -> Result<(), EngineError> {
    for pending in keys_with_prefix(kv, &pending_prefix(key))? {
        kv.delete(&pending);
    }
    kv.delete(&distribution_key(key));
    Ok(())
}
