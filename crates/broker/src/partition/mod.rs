//! One partition on this node: its Raft replica, and the actor that processes commands while this node
//! leads it.

mod applier;
mod leader;
mod recent_writes;
mod router;
mod scan_floors;
mod state;
mod submission;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hornet_engine::job_streams::JobStreams;
use hornet_engine::{Engine, EngineConfig};
use hornet_protocol::{PartitionId, Record};
use hornet_replication::{PartitionReplica, Raft, ReplicaConfig, Role, RoleState, TypeConfig};
use openraft::RaftNetworkFactory;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tracing::{error, info, Instrument};

use crate::config::BrokerConfig;
use crate::job_streams::JobStreamRegistry;
use crate::metrics::Metrics;
use crate::JobsAvailable;
pub(crate) use router::PartitionRouter;
pub use submission::PartitionError;
pub(crate) use submission::Submission;

/// Processing knobs one partition needs (a subset of the broker configuration).
#[derive(Clone, Debug)]
pub(crate) struct PartitionSettings {
    pub max_commands_in_flight: usize,
    pub due_batch_size: usize,
    /// How often commands awaiting another partition's acknowledgement are sent again.
    pub resend_interval: Duration,
}

/// What the partition's actor shares with the rest of the node.
pub(crate) struct PartitionShared {
    pub id: PartitionId,
    pub partitions_count: u16,
    pub config: PartitionSettings,
    pub metrics: Arc<Metrics>,
    pub router: Arc<PartitionRouter>,
    jobs_available: broadcast::Sender<JobsAvailable>,
    /// The node's job streams, which the leader's engine pushes jobs to.
    pub job_streams: Arc<JobStreamRegistry>,
    serving: AtomicBool,
}

impl PartitionShared {
    /// The engine of a replica, which only applies events.
    pub(crate) fn new_engine(&self) -> Engine {
        Engine::new(EngineConfig {
            partition_id: self.id,
            partition_count: self.partitions_count,
        })
    }

    /// The engine of a leader, which also pushes jobs to the node's job streams.
    pub(crate) fn new_leader_engine(&self) -> Engine {
        self.new_engine()
            .with_job_streams(Arc::clone(&self.job_streams) as Arc<dyn JobStreams>)
    }

    pub(crate) fn notify_jobs_available(&self, job_type: String) {
        // Nobody listening is fine: pollers subscribe when they wait.
        let _ = self.jobs_available.send(JobsAvailable {
            partition: self.id,
            job_type,
        });
    }

    fn set_serving(&self, serving: bool) {
        self.serving.store(serving, Ordering::Release);
        self.metrics.set_leader(self.id, serving);
    }
}

/// What the rest of the node holds of a partition: enough to submit commands and see whether it
/// serves. Cheap to clone.
#[derive(Clone)]
pub(crate) struct PartitionHandle {
    shared: Arc<PartitionShared>,
    submissions: mpsc::Sender<Submission>,
    role: watch::Receiver<RoleState>,
}

impl PartitionHandle {
    pub fn id(&self) -> PartitionId {
        self.shared.id
    }

    /// Whether this node leads the partition and its processor is serving.
    pub fn is_serving(&self) -> bool {
        self.shared.serving.load(Ordering::Acquire)
    }

    /// The replica runs and, if it leads, its processor is serving.
    pub fn is_healthy(&self) -> bool {
        match self.role().role {
            Role::Stopped => false,
            Role::Leader => self.is_serving(),
            Role::Follower | Role::Candidate | Role::Learner => true,
        }
    }

    /// The replica's role and the leader it knows.
    pub fn role(&self) -> RoleState {
        *self.role.borrow()
    }

    /// Writes `command` to the partition and waits for the record that answers it.
    pub async fn execute(&self, command: Record) -> Result<Record, PartitionError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Submission {
            command,
            reply: Some(reply),
        })?;
        answer.await.unwrap_or_else(|_| {
            Err(PartitionError::Stopped {
                partition: self.id(),
                reason: "partition actor stopped".into(),
            })
        })
    }

    /// Hands `command` to the partition without waiting for its outcome.
    pub fn deliver(&self, command: Record) -> Result<(), PartitionError> {
        if !self.is_serving() {
            return Err(PartitionError::NotLeader {
                partition: self.id(),
                leader: self.role().leader,
            });
        }
        self.submit(Submission {
            command,
            reply: None,
        })
    }

    fn submit(&self, submission: Submission) -> Result<(), PartitionError> {
        self.submissions
            .try_send(submission)
            .map_err(|err| match err {
                mpsc::error::TrySendError::Full(_) => {
                    self.shared.metrics.backpressure(self.id());
                    PartitionError::Backpressure(self.id())
                }
                mpsc::error::TrySendError::Closed(_) => PartitionError::Stopped {
                    partition: self.id(),
                    reason: "partition is shutting down".into(),
                },
            })
    }
}

/// A partition replica on this node, with the actor that processes while it leads.
pub(crate) struct Partition {
    handle: PartitionHandle,
    replica: Arc<PartitionReplica>,
    actor: JoinHandle<()>,
}

