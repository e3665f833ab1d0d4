//! `/proc/<pid>/cgroup`: which cgroups a process belongs to, so `exec` can put a new process
//! into the same groups as the container's init.

use std::path::{Path, PathBuf};

use super::detect::Host;
use super::error::{CgroupError, Result};
use super::fs::{self as cgfs, CgroupFs, RealFs};

/// One line of /proc/PID/cgroup: `hierarchy-id:controllers:path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcCgroup {
    /// The hierarchy id (0 for cgroup2).
    pub hierarchy_id: u32,
    /// The controllers of a v1 hierarchy (empty for cgroup2).
    pub controllers: Vec<String>,
    /// The cgroup path relative to the hierarchy's root, e.g. "/tug/abc".
    pub path: String,
}

/// The cgroups of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessCgroups {
    /// One entry per hierarchy.
    pub entries: Vec<ProcCgroup>,
}

/// Reads and parses /proc/`pid`/cgroup.
pub fn for_pid(pid: i32) -> Result<ProcessCgroups> {
    let path = PathBuf::from(format!("/proc/{pid}/cgroup"));
    let text = cgfs::read(&RealFs, &path)?;
    ProcessCgroups::parse(&path, &text)
}

impl ProcessCgroups {
    /// Parses the text of a /proc/PID/cgroup file (`source` names it in errors).
    pub fn parse(source: &Path, text: &str) -> Result<ProcessCgroups> {
        let entries = text
            .lines()
            .filter(|l| !l.is_empty())
            .map(|line| {
                let bad = |detail: &str| CgroupError::Parse {
                    path: source.to_path_buf(),
                    detail: format!("{detail} in line {line:?}"),
                };
                let mut parts = line.splitn(3, ':');
                let id = parts.next().ok_or_else(|| bad("no hierarchy id"))?;
                let controllers = parts.next().ok_or_else(|| bad("no controller list"))?;
                let path = parts.next().ok_or_else(|| bad("no path"))?;
                Ok(ProcCgroup {
                    hierarchy_id: id.parse().map_err(|_| bad("bad hierarchy id"))?,
                    controllers: controllers
                        .split(',')
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect(),
                    path: path.to_string(),
                })
            })
            .collect::<Result<_>>()?;
        Ok(ProcessCgroups { entries })
    }

    /// The directories of these cgroups on `host`: each v1 path under the mount of its
    /// hierarchy (minus the mount's own root), the cgroup2 path under the unified mount.
    pub fn dirs(&self, host: &Host) -> Vec<PathBuf> {
        self.entries
            .iter()
            .filter_map(|e| {
                let (mount, root) = if e.hierarchy_id == 0 && e.controllers.is_empty() {
                    (host.unified.as_ref()?, "/")
                } else {
                    let first = e.controllers.first()?;
                    let m = host.v1_mount(first)?;
                    (&m.mount_point, m.root.as_str())
                };
                let rel = if root == "/" {
                    e.path.as_str()
                } else {
                    e.path.strip_prefix(root)?
                };
                Some(mount.join(rel.trim_start_matches('/')))
            })
            .collect()
    }

    /// Moves `pid` into each of these cgroups on the real cgroupfs.
    pub fn join(&self, host: &Host, pid: i32) -> Result<()> {
        self.join_with(&RealFs, host, pid)
    }

    /// Moves `pid` into each of these cgroups through the given seam.
    pub fn join_with(&self, fs: &dyn CgroupFs, host: &Host, pid: i32) -> Result<()> {
        for dir in self.dirs(host) {
            cgfs::write(fs, &dir.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::detect::Setup;

    const MOUNTINFO: &str = "\
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
36 31 0:33 /outer /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
";

    #[test]
    fn paths_map_onto_each_hierarchy_mount() {
        let host = Host::from_mountinfo(Setup::Hybrid, MOUNTINFO);
        let text = "4:memory:/tug/abc\n2:cpu,cpuacct:/tug/abc\n8:pids:/outer/tug/abc\n\
                    9:name=systemd:/x\n0::/tug/abc\n";
        let cg = ProcessCgroups::parse(Path::new("/proc/1/cgroup"), text).expect("parses");
        assert_eq!(cg.entries.len(), 5);
        assert_eq!(cg.entries[1].controllers, vec!["cpu", "cpuacct"]);
        assert_eq!(
            cg.dirs(&host),
            vec![
                PathBuf::from("/sys/fs/cgroup/memory/tug/abc"),
                PathBuf::from("/sys/fs/cgroup/cpu,cpuacct/tug/abc"),
                PathBuf::from("/sys/fs/cgroup/pids/tug/abc"),
                PathBuf::from("/sys/fs/cgroup/unified/tug/abc"),
            ]
        );
    }

    #[test]
    fn malformed_lines_are_reported_with_the_file() {
        let err =
            ProcessCgroups::parse(Path::new("/proc/7/cgroup"), "x:memory:/\n").expect_err("bad id");
        assert!(err.to_string().contains("/proc/7/cgroup"), "{err}");
    }

    #[test]
    fn own_cgroups_are_readable() {
        let cg = for_pid(std::process::id() as i32).expect("read /proc/self/cgroup");
        assert!(!cg.entries.is_empty());
        assert!(cg.entries.iter().all(|e| e.path.starts_with('/')));
    }
}
