//! Timer cycles given as cron expressions (Spring 5.3 syntax, UTC), as Zeebe 8.8 runs them.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

/// The harness starts at 2023-11-14T22:13:20Z.
const START: i64 = 1_700_000_000_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
/// 2023-11-14T23:00:00Z, the first full hour after the start.
const NEXT_HOUR: i64 = START + 46 * MINUTE + 40_000;

fn timers_created(records: &[Record]) -> Vec<(i64, i32)> {
    events_of(records, ValueType::Timer, "CREATED")
        .into_iter()
        .map(|r| match &r.value {
            RecordValue::Timer(_, t) => (t.due_date, t.repetitions),
            _ => unreachable!(),
        })
        .collect()
}

#[test]
fn a_cron_start_event_starts_an_instance_at_every_occurrence() {
    let xml = definitions(
        r#"<bpmn:process id="hourly" isExecutable="true">
    <bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeCycle>0 0 * * * *</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="tick" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="tick" /></bpmn:extensionElements></bpmn:serviceTask>
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    assert_eq!(h.now, START);
    let start = h.log.len();
    h.deploy("hourly.bpmn", &xml);
    // Due at the next full hour, repeating without end.
    assert_eq!(timers_created(&h.log[start..]), [(NEXT_HOUR, -1)]);
    assert_eq!(h.next_due(), Some(NEXT_HOUR));
    // Not due a millisecond early.
    h.advance(NEXT_HOUR - START - 1);
    assert!(h.run_due().is_empty());
    // Triggered a little late: the next occurrence follows the trigger time, on the hour.
    h.advance(1 + 5_000);
    let round = h.run_due();
    assert_eq!(
        events_of(&round, ValueType::Timer, "TRIGGERED").len(),
        1,
        "{:?}",
        describe(&round)
    );
    assert_eq!(timers_created(&round), [(NEXT_HOUR + HOUR, -1)]);
    h.advance(HOUR);
    let round = h.run_due();
    assert_eq!(timers_created(&round), [(NEXT_HOUR + 2 * HOUR, -1)]);
    assert_eq!(h.activate("tick", 10).len(), 2);
}

fn with_boundary(cycle: &str, interrupting: bool) -> String {
    definitions(&format!(
        r#"<bpmn:process id="remind" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="work" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="every" attachedToRef="work" cancelActivity="{interrupting}">
      <bpmn:timerEventDefinition><bpmn:timeCycle>{cycle}</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="every" targetRef="reminder" />
    <bpmn:serviceTask id="reminder"><bpmn:extensionElements><zeebe:taskDefinition type="reminder" /></bpmn:extensionElements></bpmn:serviceTask>
  </bpmn:process>"#
    ))
}

#[test]
fn a_non_interrupting_cron_boundary_fires_at_every_occurrence_until_the_task_ends() {
    let mut h = Harness::new();
    // Every ten minutes, given by an expression.
    h.deploy("remind.bpmn", &with_boundary("=cycle", false));
    let start = h.log.len();
    h.create("remind", r#"{"cycle": "0 */10 * * * *"}"#);
    // 22:13:20 → 22:20:00.
    let first = START + 6 * MINUTE + 40_000;
    assert_eq!(timers_created(&h.log[start..]), [(first, -1)]);
    h.advance(first - START);
    let round = h.run_due();
    assert_eq!(timers_created(&round), [(first + 10 * MINUTE, -1)]);
    h.advance(10 * MINUTE);
    h.run_due();
    assert_eq!(h.activate("reminder", 10).len(), 2);
    // The task completes: its timer goes with it.
    let work = h.activate("work", 1);
    let start = h.log.len();
    h.complete(work[0].0, "{}");
    assert_eq!(
        events_of(&h.log[start..], ValueType::Timer, "CANCELED").len(),
        1
    );
}

#[test]
fn an_interrupting_cron_boundary_fires_once() {
    let mut h = Harness::new();
    h.deploy("remind.bpmn", &with_boundary("@hourly", true));
    let start = h.log.len();
    h.create("remind", "{}");
    assert_eq!(timers_created(&h.log[start..]), [(NEXT_HOUR, -1)]);
    h.advance(NEXT_HOUR - START);
    let round = h.run_due();
    assert!(timers_created(&round).is_empty());
    assert!(lifecycle(&round).contains(&"ELEMENT_TERMINATED work".to_string()));
    assert_eq!(h.activate("reminder", 10).len(), 1);
}

#[test]
fn a_cron_cycle_that_never_occurs_is_due_at_once_without_repetitions() {
    // As Zeebe's CronTimer: 30 February never comes, so the timer is due immediately and fires once.
    let mut h = Harness::new();
    h.deploy("remind.bpmn", &with_boundary("0 0 0 30 2 *", false));
    let start = h.log.len();
    h.create("remind", "{}");
    assert_eq!(timers_created(&h.log[start..]), [(START, 0)]);
    let round = h.run_due();
    assert_eq!(events_of(&round, ValueType::Timer, "TRIGGERED").len(), 1);
    assert!(timers_created(&round).is_empty());
    assert_eq!(h.next_due(), None);
}

#[test]
fn an_invalid_cron_expression_is_an_incident_or_a_rejected_deployment() {
    let mut h = Harness::new();
    h.deploy("remind.bpmn", &with_boundary("=cycle", false));
    let start = h.log.len();
    h.create("remind", r#"{"cycle": "0 0 25 * * *"}"#);
    let incidents = events_of(&h.log[start..], ValueType::Incident, "CREATED");
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        unreachable!()
    };
    assert_eq!(
        incident.error_message,
        "Expected a valid timer cycle (R[n]/<duration> or a cron expression), but found '0 0 25 * * *'"
    );
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::Deployment(
            DeploymentIntent::Create,
            DeploymentRecord {
                resources: vec![DeploymentResource {
                    resource_name: "bad.bpmn".into(),
                    resource: bytes::Bytes::from(
                        with_boundary("0 0 * * *", false)
                            .replace("\"remind\"", "\"bad\"")
                            .into_bytes(),
                    ),
                }],
                ..Default::default()
            },
        ),
    );
    let reason = &h.response(request).unwrap().rejection().unwrap().reason;
    assert!(
        reason.contains("Element: every") && reason.contains("timer cycle '0 0 * * *'"),
        "{reason}"
    );
}
