//! Runs the real `hornet broker` binary as a child process for end-to-end tests.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct BrokerProcess {
    child: Child,
    pub data_dir: PathBuf,
    pub gateway_port: u16,
    pub monitoring_port: u16,
    partitions: u16,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl BrokerProcess {
    /// Starts a broker on fresh ports with its data in `data_dir`, and waits until it is ready.
    pub fn start(data_dir: &Path, partitions: u16) -> BrokerProcess {
        Self::start_on(data_dir, partitions, free_port(), free_port())
    }

    pub fn start_on(
        data_dir: &Path,
        partitions: u16,
        gateway_port: u16,
        monitoring_port: u16,
    ) -> BrokerProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hornet"));
        for (name, _) in std::env::vars() {
            if name.starts_with("ZEEBE_") {
                command.env_remove(name);
            }
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.with_extension("log"))
            .expect("log file");
        let child = command
            .args(["broker", "--host", "127.0.0.1", "--data-dir"])
            .arg(data_dir)
            .args(["--partitions", &partitions.to_string()])
            .args(["--gateway-port", &gateway_port.to_string()])
            .args(["--monitoring-port", &monitoring_port.to_string()])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn hornet broker");
        let mut broker = BrokerProcess {
            child,
            data_dir: data_dir.to_owned(),
            gateway_port,
            monitoring_port,
            partitions,
        };
        broker.wait_ready(Duration::from_secs(30));
        broker
    }

    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.gateway_port)
    }

    fn wait_ready(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "broker exited during start-up with {status}; log: {}",
                    self.log()
                );
            }
            if http_get(self.monitoring_port, "/ready").is_some_and(|(code, _)| code == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("broker not ready within {timeout:?}; log: {}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.with_extension("log")).unwrap_or_default()
    }

    /// SIGKILL: no shutdown hooks, no flushing.
    pub fn kill_9(mut self) -> (PathBuf, u16, u16, u16) {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
        (
            self.data_dir.clone(),
            self.partitions,
            self.gateway_port,
            self.monitoring_port,
        )
    }

    pub fn metrics(&self) -> String {
        http_get(self.monitoring_port, "/metrics")
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

/// A minimal HTTP/1.0 GET, enough for the monitoring endpoints.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
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
