//! Correlating a message to a subscription: PROCESS_MESSAGE_SUBSCRIPTION CORRELATED, then the waiting
//! catch event completes with the message's variables, or the boundary event fires. Also the
//! ProcessMessageSubscription CORRELATE command, queued when a subscription opens and finds a buffered
//! message.

use crate::error::EngineError;
use crate::processing::bpmn::events;
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementState};
use crate::state::messages;
use hornet_protocol::value::ProcessMessageSubscriptionRecord;
use hornet_protocol::{
    Document, Key, ProcessInstanceIntent, ProcessMessageSubscriptionIntent, Record, RecordValue,
    RejectionType,
};

/// Correlates message `message_key` to `subscription`. Returns `false` if the subscription's element is
/// no longer waiting.
pub(crate) fn correlate(
    ctx: &mut Ctx<'_>,
    mut subscription: ProcessMessageSubscriptionRecord,
    message_key: Key,
    variables: &Document,
) -> Result<bool, EngineError> {
    let instance = element_instances::get_instance(&ctx.state, subscription.element_instance_key)?
        .filter(|instance| instance.state == ElementState::Activated);
    let Some(instance) = instance else {
        return Ok(false);
    };
    subscription.message_key = message_key;
    subscription.variables = variables.clone();
    ctx.event(
        instance.key,
        RecordValue::ProcessMessageSubscription(
            ProcessMessageSubscriptionIntent::Correlated,
            subscription.clone(),
        ),
    )?;
    let delivered = (!variables.is_empty()).then(|| variables.as_str().to_string());
    if subscription.element_id == instance.record.element_id {
        // The catch event itself: it completes with the message's variables (the CORRELATED applier
        // kept them on the element instance).
        ctx.follow_up(
            instance.key,
            RecordValue::ProcessInstance(ProcessInstanceIntent::CompleteElement, instance.record),
        );
        return Ok(true);
    }
    if !subscription.is_interrupting {
        // A non-interrupting event keeps listening while its scope lives.
        let mut reopened = subscription.clone();
        reopened.message_key = Key::NONE;
        reopened.variables = Document::empty();
        ctx.event(
            instance.key,
            RecordValue::ProcessMessageSubscription(
                ProcessMessageSubscriptionIntent::Created,
                reopened,
            ),
        )?;
    }
    events::trigger_catch(
        ctx,
        &instance,
        &subscription.element_id,
        delivered.as_deref(),
    )?;
    Ok(true)
}

/// ProcessMessageSubscription CORRELATE: a buffered message for a subscription that just opened.
pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &ProcessMessageSubscriptionRecord,
) -> Result<(), EngineError> {
    let subscription =
        messages::get_subscription(&ctx.state, value.element_instance_key, &value.message_name)?;
    let message = messages::get_message(&ctx.state, value.message_key)?;
    let (Some(subscription), Some(message)) = (subscription, message) else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to correlate message with key '{}' to the subscription of element instance '{}' for message '{}', but the subscription or the message no longer exists",
                value.message_key, value.element_instance_key, value.message_name
            ),
        );
        return Ok(());
    };
    if messages::was_correlated(&ctx.state, value.message_key, &subscription.bpmn_process_id)? {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to correlate message with key '{}' to process '{}', but it was already correlated to an instance of it",
                value.message_key, subscription.bpmn_process_id
            ),
        );
        return Ok(());
    }
    if !correlate(ctx, subscription, value.message_key, &message.variables)? {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to correlate message with key '{}' to element instance '{}', but it is not waiting any more",
                value.message_key, value.element_instance_key
            ),
        );
    }
    Ok(())
}
