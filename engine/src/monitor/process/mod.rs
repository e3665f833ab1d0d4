//! The per-container monitor process: `tug __monitor --root R ID`, the `tug` binary
//! re-executed, detached and single-threaded (the runtime clones the init from it). It owns
//! the container while it runs: cgroup, snapshot mount, init, log, exit code and restarts.
//!
//! One run: create the cgroup, mount the snapshot, start the init with its stdout/stderr on
//! pipes, record `running`, then poll — copy output into the json-file log, reap the init, and
//! run the stop sequence when `tug container stop` sends the monitor SIGTERM. On exit the code
//! goes to the exit file first, then to `state.json`; the restart policy decides whether to
//! go again. When done the monitor removes the cgroup, unmounts the snapshot and exits.

mod child;
mod exec_target;
mod healthcheck;
mod output;
mod probe;
mod signals;
pub mod spec;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use thiserror::Error;

use crate::cgroup::{CgroupError, CgroupManager, Host};
use crate::container::{proc_start_time, ContainerError, ContainerStore};
use crate::monitor::log::{LogError, LogOptions, LogWriter};
use crate::monitor::restart::{Backoff, Decision, Exit};
use crate::monitor::stop::{self, parse_signal};
use crate::runtime::linux::{self, StartError};
use crate::runtime::rlimit::ProcessLimits;
use crate::runtime::{build_spec, SpecError};
use crate::snapshot::{Snapshot, SnapshotError};

use child::Child;
pub use exec_target::{exec_target, ExecTarget, ExecTargetError};
pub use healthcheck::merge_healthcheck;

/// How often the monitor polls output, the init and the stop flag.
const POLL: Duration = Duration::from_millis(20);
/// How long output may still arrive after the init exited (other container processes die
/// with the pid namespace, so the pipes close almost at once).
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// Why the monitor could not run a container.
#[derive(Debug, Error)]
pub enum MonitorError {
    #[error("container {id}: {source}")]
    Container {
        id: String,
        #[source]
        source: ContainerError,
    },
    #[error("container {id}: cgroup: {source}")]
    Cgroup {
        id: String,
        #[source]
        source: CgroupError,
    },
    #[error("container {id}: snapshot: {source}")]
    Snapshot {
        id: String,
        #[source]
        source: SnapshotError,
    },
    #[error("container {id}: log: {source}")]
    Log {
        id: String,
        #[source]
        source: LogError,
    },
    #[error("container {id}: {what}: {source}")]
    Sys {
        id: String,
        what: &'static str,
        #[source]
        source: nix::Error,
    },
}

/// Runs container `id` of the state directory `tug_root` until it exits for good. Must be
/// called from a single-threaded process (the runtime checks).
pub fn run(tug_root: &Path, id: &str) -> Result<(), MonitorError> {
    let sys = |what| {
        move |source| MonitorError::Sys {
            id: id.to_string(),
            what,
            source,
        }
    };
    signals::install().map_err(sys("install signal handlers"))?;
    let store = ContainerStore::open(tug_root).map_err(container_err(id))?;
    let container = store.load(id).map_err(container_err(id))?;
    let host = Host::detect().map_err(cgroup_err(id))?;
    let cgroup = CgroupManager::new(&host, id).map_err(cgroup_err(id))?;
    cgroup
        .create(&spec::cgroup_limits(&container.config))
        .map_err(cgroup_err(id))?;
    let result = (|| {
        let snapshot = Snapshot::open(tug_root, id).map_err(snapshot_err(id))?;
        if !snapshot.is_mounted().map_err(snapshot_err(id))? {
            snapshot.mount().map_err(snapshot_err(id))?;
        }
        let result = supervise(&store, &host, &cgroup, &snapshot, id);
        if let Err(e) = snapshot.unmount() {
            tracing::warn!(error = %e, "unmounting the snapshot");
        }
        result
    })();
    if let Err(e) = cgroup.remove() {
        tracing::warn!(error = %e, "removing the cgroup");
    }
    if result.is_ok() && store.container_dir(id).join(AUTO_REMOVE_FILE).exists() {
        auto_remove(tug_root, &store, id);
    }
    if let Err(e) = &result {
        // Whatever failed, the container must not stay "running" without a monitor.
        let _ = store.update_state(id, |s| {
            if s.status.has_monitor() || s.status == crate::container::Status::Created {
                s.mark_exited(linux::EXIT_RUNTIME, false, false, Utc::now());
                s.error = e.to_string();
            }
        });
    }
    result
}

