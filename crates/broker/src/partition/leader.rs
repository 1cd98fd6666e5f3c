//! The leader's stream processor: one task per partition while this node leads it.
//!
//! Commands are appended to the Raft log; once committed they are processed in log order by the engine.
//! The outcome of each round is appended as one entry; until it commits, its state changes stay in an
//! in-memory layer that later rounds read through, and its responses wait. The commands submitted while
//! a round was processed, and the round's follow-ups, go into its outcome's entry rather than one of
//! their own: openraft 0.9 finishes each append's fsync before it starts the next append, so a separate
//! command entry would cost a second fsync per round, one after the other. When the batch
//! commits (and so is applied to RocksDB), the layer is dropped and responses, jobs pushed to job streams
//! and the next due-date check follow (jobs without a stream are announced at append, see
//! `process_round`). Losing leadership drops every layer and fails every waiting request.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use futures::stream::{FuturesOrdered, StreamExt};
use hornet_engine::job_streams::JobStreamId;
use hornet_engine::kv::{KvRead, Layered, MemKv, WriteSet};
use hornet_engine::state::keys;
use hornet_engine::{Engine, EngineError, Outbound, Response};
use hornet_protocol::{
    place_records, yield_job, LogEntry, OutcomeRef, PartitionId, Position, PushedJob, Record,
    RecordKind, Rejection, RejectionType, RequestRef,
};
use hornet_replication::{PartitionReplica, ReplicationError, Role, RoleState};
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, info, warn};

use super::recent_writes::{RecentWrites, GENERATION_BYTES};
use super::scan_floors::ScanFloors;
use super::state::{last_processed, to_state_batch, Committed};
use super::submission::{PartitionError, Responder, Submission};
use super::PartitionShared;

/// How many committed command entries one processing round takes at most.
const MAX_ENTRIES_PER_ROUND: usize = 64;
/// How many submissions one log entry carries at most.
const MAX_COMMANDS_PER_ENTRY: usize = 512;
/// How far back the backlog is read per call.
const BACKLOG_READ: usize = 256;
/// How many of the leader's entries carrying commands (command entries, and outcome entries that
/// carry commands) may be appended and not yet processed. While that many are in flight, new
/// submissions wait in the channel and go out together in the next entry: under load, in the outcome
/// entry of the round that processes the entry in flight. One entry (one Raft append, one apply, one
/// processing round) then carries every command that arrived meanwhile, instead of each burst paying
/// those per-entry costs alone. An idle partition appends at once, so this adds no delay when there
/// is no queue.
const MAX_COMMAND_ENTRIES_IN_FLIGHT: usize = 1;

