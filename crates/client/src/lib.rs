//! A small async client for the gateway gRPC API (`gateway_protocol.Gateway`), used by Hornet's
//! integration tests, CLI and load generator. It works against any Zeebe-compatible gateway.
//!
//! [`Client`] wraps the generated [`GatewayClient`](hornet_api::gateway_protocol::gateway_client::GatewayClient)
//! and adds what the raw stubs leave to the caller:
//!
//! - variables are passed as [`serde_json::Value`] and checked to be JSON objects before anything
//!   is sent ([`variables`]);
//! - durations are [`std::time::Duration`]s, converted to the protocol's milliseconds with
//!   overflow checks; arguments the gateway would reject (blank job type, zero jobs to activate)
//!   are rejected locally with the offending argument named ([`requests`]);
//! - `ActivateJobs`' response stream is collected into one list of jobs;
//! - every failure is a [`ClientError`] that keeps the gRPC status code and message.
//!
//! Responses are the generated protocol types, re-exported as [`proto`]; [`VariablesJson`]
//! parses their JSON payloads.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hornet_client::ClientError> {
//! use hornet_client::{ActivateJobs, Client, ProcessRef};
//! use serde_json::json;
//!
//! let client = Client::connect("localhost:26500").await?;
//! client.deploy_resource("order.bpmn", std::fs::read("order.bpmn").unwrap_or_default()).await?;
//! client
//!     .create_process_instance(ProcessRef::latest("order"), &json!({"orderId": 7}))
//!     .await?;
//! for job in client.activate_jobs(&ActivateJobs::new("ship", "demo-worker")).await? {
//!     client.complete_job(job.key, &json!({"shipped": true})).await?;
//! }
//! # Ok(())
//! # }
//! ```

mod client;
mod error;
pub mod requests;
pub mod variables;

pub use client::Client;
pub use error::ClientError;
pub use requests::{
    ActivateJobs, CreateWithResult, DecisionRef, LongPolling, ProcessRef, PublishMessage,
    ResourceFile,
};
pub use variables::VariablesJson;

/// The generated protocol types (requests, responses, enums) of `gateway_protocol`.
pub use hornet_api::gateway_protocol as proto;
