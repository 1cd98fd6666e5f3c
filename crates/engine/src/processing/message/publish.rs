//! Message PUBLISH: MESSAGE PUBLISHED (buffered for its time to live), then correlated to every open
//! subscription for its name and correlation key, at most once per process (BPMN process id), as
//! Zeebe does. A message without time to live expires at once. A message id must be unique among the
//! buffered messages with the same name and correlation key.

use super::correlate::correlate;
use crate::error::EngineError;
use crate::processing::bpmn::start_events;
use crate::processing::Ctx;
use crate::state::messages;
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
    let event = ctx.event(
        key,
        RecordValue::Message(MessageIntent::Published, message.clone()),
    )?;
    ctx.respond(command, &event);

    let mut correlated_processes = BTreeSet::new();
    for element_instance in
        messages::subscribers(&ctx.state, &message.name, &message.correlation_key)?
    {
        let Some(subscription) =
            messages::get_subscription(&ctx.state, element_instance, &message.name)?
        else {
            continue;
        };
        if correlated_processes.contains(&subscription.bpmn_process_id) {
            continue;
        }
        if correlate(ctx, subscription.clone(), key, &message.variables)? {
            correlated_processes.insert(subscription.bpmn_process_id);
        }
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
