//! The key-value interface the engine keeps its state in, and the in-memory layers built on it.
//!
//! The engine never owns storage: the broker hands it a [`KvRead`] (RocksDB committed state, possibly
//! under the leader's uncommitted [`WriteSet`]s through [`Layered`]) when processing, and a [`KvWrite`]
//! when applying committed events. Keys and values are opaque bytes; scans visit keys in ascending byte
//! order, which the state schema relies on (big-endian numeric key parts).
//!
//! [`MemKv`] is a `BTreeMap`-backed store used by tests, benches and anyone who needs state without a disk.

use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

/// A storage failure. Opaque to the engine: the broker stops processing when it sees one.
#[derive(Debug, thiserror::Error)]
#[error("storage error: {0}")]
pub struct KvError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl KvError {
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> KvError {
        KvError(error.into())
    }
}

/// Read access to ordered key-value state.
pub trait KvRead {
    /// The value under `key`; borrowed where the store holds it in memory, so that a read of a
    /// layer costs no copy.
    fn get(&self, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>, KvError>;
    /// Visits every entry whose key starts with `prefix`, in ascending key order, until `visit` returns
    /// `false`.
    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), KvError>;
}

/// Write access. Writes cannot fail here: they are buffered and fail (if ever) when the owner commits them.
pub trait KvWrite: KvRead {
    fn put(&mut self, key: &[u8], value: &[u8]);
    fn delete(&mut self, key: &[u8]);
}

/// A set of changes (put or delete per key), in key order. The writes of one or more processing rounds.
#[derive(Clone, Debug, Default)]
pub struct WriteSet {
    changes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Keys this set put and then deleted: the only deletions that may concern a key no earlier
    /// state holds (see [`WriteSet::drop_deletions_of_absent`]).
    put_then_deleted: BTreeSet<Vec<u8>>,
}

/// Two write sets are equal when they make the same changes, however they came to.
impl PartialEq for WriteSet {
    fn eq(&self, other: &Self) -> bool {
        self.changes == other.changes
    }
}

impl Eq for WriteSet {}

impl WriteSet {
    pub fn new() -> WriteSet {
        WriteSet::default()
    }

    pub fn put(&mut self, key: &[u8], value: &[u8]) {
        // A key is often written several times in one round (an element instance at each step of
        // its life cycle): overwrite in place rather than allocate the key again.
        match self.changes.get_mut(key) {
            // Reuse the buffer of the value it replaces.
            Some(Some(buffer)) => {
                buffer.clear();
                buffer.extend_from_slice(value);
            }
            Some(slot) => *slot = Some(value.to_vec()),
            None => {
                self.changes.insert(key.to_vec(), Some(value.to_vec()));
            }
        }
    }

    pub fn delete(&mut self, key: &[u8]) {
        if let Some(Some(_)) = self.changes.insert(key.to_vec(), None) {
            self.put_then_deleted.insert(key.to_vec());
        }
    }

    /// Drops the deletions of keys that this set put first and that, by `exists_below`, no earlier
    /// state holds: such a deletion changes nothing, yet every replica would write it (an element
    /// that started and ended in the same round, for instance).
    pub fn drop_deletions_of_absent(
        &mut self,
        mut exists_below: impl FnMut(&[u8]) -> Result<bool, KvError>,
    ) -> Result<(), KvError> {
        for key in std::mem::take(&mut self.put_then_deleted) {
            if let Some(None) = self.changes.get(&key) {
                if !exists_below(&key)? {
                    self.changes.remove(&key);
                }
            }
        }
        Ok(())
    }

    /// `None`: this set does not touch `key`; `Some(None)`: deletes it; `Some(Some(v))`: puts `v`.
    pub fn lookup(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        self.changes.get(key).map(|v| v.as_deref())
    }

    /// The changes in ascending key order; `None` values are deletions.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[u8], Option<&[u8]>)> + Clone {
        self.changes
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
    }

    /// The changes whose key starts with `prefix`, in ascending key order.
    pub fn iter_prefix<'s>(
        &'s self,
        prefix: &'s [u8],
    ) -> impl Iterator<Item = (&'s [u8], Option<&'s [u8]>)> + 's {
        self.changes
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Adds `newer`'s changes on top of these (newer wins per key).
    pub fn extend(&mut self, newer: WriteSet) {
        self.put_then_deleted.extend(newer.put_then_deleted);
        for (key, value) in newer.changes {
            match self.changes.entry(key) {
                Entry::Occupied(mut slot) => {
                    if value.is_none() && slot.get().is_some() {
                        self.put_then_deleted.insert(slot.key().clone());
                    }
                    slot.insert(value);
                }
                Entry::Vacant(slot) => {
                    slot.insert(value);
                }
            }
        }
    }

    /// Writes every change into `target`.
    pub fn apply_to(&self, target: &mut dyn KvWrite) {
        for (key, value) in self.iter() {
            match value {
                Some(value) => target.put(key, value),
                None => target.delete(key),
            }
        }
    }
}

