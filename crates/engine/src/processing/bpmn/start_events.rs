//! Message, signal and timer start events of a process.
//!
//! Deploying a new version opens the subscriptions of its start events (MESSAGE_START_EVENT_SUBSCRIPTION
//! CREATED, TIMER CREATED without element instance) and closes those of the version it replaces. A
//! published message with a subscribed name, or a due start timer, creates a process instance that
//! starts at that start event: `PROCESS_EVENT TRIGGERING` on the new instance's key names the start event
//! (and carries the message's variables), then the process element is activated.
//!
//! As in Zeebe, a message starts at most one instance per process, and while an instance started by a
//! message with a correlation key runs, further messages with that key do not start another one.

use super::events::{timer_schedule, Cycle};
use crate::error::EngineError;
use crate::processing::behaviour::expressions::evaluate_string;
use crate::processing::Ctx;
use crate::state::{messages, signals, timers};
use hornet_bpmn::{EventDefinition, TimerDefinition};
use hornet_protocol::value::{
    ErrorType, MessageStartEventSubscriptionRecord, ProcessEventRecord, ProcessInstanceRecord,
    SignalSubscriptionRecord, TimerRecord,
};
use hornet_protocol::{
    BpmnElementType, BpmnEventType, Document, Key, MessageStartEventSubscriptionIntent,
    ProcessEventIntent, ProcessInstanceIntent, RecordValue, SignalSubscriptionIntent, TimerIntent,
};

