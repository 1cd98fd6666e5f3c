//! Broker configuration, read the way Zeebe reads it so that existing deployment files keep working.
//!
//! Sources, each overriding the one before: built-in defaults, a YAML file in Zeebe's `application.yaml`
//! layout (`zeebe.broker.cluster.partitionsCount`, ...), environment variables with Zeebe's names
//! (`ZEEBE_BROKER_CLUSTER_PARTITIONSCOUNT`, ...), then explicit overrides (command-line flags). Like Spring's
//! relaxed binding, a setting's name is compared case-insensitively with dots, dashes and underscores
//! ignored, so `zeebe.broker.cluster.partitionsCount` and `ZEEBE_BROKER_CLUSTER_PARTITIONSCOUNT` are the
//! same setting.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use hornet_protocol::MAX_PARTITIONS;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid YAML: {message}")]
    Yaml { path: PathBuf, message: String },
    #[error("setting '{name}' from {origin}: expected {expected}, got '{value}'")]
    Invalid {
        name: &'static str,
        origin: String,
        expected: &'static str,
        value: String,
    },
    #[error("invalid cluster configuration: {0}")]
    Cluster(String),
}

/// The addresses of a comma-separated contact point list (`host:port, host:port`), blanks dropped.
pub fn parse_contact_points(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|point| !point.is_empty())
        .map(String::from)
        .collect()
}

/// Contact points listed in node-id order, by node id: entry `i` is node `i`.
pub fn members_of(contact_points: &[String]) -> BTreeMap<u64, String> {
    contact_points
        .iter()
        .enumerate()
        .map(|(id, address)| (id as u64, address.clone()))
        .collect()
}

/// A fully resolved broker configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct BrokerConfig {
    pub node_id: u64,
    pub cluster_size: u16,
    pub partitions_count: u16,
    pub replication_factor: u16,
    /// Name of the cluster; nodes refuse Raft traffic of another cluster.
    pub cluster_name: String,
    /// The internal API addresses (host:port) of every node of a multi-node cluster, in node-id
    /// order: entry `i` is node `i` (this node's own entry included).
    pub initial_contact_points: Vec<String>,
    /// Address the broker binds its listeners to.
    pub host: IpAddr,
    /// Address other nodes and clients should use to reach this one (defaults to `host`).
    pub advertised_host: Option<String>,
    pub gateway_enabled: bool,
    pub gateway_port: u16,
    pub command_api_port: u16,
    pub internal_api_port: u16,
    pub monitoring_port: u16,
    /// Port of the embedded gateway's REST API (Zeebe's `server.port`).
    pub rest_port: u16,
    pub data_dir: PathBuf,
    pub processing: ProcessingConfig,
}

/// Knobs of the partition processors.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessingConfig {
    /// Client commands a partition accepts before it answers with backpressure (RESOURCE_EXHAUSTED).
    pub max_commands_in_flight: usize,
    /// How many scheduled commands (job timeouts, backoffs, timers) are written at once.
    pub due_batch_size: usize,
    /// Raft heartbeat interval; election timeouts are derived from it.
    pub heartbeat_interval: Duration,
    /// Take a snapshot (and compact the log behind it) after this many log entries.
    pub snapshot_period: u64,
    /// How often commands awaiting another partition's acknowledgement are sent again.
    pub resend_interval: Duration,
    /// Least time between the starts of two fsyncs of a partition log (Zeebe's
    /// `raft.flush.delayTime`); see `hornet_replication::ReplicaConfig::log_flush_delay`.
    pub log_flush_delay: Duration,
}

impl Default for ProcessingConfig {
    fn default() -> Self {
        ProcessingConfig {
            max_commands_in_flight: 10_000,
            due_batch_size: 1_000,
            heartbeat_interval: Duration::from_millis(50),
            snapshot_period: 50_000,
            resend_interval: Duration::from_secs(5),
            log_flush_delay: Duration::ZERO,
        }
    }
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            node_id: 0,
            cluster_size: 1,
            partitions_count: 1,
            replication_factor: 1,
            cluster_name: "zeebe-cluster".to_string(),
            initial_contact_points: Vec::new(),
            host: IpAddr::from([0, 0, 0, 0]),
            advertised_host: None,
            gateway_enabled: true,
            gateway_port: 26500,
            command_api_port: 26501,
            internal_api_port: 26502,
            monitoring_port: 9600,
            rest_port: 8080,
            data_dir: PathBuf::from("data"),
            processing: ProcessingConfig::default(),
        }
    }
}

