//! The executable process model: what the engine walks.
//!
//! A [`Process`] is an immutable arena of [`Element`]s addressed by [`ElementIdx`]; every
//! reference between elements (flow scope, sequence flows, boundary events, default flows,
//! link targets, ...) is resolved to an index at deploy time, so the engine never looks an
//! element up by its string id on the hot path. Processes are `Send + Sync` and meant to be
//! shared behind an `Arc`.
//!
//! ## Multi-instance activities
//! As in Zeebe, an activity with `multiInstanceLoopCharacteristics` becomes two elements with
//! the same id: a [`ElementKind::MultiInstanceBody`] (element type `MULTI_INSTANCE_BODY`) that
//! owns the incoming/outgoing sequence flows and the boundary events and is what
//! [`Process::find`] returns, and the inner activity whose `flow_scope` is the body and which has
//! no sequence flows of its own. The inner activity keeps its own input/output mappings.
//!
//! ## Static values and expressions
//! Zeebe treats an attribute value starting with `=` as a FEEL expression and anything else as
//! a static value; [`ExprOrStatic`] keeps that distinction. Expressions are parsed (and so
//! checked) at deploy time.

use hornet_feel::Expression;
use hornet_protocol::{BpmnElementType, BpmnEventType};
use std::collections::{BTreeMap, HashMap};

/// The position of an element in its [`Process`].
#[derive(Copy, Clone, Eq, PartialEq, Ord, PartialOrd, Hash, Debug)]
pub struct ElementIdx(pub u32);

impl ElementIdx {
    /// The index as a `usize`, for slice access.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A value that is either given literally in the XML or computed by a FEEL expression
/// (the attribute started with `=`).
#[derive(Clone, Debug)]
pub enum ExprOrStatic<T> {
    /// The literal value.
    Static(T),
    /// The FEEL expression (without the leading `=`), evaluated by the engine at runtime.
    Expression(Expression),
}

impl<T> ExprOrStatic<T> {
    /// The static value, if this is not an expression.
    pub fn as_static(&self) -> Option<&T> {
        match self {
            ExprOrStatic::Static(value) => Some(value),
            ExprOrStatic::Expression(_) => None,
        }
    }

    /// The expression, if this is not a static value.
    pub fn as_expression(&self) -> Option<&Expression> {
        match self {
            ExprOrStatic::Static(_) => None,
            ExprOrStatic::Expression(expression) => Some(expression),
        }
    }
}

/// One executable process of a deployed resource.
#[derive(Debug)]
pub struct Process {
    /// The BPMN process id (`bpmnProcessId`).
    pub id: String,
    /// The process name, if any.
    pub name: Option<String>,
    /// `zeebe:versionTag value`, if any.
    pub version_tag: Option<String>,
    pub(crate) elements: Vec<Element>,
    pub(crate) by_id: HashMap<String, ElementIdx>,
    /// Whether any activity has a compensation boundary event.
    pub(crate) has_compensation: bool,
}

impl Process {
    /// The element at `idx`.
    ///
    /// # Panics
    /// If `idx` does not come from this process (an engine bug, not an input error).
    pub fn element(&self, idx: ElementIdx) -> &Element {
        &self.elements[idx.index()]
    }

    /// The element at `idx`, or `None` if `idx` is out of range (e.g. read from stale state).
    pub fn get(&self, idx: ElementIdx) -> Option<&Element> {
        self.elements.get(idx.index())
    }

    /// The element with BPMN id `id`. For a multi-instance activity this is its
    /// multi-instance body; the inner activity is [`MultiInstanceBody::inner`].
    pub fn find(&self, id: &str) -> Option<ElementIdx> {
        self.by_id.get(id).copied()
    }

    /// The process element itself (always index 0).
    pub fn root(&self) -> ElementIdx {
        ElementIdx(0)
    }

    /// The none start event of the flow scope `scope` (process, sub-process or event
    /// sub-process; for an event sub-process this is `None` since its start event always has a
    /// definition).
    pub fn none_start_event(&self, scope: ElementIdx) -> Option<ElementIdx> {
        self.get(scope)?.flow_scope_data()?.none_start_event
    }

