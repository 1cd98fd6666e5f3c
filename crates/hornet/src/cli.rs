//! Command-line arguments.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Hornet: a Zeebe-compatible BPMN workflow broker.
///
/// Existing Zeebe clients and workers (zbctl, pyzeebe, the Java, Go and Node clients) talk to it unchanged
/// on the gateway port (26500).
#[derive(Debug, Parser)]
#[command(name = "hornet", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a broker node. By default a single node with the embedded gateway on port 26500, monitoring on
    /// 9600 and its data under ./data.
    ///
    /// Settings are read, each overriding the one before, from built-in defaults, the YAML file given by
    /// --config (Zeebe's application.yaml layout, e.g. zeebe.broker.cluster.partitionsCount), ZEEBE_*
    /// environment variables (e.g. ZEEBE_BROKER_CLUSTER_PARTITIONSCOUNT, ZEEBE_BROKER_DATA_DIRECTORY,
    /// ZEEBE_BROKER_NETWORK_HOST, ZEEBE_BROKER_GATEWAY_ENABLE), and these flags.
    Broker(BrokerArgs),
    /// Run a standalone gateway: serves the client API (port 26500) and forwards every request to the
    /// leader of its partition on the brokers named by --contact-points.
    Gateway(GatewayArgs),
    /// Show the cluster topology as a running gateway reports it.
    Status(StatusArgs),
    /// Generate load against a running gateway, like Zeebe's benchmark: a starter creating instances at a
    /// target rate and workers completing their jobs; reports throughput, latency percentiles and the
    /// broker's peak memory.
    Bench(hornet_loadgen::BenchArgs),
}

#[derive(Debug, Args)]
pub struct BrokerArgs {
    /// YAML configuration file in Zeebe's application.yaml layout.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory for partition logs and state (zeebe.broker.data.directory).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Number of partitions (zeebe.broker.cluster.partitionsCount).
    #[arg(long, value_name = "N")]
    pub partitions: Option<u16>,
    /// This node's id (zeebe.broker.cluster.nodeId).
    #[arg(long, value_name = "ID")]
    pub node_id: Option<u64>,
    /// Address to bind listeners to (zeebe.broker.network.host).
    #[arg(long, value_name = "IP")]
    pub host: Option<IpAddr>,
    /// Client gRPC port of the embedded gateway (zeebe.broker.gateway.network.port).
    #[arg(long, value_name = "PORT")]
    pub gateway_port: Option<u16>,
    /// Monitoring port: /ready, /health, /metrics (management.server.port).
    #[arg(long, value_name = "PORT")]
    pub monitoring_port: Option<u16>,
    /// REST API port of the embedded gateway: Camunda user tasks (server.port).
    #[arg(long, value_name = "PORT")]
    pub rest_port: Option<u16>,
    /// Run without the embedded gateway (zeebe.broker.gateway.enable=false).
    #[arg(long)]
    pub no_gateway: bool,
    /// Port of the internal cluster API: Raft, command forwarding (zeebe.broker.network.internalApi.port).
    #[arg(long, value_name = "PORT")]
    pub internal_port: Option<u16>,
    /// Number of nodes in the cluster (zeebe.broker.cluster.clusterSize).
    #[arg(long, value_name = "N")]
    pub cluster_size: Option<u16>,
    /// Replicas of each partition (zeebe.broker.cluster.replicationFactor).
    #[arg(long, value_name = "N")]
    pub replication_factor: Option<u16>,
    /// Internal API address (host:port) of every node, in node-id order, this one included
    /// (zeebe.broker.cluster.initialContactPoints).
    #[arg(long, value_name = "HOST:PORT,...")]
    pub contact_points: Option<String>,
}

#[derive(Debug, Args)]
pub struct GatewayArgs {
    /// Internal API address (host:port) of every broker, in node-id order.
    #[arg(
        long,
        value_name = "HOST:PORT,...",
        env = "ZEEBE_GATEWAY_CLUSTER_INITIALCONTACTPOINTS"
    )]
    pub contact_points: String,
    /// Name of the cluster the brokers were started with.
    #[arg(
        long,
        default_value = "zeebe-cluster",
        env = "ZEEBE_GATEWAY_CLUSTER_CLUSTERNAME"
    )]
    pub cluster_name: String,
    /// Address to bind the client API to.
    #[arg(long, default_value = "0.0.0.0", env = "ZEEBE_GATEWAY_NETWORK_HOST")]
    pub host: IpAddr,
    /// Client API port.
    #[arg(long, default_value_t = 26500, env = "ZEEBE_GATEWAY_NETWORK_PORT")]
    pub port: u16,
    /// Monitoring port: /ready (every partition has a leader), /health, /metrics.
    #[arg(long, default_value_t = 9600, env = "ZEEBE_GATEWAY_MONITORING_PORT")]
    pub monitoring_port: u16,
    /// REST API port: Camunda user tasks (`/v2/user-tasks/...`).
    #[arg(long, default_value_t = 8080, env = "SERVER_PORT")]
    pub rest_port: u16,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Gateway address.
    #[arg(long, default_value = "127.0.0.1:26500", env = "ZEEBE_ADDRESS")]
    pub address: String,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Log filter, e.g. `info` or `hornet_broker=debug` (also RUST_LOG).
    #[arg(long, global = true, env = "RUST_LOG", default_value = "info")]
    pub log_level: String,
    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
