//! Element kinds not covered by the fixtures, each parsed from a small process.

use hornet_bpmn::{
    parse_definitions, BusinessRuleTask, Element, ElementKind, EventDefinition, ExprOrStatic,
    Process, ScriptTask, UserTaskImplementation,
};
use hornet_protocol::{BpmnElementType, BpmnEventType};

fn process(body: &str, roots: &str) -> Process {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs">
<process id="p" isExecutable="true">
{body}
</process>
{roots}
</definitions>"#
    );
    match parse_definitions(xml.as_bytes()) {
        Ok(mut processes) => processes.remove(0),
        Err(error) => panic!("expected a valid process, got:\n{error}"),
    }
}

fn element<'p>(process: &'p Process, id: &str) -> &'p Element {
    process.element(process.find(id).unwrap_or_else(|| panic!("no '{id}'")))
}

#[test]
fn start_event_names_are_evaluated_at_deployment() {
    let p = process(
        r#"<startEvent id="signal_start"><signalEventDefinition signalRef="s" /></startEvent>
           <startEvent id="message_start"><messageEventDefinition messageRef="m" /></startEvent>"#,
        r#"<signal id="s" name="=&quot;sig-&quot; + string(1 + 1)" />
           <message id="m" name="=upper case(&quot;go&quot;)" />"#,
    );
    let Some(EventDefinition::Signal { name }) = element(&p, "signal_start").event_definition()
    else {
        panic!("signal start expected");
    };
    assert_eq!(name.as_static().map(String::as_str), Some("sig-2"));
    assert_eq!(
        element(&p, "signal_start").event_type,
        BpmnEventType::Signal
    );
    let Some(EventDefinition::Message(message)) = element(&p, "message_start").event_definition()
    else {
        panic!("message start expected");
    };
    assert_eq!(message.name.as_static().map(String::as_str), Some("GO"));
}

#[test]
fn start_event_name_depending_on_variables_is_rejected() {
    let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<process id="p" isExecutable="true"><startEvent id="s"><messageEventDefinition messageRef="m" /></startEvent></process>
<message id="m" name="=orderType" /></definitions>"#;
    let error = parse_definitions(xml.as_bytes()).unwrap_err();
    assert_eq!(error.problems()[0].element_id, "s");
    assert!(
        error.problems()[0].message.contains("'=orderType'"),
        "{error}"
    );
}

#[test]
fn compensation_boundary_handler_and_throw() {
    let p = process(
        r#"<startEvent id="start" />
           <sequenceFlow id="f1" sourceRef="start" targetRef="book" />
           <serviceTask id="book"><extensionElements><zeebe:taskDefinition type="book" /></extensionElements></serviceTask>
           <boundaryEvent id="undo_book" attachedToRef="book"><compensateEventDefinition /></boundaryEvent>
           <serviceTask id="cancel_booking" isForCompensation="true"><extensionElements><zeebe:taskDefinition type="cancel" /></extensionElements></serviceTask>
           <association id="a1" associationDirection="One" sourceRef="undo_book" targetRef="cancel_booking" />
           <sequenceFlow id="f2" sourceRef="book" targetRef="compensate" />
           <intermediateThrowEvent id="compensate"><compensateEventDefinition activityRef="book" waitForCompletion="false" /></intermediateThrowEvent>
           <sequenceFlow id="f3" sourceRef="compensate" targetRef="end" />
           <endEvent id="end"><compensateEventDefinition /></endEvent>"#,
        "",
    );
    assert!(p.has_compensation());
    let book = p.find("book").unwrap();
    let handler = p.find("cancel_booking").unwrap();
    assert!(p.element(handler).is_for_compensation);
    let Some(EventDefinition::Compensation { handler: found, .. }) =
        element(&p, "undo_book").event_definition()
    else {
        panic!("compensation boundary expected");
    };
    assert_eq!(*found, Some(handler));
    let Some(EventDefinition::Compensation {
        activity,
        wait_for_completion,
        ..
    }) = element(&p, "compensate").event_definition()
    else {
        panic!("compensation throw expected");
    };
    assert_eq!(*activity, Some(book));
    assert!(!wait_for_completion);
    assert_eq!(element(&p, "end").event_type, BpmnEventType::Compensation);
}

