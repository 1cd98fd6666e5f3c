//! [`GrpcRaftNetwork`]: openraft's transport for one partition over the cluster service.

use std::time::Duration;

use hornet_api::hornet_cluster as pb;
use hornet_api::hornet_cluster::cluster_client::ClusterClient;
use hornet_protocol::PartitionId;
use hornet_replication::{NodeId, TypeConfig};
use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Timeout, Unreachable,
};
use openraft::network::{Backoff, RPCOption};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::{BasicNode, RPCTypes, RaftNetwork, RaftNetworkFactory};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tonic::transport::Channel;

use crate::codec;
use crate::peers::Peers;

/// openraft network factory of one partition: creates a [`GrpcRaftClient`] per target, using the
/// target's address from the group membership and the channel [`Peers`] keeps for it.
#[derive(Clone, Debug)]
pub struct GrpcRaftNetwork {
    peers: Peers,
    partition: PartitionId,
}

impl GrpcRaftNetwork {
    pub fn new(peers: Peers, partition: PartitionId) -> Self {
        Self { peers, partition }
    }

    pub fn partition(&self) -> PartitionId {
        self.partition
    }
}

impl RaftNetworkFactory<TypeConfig> for GrpcRaftNetwork {
    type Network = GrpcRaftClient;

    async fn new_client(&mut self, target: NodeId, node: &BasicNode) -> Self::Network {
        // An invalid address is kept as an error and reported (as unreachable) on every RPC, so
        // openraft backs off instead of failing the whole group.
        let client = self.peers.client(&node.addr).map_err(|err| err.to_string());
        GrpcRaftClient {
            target,
            node: node.clone(),
            partition: self.partition,
            from: self.peers.config().node_id,
            cluster_name: self.peers.config().cluster_name.clone(),
            backoff: self.peers.config().unreachable_backoff,
            client,
        }
    }
}

/// Sends one partition's Raft RPCs to one target node.
#[derive(Clone, Debug)]
pub struct GrpcRaftClient {
    target: NodeId,
    node: BasicNode,
    partition: PartitionId,
    from: NodeId,
    cluster_name: String,
    backoff: Duration,
    client: Result<ClusterClient<Channel>, String>,
}

/// Why an RPC did not produce the target's answer.
enum Failure {
    /// openraft should back off before retrying the target.
    Unreachable(String),
    /// openraft may retry at once.
    Network(String),
    /// No answer within the RPC's time to live.
    Timeout(Duration),
}

impl Failure {
    fn from_status(status: &tonic::Status) -> Self {
        use tonic::Code;
        let message = format!("{:?}: {}", status.code(), status.message());
        match status.code() {
            // The call itself was interrupted; the peer is presumably fine.
            Code::Cancelled | Code::Aborted => Failure::Network(message),
            // Down, restarting, not (yet) hosting the partition, configured for another cluster,
            // or broken connections (reported as Unknown/Internal): openraft retries a network
            // error at once, which would only spin against such a peer, so it backs off instead.
            _ => Failure::Unreachable(message),
        }
    }
}

impl GrpcRaftClient {
    fn error<E: std::error::Error>(
        &self,
        action: RPCTypes,
        failure: Failure,
    ) -> RPCError<NodeId, BasicNode, E> {
        let describe = |reason: String| {
            std::io::Error::other(format!(
                "{action} for partition {} to node {} at {}: {reason}",
                self.partition, self.target, self.node.addr
            ))
        };
        match failure {
            Failure::Unreachable(reason) => {
                RPCError::Unreachable(Unreachable::new(&describe(reason)))
            }
            Failure::Network(reason) => RPCError::Network(NetworkError::new(&describe(reason))),
            Failure::Timeout(timeout) => RPCError::Timeout(Timeout {
                action,
                id: self.from,
                target: self.target,
                timeout,
            }),
        }
    }

    /// Sends `request` as `action` and decodes the target Raft's result.
    async fn call<Req, Resp, E>(
        &mut self,
        action: RPCTypes,
        request: &Req,
        option: &RPCOption,
    ) -> Result<Resp, RPCError<NodeId, BasicNode, RaftError<NodeId, E>>>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
        E: std::error::Error + DeserializeOwned + 'static,
    {
        let payload = codec::encode("raft request", request)
            .map_err(|reason| self.error(action, Failure::Unreachable(reason)))?;
        let bytes = self
            .send(action, payload, option.hard_ttl())
            .await
            .map_err(|failure| self.error(action, failure))?;
        let result: Result<Resp, RaftError<NodeId, E>> = codec::decode("raft reply", &bytes)
            .map_err(|reason| self.error(action, Failure::Unreachable(reason)))?;
        result.map_err(|remote| {
            RPCError::RemoteError(RemoteError::new_with_node(
                self.target,
                self.node.clone(),
                remote,
            ))
        })
    }

    async fn send(
        &mut self,
        action: RPCTypes,
        payload: Vec<u8>,
        ttl: Duration,
    ) -> Result<Vec<u8>, Failure> {
        let mut client = self.client.clone().map_err(Failure::Unreachable)?;
        let mut request = tonic::Request::new(pb::RaftRequest {
            cluster_name: self.cluster_name.clone(),
            partition: u32::from(self.partition.get()),
            payload,
        });
        // The receiver drops work the sender no longer waits for.
        request.set_timeout(ttl);
        let call = async move {
            match action {
                RPCTypes::AppendEntries => client.append_entries(request).await,
                RPCTypes::Vote => client.vote(request).await,
                RPCTypes::InstallSnapshot => client.install_snapshot(request).await,
            }
        };
        let started = tokio::time::Instant::now();
        match tokio::time::timeout(ttl, call).await {
            Err(_) => Err(Failure::Timeout(ttl)),
            Ok(Err(status)) if crate::peers::is_timeout(&status, started, ttl) => {
                Err(Failure::Timeout(ttl))
            }
            Ok(Err(status)) => Err(Failure::from_status(&status)),
            Ok(Ok(reply)) => Ok(reply.into_inner().result),
        }
    }
}

impl RaftNetwork<TypeConfig> for GrpcRaftClient {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
        self.call(RPCTypes::AppendEntries, &rpc, &option).await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<NodeId>,
        RPCError<NodeId, BasicNode, RaftError<NodeId, InstallSnapshotError>>,
    > {
        self.call(RPCTypes::InstallSnapshot, &rpc, &option).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
        self.call(RPCTypes::Vote, &rpc, &option).await
    }

    fn backoff(&self) -> Backoff {
        Backoff::new(std::iter::repeat(self.backoff))
    }
}
