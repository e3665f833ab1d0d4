//! Walking inside the layer directory without ever following a symlink.
//!
//! A hostile tar can plant `evil -> /etc` and then write `evil/passwd`. Docker defends with a
//! chroot; tug instead opens every directory component relative to its parent's file
//! descriptor with `O_NOFOLLOW | O_DIRECTORY`, so a symlink anywhere in an entry's parent path
//! is refused, and every later call (`openat`, `mknodat`, `linkat`, …) is made relative to the
//! directory descriptor that was checked. The final component is never followed either: each
//! creation uses `O_EXCL`/`O_NOFOLLOW` or a call that does not follow.

use super::path::display;
use super::LayerError;
use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The layer directory being unpacked into, opened once, plus the last parent directory
/// looked up (tars list files grouped by directory, so this saves most walks).
pub(crate) struct DestRoot {
    fd: OwnedFd,
    cache: Option<(Vec<OsString>, Rc<OwnedFd>)>,
}

/// What was found at a name before an entry was applied there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Existing {
    /// Nothing was there.
    Nothing,
    /// A directory is there and was kept (a directory entry over a directory merges).
    KeptDir,
    /// Something was there and was removed.
    Removed,
}

impl DestRoot {
    /// Opens the destination directory. It may itself be reached through symlinks (it is the
    /// caller's, not the tar's).
    pub(crate) fn open(dest: &Path) -> Result<DestRoot, LayerError> {
        let fd = rfs::open(
            dest,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| LayerError::io("open layer directory", dest, e.into()))?;
        Ok(DestRoot { fd, cache: None })
    }

    /// Forgets the cached parent; called whenever an entry removes something, since a cached
    /// descriptor could then name a directory that is no longer in the tree.
    pub(crate) fn invalidate(&mut self) {
        self.cache = None;
    }

    /// Opens the directory `comps` below the root, refusing symlinks and non-directories on the
    /// way. With `create`, missing directories are made (mode 0755, owned by the caller), as
    /// docker does for entries whose parents the tar does not list. `entry` names the tar
    /// entry in errors.
    pub(crate) fn dir(
        &mut self,
        comps: &[OsString],
        create: bool,
        entry: &str,
    ) -> Result<Rc<OwnedFd>, LayerError> {
        if let Some((path, fd)) = &self.cache {
            if path.as_slice() == comps {
                return Ok(Rc::clone(fd));
            }
        }
        let mut cur: Option<OwnedFd> = None;
        for (i, comp) in comps.iter().enumerate() {
            let parent = cur.as_ref().map_or(self.fd.as_fd(), |fd| fd.as_fd());
            let next = open_component(parent, comp, create, || display(&comps[..=i]), entry)?;
            cur = Some(next);
        }
        let fd = match cur {
            Some(fd) => Rc::new(fd),
            None => Rc::new(
                self.fd
                    .try_clone()
                    .map_err(|e| LayerError::apply("duplicate descriptor of", entry, e))?,
            ),
        };
        self.cache = Some((comps.to_vec(), Rc::clone(&fd)));
        Ok(fd)
    }
}

fn open_component(
    parent: BorrowedFd<'_>,
    comp: &OsStr,
    create: bool,
    so_far: impl Fn() -> String,
    entry: &str,
) -> Result<OwnedFd, LayerError> {
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rfs::openat(parent, comp, flags, Mode::empty()) {
        Ok(fd) => Ok(fd),
        Err(Errno::NOENT) if create => {
            rfs::mkdirat(parent, comp, Mode::from_raw_mode(0o755))
                .map_err(|e| LayerError::apply("create parent directory", &so_far(), e.into()))?;
            // mkdirat is subject to the umask; a missing parent is 0755 whatever it is.
            rfs::chmodat(parent, comp, Mode::from_raw_mode(0o755), AtFlags::empty())
                .map_err(|e| LayerError::apply("chmod parent directory", &so_far(), e.into()))?;
            rfs::openat(parent, comp, flags, Mode::empty())
                .map_err(|e| LayerError::apply("open directory", &so_far(), e.into()))
        }
        Err(e @ (Errno::NOTDIR | Errno::LOOP)) => {
            let is_symlink = rfs::statat(parent, comp, AtFlags::SYMLINK_NOFOLLOW)
                .map(|st| FileType::from_raw_mode(st.st_mode) == FileType::Symlink)
                .unwrap_or(false);
            if is_symlink {
                Err(LayerError::unsafe_entry(
                    entry,
                    format!(
                        "its parent path goes through symlink {:?} made by an earlier entry, \
                         which could lead out of the layer",
                        so_far()
                    ),
                ))
            } else {
                Err(LayerError::apply(
                    format!("{:?} is not a directory; cannot place", so_far()),
                    entry,
                    e.into(),
                ))
            }
        }
        Err(e) => Err(LayerError::apply(
            format!("open directory {:?} for", so_far()),
            entry,
            e.into(),
        )),
    }
}

/// What is at `name` in `dir`, without following a symlink.
pub(crate) fn lstat_at(dir: BorrowedFd<'_>, name: &OsStr) -> Result<Option<FileType>, Errno> {
    match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(FileType::from_raw_mode(st.st_mode))),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Clears `name` in `dir` so that an entry can take its place, as docker does when a tar lists
/// a path twice: the later entry wins, except that a directory over a directory is kept (its
/// contents merge). Directories are removed recursively without following symlinks.
pub(crate) fn clear_for(
    root: &mut DestRoot,
    dir: BorrowedFd<'_>,
    name: &OsStr,
    new_is_dir: bool,
    entry: &str,
) -> Result<Existing, LayerError> {
    let existing =
        lstat_at(dir, name).map_err(|e| LayerError::apply("inspect existing", entry, e.into()))?;
    match existing {
        None => Ok(Existing::Nothing),
        Some(FileType::Directory) if new_is_dir => Ok(Existing::KeptDir),
        Some(FileType::Directory) => {
            root.invalidate();
            // std's remove_dir_all does not follow symlinks inside the tree. The path goes
            // through the checked directory descriptor, so it cannot leave the layer.
            std::fs::remove_dir_all(fd_path(dir, name))
                .map_err(|e| LayerError::apply("remove existing directory", entry, e))?;
            Ok(Existing::Removed)
        }
        Some(_) => {
            root.invalidate();
            rfs::unlinkat(dir, name, AtFlags::empty())
                .map_err(|e| LayerError::apply("remove existing", entry, e.into()))?;
            Ok(Existing::Removed)
        }
    }
}

/// A path naming `name` inside the directory open as `dir`, through `/proc/self/fd`, for the
/// few calls that have no `*at` form (`lsetxattr`, `remove_dir_all`). The kernel resolves the
/// descriptor link to the checked directory; `name` itself is a single component.
pub(crate) fn fd_path(dir: BorrowedFd<'_>, name: &OsStr) -> PathBuf {
    let mut p = PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()));
    p.push(name);
    p
}
