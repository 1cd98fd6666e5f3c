//! Hornet's engine: the pure, deterministic stream processor of one partition, shaped like Zeebe's.
//!
//! * [`Engine::process`] takes one committed command and the current state, and returns what it caused:
//!   events (each applied at once, through the same appliers replicas use, to an [`kv::Overlay`] so later
//!   steps of the round see it), rejections, follow-up commands processed in the same round, responses to
//!   clients and the state writes of the round. It never writes the state it is given.
//! * [`Engine::apply`] is the event applier every replica runs on committed events, in log order.
//! * [`Engine::due_commands`] / [`Engine::next_due`] expose scheduled work (job time-outs, retry back-offs,
//!   timers, message expiry) as commands the broker writes to the log when due.
//! * [`Processed::outbound`] / [`Engine::pending_outbound`] are commands for other partitions (command
//!   distribution, as Zeebe's `CommandDistributionBehavior`): a deployment made here is copied to every other
//!   partition, and each receiver acknowledges it; message subscriptions are opened, correlated and closed
//!   between the instance's partition and the partition owning the message's correlation key. The broker
//!   delivers them and re-sends the pending ones.
//!
//! Layout (as in Zeebe's engine): [`state`] is the schema over the [`kv`] trait, `appliers` turn events
//! into state changes (one module per value type), `processing` holds one processor per value type and
//! intent plus the BPMN element processors and behaviours under `processing::bpmn`.
//!
//! Determinism: time is the command's timestamp, keys come from a counter kept in state (advanced by the
//! appliers for every event key of this partition), and every iteration runs over ordered structures, so
//! two replicas that apply the same events hold byte-identical state. The one input besides state and
//! the command is the set of job streams open on the leader's node ([`job_streams`]), as in Zeebe: it
//! decides whether a new job is activated for a stream at once, and that decision is logged as an event.
//!
//! What is supported is listed in the crate's README.md.

pub mod error;
pub mod job_streams;
pub mod kv;
pub mod state;

pub(crate) mod appliers;
mod process_cache;
mod processing;

pub use error::EngineError;

use hornet_protocol::{PartitionId, PushedJob, Record, RequestRef};
use job_streams::{JobStreamId, JobStreams, NoJobStreams};
use kv::{KvRead, KvWrite, WriteSet};
use process_cache::ProcessCache;
use std::sync::Arc;

/// The partition an engine instance serves.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    pub partition_id: PartitionId,
    pub partition_count: u16,
}

/// How many follow-up commands one round processes at most (the original command not counted). Commands
/// beyond this are handed back in [`Processed::follow_ups`] for the broker to write as a new commands
/// entry, so a runaway process (e.g. a loop without wait states) cannot grow one round without bound.
pub const MAX_FOLLOW_UPS_PER_ROUND: usize = 1024;

/// What processing one command produced.
#[derive(Debug, Default)]
pub struct Processed {
    /// In log order: events, rejections, and each processed follow-up command (placed right before its
    /// outcome). Every event or rejection has `source_position` = the original command's position and
    /// `timestamp` = its timestamp. Every command in here has been processed.
    pub records: Vec<Record>,
    /// What the appliers wrote; the leader keeps it as an uncommitted layer until the records commit.
    pub writes: WriteSet,
    /// To send after the records commit (only for commands that carried a `request`).
    pub responses: Vec<Response>,
    /// Job types that got activatable jobs in this round that no job stream took (long-poll and
    /// job-stream wake-ups), sorted.
    pub jobs_available: Vec<String>,
    /// Jobs activated in this round for job streams, to hand to each stream after the records commit;
    /// a job the stream cannot take then goes back with [`hornet_protocol::yield_job`].
    pub pushed: Vec<(JobStreamId, PushedJob)>,
    /// Follow-up commands the round did not reach because of [`MAX_FOLLOW_UPS_PER_ROUND`]; the broker
    /// appends them to the log as plain commands (`LogEntry::Commands`) to be processed later. Empty in
    /// all but pathological cases.
    pub follow_ups: Vec<Record>,
    /// Commands to deliver to other partitions once the records are committed (deployment copies and
    /// their acknowledgements, message subscription commands and theirs), in the order they were
    /// produced. Commands for this partition itself never appear here: they are follow-ups.
    pub outbound: Vec<Outbound>,
}

