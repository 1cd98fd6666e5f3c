//! [`Peers`]: this node's connections to the other nodes, and the requests it sends them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hornet_api::hornet_cluster as pb;
use hornet_api::hornet_cluster::cluster_client::ClusterClient;
use hornet_protocol::{JobStreamProperties, PartitionId, Position, Record};
use hornet_replication::NodeId;
use tokio::time::Instant;
use tonic::transport::{Channel, Endpoint};

use crate::codec;
use crate::error::ClusterError;
use crate::job_stream;
use crate::network::GrpcRaftNetwork;
use crate::status::NodeStatus;
use crate::wire;

/// How this node talks to its peers.
#[derive(Clone, Debug)]
pub struct PeersConfig {
    /// This node's id (named in openraft's timeout errors).
    pub node_id: NodeId,
    /// Name of the cluster, sent with every Raft message and checked by the receiver.
    pub cluster_name: String,
    /// Limit of establishing a TCP connection to a peer.
    pub connect_timeout: Duration,
    /// How long openraft waits before retrying a peer that was unreachable.
    pub unreachable_backoff: Duration,
    /// Largest encoded message sent or accepted.
    pub max_message_size: usize,
    /// Extra time granted to a forwarded command beyond its deadline before giving up locally,
    /// so that the executing node's own deadline answer arrives first.
    pub forward_grace: Duration,
}

impl PeersConfig {
    /// Defaults for a node of `cluster_name`.
    pub fn new(node_id: NodeId, cluster_name: impl Into<String>) -> Self {
        Self {
            node_id,
            cluster_name: cluster_name.into(),
            connect_timeout: Duration::from_secs(1),
            unreachable_backoff: Duration::from_millis(200),
            max_message_size: crate::DEFAULT_MAX_MESSAGE_SIZE,
            forward_grace: Duration::from_millis(500),
        }
    }
}

struct Shared {
    config: PeersConfig,
    /// One channel per peer address; a tonic channel reconnects by itself, so an entry stays
    /// valid across peer restarts.
    channels: Mutex<BTreeMap<String, Channel>>,
}

