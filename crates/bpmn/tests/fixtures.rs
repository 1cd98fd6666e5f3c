//! The realistic fixtures (Camunda Modeler style, with diagram sections) parse into the
//! expected executable model.

use hornet_bpmn::{
    parse_definitions, Binding, BusinessRuleTask, Element, ElementKind, EventDefinition,
    ExprOrStatic, FormDefinition, Process, ScriptTask, TimerDefinition, UserTaskImplementation,
};
use hornet_protocol::{BpmnElementType, BpmnEventType};

fn parse_fixture(name: &str) -> Vec<Process> {
    // Read at run time: a test binary may be reused from a checkout at another path (shared target dir).
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let path = format!("{dir}/tests/fixtures/{name}");
    let xml = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    match parse_definitions(&xml) {
        Ok(processes) => processes,
        Err(error) => panic!("{name} should be valid, but:\n{error}"),
    }
}

fn element<'p>(process: &'p Process, id: &str) -> &'p Element {
    let idx = process
        .find(id)
        .unwrap_or_else(|| panic!("no element '{id}' in '{}'", process.id));
    process.element(idx)
}

fn ids(process: &Process, indices: &[hornet_bpmn::ElementIdx]) -> Vec<String> {
    indices
        .iter()
        .map(|&idx| process.element(idx).id.clone())
        .collect()
}

fn static_str<T: Clone>(value: &ExprOrStatic<T>) -> T {
    value.as_static().cloned().expect("a static value")
}

fn expression_source<T>(value: &ExprOrStatic<T>) -> String {
    value
        .as_expression()
        .expect("an expression")
        .source()
        .to_string()
}

#[test]
fn order_process() {
    let processes = parse_fixture("order-process.bpmn");
    assert_eq!(processes.len(), 1);
    let process = &processes[0];
    assert_eq!(process.id, "order-process");
    assert_eq!(process.name.as_deref(), Some("Order process"));
    assert_eq!(process.version_tag.as_deref(), Some("v1.2"));

    let root = process.element(process.root());
    assert_eq!(root.element_type, BpmnElementType::Process);
    assert_eq!(root.flow_scope, None);
    let start = process
        .none_start_event(process.root())
        .expect("none start");
    assert_eq!(process.element(start).id, "OrderReceived");
    assert_eq!(process.start_events(), &[start]);
    // Diagram elements, the text annotation and its association are not part of the model.
    assert!(process.find("OrderReceived_di").is_none());
    assert!(process.find("TextAnnotation_1").is_none());

    let validate = element(process, "ValidateOrder");
    assert_eq!(validate.element_type, BpmnElementType::ServiceTask);
    assert_eq!(validate.event_type, BpmnEventType::Unspecified);
    assert_eq!(validate.flow_scope, Some(process.root()));
    let job = validate.job().expect("job worker");
    assert_eq!(static_str(&job.job_type), "validate-order");
    assert_eq!(static_str(&job.retries), 5);
    assert_eq!(
        job.headers.iter().collect::<Vec<_>>(),
        [
            (&"method".to_string(), &"strict".to_string()),
            (&"region".to_string(), &"eu-west".to_string())
        ]
    );
    let inputs: Vec<_> = validate
        .inputs
        .iter()
        .map(|m| (m.target.as_str(), m.target_path.len()))
        .collect();
    assert_eq!(
        inputs,
        [("items", 1), ("customerId", 1), ("validation.mode", 2)]
    );
    assert_eq!(expression_source(&validate.inputs[0].source), "order.items");
    assert_eq!(static_str(&validate.inputs[2].source), "standard");
    assert_eq!(validate.inputs[2].target_path, ["validation", "mode"]);
    assert_eq!(validate.outputs.len(), 2);
    assert_eq!(validate.outputs[1].target, "order.total");
    assert_eq!(
        validate.properties,
        [("owner".to_string(), "sales".to_string())]
    );

    let gateway = element(process, "CheckAmount");
    let ElementKind::ExclusiveGateway { default_flow } = gateway.kind else {
        panic!("exclusive gateway expected");
    };
    assert_eq!(
        ids(process, &gateway.outgoing),
        ["Flow_Large", "Flow_Small", "Flow_Invalid"]
    );
    assert_eq!(
        process.element(default_flow.expect("default")).id,
        "Flow_Small"
    );
    let ElementKind::SequenceFlow {
        source,
        target,
        condition,
    } = &element(process, "Flow_Large").kind
    else {
        panic!("sequence flow expected");
    };
    assert_eq!(process.element(*source).id, "CheckAmount");
    assert_eq!(process.element(*target).id, "ReviewOrder");
    assert_eq!(
        condition.as_ref().expect("condition").source(),
        "orderValid and order.total > 1000"
    );
    let ElementKind::SequenceFlow { condition, .. } = &element(process, "Flow_Invalid").kind else {
        panic!("sequence flow expected");
    };
    assert_eq!(
        condition.as_ref().expect("CDATA condition").source(),
        "not(orderValid)"
    );

    let review = element(process, "ReviewOrder");
    let ElementKind::UserTask(task) = &review.kind else {
        panic!("user task expected");
    };
    assert!(matches!(
        task.implementation,
        UserTaskImplementation::Native { .. }
    ));
    assert!(review.job().is_none());
    assert_eq!(
        expression_source(task.assignee.as_ref().unwrap()),
        "order.accountManager"
    );
    assert_eq!(
        static_str(task.candidate_groups.as_ref().unwrap()),
        ["sales", "managers"]
    );
    let Some(FormDefinition::FormId { form_id, binding }) = &task.form else {
        panic!("form id expected");
    };
    assert_eq!(static_str(form_id), "review-order-form");
    assert_eq!(*binding, Binding::Latest);

    let split = element(process, "Split");
    assert_eq!(split.element_type, BpmnElementType::ParallelGateway);
    assert_eq!(split.outgoing.len(), 2);
    let join = element(process, "Join");
    assert_eq!(
        join.incoming.len(),
        2,
        "a join waits for all incoming flows"
    );

    let charge = element(process, "ChargePayment").job().unwrap();
    assert_eq!(
        expression_source(&charge.job_type),
        "\"payment-\" + order.paymentMethod"
    );
    assert_eq!(
        expression_source(&charge.retries),
        "if order.total > 5000 then 1 else 3"
    );
    assert_eq!(
        static_str(&element(process, "ReserveStock").job().unwrap().retries),
        3
    );
    assert_eq!(
        element(process, "ShipOrder").element_type,
        BpmnElementType::SendTask
    );

    let rejected = element(process, "OrderRejected");
    assert_eq!(rejected.event_type, BpmnEventType::Terminate);
    assert!(matches!(
        rejected.event_definition(),
        Some(EventDefinition::Terminate)
    ));

    // Every flow node of the process is a child of its scope, in document order.
    let scope = process.flow_scope(process.root()).unwrap();
    assert_eq!(scope.children.len(), 12);
    assert!(scope.event_sub_processes.is_empty());
    // Positions point into the XML.
    assert_eq!(validate.line, 12);
}

