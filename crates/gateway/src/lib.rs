//! Hornet's gateway: the `gateway_protocol.Gateway` gRPC service that Zeebe clients talk to.
//!
//! A thin router: each request is validated like Zeebe's gateway does, turned into a command record,
//! sent to the partition that owns it through a [`BrokerClient`], and the answering record (an event or a
//! rejection) is mapped back to the gRPC response or to Zeebe's status code and message.
//!
//! The crate knows nothing about the engine or the broker's internals: the broker implements
//! [`BrokerClient`], builds a [`GatewayService`] and serves it with [`serve`].
//!
//! # Requests
//!
//! | RPC | command (value type, intent; key) | partition | answer -> response |
//! | --- | --- | --- | --- |
//! | DeployResource | Deployment CREATE | 1 | Deployment CREATED -> key, process metadata |
//! | CreateProcessInstance | ProcessInstanceCreation CREATE | round-robin over leaders, fail-over | ProcessInstanceCreation CREATED |
//! | CreateProcessInstanceWithResult | ProcessInstanceCreation CREATE_WITH_AWAITING_RESULT | as above | ProcessInstanceResult COMPLETED |
//! | CancelProcessInstance | ProcessInstance CANCEL; instance key | of the key | any ProcessInstance event |
//! | ActivateJobs | JobBatch ACTIVATE per partition | all, round-robin start | JobBatch ACTIVATED -> streamed jobs |
//! | StreamActivatedJobs | a job stream ([`BrokerClient::open_job_stream`]); JobBatch ACTIVATE on open and per notification | all | pushed and activated jobs |
//! | CompleteJob / FailJob / ThrowError / UpdateJobRetries / UpdateJobTimeout | Job COMPLETE / FAIL / THROW_ERROR / UPDATE_RETRIES / UPDATE_TIMEOUT; job key | of the key | any Job event |
//! | SetVariables | VariableDocument UPDATE (scope = element instance key) | of the key | VariableDocument event -> its key |
//! | ResolveIncident | Incident RESOLVE; incident key | of the key | any Incident event |
//! | PublishMessage | Message PUBLISH | `abs(hash(correlationKey) % partitions) + 1` | Message event -> its key |
//! | BroadcastSignal | Signal BROADCAST | 1 | Signal event -> its key |
//! | Topology | — | — | [`BrokerClient::topology`] |
//! | EvaluateDecision, ModifyProcessInstance, MigrateProcessInstance, DeleteResource, EvaluateConditional, DeployProcess | — | — | `UNIMPLEMENTED` |
//!
//! # REST API
//!
//! [`rest_router`] serves the user task commands of Zeebe 8.8's REST API (`/v2/user-tasks/...`:
//! completion, assignment, unassignment, update) through the same dispatcher; see [`rest`]. Serve it
//! with [`serve_rest`] on its own port (Zeebe's default is 8080).
//!
//! # Errors
//!
//! | cause | status |
//! | --- | --- |
//! | invalid request (variables not a JSON object, missing process id and key, blank job type, ...) | `INVALID_ARGUMENT` |
//! | tenant other than `<default>` (multi-tenancy is disabled) | `INVALID_ARGUMENT` |
//! | key that names no partition of the cluster | `NOT_FOUND` (as a rejection would) |
//! | rejection INVALID_ARGUMENT / NOT_FOUND / ALREADY_EXISTS / INVALID_STATE / PROCESSING_ERROR / EXCEEDED_BATCH_RECORD_SIZE | `INVALID_ARGUMENT` / `NOT_FOUND` / `ALREADY_EXISTS` / `FAILED_PRECONDITION` / `INTERNAL` / `INTERNAL`, message `Command '<INTENT>' rejected with code '<TYPE>': <reason>` |
//! | [`BrokerError::PartitionUnavailable`] | `UNAVAILABLE` (after retrying until the deadline) |
//! | [`BrokerError::Backpressure`] | `RESOURCE_EXHAUSTED` |
//! | [`BrokerError::Timeout`] or the gateway's own deadline | `DEADLINE_EXCEEDED` |
//! | [`BrokerError::OutcomeUnknown`] (the leader that took the command changed before answering) | `DEADLINE_EXCEEDED`, not retried |
//! | [`BrokerError::Internal`], an answer of the wrong kind | `INTERNAL` |

mod broker_client;
mod commands;
mod config;
mod dispatch;
mod job_stream;
mod jobs;
mod metrics;
mod responses;
pub mod rest;
pub mod routing;
mod server;
mod service;
mod status;
mod topology;
mod validate;

pub use broker_client::{
    BrokerClient, BrokerError, JobStreamProperties, JobStreamRegistration, JobsAvailable, PushedJob,
};
pub use config::GatewayConfig;
pub use metrics::GatewayMetrics;
pub use rest::{rest_router, serve_rest};
pub use server::{serve, serve_with_listener, ServeError};
pub use service::GatewayService;
pub use topology::{BrokerInfo, ClusterTopology, PartitionHealth, PartitionInfo, PartitionRole};
pub use validate::DEFAULT_TENANT;
