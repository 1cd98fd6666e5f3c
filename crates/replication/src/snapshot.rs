//! Snapshot packing and the on-disk copy of the current snapshot.
//!
//! A snapshot is a RocksDB checkpoint of the state store. Its files are packed into one
//! self-describing byte string:
//!
//! ```text
//! "HCKPT001" | u32 file count | per file: u16 name length | name | u64 length | bytes
//! ```
//!
//! (integers little-endian). The latest snapshot is kept at `<partition_dir>/snapshot/current`
//! as `"HSNAPF01" | u64 meta length | postcard(SnapshotMeta) | packed checkpoint`, written to a
//! temporary file and renamed into place so a crash never leaves a partial snapshot.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::codec::{decode_value, encode_value};
use crate::error::ReplicationError;
use crate::types::SnapshotMeta;

const PACK_MAGIC: &[u8; 8] = b"HCKPT001";
const FILE_MAGIC: &[u8; 8] = b"HSNAPF01";
const CURRENT: &str = "current";
const CHECKPOINT_PREFIX: &str = "checkpoint-";

fn snapshot_error(path: &Path, reason: impl std::fmt::Display) -> ReplicationError {
    ReplicationError::Snapshot {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Packs every regular file of the checkpoint directory `dir` (which is flat) in name order.
pub fn pack_checkpoint(dir: &Path) -> Result<Vec<u8>, ReplicationError> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| snapshot_error(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| snapshot_error(dir, e))?;
        let file_type = entry
            .file_type()
            .map_err(|e| snapshot_error(&entry.path(), e))?;
        if !file_type.is_file() {
            return Err(snapshot_error(
                &entry.path(),
                "checkpoint holds something that is not a file",
            ));
        }
        let name = entry
            .file_name()
            .into_string()
            .map_err(|name| snapshot_error(dir, format!("file name {name:?} is not UTF-8")))?;
        files.push((name, entry.path()));
    }
    files.sort();
    let count = u32::try_from(files.len()).map_err(|_| snapshot_error(dir, "too many files"))?;
    let mut out = Vec::new();
    out.extend_from_slice(PACK_MAGIC);
    out.extend_from_slice(&count.to_le_bytes());
    for (name, path) in files {
        let data = std::fs::read(&path).map_err(|e| snapshot_error(&path, e))?;
        let name_len =
            u16::try_from(name.len()).map_err(|_| snapshot_error(&path, "file name too long"))?;
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        out.extend_from_slice(&data);
    }
    Ok(out)
}

struct Reader<'a> {
    data: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self
            .position
            .checked_add(len)
            .filter(|end| *end <= self.data.len())
            .ok_or_else(|| format!("truncated at byte {} while reading {what}", self.position))?;
        let slice = &self.data[self.position..end];
        self.position = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], String> {
        let slice = self.take(N, what)?;
        let mut array = [0u8; N];
        array.copy_from_slice(slice);
        Ok(array)
    }
}

/// Unpacks a packed checkpoint into the existing empty directory `dir`, fsyncing every file.
pub fn unpack_checkpoint(data: &[u8], dir: &Path) -> Result<(), ReplicationError> {
    let fail = |reason: String| snapshot_error(dir, format!("invalid snapshot data: {reason}"));
    let mut reader = Reader { data, position: 0 };
    if reader.take(PACK_MAGIC.len(), "magic").map_err(fail)? != PACK_MAGIC {
        return Err(fail("bad magic".to_string()));
    }
    let count = u32::from_le_bytes(reader.array("file count").map_err(fail)?);
    for _ in 0..count {
        let name_len = u16::from_le_bytes(reader.array("name length").map_err(fail)?);
        let name = reader
            .take(usize::from(name_len), "file name")
            .map_err(fail)?;
        let name =
            std::str::from_utf8(name).map_err(|_| fail("file name is not UTF-8".to_string()))?;
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
            return Err(fail(format!("file name {name:?} is not a plain file name")));
        }
        let len = u64::from_le_bytes(reader.array("file length").map_err(fail)?);
        let len = usize::try_from(len).map_err(|_| fail(format!("file {name} is too large")))?;
        let content = reader.take(len, name).map_err(fail)?;
        let path = dir.join(name);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| snapshot_error(&path, e))?;
        file.write_all(content)
            .map_err(|e| snapshot_error(&path, e))?;
        file.sync_all().map_err(|e| snapshot_error(&path, e))?;
    }
    if reader.position != data.len() {
        return Err(fail(format!(
            "{} trailing bytes",
            data.len() - reader.position
        )));
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), ReplicationError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| snapshot_error(dir, e))
}

/// The snapshot directory of a partition: the current snapshot file plus scratch checkpoints.
pub struct SnapshotFiles {
    dir: PathBuf,
    /// Meta of the snapshot in `current`; the lock also serializes writers of `current`.
    current: Mutex<Option<SnapshotMeta>>,
}

