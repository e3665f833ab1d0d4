//! An in-memory [`CgroupFs`] for unit tests: files are seeded, writes and signals recorded.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use nix::sys::signal::Signal;

use super::fs::CgroupFs;

#[derive(Debug, Default)]
pub(crate) struct FakeFs {
    pub files: RefCell<BTreeMap<PathBuf, String>>,
    pub dirs: RefCell<BTreeSet<PathBuf>>,
    pub writes: RefCell<Vec<(PathBuf, String)>>,
    pub signals: RefCell<Vec<(i32, Signal)>>,
    /// How many rmdir calls answer EBUSY before succeeding.
    pub busy: Cell<u32>,
    /// Directories whose rmdir always fails with EACCES.
    pub stuck: RefCell<BTreeSet<PathBuf>>,
    /// When set, writes to `cgroup.freeze` no longer update `cgroup.events` (a hung freeze).
    pub freeze_stuck: Cell<bool>,
}

impl FakeFs {
    pub fn seed(&self, path: &str, content: &str) {
        self.files
            .borrow_mut()
            .insert(PathBuf::from(path), content.to_string());
    }

    /// The last value written to `path`.
    pub fn written(&self, path: &str) -> Option<String> {
        self.writes
            .borrow()
            .iter()
            .rev()
            .find(|(p, _)| p == Path::new(path))
            .map(|(_, v)| v.clone())
    }

    /// Every value written to `path`, in order.
    pub fn all_written(&self, path: &str) -> Vec<String> {
        self.writes
            .borrow()
            .iter()
            .filter(|(p, _)| p == Path::new(path))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl CgroupFs for FakeFs {
    fn read(&self, path: &Path) -> io::Result<String> {
        self.files
            .borrow()
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn write(&self, path: &Path, value: &str) -> io::Result<()> {
        self.writes
            .borrow_mut()
            .push((path.to_path_buf(), value.to_string()));
        self.files
            .borrow_mut()
            .insert(path.to_path_buf(), value.to_string());
        // Like the kernel, a v2 freeze shows up in the sibling cgroup.events.
        if path.ends_with("cgroup.freeze") && !self.freeze_stuck.get() {
            if let Some(dir) = path.parent() {
                self.files.borrow_mut().insert(
                    dir.join("cgroup.events"),
                    format!("populated 1\nfrozen {value}\n"),
                );
            }
        }
        Ok(())
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        self.dirs.borrow_mut().insert(path.to_path_buf());
        Ok(())
    }

    fn remove_dir(&self, path: &Path) -> io::Result<()> {
        if self.stuck.borrow().contains(path) {
            return Err(io::Error::from_raw_os_error(nix::libc::EACCES));
        }
        if self.busy.get() > 0 {
            self.busy.set(self.busy.get() - 1);
            return Err(io::Error::from_raw_os_error(nix::libc::EBUSY));
        }
        if self.dirs.borrow_mut().remove(path) {
            Ok(())
        } else {
            Err(io::Error::from(io::ErrorKind::NotFound))
        }
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.borrow().contains_key(path) || self.dirs.borrow().contains(path)
    }

    fn signal(&self, pid: i32, signal: Signal) -> nix::Result<()> {
        self.signals.borrow_mut().push((pid, signal));
        Ok(())
    }
}
