//! Moving images in and out of the store as files: `import` (a rootfs tarball becomes a
//! one-layer image), `load` (docker-archive tarballs as `docker save` writes them, and OCI
//! image layouts, as a tar or a directory) and `save` (one tarball that is both a
//! docker-archive and an OCI layout, as docker 25+ writes).
//!
//! Layers are stored as blobs here, never unpacked: unpacking is the layer module's job.

mod changes;
mod compress;
mod import;
mod load;
mod oci_load;
mod save;
mod stage;
mod time;

pub use changes::apply_changes;
pub use import::{import, ImportOptions};
pub use load::{load, load_dir, LoadedImage};
pub use save::save;

use crate::digest::Digest;
use crate::reference::ReferenceError;
use crate::store::StoreError;
use std::io;

/// What can go wrong moving images in or out. Each variant names the file, entry or image.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The image store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading the input or writing the output failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being read or written.
        what: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The archive is not laid out as a docker-archive or OCI layout should be.
    #[error("{0}")]
    Format(String),
    /// A JSON file in the archive does not parse.
    #[error("{what}: {source}")]
    Json {
        /// The file.
        what: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// A `--change` instruction tug cannot apply.
    #[error("invalid --change {change:?}: {reason}")]
    Change {
        /// The instruction as given.
        change: String,
        /// Why.
        reason: String,
    },
    /// A layer whose uncompressed content does not match the config's `diff_ids`.
    #[error(
        "layer {layer}: uncompressed content hashes to {actual}, but the config says {expected}"
    )]
    DiffIdMismatch {
        /// The layer blob.
        layer: Digest,
        /// The config's diff_id.
        expected: Digest,
        /// What the content hashes to.
        actual: Digest,
    },
    /// A reference in the archive or on the command line is invalid.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
}

impl ArchiveError {
    pub(crate) fn io(what: impl Into<String>, source: io::Error) -> ArchiveError {
        ArchiveError::Io {
            what: what.into(),
            source,
        }
    }

    pub(crate) fn json(what: impl Into<String>, source: serde_json::Error) -> ArchiveError {
        ArchiveError::Json {
            what: what.into(),
            source,
        }
    }
}
