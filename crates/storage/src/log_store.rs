//! The durable, index-addressed partition log.
//!
//! Entries live in the default column family under their index encoded as 8 big-endian bytes, so
//! RocksDB's key order is log order. Consensus metadata (vote, committed and last purged log id)
//! lives in a separate `meta` column family so that it can never collide with an entry key.
//! Values are opaque: the replication layer encodes them.

use std::ops::{Bound, ControlFlow, RangeBounds};
use std::path::{Path, PathBuf};

use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, Options, ReadOptions, WriteBatch, WriteOptions, DB,
};

use crate::StorageError;

const META_CF: &str = "meta";
const VOTE_KEY: &[u8] = b"vote";
const COMMITTED_KEY: &[u8] = b"committed";
const LAST_PURGED_KEY: &[u8] = b"last_purged";

/// Write-ahead log size past which the log's column families are flushed (see `LogStore::open`):
/// a few memtables' worth, so a restart replays seconds of appends, not minutes.
const MAX_WAL_BYTES: u64 = 64 * 1024 * 1024;

/// Obsolete write-ahead log files kept for reuse (see `LogStore::open`). Two cover the file the
/// next memtable switch needs while another waits for its flush.
const WAL_FILES_RECYCLED: usize = 2;

/// Sorts after every 8-byte index key, so it can serve as an exclusive upper bound that still
/// covers index `u64::MAX`.
const PAST_LAST_KEY: [u8; 9] = [0xFF; 9];

fn index_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

/// Exclusive upper-bound key for "everything up to and including `index`".
fn key_after(index: u64) -> Vec<u8> {
    match index.checked_add(1) {
        Some(next) => index_key(next).to_vec(),
        None => PAST_LAST_KEY.to_vec(),
    }
}

/// A set of entries appended with a single durable write.
///
/// Indices must be pushed in contiguous ascending order; the batch rejects anything else so a
/// caller bug cannot leave holes in the log.
#[derive(Default)]
pub struct LogBatch {
    batch: WriteBatch,
    last_index: Option<u64>,
}

impl LogBatch {
    /// Creates an empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the entry `value` at `index`. The value is copied once, into the batch.
    pub fn push(&mut self, index: u64, value: &[u8]) -> Result<(), StorageError> {
        if let Some(previous) = self.last_index {
            if previous.checked_add(1) != Some(index) {
                return Err(StorageError::NonContiguousBatch {
                    previous,
                    got: index,
                });
            }
        }
        self.batch.put(index_key(index), value);
        self.last_index = Some(index);
        Ok(())
    }

    /// Number of entries in the batch.
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// Whether the batch holds no entries.
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// Index of the last entry pushed, if any.
    pub fn last_index(&self) -> Option<u64> {
        self.last_index
    }
}

/// The partition log: a RocksDB instance at `<partition_dir>/log`.
///
/// All methods take `&self`; RocksDB synchronizes internally, so one `Arc<LogStore>` can be shared
/// by the writer and any number of readers.
pub struct LogStore {
    db: DB,
    path: PathBuf,
}

impl std::fmt::Debug for LogStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStore")
            .field("path", &self.path)
            .finish()
    }
}

