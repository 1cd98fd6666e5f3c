//! The instance partition's half of message correlation: opening and closing the subscriptions of
//! catch elements, and PROCESS_MESSAGE_SUBSCRIPTION CREATE / CORRELATE / DELETE from the message
//! partition (see the protocol in [`super`]).

use super::{message_side, send_to_message_partition};
use crate::error::EngineError;
use crate::processing::bpmn::events;
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementState};
use crate::state::subscriptions::{self, ProcessSubscription, ProcessSubscriptionState};
use hornet_protocol::value::ProcessMessageSubscriptionRecord;
use hornet_protocol::{
    Key, MessageSubscriptionIntent, ProcessInstanceIntent, ProcessMessageSubscriptionIntent,
    Record, RecordValue, RejectionType,
};

/// Opens a subscription for a catch element: CREATING, and MESSAGE_SUBSCRIPTION CREATE to the message
/// partition.
pub(crate) fn open(
    ctx: &mut Ctx<'_>,
    record: ProcessMessageSubscriptionRecord,
) -> Result<(), EngineError> {
    let key = ctx.next_key();
    ctx.event(
        key,
        RecordValue::ProcessMessageSubscription(
            ProcessMessageSubscriptionIntent::Creating,
            Box::new(record.clone()),
        ),
    )?;
    send_to_message_partition(
        ctx,
        MessageSubscriptionIntent::Create,
        message_side(&record),
    );
    Ok(())
}

/// Closes the subscriptions of an element instance that ends: DELETING, and MESSAGE_SUBSCRIPTION DELETE
/// to the message partition (subscriptions already closing are left as they are).
pub(crate) fn close_all(ctx: &mut Ctx<'_>, element_instance: Key) -> Result<(), EngineError> {
    for subscription in subscriptions::processes_of(&ctx.state, element_instance)? {
        if subscription.state == ProcessSubscriptionState::Closing {
            continue;
        }
        ctx.event(
            subscription.key,
            RecordValue::ProcessMessageSubscription(
                ProcessMessageSubscriptionIntent::Deleting,
                Box::new(subscription.record.clone()),
            ),
        )?;
        send_to_message_partition(
            ctx,
            MessageSubscriptionIntent::Delete,
            delete_command(&subscription.record),
        );
    }
    Ok(())
}

/// MESSAGE_SUBSCRIPTION DELETE for a subscription: it names the last message correlated to it, so that the
/// message partition knows whether a correlation it has not seen acknowledged was made.
pub(crate) fn delete_command(
    record: &ProcessMessageSubscriptionRecord,
) -> hornet_protocol::value::MessageSubscriptionRecord {
    let mut command = message_side(record);
    command.variables = hornet_protocol::Document::empty();
    command
}

fn describe(value: &ProcessMessageSubscriptionRecord) -> String {
    format!(
        "element key '{}' and message name '{}'",
        value.element_instance_key, value.message_name
    )
}

/// PROCESS_MESSAGE_SUBSCRIPTION CREATE: the message partition opened the subscription. One this partition
/// no longer has is closed on the message partition again (Hornet's addition: Zeebe leaves it there).
pub(crate) fn create(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &ProcessMessageSubscriptionRecord,
) -> Result<(), EngineError> {
    match subscriptions::get_process(&ctx.state, value.element_instance_key, &value.message_name)? {
        Some(subscription) if subscription.state == ProcessSubscriptionState::Opening => {
            ctx.event(
                subscription.key,
                RecordValue::ProcessMessageSubscription(
                    ProcessMessageSubscriptionIntent::Created,
                    Box::new(subscription.record),
                ),
            )?;
        }
        None => {
            ctx.reject(
                command,
                RejectionType::NotFound,
                format!(
                    "Expected to create process message subscription with {}, but no such subscription was found",
                    describe(value)
                ),
            );
            // A re-sent CREATE that arrived after the subscription was closed opened it again on the
            // message partition, where nothing would ever close it: close it (best effort; a
            // correlation to it would be rejected and remove it as well).
            let mut orphan = message_side(value);
            orphan.message_key = Key::NONE;
            orphan.variables = hornet_protocol::Document::empty();
            send_to_message_partition(ctx, MessageSubscriptionIntent::Delete, orphan);
        }
        Some(subscription) => ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to create process message subscription with {}, but it is already {}",
                describe(value),
                if subscription.state == ProcessSubscriptionState::Closing {
                    "closing"
                } else {
                    "opened"
                }
            ),
        ),
    }
    Ok(())
}

