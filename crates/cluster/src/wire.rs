//! Conversions between the generated `hornet_cluster` messages and this crate's types.

use hornet_api::hornet_cluster as pb;
use hornet_protocol::{PartitionId, MAX_PARTITIONS};
use hornet_replication::Role;

use crate::error::ExecuteError;
use crate::status::{ClusterShape, NodeStatus, PartitionStatus};

/// The partition a request names, if it is a valid partition id.
pub(crate) fn partition_id(wire: u32) -> Result<PartitionId, String> {
    match u16::try_from(wire) {
        Ok(id) if (1..=MAX_PARTITIONS).contains(&id) => Ok(PartitionId(id)),
        _ => Err(format!(
            "partition {wire} is out of range (partitions are numbered 1 to {MAX_PARTITIONS})"
        )),
    }
}

pub(crate) fn role_to_wire(role: Role) -> pb::PartitionRole {
    match role {
        Role::Leader => pb::PartitionRole::Leader,
        Role::Follower => pb::PartitionRole::Follower,
        Role::Candidate => pb::PartitionRole::Candidate,
        Role::Learner => pb::PartitionRole::Learner,
        Role::Stopped => pb::PartitionRole::Inactive,
    }
}

fn role_from_wire(role: i32) -> Result<Role, String> {
    match pb::PartitionRole::try_from(role) {
        Ok(pb::PartitionRole::Leader) => Ok(Role::Leader),
        Ok(pb::PartitionRole::Follower) => Ok(Role::Follower),
        Ok(pb::PartitionRole::Candidate) => Ok(Role::Candidate),
        Ok(pb::PartitionRole::Learner) => Ok(Role::Learner),
        Ok(pb::PartitionRole::Inactive) => Ok(Role::Stopped),
        Ok(pb::PartitionRole::Unspecified) | Err(_) => {
            Err(format!("unknown partition role {role}"))
        }
    }
}

pub(crate) fn execute_error_to_wire(error: &ExecuteError) -> pb::ExecuteError {
    use pb::ExecuteErrorKind as Kind;
    let (kind, leader_id, leader_address) = match error {
        ExecuteError::NotLeader {
            leader,
            leader_address,
        } => (Kind::NotLeader, *leader, leader_address.clone()),
        ExecuteError::PartitionNotFound(_) => (Kind::PartitionNotFound, None, None),
        ExecuteError::ResourceExhausted(_) => (Kind::ResourceExhausted, None, None),
        ExecuteError::DeadlineExceeded(_) => (Kind::DeadlineExceeded, None, None),
        ExecuteError::InvalidCommand(_) => (Kind::InvalidCommand, None, None),
        ExecuteError::Unavailable(_) => (Kind::Unavailable, None, None),
        ExecuteError::Internal(_) => (Kind::Internal, None, None),
    };
    let message = match error {
        ExecuteError::ResourceExhausted(m)
        | ExecuteError::DeadlineExceeded(m)
        | ExecuteError::InvalidCommand(m)
        | ExecuteError::Unavailable(m)
        | ExecuteError::Internal(m) => m.clone(),
        other => other.to_string(),
    };
    pb::ExecuteError {
        kind: kind.into(),
        message,
        leader_id,
        leader_address: leader_address.unwrap_or_default(),
    }
}

/// The error a peer reported for `partition`.
pub(crate) fn execute_error_from_wire(
    partition: PartitionId,
    error: pb::ExecuteError,
) -> ExecuteError {
    use pb::ExecuteErrorKind as Kind;
    let message = error.message;
    match Kind::try_from(error.kind) {
        Ok(Kind::NotLeader) => ExecuteError::NotLeader {
            leader: error.leader_id,
            leader_address: Some(error.leader_address).filter(|a| !a.is_empty()),
        },
        Ok(Kind::PartitionNotFound) => ExecuteError::PartitionNotFound(partition),
        Ok(Kind::ResourceExhausted) => ExecuteError::ResourceExhausted(message),
        Ok(Kind::DeadlineExceeded) => ExecuteError::DeadlineExceeded(message),
        Ok(Kind::InvalidCommand) => ExecuteError::InvalidCommand(message),
        Ok(Kind::Unavailable) => ExecuteError::Unavailable(message),
        Ok(Kind::Internal) => ExecuteError::Internal(message),
        Ok(Kind::Unspecified) | Err(_) => {
            ExecuteError::Internal(format!("error of unknown kind {}: {message}", error.kind))
        }
    }
}

