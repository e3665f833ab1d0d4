//! `exec`: runs one more process inside a running container, the way `docker exec` does.
//! The caller (single-threaded, like `start`) opens the init's namespace files, enters its
//! pid namespace for children only and forks: the child is then the container's process
//! but still the caller's child, so the caller reaps it and gets docker's exit code. The
//! caller moves the child into the init's cgroups before letting it go on; the child joins
//! the other namespaces (mount last, which also makes the container's root its root),
//! takes the user from the container's /etc/passwd, optionally a pty from the container's
//! devpts, the container's capabilities, seccomp filter and no_new_privs, then execs.
//! Failures before execve come back on a close-on-exec pipe as `code\nmessage`.

use super::init::EXIT_RUNTIME;
use super::pty::{self, PtyError};
use super::start::{docker_exit_code, parse_threads, Stdio};
use crate::cgroup::{self, CgroupError, Host};
use crate::runtime::spec::SECCOMP_ANNOTATION;
use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::sched::{setns, CloneFlags};
use nix::sys::signal::{kill, Signal};
use nix::sys::stat::Mode;
use nix::sys::wait::waitpid;
use nix::unistd::{fork, pipe2, ForkResult, Pid};
use oci_spec::runtime::{Capabilities, LinuxCapabilities, Spec};
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use thiserror::Error;

/// Why a process could not be exec'd into a container or waited for.
#[derive(Debug, Error)]
pub enum ExecError {
    /// The caller has more than one thread; forking it is unsafe.
    #[error("exec must run from a single-threaded process, this one has {0} threads")]
    MultiThreaded(usize),
    /// /proc/self/status could not be read.
    #[error("reading /proc/self/status: {0}")]
    Status(std::io::Error),
    /// No command was given.
    #[error("no command to exec")]
    NoCommand,
    /// A namespace file of the target could not be opened (the container is gone?).
    #[error("opening {path}: {source}")]
    Namespace {
        /// The /proc/PID/ns file.
        path: String,
        /// The kernel's answer.
        source: nix::Error,
    },
    /// The target's cgroups could not be read or joined.
    #[error("joining the container's cgroups: {0}")]
    Cgroup(#[from] CgroupError),
    /// Receiving the pty master failed.
    #[error("pty: {0}")]
    Pty(#[from] PtyError),
    /// A syscall in the caller failed.
    #[error("{what}: {source}")]
    Sys {
        /// The call.
        what: &'static str,
        /// The kernel's answer.
        source: nix::Error,
    },
    /// The process failed before execve; `code` is docker's exit code (125, 126 or 127).
    #[error("exec failed: {message}")]
    Exec {
        /// Docker's exit code for this failure.
        code: i32,
        /// What the child reported.
        message: String,
    },
}

impl ExecError {
    /// The exit code docker reports for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            ExecError::Exec { code, .. } => *code,
            _ => EXIT_RUNTIME,
        }
    }
}

fn sys(what: &'static str) -> impl FnOnce(nix::Error) -> ExecError {
    move |source| ExecError::Sys { what, source }
}

/// What to run in the container. Security settings come from the container's spec (see
/// [`ExecSpec::for_container`]) so an exec'd process is confined exactly like the init.
#[derive(Debug, Clone)]
pub struct ExecSpec {
    /// The command and its arguments.
    pub args: Vec<String>,
    /// `KEY=VALUE` pairs; `HOME` of the user is added when missing.
    pub env: Vec<String>,
    /// Working directory inside the container.
    pub cwd: String,
    /// `name|uid[:group|gid]`, resolved against the container's /etc/passwd; empty is root.
    pub user: String,
    /// Run on a new pty whose master is returned in [`ExecProcess::take_master`].
    pub tty: bool,
    /// The capability sets (the container's).
    pub capabilities: LinuxCapabilities,
    /// Set the no_new_privs bit.
    pub no_new_privileges: bool,
    /// Install the runtime's default seccomp filter (as the init did).
    pub seccomp: bool,
}

impl ExecSpec {
    /// An exec of `args` with the container's env, cwd, user, capabilities, no_new_privs
    /// and seccomp setting. The user is the spec's user name (or uid), so its groups are
    /// resolved again from the container's /etc/group. `HOME` is left out so that it
    /// follows the exec's user, as with `docker exec -u`.
    pub fn for_container(spec: &Spec, args: Vec<String>) -> ExecSpec {
        let process = spec.process().clone().unwrap_or_default();
        let user = process
            .user()
            .username()
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| process.user().uid().to_string());
        let seccomp = spec
            .annotations()
            .as_ref()
            .and_then(|a| a.get(SECCOMP_ANNOTATION))
            .is_some_and(|v| v == "default");
        ExecSpec {
            args,
            env: process
                .env()
                .iter()
                .flatten()
                .filter(|e| !e.starts_with("HOME="))
                .cloned()
                .collect(),
            cwd: process.cwd().to_string_lossy().into_owned(),
            user,
            tty: false,
            capabilities: process.capabilities().clone().unwrap_or_else(empty_caps),
            no_new_privileges: process.no_new_privileges() == Some(true),
            seccomp,
        }
    }
}

fn empty_caps() -> LinuxCapabilities {
    let mut lc = LinuxCapabilities::default();
    for set in [
        LinuxCapabilities::set_bounding,
        LinuxCapabilities::set_effective,
        LinuxCapabilities::set_permitted,
        LinuxCapabilities::set_inheritable,
        LinuxCapabilities::set_ambient,
    ] {
        set(&mut lc, Some(Capabilities::new()));
    }
    lc
}

/// An opened /proc/PID/ns file.
struct NsFile {
    name: &'static str,
    kind: CloneFlags,
    fd: OwnedFd,
}

