//! [`ClusterService`]: the receiving side of the cluster protocol.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hornet_api::hornet_cluster as pb;
use hornet_api::hornet_cluster::cluster_server::Cluster;
use hornet_protocol::{PartitionId, Record};
use hornet_replication::{NodeId, Raft};
use openraft::error::RaftError;
use openraft::ServerState;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

use crate::codec;
use crate::error::ExecuteError;
use crate::handler::CommandHandler;
use crate::job_stream;
use crate::registry::PartitionRegistry;
use crate::status::{ClusterShape, NodeStatus, PartitionStatus};
use crate::wire;

/// Settings of a node's cluster service.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// This node's id.
    pub node_id: NodeId,
    /// Raft messages naming another cluster are refused.
    pub cluster_name: String,
    /// Reported in node status.
    pub version: String,
    /// Where clients of the broker's command API reach this node, reported in node status.
    pub command_address: Option<String>,
    /// The cluster's shape, reported in node status.
    pub shape: ClusterShape,
    /// Deadline of a forwarded command that does not state one.
    pub default_execute_timeout: Duration,
    /// Upper bound of any forwarded command's deadline.
    pub max_execute_timeout: Duration,
    /// Largest encoded message accepted or sent.
    pub max_message_size: usize,
}

impl ServiceConfig {
    /// Defaults for node `node_id` of `cluster_name`.
    pub fn new(node_id: NodeId, cluster_name: impl Into<String>) -> Self {
        Self {
            node_id,
            cluster_name: cluster_name.into(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            command_address: None,
            shape: ClusterShape::default(),
            default_execute_timeout: Duration::from_secs(15),
            max_execute_timeout: Duration::from_secs(300),
            max_message_size: crate::DEFAULT_MAX_MESSAGE_SIZE,
        }
    }
}

/// Serves the `hornet_cluster.Cluster` gRPC service of one node: delivers Raft messages to the
/// partitions in its [`PartitionRegistry`], runs forwarded commands through its
/// [`CommandHandler`], and reports node status from the registered partitions' Raft metrics.
#[derive(Clone)]
pub struct ClusterService {
    inner: Arc<Inner>,
}

struct Inner {
    /// Set when the server shuts down, so that endless streams end and the server can drain.
    closing: tokio::sync::watch::Sender<bool>,
    config: ServiceConfig,
    registry: Arc<dyn PartitionRegistry>,
    handler: Arc<dyn CommandHandler>,
}

impl std::fmt::Debug for ClusterService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterService")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Cluster address of `node` in `raft`'s current membership.
fn member_address(raft: &Raft, node: NodeId) -> Option<String> {
    let metrics = raft.metrics();
    let metrics = metrics.borrow();
    metrics
        .membership_config
        .membership()
        .get_node(&node)
        .map(|n| n.addr.clone())
}

impl ClusterService {
    pub fn new(
        config: ServiceConfig,
        registry: Arc<dyn PartitionRegistry>,
        handler: Arc<dyn CommandHandler>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                closing: tokio::sync::watch::channel(false).0,
                config,
                registry,
                handler,
            }),
        }
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// Ends the service's streams (job notices, job streams); called when its server shuts down.
    pub(crate) fn close(&self) {
        self.inner.closing.send_replace(true);
    }

    /// `stream`, ended when the service closes, so that the server can drain.
    fn until_closing<T>(
        &self,
        stream: impl Stream<Item = T> + Send + 'static,
    ) -> std::pin::Pin<Box<dyn Stream<Item = T> + Send>> {
        let mut closing = self.inner.closing.subscribe();
        let closed = async move {
            let _ = closing.wait_for(|closing| *closing).await;
        };
        Box::pin(futures::StreamExt::take_until(stream, Box::pin(closed)))
    }

    /// This node's status, as [`Peers::node_status`](crate::Peers::node_status) reports it.
    pub fn node_status(&self) -> NodeStatus {
        let config = &self.inner.config;
        let partitions = self
            .inner
            .registry
            .partitions()
            .into_iter()
            .map(|(partition, raft)| {
                let metrics = raft.metrics();
                let metrics = metrics.borrow();
                PartitionStatus {
                    partition,
                    role: metrics.state.into(),
                    term: metrics.current_term,
                    leader: metrics.current_leader,
                    last_applied: metrics.last_applied.map_or(0, |id| id.index),
                    healthy: metrics.state != ServerState::Shutdown
                        && self.inner.handler.is_healthy(partition),
                }
            })
            .collect();
        NodeStatus {
            node_id: config.node_id,
            cluster_name: config.cluster_name.clone(),
            version: config.version.clone(),
            command_address: config.command_address.clone(),
            partitions,
            shape: config.shape,
        }
    }

    fn hosted(&self, wire_partition: u32) -> Result<(PartitionId, Raft), Status> {
        let partition = wire::partition_id(wire_partition).map_err(Status::invalid_argument)?;
        let raft = self.inner.registry.raft(partition).ok_or_else(|| {
            Status::not_found(format!(
                "node {} does not host partition {partition}",
                self.inner.config.node_id
            ))
        })?;
        Ok((partition, raft))
    }

    /// Decodes a Raft request for a hosted partition of this cluster, runs it through `call`
    /// and encodes the outcome.
    async fn raft_rpc<Req, Resp, E, F, Fut>(
        &self,
        request: Request<pb::RaftRequest>,
        what: &'static str,
        call: F,
    ) -> Result<Response<pb::RaftReply>, Status>
    where
        Req: DeserializeOwned,
        Resp: Serialize,
        E: Serialize + std::error::Error,
        F: FnOnce(Raft, Req) -> Fut,
        Fut: Future<Output = Result<Resp, RaftError<NodeId, E>>>,
    {
        let request = request.into_inner();
        if request.cluster_name != self.inner.config.cluster_name {
            return Err(Status::failed_precondition(format!(
                "{what} for cluster {:?} reached node {} of cluster {:?}",
                request.cluster_name, self.inner.config.node_id, self.inner.config.cluster_name
            )));
        }
        let (partition, raft) = self.hosted(request.partition)?;
        let rpc: Req = codec::decode(what, &request.payload)
            .map_err(|e| Status::invalid_argument(format!("partition {partition}: {e}")))?;
        let result = call(raft, rpc).await;
        if let Err(RaftError::Fatal(fatal)) = &result {
            // The member stopped (shutting down or failed); to the sender this node is as good
            // as down, so it should back off rather than treat it as an answer.
            return Err(Status::unavailable(format!(
                "partition {partition} on node {} is not running: {fatal}",
                self.inner.config.node_id
            )));
        }
        let bytes = codec::encode("raft reply", &result).map_err(Status::internal)?;
        Ok(Response::new(pb::RaftReply { result: bytes }))
    }

    async fn execute_command(
        &self,
        request: pb::ExecuteRequest,
    ) -> Result<pb::ExecuteResponse, Status> {
        let config = &self.inner.config;
        let partition = wire::partition_id(request.partition).map_err(Status::invalid_argument)?;
        let outcome = match self.inner.registry.raft(partition) {
            None => Err(ExecuteError::PartitionNotFound(partition)),
            Some(raft) => match codec::decode::<Record>("command record", &request.command) {
                Err(reason) => Err(ExecuteError::InvalidCommand(reason)),
                Ok(command) => {
                    let budget = match request.deadline_ms {
                        0 => config.default_execute_timeout,
                        ms => Duration::from_millis(ms).min(config.max_execute_timeout),
                    };
                    let deadline = tokio::time::Instant::now() + budget;
                    let run = self.inner.handler.execute(partition, command, deadline);
                    match tokio::time::timeout_at(deadline, run).await {
                        Err(_) => Err(ExecuteError::DeadlineExceeded(format!(
                            "partition {partition} on node {} did not answer within {budget:?}",
                            config.node_id
                        ))),
                        Ok(Err(ExecuteError::NotLeader {
                            leader: Some(leader),
                            leader_address: None,
                        })) => Err(ExecuteError::NotLeader {
                            leader: Some(leader),
                            leader_address: member_address(&raft, leader),
                        }),
                        Ok(outcome) => outcome,
                    }
                }
            },
        };
        let response = match outcome {
            Ok(record) => {
                let bytes = codec::encode("response record", &record).map_err(Status::internal)?;
                pb::ExecuteResponse {
                    result: Some(pb::execute_response::Result::Record(bytes)),
                    record_position: record.position.get(),
                }
            }
            Err(error) => {
                tracing::debug!(%partition, %error, "forwarded command not executed");
                pb::ExecuteResponse {
                    result: Some(pb::execute_response::Result::Error(
                        wire::execute_error_to_wire(&error),
                    )),
                    record_position: 0,
                }
            }
        };
        Ok(response)
    }
}

