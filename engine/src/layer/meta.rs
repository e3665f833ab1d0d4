//! An entry's metadata (owner, mode, times, xattrs) as the tar records it, and putting it on
//! the file that was made for the entry.
//!
//! Order matters and follows docker: owner first (chown clears setuid/setgid), then the mode
//! with its special bits, then xattrs, then times last, since nothing after them may touch the
//! file. Directories get all of it only after their contents are written (see
//! [`super::unpack`]), or creating a child would bump the directory's mtime.

use super::root::fd_path;
use super::LayerError;
use rustix::fs::{self as rfs, AtFlags, Gid, Mode, Timespec, Timestamps, Uid, XattrFlags};
use rustix::io::Errno;
use std::ffi::OsStr;
use std::io::Read;
use std::os::fd::BorrowedFd;
use tar::Entry;

/// PAX record prefix for extended attributes (GNU tar and Go's archive/tar write it).
const PAX_XATTR_PREFIX: &str = "SCHILY.xattr.";
/// Overlayfs keeps its own metadata under this prefix; a layer tar must not set it directly.
const OVERLAY_XATTR_PREFIX: &str = "trusted.overlay.";

/// What a tar header and its PAX records say about an entry, beyond its name and content.
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    /// Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub xattrs: Vec<(String, Vec<u8>)>,
}

/// What applying metadata skipped, so the caller can count it.
#[derive(Default)]
pub(crate) struct Skipped {
    pub xattrs: u64,
}

impl Meta {
    /// Reads the metadata of `entry`; `shown` names it in errors.
    pub(crate) fn of<R: Read>(entry: &mut Entry<'_, R>, shown: &str) -> Result<Meta, LayerError> {
        let header = entry.header();
        let bad = |field: &'static str| {
            move |source| LayerError::Header {
                entry: shown.to_string(),
                field,
                source,
            }
        };
        let old = header.as_old();
        let mode = lenient(header.mode(), &old.mode).map_err(bad("mode"))? & 0o7777;
        // The tar crate already applies PAX `uid`/`gid` overrides to the header.
        let uid = lenient(header.uid(), &old.uid).map_err(bad("uid"))?;
        let uid = id_u32(uid, "uid", shown)?;
        let gid = lenient(header.gid(), &old.gid).map_err(bad("gid"))?;
        let gid = id_u32(gid, "gid", shown)?;
        let header_mtime = lenient(header.mtime(), &old.mtime).map_err(bad("mtime"))?;
        let mut mtime = Timespec {
            tv_sec: i64::try_from(header_mtime).unwrap_or(i64::MAX),
            tv_nsec: 0,
        };
        let mut atime = None;
        let mut xattrs = Vec::new();
        if let Some(pax) = entry.pax_extensions().map_err(bad("pax records"))? {
            for record in pax {
                let record = record.map_err(bad("pax records"))?;
                let Ok(key) = record.key() else { continue };
                if let Some(name) = key.strip_prefix(PAX_XATTR_PREFIX) {
                    xattrs.push((name.to_string(), record.value_bytes().to_vec()));
                } else if key == "mtime" {
                    if let Some(t) = record.value().ok().and_then(parse_pax_time) {
                        mtime = t;
                    }
                } else if key == "atime" {
                    atime = record.value().ok().and_then(parse_pax_time);
                }
            }
        }
        Ok(Meta {
            mode,
            uid,
            gid,
            atime: atime.unwrap_or(mtime),
            mtime,
            xattrs,
        })
    }

    fn timestamps(&self) -> Timestamps {
        Timestamps {
            last_access: self.atime,
            last_modification: self.mtime,
        }
    }

    /// Applies everything to an open regular file or directory (not an `O_PATH` descriptor).
    pub(crate) fn apply_to_fd(
        &self,
        fd: BorrowedFd<'_>,
        chown: bool,
        entry: &str,
        skipped: &mut Skipped,
    ) -> Result<(), LayerError> {
        if chown {
            rfs::fchown(fd, Some(self.uid()), Some(self.gid()))
                .map_err(|e| LayerError::apply("chown", entry, e.into()))?;
        }
        rfs::fchmod(fd, Mode::from_raw_mode(self.mode))
            .map_err(|e| LayerError::apply("chmod", entry, e.into()))?;
        for (name, value) in &self.xattrs {
            if skip_xattr(name, entry, skipped) {
                continue;
            }
            let res = rfs::fsetxattr(fd, name.as_str(), value, XattrFlags::empty());
            tolerate_xattr(res, name, entry, skipped)?;
        }
        rfs::futimens(fd, &self.timestamps())
            .map_err(|e| LayerError::apply("set times of", entry, e.into()))
    }

    /// Applies everything to `name` in `dir` without following it (symlinks, devices, fifos,
    /// whiteouts). Symlinks have no mode of their own, so `chmod` is skipped for them.
    pub(crate) fn apply_at(
        &self,
        dir: BorrowedFd<'_>,
        name: &OsStr,
        is_symlink: bool,
        chown: bool,
        entry: &str,
        skipped: &mut Skipped,
    ) -> Result<(), LayerError> {
        if chown {
            self.apply_owner_at(dir, name, entry)?;
        }
        if !is_symlink {
            // The node was just made by us and is not a symlink, so following is moot.
            rfs::chmodat(dir, name, Mode::from_raw_mode(self.mode), AtFlags::empty())
                .map_err(|e| LayerError::apply("chmod", entry, e.into()))?;
        }
        if !self.xattrs.is_empty() {
            let path = fd_path(dir, name);
            for (xname, value) in &self.xattrs {
                if skip_xattr(xname, entry, skipped) {
                    continue;
                }
                let res = rfs::lsetxattr(&path, xname.as_str(), value, XattrFlags::empty());
                tolerate_xattr(res, xname, entry, skipped)?;
            }
        }
        rfs::utimensat(dir, name, &self.timestamps(), AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| LayerError::apply("set times of", entry, e.into()))
    }

    /// Gives `name` in `dir` the entry's owner, without following it (for whiteouts, which
    /// keep docker's ownership but carry no other metadata).
    pub(crate) fn apply_owner_at(
        &self,
        dir: BorrowedFd<'_>,
        name: &OsStr,
        entry: &str,
    ) -> Result<(), LayerError> {
        rfs::chownat(
            dir,
            name,
            Some(self.uid()),
            Some(self.gid()),
            AtFlags::SYMLINK_NOFOLLOW,
        )
        .map_err(|e| LayerError::apply("chown", entry, e.into()))
    }

    fn uid(&self) -> Uid {
        Uid::from_raw(self.uid)
    }

    fn gid(&self) -> Gid {
        Gid::from_raw(self.gid)
    }
}

