//! The leader's memory of the state its recent rounds committed.
//!
//! Most reads of committed state on the leader are of entities that a round created milliseconds
//! earlier: the job a worker completes, its element instance, the instance's variables. RocksDB
//! answers them from its memtable, but at the price of a skiplist search per read and of an
//! iterator per scan, about a tenth of the broker's CPU at full load. So the leader keeps what its
//! committed rounds wrote, and reads it from memory. Two facts make that exact:
//!
//! - **Memory is a subset of the committed state, with the same values.** The leader hands a
//!   round's writes over only when it drops the round's layer, once the round is committed and
//!   applied. While this node leads, nothing else writes the state. A put replaces the remembered
//!   value and a delete forgets it. So a key the memory holds reads the same as from RocksDB, and a
//!   key it lacks is read from RocksDB.
//! - **For new entities, memory is complete.** No state holds an entry owned ([`owning_key`]) by a
//!   key of this partition at or past its key counter. So every entry owned by a key handed out
//!   after the memory began collecting was written by a round the memory holds. For such a key the
//!   memory answers alone: a key it lacks is absent, and a scan of a prefix it owns reads nothing
//!   else.
//!
//! Memory is bounded. It collects into a newer generation; when that outgrows its budget it becomes
//! the older one, and the previous older one is forgotten. Completeness then starts where the new
//! older generation began.
//!
//! [`owning_key`]: hornet_engine::state::owning_key

use std::collections::BTreeMap;
use std::iter::Peekable;
use std::ops::Bound;

use hornet_engine::kv::WriteSet;
use hornet_engine::state::owning_key;
use hornet_protocol::PartitionId;

/// The default budget of one generation, in bytes of keys and values. Two generations at most are
/// kept per partition. At full load a generation lasts about a second, far longer than a job takes
/// from creation to completion.
pub(crate) const GENERATION_BYTES: usize = 8 * 1024 * 1024;

/// What a read of memory found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Recalled<'a> {
    /// Memory holds the key, with this committed value.
    Value(&'a [u8]),
    /// The key belongs to an entity newer than everything memory forgot: committed state lacks it.
    Absent,
    /// Memory cannot tell; committed state can.
    Unknown,
}

#[derive(Debug, Default)]
struct Generation {
    entries: BTreeMap<Vec<u8>, Vec<u8>>,
    bytes: usize,
    /// The partition's key counter in committed state when this generation began collecting.
    first_key: u64,
}

impl Generation {
    fn starting_at(first_key: u64) -> Self {
        Generation {
            first_key,
            ..Generation::default()
        }
    }

    fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.bytes += key.len() + value.len();
        if let Some(old) = self.entries.insert(key, value) {
            self.bytes -= old.len();
        }
    }

    fn remove(&mut self, key: &[u8]) {
        if let Some((key, value)) = self.entries.remove_entry(key) {
            self.bytes -= key.len() + value.len();
        }
    }

    fn prefixed<'s>(&'s self, prefix: &'s [u8]) -> impl Iterator<Item = (&'s [u8], &'s [u8])> {
        self.entries
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .map(|(key, value)| (key.as_slice(), value.as_slice()))
            .take_while(move |(key, _)| key.starts_with(prefix))
    }
}

/// The committed writes of one leader's recent rounds; valid for its term only.
#[derive(Debug)]
pub(crate) struct RecentWrites {
    partition: PartitionId,
    budget: usize,
    newer: Generation,
    older: Option<Generation>,
}

impl RecentWrites {
    /// An empty memory for the leader of `partition`, whose committed key counter stands at
    /// `first_key`, forgetting a generation once the next one holds `budget` bytes.
    pub(crate) fn new(partition: PartitionId, first_key: u64, budget: usize) -> Self {
        RecentWrites {
            partition,
            budget,
            newer: Generation::starting_at(first_key),
            older: None,
        }
    }

    /// The first key of this partition from which memory holds every committed entry it owns.
    pub(crate) fn complete_from(&self) -> u64 {
        self.older.as_ref().unwrap_or(&self.newer).first_key
    }

    /// Whether memory holds every committed entry under `key` (a key or a prefix).
    fn is_complete_for(&self, key: &[u8]) -> bool {
        owning_key(key).is_some_and(|owner| {
            owner.partition() == Some(self.partition) && owner.local() >= self.complete_from()
        })
    }

