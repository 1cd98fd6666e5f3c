//! Applies committed log entries to the partition state on every replica.
//!
//! Only the outcome of processing changes state: a committed [`LogEntry::Outcome`] carries the state
//! changes its events made, and they are written atomically with the processing progress. A
//! [`LogEntry::Processed`] batch (written by an earlier version) runs its events through the engine's
//! event appliers instead. Committed commands change nothing until they are processed.

use std::sync::Mutex;

use hornet_engine::kv::Overlay;
use hornet_engine::Engine;
use hornet_protocol::{LogEntry, Position, RecordKind, StateChanges};
use hornet_replication::{Applier, ApplyError, CommittedEntry, StateBatch, StateStore};

use super::state::{last_processed, to_state_batch, Committed};

pub(crate) struct EngineApplier {
    /// Appliers keep caches (parsed processes); one engine per replica, used by one thread at a time.
    engine: Mutex<Engine>,
}

impl EngineApplier {
    pub(crate) fn new(engine: Engine) -> Self {
        EngineApplier {
            engine: Mutex::new(engine),
        }
    }
}

impl Applier for EngineApplier {
    fn apply(
        &self,
        state: &StateStore,
        entry: &CommittedEntry<'_>,
    ) -> Result<StateBatch, ApplyError> {
        // A batch that does not move processing forward was superseded: a deposed leader's batch that the
        // new leader committed after processing the same commands itself, or a re-run after a failure.
        // Processing is deterministic, so skipping it loses nothing and keeps every command applied once.
        // Read only for processed batches: command entries, half the log, need no state read.
        let superseded = |batch: Position| -> Result<bool, ApplyError> {
            Ok(last_processed(state)?.is_some_and(|done| batch <= done))
        };
        let outcome = LogEntry::read_state_changes(
            entry.index,
            entry.payload,
            |StateChanges {
                 last_processed,
                 changes,
             }| {
                if superseded(last_processed)? {
                    return Ok(StateBatch::new());
                }
                let changes = changes.iter().map(|change| (change.key, change.value));
                Ok(to_state_batch(changes, last_processed))
            },
        )
        .map_err(|err| ApplyError::Decode(err.to_string()))?;
        if let Some(batch) = outcome {
            return batch;
        }
        if LogEntry::holds_only_commands(entry.index, entry.payload)
            .map_err(|err| ApplyError::Decode(err.to_string()))?
        {
            return Ok(StateBatch::new());
        }
        let decoded = LogEntry::decode(entry.index, entry.payload)
            .map_err(|err| ApplyError::Decode(err.to_string()))?;
        let LogEntry::Processed(batch) = decoded else {
            return Ok(StateBatch::new());
        };
        if superseded(batch.last_processed)? {
            return Ok(StateBatch::new());
        }
        let base = Committed::new(state);
        let mut overlay = Overlay::new(&base);
        let mut engine = self
            .engine
            .lock()
            .map_err(|_| ApplyError::Other("engine lock poisoned".into()))?;
        for record in batch
            .records
            .iter()
            .filter(|r| matches!(r.kind, RecordKind::Event))
        {
            engine.apply(&mut overlay, record).map_err(|err| {
                ApplyError::Other(format!(
                    "applying {} {} at position {}: {err}",
                    record.value_type(),
                    record.intent_name(),
                    record.position
                ))
            })?;
        }
        Ok(to_state_batch(
            overlay.into_writes().iter(),
            batch.last_processed,
        ))
    }

    fn on_snapshot_installed(&self) {
        if let Ok(mut engine) = self.engine.lock() {
            engine.clear_caches();
        }
    }
}
