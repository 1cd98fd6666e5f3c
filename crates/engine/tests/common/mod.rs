//! Scenario test harness: a leader engine that processes commands and a replica engine that only
//! applies the committed events; after every round both stores must be byte-identical.

#![allow(dead_code)]

pub mod cluster;

use hornet_engine::job_streams::{JobStreamId, JobStreams};
use hornet_engine::kv::MemKv;
use hornet_engine::{Engine, EngineConfig, Outbound, Processed, Response};
use hornet_protocol::value::*;
use hornet_protocol::*;
use std::collections::VecDeque;

pub const PARTITION: PartitionId = PartitionId(1);

pub struct Harness {
    leader: Engine,
    replica: Engine,
    pub leader_state: MemKv,
    pub replica_state: MemKv,
    /// Every record in log order (commands as written, then the round's records).
    pub log: Vec<Record>,
    pub responses: Vec<Response>,
    pub jobs_available: Vec<String>,
    /// Jobs the leader activated for job streams, in the order the rounds produced them.
    pub pushed: Vec<(JobStreamId, PushedJob)>,
    /// Commands for other partitions, in the order the rounds produced them.
    pub outbound: Vec<Outbound>,
    pub now: i64,
    next_index: u64,
    next_request: u64,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    pub fn new() -> Harness {
        Harness::partition(PARTITION, 1)
    }

    /// Partition `partition_id` of a cluster with `partition_count` partitions.
    pub fn partition(partition_id: PartitionId, partition_count: u16) -> Harness {
        let config = EngineConfig {
            partition_id,
            partition_count,
        };
        Harness {
            leader: Engine::new(config),
            replica: Engine::new(config),
            leader_state: MemKv::new(),
            replica_state: MemKv::new(),
            log: Vec::new(),
            responses: Vec::new(),
            jobs_available: Vec::new(),
            pushed: Vec::new(),
            outbound: Vec::new(),
            now: 1_700_000_000_000,
            next_index: 1,
            next_request: 1,
        }
    }

    /// A harness whose leader pushes jobs to `streams`; its replica only applies events, as always.
    pub fn with_job_streams(streams: std::sync::Arc<dyn JobStreams>) -> Harness {
        let mut harness = Harness::new();
        let config = harness.leader.config();
        harness.leader = Engine::new(config).with_job_streams(streams);
        harness
    }

    pub fn advance(&mut self, millis: i64) {
        self.now += millis;
    }

    /// Writes `command` to the log, processes it (and any follow-ups handed back), applies the events to
    /// the replica and checks that both states are identical. Returns the records of the round(s).
    pub fn write(&mut self, mut command: Record) -> Vec<Record> {
        let mut pending = VecDeque::new();
        command.timestamp = self.now;
        pending.push_back(command);
        let mut out = Vec::new();
        while let Some(mut command) = pending.pop_front() {
            command.position = Position::new(self.next_index, 0);
            self.next_index += 1;
            self.log.push(command.clone());
            let processed: Processed = self
                .leader
                .process(&self.leader_state, &command)
                .expect("processing failed");
            self.leader_state.apply(&processed.writes);
            let index = self.next_index;
            self.next_index += 1;
            for (offset, mut record) in processed.records.into_iter().enumerate() {
                record.position = Position::new(index, offset);
                assert_eq!(record.source_position, Some(command.position));
                assert_eq!(record.timestamp, command.timestamp);
                if matches!(record.kind, RecordKind::Event) {
                    self.replica
                        .apply(&mut self.replica_state, &record)
                        .expect("applying failed");
                }
                self.log.push(record.clone());
                out.push(record);
            }
            assert!(
                self.leader_state == self.replica_state,
                "leader and replica state differ after {} {}",
                command.value_type(),
                command.intent_name()
            );
            self.responses.extend(processed.responses);
            self.jobs_available.extend(processed.jobs_available);
            self.pushed.extend(processed.pushed);
            self.outbound.extend(processed.outbound);
            for mut follow_up in processed.follow_ups {
                follow_up.timestamp = self.now;
                pending.push_back(follow_up);
            }
        }
        self.assert_no_orphaned_event_triggers();
        out
    }