impl LogStore {
    /// Opens (creating if necessary) the log of the partition stored in `partition_dir`.
    pub fn open(partition_dir: &Path) -> Result<Self, StorageError> {
        let path = partition_dir.join(crate::LOG_DIR);
        std::fs::create_dir_all(&path).map_err(StorageError::io("create log directory", &path))?;

        let mut options = crate::tuning::base_options();
        options.set_block_based_table_factory(&crate::tuning::table_options(false));
        // Entries are written once in key order and read mostly near the tail; a larger memtable
        // keeps recent entries in memory and reduces flushes on the hot append path.
        options.set_write_buffer_size(16 * 1024 * 1024);
        // Buffered appends stay in RocksDB's WAL buffer until the flusher's `sync` writes and fsyncs
        // them together: one `write(2)` per group commit instead of one per append, off the
        // appending thread. Durable writes (`append`, votes, truncation) flush the buffer themselves.
        options.set_manual_wal_flush(true);
        // A write-ahead log file is deleted only once every column family with data in it has
        // flushed. The metadata family takes a few bytes per commit and would not fill its memtable
        // for hours, so every log file stayed until RocksDB's own bound (four times all memtables,
        // about 650 MB per partition) forced a flush: gigabytes of disk per node under load, all
        // replayed on restart. Past this size the families holding the oldest file are flushed.
        options.set_max_total_wal_size(MAX_WAL_BYTES);
        // Every group commit fsyncs the write-ahead log. Appending to a fresh file grows it, so each
        // `fdatasync` also wrote the inode (its size) and converted preallocated extents: a second
        // device write per commit, 4% of the broker's CPU at 5 000 instances/s on a virtio disk.
        // A recycled file is overwritten in place, its size unchanged, so the fsync writes only data.
        options.set_recycle_log_file_num(WAL_FILES_RECYCLED);
        let cfs = [
            ColumnFamilyDescriptor::new(rocksdb::DEFAULT_COLUMN_FAMILY_NAME, options.clone()),
            ColumnFamilyDescriptor::new(META_CF, Options::default()),
        ];
        let db = DB::open_cf_descriptors(&options, &path, cfs)
            .map_err(StorageError::rocks("open the log database", &path))?;
        Ok(Self { db, path })
    }

