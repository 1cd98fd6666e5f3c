//! Catch events: timer and message intermediate catch events, boundary events (timer, message, error),
//! their subscriptions, and the activation of a triggered boundary event or event sub-process.
//!
//! A catch event that interrupts (an interrupting boundary event, an interrupting event sub-process) is
//! recorded with `PROCESS_EVENT TRIGGERING` on the scope it interrupts; when that scope (or, for an
//! event sub-process, all children of the flow scope) has terminated, `PROCESS_EVENT TRIGGERED` moves the
//! event's variables to the new catch element instance and the catch element is activated.

use super::transitions::{activated, complete_element};
use super::{child_record, ElementCtx};
use crate::error::EngineError;
use crate::processing::behaviour::expressions::{evaluate, evaluate_string};
use crate::processing::behaviour::mappings::apply_inputs;
use crate::processing::behaviour::{incidents, Failure};
use crate::processing::timer::cron::CronExpression;
use crate::processing::Ctx;
use crate::state::element_instances::{ElementInstance, EventTrigger};
use crate::state::{signals, timers};
use hornet_bpmn::{
    Element, ElementIdx, ElementKind, EventDefinition, ExprOrStatic, MessageDefinition,
    TimerDefinition,
};
use hornet_feel::Value;
use hornet_protocol::value::{
    ErrorType, ProcessEventRecord, ProcessMessageSubscriptionRecord, SignalSubscriptionRecord,
    TimerRecord,
};
use hornet_protocol::{
    Document, Key, ProcessEventIntent, ProcessInstanceIntent, RecordValue,
    SignalSubscriptionIntent, TimerIntent,
};

/// Parses an ISO 8601 duration with days, weeks and time parts (`P3D`, `PT1H30M`, `PT0.5S`, `P1W`) into
/// milliseconds. Years and months have no fixed length and are not supported.
pub(crate) fn parse_duration_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let rest = rest.strip_prefix('P').or_else(|| rest.strip_prefix('p'))?;
    if rest.is_empty() {
        return None;
    }
    let mut millis: i64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c {
            'T' | 't' => {
                if in_time || !number.is_empty() {
                    return None;
                }
                in_time = true;
            }
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            unit => {
                let value: f64 = number.parse().ok()?;
                number.clear();
                let factor = match (in_time, unit.to_ascii_uppercase()) {
                    (false, 'W') => 7.0 * 86_400_000.0,
                    (false, 'D') => 86_400_000.0,
                    (true, 'H') => 3_600_000.0,
                    (true, 'M') => 60_000.0,
                    (true, 'S') => 1_000.0,
                    _ => return None,
                };
                let part = (value * factor).round();
                if !part.is_finite() || part > i64::MAX as f64 {
                    return None;
                }
                millis = millis.checked_add(part as i64)?;
                any = true;
            }
        }
    }
    if !number.is_empty() || !any {
        return None;
    }
    Some(if negative { -millis } else { millis })
}

/// Epoch millis of an ISO 8601 date-time with an offset or zone (`2025-01-01T10:00:00Z`,
/// `2025-01-01T10:00:00+02:00`, `...[Europe/Berlin]`), read as FEEL's `date and time()` reads it.
pub(crate) fn parse_date_time_millis(text: &str) -> Option<i64> {
    let literal = format!(
        "date and time(\"{}\")",
        text.trim().replace(['\\', '"'], "")
    );
    let expression = hornet_feel::Expression::parse(&literal).ok()?;
    match expression.evaluate(&hornet_feel::EvalContext::new(&hornet_feel::EmptyVariables)) {
        Ok(Value::DateTime(dt)) => i64::try_from(dt.epoch_nanos().div_euclid(1_000_000)).ok(),
        _ => None,
    }
}

/// A repeating interval `R[n]/<duration>`: the repetitions (`-1` = unbounded) and the interval.
pub(crate) fn parse_cycle(text: &str) -> Option<(i32, i64)> {
    let text = text.trim();
    let rest = text.strip_prefix('R').or_else(|| text.strip_prefix('r'))?;
    let (count, interval) = rest.split_once('/')?;
    let repetitions = if count.is_empty() {
        -1
    } else {
        count.parse::<i32>().ok()?
    };
    let interval = parse_duration_millis(interval)?;
    (interval > 0).then_some((repetitions, interval))
}

