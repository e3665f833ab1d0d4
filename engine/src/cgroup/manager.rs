//! [`CgroupManager`]: one per container, owning `tug/<container-id>` in every hierarchy, on
//! whichever setup the host has.

use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::Signal;

use super::detect::{Host, Setup};
use super::error::{CgroupError, Result};
use super::fs::{CgroupFs, RealFs};
use super::limits::Limits;
use super::v1::V1Group;
use super::v2::V2Group;

/// How long `remove` retries an rmdir that the kernel answers with EBUSY (a dying task may
/// still be accounted to the group for a moment after it was reaped).
const REMOVE_RETRY: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Backend {
    V1(V1Group),
    V2(V2Group),
}

/// The cgroup(s) of one container. Creating the manager touches nothing; [`create`] makes the
/// directories, [`remove`] deletes them.
///
/// [`create`]: CgroupManager::create
/// [`remove`]: CgroupManager::remove
#[derive(Debug)]
pub struct CgroupManager<F: CgroupFs = RealFs> {
    id: String,
    backend: Backend,
    fs: F,
}

impl CgroupManager<RealFs> {
    /// The manager of container `id` on the real cgroupfs of `host`.
    pub fn new(host: &Host, id: &str) -> Result<Self> {
        Self::with_fs(host, id, RealFs)
    }
}

impl<F: CgroupFs> CgroupManager<F> {
    /// The manager of container `id` over the given file seam (tests pass a fake).
    pub fn with_fs(host: &Host, id: &str, fs: F) -> Result<Self> {
        if id.is_empty() || id == "." || id == ".." || id.contains('/') || id.contains('\0') {
            return Err(CgroupError::InvalidId(id.to_string()));
        }
        let backend = match (host.setup, &host.unified) {
            (Setup::Unified, Some(root)) => Backend::V2(V2Group::new(root, id)),
            _ => Backend::V1(V1Group::new(host, id)),
        };
        Ok(CgroupManager {
            id: id.to_string(),
            backend,
            fs,
        })
    }

    /// The container id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The file seam (tests inspect their fake through it).
    pub fn fs(&self) -> &F {
        &self.fs
    }

    /// Every directory of the container's cgroup, one per hierarchy.
    pub fn paths(&self) -> Vec<PathBuf> {
        match &self.backend {
            Backend::V1(g) => g.paths(),
            Backend::V2(g) => vec![g.path.clone()],
        }
    }

    /// Whether any directory of the group exists (e.g. left by a monitor killed with -9).
    pub fn exists(&self) -> bool {
        self.paths().iter().any(|p| self.fs.exists(p))
    }

    /// The group's directory in the hierarchy of `controller` on v1 (e.g. "devices"), or the
    /// single directory on v2, so that callers can reach files this module does not manage.
    pub fn dir_of(&self, controller: &str) -> Option<PathBuf> {
        match &self.backend {
            Backend::V1(g) => g.dir(controller).map(|d| d.path.clone()),
            Backend::V2(g) => Some(g.path.clone()),
        }
    }

    /// Validates `limits`, creates the directories and writes the limits. On failure the
    /// directories made so far are removed again, so nothing leaks.
    pub fn create(&self, limits: &Limits) -> Result<()> {
        limits.validate()?;
        let result = match &self.backend {
            Backend::V1(g) => g.create(&self.fs, limits),
            Backend::V2(g) => g.create(&self.fs, limits),
        };
        if result.is_err() {
            if let Err(e) = self.remove() {
                tracing::warn!("cleaning up after a failed cgroup creation: {e}");
            }
        }
        result
    }

    /// Moves process `pid` (and its future children) into the container's cgroup.
    pub fn add_pid(&self, pid: i32) -> Result<()> {
        match &self.backend {
            Backend::V1(g) => g.add_pid(&self.fs, pid),
            Backend::V2(g) => g.add_pid(&self.fs, pid),
        }
    }

