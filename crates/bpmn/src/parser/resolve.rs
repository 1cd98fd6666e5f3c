//! Resolves the references collected during the walk (sequence flow ends, attached activities,
//! default flows, link targets, compensation activities and handlers) into indices, and checks
//! the graph rules that need them.

use super::scope::Builder;
use crate::model::{ElementIdx, ElementKind, EventDefinition};
use hornet_protocol::{BpmnElementType, BpmnEventType};
use std::collections::{BTreeMap, HashMap, HashSet};

impl Builder<'_, '_, '_> {
    pub(crate) fn resolve(&mut self) {
        self.resolve_flows();
        self.resolve_boundaries();
        self.resolve_defaults();
        self.check_gateway_conditions();
        self.resolve_event_based_gateways();
        self.resolve_links();
        self.resolve_compensation();
        self.check_flow_ends();
        self.check_duplicate_catch_events();
    }

    fn lookup(&self, id: Option<&str>) -> Option<ElementIdx> {
        self.by_id.get(id?.trim()).copied()
    }

    fn resolve_flows(&mut self) {
        let flows = std::mem::take(&mut self.flows);
        for pending in &flows {
            let flow = pending.element;
            let node = pending.node;
            let mut ends = [None, None];
            for (slot, attribute) in ends.iter_mut().zip(["sourceRef", "targetRef"]) {
                let reference = node.attr(attribute).map(str::trim).unwrap_or_default();
                if reference.is_empty() {
                    self.diag.error(
                        node,
                        &format!("SequenceFlow is missing required attribute {attribute}"),
                    );
                    continue;
                }
                match self.lookup(Some(reference)) {
                    Some(idx)
                        if self.elements[idx.index()].element_type
                            != BpmnElementType::SequenceFlow =>
                    {
                        *slot = Some(idx);
                    }
                    _ => self.diag.error(
                        node,
                        &format!(
                            "SequenceFlow has {attribute} '{reference}' which cannot be resolved"
                        ),
                    ),
                }
            }
            let scope = self.elements[flow.index()].flow_scope;
            for end in ends.iter().flatten() {
                if self.elements[end.index()].flow_scope != scope {
                    let id = &self.elements[end.index()].id;
                    self.diag.error(
                        node,
                        &format!("SequenceFlow connects '{id}', which is not in the same flow scope as the sequence flow"),
                    );
                }
            }
            let condition = match node.bpmn_child("conditionExpression") {
                Some(condition) => {
                    self.diag
                        .expression(node, "the condition", Some(condition.text.trim()))
                }
                None => None,
            };
            let (Some(source), Some(target)) = (ends[0], ends[1]) else {
                continue;
            };
            self.elements[source.index()].outgoing.push(flow);
            self.elements[target.index()].incoming.push(flow);
            self.elements[flow.index()].kind = ElementKind::SequenceFlow {
                source,
                target,
                condition,
            };
        }
        self.flows = flows;
    }

    fn resolve_boundaries(&mut self) {
        let boundaries = std::mem::take(&mut self.boundaries);
        for pending in &boundaries {
            let node = pending.node;
            let boundary = pending.element;
            let Some(reference) = node
                .attr("attachedToRef")
                .map(str::trim)
                .filter(|r| !r.is_empty())
            else {
                self.diag.error(node, "Must be attached to an activity");
                continue;
            };
            let Some(activity) = self.lookup(Some(reference)) else {
                self.diag.error(
                    node,
                    &format!("Must be attached to an activity, but the attached activity '{reference}' does not exist"),
                );
                continue;
            };
            if !is_activity(self.elements[activity.index()].element_type) {
                self.diag.error(
                    node,
                    &format!(
                        "Must be attached to an activity, but '{reference}' is not an activity"
                    ),
                );
                continue;
            }
            if self.elements[activity.index()].flow_scope
                != self.elements[boundary.index()].flow_scope
            {
                self.diag.error(
                    node,
                    &format!("The attached activity '{reference}' must be in the same flow scope as the boundary event"),
                );
                continue;
            }
            self.elements[activity.index()]
                .boundary_events
                .push(boundary);
            if let ElementKind::BoundaryEvent { attached_to, .. } =
                &mut self.elements[boundary.index()].kind
            {
                *attached_to = activity;
            }
        }
        self.boundaries = boundaries;
    }

    fn resolve_defaults(&mut self) {
        let defaults = std::mem::take(&mut self.defaults);
        for pending in &defaults {
            let gateway = pending.element;
            let node = pending.node;
            let reference = node.attr("default").map(str::trim).unwrap_or_default();
            let flow = self.lookup(Some(reference)).filter(|flow| {
                matches!(&self.elements[flow.index()].kind, ElementKind::SequenceFlow { source, .. } if *source == gateway)
                    && self.elements[gateway.index()].outgoing.contains(flow)
            });
            let Some(flow) = flow else {
                self.diag.error(
                    node,
                    &format!("Default flow must start at gateway, but '{reference}' is not an outgoing sequence flow of it"),
                );
                continue;
            };
            match &mut self.elements[gateway.index()].kind {
                ElementKind::ExclusiveGateway { default_flow }
                | ElementKind::InclusiveGateway { default_flow } => *default_flow = Some(flow),
                _ => {}
            }
        }
        self.defaults = defaults;
    }

    /// Zeebe: a flow leaving an exclusive gateway with several outgoing flows "Must have a
    /// condition or be default flow"; for an inclusive gateway, "Must have a condition".
    fn check_gateway_conditions(&mut self) {
        for gateway in 0..self.elements.len() {
            let (default_flow, message) = match self.elements[gateway].kind {
                ElementKind::ExclusiveGateway { default_flow } => {
                    (default_flow, "Must have a condition or be default flow")
                }
                ElementKind::InclusiveGateway { default_flow } => {
                    (default_flow, "Must have a condition")
                }
                _ => continue,
            };
            if self.elements[gateway].outgoing.len() < 2 {
                continue;
            }
            for flow in self.elements[gateway].outgoing.clone() {
                let unconditional = matches!(
                    self.elements[flow.index()].kind,
                    ElementKind::SequenceFlow {
                        condition: None,
                        ..
                    }
                );
                let has_condition_text = self.nodes[flow.index()]
                    .bpmn_child("conditionExpression")
                    .is_some();
                if unconditional && !has_condition_text && default_flow != Some(flow) {
                    let node = self.nodes[flow.index()];
                    self.diag.error(node, message);
                }
            }
        }
    }

    fn resolve_event_based_gateways(&mut self) {
        for gateway in 0..self.elements.len() {
            if !matches!(
                self.elements[gateway].kind,
                ElementKind::EventBasedGateway { .. }
            ) {
                continue;
            }
            let node = self.nodes[gateway];
            let outgoing = self.elements[gateway].outgoing.clone();
            if outgoing.len() < 2 {
                self.diag.error(
                    node,
                    "Event-based gateway must have at least 2 outgoing sequence flows",
                );
            }
            let mut events = Vec::with_capacity(outgoing.len());
            for flow in outgoing {
                let ElementKind::SequenceFlow {
                    target,
                    ref condition,
                    ..
                } = self.elements[flow.index()].kind
                else {
                    continue;
                };
                if condition.is_some() {
                    self.diag.error(
                        self.nodes[flow.index()],
                        "Outgoing sequence flows of an event-based gateway must not have conditions",
                    );
                }
                let target_element = &self.elements[target.index()];
                let catchable = match target_element.element_type {
                    BpmnElementType::IntermediateCatchEvent => matches!(
                        target_element.event_type,
                        BpmnEventType::Message | BpmnEventType::Timer | BpmnEventType::Signal
                    ),
                    BpmnElementType::ReceiveTask => true,
                    _ => false,
                };
                if catchable {
                    events.push(target);
                } else {
                    self.diag.error(
                        node,
                        &format!(
                            "Event-based gateway must not have an outgoing sequence flow to other elements than message/timer/signal intermediate catch events or receive tasks, but leads to '{}'",
                            target_element.id
                        ),
                    );
                }
            }
            self.elements[gateway].kind = ElementKind::EventBasedGateway { events };
        }
    }

    /// Pairs each throw link with the catch link of the same name in its flow scope.
    fn resolve_links(&mut self) {
        let mut catches: BTreeMap<(Option<ElementIdx>, String), ElementIdx> = BTreeMap::new();
        for (i, element) in self.elements.iter().enumerate() {
            if let ElementKind::IntermediateCatchEvent {
                definition: EventDefinition::Link { name, .. },
            } = &element.kind
            {
                match catches.entry((element.flow_scope, name.clone())) {
                    std::collections::btree_map::Entry::Occupied(_) => self.diag.error(
                        self.nodes[i],
                        &format!("Multiple intermediate catch link event definitions with the same name '{name}' are not allowed"),
                    ),
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        slot.insert(ElementIdx(i as u32));
                    }
                }
            }
        }
        for i in 0..self.elements.len() {
            let flow_scope = self.elements[i].flow_scope;
            let ElementKind::IntermediateThrowEvent {
                definition: EventDefinition::Link { name, target },
                ..
            } = &mut self.elements[i].kind
            else {
                continue;
            };
            match catches.get(&(flow_scope, name.clone())) {
                Some(&catch) => *target = Some(catch),
                None => {
                    let message = format!(
                        "Can't find a catch link event for the throw link event with the name '{name}'"
                    );
                    self.diag.error(self.nodes[i], &message);
                }
            }
        }
    }

    fn resolve_compensation(&mut self) {
        let throws = std::mem::take(&mut self.compensation_throws);
        for pending in &throws {
            let definition = pending
                .node
                .children
                .iter()
                .find(|child| child.name == "compensateEventDefinition");
            let Some(reference) = definition
                .and_then(|definition| definition.attr("activityRef"))
                .map(str::trim)
                .filter(|r| !r.is_empty())
            else {
                continue;
            };
            let activity = self
                .lookup(Some(reference))
                .filter(|&idx| is_activity(self.elements[idx.index()].element_type));
            if activity.is_none() {
                self.diag.error(
                    pending.node,
                    &format!("The compensation activityRef '{reference}' does not reference an activity of this process"),
                );
            }
            if let Some(EventDefinition::Compensation { activity: slot, .. }) =
                event_definition_mut(&mut self.elements[pending.element.index()].kind)
            {
                *slot = activity;
            }
        }
        self.compensation_throws = throws;

        // The first association from a boundary event names its handler.
        let mut handlers: HashMap<&str, &str> = HashMap::new();
        for (source, target) in &self.associations {
            handlers.entry(source.trim()).or_insert(target.trim());
        }
        for boundary in 0..self.elements.len() {
            let is_compensation_boundary = self.elements[boundary].element_type
                == BpmnElementType::BoundaryEvent
                && self.elements[boundary].event_type == BpmnEventType::Compensation;
            if !is_compensation_boundary {
                continue;
            }
            let id = self.elements[boundary].id.clone();
            let handler = handlers
                .get(id.as_str())
                .and_then(|target| self.lookup(Some(target)))
                .filter(|&idx| is_activity(self.elements[idx.index()].element_type));
            if let Some(handler) = handler {
                if !self.elements[handler.index()].is_for_compensation {
                    let handler_id = self.elements[handler.index()].id.clone();
                    self.diag.error(
                        self.nodes[boundary],
                        &format!("The compensation handler '{handler_id}' must be marked with isForCompensation=\"true\""),
                    );
                }
            }
            if handler.is_none() || !self.elements[boundary].outgoing.is_empty() {
                self.diag.error(
                    self.nodes[boundary],
                    "Compensation boundary events must have a compensation association and no outgoing sequence flows",
                );
            }
            if let Some(EventDefinition::Compensation { handler: slot, .. }) =
                event_definition_mut(&mut self.elements[boundary].kind)
            {
                *slot = handler;
            }
        }
    }

    /// Start events, boundary events and event sub-processes have no incoming flows; end
    /// events and event sub-processes no outgoing ones.
    fn check_flow_ends(&mut self) {
        for i in 0..self.elements.len() {
            let element = &self.elements[i];
            let message = match element.element_type {
                BpmnElementType::StartEvent if !element.incoming.is_empty() => {
                    "Start events must not have incoming sequence flows"
                }
                BpmnElementType::BoundaryEvent if !element.incoming.is_empty() => {
                    "Cannot have incoming sequence flows"
                }
                BpmnElementType::EndEvent if !element.outgoing.is_empty() => {
                    "End events must not have outgoing sequence flows to other elements"
                }
                BpmnElementType::EventSubProcess
                    if !element.incoming.is_empty() || !element.outgoing.is_empty() =>
                {
                    "Event subprocesses cannot have incoming or outgoing sequence flows"
                }
                _ if element.is_for_compensation
                    && (!element.incoming.is_empty() || !element.outgoing.is_empty()) =>
                {
                    "A compensation handler must not have incoming or outgoing sequence flows"
                }
                _ => continue,
            };
            self.diag.error(self.nodes[i], message);
        }
    }
}