/// A timer cycle as Zeebe reads one: `R[n]/<duration>` when it starts with `R`, otherwise a cron
/// expression (see `processing::timer::cron`).
pub(crate) enum Cycle {
    Repeating { repetitions: i32, interval: i64 },
    Cron(CronExpression),
}

impl Cycle {
    pub(crate) fn parse(text: &str) -> Result<Cycle, String> {
        let text = text.trim();
        if text.starts_with(['R', 'r']) {
            return parse_cycle(text)
                .map(|(repetitions, interval)| Cycle::Repeating {
                    repetitions,
                    interval,
                })
                .ok_or_else(|| "not a repeating interval R[n]/<duration>".to_string());
        }
        CronExpression::parse(text)
            .map(Cycle::Cron)
            .map_err(|e| e.to_string())
    }

    /// The timer of this cycle created at `now`: the first one (`previous` is `None`), or the one after
    /// a timer with `previous` repetitions left fired. A cron cycle repeats without end (`-1`); one
    /// that never occurs again is due at once with no repetitions left, as Zeebe's `CronTimer`.
    pub(crate) fn schedule(&self, now: i64, previous: Option<i32>) -> TimerSchedule {
        match self {
            Cycle::Repeating {
                repetitions,
                interval,
            } => TimerSchedule {
                due_date: now.saturating_add(*interval),
                repetitions: match previous {
                    None => *repetitions,
                    Some(left) if left < 0 => -1,
                    Some(left) => left - 1,
                },
            },
            Cycle::Cron(cron) => match cron.next_after(now) {
                Some(due_date) => TimerSchedule {
                    due_date,
                    repetitions: -1,
                },
                None => TimerSchedule {
                    due_date: now,
                    repetitions: 0,
                },
            },
        }
    }
}

/// What a timer definition evaluated to.
pub(crate) struct TimerSchedule {
    pub due_date: i64,
    /// Remaining repetitions after this one for a cycle (`-1` unbounded), 1 otherwise.
    pub repetitions: i32,
}

/// Evaluates a static-or-FEEL timer attribute to its text (or a temporal value's text).
fn timer_text(
    ctx: &Ctx<'_>,
    scope: Key,
    value: &ExprOrStatic<String>,
) -> Result<Result<Result<String, Value>, Failure>, EngineError> {
    Ok(match value {
        ExprOrStatic::Static(text) => Ok(Ok(text.clone())),
        ExprOrStatic::Expression(expression) => {
            match evaluate(ctx, scope, expression, ErrorType::ExtractValueError)? {
                Err(failure) => Err(failure),
                Ok(Value::String(text)) => Ok(Ok(text)),
                Ok(other) => Ok(Err(other)),
            }
        }
    })
}

/// When a timer of `definition` falls due, evaluated in `scope`.
pub(crate) fn timer_schedule(
    ctx: &Ctx<'_>,
    scope: Key,
    definition: &TimerDefinition,
) -> Result<Result<TimerSchedule, Failure>, EngineError> {
    let invalid = |what: &str, found: String| {
        Failure::new(
            ErrorType::ExtractValueError,
            format!("Expected a valid timer {what}, but found '{found}'"),
        )
    };
    let schedule = match definition {
        TimerDefinition::Duration(value) => match timer_text(ctx, scope, value)? {
            Err(failure) => Err(failure),
            Ok(Err(Value::DayTimeDuration(d))) => Ok(TimerSchedule {
                due_date: ctx.now.saturating_add((d.nanos() / 1_000_000) as i64),
                repetitions: 1,
            }),
            Ok(Err(other)) => Err(invalid(
                "duration (ISO 8601, days and time only)",
                format!("{other:?}"),
            )),
            Ok(Ok(text)) => match parse_duration_millis(&text) {
                Some(millis) => Ok(TimerSchedule {
                    due_date: ctx.now.saturating_add(millis.max(0)),
                    repetitions: 1,
                }),
                None => Err(invalid("duration (ISO 8601, days and time only)", text)),
            },
        },
        TimerDefinition::Date(value) => match timer_text(ctx, scope, value)? {
            Err(failure) => Err(failure),
            Ok(Err(Value::DateTime(dt))) => {
                match i64::try_from(dt.epoch_nanos().div_euclid(1_000_000)) {
                    Ok(due_date) => Ok(TimerSchedule {
                        due_date,
                        repetitions: 1,
                    }),
                    Err(_) => Err(invalid("date", format!("{dt:?}"))),
                }
            }
            Ok(Err(other)) => Err(invalid(
                "date (ISO 8601 date-time with offset or zone)",
                format!("{other:?}"),
            )),
            Ok(Ok(text)) => match parse_date_time_millis(&text) {
                Some(due_date) => Ok(TimerSchedule {
                    due_date,
                    repetitions: 1,
                }),
                None => Err(invalid(
                    "date (ISO 8601 date-time with offset or zone)",
                    text,
                )),
            },
        },
        TimerDefinition::Cycle(value) => match timer_text(ctx, scope, value)? {
            Err(failure) => Err(failure),
            Ok(Err(other)) => Err(invalid(
                "cycle (R[n]/<duration> or a cron expression)",
                format!("{other:?}"),
            )),
            Ok(Ok(text)) => match Cycle::parse(&text) {
                Ok(cycle) => Ok(cycle.schedule(ctx.now, None)),
                Err(_) => Err(invalid(
                    "cycle (R[n]/<duration> or a cron expression)",
                    text,
                )),
            },
        },
    };
    Ok(schedule)
}

