//! openraft's state machine over [`hornet_storage::StateStore`] and a caller-supplied [`Applier`].
//!
//! Replication owns the bookkeeping (applied log id, membership, snapshots); the applier owns
//! what payloads mean. Each committed entry is applied with one atomic state write that also
//! records the entry as applied, so the state never holds half an entry and the applied position
//! always matches the state.

use std::collections::{BTreeMap, VecDeque};
use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use hornet_storage::{StateBatch, StateStore, StateView};
use openraft::storage::RaftStateMachine;
use openraft::{AnyError, EntryPayload, RaftSnapshotBuilder, Snapshot, StorageIOError};
use tokio::sync::watch;

use crate::codec::{decode_value, encode_value};
use crate::error::{ApplyError, ReplicationError};
use crate::snapshot::{unpack_from_file, SnapshotFiles};
use crate::types::{
    Entry, EntryPosition, LogId, RaftStorageError, SnapshotMeta, StoredMembership, TypeConfig,
};

/// One committed application entry handed to the [`Applier`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommittedEntry<'a> {
    /// Log index of the entry.
    pub index: u64,
    /// Term of the leader that appended it.
    pub term: u64,
    /// The opaque payload given to [`PartitionReplica::append`](crate::PartitionReplica::append).
    pub payload: &'a [u8],
}

type SnapshotData = tokio::fs::File;

/// The writes an [`Applier`] returns for one entry.
pub type StateWrites = StateBatch;

/// Turns committed application entries into state writes. Runs on every replica, in log order.
pub trait Applier: Send + Sync + 'static {
    /// Applies one committed application entry. Reads current committed state through `state` and
    /// returns the writes, which are persisted atomically together with the applied position
    /// before the next entry is applied.
    fn apply(
        &self,
        state: &StateStore,
        entry: &CommittedEntry<'_>,
    ) -> Result<StateBatch, ApplyError>;

    /// Called after a snapshot replaced the whole state (so caches can be dropped).
    fn on_snapshot_installed(&self) {}
}

/// The last applied position as seen by a consistent state view, so a reader can tell exactly
/// which entries the state it reads includes.
pub fn applied_position(view: &StateView<'_>) -> Result<Option<EntryPosition>, ReplicationError> {
    let applied = match view.applied()? {
        Some(bytes) => decode_value::<Option<LogId>>("applied log id", &bytes)?,
        None => None,
    };
    Ok(applied.map(|id| EntryPosition {
        index: id.index,
        term: id.leader_id.term,
    }))
}

fn sm_read_error(err: impl std::error::Error + 'static) -> RaftStorageError {
    StorageIOError::read_state_machine(AnyError::new(&err)).into()
}

fn sm_write_error(err: impl std::error::Error + 'static) -> RaftStorageError {
    StorageIOError::write_state_machine(AnyError::new(&err)).into()
}

fn snapshot_write_error(err: impl std::error::Error + 'static) -> RaftStorageError {
    StorageIOError::write_snapshot(None, AnyError::new(&err)).into()
}

/// State writes computed ahead by the leader that appended an entry, so that applying the entry on
/// that node does not run the [`Applier`] over it again (the leader already ran the same event
/// appliers while processing). Matched by term and payload: only the leader of a term appends
/// entries of that term, so an entry of the same term with the same bytes is the one it prepared.
#[derive(Default)]
pub(crate) struct PreparedWrites {
    /// `(term, payload, writes)` in append order.
    queue: Mutex<VecDeque<(u64, bytes::Bytes, StateBatch)>>,
}

impl PreparedWrites {
    pub(crate) fn push(&self, term: u64, payload: bytes::Bytes, writes: StateBatch) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.push_back((term, payload, writes));
        }
    }

    /// The writes prepared for the entry of `term` holding `payload`, if any. Entries prepared
    /// before it were never applied (their appends failed or were truncated) and are dropped.
    fn take(&self, term: u64, payload: &[u8]) -> Option<StateBatch> {
        let mut queue = self.queue.lock().ok()?;
        let found = queue
            .iter()
            .position(|(t, p, _)| *t == term && p.as_ref() == payload)?;
        queue.drain(..found);
        queue.pop_front().map(|(_, _, writes)| writes)
    }

    /// Forgets everything prepared (the leader's term ended; its entries are applied the usual way).
    pub(crate) fn clear(&self) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.clear();
        }
    }
}

