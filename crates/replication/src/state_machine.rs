//! openraft's state machine over [`hornet_storage::StateStore`] and a caller-supplied [`Applier`].
//!
//! Replication owns the bookkeeping (applied log id, membership, snapshots); the applier owns
//! what payloads mean. Each committed entry is applied with one atomic state write that also
//! records the entry as applied, so the state never holds half an entry and the applied position
//! always matches the state.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use hornet_storage::{StateBatch, StateStore};
use openraft::storage::RaftStateMachine;
use openraft::{AnyError, EntryPayload, RaftSnapshotBuilder, Snapshot, StorageIOError};
use tokio::sync::watch;

use crate::codec::{decode_value, encode_value};
use crate::error::{ApplyError, ReplicationError};
use crate::snapshot::{pack_checkpoint, unpack_checkpoint, SnapshotFiles};
use crate::types::{Entry, LogId, RaftStorageError, SnapshotMeta, StoredMembership, TypeConfig};

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

fn sm_read_error(err: impl std::error::Error + 'static) -> RaftStorageError {
    StorageIOError::read_state_machine(AnyError::new(&err)).into()
}

fn sm_write_error(err: impl std::error::Error + 'static) -> RaftStorageError {
    StorageIOError::write_state_machine(AnyError::new(&err)).into()
}

fn snapshot_write_error(err: impl std::error::Error + 'static) -> RaftStorageError {
    StorageIOError::write_snapshot(None, AnyError::new(&err)).into()
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
            _alive: alive,
        })
    }

    /// Applies one entry; the error says why (openraft adds which entry).
    fn apply_one(&mut self, entry: &Entry) -> Result<(), String> {
        let log_id = entry.log_id;
        let mut batch = match &entry.payload {
            EntryPayload::Normal(payload) => {
                let committed = CommittedEntry {
                    index: log_id.index,
                    term: log_id.leader_id.term,
                    payload: &payload.0,
                };
                self.applier
                    .apply(&self.state, &committed)
                    .map_err(|e| e.to_string())?
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
        for entry in entries {
            self.apply_one(&entry)
                .map_err(|reason| StorageIOError::apply(entry.log_id, AnyError::error(reason)))?;
            responses.push(());
        }
        if let Some(last) = self.last_applied {
            self.applied_index.send_replace(last.index);
        }
        Ok(responses)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        // The checkpoint is taken here, between two applies, so it holds exactly the state at
        // `last_applied`; packing it happens later in the builder, concurrently with applies.
        self.checkpoint_seq += 1;
        let seq = self.checkpoint_seq;
        let checkpoint = self.snapshots.checkpoint_path(seq).and_then(|path| {
            self.state
                .checkpoint(&path)
                .map(|()| path)
                .map_err(Into::into)
        });
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

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, RaftStorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), RaftStorageError> {
        let data = snapshot.into_inner();
        let incoming = self
            .state
            .prepare_incoming()
            .map_err(snapshot_write_error)?;
        unpack_checkpoint(&data, incoming.path()).map_err(snapshot_write_error)?;
        let applied = StateStore::read_checkpoint_meta(incoming.path())
            .map_err(snapshot_write_error)?
            .applied;
        let applied = match applied {
            Some(bytes) => decode_value::<Option<LogId>>("applied log id", &bytes)
                .map_err(snapshot_write_error)?,
            None => None,
        };
        if applied != meta.last_log_id {
            let reason = format!(
                "snapshot {} claims to end at {:?} but its state is applied up to {:?}",
                meta.snapshot_id, meta.last_log_id, applied
            );
            return Err(StorageIOError::write_snapshot(
                Some(meta.signature()),
                AnyError::error(reason),
            )
            .into());
        }
        self.state.install(incoming).map_err(snapshot_write_error)?;
        self.last_applied = meta.last_log_id;
        self.membership = meta.last_membership.clone();
        self.snapshots
            .store(meta, &data)
            .map_err(snapshot_write_error)?;
        self.applier.on_snapshot_installed();
        self.applied_index
            .send_replace(self.last_applied.map_or(0, |id| id.index));
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<TypeConfig>>, RaftStorageError> {
        let loaded = self.snapshots.load().map_err(sm_read_error)?;
        Ok(loaded.map(|(meta, data)| Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(data)),
        }))
    }
}

/// Packs a checkpoint taken by [`StateMachine::get_snapshot_builder`] into a snapshot.
pub struct SnapshotBuilder {
    snapshots: Arc<SnapshotFiles>,
    checkpoint: Result<std::path::PathBuf, ReplicationError>,
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
        let packed = tokio::task::spawn_blocking(move || {
            let packed = pack_checkpoint(&checkpoint);
            let _ = std::fs::remove_dir_all(&checkpoint);
            let data = packed?;
            snapshots.store(&meta, &data)?;
            Ok::<_, ReplicationError>(data)
        })
        .await
        .map_err(|join| sm_write_error(std::io::Error::other(join.to_string())))?
        .map_err(snapshot_write_error)?;
        Ok(Snapshot {
            meta: self.meta.clone(),
            snapshot: Box::new(Cursor::new(packed)),
        })
    }
}
