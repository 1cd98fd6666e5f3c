//! A broker node: every partition replica this node hosts, and what the gateway needs from them.

use std::collections::BTreeMap;
use std::sync::Arc;

use hornet_protocol::{PartitionId, Record};
use hornet_replication::Role;
use tokio::sync::broadcast;
use tracing::info;

use crate::config::BrokerConfig;
use crate::metrics::Metrics;
use crate::partition::{Partition, PartitionError, PartitionRouter};
use crate::{BrokerError, JobsAvailable};

/// The role and health of one partition replica on this node, for Topology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionStatus {
    pub id: PartitionId,
    pub role: Role,
    /// The replica runs and, if it leads, its processor is serving.
    pub healthy: bool,
}

pub struct Broker {
    config: BrokerConfig,
    partitions: BTreeMap<PartitionId, Partition>,
    jobs_available: broadcast::Sender<JobsAvailable>,
    metrics: Arc<Metrics>,
}

impl Broker {
    /// Opens (or creates) every partition this node hosts and starts their replicas and processors.
    pub async fn start(config: BrokerConfig) -> Result<Broker, BrokerError> {
        config.validate()?;
        std::fs::create_dir_all(&config.data_dir).map_err(|source| BrokerError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let metrics = Arc::new(Metrics::new());
        let (jobs_available, _) = broadcast::channel(4096);
        let router = Arc::new(PartitionRouter::default());
        let mut partitions = BTreeMap::new();
        for id in config.partitions_of_node() {
            let partition = Partition::start(
                id,
                &config,
                Arc::clone(&metrics),
                Arc::clone(&router),
                jobs_available.clone(),
            )
            .await?;
            partitions.insert(id, partition);
        }
        router.set_partitions(
            partitions
                .iter()
                .map(|(id, p)| (*id, p.submissions()))
                .collect(),
        );
        info!(node = config.node_id, partitions = partitions.len(), data = %config.data_dir.display(), "broker started");
        Ok(Broker {
            config,
            partitions,
            jobs_available,
            metrics,
        })
    }

    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Writes `command` to `partition` and waits for the record that answers it.
    pub async fn execute(
        &self,
        partition: PartitionId,
        command: Record,
    ) -> Result<Record, PartitionError> {
        match self.partitions.get(&partition) {
            Some(p) => p.execute(command).await,
            None => Err(PartitionError::NotLeader {
                partition,
                leader: None,
            }),
        }
    }

    /// Partitions whose leader on this node is serving.
    pub fn serving_partitions(&self) -> Vec<PartitionId> {
        self.partitions
            .values()
            .filter(|p| p.is_serving())
            .map(Partition::id)
            .collect()
    }

    pub fn partition_statuses(&self) -> Vec<PartitionStatus> {
        self.partitions
            .values()
            .map(|p| {
                let role = p.role();
                let healthy = role != Role::Stopped && (role != Role::Leader || p.is_serving());
                PartitionStatus {
                    id: p.id(),
                    role,
                    healthy,
                }
            })
            .collect()
    }

    pub fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable> {
        self.jobs_available.subscribe()
    }

    /// Ready when every partition of the cluster is served (on a single node: by this node).
    pub fn is_ready(&self) -> bool {
        !self.partitions.is_empty() && self.partitions.values().all(Partition::is_serving)
    }

    pub fn is_healthy(&self) -> bool {
        self.partition_statuses()
            .iter()
            .all(|s| s.healthy || s.role != Role::Stopped)
    }

    /// Stops every partition; their replicas close their storage.
    pub async fn shutdown(self) {
        for (_, partition) in self.partitions {
            partition.shutdown().await;
        }
        info!("broker stopped");
    }
}
