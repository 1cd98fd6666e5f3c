//! RocksDB storage for one Hornet partition.
//!
//! A partition keeps two independent RocksDB instances under its data directory:
//!
//! - [`LogStore`] at `<partition_dir>/log`: the replicated log (entries by index) plus the small
//!   amount of consensus metadata the replication layer must persist (vote, committed and last
//!   purged log ids). Appends are durable (WAL fsync) before they report success.
//! - [`StateStore`] at `<partition_dir>/state`: the engine's committed state. Writes are atomic but
//!   skip RocksDB's write-ahead log: after a crash the state is what its memtables last flushed
//!   (all column families together), and the log is replayed from the applied index stored with it.
//!
//! Both stores deal in opaque bytes and plain `u64` indices: the replication layer decides how its
//! values are encoded and the engine decides how its keys are laid out.

mod error;
mod log_store;
mod state_store;
mod tuning;

pub use error::StorageError;
pub use log_store::{LogBatch, LogStore};
pub use state_store::{CheckpointMeta, IncomingState, StateBatch, StateStore, StateView};

/// Name of the log directory inside a partition directory.
pub const LOG_DIR: &str = "log";
/// Name of the state directory inside a partition directory.
pub const STATE_DIR: &str = "state";
