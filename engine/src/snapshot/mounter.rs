//! The seam between snapshot logic and the kernel's mount table.
//!
//! [`KernelMounter`] does the real thing. [`RecordingMounter`] records calls and keeps a
//! pretend mount table, so that option building, error paths and clean-up order are tested
//! without root.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Mounting and unmounting overlays.
pub trait Mounter: Send + Sync {
    /// Mounts an overlay on `target` with `options`, resolving the relative paths in the
    /// options against `cwd` (the layer store's `image/` directory), so that lower dirs can be
    /// named by short `l/<link>` paths.
    fn mount_overlay(&self, cwd: &Path, target: &Path, options: &str) -> io::Result<()>;

    /// Unmounts `target`. Unmounting what is not mounted is an error (`EINVAL`), as in the
    /// kernel; callers check [`Mounter::is_mounted`] first.
    fn unmount(&self, target: &Path) -> io::Result<()>;

    /// Whether something is mounted exactly on `target`.
    fn is_mounted(&self, target: &Path) -> io::Result<bool>;
}

/// The real kernel, through `mount(2)`/`umount2(2)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct KernelMounter;

impl Mounter for KernelMounter {
    fn mount_overlay(&self, cwd: &Path, target: &Path, options: &str) -> io::Result<()> {
        use nix::mount::{mount, MsFlags};
        use nix::sched::{unshare, CloneFlags};
        // The working directory is per process, and other threads (parallel pulls, tests)
        // must not see it change. A scoped thread that unshares CLONE_FS gets a working
        // directory of its own; the mount lands in the shared mount namespace as usual.
        std::thread::scope(|scope| {
            scope
                .spawn(|| -> io::Result<()> {
                    unshare(CloneFlags::CLONE_FS).map_err(io::Error::from)?;
                    nix::unistd::chdir(cwd).map_err(io::Error::from)?;
                    mount(
                        Some("overlay"),
                        target,
                        Some("overlay"),
                        MsFlags::empty(),
                        Some(options),
                    )
                    .map_err(io::Error::from)
                })
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("mount thread panicked")))
        })
    }

    fn unmount(&self, target: &Path) -> io::Result<()> {
        use nix::errno::Errno;
        use nix::mount::{umount2, MntFlags};
        match umount2(target, MntFlags::empty()) {
            Ok(()) => Ok(()),
            Err(Errno::EBUSY) => {
                // A process still has a file open in the container's root (a lingering exec,
                // a shell in the directory). Detach now; the kernel frees it when they leave.
                tracing::warn!(target = %target.display(), "mount busy; detaching lazily");
                umount2(target, MntFlags::MNT_DETACH).map_err(io::Error::from)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn is_mounted(&self, target: &Path) -> io::Result<bool> {
        let target = match target.canonicalize() {
            Ok(p) => p,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let table = std::fs::read_to_string("/proc/self/mountinfo")?;
        let found = super::mountinfo::mount_points(&table).any(|p| p == target);
        Ok(found)
    }
}

/// One call a [`RecordingMounter`] saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountCall {
    /// `mount_overlay(cwd, target, options)`.
    Mount {
        /// The working directory relative paths resolve against.
        cwd: PathBuf,
        /// The mount point.
        target: PathBuf,
        /// The options string.
        options: String,
    },
    /// `unmount(target)`.
    Unmount(PathBuf),
}

/// A fake for tests: records every call and keeps a pretend mount table.
#[derive(Debug, Default)]
pub struct RecordingMounter {
    state: Mutex<Recorded>,
}

#[derive(Debug, Default)]
struct Recorded {
    calls: Vec<MountCall>,
    mounted: BTreeSet<PathBuf>,
    fail_mount: Option<i32>,
}

impl RecordingMounter {
    /// A fake on which every mount succeeds.
    pub fn new() -> RecordingMounter {
        RecordingMounter::default()
    }

    /// A fake on which every mount fails with this errno.
    pub fn failing(errno: i32) -> RecordingMounter {
        let m = RecordingMounter::default();
        m.lock().fail_mount = Some(errno);
        m
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<MountCall> {
        self.lock().calls.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        // A panic in another test thread must not hide this one's calls.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Mounter for RecordingMounter {
    fn mount_overlay(&self, cwd: &Path, target: &Path, options: &str) -> io::Result<()> {
        let mut s = self.lock();
        s.calls.push(MountCall::Mount {
            cwd: cwd.to_path_buf(),
            target: target.to_path_buf(),
            options: options.to_string(),
        });
        if let Some(errno) = s.fail_mount {
            return Err(io::Error::from_raw_os_error(errno));
        }
        if !s.mounted.insert(target.to_path_buf()) {
            return Err(io::Error::from_raw_os_error(
                nix::errno::Errno::EBUSY as i32,
            ));
        }
        Ok(())
    }

    fn unmount(&self, target: &Path) -> io::Result<()> {
        let mut s = self.lock();
        s.calls.push(MountCall::Unmount(target.to_path_buf()));
        if s.mounted.remove(target) {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(
                nix::errno::Errno::EINVAL as i32,
            ))
        }
    }

    fn is_mounted(&self, target: &Path) -> io::Result<bool> {
        Ok(self.lock().mounted.contains(target))
    }
}