impl Partition {
    pub(crate) async fn start<N>(
        id: PartitionId,
        config: &BrokerConfig,
        network: N,
        metrics: Arc<Metrics>,
        router: Arc<PartitionRouter>,
        jobs_available: broadcast::Sender<JobsAvailable>,
        job_streams: Arc<JobStreamRegistry>,
    ) -> Result<Partition, crate::BrokerError>
    where
        N: RaftNetworkFactory<TypeConfig>,
    {
        let dir = config.partition_dir(id);
        std::fs::create_dir_all(&dir).map_err(|source| crate::BrokerError::DataDir {
            path: dir.clone(),
            source,
        })?;
        let shared = Arc::new(PartitionShared {
            id,
            partitions_count: config.partitions_count,
            config: PartitionSettings {
                max_commands_in_flight: config.processing.max_commands_in_flight,
                due_batch_size: config.processing.due_batch_size,
                resend_interval: config.processing.resend_interval,
            },
            metrics,
            router,
            jobs_available,
            job_streams,
            serving: AtomicBool::new(false),
        });
        let members = config.members();
        let replicas = config
            .replicas_of(id)
            .into_iter()
            .filter_map(|node| members.get(&node).map(|address| (node, address.clone())))
            .collect();
        let mut replica_config = ReplicaConfig::new(&dir, config.node_id, replicas);
        replica_config.cluster_name = config.cluster_name.clone();
        replica_config.heartbeat_interval = config.processing.heartbeat_interval;
        replica_config.election_timeout_min = config.processing.heartbeat_interval * 3;
        replica_config.election_timeout_max = config.processing.heartbeat_interval * 6;
        replica_config.snapshot_every = Some(config.processing.snapshot_period);
        replica_config.log_flush_delay = config.processing.log_flush_delay;
        // Zeebe's placement makes the first replica of a partition its preferred leader: letting it
        // start the group's first election spreads the leaders over the nodes.
        if config.preferred_leader(id) != config.node_id {
            replica_config.initialize_delay = config.processing.heartbeat_interval * 40;
        }
        // Keep enough log behind a snapshot that commands committed but not yet processed stay readable.
        replica_config.logs_kept_after_snapshot = config
            .processing
            .snapshot_period
            .max(config.processing.max_commands_in_flight as u64);
        let applier = Arc::new(applier::EngineApplier::new(shared.new_engine()));
        let replica = Arc::new(
            PartitionReplica::start(replica_config, applier, network)
                .await
                .map_err(|source| crate::BrokerError::Replication {
                    partition: id,
                    source,
                })?,
        );
        let (submissions, receiver) =
            mpsc::channel(config.processing.max_commands_in_flight.max(1));
        let actor = tokio::spawn(
            run_actor(Arc::clone(&shared), Arc::clone(&replica), receiver)
                .instrument(tracing::info_span!("partition", id = %id)),
        );
        Ok(Partition {
            handle: PartitionHandle {
                shared,
                submissions,
                role: replica.role_watch(),
            },
            replica,
            actor,
        })
    }

    pub(crate) fn handle(&self) -> &PartitionHandle {
        &self.handle
    }

    pub(crate) fn raft(&self) -> &Raft {
        self.replica.raft()
    }

    pub(crate) async fn shutdown(self) {
        let Partition {
            handle,
            replica,
            actor,
        } = self;
        let id = handle.id();
        drop(handle);
        actor.abort();
        let _ = actor.await;
        match Arc::try_unwrap(replica) {
            Ok(replica) => {
                if let Err(err) = replica.shutdown().await {
                    error!(partition = %id, error = %err, "replica did not shut down cleanly");
                }
            }
            Err(_) => error!(partition = %id, "replica still in use at shutdown"),
        }
    }
}

/// Follows the replica's role: leads while it is leader, refuses submissions otherwise.
async fn run_actor(
    shared: Arc<PartitionShared>,
    replica: Arc<PartitionReplica>,
    mut submissions: mpsc::Receiver<Submission>,
) {
    let mut roles = replica.role_watch();
    loop {
        let state = *roles.borrow_and_update();
        if state.role == Role::Stopped {
            return;
        }
        if state.role != Role::Leader {
            tokio::select! {
                changed = roles.changed() => if changed.is_err() { return },
                submission = submissions.recv() => match submission {
                    None => return,
                    Some(Submission { reply, .. }) => {
                        if let Some(reply) = reply {
                            let _ = reply.send(Err(PartitionError::NotLeader { partition: shared.id, leader: state.leader }));
                        }
                    }
                },
            }
            continue;
        }
        let result = match leader::Leader::start(&shared, &replica, state.term).await {
            Ok(leader) => leader.run(&mut submissions, &mut roles).await,
            Err(err) => Err(err),
        };
        match result {
            Ok(()) => info!(partition = %shared.id, "stopped leading"),
            Err(err) if err.is_lost_leadership() => {
                info!(partition = %shared.id, reason = %err, "stopped leading")
            }
            Err(err) => {
                error!(partition = %shared.id, error = %err, "processing stopped; retrying after a pause");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        if submissions.is_closed() {
            return;
        }
    }
}
