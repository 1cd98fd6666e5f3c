//! State transitions and sequence flows shared by the element processors (Zeebe's
//! `BpmnStateTransitionBehavior`).

use super::{child_record, container, ElementCtx};
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementState};
use hornet_bpmn::{ElementIdx, ElementKind};
use hornet_protocol::value::ProcessInstanceRecord;
use hornet_protocol::{BpmnElementType, BpmnEventType, ProcessInstanceIntent, RecordValue};

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
        element_id: flow_element.id.clone(),
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
    }
    activate_child(ctx, el, target, flow_scope_key);
    Ok(())
}

/// A path ended inside the element's flow scope: the scope completes once it has neither live children
/// nor tokens in flight.
pub(crate) fn end_of_path(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
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
