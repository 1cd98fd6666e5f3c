//! Snapshot packing and the on-disk snapshot store, streamed through files (never held in memory).
//!
//! A snapshot is a RocksDB checkpoint of the state store. Its files are packed into one
//! self-describing data file:
//!
//! ```text
//! "HCKPT001" | u32 file count | per file: u16 name length | name | u64 length | bytes
//! ```
//!
//! (integers little-endian). `<partition_dir>/snapshot/` holds the current snapshot as
//! `snap-<n>.data` plus `current.meta` (postcard of the meta and the data file's name). A new
//! snapshot's data file is complete and fsynced before `current.meta` is atomically replaced
//! (write, fsync, rename, fsync directory), so a crash leaves the old or the new snapshot, never a
//! partial one. Scratch files (checkpoints being packed, snapshots being received) are removed on
//! open.

use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::codec::{decode_value, encode_value};
use crate::error::ReplicationError;
use crate::types::SnapshotMeta;

const PACK_MAGIC: &[u8; 8] = b"HCKPT001";
const CURRENT_META: &str = "current.meta";
const CHECKPOINT_PREFIX: &str = "checkpoint-";
const DATA_PREFIX: &str = "snap-";
const DATA_SUFFIX: &str = ".data";
const RECEIVING_PREFIX: &str = "receiving-";
const BUILDING_PREFIX: &str = "building-";

fn snapshot_error(path: &Path, reason: impl std::fmt::Display) -> ReplicationError {
    ReplicationError::Snapshot {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Packs every regular file of the checkpoint directory `dir` (which is flat), in name order,
/// into `out`.
pub fn pack_checkpoint(dir: &Path, out: &mut impl Write) -> Result<(), ReplicationError> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| snapshot_error(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| snapshot_error(dir, e))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| snapshot_error(&path, e))?;
        if !file_type.is_file() {
            return Err(snapshot_error(
                &path,
                "checkpoint holds something that is not a file",
            ));
        }
        let name = entry
            .file_name()
            .into_string()
            .map_err(|name| snapshot_error(dir, format!("file name {name:?} is not UTF-8")))?;
        files.push((name, path));
    }
    files.sort();
    let count = u32::try_from(files.len()).map_err(|_| snapshot_error(dir, "too many files"))?;
    let write = |out: &mut dyn Write, bytes: &[u8]| {
        out.write_all(bytes).map_err(|e| snapshot_error(dir, e))
    };
    write(out, PACK_MAGIC)?;
    write(out, &count.to_le_bytes())?;
    for (name, path) in files {
        let mut file = std::fs::File::open(&path).map_err(|e| snapshot_error(&path, e))?;
        let len = file.metadata().map_err(|e| snapshot_error(&path, e))?.len();
        let name_len =
            u16::try_from(name.len()).map_err(|_| snapshot_error(&path, "file name too long"))?;
        write(out, &name_len.to_le_bytes())?;
        write(out, name.as_bytes())?;
        write(out, &len.to_le_bytes())?;
        // Checkpoint files are immutable, so the length read above stays right.
        let copied =
            std::io::copy(&mut (&mut file).take(len), out).map_err(|e| snapshot_error(&path, e))?;
        if copied != len {
            return Err(snapshot_error(
                &path,
                format!("file shrank while packing ({copied} of {len} bytes)"),
            ));
        }
    }
    out.flush().map_err(|e| snapshot_error(dir, e))
}

fn read_array<const N: usize>(input: &mut impl Read, what: &str) -> Result<[u8; N], String> {
    let mut array = [0u8; N];
    input
        .read_exact(&mut array)
        .map_err(|e| format!("cannot read {what}: {e}"))?;
    Ok(array)
}

