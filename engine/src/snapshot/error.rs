//! The one error type of the snapshot module. Each variant names the container, since a
//! `tug up` touches many at once.

use std::io;
use std::path::PathBuf;

/// Why a container's snapshot could not be made, mounted, unmounted or removed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The container id cannot be a directory name.
    #[error("invalid container id {id:?}: {reason}")]
    InvalidId {
        /// The id given.
        id: String,
        /// Why it is refused.
        reason: &'static str,
    },

    /// `create` was called for a container that already has a snapshot.
    #[error("container {container}: a snapshot already exists at {}", path.display())]
    Exists {
        /// The container id.
        container: String,
        /// Its snapshot directory.
        path: PathBuf,
    },

    /// `open` found no snapshot for the container.
    #[error("container {container}: no snapshot at {}", path.display())]
    NotFound {
        /// The container id.
        container: String,
        /// Where it was looked for.
        path: PathBuf,
    },

    /// A layer the snapshot stacks is not in the layer store (removed, or never unpacked).
    #[error(
        "container {container}: layer {chain_id} (link l/{link}) is missing from the layer store"
    )]
    MissingLayer {
        /// The container id.
        container: String,
        /// The layer's chain id.
        chain_id: String,
        /// Its link id.
        link: String,
    },

    /// A path holds a character that overlay mount options cannot carry (`,` or `:`).
    #[error("container {container}: path {} contains ',' or ':', which overlay mount options cannot hold", path.display())]
    UnusablePath {
        /// The container id.
        container: String,
        /// The offending path.
        path: PathBuf,
    },

    /// The mount options do not fit in the one page the kernel accepts.
    #[error(
        "container {container}: overlay mount options for {layers} layers are {len} bytes, \
         over the kernel's limit of {limit}; the image has too many layers (squash it)"
    )]
    OptionsTooLong {
        /// The container id.
        container: String,
        /// How many lower layers.
        layers: usize,
        /// Length of the options string.
        len: usize,
        /// The most the kernel takes.
        limit: usize,
    },

    /// The overlay mount itself failed.
    #[error(
        "container {container}: mount overlay on {} ({layers} layers, mount options {options_len} bytes): {source}{hint}",
        target.display()
    )]
    Mount {
        /// The container id.
        container: String,
        /// The mount point (`merged`).
        target: PathBuf,
        /// How many lower layers.
        layers: usize,
        /// Length of the options string.
        options_len: usize,
        /// A suggestion, or empty.
        hint: &'static str,
        /// The kernel's answer.
        #[source]
        source: io::Error,
    },

    /// Unmounting failed.
    #[error("container {container}: unmount {}: {source}", target.display())]
    Unmount {
        /// The container id.
        container: String,
        /// The mount point.
        target: PathBuf,
        /// The kernel's answer.
        #[source]
        source: io::Error,
    },

    /// A file system call on the snapshot's directories failed.
    #[error("container {container}: {op} {}: {source}", path.display())]
    Io {
        /// The container id.
        container: String,
        /// What was being done.
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },

    /// The snapshot's record on disk is unreadable.
    #[error("container {container}: snapshot record {} is corrupt: {reason}", path.display())]
    Corrupt {
        /// The container id.
        container: String,
        /// The record file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// Removal went on past failures; these are all of them.
    #[error("container {container}: snapshot removal incomplete: {}", failures.join("; "))]
    Cleanup {
        /// The container id.
        container: String,
        /// Each failure, in order.
        failures: Vec<String>,
    },
}
