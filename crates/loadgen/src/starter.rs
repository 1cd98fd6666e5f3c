//! The starter: creates process instances and measures how long each takes to complete.
//!
//! Every instance is created with `CreateProcessInstanceWithResult`, so the call returns when the
//! instance has completed and its duration is the end-to-end create-to-complete latency. The
//! number of calls outstanding is bounded by a semaphore (`--max-in-flight`); with a target rate
//! the [`RateLimiter`] spaces the calls evenly on top of that.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hornet_client::{Client, ClientError, CreateWithResult, ProcessRef};
use serde_json::Value;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

use crate::rate::RateLimiter;
use crate::stats::{Epoch, Stats};
use crate::LoadgenError;

/// Pause before retrying a creation refused by backpressure, so a saturated broker is not
/// hammered with immediate retries.
pub const BACKPRESSURE_PAUSE: Duration = Duration::from_millis(20);

const CREATE_RPC: &str = "CreateProcessInstanceWithResult";

/// What the starter needs to create instances.
#[derive(Clone)]
pub struct StarterConfig {
    pub client: Client,
    pub process_definition_key: i64,
    pub payload: Arc<Value>,
    pub rate: u32,
    pub max_in_flight: usize,
    pub request_timeout: Duration,
}

/// Creates instances until `stop` turns true, then returns the still running instance calls so
/// that the caller can wait for them (and abort what remains after a grace period).
///
/// Fatal errors (the gateway does not implement the RPC) are sent to `fatal`.
pub async fn run_starter(
    config: StarterConfig,
    stats: Arc<Stats>,
    mut stop: watch::Receiver<bool>,
    fatal: mpsc::UnboundedSender<LoadgenError>,
) -> JoinSet<()> {
    let slots = Arc::new(Semaphore::new(config.max_in_flight));
    let mut limiter = RateLimiter::new(config.rate);
    let mut in_flight = JoinSet::new();
    let options = Arc::new(CreateWithResult {
        // All variables, as a plain client call would; the payload travels back, as in a
        // real request-response use of the RPC.
        fetch_variables: Vec::new(),
        request_timeout: Some(config.request_timeout),
    });
    loop {
        // Reap finished calls so the set does not grow with the run's length.
        while in_flight.try_join_next().is_some() {}

        let slot = tokio::select! {
            biased;
            _ = stop.wait_for(|stopped| *stopped) => break,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                // The semaphore is never closed while the starter runs.
                Err(_) => break,
            },
        };
        if let Some(limiter) = limiter.as_mut() {
            tokio::select! {
                biased;
                _ = stop.wait_for(|stopped| *stopped) => break,
                () = limiter.acquire() => {}
            }
        }
        let client = config.client.clone();
        let payload = Arc::clone(&config.payload);
        let options = Arc::clone(&options);
        let stats = Arc::clone(&stats);
        let fatal = fatal.clone();
        let key = config.process_definition_key;
        let epoch = stats.instance_started();
        in_flight.spawn(async move {
            let _slot = slot;
            create_one(&client, key, &payload, &options, &stats, epoch, &fatal).await;
        });
    }
    in_flight
}

/// Creates one instance, retrying after backpressure, and records the outcome.
async fn create_one(
    client: &Client,
    process_definition_key: i64,
    payload: &Value,
    options: &CreateWithResult,
    stats: &Stats,
    epoch: Epoch,
    fatal: &mpsc::UnboundedSender<LoadgenError>,
) {
    loop {
        let sent = Instant::now();
        let result = client
            .create_process_instance_with_result(
                ProcessRef::key(process_definition_key),
                payload,
                options,
            )
            .await;
        match result {
            Ok(_) => {
                stats.instance_completed(epoch, sent.elapsed());
                return;
            }
            Err(error) => match classify(&error) {
                Outcome::Backpressure => {
                    stats.backpressure();
                    tokio::time::sleep(BACKPRESSURE_PAUSE).await;
                }
                Outcome::Unsupported(message) => {
                    // The receiver is gone only once the run is over; nothing left to tell.
                    let _ = fatal.send(LoadgenError::Unsupported {
                        rpc: CREATE_RPC,
                        message,
                    });
                    stats.instance_failed(epoch);
                    return;
                }
                Outcome::Error(code) => {
                    stats.error(CREATE_RPC, code);
                    stats.instance_failed(epoch);
                    return;
                }
            },
        }
    }
}

/// How the load generator reacts to a failed RPC.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// RESOURCE_EXHAUSTED: count it, pause, retry.
    Backpressure,
    /// UNIMPLEMENTED: the run cannot measure anything meaningful; stop it.
    Unsupported(String),
    /// Anything else: count it under this code name.
    Error(&'static str),
}

pub fn classify(error: &ClientError) -> Outcome {
    match error.code() {
        Some(tonic::Code::ResourceExhausted) => Outcome::Backpressure,
        Some(tonic::Code::Unimplemented) => {
            Outcome::Unsupported(error.status_message().unwrap_or_default().to_owned())
        }
        Some(code) => Outcome::Error(code_name(code)),
        None => Outcome::Error("LOCAL"),
    }
}

/// The gRPC name of a status code, as Zeebe's documentation spells it.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpc_error(code: tonic::Code) -> ClientError {
        ClientError::Rpc {
            rpc: CREATE_RPC,
            code,
            message: "because".into(),
        }
    }

    #[test]
    fn failures_are_classified() {
        assert_eq!(
            classify(&rpc_error(tonic::Code::ResourceExhausted)),
            Outcome::Backpressure
        );
        assert_eq!(
            classify(&rpc_error(tonic::Code::Unimplemented)),
            Outcome::Unsupported("because".into())
        );
        assert_eq!(
            classify(&rpc_error(tonic::Code::DeadlineExceeded)),
            Outcome::Error("DEADLINE_EXCEEDED")
        );
        let local = ClientError::InvalidArgument {
            argument: "variables",
            reason: "x".into(),
        };
        assert_eq!(classify(&local), Outcome::Error("LOCAL"));
    }
}
