//! Unpacking one layer blob into a directory, with docker's semantics.
//!
//! The blob streams once through decompression, the diff_id hash and the tar parser; each
//! entry is applied as it arrives (see [`super::entry`]), and directory metadata is applied at
//! the end. The directory that results is an overlayfs lower layer: whiteouts are already
//! overlay whiteouts.

use super::compression::{self, decompress};
use super::diff_id::HashingReader;
use super::entry::Applied;
use super::meta::{Meta, Skipped};
use super::path::Components;
use super::root::DestRoot;
use super::LayerError;
use crate::image::media_type::Compression;
use crate::Digest;
use rustix::fs::{self as rfs, Mode, OFlags};
use std::io::Read;
use std::os::fd::AsFd;
use std::path::Path;

/// How to unpack.
#[derive(Clone, Debug)]
pub struct UnpackOptions {
    /// Give files the uid/gid the tar records (needs root). Without it, everything belongs
    /// to the caller, as with `tar --no-same-owner`.
    pub preserve_ownership: bool,
}

impl Default for UnpackOptions {
    /// Ownership is preserved when running as root, which is how tug runs containers.
    fn default() -> UnpackOptions {
        UnpackOptions {
            preserve_ownership: rustix::process::geteuid().is_root(),
        }
    }
}

/// What an unpack did, for verification and for `docker image ls`-style sizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnpackStats {
    /// The sha256 of the uncompressed tar: compare it with the image config's diff_id.
    pub diff_id: Digest,
    /// Bytes of uncompressed tar read (the layer's "tar size").
    pub tar_size: u64,
    /// The compression found by the blob's magic bytes.
    pub compression: Compression,
    /// Tar entries applied (whiteouts included, PAX/GNU bookkeeping headers not).
    pub entries: u64,
    /// Bytes of regular file content written (docker's layer size).
    pub content_size: u64,
    /// Xattrs not applied: refused by the file system (ENOTSUP/EPERM, as docker tolerates)
    /// or overlayfs' own `trusted.overlay.*` ones, which a tar may not set.
    pub xattrs_skipped: u64,
}

/// Unpacks the layer blob `reader` (tar, tar+gzip or tar+zstd) into the existing directory
/// `dest`, returning its diff_id and counts.
///
/// Hostile entries (`..`, paths through a symlink, hard links to what is not an earlier entry
/// of this layer) are refused with [`LayerError::UnsafeEntry`] before anything is written for
/// them, and nothing is ever written outside `dest`. On error `dest` holds a partial layer:
/// the caller unpacks into a temporary directory and removes it (the layer store does).
pub fn unpack<R: Read>(
    reader: R,
    dest: &Path,
    options: &UnpackOptions,
) -> Result<UnpackStats, LayerError> {
    let (compression, decoded) = decompress(reader)?;
    let mut hashing = HashingReader::new(decoded);
    let mut unpacker = Unpacker::new(dest, options)?;
    {
        let mut archive = tar::Archive::new(&mut hashing);
        let entries = archive.entries().map_err(LayerError::Read)?;
        for entry in entries {
            let mut entry = entry.map_err(LayerError::Read)?;
            if unpacker.apply(&mut entry)? == Applied::Entry {
                unpacker.entries += 1;
            }
        }
    }
    unpacker.finish_dirs()?;
    let (diff_id, tar_size) = hashing.finish().map_err(LayerError::Read)?;
    tracing::debug!(
        dest = %dest.display(),
        %diff_id,
        compression = compression::name(compression),
        entries = unpacker.entries,
        "layer unpacked"
    );
    Ok(UnpackStats {
        diff_id,
        tar_size,
        compression,
        entries: unpacker.entries,
        content_size: unpacker.content_size,
        xattrs_skipped: unpacker.skipped.xattrs,
    })
}

/// The state of one unpack.
pub(super) struct Unpacker {
    pub(super) root: DestRoot,
    pub(super) chown: bool,
    /// Directories whose metadata waits until their contents are written, in tar order (a
    /// directory listed twice gets the later entry's metadata).
    pub(super) dirs: Vec<(Components, Meta, String)>,
    pub(super) buf: Vec<u8>,
    pub(super) skipped: Skipped,
    pub(super) entries: u64,
    pub(super) content_size: u64,
}

impl Unpacker {
    fn new(dest: &Path, options: &UnpackOptions) -> Result<Unpacker, LayerError> {
        Ok(Unpacker {
            root: DestRoot::open(dest)?,
            chown: options.preserve_ownership,
            dirs: Vec::new(),
            buf: vec![0; 256 * 1024],
            skipped: Skipped::default(),
            entries: 0,
            content_size: 0,
        })
    }

    /// Applies owner, mode, xattrs and times to every directory the tar listed. A directory
    /// that a later entry replaced by something else is skipped: its metadata went with it.
    fn finish_dirs(&mut self) -> Result<(), LayerError> {
        let dirs = std::mem::take(&mut self.dirs);
        self.root.invalidate();
        for (comps, meta, shown) in dirs {
            let path_fd = match self.root.dir(&comps, false, &shown) {
                Ok(fd) => fd,
                Err(e) => {
                    tracing::debug!(dir = shown.as_str(), error = %e, "directory gone before its metadata");
                    continue;
                }
            };
            let fd = rfs::openat(
                path_fd.as_fd(),
                ".",
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| LayerError::apply("open directory", &shown, e.into()))?;
            meta.apply_to_fd(fd.as_fd(), self.chown, &shown, &mut self.skipped)?;
        }
        Ok(())
    }
}
