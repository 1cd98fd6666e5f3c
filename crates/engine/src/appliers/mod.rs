//! Event appliers: the only code that changes state. One module per value type; each applier is a pure
//! function of (state, event), so every replica that applies the same events ends with the same bytes.
//!
//! The leader runs them while processing (on the round's overlay) and every replica runs them on
//! committed events through [`crate::Engine::apply`].

mod distribution;
mod incident;
mod job;
mod message;
mod process;
pub(crate) mod process_instance;
mod timer;
mod user_task;
mod variable;

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::process_cache::ProcessCache;
use crate::state::keys;
use hornet_protocol::{PartitionId, Record, RecordValue};

/// Applies one event.
pub(crate) fn apply(
    partition: PartitionId,
    processes: &mut ProcessCache,
    state: &mut dyn KvWrite,
    event: &Record,
) -> Result<(), EngineError> {
    keys::advance_past(state, partition, event.key)?;
    if let RecordValue::Variable(_, variable) = &event.value {
        // A scope can get variables before its element instance exists (a new process instance's
        // variables precede its activation): its key counts as used from then on.
        keys::advance_past(state, partition, variable.scope_key)?;
    }
    match &event.value {
        RecordValue::Process(intent, value) => process::apply(state, *intent, value),
        RecordValue::ProcessInstance(intent, value) => {
            process_instance::apply(processes, state, event.key, *intent, value)
        }
        RecordValue::ProcessInstanceCreation(intent, value) => {
            process_instance::apply_creation(state, event, *intent, value)
        }
        RecordValue::Job(intent, value) => job::apply(state, event.key, *intent, value),
        RecordValue::JobBatch(intent, value) => job::apply_batch(state, *intent, value),
        RecordValue::Incident(intent, value) => incident::apply(state, event.key, *intent, value),
        RecordValue::Variable(intent, value) => variable::apply(state, event.key, *intent, value),
        RecordValue::Timer(intent, value) => timer::apply(state, event.key, *intent, value),
        RecordValue::Message(intent, value) => message::apply(state, event.key, *intent, value),
        RecordValue::ProcessMessageSubscription(intent, value) => {
            message::apply_subscription(state, event.key, *intent, value)
        }
        RecordValue::MessageSubscription(intent, value) => {
            message::apply_message_subscription(state, event.key, *intent, value)
        }
        RecordValue::SignalSubscription(intent, value) => {
            match intent {
                hornet_protocol::SignalSubscriptionIntent::Created => {
                    crate::state::signals::insert(state, value)?
                }
                hornet_protocol::SignalSubscriptionIntent::Deleted => {
                    crate::state::signals::remove(state, value)
                }
            }
            Ok(())
        }
        RecordValue::MessageStartEventSubscription(intent, value) => {
            message::apply_start_subscription(state, *intent, value)
        }
        RecordValue::CommandDistribution(intent, value) => {
            distribution::apply(state, event, *intent, value)
        }
        RecordValue::ProcessEvent(intent, value) => {
            process_instance::apply_process_event(processes, state, event.key, *intent, value)
        }
        // A broadcast distributed from another partition keeps that partition's key: remember it, so a
        // re-sent copy does not trigger the subscriptions again.
        RecordValue::Signal(hornet_protocol::SignalIntent::Broadcasted, _)
            if event
                .key
                .partition()
                .is_some_and(|origin| origin != partition) =>
        {
            crate::state::distributions::mark_received(state, event.key);
            Ok(())
        }
        RecordValue::CompensationSubscription(intent, value) => {
            use crate::state::compensations;
            use hornet_protocol::CompensationSubscriptionIntent as Intent;
            match intent {
                Intent::Created | Intent::Triggered => {
                    compensations::put_subscription(state, event.key, value)
                }
                // A completed compensation is done with: what remains for the throw event (and for
                // the sub-process around the activity) is what has not completed yet.
                Intent::Completed | Intent::Deleted => {
                    compensations::remove(state, event.key, value);
                    Ok(())
                }
            }
        }
        RecordValue::UserTask(intent, value) => user_task::apply(state, event.key, *intent, value),
        RecordValue::DecisionRequirements(intent, value) => match intent {
            hornet_protocol::DecisionRequirementsIntent::Created => {
                crate::state::decisions::insert_drg(state, value)
            }
            hornet_protocol::DecisionRequirementsIntent::Deleted => Ok(()),
        },
        RecordValue::Decision(intent, value) => match intent {
            hornet_protocol::DecisionIntent::Created => {
                crate::state::decisions::insert_decision(state, value)
            }
            hornet_protocol::DecisionIntent::Deleted => Ok(()),
        },
        // Events of these types carry no state of their own here (the deployment's processes come with
        // their own PROCESS CREATED events; variable documents with VARIABLE events).
        RecordValue::Deployment(..)
        | RecordValue::VariableDocument(..)
        | RecordValue::ProcessInstanceResult(..)
        | RecordValue::ProcessInstanceBatch(..)
        | RecordValue::Signal(..)
        | RecordValue::Escalation(..)
        | RecordValue::Error(..)
        | RecordValue::DecisionEvaluation(..) => Ok(()),
    }
}
