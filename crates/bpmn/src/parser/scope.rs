//! Walks a process and its (event) sub-processes, creating one [`Element`] per flow node and
//! sequence flow in document order; references between elements are collected here and
//! resolved in [`super::resolve`].

use super::events::{self, EventContext};
use super::extensions;
use super::{element_label, Diagnostics, RootElements};
use crate::model::{Element, ElementIdx, ElementKind, FlowScope, MultiInstanceBody, Process};
use crate::xml::{Node, Ns};
use hornet_protocol::{BpmnElementType, BpmnEventType};
use std::collections::HashMap;

/// Flow elements Zeebe does not execute; reported with Zeebe's message.
const UNSUPPORTED_FLOW_ELEMENTS: [(&str, &str); 7] = [
    ("complexGateway", "ComplexGateway"),
    ("transaction", "Transaction"),
    ("adHocSubProcess", "AdHocSubProcess"),
    ("callChoreography", "CallChoreography"),
    ("subChoreography", "SubChoreography"),
    ("choreographyTask", "ChoreographyTask"),
    ("implicitThrowEvent", "ImplicitThrowEvent"),
];

/// Children of a process or sub-process that carry no execution semantics.
const IGNORED_CHILDREN: [&str; 17] = [
    "laneSet",
    "textAnnotation",
    "association",
    "group",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "documentation",
    "extensionElements",
    "ioSpecification",
    "property",
    "dataInputAssociation",
    "dataOutputAssociation",
    "incoming",
    "outgoing",
    "multiInstanceLoopCharacteristics",
    "auditing",
];

/// What kind of flow scope a walk is in; decides which start events are allowed.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum ScopeKind {
    Process,
    SubProcess,
    EventSubProcess,
}

/// A reference to resolve once all elements exist.
pub(crate) struct Pending<'x> {
    pub element: ElementIdx,
    pub node: &'x Node,
}

pub(crate) struct Builder<'d, 'a, 'x> {
    pub diag: &'d mut Diagnostics<'a>,
    pub roots: &'d RootElements<'x>,
    pub elements: Vec<Element>,
    /// The XML node of each element (for positions and deferred checks).
    pub nodes: Vec<&'x Node>,
    pub by_id: HashMap<String, ElementIdx>,
    pub flows: Vec<Pending<'x>>,
    pub boundaries: Vec<Pending<'x>>,
    pub defaults: Vec<Pending<'x>>,
    pub compensation_throws: Vec<Pending<'x>>,
    /// Associations (source id, target id) of the process, for compensation handlers.
    pub associations: Vec<(&'x str, &'x str)>,
}

/// Builds the executable model of one executable `bpmn:process`; `None` only if the process
/// has no id (reported).
pub(crate) fn build_process(
    node: &Node,
    roots: &RootElements<'_>,
    diag: &mut Diagnostics<'_>,
) -> Option<Process> {
    let Some(id) = node.attr("id").filter(|id| !id.is_empty()) else {
        diag.error(node, "Attribute 'id' must be present and not empty");
        return None;
    };
    let version_tag = extensions::version_tag(node, diag);
    let mut builder = Builder {
        diag,
        roots,
        elements: Vec::new(),
        nodes: Vec::new(),
        by_id: HashMap::new(),
        flows: Vec::new(),
        boundaries: Vec::new(),
        defaults: Vec::new(),
        compensation_throws: Vec::new(),
        associations: Vec::new(),
    };
    let root = builder.push(
        node,
        None,
        BpmnElementType::Process,
        BpmnEventType::Unspecified,
        ElementKind::Process(FlowScope::default()),
    );
    let scope = builder.walk_scope(node, root, ScopeKind::Process);
    builder.elements[root.index()].kind = ElementKind::Process(scope);
    builder.resolve();
    let has_compensation = builder.elements.iter().any(|element| {
        element.element_type == BpmnElementType::BoundaryEvent
            && element.event_type == BpmnEventType::Compensation
    });
    Some(Process {
        has_compensation,
        id: id.to_string(),
        name: node.attr("name").map(str::to_string),
        version_tag,
        elements: builder.elements,
        by_id: builder.by_id,
    })
}

