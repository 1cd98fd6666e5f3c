//! Command distribution across partitions, as Zeebe's `CommandDistributionBehavior` and
//! `CommandDistributionAcknowledgeProcessor`.
//!
//! * The distributing partition writes COMMAND_DISTRIBUTION STARTED (key = the distribution key, value =
//!   the receiving partition and the command) per other partition and sends each a copy of the command
//!   ([`crate::Processed::outbound`]). The STARTED applier keeps the command and the pending receivers,
//!   which [`pending_outbound`] turns back into commands for re-sending.
//! * A receiving partition, after processing the copy, sends COMMAND_DISTRIBUTION ACKNOWLEDGE (key = the
//!   distribution key, value.partitionId = the receiver) back to the partition the key belongs to. It
//!   acknowledges duplicates too: an earlier acknowledgement may have been lost.
//! * ACKNOWLEDGE for a pending receiver → ACKNOWLEDGED; after the last one, FINISHED and the command's
//!   completion event (DEPLOYMENT FULLY_DISTRIBUTED for deployments). ACKNOWLEDGE for a receiver that is
//!   not pending (a re-sent copy acknowledged twice) → NOT_FOUND rejection, as Zeebe.
//!
//! Zeebe finishes through a FINISH follow-up command; Hornet's protocol has no such intent, so the
//! acknowledging round writes FINISHED itself (same events, one command fewer).

use crate::error::EngineError;
use crate::kv::KvRead;
use crate::processing::Ctx;
use crate::state::distributions;
use crate::Outbound;
use hornet_protocol::value::CommandDistributionRecord;
use hornet_protocol::{
    CommandDistributionIntent, DeploymentIntent, Key, PartitionId, Record, RecordValue,
    RejectionType,
};

/// Distributes `command` (keyed `key`) to every other partition; nothing with a single partition.
pub(crate) fn distribute(
    ctx: &mut Ctx<'_>,
    key: Key,
    command: RecordValue,
) -> Result<(), EngineError> {
    let own = ctx.config.partition_id;
    for partition in (1..=ctx.config.partition_count).map(PartitionId) {
        if partition == own {
            continue;
        }
        ctx.event(
            key,
            RecordValue::CommandDistribution(
                CommandDistributionIntent::Started,
                CommandDistributionRecord {
                    partition_id: partition,
                    command_value: Some(Box::new(command.clone())),
                },
            ),
        )?;
        ctx.send(partition, key, command.clone());
    }
    Ok(())
}

/// Acknowledges a distributed command that this partition processed, to the partition that owns `key`
/// (nothing if the command was not distributed from another partition).
pub(crate) fn acknowledge_received(ctx: &mut Ctx<'_>, key: Key) {
    let own = ctx.config.partition_id;
    let Some(origin) = key.partition().filter(|origin| *origin != own) else {
        return;
    };
    ctx.send(
        origin,
        key,
        RecordValue::CommandDistribution(
            CommandDistributionIntent::Acknowledge,
            CommandDistributionRecord {
                partition_id: own,
                command_value: None,
            },
        ),
    );
}

/// COMMAND_DISTRIBUTION ACKNOWLEDGE.
pub(crate) fn acknowledge(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &CommandDistributionRecord,
) -> Result<(), EngineError> {
    let key = command.key;
    let partition = value.partition_id;
    if !distributions::is_pending(&ctx.state, key, partition)? {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to find pending distribution with key {key} for partition {partition}, but no pending distribution was found."
            ),
        );
        return Ok(());
    }
    let distributed = distributions::get_distribution(&ctx.state, key)?;
    ctx.event(
        key,
        RecordValue::CommandDistribution(
            CommandDistributionIntent::Acknowledged,
            CommandDistributionRecord {
                partition_id: partition,
                command_value: None,
            },
        ),
    )?;
    if distributions::has_pending(&ctx.state, key)? {
        return Ok(());
    }
    ctx.event(
        key,
        RecordValue::CommandDistribution(
            CommandDistributionIntent::Finished,
            CommandDistributionRecord {
                partition_id: ctx.config.partition_id,
                command_value: None,
            },
        ),
    )?;
    if let Some(RecordValue::Deployment(_, deployment)) = distributed.map(|d| d.command) {
        ctx.event(
            key,
            RecordValue::Deployment(DeploymentIntent::FullyDistributed, deployment),
        )?;
    }
    Ok(())
}

/// The distributed commands not acknowledged yet, rebuilt from state (see [`crate::Engine::pending_outbound`]).
pub(crate) fn pending_outbound(state: &dyn KvRead) -> Result<Vec<Outbound>, EngineError> {
    let mut outbound = Vec::new();
    for (key, partition) in distributions::all_pending(state)? {
        let Some(distribution) = distributions::get_distribution(state, key)? else {
            return Err(EngineError::CorruptState {
                what: "command distribution",
                reason: format!(
                    "partition {partition} is pending for distribution {key}, whose command is not stored"
                ),
            });
        };
        let mut command = Record::command(key, distribution.command);
        command.timestamp = distribution.timestamp;
        outbound.push(Outbound { partition, command });
    }
    Ok(outbound)
}
