//! Writes the seed corpus of the `log_entry_decode` target: real encoded log entries (a
//! processed batch of events and a rejection, and a batch of client commands), each prefixed
//! with its Raft index as 8 little-endian bytes, which is the input layout the target expects.
//!
//! `cargo run --example log_entry_seeds -- corpus/log_entry_decode`

use hornet_protocol::value::JobRecord;
use hornet_protocol::{
    Document, JobIntent, Key, LogEntry, PartitionId, Position, ProcessedBatch, Record, RecordKind,
    RecordValue, Rejection, RejectionType, RequestRef,
};
use std::path::PathBuf;

fn job(job_type: &str) -> Result<JobRecord, Box<dyn std::error::Error>> {
    Ok(JobRecord {
        job_type: job_type.into(),
        worker: "worker-1".into(),
        retries: 3,
        retry_backoff: 0,
        recurring_time: -1,
        deadline: -1,
        timeout: 30_000,
        error_message: String::new(),
        error_code: String::new(),
        custom_headers: [("k".to_string(), "v".to_string())].into(),
        variables: Document::parse(r#"{"x":1,"items":[1,"a",null,{"b":true}]}"#)?,
        element_id: "task".into(),
        element_instance_key: Key::new(PartitionId(1), 2),
        bpmn_process_id: "order".into(),
        process_definition_version: 1,
        process_definition_key: Key::new(PartitionId(1), 1),
        process_instance_key: Key::new(PartitionId(1), 3),
        tenant_id: "<default>".into(),
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: log_entry_seeds <corpus dir>")?,
    );
    std::fs::create_dir_all(&dir)?;

    let event = Record {
        position: Position::default(),
        source_position: Some(Position::new(3, 0)),
        key: Key::new(PartitionId(1), 9),
        timestamp: 1_700_000_000_000,
        kind: RecordKind::Event,
        request: None,
        value: RecordValue::Job(JobIntent::Created, job("payment")?),
    };
    let rejection = Record {
        kind: RecordKind::Rejection(Rejection {
            kind: RejectionType::NotFound,
            reason: "no job with key 9".into(),
        }),
        request: Some(RequestRef { node: 1, id: 42 }),
        value: RecordValue::Job(JobIntent::Complete, job("payment")?),
        ..event.clone()
    };
    let mut command = Record::command(
        Key::new(PartitionId(2), 7),
        RecordValue::Job(JobIntent::Complete, job("ship")?),
    );
    command.request = Some(RequestRef { node: 3, id: 1 });

    let entries = [
        (
            "processed",
            5u64,
            LogEntry::Processed(ProcessedBatch {
                last_processed: Position::new(3, 0),
                records: vec![event, rejection],
            }),
        ),
        ("commands", 1, LogEntry::Commands(vec![command])),
        ("empty-commands", 2, LogEntry::Commands(Vec::new())),
    ];
    for (name, index, entry) in entries {
        let mut bytes = index.to_le_bytes().to_vec();
        bytes.extend(entry.encode()?);
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}