    /// What memory knows of the committed value of `key`.
    pub(crate) fn recall(&self, key: &[u8]) -> Recalled<'_> {
        let remembered = self
            .newer
            .entries
            .get(key)
            .or_else(|| self.older.as_ref()?.entries.get(key));
        match remembered {
            Some(value) => Recalled::Value(value),
            None if self.is_complete_for(key) => Recalled::Absent,
            None => Recalled::Unknown,
        }
    }

    /// Visits every committed entry under `prefix` in key order, until `visit` returns `false`, if
    /// memory holds them all; `false` (having visited nothing) if it cannot tell.
    pub(crate) fn scan_complete(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> bool {
        if !self.is_complete_for(prefix) {
            return false;
        }
        // A key lives in one generation at most (see `note_committed`), so merging needs no precedence.
        let mut newer = self.newer.prefixed(prefix).peekable();
        let mut older = self
            .older
            .as_ref()
            .map(|older| older.prefixed(prefix).peekable());
        while let Some((key, value)) = next_in_order(&mut newer, older.as_mut()) {
            if !visit(key, value) {
                break;
            }
        }
        true
    }

    /// Takes in the writes of a round that is now committed and applied. `key_counter` reads the
    /// committed key counter, and is called only when a generation is forgotten.
    pub(crate) fn note_committed<E>(
        &mut self,
        writes: WriteSet,
        key_counter: impl FnOnce() -> Result<u64, E>,
    ) -> Result<(), E> {
        for (key, value) in writes {
            if let Some(older) = &mut self.older {
                older.remove(&key);
            }
            match value {
                Some(value) => self.newer.insert(key, value),
                None => self.newer.remove(&key),
            }
        }
        if self.newer.bytes > self.budget {
            let next = Generation::starting_at(key_counter()?);
            self.older = Some(std::mem::replace(&mut self.newer, next));
        }
        Ok(())
    }

    /// Bytes of keys and values held.
    pub(crate) fn bytes(&self) -> usize {
        self.newer.bytes + self.older.as_ref().map_or(0, |older| older.bytes)
    }
}

