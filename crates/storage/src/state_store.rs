//! The engine's committed state, swappable for a received snapshot.
//!
//! The state directory holds numbered generations (`gen-<n>`), each a complete RocksDB instance,
//! and a `GENERATION` file naming the live one. Installing a snapshot moves an unpacked checkpoint
//! into place as the next generation, switches `GENERATION` atomically (write + rename + fsync)
//! and swaps the live handle; whatever generation is not named by `GENERATION` is garbage and
//! removed on open. A crash at any point therefore leaves either the old or the new state live.
//!
//! Readers clone an `Arc` to the live database for the duration of one call, so a swap never
//! waits for (or deadlocks with) readers; the retired database is closed and deleted when its
//! last reader is done.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, FlushOptions, Options, ReadOptions, WriteBatch,
    WriteOptions, DB,
};

use crate::StorageError;

const META_CF: &str = "meta";
const APPLIED_KEY: &[u8] = b"applied";
const MEMBERSHIP_KEY: &[u8] = b"membership";
const GENERATION_FILE: &str = "GENERATION";
const GENERATION_PREFIX: &str = "gen-";
const INCOMING_PREFIX: &str = "incoming-";

/// Writes applied to the state atomically: engine puts and deletes plus the replication
/// metadata (applied position, membership) that must move in lockstep with them.
#[derive(Default)]
pub struct StateBatch {
    batch: WriteBatch,
    applied: Option<Vec<u8>>,
    membership: Option<Vec<u8>>,
}

impl StateBatch {
    /// Creates an empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for about `bytes` of keys and values, so that filling it does not
    /// regrow its buffer.
    pub fn with_capacity_bytes(bytes: usize) -> Self {
        Self {
            batch: WriteBatch::with_capacity_bytes(bytes),
            applied: None,
            membership: None,
        }
    }

    /// Sets `key` to `value`.
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.batch.put(key, value);
    }

    /// Removes `key`.
    pub fn delete(&mut self, key: impl AsRef<[u8]>) {
        self.batch.delete(key);
    }

    /// Removes every key in `[from, to)`.
    pub fn delete_range(&mut self, from: &[u8], to: &[u8]) {
        self.batch.delete_range(from, to);
    }

    /// Whether writing this batch would change nothing but the applied position.
    pub fn changes_nothing(&self) -> bool {
        self.batch.is_empty() && self.membership.is_none()
    }

    /// Records the applied position (opaque to this crate) together with the writes.
    pub fn set_applied(&mut self, applied: &[u8]) {
        set_buffer(&mut self.applied, applied);
    }

    /// Records the membership (opaque to this crate) together with the writes.
    pub fn set_membership(&mut self, membership: &[u8]) {
        set_buffer(&mut self.membership, membership);
    }

    /// Number of engine puts and deletes in the batch.
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// Whether the batch holds neither engine writes nor metadata.
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty() && self.applied.is_none() && self.membership.is_none()
    }
}

fn set_buffer(slot: &mut Option<Vec<u8>>, value: &[u8]) {
    let buffer = slot.get_or_insert_with(Vec::new);
    buffer.clear();
    buffer.extend_from_slice(value);
}

/// The replication metadata stored in a checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckpointMeta {
    /// The applied position recorded with the checkpointed state.
    pub applied: Option<Vec<u8>>,
    /// The membership recorded with the checkpointed state.
    pub membership: Option<Vec<u8>>,
}

/// A directory prepared by [`StateStore::prepare_incoming`] into which a received checkpoint is
/// unpacked before [`StateStore::install`] makes it the live state. Removed if dropped without
/// being installed.
#[derive(Debug)]
pub struct IncomingState {
    path: PathBuf,
    root: PathBuf,
    installed: bool,
}