/// Counts applied entries towards the next snapshot.
struct FlushAhead {
    /// Flush once this many entries are applied after a snapshot.
    after: u64,
    /// Entries applied since the last snapshot this state machine built (or since it opened).
    applied: u64,
}

/// openraft's `RaftStateMachine` for one partition.
pub struct StateMachine<A: Applier> {
    state: Arc<StateStore>,
    applier: Arc<A>,
    snapshots: Arc<SnapshotFiles>,
    last_applied: Option<LogId>,
    membership: StoredMembership,
    applied_index: watch::Sender<u64>,
    checkpoint_seq: u64,
    /// Scratch files handed out by `begin_receiving_snapshot`, by inode.
    receiving: BTreeMap<u64, PathBuf>,
    /// Writes the leader on this node computed for entries it appended.
    prepared: Arc<PreparedWrites>,
    /// When to flush the state ahead of the next snapshot (see [`StateMachine::flush_ahead`]).
    flush_ahead: Option<FlushAhead>,
    /// Dropped with the state machine; lets the replica wait until it is closed.
    _alive: Arc<()>,
}

impl<A: Applier> StateMachine<A> {
    /// Opens the state machine of the partition in `partition_dir` over `state`.
    pub fn open(
        partition_dir: &Path,
        state: Arc<StateStore>,
        applier: Arc<A>,
        applied_index: watch::Sender<u64>,
        alive: Arc<()>,
    ) -> Result<Self, ReplicationError> {
        let last_applied = match state.applied()? {
            Some(bytes) => decode_value::<Option<LogId>>("applied log id", &bytes)?,
            None => None,
        };
        let membership = match state.membership()? {
            Some(bytes) => decode_value::<StoredMembership>("membership", &bytes)?,
            None => StoredMembership::default(),
        };
        let snapshots = Arc::new(SnapshotFiles::open(partition_dir)?);
        applied_index.send_replace(last_applied.map_or(0, |id| id.index));
        Ok(Self {
            state,
            applier,
            snapshots,
            last_applied,
            membership,
            applied_index,
            checkpoint_seq: 0,
            receiving: BTreeMap::new(),
            prepared: Arc::default(),
            flush_ahead: None,
            _alive: alive,
        })
    }

    /// Applies entries found in `prepared` with the writes prepared for them instead of the applier.
    pub(crate) fn with_prepared(mut self, prepared: Arc<PreparedWrites>) -> Self {
        self.prepared = prepared;
        self
    }

    /// Flushes the state in the background once `snapshot_every - snapshot_every / 10` entries have
    /// been applied since the last snapshot. Taking a snapshot flushes the state's memtables while
    /// applies wait (see `get_snapshot_builder`); with the memtables mostly flushed already, that
    /// pause stays short instead of stalling the partition for as long as writing up to a whole
    /// memtable takes.
    pub(crate) fn with_flush_ahead(mut self, snapshot_every: Option<u64>) -> Self {
        self.flush_ahead = snapshot_every.map(|every| FlushAhead {
            after: every - every / 10,
            applied: 0,
        });
        self
    }

    fn flush_ahead(&mut self, applied: u64) {
        let Some(ahead) = &mut self.flush_ahead else {
            return;
        };
        let before = ahead.applied;
        ahead.applied += applied;
        if before < ahead.after && ahead.applied >= ahead.after {
            if let Err(err) = self.state.start_flush() {
                // Only the next snapshot's pause depends on it.
                tracing::warn!(error = %err, "flushing the state ahead of a snapshot failed");
            }
        }
    }