/// Unpacks a packed checkpoint from `input` into the existing empty directory `dir`, fsyncing
/// every file. Rejects file names that are not plain names and any bytes after the last file.
pub fn unpack_checkpoint(input: &mut impl Read, dir: &Path) -> Result<(), ReplicationError> {
    let fail = |reason: String| snapshot_error(dir, format!("invalid snapshot data: {reason}"));
    if &read_array::<8>(input, "magic").map_err(fail)? != PACK_MAGIC {
        return Err(fail("bad magic".to_string()));
    }
    let count = u32::from_le_bytes(read_array(input, "file count").map_err(fail)?);
    for _ in 0..count {
        let name_len = u16::from_le_bytes(read_array(input, "name length").map_err(fail)?);
        let mut name = vec![0u8; usize::from(name_len)];
        input
            .read_exact(&mut name)
            .map_err(|e| fail(format!("cannot read file name: {e}")))?;
        let name =
            String::from_utf8(name).map_err(|_| fail("file name is not UTF-8".to_string()))?;
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
            return Err(fail(format!("file name {name:?} is not a plain file name")));
        }
        let len = u64::from_le_bytes(read_array(input, "file length").map_err(fail)?);
        let path = dir.join(&name);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| snapshot_error(&path, e))?;
        let copied = std::io::copy(&mut Read::take(&mut *input, len), &mut file)
            .map_err(|e| snapshot_error(&path, e))?;
        if copied != len {
            return Err(fail(format!(
                "truncated in file {name} ({copied} of {len} bytes)"
            )));
        }
        file.sync_all().map_err(|e| snapshot_error(&path, e))?;
    }
    let mut trailing = [0u8; 1];
    match input.read(&mut trailing) {
        Ok(0) => {}
        Ok(_) => return Err(fail("trailing bytes after the last file".to_string())),
        Err(e) => return Err(fail(e.to_string())),
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), ReplicationError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| snapshot_error(dir, e))
}

/// Contents of `current.meta`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct CurrentSnapshot {
    meta: SnapshotMeta,
    data_file: String,
}

/// The snapshot directory of a partition: the current snapshot plus scratch files.
pub struct SnapshotFiles {
    dir: PathBuf,
    /// The current snapshot; the lock also serializes replacing it.
    current: Mutex<Option<CurrentSnapshot>>,
    next_scratch: AtomicU64,
}

