//! The one error type of the layer module: unpacking a layer tar and keeping the layer store.
//!
//! Every variant names what it was working on (the tar entry, the layer, the path on disk) so
//! that a user who sees "refusing tar entry `../etc/passwd`" knows which image is hostile, and
//! one who sees a permission error knows which file the kernel refused.

use crate::Digest;
use std::io;
use std::path::PathBuf;

/// Why a layer could not be unpacked, stored or found.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    /// Reading or decompressing the layer stream failed (truncated blob, corrupt gzip/zstd,
    /// a tar header with a bad checksum).
    #[error("read layer stream: {0}")]
    Read(#[source] io::Error),

    /// The blob is compressed with something tug does not unpack (bzip2, xz).
    #[error("unsupported layer compression {0} (tug unpacks tar, tar+gzip and tar+zstd)")]
    UnsupportedCompression(&'static str),

    /// A tar entry would land outside the layer directory, or names something no layer may
    /// hold. Nothing is written for such an entry.
    #[error("refusing tar entry {entry:?}: {reason}")]
    UnsafeEntry {
        /// The entry's path as the tar spells it.
        entry: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A tar entry of a kind tug does not unpack (e.g. a GNU volume header).
    #[error("tar entry {entry:?} has unsupported type {kind:?}")]
    UnsupportedEntry {
        /// The entry's path.
        entry: String,
        /// The tar type flag byte, as a character.
        kind: char,
    },

    /// A tar header field does not hold a usable value (a uid above 2^32, a bad octal).
    #[error("tar entry {entry:?}: bad header field {field}: {source}")]
    Header {
        /// The entry's path.
        entry: String,
        /// The header field, e.g. `mode`.
        field: &'static str,
        /// What the tar parser said.
        #[source]
        source: io::Error,
    },

    /// A file system call failed while applying an entry.
    #[error("{op} {entry:?}: {source}")]
    Apply {
        /// What was being done (`create file`, `mknod`, `set xattr user.x on`, …).
        op: String,
        /// The entry's path in the layer.
        entry: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },

    /// A file system call on the layer store itself failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },

    /// The unpacked tar does not hash to the diff_id the image config promises: the blob is
    /// corrupt or the config lies. The half-unpacked directory has been removed.
    #[error("layer diff_id mismatch: image config says {expected}, the tar hashes to {actual}")]
    DiffIdMismatch {
        /// The diff_id from the image config.
        expected: Digest,
        /// The sha256 of the uncompressed tar.
        actual: Digest,
    },

    /// A layer record on disk is unreadable or inconsistent (a crash or a manual edit).
    #[error("layer store entry {}: {reason}", path.display())]
    Corrupt {
        /// The layer directory or file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// Opening a layer's blob in the content store failed.
    #[error("open blob {digest}: {source}")]
    Blob {
        /// The blob digest.
        digest: Digest,
        /// What the content store or the file system said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// An error while working on one layer of an image, with that layer named.
    #[error("layer {digest}: {source}")]
    InLayer {
        /// The layer's blob digest (or its diff_id when the blob is not known).
        digest: Digest,
        /// What went wrong.
        #[source]
        source: Box<LayerError>,
    },
}

impl LayerError {
    /// Wraps an error with the layer it happened in.
    pub fn in_layer(self, digest: &Digest) -> LayerError {
        LayerError::InLayer {
            digest: digest.clone(),
            source: Box::new(self),
        }
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> LayerError {
        LayerError::Io {
            op,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn unsafe_entry(entry: &str, reason: impl Into<String>) -> LayerError {
        LayerError::UnsafeEntry {
            entry: entry.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn apply(op: impl Into<String>, entry: &str, source: io::Error) -> LayerError {
        LayerError::Apply {
            op: op.into(),
            entry: entry.to_string(),
            source,
        }
    }
}