/// The message name and correlation key a subscription waits for, evaluated in `scope`.
fn message_subscription_target(
    ctx: &Ctx<'_>,
    scope: Key,
    element_id: &str,
    definition: &MessageDefinition,
) -> Result<Result<(String, String), Failure>, EngineError> {
    let name = match evaluate_string(ctx, scope, &definition.name, ErrorType::ExtractValueError)? {
        Ok(name) => name,
        Err(failure) => return Ok(Err(failure)),
    };
    let correlation_key =
        match &definition.correlation_key {
            None => String::new(),
            Some(expression) => {
                match evaluate(ctx, scope, expression, ErrorType::ExtractValueError)? {
                Err(failure) => return Ok(Err(failure)),
                Ok(Value::String(key)) => key,
                Ok(Value::Number(n)) => n.to_plain_string(),
                Ok(other) => {
                    return Ok(Err(Failure::new(
                        ErrorType::ExtractValueError,
                        format!(
                            "Failed to extract the correlation key for '{}': The value must be either a string or a number, but was '{}'.",
                            element_id,
                            crate::processing::behaviour::expressions::result_type(&other)
                        ),
                    )))
                }
            }
            }
        };
    Ok(Ok((name, correlation_key)))
}

/// Opens the subscription of a catch element (`waiting`: the element instance that waits; `catch_idx`:
/// the event that fires, itself or one of its boundary events).
fn subscribe(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
    catch_idx: ElementIdx,
) -> Result<Result<(), Failure>, EngineError> {
    let catch = el.process.model.element(catch_idx);
    let interrupting = match &catch.kind {
        ElementKind::BoundaryEvent {
            cancel_activity, ..
        } => *cancel_activity,
        ElementKind::StartEvent { interrupting, .. } => *interrupting,
        _ => true,
    };
    let message = match (&catch.kind, catch.event_definition()) {
        (ElementKind::ReceiveTask { message }, _) => Some(message),
        (_, Some(EventDefinition::Message(message))) => Some(message),
        _ => None,
    };
    if let Some(definition) = message {
        return open_message_subscription(ctx, el, catch_idx, definition, interrupting);
    }
    if let Some(EventDefinition::Signal { name }) = catch.event_definition() {
        let name = match evaluate_string(ctx, el.key, name, ErrorType::ExtractValueError)? {
            Ok(name) => name,
            Err(failure) => return Ok(Err(failure)),
        };
        ctx.event(
            el.key,
            RecordValue::SignalSubscription(
                SignalSubscriptionIntent::Created,
                SignalSubscriptionRecord {
                    process_definition_key: el.record.process_definition_key,
                    bpmn_process_id: el.record.bpmn_process_id.to_string(),
                    catch_event_id: catch.id.clone(),
                    catch_event_instance_key: el.key,
                    signal_name: name,
                    tenant_id: el.record.tenant_id.to_string(),
                },
            ),
        )?;
        return Ok(Ok(()));
    }
    if let Some(EventDefinition::Timer(definition)) = catch.event_definition() {
        let schedule = match timer_schedule(ctx, el.key, definition)? {
            Ok(schedule) => schedule,
            Err(failure) => return Ok(Err(failure)),
        };
        let key = ctx.next_key();
        ctx.event(
            key,
            RecordValue::Timer(
                TimerIntent::Created,
                TimerRecord {
                    element_instance_key: el.key,
                    process_instance_key: el.record.process_instance_key,
                    due_date: schedule.due_date,
                    target_element_id: catch.id.clone(),
                    repetitions: schedule.repetitions,
                    process_definition_key: el.record.process_definition_key,
                    tenant_id: el.record.tenant_id.to_string(),
                },
            ),
        )?;
    }
    Ok(Ok(()))
}