#[derive(Debug, thiserror::Error)]
pub(crate) enum LeaderError {
    #[error(transparent)]
    Replication(#[from] ReplicationError),
    #[error(transparent)]
    Storage(#[from] hornet_storage::StorageError),
    #[error(transparent)]
    Codec(#[from] hornet_protocol::CodecError),
    #[error("engine failed on committed state: {0}")]
    Engine(String),
    #[error("leadership lost: {0}")]
    LostLeadership(String),
}

impl LeaderError {
    /// Losing leadership ends a term normally; anything else is a failure worth logging loudly.
    pub(crate) fn is_lost_leadership(&self) -> bool {
        matches!(
            self,
            LeaderError::LostLeadership(_)
                | LeaderError::Replication(ReplicationError::NotLeader { .. })
        )
    }
}

/// Committed commands, with their positions.
type CommittedCommands = BoxFuture<'static, Result<Vec<Record>, ReplicationError>>;
type CommittedOutcome = BoxFuture<'static, Result<Outcome, ReplicationError>>;

/// The outcome of one processing round, before it is appended.
#[derive(Default)]
struct Round {
    records: Vec<Record>,
    writes: WriteSet,
    responses: Vec<Response>,
    jobs_available: Vec<String>,
    pushed: Vec<(JobStreamId, PushedJob)>,
    follow_ups: Vec<Record>,
    outbound: Vec<Outbound>,
    /// The round processed commands without a client (due work), so more due work may be scheduled.
    due_done: bool,
}

/// What becomes visible once a processed batch commits.
struct Outcome {
    responses: Vec<Response>,
    /// Jobs activated for job streams, handed over only now that their activation is committed.
    pushed: Vec<(JobStreamId, PushedJob)>,
    outbound: Vec<Outbound>,
    /// Due commands are now processed, so more due work may be scheduled.
    due_done: bool,
}

pub(crate) struct Leader<'a> {
    shared: &'a PartitionShared,
    replica: &'a PartitionReplica,
    engine: Engine,
    term: u64,
    /// Uncommitted state changes, oldest first; one per appended processed batch.
    layers: VecDeque<WriteSet>,
    last_processed: Position,
    waiting: HashMap<u64, Responder>,
    next_request_id: u64,
    /// The commands of our entries, resolving in log order as they commit.
    committed_commands: FuturesOrdered<CommittedCommands>,
    /// Our processed batches, resolving in log order as they commit.
    committed_outcomes: FuturesOrdered<CommittedOutcome>,
    commands_in_flight: usize,
    next_due: Option<i64>,
    due_in_flight: bool,
    /// Where the committed entries of the queue indexes begin, so scans skip their tombstones.
    floors: ScanFloors,
    /// What the recent committed rounds wrote, so reads of it skip RocksDB.
    recent: RecentWrites,
}

pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl<'a> Leader<'a> {
    /// Takes over as leader of the partition in `term`, once everything committed before the term is
    /// applied: only then does the state reflect it.
    pub(crate) async fn start(
        shared: &'a PartitionShared,
        replica: &'a PartitionReplica,
        term: u64,
    ) -> Result<Self, LeaderError> {
        replica
            .raft()
            .ensure_linearizable()
            .await
            .map_err(|err| LeaderError::LostLeadership(err.to_string()))?;
        let committed = Committed::new(replica.state());
        let last_processed = last_processed(replica.state())?.unwrap_or_default();
        let key_counter =
            keys::next_local(&committed).map_err(|err| LeaderError::Engine(err.to_string()))?;
        Ok(Leader {
            shared,
            replica,
            engine: shared.new_leader_engine(),
            term,
            layers: VecDeque::new(),
            last_processed,
            waiting: HashMap::new(),
            next_request_id: 0,
            committed_commands: FuturesOrdered::new(),
            committed_outcomes: FuturesOrdered::new(),
            commands_in_flight: 0,
            next_due: None,
            due_in_flight: false,
            floors: ScanFloors::default(),
            recent: RecentWrites::new(shared.id, key_counter, GENERATION_BYTES),
        })
    }

    fn partition(&self) -> PartitionId {
        self.shared.id
    }

    /// Leads the partition until leadership is lost or the submission channel closes.
    pub(crate) async fn run(
        mut self,
        submissions: &mut mpsc::Receiver<Submission>,
        roles: &mut watch::Receiver<RoleState>,
    ) -> Result<(), LeaderError> {
        self.process_backlog().await?;
        self.refresh_next_due()?;
        info!(partition = %self.partition(), term = self.term, last_processed = %self.last_processed, "leading partition");
        self.shared.set_serving(true);

        let mut batch = Vec::with_capacity(MAX_COMMANDS_PER_ENTRY);
        // The first tick is immediate: what a previous leader sent may never have arrived.
        let mut resend = tokio::time::interval(self.shared.config.resend_interval);
        resend.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let result = loop {
            let due_at = self.next_due.filter(|_| !self.due_in_flight);
            let can_accept = self.can_accept();
            tokio::select! {
                biased;
                changed = roles.changed() => {
                    let state = *roles.borrow();
                    if changed.is_err() || state.role != Role::Leader || state.term != self.term {
                        break Ok(());
                    }
                }
                Some(outcome) = self.committed_outcomes.next() => {
                    if let Err(err) = outcome.map_err(LeaderError::from).and_then(|o| self.on_outcome_committed(o)) {
                        break Err(err);
                    }
                }
                Some(committed) = self.committed_commands.next() => {
                    if let Err(err) = self.on_commands_committed(committed, submissions).await {
                        break Err(err);
                    }
                }
                received = submissions.recv_many(&mut batch, MAX_COMMANDS_PER_ENTRY), if can_accept => {
                    if received == 0 {
                        break Ok(());
                    }
                    if let Err(err) = self.append_submissions(batch.drain(..)).await {
                        break Err(err);
                    }
                }
                _ = resend.tick() => {
                    if let Err(err) = self.resend_pending() {
                        break Err(err);
                    }
                }
                _ = sleep_until_millis(due_at), if due_at.is_some() => {
                    if let Err(err) = self.append_due_commands().await {
                        break Err(err);
                    }
                }
            }
        };
        self.shared.set_serving(false);
        self.replica.discard_prepared();
        self.fail_waiting();
        result
    }

    /// Processes commands that were committed but not processed when this term began (from an earlier
    /// term, or before a restart).
    async fn process_backlog(&mut self) -> Result<(), LeaderError> {
        let mut from = self.last_processed.log_index().max(1);
        loop {
            let entries = self.replica.read_committed(from, BACKLOG_READ)?;
            let Some(&(last_index, _)) = entries.last() else {
                break;
            };
            let mut rounds = Vec::new();
            for (index, payload) in entries {
                let commands = LogEntry::decode(index, &payload)?.into_commands();
                if !commands.is_empty() {
                    rounds.push(commands);
                }
            }
            if !rounds.is_empty() {
                debug!(partition = %self.partition(), entries = rounds.len(), "processing backlog");
                self.process_round(rounds, None).await?;
            }
            from = last_index + 1;
        }
        Ok(())
    }

    /// Whether new submissions may be appended now (see [`MAX_COMMAND_ENTRIES_IN_FLIGHT`]).
    fn can_accept(&self) -> bool {
        self.commands_in_flight < self.shared.config.max_commands_in_flight
            && self.committed_commands.len() < MAX_COMMAND_ENTRIES_IN_FLIGHT
    }

    async fn append_submissions(
        &mut self,
        submissions: impl Iterator<Item = Submission>,
    ) -> Result<(), LeaderError> {
        let (commands, requests) = self.take_submissions(submissions);
        let appended = self.append_commands(commands).await;
        self.await_answers(requests, appended.as_ref().err());
        appended
    }

    /// Turns submissions into commands stamped with the time and, where a client waits, a request
    /// to answer it by; counts them in flight.
    fn take_submissions(
        &mut self,
        submissions: impl Iterator<Item = Submission>,
    ) -> (Vec<Record>, Vec<(u64, Responder)>) {
        let timestamp = now_millis();
        let node = self.replica.node_id();
        let mut commands = Vec::new();
        let mut requests = Vec::new();
        for Submission { mut command, reply } in submissions {
            command.timestamp = timestamp;
            command.kind = RecordKind::Command;
            command.request = reply.map(|reply| {
                self.next_request_id += 1;
                requests.push((self.next_request_id, reply));
                RequestRef {
                    node,
                    id: self.next_request_id,
                }
            });
            commands.push(command);
        }
        self.commands_in_flight += commands.len();
        (commands, requests)
    }

    /// Keeps the requests of appended commands until their answers commit, or fails them at once if
    /// the append failed.
    fn await_answers(&mut self, requests: Vec<(u64, Responder)>, failure: Option<&LeaderError>) {
        match failure {
            None => self.waiting.extend(requests),
            Some(err) => {
                for (_, reply) in requests {
                    let _ = reply.send(Err(self.unavailable(&err.to_string())));
                }
            }
        }
    }

    async fn append_commands(&mut self, commands: Vec<Record>) -> Result<(), LeaderError> {
        let entry = LogEntry::Commands(commands);
        let receipt = self.replica.append(entry.encode()?.into()).await?;
        let commands = entry.into_commands();
        self.committed_commands.push_back(Box::pin(async move {
            let position = receipt.await?;
            Ok(positioned(commands, position.index, 0))
        }));
        Ok(())
    }

    async fn append_due_commands(&mut self) -> Result<(), LeaderError> {
        let now = now_millis();
        let commands = {
            let layers: Vec<&WriteSet> = self.layers.iter().collect();
            let committed = Committed::for_leader(self.replica.state(), &self.floors, &self.recent);
            let view = Layered::new(&layers, &committed);
            self.engine
                .due_commands(&view, now, self.shared.config.due_batch_size)
                .map_err(|err| LeaderError::Engine(err.to_string()))?
        };
        if commands.is_empty() {
            self.next_due = None;
            return self.refresh_next_due();
        }
        debug!(partition = %self.partition(), count = commands.len(), "writing due commands");
        self.due_in_flight = true;
        let commands = commands
            .into_iter()
            .map(|mut command| {
                command.timestamp = now;
                command
            })
            .collect::<Vec<_>>();
        self.commands_in_flight += commands.len();
        self.append_commands(commands).await
    }

    async fn on_commands_committed(
        &mut self,
        first: Result<Vec<Record>, ReplicationError>,
        submissions: &mut mpsc::Receiver<Submission>,
    ) -> Result<(), LeaderError> {
        let mut rounds = vec![first?];
        // Take whatever else has committed meanwhile into the same round (one processed batch).
        while rounds.len() < MAX_ENTRIES_PER_ROUND {
            match futures::FutureExt::now_or_never(self.committed_commands.next()) {
                Some(Some(next)) => rounds.push(next?),
                _ => break,
            }
        }
        self.process_round(rounds, Some(submissions)).await
    }

    /// Processes committed commands and appends their outcome as one entry, together with the round's
    /// follow-ups and, if `submissions` is given and there is room, the submissions waiting there.
    async fn process_round(
        &mut self,
        rounds: Vec<Vec<Record>>,
        submissions: Option<&mut mpsc::Receiver<Submission>>,
    ) -> Result<(), LeaderError> {
        let Some(round) = self.process_commands(rounds)? else {
            return Ok(());
        };
        let Round {
            records,
            writes,
            responses,
            mut jobs_available,
            pushed,
            follow_ups,
            outbound,
            due_done,
        } = round;
        // Work the round's bound cut off continues first, then what clients submitted meanwhile.
        self.commands_in_flight += follow_ups.len();
        let mut commands = follow_ups;
        let mut requests = Vec::new();
        if let Some(submissions) = submissions.filter(|_| self.can_accept()) {
            let waiting =
                std::iter::from_fn(|| submissions.try_recv().ok()).take(MAX_COMMANDS_PER_ENTRY);
            let (submitted, answers) = self.take_submissions(waiting);
            commands.extend(submitted);
            requests = answers;
        }
        // Followers write the round's state changes as they are; this replica is handed the writes
        // directly, so that it does not decode the entry it has just encoded.
        let first_command_offset = records.len();
        let entry = OutcomeRef {
            last_processed: self.last_processed,
            changes: writes.iter(),
            records: &records,
            commands: &commands,
        }
        .encode();
        drop(records);
        let appended = match entry {
            Ok(entry) => {
                let prepared = to_state_batch(writes.iter(), self.last_processed);
                self.replica
                    .append_prepared(entry.into(), self.term, prepared)
                    .await
                    .map_err(LeaderError::from)
            }
            Err(err) => Err(err.into()),
        };
        self.await_answers(requests, appended.as_ref().err());
        let receipt = appended?;
        self.layers.push_back(writes);
        // Workers learn of new jobs now rather than when the batch commits: the activation they ask
        // for is processed after this batch, over its layer, and answered only once it commits too,
        // so no job reaches a worker before the job is committed. Its command entry is appended
        // while this batch commits instead of after.
        jobs_available.sort();
        jobs_available.dedup();
        for job_type in jobs_available {
            self.shared.notify_jobs_available(job_type);
        }
        // One receipt, two queues: the outcome future hands the entry's index to the commands'.
        let (index_sender, index) = oneshot::channel();
        self.committed_outcomes.push_back(Box::pin(async move {
            let position = receipt.await?;
            let _ = index_sender.send(position.index);
            Ok(Outcome {
                responses,
                pushed,
                outbound,
                due_done,
            })
        }));
        if !commands.is_empty() {
            self.committed_commands.push_back(Box::pin(async move {
                match index.await {
                    Ok(index) => Ok(positioned(commands, index, first_command_offset)),
                    // The entry failed to commit; its outcome future reports why, and the commands
                    // go with the term.
                    Err(_) => std::future::pending().await,
                }
            }));
        }
        Ok(())
    }

    /// Runs the engine over the commands not processed yet; `None` if there were none.
    fn process_commands(&mut self, rounds: Vec<Vec<Record>>) -> Result<Option<Round>, LeaderError> {
        let committed = Committed::for_leader(self.replica.state(), &self.floors, &self.recent);
        let mut round = Round::default();
        let mut processed_commands = 0usize;
        for commands in rounds {
            for command in commands {
                if command.position <= self.last_processed {
                    continue;
                }
                processed_commands += 1;
                round.due_done |= command.request.is_none();
                let layers: Vec<&WriteSet> = self
                    .layers
                    .iter()
                    .chain(std::iter::once(&round.writes))
                    .collect();
                let view = Layered::new(&layers, &committed);
                match self.engine.process(&view, &command) {
                    Ok(processed) => {
                        round.writes.extend(processed.writes);
                        round.records.extend(processed.records);
                        round.responses.extend(processed.responses);
                        round.jobs_available.extend(processed.jobs_available);
                        round.pushed.extend(processed.pushed);
                        round.follow_ups.extend(processed.follow_ups);
                        round.outbound.extend(processed.outbound);
                    }
                    Err(err @ EngineError::Storage(_)) => {
                        return Err(LeaderError::Engine(err.to_string()))
                    }
                    Err(err) => {
                        // State the engine cannot read must not stop the partition on one command:
                        // reject it, as Zeebe does with PROCESSING_ERROR, and carry on.
                        warn!(partition = %self.partition(), position = %command.position, error = %err, "processing failed");
                        let rejection =
                            reject(&command, RejectionType::ProcessingError, err.to_string());
                        if let Some(request) = command.request {
                            round.responses.push(Response {
                                request,
                                record: rejection.clone(),
                            });
                        }
                        round.records.push(rejection);
                    }
                }
                self.last_processed = command.position;
            }
        }
        if processed_commands == 0 {
            return Ok(None);
        }
        // Keys the round created and removed again (an element that started and ended in it) need
        // no deletion in any replica's state, unless an earlier round or the committed state holds
        // them.
        let below: Vec<&WriteSet> = self.layers.iter().collect();
        let below = Layered::new(&below, &committed);
        round
            .writes
            .drop_deletions_of_absent(|key| Ok(below.get(key)?.is_some()))
            .map_err(|err| LeaderError::Engine(err.to_string()))?;
        self.commands_in_flight = self.commands_in_flight.saturating_sub(processed_commands);
        self.shared.metrics.processed(
            self.partition(),
            processed_commands as u64,
            round.records.len() as u64,
        );
        Ok(Some(round))
    }

    fn on_outcome_committed(&mut self, outcome: Outcome) -> Result<(), LeaderError> {
        // The batch is applied to RocksDB now, so its layer is no longer needed; what it scheduled may
        // be due before anything known so far.
        if let Some(layer) = self.layers.pop_front() {
            self.floors.note_committed(&layer);
            self.note_due_in(&layer)?;
            let state = self.replica.state();
            self.recent
                .note_committed(layer, || keys::next_local(&Committed::new(state)))
                .map_err(|err| LeaderError::Engine(err.to_string()))?;
            self.shared
                .metrics
                .recent_writes(self.partition(), self.recent.bytes());
        }
        let node = self.replica.node_id();
        for Response { request, record } in outcome.responses {
            if request.node != node {
                continue;
            }
            if let Some(reply) = self.waiting.remove(&request.id) {
                let _ = reply.send(Ok(record));
            }
        }
        self.push_jobs(outcome.pushed);
        for Outbound { partition, command } in outcome.outbound {
            self.shared.router.send(partition, command);
        }
        if self.waiting.len() > 1024 && self.waiting.len().is_power_of_two() {
            // Requests whose clients gave up (e.g. an instance awaited with a timeout that never completes).
            self.waiting.retain(|_, reply| !reply.is_closed());
        }
        if outcome.due_done {
            // Due work was done, so the earliest due date may have moved later: look it up again.
            self.due_in_flight = false;
            return self.refresh_next_due();
        }
        Ok(())
    }

    /// Hands committed activations to their job streams. A job whose stream has closed or filled up
    /// since goes back to activatable through a YIELD command, rather than waiting for its deadline.
    fn push_jobs(&self, pushed: Vec<(JobStreamId, PushedJob)>) {
        if pushed.is_empty() {
            return;
        }
        let count = pushed.len() as u64;
        let mut yielded = 0;
        for (stream, job) in pushed {
            if let Err(job) = self.shared.job_streams.push(stream, job) {
                debug!(partition = %self.partition(), job = %job.key, "job stream cannot take the job; yielding it");
                yielded += 1;
                self.shared
                    .router
                    .send(self.partition(), yield_job(job.key));
            }
        }
        self.shared
            .metrics
            .jobs_pushed(self.partition(), count - yielded, yielded);
    }

    /// Moves the next due date earlier if `writes` schedule something before it. Only added due dates
    /// matter here: one that was removed (a job completed before its deadline) leaves `next_due` early,
    /// and waking up early finds nothing due and looks the date up again (`append_due_commands`). That
    /// keeps the full look-up, which scans every due-date index of the committed state, off the path of
    /// every committed batch.
    fn note_due_in(&mut self, writes: &WriteSet) -> Result<(), LeaderError> {
        let nothing = MemKv::new();
        let layers = [writes];
        let view = Layered::new(&layers, &nothing);
        let due = self
            .engine
            .next_due(&view)
            .map_err(|err| LeaderError::Engine(err.to_string()))?;
        if let Some(due) = due {
            self.next_due = Some(self.next_due.map_or(due, |next| next.min(due)));
        }
        Ok(())
    }

    /// Sends again what other partitions have not acknowledged yet. Only committed state counts: a
    /// command from an uncommitted round is sent when that round commits.
    fn resend_pending(&mut self) -> Result<(), LeaderError> {
        let committed = Committed::for_leader(self.replica.state(), &self.floors, &self.recent);
        let pending = self
            .engine
            .pending_outbound(&committed)
            .map_err(|err| LeaderError::Engine(err.to_string()))?;
        if !pending.is_empty() {
            debug!(partition = %self.partition(), count = pending.len(), "re-sending unacknowledged commands");
        }
        for Outbound { partition, command } in pending {
            self.shared.router.send(partition, command);
        }
        Ok(())
    }

    fn refresh_next_due(&mut self) -> Result<(), LeaderError> {
        let layers: Vec<&WriteSet> = self.layers.iter().collect();
        let committed = Committed::for_leader(self.replica.state(), &self.floors, &self.recent);
        let view = Layered::new(&layers, &committed);
        self.next_due = self
            .engine
            .next_due(&view)
            .map_err(|err| LeaderError::Engine(err.to_string()))?;
        Ok(())
    }

    fn unavailable(&self, reason: &str) -> PartitionError {
        PartitionError::Stopped {
            partition: self.partition(),
            reason: reason.to_string(),
        }
    }

    /// Answers the requests whose commands this leader appended and did not answer: their outcome is
    /// up to the next leader.
    fn fail_waiting(&mut self) {
        let error = PartitionError::OutcomeUnknown {
            partition: self.partition(),
        };
        for (_, reply) in self.waiting.drain() {
            let _ = reply.send(Err(error.clone()));
        }
    }
}

/// `commands` as they stand in the entry at `index`, the first at `first_offset`.
fn positioned(mut commands: Vec<Record>, index: u64, first_offset: usize) -> Vec<Record> {
    place_records(&mut commands, index, first_offset);
    commands
}

/// The rejection of `command`, answering it in the log.
fn reject(command: &Record, kind: RejectionType, reason: String) -> Record {
    Record {
        position: Position::default(),
        source_position: Some(command.position),
        key: command.key,
        timestamp: command.timestamp,
        kind: RecordKind::Rejection(Rejection { kind, reason }),
        request: command.request,
        value: command.value.clone(),
    }
}

async fn sleep_until_millis(due: Option<i64>) {
    if let Some(due) = due {
        let wait = (due - now_millis()).max(0) as u64;
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}