impl IncomingState {
    /// The directory to unpack the checkpoint files into.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for IncomingState {
    fn drop(&mut self) {
        if !self.installed {
            // Best effort: leftovers are also removed the next time the store is opened.
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// One generation of the state: an open RocksDB instance plus what to do when it is retired.
struct Generation {
    db: Option<DB>,
    path: PathBuf,
    retired: AtomicBool,
}

impl Generation {
    fn db(&self) -> &DB {
        self.db
            .as_ref()
            .unwrap_or_else(|| unreachable!("the database is only taken out in drop"))
    }

    fn meta_cf(&self) -> &ColumnFamily {
        self.db()
            .cf_handle(META_CF)
            .unwrap_or_else(|| unreachable!("meta column family is created on open"))
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        // Close the database before deleting its files.
        drop(self.db.take());
        if self.retired.load(Ordering::Acquire) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A consistent point-in-time view of the state, see [`StateStore::with_view`].
pub struct StateView<'a> {
    generation: &'a Generation,
    snapshot: rocksdb::SnapshotWithThreadMode<'a, DB>,
}

impl StateView<'_> {
    fn read_options(&self) -> ReadOptions {
        let mut options = ReadOptions::default();
        options.set_snapshot(&self.snapshot);
        options
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.get_with(key, |value| value.map(<[u8]>::to_vec))
    }

    /// Calls `read` with the value stored under `key` without copying it.
    pub fn get_with<R>(
        &self,
        key: &[u8],
        read: impl FnOnce(Option<&[u8]>) -> R,
    ) -> Result<R, StorageError> {
        let value = self
            .generation
            .db()
            .get_pinned_opt(key, &self.read_options())
            .map_err(StorageError::rocks("read state", &self.generation.path))?;
        Ok(read(value.as_deref()))
    }

    /// Like [`StateStore::scan_prefix`], within this view.
    pub fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: impl FnMut(&[u8], &[u8]) -> ControlFlow<()>,
    ) -> Result<(), StorageError> {
        let options = prefix_read_options(self.read_options(), prefix);
        let end = prefix_upper_bound(prefix);
        scan(self.generation, options, prefix, end.as_deref(), visit)
    }

    /// Like [`StateStore::scan_range`], within this view.
    pub fn scan_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        visit: impl FnMut(&[u8], &[u8]) -> ControlFlow<()>,
    ) -> Result<(), StorageError> {
        scan(self.generation, self.read_options(), start, end, visit)
    }

    /// The applied position as of this view.
    pub fn applied(&self) -> Result<Option<Vec<u8>>, StorageError> {
        self.generation
            .db()
            .get_cf_opt(self.generation.meta_cf(), APPLIED_KEY, &self.read_options())
            .map_err(StorageError::rocks(
                "read state metadata",
                &self.generation.path,
            ))
    }
}

fn scan(
    generation: &Generation,
    mut options: ReadOptions,
    start: &[u8],
    end: Option<&[u8]>,
    mut visit: impl FnMut(&[u8], &[u8]) -> ControlFlow<()>,
) -> Result<(), StorageError> {
    if let Some(end) = end {
        if start >= end {
            return Ok(());
        }
        options.set_iterate_upper_bound(end.to_vec());
    }
    let mut iter = generation.db().raw_iterator_opt(options);
    iter.seek(start);
    while let Some((key, value)) = iter.item() {
        if visit(key, value).is_break() {
            return Ok(());
        }
        iter.next();
    }
    iter.status()
        .map_err(StorageError::rocks("scan state", &generation.path))
}

/// The partition state: a RocksDB instance under `<partition_dir>/state`.
///
/// Shared by the state machine (the only writer) and any number of readers.
pub struct StateStore {
    root: PathBuf,
    live: RwLock<Arc<Generation>>,
    generation: AtomicU64,
    next_incoming: AtomicU64,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("root", &self.root)
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish()
    }
}

fn db_options() -> Options {
    let mut options = crate::tuning::base_options();
    options.set_block_based_table_factory(&crate::tuning::table_options(true));
    options.set_prefix_extractor(rocksdb::SliceTransform::create_fixed_prefix(
        crate::tuning::STATE_PREFIX_LEN,
    ));
    // The memtable's bloom is allocated with it: 2% of the 64 MiB write buffer is about 10 bits
    // per entry at the entry sizes the engine writes, without adding to idle memory noticeably.
    options.set_memtable_prefix_bloom_ratio(0.02);
    // Writes skip the write-ahead log (see `StateStore::write`), so what reaches disk is only what a
    // memtable flush wrote; flushing every column family together keeps the applied position in the
    // meta family in step with the engine's state in the default one.
    options.set_atomic_flush(true);
    options
}

