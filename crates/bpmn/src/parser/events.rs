//! Event definitions (message, timer, error, signal, escalation, terminate, link,
//! compensation) and which of them each kind of event may have, as Zeebe allows them.

use super::extensions;
use super::scope::Builder;
use crate::model::{
    EventDefinition, ExprOrStatic, JobDefinition, MessageDefinition, TimerDefinition,
};
use crate::xml::{Node, Ns};
use hornet_feel::{EmptyVariables, EvalContext, Value};
use hornet_protocol::BpmnEventType;

/// Where an event sits; decides which definitions it may have and how they are checked.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum EventContext {
    ProcessStart,
    SubProcessStart,
    EventSubProcessStart,
    IntermediateCatch,
    IntermediateThrow,
    End,
    Boundary,
}

impl EventContext {
    /// The definitions allowed here (by tag name, `None` meaning no definition) and the
    /// message listing them.
    fn allowed(self) -> (&'static [&'static str], &'static str) {
        match self {
            EventContext::ProcessStart => (
                &["none", "message", "timer", "signal"],
                "Start event must be one of the following types: none, timer, message, signal",
            ),
            EventContext::SubProcessStart => (
                &["none"],
                "Start events in subprocesses must be of type none",
            ),
            EventContext::EventSubProcessStart => (
                &["message", "timer", "error", "signal", "escalation"],
                "Start events in event subprocesses must be one of: message, timer, error, signal, escalation",
            ),
            EventContext::IntermediateCatch => (
                &["message", "timer", "signal", "link"],
                "Intermediate catch events must be one of: message, timer, signal, link",
            ),
            EventContext::IntermediateThrow => (
                &["none", "message", "signal", "escalation", "link", "compensate"],
                "Intermediate throw events must be one of: none, message, signal, escalation, link, compensation",
            ),
            EventContext::End => (
                &["none", "error", "escalation", "terminate", "signal", "message", "compensate"],
                "End events must be one of: none, error, escalation, terminate, signal, message, compensation",
            ),
            EventContext::Boundary => (
                &["timer", "message", "error", "signal", "escalation", "compensate"],
                "Boundary events must be one of: timer, message, error, signal, escalation, compensation",
            ),
        }
    }

    fn catches(self) -> bool {
        matches!(
            self,
            EventContext::EventSubProcessStart | EventContext::Boundary
        )
    }
}

/// The protocol event type of a definition.
pub(crate) fn event_type(definition: &EventDefinition) -> BpmnEventType {
    match definition {
        EventDefinition::None => BpmnEventType::None,
        EventDefinition::Message(_) => BpmnEventType::Message,
        EventDefinition::Timer(_) => BpmnEventType::Timer,
        EventDefinition::Error { .. } => BpmnEventType::Error,
        EventDefinition::Signal { .. } => BpmnEventType::Signal,
        EventDefinition::Escalation { .. } => BpmnEventType::Escalation,
        EventDefinition::Terminate => BpmnEventType::Terminate,
        EventDefinition::Link { .. } => BpmnEventType::Link,
        EventDefinition::Compensation { .. } => BpmnEventType::Compensation,
    }
}

/// Parses the event definition of `node`, reporting definitions not allowed in `context`.
pub(crate) fn definition(
    builder: &mut Builder<'_, '_, '_>,
    node: &Node,
    context: EventContext,
) -> EventDefinition {
    let definitions: Vec<&Node> = node
        .children
        .iter()
        .filter(|child| {
            child.ns == Ns::Bpmn
                && (child.name.ends_with("EventDefinition") || child.name == "eventDefinitionRef")
        })
        .collect();
    if definitions.len() > 1 {
        let message = if context == EventContext::ProcessStart
            || context == EventContext::EventSubProcessStart
        {
            "Start event can't have more than one type"
        } else {
            "Must have exactly one event definition"
        };
        builder.diag.error(node, message);
    }
    let (allowed, not_allowed) = context.allowed();
    let Some(&first) = definitions.first() else {
        if !allowed.contains(&"none") {
            let message = match context {
                EventContext::EventSubProcessStart => not_allowed,
                _ => "Must have exactly one event definition",
            };
            builder.diag.error(node, message);
        }
        return EventDefinition::None;
    };
    let kind = first.name.trim_end_matches("EventDefinition");
    match kind {
        "message" | "timer" | "error" | "signal" | "escalation" | "terminate" | "link"
        | "compensate" => {
            if !allowed.contains(&kind) {
                builder.diag.error(node, not_allowed);
            }
        }
        "conditional" => {
            builder
                .diag
                .error(node, "Conditional events are not supported yet");
            return EventDefinition::None;
        }
        _ => {
            builder
                .diag
                .error(node, "Event definition of this type is not supported");
            return EventDefinition::None;
        }
    }
    match kind {
        "message" => {
            let mut message = message(
                builder,
                node,
                first.attr("messageRef"),
                matches!(
                    context,
                    EventContext::IntermediateCatch
                        | EventContext::Boundary
                        | EventContext::EventSubProcessStart
                ),
            );
            if context == EventContext::ProcessStart {
                message.name = constant_name(builder, node, "message", message.name);
            }
            EventDefinition::Message(message)
        }
        "timer" => timer(builder, node, first),
        "error" => EventDefinition::Error {
            code: code(builder, node, first, context, CodeKind::Error),
        },
        "signal" => {
            let name = signal(builder, node, first);
            EventDefinition::Signal {
                name: if context == EventContext::ProcessStart {
                    constant_name(builder, node, "signal", name)
                } else {
                    name
                },
            }
        }
        "escalation" => EventDefinition::Escalation {
            code: code(builder, node, first, context, CodeKind::Escalation),
        },
        "terminate" => EventDefinition::Terminate,
        "link" => {
            let name = first.attr("name").map(str::trim).unwrap_or_default();
            if name.is_empty() {
                builder
                    .diag
                    .error(node, "Link name must be present and not empty");
            }
            EventDefinition::Link {
                name: name.to_string(),
                target: None,
            }
        }
        _ => {
            let wait_for_completion = match first.attr("waitForCompletion") {
                None => true,
                Some(value) => builder.boolean(node, "waitForCompletion", value),
            };
            EventDefinition::Compensation {
                activity: None,
                wait_for_completion,
                handler: None,
            }
        }
    }
}

