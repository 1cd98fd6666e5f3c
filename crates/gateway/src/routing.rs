//! Which partition a request goes to.
//!
//! - deployments and signal broadcasts: partition 1 (it distributes them);
//! - process instance creation: round-robin over the partitions that have a leader;
//! - commands addressed by key: the partition encoded in the key;
//! - messages: a hash of the correlation key, exactly as Zeebe computes it, because the broker places
//!   message subscriptions with the same function and both sides must agree.

use hornet_protocol::{Key, PartitionId};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Zeebe's subscription hash (`SubscriptionUtil.getSubscriptionHashCode`): `h = 31 * h + b` over the UTF-8
/// bytes, each byte read as a signed Java `byte`, with 32-bit wrapping. For ASCII keys this equals Java's
/// `String.hashCode`.
pub fn correlation_key_hash(correlation_key: &str) -> i32 {
    correlation_key.as_bytes().iter().fold(0i32, |h, &b| {
        h.wrapping_mul(31).wrapping_add(i32::from(b as i8))
    })
}

/// The partition that owns messages with this correlation key: `abs(hash % partitions) + 1`.
/// `partitions_count` must be at least 1.
pub fn message_partition(correlation_key: &str, partitions_count: u16) -> PartitionId {
    let count = i32::from(partitions_count.max(1));
    // |h % count| < count <= u16::MAX, so the cast cannot truncate.
    PartitionId((correlation_key_hash(correlation_key) % count).unsigned_abs() as u16 + 1)
}

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
    fn hash_matches_java_string_hash_code() {
        // Values of java.lang.String#hashCode.
        assert_eq!(correlation_key_hash(""), 0);
        assert_eq!(correlation_key_hash("a"), 97);
        assert_eq!(correlation_key_hash("abc"), 96354);
        assert_eq!(correlation_key_hash("hello"), 99162322);
        assert_eq!(correlation_key_hash("Hello World"), -862545276);
        // Overflows to exactly Integer.MIN_VALUE.
        assert_eq!(correlation_key_hash("polygenelubricants"), i32::MIN);
    }

    #[test]
    fn non_ascii_bytes_count_as_signed_like_agrona_get_byte() {
        // "é" is 0xC3 0xA9 in UTF-8: (-61) * 31 + (-87).
        assert_eq!(correlation_key_hash("é"), -61 * 31 - 87);
    }

    #[test]
    fn message_partition_is_abs_of_remainder_plus_one() {
        assert_eq!(message_partition("abc", 1), PartitionId(1));
        assert_eq!(message_partition("abc", 3), PartitionId(1)); // 96354 % 3 == 0
        assert_eq!(message_partition("abc", 4), PartitionId(3)); // 96354 % 4 == 2
                                                                 // -862545276 % 3 == -0 → partition 1; % 5 == -1 → partition 2.
        assert_eq!(message_partition("Hello World", 3), PartitionId(1));
        assert_eq!(message_partition("Hello World", 5), PartitionId(2));
        // MIN % 3 == -2 → partition 3 (no overflow from abs(MIN)).
        assert_eq!(message_partition("polygenelubricants", 3), PartitionId(3));
    }

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
