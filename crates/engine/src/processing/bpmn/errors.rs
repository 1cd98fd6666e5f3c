//! BPMN errors and escalations. Errors: thrown by a job worker (`ThrowError`) or an error end event, caught by the innermost
//! error boundary event or error event sub-process whose error code matches (a catch event without code
//! catches every error), searching from the throwing element outwards, as Zeebe does.

use super::transitions::activated;
use super::{events, ElementCtx};
use crate::error::EngineError;
use crate::processing::behaviour::expressions::evaluate_string;
use crate::processing::behaviour::mappings::apply_inputs;
use crate::processing::behaviour::{incidents, Failure};
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementInstance};
use hornet_bpmn::{ElementIdx, ElementKind, EventDefinition, ExprOrStatic};
use hornet_protocol::value::{ErrorType, EscalationRecord};
use hornet_protocol::Key;
use hornet_protocol::{EscalationIntent, RecordValue};

pub(crate) fn is_error(definition: &EventDefinition) -> bool {
    matches!(definition, EventDefinition::Error { .. })
}

/// Where a thrown error is caught.
pub(crate) enum Catch {
    /// An error boundary event (`boundary_id`) on the element instance `activity`.
    Boundary {
        activity: ElementInstance,
        boundary_id: String,
    },
    /// An error event sub-process (`esp_id`) of the flow scope instance `scope`.
    EventSubProcess {
        scope: ElementInstance,
        esp_id: String,
    },
}

/// What is thrown: a BPMN error or an escalation (caught by the same search, with their own events).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Throwable {
    Error,
    Escalation,
}

/// How well a catch definition matches `code`: 2 exact code, 1 catch-all, 0 no match.
fn match_rank(
    ctx: &Ctx<'_>,
    scope: Key,
    definition: Option<&EventDefinition>,
    code: &str,
    throwable: Throwable,
) -> Result<u8, EngineError> {
    let catch_code = match (throwable, definition) {
        (Throwable::Error, Some(EventDefinition::Error { code })) => code,
        (Throwable::Escalation, Some(EventDefinition::Escalation { code })) => code,
        _ => return Ok(0),
    };
    Ok(match catch_code {
        None => 1,
        Some(ExprOrStatic::Static(c)) => u8::from(c == code) * 2,
        Some(expression) => {
            match evaluate_string(ctx, scope, expression, ErrorType::ExtractValueError)? {
                Ok(c) if c == code => 2,
                _ => 0,
            }
        }
    })
}

/// The best-matching catch among `candidates` (exact code before catch-all, then document order).
fn best(ranked: Vec<(u8, ElementIdx)>) -> Option<ElementIdx> {
    let top = ranked
        .iter()
        .map(|(rank, _)| *rank)
        .max()
        .filter(|rank| *rank > 0)?;
    ranked
        .into_iter()
        .find(|(rank, _)| *rank == top)
        .map(|(_, idx)| idx)
}

/// Finds the catch for an error thrown at `thrower`.
pub(crate) fn find_catch(
    ctx: &mut Ctx<'_>,
    thrower: &ElementInstance,
    code: &str,
) -> Result<Option<Catch>, EngineError> {
    find_catch_of(ctx, thrower, code, Throwable::Error)
}

/// Finds the innermost catch for an error or escalation thrown at `thrower`.
pub(crate) fn find_catch_of(
    ctx: &mut Ctx<'_>,
    thrower: &ElementInstance,
    code: &str,
    throwable: Throwable,
) -> Result<Option<Catch>, EngineError> {
    let mut current = thrower.clone();
    loop {
        let Some(el) = ElementCtx::of_instance(ctx, &current)? else {
            return Ok(None);
        };
        let model = &el.process.model;
        // Boundary events of the current element.
        let mut ranked = Vec::new();
        for boundary in &el.element().boundary_events {
            let rank = match_rank(
                ctx,
                current.key,
                model.element(*boundary).event_definition(),
                code,
                throwable,
            )?;
            ranked.push((rank, *boundary));
        }
        if let Some(boundary) = best(ranked) {
            return Ok(Some(Catch::Boundary {
                boundary_id: model.element(boundary).id.clone(),
                activity: current,
            }));
        }
        // Error event sub-processes of the enclosing flow scope.
        let Some(scope) =
            element_instances::get_instance(&ctx.state, current.record.flow_scope_key)?
        else {
            return Ok(None);
        };
        let Some(scope_el) = ElementCtx::of_instance(ctx, &scope)? else {
            return Ok(None);
        };
        let scope_model = &scope_el.process.model;
        let mut ranked = Vec::new();
        if let Some(flow_scope) = scope_el.element().flow_scope_data() {
            for esp in &flow_scope.event_sub_processes {
                let start = match &scope_model.element(*esp).kind {
                    ElementKind::EventSubProcess(inner) => inner.start_events.first().copied(),
                    _ => None,
                };
                if let Some(start) = start {
                    let rank = match_rank(
                        ctx,
                        scope.key,
                        scope_model.element(start).event_definition(),
                        code,
                        throwable,
                    )?;
                    ranked.push((rank, *esp));
                }
            }
        }
        if let Some(esp) = best(ranked) {
            return Ok(Some(Catch::EventSubProcess {
                esp_id: scope_model.element(esp).id.clone(),
                scope,
            }));
        }
        current = scope;
    }
}