impl SnapshotFiles {
    /// Opens `<partition_dir>/snapshot`, removing scratch files left by a crash.
    pub fn open(partition_dir: &Path) -> Result<Self, ReplicationError> {
        let dir = partition_dir.join("snapshot");
        std::fs::create_dir_all(&dir).map_err(|e| snapshot_error(&dir, e))?;
        for entry in std::fs::read_dir(&dir).map_err(|e| snapshot_error(&dir, e))? {
            let entry = entry.map_err(|e| snapshot_error(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with(CHECKPOINT_PREFIX) {
                std::fs::remove_dir_all(&path).map_err(|e| snapshot_error(&path, e))?;
            } else if name.ends_with(".tmp") {
                std::fs::remove_file(&path).map_err(|e| snapshot_error(&path, e))?;
            }
        }
        let current = read_current(&dir.join(CURRENT))?.map(|(meta, _)| meta);
        Ok(Self {
            dir,
            current: Mutex::new(current),
        })
    }

    /// A fresh scratch path for checkpoint number `seq` (must not exist yet).
    pub fn checkpoint_path(&self, seq: u64) -> Result<PathBuf, ReplicationError> {
        let path = self.dir.join(format!("{CHECKPOINT_PREFIX}{seq}"));
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| snapshot_error(&path, e))?;
        }
        Ok(path)
    }

    /// Loads the current snapshot.
    pub fn load(&self) -> Result<Option<(SnapshotMeta, Vec<u8>)>, ReplicationError> {
        let _guard = self.current.lock().unwrap_or_else(|p| p.into_inner());
        read_current(&self.dir.join(CURRENT))
    }

    /// Makes (`meta`, `data`) the current snapshot unless the current one is newer.
    pub fn store(&self, meta: &SnapshotMeta, data: &[u8]) -> Result<(), ReplicationError> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(existing) = current.as_ref() {
            if existing.last_log_id > meta.last_log_id {
                return Ok(());
            }
        }
        let encoded_meta = encode_value("snapshot meta", meta)?;
        let tmp = self.dir.join(format!("{CURRENT}.tmp"));
        let target = self.dir.join(CURRENT);
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(FILE_MAGIC)?;
            file.write_all(&(encoded_meta.len() as u64).to_le_bytes())?;
            file.write_all(&encoded_meta)?;
            file.write_all(data)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &target)
        };
        write().map_err(|e| snapshot_error(&target, e))?;
        sync_dir(&self.dir)?;
        *current = Some(meta.clone());
        Ok(())
    }
}

fn read_current(path: &Path) -> Result<Option<(SnapshotMeta, Vec<u8>)>, ReplicationError> {
    let mut bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(snapshot_error(path, e)),
    };
    let fail = |reason: String| snapshot_error(path, format!("corrupt snapshot file: {reason}"));
    let mut reader = Reader {
        data: &bytes,
        position: 0,
    };
    if reader.take(FILE_MAGIC.len(), "magic").map_err(fail)? != FILE_MAGIC {
        return Err(fail("bad magic".to_string()));
    }
    let meta_len = u64::from_le_bytes(reader.array("meta length").map_err(fail)?);
    let meta_len = usize::try_from(meta_len).map_err(|_| fail("meta too large".to_string()))?;
    let meta: SnapshotMeta = decode_value(
        "snapshot meta",
        reader.take(meta_len, "meta").map_err(fail)?,
    )?;
    let data_start = reader.position;
    // Reuse the file buffer for the data instead of copying it.
    bytes.drain(..data_start);
    Ok(Some((meta, bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_unpack_round_trip() {
        let source = tempfile::tempdir().unwrap();
        std::fs::write(source.path().join("a.sst"), b"alpha").unwrap();
        std::fs::write(source.path().join("MANIFEST-1"), vec![0u8; 70_000]).unwrap();
        std::fs::write(source.path().join("empty"), b"").unwrap();
        let packed = pack_checkpoint(source.path()).unwrap();

        let target = tempfile::tempdir().unwrap();
        unpack_checkpoint(&packed, target.path()).unwrap();
        assert_eq!(
            std::fs::read(target.path().join("a.sst")).unwrap(),
            b"alpha"
        );
        assert_eq!(
            std::fs::read(target.path().join("MANIFEST-1"))
                .unwrap()
                .len(),
            70_000
        );
        assert_eq!(std::fs::read(target.path().join("empty")).unwrap(), b"");
    }

    #[test]
    fn malicious_or_truncated_data_is_rejected() {
        let target = tempfile::tempdir().unwrap();
        let mut evil = PACK_MAGIC.to_vec();
        evil.extend_from_slice(&1u32.to_le_bytes());
        evil.extend_from_slice(&5u16.to_le_bytes());
        evil.extend_from_slice(b"../x1");
        evil.extend_from_slice(&0u64.to_le_bytes());
        let err = unpack_checkpoint(&evil, target.path()).unwrap_err();
        assert!(err.to_string().contains("not a plain file name"), "{err}");

        let source = tempfile::tempdir().unwrap();
        std::fs::write(source.path().join("f"), b"0123456789").unwrap();
        let packed = pack_checkpoint(source.path()).unwrap();
        let err = unpack_checkpoint(&packed[..packed.len() - 1], target.path()).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        assert!(unpack_checkpoint(b"garbage!", target.path()).is_err());
    }
}