/// Starts the init, restarting it as the policy says, until it stays exited.
fn supervise(
    store: &ContainerStore,
    host: &Host,
    cgroup: &CgroupManager,
    snapshot: &Snapshot,
    id: &str,
) -> Result<(), MonitorError> {
    let container = store.load(id).map_err(container_err(id))?;
    let mut log =
        LogWriter::open(&container.log_path(), LogOptions::default()).map_err(log_err(id))?;
    let config = container.config;
    let me = std::process::id() as i32;
    let monitor = (me, proc_start_time(me).unwrap_or(0));
    let mut backoff = Backoff::default();
    loop {
        let started = Instant::now();
        let code = match run_once(store, host, cgroup, snapshot, &config, &mut log, monitor) {
            Ok(code) => code,
            Err(Failed::Start(e)) => {
                let code = e.exit_code();
                store.write_exit_code(id, code).map_err(container_err(id))?;
                store
                    .update_state(id, |s| {
                        s.mark_exited(code, false, false, Utc::now());
                        s.error = e.to_string();
                    })
                    .map_err(container_err(id))?;
                return Ok(());
            }
            Err(Failed::Monitor(e)) => return Err(e),
        };
        let oom = cgroup.oom_killed().unwrap_or(false);
        let code = if oom { 137 } else { code };
        store.write_exit_code(id, code).map_err(container_err(id))?;
        let state = store.load(id).map_err(container_err(id))?.state;
        let exit = Exit {
            exit_code: code,
            manually_stopped: state.manually_stopped,
            ran_for: started.elapsed(),
        };
        let decision = backoff.decide(config.restart_policy, exit, state.restart_count);
        let restarting = matches!(decision, Decision::Restart { .. }) && !signals::pending();
        store
            .update_state(id, |s| {
                s.mark_exited(code, oom, restarting, Utc::now());
                if restarting {
                    s.monitor_pid = monitor.0;
                    s.monitor_start_time = monitor.1;
                }
            })
            .map_err(container_err(id))?;
        let Decision::Restart {
            delay,
            restart_count,
        } = decision
        else {
            return Ok(());
        };
        if !restarting || !sleep_unless_stopped(delay) {
            store
                .update_state(id, |s| {
                    s.mark_exited(code, oom, false, Utc::now());
                    s.manually_stopped = true;
                })
                .map_err(container_err(id))?;
            return Ok(());
        }
        store
            .update_state(id, |s| s.restart_count = restart_count)
            .map_err(container_err(id))?;
    }
}

/// Sleeps `delay` unless a stop arrives first; returns false on a stop.
fn sleep_unless_stopped(delay: Duration) -> bool {
    let end = Instant::now() + delay;
    while Instant::now() < end {
        if signals::take() {
            return false;
        }
        std::thread::sleep(POLL.min(end - Instant::now()));
    }
    !signals::take()
}

enum Failed {
    /// The init could not be started: the container exits with the runtime's code.
    Start(StartError),
    Monitor(MonitorError),
}

