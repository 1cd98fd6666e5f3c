//! Which BPMN elements this engine executes. A deployment containing anything else is rejected with a
//! message naming the element, so nothing is accepted that would later get stuck.

use hornet_bpmn::{
    Binding, BusinessRuleTask, Element, ElementKind, EventDefinition, FormDefinition, Process,
    ScriptTask, TimerDefinition, UserTaskImplementation,
};

fn event_supported(
    element: &Element,
    definition: &EventDefinition,
    in_event_sub_process: bool,
    process_level: bool,
) -> Result<(), String> {
    let kind = match &element.kind {
        ElementKind::StartEvent { .. } => "start event",
        ElementKind::IntermediateCatchEvent { .. } => "intermediate catch event",
        ElementKind::IntermediateThrowEvent { .. } => "intermediate throw event",
        ElementKind::EndEvent { .. } => "end event",
        ElementKind::BoundaryEvent { .. } => "boundary event",
        _ => "event",
    };
    let ok = match (&element.kind, definition) {
        (ElementKind::StartEvent { .. }, EventDefinition::None) => !in_event_sub_process,
        (
            ElementKind::StartEvent { .. },
            EventDefinition::Message(_) | EventDefinition::Timer(_),
        ) => process_level || in_event_sub_process,
        (ElementKind::StartEvent { interrupting, .. }, EventDefinition::Error { .. }) => {
            in_event_sub_process && *interrupting
        }
        (ElementKind::IntermediateThrowEvent { .. }, EventDefinition::None) => true,
        (ElementKind::IntermediateThrowEvent { job: Some(_), .. }, _) => true,
        (
            ElementKind::EndEvent { .. },
            EventDefinition::None | EventDefinition::Error { .. } | EventDefinition::Terminate,
        ) => true,
        (ElementKind::EndEvent { job: Some(_), .. }, _) => true,
        (
            ElementKind::IntermediateCatchEvent { .. } | ElementKind::BoundaryEvent { .. },
            EventDefinition::Timer(_) | EventDefinition::Message(_),
        ) => true,
        (ElementKind::BoundaryEvent { .. }, EventDefinition::Error { .. }) => true,
        (
            ElementKind::IntermediateCatchEvent { .. }
            | ElementKind::BoundaryEvent { .. }
            | ElementKind::IntermediateThrowEvent { .. }
            | ElementKind::EndEvent { .. },
            EventDefinition::Signal { .. } | EventDefinition::Escalation { .. },
        ) => true,
        (ElementKind::StartEvent { .. }, EventDefinition::Escalation { .. }) => {
            in_event_sub_process
        }
        (ElementKind::StartEvent { .. }, EventDefinition::Signal { .. }) => {
            process_level || in_event_sub_process
        }
        (ElementKind::IntermediateCatchEvent { .. }, EventDefinition::Link { .. }) => true,
        (
            ElementKind::IntermediateThrowEvent { job: None, .. }
            | ElementKind::EndEvent { job: None, .. }
            | ElementKind::BoundaryEvent { .. },
            EventDefinition::Compensation { .. },
        ) => true,
        (ElementKind::IntermediateThrowEvent { .. }, EventDefinition::Link { target, .. }) => {
            target.is_some()
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        let definition = match definition {
            EventDefinition::None => "none",
            EventDefinition::Message(_) => "message",
            EventDefinition::Timer(TimerDefinition::Duration(_)) => "timer",
            EventDefinition::Timer(TimerDefinition::Date(_)) => "timer date",
            EventDefinition::Timer(TimerDefinition::Cycle(_)) => "timer cycle",
            EventDefinition::Error { .. } => "error",
            EventDefinition::Signal { .. } => "signal",
            EventDefinition::Escalation { .. } => "escalation",
            EventDefinition::Terminate => "terminate",
            EventDefinition::Link { .. } => "link",
            EventDefinition::Compensation { .. } => "compensation",
        };
        Err(format!("{definition} {kind}"))
    }
}

fn element_supported(process: &Process, element: &Element) -> Result<(), String> {
    if let Some(EventDefinition::Timer(definition)) = element.event_definition() {
        if let Some(problem) = invalid_static_timer(definition) {
            return Err(problem);
        }
    }
    let in_event_sub_process = element
        .flow_scope
        .map(|scope| matches!(process.element(scope).kind, ElementKind::EventSubProcess(_)))
        .unwrap_or(false);
    match &element.kind {
        ElementKind::Process(_)
        | ElementKind::SubProcess(_)
        | ElementKind::SequenceFlow { .. }
        | ElementKind::ExclusiveGateway { .. }
        | ElementKind::ParallelGateway
        | ElementKind::ServiceTask(_)
        | ElementKind::SendTask(_)
        | ElementKind::ManualTask
        | ElementKind::Task
        | ElementKind::ScriptTask(ScriptTask::Job(_))
        | ElementKind::BusinessRuleTask(BusinessRuleTask::Job(_)) => Ok(()),
        ElementKind::EventSubProcess(_) => Ok(()),
        // Zeebe resolves a form id to a deployed form's key; Hornet deploys no forms.
        ElementKind::UserTask(task) if matches!(task.form, Some(FormDefinition::FormId { .. })) => {
            Err("a user task form referenced by formId (zeebe:formDefinition formId)".into())
        }
        ElementKind::UserTask(task) => match task.implementation {
            UserTaskImplementation::Job(_) | UserTaskImplementation::Native { .. } => Ok(()),
        },
        ElementKind::StartEvent { definition, .. }
        | ElementKind::IntermediateCatchEvent { definition }
        | ElementKind::IntermediateThrowEvent { definition, .. }
        | ElementKind::EndEvent { definition, .. }
        | ElementKind::BoundaryEvent { definition, .. } => event_supported(
            element,
            definition,
            in_event_sub_process,
            element.flow_scope == Some(process.root()),
        ),
        ElementKind::MultiInstanceBody(_) => Ok(()),
        ElementKind::InclusiveGateway { .. } => Ok(()),
        ElementKind::EventBasedGateway { .. } => Ok(()),
        ElementKind::ReceiveTask { .. }
        | ElementKind::ScriptTask(ScriptTask::Expression { .. }) => Ok(()),
        ElementKind::BusinessRuleTask(BusinessRuleTask::CalledDecision { binding, .. }) => {
            match binding {
                Binding::Latest => Ok(()),
                Binding::Deployment => Err(
                    "business rule task calling a decision with bindingType 'deployment'".into(),
                ),
                Binding::VersionTag(_) => Err(
                    "business rule task calling a decision with bindingType 'versionTag'".into(),
                ),
            }
        }
        ElementKind::CallActivity(_) => Ok(()),
    }
}

/// A static timer value that cannot work (an expression is checked when it is evaluated).
fn invalid_static_timer(definition: &TimerDefinition) -> Option<String> {
    use super::events::{parse_date_time_millis, parse_duration_millis, Cycle};
    match definition {
        TimerDefinition::Duration(value) => value
            .as_static()
            .filter(|text| parse_duration_millis(text).is_none())
            .map(|text| {
                format!("timer duration '{text}' (ISO 8601 durations with days and time only)")
            }),
        TimerDefinition::Date(value) => value
            .as_static()
            .filter(|text| parse_date_time_millis(text).is_none())
            .map(|text| {
                format!(
                    "timer date '{text}' (an ISO 8601 date-time with offset or zone is expected)"
                )
            }),
        TimerDefinition::Cycle(value) => value.as_static().and_then(|text| {
            Cycle::parse(text).err().map(|reason| {
                format!(
                    "timer cycle '{text}' (an R[n]/<duration> cycle or a cron expression is expected: {reason})"
                )
            })
        }),
    }
}

/// Every element Hornet cannot execute yet, Zeebe validation style.
pub(crate) fn unsupported_elements(process: &Process) -> Vec<String> {
    process
        .elements()
        .filter_map(|(_, element)| {
            element_supported(process, element).err().map(|what| {
                format!(
                    "Element: {}\n    - ERROR: {} is not supported by Hornet yet",
                    element.id, what
                )
            })
        })
        .collect()
}
