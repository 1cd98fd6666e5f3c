//! The embedded gateway's view of this node: it executes commands on the local partitions.

use std::sync::Arc;
use std::time::Instant;

use hornet_broker::{Broker, PartitionError, Role};
use hornet_gateway::{
    BrokerClient, BrokerError, BrokerInfo, ClusterTopology, JobsAvailable, PartitionHealth,
    PartitionInfo, PartitionRole,
};
use hornet_protocol::{PartitionId, Record};
use tokio::sync::broadcast;

pub struct EmbeddedBroker {
    broker: Arc<Broker>,
    jobs_available: broadcast::Sender<JobsAvailable>,
}

impl EmbeddedBroker {
    /// Wraps `broker`, forwarding its job notifications in the gateway's terms.
    pub fn new(broker: Arc<Broker>) -> Arc<EmbeddedBroker> {
        let (jobs_available, _) = broadcast::channel(4096);
        let forward = jobs_available.clone();
        let mut notifications = broker.subscribe_jobs_available();
        tokio::spawn(async move {
            loop {
                match notifications.recv().await {
                    Ok(n) => {
                        let _ = forward.send(JobsAvailable {
                            partition: n.partition,
                            job_type: n.job_type,
                        });
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Arc::new(EmbeddedBroker {
            broker,
            jobs_available,
        })
    }
}

#[async_trait::async_trait]
impl BrokerClient for EmbeddedBroker {
    async fn execute(
        &self,
        partition: PartitionId,
        command: Record,
        deadline: Instant,
    ) -> Result<Record, BrokerError> {
        let answer = self.broker.execute(partition, command);
        match tokio::time::timeout_at(deadline.into(), answer).await {
            Err(_) => Err(BrokerError::Timeout),
            Ok(Ok(record)) => Ok(record),
            Ok(Err(err)) => Err(match err {
                PartitionError::Backpressure(_) => BrokerError::Backpressure,
                PartitionError::NotLeader { partition, .. } => BrokerError::PartitionUnavailable {
                    partition,
                    reason: err.to_string(),
                },
                PartitionError::Stopped { partition, reason } => {
                    BrokerError::PartitionUnavailable { partition, reason }
                }
            }),
        }
    }

    fn topology(&self) -> ClusterTopology {
        let config = self.broker.config();
        let partitions = self
            .broker
            .partition_statuses()
            .into_iter()
            .map(|status| PartitionInfo {
                partition: status.id,
                role: match status.role {
                    Role::Leader => PartitionRole::Leader,
                    Role::Follower | Role::Candidate | Role::Learner => PartitionRole::Follower,
                    Role::Stopped => PartitionRole::Inactive,
                },
                health: match (status.role, status.healthy) {
                    (Role::Stopped, _) => PartitionHealth::Dead,
                    (_, true) => PartitionHealth::Healthy,
                    (_, false) => PartitionHealth::Unhealthy,
                },
            })
            .collect();
        ClusterTopology {
            cluster_size: config.cluster_size as u32,
            partitions_count: config.partitions_count,
            replication_factor: config.replication_factor as u32,
            cluster_id: String::new(),
            brokers: vec![BrokerInfo {
                node_id: config.node_id as u32,
                host: config.advertised_host(),
                port: config.command_api_port,
                version: env!("CARGO_PKG_VERSION").to_string(),
                partitions,
            }],
        }
    }

    fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable> {
        self.jobs_available.subscribe()
    }
}