    /// The flow scope data (children, start events, event sub-processes) of `scope`, if it
    /// is a process, sub-process or event sub-process.
    pub fn flow_scope(&self, scope: ElementIdx) -> Option<&FlowScope> {
        self.get(scope)?.flow_scope_data()
    }

    /// All elements in document order (the process first; a multi-instance body directly
    /// precedes its inner activity).
    pub fn elements(&self) -> impl Iterator<Item = (ElementIdx, &Element)> {
        self.elements
            .iter()
            .enumerate()
            .map(|(i, element)| (ElementIdx(i as u32), element))
    }

    /// Whether any activity has a compensation boundary event: only then can completing an
    /// activity leave something to compensate, so an engine can skip that bookkeeping otherwise.
    pub fn has_compensation(&self) -> bool {
        self.has_compensation
    }

    /// The number of elements (including the process and sequence flows).
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Always `false`: a process contains at least itself.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The start events of the process itself (not of sub-processes or event sub-processes).
    pub fn start_events(&self) -> &[ElementIdx] {
        self.flow_scope(self.root())
            .map(|scope| scope.start_events.as_slice())
            .unwrap_or(&[])
    }
}

/// A node or sequence flow of a process.
#[derive(Debug)]
pub struct Element {
    /// The BPMN id (shared by a multi-instance body and its inner activity).
    pub id: String,
    /// The `name` attribute, if any.
    pub name: Option<String>,
    /// The element type as it appears in process instance records.
    pub element_type: BpmnElementType,
    /// The event type as it appears in process instance records (`UNSPECIFIED` for
    /// non-events).
    pub event_type: BpmnEventType,
    /// The enclosing process, sub-process, event sub-process or multi-instance body;
    /// `None` only for the process. For a boundary event this is the scope of the activity
    /// it is attached to (as in Zeebe).
    pub flow_scope: Option<ElementIdx>,
    /// Incoming sequence flows (elements of kind [`ElementKind::SequenceFlow`]).
    pub incoming: Vec<ElementIdx>,
    /// Outgoing sequence flows, in document order.
    pub outgoing: Vec<ElementIdx>,
    /// `zeebe:ioMapping` inputs, in document order.
    pub inputs: Vec<Mapping>,
    /// `zeebe:ioMapping` outputs, in document order.
    pub outputs: Vec<Mapping>,
    /// Boundary events attached to this activity (for a multi-instance activity: to its
    /// body), in document order.
    pub boundary_events: Vec<ElementIdx>,
    /// `zeebe:properties`, in document order.
    pub properties: Vec<(String, String)>,
    /// `isForCompensation="true"`: a compensation handler, started only by compensation
    /// (through the association of a compensation boundary event), never by a sequence flow.
    pub is_for_compensation: bool,
    /// The 1-based line of the element's start tag in the XML.
    pub line: u32,
    /// The type-specific part.
    pub kind: ElementKind,
}

impl Element {
    /// The flow scope data if this element is a process, sub-process or event sub-process.
    pub fn flow_scope_data(&self) -> Option<&FlowScope> {
        match &self.kind {
            ElementKind::Process(scope)
            | ElementKind::SubProcess(scope)
            | ElementKind::EventSubProcess(scope) => Some(scope),
            _ => None,
        }
    }

    /// The job this element creates when activated, if it is a job worker element.
    pub fn job(&self) -> Option<&JobDefinition> {
        match &self.kind {
            ElementKind::ServiceTask(job) | ElementKind::SendTask(job) => Some(job),
            ElementKind::ScriptTask(ScriptTask::Job(job))
            | ElementKind::BusinessRuleTask(BusinessRuleTask::Job(job)) => Some(job),
            ElementKind::UserTask(task) => match &task.implementation {
                UserTaskImplementation::Job(job) => Some(job),
                UserTaskImplementation::Native { .. } => None,
            },
            ElementKind::IntermediateThrowEvent { job, .. } | ElementKind::EndEvent { job, .. } => {
                job.as_ref()
            }
            _ => None,
        }
    }