#[test]
fn compensation_boundary_needs_a_marked_handler() {
    let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<process id="p" isExecutable="true"><startEvent id="s" /><task id="t" />
<boundaryEvent id="b" attachedToRef="t"><compensateEventDefinition /></boundaryEvent>
<task id="h" /><association id="a" sourceRef="b" targetRef="h" />
<boundaryEvent id="b2" attachedToRef="t"><compensateEventDefinition /></boundaryEvent>
</process></definitions>"#;
    let error = parse_definitions(xml.as_bytes()).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("Element: b\n    - ERROR: The compensation handler 'h' must be marked"),
        "{text}"
    );
    assert!(text.contains("Element: b2\n    - ERROR: Compensation boundary events must have a compensation association"), "{text}");
}

#[test]
fn receive_task_waits_for_a_message() {
    let p = process(
        r#"<startEvent id="s" /><sequenceFlow id="f" sourceRef="s" targetRef="r" />
           <receiveTask id="r" messageRef="m" />"#,
        r#"<message id="m" name="paid"><extensionElements><zeebe:subscription correlationKey="=orderId" /></extensionElements></message>"#,
    );
    let receive = element(&p, "r");
    assert_eq!(receive.element_type, BpmnElementType::ReceiveTask);
    assert_eq!(receive.event_type, BpmnEventType::Message);
    let ElementKind::ReceiveTask { message } = &receive.kind else {
        panic!("receive task expected");
    };
    assert_eq!(message.name.as_static().map(String::as_str), Some("paid"));
    assert_eq!(
        message.correlation_key.as_ref().unwrap().source(),
        "orderId"
    );
}

#[test]
fn job_worker_user_task_with_assignment_schedule_and_priority() {
    let p = process(
        r#"<startEvent id="s" />
           <userTask id="u"><extensionElements>
             <zeebe:assignmentDefinition assignee="demo" candidateUsers="=reviewers" />
             <zeebe:taskSchedule dueDate="2025-03-02T15:35+02:00" followUpDate="=followUp" />
             <zeebe:priorityDefinition priority="80" />
             <zeebe:formDefinition externalReference="=formUrl" />
           </extensionElements></userTask>"#,
        "",
    );
    let ElementKind::UserTask(task) = &element(&p, "u").kind else {
        panic!("user task expected");
    };
    let UserTaskImplementation::Job(job) = &task.implementation else {
        panic!("job worker user task expected");
    };
    assert_eq!(
        job.retries.as_static(),
        Some(&1),
        "Zeebe gives user task jobs one retry"
    );
    assert_eq!(task.assignee.as_ref().unwrap().as_static().unwrap(), "demo");
    assert_eq!(
        task.candidate_users
            .as_ref()
            .unwrap()
            .as_expression()
            .unwrap()
            .source(),
        "reviewers"
    );
    assert_eq!(
        task.due_date.as_ref().unwrap().as_static().unwrap(),
        "2025-03-02T15:35+02:00"
    );
    assert!(task
        .follow_up_date
        .as_ref()
        .unwrap()
        .as_expression()
        .is_some());
    assert_eq!(task.priority.as_ref().unwrap().as_static(), Some(&80));
    assert!(matches!(
        &task.form,
        Some(hornet_bpmn::FormDefinition::ExternalReference(
            ExprOrStatic::Expression(_)
        ))
    ));
    assert_eq!(
        element(&p, "u")
            .job()
            .unwrap()
            .job_type
            .as_static()
            .unwrap(),
        "io.camunda.zeebe:userTask"
    );
}

#[test]
fn script_and_business_rule_tasks_as_jobs() {
    let p = process(
        r#"<startEvent id="s" />
           <scriptTask id="script"><extensionElements><zeebe:taskDefinition type="groovy" /></extensionElements></scriptTask>
           <businessRuleTask id="rule"><extensionElements><zeebe:taskDefinition type="dmn" retries="2" /></extensionElements></businessRuleTask>"#,
        "",
    );
    let script = element(&p, "script");
    assert!(matches!(
        script.kind,
        ElementKind::ScriptTask(ScriptTask::Job(_))
    ));
    assert_eq!(
        script.job().unwrap().job_type.as_static().unwrap(),
        "groovy"
    );
    let rule = element(&p, "rule");
    assert!(matches!(
        rule.kind,
        ElementKind::BusinessRuleTask(BusinessRuleTask::Job(_))
    ));
    assert_eq!(rule.job().unwrap().retries.as_static(), Some(&2));
}