impl Builder<'_, '_, '_> {
    /// Events that wait together (the boundary events of an activity, the start events of a
    /// process, the event sub-process start events of a scope, the events after an event-based
    /// gateway) must be distinguishable, as Zeebe requires: no two with the same message name,
    /// signal name, error code or escalation code.
    fn check_duplicate_catch_events(&mut self) {
        let mut groups: Vec<(usize, Vec<ElementIdx>)> = Vec::new();
        for (i, element) in self.elements.iter().enumerate() {
            if !element.boundary_events.is_empty() {
                groups.push((i, element.boundary_events.clone()));
            }
            if let ElementKind::EventBasedGateway { events } = &element.kind {
                groups.push((i, events.clone()));
            }
            if let Some(scope) = element.flow_scope_data() {
                if matches!(element.kind, ElementKind::Process(_)) {
                    groups.push((i, scope.start_events.clone()));
                }
                let starts: Vec<ElementIdx> = scope
                    .event_sub_processes
                    .iter()
                    .filter_map(|&esp| {
                        self.elements[esp.index()]
                            .flow_scope_data()
                            .and_then(|data| data.start_events.first().copied())
                    })
                    .collect();
                if !starts.is_empty() {
                    groups.push((i, starts));
                }
            }
        }
        for (owner, events) in groups {
            let mut seen: HashSet<(&'static str, String)> = HashSet::new();
            let mut duplicates: Vec<String> = Vec::new();
            for event in events {
                let key = match catch_key(&self.elements[event.index()]) {
                    Some(key) => key,
                    None => continue,
                };
                if !seen.insert(key.clone()) {
                    let (kind, value) = &key;
                    let message = match value.as_str() {
                        "" => format!("Multiple {kind} catch events without a code are not allowed."),
                        value => format!("Multiple {kind} event definitions with the same {} '{value}' are not allowed.", key_attribute(kind)),
                    };
                    if !duplicates.contains(&message) {
                        duplicates.push(message);
                    }
                }
            }
            for message in duplicates {
                self.diag.error(self.nodes[owner], &message);
            }
        }
    }
}

