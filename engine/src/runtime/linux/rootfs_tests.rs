//! Unit tests of `rootfs::prepare`/`finish` against a recording fake kernel.

use super::cgroupfs::CgroupHierarchy;
use super::rootfs::{finish, parse_options, prepare};
use super::sys::MountSys;
use crate::runtime::rlimit::HostLimits;
use crate::runtime::{build_spec, ContainerSpec};
use nix::mount::MsFlags;
use oci_spec::runtime::{PosixRlimitType, Spec};
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Default)]
struct Recorder {
    calls: Vec<String>,
    /// Paths that exist: true for directories.
    existing: HashMap<PathBuf, bool>,
    cgroup2: bool,
    mknod_fails: bool,
}

impl MountSys for Recorder {
    fn mount(
        &mut self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> io::Result<()> {
        let src = source.map(|s| s.display().to_string()).unwrap_or_default();
        let ro = if flags.contains(MsFlags::MS_RDONLY) {
            " ro"
        } else {
            ""
        };
        let remount = if flags.contains(MsFlags::MS_REMOUNT) {
            " remount"
        } else {
            ""
        };
        let bind = if flags.contains(MsFlags::MS_BIND) {
            " bind"
        } else {
            ""
        };
        self.calls.push(format!(
            "mount {src} {} {}{bind}{remount}{ro} {}",
            target.display(),
            fstype.unwrap_or("-"),
            data.unwrap_or("")
        ));
        Ok(())
    }
    fn mkdir_all(&mut self, _: &Path) -> io::Result<()> {
        Ok(())
    }
    fn touch(&mut self, path: &Path) -> io::Result<()> {
        self.calls.push(format!("touch {}", path.display()));
        Ok(())
    }
    fn mknod_char(&mut self, path: &Path, mode: u32, major: u64, minor: u64) -> io::Result<()> {
        if self.mknod_fails {
            return Err(io::Error::from_raw_os_error(nix::libc::EPERM));
        }
        self.calls
            .push(format!("mknod {} {mode:o} {major}:{minor}", path.display()));
        Ok(())
    }
    fn symlink(&mut self, target: &str, link: &Path) -> io::Result<()> {
        self.calls
            .push(format!("symlink {} -> {target}", link.display()));
        Ok(())
    }
    fn pivot_root(&mut self, new_root: &Path) -> io::Result<()> {
        self.calls
            .push(format!("pivot_root {}", new_root.display()));
        Ok(())
    }
    fn kind(&self, path: &Path) -> Option<bool> {
        self.existing.get(path).copied()
    }
    fn cgroup2_host(&self) -> bool {
        self.cgroup2
    }
    fn read_link(&self, _: &Path) -> Option<PathBuf> {
        None
    }
    fn cgroup_hierarchies(&self) -> Vec<CgroupHierarchy> {
        vec![CgroupHierarchy {
            dir: "memory".into(),
            fstype: "cgroup".into(),
            data: "memory".into(),
        }]
    }
}

struct NoLimits;
impl HostLimits for NoLimits {
    fn hard_limit(&self, _: PosixRlimitType) -> Option<u64> {
        None
    }
}

fn spec(read_only: bool) -> Spec {
    let cs = ContainerSpec {
        args: vec!["true".into()],
        hostname: "h".into(),
        read_only,
        ..Default::default()
    };
    build_spec(&cs, Path::new("/rootfs"), &NoLimits).unwrap()
}

fn position(calls: &[String], needle: &str) -> usize {
    calls
        .iter()
        .position(|c| c.starts_with(needle))
        .unwrap_or_else(|| panic!("no call starting with {needle:?} in {calls:#?}"))
}

#[test]
fn options_split_into_flags_and_data() {
    let opts: Vec<String> = ["nosuid", "ro", "mode=755", "size=1k"]
        .map(String::from)
        .into();
    let (flags, data) = parse_options(&opts);
    assert_eq!(flags, MsFlags::MS_NOSUID | MsFlags::MS_RDONLY);
    assert_eq!(data, "mode=755,size=1k");
}

#[test]
fn prepare_orders_mounts_devices_and_pivot() {
    let mut sys = Recorder::default();
    prepare(&spec(false), &mut sys).unwrap();
    let c = &sys.calls;
    assert_eq!(c[0], "mount  / - ");
    assert_eq!(c[1], "mount /rootfs /rootfs - bind ");
    let proc_ = position(c, "mount proc /rootfs/proc proc");
    let dev = position(c, "mount tmpfs /rootfs/dev tmpfs");
    let pts = position(c, "mount devpts /rootfs/dev/pts devpts");
    let null = position(c, "mknod /rootfs/dev/null 666 1:3");
    let pivot = position(c, "pivot_root /rootfs");
    assert!(
        proc_ < dev && dev < pts && pts < null && null < pivot,
        "{c:#?}"
    );
    assert!(c[pts].contains("newinstance,ptmxmode=0666"), "{}", c[pts]);
    assert!(position(c, "mount sysfs /rootfs/sys sysfs ro") < pivot);
    assert!(position(c, "symlink /rootfs/dev/ptmx -> pts/ptmx") < pivot);
    // cgroup v1 host: a tmpfs, one read-only mount per hierarchy, then the tmpfs read-only.
    let tmpfs = position(c, "mount tmpfs /rootfs/sys/fs/cgroup tmpfs mode=755");
    assert_eq!(
        c[tmpfs + 1],
        "mount cgroup /rootfs/sys/fs/cgroup/memory cgroup ro memory"
    );
    assert_eq!(
        c[tmpfs + 2],
        "mount  /rootfs/sys/fs/cgroup - remount ro mode=755"
    );
}

#[test]
fn cgroup2_host_gets_a_cgroup2_mount_and_mknod_falls_back_to_bind() {
    let mut sys = Recorder {
        cgroup2: true,
        mknod_fails: true,
        ..Default::default()
    };
    prepare(&spec(false), &mut sys).unwrap();
    let c = &sys.calls;
    assert!(
        c.iter()
            .any(|l| l.starts_with("mount cgroup /rootfs/sys/fs/cgroup cgroup2 ro")),
        "{c:#?}"
    );
    let touch = position(c, "touch /rootfs/dev/zero");
    assert_eq!(c[touch + 1], "mount /dev/zero /rootfs/dev/zero - bind ");
}

#[test]
fn finish_masks_by_kind_and_remounts_read_only() {
    let mut sys = Recorder::default();
    sys.existing.insert("/proc/acpi".into(), true);
    sys.existing.insert("/proc/kcore".into(), false);
    sys.existing.insert("/proc/sys".into(), true);
    finish(&spec(true), &mut sys).unwrap();
    let c = &sys.calls;
    assert!(
        c.contains(&"mount tmpfs /proc/acpi tmpfs ro size=0".to_string()),
        "{c:#?}"
    );
    assert!(
        c.contains(&"mount /dev/null /proc/kcore - bind ".to_string()),
        "{c:#?}"
    );
    // Missing paths (/proc/scsi, /proc/bus...) are skipped.
    assert!(
        !c.iter()
            .any(|l| l.contains("/proc/scsi") || l.contains("/proc/bus")),
        "{c:#?}"
    );
    let bind = position(c, "mount /proc/sys /proc/sys - bind");
    assert_eq!(c[bind + 1], "mount  /proc/sys - bind remount ro ");
    assert_eq!(c.last().unwrap(), "mount  / - bind remount ro ");
}
