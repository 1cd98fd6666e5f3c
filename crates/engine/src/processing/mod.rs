//! Command processing: one processor per value type and intent, the BPMN element processors under
//! [`bpmn`], and the shared behaviours (variables, mappings, expressions, incidents) under [`behaviour`].
//!
//! A round starts with one committed command. Processing it yields events (applied at once to the round's
//! overlay through the appliers, so later steps see them), rejections, responses and follow-up commands;
//! follow-ups are processed in the same round, first in first out, up to
//! [`crate::MAX_FOLLOW_UPS_PER_ROUND`]. Follow-ups beyond the bound go back to the broker in
//! [`crate::Processed::follow_ups`]; `ACTIVATE_ELEMENT` commands among them whose key no event recorded
//! lose it (the key counter in state does not know it, so a later round could hand it out again) and
//! get a fresh one when processed.

pub(crate) mod behaviour;
pub(crate) mod bpmn;
pub(crate) mod decision_evaluation;
pub(crate) mod deployment;
pub(crate) mod distribution;
pub(crate) mod due;
pub(crate) mod incident;
pub(crate) mod job;
pub(crate) mod job_batch;
pub(crate) mod message;
pub(crate) mod process_instance;
pub(crate) mod process_instance_creation;
pub(crate) mod signal;
pub(crate) mod timer;
pub(crate) mod user_task;
pub(crate) mod variable_document;

use crate::appliers;
use crate::error::EngineError;
use crate::job_streams::{JobStreamId, JobStreams};
use crate::kv::{KvRead, Overlay};
use crate::process_cache::{DeployedProcess, ProcessCache};
use crate::state::keys::KeyGenerator;
use crate::{EngineConfig, Outbound, Processed, Response, MAX_FOLLOW_UPS_PER_ROUND};
use hornet_protocol::value::SmolStr;
use hornet_protocol::{
    Key, PartitionId, Position, ProcessInstanceIntent, PushedJob, Record, RecordKind, RecordValue,
    Rejection, RejectionType, RequestRef,
};
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

/// Everything one round works with and produces.
pub(crate) struct Ctx<'a> {
    pub config: EngineConfig,
    pub processes: &'a mut ProcessCache,
    pub state: Overlay<'a>,
    pub keys: KeyGenerator,
    /// The original command's timestamp: the only "now" of the round.
    pub now: i64,
    /// Where jobs that become activatable may be pushed (see [`crate::job_streams`]).
    pub job_streams: &'a dyn JobStreams,
    source_position: Position,
    records: Vec<Record>,
    responses: Vec<Response>,
    jobs_available: BTreeSet<String>,
    pushed: Vec<(JobStreamId, PushedJob)>,
    queue: VecDeque<Record>,
    outbound: Vec<Outbound>,
    /// Indexes of collections read item by item (multi-instance), kept across rounds.
    pub collections: &'a mut behaviour::json_text::ArrayIndexes,
}

impl<'a> Ctx<'a> {
    fn record(&self, key: Key, kind: RecordKind, value: RecordValue) -> Record {
        Record {
            position: Position::default(),
            source_position: Some(self.source_position),
            key,
            timestamp: self.now,
            kind,
            request: None,
            value,
        }
    }

    /// Writes an event: applies it to the round's state and appends it to the output.
    pub fn event(&mut self, key: Key, value: RecordValue) -> Result<&Record, EngineError> {
        let record = self.record(key, RecordKind::Event, value);
        self.append_event(record, None)
    }

    /// Writes an event and answers `command`'s request (if it has one) with it.
    pub fn event_answering(
        &mut self,
        command: &Record,
        key: Key,
        value: RecordValue,
    ) -> Result<(), EngineError> {
        let record = self.record(key, RecordKind::Event, value);
        self.append_event(record, command.request)?;
        Ok(())
    }

    /// Writes an event that carries a client request (see the CREATE_WITH_AWAITING_RESULT applier).
    pub fn event_with_request(
        &mut self,
        key: Key,
        value: RecordValue,
        request: Option<RequestRef>,
    ) -> Result<(), EngineError> {
        let mut record = self.record(key, RecordKind::Event, value);
        record.request = request;
        self.append_event(record, None)?;
        Ok(())
    }

    /// Applies `record` and appends it; only an answered request costs a copy of it.
    fn append_event(
        &mut self,
        record: Record,
        answer: Option<RequestRef>,
    ) -> Result<&Record, EngineError> {
        appliers::apply(
            self.config.partition_id,
            self.processes,
            &mut self.state,
            &record,
        )?;
        if let Some(request) = answer {
            self.respond_to(request, record.clone());
        }
        let index = self.records.len();
        self.records.push(record);
        Ok(&self.records[index])
    }

