//! Error type shared by the log and the state store.

use std::path::PathBuf;

/// Everything that can go wrong in partition storage.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// RocksDB reported an error while performing `operation` on the database at `path`.
    #[error("rocksdb failed to {operation} in {path}: {source}")]
    Rocks {
        operation: &'static str,
        path: PathBuf,
        #[source]
        source: rocksdb::Error,
    },
    /// A file system operation failed.
    #[error("i/o error while trying to {operation} {path}: {source}")]
    Io {
        operation: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The entries of one log batch were not given in contiguous ascending index order.
    #[error("log batch is not contiguous: index {got} was pushed after index {previous}")]
    NonContiguousBatch { previous: u64, got: u64 },
    /// A key in the log database is not an 8-byte big-endian index.
    #[error("corrupt log key of {len} bytes in {path} (expected 8)")]
    CorruptLogKey { path: PathBuf, len: usize },
    /// The file naming the live state generation does not hold a generation number.
    #[error("state generation file {path} is corrupt: {content:?}")]
    CorruptGeneration { path: PathBuf, content: String },
    /// An incoming state directory was handed to a state store it was not prepared by.
    #[error("incoming state {incoming} was not prepared by the state store at {root}")]
    ForeignIncoming { incoming: PathBuf, root: PathBuf },
}

impl StorageError {
    pub(crate) fn rocks<'a>(
        operation: &'static str,
        path: &'a std::path::Path,
    ) -> impl FnOnce(rocksdb::Error) -> StorageError + 'a {
        move |source| StorageError::Rocks {
            operation,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn io<'a>(
        operation: &'static str,
        path: &'a std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> StorageError + 'a {
        move |source| StorageError::Io {
            operation,
            path: path.to_path_buf(),
            source,
        }
    }
}