/// Throws an error from `thrower`. Returns `false` if nothing catches it.
pub(crate) fn throw_error(
    ctx: &mut Ctx<'_>,
    thrower: &ElementInstance,
    code: &str,
    variables: Option<&str>,
) -> Result<bool, EngineError> {
    match find_catch(ctx, thrower, code)? {
        None => Ok(false),
        Some(Catch::Boundary {
            activity,
            boundary_id,
        }) => {
            events::trigger_boundary(ctx, &activity, &boundary_id, true, variables)?;
            Ok(true)
        }
        Some(Catch::EventSubProcess { scope, esp_id }) => {
            let Some(scope_el) = ElementCtx::of_instance(ctx, &scope)? else {
                return Ok(false);
            };
            events::trigger_event_sub_process(ctx, &scope_el, &esp_id, variables)?;
            Ok(true)
        }
    }
}

/// Zeebe's message for an error nobody catches.
pub(crate) fn unhandled_message(code: &str, message: &str) -> String {
    if message.is_empty() {
        format!(
            "Expected to throw an error event with the code '{code}', but it was not caught. No error events are available in the scope."
        )
    } else {
        format!(
            "Expected to throw an error event with the code '{code}' with message '{message}', but it was not caught. No error events are available in the scope."
        )
    }
}

/// An error end event throws its error while activating; nothing catching it is an incident.
pub(crate) fn error_end_event_on_activate(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<(), EngineError> {
    let element = el.element();
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &element.inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    let code = match element.event_definition() {
        Some(EventDefinition::Error { code: Some(code) }) => {
            match evaluate_string(ctx, el.key, code, ErrorType::ExtractValueError)? {
                Ok(code) => code,
                Err(failure) => {
                    return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure)
                }
            }
        }
        _ => String::new(),
    };
    let Some(instance) = element_instances::get_instance(&ctx.state, el.key)? else {
        return Ok(());
    };
    if find_catch(ctx, &instance, &code)?.is_none() {
        let failure = Failure::new(ErrorType::UnhandledErrorEvent, unhandled_message(&code, ""));
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    activated(ctx, el)?;
    throw_error(ctx, &instance, &code, None)?;
    Ok(())
}

/// An escalation throw event (intermediate or end): the innermost matching escalation catch event fires
/// (ESCALATION ESCALATED); without one the escalation is NOT_ESCALATED and nothing else happens, as in
/// Zeebe. The throw event completes unless an interrupting catch ends its scope.
pub(crate) fn escalation_throw_on_activate(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<(), EngineError> {
    let element = el.element();
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &element.inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    let code = match element.event_definition() {
        Some(EventDefinition::Escalation { code: Some(code) }) => {
            match evaluate_string(ctx, el.key, code, ErrorType::ExtractValueError)? {
                Ok(code) => code,
                Err(failure) => {
                    return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure)
                }
            }
        }
        _ => String::new(),
    };
    activated(ctx, el)?;
    let Some(instance) = element_instances::get_instance(&ctx.state, el.key)? else {
        return Ok(());
    };
    let catch = find_catch_of(ctx, &instance, &code, Throwable::Escalation)?;
    let (waiter, target_id) = match catch {
        None => {
            escalation_record(ctx, el, EscalationIntent::NotEscalated, &code, "")?;
            super::transitions::complete_element(ctx, el);
            return Ok(());
        }
        Some(Catch::Boundary {
            activity,
            boundary_id,
        }) => (activity, boundary_id),
        Some(Catch::EventSubProcess { scope, esp_id }) => {
            let start_id = el
                .process
                .find(&esp_id)
                .and_then(|esp| el.process.model.flow_scope(esp))
                .and_then(|inner| inner.start_events.first().copied())
                .map(|start| el.process.model.element(start).id.clone())
                .unwrap_or_default();
            (scope, start_id)
        }
    };
    escalation_record(ctx, el, EscalationIntent::Escalated, &code, &target_id)?;
    let interrupting = events::is_interrupting(ctx, &waiter, &target_id)?;
    events::trigger_catch(ctx, &waiter, &target_id, None)?;
    if !interrupting {
        super::transitions::complete_element(ctx, el);
    }
    Ok(())
}

fn escalation_record(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
    intent: EscalationIntent,
    code: &str,
    catch_element_id: &str,
) -> Result<(), EngineError> {
    let key = ctx.next_key();
    ctx.event(
        key,
        RecordValue::Escalation(
            intent,
            EscalationRecord {
                process_instance_key: el.record.process_instance_key,
                escalation_code: code.to_string(),
                throw_element_id: el.record.element_id.to_string(),
                catch_element_id: catch_element_id.to_string(),
            },
        ),
    )?;
    Ok(())
}