/// The name of a process-level message or signal start event: the subscription is opened at
/// deployment, before any variable exists, so an expression is evaluated now without variables
/// (as Zeebe does) and must yield a string.
fn constant_name(
    builder: &mut Builder<'_, '_, '_>,
    node: &Node,
    kind: &str,
    name: ExprOrStatic<String>,
) -> ExprOrStatic<String> {
    let ExprOrStatic::Expression(expression) = &name else {
        return name;
    };
    match expression.evaluate(&EvalContext::new(&EmptyVariables)) {
        Ok(Value::String(value)) if !value.is_empty() => ExprOrStatic::Static(value),
        Ok(other) => {
            builder.diag.error(
                node,
                &format!(
                    "Expected the {kind} name expression '={}' of a start event to evaluate to a non-empty string without variables, but it evaluated to {other:?}",
                    expression.source()
                ),
            );
            name
        }
        Err(error) => {
            builder.diag.error(
                node,
                &format!(
                    "Expected the {kind} name expression '={}' of a start event to evaluate without variables, but: {error}",
                    expression.source()
                ),
            );
            name
        }
    }
}

/// The message referenced by `message_ref` (from an event or a receive task). Catching
/// elements need a `zeebe:subscription` with a correlation key expression.
pub(crate) fn message(
    builder: &mut Builder<'_, '_, '_>,
    owner: &Node,
    message_ref: Option<&str>,
    needs_correlation: bool,
) -> MessageDefinition {
    let fallback = MessageDefinition {
        name: ExprOrStatic::Static(String::new()),
        correlation_key: None,
    };
    let Some(message_ref) = message_ref.filter(|r| !r.is_empty()) else {
        builder.diag.error(owner, "Must reference a message");
        return fallback;
    };
    let Some(&message) = builder.roots.messages.get(message_ref) else {
        builder.diag.error(
            owner,
            &format!("Referenced message '{message_ref}' does not exist"),
        );
        return fallback;
    };
    let name = match message.attr("name").filter(|name| !name.trim().is_empty()) {
        Some(name) => builder
            .diag
            .expr_or_static(owner, &format!("the name of message '{message_ref}'"), name)
            .unwrap_or(ExprOrStatic::Static(String::new())),
        None => {
            builder.diag.error(
                owner,
                &format!("Referenced message '{message_ref}' has no name: Name must be present and not empty"),
            );
            ExprOrStatic::Static(String::new())
        }
    };
    let correlation_key = if needs_correlation {
        let subscriptions: Vec<&Node> = message.zeebe_extensions("subscription").collect();
        if subscriptions.len() != 1 {
            builder.diag.error(
                owner,
                &format!(
                    "Referenced message '{message_ref}': Must have exactly one zeebe:subscription extension element"
                ),
            );
            None
        } else {
            builder.diag.expression(
                owner,
                &format!("the correlationKey of message '{message_ref}'"),
                subscriptions[0].attr("correlationKey"),
            )
        }
    } else {
        None
    };
    MessageDefinition {
        name,
        correlation_key,
    }
}

