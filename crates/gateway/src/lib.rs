//! Hornet's gateway: the `gateway_protocol.Gateway` gRPC service that Zeebe clients talk to.
//!
//! A thin router: each request is validated like Zeebe's gateway does, turned into a command record,
//! sent to the partition that owns it through a [`BrokerClient`], and the answering record (an event or a
//! rejection) is mapped back to the gRPC response or to Zeebe's status code and message.
//!
//! The crate knows nothing about the engine or the broker's internals: the broker implements
//! [`BrokerClient`], builds a [`GatewayService`] and serves it with [`serve`].

mod broker_client;
mod commands;
mod config;
mod dispatch;
mod job_stream;
mod jobs;
mod metrics;
mod responses;
pub mod routing;
mod server;
mod service;
mod status;
mod topology;
mod validate;

pub use broker_client::{BrokerClient, BrokerError, JobsAvailable};
pub use config::GatewayConfig;
pub use metrics::GatewayMetrics;
pub use server::{serve, serve_with_listener, ServeError};
pub use service::GatewayService;
pub use topology::{BrokerInfo, ClusterTopology, PartitionHealth, PartitionInfo, PartitionRole};
pub use validate::DEFAULT_TENANT;
