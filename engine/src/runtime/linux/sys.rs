//! The seam between the rootfs logic and the kernel: every mount, mknod, symlink and
//! pivot_root goes through [`MountSys`], so `rootfs::prepare` is unit-tested with a recorder
//! and runs for real with [`RealSys`] inside the container's new mount namespace.

use super::cgroupfs::{parse_hierarchies, CgroupHierarchy};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sys::stat::{makedev, mknod, Mode, SFlag};
use nix::unistd::{chdir, pivot_root};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Kernel operations needed to build a container's filesystem view.
pub trait MountSys {
    /// mount(2).
    fn mount(
        &mut self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> io::Result<()>;
    /// Creates a directory and its parents.
    fn mkdir_all(&mut self, path: &Path) -> io::Result<()>;
    /// Creates an empty file (a bind-mount target) if missing.
    fn touch(&mut self, path: &Path) -> io::Result<()>;
    /// Creates a character device node.
    fn mknod_char(&mut self, path: &Path, mode: u32, major: u64, minor: u64) -> io::Result<()>;
    /// Creates a symbolic link `link` pointing at `target`.
    fn symlink(&mut self, target: &str, link: &Path) -> io::Result<()>;
    /// Makes `new_root` the root and detaches the old one (pivot_root(".", ".") idiom).
    fn pivot_root(&mut self, new_root: &Path) -> io::Result<()>;
    /// `Some(true)` for a directory, `Some(false)` for anything else, `None` if missing.
    fn kind(&self, path: &Path) -> Option<bool>;
    /// Whether the host mounts the unified cgroup v2 hierarchy at /sys/fs/cgroup.
    fn cgroup2_host(&self) -> bool;
    /// The host's hierarchies under /sys/fs/cgroup (cgroup v1 and hybrid hosts).
    fn cgroup_hierarchies(&self) -> Vec<CgroupHierarchy>;
    /// The target of the symlink at `path`, `None` if it is not a symlink.
    fn read_link(&self, path: &Path) -> Option<PathBuf>;
}

/// The real kernel.
#[derive(Debug, Default)]
pub struct RealSys;

fn errno(e: nix::Error) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

impl MountSys for RealSys {
    fn mount(
        &mut self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> io::Result<()> {
        mount(source, target, fstype, flags, data).map_err(errno)
    }

    fn mkdir_all(&mut self, path: &Path) -> io::Result<()> {
        std::fs::create_dir_all(path)
    }

    fn touch(&mut self, path: &Path) -> io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map(drop)
    }

    fn mknod_char(&mut self, path: &Path, mode: u32, major: u64, minor: u64) -> io::Result<()> {
        let _ = std::fs::remove_file(path);
        mknod(
            path,
            SFlag::S_IFCHR,
            Mode::from_bits_truncate(mode),
            makedev(major, minor),
        )
        .map_err(errno)?;
        // mknod applies the umask; the node must be exactly `mode`.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }

    fn symlink(&mut self, target: &str, link: &Path) -> io::Result<()> {
        let _ = std::fs::remove_file(link);
        std::os::unix::fs::symlink(target, link)
    }

    fn pivot_root(&mut self, new_root: &Path) -> io::Result<()> {
        chdir(new_root).map_err(errno)?;
        pivot_root(".", ".").map_err(errno)?;
        umount2(".", MntFlags::MNT_DETACH).map_err(errno)?;
        chdir("/").map_err(errno)
    }

    fn kind(&self, path: &Path) -> Option<bool> {
        std::fs::metadata(path).ok().map(|m| m.is_dir())
    }

    fn cgroup2_host(&self) -> bool {
        nix::sys::statfs::statfs("/sys/fs/cgroup")
            .map(|s| s.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC)
            .unwrap_or(false)
    }

    fn read_link(&self, path: &Path) -> Option<PathBuf> {
        std::fs::read_link(path).ok()
    }

    fn cgroup_hierarchies(&self) -> Vec<CgroupHierarchy> {
        std::fs::read_to_string("/proc/self/mountinfo")
            .map(|m| parse_hierarchies(&m))
            .unwrap_or_default()
    }
}