fn timer(builder: &mut Builder<'_, '_, '_>, owner: &Node, definition: &Node) -> EventDefinition {
    let parts: Vec<&Node> = ["timeDuration", "timeDate", "timeCycle"]
        .iter()
        .filter_map(|name| definition.bpmn_child(name))
        .collect();
    if parts.len() != 1 {
        builder.diag.error(
            owner,
            "Must be exactly one type of timer: timeDuration, timeDate or timeCycle",
        );
    }
    let Some(&part) = parts.first() else {
        return EventDefinition::Timer(TimerDefinition::Duration(ExprOrStatic::Static(
            String::new(),
        )));
    };
    let text = part.text.trim();
    let value = if text.is_empty() {
        builder.diag.error(
            owner,
            &format!(
                "Expected expression for the timer's {} but not found.",
                part.name
            ),
        );
        ExprOrStatic::Static(String::new())
    } else {
        builder
            .diag
            .expr_or_static(owner, &format!("the timer's {}", part.name), text)
            .unwrap_or(ExprOrStatic::Static(String::new()))
    };
    EventDefinition::Timer(match part.name.as_str() {
        "timeDuration" => TimerDefinition::Duration(value),
        "timeDate" => TimerDefinition::Date(value),
        _ => TimerDefinition::Cycle(value),
    })
}

fn signal(
    builder: &mut Builder<'_, '_, '_>,
    owner: &Node,
    definition: &Node,
) -> ExprOrStatic<String> {
    let fallback = ExprOrStatic::Static(String::new());
    let Some(signal_ref) = definition.attr("signalRef").filter(|r| !r.is_empty()) else {
        builder.diag.error(owner, "Must reference a signal");
        return fallback;
    };
    let Some(&signal) = builder.roots.signals.get(signal_ref) else {
        builder.diag.error(
            owner,
            &format!("Referenced signal '{signal_ref}' does not exist"),
        );
        return fallback;
    };
    match signal.attr("name").filter(|name| !name.trim().is_empty()) {
        Some(name) => builder
            .diag
            .expr_or_static(owner, &format!("the name of signal '{signal_ref}'"), name)
            .unwrap_or(fallback),
        None => {
            builder.diag.error(
                owner,
                &format!("Referenced signal '{signal_ref}' has no name: Name must be present and not empty"),
            );
            fallback
        }
    }
}

#[derive(Copy, Clone)]
enum CodeKind {
    Error,
    Escalation,
}

impl CodeKind {
    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            CodeKind::Error => ("error", "errorRef", "errorCode"),
            CodeKind::Escalation => ("escalation", "escalationRef", "escalationCode"),
        }
    }
}

/// The error or escalation code of an event. Catching events may omit the reference or the
/// code (catch-all) but must not use an expression; throwing events need a code.
fn code(
    builder: &mut Builder<'_, '_, '_>,
    owner: &Node,
    definition: &Node,
    context: EventContext,
    kind: CodeKind,
) -> Option<ExprOrStatic<String>> {
    let (noun, ref_attr, code_attr) = kind.names();
    let catches = context.catches();
    let roots = match kind {
        CodeKind::Error => &builder.roots.errors,
        CodeKind::Escalation => &builder.roots.escalations,
    };
    let referenced = match definition.attr(ref_attr).filter(|r| !r.is_empty()) {
        None => None,
        Some(reference) => match roots.get(reference) {
            Some(&root) => Some((reference, root)),
            None => {
                builder.diag.error(
                    owner,
                    &format!("Referenced {noun} '{reference}' does not exist"),
                );
                return None;
            }
        },
    };
    let Some((reference, root)) = referenced else {
        if !catches {
            builder
                .diag
                .error(owner, &format!("Must reference an {noun}"));
        }
        return None;
    };
    let code = root
        .attr(code_attr)
        .map(str::trim)
        .filter(|code| !code.is_empty());
    let Some(code) = code else {
        if !catches {
            builder.diag.error(
                owner,
                &format!(
                    "Referenced {noun} '{reference}': {code_attr} must be present and not empty"
                ),
            );
        }
        return None;
    };
    let value = builder.diag.expr_or_static(
        owner,
        &format!("the {code_attr} of {noun} '{reference}'"),
        code,
    )?;
    if catches && value.as_expression().is_some() {
        builder.diag.error(
            owner,
            &format!(
                "The {code_attr} of the {noun} catch event is not allowed to be an expression"
            ),
        );
        return None;
    }
    Some(value)
}

/// The job of a message throw/end event (Zeebe implements those with job workers); other
/// throw events have none.
pub(crate) fn throw_job(
    builder: &mut Builder<'_, '_, '_>,
    node: &Node,
    definition: &EventDefinition,
) -> Option<JobDefinition> {
    let has_task_definition = node.zeebe_extensions("taskDefinition").next().is_some();
    match definition {
        EventDefinition::Message(_) => {
            if node.zeebe_extensions("publishMessage").next().is_some() {
                builder.diag.error(
                    node,
                    "'zeebe:publishMessage' is not supported yet; use a 'zeebe:taskDefinition'",
                );
                return None;
            }
            Some(extensions::required_job(node, builder.diag))
        }
        _ if has_task_definition => {
            builder.diag.error(
                node,
                "Only message throw events can have a 'zeebe:taskDefinition' extension element",
            );
            None
        }
        _ => None,
    }
}
