//! Fixtures shared by the criterion benchmarks in `benches/benches/`.
//!
//! The benchmarks measure hot paths that span crates, so their inputs should look like what the
//! broker really writes. [`fixtures`] builds the log entries that processing Zeebe's benchmark
//! process (start event, one service task, end event) produces: the batch written when an
//! instance is created and the batch written when its job is completed.

pub mod fixtures;
