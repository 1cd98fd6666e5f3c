//! Signal BROADCAST, and signal throw events: SIGNAL BROADCASTED, then every subscription to the signal's
//! name fires, in subscriber order: signal start events start an instance, intermediate catch events
//! complete, boundary events and event sub-processes trigger (interrupting or not).
//!
//! A signal reaches every partition, as in Zeebe: the partition where it is broadcast (partition 1 for
//! BroadcastSignal requests, the instance's partition for throw events) distributes the BROADCAST
//! command to the others with COMMAND_DISTRIBUTION, keyed by its own BROADCASTED event. A receiving
//! partition writes BROADCASTED under that key, triggers its own subscriptions and acknowledges; a
//! re-sent copy it has already processed is only acknowledged again.

use crate::error::EngineError;
use crate::processing::bpmn::{events, start_events};
use crate::processing::deployment::create::DEFAULT_TENANT;
use crate::processing::{distribution, Ctx};
use crate::state::element_instances::{self, ElementState};
use crate::state::{distributions, signals};
use hornet_protocol::value::{ProcessEventRecord, SignalRecord};
use hornet_protocol::{
    Key, ProcessEventIntent, ProcessInstanceIntent, Record, RecordValue, RejectionType,
    SignalIntent,
};

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &SignalRecord,
) -> Result<(), EngineError> {
    if value.signal_name.is_empty() {
        ctx.reject(
            command,
            RejectionType::InvalidArgument,
            "Expected to broadcast a signal with a name, but the name was empty",
        );
        return Ok(());
    }
    let origin = command
        .key
        .partition()
        .filter(|origin| *origin != ctx.config.partition_id);
    if origin.is_some() {
        // A copy distributed by another partition.
        if !distributions::was_received(&ctx.state, command.key)? {
            broadcast_here(ctx, command.key, value)?;
        }
        distribution::acknowledge_received(ctx, command.key);
        return Ok(());
    }
    let event = broadcast(ctx, value)?;
    ctx.respond(command, &event);
    Ok(())
}

/// Broadcasts a signal from this partition: SIGNAL BROADCASTED, this partition's subscriptions, and the
/// distribution to every other partition.
pub(crate) fn broadcast(ctx: &mut Ctx<'_>, value: &SignalRecord) -> Result<Record, EngineError> {
    let key = ctx.next_key();
    let event = broadcast_here(ctx, key, value)?;
    if let RecordValue::Signal(_, signal) = &event.value {
        distribution::distribute(
            ctx,
            key,
            RecordValue::Signal(SignalIntent::Broadcast, signal.clone()),
        )?;
    }
    Ok(event)
}

/// Writes SIGNAL BROADCASTED under `key` and triggers this partition's subscriptions.
fn broadcast_here(
    ctx: &mut Ctx<'_>,
    key: Key,
    value: &SignalRecord,
) -> Result<Record, EngineError> {
    let mut signal = value.clone();
    if signal.tenant_id.is_empty() {
        signal.tenant_id = DEFAULT_TENANT.to_string();
    }
    let event = ctx
        .event(
            key,
            RecordValue::Signal(SignalIntent::Broadcasted, signal.clone()),
        )?
        .clone();
    let variables = (!signal.variables.is_empty()).then(|| signal.variables.as_str().to_string());
    for subscription in signals::subscriptions(&ctx.state, &signal.signal_name)? {
        if subscription.catch_event_instance_key.is_none() {
            start_events::start_instance(
                ctx,
                subscription.process_definition_key,
                &subscription.catch_event_id,
                &signal.variables,
            )?;
            continue;
        }
        let Some(instance) =
            element_instances::get_instance(&ctx.state, subscription.catch_event_instance_key)?
                .filter(|instance| instance.state == ElementState::Activated)
        else {
            continue;
        };
        if instance.record.element_id == subscription.catch_event_id {
            // The catch event itself completes, with the signal's variables.
            let trigger_key = ctx.next_key();
            ctx.event(
                trigger_key,
                RecordValue::ProcessEvent(
                    ProcessEventIntent::Triggering,
                    ProcessEventRecord {
                        scope_key: instance.key,
                        target_element_id: instance.record.element_id.to_string(),
                        variables: signal.variables.clone(),
                        process_definition_key: instance.record.process_definition_key,
                        process_instance_key: instance.record.process_instance_key,
                        tenant_id: instance.record.tenant_id.to_string(),
                    },
                ),
            )?;
            ctx.follow_up(
                instance.key,
                RecordValue::ProcessInstance(
                    ProcessInstanceIntent::CompleteElement,
                    instance.record,
                ),
            );
            continue;
        }
        events::trigger_catch(
            ctx,
            &instance,
            &subscription.catch_event_id,
            variables.as_deref(),
        )?;
    }
    Ok(event)
}
