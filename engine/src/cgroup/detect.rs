//! Detection of the host's cgroup setup (unified v2, hybrid, legacy v1) and of where each v1
//! controller is mounted, read from /proc/self/mountinfo rather than assumed.

use std::path::{Path, PathBuf};

use nix::sys::statfs::{statfs, CGROUP2_SUPER_MAGIC, TMPFS_MAGIC};

use super::error::{CgroupError, Result};

/// The default cgroup mount point.
pub const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// How the host mounts its cgroups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// Only cgroup2 at /sys/fs/cgroup: limits go through the v2 files.
    Unified,
    /// v1 controllers, plus a controller-less cgroup2 tree at /sys/fs/cgroup/unified used for
    /// process tracking. Limits go through v1.
    Hybrid,
    /// Only v1 controller hierarchies.
    Legacy,
}

/// One mounted v1 hierarchy (possibly with several co-mounted controllers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Mount {
    /// Where it is mounted, e.g. /sys/fs/cgroup/memory.
    pub mount_point: PathBuf,
    /// The cgroup path that the mount point shows (mountinfo field 4), "/" on the host.
    pub root: String,
    /// The controllers of the hierarchy, e.g. ["cpu", "cpuacct"] or ["name=systemd"].
    pub controllers: Vec<String>,
}

/// The host's cgroup layout: the setup, the cgroup2 mount and every v1 hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// Unified, hybrid or legacy.
    pub setup: Setup,
    /// The cgroup2 mount point (the root on unified hosts, `unified/` on hybrid ones).
    pub unified: Option<PathBuf>,
    /// The v1 hierarchies, in mountinfo order (empty on unified hosts).
    pub v1: Vec<V1Mount>,
}

/// v1 controller names that the kernel may list in a cgroup mount's super options.
const V1_CONTROLLERS: &[&str] = &[
    "cpu",
    "cpuacct",
    "cpuset",
    "memory",
    "pids",
    "freezer",
    "devices",
    "blkio",
    "net_cls",
    "net_prio",
    "perf_event",
    "hugetlb",
    "rdma",
    "misc",
];

impl Host {
    /// Detects the running host: statfs of /sys/fs/cgroup and /proc/self/mountinfo.
    pub fn detect() -> Result<Host> {
        let setup = detect_setup(Path::new(CGROUP_ROOT))?;
        let path = Path::new("/proc/self/mountinfo");
        let mountinfo = std::fs::read_to_string(path).map_err(|source| CgroupError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Host::from_mountinfo(setup, &mountinfo))
    }

    /// Builds the layout from a known setup and the text of a mountinfo file.
    pub fn from_mountinfo(setup: Setup, mountinfo: &str) -> Host {
        let mut v1 = Vec::new();
        let mut cgroup2 = Vec::new();
        for line in mountinfo.lines() {
            let Some(entry) = MountEntry::parse(line) else {
                continue;
            };
            match entry.fstype {
                "cgroup" => {
                    let controllers: Vec<String> = entry
                        .super_options
                        .split(',')
                        .filter(|o| V1_CONTROLLERS.contains(o) || o.starts_with("name="))
                        .map(str::to_string)
                        .collect();
                    if !controllers.is_empty() {
                        v1.push(V1Mount {
                            mount_point: PathBuf::from(entry.mount_point),
                            root: entry.root.to_string(),
                            controllers,
                        });
                    }
                }
                "cgroup2" => cgroup2.push(PathBuf::from(entry.mount_point)),
                _ => {}
            }
        }
        let default_unified = match setup {
            Setup::Unified => Some(PathBuf::from(CGROUP_ROOT)),
            Setup::Hybrid => Some(Path::new(CGROUP_ROOT).join("unified")),
            Setup::Legacy => None,
        };
        let unified = default_unified.map(|d| {
            if cgroup2.is_empty() || cgroup2.contains(&d) {
                d
            } else {
                cgroup2[0].clone()
            }
        });
        if setup == Setup::Unified {
            v1.clear();
        }
        Host { setup, unified, v1 }
    }

