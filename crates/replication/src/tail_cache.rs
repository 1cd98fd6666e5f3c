//! The most recently appended entries of a partition log, kept in memory.
//!
//! openraft reads every entry back from the log after appending it: to apply it once it commits,
//! and on a leader again for each follower it replicates to. Those reads are almost always of the
//! last few entries, which would otherwise cost a RocksDB range scan and a decode each time.
//! Entries hold their payload as `Bytes`, so a cached copy shares the appended buffer.

use std::collections::VecDeque;
use std::ops::{Bound, RangeBounds};
use std::sync::{Mutex, MutexGuard};

use openraft::EntryPayload;

use crate::types::Entry;

/// How many payload bytes a partition keeps at most. An entry is read back within milliseconds
/// of its append unless a follower lags, so the tail only needs to cover a short burst.
pub(crate) const TAIL_CACHE_BYTES: usize = 4 * 1024 * 1024;

/// A contiguous run of entries ending at the last entry of the log, or nothing.
#[derive(Debug)]
pub(crate) struct TailCache {
    tail: Mutex<Tail>,
    /// Payload bytes (see [`weight`]) beyond which the oldest entries are dropped.
    budget: usize,
}

#[derive(Debug, Default)]
struct Tail {
    entries: VecDeque<Entry>,
    bytes: usize,
}

/// What an entry counts against the byte budget: its payload, and a fixed amount for the rest.
fn weight(entry: &Entry) -> usize {
    const OVERHEAD: usize = 64;
    OVERHEAD
        + match &entry.payload {
            EntryPayload::Normal(payload) => payload.0.len(),
            EntryPayload::Blank | EntryPayload::Membership(_) => 0,
        }
}

impl Tail {
    fn first_index(&self) -> Option<u64> {
        self.entries.front().map(|entry| entry.log_id.index)
    }

    fn last_index(&self) -> Option<u64> {
        self.entries.back().map(|entry| entry.log_id.index)
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }

    fn pop_front(&mut self) {
        if let Some(entry) = self.entries.pop_front() {
            self.bytes -= weight(&entry);
        }
    }

    fn pop_back(&mut self) {
        if let Some(entry) = self.entries.pop_back() {
            self.bytes -= weight(&entry);
        }
    }
}

