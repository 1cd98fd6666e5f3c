//! openraft's log storage over [`hornet_storage::LogStore`].
//!
//! Appends are written to RocksDB at once (so they are readable immediately, as openraft
//! requires) and made durable by a per-partition flusher thread that fsyncs the write-ahead log.
//! openraft learns an append is done only from the flusher, after the fsync, and openraft 0.9's
//! core waits for that before it issues anything else: one partition's appends are fsynced one at
//! a time, so a caller that wants fewer fsyncs must put more into each entry. A flush delay spaces
//! the fsyncs out, so that callers' entries grow, for less CPU and more latency. Votes, truncations
//! and purges are synchronous durable writes, which also cover every earlier append. Reads of the
//! last entries appended are served from memory (see [`crate::tail_cache`]).

use std::fmt::Debug;
use std::ops::{ControlFlow, RangeBounds};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use hornet_storage::{LogBatch, LogStore};
use openraft::storage::{LogFlushed, RaftLogStorage};
use openraft::{AnyError, LogState, RaftLogReader, StorageIOError, Vote};

use crate::codec::{decode_entry, decode_log_id, decode_value, encode_entry, encode_value};
use crate::error::ReplicationError;
use crate::tail_cache::{TailCache, TAIL_CACHE_BYTES};
use crate::types::{Entry, LogId, NodeId, RaftStorageError, TypeConfig};

fn read_error(err: impl std::error::Error + 'static) -> RaftStorageError {
    StorageIOError::read_logs(AnyError::new(&err)).into()
}

fn write_error(err: impl std::error::Error + 'static) -> RaftStorageError {
    StorageIOError::write_logs(AnyError::new(&err)).into()
}

/// Reads `range` of the log as openraft entries, from the tail in memory if it covers the range.
fn read_entries(
    store: &LogStore,
    tail: &TailCache,
    range: impl RangeBounds<u64>,
) -> Result<Vec<Entry>, ReplicationError> {
    if let Some(entries) = tail.get(&range) {
        return Ok(entries);
    }
    let mut entries = Vec::new();
    store.for_each_in_range(range, |index, value| {
        entries.push(decode_entry(index, value)?);
        Ok::<_, ReplicationError>(ControlFlow::Continue(()))
    })?;
    Ok(entries)
}

/// Read handle on the log, handed to openraft's replication tasks.
#[derive(Clone, Debug)]
pub struct LogReader {
    store: Arc<LogStore>,
    tail: Arc<TailCache>,
}

impl RaftLogReader<TypeConfig> for LogReader {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, RaftStorageError> {
        read_entries(&self.store, &self.tail, range).map_err(read_error)
    }
}

/// openraft's `RaftLogStorage` for one partition.
pub struct RaftLog {
    store: Arc<LogStore>,
    tail: Arc<TailCache>,
    flusher: mpsc::Sender<LogFlushed<TypeConfig>>,
    /// Joined when the log is dropped, so that the thread's handle on the store is gone by then:
    /// otherwise the database could still be closing in that thread when the partition is reopened.
    flusher_thread: Option<std::thread::JoinHandle<()>>,
    encode_buffer: Vec<u8>,
}

impl Drop for RaftLog {
    fn drop(&mut self) {
        // Closing the channel ends the flusher's loop.
        self.flusher = mpsc::channel().0;
        if let Some(thread) = self.flusher_thread.take() {
            let _ = thread.join();
        }
    }
}

impl RaftLog {
    /// Writes `entries` to the log, readable at once and durable after the flusher's next sync, and
    /// keeps them in the tail.
    fn write_buffered(&mut self, entries: &[Entry]) -> Result<(), ReplicationError> {
        let mut batch = LogBatch::new();
        for entry in entries {
            self.encode_buffer.clear();
            encode_entry(entry, &mut self.encode_buffer)?;
            batch.push(entry.log_id.index, &self.encode_buffer)?;
        }
        self.store.append_buffered(batch)?;
        self.tail.appended(entries);
        Ok(())
    }

    /// Wraps `store`; starts the partition's flusher thread, which ends when this log is dropped.
    /// The flusher starts an fsync no sooner than `flush_delay` after it started the previous one.
    pub fn new(store: Arc<LogStore>, flush_delay: Duration) -> Self {
        let (flusher, pending) = mpsc::channel();
        let flushed_store = Arc::clone(&store);
        let spawned = std::thread::Builder::new()
            .name("hornet-log-sync".to_string())
            .spawn(move || flush_loop(&flushed_store, &pending, flush_delay));
        let (flusher, flusher_thread) = match spawned {
            Ok(thread) => (flusher, Some(thread)),
            // No thread: `append` finds the channel closed and syncs inline.
            Err(err) => {
                tracing::warn!(error = %err, "cannot start the log flusher thread; syncing inline");
                (mpsc::channel().0, None)
            }
        };
        Self {
            store,
            tail: Arc::new(TailCache::new(TAIL_CACHE_BYTES)),
            flusher,
            flusher_thread,
            encode_buffer: Vec::new(),
        }
    }
}

