//! Log entries shaped like the ones the one-service-task benchmark process produces.
//!
//! The record sequences follow Zeebe's processing of that process (with follow-up commands
//! processed in the same round, as Hornet does): creating an instance writes the creation, the
//! variables of the payload, the process and start event lifecycle, the sequence flow, the
//! service task's activation and its job; completing the job writes the job completion and the
//! rest of the lifecycle up to the completed process.

use hornet_protocol::value::{
    JobRecord, ProcessInstanceCreationRecord, ProcessInstanceRecord, VariableRecord,
};
use hornet_protocol::{
    BpmnElementType, BpmnEventType, Document, DocumentError, JobIntent, Key, LogEntry, PartitionId,
    Position, ProcessInstanceCreationIntent, ProcessInstanceIntent, ProcessedBatch, Record,
    RecordKind, RecordValue, VariableIntent,
};

const PROCESS_ID: &str = "benchmark";
const JOB_TYPE: &str = "benchmark-task";
const TENANT: &str = "<default>";
/// A fixed timestamp: fixtures are identical on every run.
const TIMESTAMP: i64 = 1_700_000_000_000;

/// The keys one benchmark instance uses.
#[derive(Debug, Clone, Copy)]
struct InstanceKeys {
    definition: Key,
    instance: Key,
    start_event: Key,
    flow: Key,
    task: Key,
    exit_flow: Key,
    job: Key,
    end_event: Key,
    first_variable: u64,
}

impl InstanceKeys {
    fn new(partition: PartitionId, instance_number: u64) -> Self {
        // Each instance takes a block of 32 keys, as a key generator handing out consecutive
        // keys would.
        let base = 1_000 + instance_number * 32;
        let key = |offset: u64| Key::new(partition, base + offset);
        Self {
            definition: Key::new(partition, 1),
            instance: key(0),
            start_event: key(1),
            flow: key(2),
            task: key(3),
            job: key(4),
            end_event: key(5),
            exit_flow: key(6),
            first_variable: base + 16,
        }
    }
}

/// A JSON object of roughly `size` bytes with a few typed fields and a string filler, like the
/// load generator's payload.
pub fn payload(size: usize) -> Result<Document, DocumentError> {
    let head = r#"{"amount":123.45,"customerId":"customer-0001","express":true,"filler":""#;
    let tail = r#"","items":[1,2,3]}"#;
    let filler_length = size.saturating_sub(head.len() + tail.len());
    let filler: String = (b'a'..=b'z')
        .cycle()
        .take(filler_length)
        .map(char::from)
        .collect();
    Document::parse(&format!("{head}{filler}{tail}"))
}

fn element(
    keys: &InstanceKeys,
    element_id: &str,
    flow_scope: Key,
    element_type: BpmnElementType,
    event_type: BpmnEventType,
) -> ProcessInstanceRecord {
    ProcessInstanceRecord {
        bpmn_process_id: PROCESS_ID.into(),
        version: 1,
        process_definition_key: keys.definition,
        process_instance_key: keys.instance,
        element_id: element_id.into(),
        flow_scope_key: flow_scope,
        bpmn_element_type: element_type,
        bpmn_event_type: event_type,
        parent_process_instance_key: Key::NONE,
        parent_element_instance_key: Key::NONE,
        tenant_id: TENANT.into(),
    }
}

fn record(key: Key, kind: RecordKind, source: Position, value: RecordValue) -> Record {
    Record {
        position: Position::default(),
        source_position: Some(source),
        key,
        timestamp: TIMESTAMP,
        kind,
        request: None,
        value,
    }
}

fn job(keys: &InstanceKeys, variables: Document) -> JobRecord {
    JobRecord {
        job_type: JOB_TYPE.into(),
        retries: 3,
        variables,
        element_id: "task".into(),
        element_instance_key: keys.task,
        bpmn_process_id: PROCESS_ID.into(),
        process_definition_version: 1,
        process_definition_key: keys.definition,
        process_instance_key: keys.instance,
        tenant_id: TENANT.into(),
        ..JobRecord::empty()
    }
}