    /// Directory of this log's database.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn meta_cf(&self) -> &ColumnFamily {
        // Opened with this column family in `open`, so it is always present.
        self.db
            .cf_handle(META_CF)
            .unwrap_or_else(|| unreachable!("meta column family is created on open"))
    }

    fn sync_write(&self, batch: WriteBatch, operation: &'static str) -> Result<(), StorageError> {
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(batch, &options)
            .map_err(StorageError::rocks(operation, &self.path))
    }

    /// Appends all entries of `batch` with one write and returns once the write is on disk
    /// (WAL fsynced). An empty batch is a no-op.
    pub fn append(&self, batch: LogBatch) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.sync_write(batch.batch, "append log entries")
    }

    /// Appends all entries of `batch` with one write that is readable at once but only durable
    /// after the next [`LogStore::sync`] (or any durable write). Lets a caller group the fsync of
    /// many appends into one.
    pub fn append_buffered(&self, batch: LogBatch) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.db
            .write(batch.batch)
            .map_err(StorageError::rocks("append log entries", &self.path))
    }

    /// Makes every write issued before this call durable (fsyncs the write-ahead log).
    pub fn sync(&self) -> Result<(), StorageError> {
        self.db
            .flush_wal(true)
            .map_err(StorageError::rocks("sync the log", &self.path))
    }

    /// Deletes every entry with an index `>= from`. Durable on return.
    pub fn truncate_from(&self, from: u64) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        batch.delete_range(index_key(from).as_slice(), PAST_LAST_KEY.as_slice());
        self.sync_write(batch, "truncate the log")
    }

    /// Deletes every entry with an index `<= up_to` and records `last_purged` (the caller's
    /// encoding of the purged position) in the same atomic, durable write.
    pub fn purge_up_to(&self, up_to: u64, last_purged: &[u8]) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        batch.delete_range(index_key(0).to_vec(), key_after(up_to));
        batch.put_cf(self.meta_cf(), LAST_PURGED_KEY, last_purged);
        self.sync_write(batch, "purge the log")
    }

    /// Durably stores the vote.
    pub fn save_vote(&self, vote: &[u8]) -> Result<(), StorageError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(self.meta_cf(), VOTE_KEY, vote);
        self.sync_write(batch, "save the vote")
    }

    /// The last vote saved, if any.
    pub fn vote(&self) -> Result<Option<Vec<u8>>, StorageError> {
        self.meta(VOTE_KEY, "read the vote")
    }

    /// Stores the committed position. Not fsynced: losing it only means re-learning the commit
    /// index from the leader or a quorum, which the consensus protocol does anyway.
    pub fn save_committed(&self, committed: &[u8]) -> Result<(), StorageError> {
        self.db
            .put_cf(self.meta_cf(), COMMITTED_KEY, committed)
            .map_err(StorageError::rocks(
                "save the committed position",
                &self.path,
            ))
    }

    /// The committed position saved last, if any.
    pub fn committed(&self) -> Result<Option<Vec<u8>>, StorageError> {
        self.meta(COMMITTED_KEY, "read the committed position")
    }

    /// The position recorded by the last purge, if the log was ever purged.
    pub fn last_purged(&self) -> Result<Option<Vec<u8>>, StorageError> {
        self.meta(LAST_PURGED_KEY, "read the last purged position")
    }

    fn meta(&self, key: &[u8], operation: &'static str) -> Result<Option<Vec<u8>>, StorageError> {
        self.db
            .get_cf(self.meta_cf(), key)
            .map_err(StorageError::rocks(operation, &self.path))
    }

    fn decode_key(&self, key: &[u8]) -> Result<u64, StorageError> {
        let bytes: [u8; 8] = key.try_into().map_err(|_| StorageError::CorruptLogKey {
            path: self.path.clone(),
            len: key.len(),
        })?;
        Ok(u64::from_be_bytes(bytes))
    }

    /// Index of the first entry still in the log.
    pub fn first_index(&self) -> Result<Option<u64>, StorageError> {
        let mut iter = self.db.raw_iterator();
        iter.seek_to_first();
        self.current_index(&iter)
    }

    /// The last entry in the log, with its index.
    pub fn last_entry(&self) -> Result<Option<(u64, Vec<u8>)>, StorageError> {
        let mut iter = self.db.raw_iterator();
        iter.seek_to_last();
        match iter.item() {
            Some((key, value)) => Ok(Some((self.decode_key(key)?, value.to_vec()))),
            None => {
                iter.status()
                    .map_err(StorageError::rocks("read the last log entry", &self.path))?;
                Ok(None)
            }
        }
    }

    fn current_index(
        &self,
        iter: &rocksdb::DBRawIterator<'_>,
    ) -> Result<Option<u64>, StorageError> {
        match iter.key() {
            Some(key) => Ok(Some(self.decode_key(key)?)),
            None => {
                iter.status()
                    .map_err(StorageError::rocks("iterate the log", &self.path))?;
                Ok(None)
            }
        }
    }

    /// The entry at `index`, if present.
    pub fn get(&self, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        self.db
            .get(index_key(index))
            .map_err(StorageError::rocks("read a log entry", &self.path))
    }

    /// Calls `visit` with every entry whose index is in `range`, in index order, until it returns
    /// [`ControlFlow::Break`]. The value slice borrows RocksDB's buffer: decode or copy it inside
    /// `visit`. Errors of `visit` stop the iteration and are returned as they are.
    pub fn for_each_in_range<E>(
        &self,
        range: impl RangeBounds<u64>,
        mut visit: impl FnMut(u64, &[u8]) -> Result<ControlFlow<()>, E>,
    ) -> Result<(), E>
    where
        E: From<StorageError>,
    {
        let start = match range.start_bound() {
            Bound::Included(&start) => start,
            Bound::Excluded(&start) => match start.checked_add(1) {
                Some(start) => start,
                None => return Ok(()),
            },
            Bound::Unbounded => 0,
        };
        let end_key = match range.end_bound() {
            Bound::Included(&end) => key_after(end),
            Bound::Excluded(&end) => index_key(end).to_vec(),
            Bound::Unbounded => PAST_LAST_KEY.to_vec(),
        };
        if index_key(start).as_slice() >= end_key.as_slice() {
            return Ok(());
        }
        let mut options = ReadOptions::default();
        options.set_iterate_upper_bound(end_key);
        let mut iter = self.db.raw_iterator_opt(options);
        iter.seek(index_key(start));
        while let Some((key, value)) = iter.item() {
            let index = self.decode_key(key)?;
            if visit(index, value)?.is_break() {
                return Ok(());
            }
            iter.next();
        }
        iter.status()
            .map_err(StorageError::rocks("iterate the log", &self.path))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(store: &LogStore, range: std::ops::RangeInclusive<u64>) {
        let mut batch = LogBatch::new();
        for index in range {
            batch
                .push(index, format!("entry-{index}").as_bytes())
                .unwrap();
        }
        store.append(batch).unwrap();
    }

    fn collect(store: &LogStore, range: impl RangeBounds<u64>) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        store
            .for_each_in_range(range, |index, value| {
                out.push((index, String::from_utf8(value.to_vec()).unwrap()));
                Ok::<_, StorageError>(ControlFlow::Continue(()))
            })
            .unwrap();
        out
    }

    #[test]
    fn appended_entries_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = LogStore::open(dir.path()).unwrap();
            append(&store, 1..=10);
            store.save_vote(b"vote-1").unwrap();
            store.save_committed(b"committed-7").unwrap();
        }
        let store = LogStore::open(dir.path()).unwrap();
        assert_eq!(store.first_index().unwrap(), Some(1));
        assert_eq!(
            store.last_entry().unwrap(),
            Some((10, b"entry-10".to_vec()))
        );
        assert_eq!(store.vote().unwrap().as_deref(), Some(&b"vote-1"[..]));
        assert_eq!(
            store.committed().unwrap().as_deref(),
            Some(&b"committed-7"[..])
        );
        assert_eq!(store.get(5).unwrap().as_deref(), Some(&b"entry-5"[..]));
        assert_eq!(store.get(11).unwrap(), None);
    }

    fn wal_bytes(dir: &Path) -> u64 {
        std::fs::read_dir(dir.join(crate::LOG_DIR))
            .unwrap()
            .map(|entry| entry.unwrap())
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".log"))
            .map(|entry| entry.metadata().unwrap().len())
            .sum()
    }

    #[test]
    fn write_ahead_log_files_do_not_pile_up_behind_the_metadata_and_recycled_ones_recover() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        // Raft records its commit index after appends, as it does under load: every log file then
        // holds a little metadata besides the entries.
        let value = vec![7u8; 256 * 1024];
        let total = 4 * MAX_WAL_BYTES;
        for index in 1..=total / value.len() as u64 {
            let mut batch = LogBatch::new();
            batch.push(index, &value).unwrap();
            store.append(batch).unwrap();
            store.save_committed(&index.to_be_bytes()).unwrap();
        }
        let on_disk = wal_bytes(dir.path());
        assert!(
            on_disk < 2 * MAX_WAL_BYTES,
            "{on_disk} bytes of write-ahead log after writing {total}"
        );
        assert_eq!(store.get(1).unwrap().as_deref(), Some(&value[..]));

        // By now the newest entries sit in recycled log files, over the records of older ones;
        // recovery must read them back and stop at the old records.
        let last = total / value.len() as u64;
        drop(store);
        let store = LogStore::open(dir.path()).unwrap();
        assert_eq!(store.get(last).unwrap().as_deref(), Some(&value[..]));
        assert_eq!(store.get(last + 1).unwrap(), None);
        assert_eq!(
            store.committed().unwrap().as_deref(),
            Some(&last.to_be_bytes()[..])
        );
    }

    #[test]
    fn buffered_appends_are_readable_at_once_and_durable_after_sync() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = LogStore::open(dir.path()).unwrap();
            let mut batch = LogBatch::new();
            batch.push(1, b"one").unwrap();
            batch.push(2, b"two").unwrap();
            store.append_buffered(batch).unwrap();
            assert_eq!(store.get(2).unwrap().as_deref(), Some(&b"two"[..]));
            store.sync().unwrap();
        }
        let store = LogStore::open(dir.path()).unwrap();
        assert_eq!(
            collect(&store, ..),
            vec![(1, "one".to_string()), (2, "two".to_string())]
        );
    }

    #[test]
    fn empty_log_has_no_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        assert_eq!(store.first_index().unwrap(), None);
        assert_eq!(store.last_entry().unwrap(), None);
        assert_eq!(store.vote().unwrap(), None);
        assert_eq!(store.last_purged().unwrap(), None);
        assert!(collect(&store, ..).is_empty());
    }

    #[test]
    fn batch_rejects_gaps_and_reordering() {
        let mut batch = LogBatch::new();
        batch.push(3, b"a").unwrap();
        let err = batch.push(5, b"b").unwrap_err();
        assert!(matches!(
            err,
            StorageError::NonContiguousBatch {
                previous: 3,
                got: 5
            }
        ));
        let err = batch.push(3, b"b").unwrap_err();
        assert!(matches!(
            err,
            StorageError::NonContiguousBatch {
                previous: 3,
                got: 3
            }
        ));
        batch.push(4, b"b").unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(batch.last_index(), Some(4));
    }

    #[test]
    fn range_reads_respect_bounds_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        append(&store, 1..=300);
        let indices = |range| {
            collect(&store, range)
                .into_iter()
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            indices((Bound::Included(255), Bound::Excluded(258))),
            vec![255, 256, 257]
        );
        assert_eq!(
            indices((Bound::Excluded(298), Bound::Unbounded)),
            vec![299, 300]
        );
        assert_eq!(indices((Bound::Included(5), Bound::Included(5))), vec![5]);
        assert!(indices((Bound::Included(7), Bound::Excluded(7))).is_empty());
        assert_eq!(collect(&store, 1..=300).len(), 300);

        let mut seen = Vec::new();
        store
            .for_each_in_range(10.., |index, _| {
                seen.push(index);
                Ok::<_, StorageError>(if seen.len() == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                })
            })
            .unwrap();
        assert_eq!(seen, vec![10, 11, 12]);
    }

    #[test]
    fn truncate_removes_the_tail_durably() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = LogStore::open(dir.path()).unwrap();
            append(&store, 1..=10);
            store.truncate_from(6).unwrap();
            append(&store, 6..=7);
        }
        let store = LogStore::open(dir.path()).unwrap();
        assert_eq!(store.last_entry().unwrap().map(|(i, _)| i), Some(7));
        assert_eq!(collect(&store, ..).len(), 7);
    }

    #[test]
    fn purge_removes_the_head_and_records_the_position() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = LogStore::open(dir.path()).unwrap();
            append(&store, 1..=10);
            store.purge_up_to(4, b"purged-4").unwrap();
        }
        let store = LogStore::open(dir.path()).unwrap();
        assert_eq!(store.first_index().unwrap(), Some(5));
        assert_eq!(
            store.last_purged().unwrap().as_deref(),
            Some(&b"purged-4"[..])
        );
        assert_eq!(collect(&store, ..).first().map(|(i, _)| *i), Some(5));
        store.purge_up_to(10, b"purged-10").unwrap();
        assert_eq!(store.first_index().unwrap(), None);
        assert_eq!(store.last_entry().unwrap(), None);
    }

    #[test]
    fn extreme_indices_are_handled() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        append(&store, u64::MAX - 1..=u64::MAX);
        assert_eq!(collect(&store, (u64::MAX - 1)..=u64::MAX).len(), 2);
        assert!(collect(&store, (Bound::Excluded(u64::MAX), Bound::Unbounded)).is_empty());
        store.truncate_from(u64::MAX).unwrap();
        assert_eq!(
            store.last_entry().unwrap().map(|(i, _)| i),
            Some(u64::MAX - 1)
        );
        store.purge_up_to(u64::MAX, b"all").unwrap();
        assert_eq!(store.first_index().unwrap(), None);
    }
}
