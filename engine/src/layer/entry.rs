//! Applying one tar entry: a file, directory, symlink, hard link, device, fifo or whiteout.
//!
//! Every entry is placed by a directory descriptor that [`DestRoot::dir`] checked (no symlink
//! on the way) and a single final name, and every creation refuses to follow or overwrite
//! what is there: a name the layer already holds is cleared first (the later entry wins, as in
//! docker), except that a directory over a directory is kept.

use super::meta::Meta;
use super::path::components;
use super::root::{clear_for, lstat_at, Existing};
use super::sparse::{pax_sparse, write_sparse, PaxSparse};
use super::unpack::Unpacker;
use super::whiteout::{self, Kind};
use super::LayerError;
use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags};
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use tar::{Entry, EntryType};

/// Whether an entry counted as layer content.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Applied {
    /// Something was created or changed.
    Entry,
    /// A bookkeeping header (PAX global, AUFS metadata) that tug skips.
    Skipped,
}

impl Unpacker {
    /// Applies one entry.
    pub(super) fn apply<R: Read>(
        &mut self,
        entry: &mut Entry<'_, R>,
    ) -> Result<Applied, LayerError> {
        let mut raw = entry.path_bytes().into_owned();
        let kind = entry.header().entry_type();
        if kind == EntryType::XGlobalHeader {
            return Ok(Applied::Skipped);
        }
        let sparse = if kind == EntryType::Regular {
            pax_sparse(entry, &String::from_utf8_lossy(&raw))?
        } else {
            None
        };
        if let Some(name) = sparse.as_ref().and_then(|s| s.name.clone()) {
            raw = name;
        }
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let mut comps = components(&raw)?;
        let meta = Meta::of(entry, &shown)?;

        let Some(name) = comps.pop() else {
            // `./` or `/`: the layer root itself. Only its metadata can change.
            if kind != EntryType::Directory {
                return Err(LayerError::unsafe_entry(
                    &shown,
                    "names the layer root but is not a directory",
                ));
            }
            self.dirs.push((Vec::new(), meta, shown));
            return Ok(Applied::Entry);
        };
        let parent = comps;

        match whiteout::classify(&name) {
            Kind::Plain => {}
            Kind::AufsMeta => {
                tracing::debug!(entry = shown, "skipping AUFS metadata entry");
                return Ok(Applied::Skipped);
            }
            Kind::Opaque => {
                let dir = self.root.dir(&parent, true, &shown)?;
                whiteout::make_opaque(dir.as_fd(), &shown)?;
                return Ok(Applied::Entry);
            }
            Kind::Remove(target) => {
                if target.is_empty() || target == "." || target == ".." {
                    return Err(LayerError::unsafe_entry(&shown, "whiteout names no file"));
                }
                let dir = self.root.dir(&parent, true, &shown)?;
                clear_for(&mut self.root, dir.as_fd(), &target, false, &shown)?;
                whiteout::make_whiteout(dir.as_fd(), &target, &shown)?;
                if self.chown {
                    meta.apply_owner_at(dir.as_fd(), &target, &shown)?;
                }
                return Ok(Applied::Entry);
            }
        }

        let dir = self.root.dir(&parent, true, &shown)?;
        let dir = dir.as_fd();
        match kind {
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                clear_for(&mut self.root, dir, &name, false, &shown)?;
                self.write_file(entry, dir, &name, (&meta, sparse.as_ref()), &shown)?;
            }
            EntryType::Directory => {
                let existing = clear_for(&mut self.root, dir, &name, true, &shown)?;
                if existing != Existing::KeptDir {
                    rfs::mkdirat(dir, &name, Mode::from_raw_mode(0o700))
                        .map_err(|e| LayerError::apply("create directory", &shown, e.into()))?;
                }
                let mut full = parent;
                full.push(name);
                self.dirs.push((full, meta, shown));
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .ok_or_else(|| LayerError::unsafe_entry(&shown, "symlink without a target"))?;
                let target = OsStr::from_bytes(&target).to_os_string();
                clear_for(&mut self.root, dir, &name, false, &shown)?;
                rfs::symlinkat(&target, dir, &name)
                    .map_err(|e| LayerError::apply("create symlink", &shown, e.into()))?;
                meta.apply_at(dir, &name, true, self.chown, &shown, &mut self.skipped)?;
            }
            EntryType::Link => self.hard_link(entry, dir, (&parent, &name), &shown)?,
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                let (ftype, what) = match kind {
                    EntryType::Char => (FileType::CharacterDevice, "character device"),
                    EntryType::Block => (FileType::BlockDevice, "block device"),
                    _ => (FileType::Fifo, "fifo"),
                };
                let (major, minor) = device_numbers(entry.header(), &shown)?;
                clear_for(&mut self.root, dir, &name, false, &shown)?;
                rfs::mknodat(
                    dir,
                    &name,
                    ftype,
                    Mode::from_raw_mode(0o600),
                    rfs::makedev(major, minor),
                )
                .map_err(|e| {
                    let hint = if ftype == FileType::Fifo {
                        ""
                    } else {
                        " (needs root)"
                    };
                    LayerError::apply(format!("create {what}{hint}"), &shown, e.into())
                })?;
                meta.apply_at(dir, &name, false, self.chown, &shown, &mut self.skipped)?;
            }
            other => {
                return Err(LayerError::UnsupportedEntry {
                    entry: shown,
                    kind: char::from(other.as_byte()),
                })
            }
        }
        Ok(Applied::Entry)
    }

    fn write_file<R: Read>(
        &mut self,
        entry: &mut Entry<'_, R>,
        dir: BorrowedFd<'_>,
        name: &OsStr,
        (meta, sparse): (&Meta, Option<&PaxSparse>),
        shown: &str,
    ) -> Result<(), LayerError> {
        let fd = rfs::openat(
            dir,
            name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| LayerError::apply("create file", shown, e.into()))?;
        let mut file = File::from(fd);
        if let Some(sparse) = sparse {
            self.content_size += write_sparse(entry, &file, sparse, &mut self.buf)
                .map_err(|e| LayerError::apply("write sparse file", shown, e))?;
        } else {
            loop {
                let n = match entry.read(&mut self.buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(LayerError::Read(e)),
                };
                file.write_all(&self.buf[..n])
                    .map_err(|e| LayerError::apply("write file", shown, e))?;
                self.content_size += n as u64;
            }
        }
        meta.apply_to_fd(file.as_fd(), self.chown, shown, &mut self.skipped)
    }

    /// A hard link to an earlier entry of this layer. The target is resolved inside the layer
    /// like any entry path (no `..`, no symlink on the way), so it cannot name a host file;
    /// a target that is itself a symlink gets linked as the symlink, never followed.
    fn hard_link<R: Read>(
        &mut self,
        entry: &mut Entry<'_, R>,
        dir: BorrowedFd<'_>,
        (parent, name): (&[OsString], &OsStr),
        shown: &str,
    ) -> Result<(), LayerError> {
        let raw = entry
            .link_name_bytes()
            .ok_or_else(|| LayerError::unsafe_entry(shown, "hard link without a target"))?
            .into_owned();
        let shown_target = String::from_utf8_lossy(&raw).into_owned();
        let mut target = components(&raw).map_err(|_| {
            LayerError::unsafe_entry(
                shown,
                format!("hard link target {shown_target:?} has a `..` component"),
            )
        })?;
        let Some(tname) = target.pop() else {
            return Err(LayerError::unsafe_entry(
                shown,
                "hard link to the layer root",
            ));
        };
        let tdir = self.root.dir(&target, false, shown).map_err(|e| match e {
            LayerError::UnsafeEntry { .. } => e,
            _ => missing_target(shown, &shown_target),
        })?;
        match lstat_at(tdir.as_fd(), &tname) {
            Ok(Some(FileType::Directory)) => {
                return Err(LayerError::unsafe_entry(
                    shown,
                    format!("hard link target {shown_target:?} is a directory"),
                ))
            }
            Ok(Some(_)) => {}
            Ok(None) => return Err(missing_target(shown, &shown_target)),
            Err(e) => {
                return Err(LayerError::apply(
                    "inspect hard link target of",
                    shown,
                    e.into(),
                ))
            }
        }
        if tname == name && target == parent {
            return Err(LayerError::unsafe_entry(shown, "hard link to itself"));
        }
        clear_for(&mut self.root, dir, name, false, shown)?;
        rfs::linkat(tdir.as_fd(), &tname, dir, name, AtFlags::empty()).map_err(|e| {
            LayerError::apply(format!("hard link to {shown_target:?} as"), shown, e.into())
        })
    }
}

