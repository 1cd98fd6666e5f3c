//! MESSAGE, MESSAGE_SUBSCRIPTION, PROCESS_MESSAGE_SUBSCRIPTION and MESSAGE_START_EVENT_SUBSCRIPTION
//! events.

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::state::subscriptions::{
    self, MessageSubscription, ProcessSubscription, ProcessSubscriptionState,
};
use crate::state::{element_instances, messages};
use hornet_protocol::value::{
    MessageRecord, MessageStartEventSubscriptionRecord, MessageSubscriptionRecord,
    ProcessMessageSubscriptionRecord,
};
use hornet_protocol::{
    Key, MessageIntent, MessageStartEventSubscriptionIntent, MessageSubscriptionIntent,
    ProcessMessageSubscriptionIntent,
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

/// PROCESS_MESSAGE_SUBSCRIPTION events (the instance partition's half, keyed by the subscription key).
pub(super) fn apply_subscription(
    state: &mut dyn KvWrite,
    key: Key,
    intent: ProcessMessageSubscriptionIntent,
    value: &ProcessMessageSubscriptionRecord,
) -> Result<(), EngineError> {
    let element_instance = value.element_instance_key;
    let name = &value.message_name;
    let existing = subscriptions::get_process(state, element_instance, name)?;
    let update = |state: &mut dyn KvWrite, to: ProcessSubscriptionState| match &existing {
        Some(subscription) => subscriptions::put_process(
            state,
            &ProcessSubscription {
                state: to,
                ..subscription.clone()
            },
        ),
        None => Ok(()),
    };
    match intent {
        ProcessMessageSubscriptionIntent::Creating => subscriptions::put_process(
            state,
            &ProcessSubscription {
                key,
                state: ProcessSubscriptionState::Opening,
                record: value.clone(),
            },
        ),
        ProcessMessageSubscriptionIntent::Created => {
            update(state, ProcessSubscriptionState::Opened)
        }
        ProcessMessageSubscriptionIntent::Deleting => {
            update(state, ProcessSubscriptionState::Closing)
        }
        ProcessMessageSubscriptionIntent::Deleted => {
            subscriptions::remove_process(state, element_instance, name);
            Ok(())
        }
        ProcessMessageSubscriptionIntent::Correlated => {
            if let Some(mut instance) = element_instances::get_instance(state, element_instance)? {
                if instance.record.element_id == value.element_id && !value.variables.is_empty() {
                    instance.trigger_variables = Some(value.variables.as_str().to_string());
                    element_instances::put_instance(state, &instance)?;
                }
            }
            // The subscription stays (an interrupting one too, until its element ends and closes it)
            // and remembers the message, so that a re-sent correlation is recognised and acknowledged
            // again. It is open now even if the open acknowledgement has not arrived: the message
            // partition sends a correlation instead of it.
            match existing {
                Some(mut subscription) => {
                    subscription.state = match subscription.state {
                        ProcessSubscriptionState::Closing => ProcessSubscriptionState::Closing,
                        _ => ProcessSubscriptionState::Opened,
                    };
                    subscription.record.message_key = value.message_key;
                    subscriptions::put_process(state, &subscription)
                }
                None => Ok(()),
            }
        }
        ProcessMessageSubscriptionIntent::Create
        | ProcessMessageSubscriptionIntent::Correlate
        | ProcessMessageSubscriptionIntent::Delete => Ok(()),
    }
}

/// MESSAGE_SUBSCRIPTION events (the message partition's half, keyed by its subscription key).
pub(super) fn apply_message_subscription(
    state: &mut dyn KvWrite,
    key: Key,
    intent: MessageSubscriptionIntent,
    value: &MessageSubscriptionRecord,
) -> Result<(), EngineError> {
    let element_instance = value.element_instance_key;
    let name = &value.message_name;
    match intent {
        MessageSubscriptionIntent::Created => subscriptions::put_message(
            state,
            &MessageSubscription {
                key,
                correlating: false,
                record: value.clone(),
            },
        ),
        MessageSubscriptionIntent::Correlating => {
            // The message counts as taken by this process from now on; a rejection gives it back.
            if messages::get_message(state, value.message_key)?.is_some() {
                messages::mark_correlated(state, value.message_key, &value.bpmn_process_id);
            }
            let Some(mut subscription) = subscriptions::get_message(state, element_instance, name)?
            else {
                return Ok(());
            };
            subscription.correlating = true;
            subscription.record.message_key = value.message_key;
            subscription.record.variables = value.variables.clone();
            subscriptions::put_message(state, &subscription)
        }
        MessageSubscriptionIntent::Correlated => {
            let Some(mut subscription) = subscriptions::get_message(state, element_instance, name)?
            else {
                return Ok(());
            };
            // An interrupting subscription stays, used up, until its element ends and deletes it.
            subscription.correlating = false;
            subscriptions::put_message(state, &subscription)
        }
        MessageSubscriptionIntent::Rejected => {
            messages::unmark_correlated(state, value.message_key, &value.bpmn_process_id);
            subscriptions::remove_message(state, element_instance, name)
        }
        MessageSubscriptionIntent::Deleted => {
            // A subscription deleted while its correlation was unanswered did not take the message:
            // the instance partition refuses correlations once the subscription is closing.
            if let Some(subscription) = subscriptions::get_message(state, element_instance, name)? {
                if subscription.correlating {
                    messages::unmark_correlated(
                        state,
                        subscription.record.message_key,
                        &subscription.record.bpmn_process_id,
                    );
                }
            }
            subscriptions::remove_message(state, element_instance, name)
        }
        MessageSubscriptionIntent::Create
        | MessageSubscriptionIntent::Correlate
        | MessageSubscriptionIntent::Reject
        | MessageSubscriptionIntent::Delete => Ok(()),
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
