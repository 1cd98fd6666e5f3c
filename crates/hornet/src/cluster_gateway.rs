//! The gateway's view of the cluster: it executes commands on partition leaders wherever they run.
//!
//! Inside a broker (the embedded gateway), partitions this node leads are served in-process; every
//! other partition is reached through the cluster [`Directory`], which finds its leader and forwards
//! the command over the internal transport. A standalone gateway (`hornet gateway`) has no local
//! partitions and forwards everything. Job streams are opened with every node, so that every
//! partition's leader pushes to them.

use std::sync::Arc;
use std::time::Instant;

use hornet_broker::{Broker, PartitionError, Role};
use hornet_cluster::{ClusterError, Directory, ExecuteError, MemberView, NodeStatus};
use hornet_gateway::{
    BrokerClient, BrokerError, BrokerInfo, ClusterTopology, JobStreamProperties,
    JobStreamRegistration, JobsAvailable, PartitionHealth, PartitionInfo, PartitionRole, PushedJob,
};
use hornet_protocol::{PartitionId, Record};
use tokio::sync::broadcast;

pub struct ClusterGateway {
    /// This node's broker, when the gateway is embedded in one.
    local: Option<Arc<Broker>>,
    directory: Directory,
    jobs_available: broadcast::Sender<JobsAvailable>,
}