#[test]
fn inclusive_gateway_with_default_flow() {
    let p = process(
        r#"<startEvent id="s" /><sequenceFlow id="f0" sourceRef="s" targetRef="fork" />
           <inclusiveGateway id="fork" default="f2" />
           <sequenceFlow id="f1" sourceRef="fork" targetRef="join"><conditionExpression>=a</conditionExpression></sequenceFlow>
           <sequenceFlow id="f2" sourceRef="fork" targetRef="join" />
           <inclusiveGateway id="join" />
           <sequenceFlow id="f3" sourceRef="join" targetRef="e" /><endEvent id="e" />"#,
        "",
    );
    let ElementKind::InclusiveGateway { default_flow } = element(&p, "fork").kind else {
        panic!("inclusive gateway expected");
    };
    assert_eq!(default_flow, p.find("f2"));
    assert_eq!(element(&p, "join").incoming.len(), 2);
}

#[test]
fn throw_events_and_escalation_catch_all() {
    let p = process(
        r#"<startEvent id="s" /><sequenceFlow id="f0" sourceRef="s" targetRef="sub" />
           <subProcess id="sub">
             <startEvent id="sub_start" /><sequenceFlow id="f1" sourceRef="sub_start" targetRef="none_throw" />
             <intermediateThrowEvent id="none_throw" /><sequenceFlow id="f2" sourceRef="none_throw" targetRef="escalate" />
             <intermediateThrowEvent id="escalate"><escalationEventDefinition escalationRef="esc" /></intermediateThrowEvent>
           </subProcess>
           <boundaryEvent id="caught" attachedToRef="sub" cancelActivity="false"><escalationEventDefinition /></boundaryEvent>"#,
        r#"<escalation id="esc" escalationCode="=code" />"#,
    );
    let sub = p.find("sub").unwrap();
    assert_eq!(element(&p, "none_throw").event_type, BpmnEventType::None);
    assert_eq!(element(&p, "none_throw").flow_scope, Some(sub));
    let Some(EventDefinition::Escalation { code }) = element(&p, "escalate").event_definition()
    else {
        panic!("escalation throw expected");
    };
    assert_eq!(
        code.as_ref().unwrap().as_expression().unwrap().source(),
        "code"
    );
    let Some(EventDefinition::Escalation { code }) = element(&p, "caught").event_definition()
    else {
        panic!("escalation boundary expected");
    };
    assert!(code.is_none());
    assert_eq!(p.element(sub).boundary_events, [p.find("caught").unwrap()]);
}

#[test]
fn unsupported_zeebe_extensions_are_rejected() {
    let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
<process id="p" isExecutable="true"><startEvent id="s" />
<task id="t"><extensionElements><zeebe:executionListeners><zeebe:executionListener eventType="start" type="x" /></zeebe:executionListeners></extensionElements></task>
</process></definitions>"#;
    let error = parse_definitions(xml.as_bytes()).unwrap_err();
    assert_eq!(error.problems().len(), 1, "{error}");
    assert_eq!(error.problems()[0].element_id, "t");
    assert!(error.problems()[0].message.contains("Execution listeners"));
}

#[test]
fn other_namespaces_and_unknown_attributes_are_ignored() {
    let p = process(
        r#"<startEvent id="s" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" camunda:asyncBefore="true" unknown="x">
             <extensionElements><camunda:properties><camunda:property name="a" value="b" /></camunda:properties></extensionElements>
             <documentation>Starts things</documentation>
           </startEvent>"#,
        "",
    );
    assert!(element(&p, "s").properties.is_empty());
}

#[test]
fn a_compensation_throw_without_boundary_events_leaves_nothing_to_compensate() {
    let p = process(
        r#"<startEvent id="start" />
           <sequenceFlow id="f1" sourceRef="start" targetRef="compensate" />
           <intermediateThrowEvent id="compensate"><compensateEventDefinition /></intermediateThrowEvent>"#,
        "",
    );
    assert!(!p.has_compensation());
}

#[test]
fn camunda_user_task_keeps_its_headers_and_external_form() {
    let p = process(
        r#"<startEvent id="s" />
           <userTask id="u"><extensionElements>
             <zeebe:userTask />
             <zeebe:formDefinition externalReference="https://forms.example/review" />
             <zeebe:taskHeaders><zeebe:header key="team" value="blue" /></zeebe:taskHeaders>
           </extensionElements></userTask>"#,
        "",
    );
    let u = element(&p, "u");
    assert!(u.job().is_none(), "a Camunda user task has no job");
    let ElementKind::UserTask(task) = &u.kind else {
        panic!("user task expected");
    };
    let UserTaskImplementation::Native { headers } = &task.implementation else {
        panic!("Camunda user task expected");
    };
    assert_eq!(headers.get("team").map(String::as_str), Some("blue"));
    assert!(matches!(
        &task.form,
        Some(hornet_bpmn::FormDefinition::ExternalReference(ExprOrStatic::Static(url)))
            if url == "https://forms.example/review"
    ));
}
