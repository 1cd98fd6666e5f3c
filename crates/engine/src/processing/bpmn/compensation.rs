//! Compensation (Zeebe's `BpmnCompensationSubscriptionBehaviour` and the compensation throw events).
//!
//! * An activity with a compensation boundary event that completes leaves a COMPENSATION_SUBSCRIPTION
//!   (CREATED) in its flow scope. So does an embedded sub-process or a multi-instance body that
//!   completes with subscriptions inside it (without a handler of its own unless it has a compensation
//!   boundary event too), so the activities inside it are compensated with it. A multi-instance
//!   activity's boundary event belongs to its body: the body leaves one subscription, and its handler
//!   runs once, not once per instance.
//! * A compensation intermediate throw or end event triggers the subscriptions of its flow scope (for a
//!   throw event inside an event sub-process, also those of the event sub-process's flow scope), or
//!   with `activityRef` those of that activity only, and for a sub-process the subscriptions inside it,
//!   all the way down. For each subscription with a handler, the compensation boundary event is written
//!   as activated and completed at once and the handler activity is activated (its record has event
//!   type COMPENSATION), in the throw event's flow scope; then the subscription is TRIGGERED.
//! * The throw event stays activated until the last triggered subscription completes: a handler that
//!   completes completes its subscription (COMPLETED), then the sub-process subscriptions whose inner
//!   subscriptions are all done, bottom to top; when none is left for the throw event, it completes.
//!   With nothing to compensate it completes at once.
//! * The subscriptions of a process instance are DELETED when it completes or is terminated, and those
//!   inside a sub-process when the sub-process is terminated.

use super::transitions::{activated, complete_element};
use super::{child_record, ElementCtx};
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::compensations::{self, CompensationSubscription};
use crate::state::element_instances;
use hornet_bpmn::{ElementIdx, ElementKind, EventDefinition};
use hornet_protocol::value::CompensationSubscriptionRecord;
use hornet_protocol::{
    BpmnEventType, CompensationSubscriptionIntent, Document, Key, ProcessInstanceIntent,
    RecordValue,
};

/// The compensation boundary event attached to an activity, if any.
fn compensation_boundary(el: &ElementCtx, activity: ElementIdx) -> Option<ElementIdx> {
    let model = &el.process.model;
    model
        .element(activity)
        .boundary_events
        .iter()
        .copied()
        .find(|boundary| {
            matches!(
                model.element(*boundary).event_definition(),
                Some(EventDefinition::Compensation { .. })
            )
        })
}

/// The handler the compensation boundary event of `activity` is associated with.
fn handler_of(el: &ElementCtx, activity: ElementIdx) -> Option<(ElementIdx, ElementIdx)> {
    let boundary = compensation_boundary(el, activity)?;
    match el.process.model.element(boundary).event_definition() {
        Some(EventDefinition::Compensation {
            handler: Some(handler),
            ..
        }) => Some((boundary, *handler)),
        _ => None,
    }
}

