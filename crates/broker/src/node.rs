//! A broker node: every partition replica this node hosts, its side of the cluster transport, and
//! what the gateway needs from them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use hornet_cluster::{
    ClusterService, ClusterShape, Directory, DirectoryConfig, Peers, PeersConfig, RaftRegistry,
    ServiceConfig,
};
use hornet_protocol::{PartitionId, Record};
use hornet_replication::Role;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::cluster_handler::LocalPartitions;
use crate::config::BrokerConfig;
use crate::job_streams::JobStreamRegistry;
use crate::metrics::Metrics;
use crate::partition::{Partition, PartitionError, PartitionRouter};
use crate::{BrokerError, JobsAvailable};

/// The role and health of one partition replica on this node, for Topology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionStatus {
    pub id: PartitionId,
    pub role: Role,
    /// The leader as this replica knows it.
    pub leader: Option<u64>,
    /// The replica runs and, if it leads, its processor is serving.
    pub healthy: bool,
}

/// The cluster service on the internal port, serving until it is told to stop.
struct ClusterServer {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

pub struct Broker {
    config: BrokerConfig,
    partitions: BTreeMap<PartitionId, Partition>,
    registry: RaftRegistry,
    directory: Directory,
    server: ClusterServer,
    jobs_available: broadcast::Sender<JobsAvailable>,
    job_streams: Arc<JobStreamRegistry>,
    metrics: Arc<Metrics>,
}

impl Broker {
    /// Opens (or creates) every partition this node hosts, serves the cluster transport on the
    /// internal port, and starts the partitions' replicas and processors.
    pub async fn start(config: BrokerConfig) -> Result<Broker, BrokerError> {
        config.validate()?;
        std::fs::create_dir_all(&config.data_dir).map_err(|source| BrokerError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let metrics = Arc::new(Metrics::new());
        let (jobs_available, _) = broadcast::channel(4096);
        let job_streams = Arc::new(JobStreamRegistry::counting_in(metrics.job_streams_gauge()));
        let router = Arc::new(PartitionRouter::default());
        let registry = RaftRegistry::new();
        let peers = Peers::new(PeersConfig::new(config.node_id, &config.cluster_name));

        // Serve before the partitions start, so peers reach this node as soon as it exists.
        let server = {
            let addr = SocketAddr::new(config.host, config.internal_api_port);
            let listener = hornet_cluster::bind(addr).await?;
            let mut service_config = ServiceConfig::new(config.node_id, &config.cluster_name);
            service_config.command_address = Some(format!(
                "{}:{}",
                config.advertised_host(),
                config.command_api_port
            ));
            service_config.shape = ClusterShape {
                cluster_size: u32::from(config.cluster_size),
                partitions_count: config.partitions_count,
                replication_factor: u32::from(config.replication_factor),
            };
            let service = ClusterService::new(
                service_config,
                Arc::new(registry.clone()),
                Arc::new(LocalPartitions {
                    router: Arc::clone(&router),
                    jobs_available: jobs_available.clone(),
                    job_streams: Arc::clone(&job_streams),
                }),
            );
            let (stop, stopped) = oneshot::channel::<()>();
            let task = tokio::spawn(async move {
                let shutdown = async {
                    let _ = stopped.await;
                };
                if let Err(err) = hornet_cluster::serve(listener, service, shutdown).await {
                    warn!(error = %err, "cluster service stopped with an error");
                }
            });
            ClusterServer { stop, task }
        };

        let mut partitions = BTreeMap::new();
        for id in config.partitions_of_node() {
            let partition = Partition::start(
                id,
                &config,
                peers.raft_network(id),
                Arc::clone(&metrics),
                Arc::clone(&router),
                jobs_available.clone(),
                Arc::clone(&job_streams),
            )
            .await?;
            registry.register(id, partition.raft().clone());
            partitions.insert(id, partition);
        }
        let directory = Directory::start(
            peers,
            config.members(),
            Some((config.node_id, Arc::new(registry.clone()))),
            DirectoryConfig::default(),
        );
        router.set_partitions(
            partitions
                .iter()
                .map(|(id, p)| (*id, p.handle().clone()))
                .collect(),
            directory.clone(),
        );
        info!(
            node = config.node_id,
            cluster_size = config.cluster_size,
            partitions = ?partitions.keys().map(|p| p.get()).collect::<Vec<_>>(),
            data = %config.data_dir.display(),
            "broker started"
        );
        Ok(Broker {
            config,
            partitions,
            registry,
            directory,
            server,
            jobs_available,
            job_streams,
            metrics,
        })
    }

    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The cluster as this node sees it: leaders of every partition, every member's status.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// Writes `command` to `partition`, which this node must lead, and waits for the record that
    /// answers it.
    pub async fn execute(
        &self,
        partition: PartitionId,
        command: Record,
    ) -> Result<Record, PartitionError> {
        match self.partitions.get(&partition) {
            Some(p) => p.handle().execute(command).await,
            None => Err(PartitionError::NotLeader {
                partition,
                leader: None,
            }),
        }
    }

    /// Whether this node leads `partition` and its processor is serving.
    pub fn is_serving(&self, partition: PartitionId) -> bool {
        self.partitions
            .get(&partition)
            .is_some_and(|p| p.handle().is_serving())
    }

    /// Partitions whose leader on this node is serving.
    pub fn serving_partitions(&self) -> Vec<PartitionId> {
        self.partitions
            .iter()
            .filter(|(_, p)| p.handle().is_serving())
            .map(|(id, _)| *id)
            .collect()
    }

    pub fn partition_statuses(&self) -> Vec<PartitionStatus> {
        self.partitions
            .values()
            .map(|p| {
                let handle = p.handle();
                let state = handle.role();
                PartitionStatus {
                    id: handle.id(),
                    role: state.role,
                    leader: state.leader,
                    healthy: handle.is_healthy(),
                }
            })
            .collect()
    }

    pub fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable> {
        self.jobs_available.subscribe()
    }

    /// The job streams of this node, which the partitions it leads push jobs to.
    pub fn job_streams(&self) -> &Arc<JobStreamRegistry> {
        &self.job_streams
    }

    /// Ready once every partition this node hosts has joined its group: it leads and serves, or
    /// follows a known leader.
    pub fn is_ready(&self) -> bool {
        !self.partitions.is_empty()
            && self.partition_statuses().iter().all(|s| match s.role {
                Role::Leader => s.healthy,
                Role::Follower | Role::Learner => s.leader.is_some(),
                Role::Candidate | Role::Stopped => false,
            })
    }

    pub fn is_healthy(&self) -> bool {
        self.partition_statuses().iter().all(|s| s.healthy)
    }

    /// Stops every partition; their replicas close their storage. The cluster service stops last,
    /// so the group's other members see this node leave rather than time out mid-request.
    pub async fn shutdown(self) {
        let Broker {
            partitions,
            registry,
            server,
            ..
        } = self;
        for (id, partition) in partitions {
            registry.unregister(id);
            partition.shutdown().await;
        }
        let _ = server.stop.send(());
        let _ = server.task.await;
        info!("broker stopped");
    }
}
