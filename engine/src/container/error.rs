//! The one error type of the container store.

use std::io;
use std::path::PathBuf;

/// Why a container-store operation failed; each variant names the container or file.
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    /// A file or folder of the store could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// `config.json` or `state.json` is not valid JSON for its type.
    #[error("parse {path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The name breaks docker's rule `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    #[error("Invalid container name ({0}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")]
    InvalidName(String),
    /// Docker's exact message for a name already taken.
    #[error("Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.")]
    NameConflict { name: String, id: String },
    /// Nothing matches the id, id prefix or name.
    #[error("No such container: {0}")]
    NotFound(String),
    /// An id prefix matches more than one container.
    #[error("multiple IDs found with provided prefix: {0}")]
    Ambiguous(String),
    /// A restart policy other than docker's four forms.
    #[error("invalid restart policy {0:?}: expected no, always, unless-stopped or on-failure[:N]")]
    InvalidRestartPolicy(String),
    /// A `--ulimit` that is not `name=soft[:hard]` with soft ≤ hard.
    #[error("invalid ulimit {0:?}: expected name=soft[:hard] with soft <= hard")]
    InvalidUlimit(String),
    /// A `--filter` that is not `key=value` with a known key.
    #[error("invalid filter {0:?}: {1}")]
    InvalidFilter(String, &'static str),
    /// `rm` of a container that still runs (docker's wording; holds `/name`).
    #[error("cannot remove container \"{0}\": container is running: stop the container before removing or force remove")]
    Running(String),
    /// The kernel refused random bytes for an id.
    #[error("read random bytes for a container id: {0}")]
    Random(io::Error),
}

impl ContainerError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        ContainerError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
