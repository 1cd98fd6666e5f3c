//! The key counter: `01` → next partition-local key (`u64` BE), starting at 1 (Zeebe's first key on
//! partition 1 is 2251799813685249, local 1).
//!
//! Appliers advance it past every event key of this partition; processing allocates keys from a
//! [`KeyGenerator`] seeded from it at the start of a round, so leader and replicas agree.

use super::column;
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::{Key, PartitionId};

const NEXT_KEY: [u8; 2] = [column::META, b'k'];

pub fn next_local(kv: &dyn KvRead) -> Result<u64, EngineError> {
    Ok(match kv.get(&NEXT_KEY)? {
        Some(bytes) => {
            let raw: [u8; 8] =
                bytes
                    .as_ref()
                    .try_into()
                    .map_err(|_| EngineError::CorruptState {
                        what: "next key",
                        reason: format!("expected 8 bytes, found {}", bytes.len()),
                    })?;
            u64::from_be_bytes(raw)
        }
        None => 1,
    })
}

/// Moves the counter past `key` if `key` belongs to `partition`.
pub fn advance_past(
    kv: &mut dyn KvWrite,
    partition: PartitionId,
    key: Key,
) -> Result<(), EngineError> {
    if key.partition() != Some(partition) {
        return Ok(());
    }
    let next = next_local(kv)?;
    if key.local() >= next {
        kv.put(&NEXT_KEY, &(key.local() + 1).to_be_bytes());
    }
    Ok(())
}

/// Hands out keys during one processing round.
#[derive(Debug)]
pub struct KeyGenerator {
    partition: PartitionId,
    next: u64,
}

impl KeyGenerator {
    pub fn seeded(kv: &dyn KvRead, partition: PartitionId) -> Result<KeyGenerator, EngineError> {
        Ok(KeyGenerator {
            partition,
            next: next_local(kv)?,
        })
    }

    pub fn next_key(&mut self) -> Key {
        let key = Key::new(self.partition, self.next);
        self.next += 1;
        key
    }
}