/// A device entry's major and minor numbers. Blank fields (GNU tar leaves them empty for
/// fifos) read as 0, as in Go's archive/tar; a malformed field is an error, not 0, since a
/// 0/0 character device is an overlay whiteout.
fn device_numbers(header: &tar::Header, shown: &str) -> Result<(u32, u32), LayerError> {
    let raw = header
        .as_ustar()
        .map(|u| (u.dev_major, u.dev_minor))
        .or_else(|| header.as_gnu().map(|g| (g.dev_major, g.dev_minor)));
    let blank = |f: &[u8; 8]| f.iter().all(|c| *c == 0 || *c == b' ');
    let field =
        |res: std::io::Result<Option<u32>>, raw: Option<[u8; 8]>, field: &'static str| match res {
            Ok(v) => Ok(v.unwrap_or_default()),
            Err(_) if raw.as_ref().is_some_and(blank) => Ok(0),
            Err(source) => Err(LayerError::Header {
                entry: shown.to_string(),
                field,
                source,
            }),
        };
    Ok((
        field(header.device_major(), raw.map(|r| r.0), "devmajor")?,
        field(header.device_minor(), raw.map(|r| r.1), "devminor")?,
    ))
}

fn missing_target(entry: &str, target: &str) -> LayerError {
    LayerError::unsafe_entry(
        entry,
        format!("hard link target {target:?} is not an earlier entry of this layer"),
    )
}