fn open_ns(pid: Pid, name: &str) -> Result<OwnedFd, ExecError> {
    let path = format!("/proc/{pid}/ns/{name}");
    open(
        path.as_str(),
        OFlag::O_RDONLY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|source| ExecError::Namespace { path, source })
}

/// Parses the child's `code\nmessage` report (125 when the code is unreadable).
pub fn parse_report(report: &str) -> (i32, String) {
    match report.split_once('\n') {
        Some((code, message)) => (code.parse().unwrap_or(EXIT_RUNTIME), message.to_string()),
        None => (EXIT_RUNTIME, report.to_string()),
    }
}

/// A process running in a container, a child of the caller, which must reap it. Reap it
/// before the container's init once the container is killed: the kernel completes the
/// init's exit only when every process of its pid namespace has been reaped.
#[derive(Debug)]
pub struct ExecProcess {
    pid: Pid,
    master: Option<OwnedFd>,
}

impl ExecProcess {
    /// The process's pid in the caller's pid namespace.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The pty master (with `tty: true`), for [`pty::pump`]; `None` once taken.
    pub fn take_master(&mut self) -> Option<OwnedFd> {
        self.master.take()
    }

    /// Blocks until the process exits and returns docker's exit code (128 + signal).
    pub fn wait(self) -> Result<i32, ExecError> {
        loop {
            let status = waitpid(self.pid, None).map_err(sys("waitpid"))?;
            if let Some(code) = docker_exit_code(status) {
                return Ok(code);
            }
        }
    }
}

/// Kills and reaps a child that will not be handed to the caller.
struct ChildGuard(Option<Pid>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = kill(pid, Signal::SIGKILL);
            let _ = waitpid(pid, None);
        }
    }
}

/// Starts `spec` inside the container whose init is `target` and returns once it has
/// called execve (or with its error). `stdio` is used unless `spec.tty`.
pub fn exec(target: Pid, spec: &ExecSpec, stdio: Stdio) -> Result<ExecProcess, ExecError> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(ExecError::Status)?;
    match parse_threads(&status) {
        Some(1) => {}
        n => return Err(ExecError::MultiThreaded(n.unwrap_or(0))),
    }
    if spec.args.is_empty() {
        return Err(ExecError::NoCommand);
    }
    let host = Host::detect()?;
    let cgroups = cgroup::for_pid(target.as_raw())?;
    let ns = JOIN_ORDER
        .iter()
        .map(|(name, kind)| {
            Ok(NsFile {
                name,
                kind: *kind,
                fd: open_ns(target, name)?,
            })
        })
        .collect::<Result<Vec<_>, ExecError>>()?;
    let target_pid_ns = open_ns(target, "pid")?;
    let own_pid_ns = open_ns(Pid::this(), "pid")?;
    let (err_r, err_w) = pipe2(OFlag::O_CLOEXEC).map_err(sys("pipe2"))?;
    let (sync_r, sync_w) = pipe2(OFlag::O_CLOEXEC).map_err(sys("pipe2"))?;
    let socks = if spec.tty {
        Some(UnixStream::pair().map_err(|e| ExecError::Sys {
            what: "socketpair",
            source: Errno::from_raw(e.raw_os_error().unwrap_or(0)),
        })?)
    } else {
        None
    };
    // Only pid_for_children changes: our own pid namespace is restored right after fork.
    setns(&target_pid_ns, CloneFlags::CLONE_NEWPID).map_err(sys("setns pid"))?;
    // SAFETY: the caller is single-threaded (checked above), so the child's copy of the
    // address space is consistent; the child never returns (it execs or _exits).
    let forked = unsafe { fork() };
    if let Ok(ForkResult::Child) = forked {
        let ends = child::ChildEnds {
            sync: sync_r.as_fd(),
            sock: socks.as_ref().map(|(_, c)| c.as_fd()),
            stdio: [raw(&stdio.stdin), raw(&stdio.stdout), raw(&stdio.stderr)],
        };
        let ns: Vec<_> = ns.iter().map(|n| (n.name, n.kind, n.fd.as_fd())).collect();
        child::run(spec, &ns, ends, &err_w);
    }
    let restored = setns(&own_pid_ns, CloneFlags::CLONE_NEWPID);
    let pid = match forked {
        Ok(ForkResult::Parent { child }) => child,
        _ => return Err(sys("fork")(forked.err().unwrap_or(Errno::EINVAL))),
    };
    let mut guard = ChildGuard(Some(pid));
    restored.map_err(sys("setns back to our pid namespace"))?;
    drop((err_w, sync_r, stdio));
    let parent_sock = socks.map(|(p, _child_end)| p);
    cgroups.join(&host, pid.as_raw())?;
    nix::unistd::write(&sync_w, b"g").map_err(sys("release the exec child"))?;
    drop(sync_w);
    let master = match parent_sock {
        Some(sock) => match pty::recv_fd(sock.as_fd()) {
            Ok(fd) => Some(fd),
            Err(PtyError::NoMaster) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let mut report = String::new();
    let _ = std::fs::File::from(err_r).read_to_string(&mut report);
    if !report.is_empty() {
        guard.0 = None;
        let _ = waitpid(pid, None);
        let (code, message) = parse_report(&report);
        return Err(ExecError::Exec { code, message });
    }
    if spec.tty && master.is_none() {
        return Err(PtyError::NoMaster.into());
    }
    guard.0 = None;
    Ok(ExecProcess { pid, master })
}

fn raw(fd: &Option<OwnedFd>) -> Option<RawFd> {
    fd.as_ref().map(|f| f.as_raw_fd())
}

mod child;
pub use child::{env_with_home, exec_failure_code, NsJoin, JOIN_ORDER};

#[cfg(test)]
mod tests;
