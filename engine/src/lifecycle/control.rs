//! `stop`, `kill`, `wait` and `rm`: every one reads `state.json` (after [`refresh`]) and talks
//! to the monitor or the init by pid, checking start times so a reused pid is never signalled.
//!
//! [`refresh`]: crate::container::ContainerStore::refresh

use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill as send, Signal};
use nix::unistd::Pid;

use crate::cgroup::{CgroupManager, Host};
use crate::container::{proc_start_time, Container, ContainerStore, ProcProcesses};
use crate::monitor::process::STOP_TIMEOUT_FILE;
use crate::monitor::stop::parse_signal;
use crate::snapshot::{Snapshot, SnapshotError};

use super::LifecycleError;

const POLL: Duration = Duration::from_millis(20);

fn open(tug_root: &Path, query: &str) -> Result<(ContainerStore, Container), LifecycleError> {
    let store = ContainerStore::open(tug_root)?;
    store.refresh(&ProcProcesses)?;
    let c = store.lookup(query)?;
    Ok((store, c))
}

fn alive(pid: i32, start_time: u64) -> bool {
    pid > 0 && proc_start_time(pid) == Some(start_time)
}

/// Waits until the monitor of `id` is gone (then refresh records whatever it left undone).
fn wait_monitor_gone(
    store: &ContainerStore,
    id: &str,
    limit: Duration,
) -> Result<(), LifecycleError> {
    let deadline = Instant::now() + limit;
    loop {
        store.refresh(&ProcProcesses)?;
        let s = store.load(id)?.state;
        if !s.status.has_monitor() && !alive(s.monitor_pid, s.monitor_start_time) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(LifecycleError::Timeout {
                id: id.to_string(),
                what: "exit",
                secs: limit.as_secs(),
            });
        }
        std::thread::sleep(POLL);
    }
}

/// `stop [-t N]`: asks the monitor to stop the init (stop signal, grace period, SIGKILL) and
/// waits for it. A container that is not running is fine, as in docker.
pub fn stop(
    tug_root: &Path,
    query: &str,
    timeout: Option<u32>,
) -> Result<Container, LifecycleError> {
    let (store, c) = open(tug_root, query)?;
    let id = c.config.id.clone();
    let s = &c.state;
    if !s.status.has_monitor() {
        return Ok(c);
    }
    super::pause::resume_if_paused(&store, &c)?;
    let grace = timeout.or(c.config.stop_timeout).unwrap_or(10);
    let file = c.dir.join(STOP_TIMEOUT_FILE);
    std::fs::write(&file, grace.to_string())
        .map_err(|e| crate::container::ContainerError::io("write", &file, e))?;
    store.update_state(&id, |s| s.manually_stopped = true)?;
    if alive(s.monitor_pid, s.monitor_start_time) {
        match send(Pid::from_raw(s.monitor_pid), Signal::SIGTERM) {
            Ok(()) | Err(nix::Error::ESRCH) => {}
            Err(source) => {
                return Err(LifecycleError::Sys {
                    id,
                    what: "signal the monitor",
                    source,
                })
            }
        }
    }
    wait_monitor_gone(&store, &id, Duration::from_secs(u64::from(grace) + 30))?;
    let _ = std::fs::remove_file(&file);
    Ok(store.load(&id)?)
}

/// `kill [-s SIG]`: sends the signal to the init directly. As in docker, SIGKILL or the
/// container's stop signal counts as a manual stop, so no restart policy brings it back;
/// other signals are just delivered.
pub fn kill(tug_root: &Path, query: &str, signal: &str) -> Result<Container, LifecycleError> {
    let (store, c) = open(tug_root, query)?;
    let number = parse_signal(signal).map_err(|_| LifecycleError::InvalidSignal(signal.into()))?;
    let sig = Signal::try_from(number).map_err(|_| LifecycleError::InvalidSignal(signal.into()))?;
    let s = &c.state;
    if !s.status.has_monitor() || !alive(s.pid, s.pid_start_time) {
        return Err(LifecycleError::NotRunning(c.config.name.clone()));
    }
    super::pause::resume_if_paused(&store, &c)?;
    let stop_signal = parse_signal(&c.config.stop_signal).unwrap_or(Signal::SIGTERM as i32);
    if sig == Signal::SIGKILL || number == stop_signal {
        store.update_state(&c.config.id, |s| s.manually_stopped = true)?;
    }
    match send(Pid::from_raw(s.pid), sig) {
        Ok(()) | Err(nix::Error::ESRCH) => Ok(c),
        Err(source) => Err(LifecycleError::Sys {
            id: c.config.id.clone(),
            what: "signal the init",
            source,
        }),
    }
}

/// `wait`: blocks until the container is exited and returns its exit code.
pub fn wait(tug_root: &Path, query: &str) -> Result<i32, LifecycleError> {
    let (store, c) = open(tug_root, query)?;
    loop {
        store.refresh(&ProcProcesses)?;
        let s = store.load(&c.config.id)?.state;
        if !s.status.has_monitor() && s.status != crate::container::Status::Created {
            return Ok(s.exit_code);
        }
        std::thread::sleep(POLL);
    }
}

/// `rm [-f]`: removes the snapshot, any leftover cgroup and the record. A running container
/// is refused unless `force`, which kills it first (SIGKILL, as docker).
pub fn remove(tug_root: &Path, query: &str, force: bool) -> Result<(), LifecycleError> {
    let (store, c) = open(tug_root, query)?;
    let id = c.config.id.clone();
    if c.state.status.has_monitor() {
        if !force {
            return Err(LifecycleError::Running(c.config.name.clone()));
        }
        store.update_state(&id, |s| s.manually_stopped = true)?;
        super::pause::resume_if_paused(&store, &c)?;
        let s = &c.state;
        if alive(s.pid, s.pid_start_time) {
            let _ = send(Pid::from_raw(s.pid), Signal::SIGKILL);
        }
        if alive(s.monitor_pid, s.monitor_start_time) {
            let _ = send(Pid::from_raw(s.monitor_pid), Signal::SIGTERM);
        }
        wait_monitor_gone(&store, &id, Duration::from_secs(30))?;
    }
    match Snapshot::open(tug_root, &id) {
        Ok(snap) => snap.remove().map_err(|source| LifecycleError::Snapshot {
            id: id.clone(),
            source,
        })?,
        Err(SnapshotError::NotFound { .. }) => {}
        Err(source) => return Err(LifecycleError::Snapshot { id, source }),
    }
    let cgroup_err = |source| LifecycleError::Cgroup {
        id: id.clone(),
        source,
    };
    let host = Host::detect().map_err(cgroup_err)?;
    let cgroup = CgroupManager::new(&host, &id).map_err(cgroup_err)?;
    if cgroup.exists() {
        // A monitor killed with SIGKILL leaves its cgroup; its processes were killed by refresh.
        let _ = cgroup.kill_all(Signal::SIGKILL);
        cgroup.remove().map_err(cgroup_err)?;
    }
    store.remove(&id)?;
    Ok(())
}
