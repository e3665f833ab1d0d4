//! Starting and waiting for a container's init. `start` clones the calling process, so the
//! caller MUST be single-threaded (the per-container monitor is): a clone of a
//! multi-threaded process may deadlock on locks held by threads that do not exist in the
//! child. `start` checks /proc/self/status and refuses otherwise.

use super::init::{self, EXIT_RUNTIME};
use nix::sched::CloneFlags;
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{pipe2, Pid};
use oci_spec::runtime::{LinuxNamespaceType, Spec};
use std::io::Read;
use std::os::fd::OwnedFd;
use thiserror::Error;

/// Why a container's init could not be started or waited for.
#[derive(Debug, Error)]
pub enum StartError {
    /// The caller has more than one thread; cloning it is unsafe.
    #[error("the runtime must start containers from a single-threaded process, this one has {0} threads")]
    MultiThreaded(usize),
    /// /proc/self/status could not be read.
    #[error("reading /proc/self/status: {0}")]
    Status(std::io::Error),
    /// The spec asks for something this runtime does not do.
    #[error("unsupported spec: {0}")]
    Unsupported(String),
    /// A syscall in the parent failed.
    #[error("{what}: {source}")]
    Sys {
        /// The call.
        what: &'static str,
        /// The kernel's answer.
        source: nix::Error,
    },
    /// The init failed before execve; `code` is docker's exit code (125, 126 or 127).
    #[error("container init failed: {message}")]
    Init {
        /// Docker's exit code for this failure.
        code: i32,
        /// What the init reported.
        message: String,
    },
}

impl StartError {
    /// The exit code docker reports for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            StartError::Init { code, .. } => *code,
            _ => EXIT_RUNTIME,
        }
    }
}

/// File descriptors that become the container's stdin, stdout and stderr (inherited when
/// `None`). They are closed in the caller once the init is started.
#[derive(Debug, Default)]
pub struct Stdio {
    /// fd 0.
    pub stdin: Option<OwnedFd>,
    /// fd 1.
    pub stdout: Option<OwnedFd>,
    /// fd 2.
    pub stderr: Option<OwnedFd>,
}

/// A started container init, a child of the caller, which must reap it.
#[derive(Debug)]
pub struct InitProcess {
    pid: Pid,
}

/// Parses the `Threads:` line of /proc/<pid>/status.
pub fn parse_threads(status: &str) -> Option<usize> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Docker's exit code for a wait status: the exit code, or 128 + the signal.
pub fn docker_exit_code(status: WaitStatus) -> Option<i32> {
    match status {
        WaitStatus::Exited(_, code) => Some(code),
        WaitStatus::Signaled(_, sig, _) => Some(128 + sig as i32),
        _ => None,
    }
}

fn clone_flags(spec: &Spec) -> Result<CloneFlags, StartError> {
    let mut flags = CloneFlags::empty();
    let namespaces = spec
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().clone())
        .unwrap_or_default();
    for ns in namespaces {
        if let Some(p) = ns.path() {
            return Err(StartError::Unsupported(format!(
                "joining namespace {}",
                p.display()
            )));
        }
        flags |= match ns.typ() {
            LinuxNamespaceType::Pid => CloneFlags::CLONE_NEWPID,
            LinuxNamespaceType::Mount => CloneFlags::CLONE_NEWNS,
            LinuxNamespaceType::Uts => CloneFlags::CLONE_NEWUTS,
            LinuxNamespaceType::Ipc => CloneFlags::CLONE_NEWIPC,
            LinuxNamespaceType::Network => CloneFlags::CLONE_NEWNET,
            LinuxNamespaceType::Cgroup => CloneFlags::CLONE_NEWCGROUP,
            other => return Err(StartError::Unsupported(format!("{other:?} namespace"))),
        };
    }
    if !flags.contains(CloneFlags::CLONE_NEWNS) {
        return Err(StartError::Unsupported(
            "a container without a mount namespace".into(),
        ));
    }
    Ok(flags)
}

const STACK_SIZE: usize = 8 * 1024 * 1024;

/// Starts the init described by `spec` (root path, mounts, process) and returns once it has
/// called execve, or with the init's own error message if any step before failed (the
/// failed child is reaped then).
///
/// The init inherits the caller's cgroup, which its new cgroup namespace shows as `/`: the
/// caller joins the container's cgroup first. The root path must be absolute.
pub fn start(spec: &Spec, stdio: Stdio) -> Result<InitProcess, StartError> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(StartError::Status)?;
    match parse_threads(&status) {
        Some(1) => {}
        n => return Err(StartError::MultiThreaded(n.unwrap_or(0))),
    }
    let flags = clone_flags(spec)?;
    match spec.root() {
        Some(root) if root.path().is_absolute() => {}
        _ => {
            return Err(StartError::Unsupported(
                "the root path must be absolute".into(),
            ))
        }
    }
    let (read_end, write_end) =
        pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|source| StartError::Sys {
            what: "pipe2",
            source,
        })?;
    let fds = [
        init::raw(&stdio.stdin),
        init::raw(&stdio.stdout),
        init::raw(&stdio.stderr),
    ];
    let mut stack = vec![0u8; STACK_SIZE];
    let child = Box::new(|| -> isize { init::run(spec, fds, &write_end) });
    // SAFETY: the caller is single-threaded (checked above), so the child gets a consistent
    // copy of the address space; the callback never returns (it execs or _exits) and only
    // uses memory copied from the parent.
    let pid = unsafe { nix::sched::clone(child, &mut stack, flags, Some(Signal::SIGCHLD as i32)) }
        .map_err(|source| StartError::Sys {
            what: "clone",
            source,
        })?;
    drop(write_end);
    drop(stdio);
    let mut report = String::new();
    let _ = std::fs::File::from(read_end).read_to_string(&mut report);
    if report.is_empty() {
        return Ok(InitProcess { pid });
    }
    let _ = waitpid(pid, None);
    let (code, message) = report.split_once('\n').unwrap_or(("125", report.as_str()));
    Err(StartError::Init {
        code: code.parse().unwrap_or(EXIT_RUNTIME),
        message: message.to_string(),
    })
}

impl InitProcess {
    /// The init's pid in the caller's pid namespace.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Blocks until the init exits and returns docker's exit code (128 + signal if killed).
    pub fn wait(self) -> Result<i32, StartError> {
        loop {
            let status = waitpid(self.pid, None).map_err(|source| StartError::Sys {
                what: "waitpid",
                source,
            })?;
            if let Some(code) = docker_exit_code(status) {
                return Ok(code);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_line_is_parsed() {
        assert_eq!(parse_threads("Name:\tx\nThreads:\t3\nX: 1\n"), Some(3));
        assert_eq!(parse_threads("Name:\tx\n"), None);
    }

    #[test]
    fn exit_codes_follow_docker() {
        let p = Pid::from_raw(1);
        assert_eq!(docker_exit_code(WaitStatus::Exited(p, 3)), Some(3));
        assert_eq!(
            docker_exit_code(WaitStatus::Signaled(p, Signal::SIGKILL, false)),
            Some(137)
        );
        assert_eq!(docker_exit_code(WaitStatus::StillAlive), None);
    }

    #[test]
    fn multi_threaded_caller_is_refused() {
        // A parked helper thread guarantees a second thread even with --test-threads=1.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let helper = std::thread::spawn(move || rx.recv());
        let spec = Spec::default();
        let result = start(&spec, Stdio::default());
        drop(tx);
        let _ = helper.join();
        assert!(matches!(result, Err(StartError::MultiThreaded(n)) if n > 1));
    }
}