/// Opens a message subscription for `catch_idx` (a message catch event, receive task or message
/// boundary event) waited for by `el` (the message partition correlates a buffered message at once).
fn open_message_subscription(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
    catch_idx: ElementIdx,
    definition: &MessageDefinition,
    interrupting: bool,
) -> Result<Result<(), Failure>, EngineError> {
    let catch = el.process.model.element(catch_idx);
    let (name, correlation_key) =
        match message_subscription_target(ctx, el.key, &catch.id, definition)? {
            Ok(target) => target,
            Err(failure) => return Ok(Err(failure)),
        };
    let subscription = ProcessMessageSubscriptionRecord {
        process_instance_key: el.record.process_instance_key,
        element_instance_key: el.key,
        message_key: Key::NONE,
        message_name: name.clone(),
        variables: Document::empty(),
        correlation_key: correlation_key.clone(),
        element_id: catch.id.clone(),
        bpmn_process_id: el.record.bpmn_process_id.to_string(),
        is_interrupting: interrupting,
        tenant_id: el.record.tenant_id.to_string(),
    };
    crate::processing::message::process_subscription::open(ctx, subscription)?;
    Ok(Ok(()))
}

/// Opens the timer and message subscriptions of the boundary events attached to an activity.
pub(crate) fn subscribe_boundary_events(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<Result<(), Failure>, EngineError> {
    for boundary in el.element().boundary_events.clone() {
        if let Err(failure) = subscribe(ctx, el, boundary)? {
            return Ok(Err(failure));
        }
    }
    Ok(Ok(()))
}

/// A non-interrupting boundary timer with a cycle fired: schedules its next occurrence, if any is left.
pub(crate) fn reschedule_cycle(
    ctx: &mut Ctx<'_>,
    activity: &ElementInstance,
    timer: &TimerRecord,
) -> Result<(), EngineError> {
    if timer.repetitions == 1 || timer.repetitions == 0 {
        return Ok(());
    }
    let Some(el) = ElementCtx::of_instance(ctx, activity)? else {
        return Ok(());
    };
    let Some(idx) = el.process.find(&timer.target_element_id) else {
        return Ok(());
    };
    let Some(EventDefinition::Timer(TimerDefinition::Cycle(value))) =
        el.process.model.element(idx).event_definition()
    else {
        return Ok(());
    };
    let Ok(Ok(text)) = timer_text(ctx, el.key, value)? else {
        return Ok(());
    };
    let Ok(cycle) = Cycle::parse(&text) else {
        return Ok(());
    };
    let schedule = cycle.schedule(ctx.now, Some(timer.repetitions));
    let next = TimerRecord {
        due_date: schedule.due_date,
        repetitions: schedule.repetitions,
        ..timer.clone()
    };
    let key = ctx.next_key();
    ctx.event(key, RecordValue::Timer(TimerIntent::Created, next))?;
    Ok(())
}

/// Opens the timer and message subscriptions of the event sub-processes of a flow scope.
pub(crate) fn subscribe_event_sub_processes(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<Result<(), Failure>, EngineError> {
    let Some(scope) = el.element().flow_scope_data() else {
        return Ok(Ok(()));
    };
    let model = &el.process.model;
    let starts: Vec<ElementIdx> = scope
        .event_sub_processes
        .iter()
        .filter_map(|esp| {
            model
                .flow_scope(*esp)
                .and_then(|inner| inner.start_events.first().copied())
        })
        .filter(|start| {
            matches!(
                model.element(*start).event_definition(),
                Some(
                    EventDefinition::Timer(_)
                        | EventDefinition::Message(_)
                        | EventDefinition::Signal { .. }
                )
            )
        })
        .collect();
    for start in starts {
        if let Err(failure) = subscribe(ctx, el, start)? {
            return Ok(Err(failure));
        }
    }
    Ok(Ok(()))
}

/// Whether the catch event `target_id` interrupts what `instance` is doing.
pub(crate) fn is_interrupting(
    ctx: &mut Ctx<'_>,
    instance: &ElementInstance,
    target_id: &str,
) -> Result<bool, EngineError> {
    let Some(el) = ElementCtx::of_instance(ctx, instance)? else {
        return Ok(true);
    };
    Ok(
        match el
            .process
            .find(target_id)
            .map(|idx| &el.process.model.element(idx).kind)
        {
            Some(ElementKind::BoundaryEvent {
                cancel_activity, ..
            }) => *cancel_activity,
            Some(ElementKind::StartEvent { interrupting, .. }) => *interrupting,
            _ => true,
        },
    )
}

/// The catch event `target_id` that `instance` subscribed to fired (not the instance's own event):
/// a boundary event, an event sub-process's start event, or an event after an event-based gateway.
pub(crate) fn trigger_catch(
    ctx: &mut Ctx<'_>,
    instance: &ElementInstance,
    target_id: &str,
    variables: Option<&str>,
) -> Result<(), EngineError> {
    if instance.record.bpmn_element_type == hornet_protocol::BpmnElementType::EventBasedGateway {
        return trigger_event_gateway(ctx, instance, target_id, variables);
    }
    let Some(el) = ElementCtx::of_instance(ctx, instance)? else {
        return Ok(());
    };
    let Some(idx) = el.process.find(target_id) else {
        return Ok(());
    };
    let element = el.process.model.element(idx);
    match &element.kind {
        ElementKind::StartEvent { interrupting, .. } => {
            let Some(esp) = element.flow_scope else {
                return Ok(());
            };
            let esp_id = el.process.model.element(esp).id.clone();
            if *interrupting {
                trigger_event_sub_process(ctx, &el, &esp_id, variables)
            } else {
                activate_catch_element(ctx, &el, &esp_id, el.key, el.key, variables)
            }
        }
        ElementKind::BoundaryEvent {
            cancel_activity, ..
        } => trigger_boundary(ctx, instance, target_id, *cancel_activity, variables),
        _ => Ok(()),
    }
}

/// Closes every timer and message subscription of an element instance.
pub(crate) fn unsubscribe(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    if !may_hold_subscriptions(el.element()) {
        // Nothing to close, and looking costs three prefix scans of the state.
        return Ok(());
    }
    for key in timers::of_element_instance(&ctx.state, el.key)? {
        if let Some(timer) = timers::get_timer(&ctx.state, key)? {
            ctx.event(key, RecordValue::Timer(TimerIntent::Canceled, timer))?;
        }
    }
    for subscription in signals::of_subscriber(&ctx.state, el.key)? {
        ctx.event(
            el.key,
            RecordValue::SignalSubscription(SignalSubscriptionIntent::Deleted, subscription),
        )?;
    }
    crate::processing::message::process_subscription::close_all(ctx, el.key)
}

/// Whether an instance of `element` can own subscriptions (timers, signal and message subscriptions
/// keyed by the instance): only through its boundary events, or if it is a catching element itself
/// (intermediate catch event, receive task, event-based gateway) or a multi-instance body or call
/// activity (boundary events), or a process or sub-process with event sub-processes (their start
/// events). Start events never call `subscribe` for themselves.
fn may_hold_subscriptions(element: &Element) -> bool {
    if !element.boundary_events.is_empty() {
        return true;
    }
    if let Some(scope) = element.flow_scope_data() {
        // A scope subscribes for itself only for the start events of its event sub-processes.
        return !scope.event_sub_processes.is_empty();
    }
    !matches!(element.kind, ElementKind::StartEvent { .. }) && !never_catches(element)
}

/// Elements that no event ever targets or interrupts: tasks that wait for a job or nothing, gateways
/// other than the event-based one, none start events, throw and end events, all without boundary
/// events. No event trigger and no subscription is ever keyed by their instances: looking for one
/// is a wasted state read, and deleting one when the element ends a wasted tombstone. A triggering
/// `ProcessEvent` keys its trigger by the scope it interrupts (a process, a sub-process, an
/// event-based gateway, an activity with boundary events, a call activity); a triggered one by the
/// element it activates, which is a catch element, or any element for a start instruction, and the
/// applier keeps no trigger for these.
pub(crate) fn never_catches(element: &Element) -> bool {
    element.boundary_events.is_empty()
        && matches!(
            element.kind,
            ElementKind::StartEvent {
                definition: EventDefinition::None,
                ..
            } | ElementKind::ServiceTask(_)
                | ElementKind::SendTask(_)
                | ElementKind::UserTask(_)
                | ElementKind::ManualTask
                | ElementKind::Task
                | ElementKind::ScriptTask(_)
                | ElementKind::BusinessRuleTask(_)
                | ElementKind::ExclusiveGateway { .. }
                | ElementKind::InclusiveGateway { .. }
                | ElementKind::ParallelGateway
                | ElementKind::IntermediateThrowEvent { .. }
                | ElementKind::EndEvent { .. }
        )
}

/// Event-based gateway: subscribes to the events after it and waits for the first to fire.
pub(crate) fn event_gateway_on_activate(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<(), EngineError> {
    let ElementKind::EventBasedGateway { events } = &el.element().kind else {
        return Ok(());
    };
    for event in events.clone() {
        if let Err(failure) = subscribe(ctx, el, event)? {
            return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
        }
    }
    activated(ctx, el)
}

/// One of the events after an event-based gateway fired: the gateway completes, then the event.
pub(crate) fn trigger_event_gateway(
    ctx: &mut Ctx<'_>,
    gateway: &ElementInstance,
    event_id: &str,
    variables: Option<&str>,
) -> Result<(), EngineError> {
    let key = ctx.next_key();
    ctx.event(
        key,
        RecordValue::ProcessEvent(
            ProcessEventIntent::Triggering,
            process_event(&gateway.record, gateway.key, event_id, variables),
        ),
    )?;
    ctx.follow_up(
        gateway.key,
        RecordValue::ProcessInstance(
            ProcessInstanceIntent::CompleteElement,
            gateway.record.clone(),
        ),
    );
    Ok(())
}

/// Completes an event-based gateway: closes the other subscriptions and takes the flow to the event
/// that fired, which then passes through with the event's variables.
pub(crate) fn event_gateway_on_complete(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<(), EngineError> {
    let trigger = crate::state::element_instances::event_trigger(&ctx.state, el.key)?;
    unsubscribe(ctx, el)?;
    super::transitions::completed(ctx, el)?;
    let Some(trigger) = trigger else {
        return super::transitions::take_outgoing(ctx, el);
    };
    let model = &el.process.model;
    let flow = el.element().outgoing.iter().copied().find(|flow| {
        matches!(&model.element(*flow).kind, ElementKind::SequenceFlow { target, .. } if model.element(*target).id == trigger.element_id)
    });
    let Some(flow) = flow else {
        return Ok(());
    };
    let flow_element = model.element(flow);
    let record = hornet_protocol::value::ProcessInstanceRecord {
        element_id: flow_element.id.as_str().into(),
        bpmn_element_type: hornet_protocol::BpmnElementType::SequenceFlow,
        bpmn_event_type: hornet_protocol::BpmnEventType::Unspecified,
        ..el.record.clone()
    };
    let key = ctx.next_key();
    ctx.event(
        key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::SequenceFlowTaken, record),
    )?;
    activate_catch_element(
        ctx,
        el,
        &trigger.element_id,
        el.key,
        el.record.flow_scope_key,
        trigger.variables.as_deref(),
    )
}

/// Intermediate catch events and receive tasks: subscribe (to their own event and, for a receive task,
/// its boundary events) and wait.
pub(crate) fn catch_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    // Reached from an event-based gateway whose event for it already fired: pass through.
    if let Some(trigger) = crate::state::element_instances::event_trigger(&ctx.state, el.key)? {
        if trigger.element_id == el.record.element_id {
            activated(ctx, el)?;
            complete_element(ctx, el);
            return Ok(());
        }
    }
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &el.element().inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    if let Err(failure) = subscribe(ctx, el, el.idx)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    if let Err(failure) = subscribe_boundary_events(ctx, el)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    activated(ctx, el)
}

/// A boundary event was triggered before it was activated: it passes through.
pub(crate) fn boundary_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    activated(ctx, el)?;
    complete_element(ctx, el);
    Ok(())
}

fn process_event(
    el_record: &hornet_protocol::value::ProcessInstanceRecord,
    scope_key: Key,
    target: &str,
    variables: Option<&str>,
) -> ProcessEventRecord {
    ProcessEventRecord {
        scope_key,
        target_element_id: target.to_string(),
        variables: variables
            .and_then(|v| Document::parse(v).ok())
            .unwrap_or_default(),
        process_definition_key: el_record.process_definition_key,
        process_instance_key: el_record.process_instance_key,
        tenant_id: el_record.tenant_id.to_string(),
    }
}

/// A boundary event of `activity` fired: an interrupting one terminates the activity first (the event is
/// activated once it has terminated), a non-interrupting one is activated at once.
pub(crate) fn trigger_boundary(
    ctx: &mut Ctx<'_>,
    activity: &ElementInstance,
    boundary_id: &str,
    interrupting: bool,
    variables: Option<&str>,
) -> Result<(), EngineError> {
    let Some(el) = ElementCtx::of_instance(ctx, activity)? else {
        return Ok(());
    };
    if interrupting {
        let key = ctx.next_key();
        ctx.event(
            key,
            RecordValue::ProcessEvent(
                ProcessEventIntent::Triggering,
                process_event(&el.record, el.key, boundary_id, variables),
            ),
        )?;
        ctx.follow_up(el.key, el.value(ProcessInstanceIntent::TerminateElement));
        Ok(())
    } else {
        activate_catch_element(
            ctx,
            &el,
            boundary_id,
            el.key,
            el.record.flow_scope_key,
            variables,
        )
    }
}

/// `PROCESS_EVENT TRIGGERED` for a new instance of the catch element `catch_id` (in `flow_scope_key`),
/// then its activation.
fn activate_catch_element(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
    catch_id: &str,
    scope_key: Key,
    flow_scope_key: Key,
    variables: Option<&str>,
) -> Result<(), EngineError> {
    let Some(idx) = el.process.find(catch_id) else {
        return Ok(());
    };
    let key = ctx.next_key();
    ctx.event(
        key,
        RecordValue::ProcessEvent(
            ProcessEventIntent::Triggered,
            process_event(&el.record, scope_key, catch_id, variables),
        ),
    )?;
    let record = child_record(&el.process, idx, flow_scope_key, &el.record);
    ctx.follow_up(
        key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, record),
    );
    Ok(())
}