    /// An event trigger lives only as long as the element instance it is keyed by; the appliers skip
    /// the deletion for elements they know cannot hold one, and this catches a wrong guess in every
    /// scenario (a trigger that outlives its instance is never read again, only kept).
    fn assert_no_orphaned_event_triggers(&self) {
        use hornet_engine::state::element_instances;
        let holders = element_instances::holding_event_triggers(&self.leader_state)
            .expect("scanning event triggers failed");
        for key in holders {
            let instance = element_instances::get_instance(&self.leader_state, key)
                .expect("reading an element instance failed");
            assert!(
                instance.is_some(),
                "the event trigger of element instance {key:?} outlived the instance"
            );
        }
    }

    /// Like [`Harness::write`], with a client request attached; returns the request.
    pub fn request(&mut self, key: Key, value: RecordValue) -> (RequestRef, Vec<Record>) {
        let request = RequestRef {
            node: 1,
            id: self.next_request,
        };
        self.next_request += 1;
        let mut command = Record::command(key, value);
        command.request = Some(request);
        let records = self.write(command);
        (request, records)
    }

    pub fn response(&self, request: RequestRef) -> Option<&Record> {
        self.responses
            .iter()
            .find(|r| r.request == request)
            .map(|r| &r.record)
    }

    pub fn command(&mut self, key: Key, value: RecordValue) -> Vec<Record> {
        self.request(key, value).1
    }

    pub fn deploy(&mut self, name: &str, xml: &str) -> Record {
        let (request, _) = self.request(
            Key::NONE,
            RecordValue::Deployment(
                DeploymentIntent::Create,
                DeploymentRecord {
                    resources: vec![DeploymentResource {
                        resource_name: name.to_string(),
                        resource: bytes::Bytes::from(xml.as_bytes().to_vec()),
                    }],
                    ..Default::default()
                },
            ),
        );
        let response = self.response(request).expect("deployment answered").clone();
        assert!(
            response.rejection().is_none(),
            "deployment rejected: {:?}",
            response.rejection()
        );
        response
    }

    pub fn creation(id: &str, variables: &str) -> ProcessInstanceCreationRecord {
        ProcessInstanceCreationRecord {
            bpmn_process_id: id.to_string(),
            version: -1,
            process_definition_key: Key::NONE,
            process_instance_key: Key::NONE,
            variables: Document::parse(variables).unwrap(),
            fetch_variables: vec![],
            start_instructions: vec![],
            tenant_id: String::new(),
        }
    }

    /// PROCESS_INSTANCE CANCEL for `instance`; returns the round's records.
    pub fn cancel(&mut self, instance: Key) -> Vec<Record> {
        self.command(
            instance,
            RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, empty_instance_record()),
        )
    }

    /// Creates an instance of the latest version of `id`; returns the process instance key.
    pub fn create(&mut self, id: &str, variables: &str) -> Key {
        let (request, _) = self.request(
            Key::NONE,
            RecordValue::ProcessInstanceCreation(
                ProcessInstanceCreationIntent::Create,
                Self::creation(id, variables),
            ),
        );
        let response = self.response(request).expect("creation answered");
        assert!(
            response.rejection().is_none(),
            "creation rejected: {response:?}"
        );
        response.key
    }

    pub fn activate(&mut self, job_type: &str, max: i32) -> Vec<(Key, JobRecord)> {
        let (request, _) = self.request(
            Key::NONE,
            RecordValue::JobBatch(
                JobBatchIntent::Activate,
                Box::new(JobBatchRecord {
                    job_type: job_type.to_string(),
                    worker: "test-worker".to_string(),
                    timeout: 60_000,
                    max_jobs_to_activate: max,
                    fetch_variables: vec![],
                    tenant_ids: vec![],
                    job_keys: vec![],
                    jobs: vec![],
                    truncated: false,
                }),
            ),
        );
        match &self.response(request).expect("activation answered").value {
            RecordValue::JobBatch(JobBatchIntent::Activated, batch) => batch
                .job_keys
                .iter()
                .copied()
                .zip(batch.jobs.iter().cloned())
                .collect(),
            other => panic!("unexpected activation answer {other:?}"),
        }
    }

    pub fn job_command(
        &mut self,
        intent: JobIntent,
        key: Key,
        edit: impl FnOnce(&mut JobRecord),
    ) -> Record {
        let mut job = empty_job();
        edit(&mut job);
        let (request, _) = self.request(key, RecordValue::Job(intent, Box::new(job)));
        self.response(request)
            .expect("job command answered")
            .clone()
    }

    pub fn complete(&mut self, key: Key, variables: &str) -> Record {
        self.job_command(JobIntent::Complete, key, |job| {
            job.variables = Document::parse(variables).unwrap()
        })
    }

    /// Processes every due command at the current time.
    pub fn run_due(&mut self) -> Vec<Record> {
        let due = self
            .leader
            .due_commands(&self.leader_state, self.now, 100)
            .unwrap();
        let mut out = Vec::new();
        for command in due {
            out.extend(self.write(command));
        }
        out
    }

    /// Both engines forget their parsed processes (as after a snapshot install).
    /// What the leader would re-send (checked against the replica, which must agree).
    pub fn pending_outbound(&mut self) -> Vec<Outbound> {
        let leader = self.leader.pending_outbound(&self.leader_state).unwrap();
        let replica = self.replica.pending_outbound(&self.replica_state).unwrap();
        assert_eq!(leader, replica);
        leader
    }

    /// Takes the outbound commands produced so far.
    pub fn take_outbound(&mut self) -> Vec<Outbound> {
        std::mem::take(&mut self.outbound)
    }

    pub fn clear_caches(&mut self) {
        self.leader.clear_caches();
        self.replica.clear_caches();
    }

    pub fn due(&mut self, limit: usize) -> Vec<Record> {
        self.leader
            .due_commands(&self.leader_state, self.now, limit)
            .unwrap()
    }

    pub fn next_due(&mut self) -> Option<i64> {
        self.leader.next_due(&self.leader_state).unwrap()
    }
}

