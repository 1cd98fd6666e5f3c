//! Record values, one struct per value type, with Zeebe's field names (camelCase in exported JSON).
//!
//! Fields are encoded by position in the log: append new fields at the end of a struct, never reorder.
//!
//! The engine moves and clones records all the time, so their in-memory form is kept small: ids are
//! `SmolStr` (held inline up to 23 bytes, cheap to clone) and the values of the larger, rarer types
//! are boxed in [`RecordValue`]. Neither changes the encoding, which serde sees as plain strings and
//! structs.

mod decision;
mod deployment;
mod incident;
mod job;
mod message;
mod misc;
mod process_instance;
mod user_task;
mod variable;

pub use decision::*;
pub use deployment::*;
pub use incident::*;
pub use job::*;
pub use message::*;
pub use misc::*;
pub use process_instance::*;
pub use user_task::*;
pub use variable::*;

use crate::intent::*;
use crate::record::ValueType;
use serde::{Deserialize, Serialize};

macro_rules! record_values {
    ($($variant:ident($intent:ident, $value:ty)),+ $(,)?) => {
        /// A record's value together with its intent; the pair fixes the value type, so an intent can never
        /// be paired with a value of another type.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum RecordValue {
            $($variant($intent, $value)),+
        }

        impl RecordValue {
            pub fn value_type(&self) -> ValueType {
                match self { $(RecordValue::$variant(..) => ValueType::$variant),+ }
            }

            pub fn intent_name(&self) -> &'static str {
                match self { $(RecordValue::$variant(intent, _) => intent.as_str()),+ }
            }

            /// The value alone, as exported JSON.
            pub fn value_json(&self) -> serde_json::Value {
                match self {
                    $(RecordValue::$variant(_, value) => serde_json::to_value(value).unwrap_or(serde_json::Value::Null)),+
                }
            }
        }
    };
}

record_values! {
    Deployment(DeploymentIntent, DeploymentRecord),
    Process(ProcessIntent, Box<ProcessRecord>),
    ProcessInstance(ProcessInstanceIntent, ProcessInstanceRecord),
    ProcessInstanceCreation(ProcessInstanceCreationIntent, ProcessInstanceCreationRecord),
    ProcessInstanceResult(ProcessInstanceResultIntent, ProcessInstanceResultRecord),
    ProcessInstanceBatch(ProcessInstanceBatchIntent, ProcessInstanceBatchRecord),
    Job(JobIntent, Box<JobRecord>),
    JobBatch(JobBatchIntent, Box<JobBatchRecord>),
    Incident(IncidentIntent, Box<IncidentRecord>),
    Variable(VariableIntent, VariableRecord),
    VariableDocument(VariableDocumentIntent, VariableDocumentRecord),
    Message(MessageIntent, MessageRecord),
    MessageSubscription(MessageSubscriptionIntent, Box<MessageSubscriptionRecord>),
    ProcessMessageSubscription(ProcessMessageSubscriptionIntent, Box<ProcessMessageSubscriptionRecord>),
    MessageStartEventSubscription(MessageStartEventSubscriptionIntent, Box<MessageStartEventSubscriptionRecord>),
    Timer(TimerIntent, TimerRecord),
    Signal(SignalIntent, SignalRecord),
    SignalSubscription(SignalSubscriptionIntent, SignalSubscriptionRecord),
    Escalation(EscalationIntent, EscalationRecord),
    Error(ErrorIntent, ErrorRecord),
    CommandDistribution(CommandDistributionIntent, CommandDistributionRecord),
    ProcessEvent(ProcessEventIntent, ProcessEventRecord),
    Decision(DecisionIntent, Box<DecisionRecord>),
    DecisionRequirements(DecisionRequirementsIntent, Box<DecisionRequirementsRecord>),
    DecisionEvaluation(DecisionEvaluationIntent, Box<DecisionEvaluationRecord>),
    CompensationSubscription(CompensationSubscriptionIntent, Box<CompensationSubscriptionRecord>),
    UserTask(UserTaskIntent, Box<UserTaskRecord>),
}