#[tonic::async_trait]
impl Cluster for ClusterService {
    async fn append_entries(
        &self,
        request: Request<pb::RaftRequest>,
    ) -> Result<Response<pb::RaftReply>, Status> {
        self.raft_rpc(request, "append-entries request", |raft, rpc| async move {
            raft.append_entries(rpc).await
        })
        .await
    }

    async fn vote(
        &self,
        request: Request<pb::RaftRequest>,
    ) -> Result<Response<pb::RaftReply>, Status> {
        self.raft_rpc(request, "vote request", |raft, rpc| async move {
            raft.vote(rpc).await
        })
        .await
    }

    async fn install_snapshot(
        &self,
        request: Request<pb::RaftRequest>,
    ) -> Result<Response<pb::RaftReply>, Status> {
        self.raft_rpc(
            request,
            "install-snapshot request",
            |raft, rpc| async move { raft.install_snapshot(rpc).await },
        )
        .await
    }

    async fn execute(
        &self,
        request: Request<pb::ExecuteRequest>,
    ) -> Result<Response<pb::ExecuteResponse>, Status> {
        self.execute_command(request.into_inner())
            .await
            .map(Response::new)
    }

    async fn node_status(
        &self,
        _request: Request<pb::NodeStatusRequest>,
    ) -> Result<Response<pb::NodeStatusResponse>, Status> {
        Ok(Response::new(wire::node_status_to_wire(
            &self.node_status(),
        )))
    }

