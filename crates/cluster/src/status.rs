//! What a node reports about itself for topology.

use hornet_protocol::PartitionId;
use hornet_replication::{NodeId, Role};

/// Role, term and leader of one partition replica hosted by a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionStatus {
    pub partition: PartitionId,
    pub role: Role,
    pub term: u64,
    /// The leader as the node knows it.
    pub leader: Option<NodeId>,
    /// Index of the last entry applied to the replica's state.
    pub last_applied: u64,
    /// The replica runs and, if it leads, its processor is serving.
    pub healthy: bool,
}

/// The cluster's static shape as a node is configured; zero fields mean "not said".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClusterShape {
    pub cluster_size: u32,
    pub partitions_count: u16,
    pub replication_factor: u32,
}

/// A node's answer to a node-status request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    pub node_id: NodeId,
    pub cluster_name: String,
    pub version: String,
    /// Where clients of the broker's command API reach the node, if it says.
    pub command_address: Option<String>,
    /// Sorted by partition id.
    pub partitions: Vec<PartitionStatus>,
    pub shape: ClusterShape,
}
