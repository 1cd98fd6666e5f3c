//! Which partition a request goes to.
//!
//! - deployments and signal broadcasts: partition 1 (it distributes them);
//! - process instance creation: round-robin over the partitions that have a leader;
//! - commands addressed by key: the partition encoded in the key;
//! - messages: a hash of the correlation key, exactly as Zeebe computes it, because the broker places
//!   message subscriptions with the same function and both sides must agree.

use hornet_protocol::{Key, PartitionId};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use hornet_protocol::partitioning::{correlation_key_hash, message_partition};

/// The partition that owns `key`, if the key names one of the cluster's partitions.
pub fn key_partition(key: i64, partitions_count: u16) -> Option<PartitionId> {
    Key(key)
        .partition()
        .filter(|partition| partition.get() <= partitions_count)
}

/// A rotating start index, shared by all requests of one kind.
#[derive(Debug, Default)]
pub struct RoundRobin(AtomicUsize);

impl RoundRobin {
    /// `candidates` rotated so that consecutive calls start at consecutive entries.
    pub fn order<T: Copy>(&self, candidates: &[T]) -> Vec<T> {
        if candidates.is_empty() {
            return Vec::new();
        }
        let start = self.0.fetch_add(1, Ordering::Relaxed) % candidates.len();
        candidates[start..]
            .iter()
            .chain(&candidates[..start])
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_partition_rejects_keys_outside_the_cluster() {
        let key = Key::new(PartitionId(2), 7).get();
        assert_eq!(key_partition(key, 3), Some(PartitionId(2)));
        assert_eq!(key_partition(key, 1), None);
        assert_eq!(key_partition(0, 3), None);
        assert_eq!(key_partition(-1, 3), None);
        assert_eq!(key_partition(7, 3), None, "partition 0 does not exist");
    }

    #[test]
    fn round_robin_rotates() {
        let rr = RoundRobin::default();
        assert_eq!(rr.order(&[1, 2, 3]), vec![1, 2, 3]);
        assert_eq!(rr.order(&[1, 2, 3]), vec![2, 3, 1]);
        assert_eq!(rr.order(&[1, 2, 3]), vec![3, 1, 2]);
        assert_eq!(rr.order::<u8>(&[]), Vec::<u8>::new());
    }
}
