//! Message PUBLISH (on the partition that owns the correlation key): MESSAGE PUBLISHED (buffered for its
//! time to live), then correlated to the open subscriptions for its name and correlation key (at most
//! one per process, BPMN process id, as Zeebe does; the correlation completes on the instance's
//! partition, see [`super`]) and to message start events of this partition. A message without time to live expires at once. A message id must be unique among the
//! buffered messages with the same name and correlation key.

use super::message_subscription::start_correlating;
use crate::error::EngineError;
use crate::processing::bpmn::start_events;
use crate::processing::Ctx;
use crate::state::{messages, subscriptions};
use hornet_protocol::value::MessageRecord;
use hornet_protocol::{MessageIntent, Record, RecordValue, RejectionType};
use std::collections::BTreeSet;

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &MessageRecord,
) -> Result<(), EngineError> {
    if value.name.is_empty() {
        ctx.reject(
            command,
            RejectionType::InvalidArgument,
            "Expected to publish a message with a name, but the name was empty",
        );
        return Ok(());
    }
    if !value.message_id.is_empty()
        && messages::id_exists(
            &ctx.state,
            &value.name,
            &value.correlation_key,
            &value.message_id,
        )?
    {
        ctx.reject(
            command,
            RejectionType::AlreadyExists,
            format!(
                "Expected to publish a new message with id '{}', but a message with that id was already published",
                value.message_id
            ),
        );
        return Ok(());
    }
    let mut message = value.clone();
    message.time_to_live = message.time_to_live.max(0);
    message.deadline = ctx.now.saturating_add(message.time_to_live);
    if message.tenant_id.is_empty() {
        message.tenant_id = crate::processing::deployment::create::DEFAULT_TENANT.to_string();
    }
    let key = ctx.next_key();
    ctx.event_answering(
        command,
        key,
        RecordValue::Message(MessageIntent::Published, message.clone()),
    )?;

    // Open subscriptions of this partition (the message partition) for the name and correlation key,
    // at most one per process; one busy correlating another message is skipped.
    let mut correlated_processes = BTreeSet::new();
    for subscription in
        subscriptions::messages_for(&ctx.state, &message.name, &message.correlation_key)?
    {
        if !subscription.can_correlate()
            || correlated_processes.contains(&subscription.record.bpmn_process_id)
        {
            continue;
        }
        correlated_processes.insert(subscription.record.bpmn_process_id.clone());
        start_correlating(ctx, &subscription, key, &message.variables)?;
    }
    start_events::correlate_message(
        ctx,
        key,
        &message.name,
        &message.correlation_key,
        &message.variables,
        &correlated_processes,
    )?;
    if message.time_to_live == 0 {
        ctx.event(key, RecordValue::Message(MessageIntent::Expired, message))?;
    }
    Ok(())
}
