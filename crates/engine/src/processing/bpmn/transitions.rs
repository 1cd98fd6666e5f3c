//! State transitions and sequence flows shared by the element processors (Zeebe's
//! `BpmnStateTransitionBehavior`).

use super::{child_record, container, ElementCtx};
use crate::appliers;
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementState};
use hornet_bpmn::{ElementIdx, ElementKind};
use hornet_protocol::value::{ProcessInstanceRecord, SmolStr};
use hornet_protocol::{BpmnElementType, BpmnEventType, Key, ProcessInstanceIntent, RecordValue};

pub(crate) fn activated(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    ctx.event(el.key, el.value(ProcessInstanceIntent::ElementActivated))?;
    Ok(())
}

pub(crate) fn completing(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    ctx.event(el.key, el.value(ProcessInstanceIntent::ElementCompleting))?;
    Ok(())
}

pub(crate) fn completed(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    ctx.event(el.key, el.value(ProcessInstanceIntent::ElementCompleted))?;
    Ok(())
}

/// Asks for the element's completion (a follow-up `COMPLETE_ELEMENT`).
pub(crate) fn complete_element(ctx: &mut Ctx<'_>, el: &ElementCtx) {
    ctx.follow_up(el.key, el.value(ProcessInstanceIntent::CompleteElement));
}

/// Queues the activation of a new instance of `idx` in `flow_scope_key`.
/// Completes element instance `key` once the work it waited for is done (a job or a user task), if
/// it is still active: an element terminated meanwhile is left as it is.
pub(crate) fn complete_if_active(ctx: &mut Ctx<'_>, key: Key) -> Result<(), EngineError> {
    if let Some(instance) = element_instances::get_instance(&ctx.state, key)? {
        if instance.state == ElementState::Activated {
            ctx.follow_up(
                instance.key,
                RecordValue::ProcessInstance(
                    ProcessInstanceIntent::CompleteElement,
                    instance.record,
                ),
            );
        }
    }
    Ok(())
}

pub(crate) fn activate_child(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
    idx: ElementIdx,
    flow_scope_key: hornet_protocol::Key,
) -> hornet_protocol::Key {
    let key = ctx.next_key();
    let record = child_record(&el.process, idx, flow_scope_key, &el.record);
    ctx.follow_up(
        key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, record),
    );
    key
}

/// Takes every outgoing flow of a completed element, or ends the path if it has none.
pub(crate) fn take_outgoing(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let outgoing = el.element().outgoing.clone();
    if outgoing.is_empty() {
        return end_of_path(ctx, el);
    }
    for flow in outgoing {
        take_flow(ctx, el, flow)?;
    }
    Ok(())
}

/// `SEQUENCE_FLOW_TAKEN`, then the activation of the target (a parallel join only once every incoming
/// flow has brought a token).
pub(crate) fn take_flow(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
    flow: ElementIdx,
) -> Result<(), EngineError> {
    let model = &el.process.model;
    let flow_element = model.element(flow);
    let ElementKind::SequenceFlow { target, .. } = &flow_element.kind else {
        return Ok(());
    };
    let target = *target;
    let flow_scope_key = el.record.flow_scope_key;
    let record = ProcessInstanceRecord {
        element_id: flow_element.id.as_str().into(),
        bpmn_element_type: BpmnElementType::SequenceFlow,
        bpmn_event_type: BpmnEventType::Unspecified,
        ..el.record.clone()
    };
    let key = ctx.next_key();
    ctx.event(
        key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::SequenceFlowTaken, record),
    )?;
    let target_element = model.element(target);
    if matches!(target_element.kind, ElementKind::ParallelGateway) {
        for incoming in &target_element.incoming {
            let count = element_instances::taken_flow_count(
                &ctx.state,
                flow_scope_key,
                &target_element.id,
                &model.element(*incoming).id,
            )?;
            if count == 0 {
                return Ok(()); // the join waits for more tokens
            }
        }
    } else if appliers::process_instance::is_join(target_element) {
        // An inclusive join: activated once no flow without a token can still get one.
        recheck_inclusive_joins(ctx, el, flow_scope_key)?;
        return Ok(());
    }
    activate_child(ctx, el, target, flow_scope_key);
    recheck_inclusive_joins(ctx, el, flow_scope_key)
}

