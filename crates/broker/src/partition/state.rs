//! The engine's view of a partition's state: committed RocksDB state, optionally under the leader's
//! uncommitted layers, and the conversion of engine writes into a storage batch.

use std::ops::ControlFlow;

use hornet_engine::kv::{KvError, KvRead, WriteSet};
use hornet_protocol::Position;
use hornet_replication::{StateBatch, StateStore};

/// Where the broker records the position of the last processed command. The key lies outside the
/// engine's key space (whose prefixes are small tag bytes), so the two never collide.
pub(crate) const LAST_PROCESSED_KEY: &[u8] = b"\xff\xffbroker/last-processed";

/// Committed state as the engine reads it.
pub(crate) struct Committed<'a>(pub &'a StateStore);

impl KvRead for Committed<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        self.0.get(key).map_err(KvError::new)
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), KvError> {
        self.0
            .scan_prefix(prefix, |key, value| {
                if visit(key, value) {
                    ControlFlow::Continue(())
                } else {
                    ControlFlow::Break(())
                }
            })
            .map_err(KvError::new)
    }
}

/// The position of the last command whose outcome is committed, if any.
pub(crate) fn last_processed(
    state: &StateStore,
) -> Result<Option<Position>, hornet_storage::StorageError> {
    Ok(state
        .get(LAST_PROCESSED_KEY)?
        .and_then(|bytes| <[u8; 8]>::try_from(bytes.as_slice()).ok())
        .map(|bytes| Position(u64::from_be_bytes(bytes))))
}

/// Moves the engine's writes (and the processing progress) into one atomic storage batch.
pub(crate) fn to_state_batch(writes: &WriteSet, last_processed: Position) -> StateBatch {
    let mut batch = StateBatch::new();
    for (key, value) in writes.iter() {
        match value {
            Some(value) => batch.put(key, value),
            None => batch.delete(key),
        }
    }
    batch.put(LAST_PROCESSED_KEY, last_processed.get().to_be_bytes());
    batch
}