impl<'x> Builder<'_, '_, 'x> {
    /// Appends an element with the common attributes of `node` and registers its id.
    fn push(
        &mut self,
        node: &'x Node,
        flow_scope: Option<ElementIdx>,
        element_type: BpmnElementType,
        event_type: BpmnEventType,
        kind: ElementKind,
    ) -> ElementIdx {
        let idx = self.push_unregistered(node, flow_scope, element_type, event_type, kind);
        self.register(node, idx);
        idx
    }

    fn push_unregistered(
        &mut self,
        node: &'x Node,
        flow_scope: Option<ElementIdx>,
        element_type: BpmnElementType,
        event_type: BpmnEventType,
        kind: ElementKind,
    ) -> ElementIdx {
        let idx = ElementIdx(u32::try_from(self.elements.len()).unwrap_or(u32::MAX));
        extensions::reject_unsupported(node, self.diag);
        let (inputs, outputs) = extensions::io_mappings(node, self.diag);
        let properties = extensions::properties(node, self.diag);
        self.elements.push(Element {
            id: element_label(node),
            name: node.attr("name").map(str::to_string),
            element_type,
            event_type,
            flow_scope,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            inputs,
            outputs,
            boundary_events: Vec::new(),
            properties,
            is_for_compensation: is_true(node.attr("isForCompensation")),
            line: self.diag.line(node.offset),
            kind,
        });
        self.nodes.push(node);
        idx
    }

    /// Makes `idx` findable by the id of `node` (duplicates are reported globally and keep the
    /// first element).
    fn register(&mut self, node: &Node, idx: ElementIdx) {
        if let Some(id) = node.attr("id").filter(|id| !id.is_empty()) {
            self.by_id.entry(id.to_string()).or_insert(idx);
        } else {
            self.diag
                .error(node, "Attribute 'id' must be present and not empty");
        }
    }

    /// Walks the children of a process or (event) sub-process and returns its flow scope data.
    fn walk_scope(&mut self, node: &'x Node, scope: ElementIdx, kind: ScopeKind) -> FlowScope {
        let mut data = FlowScope::default();
        let mut none_start_events = 0;
        for child in node.children.iter().filter(|child| child.ns == Ns::Bpmn) {
            let name = child.name.as_str();
            match name {
                "sequenceFlow" => {
                    let idx = self.push(
                        child,
                        Some(scope),
                        BpmnElementType::SequenceFlow,
                        BpmnEventType::Unspecified,
                        ElementKind::SequenceFlow {
                            source: scope,
                            target: scope,
                            condition: None,
                        },
                    );
                    self.flows.push(Pending {
                        element: idx,
                        node: child,
                    });
                }
                "startEvent" => {
                    let idx = self.start_event(child, scope, kind);
                    if matches!(self.elements[idx.index()].event_type, BpmnEventType::None) {
                        none_start_events += 1;
                        data.none_start_event.get_or_insert(idx);
                    }
                    data.start_events.push(idx);
                    data.children.push(idx);
                }
                "endEvent"
                | "intermediateCatchEvent"
                | "intermediateThrowEvent"
                | "boundaryEvent" => {
                    let idx = self.event(child, scope);
                    data.children.push(idx);
                }
                "exclusiveGateway" | "inclusiveGateway" | "parallelGateway"
                | "eventBasedGateway" => {
                    let idx = self.gateway(child, scope);
                    data.children.push(idx);
                }
                "subProcess" if is_true(child.attr("triggeredByEvent")) => {
                    let idx = self.event_sub_process(child, scope);
                    data.event_sub_processes.push(idx);
                    data.children.push(idx);
                }
                "serviceTask" | "sendTask" | "receiveTask" | "userTask" | "manualTask" | "task"
                | "scriptTask" | "businessRuleTask" | "callActivity" | "subProcess" => {
                    let idx = self.activity(child, scope);
                    data.children.push(idx);
                }
                _ if IGNORED_CHILDREN.contains(&name) => {
                    if name == "association" {
                        if let (Some(source), Some(target)) =
                            (child.attr("sourceRef"), child.attr("targetRef"))
                        {
                            self.associations.push((source, target));
                        }
                    }
                }
                _ => {
                    let type_name = UNSUPPORTED_FLOW_ELEMENTS
                        .iter()
                        .find(|(tag, _)| *tag == name)
                        .map_or_else(|| capitalize(name), |(_, simple)| simple.to_string());
                    self.diag.error(
                        child,
                        &format!(
                            "Elements of type '{type_name}' are currently not supported. Please \
                             refer to the documentation for a list of supported elements: \
                             https://docs.camunda.io/docs/components/modeler/bpmn/bpmn-coverage/"
                        ),
                    );
                }
            }
        }
        match kind {
            ScopeKind::Process => {
                if data.start_events.is_empty() {
                    self.diag.error(node, "Must have at least one start event");
                } else if none_start_events > 1 {
                    self.diag
                        .error(node, "Multiple none start events are not allowed");
                }
            }
            ScopeKind::SubProcess | ScopeKind::EventSubProcess => {
                if data.start_events.len() != 1 {
                    self.diag.error(node, "Must have exactly one start event");
                }
            }
        }
        data
    }