/// Process instance records from `(key, kind, intent, value)` steps.
fn lifecycle(
    source: Position,
    steps: &[(
        Key,
        RecordKind,
        ProcessInstanceIntent,
        &ProcessInstanceRecord,
    )],
) -> Vec<Record> {
    steps
        .iter()
        .map(|(key, kind, intent, value)| {
            record(
                *key,
                kind.clone(),
                source,
                RecordValue::ProcessInstance(*intent, (*value).clone()),
            )
        })
        .collect()
}

/// The batch written when instance number `instance_number` of the benchmark process is created
/// with `variables`, in response to the command at `source`.
pub fn instance_creation_batch(
    partition: PartitionId,
    instance_number: u64,
    source: Position,
    variables: &Document,
) -> LogEntry {
    use ProcessInstanceIntent::*;
    use RecordKind::{Command, Event};
    let keys = InstanceKeys::new(partition, instance_number);
    let process = element(
        &keys,
        PROCESS_ID,
        Key::NONE,
        BpmnElementType::Process,
        BpmnEventType::Unspecified,
    );
    let start = element(
        &keys,
        "start",
        keys.instance,
        BpmnElementType::StartEvent,
        BpmnEventType::None,
    );
    let flow = element(
        &keys,
        "to-task",
        keys.instance,
        BpmnElementType::SequenceFlow,
        BpmnEventType::Unspecified,
    );
    let task = element(
        &keys,
        "task",
        keys.instance,
        BpmnElementType::ServiceTask,
        BpmnEventType::Unspecified,
    );

    let mut records = Vec::new();
    // One variable per top-level field of the payload, in name order.
    for (offset, (name, value)) in variables.to_map().iter().enumerate() {
        records.push(record(
            Key::new(partition, keys.first_variable + offset as u64),
            Event,
            source,
            RecordValue::Variable(
                VariableIntent::Created,
                VariableRecord {
                    name: name.as_str().into(),
                    value: value.to_string(),
                    scope_key: keys.instance,
                    process_instance_key: keys.instance,
                    process_definition_key: keys.definition,
                    bpmn_process_id: PROCESS_ID.into(),
                    tenant_id: TENANT.into(),
                },
            ),
        ));
    }
    records.extend(lifecycle(
        source,
        &[
            (keys.instance, Event, ElementActivating, &process),
            (keys.instance, Event, ElementActivated, &process),
        ],
    ));
    records.push(record(
        keys.instance,
        Event,
        source,
        RecordValue::ProcessInstanceCreation(
            ProcessInstanceCreationIntent::Created,
            ProcessInstanceCreationRecord {
                bpmn_process_id: PROCESS_ID.into(),
                version: 1,
                process_definition_key: keys.definition,
                process_instance_key: keys.instance,
                variables: variables.clone(),
                fetch_variables: Vec::new(),
                start_instructions: Vec::new(),
                tenant_id: TENANT.into(),
            },
        ),
    ));
    records.extend(lifecycle(
        source,
        &[
            (keys.start_event, Command, ActivateElement, &start),
            (keys.start_event, Event, ElementActivating, &start),
            (keys.start_event, Event, ElementActivated, &start),
            (keys.start_event, Event, ElementCompleting, &start),
            (keys.start_event, Event, ElementCompleted, &start),
            (keys.flow, Event, SequenceFlowTaken, &flow),
            (keys.task, Command, ActivateElement, &task),
            (keys.task, Event, ElementActivating, &task),
            (keys.task, Event, ElementActivated, &task),
        ],
    ));
    records.push(record(
        keys.job,
        Event,
        source,
        RecordValue::Job(JobIntent::Created, Box::new(job(&keys, Document::empty()))),
    ));
    LogEntry::Processed(ProcessedBatch {
        last_processed: source,
        records,
    })
}

