//! The message partition's half of message correlation: MESSAGE_SUBSCRIPTION CREATE / CORRELATE /
//! REJECT / DELETE from instance partitions, and starting the correlation of a message to a
//! subscription (see the protocol in [`super`]).
//!
//! Beyond Zeebe, these rules keep "a message correlates to at most one instance per process" under
//! re-sent commands (Hornet re-sends unacknowledged commands periodically, so duplicates are common):
//! REJECT only counts for a subscription still correlating that very message; a subscription whose
//! interrupting event fired stays (used up) until DELETE; and a DELETE settles a correlation still
//! unanswered by the message key it names (see [`super`]).

use super::{instance_side, send_to_instance_partition};
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::messages;
use crate::state::subscriptions::{self, MessageSubscription};
use hornet_protocol::value::MessageSubscriptionRecord;
use hornet_protocol::{
    Document, Key, MessageSubscriptionIntent, ProcessMessageSubscriptionIntent, Record,
    RecordValue, RejectionType,
};

fn describe(value: &MessageSubscriptionRecord) -> String {
    format!(
        "element with key '{}' and message name '{}'",
        value.element_instance_key, value.message_name
    )
}

/// Acknowledges to the instance partition (PROCESS_MESSAGE_SUBSCRIPTION `intent`, without a message).
fn acknowledge(
    ctx: &mut Ctx<'_>,
    intent: ProcessMessageSubscriptionIntent,
    value: &MessageSubscriptionRecord,
) -> Result<(), EngineError> {
    let mut record = instance_side(value);
    record.message_key = Key::NONE;
    record.variables = Document::empty();
    send_to_instance_partition(ctx, intent, record)
}

/// MESSAGE_SUBSCRIPTION CREATE: CREATED, then a buffered message correlates at once, or the instance
/// partition gets the acknowledgement.
pub(crate) fn create(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &MessageSubscriptionRecord,
) -> Result<(), EngineError> {
    if subscriptions::get_message(&ctx.state, value.element_instance_key, &value.message_name)?
        .is_some()
    {
        // A re-sent CREATE: its acknowledgement may have been lost.
        acknowledge(ctx, ProcessMessageSubscriptionIntent::Create, value)?;
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to open a new message subscription for {}, but there is already a message subscription for that element key and message name opened",
                describe(value)
            ),
        );
        return Ok(());
    }
    let mut record = value.clone();
    record.message_key = Key::NONE;
    record.variables = Document::empty();
    let key = ctx.next_key();
    ctx.event(
        key,
        RecordValue::MessageSubscription(
            MessageSubscriptionIntent::Created,
            Box::new(record.clone()),
        ),
    )?;
    let subscription = MessageSubscription {
        key,
        correlating: false,
        record,
    };
    if !correlate_next(ctx, &subscription)? {
        acknowledge(ctx, ProcessMessageSubscriptionIntent::Create, value)?;
    }
    Ok(())
}

/// Correlates the oldest live buffered message that the subscription's process has not received yet, if
/// any. Returns whether one was found.
fn correlate_next(
    ctx: &mut Ctx<'_>,
    subscription: &MessageSubscription,
) -> Result<bool, EngineError> {
    let record = &subscription.record;
    for message_key in
        messages::buffered(&ctx.state, &record.message_name, &record.correlation_key)?
    {
        let Some(message) = messages::get_message(&ctx.state, message_key)? else {
            continue;
        };
        if message.deadline <= ctx.now
            || messages::was_correlated(&ctx.state, message_key, &record.bpmn_process_id)?
        {
            continue;
        }
        start_correlating(ctx, subscription, message_key, &message.variables)?;
        return Ok(true);
    }
    Ok(false)
}

/// CORRELATING (the message counts as taken by the subscription's process), and
/// PROCESS_MESSAGE_SUBSCRIPTION CORRELATE to the instance partition.
pub(crate) fn start_correlating(
    ctx: &mut Ctx<'_>,
    subscription: &MessageSubscription,
    message_key: Key,
    variables: &Document,
) -> Result<(), EngineError> {
    let mut record = subscription.record.clone();
    record.message_key = message_key;
    record.variables = variables.clone();
    ctx.event(
        subscription.key,
        RecordValue::MessageSubscription(
            MessageSubscriptionIntent::Correlating,
            Box::new(record.clone()),
        ),
    )?;
    send_to_instance_partition(
        ctx,
        ProcessMessageSubscriptionIntent::Correlate,
        instance_side(&record),
    )
}