/// Raw settings by normalized name, remembering where each came from (for error messages).
#[derive(Default, Debug)]
pub struct Settings {
    values: BTreeMap<String, (String, String)>,
}

/// Lower-cases and drops `.`, `-` and `_`, so every spelling of a setting compares equal.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '.' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Settings {
    pub fn set(&mut self, name: &str, value: impl Into<String>, origin: impl Into<String>) {
        self.values
            .insert(normalize(name), (value.into(), origin.into()));
    }

    /// Adds every leaf of a Zeebe-style YAML file (`zeebe: broker: cluster: nodeId: 1`).
    pub fn load_yaml_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        self.load_yaml(&text, &path.display().to_string())
            .map_err(|message| ConfigError::Yaml {
                path: path.to_owned(),
                message,
            })
    }

    fn load_yaml(&mut self, text: &str, origin: &str) -> Result<(), String> {
        let root: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        let mut leaves = Vec::new();
        flatten_yaml(&root, String::new(), &mut leaves);
        for (name, value) in leaves {
            self.set(&name, value, format!("{origin} ({name})"));
        }
        Ok(())
    }

    /// Adds the `ZEEBE_*` (and Spring `SERVER_PORT`/`MANAGEMENT_SERVER_PORT`) environment variables.
    pub fn load_env(&mut self, vars: impl IntoIterator<Item = (String, String)>) {
        for (name, value) in vars {
            let upper = name.to_ascii_uppercase();
            if upper.starts_with("ZEEBE_")
                || upper == "SERVER_PORT"
                || upper == "MANAGEMENT_SERVER_PORT"
            {
                let origin = format!("environment variable {name}");
                self.set(&name, value, origin);
            }
        }
    }

    fn get(&self, names: &[&str]) -> Option<&(String, String)> {
        names
            .iter()
            .find_map(|name| self.values.get(&normalize(name)))
    }

    fn parse<T: FromStr>(
        &self,
        field: &'static str,
        names: &[&str],
        expected: &'static str,
    ) -> Result<Option<T>, ConfigError> {
        match self.get(names) {
            None => Ok(None),
            Some((value, origin)) => {
                value
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| ConfigError::Invalid {
                        name: field,
                        origin: origin.clone(),
                        expected,
                        value: value.clone(),
                    })
            }
        }
    }
}

/// A duration such as `5ms`, `1s` or `1m 30s`.
fn parse_duration(
    field: &'static str,
    (value, origin): &(String, String),
) -> Result<Duration, ConfigError> {
    humantime::parse_duration(value.trim()).map_err(|_| ConfigError::Invalid {
        name: field,
        origin: origin.clone(),
        expected: "a duration such as 0s, 500us, 2ms or 1s",
        value: value.clone(),
    })
}

fn flatten_yaml(value: &serde_yaml_ng::Value, prefix: String, out: &mut Vec<(String, String)>) {
    use serde_yaml_ng::Value;
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                let key = match key {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => continue,
                };
                let name = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                flatten_yaml(child, name, out);
            }
        }
        Value::Sequence(items) => {
            let joined: Vec<String> = items
                .iter()
                .filter_map(|item| match item {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect();
            out.push((prefix, joined.join(",")));
        }
        Value::String(s) => out.push((prefix, s.clone())),
        Value::Number(n) => out.push((prefix, n.to_string())),
        Value::Bool(b) => out.push((prefix, b.to_string())),
        Value::Null | Value::Tagged(_) => {}
    }
}