    /// Rejects `command`, answering its request if it has one.
    pub fn reject(&mut self, command: &Record, kind: RejectionType, reason: impl Into<String>) {
        let record = self.record(
            command.key,
            RecordKind::Rejection(Rejection {
                kind,
                reason: reason.into(),
            }),
            command.value.clone(),
        );
        if let Some(request) = command.request {
            self.responses.push(Response {
                request,
                record: record.clone(),
            });
        }
        self.records.push(record);
    }

    /// Answers `command`'s request (if it has one) with `record`.
    pub fn respond(&mut self, command: &Record, record: &Record) {
        if let Some(request) = command.request {
            self.respond_to(request, record.clone());
        }
    }

    pub fn respond_to(&mut self, request: RequestRef, record: Record) {
        self.responses.push(Response { request, record });
    }

    /// A record that answers a request without being written to the log (e.g. a process instance result).
    pub fn response_record(&self, key: Key, kind: RecordKind, value: RecordValue) -> Record {
        self.record(key, kind, value)
    }

    /// Queues a follow-up command for this round.
    pub fn follow_up(&mut self, key: Key, value: RecordValue) {
        let command = self.record(key, RecordKind::Command, value);
        self.queue.push_back(command);
    }

    /// Sends a command to another partition once the round's records are committed.
    pub fn send(&mut self, partition: PartitionId, key: Key, value: RecordValue) {
        let mut command = Record::command(key, value);
        command.timestamp = self.now;
        self.outbound.push(Outbound { partition, command });
    }

    /// Element ids of the `ACTIVATE_ELEMENT` commands queued in this round for `flow_scope_key`.
    pub fn queued_activations(&self, flow_scope_key: Key) -> Vec<SmolStr> {
        self.queue
            .iter()
            .filter_map(|command| match &command.value {
                RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, value)
                    if value.flow_scope_key == flow_scope_key =>
                {
                    Some(value.element_id.clone())
                }
                _ => None,
            })
            .collect()
    }

    pub fn job_available(&mut self, job_type: &str) {
        if !self.jobs_available.contains(job_type) {
            self.jobs_available.insert(job_type.to_string());
        }
    }

    /// Hands `job`, activated in this round, to `stream` once the round commits.
    pub fn push_job(&mut self, stream: JobStreamId, job: PushedJob) {
        self.pushed.push((stream, job));
    }

    pub fn next_key(&mut self) -> Key {
        self.keys.next_key()
    }

    pub fn process(&mut self, key: Key) -> Result<Arc<DeployedProcess>, EngineError> {
        self.processes.require(&self.state, key)
    }

    pub fn try_process(&mut self, key: Key) -> Result<Option<Arc<DeployedProcess>>, EngineError> {
        self.processes.get(&self.state, key)
    }
}

pub(crate) fn process_round(
    config: EngineConfig,
    processes: &mut ProcessCache,
    collections: &mut behaviour::json_text::ArrayIndexes,
    job_streams: &dyn JobStreams,
    state: &dyn KvRead,
    command: &Record,
) -> Result<Processed, EngineError> {
    let keys = KeyGenerator::seeded(state, config.partition_id)?;
    let mut ctx = Ctx {
        config,
        processes,
        state: Overlay::new(state),
        keys,
        now: command.timestamp,
        job_streams,
        source_position: command.position,
        records: Vec::new(),
        responses: Vec::new(),
        jobs_available: BTreeSet::new(),
        pushed: Vec::new(),
        queue: VecDeque::new(),
        outbound: Vec::new(),
        collections,
    };
    dispatch(&mut ctx, command)?;
    let mut processed = 0;
    let mut follow_ups = Vec::new();
    while let Some(next) = ctx.queue.pop_front() {
        if processed == MAX_FOLLOW_UPS_PER_ROUND {
            follow_ups.push(next);
            follow_ups.extend(ctx.queue.drain(..));
            break;
        }
        processed += 1;
        // The command goes right before what processing it wrote: moved in afterwards, which shifts
        // only those few records, rather than cloned in first.
        let at = ctx.records.len();
        dispatch(&mut ctx, &next)?;
        ctx.records.insert(at, next);
    }
    // A key allocated for a handed-back ACTIVATE_ELEMENT and recorded in no event is unknown to the key
    // counter in state, so a later round could allocate it again: drop it (a fresh one is allocated when
    // the command is processed). Keys that an event recorded (e.g. PROCESS_EVENT TRIGGERED) are safe.
    let next_local = crate::state::keys::next_local(&ctx.state)?;
    for command in &mut follow_ups {
        command.source_position = None;
        if matches!(
            command.value,
            RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, _)
        ) && command.key.local() >= next_local
        {
            command.key = Key::NONE;
        }
    }
    Ok(Processed {
        records: ctx.records,
        writes: ctx.state.into_writes(),
        responses: ctx.responses,
        jobs_available: ctx.jobs_available.into_iter().collect(),
        pushed: ctx.pushed,
        follow_ups,
        outbound: ctx.outbound,
    })
}

