//! Hornet's internal cluster transport (port 26502).
//!
//! Every partition is an openraft group replicated over the cluster's nodes. The nodes talk to
//! each other over one gRPC service, `hornet_cluster.Cluster` (see `proto/cluster.proto`),
//! multiplexed by partition:
//!
//! - **Raft RPCs** (append entries, vote, chunked install snapshot) carry openraft's own request
//!   and response types serialized with postcard. [`GrpcRaftNetwork`] is the openraft
//!   `RaftNetworkFactory` of one partition; the receiving [`ClusterService`] hands each message
//!   to the partition's `Raft` found in its [`PartitionRegistry`].
//! - **Command forwarding** lets a gateway on any node reach a partition's leader:
//!   [`Peers::forward_execute`] sends a command record to a node whose [`CommandHandler`] runs
//!   it and returns the response record.
//! - **Node status** ([`Peers::node_status`]) reports the partitions a node hosts with their
//!   role, term and leader, for topology.
//!
//! All outgoing traffic of a node shares one lazily connected HTTP/2 channel per peer address,
//! kept by [`Peers`].
//!
//! # Wiring a broker
//!
//! ```text
//! let peers = Peers::new(PeersConfig::new(node_id, cluster_name));
//! let registry = RaftRegistry::new();
//! let service = ClusterService::new(
//!     ServiceConfig::new(node_id, cluster_name),   // + command_address, version
//!     Arc::new(registry.clone()),
//!     Arc::new(my_command_handler),                 // impl CommandHandler
//! );
//! let listener = bind("0.0.0.0:26502".parse()?).await?;
//! tokio::spawn(serve(listener, service, shutdown_signal));
//!
//! // per partition; members map node id -> that node's cluster address ("host:26502")
//! let replica = PartitionReplica::start(config, applier, peers.raft_network(partition)).await?;
//! registry.register(partition, replica.raft().clone());
//! // ... and registry.unregister(partition) before replica.shutdown()
//!
//! // gateway side, for a partition led by another node
//! let response = peers.forward_execute(&leader_cluster_address, partition, &command, timeout).await;
//! ```
//!
//! The addresses in a group's membership (`ReplicaConfig::members`) are what
//! [`GrpcRaftNetwork`] dials, so they must be the nodes' cluster addresses. Raft messages for a
//! partition a node has not registered (yet) are answered `NOT_FOUND`, which the sender treats
//! as unreachable and retries after [`PeersConfig::unreachable_backoff`]: nodes may start their
//! partitions in any order.

mod codec;
mod directory;
mod error;
mod handler;
mod job_stream;
mod network;
mod peers;
mod registry;
mod server;
mod service;
mod status;
mod wire;

pub use directory::{Directory, DirectoryConfig, MemberView};
pub use error::{ClusterError, ExecuteError, ServeError};
pub use handler::CommandHandler;
pub use network::{GrpcRaftClient, GrpcRaftNetwork};
pub use peers::{Peers, PeersConfig};
pub use registry::{PartitionRegistry, RaftRegistry};
pub use server::{bind, serve};
pub use service::{ClusterService, ServiceConfig};
pub use status::{ClusterShape, NodeStatus, PartitionStatus};

/// The default port of internal cluster traffic.
pub const DEFAULT_CLUSTER_PORT: u16 = 26502;

/// Default limit of one encoded gRPC message in either direction: large enough for a full
/// append-entries batch or a snapshot chunk (openraft's default chunk is 3 MiB).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;