/// Hands a message that a subscription of `bpmn_process_id` did not take to the next open subscription
/// of the same process, if the message is still buffered.
fn correlate_elsewhere(
    ctx: &mut Ctx<'_>,
    message_key: Key,
    name: &str,
    correlation_key: &str,
    bpmn_process_id: &str,
) -> Result<(), EngineError> {
    let Some(message) = messages::get_message(&ctx.state, message_key)? else {
        return Ok(());
    };
    if message.deadline <= ctx.now {
        return Ok(());
    }
    for subscription in subscriptions::messages_for(&ctx.state, name, correlation_key)? {
        if subscription.record.bpmn_process_id == bpmn_process_id && subscription.can_correlate() {
            return start_correlating(ctx, &subscription, message_key, &message.variables);
        }
    }
    Ok(())
}

/// MESSAGE_SUBSCRIPTION CORRELATE: the instance partition correlated the message. CORRELATED; a
/// non-interrupting subscription goes on with the next buffered message.
pub(crate) fn correlate(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &MessageSubscriptionRecord,
) -> Result<(), EngineError> {
    let Some(subscription) =
        subscriptions::get_message(&ctx.state, value.element_instance_key, &value.message_name)?
    else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to correlate subscription for {}, but no such message subscription exists",
                describe(value)
            ),
        );
        return Ok(());
    };
    if subscription.record.message_key != value.message_key || !subscription.correlating {
        let state = if subscription.correlating {
            format!(
                "but the subscription is already correlating to another message with key '{}'",
                subscription.record.message_key
            )
        } else {
            "but the subscription has already been correlated".to_string()
        };
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to acknowledge correlating message with key '{}' to subscription with key '{}' {state}",
                value.message_key, subscription.key
            ),
        );
        return Ok(());
    }
    ctx.event(
        subscription.key,
        RecordValue::MessageSubscription(
            MessageSubscriptionIntent::Correlated,
            Box::new(subscription.record.clone()),
        ),
    )?;
    if !subscription.record.is_interrupting {
        let reopened = MessageSubscription {
            correlating: false,
            ..subscription
        };
        correlate_next(ctx, &reopened)?;
    }
    Ok(())
}

/// MESSAGE_SUBSCRIPTION REJECT: the instance partition could not correlate the message. REJECTED (the
/// subscription is gone and the message free for the process again), and the message tries another
/// subscription of the same process.
pub(crate) fn reject(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &MessageSubscriptionRecord,
) -> Result<(), EngineError> {
    let subscription =
        subscriptions::get_message(&ctx.state, value.element_instance_key, &value.message_name)?;
    let subscription = match subscription {
        Some(subscription)
            if subscription.correlating && subscription.record.message_key == value.message_key =>
        {
            subscription
        }
        _ => {
            ctx.reject(
                command,
                RejectionType::InvalidState,
                format!(
                    "Expected to reject the correlation of message with key '{}' to the subscription for {}, but the subscription is not correlating that message",
                    value.message_key,
                    describe(value)
                ),
            );
            return Ok(());
        }
    };
    ctx.event(
        subscription.key,
        RecordValue::MessageSubscription(
            MessageSubscriptionIntent::Rejected,
            Box::new(subscription.record.clone()),
        ),
    )?;
    correlate_elsewhere(
        ctx,
        value.message_key,
        &subscription.record.message_name,
        &subscription.record.correlation_key,
        &subscription.record.bpmn_process_id,
    )
}

/// MESSAGE_SUBSCRIPTION DELETE: DELETED (if it exists) and the acknowledgement, in any case. A
/// subscription still correlating a message is settled first: the DELETE names the last message the
/// instance partition correlated, so either that correlation was made (CORRELATED, its acknowledgement
/// was lost) or the message is handed to another subscription of the process.
pub(crate) fn delete(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &MessageSubscriptionRecord,
) -> Result<(), EngineError> {
    let Some(mut subscription) =
        subscriptions::get_message(&ctx.state, value.element_instance_key, &value.message_name)?
    else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to close message subscription for {}, but no such message subscription exists",
                describe(value)
            ),
        );
        return acknowledge(ctx, ProcessMessageSubscriptionIntent::Delete, value);
    };
    let mut unanswered = None;
    if subscription.correlating {
        if value.message_key == subscription.record.message_key {
            ctx.event(
                subscription.key,
                RecordValue::MessageSubscription(
                    MessageSubscriptionIntent::Correlated,
                    Box::new(subscription.record.clone()),
                ),
            )?;
            subscription.correlating = false;
        } else {
            unanswered = Some(subscription.record.message_key);
        }
    }
    ctx.event(
        subscription.key,
        RecordValue::MessageSubscription(
            MessageSubscriptionIntent::Deleted,
            Box::new(subscription.record.clone()),
        ),
    )?;
    if let Some(message_key) = unanswered {
        correlate_elsewhere(
            ctx,
            message_key,
            &subscription.record.message_name,
            &subscription.record.correlation_key,
            &subscription.record.bpmn_process_id,
        )?;
    }
    acknowledge(ctx, ProcessMessageSubscriptionIntent::Delete, value)
}
