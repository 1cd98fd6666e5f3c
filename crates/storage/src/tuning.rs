//! RocksDB options shared by the log and state stores.
//!
//! A node hosts several partitions, each with two RocksDB instances; they share one block cache
//! so memory does not grow with the partition count.

use std::sync::OnceLock;

use rocksdb::{BlockBasedOptions, Cache, Env, Options};

/// Length of the prefix the state store keeps bloom filters for. The engine's keys begin with a
/// column byte and, in most columns, the 8-byte key of the entity they belong to; most of its scans
/// are of one such prefix (an element instance's variables, children, subscriptions), and most of
/// those find nothing. Prefix blooms let such a scan skip the memtables and files that cannot hold
/// the prefix instead of seeking in each.
pub(crate) const STATE_PREFIX_LEN: usize = 9;

/// Size of the block cache shared by every store in the process.
const SHARED_BLOCK_CACHE_BYTES: usize = 128 * 1024 * 1024;

fn shared_block_cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Cache::new_lru_cache(SHARED_BLOCK_CACHE_BYTES))
}

/// RocksDB's default environment, whose background threads (memtable flushes, compactions) run at
/// the lowest CPU priority. A flush of a full state memtable takes over 100 ms of CPU; at normal
/// priority, two partitions flushing at once took that from the threads serving requests and showed
/// up as the p99 latency. At low priority the flushes use the CPU the request path leaves idle. `None`
/// if the environment cannot be created; the stores then use RocksDB's default.
fn background_env() -> Option<&'static Env> {
    static ENV: OnceLock<Option<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::new().ok()?;
        env.lower_thread_pool_cpu_priority();
        env.lower_high_priority_thread_pool_cpu_priority();
        Some(env)
    })
    .as_ref()
}

/// Options common to both stores.
pub(crate) fn base_options() -> Options {
    let mut options = Options::default();
    if let Some(env) = background_env() {
        options.set_env(env);
    }
    options.create_if_missing(true);
    options.create_missing_column_families(true);
    options.set_compression_type(rocksdb::DBCompressionType::Lz4);
    options.set_max_background_jobs(2);
    options
}

/// Table options: shared cache, plus bloom filters when the workload does point lookups of keys
/// that may be absent (the engine's state does, the log does not).
pub(crate) fn table_options(bloom_filter: bool) -> BlockBasedOptions {
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(shared_block_cache());
    if bloom_filter {
        table.set_bloom_filter(10.0, false);
    }
    table
}
