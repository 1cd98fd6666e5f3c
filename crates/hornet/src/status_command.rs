//! `hornet status`: the topology a gateway reports.

use crate::cli::StatusArgs;

pub async fn run(args: StatusArgs) -> anyhow::Result<()> {
    let client = hornet_client::Client::connect(&args.address).await?;
    let topology = client.topology().await?;
    println!(
        "Cluster size: {}\nPartitions count: {}\nReplication factor: {}\nGateway version: {}",
        topology.cluster_size,
        topology.partitions_count,
        topology.replication_factor,
        topology.gateway_version
    );
    for broker in &topology.brokers {
        println!(
            "Broker {} - {}:{} (version {})",
            broker.node_id, broker.host, broker.port, broker.version
        );
        for partition in &broker.partitions {
            println!(
                "  Partition {} : {} ({})",
                partition.partition_id,
                role_name(partition.role),
                health_name(partition.health)
            );
        }
    }
    Ok(())
}

fn role_name(role: i32) -> &'static str {
    match role {
        0 => "Leader",
        1 => "Follower",
        _ => "Inactive",
    }
}

fn health_name(health: i32) -> &'static str {
    match health {
        0 => "Healthy",
        1 => "Unhealthy",
        _ => "Dead",
    }
}
