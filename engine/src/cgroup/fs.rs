//! The seam over cgroupfs: every read, write, mkdir and rmdir of a cgroup goes through
//! [`CgroupFs`], so the v1/v2 logic can be unit-tested against a fake without root.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::error::{CgroupError, Result};

/// File operations on a cgroup filesystem. Production uses [`RealFs`]; tests use a fake.
pub trait CgroupFs {
    /// Reads a whole file.
    fn read(&self, path: &Path) -> io::Result<String>;
    /// Writes `value` with a single write(2) to an existing file (cgroupfs rejects O_CREAT).
    fn write(&self, path: &Path, value: &str) -> io::Result<()>;
    /// Creates a directory; an existing one is not an error.
    fn create_dir(&self, path: &Path) -> io::Result<()>;
    /// Removes one (cgroup) directory with rmdir(2).
    fn remove_dir(&self, path: &Path) -> io::Result<()>;
    /// Whether the file or directory exists.
    fn exists(&self, path: &Path) -> bool;
    /// Sends a signal to a process of the group: the one process touchpoint the group needs.
    fn signal(&self, pid: i32, signal: Signal) -> nix::Result<()>;
}

/// The real filesystem.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

impl CgroupFs for RealFs {
    fn read(&self, path: &Path) -> io::Result<String> {
        fs::read_to_string(path)
    }

    fn write(&self, path: &Path, value: &str) -> io::Result<()> {
        let mut file = fs::OpenOptions::new().write(true).open(path)?;
        file.write_all(value.as_bytes())
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        match fs::create_dir(path) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        }
    }

    fn remove_dir(&self, path: &Path) -> io::Result<()> {
        fs::remove_dir(path)
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn signal(&self, pid: i32, signal: Signal) -> nix::Result<()> {
        kill(Pid::from_raw(pid), signal)
    }
}

/// Reads a file through the seam, naming it in the error.
pub(crate) fn read(fs: &dyn CgroupFs, path: &Path) -> Result<String> {
    fs.read(path).map_err(|source| CgroupError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a value through the seam, naming the file and the value in the error.
pub(crate) fn write(fs: &dyn CgroupFs, path: &Path, value: &str) -> Result<()> {
    fs.write(path, value).map_err(|source| CgroupError::Write {
        path: path.to_path_buf(),
        value: value.to_string(),
        source,
    })
}

/// Creates a cgroup directory through the seam.
pub(crate) fn create_dir(fs: &dyn CgroupFs, path: &Path) -> Result<()> {
    fs.create_dir(path).map_err(|source| CgroupError::Create {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses `cgroup.procs`: one pid per line.
pub(crate) fn read_pids(fs: &dyn CgroupFs, path: &Path) -> Result<Vec<i32>> {
    let text = read(fs, path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.trim().parse::<i32>().map_err(|e| CgroupError::Parse {
                path: path.to_path_buf(),
                detail: format!("pid {l:?}: {e}"),
            })
        })
        .collect()
}

/// Finds `key N` in a flat-keyed file such as `memory.events` or `memory.oom_control`.
pub(crate) fn keyed_value(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let mut it = line.split_whitespace();
        (it.next() == Some(key))
            .then(|| it.next())
            .flatten()
            .and_then(|v| v.parse().ok())
    })
}
