//! cgroup v1 (legacy and hybrid hosts): one directory per mounted hierarchy, limits written to
//! the controller files, cpuset initialised from the parent, the freezer for pause.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::detect::Host;
use super::error::{CgroupError, Result};
use super::fs::{self as cgfs, CgroupFs};
use super::limits::Limits;
use super::TUG_DIR;

/// How long freezing may take before we give up.
const FREEZE_TIMEOUT: Duration = Duration::from_secs(2);

/// A container's directory in one v1 hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct V1Dir {
    /// The controllers of that hierarchy.
    pub controllers: Vec<String>,
    /// The hierarchy's mount point.
    pub mount_point: PathBuf,
    /// `<mount>/tug/<id>`.
    pub path: PathBuf,
}

impl V1Dir {
    fn has(&self, controller: &str) -> bool {
        self.controllers.iter().any(|c| c == controller)
    }
}

/// A container's cgroup on a v1 host: one directory per hierarchy, plus (hybrid) a directory in
/// the controller-less cgroup2 tree so that the processes are tracked there too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct V1Group {
    pub dirs: Vec<V1Dir>,
    pub unified: Option<PathBuf>,
}

impl V1Group {
    /// Plans the directories of container `id` under every v1 hierarchy of `host`.
    pub fn new(host: &Host, id: &str) -> V1Group {
        let dirs = host
            .v1
            .iter()
            .map(|m| V1Dir {
                controllers: m.controllers.clone(),
                mount_point: m.mount_point.clone(),
                path: m.mount_point.join(TUG_DIR).join(id),
            })
            .collect();
        let unified = host.unified.as_ref().map(|u| u.join(TUG_DIR).join(id));
        V1Group { dirs, unified }
    }

    pub fn dir(&self, controller: &str) -> Option<&V1Dir> {
        self.dirs.iter().find(|d| d.has(controller))
    }

    fn need(&self, controller: &'static str, limit: &'static str) -> Result<&V1Dir> {
        self.dir(controller)
            .ok_or(CgroupError::MissingController { controller, limit })
    }

    /// Every directory this group owns (for removal).
    pub fn paths(&self) -> Vec<PathBuf> {
        let mut all: Vec<PathBuf> = self.dirs.iter().map(|d| d.path.clone()).collect();
        all.extend(self.unified.clone());
        all
    }

    /// Creates the directories and applies `limits`.
    pub fn create(&self, fs: &dyn CgroupFs, limits: &Limits) -> Result<()> {
        if limits.wants_memory() {
            self.need("memory", "--memory")?;
        }
        if limits.wants_cpu() {
            self.need("cpu", "--cpus/--cpu-shares")?;
        }
        if limits.wants_cpuset() {
            self.need("cpuset", "--cpuset-cpus")?;
        }
        if limits.pids_limit.is_some() {
            self.need("pids", "--pids-limit")?;
        }
        for dir in &self.dirs {
            let tug = dir.mount_point.join(TUG_DIR);
            cgfs::create_dir(fs, &tug)?;
            if dir.has("cpuset") {
                inherit_cpuset(fs, &dir.mount_point, &tug)?;
            }
            cgfs::create_dir(fs, &dir.path)?;
            if dir.has("cpuset") {
                inherit_cpuset(fs, &tug, &dir.path)?;
            }
        }
        if let Some(unified) = &self.unified {
            if let Some(parent) = unified.parent() {
                cgfs::create_dir(fs, parent)?;
            }
            cgfs::create_dir(fs, unified)?;
        }
        self.apply(fs, limits)
    }

