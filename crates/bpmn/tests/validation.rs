//! Deploy-time validation: every rule reports the offending element id (Zeebe style), and all
//! problems of a resource are reported together.

use hornet_bpmn::{parse_definitions, BpmnError, ValidationError};

const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs">"#;

/// A resource with one executable process whose body is `body`, plus root elements.
fn resource(body: &str, roots: &str) -> String {
    format!(
        "{HEADER}\n<bpmn:process id=\"p\" isExecutable=\"true\">\n{body}\n</bpmn:process>\n{roots}\n</bpmn:definitions>"
    )
}

fn errors(xml: &str) -> Vec<ValidationError> {
    match parse_definitions(xml.as_bytes()) {
        Ok(_) => panic!("expected validation errors for:\n{xml}"),
        Err(BpmnError::Invalid(errors)) => errors.0,
        Err(other) => panic!("expected validation errors, got: {other}"),
    }
}

/// Asserts that `xml` is rejected with an error on `element_id` containing `message`.
fn assert_error(xml: &str, element_id: &str, message: &str) {
    let errors = errors(xml);
    assert!(
        errors
            .iter()
            .any(|e| e.element_id == element_id && e.message.contains(message)),
        "expected an error on '{element_id}' containing {message:?}, got:\n{}",
        errors.iter().map(|e| format!("{e}\n")).collect::<String>()
    );
}

fn assert_valid(xml: &str) {
    if let Err(error) = parse_definitions(xml.as_bytes()) {
        panic!("expected a valid resource, got:\n{error}\nfor:\n{xml}");
    }
}

const START_TO_END: &str = r#"<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="end" />
<bpmn:endEvent id="end" />"#;

fn service_task(id: &str, extensions: &str) -> String {
    format!(
        r#"<bpmn:serviceTask id="{id}"><bpmn:extensionElements>{extensions}</bpmn:extensionElements></bpmn:serviceTask>"#
    )
}

#[test]
fn minimal_process_is_valid() {
    assert_valid(&resource(START_TO_END, ""));
}

#[test]
fn no_executable_process() {
    let xml = format!(
        "{HEADER}<bpmn:process id=\"p\" isExecutable=\"false\"><bpmn:startEvent id=\"s\"/></bpmn:process></bpmn:definitions>"
    );
    assert_error(&xml, "defs", "Must contain at least one executable process");
}

