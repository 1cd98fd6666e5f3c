//! The cluster view the broker hands to the gateway, and its `TopologyResponse` form.

use hornet_api::gateway_protocol as pb;
use hornet_protocol::PartitionId;

/// What the gateway knows about the cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterTopology {
    /// Number of broker nodes the cluster is configured with.
    pub cluster_size: u32,
    /// Partitions are numbered `1..=partitions_count`.
    pub partitions_count: u16,
    pub replication_factor: u32,
    /// Zeebe's clusterId; empty when unknown.
    pub cluster_id: String,
    pub brokers: Vec<BrokerInfo>,
}

/// One broker node and the partitions it takes part in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerInfo {
    pub node_id: u32,
    pub host: String,
    /// The node's command API port (26501 by default), as Zeebe reports it.
    pub port: u16,
    pub version: String,
    pub partitions: Vec<PartitionInfo>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PartitionInfo {
    pub partition: PartitionId,
    pub role: PartitionRole,
    pub health: PartitionHealth,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PartitionRole {
    Leader,
    Follower,
    Inactive,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PartitionHealth {
    Healthy,
    Unhealthy,
    Dead,
}

impl ClusterTopology {
    /// Every partition id of the cluster, in order.
    pub fn partitions(&self) -> impl Iterator<Item = PartitionId> {
        (1..=self.partitions_count).map(PartitionId)
    }

    /// Partitions that currently have a leader, in order (duplicates removed).
    pub fn partitions_with_leader(&self) -> Vec<PartitionId> {
        let mut leaders: Vec<PartitionId> = self
            .brokers
            .iter()
            .flat_map(|broker| broker.partitions.iter())
            .filter(|p| {
                p.role == PartitionRole::Leader && p.partition.get() <= self.partitions_count
            })
            .map(|p| p.partition)
            .collect();
        leaders.sort_unstable();
        leaders.dedup();
        leaders
    }

    /// Whether `partition` exists in this cluster.
    pub fn contains(&self, partition: PartitionId) -> bool {
        (1..=self.partitions_count).contains(&partition.get())
    }

    /// The `Topology` RPC answer.
    pub fn to_response(&self, gateway_version: &str) -> pb::TopologyResponse {
        pb::TopologyResponse {
            brokers: self.brokers.iter().map(BrokerInfo::to_proto).collect(),
            cluster_size: saturating_i32(self.cluster_size),
            partitions_count: i32::from(self.partitions_count),
            replication_factor: saturating_i32(self.replication_factor),
            gateway_version: gateway_version.to_owned(),
            cluster_id: self.cluster_id.clone(),
        }
    }
}

impl BrokerInfo {
    fn to_proto(&self) -> pb::BrokerInfo {
        pb::BrokerInfo {
            node_id: saturating_i32(self.node_id),
            host: self.host.clone(),
            port: i32::from(self.port),
            partitions: self
                .partitions
                .iter()
                .copied()
                .map(PartitionInfo::to_proto)
                .collect(),
            version: self.version.clone(),
        }
    }
}

impl PartitionInfo {
    fn to_proto(self) -> pb::Partition {
        use pb::partition::{PartitionBrokerHealth as H, PartitionBrokerRole as R};
        let role = match self.role {
            PartitionRole::Leader => R::Leader,
            PartitionRole::Follower => R::Follower,
            PartitionRole::Inactive => R::Inactive,
        };
        let health = match self.health {
            PartitionHealth::Healthy => H::Healthy,
            PartitionHealth::Unhealthy => H::Unhealthy,
            PartitionHealth::Dead => H::Dead,
        };
        pb::Partition {
            partition_id: i32::from(self.partition.get()),
            role: role as i32,
            health: health as i32,
        }
    }
}

fn saturating_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(id: u16, role: PartitionRole) -> PartitionInfo {
        PartitionInfo {
            partition: PartitionId(id),
            role,
            health: PartitionHealth::Healthy,
        }
    }

    fn topology() -> ClusterTopology {
        ClusterTopology {
            cluster_size: 2,
            partitions_count: 3,
            replication_factor: 2,
            cluster_id: "c".into(),
            brokers: vec![
                BrokerInfo {
                    node_id: 0,
                    host: "a".into(),
                    port: 26501,
                    version: "0.1.0".into(),
                    partitions: vec![
                        partition(1, PartitionRole::Leader),
                        partition(3, PartitionRole::Follower),
                    ],
                },
                BrokerInfo {
                    node_id: 1,
                    host: "b".into(),
                    port: 26501,
                    version: "0.1.0".into(),
                    partitions: vec![
                        partition(3, PartitionRole::Leader),
                        partition(1, PartitionRole::Follower),
                    ],
                },
            ],
        }
    }

    #[test]
    fn leaders_are_sorted_and_partitions_without_leader_are_left_out() {
        assert_eq!(
            topology().partitions_with_leader(),
            vec![PartitionId(1), PartitionId(3)]
        );
        assert!(topology().contains(PartitionId(3)));
        assert!(!topology().contains(PartitionId(4)));
        assert!(!topology().contains(PartitionId(0)));
    }

    #[test]
    fn response_uses_zeebe_enum_numbers() {
        let response = topology().to_response("8.8.0");
        assert_eq!(response.partitions_count, 3);
        assert_eq!(response.gateway_version, "8.8.0");
        let follower = &response.brokers[0].partitions[1];
        assert_eq!((follower.partition_id, follower.role), (3, 1));
        assert_eq!(response.brokers[1].host, "b");
    }
}