#[test]
fn message_timer_boundary_process() {
    let processes = parse_fixture("message-timer-boundary.bpmn");
    let process = &processes[0];
    assert_eq!(process.none_start_event(process.root()), None);
    assert_eq!(
        ids(process, process.start_events()),
        ["InvoiceCreated", "NightlyRun"]
    );

    let start = element(process, "InvoiceCreated");
    assert_eq!(start.event_type, BpmnEventType::Message);
    let Some(EventDefinition::Message(message)) = start.event_definition() else {
        panic!("message start event expected");
    };
    assert_eq!(static_str(&message.name), "invoice-created");
    assert!(message.correlation_key.is_none());

    let Some(EventDefinition::Timer(TimerDefinition::Cycle(cycle))) =
        element(process, "NightlyRun").event_definition()
    else {
        panic!("timer cycle expected");
    };
    assert_eq!(static_str(cycle), "R/2025-01-01T02:00:00Z/P1D");

    let gateway = element(process, "Wait");
    let ElementKind::EventBasedGateway { events } = &gateway.kind else {
        panic!("event-based gateway expected");
    };
    assert_eq!(ids(process, events), ["PaymentReceived", "PaymentTimeout"]);

    let Some(EventDefinition::Message(received)) =
        element(process, "PaymentReceived").event_definition()
    else {
        panic!("message catch expected");
    };
    assert_eq!(
        received.correlation_key.as_ref().unwrap().source(),
        "invoiceId"
    );
    let Some(EventDefinition::Timer(TimerDefinition::Duration(duration))) =
        element(process, "PaymentTimeout").event_definition()
    else {
        panic!("timer duration expected");
    };
    assert_eq!(
        expression_source(duration),
        "duration(\"P\" + string(paymentTermDays) + \"D\")"
    );

    let task = element(process, "BookPayment");
    assert_eq!(
        ids(process, &task.boundary_events),
        ["BookingFailed", "BookingSlow", "PaymentCancelled"]
    );
    let failed = element(process, "BookingFailed");
    assert_eq!(failed.flow_scope, Some(process.root()));
    let ElementKind::BoundaryEvent {
        definition: EventDefinition::Error { code },
        attached_to,
        cancel_activity,
    } = &failed.kind
    else {
        panic!("error boundary event expected");
    };
    assert_eq!(process.element(*attached_to).id, "BookPayment");
    assert!(*cancel_activity);
    assert_eq!(static_str(code.as_ref().unwrap()), "BOOKING_FAILED");
    let ElementKind::BoundaryEvent {
        cancel_activity, ..
    } = element(process, "BookingSlow").kind
    else {
        panic!("boundary expected");
    };
    assert!(!cancel_activity);
    let Some(EventDefinition::Message(cancel)) =
        element(process, "PaymentCancelled").event_definition()
    else {
        panic!("message boundary expected");
    };
    assert_eq!(expression_source(&cancel.name), "\"cancel-\" + invoiceType");

    let manual = element(process, "ManualBooking");
    let ElementKind::UserTask(user_task) = &manual.kind else {
        panic!("user task expected");
    };
    let UserTaskImplementation::Job(job) = &user_task.implementation else {
        panic!("job worker user task expected");
    };
    assert_eq!(static_str(&job.job_type), "io.camunda.zeebe:userTask");
    assert_eq!(
        job.headers.get("priority").map(String::as_str),
        Some("high")
    );
    assert!(matches!(
        &user_task.form,
        Some(FormDefinition::FormKey(key)) if key == "camunda-forms:bpmn:ManualBookingForm"
    ));

    let Some(EventDefinition::Signal { name }) = element(process, "NotifyDelay").event_definition()
    else {
        panic!("signal throw expected");
    };
    assert_eq!(static_str(name), "payment-delayed");
    let Some(EventDefinition::Escalation { code }) =
        element(process, "Reminded").event_definition()
    else {
        panic!("escalation end expected");
    };
    assert_eq!(static_str(code.as_ref().unwrap()), "OVERDUE");

    let cancelled = element(process, "Cancelled");
    assert_eq!(cancelled.event_type, BpmnEventType::Message);
    assert_eq!(
        static_str(&cancelled.job().expect("message end event job").job_type),
        "notify-customer"
    );
    assert_eq!(element(process, "Paid").incoming.len(), 2);
}

