//! Builds the container's filesystem view from the OCI spec, inside its new mount
//! namespace: private propagation, the rootfs bound onto itself, the spec's mounts, device
//! nodes, pivot_root, then masked and read-only paths. All kernel calls go through
//! [`MountSys`].

use super::securejoin::secure_join;
use super::sys::MountSys;
use nix::mount::MsFlags;
use oci_spec::runtime::{Mount, Spec};
use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A failed filesystem step, naming the step and the path.
#[derive(Debug, Error)]
#[error("{step} {path}: {source}")]
pub struct RootfsError {
    /// What was being done (`mount proc on`, `pivot_root to`, ...).
    pub step: String,
    /// The path concerned.
    pub path: PathBuf,
    /// The kernel's answer.
    pub source: io::Error,
}

fn ctx<T>(r: io::Result<T>, step: &str, path: &Path) -> Result<T, RootfsError> {
    r.map_err(|source| RootfsError {
        step: step.to_string(),
        path: path.to_path_buf(),
        source,
    })
}

/// Splits fstab-style options into mount flags and filesystem data.
pub fn parse_options(options: &[String]) -> (MsFlags, String) {
    let mut flags = MsFlags::empty();
    let mut data = Vec::new();
    for o in options {
        match o.as_str() {
            "ro" => flags |= MsFlags::MS_RDONLY,
            "rw" | "defaults" => {}
            "nosuid" => flags |= MsFlags::MS_NOSUID,
            "nodev" => flags |= MsFlags::MS_NODEV,
            "noexec" => flags |= MsFlags::MS_NOEXEC,
            "strictatime" => flags |= MsFlags::MS_STRICTATIME,
            "relatime" => flags |= MsFlags::MS_RELATIME,
            "noatime" => flags |= MsFlags::MS_NOATIME,
            "bind" => flags |= MsFlags::MS_BIND,
            "rbind" => flags |= MsFlags::MS_BIND | MsFlags::MS_REC,
            other => data.push(other),
        }
    }
    (flags, data.join(","))
}

/// `dest` (absolute in the container) below `root`, symlinks resolved inside `root`.
pub fn in_root(sys: &dyn MountSys, root: &Path, dest: &Path) -> PathBuf {
    secure_join(root, dest, &|p| sys.read_link(p))
}

fn mount_one(sys: &mut dyn MountSys, root: &Path, m: &Mount) -> Result<(), RootfsError> {
    // Symlinks in the image resolve inside the rootfs, never onto the host.
    let target = in_root(sys, root, m.destination());
    let (flags, data) = parse_options(m.options().as_deref().unwrap_or(&[]));
    let typ = m.typ().as_deref().unwrap_or("none");
    let data = (!data.is_empty()).then_some(data.as_str());
    if flags.contains(MsFlags::MS_BIND) {
        let src = m.source().clone().unwrap_or_default();
        match sys.kind(&src) {
            Some(false) => ctx(sys.touch(&target), "create bind target", &target)?,
            _ => ctx(sys.mkdir_all(&target), "create mount point", &target)?,
        }
        let bind = flags & (MsFlags::MS_BIND | MsFlags::MS_REC);
        ctx(
            sys.mount(Some(&src), &target, None, bind, None),
            "bind mount onto",
            &target,
        )?;
        let remount = (flags & !MsFlags::MS_REC) | MsFlags::MS_REMOUNT;
        return ctx(
            sys.mount(None, &target, None, remount, None),
            "remount",
            &target,
        );
    }
    ctx(sys.mkdir_all(&target), "create mount point", &target)?;
    if typ == "cgroup" {
        if sys.cgroup2_host() {
            let step = "mount cgroup2 on";
            return ctx(
                sys.mount(
                    Some(Path::new("cgroup")),
                    &target,
                    Some("cgroup2"),
                    flags,
                    None,
                ),
                step,
                &target,
            );
        }
        return mount_cgroup_v1(sys, &target, flags);
    }
    let src = m.source().clone().unwrap_or_else(|| PathBuf::from(typ));
    let step = format!("mount {typ} on");
    ctx(
        sys.mount(Some(&src), &target, Some(typ), flags, data),
        &step,
        &target,
    )
}

/// cgroup v1 and hybrid hosts: a tmpfs with one mount per host hierarchy, then all of it
/// read-only unless the mount asked for rw (privileged).
fn mount_cgroup_v1(
    sys: &mut dyn MountSys,
    target: &Path,
    flags: MsFlags,
) -> Result<(), RootfsError> {
    let tmpfs = flags & !MsFlags::MS_RDONLY;
    let src = Some(Path::new("tmpfs"));
    let step = "mount tmpfs (cgroup v1) on";
    ctx(
        sys.mount(src, target, Some("tmpfs"), tmpfs, Some("mode=755")),
        step,
        target,
    )?;
    for h in sys.cgroup_hierarchies() {
        let dir = target.join(&h.dir);
        ctx(sys.mkdir_all(&dir), "create cgroup mount point", &dir)?;
        let data = (!h.data.is_empty()).then_some(h.data.as_str());
        let step = format!("mount {} on", h.fstype);
        let src = Some(Path::new(h.fstype.as_str()));
        ctx(
            sys.mount(src, &dir, Some(&h.fstype), flags, data),
            &step,
            &dir,
        )?;
    }
    if flags.contains(MsFlags::MS_RDONLY) {
        let ro = flags | MsFlags::MS_REMOUNT;
        let step = "remount cgroup tmpfs read-only";
        ctx(
            sys.mount(None, target, None, ro, Some("mode=755")),
            step,
            target,
        )?;
    }
    Ok(())
}