/// Activates every inclusive join in the flow scope whose waiting is over: it holds a token and none of
/// its incoming flows without a token can still be reached from a live element or a queued activation of
/// the scope. Called whenever tokens move or paths end in the scope.
pub(crate) fn recheck_inclusive_joins(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
    flow_scope_key: hornet_protocol::Key,
) -> Result<(), EngineError> {
    if !el.process.has_inclusive_join {
        return Ok(());
    }
    let model = &el.process.model;
    let Some(scope_instance) = element_instances::get_instance(&ctx.state, flow_scope_key)? else {
        return Ok(());
    };
    if scope_instance.state != ElementState::Activated {
        return Ok(());
    }
    let Some(scope_idx) = super::element_index(&el.process, &scope_instance.record) else {
        return Ok(());
    };
    let Some(scope) = model.flow_scope(scope_idx) else {
        return Ok(());
    };
    let joins: Vec<ElementIdx> = scope
        .children
        .iter()
        .copied()
        .filter(|idx| {
            matches!(
                model.element(*idx).kind,
                ElementKind::InclusiveGateway { .. }
            ) && appliers::process_instance::is_join(model.element(*idx))
        })
        .collect();
    if joins.is_empty() {
        return Ok(());
    }
    // Where tokens are: live children and queued activations of the scope.
    let mut positions: Vec<SmolStr> = element_instances::children(&ctx.state, flow_scope_key)?
        .into_iter()
        .map(|child| child.record.element_id)
        .collect();
    positions.extend(ctx.queued_activations(flow_scope_key));
    for join in joins {
        let join_element = model.element(join);
        if positions
            .iter()
            .any(|position| *position == join_element.id)
        {
            continue; // already activated (or about to be)
        }
        let mut waiting_for = Vec::new();
        let mut has_token = false;
        for incoming in &join_element.incoming {
            let flow = model.element(*incoming);
            let count = element_instances::taken_flow_count(
                &ctx.state,
                flow_scope_key,
                &join_element.id,
                &flow.id,
            )?;
            if count > 0 {
                has_token = true;
            } else if let ElementKind::SequenceFlow { source, .. } = &flow.kind {
                waiting_for.push(*source);
            }
        }
        if !has_token {
            continue;
        }
        let reachable = positions.iter().any(|position| {
            model
                .find(position)
                .is_some_and(|start| can_reach_any(model, start, join, &waiting_for))
        });
        if !reachable {
            activate_child(ctx, el, join, flow_scope_key);
            positions.push(join_element.id.as_str().into());
        }
    }
    Ok(())
}

/// Whether a token at `start` can reach one of `targets` without passing through `join` (following
/// outgoing flows and boundary events).
fn can_reach_any(
    model: &hornet_bpmn::Process,
    start: ElementIdx,
    join: ElementIdx,
    targets: &[ElementIdx],
) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![start];
    while let Some(current) = stack.pop() {
        if current == join || !seen.insert(current) {
            continue;
        }
        if targets.contains(&current) {
            return true;
        }
        let element = model.element(current);
        for flow in &element.outgoing {
            if let ElementKind::SequenceFlow { target, .. } = &model.element(*flow).kind {
                stack.push(*target);
            }
        }
        stack.extend(element.boundary_events.iter().copied());
    }
    false
}

/// A path ended inside the element's flow scope: the scope completes once it has neither live children
/// nor tokens in flight.
pub(crate) fn end_of_path(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    recheck_inclusive_joins(ctx, el, el.record.flow_scope_key)?;
    let Some(scope) = element_instances::get_instance(&ctx.state, el.record.flow_scope_key)? else {
        return Ok(());
    };
    if scope.state == ElementState::Activated
        && scope.active_children == 0
        && scope.active_flows == 0
        && container::pending_interruption(ctx, scope.key, &scope.record.element_id)?.is_none()
    {
        ctx.follow_up(
            scope.key,
            RecordValue::ProcessInstance(ProcessInstanceIntent::CompleteElement, scope.record),
        );
    }
    Ok(())
}
