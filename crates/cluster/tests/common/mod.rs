//! Fixtures: nodes with one real cluster service each on 127.0.0.1, hosting a replica of
//! partition 1, a toy applier and a command handler that appends to the local Raft group.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use hornet_cluster::{
    serve, ClusterService, CommandHandler, ExecuteError, PartitionRegistry, Peers, PeersConfig,
    RaftRegistry, ServeError, ServiceConfig,
};
use hornet_protocol::value::MessageRecord;
use hornet_protocol::{
    Document, JobStreamProperties, JobsAvailable, Key, MessageIntent, PartitionId, Position,
    PushedJob, Record, RecordKind, RecordValue,
};
use hornet_replication::{
    Applier, ApplyError, CommittedEntry, NodeId, PartitionReplica, Payload, ReplicaConfig,
    StateBatch, StateStore,
};
use openraft::error::{ClientWriteError, RaftError};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub const P1: PartitionId = PartitionId(1);
pub const CLUSTER: &str = "test-cluster";
pub const TIMEOUT: Duration = Duration::from_secs(20);

const COUNT: &[u8] = b"count";
const SUM: &[u8] = b"sum";

fn read_u64(state: &StateStore, key: &[u8]) -> u64 {
    state
        .get_with(key, |v| {
            v.map_or(0, |v| {
                u64::from_be_bytes(v.try_into().expect("8-byte counter"))
            })
        })
        .expect("state read")
}

/// Toy engine: every payload is a big-endian u64; counts entries and sums their values.
#[derive(Default)]
pub struct CountApplier {
    pub snapshots_installed: Mutex<u32>,
}

impl Applier for CountApplier {
    fn apply(
        &self,
        state: &StateStore,
        entry: &CommittedEntry<'_>,
    ) -> Result<StateBatch, ApplyError> {
        let value: [u8; 8] = entry
            .payload
            .try_into()
            .map_err(|_| ApplyError::Decode(format!("entry {}: expected 8 bytes", entry.index)))?;
        let mut batch = StateBatch::new();
        batch.put(COUNT, (read_u64(state, COUNT) + 1).to_be_bytes());
        batch.put(
            SUM,
            (read_u64(state, SUM) + u64::from_be_bytes(value)).to_be_bytes(),
        );
        Ok(batch)
    }

    fn on_snapshot_installed(&self) {
        *self.snapshots_installed.lock().unwrap() += 1;
    }
}

/// (entries applied, sum of their values) in a replica's state.
pub fn counters(replica: &PartitionReplica) -> (u64, u64) {
    (
        read_u64(replica.state(), COUNT),
        read_u64(replica.state(), SUM),
    )
}

/// Executes MESSAGE PUBLISH commands: on the partition's leader, appends the message's
/// time-to-live as an entry and answers MESSAGE PUBLISHED at the entry's position.
///
/// Delivered commands are only recorded; each one also announces jobs of type `delivered` on its
/// partition, so tests can watch notices travel between nodes. Job streams are recorded with their
/// sinks, so tests can push as a leader would.
pub struct PublishHandler {
    pub registry: RaftRegistry,
    pub executed: Mutex<Vec<Key>>,
    pub delivered: Mutex<Vec<(PartitionId, Key)>>,
    pub jobs_available: broadcast::Sender<JobsAvailable>,
    pub job_streams: Mutex<Vec<(JobStreamProperties, mpsc::Sender<PushedJob>)>>,
    /// Job streams whose registration is still held.
    pub open_streams: Arc<AtomicUsize>,
}

/// Counts itself out of [`PublishHandler::open_streams`] when the stream closes.
struct StreamRegistration(Arc<AtomicUsize>);