/// This node's outgoing cluster connections: one lazily connected HTTP/2 channel per peer
/// address, shared by every partition's Raft traffic and by forwarded requests. Cheap to clone.
#[derive(Clone)]
pub struct Peers {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Peers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let channels = self.lock();
        f.debug_struct("Peers")
            .field("node_id", &self.shared.config.node_id)
            .field("cluster_name", &self.shared.config.cluster_name)
            .field("peers", &channels.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Whether `status` reports the request's own deadline running out: tonic's client answers
/// `Cancelled` ("Timeout expired") when the request timeout passes, the server
/// `DeadlineExceeded`.
pub(crate) fn is_timeout(status: &tonic::Status, started: Instant, timeout: Duration) -> bool {
    match status.code() {
        tonic::Code::DeadlineExceeded => true,
        tonic::Code::Cancelled => started.elapsed() >= timeout,
        _ => false,
    }
}

/// The URI of a peer address: `host:port` gets the `http` scheme, a full URI is kept.
fn peer_uri(address: &str) -> String {
    if address.contains("://") {
        address.to_string()
    } else {
        format!("http://{address}")
    }
}

impl Peers {
    pub fn new(config: PeersConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                config,
                channels: Mutex::new(BTreeMap::new()),
            }),
        }
    }

    pub fn config(&self) -> &PeersConfig {
        &self.shared.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Channel>> {
        self.shared
            .channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The Raft transport of `partition` for openraft (pass it to
    /// `PartitionReplica::start`). Peer addresses come from the group's membership.
    pub fn raft_network(&self, partition: PartitionId) -> GrpcRaftNetwork {
        GrpcRaftNetwork::new(self.clone(), partition)
    }

    /// The channel to `address`, created (without connecting) on first use. Must be called
    /// within a Tokio runtime.
    pub fn channel(&self, address: &str) -> Result<Channel, ClusterError> {
        let mut channels = self.lock();
        if let Some(channel) = channels.get(address) {
            return Ok(channel.clone());
        }
        let endpoint = Endpoint::from_shared(peer_uri(address)).map_err(|err| {
            ClusterError::InvalidAddress {
                address: address.to_string(),
                reason: err.to_string(),
            }
        })?;
        let channel = endpoint
            .connect_timeout(self.shared.config.connect_timeout)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(10))
            .keep_alive_timeout(Duration::from_secs(5))
            .keep_alive_while_idle(true)
            .connect_lazy();
        channels.insert(address.to_string(), channel.clone());
        Ok(channel)
    }

    /// A gRPC client of the `Cluster` service at `address`.
    pub(crate) fn client(&self, address: &str) -> Result<ClusterClient<Channel>, ClusterError> {
        let size = self.shared.config.max_message_size;
        Ok(ClusterClient::new(self.channel(address)?)
            .max_decoding_message_size(size)
            .max_encoding_message_size(size))
    }

    /// Drops the channel to `address` (for a peer that left the cluster).
    pub fn forget(&self, address: &str) {
        self.lock().remove(address);
    }

    /// Asks the node at `peer` to execute `command` on `partition` (it must lead the partition)
    /// and returns the response record, with its position. `timeout` bounds the whole
    /// exchange; the executing node stops waiting for the command's outcome when it runs out.
    pub async fn forward_execute(
        &self,
        peer: &str,
        partition: PartitionId,
        command: &Record,
        timeout: Duration,
    ) -> Result<Record, ClusterError> {
        let bytes = codec::encode("command record", command).map_err(ClusterError::Encode)?;
        let deadline_ms = u64::try_from(timeout.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut request = tonic::Request::new(pb::ExecuteRequest {
            partition: u32::from(partition.get()),
            command: bytes,
            deadline_ms,
        });
        let local_timeout = timeout.saturating_add(self.shared.config.forward_grace);
        request.set_timeout(local_timeout);
        let mut client = self.client(peer)?;
        let response = call_with_timeout(peer, local_timeout, client.execute(request)).await?;
        match response.result {
            Some(pb::execute_response::Result::Record(bytes)) => {
                let mut record: Record =
                    codec::decode("response record", &bytes).map_err(|reason| {
                        ClusterError::Decode {
                            peer: peer.to_string(),
                            reason,
                        }
                    })?;
                record.position = Position(response.record_position);
                Ok(record)
            }
            Some(pb::execute_response::Result::Error(error)) => Err(ClusterError::Rejected {
                peer: peer.to_string(),
                partition,
                error: wire::execute_error_from_wire(partition, error),
            }),
            None => Err(ClusterError::Decode {
                peer: peer.to_string(),
                reason: "execute response holds neither a record nor an error".to_string(),
            }),
        }
    }

    /// Hands `command` to `partition`'s leader at `peer` without waiting for its outcome (see
    /// [`CommandHandler::deliver`](crate::CommandHandler::deliver)).
    pub async fn deliver(
        &self,
        peer: &str,
        partition: PartitionId,
        command: &Record,
        timeout: Duration,
    ) -> Result<(), ClusterError> {
        let bytes = codec::encode("command record", command).map_err(ClusterError::Encode)?;
        let mut request = tonic::Request::new(pb::DeliverRequest {
            partition: u32::from(partition.get()),
            command: bytes,
        });
        request.set_timeout(timeout);
        let mut client = self.client(peer)?;
        let response = call_with_timeout(peer, timeout, client.deliver(request)).await?;
        match response.error {
            None => Ok(()),
            Some(error) => Err(ClusterError::Rejected {
                peer: peer.to_string(),
                partition,
                error: wire::execute_error_from_wire(partition, error),
            }),
        }
    }

    /// Job notices of the partitions `peer` leads, until the connection ends.
    pub async fn watch_jobs_available(
        &self,
        peer: &str,
    ) -> Result<tonic::Streaming<pb::JobsAvailableNotice>, ClusterError> {
        let mut client = self.client(peer)?;
        client
            .watch_jobs_available(pb::WatchJobsAvailableRequest {})
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| ClusterError::from_status(peer, &status))
    }

    /// A job stream with the partitions `peer` leads, until the connection ends.
    pub async fn open_job_stream(
        &self,
        peer: &str,
        properties: &JobStreamProperties,
    ) -> Result<tonic::Streaming<pb::PushedJobMessage>, ClusterError> {
        let mut client = self.client(peer)?;
        client
            .open_job_stream(job_stream::properties_to_wire(properties))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| ClusterError::from_status(peer, &status))
    }

    /// The status of the node at `peer`: its id and the partitions it hosts.
    pub async fn node_status(
        &self,
        peer: &str,
        timeout: Duration,
    ) -> Result<NodeStatus, ClusterError> {
        let mut request = tonic::Request::new(pb::NodeStatusRequest {});
        request.set_timeout(timeout);
        let mut client = self.client(peer)?;
        let response = call_with_timeout(peer, timeout, client.node_status(request)).await?;
        wire::node_status_from_wire(response).map_err(|reason| ClusterError::Decode {
            peer: peer.to_string(),
            reason,
        })
    }
}

/// Awaits a unary call to `peer` for at most `timeout`.
async fn call_with_timeout<T>(
    peer: &str,
    timeout: Duration,
    call: impl std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> Result<T, ClusterError> {
    let started = Instant::now();
    let timed_out = || ClusterError::Timeout {
        peer: peer.to_string(),
        timeout,
    };
    match tokio::time::timeout(timeout, call).await {
        Err(_) => Err(timed_out()),
        Ok(Err(status)) if is_timeout(&status, started, timeout) => Err(timed_out()),
        Ok(Err(status)) => Err(ClusterError::from_status(peer, &status)),
        Ok(Ok(response)) => Ok(response.into_inner()),
    }
}
