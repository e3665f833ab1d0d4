//! What `tug exec` needs to enter a running container: the init's pid and the OCI spec the
//! monitor started it with (rebuilt the same way, so an exec'd process gets the init's
//! capabilities, seccomp setting, env, cwd and user).

use std::path::Path;

use nix::unistd::Pid;
use oci_spec::runtime::Spec;
use thiserror::Error;

use super::spec;
use crate::container::{proc_start_time, Container, ContainerError, ContainerStore, ProcProcesses};
use crate::runtime::rlimit::ProcessLimits;
use crate::runtime::{build_spec, SpecError};
use crate::snapshot::{Snapshot, SnapshotError};

/// Why a container cannot be exec'd into.
#[derive(Debug, Error)]
pub enum ExecTargetError {
    /// The container store could not be read, or no container matches.
    #[error(transparent)]
    Container(#[from] ContainerError),
    /// The container has no running init (docker's message).
    #[error("Container {0} is not running")]
    NotRunning(String),
    /// The container's snapshot could not be opened.
    #[error("container {id}: snapshot: {source}")]
    Snapshot {
        /// The container id.
        id: String,
        /// The cause.
        #[source]
        source: SnapshotError,
    },
    /// The container's spec could not be rebuilt.
    #[error("container {id}: building its spec: {source}")]
    Spec {
        /// The container id.
        id: String,
        /// The cause.
        #[source]
        source: SpecError,
    },
}

/// A running container ready to be exec'd into.
#[derive(Debug)]
pub struct ExecTarget {
    /// The container as read from disk.
    pub container: Container,
    /// Its init, as seen from the host.
    pub init: Pid,
    /// The OCI spec the init was started with.
    pub spec: Spec,
}

/// Looks `query` up (name, id or id prefix) and returns its init and spec; refuses a
/// container whose init is not alive.
pub fn exec_target(tug_root: &Path, query: &str) -> Result<ExecTarget, ExecTargetError> {
    let store = ContainerStore::open(tug_root)?;
    store.refresh(&ProcProcesses)?;
    let container = store.lookup(query)?;
    let s = &container.state;
    let running = s.status == crate::container::Status::Running
        && s.pid > 0
        && proc_start_time(s.pid) == Some(s.pid_start_time);
    if !running {
        return Err(ExecTargetError::NotRunning(query.to_string()));
    }
    let id = container.config.id.clone();
    let rootfs = Snapshot::open(tug_root, &id)
        .map_err(|source| ExecTargetError::Snapshot {
            id: id.clone(),
            source,
        })?
        .rootfs_path();
    let spec = build_spec(
        &spec::container_spec(&container.config),
        &rootfs,
        &ProcessLimits,
    )
    .map_err(|source| ExecTargetError::Spec { id, source })?;
    Ok(ExecTarget {
        init: Pid::from_raw(s.pid),
        container,
        spec,
    })
}