/// A command to deliver to another partition after the records of the round are committed.
///
/// `command` is a plain command record: `RecordKind::Command`, `request` `None`, `key` the distribution
/// key (`-1` for message subscription commands), position and source position unset; the receiver
/// appends it to its own log. Delivery may repeat or be lost (what matters is re-sent from
/// [`Engine::pending_outbound`]): the processors of distributed commands, message subscription commands
/// and acknowledgements are idempotent.
#[derive(Clone, Debug, PartialEq)]
pub struct Outbound {
    pub partition: PartitionId,
    pub command: Record,
}

/// A response to a client request, sent after the records that justify it are committed.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub request: RequestRef,
    /// The event or rejection that answers the request. For `CREATE_WITH_AWAITING_RESULT` this is the
    /// `ProcessInstanceResult COMPLETED` record built when the instance completes (it is not in the log).
    pub record: Record,
}

/// The engine of one partition. Holds only caches derived from state (parsed process models, element
/// indexes of multi-instance collections, checked against the stored text on every use), so it can be
/// rebuilt at any time.
pub struct Engine {
    config: EngineConfig,
    processes: ProcessCache,
    /// Element ranges of collections that multi-instance bodies read item by item.
    collections: processing::behaviour::json_text::ArrayIndexes,
    job_streams: Arc<dyn JobStreams>,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Engine {
        Engine {
            config,
            processes: ProcessCache::default(),
            collections: Default::default(),
            job_streams: Arc::new(NoJobStreams),
        }
    }

    /// The engine of a leader that pushes jobs to `job_streams` as they become activatable.
    pub fn with_job_streams(mut self, job_streams: Arc<dyn JobStreams>) -> Engine {
        self.job_streams = job_streams;
        self
    }

    pub fn config(&self) -> EngineConfig {
        self.config
    }

    /// Processes one committed command plus the follow-up commands it produces, in the same round (at
    /// most [`MAX_FOLLOW_UPS_PER_ROUND`]). Reads `state` (committed state plus the leader's uncommitted
    /// layers), applies the events to an overlay as it goes, and returns everything. Never writes `state`.
    pub fn process(
        &mut self,
        state: &dyn KvRead,
        command: &Record,
    ) -> Result<Processed, EngineError> {
        if !command.is_command() {
            return Err(EngineError::NotACommand {
                record_type: command.record_type().as_str(),
                value_type: command.value_type().as_str(),
                intent: command.intent_name(),
            });
        }
        processing::process_round(
            self.config,
            &mut self.processes,
            &mut self.collections,
            self.job_streams.as_ref(),
            state,
            command,
        )
    }

    /// Applies one committed event (every replica, in log order). Commands and rejections change no
    /// state; passing one is an error so that a broker bug does not go unnoticed.
    pub fn apply(&mut self, state: &mut dyn KvWrite, event: &Record) -> Result<(), EngineError> {
        if !matches!(event.kind, hornet_protocol::RecordKind::Event) {
            return Err(EngineError::NotAnEvent {
                record_type: event.record_type().as_str(),
                value_type: event.value_type().as_str(),
                intent: event.intent_name(),
            });
        }
        appliers::apply(self.config.partition_id, &mut self.processes, state, event)
    }

    /// Commands for work that is due at `now` (job time-outs and retry back-offs, timers, message
    /// expiry), at most `limit`, earliest first. Processing them is idempotent: a command for work that
    /// was already done (or is no longer due) is rejected, so the broker may ask again before the first
    /// batch is processed.
    pub fn due_commands(
        &mut self,
        state: &dyn KvRead,
        now: i64,
        limit: usize,
    ) -> Result<Vec<Record>, EngineError> {
        processing::due::due_commands(state, now, limit)
    }

    /// When the next scheduled work falls due (epoch millis), if any.
    pub fn next_due(&mut self, state: &dyn KvRead) -> Result<Option<i64>, EngineError> {
        processing::due::next_due(state)
    }

    /// Commands sent to other partitions and not yet acknowledged, rebuilt from state: the broker re-sends
    /// them periodically and after a leader change until they are acknowledged. First the distributed
    /// commands (by distribution key, then partition), then the message subscription commands (see
    /// `processing::message`); the latter may name this partition itself (the broker delivers those to
    /// its own log like any other).
    pub fn pending_outbound(&mut self, state: &dyn KvRead) -> Result<Vec<Outbound>, EngineError> {
        let mut outbound = processing::distribution::pending_outbound(state)?;
        outbound.extend(processing::message::pending_outbound(self.config, state)?);
        Ok(outbound)
    }

    /// Forgets caches derived from state (after a snapshot install).
    pub fn clear_caches(&mut self) {
        self.processes.clear();
        self.collections.clear();
    }
}
