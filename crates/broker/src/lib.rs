//! A Hornet broker node.
//!
//! Each partition this node hosts is a Raft replica ([`hornet_replication`]) whose log is the partition
//! log. While the node leads a partition, an actor processes committed commands with the engine
//! ([`hornet_engine`]), appends the outcome, and answers clients once it is committed; on every replica,
//! committed outcomes are applied to the RocksDB state. The node also runs the scheduled work of its
//! partitions (job timeouts, backoffs, timers) and serves monitoring (readiness, health, metrics).

mod cluster_handler;
pub mod config;
pub mod job_streams;
pub mod metrics;
pub mod monitoring;
mod node;
mod partition;

use std::path::PathBuf;

pub use config::{BrokerConfig, ConfigError, ProcessingConfig, Settings};
pub use hornet_protocol::{JobsAvailable, PartitionId};
pub use hornet_replication::Role;
pub use job_streams::{JobStreamRegistration, JobStreamRegistry};
pub use node::{Broker, PartitionStatus};
pub use partition::PartitionError;

#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Cluster(#[from] hornet_cluster::ServeError),
    #[error("cannot start partition {partition}: {source}")]
    Replication {
        partition: PartitionId,
        source: hornet_replication::ReplicationError,
    },
}
