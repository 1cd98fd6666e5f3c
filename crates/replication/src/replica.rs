//! [`PartitionReplica`]: one member of a partition's Raft group.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hornet_storage::{LogStore, StateStore};
use openraft::error::{ClientWriteError, InitializeError, RaftError};
use openraft::raft::ClientWriteResult;
use openraft::{BasicNode, RaftNetworkFactory, ServerState, SnapshotPolicy};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::codec::{decode_entry_ref, decode_value, StoredEntry};
use crate::error::ReplicationError;
use crate::log_storage::RaftLog;
use crate::state_machine::{Applier, PreparedWrites, StateMachine};
use crate::types::{EntryPosition, LogId, NodeId, Payload, Raft, TypeConfig};

/// Configuration of one replica of a partition group.
#[derive(Clone, Debug)]
pub struct ReplicaConfig {
    /// Directory of the partition; the log, state and snapshots live below it.
    pub partition_dir: PathBuf,
    /// This replica's node id.
    pub node_id: NodeId,
    /// Initial members of the group (node id to transport address), used only to initialize a
    /// group whose log is empty. Empty means "do not initialize; wait to be added by a leader".
    pub members: BTreeMap<NodeId, String>,
    /// Name of the cluster, checked by openraft between members.
    pub cluster_name: String,
    /// Interval of leader heartbeats.
    pub heartbeat_interval: Duration,
    /// Lower bound of the randomized election timeout.
    pub election_timeout_min: Duration,
    /// Upper bound of the randomized election timeout.
    pub election_timeout_max: Duration,
    /// Build a snapshot (and compact the log behind it) every this many applied entries;
    /// `None` disables automatic snapshots.
    pub snapshot_every: Option<u64>,
    /// Entries kept in the log behind the latest snapshot, so lagging followers and readers of the
    /// committed log can still be served from the log.
    pub logs_kept_after_snapshot: u64,
    /// The log's flusher starts an fsync no sooner than this after it started the previous one
    /// (Zeebe's `raft.flush.delayTime`): zero fsyncs as often as the disk allows; more makes
    /// appends wait, so that callers batch more into each entry, trading latency for CPU.
    pub log_flush_delay: Duration,
    /// Maximum number of entries per replication request.
    pub max_entries_per_replication: u64,
    /// Timeout of one snapshot chunk transfer.
    pub snapshot_chunk_timeout: Duration,
    /// How long a fresh member waits for another member to initialize the group before it does so
    /// itself. The member that initializes first starts the first election at once, so giving each
    /// partition's preferred leader a zero delay and the others a few election timeouts spreads the
    /// first leaders over the nodes as intended; the others still initialize if it never comes.
    pub initialize_delay: Duration,
}

impl ReplicaConfig {
    /// Configuration of a group with the given initial members and default timing.
    pub fn new(
        partition_dir: impl Into<PathBuf>,
        node_id: NodeId,
        members: BTreeMap<NodeId, String>,
    ) -> Self {
        Self {
            partition_dir: partition_dir.into(),
            node_id,
            members,
            cluster_name: "hornet".to_string(),
            heartbeat_interval: Duration::from_millis(50),
            election_timeout_min: Duration::from_millis(150),
            election_timeout_max: Duration::from_millis(300),
            snapshot_every: Some(10_000),
            logs_kept_after_snapshot: 1_000,
            log_flush_delay: Duration::ZERO,
            max_entries_per_replication: 512,
            snapshot_chunk_timeout: Duration::from_secs(2),
            initialize_delay: Duration::ZERO,
        }
    }

    /// Configuration of a single-member group.
    pub fn single_node(
        partition_dir: impl Into<PathBuf>,
        node_id: NodeId,
        address: impl Into<String>,
    ) -> Self {
        Self::new(
            partition_dir,
            node_id,
            BTreeMap::from([(node_id, address.into())]),
        )
    }

