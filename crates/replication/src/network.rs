//! Pluggable transport between the members of a partition group.
//!
//! [`PartitionReplica::start`](crate::PartitionReplica::start) accepts any openraft
//! [`RaftNetworkFactory`] for [`TypeConfig`]. [`NoPeers`] is the transport of single-member
//! groups: it has nobody to talk to and reports every peer as unreachable. Multi-member groups
//! plug in a real transport (the in-process one in [`crate::in_process`] or, later, gRPC).

use openraft::error::{InstallSnapshotError, RPCError, RaftError, Unreachable};
use openraft::network::RPCOption;
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::{BasicNode, RaftNetwork, RaftNetworkFactory};

use crate::types::{NodeId, TypeConfig};

/// Transport of a group without peers: every RPC fails with [`Unreachable`].
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPeers;

/// Client side of [`NoPeers`] for one target.
#[derive(Clone, Copy, Debug)]
pub struct NoPeersClient {
    target: NodeId,
}

impl NoPeersClient {
    fn unreachable<E: std::error::Error>(&self) -> RPCError<NodeId, BasicNode, E> {
        let reason = std::io::Error::other(format!(
            "no transport configured: cannot reach node {} from a single-member group",
            self.target
        ));
        RPCError::Unreachable(Unreachable::new(&reason))
    }
}

impl RaftNetworkFactory<TypeConfig> for NoPeers {
    type Network = NoPeersClient;

    async fn new_client(&mut self, target: NodeId, _node: &BasicNode) -> Self::Network {
        NoPeersClient { target }
    }
}

impl RaftNetwork<TypeConfig> for NoPeersClient {
    async fn append_entries(
        &mut self,
        _rpc: AppendEntriesRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
        Err(self.unreachable())
    }

    async fn install_snapshot(
        &mut self,
        _rpc: InstallSnapshotRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<NodeId>,
        RPCError<NodeId, BasicNode, RaftError<NodeId, InstallSnapshotError>>,
    > {
        Err(self.unreachable())
    }

    async fn vote(
        &mut self,
        _rpc: VoteRequest<NodeId>,
        _option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
        Err(self.unreachable())
    }
}
