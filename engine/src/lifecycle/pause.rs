//! `pause`/`unpause`: freezes or thaws the container's cgroup (the freezer), and records the
//! `paused` status that `ps` shows as `Up … (Paused)`. The monitor keeps running: it only
//! waits for the init, which a frozen cgroup does not end.

use std::path::Path;

use crate::cgroup::{CgroupManager, Host};
use crate::container::{Container, ContainerStore, ProcProcesses, Status};

use super::LifecycleError;

/// Freezes every process of a running container.
pub fn pause(tug_root: &Path, query: &str) -> Result<(), LifecycleError> {
    set_paused(tug_root, query, true)
}

/// Thaws a paused container.
pub fn unpause(tug_root: &Path, query: &str) -> Result<(), LifecycleError> {
    set_paused(tug_root, query, false)
}

/// The status a pause (`true`) or unpause moves a container from, and the one it moves to.
fn transition(paused: bool) -> (Status, Status) {
    if paused {
        (Status::Running, Status::Paused)
    } else {
        (Status::Paused, Status::Running)
    }
}

/// Thaws a paused container before `stop`, `kill` or `rm -f` signal it: a frozen process
/// acts on no signal, not even SIGKILL on cgroup v1, until it is thawed.
pub(super) fn resume_if_paused(
    store: &ContainerStore,
    c: &Container,
) -> Result<(), LifecycleError> {
    if c.state.status == Status::Paused {
        freeze(&c.config.id, false)?;
        store.update_state(&c.config.id, |s| s.status = Status::Running)?;
    }
    Ok(())
}

fn freeze(id: &str, frozen: bool) -> Result<(), LifecycleError> {
    let cgroup_err = |source| LifecycleError::Cgroup {
        id: id.to_string(),
        source,
    };
    let host = Host::detect().map_err(cgroup_err)?;
    let cgroup = CgroupManager::new(&host, id).map_err(cgroup_err)?;
    if frozen {
        cgroup.freeze().map_err(cgroup_err)
    } else {
        cgroup.thaw().map_err(cgroup_err)
    }
}

fn set_paused(tug_root: &Path, query: &str, paused: bool) -> Result<(), LifecycleError> {
    let store = ContainerStore::open(tug_root)?;
    store.refresh(&ProcProcesses)?;
    let c = store.lookup(query)?;
    let id = c.config.id.clone();
    let (from, to) = transition(paused);
    if c.state.status != from {
        return Err(if paused && c.state.status == Status::Paused {
            LifecycleError::AlreadyPaused(id)
        } else if paused {
            LifecycleError::NotRunning(id)
        } else {
            LifecycleError::NotPaused(id)
        });
    }
    freeze(&id, paused)?;
    store.update_state(&id, |s| s.status = to)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_goes_from_running_to_paused_and_back() {
        assert_eq!(transition(true), (Status::Running, Status::Paused));
        assert_eq!(transition(false), (Status::Paused, Status::Running));
    }
}