    fn raft_config(&self) -> Result<openraft::Config, ReplicationError> {
        if !self.members.is_empty() && !self.members.contains_key(&self.node_id) {
            return Err(ReplicationError::Config(format!(
                "node {} is not among the initial members {:?}",
                self.node_id,
                self.members.keys().collect::<Vec<_>>()
            )));
        }
        let millis = |what: &str, d: Duration| {
            u64::try_from(d.as_millis())
                .ok()
                .filter(|ms| *ms > 0)
                .ok_or_else(|| {
                    ReplicationError::Config(format!("{what} must be between 1 ms and u64::MAX ms"))
                })
        };
        let config = openraft::Config {
            cluster_name: self.cluster_name.clone(),
            heartbeat_interval: millis("heartbeat_interval", self.heartbeat_interval)?,
            election_timeout_min: millis("election_timeout_min", self.election_timeout_min)?,
            election_timeout_max: millis("election_timeout_max", self.election_timeout_max)?,
            install_snapshot_timeout: millis(
                "snapshot_chunk_timeout",
                self.snapshot_chunk_timeout,
            )?,
            max_payload_entries: self.max_entries_per_replication.max(1),
            snapshot_policy: match self.snapshot_every {
                Some(0) => {
                    return Err(ReplicationError::Config(
                        "snapshot_every must be positive (use None to disable snapshots)"
                            .to_string(),
                    ))
                }
                Some(n) => SnapshotPolicy::LogsSinceLast(n),
                None => SnapshotPolicy::Never,
            },
            max_in_snapshot_log_to_keep: self.logs_kept_after_snapshot,
            ..Default::default()
        };
        config
            .validate()
            .map_err(|e| ReplicationError::Config(e.to_string()))
    }
}

/// Initializes a fresh group with `members`; a group another member already initialized (and
/// replicated here) is fine.
async fn initialize(
    raft: &Raft,
    members: BTreeMap<NodeId, BasicNode>,
) -> Result<(), ReplicationError> {
    match raft.initialize(members).await {
        Ok(()) | Err(RaftError::APIError(InitializeError::NotAllowed(_))) => Ok(()),
        Err(err) => Err(ReplicationError::Raft(err.to_string())),
    }
}

/// Role of this replica in its group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Leader,
    Candidate,
    Follower,
    Learner,
    /// The group stopped on this node (shut down or failed).
    Stopped,
}

/// Role, term and known leader of a replica, published on every change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleState {
    pub role: Role,
    pub term: u64,
    pub leader: Option<NodeId>,
}

impl From<ServerState> for Role {
    fn from(state: ServerState) -> Role {
        match state {
            ServerState::Leader => Role::Leader,
            ServerState::Candidate => Role::Candidate,
            ServerState::Follower => Role::Follower,
            ServerState::Learner => Role::Learner,
            ServerState::Shutdown => Role::Stopped,
        }
    }
}

fn role_state(metrics: &openraft::metrics::RaftServerMetrics<NodeId, BasicNode>) -> RoleState {
    RoleState {
        role: metrics.state.into(),
        term: metrics.vote.leader_id().term,
        leader: metrics.current_leader,
    }
}

/// Members of a group as this replica currently knows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMembership {
    /// Members that vote (and can lead).
    pub voters: BTreeSet<NodeId>,
    /// Members that receive the log without voting.
    pub learners: BTreeSet<NodeId>,
    /// Transport address of every member.
    pub addresses: BTreeMap<NodeId, String>,
}

/// Resolves once the appended entry is committed and applied on this replica, with its position.
#[must_use = "an append receipt tells whether the entry was committed"]
pub struct AppendReceipt {
    rx: oneshot::Receiver<ClientWriteResult<TypeConfig>>,
    node: NodeId,
}

impl Future for AppendReceipt {
    type Output = Result<EntryPosition, ReplicationError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let node = self.node;
        Pin::new(&mut self.rx).poll(cx).map(|result| match result {
            Ok(Ok(response)) => Ok(EntryPosition {
                index: response.log_id.index,
                term: response.log_id.leader_id.term,
            }),
            Ok(Err(ClientWriteError::ForwardToLeader(forward))) => {
                Err(ReplicationError::NotLeader {
                    node,
                    leader: forward.leader_id,
                })
            }
            Ok(Err(other)) => Err(ReplicationError::Raft(other.to_string())),
            Err(_) => Err(ReplicationError::Stopped(
                "the group stopped before the entry was applied".to_string(),
            )),
        })
    }
}