impl SnapshotFiles {
    /// Opens `<partition_dir>/snapshot`, removing scratch files and unreferenced data left by a
    /// crash.
    pub fn open(partition_dir: &Path) -> Result<Self, ReplicationError> {
        let dir = partition_dir.join("snapshot");
        std::fs::create_dir_all(&dir).map_err(|e| snapshot_error(&dir, e))?;
        let meta_path = dir.join(CURRENT_META);
        let current = match std::fs::read(&meta_path) {
            Ok(bytes) => Some(decode_value::<CurrentSnapshot>(
                "current snapshot meta",
                &bytes,
            )?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(snapshot_error(&meta_path, e)),
        };
        for entry in std::fs::read_dir(&dir).map_err(|e| snapshot_error(&dir, e))? {
            let entry = entry.map_err(|e| snapshot_error(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let referenced = current.as_ref().is_some_and(|c| c.data_file == name);
            let scratch = name.starts_with(CHECKPOINT_PREFIX)
                || name.starts_with(RECEIVING_PREFIX)
                || name.starts_with(BUILDING_PREFIX)
                || name.ends_with(".tmp")
                || (name.starts_with(DATA_PREFIX) && !referenced);
            if !scratch {
                continue;
            }
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.map_err(|e| snapshot_error(&path, e))?;
        }
        if let Some(current) = &current {
            let data = dir.join(&current.data_file);
            if !data.is_file() {
                return Err(snapshot_error(
                    &data,
                    "data file of the current snapshot is missing",
                ));
            }
        }
        Ok(Self {
            dir,
            current: Mutex::new(current),
            next_scratch: AtomicU64::new(1),
        })
    }

    fn scratch_path(&self, prefix: &str) -> PathBuf {
        let n = self.next_scratch.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!("{prefix}{n}"))
    }

    /// A fresh scratch path for a checkpoint (does not exist yet).
    pub fn checkpoint_path(&self) -> PathBuf {
        self.scratch_path(CHECKPOINT_PREFIX)
    }

    /// Creates a fresh scratch file for receiving a snapshot from a leader.
    pub fn create_receiving(&self) -> Result<(PathBuf, std::fs::File), ReplicationError> {
        let path = self.scratch_path(RECEIVING_PREFIX);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| snapshot_error(&path, e))?;
        Ok((path, file))
    }

    /// Packs the checkpoint at `checkpoint` into a data file and makes it the current snapshot
    /// (unless a newer one is current by then). Returns an open handle on the packed data.
    pub fn store_checkpoint(
        &self,
        meta: &SnapshotMeta,
        checkpoint: &Path,
    ) -> Result<std::fs::File, ReplicationError> {
        let path = self.scratch_path(BUILDING_PREFIX);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| snapshot_error(&path, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let packed = pack_checkpoint(checkpoint, &mut out).and_then(|()| {
            let mut file = out
                .into_inner()
                .map_err(|e| snapshot_error(&path, e.error()))?;
            file.sync_all().map_err(|e| snapshot_error(&path, e))?;
            file.seek(SeekFrom::Start(0))
                .map_err(|e| snapshot_error(&path, e))?;
            Ok(file)
        });
        match packed {
            Ok(file) => {
                // The handle stays valid even if a newer snapshot wins and the name goes away.
                self.make_current(meta, &path)?;
                Ok(file)
            }
            Err(err) => {
                let _ = std::fs::remove_file(&path);
                Err(err)
            }
        }
    }

    /// Makes the complete, fsynced data file at `data` the current snapshot, unless a newer one
    /// is current (then `data` is removed).
    pub fn make_current(&self, meta: &SnapshotMeta, data: &Path) -> Result<(), ReplicationError> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(existing) = current.as_ref() {
            if existing.meta.last_log_id > meta.last_log_id {
                let _ = std::fs::remove_file(data);
                return Ok(());
            }
        }
        let n = self.next_scratch.fetch_add(1, Ordering::Relaxed);
        let data_file = format!("{DATA_PREFIX}{n}{DATA_SUFFIX}");
        let target = self.dir.join(&data_file);
        std::fs::rename(data, &target).map_err(|e| snapshot_error(&target, e))?;
        let next = CurrentSnapshot {
            meta: meta.clone(),
            data_file,
        };
        let encoded = encode_value("current snapshot meta", &next)?;
        let tmp = self.dir.join(format!("{CURRENT_META}.tmp"));
        let meta_path = self.dir.join(CURRENT_META);
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&encoded)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &meta_path)
        };
        write().map_err(|e| snapshot_error(&meta_path, e))?;
        sync_dir(&self.dir)?;
        if let Some(previous) = current.replace(next) {
            // Readers that opened it keep their handle; the name is no longer needed.
            let _ = std::fs::remove_file(self.dir.join(previous.data_file));
        }
        Ok(())
    }

    /// The current snapshot's meta and an open handle on its data.
    pub fn open_current(&self) -> Result<Option<(SnapshotMeta, std::fs::File)>, ReplicationError> {
        let current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        match current.as_ref() {
            Some(current) => {
                let path = self.dir.join(&current.data_file);
                let file = std::fs::File::open(&path).map_err(|e| snapshot_error(&path, e))?;
                Ok(Some((current.meta.clone(), file)))
            }
            None => Ok(None),
        }
    }
}

/// Unpacks the snapshot data in `data` (read from its start) into `dir`.
pub fn unpack_from_file(data: &mut std::fs::File, dir: &Path) -> Result<(), ReplicationError> {
    data.seek(SeekFrom::Start(0))
        .map_err(|e| snapshot_error(dir, e))?;
    let mut reader = BufReader::with_capacity(1 << 20, data);
    unpack_checkpoint(&mut reader, dir)
}

#[cfg(test)]
mod tests {
    use openraft::{CommittedLeaderId, LogId, StoredMembership};

    use super::*;

    fn pack(dir: &Path) -> Vec<u8> {
        let mut out = Vec::new();
        pack_checkpoint(dir, &mut out).unwrap();
        out
    }

    fn meta(index: u64) -> SnapshotMeta {
        SnapshotMeta {
            last_log_id: Some(LogId::new(CommittedLeaderId::new(1, 1), index)),
            last_membership: StoredMembership::default(),
            snapshot_id: format!("s{index}"),
        }
    }