    /// The event definition if this element is an event.
    pub fn event_definition(&self) -> Option<&EventDefinition> {
        match &self.kind {
            ElementKind::StartEvent { definition, .. }
            | ElementKind::IntermediateCatchEvent { definition }
            | ElementKind::IntermediateThrowEvent { definition, .. }
            | ElementKind::EndEvent { definition, .. }
            | ElementKind::BoundaryEvent { definition, .. } => Some(definition),
            _ => None,
        }
    }

    /// The multi-instance body data, if this element is one.
    pub fn multi_instance(&self) -> Option<&MultiInstanceBody> {
        match &self.kind {
            ElementKind::MultiInstanceBody(body) => Some(body),
            _ => None,
        }
    }
}

/// The type-specific part of an [`Element`].
#[derive(Debug)]
pub enum ElementKind {
    /// The process.
    Process(FlowScope),
    /// An embedded sub-process.
    SubProcess(FlowScope),
    /// A sub-process with `triggeredByEvent="true"`; its single start event is in
    /// `start_events`.
    EventSubProcess(FlowScope),
    /// The multi-instance wrapper of an activity (see the module docs).
    MultiInstanceBody(MultiInstanceBody),

    /// A start event; `interrupting` matters only inside an event sub-process.
    StartEvent {
        definition: EventDefinition,
        interrupting: bool,
    },
    /// An intermediate catch event.
    IntermediateCatchEvent { definition: EventDefinition },
    /// An intermediate throw event; `job` is set for a message/none throw event implemented by
    /// a job worker (`zeebe:taskDefinition`).
    IntermediateThrowEvent {
        definition: EventDefinition,
        job: Option<JobDefinition>,
    },
    /// An end event; `job` is set for a message end event implemented by a job worker.
    EndEvent {
        definition: EventDefinition,
        job: Option<JobDefinition>,
    },
    /// A boundary event attached to `attached_to` (the activity, or its multi-instance body).
    BoundaryEvent {
        definition: EventDefinition,
        attached_to: ElementIdx,
        cancel_activity: bool,
    },

    /// A sequence flow from `source` to `target`.
    SequenceFlow {
        source: ElementIdx,
        target: ElementIdx,
        condition: Option<Expression>,
    },

    /// An exclusive gateway; `default_flow` is one of its outgoing flows.
    ExclusiveGateway { default_flow: Option<ElementIdx> },
    /// An inclusive gateway; `default_flow` is one of its outgoing flows. Which incoming flows a
    /// join waits for is the engine's decision (`incoming` lists them all).
    InclusiveGateway { default_flow: Option<ElementIdx> },
    /// A parallel gateway; as a join it waits for `incoming.len()` flows.
    ParallelGateway,
    /// An event-based gateway; `events` are the catch events (or receive tasks) its outgoing
    /// flows lead to, in flow order.
    EventBasedGateway { events: Vec<ElementIdx> },