#[test]
fn process_without_start_event() {
    assert_error(
        &resource(r#"<bpmn:endEvent id="end" />"#, ""),
        "p",
        "Must have at least one start event",
    );
}

#[test]
fn process_with_two_none_start_events() {
    let body = r#"<bpmn:startEvent id="s1" /><bpmn:startEvent id="s2" />"#;
    assert_error(
        &resource(body, ""),
        "p",
        "Multiple none start events are not allowed",
    );
}

#[test]
fn process_with_only_a_message_start_event_is_valid() {
    let body = r#"<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>"#;
    assert_valid(&resource(body, r#"<bpmn:message id="m" name="go" />"#));
}

#[test]
fn service_task_without_task_definition() {
    let xml = resource(
        &format!("{START_TO_END}<bpmn:serviceTask id=\"task\" />"),
        "",
    );
    assert_error(
        &xml,
        "task",
        "Must have exactly one 'zeebe:taskDefinition' extension element",
    );
}

#[test]
fn service_task_with_empty_type() {
    let xml = resource(
        &format!(
            "{START_TO_END}{}",
            service_task("task", r#"<zeebe:taskDefinition type=" " />"#)
        ),
        "",
    );
    assert_error(
        &xml,
        "task",
        "Attribute 'type' of 'zeebe:taskDefinition' must be present and not empty",
    );
}

#[test]
fn service_task_with_invalid_static_retries() {
    let xml = resource(
        &format!(
            "{START_TO_END}{}",
            service_task(
                "task",
                r#"<zeebe:taskDefinition type="t" retries="many" />"#
            )
        ),
        "",
    );
    assert_error(&xml, "task", "'many'");
}

#[test]
fn sequence_flow_with_unknown_ends() {
    let body = format!(
        "{START_TO_END}<bpmn:sequenceFlow id=\"bad\" sourceRef=\"nowhere\" targetRef=\"end\" />\
         <bpmn:sequenceFlow id=\"bad2\" sourceRef=\"start\" targetRef=\"missing\" />"
    );
    let xml = resource(&body, "");
    assert_error(&xml, "bad", "sourceRef 'nowhere' which cannot be resolved");
    assert_error(&xml, "bad2", "targetRef 'missing' which cannot be resolved");
}

#[test]
fn sequence_flow_without_source() {
    let body = format!("{START_TO_END}<bpmn:sequenceFlow id=\"bad\" targetRef=\"end\" />");
    assert_error(
        &resource(&body, ""),
        "bad",
        "missing required attribute sourceRef",
    );
}

#[test]
fn exclusive_gateway_flow_without_condition() {
    let body = r#"<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />
<bpmn:exclusiveGateway id="gw" default="f1" />
<bpmn:sequenceFlow id="f1" sourceRef="gw" targetRef="a" />
<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="b" />
<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="b"><bpmn:conditionExpression>=x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:endEvent id="a" /><bpmn:endEvent id="b" />"#;
    let errors = errors(&resource(body, ""));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].element_id, "f2");
    assert_eq!(
        errors[0].message,
        "Must have a condition or be default flow"
    );
}

#[test]
fn inclusive_gateway_flow_without_condition() {
    let body = r#"<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />
<bpmn:inclusiveGateway id="gw" />
<bpmn:sequenceFlow id="f1" sourceRef="gw" targetRef="a"><bpmn:conditionExpression>=true</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="a" />
<bpmn:endEvent id="a" />"#;
    assert_error(&resource(body, ""), "f2", "Must have a condition");
}

#[test]
fn default_flow_not_outgoing_from_gateway() {
    let body = r#"<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />
<bpmn:exclusiveGateway id="gw" default="f0" />
<bpmn:sequenceFlow id="f1" sourceRef="gw" targetRef="a" />
<bpmn:endEvent id="a" />"#;
    assert_error(
        &resource(body, ""),
        "gw",
        "Default flow must start at gateway",
    );
}

#[test]
fn static_condition_is_rejected() {
    let body = r#"<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />
<bpmn:exclusiveGateway id="gw" />
<bpmn:sequenceFlow id="f1" sourceRef="gw" targetRef="a"><bpmn:conditionExpression>x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:endEvent id="a" />"#;
    assert_error(&resource(body, ""), "f1", "found static value 'x > 1'");
}

#[test]
fn boundary_event_attached_to_missing_activity() {
    let body = format!(
        "{START_TO_END}<bpmn:boundaryEvent id=\"b\" attachedToRef=\"ghost\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    );
    assert_error(&resource(&body, ""), "b", "'ghost' does not exist");
}

#[test]
fn boundary_event_attached_to_an_event() {
    let body = format!(
        "{START_TO_END}<bpmn:boundaryEvent id=\"b\" attachedToRef=\"end\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    );
    assert_error(&resource(&body, ""), "b", "'end' is not an activity");
}

#[test]
fn boundary_event_without_definition() {
    let body = format!(
        "{START_TO_END}<bpmn:task id=\"t\" /><bpmn:boundaryEvent id=\"b\" attachedToRef=\"t\" />"
    );
    assert_error(
        &resource(&body, ""),
        "b",
        "Must have exactly one event definition",
    );
}

#[test]
fn message_catch_event_without_message_name() {
    let body = format!(
        "{START_TO_END}<bpmn:intermediateCatchEvent id=\"catch\"><bpmn:messageEventDefinition messageRef=\"m\" /></bpmn:intermediateCatchEvent>"
    );
    let roots = r#"<bpmn:message id="m"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>"#;
    assert_error(
        &resource(&body, roots),
        "catch",
        "Name must be present and not empty",
    );
}

#[test]
fn message_catch_event_without_subscription() {
    let body = format!(
        "{START_TO_END}<bpmn:intermediateCatchEvent id=\"catch\"><bpmn:messageEventDefinition messageRef=\"m\" /></bpmn:intermediateCatchEvent>"
    );
    assert_error(
        &resource(&body, r#"<bpmn:message id="m" name="n" />"#),
        "catch",
        "Must have exactly one zeebe:subscription extension element",
    );
}

#[test]
fn message_event_without_message_reference() {
    let body = format!(
        "{START_TO_END}<bpmn:intermediateCatchEvent id=\"catch\"><bpmn:messageEventDefinition /></bpmn:intermediateCatchEvent>\
         <bpmn:receiveTask id=\"receive\" messageRef=\"unknown\" />"
    );
    let xml = resource(&body, "");
    assert_error(&xml, "catch", "Must reference a message");
    assert_error(
        &xml,
        "receive",
        "Referenced message 'unknown' does not exist",
    );
}

#[test]
fn duplicate_element_ids() {
    let body = format!("{START_TO_END}<bpmn:task id=\"end\" />");
    assert_error(&resource(&body, ""), "end", "Duplicate id 'end'");
}

#[test]
fn invalid_feel_names_element_attribute_and_error() {
    let body = format!(
        "{START_TO_END}{}",
        service_task("task", r#"<zeebe:taskDefinition type="=a +" />"#)
    );
    let errors = errors(&resource(&body, ""));
    let error = errors
        .iter()
        .find(|e| e.element_id == "task")
        .expect("error on task");
    assert!(error.message.contains("job type"), "{}", error.message);
    assert!(error.message.contains("'a +'"), "{}", error.message);
    assert!(
        error.message.contains("expected an expression"),
        "{}",
        error.message
    );
}

#[test]
fn invalid_io_mapping_targets() {
    let body = format!(
        "{START_TO_END}{}",
        service_task(
            "task",
            r#"<zeebe:taskDefinition type="t" /><zeebe:ioMapping>
                 <zeebe:input source="=1" target="1abc" />
                 <zeebe:input source="=1" target="a..b" />
                 <zeebe:output source="=1" target="null" />
                 <zeebe:output source="static" target="ok" />
                 <zeebe:input source="=1" target="" />
               </zeebe:ioMapping>"#
        )
    );
    let errors = errors(&resource(&body, ""));
    let on_task: Vec<_> = errors.iter().filter(|e| e.element_id == "task").collect();
    assert_eq!(on_task.len(), 5, "{on_task:#?}");
    assert!(on_task[0].message.contains("'1abc'"));
    assert!(on_task[1].message.contains("'a..b'"));
    assert!(on_task.iter().any(|e| e.message.contains("reserved words")));
    assert!(on_task
        .iter()
        .any(|e| e.message.contains("found static value 'static'")));
    assert!(on_task.iter().any(|e| e.message.contains("but not found")));
}

#[test]
fn unsupported_elements() {
    let body =
        format!("{START_TO_END}<bpmn:complexGateway id=\"cg\" /><bpmn:transaction id=\"tx\" />");
    let xml = resource(&body, "");
    assert_error(
        &xml,
        "cg",
        "Elements of type 'ComplexGateway' are currently not supported",
    );
    assert_error(
        &xml,
        "tx",
        "Elements of type 'Transaction' are currently not supported",
    );
}

#[test]
fn unsupported_event_definitions() {
    let body = format!(
        "{START_TO_END}<bpmn:intermediateCatchEvent id=\"c\"><bpmn:conditionalEventDefinition /></bpmn:intermediateCatchEvent>\
         <bpmn:intermediateCatchEvent id=\"e\"><bpmn:errorEventDefinition /></bpmn:intermediateCatchEvent>"
    );
    let xml = resource(&body, "");
    assert_error(&xml, "c", "Conditional events are not supported");
    assert_error(
        &xml,
        "e",
        "Intermediate catch events must be one of: message, timer, signal, link",
    );
}

#[test]
fn all_errors_are_collected_in_document_order() {
    let body = r#"<bpmn:serviceTask id="task1" />
<bpmn:complexGateway id="cg" />
<bpmn:sequenceFlow id="f" sourceRef="x" targetRef="y" />"#;
    let error = parse_definitions(resource(body, "").as_bytes()).unwrap_err();
    let ids: Vec<_> = error
        .problems()
        .iter()
        .map(|e| e.element_id.as_str())
        .collect();
    assert_eq!(ids, ["p", "task1", "cg", "f", "f"]);
    let text = error.to_string();
    assert!(
        text.starts_with("Element: p\n    - ERROR: Must have at least one start event"),
        "{text}"
    );
    assert!(text.contains("\nElement: task1\n    - ERROR: Must have exactly one 'zeebe:taskDefinition' extension element (line 4, column 1)"), "{text}");
}

#[test]
fn timer_needs_exactly_one_kind() {
    let body = format!(
        "{START_TO_END}<bpmn:intermediateCatchEvent id=\"t\"><bpmn:timerEventDefinition /></bpmn:intermediateCatchEvent>"
    );
    assert_error(
        &resource(&body, ""),
        "t",
        "Must be exactly one type of timer",
    );
}

#[test]
fn start_event_kinds_per_scope() {
    let body = format!(
        "{START_TO_END}<bpmn:startEvent id=\"err\"><bpmn:errorEventDefinition /></bpmn:startEvent>\
         <bpmn:subProcess id=\"sub\"><bpmn:startEvent id=\"sub_start\"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent></bpmn:subProcess>\
         <bpmn:subProcess id=\"esp\" triggeredByEvent=\"true\"><bpmn:startEvent id=\"esp_start\" /></bpmn:subProcess>"
    );
    let xml = resource(&body, "");
    assert_error(
        &xml,
        "err",
        "Start event must be one of the following types: none, timer, message, signal",
    );
    assert_error(
        &xml,
        "sub_start",
        "Start events in subprocesses must be of type none",
    );
    assert_error(
        &xml,
        "esp_start",
        "Start events in event subprocesses must be one of",
    );
}

#[test]
fn sub_process_needs_exactly_one_start_event() {
    let body = format!("{START_TO_END}<bpmn:subProcess id=\"sub\"><bpmn:endEvent id=\"sub_end\" /></bpmn:subProcess>");
    assert_error(
        &resource(&body, ""),
        "sub",
        "Must have exactly one start event",
    );
}

#[test]
fn error_end_event_needs_an_error_code() {
    let body = format!(
        "{START_TO_END}<bpmn:endEvent id=\"e1\"><bpmn:errorEventDefinition /></bpmn:endEvent>\
         <bpmn:endEvent id=\"e2\"><bpmn:errorEventDefinition errorRef=\"err\" /></bpmn:endEvent>"
    );
    let xml = resource(&body, r#"<bpmn:error id="err" name="no code" />"#);
    assert_error(&xml, "e1", "Must reference an error");
    assert_error(&xml, "e2", "errorCode must be present and not empty");
}

#[test]
fn error_catch_code_must_be_static() {
    let body = format!(
        "{START_TO_END}<bpmn:task id=\"t\" /><bpmn:boundaryEvent id=\"b\" attachedToRef=\"t\"><bpmn:errorEventDefinition errorRef=\"err\" /></bpmn:boundaryEvent>"
    );
    let xml = resource(&body, r#"<bpmn:error id="err" errorCode="=code" />"#);
    assert_error(&xml, "b", "not allowed to be an expression");
}

#[test]
fn link_throw_without_catch() {
    let body = format!(
        "{START_TO_END}<bpmn:intermediateThrowEvent id=\"throw\"><bpmn:linkEventDefinition name=\"nowhere\" /></bpmn:intermediateThrowEvent>"
    );
    assert_error(
        &resource(&body, ""),
        "throw",
        "Can't find a catch link event",
    );
}

#[test]
fn event_based_gateway_targets() {
    let body = r#"<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />
<bpmn:eventBasedGateway id="gw" />
<bpmn:sequenceFlow id="f1" sourceRef="gw" targetRef="task" />
<bpmn:task id="task" />"#;
    let xml = resource(body, "");
    assert_error(&xml, "gw", "at least 2 outgoing sequence flows");
    assert_error(&xml, "gw", "but leads to 'task'");
}

#[test]
fn multi_instance_requires_input_collection() {
    let body = format!(
        "{START_TO_END}<bpmn:task id=\"t\"><bpmn:multiInstanceLoopCharacteristics /></bpmn:task>\
         <bpmn:task id=\"u\"><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection=\"items\" outputCollection=\"out\" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:task>"
    );
    let xml = resource(&body, "");
    assert_error(
        &xml,
        "t",
        "Must have exactly one 'zeebe:loopCharacteristics' extension element",
    );
    assert_error(&xml, "u", "found static value 'items'");
    assert_error(&xml, "u", "'outputCollection' and 'outputElement'");
}

#[test]
fn call_activity_without_called_element() {
    let body = format!("{START_TO_END}<bpmn:callActivity id=\"call\" />");
    assert_error(
        &resource(&body, ""),
        "call",
        "Must have exactly one 'zeebe:calledElement' extension element",
    );
}

#[test]
fn script_and_business_rule_tasks_need_an_implementation() {
    let body = format!(
        "{START_TO_END}<bpmn:scriptTask id=\"script\" /><bpmn:businessRuleTask id=\"rule\" />"
    );
    let xml = resource(&body, "");
    assert_error(
        &xml,
        "script",
        "Must have either one 'zeebe:script' or one 'zeebe:taskDefinition'",
    );
    assert_error(
        &xml,
        "rule",
        "Must have either one 'zeebe:calledDecision' or one 'zeebe:taskDefinition'",
    );
}

#[test]
fn message_throw_event_needs_a_job() {
    let body = format!(
        "{START_TO_END}<bpmn:intermediateThrowEvent id=\"throw\"><bpmn:messageEventDefinition messageRef=\"m\" /></bpmn:intermediateThrowEvent>"
    );
    assert_error(
        &resource(&body, r#"<bpmn:message id="m" name="n" />"#),
        "throw",
        "Must have exactly one 'zeebe:taskDefinition' extension element",
    );
}

#[test]
fn flows_into_start_and_out_of_end_events() {
    let body = format!(
        "{START_TO_END}<bpmn:sequenceFlow id=\"back\" sourceRef=\"end\" targetRef=\"start\" />"
    );
    let xml = resource(&body, "");
    assert_error(
        &xml,
        "start",
        "Start events must not have incoming sequence flows",
    );
    assert_error(
        &xml,
        "end",
        "End events must not have outgoing sequence flows",
    );
}

#[test]
fn sequence_flow_across_scopes() {
    let body = format!(
        "{START_TO_END}<bpmn:subProcess id=\"sub\"><bpmn:startEvent id=\"inner\" />\
         <bpmn:sequenceFlow id=\"out\" sourceRef=\"inner\" targetRef=\"end\" /></bpmn:subProcess>"
    );
    assert_error(&resource(&body, ""), "out", "not in the same flow scope");
}

#[test]
fn invalid_binding_type() {
    let body = format!(
        "{START_TO_END}<bpmn:callActivity id=\"call\"><bpmn:extensionElements><zeebe:calledElement processId=\"x\" bindingType=\"newest\" /></bpmn:extensionElements></bpmn:callActivity>"
    );
    assert_error(&resource(&body, ""), "call", "bindingType");
}

#[test]
fn malformed_xml_names_line_and_problem() {
    let xml = format!("{HEADER}\n<bpmn:process id=\"p\" isExecutable=\"true\">\n<bpmn:startEvent id=\"s\">\n</bpmn:process>\n</bpmn:definitions>");
    let Err(BpmnError::MalformedXml { position, message }) = parse_definitions(xml.as_bytes())
    else {
        panic!("expected malformed XML");
    };
    assert_eq!(position.line, 5, "{message}");
    let display = parse_definitions(xml.as_bytes()).unwrap_err().to_string();
    assert!(display.starts_with("malformed XML at line 5"), "{display}");
}

#[test]
fn not_bpmn_at_all() {
    let error = parse_definitions(b"{\"json\": true}").unwrap_err();
    assert!(matches!(error, BpmnError::MalformedXml { .. }), "{error}");
    let error = parse_definitions(b"<definitions/>").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("expected the root element 'definitions'"),
        "{error}"
    );
}

#[test]
fn duplicate_boundary_message_names_and_error_codes() {
    let body = format!(
        "{START_TO_END}<bpmn:task id=\"t\" />\
         <bpmn:boundaryEvent id=\"m1\" attachedToRef=\"t\"><bpmn:messageEventDefinition messageRef=\"msg\" /></bpmn:boundaryEvent>\
         <bpmn:boundaryEvent id=\"m2\" attachedToRef=\"t\"><bpmn:messageEventDefinition messageRef=\"msg\" /></bpmn:boundaryEvent>\
         <bpmn:boundaryEvent id=\"e1\" attachedToRef=\"t\"><bpmn:errorEventDefinition errorRef=\"err\" /></bpmn:boundaryEvent>\
         <bpmn:boundaryEvent id=\"e2\" attachedToRef=\"t\"><bpmn:errorEventDefinition errorRef=\"err\" /></bpmn:boundaryEvent>\
         <bpmn:boundaryEvent id=\"e3\" attachedToRef=\"t\"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>\
         <bpmn:boundaryEvent id=\"e4\" attachedToRef=\"t\"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>"
    );
    let roots = r#"<bpmn:message id="msg" name="cancel"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>
<bpmn:error id="err" errorCode="E1" />"#;
    let xml = resource(&body, roots);
    assert_error(
        &xml,
        "t",
        "Multiple message event definitions with the same name 'cancel' are not allowed.",
    );
    assert_error(
        &xml,
        "t",
        "Multiple error event definitions with the same errorCode 'E1' are not allowed.",
    );
    assert_error(
        &xml,
        "t",
        "Multiple error catch events without a code are not allowed.",
    );
}

#[test]
fn duplicate_message_start_events() {
    let body = r#"<bpmn:startEvent id="s1"><bpmn:messageEventDefinition messageRef="m1" /></bpmn:startEvent>
<bpmn:startEvent id="s2"><bpmn:messageEventDefinition messageRef="m2" /></bpmn:startEvent>"#;
    let roots = r#"<bpmn:message id="m1" name="go" /><bpmn:message id="m2" name="go" />"#;
    assert_error(
        &resource(body, roots),
        "p",
        "Multiple message event definitions with the same name 'go' are not allowed.",
    );
}

#[test]
fn non_interrupting_error_start_event() {
    let body = format!(
        "{START_TO_END}<bpmn:subProcess id=\"esp\" triggeredByEvent=\"true\"><bpmn:startEvent id=\"es\" isInterrupting=\"false\"><bpmn:errorEventDefinition /></bpmn:startEvent></bpmn:subProcess>"
    );
    assert_error(&resource(&body, ""), "es", "must be interrupting");
}

#[test]
fn camunda_user_task_form_is_a_form_id_or_an_external_reference() {
    let task = |form: &str| {
        resource(
            &format!(
                r#"<bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="review" />
<bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask />{form}</bpmn:extensionElements></bpmn:userTask>"#
            ),
            "",
        )
    };
    assert_error(
        &task(r#"<zeebe:formDefinition formKey="camunda-forms:bpmn:form1" />"#),
        "review",
        "Exactly one of the attributes 'formId, externalReference' must be present and not blank for native user tasks",
    );
    assert_valid(&task(
        r#"<zeebe:formDefinition externalReference="=url" />"#,
    ));
    assert_valid(&task(""));
}