/// What distinguishes a catch event within its group; `None` if it cannot clash (timers,
/// expressions only known at runtime, receive tasks without a static name).
fn catch_key(element: &crate::model::Element) -> Option<(&'static str, String)> {
    let definition = match &element.kind {
        ElementKind::ReceiveTask { message } => {
            return message
                .name
                .as_static()
                .map(|name| ("message", name.clone()))
        }
        _ => element.event_definition()?,
    };
    match definition {
        EventDefinition::Message(message) => message
            .name
            .as_static()
            .map(|name| ("message", name.clone())),
        EventDefinition::Signal { name } => name.as_static().map(|name| ("signal", name.clone())),
        EventDefinition::Error { code } => match code {
            None => Some(("error", String::new())),
            Some(code) => code.as_static().map(|code| ("error", code.clone())),
        },
        EventDefinition::Escalation { code } => match code {
            None => Some(("escalation", String::new())),
            Some(code) => code.as_static().map(|code| ("escalation", code.clone())),
        },
        _ => None,
    }
}

fn key_attribute(kind: &str) -> &'static str {
    match kind {
        "error" => "errorCode",
        "escalation" => "escalationCode",
        _ => "name",
    }
}

fn event_definition_mut(kind: &mut ElementKind) -> Option<&mut EventDefinition> {
    match kind {
        ElementKind::StartEvent { definition, .. }
        | ElementKind::IntermediateCatchEvent { definition }
        | ElementKind::IntermediateThrowEvent { definition, .. }
        | ElementKind::EndEvent { definition, .. }
        | ElementKind::BoundaryEvent { definition, .. } => Some(definition),
        _ => None,
    }
}

/// Activities: what boundary events attach to and compensation refers to.
pub(crate) fn is_activity(element_type: BpmnElementType) -> bool {
    matches!(
        element_type,
        BpmnElementType::ServiceTask
            | BpmnElementType::SendTask
            | BpmnElementType::ReceiveTask
            | BpmnElementType::UserTask
            | BpmnElementType::ManualTask
            | BpmnElementType::Task
            | BpmnElementType::ScriptTask
            | BpmnElementType::BusinessRuleTask
            | BpmnElementType::CallActivity
            | BpmnElementType::SubProcess
            | BpmnElementType::MultiInstanceBody
    )
}