/// One life of the init: start it, log its output, stop it on request; returns its exit code.
fn run_once(
    store: &ContainerStore,
    host: &Host,
    cgroup: &CgroupManager,
    snapshot: &Snapshot,
    config: &crate::container::ContainerConfig,
    log: &mut LogWriter,
    monitor: (i32, u64),
) -> Result<i32, Failed> {
    let id = config.id.as_str();
    let rootfs = snapshot.rootfs_path();
    let oci = build_spec(&spec::container_spec(config), &rootfs, &ProcessLimits).map_err(
        |e: SpecError| {
            Failed::Start(StartError::Init {
                code: linux::EXIT_RUNTIME,
                message: e.to_string(),
            })
        },
    )?;
    let (mut output, stdio) = output::pipes().map_err(|source| {
        Failed::Monitor(MonitorError::Sys {
            id: id.to_string(),
            what: "pipe2",
            source,
        })
    })?;
    // The init inherits the caller's cgroup (its cgroup namespace is rooted there), so the
    // monitor joins the container's cgroup for the clone and goes back right after.
    let me = monitor.0;
    let home = crate::cgroup::for_pid(me).map_err(|e| Failed::Monitor(cgroup_err(id)(e)))?;
    cgroup
        .add_pid(me)
        .map_err(|e| Failed::Monitor(cgroup_err(id)(e)))?;
    let started = linux::start(&oci, stdio);
    let back = home.join(host, me);
    let init = started.map_err(Failed::Start)?;
    back.map_err(|e| Failed::Monitor(cgroup_err(id)(e)))?;
    let pid = init.pid().as_raw();
    let init_start = proc_start_time(pid).unwrap_or(0);
    let now = Utc::now();
    // A (re)start begins a fresh `starting` health, as in docker.
    let mut health = healthcheck::HealthRunner::new(config, now);
    let initial = health.as_ref().map(|h| h.health().clone());
    store
        .update_state(id, |s| {
            s.mark_running((pid, init_start), monitor, now);
            s.health = initial;
        })
        .map_err(|e| Failed::Monitor(container_err(id)(e)))?;
    let mut child = Child {
        pid,
        exit_code: None,
    };
    let code = loop {
        output
            .drain(log)
            .map_err(|e| Failed::Monitor(log_err(id)(e)))?;
        // Probes are reaped before the init: its exit completes only once they are.
        if let Some(h) = health.as_mut().and_then(|h| h.turn(init.pid(), &oci)) {
            if let Err(e) = store.update_state(id, |s| s.health = Some(h)) {
                tracing::warn!(error = %e, "recording the health");
            }
        }
        if let Some(code) = child.poll() {
            break code;
        }
        if signals::take() {
            if let Some(h) = health.as_mut() {
                h.stop_probe();
            }
            stop_init(store, config, &mut child);
            continue;
        }
        std::thread::sleep(POLL);
    };
    drop(health);
    let until = Instant::now() + DRAIN_AFTER_EXIT;
    while !output
        .drain(log)
        .map_err(|e| Failed::Monitor(log_err(id)(e)))?
        && Instant::now() < until
    {
        std::thread::sleep(POLL);
    }
    output
        .finish(log)
        .map_err(|e| Failed::Monitor(log_err(id)(e)))?;
    Ok(code)
}

/// `tug container stop`: mark the container manually stopped (no restart), then the stop
/// signal and, if PID 1 catches it, the grace period before SIGKILL. The caller may have
/// written a timeout override into the `stop-timeout` file of the container folder.
fn stop_init(
    store: &ContainerStore,
    config: &crate::container::ContainerConfig,
    child: &mut Child,
) {
    let id = config.id.as_str();
    if let Err(e) = store.update_state(id, |s| s.manually_stopped = true) {
        tracing::warn!(error = %e, "recording the stop");
    }
    let signal = parse_signal(&config.stop_signal).unwrap_or(nix::libc::SIGTERM);
    let timeout = std::fs::read_to_string(store.container_dir(id).join(STOP_TIMEOUT_FILE))
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .or(config.stop_timeout.map(u64::from))
        .unwrap_or(10);
    let result = stop::stop(
        child,
        signal,
        Duration::from_secs(timeout),
        Instant::now,
        std::thread::sleep,
    );
    if let Err(e) = result {
        tracing::warn!(error = %e, "stopping the init; killing it");
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Marks a container made by `run -d --rm`: the monitor removes it once it exited for good.
pub const AUTO_REMOVE_FILE: &str = "auto-remove";

/// `run -d --rm`: the snapshot (already unmounted) and the record go once the container is
/// done; failures only leave an exited container for `rm` to finish.
fn auto_remove(tug_root: &Path, store: &ContainerStore, id: &str) {
    match Snapshot::open(tug_root, id) {
        Ok(snap) => {
            if let Err(e) = snap.remove() {
                tracing::warn!(error = %e, "removing the snapshot of an --rm container");
                return;
            }
        }
        Err(SnapshotError::NotFound { .. }) => {}
        Err(e) => {
            tracing::warn!(error = %e, "opening the snapshot of an --rm container");
            return;
        }
    }
    if let Err(e) = store.remove(id) {
        tracing::warn!(error = %e, "removing an --rm container");
    }
}

/// The file `tug container stop -t N` writes N to before signalling the monitor.
pub const STOP_TIMEOUT_FILE: &str = "stop-timeout";

fn container_err(id: &str) -> impl Fn(ContainerError) -> MonitorError + '_ {
    move |source| MonitorError::Container {
        id: id.to_string(),
        source,
    }
}

fn cgroup_err(id: &str) -> impl Fn(CgroupError) -> MonitorError + '_ {
    move |source| MonitorError::Cgroup {
        id: id.to_string(),
        source,
    }
}

fn snapshot_err(id: &str) -> impl Fn(SnapshotError) -> MonitorError + '_ {
    move |source| MonitorError::Snapshot {
        id: id.to_string(),
        source,
    }
}

fn log_err(id: &str) -> impl Fn(LogError) -> MonitorError + '_ {
    move |source| MonitorError::Log {
        id: id.to_string(),
        source,
    }
}
