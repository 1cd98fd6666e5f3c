//! Keys and positions.
//!
//! A key names an entity (a process instance, a job, ...) cluster-wide: the partition id lives in the top 13
//! bits (`key = partition << 51 | local`), as in Zeebe, so any key tells which partition owns it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Number of bits of a key that hold the partition-local counter.
const PARTITION_SHIFT: u32 = 51;
const LOCAL_MASK: i64 = (1 << PARTITION_SHIFT) - 1;

/// The largest partition id a key can encode (13 bits).
pub const MAX_PARTITIONS: u16 = (1 << 13) - 1;

/// A partition id; partitions are numbered from 1.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PartitionId(pub u16);

impl PartitionId {
    pub const FIRST: PartitionId = PartitionId(1);

    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for PartitionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A 64-bit entity key. `Key::NONE` (-1) marks records that have no key, as Zeebe does.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Key(pub i64);

impl Key {
    pub const NONE: Key = Key(-1);

    /// Builds the key of the `local`-th entity of `partition`.
    pub fn new(partition: PartitionId, local: u64) -> Key {
        Key(((partition.0 as i64) << PARTITION_SHIFT) | (local as i64 & LOCAL_MASK))
    }

    /// The partition that owns this key, if the key is a valid one.
    pub fn partition(self) -> Option<PartitionId> {
        if self.0 <= 0 {
            return None;
        }
        let id = (self.0 >> PARTITION_SHIFT) as u16;
        (id >= 1).then_some(PartitionId(id))
    }

    /// The partition-local counter part.
    pub fn local(self) -> u64 {
        (self.0 & LOCAL_MASK) as u64
    }

    pub fn is_none(self) -> bool {
        self.0 < 0
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// Big-endian bytes, so keys sort by value in byte-ordered storage.
    pub fn to_be_bytes(self) -> [u8; 8] {
        (self.0 as u64).to_be_bytes()
    }

    pub fn from_be_bytes(bytes: [u8; 8]) -> Key {
        Key(u64::from_be_bytes(bytes) as i64)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The position of a record in its partition's log: strictly increasing, derived from the Raft index of the
/// entry that holds the record and the record's offset inside it, so every replica computes the same value.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Position(pub u64);

impl Position {
    const OFFSET_BITS: u32 = 20;
    /// How many records one log entry may hold.
    pub const MAX_RECORDS_PER_ENTRY: usize = 1 << Self::OFFSET_BITS;

    pub fn new(log_index: u64, offset: usize) -> Position {
        debug_assert!(offset < Self::MAX_RECORDS_PER_ENTRY);
        Position((log_index << Self::OFFSET_BITS) | offset as u64)
    }

    /// The Raft index of the entry holding this record.
    pub fn log_index(self) -> u64 {
        self.0 >> Self::OFFSET_BITS
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_encodes_partition_like_zeebe() {
        let key = Key::new(PartitionId(1), 1);
        assert_eq!(key.0, 2251799813685249); // a typical first key on partition 1 in Zeebe
        assert_eq!(key.partition(), Some(PartitionId(1)));
        assert_eq!(key.local(), 1);
        let key = Key::new(PartitionId(3), 42);
        assert_eq!(key.partition(), Some(PartitionId(3)));
        assert_eq!(key.local(), 42);
        assert_eq!(Key::NONE.partition(), None);
        assert_eq!(Key(7).partition(), None);
    }

    #[test]
    fn key_bytes_sort_like_values() {
        let a = Key::new(PartitionId(1), 5).to_be_bytes();
        let b = Key::new(PartitionId(1), 300).to_be_bytes();
        assert!(a < b);
        assert_eq!(Key::from_be_bytes(b), Key::new(PartitionId(1), 300));
    }

    #[test]
    fn positions_increase_with_index_then_offset() {
        let a = Position::new(7, 3);
        let b = Position::new(7, 4);
        let c = Position::new(8, 0);
        assert!(a < b && b < c);
        assert_eq!(c.log_index(), 8);
    }
}