impl IntoIterator for WriteSet {
    type Item = (Vec<u8>, Option<Vec<u8>>);
    type IntoIter = std::collections::btree_map::IntoIter<Vec<u8>, Option<Vec<u8>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.changes.into_iter()
    }
}

/// Scans `base` under `prefix` merged with `changes` (sorted, same prefix), the changes taking precedence.
fn merged_scan<'c>(
    base: &dyn KvRead,
    prefix: &[u8],
    changes: impl Iterator<Item = (&'c [u8], Option<&'c [u8]>)>,
    visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
) -> Result<(), KvError> {
    let mut changes = changes.peekable();
    let mut stopped = false;
    base.scan_prefix(prefix, &mut |key, value| {
        // First everything the changes hold before this base key.
        while let Some((ckey, cvalue)) = changes.peek().copied() {
            if ckey < key {
                changes.next();
                if let Some(cvalue) = cvalue {
                    if !visit(ckey, cvalue) {
                        stopped = true;
                        return false;
                    }
                }
            } else {
                break;
            }
        }
        let keep_going = match changes.peek().copied() {
            Some((ckey, cvalue)) if ckey == key => {
                changes.next();
                match cvalue {
                    Some(cvalue) => visit(key, cvalue),
                    None => true,
                }
            }
            _ => visit(key, value),
        };
        if !keep_going {
            stopped = true;
        }
        keep_going
    })?;
    if stopped {
        return Ok(());
    }
    for (ckey, cvalue) in changes {
        if let Some(cvalue) = cvalue {
            if !visit(ckey, cvalue) {
                break;
            }
        }
    }
    Ok(())
}

/// A writable view of `base`: reads see the buffered writes first; nothing reaches `base`.
pub struct Overlay<'a> {
    base: &'a dyn KvRead,
    writes: WriteSet,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn KvRead) -> Overlay<'a> {
        Overlay {
            base,
            writes: WriteSet::new(),
        }
    }

    pub fn writes(&self) -> &WriteSet {
        &self.writes
    }

    pub fn into_writes(self) -> WriteSet {
        self.writes
    }
}

impl KvRead for Overlay<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>, KvError> {
        match self.writes.lookup(key) {
            Some(value) => Ok(value.map(Cow::Borrowed)),
            None => self.base.get(key),
        }
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), KvError> {
        merged_scan(self.base, prefix, self.writes.iter_prefix(prefix), visit)
    }
}

impl KvWrite for Overlay<'_> {
    fn put(&mut self, key: &[u8], value: &[u8]) {
        self.writes.put(key, value);
    }

    fn delete(&mut self, key: &[u8]) {
        self.writes.delete(key);
    }
}

/// Read-only view of `base` under uncommitted write sets (`layers`, newest last): how the leader reads
/// committed state plus what it processed but is not committed yet.
pub struct Layered<'a> {
    layers: &'a [&'a WriteSet],
    base: &'a dyn KvRead,
}

impl<'a> Layered<'a> {
    pub fn new(layers: &'a [&'a WriteSet], base: &'a dyn KvRead) -> Layered<'a> {
        Layered { layers, base }
    }
}

impl KvRead for Layered<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>, KvError> {
        for layer in self.layers.iter().rev() {
            if let Some(value) = layer.lookup(key) {
                return Ok(value.map(Cow::Borrowed));
            }
        }
        self.base.get(key)
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), KvError> {
        match self.layers {
            [] => self.base.scan_prefix(prefix, visit),
            [single] => merged_scan(self.base, prefix, single.iter_prefix(prefix), visit),
            layers => {
                // Collapse the layers' changes under the prefix (newer wins), then merge once with the base.
                let mut merged: BTreeMap<&[u8], Option<&[u8]>> = BTreeMap::new();
                for layer in layers {
                    merged.extend(layer.iter_prefix(prefix));
                }
                merged_scan(self.base, prefix, merged.into_iter(), visit)
            }
        }
    }
}

/// An in-memory ordered store. Two `MemKv`s compare equal when they hold byte-identical state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemKv {
    entries: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemKv {
    pub fn new() -> MemKv {
        MemKv::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.entries
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_slice()))
    }

    /// Applies a write set (e.g. a committed round's writes).
    pub fn apply(&mut self, writes: &WriteSet) {
        writes.apply_to(self);
    }
}

impl KvRead for MemKv {
    fn get(&self, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>, KvError> {
        Ok(self
            .entries
            .get(key)
            .map(|value| Cow::Borrowed(value.as_slice())))
    }

    fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]) -> bool,
    ) -> Result<(), KvError> {
        for (key, value) in self
            .entries
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
        {
            if !key.starts_with(prefix) || !visit(key, value) {
                break;
            }
        }
        Ok(())
    }
}