/// Opens the subscriptions of a new version's start events (timers only where `with_timers`: on the
/// deployment partition).
pub(crate) fn open(
    ctx: &mut Ctx<'_>,
    definition_key: Key,
    with_timers: bool,
) -> Result<(), EngineError> {
    let process = ctx.process(definition_key)?;
    for start in process.model.start_events().to_vec() {
        let element = process.model.element(start);
        match element.event_definition() {
            Some(EventDefinition::Message(message)) => {
                let name = match evaluate_string(
                    ctx,
                    Key::NONE,
                    &message.name,
                    ErrorType::ExtractValueError,
                )? {
                    Ok(name) => name,
                    Err(_) => continue,
                };
                let subscription = MessageStartEventSubscriptionRecord {
                    process_definition_key: definition_key,
                    bpmn_process_id: process.bpmn_process_id.clone(),
                    start_event_id: element.id.clone(),
                    message_name: name,
                    process_instance_key: Key::NONE,
                    message_key: Key::NONE,
                    correlation_key: String::new(),
                    variables: Document::empty(),
                    tenant_id: process.tenant_id.clone(),
                };
                ctx.event(
                    definition_key,
                    RecordValue::MessageStartEventSubscription(
                        MessageStartEventSubscriptionIntent::Created,
                        Box::new(subscription),
                    ),
                )?;
            }
            Some(EventDefinition::Signal { name }) => {
                let Ok(name) = evaluate_string(ctx, Key::NONE, name, ErrorType::ExtractValueError)?
                else {
                    continue;
                };
                ctx.event(
                    definition_key,
                    RecordValue::SignalSubscription(
                        SignalSubscriptionIntent::Created,
                        signal_start(
                            &process.bpmn_process_id,
                            definition_key,
                            &element.id,
                            name,
                            &process.tenant_id,
                        ),
                    ),
                )?;
            }
            Some(EventDefinition::Timer(definition)) if with_timers => {
                let Ok(schedule) = timer_schedule(ctx, Key::NONE, definition)? else {
                    continue;
                };
                let key = ctx.next_key();
                ctx.event(
                    key,
                    RecordValue::Timer(
                        TimerIntent::Created,
                        TimerRecord {
                            element_instance_key: Key::NONE,
                            process_instance_key: Key::NONE,
                            due_date: schedule.due_date,
                            target_element_id: element.id.clone(),
                            repetitions: schedule.repetitions,
                            process_definition_key: definition_key,
                            tenant_id: process.tenant_id.clone(),
                        },
                    ),
                )?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn signal_start(
    bpmn_process_id: &str,
    definition_key: Key,
    start_event_id: &str,
    signal_name: String,
    tenant_id: &str,
) -> SignalSubscriptionRecord {
    SignalSubscriptionRecord {
        process_definition_key: definition_key,
        bpmn_process_id: bpmn_process_id.to_string(),
        catch_event_id: start_event_id.to_string(),
        catch_event_instance_key: Key::NONE,
        signal_name,
        tenant_id: tenant_id.to_string(),
    }
}

/// Start timers whose definition does not evaluate at deployment (they have no variables to wait for).
pub(crate) fn invalid_start_timers(
    ctx: &Ctx<'_>,
    model: &hornet_bpmn::Process,
) -> Result<Vec<String>, EngineError> {
    let mut problems = Vec::new();
    for start in model.start_events() {
        let element = model.element(*start);
        if let Some(EventDefinition::Timer(definition)) = element.event_definition() {
            if let Err(failure) = timer_schedule(ctx, Key::NONE, definition)? {
                problems.push(format!(
                    "Element: {}\n    - ERROR: {}",
                    element.id, failure.message
                ));
            }
        }
    }
    Ok(problems)
}

/// Closes the start event subscriptions of a version that a new one replaces.
pub(crate) fn close(ctx: &mut Ctx<'_>, definition_key: Key) -> Result<(), EngineError> {
    let Some(process) = ctx.try_process(definition_key)? else {
        return Ok(());
    };
    for start in process.model.start_events().to_vec() {
        let element = process.model.element(start);
        if let Some(EventDefinition::Message(message)) = element.event_definition() {
            let Ok(name) =
                evaluate_string(ctx, Key::NONE, &message.name, ErrorType::ExtractValueError)?
            else {
                continue;
            };
            let subscription = MessageStartEventSubscriptionRecord {
                process_definition_key: definition_key,
                bpmn_process_id: process.bpmn_process_id.clone(),
                start_event_id: element.id.clone(),
                message_name: name,
                process_instance_key: Key::NONE,
                message_key: Key::NONE,
                correlation_key: String::new(),
                variables: Document::empty(),
                tenant_id: process.tenant_id.clone(),
            };
            ctx.event(
                definition_key,
                RecordValue::MessageStartEventSubscription(
                    MessageStartEventSubscriptionIntent::Deleted,
                    Box::new(subscription),
                ),
            )?;
        }
    }
    for subscription in signals::of_subscriber(&ctx.state, definition_key)? {
        ctx.event(
            definition_key,
            RecordValue::SignalSubscription(SignalSubscriptionIntent::Deleted, subscription),
        )?;
    }
    for (key, timer) in timers::start_timers_of(&ctx.state, definition_key)? {
        ctx.event(key, RecordValue::Timer(TimerIntent::Canceled, timer))?;
    }
    Ok(())
}

/// Creates an instance of `definition_key` that starts at `start_event_id`. Returns its key.
pub(crate) fn start_instance(
    ctx: &mut Ctx<'_>,
    definition_key: Key,
    start_event_id: &str,
    variables: &Document,
) -> Result<Key, EngineError> {
    let process = ctx.process(definition_key)?;
    let instance_key = ctx.next_key();
    let event_key = ctx.next_key();
    ctx.event(
        event_key,
        RecordValue::ProcessEvent(
            ProcessEventIntent::Triggering,
            ProcessEventRecord {
                scope_key: instance_key,
                target_element_id: start_event_id.to_string(),
                variables: variables.clone(),
                process_definition_key: definition_key,
                process_instance_key: instance_key,
                tenant_id: process.tenant_id.clone(),
            },
        ),
    )?;
    let root = process.model.element(process.model.root());
    let record = ProcessInstanceRecord {
        bpmn_process_id: process.bpmn_process_id.as_str().into(),
        version: process.version,
        process_definition_key: definition_key,
        process_instance_key: instance_key,
        element_id: root.id.as_str().into(),
        flow_scope_key: Key::NONE,
        bpmn_element_type: BpmnElementType::Process,
        bpmn_event_type: BpmnEventType::Unspecified,
        parent_process_instance_key: Key::NONE,
        parent_element_instance_key: Key::NONE,
        tenant_id: process.tenant_id.as_str().into(),
    };
    ctx.follow_up(
        instance_key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, record),
    );
    Ok(instance_key)
}

/// Correlates a published message to the message start events subscribed to its name. Returns the
/// process ids that got an instance.
pub(crate) fn correlate_message(
    ctx: &mut Ctx<'_>,
    message_key: Key,
    name: &str,
    correlation_key: &str,
    variables: &Document,
    already: &std::collections::BTreeSet<String>,
) -> Result<Vec<String>, EngineError> {
    let mut started = Vec::new();
    for subscription in messages::start_subscriptions(&ctx.state, name)? {
        if already.contains(&subscription.bpmn_process_id) {
            continue;
        }
        if !correlation_key.is_empty()
            && messages::active_start_correlation(
                &ctx.state,
                &subscription.bpmn_process_id,
                correlation_key,
            )?
            .is_some()
        {
            continue;
        }
        let instance_key = start_instance(
            ctx,
            subscription.process_definition_key,
            &subscription.start_event_id,
            variables,
        )?;
        let correlated = MessageStartEventSubscriptionRecord {
            process_instance_key: instance_key,
            message_key,
            correlation_key: correlation_key.to_string(),
            variables: variables.clone(),
            ..subscription.clone()
        };
        ctx.event(
            subscription.process_definition_key,
            RecordValue::MessageStartEventSubscription(
                MessageStartEventSubscriptionIntent::Correlated,
                Box::new(correlated),
            ),
        )?;
        started.push(subscription.bpmn_process_id);
    }
    Ok(started)
}

/// A start timer fell due: a new instance, and the next occurrence of a cycle.
pub(crate) fn trigger_timer(
    ctx: &mut Ctx<'_>,
    key: Key,
    timer: &TimerRecord,
) -> Result<(), EngineError> {
    ctx.event(
        key,
        RecordValue::Timer(TimerIntent::Triggered, timer.clone()),
    )?;
    start_instance(
        ctx,
        timer.process_definition_key,
        &timer.target_element_id,
        &Document::empty(),
    )?;
    if timer.repetitions == 1 || timer.repetitions == 0 {
        return Ok(());
    }
    let process = ctx.process(timer.process_definition_key)?;
    let Some(idx) = process.find(&timer.target_element_id) else {
        return Ok(());
    };
    let Some(EventDefinition::Timer(TimerDefinition::Cycle(value))) =
        process.model.element(idx).event_definition()
    else {
        return Ok(());
    };
    let Some(text) = value.as_static() else {
        return Ok(());
    };
    let Ok(cycle) = Cycle::parse(text) else {
        return Ok(());
    };
    let schedule = cycle.schedule(ctx.now, Some(timer.repetitions));
    let next = TimerRecord {
        due_date: schedule.due_date,
        repetitions: schedule.repetitions,
        ..timer.clone()
    };
    let next_key = ctx.next_key();
    ctx.event(next_key, RecordValue::Timer(TimerIntent::Created, next))?;
    Ok(())
}