/// Called while an activity completes, before `ELEMENT_COMPLETED`: leaves a subscription if the
/// activity can be compensated.
pub(crate) fn on_activity_completing(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<(), EngineError> {
    if !el.process.model.has_compensation() {
        return Ok(());
    }
    let handler = handler_of(el, el.idx);
    let compensable = handler.is_some()
        || (matches!(
            el.element().kind,
            ElementKind::SubProcess(_) | ElementKind::MultiInstanceBody(_)
        ) && compensations::of_process_instance(&ctx.state, el.record.process_instance_key)?
            .iter()
            .any(|s| s.record.compensable_activity_scope_key == el.key));
    if !compensable {
        return Ok(());
    }
    let record = CompensationSubscriptionRecord {
        tenant_id: el.record.tenant_id.to_string(),
        process_instance_key: el.record.process_instance_key,
        process_definition_key: el.record.process_definition_key,
        compensable_activity_id: el.record.element_id.to_string(),
        throw_event_id: String::new(),
        throw_event_instance_key: Key::NONE,
        compensation_handler_id: handler
            .map(|(_, handler)| el.process.model.element(handler).id.clone())
            .unwrap_or_default(),
        compensation_handler_instance_key: Key::NONE,
        compensable_activity_scope_key: el.record.flow_scope_key,
        compensable_activity_instance_key: el.key,
        variables: Document::empty(),
    };
    let key = ctx.next_key();
    ctx.event(
        key,
        RecordValue::CompensationSubscription(
            CompensationSubscriptionIntent::Created,
            Box::new(record),
        ),
    )?;
    Ok(())
}

/// A compensation intermediate throw or end event: triggers the compensation of its scope and waits
/// for the handlers, or completes at once when there is nothing to compensate.
pub(crate) fn throw_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    activated(ctx, el)?;
    let activity = match el.element().event_definition() {
        Some(EventDefinition::Compensation { activity, .. }) => *activity,
        _ => None,
    };
    let mut scopes = vec![el.record.flow_scope_key];
    if let Some(scope) = el.element().flow_scope {
        if matches!(
            el.process.model.element(scope).kind,
            ElementKind::EventSubProcess(_)
        ) {
            // Inside an event sub-process, the activities around it are compensated too.
            if let Some(instance) =
                element_instances::get_instance(&ctx.state, el.record.flow_scope_key)?
            {
                scopes.push(instance.record.flow_scope_key);
            }
        }
    }
    let untriggered: Vec<CompensationSubscription> =
        compensations::of_process_instance(&ctx.state, el.record.process_instance_key)?
            .into_iter()
            .filter(|s| !s.is_triggered())
            .collect();
    let activity_id = activity.map(|idx| el.process.model.element(idx).id.clone());
    let selected: Vec<&CompensationSubscription> = untriggered
        .iter()
        .filter(|s| scopes.contains(&s.record.compensable_activity_scope_key))
        .filter(|s| {
            activity_id
                .as_deref()
                .is_none_or(|id| s.record.compensable_activity_id == id)
        })
        .collect();
    if selected.is_empty() {
        complete_element(ctx, el);
        return Ok(());
    }
    for subscription in selected {
        trigger(ctx, el, &untriggered, subscription)?;
    }
    Ok(())
}

/// Triggers one subscription (invoking its handler, if it has one) and then those inside the activity.
fn trigger(
    ctx: &mut Ctx<'_>,
    throw: &ElementCtx,
    untriggered: &[CompensationSubscription],
    subscription: &CompensationSubscription,
) -> Result<(), EngineError> {
    let mut handler_instance = Key::NONE;
    if subscription.has_handler() {
        handler_instance = invoke_handler(ctx, throw, &subscription.record)?;
    }
    let mut record = subscription.record.clone();
    record.throw_event_id = throw.record.element_id.to_string();
    record.throw_event_instance_key = throw.key;
    record.compensation_handler_instance_key = handler_instance;
    ctx.event(
        subscription.key,
        RecordValue::CompensationSubscription(
            CompensationSubscriptionIntent::Triggered,
            Box::new(record),
        ),
    )?;
    let activity_instance = subscription.record.compensable_activity_instance_key;
    for inner in untriggered
        .iter()
        .filter(|s| s.record.compensable_activity_scope_key == activity_instance)
    {
        trigger(ctx, throw, untriggered, inner)?;
    }
    Ok(())
}

/// Writes the compensation boundary event of the activity as passed through and activates its
/// handler in the throw event's flow scope. Returns the handler's element instance key.
fn invoke_handler(
    ctx: &mut Ctx<'_>,
    throw: &ElementCtx,
    subscription: &CompensationSubscriptionRecord,
) -> Result<Key, EngineError> {
    let Some(activity) = throw.process.find(&subscription.compensable_activity_id) else {
        return Err(EngineError::CorruptState {
            what: "compensation subscription",
            reason: format!(
                "process '{}' has no activity '{}'",
                throw.record.bpmn_process_id, subscription.compensable_activity_id
            ),
        });
    };
    let Some((boundary, handler)) = handler_of(throw, activity) else {
        return Err(EngineError::CorruptState {
            what: "compensation subscription",
            reason: format!(
                "no compensation boundary event with a handler found for activity '{}'",
                subscription.compensable_activity_id
            ),
        });
    };
    let scope = throw.record.flow_scope_key;
    let boundary_key = ctx.next_key();
    let boundary_record = child_record(&throw.process, boundary, scope, &throw.record);
    for intent in [
        ProcessInstanceIntent::ElementActivating,
        ProcessInstanceIntent::ElementActivated,
        ProcessInstanceIntent::ElementCompleting,
        ProcessInstanceIntent::ElementCompleted,
    ] {
        ctx.event(
            boundary_key,
            RecordValue::ProcessInstance(intent, boundary_record.clone()),
        )?;
    }
    let handler_key = ctx.next_key();
    let mut handler_record = child_record(&throw.process, handler, scope, &throw.record);
    handler_record.bpmn_event_type = BpmnEventType::Compensation;
    ctx.follow_up(
        handler_key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, handler_record),
    );
    Ok(handler_key)
}

