//! Cross-process locks on the store, with `flock`, so that two `tug` processes (two pulls,
//! a pull and an `rmi`) never interleave their read-modify-write of records and tags.
//!
//! Two lock files: `lock` serialises every change to records and tags; `gc.lock` is held
//! shared by writers that put blobs in before their record exists (a [`Lease`]), and taken
//! exclusively, without waiting, by whoever deletes blobs.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;

/// Holds the store's write lock until dropped.
#[derive(Debug)]
pub(crate) struct WriteLock {
    _file: File,
}

impl WriteLock {
    /// Blocks until the lock at `path` is ours.
    pub(crate) fn acquire(path: &Path) -> io::Result<WriteLock> {
        let file = open(path)?;
        file.lock()?;
        Ok(WriteLock { _file: file })
    }
}

/// Protects blobs written before their image record from garbage collection. Take one with
/// [`crate::store::Store::lease`] before checking `has_blob`/writing layers of a pull, and keep
/// it until `put_image` has returned; blob deletion is skipped while any lease is held.
#[derive(Debug)]
pub struct Lease {
    _file: File,
}

impl Lease {
    pub(crate) fn acquire(path: &Path) -> io::Result<Lease> {
        let file = open(path)?;
        file.lock_shared()?;
        Ok(Lease { _file: file })
    }
}

/// The exclusive side of `gc.lock`: while held, no lease exists and blobs may be deleted.
#[derive(Debug)]
pub(crate) struct GcLock {
    _file: File,
}

impl GcLock {
    /// Takes the lock if no lease is held, or returns `None` at once.
    pub(crate) fn try_acquire(path: &Path) -> io::Result<Option<GcLock>> {
        let file = open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(GcLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }
}

fn open(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_blocks_gc_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("gc.lock");
        let lease = Lease::acquire(&p).unwrap();
        let second = Lease::acquire(&p).unwrap();
        assert!(GcLock::try_acquire(&p).unwrap().is_none());
        drop(lease);
        assert!(GcLock::try_acquire(&p).unwrap().is_none());
        drop(second);
        assert!(GcLock::try_acquire(&p).unwrap().is_some());
    }
}
