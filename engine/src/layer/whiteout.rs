//! Whiteouts: how a layer says "this path from the layers below is gone".
//!
//! In the image format (AUFS style) a deleted `NAME` is a tar entry `.wh.NAME`, and a directory
//! whose lower contents are all hidden holds `.wh..wh..opq`. Overlayfs wants them differently:
//! a character device 0/0 named `NAME`, and the xattr `trusted.overlay.opaque=y` on the
//! directory. Unpacking converts the one into the other so that the layer directories can be
//! stacked as overlay lowers directly, as docker's overlay2 driver does.

use super::LayerError;
use rustix::fs::{self as rfs, FileType, Mode, XattrFlags};
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;

/// Prefix of a whiteout entry's file name.
pub const WHITEOUT_PREFIX: &str = ".wh.";
/// The file name that marks its directory opaque.
pub const OPAQUE_MARKER: &str = ".wh..wh..opq";
/// Prefix of AUFS bookkeeping names (`.wh..wh.plnk`, `.wh..wh.aufs`), skipped like docker.
const AUFS_META_PREFIX: &str = ".wh..wh.";
/// The overlayfs xattr that makes a directory opaque.
pub const OVERLAY_OPAQUE_XATTR: &str = "trusted.overlay.opaque";

/// What a tar entry's file name means for whiteouts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An ordinary name.
    Plain,
    /// `.wh.NAME`: `NAME` is deleted.
    Remove(OsString),
    /// `.wh..wh..opq`: the parent directory is opaque.
    Opaque,
    /// Other AUFS bookkeeping (`.wh..wh.plnk`, …): skipped.
    AufsMeta,
}

/// Classifies an entry's last path component.
pub(crate) fn classify(name: &OsStr) -> Kind {
    let bytes = name.as_bytes();
    if bytes == OPAQUE_MARKER.as_bytes() {
        Kind::Opaque
    } else if bytes.starts_with(AUFS_META_PREFIX.as_bytes()) {
        Kind::AufsMeta
    } else if let Some(rest) = bytes.strip_prefix(WHITEOUT_PREFIX.as_bytes()) {
        Kind::Remove(OsStr::from_bytes(rest).to_os_string())
    } else {
        Kind::Plain
    }
}

/// Makes the overlayfs whiteout for `name` in `dir`: a character device 0/0. Needs
/// CAP_MKNOD (root), as docker's overlay2 does.
pub(crate) fn make_whiteout(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    entry: &str,
) -> Result<(), LayerError> {
    rfs::mknodat(
        dir,
        name,
        FileType::CharacterDevice,
        Mode::empty(),
        rfs::makedev(0, 0),
    )
    .map_err(|e| {
        LayerError::apply(
            "create overlay whiteout (char device 0/0) for",
            entry,
            e.into(),
        )
    })
}

/// Marks the directory open as `dir` opaque.
pub(crate) fn make_opaque(dir: BorrowedFd<'_>, entry: &str) -> Result<(), LayerError> {
    // `setxattr` follows the final component on purpose: it is the `/proc/self/fd` link to
    // the directory that was opened without following symlinks.
    let path = format!("/proc/self/fd/{}", dir.as_raw_fd());
    rfs::setxattr(path, OVERLAY_OPAQUE_XATTR, b"y", XattrFlags::empty()).map_err(|e| {
        LayerError::apply(
            format!("set {OVERLAY_OPAQUE_XATTR} (needs root) on the directory of"),
            entry,
            e.into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_whiteout_names() {
        assert_eq!(classify(OsStr::new("passwd")), Kind::Plain);
        assert_eq!(
            classify(OsStr::new(".wh.passwd")),
            Kind::Remove("passwd".into())
        );
        assert_eq!(classify(OsStr::new(".wh..wh..opq")), Kind::Opaque);
        assert_eq!(classify(OsStr::new(".wh..wh.plnk")), Kind::AufsMeta);
        assert_eq!(classify(OsStr::new(".whatever")), Kind::Plain);
    }
}