    fn start_event(&mut self, node: &'x Node, scope: ElementIdx, kind: ScopeKind) -> ElementIdx {
        let context = match kind {
            ScopeKind::Process => EventContext::ProcessStart,
            ScopeKind::SubProcess => EventContext::SubProcessStart,
            ScopeKind::EventSubProcess => EventContext::EventSubProcessStart,
        };
        let definition = events::definition(self, node, context);
        let interrupting = match node.attr("isInterrupting") {
            None => true,
            Some(value) => self.boolean(node, "isInterrupting", value),
        };
        let event_type = events::event_type(&definition);
        if event_type == BpmnEventType::Error && !interrupting {
            // BPMN: an error ends the scope that raised it, so it cannot be caught without
            // interrupting.
            self.diag.error(
                node,
                "Error start events of event subprocesses must be interrupting",
            );
        }
        self.push(
            node,
            Some(scope),
            BpmnElementType::StartEvent,
            event_type,
            ElementKind::StartEvent {
                definition,
                interrupting,
            },
        )
    }

    fn event(&mut self, node: &'x Node, scope: ElementIdx) -> ElementIdx {
        let (element_type, context) = match node.name.as_str() {
            "endEvent" => (BpmnElementType::EndEvent, EventContext::End),
            "intermediateCatchEvent" => (
                BpmnElementType::IntermediateCatchEvent,
                EventContext::IntermediateCatch,
            ),
            "intermediateThrowEvent" => (
                BpmnElementType::IntermediateThrowEvent,
                EventContext::IntermediateThrow,
            ),
            _ => (BpmnElementType::BoundaryEvent, EventContext::Boundary),
        };
        let definition = events::definition(self, node, context);
        let event_type = events::event_type(&definition);
        let kind = match context {
            EventContext::End | EventContext::IntermediateThrow => {
                let job = events::throw_job(self, node, &definition);
                if context == EventContext::End {
                    ElementKind::EndEvent { definition, job }
                } else {
                    ElementKind::IntermediateThrowEvent { definition, job }
                }
            }
            EventContext::IntermediateCatch => ElementKind::IntermediateCatchEvent { definition },
            _ => {
                let cancel_activity = match node.attr("cancelActivity") {
                    None => true,
                    Some(value) => self.boolean(node, "cancelActivity", value),
                };
                ElementKind::BoundaryEvent {
                    definition,
                    attached_to: scope,
                    cancel_activity,
                }
            }
        };
        let is_compensation_throw =
            matches!(context, EventContext::End | EventContext::IntermediateThrow)
                && matches!(event_type, BpmnEventType::Compensation);
        let idx = self.push(node, Some(scope), element_type, event_type, kind);
        if element_type == BpmnElementType::BoundaryEvent {
            self.boundaries.push(Pending { element: idx, node });
        }
        if is_compensation_throw {
            self.compensation_throws
                .push(Pending { element: idx, node });
        }
        idx
    }

