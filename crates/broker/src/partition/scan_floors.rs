//! Where the live entries of the engine's queue indexes begin in committed state.
//!
//! The engine uses some prefixes as queues (see [`hornet_engine::state::is_queue_prefix`]): entries
//! are added and removed in roughly key order, and RocksDB keeps every removed entry as a tombstone
//! until compaction reaches it. A scan from the front of such a prefix steps over all of them; at
//! thousands of jobs a second, finding activatable jobs cost more than the rest of the processing
//! together, and more the longer the broker ran. So the leader remembers, per queue prefix it has
//! scanned, a floor: no committed key under the prefix sorts below it. A scan starts at the floor and
//! moves it up to the first key it finds; a prefix found empty is not read again until a committed
//! batch puts a key under it.
//!
//! A floor is a lower bound and nothing more, so a scan sees exactly what it would see from the front
//! of the prefix and processing does not depend on the floors. They stay lower bounds because, while
//! this node leads, the committed state changes only by the leader's own batches, and each batch's
//! puts lower the floors when the leader drops the batch's uncommitted layer
//! ([`ScanFloors::note_committed`]); until then the leader reads those puts from the layer.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::{Bound, ControlFlow};

use hornet_engine::kv::WriteSet;
use hornet_replication::StateStore;
use hornet_storage::StorageError;

#[derive(Debug, PartialEq, Eq)]
enum Floor {
    /// No committed key under the prefix sorts before this one.
    From(Vec<u8>),
    /// No committed key under the prefix at all.
    Empty,
}

impl Floor {
    fn lower_to(&mut self, key: &[u8]) {
        match self {
            Floor::From(floor) if floor.as_slice() <= key => {}
            _ => *self = Floor::From(key.to_vec()),
        }
    }
}

/// The floors of the queue prefixes one leader has scanned; valid for its term only.
#[derive(Debug, Default)]
pub(crate) struct ScanFloors {
    floors: RefCell<BTreeMap<Vec<u8>, Floor>>,
}

impl ScanFloors {
    /// Visits the committed entries under `prefix` like [`StateStore::scan_prefix`], from the
    /// prefix's floor, and records the first key found as its new floor.
    pub(crate) fn scan(
        &self,
        state: &StateStore,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), StorageError> {
        let from = match self.floors.borrow().get(prefix) {
            Some(Floor::Empty) => return Ok(()),
            Some(Floor::From(floor)) => Some(floor.clone()),
            None => None,
        };
        let mut first = None;
        state.scan_prefix_from(prefix, from.as_deref().unwrap_or(prefix), |key, value| {
            if first.is_none() {
                first = Some(key.to_vec());
            }
            if visit(key, value) {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        })?;
        let floor = first.map_or(Floor::Empty, Floor::From);
        self.floors.borrow_mut().insert(prefix.to_vec(), floor);
        Ok(())
    }

    /// Lowers the floors below the keys `writes` put, now that those writes are committed state.
    pub(crate) fn note_committed(&mut self, writes: &WriteSet) {
        let floors = self.floors.get_mut();
        let mut columns = [false; 256];
        for prefix in floors.keys() {
            if let Some(&column) = prefix.first() {
                columns[usize::from(column)] = true;
            }
        }
        for (key, value) in writes.iter() {
            let Some(&column) = key.first() else {
                continue;
            };
            if value.is_none() || !columns[usize::from(column)] {
                continue;
            }
            let column = [column];
            let candidates =
                floors.range_mut::<[u8], _>((Bound::Included(&column[..]), Bound::Unbounded));
            for (prefix, floor) in candidates {
                if prefix.first() != Some(&column[0]) {
                    break;
                }
                if key.starts_with(prefix) {
                    floor.lower_to(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hornet_replication::StateBatch;

    /// A queue prefix as the engine builds it: activatable jobs of type "t".
    const PREFIX: &[u8] = &[0x31, 0, 0, 0, 1, b't'];

    fn key(n: u8) -> Vec<u8> {
        [PREFIX, &[n]].concat()
    }

    fn write(state: &StateStore, puts: &[u8], deletes: &[u8]) -> WriteSet {
        let mut writes = WriteSet::new();
        let mut batch = StateBatch::new();
        for &n in puts {
            writes.put(&key(n), b"");
            batch.put(key(n), b"");
        }
        for &n in deletes {
            writes.delete(&key(n));
            batch.delete(key(n));
        }
        state.write(batch).expect("write state");
        writes
    }

    fn scan(floors: &ScanFloors, state: &StateStore) -> Vec<u8> {
        let mut seen = Vec::new();
        floors
            .scan(state, PREFIX, &mut |key, _| {
                seen.push(key[PREFIX.len()]);
                true
            })
            .expect("scan");
        seen
    }

    #[test]
    fn scans_start_at_the_first_key_found_before() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = StateStore::open(dir.path()).expect("open state");
        let mut floors = ScanFloors::default();
        write(&state, &[1, 2, 3, 4, 5], &[]);
        assert_eq!(scan(&floors, &state), vec![1, 2, 3, 4, 5]);
        write(&state, &[], &[1, 2, 3]);
        assert_eq!(scan(&floors, &state), vec![4, 5]);

        // A key below the floor that did not come through `note_committed` is not seen: the scan
        // really starts at the floor.
        let unnoted = write(&state, &[2], &[]);
        assert_eq!(scan(&floors, &state), vec![4, 5]);
        // Once noted, it is.
        floors.note_committed(&unnoted);
        assert_eq!(scan(&floors, &state), vec![2, 4, 5]);
    }

    #[test]
    fn an_empty_prefix_is_skipped_until_a_committed_put_lands_under_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = StateStore::open(dir.path()).expect("open state");
        let mut floors = ScanFloors::default();
        write(&state, &[7], &[]);
        assert_eq!(scan(&floors, &state), vec![7]);
        write(&state, &[], &[7]);
        assert_eq!(scan(&floors, &state), Vec::<u8>::new());
        assert_eq!(
            floors.floors.borrow().get(PREFIX),
            Some(&Floor::Empty),
            "an empty scan marks the prefix empty"
        );

        // Deletes and puts under other prefixes leave the mark alone.
        let mut elsewhere = WriteSet::new();
        elsewhere.put(&[0x31, 0, 0, 0, 1, b'u', 9], b"");
        elsewhere.delete(&key(7));
        floors.note_committed(&elsewhere);
        assert_eq!(floors.floors.borrow().get(PREFIX), Some(&Floor::Empty));

        let put = write(&state, &[9], &[]);
        floors.note_committed(&put);
        assert_eq!(scan(&floors, &state), vec![9]);
    }
}
