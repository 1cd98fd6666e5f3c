//! MESSAGE and PROCESS_MESSAGE_SUBSCRIPTION events.

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::state::{element_instances, messages};
use hornet_protocol::value::{
    MessageRecord, MessageStartEventSubscriptionRecord, ProcessMessageSubscriptionRecord,
};
use hornet_protocol::{
    Key, MessageIntent, MessageStartEventSubscriptionIntent, ProcessMessageSubscriptionIntent,
};

pub(super) fn apply(
    state: &mut dyn KvWrite,
    key: Key,
    intent: MessageIntent,
    value: &MessageRecord,
) -> Result<(), EngineError> {
    match intent {
        // A message with no time to live is never buffered (as in Zeebe).
        MessageIntent::Published if value.time_to_live > 0 => {
            messages::insert_message(state, key, value)
        }
        MessageIntent::Expired => messages::remove_message(state, key),
        _ => Ok(()),
    }
}

pub(super) fn apply_subscription(
    state: &mut dyn KvWrite,
    intent: ProcessMessageSubscriptionIntent,
    value: &ProcessMessageSubscriptionRecord,
) -> Result<(), EngineError> {
    match intent {
        ProcessMessageSubscriptionIntent::Created => messages::insert_subscription(state, value),
        ProcessMessageSubscriptionIntent::Correlated => {
            if let Some(mut instance) =
                element_instances::get_instance(state, value.element_instance_key)?
            {
                if instance.record.element_id == value.element_id && !value.variables.is_empty() {
                    instance.trigger_variables = Some(value.variables.as_str().to_string());
                    element_instances::put_instance(state, &instance)?;
                }
            }
            // Only a buffered message can correlate again later; remember where it went.
            if messages::get_message(state, value.message_key)?.is_some() {
                messages::mark_correlated(state, value.message_key, &value.bpmn_process_id);
            }
            messages::remove_subscription(state, value.element_instance_key, &value.message_name)
        }
        ProcessMessageSubscriptionIntent::Deleted => {
            messages::remove_subscription(state, value.element_instance_key, &value.message_name)
        }
        _ => Ok(()),
    }
}

pub(super) fn apply_start_subscription(
    state: &mut dyn KvWrite,
    intent: MessageStartEventSubscriptionIntent,
    value: &MessageStartEventSubscriptionRecord,
) -> Result<(), EngineError> {
    match intent {
        MessageStartEventSubscriptionIntent::Created => {
            messages::put_start_subscription(state, value)
        }
        MessageStartEventSubscriptionIntent::Deleted => {
            messages::delete_start_subscription(state, &value.message_name, &value.bpmn_process_id);
            Ok(())
        }
        MessageStartEventSubscriptionIntent::Correlated => {
            if messages::get_message(state, value.message_key)?.is_some() {
                messages::mark_correlated(state, value.message_key, &value.bpmn_process_id);
            }
            if !value.correlation_key.is_empty() {
                messages::put_start_correlation(
                    state,
                    value.process_instance_key,
                    &messages::StartCorrelation {
                        bpmn_process_id: value.bpmn_process_id.clone(),
                        correlation_key: value.correlation_key.clone(),
                    },
                )?;
            }
            Ok(())
        }
    }
}
