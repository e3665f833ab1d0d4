//! `start`: spawns the container's monitor (the given executable re-run with the hidden
//! monitor command), detached in its own session with stdio on /dev/null, and waits until it
//! has recorded the container as running or exited.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::container::{ContainerStore, ProcProcesses, Status};

use super::LifecycleError;

/// How to re-run the engine as a monitor: the executable and the arguments before the id
/// (for tug: `[tug, "--root", R, "__monitor"]`).
#[derive(Debug, Clone)]
pub struct MonitorCommand {
    pub program: std::path::PathBuf,
    pub args: Vec<std::ffi::OsString>,
}

/// How long a monitor may take to record the start.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts container `query` (id, name or prefix); a running container is left alone, as in
/// docker. Returns the monitor child so a foreground caller can reap it; the monitor keeps
/// running when it is dropped.
pub fn start(
    tug_root: &Path,
    query: &str,
    monitor: &MonitorCommand,
) -> Result<Option<Child>, LifecycleError> {
    let store = ContainerStore::open(tug_root)?;
    store.refresh(&ProcProcesses)?;
    let c = store.lookup(query)?;
    let id = c.config.id.clone();
    if c.state.status.has_monitor() {
        return Ok(None);
    }
    store.update_state(&id, |s| {
        s.manually_stopped = false;
        // A user start begins a new series: on-failure's retry budget starts over.
        s.restart_count = 0;
        s.status = Status::Created;
        s.error.clear();
    })?;
    let _ = std::fs::remove_file(c.dir.join(crate::container::EXIT_CODE_FILE));
    let mut cmd = Command::new(&monitor.program);
    cmd.args(&monitor.args)
        .arg(&id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            nix::unistd::setsid()
                .map(drop)
                .map_err(std::io::Error::from)
        });
    }
    let mut child = cmd.spawn().map_err(|source| LifecycleError::Spawn {
        id: id.clone(),
        source,
    })?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let state = store.load(&id)?.state;
        if state.status != Status::Created {
            return Ok(Some(child));
        }
        if let Ok(Some(_)) = child.try_wait() {
            // The monitor died before recording anything.
            let state = store.load(&id)?.state;
            if state.status != Status::Created {
                return Ok(None);
            }
            return Err(LifecycleError::Timeout {
                id,
                what: "record the start (it exited)",
                secs: 0,
            });
        }
        if Instant::now() >= deadline {
            return Err(LifecycleError::Timeout {
                id,
                what: "record the start",
                secs: START_TIMEOUT.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