fn open_db(path: &Path) -> Result<DB, StorageError> {
    let options = db_options();
    let cfs = [
        ColumnFamilyDescriptor::new(rocksdb::DEFAULT_COLUMN_FAMILY_NAME, options.clone()),
        ColumnFamilyDescriptor::new(META_CF, Options::default()),
    ];
    DB::open_cf_descriptors(&options, path, cfs)
        .map_err(StorageError::rocks("open the state database", path))
}

fn sync_dir(path: &Path) -> Result<(), StorageError> {
    std::fs::File::open(path)
        .and_then(|dir| dir.sync_all())
        .map_err(StorageError::io("sync directory", path))
}

/// Read options for a scan of `prefix`: when the prefix covers the extractor's whole prefix, every
/// key of the scan shares it, so RocksDB may skip memtables and files by their prefix blooms.
fn prefix_read_options(mut options: ReadOptions, prefix: &[u8]) -> ReadOptions {
    if prefix.len() >= crate::tuning::STATE_PREFIX_LEN {
        options.set_prefix_same_as_start(true);
    }
    options
}

/// Exclusive upper bound of all keys starting with `prefix`; `None` when no such bound exists
/// (empty prefix or all `0xFF`).
fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut bound = prefix.to_vec();
    while let Some(last) = bound.pop() {
        if last < u8::MAX {
            bound.push(last + 1);
            return Some(bound);
        }
    }
    None
}

impl StateStore {
    /// Opens (creating if necessary) the state of the partition stored in `partition_dir`.
    pub fn open(partition_dir: &Path) -> Result<Self, StorageError> {
        let root = partition_dir.join(crate::STATE_DIR);
        std::fs::create_dir_all(&root)
            .map_err(StorageError::io("create state directory", &root))?;
        let generation_file = root.join(GENERATION_FILE);
        let generation = match std::fs::read_to_string(&generation_file) {
            Ok(content) => {
                content
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| StorageError::CorruptGeneration {
                        path: generation_file.clone(),
                        content,
                    })?
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => 0,
            Err(err) => {
                return Err(StorageError::Io {
                    operation: "read",
                    path: generation_file,
                    source: err,
                })
            }
        };
        Self::remove_leftovers(&root, generation)?;

        let (generation, path, db) = if generation == 0 {
            // Fresh store: create the first generation and only then name it live.
            let path = root.join(format!("{GENERATION_PREFIX}1"));
            let db = open_db(&path)?;
            Self::write_generation(&root, 1)?;
            (1, path, db)
        } else {
            let path = root.join(format!("{GENERATION_PREFIX}{generation}"));
            let db = open_db(&path)?;
            (generation, path, db)
        };
        Ok(Self {
            root,
            live: RwLock::new(Arc::new(Generation {
                db: Some(db),
                path,
                retired: AtomicBool::new(false),
            })),
            generation: AtomicU64::new(generation),
            next_incoming: AtomicU64::new(1),
        })
    }

    fn remove_leftovers(root: &Path, live_generation: u64) -> Result<(), StorageError> {
        let live_name = format!("{GENERATION_PREFIX}{live_generation}");
        let entries =
            std::fs::read_dir(root).map_err(StorageError::io("list state directory", root))?;
        for entry in entries {
            let entry = entry.map_err(StorageError::io("list state directory", root))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let stale_generation =
                name.starts_with(GENERATION_PREFIX) && name != live_name.as_str();
            let stale_tmp = name.starts_with(INCOMING_PREFIX) || name.ends_with(".tmp");
            if stale_generation || stale_tmp {
                let path = entry.path();
                let result = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                result.map_err(StorageError::io("remove stale state", &path))?;
            }
        }
        Ok(())
    }

