//! The engine's view of a partition's state: committed RocksDB state, optionally under the leader's
//! uncommitted layers, and the conversion of engine writes into a storage batch.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

use hornet_engine::kv::{KvError, KvRead};
use hornet_engine::state::is_queue_prefix;
use hornet_protocol::Position;
use hornet_replication::{StateBatch, StateStore};

use super::recent_writes::{Recalled, RecentWrites};
use super::scan_floors::ScanFloors;

/// Where the broker records the position of the last processed command. The key lies outside the
/// engine's key space (whose prefixes are small tag bytes), so the two never collide.
pub(crate) const LAST_PROCESSED_KEY: &[u8] = b"\xff\xffbroker/last-processed";

/// Committed state as the engine reads it, for the span of one processing round (or one applied
/// entry). The leader's view also reads what its recent rounds committed from memory (see
/// [`RecentWrites`]) and starts its queue scans at their floors (see [`ScanFloors`]).
///
/// Point reads are remembered for that span: a processor and the event applier after it often read
/// the same committed key (the job being completed, the element instance it belongs to), and absent
/// keys are looked up more than once. Remembering is safe because the committed state does not
/// change under the view in a way the engine can see: what the state machine writes meanwhile is
/// the leader's own earlier rounds, which the layers above this view already hold.
pub(crate) struct Committed<'a> {
    state: &'a StateStore,
    leader: Option<LeaderMemory<'a>>,
    reads: RefCell<BTreeMap<Vec<u8>, Option<Vec<u8>>>>,
}

/// What the leader knows of committed state beyond RocksDB.
#[derive(Clone, Copy)]
struct LeaderMemory<'a> {
    floors: &'a ScanFloors,
    recent: &'a RecentWrites,
}

impl<'a> Committed<'a> {
    pub(crate) fn new(state: &'a StateStore) -> Self {
        Committed {
            state,
            leader: None,
            reads: RefCell::default(),
        }
    }

    /// The view of the partition's leader.
    pub(crate) fn for_leader(
        state: &'a StateStore,
        floors: &'a ScanFloors,
        recent: &'a RecentWrites,
    ) -> Self {
        Committed {
            state,
            leader: Some(LeaderMemory { floors, recent }),
            reads: RefCell::default(),
        }
    }
}

impl KvRead for Committed<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>, KvError> {
        if let Some(leader) = self.leader {
            match leader.recent.recall(key) {
                Recalled::Value(value) => return Ok(Some(Cow::Borrowed(value))),
                Recalled::Absent => return Ok(None),
                Recalled::Unknown => {}
            }
        }
        if let Some(value) = self.reads.borrow().get(key) {
            return Ok(value.clone().map(Cow::Owned));
        }
        let value = self.state.get(key).map_err(KvError::new)?;
        self.reads.borrow_mut().insert(key.to_vec(), value.clone());
        Ok(value.map(Cow::Owned))
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), KvError> {
        if let Some(leader) = self.leader {
            if leader.recent.scan_complete(prefix, visit) {
                return Ok(());
            }
        }
        match self.leader {
            Some(leader) if is_queue_prefix(prefix) => {
                leader.floors.scan(self.state, prefix, visit)
            }
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

#[cfg(test)]
mod tests {
    use super::super::recent_writes::GENERATION_BYTES;
    use super::*;
    use hornet_engine::kv::MemKv;
    use hornet_engine::state::keys;
    use hornet_engine::state::variables::{self, StoredVariable};
    use hornet_protocol::Key;
    use hornet_protocol::PartitionId;

    const OWN: PartitionId = PartitionId(1);

    fn variable(scope: Key) -> StoredVariable {
        StoredVariable {
            key: Key::new(OWN, 100),
            value: format!("\"of {scope}\""),
        }
    }

    /// Committed state whose key counter stands at 10, holding a variable of scopes `scopes`. A
    /// scope at or past the counter cannot hold one in a real state; it is written here to show that
    /// the leader's view does not look.
    fn committed_state(dir: &std::path::Path, scopes: &[Key]) -> StateStore {
        let mut kv = MemKv::new();
        keys::advance_past(&mut kv, OWN, Key::new(OWN, 9)).unwrap();
        for &scope in scopes {
            variables::put_local(&mut kv, scope, "x", &variable(scope)).unwrap();
        }
        let state = StateStore::open(dir).unwrap();
        let mut batch = StateBatch::new();
        for (key, value) in kv.iter() {
            batch.put(key, value);
        }
        state.write(batch).unwrap();
        state
    }

    #[test]
    fn the_leader_does_not_look_up_entries_of_entities_newer_than_the_state() {
        let dir = tempfile::tempdir().unwrap();
        let old = Key::new(OWN, 5);
        let new = Key::new(OWN, 12);
        let other_partition = Key::new(PartitionId(2), 12);
        let state = committed_state(dir.path(), &[old, new, other_partition]);
        let floors = ScanFloors::default();
        let recent = RecentWrites::new(OWN, 10, GENERATION_BYTES);
        let leader = Committed::for_leader(&state, &floors, &recent);
        let replica = Committed::new(&state);

        for scope in [old, other_partition] {
            for view in [&leader, &replica] {
                assert_eq!(
                    variables::get_local(view, scope, "x").unwrap(),
                    Some(variable(scope))
                );
                assert_eq!(variables::scope_variables(view, scope).unwrap().len(), 1);
            }
        }
        assert_eq!(variables::get_local(&leader, new, "x").unwrap(), None);
        assert!(variables::scope_variables(&leader, new).unwrap().is_empty());
        // A view without the leader's knowledge reads RocksDB as it is.
        assert_eq!(
            variables::get_local(&replica, new, "x").unwrap(),
            Some(variable(new))
        );
    }
}
