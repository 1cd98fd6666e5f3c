//! Runs the real `hornet broker` binary as a child process for end-to-end tests.

#![allow(dead_code)]

pub mod netns;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where and how one broker node runs; kept across restarts of the node.
#[derive(Clone, Debug)]
pub struct BrokerSpec {
    /// Address the node binds and is reached at.
    pub host: String,
    /// Network namespace to run the node in (`ip netns exec`), if any.
    pub netns: Option<String>,
    pub data_dir: PathBuf,
    pub partitions: u16,
    pub gateway_port: u16,
    pub monitoring_port: u16,
    pub internal_port: u16,
    pub rest_port: u16,
    /// Membership in a multi-node cluster; `None` for a single node.
    pub cluster: Option<ClusterMembership>,
    /// Further settings, as ZEEBE_* environment variables.
    pub env: Vec<(String, String)>,
}

/// A node's place in a multi-node cluster on loopback.
#[derive(Clone, Debug)]
pub struct ClusterMembership {
    pub node_id: u64,
    pub cluster_size: u16,
    pub replication_factor: u16,
    /// Internal addresses of every node, in node-id order.
    pub contact_points: String,
}

pub struct BrokerProcess {
    child: Child,
    pub spec: BrokerSpec,
}

/// A port that was free on 127.0.0.1 a moment ago and is handed out once per process: a port is
/// free until its broker binds it, and a cluster's ports are all picked before any node starts.
/// It is chosen below the kernel's ephemeral range: outgoing connections (a cluster's nodes dialling
/// each other) take their local ports from that range, and one of them could take a port picked
/// from it before the broker binds it.
pub fn free_port() -> u16 {
    static HANDED_OUT: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut handed_out = HANDED_OUT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let low = ephemeral_low.saturating_sub(12_000).max(1024);
    if ephemeral_low > low {
        for _ in 0..1000 {
            let port = low + (random_u64() % u64::from(ephemeral_low - low)) as u16;
            if !handed_out.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
                handed_out.insert(port);
                return port;
            }
        }
    }
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        if handed_out.insert(port) {
            return port;
        }
    }
}

/// A random number from the standard library's hasher keys (fresh for every `RandomState`).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

impl BrokerSpec {
    /// The node's internal API address.
    pub fn internal_address(&self) -> String {
        format!("{}:{}", self.host, self.internal_port)
    }

    /// A single node on fresh ports with its data in `data_dir`.
    pub fn single(data_dir: &Path, partitions: u16) -> BrokerSpec {
        BrokerSpec {
            host: "127.0.0.1".into(),
            netns: None,
            data_dir: data_dir.to_owned(),
            partitions,
            gateway_port: free_port(),
            monitoring_port: free_port(),
            internal_port: free_port(),
            rest_port: free_port(),
            cluster: None,
            env: Vec::new(),
        }
    }

    /// Starts the node without waiting for it to be ready.
    pub fn spawn(&self) -> BrokerProcess {
        let mut command = match &self.netns {
            // `ip netns exec` execs the broker, so the child's pid is the broker's.
            Some(netns) => {
                let mut command = Command::new("ip");
                command
                    .args(["netns", "exec", netns])
                    .arg(env!("CARGO_BIN_EXE_hornet"));
                command
            }
            None => Command::new(env!("CARGO_BIN_EXE_hornet")),
        };
        for (name, _) in std::env::vars() {
            if name.starts_with("ZEEBE_") {
                command.env_remove(name);
            }
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir.with_extension("log"))
            .expect("log file");
        command
            .args(["broker", "--host", &self.host, "--data-dir"])
            .arg(&self.data_dir)
            .args(["--partitions", &self.partitions.to_string()])
            .args(["--gateway-port", &self.gateway_port.to_string()])
            .args(["--monitoring-port", &self.monitoring_port.to_string()])
            .args(["--internal-port", &self.internal_port.to_string()])
            .args(["--rest-port", &self.rest_port.to_string()]);
        if let Some(cluster) = &self.cluster {
            command
                .args(["--node-id", &cluster.node_id.to_string()])
                .args(["--cluster-size", &cluster.cluster_size.to_string()])
                .args([
                    "--replication-factor",
                    &cluster.replication_factor.to_string(),
                ])
                .args(["--contact-points", &cluster.contact_points]);
        }
        let child = command
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn hornet broker");
        BrokerProcess {
            child,
            spec: self.clone(),
        }
    }

    /// Starts the node and waits until it is ready.
    pub fn start(&self) -> BrokerProcess {
        let mut broker = self.spawn();
        broker.wait_ready(Duration::from_secs(30));
        broker
    }
}

impl BrokerProcess {
    /// Starts a single-node broker on fresh ports with its data in `data_dir`, and waits until it is
    /// ready.
    pub fn start(data_dir: &Path, partitions: u16) -> BrokerProcess {
        BrokerSpec::single(data_dir, partitions).start()
    }

    pub fn address(&self) -> String {
        format!("http://{}:{}", self.spec.host, self.spec.gateway_port)
    }