    fn write_generation(root: &Path, generation: u64) -> Result<(), StorageError> {
        let tmp = root.join(format!("{GENERATION_FILE}.tmp"));
        let target = root.join(GENERATION_FILE);
        std::fs::write(&tmp, generation.to_string()).map_err(StorageError::io("write", &tmp))?;
        std::fs::File::open(&tmp)
            .and_then(|file| file.sync_all())
            .map_err(StorageError::io("sync", &tmp))?;
        std::fs::rename(&tmp, &target).map_err(StorageError::io("replace", &target))?;
        sync_dir(root)
    }

    fn live(&self) -> Arc<Generation> {
        // A poisoned lock only means a panic happened while swapping an Arc; the Arc itself is
        // always valid, so keep serving it.
        match self.live.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Directory of the state store (all generations live below it).
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.get_with(key, |value| value.map(<[u8]>::to_vec))
    }

    /// Calls `read` with the value stored under `key` without copying it out of RocksDB.
    pub fn get_with<R>(
        &self,
        key: &[u8],
        read: impl FnOnce(Option<&[u8]>) -> R,
    ) -> Result<R, StorageError> {
        let live = self.live();
        let value = live
            .db()
            .get_pinned(key)
            .map_err(StorageError::rocks("read state", &live.path))?;
        Ok(read(value.as_deref()))
    }

    /// Calls `visit` with every key starting with `prefix`, in key order, until it breaks.
    pub fn scan_prefix(
        &self,
        prefix: &[u8],
        visit: impl FnMut(&[u8], &[u8]) -> ControlFlow<()>,
    ) -> Result<(), StorageError> {
        self.scan_prefix_from(prefix, prefix, visit)
    }

    /// Like [`StateStore::scan_prefix`], but starting at `from` when that lies beyond `prefix`:
    /// for a caller that knows no key under `prefix` sorts before `from`.
    pub fn scan_prefix_from(
        &self,
        prefix: &[u8],
        from: &[u8],
        visit: impl FnMut(&[u8], &[u8]) -> ControlFlow<()>,
    ) -> Result<(), StorageError> {
        let options = prefix_read_options(ReadOptions::default(), prefix);
        let end = prefix_upper_bound(prefix);
        scan(
            &self.live(),
            options,
            prefix.max(from),
            end.as_deref(),
            visit,
        )
    }