    /// Applies one entry; the error says why (openraft adds which entry). An entry that changes
    /// nothing but the applied position (a command entry: commands change state only once processed)
    /// is not written unless it is the last of its apply call (`last`), whose write records the
    /// position of all of them; after a crash they are applied again, which changes nothing either.
    fn apply_one(&mut self, entry: &Entry, last: bool) -> Result<(), String> {
        let log_id = entry.log_id;
        let mut batch = match &entry.payload {
            EntryPayload::Normal(payload) => {
                match self.prepared.take(log_id.leader_id.term, &payload.0) {
                    Some(prepared) => prepared,
                    None => {
                        let committed = CommittedEntry {
                            index: log_id.index,
                            term: log_id.leader_id.term,
                            payload: &payload.0,
                        };
                        self.applier
                            .apply(&self.state, &committed)
                            .map_err(|e| e.to_string())?
                    }
                }
            }
            EntryPayload::Blank => StateBatch::new(),
            EntryPayload::Membership(membership) => {
                let stored = StoredMembership::new(Some(log_id), membership.clone());
                let mut batch = StateBatch::new();
                batch.set_membership(
                    &encode_value("membership", &stored).map_err(|e| e.to_string())?,
                );
                self.membership = stored;
                batch
            }
        };
        if !last && batch.changes_nothing() {
            self.last_applied = Some(log_id);
            return Ok(());
        }
        let mut applied = [0u8; 40];
        let applied = postcard::to_slice(&Some(log_id), &mut applied).map_err(|e| e.to_string())?;
        batch.set_applied(applied);
        self.state.write(batch).map_err(|e| e.to_string())?;
        self.last_applied = Some(log_id);
        Ok(())
    }
}

