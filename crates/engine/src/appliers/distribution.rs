//! COMMAND_DISTRIBUTION events: the pending receivers of a distributed command.

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::state::distributions::{self, StoredDistribution};
use hornet_protocol::value::CommandDistributionRecord;
use hornet_protocol::{CommandDistributionIntent, Record};

pub(super) fn apply(
    state: &mut dyn KvWrite,
    event: &Record,
    intent: CommandDistributionIntent,
    value: &CommandDistributionRecord,
) -> Result<(), EngineError> {
    match intent {
        CommandDistributionIntent::Started => {
            let Some(command) = &value.command_value else {
                return Err(EngineError::CorruptState {
                    what: "COMMAND_DISTRIBUTION STARTED event",
                    reason: format!(
                        "distribution {} to partition {} carries no command value",
                        event.key, value.partition_id
                    ),
                });
            };
            let stored = StoredDistribution {
                timestamp: event.timestamp,
                command: (**command).clone(),
            };
            distributions::start(state, event.key, value.partition_id, &stored)
        }
        CommandDistributionIntent::Acknowledged => {
            distributions::acknowledge(state, event.key, value.partition_id);
            Ok(())
        }
        CommandDistributionIntent::Finished => distributions::finish(state, event.key),
        CommandDistributionIntent::Distributing | CommandDistributionIntent::Acknowledge => Ok(()),
    }
}