    /// Calls `visit` with every key in `[start, end)` (unbounded above if `end` is `None`), in
    /// key order, until it breaks. The slices borrow RocksDB's buffers.
    pub fn scan_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        visit: impl FnMut(&[u8], &[u8]) -> ControlFlow<()>,
    ) -> Result<(), StorageError> {
        scan(&self.live(), ReadOptions::default(), start, end, visit)
    }

    /// Calls `read` with a consistent point-in-time view of the state: every read through the
    /// view (including [`StateView::applied`]) sees the same committed batches, whatever is
    /// written meanwhile.
    pub fn with_view<R>(&self, read: impl FnOnce(&StateView<'_>) -> R) -> R {
        let live = self.live();
        let view = StateView {
            generation: &live,
            snapshot: live.db().snapshot(),
        };
        let result = read(&view);
        drop(view);
        result
    }

    /// Applies `batch` atomically (engine writes and metadata together). Not fsynced: after a
    /// crash the state is at some earlier consistent batch and the log is replayed from there.
    pub fn write(&self, batch: StateBatch) -> Result<(), StorageError> {
        let StateBatch {
            mut batch,
            applied,
            membership,
        } = batch;
        let live = self.live();
        if let Some(applied) = applied {
            batch.put_cf(live.meta_cf(), APPLIED_KEY, applied);
        }
        if let Some(membership) = membership {
            batch.put_cf(live.meta_cf(), MEMBERSHIP_KEY, membership);
        }
        // No write-ahead log: the partition log already holds every applied entry durably, so after a
        // crash the state is whatever the memtables last flushed, with the applied position that goes
        // with it, and the entries after it are applied again. Writing each batch twice would buy
        // nothing. The log is only purged behind a snapshot, and taking one flushes the memtables.
        let mut options = WriteOptions::default();
        options.disable_wal(true);
        live.db()
            .write_opt(batch, &options)
            .map_err(StorageError::rocks("write state", &live.path))
    }

    /// The applied position recorded by the last write that set one.
    pub fn applied(&self) -> Result<Option<Vec<u8>>, StorageError> {
        self.meta(APPLIED_KEY)
    }

    /// The membership recorded by the last write that set one.
    pub fn membership(&self) -> Result<Option<Vec<u8>>, StorageError> {
        self.meta(MEMBERSHIP_KEY)
    }

    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let live = self.live();
        live.db()
            .get_cf(live.meta_cf(), key)
            .map_err(StorageError::rocks("read state metadata", &live.path))
    }

    /// Starts flushing the memtables of every column family and returns without waiting. A
    /// checkpoint flushes them too, but while its caller waits; flushing shortly before leaves
    /// that checkpoint little to write.
    pub fn start_flush(&self) -> Result<(), StorageError> {
        let live = self.live();
        let db = live.db();
        let default = db
            .cf_handle(rocksdb::DEFAULT_COLUMN_FAMILY_NAME)
            .unwrap_or_else(|| unreachable!("the default column family always exists"));
        let mut options = FlushOptions::default();
        options.set_wait(false);
        db.flush_cfs_opt(&[&default, &live.meta_cf()], &options)
            .map_err(StorageError::rocks("flush state", &live.path))
    }

    /// Writes a consistent point-in-time copy of the state (including metadata) to `dir`, which
    /// must not exist yet. Files are hard-linked where possible, so this is cheap.
    pub fn checkpoint(&self, dir: &Path) -> Result<(), StorageError> {
        let live = self.live();
        let checkpoint = rocksdb::checkpoint::Checkpoint::new(live.db())
            .map_err(StorageError::rocks("prepare a checkpoint", &live.path))?;
        checkpoint
            .create_checkpoint(dir)
            .map_err(StorageError::rocks("create a checkpoint", dir))
    }

    /// Reads the applied position and membership stored in a checkpoint directory without
    /// installing it.
    pub fn read_checkpoint_meta(dir: &Path) -> Result<CheckpointMeta, StorageError> {
        let options = db_options();
        let db = DB::open_cf_for_read_only(
            &options,
            dir,
            [rocksdb::DEFAULT_COLUMN_FAMILY_NAME, META_CF],
            false,
        )
        .map_err(StorageError::rocks("open a checkpoint", dir))?;
        let cf = db.cf_handle(META_CF).ok_or_else(|| StorageError::Io {
            operation: "find the meta column family in",
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "missing column family"),
        })?;
        let applied = db
            .get_cf(cf, APPLIED_KEY)
            .map_err(StorageError::rocks("read checkpoint metadata", dir))?;
        let membership = db
            .get_cf(cf, MEMBERSHIP_KEY)
            .map_err(StorageError::rocks("read checkpoint metadata", dir))?;
        Ok(CheckpointMeta {
            applied,
            membership,
        })
    }

    /// Creates a fresh, empty directory next to the live state into which a received checkpoint
    /// can be unpacked (same file system, so installing it is a rename).
    pub fn prepare_incoming(&self) -> Result<IncomingState, StorageError> {
        let n = self.next_incoming.fetch_add(1, Ordering::Relaxed);
        let path = self.root.join(format!("{INCOMING_PREFIX}{n}"));
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(StorageError::io("clear", &path))?;
        }
        std::fs::create_dir_all(&path).map_err(StorageError::io("create", &path))?;
        Ok(IncomingState {
            path,
            root: self.root.clone(),
            installed: false,
        })
    }

    /// Replaces the live state by the checkpoint unpacked into `incoming`. Readers that are in the
    /// middle of a call finish on the old state; every later call sees the new one.
    pub fn install(&self, mut incoming: IncomingState) -> Result<(), StorageError> {
        if incoming.root != self.root {
            return Err(StorageError::ForeignIncoming {
                incoming: incoming.path.clone(),
                root: self.root.clone(),
            });
        }
        let mut live = self
            .live
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let generation = self.generation.load(Ordering::Acquire) + 1;
        let path = self.root.join(format!("{GENERATION_PREFIX}{generation}"));
        std::fs::rename(&incoming.path, &path)
            .map_err(StorageError::io("move incoming state to", &path))?;
        incoming.installed = true;
        let db = match open_db(&path) {
            Ok(db) => db,
            Err(err) => {
                let _ = std::fs::remove_dir_all(&path);
                return Err(err);
            }
        };
        // The new generation is complete on disk before it is named live.
        db.flush_wal(true)
            .map_err(StorageError::rocks("sync the installed state", &path))?;
        sync_dir(&self.root)?;
        Self::write_generation(&self.root, generation)?;
        let new = Arc::new(Generation {
            db: Some(db),
            path,
            retired: AtomicBool::new(false),
        });
        let old = std::mem::replace(&mut *live, new);
        self.generation.store(generation, Ordering::Release);
        drop(live);
        old.retired.store(true, Ordering::Release);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_scans_find_the_same_keys_in_memtables_and_files_whatever_the_prefix_length() {
        let dir = tempfile::tempdir().unwrap();
        // Entities 7 and 8 of one column, each with a few entries, plus a short key.
        let keys: Vec<Vec<u8>> = [7u64, 8]
            .iter()
            .flat_map(|entity| {
                (0u8..3).map(move |n| [&[0x20], &entity.to_be_bytes()[..], &[n]].concat())
            })
            .chain([vec![0x20]])
            .collect();
        let entity = |id: u64| [&[0x20u8][..], &id.to_be_bytes()].concat();
        let check = |store: &StateStore| {
            let found = |prefix: &[u8]| collect_prefix(store, prefix).len();
            assert_eq!(found(&[0x20]), 7, "shorter than the bloom prefix");
            assert_eq!(found(&entity(7)), 3, "exactly the bloom prefix");
            assert_eq!(found(&[&entity(8)[..], &[1]].concat()), 1, "longer");
            assert_eq!(found(&entity(9)), 0, "absent");
        };
        {
            let store = StateStore::open(dir.path()).unwrap();
            let mut batch = StateBatch::new();
            for key in &keys {
                batch.put(key, b"v");
            }
            store.write(batch).unwrap();
            check(&store);
        }
        // Closing flushed the memtables (the state has no write-ahead log): now from a file.
        let store = StateStore::open(dir.path()).unwrap();
        check(&store);
    }

    fn collect_prefix(store: &StateStore, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        store
            .scan_prefix(prefix, |k, v| {
                out.push((k.to_vec(), v.to_vec()));
                ControlFlow::Continue(())
            })
            .unwrap();
        out
    }

    #[test]
    fn batch_writes_and_metadata_are_visible_together() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        assert_eq!(store.applied().unwrap(), None);
        let mut batch = StateBatch::new();
        batch.put(b"a", b"1");
        batch.put(b"b", b"2");
        batch.set_applied(b"applied-1");
        batch.set_membership(b"members");
        store.write(batch).unwrap();
        assert_eq!(store.get(b"a").unwrap().as_deref(), Some(&b"1"[..]));
        assert_eq!(store.applied().unwrap().as_deref(), Some(&b"applied-1"[..]));
        assert_eq!(
            store.membership().unwrap().as_deref(),
            Some(&b"members"[..])
        );

        let mut batch = StateBatch::new();
        batch.delete(b"a");
        batch.set_applied(b"applied-2");
        store.write(batch).unwrap();
        assert_eq!(store.get(b"a").unwrap(), None);
        assert_eq!(
            store.get_with(b"b", |v| v.map(|v| v.len())).unwrap(),
            Some(1)
        );
        assert_eq!(store.applied().unwrap().as_deref(), Some(&b"applied-2"[..]));
        // Metadata does not leak into the engine's key space.
        assert_eq!(collect_prefix(&store, b"").len(), 1);
    }

    #[test]
    fn views_are_consistent_while_writes_continue() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        let mut batch = StateBatch::new();
        batch.put(b"p/1", b"a");
        batch.set_applied(b"1");
        store.write(batch).unwrap();
        store.with_view(|view| {
            let mut batch = StateBatch::new();
            batch.put(b"p/2", b"b");
            batch.delete(b"p/1");
            batch.set_applied(b"2");
            store.write(batch).unwrap();
            // The view still sees the state before the write, metadata included.
            assert_eq!(view.get(b"p/1").unwrap().as_deref(), Some(&b"a"[..]));
            assert_eq!(view.get(b"p/2").unwrap(), None);
            assert_eq!(view.applied().unwrap().as_deref(), Some(&b"1"[..]));
            let mut keys = Vec::new();
            view.scan_prefix(b"p/", |k, _| {
                keys.push(k.to_vec());
                ControlFlow::Continue(())
            })
            .unwrap();
            assert_eq!(keys, vec![b"p/1".to_vec()]);
        });
        assert_eq!(store.get(b"p/1").unwrap(), None);
        store.with_view(|view| {
            assert_eq!(
                view.get_with(b"p/2", |v| v.map(<[u8]>::len)).unwrap(),
                Some(1)
            );
            assert_eq!(view.applied().unwrap().as_deref(), Some(&b"2"[..]));
        });
    }

    #[test]
    fn state_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = StateStore::open(dir.path()).unwrap();
            let mut batch = StateBatch::new();
            batch.put(b"k", b"v");
            batch.set_applied(b"5");
            store.write(batch).unwrap();
        }
        let store = StateStore::open(dir.path()).unwrap();
        assert_eq!(store.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
        assert_eq!(store.applied().unwrap().as_deref(), Some(&b"5"[..]));
    }

    #[test]
    fn scans_are_ordered_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        let mut batch = StateBatch::new();
        for key in [
            &b"job/3"[..],
            b"job/1",
            b"jobs",
            b"job/2",
            b"inc/1",
            b"job\xff",
            b"jo",
        ] {
            batch.put(key, key);
        }
        batch.put([0xFF, 0xFF], b"top");
        batch.put([0xFF, 0xFF, 0x01], b"top-child");
        store.write(batch).unwrap();

        let keys = |prefix: &[u8]| {
            collect_prefix(&store, prefix)
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(b"job/"),
            vec![b"job/1".to_vec(), b"job/2".to_vec(), b"job/3".to_vec()]
        );
        assert_eq!(keys(b"job").len(), 5);
        assert_eq!(
            keys(&[0xFF, 0xFF]),
            vec![vec![0xFF, 0xFF], vec![0xFF, 0xFF, 0x01]]
        );
        assert!(keys(b"none").is_empty());

        let mut range = Vec::new();
        store
            .scan_range(b"job/2", Some(b"jobs"), |k, _| {
                range.push(k.to_vec());
                ControlFlow::Continue(())
            })
            .unwrap();
        // "job\xff" sorts after "jobs", so the exclusive end leaves it out.
        assert_eq!(range, vec![b"job/2".to_vec(), b"job/3".to_vec()]);

        let mut first = Vec::new();
        store
            .scan_range(b"", None, |k, _| {
                first.push(k.to_vec());
                ControlFlow::Break(())
            })
            .unwrap();
        assert_eq!(first, vec![b"inc/1".to_vec()]);
    }

    #[test]
    fn checkpoint_installs_into_another_store_and_survives_reopen() {
        let source_dir = tempfile::tempdir().unwrap();
        let target_dir = tempfile::tempdir().unwrap();
        let checkpoint_parent = tempfile::tempdir().unwrap();
        let checkpoint = checkpoint_parent.path().join("cp");

        let source = StateStore::open(source_dir.path()).unwrap();
        let mut batch = StateBatch::new();
        batch.put(b"x", b"from-source");
        batch.set_applied(b"applied-42");
        batch.set_membership(b"m");
        source.write(batch).unwrap();
        source.checkpoint(&checkpoint).unwrap();
        // Writes after the checkpoint are not part of it.
        let mut batch = StateBatch::new();
        batch.put(b"later", b"1");
        source.write(batch).unwrap();

        let CheckpointMeta {
            applied,
            membership,
        } = StateStore::read_checkpoint_meta(&checkpoint).unwrap();
        assert_eq!(applied.as_deref(), Some(&b"applied-42"[..]));
        assert_eq!(membership.as_deref(), Some(&b"m"[..]));

        let target = StateStore::open(target_dir.path()).unwrap();
        let mut batch = StateBatch::new();
        batch.put(b"stale", b"1");
        target.write(batch).unwrap();

        let incoming = target.prepare_incoming().unwrap();
        for file in std::fs::read_dir(&checkpoint).unwrap() {
            let file = file.unwrap();
            std::fs::copy(file.path(), incoming.path().join(file.file_name())).unwrap();
        }
        target.install(incoming).unwrap();
        assert_eq!(
            target.get(b"x").unwrap().as_deref(),
            Some(&b"from-source"[..])
        );
        assert_eq!(target.get(b"stale").unwrap(), None);
        assert_eq!(target.get(b"later").unwrap(), None);
        assert_eq!(
            target.applied().unwrap().as_deref(),
            Some(&b"applied-42"[..])
        );
        drop(target);

        let reopened = StateStore::open(target_dir.path()).unwrap();
        assert_eq!(
            reopened.get(b"x").unwrap().as_deref(),
            Some(&b"from-source"[..])
        );
        assert_eq!(reopened.get(b"stale").unwrap(), None);
        // Only the live generation and the pointer file remain.
        let mut names: Vec<_> = std::fs::read_dir(reopened.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["GENERATION".to_string(), "gen-2".to_string()]);
    }

    #[test]
    fn readers_holding_the_old_generation_finish_on_it() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let cp_parent = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        let mut batch = StateBatch::new();
        batch.put(b"k", b"old");
        store.write(batch).unwrap();

        let source = StateStore::open(other.path()).unwrap();
        let mut batch = StateBatch::new();
        batch.put(b"k", b"new");
        source.write(batch).unwrap();
        let cp = cp_parent.path().join("cp");
        source.checkpoint(&cp).unwrap();

        let mut seen = Vec::new();
        store
            .scan_prefix(b"", |_, v| {
                // Install while a scan over the old generation is in progress.
                let incoming = store.prepare_incoming().unwrap();
                for file in std::fs::read_dir(&cp).unwrap() {
                    let file = file.unwrap();
                    std::fs::copy(file.path(), incoming.path().join(file.file_name())).unwrap();
                }
                store.install(incoming).unwrap();
                seen.push(v.to_vec());
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(seen, vec![b"old".to_vec()]);
        assert_eq!(store.get(b"k").unwrap().as_deref(), Some(&b"new"[..]));
    }

    #[test]
    fn incoming_from_another_store_is_rejected_and_cleaned_up() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let store_a = StateStore::open(a.path()).unwrap();
        let store_b = StateStore::open(b.path()).unwrap();
        let incoming = store_b.prepare_incoming().unwrap();
        let path = incoming.path().to_path_buf();
        let err = store_a.install(incoming).unwrap_err();
        assert!(matches!(err, StorageError::ForeignIncoming { .. }));
        assert!(!path.exists());
    }

    #[test]
    fn corrupt_generation_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        drop(StateStore::open(dir.path()).unwrap());
        std::fs::write(dir.path().join("state").join("GENERATION"), "garbage").unwrap();
        let err = StateStore::open(dir.path()).unwrap_err();
        assert!(
            matches!(err, StorageError::CorruptGeneration { .. }),
            "{err}"
        );
    }

    #[test]
    fn prefix_upper_bounds() {
        assert_eq!(prefix_upper_bound(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_upper_bound(&[0x01, 0xFF]), Some(vec![0x02]));
        assert_eq!(prefix_upper_bound(&[0xFF, 0xFF]), None);
        assert_eq!(prefix_upper_bound(b""), None);
    }
}
