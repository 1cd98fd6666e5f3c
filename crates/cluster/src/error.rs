//! Errors at the crate boundary.

use std::net::SocketAddr;
use std::time::Duration;

use hornet_protocol::PartitionId;
use hornet_replication::NodeId;

/// Why a node did not execute a command (returned by a [`CommandHandler`](crate::CommandHandler)
/// and carried back to the forwarding node).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExecuteError {
    /// The node hosts the partition but does not lead it.
    #[error("not the partition's leader (leader: {})", leader_text(*.leader, .leader_address.as_deref()))]
    NotLeader {
        /// The leader as the refusing node knows it.
        leader: Option<NodeId>,
        /// The leader's cluster address, when known.
        leader_address: Option<String>,
    },
    /// The node does not host the partition.
    #[error("partition {0} is not hosted by this node")]
    PartitionNotFound(PartitionId),
    /// The partition refuses work for now (backpressure).
    #[error("resource exhausted: {0}")]
    ResourceExhausted(String),
    /// The command was not answered within its deadline.
    #[error("no response within the deadline: {0}")]
    DeadlineExceeded(String),
    /// The command cannot be executed as sent.
    #[error("invalid command: {0}")]
    InvalidCommand(String),
    /// The partition cannot process now (starting, stopping, failed).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Any other failure.
    #[error("internal error: {0}")]
    Internal(String),
}

fn leader_text(leader: Option<NodeId>, address: Option<&str>) -> String {
    match (leader, address) {
        (Some(id), Some(address)) => format!("node {id} at {address}"),
        (Some(id), None) => format!("node {id}"),
        (None, _) => "unknown".to_string(),
    }
}

/// Failure of a request to another node.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The peer address cannot be turned into an endpoint.
    #[error("invalid peer address {address:?}: {reason}")]
    InvalidAddress { address: String, reason: String },
    /// The peer cannot be reached (connection refused, reset, shutting down).
    #[error("node at {peer} is unreachable: {reason}")]
    Unreachable { peer: String, reason: String },
    /// The peer did not answer in time.
    #[error("node at {peer} did not answer within {timeout:?}")]
    Timeout { peer: String, timeout: Duration },
    /// The peer answered with a gRPC error status.
    #[error("node at {peer} answered {code:?}: {message}")]
    Status {
        peer: String,
        code: tonic::Code,
        message: String,
    },
    /// The peer refused to execute the command.
    #[error("node at {peer} did not execute the command for partition {partition}: {error}")]
    Rejected {
        peer: String,
        partition: PartitionId,
        error: ExecuteError,
    },
    /// A value could not be encoded for sending.
    #[error("{0}")]
    Encode(String),
    /// The peer's answer could not be decoded.
    #[error("bad answer from node at {peer}: {reason}")]
    Decode { peer: String, reason: String },
    /// No member is known to lead the partition (an election is running, or its nodes are down).
    #[error("partition {0} has no known leader")]
    NoLeader(PartitionId),
    /// A node was named (as a leader) that is not a configured member.
    #[error("node {0} is not a member of the cluster")]
    UnknownNode(NodeId),
}

impl ClusterError {
    /// Maps a gRPC status from `peer` to the error it stands for.
    pub(crate) fn from_status(peer: &str, status: &tonic::Status) -> Self {
        match status.code() {
            tonic::Code::Unavailable => ClusterError::Unreachable {
                peer: peer.to_string(),
                reason: status.message().to_string(),
            },
            code => ClusterError::Status {
                peer: peer.to_string(),
                code,
                message: status.message().to_string(),
            },
        }
    }
}

/// Failure to serve the cluster service.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listening address could not be bound.
    #[error("cannot listen for cluster traffic on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The gRPC server failed.
    #[error("the cluster gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}