impl Drop for StreamRegistration {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl CommandHandler for PublishHandler {
    async fn execute(
        &self,
        partition: PartitionId,
        command: Record,
        _deadline: Instant,
    ) -> Result<Record, ExecuteError> {
        let raft = self
            .registry
            .raft(partition)
            .ok_or(ExecuteError::PartitionNotFound(partition))?;
        let RecordValue::Message(MessageIntent::Publish, message) = &command.value else {
            return Err(ExecuteError::InvalidCommand(format!(
                "expected MESSAGE PUBLISH, got {:?} {}",
                command.value.value_type(),
                command.value.intent_name()
            )));
        };
        let value = u64::try_from(message.time_to_live)
            .map_err(|_| ExecuteError::InvalidCommand("negative time to live".into()))?;
        let written = raft
            .client_write(Payload(Bytes::copy_from_slice(&value.to_be_bytes())))
            .await
            .map_err(|err| match err {
                RaftError::APIError(ClientWriteError::ForwardToLeader(forward)) => {
                    ExecuteError::NotLeader {
                        leader: forward.leader_id,
                        leader_address: None,
                    }
                }
                other => ExecuteError::Unavailable(other.to_string()),
            })?;
        let index = written.log_id.index;
        self.executed.lock().unwrap().push(command.key);
        Ok(Record {
            position: Position::new(index, 0),
            source_position: None,
            key: Key::new(partition, index),
            timestamp: command.timestamp,
            kind: RecordKind::Event,
            request: command.request,
            value: RecordValue::Message(MessageIntent::Published, message.clone()),
        })
    }

    fn deliver(&self, partition: PartitionId, command: Record) -> Result<(), ExecuteError> {
        self.delivered
            .lock()
            .unwrap()
            .push((partition, command.key));
        let _ = self.jobs_available.send(JobsAvailable {
            partition,
            job_type: "delivered".into(),
        });
        Ok(())
    }

    fn is_healthy(&self, partition: PartitionId) -> bool {
        self.registry.raft(partition).is_some()
    }

    fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable> {
        self.jobs_available.subscribe()
    }

    fn open_job_stream(
        &self,
        properties: JobStreamProperties,
        sink: mpsc::Sender<PushedJob>,
    ) -> Box<dyn Send + Sync> {
        self.job_streams.lock().unwrap().push((properties, sink));
        self.open_streams.fetch_add(1, Ordering::SeqCst);
        Box::new(StreamRegistration(Arc::clone(&self.open_streams)))
    }
}

pub fn publish(time_to_live: i64) -> Record {
    let mut record = Record::command(
        Key::NONE,
        RecordValue::Message(
            MessageIntent::Publish,
            MessageRecord {
                name: "order-paid".into(),
                correlation_key: "order-1".into(),
                time_to_live,
                message_id: String::new(),
                variables: Document::empty(),
                deadline: -1,
                tenant_id: "<default>".into(),
            },
        ),
    );
    record.timestamp = 1_700_000_000_000;
    record
}

/// One running node: its cluster service and its replica of partition 1.
pub struct Node {
    pub id: NodeId,
    pub addr: SocketAddr,
    pub registry: RaftRegistry,
    pub peers: Peers,
    pub handler: Arc<PublishHandler>,
    pub applier: Arc<CountApplier>,
    pub replica: PartitionReplica,
    stop_server: oneshot::Sender<()>,
    server: JoinHandle<Result<(), ServeError>>,
}

#[derive(Clone, Debug)]
pub struct NodeSetup {
    pub root: PathBuf,
    pub members: BTreeMap<NodeId, String>,
    pub snapshot_every: Option<u64>,
}

impl Node {
    pub async fn start(setup: &NodeSetup, id: NodeId, listener: TcpListener) -> Node {
        let addr = listener.local_addr().unwrap();
        let registry = RaftRegistry::new();
        let peers = Peers::new(PeersConfig::new(id, CLUSTER));
        let handler = Arc::new(PublishHandler {
            registry: registry.clone(),
            executed: Mutex::new(Vec::new()),
            delivered: Mutex::new(Vec::new()),
            jobs_available: broadcast::channel(64).0,
            job_streams: Mutex::new(Vec::new()),
            open_streams: Arc::new(AtomicUsize::new(0)),
        });
        let service = ClusterService::new(
            ServiceConfig::new(id, CLUSTER),
            Arc::new(registry.clone()),
            Arc::clone(&handler) as Arc<dyn CommandHandler>,
        );
        let (stop_server, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, service, async move {
            let _ = stopped.await;
        }));