/// Completes queued appends after fsyncing everything written before them, one fsync for all the
/// appends queued while the previous one ran; with openraft 0.9 there is never more than one (see
/// the module doc). A plain thread rather than a task that hands each fsync to tokio's blocking
/// pool: that cost two extra thread hand-offs per fsync, and the fsync stays off tokio's workers.
///
/// Each fsync costs tens of microseconds of CPU however little it writes. With a `delay`, an fsync
/// starts no sooner than `delay` after the previous one started: an append waits at most that long
/// more, and an append to an idle log does not wait at all.
fn flush_loop(store: &LogStore, pending: &mpsc::Receiver<LogFlushed<TypeConfig>>, delay: Duration) {
    let mut round = Vec::new();
    let mut last_sync: Option<Instant> = None;
    while let Ok(first) = pending.recv() {
        round.push(first);
        if let Some(wait) = last_sync.and_then(|started| delay.checked_sub(started.elapsed())) {
            std::thread::sleep(wait);
        }
        if !delay.is_zero() {
            last_sync = Some(Instant::now());
        }
        round.extend(pending.try_iter());
        let result = store.sync().map_err(std::io::Error::other);
        for flushed in round.drain(..) {
            let result = match &result {
                Ok(()) => Ok(()),
                Err(err) => Err(std::io::Error::new(err.kind(), err.to_string())),
            };
            flushed.log_io_completed(result);
        }
    }
}

impl RaftLogReader<TypeConfig> for RaftLog {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, RaftStorageError> {
        read_entries(&self.store, &self.tail, range).map_err(read_error)
    }
}