impl BrokerConfig {
    /// Resolves settings over the defaults and checks the result.
    pub fn from_settings(settings: &Settings) -> Result<BrokerConfig, ConfigError> {
        let mut c = BrokerConfig::default();
        let s = settings;
        if let Some(v) = s.parse(
            "nodeId",
            &["zeebe.broker.cluster.nodeId"],
            "a node id (0, 1, ...)",
        )? {
            c.node_id = v;
        }
        if let Some(v) = s.parse(
            "clusterSize",
            &["zeebe.broker.cluster.clusterSize"],
            "a number of nodes",
        )? {
            c.cluster_size = v;
        }
        if let Some(v) = s.parse(
            "partitionsCount",
            &["zeebe.broker.cluster.partitionsCount"],
            "a number of partitions",
        )? {
            c.partitions_count = v;
        }
        if let Some(v) = s.parse(
            "replicationFactor",
            &["zeebe.broker.cluster.replicationFactor"],
            "a number of replicas",
        )? {
            c.replication_factor = v;
        }
        if let Some((v, _)) = s.get(&["zeebe.broker.cluster.clusterName"]) {
            c.cluster_name = v.clone();
        }
        if let Some((v, _)) = s.get(&["zeebe.broker.cluster.initialContactPoints"]) {
            c.initial_contact_points = parse_contact_points(v);
        }
        if let Some(v) = s.parse("host", &["zeebe.broker.network.host"], "an IP address")? {
            c.host = v;
        }
        if let Some((v, _)) = s.get(&["zeebe.broker.network.advertisedHost"]) {
            c.advertised_host = Some(v.clone()).filter(|h| !h.is_empty());
        }
        if let Some(v) = s.parse(
            "gateway.enable",
            &["zeebe.broker.gateway.enable"],
            "true or false",
        )? {
            c.gateway_enabled = v;
        }
        if let Some(v) = s.parse(
            "gateway port",
            &[
                "zeebe.broker.gateway.network.port",
                "zeebe.gateway.network.port",
            ],
            "a port number",
        )? {
            c.gateway_port = v;
        }
        if let Some(v) = s.parse(
            "command API port",
            &["zeebe.broker.network.commandApi.port"],
            "a port number",
        )? {
            c.command_api_port = v;
        }
        if let Some(v) = s.parse(
            "internal API port",
            &["zeebe.broker.network.internalApi.port"],
            "a port number",
        )? {
            c.internal_api_port = v;
        }
        if let Some(v) = s.parse(
            "monitoring port",
            &[
                "zeebe.broker.network.monitoringApi.port",
                "management.server.port",
            ],
            "a port number",
        )? {
            c.monitoring_port = v;
        }
        if let Some(v) = s.parse("REST API port", &["server.port"], "a port number")? {
            c.rest_port = v;
        }
        if let Some((v, _)) = s.get(&["zeebe.broker.data.directory"]) {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = s.parse(
            "max commands in flight",
            &["zeebe.broker.backpressure.maxCommandsInFlight"],
            "a number of commands",
        )? {
            c.processing.max_commands_in_flight = v;
        }
        if let Some(v) = s.parse(
            "snapshot period",
            &["zeebe.broker.data.snapshotPeriodEntries"],
            "a number of log entries",
        )? {
            c.processing.snapshot_period = v;
        }
        if let Some(delay) = s.get(&["zeebe.broker.cluster.raft.flush.delayTime"]) {
            c.processing.log_flush_delay = parse_duration("raft flush delay", delay)?;
        }
        let flush_enabled = ["zeebe.broker.cluster.raft.flush.enabled"];
        if s.parse::<bool>("raft flush", &flush_enabled, "true or false")? == Some(false) {
            let (value, origin) = s.get(&flush_enabled).cloned().unwrap_or_default();
            return Err(ConfigError::Invalid {
                name: "raft flush",
                origin,
                expected: "true: Hornet acknowledges only what is on disk (raise \
                           zeebe.broker.cluster.raft.flush.delayTime to trade latency for CPU)",
                value,
            });
        }
        c.validate()?;
        Ok(c)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |msg: String| Err(ConfigError::Cluster(msg));
        if self.partitions_count == 0 || self.partitions_count > MAX_PARTITIONS {
            return fail(format!(
                "partitionsCount must be between 1 and {MAX_PARTITIONS}, got {}",
                self.partitions_count
            ));
        }
        if self.cluster_size == 0 {
            return fail("clusterSize must be at least 1".into());
        }
        if self.replication_factor == 0 || self.replication_factor > self.cluster_size {
            return fail(format!(
                "replicationFactor must be between 1 and clusterSize ({}), got {}",
                self.cluster_size, self.replication_factor
            ));
        }
        if self.node_id >= self.cluster_size as u64 {
            return fail(format!(
                "nodeId must be below clusterSize ({}), got {}",
                self.cluster_size, self.node_id
            ));
        }
        if self.cluster_size > 1 && self.initial_contact_points.len() != self.cluster_size as usize
        {
            return fail(format!(
                "a cluster of {} nodes needs initialContactPoints listing the internal address (host:port) of \
                 every node in node-id order, this node's included; got {} ({:?})",
                self.cluster_size,
                self.initial_contact_points.len(),
                self.initial_contact_points
            ));
        }
        if self.cluster_name.is_empty() {
            return fail("clusterName must not be empty".into());
        }
        Ok(())
    }

    pub fn gateway_addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.gateway_port)
    }

    pub fn rest_addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.rest_port)
    }

    pub fn monitoring_addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.monitoring_port)
    }

    pub fn advertised_host(&self) -> String {
        match &self.advertised_host {
            Some(host) => host.clone(),
            None if self.host.is_unspecified() => "127.0.0.1".to_string(),
            None => self.host.to_string(),
        }
    }

    /// This node's internal API address as other nodes reach it.
    pub fn internal_address(&self) -> String {
        format!("{}:{}", self.advertised_host(), self.internal_api_port)
    }

    /// Every node of the cluster with its internal API address: the contact points of a multi-node
    /// cluster, or this node alone.
    pub fn members(&self) -> BTreeMap<u64, String> {
        if self.cluster_size <= 1 {
            return BTreeMap::from([(self.node_id, self.internal_address())]);
        }
        members_of(&self.initial_contact_points)
    }

    /// The nodes replicating `partition`, with Zeebe's round-robin placement: partition `p` (1-based)
    /// has its replicas on nodes `(p - 1 + i) % clusterSize` for `i` in `0..replicationFactor`.
    pub fn replicas_of(&self, partition: hornet_protocol::PartitionId) -> BTreeSet<u64> {
        (0..self.replication_factor)
            .map(|i| (partition.get() as u64 - 1 + i as u64) % self.cluster_size.max(1) as u64)
            .collect()
    }

    /// The node meant to lead `partition` while it is up: its first replica, so that leaders
    /// spread round-robin like the replicas.
    pub fn preferred_leader(&self, partition: hornet_protocol::PartitionId) -> u64 {
        (partition.get() as u64 - 1) % self.cluster_size.max(1) as u64
    }

    /// The partitions this node replicates (see [`BrokerConfig::replicas_of`]).
    pub fn partitions_of_node(&self) -> Vec<hornet_protocol::PartitionId> {
        (1..=self.partitions_count)
            .map(hornet_protocol::PartitionId)
            .filter(|&p| self.replicas_of(p).contains(&self.node_id))
            .collect()
    }

    pub fn partition_dir(&self, partition: hornet_protocol::PartitionId) -> PathBuf {
        self.data_dir.join("partitions").join(partition.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_env_and_overrides_layer_like_zeebe() {
        let mut s = Settings::default();
        s.load_yaml(
            "zeebe:\n  broker:\n    cluster:\n      partitionsCount: 4\n    gateway:\n      network:\n        port: 1234\n",
            "test.yaml",
        )
        .unwrap();
        s.load_env([
            (
                "ZEEBE_BROKER_CLUSTER_PARTITIONSCOUNT".to_string(),
                "3".to_string(),
            ),
            (
                "ZEEBE_BROKER_DATA_DIRECTORY".to_string(),
                "/tmp/x".to_string(),
            ),
            ("HOME".to_string(), "/root".to_string()),
        ]);
        let c = BrokerConfig::from_settings(&s).unwrap();
        assert_eq!(c.partitions_count, 3);
        assert_eq!(c.gateway_port, 1234);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(c.monitoring_port, 9600);
    }

    #[test]
    fn the_raft_flush_delay_is_read_like_zeebe_and_flushing_cannot_be_turned_off() {
        let mut s = Settings::default();
        assert_eq!(
            BrokerConfig::from_settings(&s)
                .unwrap()
                .processing
                .log_flush_delay,
            Duration::ZERO
        );
        s.load_yaml(
            "zeebe:\n  broker:\n    cluster:\n      raft:\n        flush:\n          enabled: true\n          delayTime: 1ms\n",
            "test.yaml",
        )
        .unwrap();
        let c = BrokerConfig::from_settings(&s).unwrap();
        assert_eq!(c.processing.log_flush_delay, Duration::from_millis(1));
        s.load_env([(
            "ZEEBE_BROKER_CLUSTER_RAFT_FLUSH_DELAYTIME".to_string(),
            "500us".to_string(),
        )]);
        let c = BrokerConfig::from_settings(&s).unwrap();
        assert_eq!(c.processing.log_flush_delay, Duration::from_micros(500));

        s.load_env([(
            "ZEEBE_BROKER_CLUSTER_RAFT_FLUSH_DELAYTIME".to_string(),
            "soon".to_string(),
        )]);
        let err = BrokerConfig::from_settings(&s).unwrap_err().to_string();
        assert!(
            err.contains("raft flush delay") && err.contains("soon"),
            "{err}"
        );
        let mut s = Settings::default();
        s.set("zeebe.broker.cluster.raft.flush.enabled", "false", "test");
        let err = BrokerConfig::from_settings(&s).unwrap_err().to_string();
        assert!(err.contains("delayTime"), "{err}");
    }

    #[test]
    fn invalid_values_name_the_setting_and_its_origin() {
        let mut s = Settings::default();
        s.load_env([(
            "ZEEBE_BROKER_CLUSTER_PARTITIONSCOUNT".to_string(),
            "many".to_string(),
        )]);
        let err = BrokerConfig::from_settings(&s).unwrap_err().to_string();
        assert!(
            err.contains("partitionsCount") && err.contains("ZEEBE_BROKER_CLUSTER_PARTITIONSCOUNT"),
            "{err}"
        );
        let mut s = Settings::default();
        s.set("zeebe.broker.cluster.partitionsCount", "0", "test");
        assert!(BrokerConfig::from_settings(&s).is_err());
    }

    #[test]
    fn placement_is_round_robin() {
        let c = BrokerConfig {
            cluster_size: 3,
            partitions_count: 3,
            replication_factor: 1,
            node_id: 1,
            ..Default::default()
        };
        assert_eq!(
            c.partitions_of_node(),
            vec![hornet_protocol::PartitionId(2)]
        );
        let c = BrokerConfig {
            cluster_size: 3,
            partitions_count: 3,
            replication_factor: 3,
            node_id: 1,
            ..Default::default()
        };
        assert_eq!(c.partitions_of_node().len(), 3);
        let c = BrokerConfig {
            cluster_size: 5,
            partitions_count: 5,
            replication_factor: 3,
            node_id: 0,
            ..Default::default()
        };
        assert_eq!(
            c.replicas_of(hornet_protocol::PartitionId(4)),
            BTreeSet::from([3, 4, 0])
        );
        assert_eq!(
            c.partitions_of_node(),
            [1, 4, 5].map(hornet_protocol::PartitionId).to_vec()
        );
    }

    #[test]
    fn a_multi_node_cluster_lists_every_node_in_its_contact_points() {
        let mut s = Settings::default();
        s.set("zeebe.broker.cluster.clusterSize", "3", "test");
        s.set("zeebe.broker.cluster.replicationFactor", "3", "test");
        s.set("zeebe.broker.cluster.nodeId", "2", "test");
        s.set(
            "zeebe.broker.cluster.initialContactPoints",
            "10.0.0.1:26502, 10.0.0.2:26502",
            "test",
        );
        let err = BrokerConfig::from_settings(&s).unwrap_err().to_string();
        assert!(
            err.contains("initialContactPoints") && err.contains("got 2"),
            "{err}"
        );
        s.set(
            "zeebe.broker.cluster.initialContactPoints",
            "10.0.0.1:26502,10.0.0.2:26502,10.0.0.3:26502",
            "test",
        );
        let c = BrokerConfig::from_settings(&s).unwrap();
        assert_eq!(
            c.members().get(&2).map(String::as_str),
            Some("10.0.0.3:26502")
        );
        assert_eq!(c.members().len(), 3);
    }
}