/// A numeric header field that is blank (all NULs or spaces) reads as 0, as in Go's
/// archive/tar, which wrote or read most layers in the wild; anything else unparsable is an
/// error.
fn lenient<T: Default>(parsed: std::io::Result<T>, raw: &[u8]) -> std::io::Result<T> {
    match parsed {
        Err(_) if raw.iter().all(|b| *b == 0 || *b == b' ') => Ok(T::default()),
        other => other,
    }
}

fn id_u32(v: u64, field: &'static str, shown: &str) -> Result<u32, LayerError> {
    u32::try_from(v).map_err(|_| LayerError::Header {
        entry: shown.to_string(),
        field,
        source: std::io::Error::other(format!("{v} does not fit in 32 bits")),
    })
}

/// Overlay's own xattrs (`trusted.overlay.opaque`, `.redirect`, `.metacopy`, …) change how the
/// kernel looks up paths across layers; they may only come from whiteout entries, which tug
/// translates itself, never verbatim from a tar.
fn skip_xattr(name: &str, entry: &str, skipped: &mut Skipped) -> bool {
    if name.starts_with(OVERLAY_XATTR_PREFIX) {
        tracing::warn!(entry, xattr = name, "ignoring overlayfs xattr in layer tar");
        skipped.xattrs += 1;
        return true;
    }
    false
}

/// Like docker, a file system that refuses an xattr (ENOTSUP, or EPERM for a namespace the
/// caller may not write) costs a warning, not the whole layer.
fn tolerate_xattr(
    res: Result<(), Errno>,
    name: &str,
    entry: &str,
    skipped: &mut Skipped,
) -> Result<(), LayerError> {
    match res {
        Ok(()) => Ok(()),
        Err(e @ (Errno::NOTSUP | Errno::PERM)) => {
            tracing::warn!(entry, xattr = name, error = %e, "xattr not applied");
            skipped.xattrs += 1;
            Ok(())
        }
        Err(e) => Err(LayerError::apply(
            format!("set xattr {name} on"),
            entry,
            e.into(),
        )),
    }
}

/// Parses a PAX time (`1700000000` or `1700000000.123456789`, possibly negative).
pub(crate) fn parse_pax_time(s: &str) -> Option<Timespec> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (secs, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let secs: i64 = secs.parse().ok()?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut nanos: i64 = 0;
    for i in 0..9 {
        let d = frac.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
        nanos = nanos * 10 + d;
    }
    Some(if !neg {
        Timespec {
            tv_sec: secs,
            tv_nsec: nanos,
        }
    } else if nanos == 0 {
        Timespec {
            tv_sec: -secs,
            tv_nsec: 0,
        }
    } else {
        Timespec {
            tv_sec: -secs - 1,
            tv_nsec: 1_000_000_000 - nanos,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_times_parse_with_and_without_fractions() {
        let t = parse_pax_time("1700000000.123456789123").unwrap();
        assert_eq!((t.tv_sec, t.tv_nsec), (1_700_000_000, 123_456_789));
        let t = parse_pax_time("42").unwrap();
        assert_eq!((t.tv_sec, t.tv_nsec), (42, 0));
        let t = parse_pax_time("1.5").unwrap();
        assert_eq!((t.tv_sec, t.tv_nsec), (1, 500_000_000));
        let t = parse_pax_time("-1.25").unwrap();
        assert_eq!((t.tv_sec, t.tv_nsec), (-2, 750_000_000));
        assert!(parse_pax_time("soon").is_none());
        assert!(parse_pax_time("1.x").is_none());
    }
}
