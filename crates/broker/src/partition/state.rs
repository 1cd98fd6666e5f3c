//! The engine's view of a partition's state: committed RocksDB state, optionally under the leader's
//! uncommitted layers, and the conversion of engine writes into a storage batch.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

use hornet_engine::kv::{KvError, KvRead};
use hornet_engine::state::is_queue_prefix;
use hornet_protocol::Position;
use hornet_replication::{StateBatch, StateStore};

use super::scan_floors::ScanFloors;

/// Where the broker records the position of the last processed command. The key lies outside the
/// engine's key space (whose prefixes are small tag bytes), so the two never collide.
pub(crate) const LAST_PROCESSED_KEY: &[u8] = b"\xff\xffbroker/last-processed";

/// Committed state as the engine reads it, for the span of one processing round (or one applied
/// entry); the leader's view also starts its queue scans at their floors (see [`ScanFloors`]).
///
/// Point reads are remembered for that span: a processor and the event applier after it often read
/// the same committed key (the job being completed, the element instance it belongs to), and absent
/// keys are looked up more than once. Remembering is safe because the committed state does not
/// change under the view in a way the engine can see: what the state machine writes meanwhile is
/// the leader's own earlier rounds, which the layers above this view already hold.
pub(crate) struct Committed<'a> {
    state: &'a StateStore,
    floors: Option<&'a ScanFloors>,
    reads: RefCell<BTreeMap<Vec<u8>, Option<Vec<u8>>>>,
}

impl<'a> Committed<'a> {
    pub(crate) fn new(state: &'a StateStore) -> Self {
        Committed {
            state,
            floors: None,
            reads: RefCell::default(),
        }
    }

    pub(crate) fn with_floors(state: &'a StateStore, floors: &'a ScanFloors) -> Self {
        Committed {
            state,
            floors: Some(floors),
            reads: RefCell::default(),
        }
    }
}

impl KvRead for Committed<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        if let Some(value) = self.reads.borrow().get(key) {
            return Ok(value.clone());
        }
        let value = self.state.get(key).map_err(KvError::new)?;
        self.reads.borrow_mut().insert(key.to_vec(), value.clone());
        Ok(value)
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), KvError> {
        match self.floors {
            Some(floors) if is_queue_prefix(prefix) => floors.scan(self.state, prefix, visit),
            _ => self.state.scan_prefix(prefix, |key, value| {
                if visit(key, value) {
                    ControlFlow::Continue(())
                } else {
                    ControlFlow::Break(())
                }
            }),
        }
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

/// Moves state changes (the engine's writes, or those a processed batch carries) and the processing
/// progress into one atomic storage batch.
pub(crate) fn to_state_batch<'c>(
    changes: impl Iterator<Item = (&'c [u8], Option<&'c [u8]>)> + Clone,
    last_processed: Position,
) -> StateBatch {
    // Each entry adds a tag and two length prefixes to its key and value.
    let bytes: usize = changes
        .clone()
        .map(|(key, value)| key.len() + value.map_or(0, <[u8]>::len) + 12)
        .sum();
    let mut batch = StateBatch::with_capacity_bytes(bytes + LAST_PROCESSED_KEY.len() + 64);
    for (key, value) in changes {
        match value {
            Some(value) => batch.put(key, value),
            None => batch.delete(key),
        }
    }
    batch.put(LAST_PROCESSED_KEY, last_processed.get().to_be_bytes());
    batch
}