    /// A service task (always a job worker).
    ServiceTask(JobDefinition),
    /// A send task (a job worker in Zeebe).
    SendTask(JobDefinition),
    /// A receive task waiting for a message.
    ReceiveTask { message: MessageDefinition },
    /// A user task.
    UserTask(Box<UserTask>),
    /// A manual task (passes through).
    ManualTask,
    /// An undefined task (passes through).
    Task,
    /// A script task.
    ScriptTask(ScriptTask),
    /// A business rule task.
    BusinessRuleTask(BusinessRuleTask),
    /// A call activity.
    CallActivity(CallActivity),
}

/// The contents of a process, sub-process or event sub-process.
#[derive(Debug, Default)]
pub struct FlowScope {
    /// Direct child flow nodes (not sequence flows; boundary events included), in document
    /// order. Multi-instance activities appear as their body.
    pub children: Vec<ElementIdx>,
    /// Start events directly in this scope (not those of nested event sub-processes).
    pub start_events: Vec<ElementIdx>,
    /// The none start event among `start_events`, if any (at most one is allowed).
    pub none_start_event: Option<ElementIdx>,
    /// Event sub-processes directly in this scope.
    pub event_sub_processes: Vec<ElementIdx>,
}

/// What an event catches or throws.
#[derive(Debug)]
pub enum EventDefinition {
    /// No event definition.
    None,
    /// A message event.
    Message(MessageDefinition),
    /// A timer event.
    Timer(TimerDefinition),
    /// An error event. `code` is `None` for a catch-all error catch event.
    Error { code: Option<ExprOrStatic<String>> },
    /// A signal event.
    Signal { name: ExprOrStatic<String> },
    /// An escalation event. `code` is `None` for a catch-all escalation catch event.
    Escalation { code: Option<ExprOrStatic<String>> },
    /// A terminate end event.
    Terminate,
    /// A link event. For a throw link, `target` is the catch link with the same name in the
    /// same flow scope.
    Link {
        name: String,
        target: Option<ElementIdx>,
    },
    /// A compensation event. For a throw event, `activity` is the activity to compensate
    /// (`activityRef`), if given (otherwise all completed activities of the scope). For a
    /// boundary event, `handler` is the compensation handler activity its association points to.
    Compensation {
        activity: Option<ElementIdx>,
        wait_for_completion: bool,
        handler: Option<ElementIdx>,
    },
}

/// A message reference resolved from a `bpmn:message` root element.
#[derive(Debug, Clone)]
pub struct MessageDefinition {
    /// The message name (`name`).
    pub name: ExprOrStatic<String>,
    /// `zeebe:subscription correlationKey` (always an expression, as Zeebe requires); `None`
    /// for process message start events, which need none.
    pub correlation_key: Option<Expression>,
}

/// A timer definition; the engine interprets the (evaluated) text as an ISO 8601 duration,
/// date-time or repeating interval / cron expression.
#[derive(Debug, Clone)]
pub enum TimerDefinition {
    /// `timeDuration`.
    Duration(ExprOrStatic<String>),
    /// `timeDate`.
    Date(ExprOrStatic<String>),
    /// `timeCycle`.
    Cycle(ExprOrStatic<String>),
}

/// A `zeebe:taskDefinition` plus `zeebe:taskHeaders`.
#[derive(Debug, Clone)]
pub struct JobDefinition {
    /// The job type (non-empty if static).
    pub job_type: ExprOrStatic<String>,
    /// The initial retries; defaults to 3 as in Zeebe.
    pub retries: ExprOrStatic<i32>,
    /// `zeebe:taskHeaders` (keys unique; the last one wins).
    pub headers: BTreeMap<String, String>,
}

/// One `zeebe:input` or `zeebe:output` mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The value: a FEEL expression (`=` prefix) or a static string.
    pub source: ExprOrStatic<String>,
    /// The target variable, e.g. `a` or `a.b.c`.
    pub target: String,
    /// `target` split at the dots (at least one non-empty segment).
    pub target_path: Vec<String>,
}

/// The multi-instance wrapper of an activity.
#[derive(Debug)]
pub struct MultiInstanceBody {
    /// The wrapped activity (its `flow_scope` is this body).
    pub inner: ElementIdx,
    /// The loop characteristics.
    pub loop_characteristics: LoopCharacteristics,
}

/// `multiInstanceLoopCharacteristics` with `zeebe:loopCharacteristics`.
#[derive(Debug)]
pub struct LoopCharacteristics {
    /// `isSequential`.
    pub sequential: bool,
    /// The collection to iterate over (always an expression, as Zeebe requires).
    pub input_collection: Expression,
    /// The variable that holds the current item in each inner instance.
    pub input_element: Option<String>,
    /// The variable that collects the results (created on the body's scope).
    pub output_collection: Option<String>,
    /// The expression producing each inner instance's result.
    pub output_element: Option<Expression>,
    /// Evaluated after each completed inner instance; `true` completes the body.
    pub completion_condition: Option<Expression>,
}

