//! MESSAGE, MESSAGE_SUBSCRIPTION and PROCESS_MESSAGE_SUBSCRIPTION commands: publishing, expiry and the
//! correlation protocol between the partition of a process instance and the partition that owns a
//! message's correlation key (Zeebe's `SubscriptionCommandSender` protocol).
//!
//! Instance partition ([`process_subscription`]) | message partition ([`message_subscription`]):
//!
//! 1. A catch element activates: PROCESS_MESSAGE_SUBSCRIPTION CREATING, send MESSAGE_SUBSCRIPTION CREATE.
//! 2. CREATE: MESSAGE_SUBSCRIPTION CREATED; a buffered message this process has not received yet
//!    correlates at once (CORRELATING, send PROCESS_MESSAGE_SUBSCRIPTION CORRELATE), otherwise send
//!    PROCESS_MESSAGE_SUBSCRIPTION CREATE (the acknowledgement) → CREATED.
//! 3. A message published for an open subscription: MESSAGE_SUBSCRIPTION CORRELATING (at most one
//!    subscription per BPMN process id), send PROCESS_MESSAGE_SUBSCRIPTION CORRELATE.
//! 4. CORRELATE: PROCESS_MESSAGE_SUBSCRIPTION CORRELATED, the event triggers, send
//!    MESSAGE_SUBSCRIPTION CORRELATE (the acknowledgement) → CORRELATED. If the element cannot be
//!    triggered any more: send MESSAGE_SUBSCRIPTION REJECT → REJECTED, and the message tries another
//!    subscription of the same process.
//! 5. The element ends: PROCESS_MESSAGE_SUBSCRIPTION DELETING, send MESSAGE_SUBSCRIPTION DELETE →
//!    DELETED, send PROCESS_MESSAGE_SUBSCRIPTION DELETE (the acknowledgement) → DELETED.
//!
//! Unlike Zeebe, a subscription whose interrupting event fired is not dropped at CORRELATED on either
//! side: it stays, used up, until its element ends and closes it through step 5 (which follows at once
//! for a catch event or an interrupted activity). Hornet re-sends unacknowledged commands
//! periodically, so a correlation is often delivered twice; the instance partition must recognise the
//! second as already correlated (and acknowledge it again) rather than reject it, because a rejection
//! would free the message for a second instance of the same process. The DELETE names the last
//! message the subscription correlated, so a DELETE overtaking a lost acknowledgement still tells the
//! message partition that the correlation was made.
//!
//! Commands for this partition are follow-ups of the same round (as Zeebe writes them as follow-up
//! commands); the others go out in [`crate::Processed::outbound`]. What waits for an acknowledgement
//! (CREATE and DELETE of opening and closing subscriptions, CORRELATE of correlating ones) is kept in
//! state and re-sent through [`crate::Engine::pending_outbound`]; every processor here is idempotent.

pub(crate) mod expire;
pub(crate) mod message_subscription;
pub(crate) mod process_subscription;
pub(crate) mod publish;

use crate::error::EngineError;
use crate::kv::KvRead;
use crate::processing::Ctx;
use crate::state::subscriptions::{self, ProcessSubscriptionState};
use crate::{EngineConfig, Outbound};
use hornet_protocol::partitioning::message_partition;
use hornet_protocol::value::{MessageSubscriptionRecord, ProcessMessageSubscriptionRecord};
use hornet_protocol::{
    Document, Key, MessageSubscriptionIntent, PartitionId, ProcessMessageSubscriptionIntent,
    Record, RecordValue,
};

/// Sends a subscription command to `partition`: a follow-up of this round if that is this partition.
fn send(ctx: &mut Ctx<'_>, partition: PartitionId, value: RecordValue) {
    if partition == ctx.config.partition_id {
        ctx.follow_up(Key::NONE, value);
    } else {
        ctx.send(partition, Key::NONE, value);
    }
}

/// Sends a MESSAGE_SUBSCRIPTION command to the partition that owns `correlation_key`.
fn send_to_message_partition(
    ctx: &mut Ctx<'_>,
    intent: MessageSubscriptionIntent,
    record: MessageSubscriptionRecord,
) {
    let partition = message_partition(&record.correlation_key, ctx.config.partition_count);
    send(
        ctx,
        partition,
        RecordValue::MessageSubscription(intent, Box::new(record)),
    );
}