#[test]
fn multi_instance_activities_get_a_body() {
    let processes = parse_fixture("multi-instance.bpmn");
    let process = &processes[0];

    let body_idx = process.find("NotifyCustomer").unwrap();
    let body = process.element(body_idx);
    assert_eq!(body.element_type, BpmnElementType::MultiInstanceBody);
    assert_eq!(ids(process, &body.incoming), ["Flow_1"]);
    assert_eq!(ids(process, &body.outgoing), ["Flow_2"]);
    assert_eq!(ids(process, &body.boundary_events), ["NotifyTimeout"]);
    assert!(body.inputs.is_empty());
    let multi_instance = body.multi_instance().unwrap();
    let inner = process.element(multi_instance.inner);
    assert_eq!(inner.id, "NotifyCustomer");
    assert_eq!(inner.element_type, BpmnElementType::ServiceTask);
    assert_eq!(inner.flow_scope, Some(body_idx));
    assert!(inner.incoming.is_empty() && inner.outgoing.is_empty());
    assert_eq!(inner.inputs.len(), 1);
    assert_eq!(inner.outputs.len(), 1);
    let characteristics = &multi_instance.loop_characteristics;
    assert!(!characteristics.sequential);
    assert_eq!(characteristics.input_collection.source(), "customers");
    assert_eq!(characteristics.input_element.as_deref(), Some("customer"));
    assert_eq!(
        characteristics.output_collection.as_deref(),
        Some("results")
    );
    assert_eq!(
        characteristics.output_element.as_ref().unwrap().source(),
        "result"
    );
    assert_eq!(
        characteristics
            .completion_condition
            .as_ref()
            .unwrap()
            .source(),
        "numberOfCompletedInstances >= 10"
    );
    let ElementKind::BoundaryEvent { attached_to, .. } = element(process, "NotifyTimeout").kind
    else {
        panic!("boundary expected");
    };
    assert_eq!(attached_to, body_idx);

    let batches_idx = process.find("ProcessBatches").unwrap();
    let batches = process.element(batches_idx).multi_instance().unwrap();
    assert!(batches.loop_characteristics.sequential);
    let sub_process_idx = batches.inner;
    let sub_process = process.element(sub_process_idx);
    assert_eq!(sub_process.element_type, BpmnElementType::SubProcess);
    assert_eq!(sub_process.flow_scope, Some(batches_idx));
    let start = process.none_start_event(sub_process_idx).unwrap();
    assert_eq!(process.element(start).id, "BatchStart");
    assert_eq!(process.element(start).flow_scope, Some(sub_process_idx));
    let archive = element(process, "Archive");
    assert_eq!(archive.flow_scope, Some(sub_process_idx));
    let ElementKind::ScriptTask(ScriptTask::Expression {
        expression,
        result_variable,
    }) = &archive.kind
    else {
        panic!("script expression expected");
    };
    assert_eq!(expression.source(), "count(batch.items)");
    assert_eq!(result_variable, "archived");
    assert_eq!(
        ids(
            process,
            &process.flow_scope(sub_process_idx).unwrap().children
        ),
        ["BatchStart", "Archive", "BatchEnd"]
    );
}