/// The value of a command addressed by an instance key alone (PROCESS_INSTANCE CANCEL).
pub fn empty_instance_record() -> ProcessInstanceRecord {
    ProcessInstanceRecord {
        bpmn_process_id: Default::default(),
        version: -1,
        process_definition_key: Key::NONE,
        process_instance_key: Key::NONE,
        element_id: Default::default(),
        flow_scope_key: Key::NONE,
        bpmn_element_type: BpmnElementType::Unspecified,
        bpmn_event_type: BpmnEventType::Unspecified,
        parent_process_instance_key: Key::NONE,
        parent_element_instance_key: Key::NONE,
        tenant_id: Default::default(),
    }
}

pub fn empty_job() -> JobRecord {
    JobRecord {
        retries: 0,
        process_definition_version: 0,
        ..JobRecord::empty()
    }
}

/// `(record type, value type, intent, element id)` of process instance records, and
/// `(record type, value type, intent, "")` of the others.
pub fn describe(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            let kind = match r.kind {
                RecordKind::Command => "C",
                RecordKind::Event => "E",
                RecordKind::Rejection(_) => "R",
            };
            match &r.value {
                RecordValue::ProcessInstance(_, v) => {
                    format!("{kind} {} {}", r.intent_name(), v.element_id)
                }
                RecordValue::Variable(_, v) => {
                    format!("{kind} VARIABLE {} {}", r.intent_name(), v.name)
                }
                other => format!("{kind} {} {}", other.value_type().as_str(), r.intent_name()),
            }
        })
        .collect()
}

/// Only the process instance records, as "INTENT element".
pub fn lifecycle(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::ProcessInstance(_, v) => {
                Some(format!("{} {}", r.intent_name(), v.element_id))
            }
            _ => None,
        })
        .collect()
}

pub fn rejection(records: &[Record]) -> Option<(RejectionType, String)> {
    records
        .iter()
        .find_map(|r| r.rejection().map(|rej| (rej.kind, rej.reason.clone())))
}

pub fn events_of<'a>(
    records: &'a [Record],
    value_type: ValueType,
    intent: &str,
) -> Vec<&'a Record> {
    records
        .iter()
        .filter(|r| {
            matches!(r.kind, RecordKind::Event)
                && r.value_type() == value_type
                && r.intent_name() == intent
        })
        .collect()
}

/// A BPMN definitions document around `body`.
pub fn definitions(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
{body}
</bpmn:definitions>"#
    )
}

/// start -> task (job type `job_type`) -> end.
pub fn one_task(process_id: &str, job_type: &str) -> String {
    definitions(&format!(
        r#"<bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="{job_type}" retries="3" />
        <zeebe:taskHeaders><zeebe:header key="h" value="v" /></zeebe:taskHeaders>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>"#
    ))
}