/// The interrupted activity `el` has terminated: activate the boundary event that interrupted it.
pub(crate) fn activate_triggered_boundary(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
    trigger: &EventTrigger,
) -> Result<(), EngineError> {
    activate_catch_element(
        ctx,
        el,
        &trigger.element_id,
        el.key,
        el.record.flow_scope_key,
        trigger.variables.as_deref(),
    )
}

/// Every child of `scope` has terminated: start the interrupting event sub-process waiting for it.
pub(crate) fn activate_triggered_event_sub_process(
    ctx: &mut Ctx<'_>,
    scope: &ElementCtx,
    trigger: &EventTrigger,
) -> Result<(), EngineError> {
    activate_catch_element(
        ctx,
        scope,
        &trigger.element_id,
        scope.key,
        scope.key,
        trigger.variables.as_deref(),
    )
}

/// Records that an interrupting event sub-process (`esp_id`) fired in `scope`: the scope's children are
/// terminated first.
pub(crate) fn trigger_event_sub_process(
    ctx: &mut Ctx<'_>,
    scope: &ElementCtx,
    esp_id: &str,
    variables: Option<&str>,
) -> Result<(), EngineError> {
    let key = ctx.next_key();
    ctx.event(
        key,
        RecordValue::ProcessEvent(
            ProcessEventIntent::Triggering,
            process_event(&scope.record, scope.key, esp_id, variables),
        ),
    )?;
    let had_children = super::container::terminate_children(ctx, scope.key)?;
    if !had_children {
        let trigger = EventTrigger {
            element_id: esp_id.to_string(),
            variables: variables.map(str::to_string),
        };
        activate_triggered_event_sub_process(ctx, scope, &trigger)?;
    }
    Ok(())
}
