//! The container's /sys/fs/cgroup on a cgroup v1 or hybrid host: like docker, a read-only
//! tmpfs holding one read-only mount per host hierarchy, which the container's cgroup
//! namespace roots at its own cgroup. The host's hierarchies come from its mountinfo.

use std::path::Path;

/// One cgroup hierarchy mounted on the host under /sys/fs/cgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupHierarchy {
    /// Directory name under /sys/fs/cgroup (`cpu`, `memory`, `systemd`, `unified`...).
    pub dir: String,
    /// `cgroup` or `cgroup2`.
    pub fstype: String,
    /// Mount data: the controllers or `name=...` (empty for cgroup2).
    pub data: String,
}

/// Parses /proc/self/mountinfo for cgroup and cgroup2 mounts directly below /sys/fs/cgroup.
pub fn parse_hierarchies(mountinfo: &str) -> Vec<CgroupHierarchy> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let mount_point = left.split(' ').nth(4)?;
            let mut right = right.split(' ');
            let fstype = right.next()?;
            let _source = right.next()?;
            let options = right.next().unwrap_or("");
            if fstype != "cgroup" && fstype != "cgroup2" {
                return None;
            }
            let dir = Path::new(mount_point)
                .strip_prefix("/sys/fs/cgroup")
                .ok()?
                .to_str()?;
            if dir.is_empty() || dir.contains('/') {
                return None;
            }
            let data = options
                .split(',')
                .filter(|o| !matches!(*o, "rw" | "ro") && fstype == "cgroup")
                .collect::<Vec<_>>()
                .join(",");
            Some(CgroupHierarchy {
                dir: dir.to_string(),
                fstype: fstype.to_string(),
                data,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hybrid_host_hierarchies() {
        let info = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n\
            32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n\
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n\
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n\
            50 20 0:40 / /elsewhere/cgroup rw - cgroup cgroup rw,pids\n";
        let h = parse_hierarchies(info);
        assert_eq!(h.len(), 3);
        assert_eq!(
            h[0],
            CgroupHierarchy {
                dir: "cpu,cpuacct".into(),
                fstype: "cgroup".into(),
                data: "cpu,cpuacct".into()
            }
        );
        assert_eq!(h[1].data, "xattr,name=systemd");
        assert_eq!(
            (h[2].dir.as_str(), h[2].fstype.as_str(), h[2].data.as_str()),
            ("unified", "cgroup2", "")
        );
    }
}