/// A user task.
#[derive(Debug)]
pub struct UserTask {
    /// Native (Camunda user task) or job worker based.
    pub implementation: UserTaskImplementation,
    /// `zeebe:assignmentDefinition assignee`.
    pub assignee: Option<ExprOrStatic<String>>,
    /// `zeebe:assignmentDefinition candidateGroups` (a static value is a comma-separated
    /// list, split and trimmed here).
    pub candidate_groups: Option<ExprOrStatic<Vec<String>>>,
    /// `zeebe:assignmentDefinition candidateUsers` (as `candidate_groups`).
    pub candidate_users: Option<ExprOrStatic<Vec<String>>>,
    /// `zeebe:taskSchedule dueDate`.
    pub due_date: Option<ExprOrStatic<String>>,
    /// `zeebe:taskSchedule followUpDate`.
    pub follow_up_date: Option<ExprOrStatic<String>>,
    /// `zeebe:priorityDefinition priority` (0..=100 if static; Zeebe's default is 50).
    pub priority: Option<ExprOrStatic<i32>>,
    /// `zeebe:formDefinition`.
    pub form: Option<FormDefinition>,
}

/// How a user task is implemented.
#[derive(Debug)]
pub enum UserTaskImplementation {
    /// `zeebe:userTask` present: a Camunda (native) user task; `headers` are its `zeebe:taskHeaders`,
    /// carried by the task's record as custom headers.
    Native { headers: BTreeMap<String, String> },
    /// A job of type `io.camunda.zeebe:userTask` (the job worker based user task); the job's
    /// headers carry the assignment and form as Zeebe does.
    Job(JobDefinition),
}

/// `zeebe:formDefinition`.
#[derive(Debug, Clone)]
pub enum FormDefinition {
    /// `formKey` (embedded form, e.g. `camunda-forms:bpmn:form1`, or a custom key).
    FormKey(String),
    /// `formId` of a deployed form, resolved with `binding`.
    FormId {
        form_id: ExprOrStatic<String>,
        binding: Binding,
    },
    /// `externalReference` (a URL or expression).
    ExternalReference(ExprOrStatic<String>),
}

/// How a script task is implemented.
#[derive(Debug)]
pub enum ScriptTask {
    /// `zeebe:script expression resultVariable`: evaluated by the engine.
    Expression {
        expression: Expression,
        result_variable: String,
    },
    /// A job worker (`zeebe:taskDefinition`).
    Job(JobDefinition),
}

/// How a business rule task is implemented.
#[derive(Debug)]
pub enum BusinessRuleTask {
    /// `zeebe:calledDecision decisionId resultVariable`: a DMN decision evaluated by the
    /// engine, resolved with `binding`.
    CalledDecision {
        decision_id: ExprOrStatic<String>,
        result_variable: String,
        binding: Binding,
    },
    /// A job worker (`zeebe:taskDefinition`).
    Job(JobDefinition),
}

/// `zeebe:calledElement`.
#[derive(Debug)]
pub struct CallActivity {
    /// The BPMN process id of the process to start.
    pub process_id: ExprOrStatic<String>,
    /// `propagateAllChildVariables` (default `true`).
    pub propagate_all_child_variables: bool,
    /// `propagateAllParentVariables` (default `true`).
    pub propagate_all_parent_variables: bool,
    /// Which version of the called process to start (`bindingType`, `versionTag`).
    pub binding: Binding,
}

/// Which version of a called process, decision or form a reference resolves to
/// (`bindingType` attribute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// `latest` (the default): the latest deployed version.
    Latest,
    /// `deployment`: the version deployed in the same deployment as this process.
    Deployment,
    /// `versionTag`: the latest version with this `zeebe:versionTag`.
    VersionTag(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn process_is_shareable_across_threads() {
        assert_send_sync::<Process>();
        assert_send_sync::<std::sync::Arc<Process>>();
    }
}