/// The smaller of the next keys of `newer` and `older`, taken from its iterator.
fn next_in_order<'s, I: Iterator<Item = (&'s [u8], &'s [u8])>>(
    newer: &mut Peekable<I>,
    older: Option<&mut Peekable<I>>,
) -> Option<(&'s [u8], &'s [u8])> {
    let Some(older) = older else {
        return newer.next();
    };
    match (newer.peek(), older.peek()) {
        (Some((a, _)), Some((b, _))) if b < a => older.next(),
        (Some(_), _) => newer.next(),
        (None, _) => older.next(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::scan_floors::ScanFloors;
    use crate::partition::state::{to_state_batch, Committed};
    use hornet_engine::kv::{KvRead, KvWrite, MemKv, Overlay};
    use hornet_engine::state::keys;
    use hornet_engine::state::variables::{self, StoredVariable};
    use hornet_protocol::{Key, Position};
    use hornet_replication::StateStore;

    const OWN: PartitionId = PartitionId(1);
    const NAMES: [&str; 3] = ["a", "b", "c"];

    fn variable(value: u64) -> StoredVariable {
        StoredVariable {
            key: Key::new(OWN, 1),
            value: value.to_string(),
        }
    }

    /// A new scope of this partition, with variables `a` and `b`.
    fn create_scope(kv: &mut dyn KvWrite, value: u64) -> Key {
        let scope = Key::new(OWN, keys::next_local(kv).unwrap());
        keys::advance_past(kv, OWN, scope).unwrap();
        for name in &NAMES[..2] {
            variables::put_local(kv, scope, name, &variable(value)).unwrap();
        }
        scope
    }

    /// The state key of variable `name` of `scope`, as the engine writes it.
    fn variable_key(scope: Key, name: &str) -> Vec<u8> {
        let nothing = MemKv::new();
        let mut kv = Overlay::new(&nothing);
        variables::put_local(&mut kv, scope, name, &variable(0)).unwrap();
        let writes = kv.into_writes();
        let (key, _) = writes.iter().next().unwrap();
        key.to_vec()
    }

    fn variables_of(kv: &dyn KvRead, scope: Key) -> Vec<(String, StoredVariable)> {
        variables::scope_variables(kv, scope).unwrap()
    }

    #[test]
    fn the_leader_reads_from_memory_what_rocksdb_holds_while_generations_come_and_go() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateStore::open(dir.path()).unwrap();
        let floors = ScanFloors::default();
        let mut recent = RecentWrites::new(OWN, 1, 3_000);
        let other_partition = Key::new(PartitionId(2), 7);
        // Seeded, so a failure replays.
        let mut rng = fastrand::Rng::with_seed(0x2545_f491_4f6c_dd1d);
        let (mut scopes, mut live) = (Vec::new(), Vec::new());
        let (mut rotations, mut recalled, mut reads) = (0, 0, 0);
        for round in 1..=400u64 {
            let writes = {
                let committed = Committed::new(&state);
                let mut kv = Overlay::new(&committed);
                for _ in 0..1 + rng.usize(..2) {
                    let scope = create_scope(&mut kv, round);
                    scopes.push(scope);
                    live.push(scope);
                }
                // Update or add a variable of some live scope, some of them created rounds ago.
                let scope = live[rng.usize(..live.len())];
                let name = NAMES[rng.usize(..NAMES.len())];
                variables::put_local(&mut kv, scope, name, &variable(round)).unwrap();
                if live.len() > 4 {
                    let ended = live.swap_remove(rng.usize(..live.len()));
                    variables::delete_scope(&mut kv, ended).unwrap();
                }
                if rng.usize(..8) == 0 {
                    variables::put_local(&mut kv, other_partition, "a", &variable(round)).unwrap();
                }
                kv.into_writes()
            };
            state
                .write(to_state_batch(writes.iter(), Position::new(round, 0)))
                .unwrap();
            let older = recent.older.as_ref().map(|older| older.first_key);
            recent
                .note_committed(writes, || keys::next_local(&Committed::new(&state)))
                .unwrap();
            rotations += usize::from(recent.older.as_ref().map(|older| older.first_key) != older);

            let leader = Committed::for_leader(&state, &floors, &recent);
            let rocksdb = Committed::new(&state);
            for &scope in scopes.iter().chain([&other_partition]) {
                assert_eq!(
                    variables_of(&leader, scope),
                    variables_of(&rocksdb, scope),
                    "variables of {scope} after round {round}"
                );
                for name in NAMES {
                    assert_eq!(
                        variables::get_local(&leader, scope, name).unwrap(),
                        variables::get_local(&rocksdb, scope, name).unwrap(),
                        "{name} of {scope} after round {round}"
                    );
                    reads += 1;
                    recalled +=
                        usize::from(recent.recall(&variable_key(scope, name)) != Recalled::Unknown);
                }
            }
        }
        assert!(rotations >= 5, "only {rotations} generations forgotten");
        assert!(
            recent.bytes() <= 2 * 3_000 + 200,
            "memory holds {} bytes",
            recent.bytes()
        );
        // Memory answers a scope's reads until its generation is forgotten; most scopes are older.
        assert!(
            recalled * 20 > reads,
            "{recalled} of {reads} reads recalled"
        );
    }

    #[test]
    fn memory_answers_for_entities_newer_than_what_it_forgot() {
        let mut recent = RecentWrites::new(OWN, 10, 100);
        let old = Key::new(OWN, 5);
        let mut base = MemKv::new();
        keys::advance_past(&mut base, OWN, Key::new(OWN, 9)).unwrap();
        let mut kv = Overlay::new(&base);
        let new = create_scope(&mut kv, 1);
        let writes = kv.into_writes();
        recent.note_committed(writes, || Ok::<_, ()>(11)).unwrap();
        assert!(matches!(
            recent.recall(&variable_key(new, "a")),
            Recalled::Value(_)
        ));
        assert_eq!(recent.recall(&variable_key(new, "c")), Recalled::Absent);
        assert_eq!(recent.recall(&variable_key(old, "a")), Recalled::Unknown);
        assert_eq!(recent.recall(b"\x01unowned"), Recalled::Unknown);
        let mut seen = Vec::new();
        let prefix = &variable_key(new, "")[..9];
        assert!(recent.scan_complete(prefix, &mut |key, _| {
            seen.push(key.to_vec());
            true
        }));
        assert_eq!(seen, vec![variable_key(new, "a"), variable_key(new, "b")]);
        assert!(!recent.scan_complete(&variable_key(old, "")[..9], &mut |_, _| true));

        // Past its budget the generation becomes the older one, and memory still answers for the scope.
        let filler = |byte: u8| {
            let mut writes = WriteSet::new();
            writes.put(&[0x01, byte], &[0; 200]);
            writes
        };
        recent
            .note_committed(filler(1), || Ok::<_, ()>(11))
            .unwrap();
        assert_eq!(recent.complete_from(), 10);
        assert!(matches!(
            recent.recall(&variable_key(new, "a")),
            Recalled::Value(_)
        ));
        // The next one forgets it. The scope was created before the newer generation began, so its
        // entries are read from committed state again.
        recent
            .note_committed(filler(2), || Ok::<_, ()>(11))
            .unwrap();
        assert_eq!(recent.complete_from(), 11);
        assert_eq!(recent.recall(&variable_key(new, "a")), Recalled::Unknown);
        assert_eq!(recent.recall(&variable_key(new, "c")), Recalled::Unknown);
    }
}