    async fn deliver(
        &self,
        request: Request<pb::DeliverRequest>,
    ) -> Result<Response<pb::DeliverResponse>, Status> {
        let request = request.into_inner();
        let partition = wire::partition_id(request.partition).map_err(Status::invalid_argument)?;
        let outcome = match self.inner.registry.raft(partition) {
            None => Err(ExecuteError::PartitionNotFound(partition)),
            Some(_) => match codec::decode::<Record>("command record", &request.command) {
                Err(reason) => Err(ExecuteError::InvalidCommand(reason)),
                Ok(command) => self.inner.handler.deliver(partition, command),
            },
        };
        Ok(Response::new(pb::DeliverResponse {
            error: outcome.err().map(|error| {
                tracing::debug!(%partition, %error, "delivered command not taken");
                wire::execute_error_to_wire(&error)
            }),
        }))
    }

    type WatchJobsAvailableStream = JobsAvailableStream;

    async fn watch_jobs_available(
        &self,
        _request: Request<pb::WatchJobsAvailableRequest>,
    ) -> Result<Response<Self::WatchJobsAvailableStream>, Status> {
        let notices = BroadcastStream::new(self.inner.handler.subscribe_jobs_available());
        // A watcher that lags behind loses notices, which only delays its pollers; it keeps
        // watching.
        let stream = notices.filter_map(|notice| {
            notice.ok().map(|notice| {
                Ok(pb::JobsAvailableNotice {
                    partition: u32::from(notice.partition.get()),
                    job_type: notice.job_type,
                })
            })
        });
        Ok(Response::new(self.until_closing(stream)))
    }

    type OpenJobStreamStream = PushedJobStream;

    async fn open_job_stream(
        &self,
        request: Request<pb::OpenJobStreamRequest>,
    ) -> Result<Response<Self::OpenJobStreamStream>, Status> {
        let properties = job_stream::properties_from_wire(request.into_inner())
            .map_err(Status::invalid_argument)?;
        let stream = job_stream::served(Arc::clone(&self.inner.handler), properties);
        Ok(Response::new(self.until_closing(stream)))
    }
}

/// The jobs a node's leaders push to a caller's stream.
pub type PushedJobStream =
    std::pin::Pin<Box<dyn Stream<Item = Result<pb::PushedJobMessage, Status>> + Send>>;

/// The stream of job notices a watching node receives.
pub type JobsAvailableStream =
    std::pin::Pin<Box<dyn Stream<Item = Result<pb::JobsAvailableNotice, Status>> + Send>>;
