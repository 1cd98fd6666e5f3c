//! Exclusive, inclusive (fork) and parallel gateways.

use super::transitions::{
    activated, complete_element, completed, completing, take_flow, take_outgoing,
};
use super::ElementCtx;
use crate::error::EngineError;
use crate::processing::behaviour::expressions::evaluate_bool;
use crate::processing::behaviour::{incidents, Failure};
use crate::processing::Ctx;
use hornet_bpmn::{ElementIdx, ElementKind};
use hornet_protocol::value::ErrorType;
use hornet_protocol::Key;

const NO_FLOW_TO_TAKE: &str =
    "Expected at least one condition to evaluate to true, or to have a default flow";

/// The first outgoing flow whose condition holds (a flow without condition always holds), else the
/// default flow; `Ok(None)` when the gateway has no outgoing flow at all.
fn flow_to_take(
    ctx: &Ctx<'_>,
    el: &ElementCtx,
) -> Result<Result<Option<ElementIdx>, Failure>, EngineError> {
    let element = el.element();
    if element.outgoing.is_empty() {
        return Ok(Ok(None));
    }
    let default_flow = match &element.kind {
        ElementKind::ExclusiveGateway { default_flow } => *default_flow,
        _ => None,
    };
    for flow in &element.outgoing {
        if Some(*flow) == default_flow {
            continue;
        }
        let ElementKind::SequenceFlow { condition, .. } = &el.process.model.element(*flow).kind
        else {
            continue;
        };
        let holds = match condition {
            None => true,
            Some(condition) => {
                match evaluate_bool(ctx, el.key, condition, ErrorType::ConditionError)? {
                    Ok(holds) => holds,
                    Err(failure) => return Ok(Err(failure)),
                }
            }
        };
        if holds {
            return Ok(Ok(Some(*flow)));
        }
    }
    match default_flow {
        Some(flow) => Ok(Ok(Some(flow))),
        None => Ok(Err(Failure::new(
            ErrorType::ConditionError,
            NO_FLOW_TO_TAKE,
        ))),
    }
}

/// Chooses the flow while activating (an incident leaves the gateway in `ELEMENT_ACTIVATING`), then
/// passes through, as Zeebe does.
pub(crate) fn exclusive_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let flow = match flow_to_take(ctx, el)? {
        Ok(flow) => flow,
        Err(failure) => return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure),
    };
    activated(ctx, el)?;
    completing(ctx, el)?;
    completed(ctx, el)?;
    match flow {
        Some(flow) => take_flow(ctx, el, flow),
        None => take_outgoing(ctx, el),
    }
}

/// Inclusive gateway (fork): takes every outgoing flow whose condition holds (a flow without condition
/// always holds), or else the default flow; none is a CONDITION_ERROR incident, like the exclusive
/// gateway. Joining inclusive gateways are rejected at deployment.
pub(crate) fn inclusive_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let element = el.element();
    let default_flow = match &element.kind {
        ElementKind::InclusiveGateway { default_flow } => *default_flow,
        _ => None,
    };
    let mut flows = Vec::new();
    for flow in &element.outgoing {
        if Some(*flow) == default_flow {
            continue;
        }
        let ElementKind::SequenceFlow { condition, .. } = &el.process.model.element(*flow).kind
        else {
            continue;
        };
        let holds = match condition {
            None => true,
            Some(condition) => {
                match evaluate_bool(ctx, el.key, condition, ErrorType::ConditionError)? {
                    Ok(holds) => holds,
                    Err(failure) => {
                        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure)
                    }
                }
            }
        };
        if holds {
            flows.push(*flow);
        }
    }
    if flows.is_empty() && !element.outgoing.is_empty() {
        match default_flow {
            Some(flow) => flows.push(flow),
            None => {
                let failure = Failure::new(ErrorType::ConditionError, NO_FLOW_TO_TAKE);
                return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
            }
        }
    }
    activated(ctx, el)?;
    completing(ctx, el)?;
    completed(ctx, el)?;
    if element.outgoing.is_empty() {
        return take_outgoing(ctx, el);
    }
    for flow in flows {
        take_flow(ctx, el, flow)?;
    }
    Ok(())
}

/// The join already happened when the last token arrived (see `transitions::take_flow`).
pub(crate) fn parallel_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    activated(ctx, el)?;
    complete_element(ctx, el);
    Ok(())
}

/// Forks: takes every outgoing flow.
pub(crate) fn parallel_on_complete(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    completed(ctx, el)?;
    take_outgoing(ctx, el)
}