impl KvWrite for MemKv {
    fn put(&mut self, key: &[u8], value: &[u8]) {
        self.entries.insert(key.to_vec(), value.to_vec());
    }

    fn delete(&mut self, key: &[u8]) {
        self.entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(kv: &dyn KvRead, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        kv.scan_prefix(prefix, &mut |k, v| {
            out.push((k.to_vec(), v.to_vec()));
            true
        })
        .unwrap();
        out
    }

    fn base() -> MemKv {
        let mut kv = MemKv::new();
        kv.put(b"a1", b"base-a1");
        kv.put(b"a3", b"base-a3");
        kv.put(b"a5", b"base-a5");
        kv.put(b"b1", b"base-b1");
        kv
    }

    #[test]
    fn overlay_reads_its_writes_and_merges_scans_in_order() {
        let base = base();
        let mut overlay = Overlay::new(&base);
        overlay.put(b"a2", b"new-a2");
        overlay.put(b"a3", b"new-a3");
        overlay.delete(b"a5");
        overlay.put(b"a9", b"new-a9");
        assert_eq!(overlay.get(b"a3").unwrap().as_deref(), Some(&b"new-a3"[..]));
        assert_eq!(overlay.get(b"a5").unwrap(), None);
        assert_eq!(
            overlay.get(b"b1").unwrap().as_deref(),
            Some(&b"base-b1"[..])
        );
        let keys: Vec<_> = collect(&overlay, b"a")
            .into_iter()
            .map(|(k, v)| (String::from_utf8(k).unwrap(), String::from_utf8(v).unwrap()))
            .collect();
        assert_eq!(
            keys,
            [
                ("a1".to_string(), "base-a1".to_string()),
                ("a2".into(), "new-a2".into()),
                ("a3".into(), "new-a3".into()),
                ("a9".into(), "new-a9".into()),
            ]
        );
        // base untouched
        assert_eq!(base.get(b"a5").unwrap().as_deref(), Some(&b"base-a5"[..]));
    }

    #[test]
    fn scans_stop_when_asked() {
        let base = base();
        let mut overlay = Overlay::new(&base);
        overlay.put(b"a0", b"x");
        let mut seen = 0;
        overlay
            .scan_prefix(b"a", &mut |_, _| {
                seen += 1;
                seen < 2
            })
            .unwrap();
        assert_eq!(seen, 2);
    }

    #[test]
    fn layered_prefers_newest_layer() {
        let base = base();
        let mut older = WriteSet::new();
        older.put(b"a1", b"older");
        older.put(b"a4", b"older-a4");
        let mut newer = WriteSet::new();
        newer.delete(b"a4");
        newer.put(b"a1", b"newer");
        let layers = [&older, &newer];
        let view = Layered::new(&layers, &base);
        assert_eq!(view.get(b"a1").unwrap().as_deref(), Some(&b"newer"[..]));
        assert_eq!(view.get(b"a4").unwrap(), None);
        let keys: Vec<_> = collect(&view, b"a").into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, [b"a1".to_vec(), b"a3".to_vec(), b"a5".to_vec()]);
    }

    #[test]
    fn write_set_applies_to_a_store() {
        let mut store = base();
        let mut writes = WriteSet::new();
        writes.put(b"c", b"1");
        writes.delete(b"a1");
        store.apply(&writes);
        assert_eq!(store.get(b"a1").unwrap(), None);
        assert_eq!(store.get(b"c").unwrap().as_deref(), Some(&b"1"[..]));
    }

    #[test]
    fn only_deletions_of_keys_put_first_and_absent_below_are_dropped() {
        let below = base(); // holds a1, a3, a5, b1
        let mut round = WriteSet::new();
        round.put(b"new1", b"x");
        round.delete(b"new1"); // created and removed in one set
        round.delete(b"a1"); // removes a key below, never put here
        let mut command = WriteSet::new();
        command.put(b"new2", b"y");
        command.put(b"a3", b"updated");
        round.extend(command);
        let mut later = WriteSet::new();
        later.delete(b"new2"); // put by an earlier command of the round
        later.delete(b"a3"); // updated, then deleted: below still holds it
        round.extend(later);

        let mut asked = Vec::new();
        round
            .drop_deletions_of_absent(|key| {
                asked.push(key.to_vec());
                below.get(key).map(|value| value.is_some())
            })
            .unwrap();
        asked.sort();
        assert_eq!(asked, [b"a3".to_vec(), b"new1".to_vec(), b"new2".to_vec()]);
        let left: Vec<_> = round
            .iter()
            .map(|(k, v)| (k.to_vec(), v.is_some()))
            .collect();
        assert_eq!(left, [(b"a1".to_vec(), false), (b"a3".to_vec(), false)]);
    }
}