impl RaftLogStorage<TypeConfig> for RaftLog {
    type LogReader = LogReader;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, RaftStorageError> {
        let last_purged_log_id = match self.store.last_purged().map_err(read_error)? {
            Some(bytes) => {
                Some(decode_value::<LogId>("last purged log id", &bytes).map_err(read_error)?)
            }
            None => None,
        };
        let last_log_id = match self.store.last_entry().map_err(read_error)? {
            Some((index, value)) => Some(decode_log_id(index, &value).map_err(read_error)?),
            None => last_purged_log_id,
        };
        Ok(LogState {
            last_purged_log_id,
            last_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        LogReader {
            store: Arc::clone(&self.store),
            tail: Arc::clone(&self.tail),
        }
    }

    async fn save_vote(&mut self, vote: &Vote<NodeId>) -> Result<(), RaftStorageError> {
        let bytes = encode_value("vote", vote)
            .map_err(|e| StorageIOError::write_vote(AnyError::new(&e)))?;
        self.store
            .save_vote(&bytes)
            .map_err(|e| StorageIOError::write_vote(AnyError::new(&e)).into())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<NodeId>>, RaftStorageError> {
        let bytes = self
            .store
            .vote()
            .map_err(|e| StorageIOError::read_vote(AnyError::new(&e)))?;
        match bytes {
            Some(bytes) => {
                Ok(Some(decode_value("vote", &bytes).map_err(|e| {
                    StorageIOError::read_vote(AnyError::new(&e))
                })?))
            }
            None => Ok(None),
        }
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), RaftStorageError> {
        let bytes = encode_value("committed log id", &committed).map_err(write_error)?;
        self.store.save_committed(&bytes).map_err(write_error)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, RaftStorageError> {
        match self.store.committed().map_err(read_error)? {
            Some(bytes) => decode_value("committed log id", &bytes).map_err(read_error),
            None => Ok(None),
        }
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), RaftStorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let entries: Vec<Entry> = entries.into_iter().collect();
        self.write_buffered(&entries).map_err(write_error)?;
        if let Err(unsent) = self.flusher.send(callback) {
            // The flusher only stops when this storage is dropped; sync inline as a fallback.
            let result = self.store.sync().map_err(std::io::Error::other);
            unsent.0.log_io_completed(result);
        }
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), RaftStorageError> {
        // Forgotten first: if the write fails, the tail must not serve entries the log may lack.
        self.tail.truncated(log_id.index);
        self.store.truncate_from(log_id.index).map_err(write_error)
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), RaftStorageError> {
        let bytes = encode_value("last purged log id", &log_id).map_err(write_error)?;
        self.tail.purged(log_id.index);
        self.store
            .purge_up_to(log_id.index, &bytes)
            .map_err(write_error)
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use openraft::{CommittedLeaderId, EntryPayload};

    use super::*;
    use crate::types::Payload;

    fn entry(index: u64) -> Entry {
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(1, 1), index),
            payload: EntryPayload::Normal(Payload(Bytes::from(index.to_string()))),
        }
    }

    #[tokio::test]
    async fn log_state_vote_and_entries_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Arc::new(LogStore::open(dir.path()).unwrap());
            let mut log = RaftLog::new(Arc::clone(&store), Duration::ZERO);
            let state = log.get_log_state().await.unwrap();
            assert_eq!(state.last_log_id, None);
            log.write_buffered(&(1..=5).map(entry).collect::<Vec<_>>())
                .unwrap();
            log.store.sync().unwrap();
            log.save_vote(&Vote::new_committed(3, 1)).await.unwrap();
            log.purge(LogId::new(CommittedLeaderId::new(1, 1), 2))
                .await
                .unwrap();
            log.save_committed(Some(LogId::new(CommittedLeaderId::new(1, 1), 4)))
                .await
                .unwrap();
            drop(log);
            assert_eq!(
                Arc::strong_count(&store),
                1,
                "dropping the log ends its flusher thread"
            );
        }
        let mut log = RaftLog::new(
            Arc::new(LogStore::open(dir.path()).unwrap()),
            Duration::ZERO,
        );
        let state = log.get_log_state().await.unwrap();
        assert_eq!(state.last_purged_log_id.map(|id| id.index), Some(2));
        assert_eq!(state.last_log_id.map(|id| id.index), Some(5));
        assert_eq!(
            log.read_vote().await.unwrap(),
            Some(Vote::new_committed(3, 1))
        );
        assert_eq!(
            log.read_committed().await.unwrap().map(|id| id.index),
            Some(4)
        );
        let entries = log.try_get_log_entries(3..10).await.unwrap();
        assert_eq!(entries, (3..=5).map(entry).collect::<Vec<_>>());

        log.truncate(LogId::new(CommittedLeaderId::new(1, 1), 4))
            .await
            .unwrap();
        let state = log.get_log_state().await.unwrap();
        assert_eq!(state.last_log_id.map(|id| id.index), Some(3));
        log.purge(LogId::new(CommittedLeaderId::new(1, 1), 3))
            .await
            .unwrap();
        let state = log.get_log_state().await.unwrap();
        // With every entry purged, the last log id is the purged one.
        assert_eq!(state.last_log_id.map(|id| id.index), Some(3));
    }

    #[tokio::test]
    async fn reads_from_the_tail_match_the_log_through_truncation_and_purge() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = RaftLog::new(
            Arc::new(LogStore::open(dir.path()).unwrap()),
            Duration::ZERO,
        );
        let from_disk = |log: &RaftLog, range: std::ops::Range<u64>| {
            read_entries(&log.store, &TailCache::new(0), range).unwrap()
        };
        // `append` without its flush callback, which only openraft can make.
        log.write_buffered(&(1..=8).map(entry).collect::<Vec<_>>())
            .unwrap();
        for range in [1..9, 3..6, 7..20, 9..12] {
            let cached = log.try_get_log_entries(range.clone()).await.unwrap();
            assert_eq!(cached, from_disk(&log, range.clone()), "range {range:?}");
        }

        log.truncate(LogId::new(CommittedLeaderId::new(1, 1), 6))
            .await
            .unwrap();
        let replacement = Entry {
            log_id: LogId::new(CommittedLeaderId::new(2, 1), 6),
            payload: EntryPayload::Normal(Payload(Bytes::from_static(b"term 2"))),
        };
        log.write_buffered(std::slice::from_ref(&replacement))
            .unwrap();
        let cached = log.try_get_log_entries(4..20).await.unwrap();
        assert_eq!(cached, from_disk(&log, 4..20));
        assert_eq!(cached.last(), Some(&replacement));

        log.purge(LogId::new(CommittedLeaderId::new(1, 1), 4))
            .await
            .unwrap();
        let mut reader = log.get_log_reader().await;
        assert_eq!(
            reader.try_get_log_entries(1..20).await.unwrap(),
            from_disk(&log, 1..20)
        );
        assert_eq!(
            from_disk(&log, 1..20).first().map(|e| e.log_id.index),
            Some(5)
        );
    }
}
