//! Job worker user tasks: assignment, schedule and form as job headers.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;
use std::collections::BTreeMap;

fn user_task(extensions: &str) -> String {
    definitions(&format!(
        r#"<bpmn:process id="review" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task">
      <bpmn:extensionElements>{extensions}</bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#
    ))
}

/// The headers of the user task job created for `variables`, or the incident message.
fn headers_of(extensions: &str, variables: &str) -> Result<BTreeMap<String, String>, String> {
    let mut h = Harness::new();
    h.deploy("review.bpmn", &user_task(extensions));
    let start = h.log.len();
    h.create("review", variables);
    let round = &h.log[start..];
    if let Some(incident) = events_of(round, ValueType::Incident, "CREATED").first() {
        let RecordValue::Incident(_, incident) = &incident.value else {
            unreachable!()
        };
        assert_eq!(incident.error_type, ErrorType::ExtractValueError);
        return Err(incident.error_message.clone());
    }
    let jobs = events_of(round, ValueType::Job, "CREATED");
    let RecordValue::Job(_, job) = &jobs[0].value else {
        unreachable!()
    };
    assert_eq!(job.job_type, "io.camunda.zeebe:userTask");
    Ok(job.custom_headers.clone())
}

fn map(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn static_assignment_schedule_and_form_key_become_headers() {
    let headers = headers_of(
        r#"<zeebe:assignmentDefinition assignee="demo" candidateGroups="claims, audit" candidateUsers="ann,bob" />
           <zeebe:taskSchedule dueDate="2025-03-02T15:35:00+02:00" followUpDate="2025-03-01T09:00:30.5Z" />
           <zeebe:formDefinition formKey="camunda-forms:bpmn:form1" />
           <zeebe:taskHeaders><zeebe:header key="team" value="blue" /></zeebe:taskHeaders>"#,
        "{}",
    );
    assert_eq!(
        headers.unwrap(),
        map(&[
            ("io.camunda.zeebe:assignee", "demo"),
            ("io.camunda.zeebe:candidateGroups", r#"["claims","audit"]"#),
            ("io.camunda.zeebe:candidateUsers", r#"["ann","bob"]"#),
            // java.time's toString(): no zero seconds, milliseconds as three digits.
            ("io.camunda.zeebe:dueDate", "2025-03-02T15:35+02:00"),
            ("io.camunda.zeebe:followUpDate", "2025-03-01T09:00:30.500Z"),
            ("io.camunda.zeebe:formKey", "camunda-forms:bpmn:form1"),
            ("team", "blue"),
        ])
    );
}

#[test]
fn expressions_are_evaluated_in_the_task_scope() {
    let headers = headers_of(
        r#"<zeebe:assignmentDefinition assignee="=reviewer" candidateGroups="=append(groups, groups2)" candidateUsers="=[reviewer, &quot;x&quot;]" />
           <zeebe:taskSchedule dueDate="=date and time(&quot;2025-03-02T10:00:00@Europe/Berlin&quot;)" followUpDate="=followUp" />
           <zeebe:ioMapping><zeebe:input source="=&quot;team-&quot; + team" target="groups2" /></zeebe:ioMapping>"#,
        r#"{"reviewer": "ada", "groups": ["g1"], "followUp": "2025-03-01T08:00:00-05:00", "team": "t"}"#,
    );
    assert_eq!(
        headers.unwrap(),
        map(&[
            ("io.camunda.zeebe:assignee", "ada"),
            ("io.camunda.zeebe:candidateGroups", r#"["g1","team-t"]"#),
            ("io.camunda.zeebe:candidateUsers", r#"["ada","x"]"#),
            (
                "io.camunda.zeebe:dueDate",
                "2025-03-02T10:00+01:00[Europe/Berlin]"
            ),
            ("io.camunda.zeebe:followUpDate", "2025-03-01T08:00-05:00"),
        ])
    );
}

#[test]
fn null_or_empty_values_leave_their_header_out() {
    let headers = headers_of(
        r#"<zeebe:assignmentDefinition assignee="=reviewer" candidateGroups="=[]" />
           <zeebe:taskSchedule dueDate="=null" followUpDate="=emptyDate" />"#,
        r#"{"reviewer": "", "emptyDate": ""}"#,
    );
    // An empty list is still a list literal, as in Zeebe.
    assert_eq!(
        headers.unwrap(),
        map(&[("io.camunda.zeebe:candidateGroups", "[]")])
    );
}

#[test]
fn a_local_date_time_is_taken_as_utc() {
    let headers = headers_of(
        r#"<zeebe:taskSchedule dueDate="=date and time(&quot;2025-03-02T10:00:00&quot;)" />"#,
        "{}",
    );
    assert_eq!(
        headers.unwrap(),
        map(&[("io.camunda.zeebe:dueDate", "2025-03-02T10:00Z")])
    );
}

#[test]
fn values_of_the_wrong_kind_are_incidents() {
    for (extensions, message) in [
        (
            r#"<zeebe:assignmentDefinition assignee="=count" />"#,
            "Expected result of the expression 'count' to be 'STRING', but was 'NUMBER'.",
        ),
        (
            r#"<zeebe:assignmentDefinition candidateGroups="=count" />"#,
            "Expected result of the expression 'count' to be 'ARRAY', but was 'NUMBER'.",
        ),
        (
            r#"<zeebe:assignmentDefinition candidateUsers="=[&quot;a&quot;, count]" />"#,
            "Expected result of the expression '[\"a\", count]' to be 'ARRAY' containing 'STRING' items, \
             but was 'ARRAY' containing at least one non-'STRING' item.",
        ),
        (
            r#"<zeebe:taskSchedule dueDate="next week" />"#,
            "Invalid date-time format 'next week' for expression 'next week'.",
        ),
        (
            r#"<zeebe:taskSchedule followUpDate="=local" />"#,
            "Invalid date-time format '2025-03-02T10:00:00' for expression 'local'.",
        ),
        (
            r#"<zeebe:taskSchedule dueDate="=count" />"#,
            "Expected result of the expression 'count' to be one of '[NULL, DATE_TIME, STRING]', but was 'NUMBER'.",
        ),
    ] {
        assert_eq!(
            headers_of(extensions, r#"{"count": 3, "local": "2025-03-02T10:00:00"}"#),
            Err(message.to_string()),
            "{extensions}"
        );
    }
}

#[test]
fn a_form_referenced_by_id_is_rejected_at_deployment() {
    let mut h = Harness::new();
    let xml = user_task(r#"<zeebe:formDefinition formId="review-form" />"#);
    let records = h.command(
        Key::NONE,
        RecordValue::Deployment(
            DeploymentIntent::Create,
            DeploymentRecord {
                resources: vec![DeploymentResource {
                    resource_name: "review.bpmn".into(),
                    resource: bytes::Bytes::from(xml.into_bytes()),
                }],
                ..Default::default()
            },
        ),
    );
    let (kind, reason) = rejection(&records).expect("rejected");
    assert_eq!(kind, RejectionType::InvalidArgument);
    assert!(
        reason.contains(
            "Element: task\n    - ERROR: a user task form referenced by formId (zeebe:formDefinition formId) is not supported by Hornet yet"
        ),
        "{reason}"
    );
}
