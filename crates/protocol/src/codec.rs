//! The partition log's entry encoding.
//!
//! One Raft entry holds one [`LogEntry`]. Records do not store their position: it follows from the entry's
//! Raft index and the record's offset, assigned on decoding, so every replica derives the same positions.

use crate::key::Position;
use crate::record::Record;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("cannot encode log entry: {0}")]
    Encode(postcard::Error),
    #[error("cannot decode log entry at index {index}: {source}")]
    Decode { index: u64, source: postcard::Error },
    #[error("log entry holds {0} records, more than the {max} allowed", max = Position::MAX_RECORDS_PER_ENTRY)]
    TooManyRecords(usize),
}

/// What a processing round produced: events, rejections and processed follow-up commands, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessedBatch {
    /// The highest position of a command processed in this round; replicas record it so that a new leader
    /// knows where to carry on.
    pub last_processed: Position,
    pub records: Vec<Record>,
}

/// One entry of the partition log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LogEntry {
    /// Commands to process (from clients, timers, other partitions).
    Commands(Vec<Record>),
    /// The outcome of processing committed commands.
    Processed(ProcessedBatch),
}

impl LogEntry {
    pub fn records(&self) -> &[Record] {
        match self {
            LogEntry::Commands(records) => records,
            LogEntry::Processed(batch) => &batch.records,
        }
    }

    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        let count = self.records().len();
        if count > Position::MAX_RECORDS_PER_ENTRY {
            return Err(CodecError::TooManyRecords(count));
        }
        postcard::to_allocvec(self).map_err(CodecError::Encode)
    }

    /// Decodes the entry at Raft index `index` and assigns its records' positions.
    pub fn decode(index: u64, bytes: &[u8]) -> Result<LogEntry, CodecError> {
        let mut entry: LogEntry =
            postcard::from_bytes(bytes).map_err(|source| CodecError::Decode { index, source })?;
        let records = match &mut entry {
            LogEntry::Commands(records) => records,
            LogEntry::Processed(batch) => &mut batch.records,
        };
        // Positions hold the offset in 20 bits; an entry this large was never written by Hornet.
        if records.len() > Position::MAX_RECORDS_PER_ENTRY {
            return Err(CodecError::TooManyRecords(records.len()));
        }
        for (offset, record) in records.iter_mut().enumerate() {
            record.position = Position::new(index, offset);
        }
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::*;
    use crate::*;

    fn job_created(key: Key) -> Record {
        let job = JobRecord {
            job_type: "payment".into(),
            worker: String::new(),
            retries: 3,
            retry_backoff: 0,
            recurring_time: -1,
            deadline: -1,
            timeout: -1,
            error_message: String::new(),
            error_code: String::new(),
            custom_headers: [("k".to_string(), "v".to_string())].into(),
            variables: Document::parse(r#"{"x":1}"#).unwrap(),
            element_id: "task".into(),
            element_instance_key: Key::new(PartitionId(1), 2),
            bpmn_process_id: "order".into(),
            process_definition_version: 1,
            process_definition_key: Key::new(PartitionId(1), 1),
            process_instance_key: Key::new(PartitionId(1), 3),
            tenant_id: "<default>".into(),
        };
        Record {
            position: Position::default(),
            source_position: Some(Position::new(3, 0)),
            key,
            timestamp: 1_700_000_000_000,
            kind: RecordKind::Event,
            request: None,
            value: RecordValue::Job(JobIntent::Created, job),
        }
    }

    #[test]
    fn round_trip_assigns_positions() {
        let entry = LogEntry::Processed(ProcessedBatch {
            last_processed: Position::new(3, 0),
            records: vec![
                job_created(Key::new(PartitionId(1), 9)),
                job_created(Key::new(PartitionId(1), 10)),
            ],
        });
        let bytes = entry.encode().unwrap();
        let back = LogEntry::decode(5, &bytes).unwrap();
        let records = back.records();
        assert_eq!(records[0].position, Position::new(5, 0));
        assert_eq!(records[1].position, Position::new(5, 1));
        assert_eq!(records[1].key, Key::new(PartitionId(1), 10));
        assert_eq!(records[0].value, entry.records()[0].value);
    }

    #[test]
    fn corrupt_bytes_are_an_error_not_a_panic() {
        let err = LogEntry::decode(4, &[0xff, 0xff, 0xff]).unwrap_err();
        assert!(err.to_string().contains("index 4"), "{err}");
    }

    #[test]
    fn exported_json_reads_like_zeebe() {
        let mut record = job_created(Key::new(PartitionId(1), 9));
        record.position = Position::new(5, 1);
        let json = record.to_json(PartitionId(1));
        assert_eq!(json["valueType"], "JOB");
        assert_eq!(json["intent"], "CREATED");
        assert_eq!(json["recordType"], "EVENT");
        assert_eq!(json["value"]["type"], "payment");
        assert_eq!(json["value"]["variables"]["x"], 1);
        assert_eq!(json["value"]["customHeaders"]["k"], "v");
    }
}
