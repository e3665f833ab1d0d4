//! Temporary files that become store files by an atomic rename.
//!
//! Every blob and record is first written under `tmp/`, synced, and only then renamed into
//! place, so a crash or a full disk never leaves a half-written file where readers look. A
//! temp file is `flock`ed by its writer for its whole life; [`clean_stale`] removes only those
//! nobody holds, i.e. leftovers of a process that died.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How old an unlocked temp file must be before [`clean_stale`] deletes it. The grace period
/// covers the instant between a writer creating its file and locking it.
const STALE_AFTER: Duration = Duration::from_secs(60);

/// A locked file under the store's `tmp/`, deleted on drop unless persisted.
#[derive(Debug)]
pub(crate) struct TempFile {
    file: Option<File>,
    path: PathBuf,
}

impl TempFile {
    /// Creates a new, exclusively locked file in `dir`, named `prefix-<pid>-<n>-<nanos>`.
    pub(crate) fn create(dir: &Path, prefix: &str) -> io::Result<TempFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{prefix}-{}-{n}-{nanos}", std::process::id()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.lock()?;
        Ok(TempFile {
            file: Some(file),
            path,
        })
    }

    /// Where the file is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The open file.
    pub(crate) fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("temp file already closed"))
    }

    /// Syncs the file to disk and renames it to `dest` (atomically replacing any file there),
    /// then syncs the destination directory so the rename survives a crash.
    pub(crate) fn persist(mut self, dest: &Path) -> io::Result<()> {
        if let Some(f) = self.file.as_mut() {
            f.flush()?;
            f.sync_all()?;
        }
        fs::rename(&self.path, dest)?;
        // The name is gone from tmp/: nothing left for drop to delete.
        self.file = None;
        self.path = PathBuf::new();
        if let Some(dir) = dest.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.file = None;
        if !self.path.as_os_str().is_empty() {
            if let Err(e) = fs::remove_file(&self.path) {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!("cannot remove temp file {}: {e}", self.path.display());
                }
            }
        }
    }
}

/// Writes `bytes` to `dest` through a temp file in `tmp_dir`, atomically.
pub(crate) fn write_atomic(tmp_dir: &Path, dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut t = TempFile::create(tmp_dir, "rec")?;
    t.file()?.write_all(bytes)?;
    t.persist(dest)
}

/// Deletes temp files in `dir` that no live process holds and that are older than the grace
/// period; returns how many went. Errors on single files are logged and skipped: cleaning is
/// best effort and must never stop the store from opening.
pub(crate) fn clean_stale(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if !old {
            continue;
        }
        let Ok(file) = OpenOptions::new().read(true).open(&path) else {
            continue;
        };
        match file.try_lock() {
            Ok(()) => match fs::remove_file(&path) {
                Ok(()) => {
                    tracing::debug!("removed stale temp file {}", path.display());
                    removed += 1;
                }
                Err(e) => tracing::warn!("cannot remove stale {}: {e}", path.display()),
            },
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                tracing::warn!("cannot lock {}: {e}", path.display());
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_temp_file_disappears_and_persisted_one_moves() {
        let dir = tempfile::tempdir().unwrap();
        let t = TempFile::create(dir.path(), "x").unwrap();
        let p = t.path().to_path_buf();
        assert!(p.exists());
        drop(t);
        assert!(!p.exists());

        let dest = dir.path().join("dest");
        write_atomic(dir.path(), &dest, b"hello").unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"hello");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn clean_stale_spares_locked_and_recent_files() {
        let dir = tempfile::tempdir().unwrap();
        let held = TempFile::create(dir.path(), "held").unwrap();
        let orphan = dir.path().join("orphan");
        fs::write(&orphan, b"x").unwrap();
        let recent = dir.path().join("recent");
        fs::write(&recent, b"x").unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for p in [held.path(), orphan.as_path()] {
            File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        assert_eq!(clean_stale(dir.path()).unwrap(), 1);
        assert!(!orphan.exists(), "an old unlocked file is removed");
        assert!(held.path().exists(), "a locked file is in use");
        assert!(recent.exists(), "a fresh file may be about to be locked");
    }
}