    /// The hierarchy holding a v1 controller, if mounted.
    pub fn v1_mount(&self, controller: &str) -> Option<&V1Mount> {
        self.v1
            .iter()
            .find(|m| m.controllers.iter().any(|c| c == controller))
    }
}

/// Classifies /sys/fs/cgroup (or `root`) by its filesystem type, as runc and youki do.
pub fn detect_setup(root: &Path) -> Result<Setup> {
    let fs = statfs(root).map_err(|source| CgroupError::Statfs {
        path: root.to_path_buf(),
        source,
    })?;
    let kind = fs.filesystem_type();
    if kind == CGROUP2_SUPER_MAGIC {
        return Ok(Setup::Unified);
    }
    if kind == TMPFS_MAGIC {
        let unified = root.join("unified");
        if let Ok(u) = statfs(&unified) {
            if u.filesystem_type() == CGROUP2_SUPER_MAGIC {
                return Ok(Setup::Hybrid);
            }
        }
    }
    Ok(Setup::Legacy)
}

/// The fields of a mountinfo line that we need.
struct MountEntry<'a> {
    root: &'a str,
    mount_point: &'a str,
    fstype: &'a str,
    super_options: &'a str,
}

impl<'a> MountEntry<'a> {
    /// Parses `id parent maj:min root mount_point opts [optional...] - fstype source superopts`.
    fn parse(line: &'a str) -> Option<Self> {
        let (left, right) = line.split_once(" - ")?;
        let left: Vec<&str> = left.split(' ').collect();
        let mut right = right.split(' ');
        let fstype = right.next()?;
        let _source = right.next()?;
        let super_options = right.next().unwrap_or("");
        Some(MountEntry {
            root: left.get(3)?,
            mount_point: left.get(4)?,
            fstype,
            super_options,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 23 0:40 /x /mnt/pids rw - cgroup cgroup rw,pids
";

    #[test]
    fn hybrid_mountinfo_lists_each_v1_hierarchy_and_the_unified_tree() {
        let host = Host::from_mountinfo(Setup::Hybrid, HYBRID);
        assert_eq!(
            host.unified.as_deref(),
            Some(Path::new("/sys/fs/cgroup/unified"))
        );
        assert_eq!(host.v1.len(), 4);
        let cpu = host.v1_mount("cpuacct").expect("cpuacct mounted");
        assert_eq!(cpu.mount_point, Path::new("/sys/fs/cgroup/cpu,cpuacct"));
        assert_eq!(cpu.controllers, vec!["cpu", "cpuacct"]);
        let systemd = host.v1_mount("name=systemd").expect("named hierarchy");
        assert_eq!(systemd.controllers, vec!["name=systemd"]);
        let pids = host.v1_mount("pids").expect("pids mounted elsewhere");
        assert_eq!(pids.mount_point, Path::new("/mnt/pids"));
        assert_eq!(pids.root, "/x");
        assert!(host.v1_mount("cpuset").is_none());
    }

    #[test]
    fn unified_hosts_have_no_v1_hierarchies() {
        let info = "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
        let host = Host::from_mountinfo(Setup::Unified, info);
        assert_eq!(host.unified.as_deref(), Some(Path::new(CGROUP_ROOT)));
        assert!(host.v1.is_empty());
    }

    #[test]
    fn legacy_hosts_have_no_unified_tree() {
        let host = Host::from_mountinfo(Setup::Legacy, HYBRID);
        assert!(host.unified.is_none());
        assert!(host.v1_mount("memory").is_some());
    }

    #[test]
    fn this_host_is_detected() {
        let setup = detect_setup(Path::new(CGROUP_ROOT)).expect("statfs /sys/fs/cgroup");
        let kind = statfs(Path::new(CGROUP_ROOT))
            .expect("statfs")
            .filesystem_type();
        assert_eq!(setup == Setup::Unified, kind == CGROUP2_SUPER_MAGIC);
    }
}