impl TailCache {
    /// An empty tail that keeps at most `budget` bytes of entries.
    pub(crate) fn new(budget: usize) -> Self {
        TailCache {
            tail: Mutex::default(),
            budget,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Tail> {
        // The tail is consistent after every operation; a panic elsewhere cannot leave it torn.
        self.tail
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Notes entries that were just written to the log, in index order. Entries that do not
    /// continue the cached run (the first append after opening the log, or one that a truncation
    /// should have preceded) start a new run.
    pub(crate) fn appended(&self, entries: &[Entry]) {
        let mut tail = self.lock();
        for entry in entries {
            let index = entry.log_id.index;
            if tail
                .last_index()
                .is_some_and(|last| last.checked_add(1) != Some(index))
            {
                tail.clear();
            }
            tail.bytes += weight(entry);
            tail.entries.push_back(entry.clone());
        }
        while tail.bytes > self.budget && !tail.entries.is_empty() {
            tail.pop_front();
        }
    }

    /// Forgets the entries from `from` on, which the log no longer holds.
    pub(crate) fn truncated(&self, from: u64) {
        let mut tail = self.lock();
        while tail.last_index().is_some_and(|last| last >= from) {
            tail.pop_back();
        }
    }

    /// Forgets the entries up to and including `up_to`, which the log no longer holds.
    pub(crate) fn purged(&self, up_to: u64) {
        let mut tail = self.lock();
        while tail.first_index().is_some_and(|first| first <= up_to) {
            tail.pop_front();
        }
    }

    /// The entries of `range` if the cached run covers all of it; `None` if the log must be read.
    /// An unbounded end means "to the last entry", which the cached run ends with.
    pub(crate) fn get(&self, range: &impl RangeBounds<u64>) -> Option<Vec<Entry>> {
        let tail = self.lock();
        let (first, last) = (tail.first_index()?, tail.last_index()?);
        let start = match range.start_bound() {
            Bound::Included(&start) => start,
            Bound::Excluded(&start) => start.checked_add(1)?,
            Bound::Unbounded => 0,
        };
        // Exclusive end, capped at the end of the log.
        let end = match range.end_bound() {
            Bound::Included(&end) => end.saturating_add(1),
            Bound::Excluded(&end) => end,
            Bound::Unbounded => u64::MAX,
        }
        .min(last.saturating_add(1));
        if start >= end {
            return Some(Vec::new());
        }
        if start < first {
            return None;
        }
        let skip = usize::try_from(start - first).ok()?;
        let take = usize::try_from(end - start).ok()?;
        Some(tail.entries.iter().skip(skip).take(take).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use openraft::CommittedLeaderId;

    use super::*;
    use crate::types::{LogId, Payload};

    fn entry(index: u64, payload: &str) -> Entry {
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(1, 1), index),
            payload: EntryPayload::Normal(Payload(Bytes::from(payload.to_owned()))),
        }
    }

    fn indices(entries: Option<Vec<Entry>>) -> Option<Vec<u64>> {
        entries.map(|entries| entries.iter().map(|entry| entry.log_id.index).collect())
    }

    fn filled(range: std::ops::RangeInclusive<u64>) -> TailCache {
        let cache = TailCache::new(usize::MAX);
        let entries: Vec<Entry> = range.map(|index| entry(index, "x")).collect();
        cache.appended(&entries);
        cache
    }

    #[test]
    fn serves_ranges_it_covers_and_only_those() {
        let cache = filled(5..=9);
        assert_eq!(indices(cache.get(&(5..=9))), Some(vec![5, 6, 7, 8, 9]));
        assert_eq!(indices(cache.get(&(6..8))), Some(vec![6, 7]));
        assert_eq!(indices(cache.get(&(7..))), Some(vec![7, 8, 9]));
        // Past the end of the log there is nothing, as in the log itself.
        assert_eq!(indices(cache.get(&(8..20))), Some(vec![8, 9]));
        assert_eq!(indices(cache.get(&(10..20))), Some(vec![]));
        assert_eq!(indices(cache.get(&(7..7))), Some(vec![]));
        // Anything before the cached run must come from the log.
        assert_eq!(indices(cache.get(&(4..=6))), None);
        assert_eq!(indices(cache.get(&(..))), None);
        assert_eq!(indices(TailCache::new(usize::MAX).get(&(1..2))), None);
    }

    #[test]
    fn truncation_and_purge_forget_what_the_log_no_longer_holds() {
        let cache = filled(1..=6);
        cache.truncated(5);
        assert_eq!(indices(cache.get(&(3..))), Some(vec![3, 4]));
        cache.appended(&[entry(5, "new")]);
        let read = cache.get(&(5..=5)).unwrap();
        assert!(matches!(&read[0].payload, EntryPayload::Normal(p) if p.0 == "new"));
        cache.purged(2);
        assert_eq!(indices(cache.get(&(2..))), None);
        assert_eq!(indices(cache.get(&(3..))), Some(vec![3, 4, 5]));
        cache.purged(10);
        assert_eq!(indices(cache.get(&(3..))), None);
    }

    #[test]
    fn a_gap_starts_a_new_run_and_the_budget_drops_the_oldest() {
        let cache = filled(1..=3);
        cache.appended(&[entry(7, "x")]);
        assert_eq!(indices(cache.get(&(3..))), None);
        assert_eq!(indices(cache.get(&(7..))), Some(vec![7]));

        let cache = TailCache::new(3 * weight(&entry(0, "abcd")));
        let entries: Vec<Entry> = (1..=5).map(|index| entry(index, "abcd")).collect();
        cache.appended(&entries);
        assert_eq!(indices(cache.get(&(2..))), None);
        assert_eq!(indices(cache.get(&(3..))), Some(vec![3, 4, 5]));
    }
}
