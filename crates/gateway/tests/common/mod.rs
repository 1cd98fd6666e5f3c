//! The broker test double shared by the gateway's gRPC and REST tests.

#![allow(dead_code)]

use hornet_gateway::{
    BrokerClient, BrokerError, BrokerInfo, ClusterTopology, JobStreamProperties,
    JobStreamRegistration, JobsAvailable, PartitionHealth, PartitionInfo, PartitionRole, PushedJob,
};
use hornet_protocol::{PartitionId, Record};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{broadcast, mpsc};

pub type Answer = Box<dyn Fn(PartitionId, &Record) -> Result<Record, BrokerError> + Send + Sync>;

/// A test double of the broker: answers with `answer`, remembers every command and its partition.
pub struct FakeBroker {
    pub topology: Mutex<ClusterTopology>,
    pub calls: Mutex<Vec<(PartitionId, Record)>>,
    pub answer: Answer,
    pub jobs_available: broadcast::Sender<JobsAvailable>,
    /// Job streams the gateway opened, with the sinks a leader would push to.
    pub job_streams: Mutex<Vec<(JobStreamProperties, mpsc::Sender<PushedJob>)>>,
}

impl FakeBroker {
    pub fn new(partitions: u16, answer: Answer) -> Arc<FakeBroker> {
        Arc::new(FakeBroker {
            topology: Mutex::new(topology(partitions, &[])),
            calls: Mutex::new(Vec::new()),
            answer,
            jobs_available: broadcast::channel(16).0,
            job_streams: Mutex::new(Vec::new()),
        })
    }

    pub fn calls(&self) -> Vec<(PartitionId, Record)> {
        self.calls.lock().unwrap().clone()
    }

    /// The sink of the first job stream opened, once there is one.
    pub async fn job_stream(&self) -> (JobStreamProperties, mpsc::Sender<PushedJob>) {
        for _ in 0..500 {
            if let Some(stream) = self.job_streams.lock().unwrap().first().cloned() {
                return stream;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("no job stream was opened");
    }

    pub fn partitions_called(&self) -> Vec<u16> {
        self.calls().iter().map(|(p, _)| p.get()).collect()
    }
}

#[async_trait::async_trait]
impl BrokerClient for FakeBroker {
    async fn execute(
        &self,
        partition: PartitionId,
        command: Record,
        deadline: Instant,
    ) -> Result<Record, BrokerError> {
        assert!(command.is_command(), "the gateway sends commands only");
        self.calls
            .lock()
            .unwrap()
            .push((partition, command.clone()));
        let answer = (self.answer)(partition, &command);
        if let Err(BrokerError::Timeout) = answer {
            // A partition that never answers: wait out the deadline like a real client would.
            tokio::time::sleep_until(deadline.into()).await;
        }
        answer
    }

    fn topology(&self) -> ClusterTopology {
        self.topology.lock().unwrap().clone()
    }

    fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable> {
        self.jobs_available.subscribe()
    }

    fn open_job_stream(
        &self,
        properties: JobStreamProperties,
        sink: mpsc::Sender<PushedJob>,
    ) -> Option<JobStreamRegistration> {
        self.job_streams.lock().unwrap().push((properties, sink));
        Some(Box::new(()))
    }
}

/// One broker leading every partition except those in `leaderless`.
pub fn topology(partitions: u16, leaderless: &[u16]) -> ClusterTopology {
    ClusterTopology {
        cluster_size: 1,
        partitions_count: partitions,
        replication_factor: 1,
        cluster_id: "test-cluster".into(),
        brokers: vec![BrokerInfo {
            node_id: 0,
            host: "127.0.0.1".into(),
            port: 26501,
            version: "0.1.0".into(),
            partitions: (1..=partitions)
                .map(|id| PartitionInfo {
                    partition: PartitionId(id),
                    role: if leaderless.contains(&id) {
                        PartitionRole::Follower
                    } else {
                        PartitionRole::Leader
                    },
                    health: PartitionHealth::Healthy,
                })
                .collect(),
        }],
    }
}