    fn gateway(&mut self, node: &'x Node, scope: ElementIdx) -> ElementIdx {
        let (element_type, kind) = match node.name.as_str() {
            "exclusiveGateway" => (
                BpmnElementType::ExclusiveGateway,
                ElementKind::ExclusiveGateway { default_flow: None },
            ),
            "inclusiveGateway" => (
                BpmnElementType::InclusiveGateway,
                ElementKind::InclusiveGateway { default_flow: None },
            ),
            "parallelGateway" => (
                BpmnElementType::ParallelGateway,
                ElementKind::ParallelGateway,
            ),
            _ => (
                BpmnElementType::EventBasedGateway,
                ElementKind::EventBasedGateway { events: Vec::new() },
            ),
        };
        let idx = self.push(
            node,
            Some(scope),
            element_type,
            BpmnEventType::Unspecified,
            kind,
        );
        if node.attr("default").is_some() {
            if matches!(
                element_type,
                BpmnElementType::ExclusiveGateway | BpmnElementType::InclusiveGateway
            ) {
                self.defaults.push(Pending { element: idx, node });
            } else {
                self.diag.error(
                    node,
                    "A default flow is only allowed on exclusive and inclusive gateways",
                );
            }
        }
        idx
    }

    fn event_sub_process(&mut self, node: &'x Node, scope: ElementIdx) -> ElementIdx {
        if node
            .bpmn_child("multiInstanceLoopCharacteristics")
            .is_some()
        {
            self.diag.error(
                node,
                "An event subprocess cannot be a multi-instance activity",
            );
        }
        let idx = self.push(
            node,
            Some(scope),
            BpmnElementType::EventSubProcess,
            BpmnEventType::Unspecified,
            ElementKind::EventSubProcess(FlowScope::default()),
        );
        let data = self.walk_scope(node, idx, ScopeKind::EventSubProcess);
        self.elements[idx.index()].kind = ElementKind::EventSubProcess(data);
        idx
    }

    /// An activity, wrapped in a multi-instance body if it has loop characteristics.
    fn activity(&mut self, node: &'x Node, scope: ElementIdx) -> ElementIdx {
        if node.bpmn_child("standardLoopCharacteristics").is_some() {
            self.diag.error(
                node,
                "Standard loop characteristics are not supported; use multi-instance instead",
            );
        }
        // Invalid loop characteristics are reported and the activity is kept plain: the
        // resource is rejected anyway, and the rest of it is still checked.
        let loop_characteristics = node
            .bpmn_child("multiInstanceLoopCharacteristics")
            .and_then(|loop_node| extensions::loop_characteristics(node, loop_node, self.diag));
        let Some(loop_characteristics) = loop_characteristics else {
            let idx = self.activity_element(node, scope);
            self.register(node, idx);
            return idx;
        };
        let body = ElementIdx(u32::try_from(self.elements.len()).unwrap_or(u32::MAX));
        self.elements.push(Element {
            id: element_label(node),
            name: node.attr("name").map(str::to_string),
            element_type: BpmnElementType::MultiInstanceBody,
            event_type: BpmnEventType::Unspecified,
            flow_scope: Some(scope),
            incoming: Vec::new(),
            outgoing: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            boundary_events: Vec::new(),
            properties: Vec::new(),
            is_for_compensation: is_true(node.attr("isForCompensation")),
            line: self.diag.line(node.offset),
            // Replaced below, once the inner activity has its index.
            kind: ElementKind::Task,
        });
        self.nodes.push(node);
        self.register(node, body);
        let inner = self.activity_element(node, body);
        self.elements[body.index()].kind = ElementKind::MultiInstanceBody(MultiInstanceBody {
            inner,
            loop_characteristics,
        });
        body
    }