const LINKS: [(&str, &str); 6] = [
    ("/proc/self/fd", "dev/fd"),
    ("/proc/self/fd/0", "dev/stdin"),
    ("/proc/self/fd/1", "dev/stdout"),
    ("/proc/self/fd/2", "dev/stderr"),
    ("pts/ptmx", "dev/ptmx"),
    ("/proc/kcore", "dev/core"),
];

/// Everything up to and including pivot_root; afterwards `/` is the container's rootfs.
pub fn prepare(spec: &Spec, sys: &mut dyn MountSys) -> Result<(), RootfsError> {
    let root = spec
        .root()
        .as_ref()
        .map(|r| r.path().clone())
        .unwrap_or_default();
    let slash = Path::new("/");
    let private = MsFlags::MS_REC | MsFlags::MS_PRIVATE;
    ctx(
        sys.mount(None, slash, None, private, None),
        "make mounts private on",
        slash,
    )?;
    let bind = MsFlags::MS_BIND | MsFlags::MS_REC;
    ctx(
        sys.mount(Some(&root), &root, None, bind, None),
        "bind rootfs onto itself",
        &root,
    )?;
    for m in spec.mounts().as_deref().unwrap_or(&[]) {
        mount_one(sys, &root, m)?;
    }
    let linux = spec.linux().as_ref();
    for d in linux.and_then(|l| l.devices().as_deref()).unwrap_or(&[]) {
        let target = in_root(sys, &root, d.path());
        let mode = d.file_mode().unwrap_or(0o666);
        let (major, minor) = (d.major() as u64, d.minor() as u64);
        if sys.mknod_char(&target, mode, major, minor).is_err() {
            // Without CAP_MKNOD (e.g. in a user namespace) bind the host's node instead.
            ctx(sys.touch(&target), "create device", &target)?;
            let step = "bind host device onto";
            ctx(
                sys.mount(Some(d.path()), &target, None, MsFlags::MS_BIND, None),
                step,
                &target,
            )?;
        }
    }
    for (to, link) in LINKS {
        let path = in_root(sys, &root, Path::new(link));
        ctx(sys.symlink(to, &path), "symlink", &path)?;
    }
    ctx(sys.pivot_root(&root), "pivot_root to", &root)
}

/// After pivot_root: masked paths, read-only paths and a read-only rootfs.
pub fn finish(spec: &Spec, sys: &mut dyn MountSys) -> Result<(), RootfsError> {
    let linux = spec.linux().as_ref();
    for p in linux
        .and_then(|l| l.masked_paths().as_deref())
        .unwrap_or(&[])
    {
        let path = Path::new(p);
        match sys.kind(path) {
            Some(true) => {
                let flags = MsFlags::MS_RDONLY;
                let src = Some(Path::new("tmpfs"));
                ctx(
                    sys.mount(src, path, Some("tmpfs"), flags, Some("size=0")),
                    "mask",
                    path,
                )?
            }
            Some(false) => {
                let dev_null = Some(Path::new("/dev/null"));
                ctx(
                    sys.mount(dev_null, path, None, MsFlags::MS_BIND, None),
                    "mask",
                    path,
                )?
            }
            None => {}
        }
    }
    for p in linux
        .and_then(|l| l.readonly_paths().as_deref())
        .unwrap_or(&[])
    {
        let path = Path::new(p);
        if sys.kind(path).is_none() {
            continue;
        }
        let bind = MsFlags::MS_BIND | MsFlags::MS_REC;
        ctx(
            sys.mount(Some(path), path, None, bind, None),
            "bind read-only path",
            path,
        )?;
        let ro = MsFlags::MS_BIND
            | MsFlags::MS_REMOUNT
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NOSUID
            | MsFlags::MS_NODEV
            | MsFlags::MS_NOEXEC;
        ctx(
            sys.mount(None, path, None, ro, None),
            "remount read-only",
            path,
        )?;
    }
    if spec.root().as_ref().and_then(|r| r.readonly()) == Some(true) {
        let slash = Path::new("/");
        let ro = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
        ctx(
            sys.mount(None, slash, None, ro, None),
            "remount rootfs read-only",
            slash,
        )?;
    }
    Ok(())
}