fn dispatch(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    use hornet_protocol::*;
    match &command.value {
        RecordValue::Deployment(DeploymentIntent::Create, value) => {
            deployment::create::process(ctx, command, value)
        }
        RecordValue::CommandDistribution(CommandDistributionIntent::Acknowledge, value) => {
            distribution::acknowledge(ctx, command, value)
        }
        RecordValue::ProcessInstanceCreation(
            intent @ (ProcessInstanceCreationIntent::Create
            | ProcessInstanceCreationIntent::CreateWithAwaitingResult),
            value,
        ) => process_instance_creation::create::process(ctx, command, *intent, value),
        RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, _) => {
            process_instance::cancel::process(ctx, command)
        }
        RecordValue::ProcessInstance(
            intent @ (ProcessInstanceIntent::ActivateElement
            | ProcessInstanceIntent::CompleteElement
            | ProcessInstanceIntent::TerminateElement),
            value,
        ) => bpmn::process_command(ctx, command, *intent, value),
        RecordValue::JobBatch(JobBatchIntent::Activate, value) => {
            job_batch::activate::process(ctx, command, value)
        }
        RecordValue::Job(JobIntent::Complete, value) => job::complete::process(ctx, command, value),
        RecordValue::Job(JobIntent::Fail, value) => job::fail::process(ctx, command, value),
        RecordValue::Job(JobIntent::ThrowError, value) => {
            job::throw_error::process(ctx, command, value)
        }
        RecordValue::Job(JobIntent::TimeOut, _) => job::time_out::process(ctx, command),
        RecordValue::Job(JobIntent::UpdateRetries, value) => {
            job::update_retries::process(ctx, command, value)
        }
        RecordValue::Job(JobIntent::UpdateTimeout, value) => {
            job::update_timeout::process(ctx, command, value)
        }
        RecordValue::Job(JobIntent::Yield, _) => job::yield_job::process(ctx, command),
        RecordValue::Job(JobIntent::RecurAfterBackoff, _) => {
            job::recur_after_backoff::process(ctx, command)
        }
        RecordValue::Incident(IncidentIntent::Resolve, _) => {
            incident::resolve::process(ctx, command)
        }
        RecordValue::VariableDocument(VariableDocumentIntent::Update, value) => {
            variable_document::update::process(ctx, command, value)
        }
        RecordValue::Timer(TimerIntent::Trigger, _) => timer::trigger::process(ctx, command),
        RecordValue::Signal(SignalIntent::Broadcast, value) => {
            signal::broadcast::process(ctx, command, value)
        }
        RecordValue::Message(MessageIntent::Publish, value) => {
            message::publish::process(ctx, command, value)
        }
        RecordValue::Message(MessageIntent::Expire, _) => message::expire::process(ctx, command),
        RecordValue::ProcessMessageSubscription(intent, value) => match intent {
            ProcessMessageSubscriptionIntent::Create => {
                message::process_subscription::create(ctx, command, value)
            }
            ProcessMessageSubscriptionIntent::Correlate => {
                message::process_subscription::correlate(ctx, command, value)
            }
            ProcessMessageSubscriptionIntent::Delete => {
                message::process_subscription::delete(ctx, command, value)
            }
            _ => unsupported(ctx, command),
        },
        RecordValue::MessageSubscription(intent, value) => match intent {
            MessageSubscriptionIntent::Create => {
                message::message_subscription::create(ctx, command, value)
            }
            MessageSubscriptionIntent::Correlate => {
                message::message_subscription::correlate(ctx, command, value)
            }
            MessageSubscriptionIntent::Reject => {
                message::message_subscription::reject(ctx, command, value)
            }
            MessageSubscriptionIntent::Delete => {
                message::message_subscription::delete(ctx, command, value)
            }
            _ => unsupported(ctx, command),
        },
        RecordValue::DecisionEvaluation(DecisionEvaluationIntent::Evaluate, value) => {
            decision_evaluation::evaluate::process(ctx, command, value)
        }
        RecordValue::UserTask(intent, value) => match intent {
            UserTaskIntent::Complete => user_task::complete(ctx, command, value),
            UserTaskIntent::Assign => user_task::assign(ctx, command, value),
            UserTaskIntent::Claim => user_task::claim(ctx, command, value),
            UserTaskIntent::Update => user_task::update(ctx, command, value),
            _ => unsupported(ctx, command),
        },
        _ => unsupported(ctx, command),
    }
}

fn unsupported(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    ctx.reject(
        command,
        RejectionType::ProcessingError,
        format!(
            "Expected to process a {} command with intent {}, but Hornet does not support it yet",
            command.value.value_type().as_str(),
            command.value.intent_name()
        ),
    );
    Ok(())
}