/// Sends a PROCESS_MESSAGE_SUBSCRIPTION command to the partition of the record's process instance.
fn send_to_instance_partition(
    ctx: &mut Ctx<'_>,
    intent: ProcessMessageSubscriptionIntent,
    record: ProcessMessageSubscriptionRecord,
) -> Result<(), EngineError> {
    let partition = instance_partition(record.process_instance_key)?;
    send(
        ctx,
        partition,
        RecordValue::ProcessMessageSubscription(intent, Box::new(record)),
    );
    Ok(())
}

fn instance_partition(process_instance_key: Key) -> Result<PartitionId, EngineError> {
    process_instance_key
        .partition()
        .ok_or_else(|| EngineError::CorruptState {
            what: "message subscription",
            reason: format!("process instance key {process_instance_key} names no partition"),
        })
}

/// The message partition's view of an instance partition's subscription.
fn message_side(record: &ProcessMessageSubscriptionRecord) -> MessageSubscriptionRecord {
    MessageSubscriptionRecord {
        process_instance_key: record.process_instance_key,
        element_instance_key: record.element_instance_key,
        bpmn_process_id: record.bpmn_process_id.clone(),
        message_name: record.message_name.clone(),
        correlation_key: record.correlation_key.clone(),
        message_key: record.message_key,
        variables: record.variables.clone(),
        is_interrupting: record.is_interrupting,
        tenant_id: record.tenant_id.clone(),
    }
}

/// The instance partition's view of a message partition's subscription (the element id is only known
/// there).
fn instance_side(record: &MessageSubscriptionRecord) -> ProcessMessageSubscriptionRecord {
    ProcessMessageSubscriptionRecord {
        process_instance_key: record.process_instance_key,
        element_instance_key: record.element_instance_key,
        message_key: record.message_key,
        message_name: record.message_name.clone(),
        variables: record.variables.clone(),
        correlation_key: record.correlation_key.clone(),
        element_id: String::new(),
        bpmn_process_id: record.bpmn_process_id.clone(),
        is_interrupting: record.is_interrupting,
        tenant_id: record.tenant_id.clone(),
    }
}

/// Subscription commands waiting for an acknowledgement, rebuilt from state: MESSAGE_SUBSCRIPTION CREATE
/// / DELETE of opening / closing process message subscriptions, then PROCESS_MESSAGE_SUBSCRIPTION
/// CORRELATE of correlating message subscriptions, each in element instance key order. Commands for this
/// partition itself are included (the broker delivers them like the others).
pub(crate) fn pending_outbound(
    config: EngineConfig,
    state: &dyn KvRead,
) -> Result<Vec<Outbound>, EngineError> {
    let mut outbound = Vec::new();
    for subscription in subscriptions::pending_processes(state)? {
        let (intent, record) = match subscription.state {
            ProcessSubscriptionState::Opening => {
                let mut record = message_side(&subscription.record);
                record.message_key = Key::NONE;
                record.variables = Document::empty();
                (MessageSubscriptionIntent::Create, record)
            }
            ProcessSubscriptionState::Closing => (
                MessageSubscriptionIntent::Delete,
                process_subscription::delete_command(&subscription.record),
            ),
            ProcessSubscriptionState::Opened => continue,
        };
        outbound.push(Outbound {
            partition: message_partition(&record.correlation_key, config.partition_count),
            command: Record::command(
                Key::NONE,
                RecordValue::MessageSubscription(intent, Box::new(record)),
            ),
        });
    }
    for subscription in subscriptions::correlating_messages(state)? {
        let record = instance_side(&subscription.record);
        outbound.push(Outbound {
            partition: instance_partition(record.process_instance_key)?,
            command: Record::command(
                Key::NONE,
                RecordValue::ProcessMessageSubscription(
                    ProcessMessageSubscriptionIntent::Correlate,
                    Box::new(record),
                ),
            ),
        });
    }
    Ok(outbound)
}