/// The batch written when the job of instance number `instance_number` is completed (without
/// variables) and the instance runs to its end, in response to the command at `source`.
pub fn job_completion_batch(
    partition: PartitionId,
    instance_number: u64,
    source: Position,
) -> LogEntry {
    use ProcessInstanceIntent::*;
    use RecordKind::{Command, Event};
    let keys = InstanceKeys::new(partition, instance_number);
    let process = element(
        &keys,
        PROCESS_ID,
        Key::NONE,
        BpmnElementType::Process,
        BpmnEventType::Unspecified,
    );
    let task = element(
        &keys,
        "task",
        keys.instance,
        BpmnElementType::ServiceTask,
        BpmnEventType::Unspecified,
    );
    let flow = element(
        &keys,
        "to-end",
        keys.instance,
        BpmnElementType::SequenceFlow,
        BpmnEventType::Unspecified,
    );
    let end = element(
        &keys,
        "end",
        keys.instance,
        BpmnElementType::EndEvent,
        BpmnEventType::None,
    );
    let mut records = vec![record(
        keys.job,
        Event,
        source,
        RecordValue::Job(
            JobIntent::Completed,
            Box::new(job(&keys, Document::empty())),
        ),
    )];
    records.extend(lifecycle(
        source,
        &[
            (keys.task, Command, CompleteElement, &task),
            (keys.task, Event, ElementCompleting, &task),
            (keys.task, Event, ElementCompleted, &task),
            (keys.exit_flow, Event, SequenceFlowTaken, &flow),
            (keys.end_event, Command, ActivateElement, &end),
            (keys.end_event, Event, ElementActivating, &end),
            (keys.end_event, Event, ElementActivated, &end),
            (keys.end_event, Event, ElementCompleting, &end),
            (keys.end_event, Event, ElementCompleted, &end),
            (keys.instance, Command, CompleteElement, &process),
            (keys.instance, Event, ElementCompleting, &process),
            (keys.instance, Event, ElementCompleted, &process),
        ],
    ));
    LogEntry::Processed(ProcessedBatch {
        last_processed: source,
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hornet_protocol::ValueType;

    #[test]
    fn payload_has_the_requested_size_and_is_an_object() {
        for size in [512, 4096] {
            let document = payload(size).unwrap();
            assert_eq!(document.as_str().len(), size);
            assert_eq!(document.to_map().len(), 5);
        }
    }

    #[test]
    fn creation_batch_reads_like_zeebe_and_round_trips() {
        let source = Position::new(7, 0);
        let entry = instance_creation_batch(PartitionId(1), 3, source, &payload(512).unwrap());
        let records = entry.records();
        let intents: Vec<_> = records
            .iter()
            .map(|r| format!("{}:{}", r.value_type(), r.intent_name()))
            .collect();
        assert_eq!(intents[..5], ["VARIABLE:CREATED"; 5]);
        assert_eq!(intents[5], "PROCESS_INSTANCE:ELEMENT_ACTIVATING");
        assert_eq!(intents[7], "PROCESS_INSTANCE_CREATION:CREATED");
        assert_eq!(intents.last().unwrap(), "JOB:CREATED");
        assert_eq!(records.len(), 18);
        assert!(records
            .iter()
            .all(|r| r.key.partition() == Some(PartitionId(1))));

        let bytes = entry.encode().unwrap();
        let decoded = LogEntry::decode(8, &bytes).unwrap();
        assert_eq!(decoded.records().len(), records.len());
        assert_eq!(decoded.records()[17].position, Position::new(8, 17));
        for (a, b) in decoded.records().iter().zip(records) {
            assert_eq!(a.value, b.value);
            assert_eq!(a.key, b.key);
        }
    }

    #[test]
    fn completion_batch_ends_with_the_completed_process() {
        let entry = job_completion_batch(PartitionId(2), 0, Position::new(9, 0));
        let records = entry.records();
        assert_eq!(records[0].value_type(), ValueType::Job);
        assert_eq!(records[0].intent_name(), "COMPLETED");
        let last = records.last().unwrap();
        assert_eq!(last.intent_name(), "ELEMENT_COMPLETED");
        match &last.value {
            RecordValue::ProcessInstance(_, value) => {
                assert_eq!(value.bpmn_element_type, BpmnElementType::Process)
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(LogEntry::decode(9, &entry.encode().unwrap()).is_ok());
    }
}