/// Re-publishes every notice of `source` on `sink` until `source` closes.
fn forward_notices(
    mut source: broadcast::Receiver<JobsAvailable>,
    sink: broadcast::Sender<JobsAvailable>,
) {
    tokio::spawn(async move {
        loop {
            match source.recv().await {
                Ok(notice) => {
                    let _ = sink.send(notice);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

impl ClusterGateway {
    /// The embedded gateway of `broker`.
    pub fn embedded(broker: Arc<Broker>) -> Arc<ClusterGateway> {
        let directory = broker.directory().clone();
        let gateway = Self::new(Some(Arc::clone(&broker)), directory);
        forward_notices(
            broker.subscribe_jobs_available(),
            gateway.jobs_available.clone(),
        );
        gateway
    }

    /// A gateway of its own, reaching the cluster through `directory`.
    pub fn standalone(directory: Directory) -> Arc<ClusterGateway> {
        Self::new(None, directory)
    }

    fn new(local: Option<Arc<Broker>>, directory: Directory) -> Arc<ClusterGateway> {
        let (jobs_available, _) = broadcast::channel(4096);
        forward_notices(directory.subscribe_jobs_available(), jobs_available.clone());
        Arc::new(ClusterGateway {
            local,
            directory,
            jobs_available,
        })
    }

    async fn execute_remote(
        &self,
        partition: PartitionId,
        command: Record,
        deadline: Instant,
    ) -> Result<Record, BrokerError> {
        let timeout = deadline.saturating_duration_since(Instant::now());
        self.directory
            .execute(partition, &command, timeout)
            .await
            .map_err(|error| broker_error(partition, error))
    }
}

fn local_error(err: PartitionError) -> BrokerError {
    match err {
        PartitionError::Backpressure(_) => BrokerError::Backpressure,
        PartitionError::NotLeader { partition, .. } => BrokerError::PartitionUnavailable {
            partition,
            reason: err.to_string(),
        },
        PartitionError::Stopped { partition, reason } => {
            BrokerError::PartitionUnavailable { partition, reason }
        }
        PartitionError::OutcomeUnknown { partition } => BrokerError::OutcomeUnknown {
            partition,
            reason: err.to_string(),
        },
    }
}

/// What a failed forward means to the gateway: a timeout, or a connection that closed while the
/// request was in flight, leaves open whether the command was appended; every other failure happened
/// before the leader took it, so it may be retried.
fn broker_error(partition: PartitionId, error: ClusterError) -> BrokerError {
    let unavailable = |reason: String| BrokerError::PartitionUnavailable { partition, reason };
    match error {
        ClusterError::Timeout { .. } => BrokerError::Timeout,
        ClusterError::Rejected { error, .. } => match error {
            ExecuteError::ResourceExhausted(_) => BrokerError::Backpressure,
            ExecuteError::DeadlineExceeded(reason) => {
                BrokerError::OutcomeUnknown { partition, reason }
            }
            ExecuteError::NotLeader { .. }
            | ExecuteError::PartitionNotFound(_)
            | ExecuteError::Unavailable(_) => unavailable(error.to_string()),
            ExecuteError::InvalidCommand(_) | ExecuteError::Internal(_) => {
                BrokerError::Internal(error.to_string())
            }
        },
        ClusterError::NoLeader(_)
        | ClusterError::Unreachable { .. }
        | ClusterError::UnknownNode(_) => unavailable(error.to_string()),
        ClusterError::Status {
            code: tonic::Code::NotFound | tonic::Code::Unavailable,
            ..
        } => unavailable(error.to_string()),
        // The transport cancels a request whose connection closes before the answer arrives (a
        // timeout is reported as `Timeout` above): the peer may have taken the command.
        ClusterError::Status {
            code: tonic::Code::Cancelled,
            ..
        } => BrokerError::Timeout,
        other => BrokerError::Internal(other.to_string()),
    }
}

fn partition_info(partition: PartitionId, role: Role, healthy: bool) -> PartitionInfo {
    PartitionInfo {
        partition,
        role: match role {
            Role::Leader => PartitionRole::Leader,
            Role::Follower | Role::Candidate | Role::Learner => PartitionRole::Follower,
            Role::Stopped => PartitionRole::Inactive,
        },
        health: match (role, healthy) {
            (Role::Stopped, _) => PartitionHealth::Dead,
            (_, true) => PartitionHealth::Healthy,
            (_, false) => PartitionHealth::Unhealthy,
        },
    }
}

/// Splits `host:port`; a malformed address reports the whole text as host and port 0.
fn host_and_port(address: &str) -> (String, u16) {
    match address.rsplit_once(':') {
        Some((host, port)) => match port.parse() {
            Ok(port) => (host.trim_matches(['[', ']']).to_string(), port),
            Err(_) => (address.to_string(), 0),
        },
        None => (address.to_string(), 0),
    }
}

fn remote_broker(status: &NodeStatus) -> BrokerInfo {
    let (host, port) = host_and_port(status.command_address.as_deref().unwrap_or_default());
    BrokerInfo {
        node_id: u32::try_from(status.node_id).unwrap_or(u32::MAX),
        host,
        port,
        version: status.version.clone(),
        partitions: status
            .partitions
            .iter()
            .map(|p| partition_info(p.partition, p.role, p.healthy))
            .collect(),
    }
}

#[async_trait::async_trait]
impl BrokerClient for ClusterGateway {
    async fn execute(
        &self,
        partition: PartitionId,
        command: Record,
        deadline: Instant,
    ) -> Result<Record, BrokerError> {
        match &self.local {
            Some(broker) if broker.is_serving(partition) => {
                let answer = broker.execute(partition, command);
                match tokio::time::timeout_at(deadline.into(), answer).await {
                    Err(_) => Err(BrokerError::Timeout),
                    Ok(result) => result.map_err(local_error),
                }
            }
            _ => self.execute_remote(partition, command, deadline).await,
        }
    }

    fn topology(&self) -> ClusterTopology {
        let views = self.directory.views();
        let local_id = self.local.as_ref().map(|b| b.config().node_id);
        let mut topology = ClusterTopology::default();
        if let Some(broker) = &self.local {
            let config = broker.config();
            topology.cluster_size = u32::from(config.cluster_size);
            topology.partitions_count = config.partitions_count;
            topology.replication_factor = u32::from(config.replication_factor);
        }
        for (node, view) in views.iter() {
            if Some(*node) == local_id {
                let Some(broker) = &self.local else { continue };
                let config = broker.config();
                topology.brokers.push(BrokerInfo {
                    node_id: u32::try_from(config.node_id).unwrap_or(u32::MAX),
                    host: config.advertised_host(),
                    port: config.command_api_port,
                    version: env!("CARGO_PKG_VERSION").to_string(),
                    partitions: broker
                        .partition_statuses()
                        .into_iter()
                        .map(|s| partition_info(s.id, s.role, s.healthy))
                        .collect(),
                });
            } else if let MemberView::Up(status) = view {
                if topology.partitions_count == 0 {
                    // A standalone gateway learns the cluster's shape from the brokers.
                    topology.cluster_size = status.shape.cluster_size;
                    topology.partitions_count = status.shape.partitions_count;
                    topology.replication_factor = status.shape.replication_factor;
                }
                topology.brokers.push(remote_broker(status));
            }
        }
        topology
    }

    fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable> {
        self.jobs_available.subscribe()
    }

    /// Streams are opened with this node's broker, if any, and with every other node; the remote
    /// ones close when the gateway closes `sink`.
    fn open_job_stream(
        &self,
        properties: JobStreamProperties,
        sink: tokio::sync::mpsc::Sender<PushedJob>,
    ) -> Option<JobStreamRegistration> {
        self.directory.open_job_streams(&properties, &sink);
        let local = self
            .local
            .as_ref()
            .map(|broker| broker.job_streams().register(properties, sink));
        Some(Box::new(local))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_host_and_port() {
        assert_eq!(host_and_port("10.0.0.1:26501"), ("10.0.0.1".into(), 26501));
        assert_eq!(host_and_port("[::1]:26501"), ("::1".into(), 26501));
        assert_eq!(host_and_port("broker-0"), ("broker-0".into(), 0));
        assert_eq!(host_and_port("broker-0:x"), ("broker-0:x".into(), 0));
    }

    #[test]
    fn only_a_timeout_or_a_dropped_connection_leaves_the_outcome_open() {
        let p = PartitionId(2);
        let timeout = ClusterError::Timeout {
            peer: "a:1".into(),
            timeout: std::time::Duration::from_secs(1),
        };
        assert_eq!(broker_error(p, timeout), BrokerError::Timeout);
        let not_leader = ClusterError::Rejected {
            peer: "a:1".into(),
            partition: p,
            error: ExecuteError::NotLeader {
                leader: None,
                leader_address: None,
            },
        };
        assert!(matches!(
            broker_error(p, not_leader),
            BrokerError::PartitionUnavailable { .. }
        ));
        assert!(matches!(
            broker_error(p, ClusterError::NoLeader(p)),
            BrokerError::PartitionUnavailable { .. }
        ));
        let busy = ClusterError::Rejected {
            peer: "a:1".into(),
            partition: p,
            error: ExecuteError::ResourceExhausted("full".into()),
        };
        assert_eq!(broker_error(p, busy), BrokerError::Backpressure);
        let dropped = ClusterError::Status {
            peer: "a:1".into(),
            code: tonic::Code::Cancelled,
            message: "operation was canceled".into(),
        };
        assert_eq!(broker_error(p, dropped), BrokerError::Timeout);
    }
}