/// PROCESS_MESSAGE_SUBSCRIPTION DELETE: the message partition closed the subscription.
pub(crate) fn delete(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &ProcessMessageSubscriptionRecord,
) -> Result<(), EngineError> {
    match subscriptions::get_process(&ctx.state, value.element_instance_key, &value.message_name)? {
        Some(subscription) => {
            ctx.event(
                subscription.key,
                RecordValue::ProcessMessageSubscription(
                    ProcessMessageSubscriptionIntent::Deleted,
                    Box::new(subscription.record),
                ),
            )?;
        }
        None => ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to delete process message subscription for {}, but no such subscription was found.",
                describe(value)
            ),
        ),
    }
    Ok(())
}

/// PROCESS_MESSAGE_SUBSCRIPTION CORRELATE: a message for a subscription of this partition. Correlated
/// (and acknowledged with MESSAGE_SUBSCRIPTION CORRELATE) if the element can still be triggered; a
/// duplicate of a correlation already made is acknowledged again; otherwise MESSAGE_SUBSCRIPTION REJECT
/// hands the message back.
pub(crate) fn correlate(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &ProcessMessageSubscriptionRecord,
) -> Result<(), EngineError> {
    let subscription =
        subscriptions::get_process(&ctx.state, value.element_instance_key, &value.message_name)?;
    let Some(subscription) = subscription else {
        return refuse(
            ctx,
            command,
            value,
            RejectionType::NotFound,
            format!(
                "Expected to correlate process message subscription with {}, but no such subscription was found",
                describe(value)
            ),
        );
    };
    // Messages correlate to a subscription in key order: one at or below the last is a re-sent
    // correlation whose acknowledgement may have been lost (even if the subscription is closing now).
    if value.message_key <= subscription.record.message_key {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            "Already correlated this message",
        );
        acknowledge_correlation(ctx, value);
        return Ok(());
    }
    if subscription.state == ProcessSubscriptionState::Closing {
        return refuse(
            ctx,
            command,
            value,
            RejectionType::InvalidState,
            format!(
                "Expected to correlate process message subscription with {}, but it is already closing",
                describe(value)
            ),
        );
    }
    if subscription.record.is_interrupting && subscription.record.message_key != Key::NONE {
        return refuse(
            ctx,
            command,
            value,
            RejectionType::InvalidState,
            format!(
                "Expected to correlate process message subscription with {}, but its interrupting event was already triggered",
                describe(value)
            ),
        );
    }
    let instance = element_instances::get_instance(&ctx.state, value.element_instance_key)?
        .filter(|instance| instance.state == ElementState::Activated);
    let Some(instance) = instance else {
        return refuse(
            ctx,
            command,
            value,
            RejectionType::InvalidState,
            format!(
                "Expected to correlate a process message subscription with {}, but the subscription is not active anymore",
                describe(value)
            ),
        );
    };
    trigger(ctx, &subscription, value, instance)?;
    acknowledge_correlation(ctx, value);
    Ok(())
}

/// MESSAGE_SUBSCRIPTION CORRELATE: the message was taken (the variables stay here).
fn acknowledge_correlation(ctx: &mut Ctx<'_>, value: &ProcessMessageSubscriptionRecord) {
    let mut record = message_side(value);
    record.variables = hornet_protocol::Document::empty();
    send_to_message_partition(ctx, MessageSubscriptionIntent::Correlate, record);
}

/// Rejects a CORRELATE and hands the message back to the message partition (MESSAGE_SUBSCRIPTION REJECT).
fn refuse(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &ProcessMessageSubscriptionRecord,
    kind: RejectionType,
    reason: String,
) -> Result<(), EngineError> {
    ctx.reject(command, kind, reason);
    send_to_message_partition(ctx, MessageSubscriptionIntent::Reject, message_side(value));
    Ok(())
}

/// CORRELATED, then the waiting catch event completes with the message's variables, or the boundary
/// event, event sub-process or event after an event-based gateway fires.
fn trigger(
    ctx: &mut Ctx<'_>,
    subscription: &ProcessSubscription,
    value: &ProcessMessageSubscriptionRecord,
    instance: element_instances::ElementInstance,
) -> Result<(), EngineError> {
    let mut correlated = subscription.record.clone();
    correlated.message_key = value.message_key;
    correlated.variables = value.variables.clone();
    ctx.event(
        subscription.key,
        RecordValue::ProcessMessageSubscription(
            ProcessMessageSubscriptionIntent::Correlated,
            Box::new(correlated.clone()),
        ),
    )?;
    if correlated.element_id == instance.record.element_id {
        // The catch event itself: it completes with the message's variables (the CORRELATED applier
        // kept them on the element instance).
        ctx.follow_up(
            instance.key,
            RecordValue::ProcessInstance(ProcessInstanceIntent::CompleteElement, instance.record),
        );
        return Ok(());
    }
    let delivered = (!correlated.variables.is_empty()).then(|| correlated.variables.as_str());
    events::trigger_catch(ctx, &instance, &correlated.element_id, delivered)
}