        let applier = Arc::new(CountApplier::default());
        let mut config = ReplicaConfig::new(node_dir(&setup.root, id), id, setup.members.clone());
        config.cluster_name = CLUSTER.to_string();
        config.snapshot_every = setup.snapshot_every;
        config.logs_kept_after_snapshot = 5;
        let replica = PartitionReplica::start(config, Arc::clone(&applier), peers.raft_network(P1))
            .await
            .unwrap();
        registry.register(P1, replica.raft().clone());
        Node {
            id,
            addr,
            registry,
            peers,
            handler,
            applier,
            replica,
            stop_server,
            server,
        }
    }

    /// Stops the node as a process exit would: the partition, then the server.
    pub async fn stop(self) {
        self.registry.unregister(P1);
        self.replica.shutdown().await.unwrap();
        let _ = self.stop_server.send(());
        tokio::time::timeout(TIMEOUT, self.server)
            .await
            .expect("server stops in time")
            .expect("server task")
            .expect("server ran without error");
    }
}

fn node_dir(root: &Path, id: NodeId) -> PathBuf {
    root.join(format!("node-{id}"))
}

/// Binds `count` loopback ports and returns the setup of a group over them.
pub async fn bind_nodes(
    root: &Path,
    count: u64,
    snapshot_every: Option<u64>,
) -> (NodeSetup, Vec<(NodeId, TcpListener)>) {
    let mut listeners = Vec::new();
    let mut members = BTreeMap::new();
    for id in 1..=count {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        members.insert(id, listener.local_addr().unwrap().to_string());
        listeners.push((id, listener));
    }
    let setup = NodeSetup {
        root: root.to_path_buf(),
        members,
        snapshot_every,
    };
    (setup, listeners)
}

/// Starts a group of `count` nodes.
pub async fn start_group(
    root: &Path,
    count: u64,
    snapshot_every: Option<u64>,
) -> (NodeSetup, Vec<Node>) {
    let (setup, listeners) = bind_nodes(root, count, snapshot_every).await;
    let mut nodes = Vec::new();
    for (id, listener) in listeners {
        nodes.push(Node::start(&setup, id, listener).await);
    }
    (setup, nodes)
}

/// Restarts node `id` on its old address and directory.
pub async fn restart(setup: &NodeSetup, id: NodeId) -> Node {
    let addr: SocketAddr = setup.members[&id].parse().unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let listener = loop {
        match TcpListener::bind(addr).await {
            Ok(listener) => break listener,
            Err(err) if Instant::now() < deadline => {
                tracing::debug!(%addr, %err, "port not free yet");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => panic!("cannot rebind {addr}: {err}"),
        }
    };
    Node::start(setup, id, listener).await
}

/// Waits until exactly one of `nodes` leads and all of them agree; returns its position.
pub async fn agreed_leader(nodes: &[Node]) -> usize {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let leaders: Vec<usize> = (0..nodes.len())
            .filter(|i| nodes[*i].replica.is_leader())
            .collect();
        if let [leader] = leaders[..] {
            let id = nodes[leader].id;
            if nodes.iter().all(|n| n.replica.leader_id() == Some(id)) {
                return leader;
            }
        }
        assert!(Instant::now() < deadline, "no agreed leader in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn wait_applied(replica: &PartitionReplica, index: u64) {
    let mut applied = replica.applied_watch();
    tokio::time::timeout(TIMEOUT, applied.wait_for(|i| *i >= index))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "node {} applied only up to {} (wanted {index})",
                replica.node_id(),
                replica.last_applied()
            )
        })
        .expect("applied watch closed");
}

/// Appends `values` on `leader` (pipelined) and returns the last index once all committed.
pub async fn append_values(leader: &PartitionReplica, values: impl Iterator<Item = u64>) -> u64 {
    let mut receipts = Vec::new();
    for value in values {
        receipts.push(
            leader
                .append(Bytes::copy_from_slice(&value.to_be_bytes()))
                .await
                .unwrap(),
        );
    }
    let mut last = 0;
    for receipt in receipts {
        last = last.max(receipt.await.unwrap().index);
    }
    last
}