    /// The activity element itself (the inner activity of a multi-instance body).
    fn activity_element(&mut self, node: &'x Node, flow_scope: ElementIdx) -> ElementIdx {
        let unspecified = BpmnEventType::Unspecified;
        match node.name.as_str() {
            "subProcess" => {
                let idx = self.push_unregistered(
                    node,
                    Some(flow_scope),
                    BpmnElementType::SubProcess,
                    unspecified,
                    ElementKind::SubProcess(FlowScope::default()),
                );
                let data = self.walk_scope(node, idx, ScopeKind::SubProcess);
                for &start in &data.start_events {
                    if !matches!(self.elements[start.index()].event_type, BpmnEventType::None) {
                        let start_node = self.nodes[start.index()];
                        self.diag.error(
                            start_node,
                            "Start events in subprocesses must be of type none",
                        );
                    }
                }
                self.elements[idx.index()].kind = ElementKind::SubProcess(data);
                idx
            }
            name => {
                let (element_type, kind) = self.task_kind(node, name);
                // Zeebe reports receive tasks with the event type of what they wait for.
                let event_type = if element_type == BpmnElementType::ReceiveTask {
                    BpmnEventType::Message
                } else {
                    unspecified
                };
                self.push_unregistered(node, Some(flow_scope), element_type, event_type, kind)
            }
        }
    }

    fn task_kind(&mut self, node: &'x Node, name: &str) -> (BpmnElementType, ElementKind) {
        let diag = &mut *self.diag;
        match name {
            "serviceTask" => {
                let job = extensions::required_job(node, diag);
                (BpmnElementType::ServiceTask, ElementKind::ServiceTask(job))
            }
            "sendTask" => {
                if node.zeebe_extensions("publishMessage").next().is_some() {
                    diag.error(
                        node,
                        "'zeebe:publishMessage' is not supported yet; use a 'zeebe:taskDefinition'",
                    );
                }
                let job = extensions::required_job(node, diag);
                (BpmnElementType::SendTask, ElementKind::SendTask(job))
            }
            "receiveTask" => {
                let message = events::message(self, node, node.attr("messageRef"), true);
                (
                    BpmnElementType::ReceiveTask,
                    ElementKind::ReceiveTask { message },
                )
            }
            "userTask" => {
                let task = extensions::user_task(node, diag);
                (
                    BpmnElementType::UserTask,
                    ElementKind::UserTask(Box::new(task)),
                )
            }
            "manualTask" => (BpmnElementType::ManualTask, ElementKind::ManualTask),
            "scriptTask" => {
                let script = extensions::script_task(node, diag);
                (BpmnElementType::ScriptTask, ElementKind::ScriptTask(script))
            }
            "businessRuleTask" => {
                let rule = extensions::business_rule_task(node, diag);
                (
                    BpmnElementType::BusinessRuleTask,
                    ElementKind::BusinessRuleTask(rule),
                )
            }
            "callActivity" => {
                let call = extensions::call_activity(node, diag);
                (
                    BpmnElementType::CallActivity,
                    ElementKind::CallActivity(call),
                )
            }
            _ => (BpmnElementType::Task, ElementKind::Task),
        }
    }

    /// Parses an `xsd:boolean` attribute; an invalid value is reported and taken as `true`.
    pub fn boolean(&mut self, node: &Node, attribute: &str, value: &str) -> bool {
        match value.trim() {
            "true" | "1" => true,
            "false" | "0" => false,
            other => {
                self.diag.error(
                    node,
                    &format!(
                        "Attribute '{attribute}' must be 'true' or 'false', but was '{other}'"
                    ),
                );
                true
            }
        }
    }
}

pub(crate) fn is_true(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some("true" | "1"))
}

fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