#[test]
fn event_sub_processes_and_links() {
    let processes = parse_fixture("event-subprocess.bpmn");
    let process = &processes[0];
    let scope = process.flow_scope(process.root()).unwrap();
    assert_eq!(
        ids(process, &scope.event_sub_processes),
        ["FraudSuspected", "StatusRequested", "Escalated"]
    );
    assert_eq!(ids(process, &scope.start_events), ["ClaimFiled"]);

    let fraud_idx = process.find("FraudSuspected").unwrap();
    let fraud = process.element(fraud_idx);
    assert_eq!(fraud.element_type, BpmnElementType::EventSubProcess);
    let fraud_scope = process.flow_scope(fraud_idx).unwrap();
    assert_eq!(fraud_scope.none_start_event, None);
    assert_eq!(ids(process, &fraud_scope.start_events), ["FraudStart"]);
    let ElementKind::StartEvent {
        definition: EventDefinition::Error { code },
        interrupting,
    } = &element(process, "FraudStart").kind
    else {
        panic!("error start event expected");
    };
    assert!(*interrupting);
    assert_eq!(static_str(code.as_ref().unwrap()), "FRAUD");
    let Some(EventDefinition::Error { code }) = element(process, "FraudEnd").event_definition()
    else {
        panic!("error end event expected");
    };
    assert_eq!(
        expression_source(code.as_ref().unwrap()),
        "\"REJECTED_\" + reason"
    );

    let ElementKind::StartEvent {
        definition: EventDefinition::Message(message),
        interrupting,
    } = &element(process, "StatusStart").kind
    else {
        panic!("message start event expected");
    };
    assert!(!interrupting);
    assert_eq!(
        message.correlation_key.as_ref().unwrap().source(),
        "claimId"
    );

    let Some(EventDefinition::Escalation { code }) =
        element(process, "EscalationStart").event_definition()
    else {
        panic!("escalation start expected");
    };
    assert!(code.is_none(), "catch-all escalation");

    let Some(EventDefinition::Link { name, target }) =
        element(process, "ThrowLink").event_definition()
    else {
        panic!("link throw expected");
    };
    assert_eq!(name, "payout");
    assert_eq!(process.element(target.unwrap()).id, "CatchLink");

    let ElementKind::BusinessRuleTask(BusinessRuleTask::CalledDecision {
        decision_id,
        result_variable,
        binding,
    }) = &element(process, "Decide").kind
    else {
        panic!("called decision expected");
    };
    assert_eq!(static_str(decision_id), "payout-decision");
    assert_eq!(result_variable, "payout");
    assert_eq!(*binding, Binding::Latest);
    assert_eq!(
        element(process, "Investigate").element_type,
        BpmnElementType::Task
    );
    assert_eq!(
        element(process, "Payout").element_type,
        BpmnElementType::ManualTask
    );
}

#[test]
fn call_activities_and_several_processes() {
    let processes = parse_fixture("call-activity.bpmn");
    let ids: Vec<_> = processes.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        ["parent-process", "child-process"],
        "non-executable processes are skipped"
    );
    let parent = &processes[0];
    let ElementKind::CallActivity(call) = &element(parent, "CallChild").kind else {
        panic!("call activity expected");
    };
    assert_eq!(static_str(&call.process_id), "child-process");
    assert!(!call.propagate_all_child_variables);
    assert!(call.propagate_all_parent_variables);
    assert_eq!(call.binding, Binding::Deployment);
    assert_eq!(element(parent, "CallChild").outputs[0].target, "result");
    let ElementKind::CallActivity(dynamic) = &element(parent, "CallDynamic").kind else {
        panic!("call activity expected");
    };
    assert_eq!(
        expression_source(&dynamic.process_id),
        "\"handler-\" + kind"
    );
    assert!(dynamic.propagate_all_child_variables);
    assert!(!dynamic.propagate_all_parent_variables);
    // Ids are per process: the child's elements are not in the parent.
    assert!(parent.find("ChildWork").is_none());
    assert!(processes[1].find("ChildWork").is_some());
}

#[test]
fn processes_are_shareable() {
    let processes = parse_fixture("order-process.bpmn");
    let shared = std::sync::Arc::new(processes);
    let clone = shared.clone();
    let handle = std::thread::spawn(move || clone[0].len());
    assert_eq!(handle.join().unwrap(), shared[0].len());
}