    #[test]
    fn pack_unpack_round_trip() {
        let source = tempfile::tempdir().unwrap();
        std::fs::write(source.path().join("a.sst"), b"alpha").unwrap();
        std::fs::write(source.path().join("MANIFEST-1"), vec![7u8; 70_000]).unwrap();
        std::fs::write(source.path().join("empty"), b"").unwrap();
        let packed = pack(source.path());

        let target = tempfile::tempdir().unwrap();
        unpack_checkpoint(&mut packed.as_slice(), target.path()).unwrap();
        assert_eq!(
            std::fs::read(target.path().join("a.sst")).unwrap(),
            b"alpha"
        );
        assert_eq!(
            std::fs::read(target.path().join("MANIFEST-1")).unwrap(),
            vec![7u8; 70_000]
        );
        assert_eq!(std::fs::read(target.path().join("empty")).unwrap(), b"");
    }

    #[test]
    fn malicious_or_truncated_data_is_rejected() {
        let mut evil = PACK_MAGIC.to_vec();
        evil.extend_from_slice(&1u32.to_le_bytes());
        evil.extend_from_slice(&5u16.to_le_bytes());
        evil.extend_from_slice(b"../x1");
        evil.extend_from_slice(&0u64.to_le_bytes());
        let target = tempfile::tempdir().unwrap();
        let err = unpack_checkpoint(&mut evil.as_slice(), target.path()).unwrap_err();
        assert!(err.to_string().contains("not a plain file name"), "{err}");

        let source = tempfile::tempdir().unwrap();
        std::fs::write(source.path().join("f"), b"0123456789").unwrap();
        let packed = pack(source.path());
        let target = tempfile::tempdir().unwrap();
        let err = unpack_checkpoint(&mut &packed[..packed.len() - 1], target.path()).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");

        let mut trailing = packed.clone();
        trailing.push(0);
        let target = tempfile::tempdir().unwrap();
        let err = unpack_checkpoint(&mut trailing.as_slice(), target.path()).unwrap_err();
        assert!(err.to_string().contains("trailing"), "{err}");

        let target = tempfile::tempdir().unwrap();
        assert!(unpack_checkpoint(&mut &b"garbage!"[..], target.path()).is_err());
    }

    #[test]
    fn current_snapshot_is_replaced_atomically_and_survives_reopen() {
        let partition = tempfile::tempdir().unwrap();
        let checkpoint = tempfile::tempdir().unwrap();
        std::fs::write(checkpoint.path().join("CURRENT"), b"x").unwrap();

        let files = SnapshotFiles::open(partition.path()).unwrap();
        assert!(files.open_current().unwrap().is_none());
        let data_files = || -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(partition.path().join("snapshot"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(DATA_SUFFIX))
                .collect();
            names.sort();
            names
        };
        files
            .store_checkpoint(&meta(10), checkpoint.path())
            .unwrap();
        let first = data_files();
        files
            .store_checkpoint(&meta(20), checkpoint.path())
            .unwrap();
        let second = data_files();
        assert_eq!(second.len(), 1, "the replaced snapshot's data is removed");
        assert_ne!(first, second);
        // An older snapshot never replaces a newer one, but its handle is still readable.
        let mut older = files
            .store_checkpoint(&meta(15), checkpoint.path())
            .unwrap();
        assert_eq!(data_files(), second);
        let unpacked = tempfile::tempdir().unwrap();
        unpack_from_file(&mut older, unpacked.path()).unwrap();
        // Leftover scratch files are cleaned up on open.
        std::fs::write(
            partition.path().join("snapshot").join("receiving-99"),
            b"partial",
        )
        .unwrap();
        drop(files);

        let files = SnapshotFiles::open(partition.path()).unwrap();
        let (current, mut data) = files.open_current().unwrap().unwrap();
        assert_eq!(current, meta(20));
        let unpacked = tempfile::tempdir().unwrap();
        unpack_from_file(&mut data, unpacked.path()).unwrap();
        assert_eq!(
            std::fs::read(unpacked.path().join("CURRENT")).unwrap(),
            b"x"
        );
        let names: Vec<String> = std::fs::read_dir(partition.path().join("snapshot"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