    /// The processes currently in the group.
    pub fn pids(&self) -> Result<Vec<i32>> {
        match &self.backend {
            Backend::V1(g) => g.pids(&self.fs),
            Backend::V2(g) => g.pids(&self.fs),
        }
    }

    /// Whether the kernel's OOM killer killed a process of the group (docker's `OOMKilled`).
    pub fn oom_killed(&self) -> Result<bool> {
        match &self.backend {
            Backend::V1(g) => g.oom_killed(&self.fs),
            Backend::V2(g) => g.oom_killed(&self.fs),
        }
    }

    /// Freezes every process of the group (`pause`).
    pub fn freeze(&self) -> Result<()> {
        self.set_frozen(true)
    }

    /// Thaws the group (`unpause`).
    pub fn thaw(&self) -> Result<()> {
        self.set_frozen(false)
    }

    fn set_frozen(&self, frozen: bool) -> Result<()> {
        match &self.backend {
            Backend::V1(g) => g.set_frozen(&self.fs, frozen),
            Backend::V2(g) => g.set_frozen(&self.fs, frozen),
        }
    }

    /// Sends `signal` to every process of the group; processes already gone are not an error.
    /// SIGKILL uses `cgroup.kill` when the host has it (v2, or the cgroup2 tree of a hybrid
    /// host). Otherwise the group is frozen while it is signalled, so that no process can fork
    /// past the signal. The group always ends thawed, so that SIGKILL also reaches the tasks of
    /// a paused v1 group (they die only once thawed).
    pub fn kill_all(&self, signal: Signal) -> Result<()> {
        if signal == Signal::SIGKILL {
            let killed = match &self.backend {
                Backend::V1(g) => g.kill_via_file(&self.fs)?,
                Backend::V2(g) => g.kill_via_file(&self.fs)?,
            };
            if killed {
                // Tasks frozen by the v1 freezer only die once thawed.
                return match &self.backend {
                    Backend::V1(g) if g.can_freeze() => self.thaw(),
                    _ => Ok(()),
                };
            }
        }
        let can_freeze = match &self.backend {
            Backend::V1(g) => g.can_freeze(),
            Backend::V2(_) => true,
        };
        let frozen = can_freeze && self.freeze().is_ok();
        let mut failures = Vec::new();
        match self.pids() {
            Ok(pids) => {
                for pid in pids {
                    match self.fs.signal(pid, signal) {
                        Ok(()) | Err(Errno::ESRCH) => {}
                        Err(source) => failures.push(CgroupError::Signal {
                            pid,
                            signal,
                            source,
                        }),
                    }
                }
            }
            Err(e) => failures.push(e),
        }
        if frozen {
            if let Err(e) = self.thaw() {
                failures.push(e);
            }
        }
        many(
            format!("signalling the cgroup of container {}", self.id),
            failures,
        )
    }

    /// Removes the container's directory from every hierarchy. An rmdir that gives EBUSY is
    /// retried for a while; a directory already gone is fine; a failure in one hierarchy does not
    /// stop the others, and all failures are reported together.
    pub fn remove(&self) -> Result<()> {
        let failures = self
            .paths()
            .into_iter()
            .filter_map(|path| self.remove_dir(path).err())
            .collect();
        many(
            format!("removing the cgroups of container {}", self.id),
            failures,
        )
    }

    fn remove_dir(&self, path: PathBuf) -> Result<()> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match self.fs.remove_dir(&path) {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e)
                    if e.raw_os_error() == Some(Errno::EBUSY as i32)
                        && start.elapsed() < REMOVE_RETRY =>
                {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                Err(source) => return Err(CgroupError::Remove { path, source }),
            }
        }
    }
}

/// Ok when nothing failed, the single error when one did, else [`CgroupError::Many`].
fn many(what: String, mut failures: Vec<CgroupError>) -> Result<()> {
    match failures.len() {
        0 => Ok(()),
        1 => Err(failures.remove(0)),
        _ => Err(CgroupError::Many { what, failures }),
    }
}
