//! A load generator for Hornet (and any Zeebe-compatible gateway), modelled on Zeebe's
//! benchmark: a starter creates process instances at a target rate and workers complete their
//! jobs, all through the public gateway API with [`hornet_client`].
//!
//! - The starter creates instances with `CreateProcessInstanceWithResult`, so each call measures
//!   the end-to-end create-to-complete latency; `--max-in-flight` bounds the calls outstanding
//!   and `--rate` paces them evenly ([`rate`]).
//! - Workers activate jobs by long polling (or receive them on a job stream) and complete them
//!   without variables ([`worker`]).
//! - `RESOURCE_EXHAUSTED` answers (backpressure) are counted separately and retried after a
//!   short pause; other errors are counted by RPC and gRPC code.
//! - Once a second a progress line goes to stderr and the broker's Prometheus endpoint is
//!   scraped for its resident memory ([`prometheus`]).
//! - At the end a [`Summary`] is printed, optionally written as JSON, and returned.
//!
//! The `hornet` binary exposes [`run`] as `hornet bench`, with [`BenchArgs`] as its arguments.

mod args;
mod error;
mod memory;
pub mod payload;
pub mod process;
mod progress;
pub mod prometheus;
pub mod rate;
mod run;
mod starter;
mod stats;
mod worker;

pub use args::{parse_duration, BenchArgs, WorkerMode, DEFAULT_JOB_TYPE};
pub use error::LoadgenError;
pub use run::run;
pub use stats::{LatencySummary, MemoryReading, RunConfig, Summary};