    /// Waits until the node reports ready on its monitoring port.
    pub fn wait_ready(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "broker exited during start-up with {status}; log: {}",
                    self.log()
                );
            }
            if http_get(&self.spec.host, self.spec.monitoring_port, "/ready")
                .is_some_and(|(code, _)| code == 200)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("broker not ready within {timeout:?}; log: {}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.spec.data_dir.with_extension("log")).unwrap_or_default()
    }

    /// SIGKILL: no shutdown hooks, no flushing. Returns the spec to start the node again.
    pub fn kill_9(mut self) -> BrokerSpec {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
        self.spec.clone()
    }

    /// SIGTERM, then waits for the node to shut down cleanly. Returns the spec to start it again.
    pub fn stop(mut self) -> BrokerSpec {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return self.spec.clone(),
                _ if Instant::now() > deadline => {
                    panic!("broker did not stop; log: {}", self.log())
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// SIGSTOP / SIGCONT: freezes the process (its sockets stay open but nothing answers).
    pub fn pause(&self, paused: bool) {
        let signal = if paused { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal} failed");
    }

    pub fn metrics(&self) -> String {
        http_get(&self.spec.host, self.spec.monitoring_port, "/metrics")
            .map(|(_, body)| body)
            .unwrap_or_default()
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A standalone `hornet gateway` process on fresh ports.
pub struct GatewayProcess {
    child: Child,
    pub port: u16,
    pub monitoring_port: u16,
}

impl GatewayProcess {
    /// Starts a gateway in front of the brokers at `contact_points` and waits until it reports
    /// ready (every partition has a known leader).
    pub fn start(log: &Path, contact_points: &str) -> GatewayProcess {
        let (port, monitoring_port) = (free_port(), free_port());
        let log_file = std::fs::File::create(log).expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_hornet"))
            .args([
                "gateway",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .args(["--monitoring-port", &monitoring_port.to_string()])
            .args(["--rest-port", &free_port().to_string()])
            .args(["--contact-points", contact_points])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("spawn hornet gateway");
        let deadline = Instant::now() + Duration::from_secs(30);
        while http_get("127.0.0.1", monitoring_port, "/ready").is_none_or(|(code, _)| code != 200) {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "gateway exited with {status}; log: {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "gateway not ready");
            std::thread::sleep(Duration::from_millis(20));
        }
        GatewayProcess {
            child,
            port,
            monitoring_port,
        }
    }

    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.0 GET, enough for the monitoring endpoints.
pub fn http_get(host: &str, port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect((host, port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let code = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((code, body))
}

pub const ONE_TASK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
                  id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="one-task" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:serviceTask id="work">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="work" retries="3" />
        <zeebe:taskHeaders><zeebe:header key="kind" value="test" /></zeebe:taskHeaders>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"#;

/// A job stream (`StreamActivatedJobs`) for jobs of type `work`, as worker `streamer`.
pub async fn stream_work(
    client: &hornet_client::Client,
    fetch_variables: &[&str],
) -> tonic::Streaming<hornet_api::gateway_protocol::ActivatedJob> {
    client
        .raw()
        .stream_activated_jobs(hornet_api::gateway_protocol::StreamActivatedJobsRequest {
            r#type: "work".into(),
            worker: "streamer".into(),
            timeout: 60_000,
            fetch_variable: fetch_variables.iter().map(|v| v.to_string()).collect(),
            ..Default::default()
        })
        .await
        .expect("open a job stream")
        .into_inner()
}

/// The value of a metric without labels, from the Prometheus text.
pub fn metric_value(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Waits until every broker in `brokers` has `streams` job streams open (`hornet_job_streams`):
/// gateways open their streams with the brokers asynchronously, as in Zeebe.
pub async fn wait_for_job_streams(brokers: &[&BrokerProcess], streams: f64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !brokers
        .iter()
        .all(|broker| metric_value(&broker.metrics(), "hornet_job_streams") == Some(streams))
    {
        assert!(
            Instant::now() < deadline,
            "the job streams did not open on every broker"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The value of a per-partition counter summed over partitions, from the Prometheus text.
pub fn counter_total(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .filter(|line| line.starts_with(&format!("{name}{{")))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// `size` nodes on loopback, every partition replicated on `replication_factor` of them, not yet
/// started.
pub fn cluster_specs(
    root: &Path,
    size: u16,
    partitions: u16,
    replication_factor: u16,
) -> Vec<BrokerSpec> {
    let internal_ports: Vec<u16> = (0..size).map(|_| free_port()).collect();
    let contact_points = internal_ports
        .iter()
        .map(|port| format!("127.0.0.1:{port}"))
        .collect::<Vec<_>>()
        .join(",");
    internal_ports
        .iter()
        .enumerate()
        .map(|(node, internal_port)| BrokerSpec {
            host: "127.0.0.1".into(),
            netns: None,
            data_dir: root.join(format!("node-{node}")),
            partitions,
            gateway_port: free_port(),
            monitoring_port: free_port(),
            internal_port: *internal_port,
            rest_port: free_port(),
            env: vec![(
                "ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT".into(),
                free_port().to_string(),
            )],
            cluster: Some(ClusterMembership {
                node_id: node as u64,
                cluster_size: size,
                replication_factor,
                contact_points: contact_points.clone(),
            }),
        })
        .collect()
}

/// Starts every node, then waits until each is ready (a node is ready once its partitions have
/// leaders, which needs the others).
pub fn start_cluster(specs: &[BrokerSpec]) -> Vec<BrokerProcess> {
    let mut nodes: Vec<BrokerProcess> = specs.iter().map(BrokerSpec::spawn).collect();
    for node in &mut nodes {
        node.wait_ready(Duration::from_secs(60));
    }
    nodes
}
