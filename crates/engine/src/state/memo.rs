//! Decoded copies of recently stored values, so that a value read again and again is decoded once.
//!
//! A flow scope's element instance is read and written back at every step of each of its children,
//! and decoding it (its record's strings and keys) was the largest single cost of processing. A memo
//! keeps, per entity key, the encoded bytes last stored or read and the value they decode to. A read
//! whose bytes equal the remembered ones takes a clone of the value instead of decoding: decoding is
//! a pure function of the bytes, so the answer is the same whoever wrote them and whichever state
//! (committed, uncommitted layers, another partition on the same thread) they came from. Nothing
//! about processing depends on what the memo holds, only how long it takes.

use hornet_protocol::Key;

/// Remembered values: one slot per `key mod SLOTS`, the newest value of that slot's keys winning.
pub(crate) struct Memo<T> {
    slots: Vec<Option<Slot<T>>>,
}

struct Slot<T> {
    key: Key,
    bytes: Vec<u8>,
    value: T,
}

/// Enough for the flow scopes and live elements of the instances of a few rounds.
const SLOTS: usize = 256;

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            slots: std::iter::repeat_with(|| None).take(SLOTS).collect(),
        }
    }
}

impl<T: Clone> Memo<T> {
    /// The value `bytes` decode to, if these are the bytes last remembered for `key`.
    pub(crate) fn recall(&self, key: Key, bytes: &[u8]) -> Option<T> {
        match &self.slots[slot_of(key)] {
            Some(slot) if slot.key == key && slot.bytes == bytes => Some(slot.value.clone()),
            _ => None,
        }
    }

    /// Remembers that `bytes`, stored under `key`, decode to `value`.
    pub(crate) fn remember(&mut self, key: Key, bytes: &[u8], value: &T) {
        match &mut self.slots[slot_of(key)] {
            Some(slot) => {
                slot.key = key;
                slot.bytes.clear();
                slot.bytes.extend_from_slice(bytes);
                slot.value.clone_from(value);
            }
            empty => {
                *empty = Some(Slot {
                    key,
                    bytes: bytes.to_vec(),
                    value: value.clone(),
                })
            }
        }
    }
}

fn slot_of(key: Key) -> usize {
    // Keys of one partition differ in their low bits (a counter).
    (key.local() as usize) % SLOTS
}

#[cfg(test)]
mod tests {
    use super::*;
    use hornet_protocol::PartitionId;

    #[test]
    fn recalls_only_the_bytes_last_remembered_for_the_key() {
        let mut memo = Memo::<String>::default();
        let key = Key::new(PartitionId(1), 7);
        assert_eq!(memo.recall(key, b"a"), None);
        memo.remember(key, b"a", &"decoded a".to_string());
        assert_eq!(memo.recall(key, b"a").as_deref(), Some("decoded a"));
        // Other bytes under the same key (someone stored a newer value) are not recalled.
        assert_eq!(memo.recall(key, b"b"), None);
        // Nor is the same slot's value for another key, of this partition or another.
        let same_slot = Key::new(PartitionId(1), 7 + SLOTS as u64);
        assert_eq!(memo.recall(same_slot, b"a"), None);
        assert_eq!(memo.recall(Key::new(PartitionId(2), 7), b"a"), None);
        // A newer value of the slot replaces the older one.
        memo.remember(same_slot, b"c", &"decoded c".to_string());
        assert_eq!(memo.recall(key, b"a"), None);
        assert_eq!(memo.recall(same_slot, b"c").as_deref(), Some("decoded c"));
    }
}
