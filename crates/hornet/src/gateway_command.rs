//! `hornet gateway`: a standalone gateway in front of a cluster, until SIGINT or SIGTERM.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use anyhow::Context;
use hornet_cluster::{Directory, DirectoryConfig, Peers, PeersConfig};
use hornet_gateway::{GatewayConfig, GatewayMetrics, GatewayService};
use tracing::info;

use crate::broker_command::shutdown_signal;
use crate::cli::GatewayArgs;
use crate::cluster_gateway::ClusterGateway;

/// Node id the gateway names itself with on the cluster transport; it is not a Raft member.
const GATEWAY_NODE_ID: u64 = u64::MAX;

/// Contact points in node-id order: entry `i` is node `i`.
fn members(contact_points: &str) -> anyhow::Result<BTreeMap<u64, String>> {
    let members: BTreeMap<u64, String> = contact_points
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
        .map(|(id, address)| (id as u64, address.to_string()))
        .collect();
    anyhow::ensure!(
        !members.is_empty(),
        "--contact-points must name at least one broker (host:port of its internal API)"
    );
    Ok(members)
}

pub async fn run(args: GatewayArgs) -> anyhow::Result<()> {
    let members = members(&args.contact_points)?;
    let peers = Peers::new(PeersConfig::new(GATEWAY_NODE_ID, &args.cluster_name));
    let directory = Directory::start(peers, members, None, DirectoryConfig::default());
    let addr = SocketAddr::new(args.host, args.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for clients on {addr}"))?;
    let service = GatewayService::new(
        ClusterGateway::standalone(directory),
        GatewayConfig::default(),
        GatewayMetrics::new(),
    );
    info!(gateway = %addr, contact_points = %args.contact_points, "gateway listening");
    hornet_gateway::serve_with_listener(listener, service, shutdown_signal()).await?;
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
