//! Per-partition Raft replication for Hornet.
//!
//! Every partition is an openraft group whose log *is* the partition log: application entries
//! carry opaque payloads (encoded batches of Hornet records) that this crate never interprets.
//! [`PartitionReplica`] runs one member of such a group on top of `hornet-storage`:
//!
//! - the Raft log lives in a [`hornet_storage::LogStore`], appends are fsynced (grouped) before
//!   openraft counts them as persisted;
//! - committed entries are applied in log order, on every replica, through the caller's
//!   [`Applier`], each together with the applied position in one atomic state write;
//! - snapshots are RocksDB checkpoints of the state and let the log be compacted.
//!
//! The transport between members is pluggable (any openraft `RaftNetworkFactory`); [`NoPeers`]
//! serves single-member groups.

mod codec;
mod error;
pub mod in_process;
mod log_storage;
mod network;
mod replica;
mod snapshot;
mod state_machine;
mod tail_cache;
mod types;

pub use codec::CodecError;
pub use error::{ApplyError, ReplicationError};
pub use hornet_storage::{StateBatch, StateStore, StateView};
pub use log_storage::{LogReader, RaftLog};
pub use network::{NoPeers, NoPeersClient};
pub use replica::{
    AppendReceipt, GroupMembership, PartitionReplica, ReplicaConfig, Role, RoleState,
};
pub use state_machine::{
    applied_position, Applier, CommittedEntry, SnapshotBuilder, StateMachine, StateWrites,
};
pub use types::{EntryPosition, LogId, NodeId, Payload, Raft, TypeConfig};
