//! Which partition owns a message correlation key. The gateway routes a published message there and the
//! engine opens message subscriptions there, so both sides must compute it with this one function.

use crate::key::PartitionId;

/// Zeebe's subscription hash (`SubscriptionUtil.getSubscriptionHashCode`): `h = 31 * h + b` over the UTF-8
/// bytes, each byte read as a signed Java `byte`, with 32-bit wrapping. For ASCII keys this equals Java's
/// `String.hashCode`.
pub fn correlation_key_hash(correlation_key: &str) -> i32 {
    correlation_key.as_bytes().iter().fold(0i32, |h, &b| {
        h.wrapping_mul(31).wrapping_add(i32::from(b as i8))
    })
}

/// The partition that owns messages (and message subscriptions) with this correlation key:
/// `abs(hash % partitions) + 1`, as Zeebe's `SubscriptionUtil.getSubscriptionPartitionId`. A
/// `partitions_count` of 0 is treated as 1.
pub fn message_partition(correlation_key: &str, partitions_count: u16) -> PartitionId {
    let count = i32::from(partitions_count.max(1));
    // |h % count| < count <= u16::MAX, so the cast cannot truncate.
    PartitionId((correlation_key_hash(correlation_key) % count).unsigned_abs() as u16 + 1)
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
    fn message_partition_is_abs_of_remainder_plus_one() {
        assert_eq!(message_partition("abc", 1), PartitionId(1));
        assert_eq!(message_partition("abc", 0), PartitionId(1));
        assert_eq!(message_partition("abc", 3), PartitionId(1)); // 96354 % 3 == 0
        assert_eq!(message_partition("abc", 4), PartitionId(3)); // 96354 % 4 == 2
                                                                 // -862545276 % 3 == -0 → partition 1; % 5 == -1 → partition 2.
        assert_eq!(message_partition("Hello World", 3), PartitionId(1));
        assert_eq!(message_partition("Hello World", 5), PartitionId(2));
        // MIN % 3 == -2 → partition 3 (no overflow from abs(MIN)).
        assert_eq!(message_partition("polygenelubricants", 3), PartitionId(3));
    }

    #[test]
    fn non_ascii_bytes_count_as_signed() {
        // 'é' is C3 A9: bytes -61 and -87 as Java bytes.
        assert_eq!(correlation_key_hash("é"), -61 * 31 - 87);
    }
}