impl<A: Applier> RaftStateMachine<TypeConfig> for StateMachine<A> {
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId>, StoredMembership), RaftStorageError> {
        Ok((self.last_applied, self.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<()>, RaftStorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let mut responses = Vec::new();
        let mut entries = entries.into_iter().peekable();
        while let Some(entry) = entries.next() {
            let last = entries.peek().is_none();
            if let Err(reason) = self.apply_one(&entry, last) {
                tracing::error!(log_id = %entry.log_id, %reason, "applying a committed entry failed; stopping the group");
                return Err(StorageIOError::apply(entry.log_id, AnyError::error(reason)).into());
            }
            responses.push(());
        }
        if let Some(last) = self.last_applied {
            self.applied_index.send_replace(last.index);
        }
        self.flush_ahead(responses.len() as u64);
        Ok(responses)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        // The checkpoint is taken here, between two applies, so it holds exactly the state at
        // `last_applied`; packing it happens later in the builder, concurrently with applies.
        self.checkpoint_seq += 1;
        let seq = self.checkpoint_seq;
        if let Some(ahead) = &mut self.flush_ahead {
            ahead.applied = 0;
        }
        let path = self.snapshots.checkpoint_path();
        let checkpoint = self
            .state
            .checkpoint(&path)
            .map(|()| path)
            .map_err(Into::into);
        let snapshot_id = match self.last_applied {
            Some(id) => format!("{}-{}-{}", id.leader_id.term, id.index, seq),
            None => format!("none-{seq}"),
        };
        SnapshotBuilder {
            snapshots: Arc::clone(&self.snapshots),
            checkpoint,
            meta: SnapshotMeta {
                last_log_id: self.last_applied,
                last_membership: self.membership.clone(),
                snapshot_id,
            },
        }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<SnapshotData>, RaftStorageError> {
        let (path, file) = self
            .snapshots
            .create_receiving()
            .map_err(snapshot_write_error)?;
        let inode = inode(&file).map_err(snapshot_write_error)?;
        self.receiving.insert(inode, path);
        Ok(Box::new(SnapshotData::from_std(file)))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<SnapshotData>,
    ) -> Result<(), RaftStorageError> {
        let mut file = snapshot.into_std().await;
        let inode = inode(&file).map_err(snapshot_write_error)?;
        let received_at = self.receiving.remove(&inode);
        let state = Arc::clone(&self.state);
        let snapshots = Arc::clone(&self.snapshots);
        let owned_meta = meta.clone();
        // Unpacking, opening and fsyncing the new state is blocking file work.
        tokio::task::spawn_blocking(move || {
            install_checkpoint(&state, &snapshots, &owned_meta, &mut file, received_at)
        })
        .await
        .map_err(|join| sm_write_error(std::io::Error::other(join.to_string())))?
        .map_err(|err| {
            StorageIOError::write_snapshot(Some(meta.signature()), AnyError::new(&err))
        })?;
        self.last_applied = meta.last_log_id;
        self.membership = meta.last_membership.clone();
        self.applier.on_snapshot_installed();
        self.applied_index
            .send_replace(self.last_applied.map_or(0, |id| id.index));
        tracing::info!(snapshot = %meta.snapshot_id, last_log_id = ?meta.last_log_id, "installed snapshot");
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<TypeConfig>>, RaftStorageError> {
        let current = self.snapshots.open_current().map_err(sm_read_error)?;
        Ok(current.map(|(meta, data)| Snapshot {
            meta,
            snapshot: Box::new(SnapshotData::from_std(data)),
        }))
    }
}

/// Identifies an open file, so a snapshot handle given back by openraft can be matched with the
/// scratch file it was created as.
fn inode(file: &std::fs::File) -> Result<u64, std::io::Error> {
    use std::os::unix::fs::MetadataExt;
    Ok(file.metadata()?.ino())
}

/// Unpacks the received snapshot `data` and makes it the live state, after checking it holds the
/// state `meta` claims; then keeps it as the current snapshot. `received_at` is the scratch file
/// behind `data` if it was created by `begin_receiving_snapshot`; otherwise the data is copied.
fn install_checkpoint(
    state: &StateStore,
    snapshots: &SnapshotFiles,
    meta: &SnapshotMeta,
    data: &mut std::fs::File,
    received_at: Option<PathBuf>,
) -> Result<(), ReplicationError> {
    let snapshot_error = |path: &std::path::Path, err: std::io::Error| ReplicationError::Snapshot {
        path: path.to_path_buf(),
        reason: err.to_string(),
    };
    let kept_at = match received_at {
        Some(path) => {
            data.sync_all().map_err(|e| snapshot_error(&path, e))?;
            path
        }
        None => {
            let (path, mut copy) = snapshots.create_receiving()?;
            data.seek(SeekFrom::Start(0))
                .map_err(|e| snapshot_error(&path, e))?;
            std::io::copy(data, &mut copy).map_err(|e| snapshot_error(&path, e))?;
            copy.sync_all().map_err(|e| snapshot_error(&path, e))?;
            path
        }
    };
    let incoming = state.prepare_incoming()?;
    let installed = (|| {
        unpack_from_file(data, incoming.path())?;
        let applied = match StateStore::read_checkpoint_meta(incoming.path())?.applied {
            Some(bytes) => decode_value::<Option<LogId>>("applied log id", &bytes)?,
            None => None,
        };
        if applied != meta.last_log_id {
            return Err(ReplicationError::Snapshot {
                path: incoming.path().to_path_buf(),
                reason: format!(
                    "snapshot {} claims to end at {:?} but its state is applied up to {:?}",
                    meta.snapshot_id, meta.last_log_id, applied
                ),
            });
        }
        state.install(incoming)?;
        Ok(())
    })();
    if let Err(err) = installed {
        let _ = std::fs::remove_file(&kept_at);
        return Err(err);
    }
    snapshots.make_current(meta, &kept_at)
}

/// Packs a checkpoint taken by [`StateMachine::get_snapshot_builder`] into a snapshot.
pub struct SnapshotBuilder {
    snapshots: Arc<SnapshotFiles>,
    checkpoint: Result<PathBuf, ReplicationError>,
    meta: SnapshotMeta,
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, RaftStorageError> {
        let checkpoint = match &self.checkpoint {
            Ok(path) => path.clone(),
            Err(err) => return Err(snapshot_write_error(std::io::Error::other(err.to_string()))),
        };
        let snapshots = Arc::clone(&self.snapshots);
        let meta = self.meta.clone();
        let data = tokio::task::spawn_blocking(move || {
            let stored = snapshots.store_checkpoint(&meta, &checkpoint);
            let _ = std::fs::remove_dir_all(&checkpoint);
            stored
        })
        .await
        .map_err(|join| sm_write_error(std::io::Error::other(join.to_string())))?
        .map_err(snapshot_write_error)?;
        tracing::info!(
            snapshot = %self.meta.snapshot_id,
            last_log_id = ?self.meta.last_log_id,
            bytes = data.metadata().map(|m| m.len()).unwrap_or(0),
            "built snapshot"
        );
        Ok(Snapshot {
            meta: self.meta.clone(),
            snapshot: Box::new(SnapshotData::from_std(data)),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicU32, Ordering};

    use bytes::Bytes;
    use openraft::{CommittedLeaderId, Membership};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::types::Payload;

    /// Payloads are `key=value`; stores value under key.
    #[derive(Default)]
    struct KvApplier {
        installs: AtomicU32,
    }

    impl Applier for KvApplier {
        fn apply(
            &self,
            _state: &StateStore,
            entry: &CommittedEntry<'_>,
        ) -> Result<StateWrites, ApplyError> {
            let text = std::str::from_utf8(entry.payload)
                .map_err(|e| ApplyError::Decode(e.to_string()))?;
            let (key, value) = text.split_once('=').ok_or_else(|| {
                ApplyError::Decode(format!("entry {}: no '=' in {text:?}", entry.index))
            })?;
            let mut writes = StateWrites::new();
            writes.put(key, value);
            Ok(writes)
        }

        fn on_snapshot_installed(&self) {
            self.installs.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn log_id(index: u64) -> LogId {
        LogId::new(CommittedLeaderId::new(2, 1), index)
    }

    fn entries() -> Vec<Entry> {
        let mut entries = vec![Entry {
            log_id: log_id(0),
            payload: EntryPayload::Membership(Membership::new(vec![BTreeSet::from([1])], None)),
        }];
        entries.push(Entry {
            log_id: log_id(1),
            payload: EntryPayload::Blank,
        });
        for (index, text) in [(2, "a=1"), (3, "b=2"), (4, "a=3")] {
            entries.push(Entry {
                log_id: log_id(index),
                payload: EntryPayload::Normal(Payload(Bytes::from_static(text.as_bytes()))),
            });
        }
        entries
    }

    async fn read_all(mut data: Box<SnapshotData>) -> Vec<u8> {
        let mut out = Vec::new();
        data.read_to_end(&mut out).await.unwrap();
        out
    }

    fn open(dir: &Path, applier: Arc<KvApplier>) -> StateMachine<KvApplier> {
        let state = Arc::new(StateStore::open(dir).unwrap());
        let (applied, _) = watch::channel(0);
        StateMachine::open(dir, state, applier, applied, Arc::new(())).unwrap()
    }

    #[tokio::test]
    async fn snapshot_build_and_install_round_trip() {
        let source_dir = tempfile::tempdir().unwrap();
        let target_dir = tempfile::tempdir().unwrap();
        let mut source = open(source_dir.path(), Arc::new(KvApplier::default()));
        source.apply(entries()).await.unwrap();
        let (applied, membership) = source.applied_state().await.unwrap();
        assert_eq!(applied, Some(log_id(4)));
        assert_eq!(membership.log_id(), &Some(log_id(0)));
        let position = source
            .state
            .with_view(|view| applied_position(view).unwrap());
        assert_eq!(position, Some(EntryPosition { index: 4, term: 2 }));

        let mut builder = source.get_snapshot_builder().await;
        // Applying more after the checkpoint does not leak into the snapshot.
        source
            .apply([Entry {
                log_id: log_id(5),
                payload: EntryPayload::Normal(Payload(Bytes::from_static(b"c=9"))),
            }])
            .await
            .unwrap();
        let mut snapshot = builder.build_snapshot().await.unwrap();
        assert_eq!(snapshot.meta.last_log_id, Some(log_id(4)));
        let current = source.get_current_snapshot().await.unwrap().unwrap();
        assert_eq!(current.meta, snapshot.meta);
        let mut data = Vec::new();
        snapshot.snapshot.read_to_end(&mut data).await.unwrap();
        assert_eq!(read_all(current.snapshot).await, data);

        let applier = Arc::new(KvApplier::default());
        let mut target = open(target_dir.path(), Arc::clone(&applier));
        target
            .state
            .write({
                let mut stale = StateBatch::new();
                stale.put(b"stale", b"x");
                stale
            })
            .unwrap();
        let mut received = target.begin_receiving_snapshot().await.unwrap();
        received.write_all(&data).await.unwrap();
        received.flush().await.unwrap();
        target
            .install_snapshot(&snapshot.meta, received)
            .await
            .unwrap();

        assert_eq!(applier.installs.load(Ordering::SeqCst), 1);
        assert_eq!(target.applied_state().await.unwrap().0, Some(log_id(4)));
        assert_eq!(target.state.get(b"a").unwrap().as_deref(), Some(&b"3"[..]));
        assert_eq!(target.state.get(b"b").unwrap().as_deref(), Some(&b"2"[..]));
        assert_eq!(target.state.get(b"c").unwrap(), None);
        assert_eq!(target.state.get(b"stale").unwrap(), None);
        let kept = target.get_current_snapshot().await.unwrap().unwrap();
        assert_eq!(kept.meta, snapshot.meta);
        assert_eq!(read_all(kept.snapshot).await, data);

        // Reopening the target recovers the installed state and its applied position.
        drop(target);
        let mut reopened = open(target_dir.path(), Arc::new(KvApplier::default()));
        assert_eq!(reopened.applied_state().await.unwrap().0, Some(log_id(4)));
        assert_eq!(
            reopened.state.get(b"a").unwrap().as_deref(),
            Some(&b"3"[..])
        );
    }

    #[tokio::test]
    async fn snapshot_whose_meta_does_not_match_its_state_is_rejected() {
        let source_dir = tempfile::tempdir().unwrap();
        let target_dir = tempfile::tempdir().unwrap();
        let mut source = open(source_dir.path(), Arc::new(KvApplier::default()));
        source.apply(entries()).await.unwrap();
        let snapshot = source
            .get_snapshot_builder()
            .await
            .build_snapshot()
            .await
            .unwrap();
        let mut meta = snapshot.meta.clone();
        meta.last_log_id = Some(log_id(99));

        let mut target = open(target_dir.path(), Arc::new(KvApplier::default()));
        let err = target
            .install_snapshot(&meta, snapshot.snapshot)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("claims to end at"), "{err}");
        assert_eq!(target.applied_state().await.unwrap().0, None);
        assert_eq!(target.state.get(b"a").unwrap(), None);
    }

    /// Table files of the state store under `dir`: one appears when a memtable is flushed.
    fn table_files(dir: &Path) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .map(|entry| {
                let path = entry.path();
                if path.is_dir() {
                    table_files(&path)
                } else {
                    usize::from(path.extension().is_some_and(|ext| ext == "sst"))
                }
            })
            .sum()
    }

    #[tokio::test]
    async fn the_state_is_flushed_ahead_of_the_next_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let mut sm = open(dir.path(), Arc::new(KvApplier::default())).with_flush_ahead(Some(10));
        sm.apply(entries()).await.unwrap();
        assert_eq!(table_files(dir.path()), 0, "5 of 10 entries: no flush yet");
        let more = (5..9).map(|index| Entry {
            log_id: log_id(index),
            payload: EntryPayload::Normal(Payload(Bytes::from(format!("k{index}=v")))),
        });
        sm.apply(more).await.unwrap();
        // 9 of 10: the flush runs in the background.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while table_files(dir.path()) == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "no table file 10 s after the flush ahead"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn failing_applier_reports_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let mut sm = open(dir.path(), Arc::new(KvApplier::default()));
        let err = sm
            .apply([Entry {
                log_id: log_id(7),
                payload: EntryPayload::Normal(Payload(Bytes::from_static(b"no equals sign"))),
            }])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no '='"), "{err}");
        assert_eq!(sm.applied_state().await.unwrap().0, None);
    }

    fn stored_applied(sm: &StateMachine<KvApplier>) -> Option<u64> {
        let bytes = sm.state.applied().unwrap()?;
        decode_value::<Option<LogId>>("applied log id", &bytes)
            .unwrap()
            .map(|id| id.index)
    }

    #[tokio::test]
    async fn entries_that_change_nothing_are_recorded_by_the_last_write_of_their_apply() {
        let dir = tempfile::tempdir().unwrap();
        let mut sm = open(dir.path(), Arc::new(KvApplier::default()));
        let blank = |index| Entry {
            log_id: log_id(index),
            payload: EntryPayload::Blank,
        };
        sm.apply([blank(1), blank(2), normal(3, 2, "a=1"), blank(4)])
            .await
            .unwrap();
        assert_eq!(stored_applied(&sm), Some(4));
        assert_eq!(sm.state.get(b"a").unwrap(), Some(b"1".to_vec()));
        sm.apply([blank(5), blank(6)]).await.unwrap();
        assert_eq!(stored_applied(&sm), Some(6));
        assert_eq!(
            sm.applied_state().await.unwrap().0.map(|id| id.index),
            Some(6)
        );
    }

    fn normal(index: u64, term: u64, text: &'static str) -> Entry {
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(term, 1), index),
            payload: EntryPayload::Normal(Payload(Bytes::from_static(text.as_bytes()))),
        }
    }

    fn prepared_put(key: &str, value: &str) -> StateBatch {
        let mut writes = StateBatch::new();
        writes.put(key, value);
        writes
    }

    #[tokio::test]
    async fn prepared_writes_replace_the_applier_only_for_the_same_term_and_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let prepared = Arc::new(PreparedWrites::default());
        let mut sm =
            open(dir.path(), Arc::new(KvApplier::default())).with_prepared(Arc::clone(&prepared));
        // Prepared for term 2; the KvApplier would write a=1, the prepared writes say a=prepared.
        prepared.push(2, Bytes::from_static(b"a=1"), prepared_put("a", "prepared"));
        // Another term with the same bytes is another entry: the applier runs.
        sm.apply([normal(1, 3, "a=1")]).await.unwrap();
        assert_eq!(sm.state.get(b"a").unwrap(), Some(b"1".to_vec()));
        // Same term, other bytes: the applier runs.
        sm.apply([normal(2, 2, "b=2")]).await.unwrap();
        assert_eq!(sm.state.get(b"b").unwrap(), Some(b"2".to_vec()));
        // Same term and bytes: the prepared writes are applied instead, with the applied position.
        sm.apply([normal(3, 2, "a=1")]).await.unwrap();
        assert_eq!(sm.state.get(b"a").unwrap(), Some(b"prepared".to_vec()));
        assert_eq!(
            sm.applied_state().await.unwrap().0.map(|id| id.index),
            Some(3)
        );
        // Used once: the same entry again goes through the applier.
        sm.apply([normal(4, 2, "a=1")]).await.unwrap();
        assert_eq!(sm.state.get(b"a").unwrap(), Some(b"1".to_vec()));
    }

    #[test]
    fn prepared_writes_before_a_match_are_dropped_and_clear_forgets_all() {
        let prepared = PreparedWrites::default();
        prepared.push(5, Bytes::from_static(b"x"), prepared_put("x", "1"));
        prepared.push(5, Bytes::from_static(b"y"), prepared_put("y", "1"));
        prepared.push(5, Bytes::from_static(b"z"), prepared_put("z", "1"));
        assert!(prepared.take(5, b"y").is_some());
        // "x" was never applied (its append was lost), so it went with the match on "y".
        assert!(prepared.take(5, b"x").is_none());
        prepared.clear();
        assert!(prepared.take(5, b"z").is_none());
    }
}