/// One member of a partition's Raft group: the partition log plus the applied state.
pub struct PartitionReplica {
    node_id: NodeId,
    raft: Raft,
    log: Arc<LogStore>,
    state: Arc<StateStore>,
    prepared: Arc<PreparedWrites>,
    state_machine_alive: Weak<()>,
    server_metrics: watch::Receiver<openraft::metrics::RaftServerMetrics<NodeId, BasicNode>>,
    role: watch::Receiver<RoleState>,
    applied: watch::Receiver<u64>,
    /// Publishes role changes; ends by itself once the Raft core is gone.
    _role_task: JoinHandle<()>,
    /// Set by [`PartitionReplica::shutdown`]; otherwise dropping the replica stops the member.
    stopped: bool,
}

impl Drop for PartitionReplica {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        // Dropped without `shutdown`: stop the Raft member in the background so it does not keep
        // running (and holding the partition's storage) without an owner.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let raft = self.raft.clone();
            runtime.spawn(async move {
                let _ = raft.shutdown().await;
            });
        }
    }
}

impl std::fmt::Debug for PartitionReplica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionReplica")
            .field("node_id", &self.node_id)
            .field("log", &self.log.path())
            .field("role", &*self.role.borrow())
            .finish()
    }
}

impl PartitionReplica {
    /// Opens the partition's storage and starts its Raft member. A fresh partition (empty log)
    /// with configured members initializes the group; otherwise the member recovers from disk and
    /// re-applies committed entries beyond the state's applied position through `applier`.
    pub async fn start<A, N>(
        config: ReplicaConfig,
        applier: Arc<A>,
        network: N,
    ) -> Result<Self, ReplicationError>
    where
        A: Applier,
        N: RaftNetworkFactory<TypeConfig>,
    {
        let raft_config = Arc::new(config.raft_config()?);
        let dir = &config.partition_dir;
        // Opening replays each database's write-ahead log: blocking work, done for both at once.
        let (log, state) = {
            let (log_dir, state_dir) = (dir.clone(), dir.clone());
            let log = tokio::task::spawn_blocking(move || LogStore::open(&log_dir));
            let state = tokio::task::spawn_blocking(move || StateStore::open(&state_dir));
            let joined = |err: tokio::task::JoinError| {
                ReplicationError::Stopped(format!("opening storage failed: {err}"))
            };
            let log = log.await.map_err(joined)?;
            let state = state.await.map_err(joined)?;
            (Arc::new(log?), Arc::new(state?))
        };
        let (applied_tx, applied) = watch::channel(0);
        let alive = Arc::new(());
        let state_machine_alive = Arc::downgrade(&alive);
        let prepared = Arc::new(PreparedWrites::default());
        let state_machine =
            StateMachine::open(dir, Arc::clone(&state), applier, applied_tx, alive)?
                .with_prepared(Arc::clone(&prepared))
                .with_flush_ahead(config.snapshot_every);
        let pristine =
            log.first_index()?.is_none() && log.last_purged()?.is_none() && log.vote()?.is_none();

        let raft = Raft::new(
            config.node_id,
            raft_config,
            network,
            RaftLog::new(Arc::clone(&log), config.log_flush_delay),
            state_machine,
        )
        .await
        .map_err(|fatal| ReplicationError::Stopped(fatal.to_string()))?;

        tracing::info!(
            node = config.node_id,
            dir = %dir.display(),
            pristine,
            "started partition replica"
        );
        if pristine && !config.members.is_empty() {
            let members: BTreeMap<NodeId, BasicNode> = config
                .members
                .iter()
                .map(|(id, addr)| (*id, BasicNode::new(addr)))
                .collect();
            if config.initialize_delay.is_zero() {
                if let Err(err) = initialize(&raft, members).await {
                    let _ = raft.shutdown().await;
                    return Err(err);
                }
            } else {
                let raft = raft.clone();
                let delay = config.initialize_delay;
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let joined = raft
                        .metrics()
                        .borrow()
                        .membership_config
                        .membership()
                        .voter_ids()
                        .next()
                        .is_some();
                    if !joined {
                        if let Err(err) = initialize(&raft, members).await {
                            tracing::warn!(error = %err, "cannot initialize the group");
                        }
                    }
                });
            }
        }

        let server_metrics = raft.server_metrics();
        let mut metrics = raft.server_metrics();
        let (role_tx, role) = watch::channel(role_state(&metrics.borrow_and_update()));
        let role_task = tokio::spawn(async move {
            while metrics.changed().await.is_ok() {
                let next = role_state(&metrics.borrow_and_update());
                role_tx.send_if_modified(|current| {
                    let changed = *current != next;
                    *current = next;
                    changed
                });
            }
            role_tx.send_modify(|current| {
                current.role = Role::Stopped;
                current.leader = None;
            });
        });

        Ok(Self {
            node_id: config.node_id,
            raft,
            log,
            state,
            prepared,
            state_machine_alive,
            server_metrics,
            role,
            applied,
            _role_task: role_task,
            stopped: false,
        })
    }

    /// Queues `payload` for appending to the partition log. Returns once the entry is queued;
    /// entries queued by one task land in the log in call order. The receipt resolves when the
    /// entry is committed and applied here, or with [`ReplicationError::NotLeader`] if this
    /// replica is not (or no longer) the leader.
    pub async fn append(&self, payload: Bytes) -> Result<AppendReceipt, ReplicationError> {
        let rx = self
            .raft
            .client_write_ff(Payload(payload))
            .await
            .map_err(|fatal| ReplicationError::Stopped(fatal.to_string()))?;
        Ok(AppendReceipt {
            rx,
            node: self.node_id,
        })
    }

    /// Like [`PartitionReplica::append`], for a leader that already knows the state writes applying
    /// `payload` makes: `writes` are applied here instead of running the [`Applier`] over the entry,
    /// if the entry commits in `term` (the caller's term as leader) with exactly these bytes. Other
    /// replicas apply it the usual way.
    pub async fn append_prepared(
        &self,
        payload: Bytes,
        term: u64,
        writes: hornet_storage::StateBatch,
    ) -> Result<AppendReceipt, ReplicationError> {
        self.prepared.push(term, payload.clone(), writes);
        self.append(payload).await
    }

    /// Drops the writes prepared by [`PartitionReplica::append_prepared`] and not applied yet; the
    /// entries, if they commit, are applied through the [`Applier`].
    pub fn discard_prepared(&self) {
        self.prepared.clear();
    }

    /// Application payloads of committed (and applied) entries from `from_index` on, at most
    /// `max`, in log order. Blank and membership entries are skipped. Entries compacted behind
    /// a snapshot are reported as [`ReplicationError::LogPurged`].
    pub fn read_committed(
        &self,
        from_index: u64,
        max: usize,
    ) -> Result<Vec<(u64, Bytes)>, ReplicationError> {
        let applied = *self.applied.borrow();
        let mut out = Vec::new();
        if from_index > applied || max == 0 {
            return Ok(out);
        }
        let mut expected = from_index;
        self.log
            .for_each_in_range(from_index..=applied, |index, value| {
                if index != expected {
                    return Err(self.gap_error(expected));
                }
                expected = index + 1;
                if let (_, StoredEntry::Normal(payload)) = decode_entry_ref(index, value)? {
                    out.push((index, Bytes::copy_from_slice(payload)));
                    if out.len() >= max {
                        return Ok(ControlFlow::Break(()));
                    }
                }
                Ok(ControlFlow::Continue(()))
            })?;
        if out.len() < max && expected <= applied {
            return Err(self.gap_error(expected));
        }
        Ok(out)
    }

    fn gap_error(&self, missing: u64) -> ReplicationError {
        let purged = self
            .log
            .last_purged()
            .ok()
            .flatten()
            .and_then(|bytes| decode_value::<LogId>("last purged log id", &bytes).ok());
        match purged {
            Some(purged) if purged.index >= missing => ReplicationError::LogPurged {
                requested: missing,
                purged_up_to: purged.index,
            },
            _ => ReplicationError::Raft(format!("committed log entry {missing} is missing")),
        }
    }

    fn membership_write_error(
        &self,
        err: RaftError<NodeId, ClientWriteError<NodeId, BasicNode>>,
    ) -> ReplicationError {
        match err {
            RaftError::APIError(ClientWriteError::ForwardToLeader(forward)) => {
                ReplicationError::NotLeader {
                    node: self.node_id,
                    leader: forward.leader_id,
                }
            }
            RaftError::APIError(ClientWriteError::ChangeMembershipError(err)) => {
                ReplicationError::Membership(err.to_string())
            }
            RaftError::Fatal(fatal) => ReplicationError::Stopped(fatal.to_string()),
        }
    }

    /// Adds `node` (reachable at `address`) as a learner and returns once it has caught up with
    /// the log. Only the leader can do this.
    pub async fn add_learner(
        &self,
        node: NodeId,
        address: impl Into<String>,
    ) -> Result<(), ReplicationError> {
        self.raft
            .add_learner(node, BasicNode::new(address.into()), true)
            .await
            .map_err(|err| self.membership_write_error(err))?;
        Ok(())
    }

    /// Makes exactly `voters` the voting members. New voters must already be members (added with
    /// [`PartitionReplica::add_learner`]); voters left out are removed from the group. Returns
    /// once the new membership is committed. Only the leader can do this; elsewhere the call
    /// fails with [`ReplicationError::NotLeader`], or with [`ReplicationError::Membership`] when
    /// this replica still sees an earlier change in progress.
    pub async fn change_voters(&self, voters: BTreeSet<NodeId>) -> Result<(), ReplicationError> {
        self.raft
            .change_membership(voters, false)
            .await
            .map_err(|err| self.membership_write_error(err))?;
        Ok(())
    }

    /// The group's current (possibly not yet committed) membership.
    pub fn membership(&self) -> GroupMembership {
        let metrics = self.server_metrics.borrow();
        let membership = metrics.membership_config.membership();
        GroupMembership {
            voters: membership.voter_ids().collect(),
            learners: membership.learner_ids().collect(),
            addresses: membership
                .nodes()
                .map(|(id, node)| (*id, node.addr.clone()))
                .collect(),
        }
    }

    /// This replica's node id.
    pub fn node_id(&self) -> NodeId {
        self.node_id
    }

    /// Whether this replica currently leads its group.
    pub fn is_leader(&self) -> bool {
        self.server_metrics.borrow().state == ServerState::Leader
    }

    /// The current leader, if known.
    pub fn leader_id(&self) -> Option<NodeId> {
        self.server_metrics.borrow().current_leader
    }

    /// The current term.
    pub fn current_term(&self) -> u64 {
        self.server_metrics.borrow().vote.leader_id().term
    }

    /// Index of the last entry applied to the state (0 before anything beyond the group's
    /// initial membership entry is applied).
    pub fn last_applied(&self) -> u64 {
        *self.applied.borrow()
    }

    /// Watch of the applied index; changes after every applied batch of entries.
    pub fn applied_watch(&self) -> watch::Receiver<u64> {
        self.applied.clone()
    }

    /// Watch of role, term and leader; changes only when one of them changes.
    pub fn role_watch(&self) -> watch::Receiver<RoleState> {
        self.role.clone()
    }

    /// The committed state of the partition.
    pub fn state(&self) -> &Arc<StateStore> {
        &self.state
    }

    /// The underlying openraft handle, for transports delivering RPCs and for membership changes.
    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    /// Builds a snapshot now (and compacts the log behind it per configuration), returning once
    /// a snapshot at or beyond the current applied index exists.
    pub async fn snapshot_now(&self, timeout: Duration) -> Result<u64, ReplicationError> {
        let target = self.last_applied();
        self.raft
            .trigger()
            .snapshot()
            .await
            .map_err(|fatal| ReplicationError::Stopped(fatal.to_string()))?;
        let metrics = self
            .raft
            .wait(Some(timeout))
            .metrics(
                |m| m.snapshot.is_some_and(|s| s.index >= target),
                "snapshot at the applied index",
            )
            .await
            .map_err(|err| ReplicationError::Raft(err.to_string()))?;
        Ok(metrics.snapshot.map_or(0, |s| s.index))
    }

    /// Stops the Raft member and waits until its log and state machine are closed, so the
    /// partition directory can be reopened. `Arc<StateStore>` clones obtained from
    /// [`PartitionReplica::state`] keep the state database open until they are dropped.
    pub async fn shutdown(mut self) -> Result<(), ReplicationError> {
        self.stopped = true;
        let raft = self.raft.clone();
        let log_closed = Arc::downgrade(&self.log);
        let state_machine_alive = self.state_machine_alive.clone();
        drop(self);
        let stopped = raft.shutdown().await;
        drop(raft);
        stopped.map_err(|join| {
            ReplicationError::Stopped(format!("raft core failed while stopping: {join}"))
        })?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while log_closed.strong_count() > 0 || state_machine_alive.strong_count() > 0 {
            if tokio::time::Instant::now() >= deadline {
                return Err(ReplicationError::Stopped(
                    "log or state machine still open 10 s after shutdown".to_string(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(())
    }
}