    fn apply(&self, fs: &dyn CgroupFs, limits: &Limits) -> Result<()> {
        if let Some(dir) = self.dir("memory") {
            let p = &dir.path;
            if let Some(m) = limits.memory {
                cgfs::write(fs, &p.join("memory.limit_in_bytes"), &m.to_string())?;
            }
            if let Some(total) = limits.swap_total() {
                let memsw = p.join("memory.memsw.limit_in_bytes");
                // Without swap accounting the file is absent, and docker then ignores the flag.
                if fs.exists(&memsw) {
                    cgfs::write(fs, &memsw, &total.to_string())?;
                } else {
                    tracing::warn!("swap accounting is off: ignoring the memory+swap limit");
                }
            }
            if let Some(r) = limits.memory_reservation {
                cgfs::write(fs, &p.join("memory.soft_limit_in_bytes"), &r.to_string())?;
            }
        }
        if let Some(dir) = self.dir("cpu") {
            let p = &dir.path;
            if let Some(period) = limits.cpu_period_us {
                cgfs::write(fs, &p.join("cpu.cfs_period_us"), &period.to_string())?;
            }
            if let Some(quota) = limits.cpu_quota_us {
                cgfs::write(fs, &p.join("cpu.cfs_quota_us"), &quota.to_string())?;
            }
            if let Some(shares) = limits.cpu_shares {
                cgfs::write(fs, &p.join("cpu.shares"), &shares.to_string())?;
            }
        }
        if let Some(dir) = self.dir("cpuset") {
            if let Some(cpus) = &limits.cpuset_cpus {
                cgfs::write(fs, &dir.path.join("cpuset.cpus"), cpus)?;
            }
            if let Some(mems) = &limits.cpuset_mems {
                cgfs::write(fs, &dir.path.join("cpuset.mems"), mems)?;
            }
        }
        if let (Some(dir), Some(_)) = (self.dir("pids"), limits.pids_limit) {
            let value = limits
                .pids_max()
                .map_or_else(|| "max".to_string(), |n| n.to_string());
            cgfs::write(fs, &dir.path.join("pids.max"), &value)?;
        }
        Ok(())
    }

    /// Moves `pid` into every hierarchy (and the hybrid cgroup2 directory).
    pub fn add_pid(&self, fs: &dyn CgroupFs, pid: i32) -> Result<()> {
        for path in self.paths() {
            cgfs::write(fs, &path.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }

    /// The processes of the group, read from the memory (or first) hierarchy.
    pub fn pids(&self, fs: &dyn CgroupFs) -> Result<Vec<i32>> {
        let dir = self.dir("memory").or_else(|| self.dirs.first());
        match (dir, &self.unified) {
            (Some(d), _) => cgfs::read_pids(fs, &d.path.join("cgroup.procs")),
            (None, Some(u)) => cgfs::read_pids(fs, &u.join("cgroup.procs")),
            (None, None) => Ok(Vec::new()),
        }
    }

    /// Whether the kernel OOM-killed a process of the group: the `oom_kill` counter of
    /// memory.oom_control (kernel ≥ 4.13), else `under_oom`.
    pub fn oom_killed(&self, fs: &dyn CgroupFs) -> Result<bool> {
        let Some(dir) = self.dir("memory") else {
            return Ok(false);
        };
        let text = cgfs::read(fs, &dir.path.join("memory.oom_control"))?;
        Ok(match cgfs::keyed_value(&text, "oom_kill") {
            Some(n) => n > 0,
            None => cgfs::keyed_value(&text, "under_oom").unwrap_or(0) > 0,
        })
    }

    /// On hybrid hosts, kills every process at once through the controller-less cgroup2
    /// directory's `cgroup.kill` (kernel ≥ 5.14); `false` when there is none.
    pub fn kill_via_file(&self, fs: &dyn CgroupFs) -> Result<bool> {
        let Some(file) = self.unified.as_ref().map(|u| u.join("cgroup.kill")) else {
            return Ok(false);
        };
        if !fs.exists(&file) {
            return Ok(false);
        }
        cgfs::write(fs, &file, "1")?;
        Ok(true)
    }

    /// Whether this host can freeze the group.
    pub fn can_freeze(&self) -> bool {
        self.dir("freezer").is_some()
    }

    /// Freezes (`true`) or thaws (`false`) every process, waiting until the kernel settles.
    pub fn set_frozen(&self, fs: &dyn CgroupFs, frozen: bool) -> Result<()> {
        let dir = self.need("freezer", "pause")?;
        let state = dir.path.join("freezer.state");
        let want = if frozen { "FROZEN" } else { "THAWED" };
        let start = Instant::now();
        loop {
            cgfs::write(fs, &state, want)?;
            if cgfs::read(fs, &state)?.trim() == want {
                return Ok(());
            }
            if start.elapsed() > FREEZE_TIMEOUT {
                return Err(CgroupError::FreezeTimeout {
                    path: state,
                    want,
                    waited_ms: start.elapsed().as_millis() as u64,
                });
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Copies `cpuset.cpus` and `cpuset.mems` from `parent` into `child` when the child's are empty:
/// a v1 cpuset group accepts no task until both are set.
fn inherit_cpuset(fs: &dyn CgroupFs, parent: &Path, child: &Path) -> Result<()> {
    for file in ["cpuset.cpus", "cpuset.mems"] {
        let mine = cgfs::read(fs, &child.join(file))?;
        if mine.trim().is_empty() {
            let from_parent = cgfs::read(fs, &parent.join(file))?;
            cgfs::write(fs, &child.join(file), from_parent.trim())?;
        }
    }
    Ok(())
}