/// Called after a compensation handler's `ELEMENT_COMPLETED`: completes its subscription, then the
/// sub-process subscriptions that were waiting only for it, and the throw event once nothing it
/// triggered is left.
pub(crate) fn on_handler_completed(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    if el.record.bpmn_event_type != BpmnEventType::Compensation || !el.element().is_for_compensation
    {
        return Ok(());
    }
    let pi = el.record.process_instance_key;
    let Some(subscription) = compensations::of_process_instance(&ctx.state, pi)?
        .into_iter()
        .find(|s| s.is_triggered() && s.record.compensation_handler_instance_key == el.key)
    else {
        return Ok(());
    };
    ctx.event(
        subscription.key,
        RecordValue::CompensationSubscription(
            CompensationSubscriptionIntent::Completed,
            Box::new(subscription.record.clone()),
        ),
    )?;
    complete_enclosing(ctx, pi, subscription.record.compensable_activity_scope_key)?;
    let throw_key = subscription.record.throw_event_instance_key;
    let waiting = compensations::of_process_instance(&ctx.state, pi)?
        .iter()
        .any(|s| s.record.throw_event_instance_key == throw_key);
    if !waiting {
        if let Some(throw) = element_instances::get_instance(&ctx.state, throw_key)? {
            ctx.follow_up(
                throw.key,
                RecordValue::ProcessInstance(ProcessInstanceIntent::CompleteElement, throw.record),
            );
        }
    }
    Ok(())
}

/// Completes the handler-less subscription of the sub-process instance `scope_key` once no
/// subscription inside it is left, and so on upwards.
fn complete_enclosing(ctx: &mut Ctx<'_>, pi: Key, scope_key: Key) -> Result<(), EngineError> {
    let mut scope_key = scope_key;
    loop {
        let subscriptions = compensations::of_process_instance(&ctx.state, pi)?;
        if subscriptions
            .iter()
            .any(|s| s.record.compensable_activity_scope_key == scope_key)
        {
            return Ok(());
        }
        let Some(enclosing) = subscriptions
            .into_iter()
            .find(|s| s.record.compensable_activity_instance_key == scope_key && !s.has_handler())
        else {
            return Ok(());
        };
        ctx.event(
            enclosing.key,
            RecordValue::CompensationSubscription(
                CompensationSubscriptionIntent::Completed,
                Box::new(enclosing.record.clone()),
            ),
        )?;
        scope_key = enclosing.record.compensable_activity_scope_key;
    }
}

/// A process instance ends (completes or is terminated): its subscriptions are deleted.
pub(crate) fn on_process_ending(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    if !el.process.model.has_compensation() {
        return Ok(());
    }
    for subscription in compensations::of_process_instance(&ctx.state, el.key)? {
        deleted(ctx, subscription)?;
    }
    Ok(())
}

/// A sub-process is terminated: the subscriptions inside it (at any depth) are deleted.
pub(crate) fn on_sub_process_terminating(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<(), EngineError> {
    if !el.process.model.has_compensation() {
        return Ok(());
    }
    let all = compensations::of_process_instance(&ctx.state, el.record.process_instance_key)?;
    delete_inside(ctx, &all, el.key)
}

/// Deletes the subscriptions in `scope`, each followed by those inside it (depth first, as Zeebe).
fn delete_inside(
    ctx: &mut Ctx<'_>,
    all: &[CompensationSubscription],
    scope: Key,
) -> Result<(), EngineError> {
    for subscription in all
        .iter()
        .filter(|s| s.record.compensable_activity_scope_key == scope)
    {
        deleted(ctx, subscription.clone())?;
        delete_inside(
            ctx,
            all,
            subscription.record.compensable_activity_instance_key,
        )?;
    }
    Ok(())
}

fn deleted(ctx: &mut Ctx<'_>, subscription: CompensationSubscription) -> Result<(), EngineError> {
    ctx.event(
        subscription.key,
        RecordValue::CompensationSubscription(
            CompensationSubscriptionIntent::Deleted,
            Box::new(subscription.record),
        ),
    )?;
    Ok(())
}
