//! Errors of the cgroup module: each names the cgroup file or directory and the cause.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while detecting, creating, driving or removing cgroups.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// `statfs` on the cgroup mount point failed, so the host setup is unknown.
    #[error("cannot detect the cgroup setup: statfs {path}: {source}")]
    Statfs {
        /// The path given to statfs.
        path: PathBuf,
        /// The errno.
        source: nix::Error,
    },
    /// A cgroup file (or /proc file) could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A value could not be written to a cgroup file (the kernel refused it or the file is missing).
    #[error("cannot write {value:?} to {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The value written.
        value: String,
        /// The I/O error.
        source: io::Error,
    },
    /// A cgroup directory could not be created.
    #[error("cannot create cgroup directory {path}: {source}")]
    Create {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A cgroup directory could not be removed (even after retrying while the kernel was busy).
    #[error("cannot remove cgroup directory {path}: {source}")]
    Remove {
        /// The directory.
        path: PathBuf,
        /// The last I/O error.
        source: io::Error,
    },
    /// Several operations failed (e.g. removal in several hierarchies); each is kept.
    #[error("{what} failed: {}", join(.failures))]
    Many {
        /// What was attempted, e.g. "removing the cgroups of container abc".
        what: String,
        /// Every failure, in order.
        failures: Vec<CgroupError>,
    },
    /// A limit needs a controller that this host has not mounted.
    #[error("limit {limit} needs the {controller} cgroup controller, which is not available on this host")]
    MissingController {
        /// The controller, e.g. "memory".
        controller: &'static str,
        /// The limit that needs it, e.g. "--memory".
        limit: &'static str,
    },
    /// A file held something this module cannot parse.
    #[error("unexpected content in {path}: {detail}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// A limit value is out of range or inconsistent with another one.
    #[error("invalid {limit}: {detail}")]
    InvalidLimit {
        /// The docker flag, e.g. "--memory-swap".
        limit: &'static str,
        /// Why it is rejected.
        detail: String,
    },
    /// The container id cannot be used as a cgroup directory name.
    #[error("container id {0:?} cannot name a cgroup (empty, '.', '..' or contains '/')")]
    InvalidId(String),
    /// Freezing or thawing did not settle in time.
    #[error("{path} did not reach state {want} within {waited_ms} ms")]
    FreezeTimeout {
        /// The state or events file polled.
        path: PathBuf,
        /// The state wanted.
        want: &'static str,
        /// How long we waited.
        waited_ms: u64,
    },
    /// Signalling a process of the group failed for a reason other than it being gone.
    #[error("cannot send {signal} to pid {pid}: {source}")]
    Signal {
        /// The process.
        pid: i32,
        /// The signal.
        signal: nix::sys::signal::Signal,
        /// The errno.
        source: nix::Error,
    },
}

fn join(failures: &[CgroupError]) -> String {
    failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The module's result type.
pub type Result<T, E = CgroupError> = std::result::Result<T, E>;
