//! In-process transport: members of a group living in the same process call each other's
//! openraft handles directly. Used by tests of multi-member groups (and usable by the broker's
//! own tests); members can be isolated to simulate network partitions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use openraft::error::{InstallSnapshotError, RPCError, RaftError, RemoteError, Unreachable};
use openraft::network::RPCOption;
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::{BasicNode, RaftNetwork, RaftNetworkFactory};

use crate::types::{NodeId, Raft, TypeConfig};

#[derive(Default)]
struct Routes {
    members: BTreeMap<NodeId, Raft>,
    isolated: BTreeSet<NodeId>,
}

/// Delivers RPCs between the registered members of one group.
#[derive(Clone, Default)]
pub struct InProcessRouter {
    routes: Arc<Mutex<Routes>>,
}

impl std::fmt::Debug for InProcessRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let routes = self.lock();
        f.debug_struct("InProcessRouter")
            .field("members", &routes.members.keys().collect::<Vec<_>>())
            .field("isolated", &routes.isolated)
            .finish()
    }
}

impl InProcessRouter {
    /// A router without members.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Routes> {
        self.routes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The transport for member `from` to pass to [`PartitionReplica::start`](crate::PartitionReplica::start).
    pub fn network(&self, from: NodeId) -> InProcessNetwork {
        InProcessNetwork {
            router: self.clone(),
            from,
        }
    }

    /// Makes member `id` reachable through `raft`.
    pub fn register(&self, id: NodeId, raft: Raft) {
        self.lock().members.insert(id, raft);
    }

    /// Makes member `id` unreachable (as if its process were gone).
    pub fn unregister(&self, id: NodeId) {
        self.lock().members.remove(&id);
    }

    /// Cuts member `id` off: nothing it sends or is sent arrives until [`InProcessRouter::heal`].
    pub fn isolate(&self, id: NodeId) {
        self.lock().isolated.insert(id);
    }

    /// Reconnects an isolated member.
    pub fn heal(&self, id: NodeId) {
        self.lock().isolated.remove(&id);
    }

    fn route(&self, from: NodeId, to: NodeId) -> Result<Raft, Unreachable> {
        let routes = self.lock();
        let unreachable = |reason: String| Unreachable::new(&std::io::Error::other(reason));
        if routes.isolated.contains(&from) || routes.isolated.contains(&to) {
            return Err(unreachable(format!("link {from} -> {to} is cut")));
        }
        routes
            .members
            .get(&to)
            .cloned()
            .ok_or_else(|| unreachable(format!("node {to} is not registered")))
    }
}

/// Transport factory of one member.
#[derive(Clone, Debug)]
pub struct InProcessNetwork {
    router: InProcessRouter,
    from: NodeId,
}

/// Client for RPCs from one member to one target.
#[derive(Clone, Debug)]
pub struct InProcessClient {
    router: InProcessRouter,
    from: NodeId,
    target: NodeId,
}

impl RaftNetworkFactory<TypeConfig> for InProcessNetwork {
    type Network = InProcessClient;

    async fn new_client(&mut self, target: NodeId, _node: &BasicNode) -> Self::Network {
        InProcessClient {
            router: self.router.clone(),
            from: self.from,
            target,
        }
    }
}

impl RaftNetwork<TypeConfig> for InProcessClient {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
        let raft = self.router.route(self.from, self.target)?;
        raft.append_entries(rpc)
            .await
            .map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        _option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<NodeId>,
        RPCError<NodeId, BasicNode, RaftError<NodeId, InstallSnapshotError>>,
    > {
        let raft = self.router.route(self.from, self.target)?;
        raft.install_snapshot(rpc)
            .await
            .map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        _option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RPCError<NodeId, BasicNode, RaftError<NodeId>>> {
        let raft = self.router.route(self.from, self.target)?;
        raft.vote(rpc)
            .await
            .map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}
