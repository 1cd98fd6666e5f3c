//! `hornet gateway`: a standalone gateway in front of a cluster, until SIGINT or SIGTERM.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use std::sync::Arc;

use anyhow::Context;
use hornet_broker::config::{members_of, parse_contact_points};
use hornet_broker::metrics::Metrics;
use hornet_broker::monitoring::Monitored;
use hornet_cluster::{Directory, DirectoryConfig, Peers, PeersConfig};
use hornet_gateway::{BrokerClient, GatewayConfig, GatewayMetrics, GatewayService};
use tracing::info;

use crate::broker_command::shutdown_signal;
use crate::cli::GatewayArgs;
use crate::cluster_gateway::ClusterGateway;

/// Node id the gateway names itself with on the cluster transport; it is not a Raft member.
const GATEWAY_NODE_ID: u64 = u64::MAX;

/// Contact points in node-id order: entry `i` is node `i`.
fn members(contact_points: &str) -> anyhow::Result<BTreeMap<u64, String>> {
    let members = members_of(&parse_contact_points(contact_points));
    anyhow::ensure!(
        !members.is_empty(),
        "--contact-points must name at least one broker (host:port of its internal API)"
    );
    Ok(members)
}

/// What the standalone gateway's monitoring endpoint reports.
struct GatewayMonitoring {
    gateway: Arc<ClusterGateway>,
    metrics: Metrics,
}

impl Monitored for GatewayMonitoring {
    fn readiness(&self) -> Result<(), String> {
        let topology = self.gateway.topology();
        if topology.partitions_count == 0 {
            return Err("no broker has answered yet".into());
        }
        let led = topology.partitions_with_leader();
        let missing: Vec<u16> = topology
            .partitions()
            .filter(|p| !led.contains(p))
            .map(|p| p.get())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("no known leader for partitions {missing:?}"))
        }
    }

    fn health(&self) -> Result<(), String> {
        if self.gateway.topology().brokers.is_empty() {
            Err("no broker reachable".into())
        } else {
            Ok(())
        }
    }

    fn render_metrics(&self) -> String {
        self.metrics.render()
    }
}

pub async fn run(args: GatewayArgs) -> anyhow::Result<()> {
    let members = members(&args.contact_points)?;
    let peers = Peers::new(PeersConfig::new(GATEWAY_NODE_ID, &args.cluster_name));
    let directory = Directory::start(peers, members, None, DirectoryConfig::default());
    let addr = SocketAddr::new(args.host, args.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for clients on {addr}"))?;
    let monitoring_addr = SocketAddr::new(args.host, args.monitoring_port);
    let monitoring_listener = tokio::net::TcpListener::bind(monitoring_addr)
        .await
        .with_context(|| format!("cannot listen for monitoring on {monitoring_addr}"))?;
    let rest_addr = SocketAddr::new(args.host, args.rest_port);
    let rest_listener = tokio::net::TcpListener::bind(rest_addr)
        .await
        .with_context(|| format!("cannot listen for REST clients on {rest_addr}"))?;
    let gateway = ClusterGateway::standalone(directory);
    let metrics = Metrics::new();
    let gateway_metrics = GatewayMetrics::new();
    metrics.with_registry(|registry| gateway_metrics.register(registry));
    let service = GatewayService::new(
        Arc::clone(&gateway) as Arc<dyn BrokerClient>,
        GatewayConfig::default(),
        gateway_metrics,
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    let monitoring = tokio::spawn(hornet_broker::monitoring::serve_on(
        monitoring_listener,
        Arc::new(GatewayMonitoring {
            gateway: Arc::clone(&gateway),
            metrics,
        }),
        stopped(),
    ));
    let rest = tokio::spawn(hornet_gateway::serve_rest(
        rest_listener,
        hornet_gateway::rest_router(
            Arc::clone(&gateway) as Arc<dyn BrokerClient>,
            GatewayConfig::default(),
        ),
        stopped(),
    ));
    info!(gateway = %addr, rest = %rest_addr, monitoring = %monitoring_addr, contact_points = %args.contact_points, "gateway listening");
    let serving = tokio::spawn(hornet_gateway::serve_with_listener(
        listener,
        service,
        stopped(),
    ));
    shutdown_signal().await;
    let _ = stop.send(true);
    serving.await??;
    rest.await??;
    monitoring.await??;
    info!("gateway stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_points_number_the_nodes_in_order() {
        let m = members("a:26502, b:26502,c:26502").unwrap();
        assert_eq!(m.get(&0).map(String::as_str), Some("a:26502"));
        assert_eq!(m.get(&2).map(String::as_str), Some("c:26502"));
        assert!(members(" , ").is_err());
    }
}
