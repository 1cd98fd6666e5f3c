//! A seeded random walk over many processes and commands: processing never fails, never panics, and the
//! replica that only applies events stays byte-identical to the leader after every round (checked by the
//! harness); at the end, cancelling everything leaves no instance state behind.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

/// A small deterministic generator (64-bit LCG), so the walk is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn processes() -> Vec<(&'static str, String)> {
    let with_everything = definitions(
        r#"<bpmn:error id="err" errorCode="E" />
  <bpmn:message id="msg" name="poke"><bpmn:extensionElements><zeebe:subscription correlationKey="=key" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="all" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="fa" sourceRef="fork" targetRef="a" />
    <bpmn:sequenceFlow id="fb" sourceRef="fork" targetRef="sub" />
    <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="a" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="a-error" attachedToRef="a"><bpmn:errorEventDefinition errorRef="err" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="fe" sourceRef="a-error" targetRef="join" />
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="s-start" />
      <bpmn:sequenceFlow id="s1" sourceRef="s-start" targetRef="b" />
      <bpmn:serviceTask id="b"><bpmn:extensionElements><zeebe:taskDefinition type="b" /></bpmn:extensionElements>
        <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1,2]" inputElement="n" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>
      </bpmn:serviceTask>
      <bpmn:sequenceFlow id="s2" sourceRef="b" targetRef="wait" />
      <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="msg" /></bpmn:intermediateCatchEvent>
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="sub-timeout" attachedToRef="sub" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration>PT30S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="ft" sourceRef="sub-timeout" targetRef="late" />
    <bpmn:endEvent id="late" />
    <bpmn:sequenceFlow id="fa2" sourceRef="a" targetRef="join" />
    <bpmn:sequenceFlow id="fb2" sourceRef="sub" targetRef="xor" />
    <bpmn:exclusiveGateway id="xor" default="fd" />
    <bpmn:sequenceFlow id="fc" sourceRef="xor" targetRef="join"><bpmn:conditionExpression>= key != "k0"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fd" sourceRef="xor" targetRef="stop" />
    <bpmn:endEvent id="stop"><bpmn:terminateEventDefinition /></bpmn:endEvent>
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="fz" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    );
    vec![("all", with_everything), ("one", one_task("one", "a"))]
}

#[test]
fn random_walk_keeps_replicas_identical_and_never_fails() {
    let mut h = Harness::new();
    for (id, xml) in processes() {
        h.deploy(&format!("{id}.bpmn"), &xml);
    }
    let mut rng = Lcg(42);
    let mut instances = Vec::new();
    for _ in 0..600 {
        match rng.below(10) {
            0 | 1 => {
                let id = if rng.below(2) == 0 { "all" } else { "one" };
                let key = format!("k{}", rng.below(4));
                instances.push(h.create(id, &format!(r#"{{"key": "{key}"}}"#)));
            }
            2 | 3 => {
                let job_type = ["a", "b"][rng.below(2) as usize];
                let jobs = h.activate(job_type, 1 + rng.below(3) as i32);
                for (job, _) in jobs {
                    match rng.below(6) {
                        0 => {
                            h.job_command(JobIntent::Fail, job, |j| {
                                j.retries = rng.below(2) as i32
                            });
                        }
                        1 => {
                            h.job_command(JobIntent::ThrowError, job, |j| {
                                j.error_code = "E".into()
                            });
                        }
                        _ => {
                            h.complete(job, r#"{"done": true}"#);
                        }
                    }
                }
            }
            4 => {
                let key = format!("k{}", rng.below(4));
                h.command(
                    Key::NONE,
                    RecordValue::Message(
                        MessageIntent::Publish,
                        MessageRecord {
                            name: "poke".into(),
                            correlation_key: key,
                            time_to_live: (rng.below(3) * 10_000) as i64,
                            message_id: String::new(),
                            variables: Document::empty(),
                            deadline: -1,
                            tenant_id: String::new(),
                        },
                    ),
                );
            }
            5 => {
                h.advance((rng.below(4) * 15_000) as i64);
                h.run_due();
            }
            6 if !instances.is_empty() => {
                let pi = instances[rng.below(instances.len() as u64) as usize];
                h.command(
                    pi,
                    RecordValue::ProcessInstance(
                        ProcessInstanceIntent::Cancel,
                        empty_instance_record(),
                    ),
                );
            }
            7 => {
                // Resolve some open incident after giving its job retries.
                let open: Vec<(Key, IncidentRecord)> = h
                    .log
                    .iter()
                    .filter_map(|r| match &r.value {
                        RecordValue::Incident(IncidentIntent::Created, i)
                            if matches!(r.kind, RecordKind::Event) =>
                        {
                            Some((r.key, (**i).clone()))
                        }
                        _ => None,
                    })
                    .collect();
                if let Some((key, incident)) = open.last().cloned() {
                    if !incident.job_key.is_none() {
                        h.job_command(JobIntent::UpdateRetries, incident.job_key, |j| {
                            j.retries = 1
                        });
                    }
                    h.command(
                        key,
                        RecordValue::Incident(IncidentIntent::Resolve, Box::new(incident)),
                    );
                }
            }
            _ => {
                let job_type = ["a", "b"][rng.below(2) as usize];
                for (job, _) in h.activate(job_type, 5) {
                    h.complete(job, "{}");
                }
            }
        }
    }
    // Cancel what is left; nothing of any instance remains in state (buffered messages may).
    for pi in instances {
        h.command(
            pi,
            RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, empty_instance_record()),
        );
    }
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| (0x10..0x60).contains(&k[0]) || matches!(k[0], 0x64 | 0x65 | 0x68..=0x6B))
        .map(|(k, _)| k[0])
        .collect();
    assert!(
        leftovers.is_empty(),
        "state left behind in columns {leftovers:x?}"
    );
    assert!(
        h.log.len() > 5_000,
        "the walk did something: {} records",
        h.log.len()
    );
}
