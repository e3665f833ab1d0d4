//! Why a lifecycle operation failed.

use thiserror::Error;

use crate::cgroup::CgroupError;
use crate::container::ContainerError;
use crate::layer::LayerError;
use crate::snapshot::SnapshotError;
use crate::store::StoreError;

/// Why a container could not be created, started, stopped, killed, removed or waited for.
#[derive(Debug, Error)]
pub enum LifecycleError {
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error("image {image}: {source}")]
    Image {
        image: String,
        #[source]
        source: StoreError,
    },
    #[error("image {image}: layers: {source}")]
    Layers {
        image: String,
        #[source]
        source: LayerError,
    },
    #[error("container {id}: snapshot: {source}")]
    Snapshot {
        id: String,
        #[source]
        source: SnapshotError,
    },
    #[error("container {id}: cgroup: {source}")]
    Cgroup {
        id: String,
        #[source]
        source: CgroupError,
    },
    #[error("no command specified")]
    NoCommand,
    #[error("invalid signal {0:?}")]
    InvalidSignal(String),
    #[error("container {0} is not running")]
    NotRunning(String),
    /// A resource flag the kernel would refuse (`--memory-swap` below `--memory`, ...),
    /// caught at create time rather than at start.
    #[error("{0}")]
    InvalidLimits(#[source] CgroupError),
    /// `pause` of a container that is already paused.
    #[error("container {0} is already paused")]
    AlreadyPaused(String),
    /// `unpause` of a container that is not paused.
    #[error("container {0} is not paused")]
    NotPaused(String),
    #[error("cannot remove container {0}: container is running: stop the container before removing or force remove")]
    Running(String),
    #[error("starting the monitor of container {id}: {source}")]
    Spawn {
        id: String,
        #[source]
        source: std::io::Error,
    },
    #[error("container {id}: {what}: {source}")]
    Sys {
        id: String,
        what: &'static str,
        #[source]
        source: nix::Error,
    },
    #[error("container {id}: the monitor did not {what} within {secs} s")]
    Timeout {
        id: String,
        what: &'static str,
        secs: u64,
    },
}