pub(crate) fn node_status_to_wire(status: &NodeStatus) -> pb::NodeStatusResponse {
    pb::NodeStatusResponse {
        node_id: status.node_id,
        cluster_name: status.cluster_name.clone(),
        partitions: status
            .partitions
            .iter()
            .map(|p| pb::PartitionStatus {
                partition: u32::from(p.partition.get()),
                role: role_to_wire(p.role).into(),
                term: p.term,
                leader_id: p.leader,
                last_applied: p.last_applied,
                healthy: p.healthy,
            })
            .collect(),
        version: status.version.clone(),
        command_address: status.command_address.clone().unwrap_or_default(),
        cluster_size: status.shape.cluster_size,
        partitions_count: u32::from(status.shape.partitions_count),
        replication_factor: status.shape.replication_factor,
    }
}

pub(crate) fn node_status_from_wire(status: pb::NodeStatusResponse) -> Result<NodeStatus, String> {
    let mut partitions = status
        .partitions
        .into_iter()
        .map(|p| {
            Ok(PartitionStatus {
                partition: partition_id(p.partition)?,
                role: role_from_wire(p.role)
                    .map_err(|e| format!("partition {}: {e}", p.partition))?,
                term: p.term,
                leader: p.leader_id,
                last_applied: p.last_applied,
                healthy: p.healthy,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    partitions.sort_by_key(|p| p.partition);
    Ok(NodeStatus {
        node_id: status.node_id,
        cluster_name: status.cluster_name,
        version: status.version,
        command_address: Some(status.command_address).filter(|a| !a.is_empty()),
        partitions,
        shape: ClusterShape {
            cluster_size: status.cluster_size,
            partitions_count: u16::try_from(status.partitions_count)
                .ok()
                .filter(|count| *count <= MAX_PARTITIONS)
                .ok_or_else(|| {
                    format!(
                        "partitions count {} is out of range",
                        status.partitions_count
                    )
                })?,
            replication_factor: status.replication_factor,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_ids_outside_one_to_max_are_refused() {
        assert_eq!(partition_id(1), Ok(PartitionId(1)));
        assert_eq!(
            partition_id(u32::from(MAX_PARTITIONS)),
            Ok(PartitionId(MAX_PARTITIONS))
        );
        for bad in [0, u32::from(MAX_PARTITIONS) + 1, 70_000] {
            let err = partition_id(bad).unwrap_err();
            assert!(
                err.contains(&format!("partition {bad} is out of range")),
                "{err}"
            );
        }
    }

    #[test]
    fn execute_errors_survive_the_wire() {
        let partition = PartitionId(3);
        for error in [
            ExecuteError::NotLeader {
                leader: Some(2),
                leader_address: Some("10.0.0.2:26502".into()),
            },
            ExecuteError::NotLeader {
                leader: None,
                leader_address: None,
            },
            ExecuteError::PartitionNotFound(partition),
            ExecuteError::ResourceExhausted("backpressure".into()),
            ExecuteError::DeadlineExceeded("after 5 s".into()),
            ExecuteError::InvalidCommand("not a command".into()),
            ExecuteError::Unavailable("starting".into()),
            ExecuteError::Internal("boom".into()),
        ] {
            let wire = execute_error_to_wire(&error);
            assert_eq!(execute_error_from_wire(partition, wire), error);
        }
    }

    #[test]
    fn unknown_wire_values_are_named() {
        let err = execute_error_from_wire(
            PartitionId(1),
            pb::ExecuteError {
                kind: 99,
                message: "x".into(),
                leader_id: None,
                leader_address: String::new(),
            },
        );
        assert_eq!(
            err,
            ExecuteError::Internal("error of unknown kind 99: x".into())
        );
        assert_eq!(role_from_wire(42), Err("unknown partition role 42".into()));
    }

    #[test]
    fn node_status_survives_the_wire_sorted() {
        let status = NodeStatus {
            node_id: 2,
            cluster_name: "c".into(),
            version: "0.1.0".into(),
            command_address: None,
            shape: ClusterShape {
                cluster_size: 3,
                partitions_count: 2,
                replication_factor: 3,
            },
            partitions: vec![
                PartitionStatus {
                    partition: PartitionId(1),
                    role: Role::Leader,
                    term: 4,
                    leader: Some(2),
                    last_applied: 10,
                    healthy: true,
                },
                PartitionStatus {
                    partition: PartitionId(2),
                    role: Role::Stopped,
                    term: 1,
                    leader: None,
                    last_applied: 0,
                    healthy: false,
                },
            ],
        };
        let mut wire = node_status_to_wire(&status);
        wire.partitions.reverse();
        assert_eq!(node_status_from_wire(wire), Ok(status));
    }
}
