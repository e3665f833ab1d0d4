//! cgroup v2 (unified hosts): one directory `<root>/tug/<id>`, controllers enabled in the
//! parents' `cgroup.subtree_control`, limits in the v2 files, `cgroup.freeze` and `cgroup.kill`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::{CgroupError, Result};
use super::fs::{self as cgfs, CgroupFs};
use super::limits::{shares_to_weight, Limits};
use super::TUG_DIR;

/// How long freezing may take before we give up.
const FREEZE_TIMEOUT: Duration = Duration::from_secs(2);

/// The controllers a container's group may use.
const CONTROLLERS: &[&str] = &["cpu", "cpuset", "memory", "pids"];

/// A container's cgroup on a unified host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct V2Group {
    /// The cgroup2 mount point.
    pub root: PathBuf,
    /// `<root>/tug/<id>`.
    pub path: PathBuf,
}

impl V2Group {
    /// Plans the directory of container `id` under the cgroup2 mount `root`.
    pub fn new(root: &Path, id: &str) -> V2Group {
        V2Group {
            root: root.to_path_buf(),
            path: root.join(TUG_DIR).join(id),
        }
    }

    /// Creates `tug/` and `tug/<id>`, delegating the controllers the limits need, and applies
    /// the limits.
    pub fn create(&self, fs: &dyn CgroupFs, limits: &Limits) -> Result<()> {
        let available = cgfs::read(fs, &self.root.join("cgroup.controllers"))?;
        let available: Vec<&str> = available.split_whitespace().collect();
        let wanted = [
            ("memory", limits.wants_memory(), "--memory"),
            ("cpu", limits.wants_cpu(), "--cpus/--cpu-shares"),
            ("cpuset", limits.wants_cpuset(), "--cpuset-cpus"),
            ("pids", limits.pids_limit.is_some(), "--pids-limit"),
        ];
        for (controller, needed, limit) in wanted {
            if needed && !available.contains(&controller) {
                return Err(CgroupError::MissingController { controller, limit });
            }
        }
        let enable: Vec<&str> = CONTROLLERS
            .iter()
            .copied()
            .filter(|c| available.contains(c))
            .collect();
        let tug = self.root.join(TUG_DIR);
        enable_controllers(fs, &self.root, &enable)?;
        cgfs::create_dir(fs, &tug)?;
        enable_controllers(fs, &tug, &enable)?;
        cgfs::create_dir(fs, &self.path)?;
        self.apply(fs, limits)
    }

    fn apply(&self, fs: &dyn CgroupFs, limits: &Limits) -> Result<()> {
        let p = &self.path;
        if let Some(m) = limits.memory {
            cgfs::write(fs, &p.join("memory.max"), &m.to_string())?;
        }
        if let Some(total) = limits.swap_total() {
            // v2 limits swap alone; docker's flag is memory + swap.
            let swap = match (total, limits.memory) {
                (-1, _) | (_, None) => "max".to_string(),
                (t, Some(m)) => t.saturating_sub(m).max(0).to_string(),
            };
            let file = p.join("memory.swap.max");
            if fs.exists(&file) {
                cgfs::write(fs, &file, &swap)?;
            } else {
                tracing::warn!("swap accounting is off: ignoring the memory+swap limit");
            }
        }
        if let Some(r) = limits.memory_reservation {
            cgfs::write(fs, &p.join("memory.low"), &r.to_string())?;
        }
        if limits.cpu_quota_us.is_some() || limits.cpu_period_us.is_some() {
            let quota = match limits.cpu_quota_us {
                Some(q) if q > 0 => q.to_string(),
                _ => "max".to_string(),
            };
            let period = limits
                .cpu_period_us
                .unwrap_or(super::limits::DEFAULT_CPU_PERIOD_US);
            cgfs::write(fs, &p.join("cpu.max"), &format!("{quota} {period}"))?;
        }
        if let Some(shares) = limits.cpu_shares {
            let weight = shares_to_weight(shares);
            if weight > 0 {
                cgfs::write(fs, &p.join("cpu.weight"), &weight.to_string())?;
            }
        }
        if let Some(cpus) = &limits.cpuset_cpus {
            cgfs::write(fs, &p.join("cpuset.cpus"), cpus)?;
        }
        if let Some(mems) = &limits.cpuset_mems {
            cgfs::write(fs, &p.join("cpuset.mems"), mems)?;
        }
        if limits.pids_limit.is_some() {
            let value = limits
                .pids_max()
                .map_or_else(|| "max".to_string(), |n| n.to_string());
            cgfs::write(fs, &p.join("pids.max"), &value)?;
        }
        Ok(())
    }

    /// Moves `pid` into the group.
    pub fn add_pid(&self, fs: &dyn CgroupFs, pid: i32) -> Result<()> {
        cgfs::write(fs, &self.path.join("cgroup.procs"), &pid.to_string())
    }

    /// The processes of the group.
    pub fn pids(&self, fs: &dyn CgroupFs) -> Result<Vec<i32>> {
        cgfs::read_pids(fs, &self.path.join("cgroup.procs"))
    }

    /// Whether the kernel OOM-killed a process of the group (`oom_kill` in memory.events).
    pub fn oom_killed(&self, fs: &dyn CgroupFs) -> Result<bool> {
        let file = self.path.join("memory.events");
        if !fs.exists(&file) {
            return Ok(false);
        }
        let text = cgfs::read(fs, &file)?;
        Ok(cgfs::keyed_value(&text, "oom_kill").unwrap_or(0) > 0)
    }

    /// Freezes (`true`) or thaws (`false`) the group and waits for `cgroup.events` to agree.
    pub fn set_frozen(&self, fs: &dyn CgroupFs, frozen: bool) -> Result<()> {
        let value = if frozen { "1" } else { "0" };
        cgfs::write(fs, &self.path.join("cgroup.freeze"), value)?;
        let events = self.path.join("cgroup.events");
        let start = Instant::now();
        loop {
            let text = cgfs::read(fs, &events)?;
            if cgfs::keyed_value(&text, "frozen") == Some(u64::from(frozen)) {
                return Ok(());
            }
            if start.elapsed() > FREEZE_TIMEOUT {
                return Err(CgroupError::FreezeTimeout {
                    path: events,
                    want: if frozen { "frozen 1" } else { "frozen 0" },
                    waited_ms: start.elapsed().as_millis() as u64,
                });
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Kills every process at once with `cgroup.kill` (kernel ≥ 5.14); `false` when absent.
    pub fn kill_via_file(&self, fs: &dyn CgroupFs) -> Result<bool> {
        let file = self.path.join("cgroup.kill");
        if !fs.exists(&file) {
            return Ok(false);
        }
        cgfs::write(fs, &file, "1")?;
        Ok(true)
    }
}

/// Writes `+ctrl` for each controller not yet enabled in `dir/cgroup.subtree_control`.
fn enable_controllers(fs: &dyn CgroupFs, dir: &Path, controllers: &[&str]) -> Result<()> {
    let file = dir.join("cgroup.subtree_control");
    let enabled = cgfs::read(fs, &file)?;
    let enabled: Vec<&str> = enabled.split_whitespace().collect();
    for c in controllers.iter().filter(|c| !enabled.contains(c)) {
        cgfs::write(fs, &file, &format!("+{c}"))?;
    }
    Ok(())
}
