//! One healthcheck probe, run by the single-threaded monitor without blocking: the probe is
//! exec'd into the container with its stdout and stderr on a non-blocking pipe, then polled
//! (output drained, `waitpid(WNOHANG)`) on every turn of the monitor loop and killed when
//! its timeout passes. Probes are the monitor's children in the container's pid namespace:
//! they must be reaped before the init, whose exit the kernel completes only then.

use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use chrono::Utc;
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{pipe2, Pid};
use oci_spec::runtime::Spec;

use crate::monitor::health::{ProbeResult, MAX_OUTPUT_LEN};
use crate::runtime::linux::docker_exit_code;
use crate::runtime::linux::exec::{exec, ExecSpec};
use crate::runtime::linux::Stdio;

/// A probe that was started and not yet reaped.
#[derive(Debug)]
pub struct RunningProbe {
    pid: Pid,
    output: OwnedFd,
    buf: Vec<u8>,
    start: chrono::DateTime<Utc>,
    deadline: Instant,
    timeout: Duration,
}

/// What [`RunningProbe::start`] gives: a running probe, or the result of one that could not
/// start (docker records those as exit code -1 with the error as output).
#[derive(Debug)]
pub enum Started {
    /// The probe runs; poll it.
    Running(RunningProbe),
    /// The probe failed before running.
    Failed(ProbeResult),
}

impl RunningProbe {
    /// Execs `args` into the container whose init is `init`, confined like the init by
    /// `spec`. Must be called from a single-threaded process (the runtime checks).
    pub fn start(init: Pid, spec: &Spec, args: Vec<String>, timeout: Duration) -> Started {
        let start = Utc::now();
        let failed = |message: String| {
            Started::Failed(ProbeResult::finished(
                start,
                Utc::now(),
                -1,
                message.as_bytes(),
            ))
        };
        let (read, write) = match pipe2(OFlag::O_CLOEXEC) {
            Ok(p) => p,
            Err(e) => return failed(format!("pipe2: {e}")),
        };
        if let Err(e) = fcntl(&read, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)) {
            return failed(format!("fcntl(O_NONBLOCK): {e}"));
        }
        let stdin = match std::fs::File::open("/dev/null") {
            Ok(f) => OwnedFd::from(f),
            Err(e) => return failed(format!("opening /dev/null: {e}")),
        };
        let stderr = match write.try_clone() {
            Ok(fd) => fd,
            Err(e) => return failed(format!("dup: {e}")),
        };
        let stdio = Stdio {
            stdin: Some(stdin),
            stdout: Some(write),
            stderr: Some(stderr),
        };
        match exec(init, &ExecSpec::for_container(spec, args), stdio) {
            Ok(process) => Started::Running(RunningProbe {
                pid: process.pid(),
                output: read,
                buf: Vec::new(),
                start,
                deadline: Instant::now() + timeout,
                timeout,
            }),
            Err(e) => failed(format!("OCI runtime exec failed: {e}")),
        }
    }

    /// Reads what output is there, keeping a little more than docker shows.
    fn drain(&mut self) {
        let mut chunk = [0u8; 4096];
        loop {
            match nix::unistd::read(self.output.as_fd(), &mut chunk) {
                Ok(0) | Err(Errno::EAGAIN) => return,
                Ok(n) => {
                    let room = (MAX_OUTPUT_LEN + 4).saturating_sub(self.buf.len());
                    self.buf.extend_from_slice(&chunk[..n.min(room)]);
                }
                Err(Errno::EINTR) => {}
                Err(_) => return,
            }
        }
    }

    /// Reaps the probe if it is done, killing it first once its timeout has passed; the
    /// result then, `None` while it still runs.
    pub fn poll(&mut self) -> Option<ProbeResult> {
        self.drain();
        if let Some(code) = self.try_reap() {
            self.drain();
            return Some(ProbeResult::finished(
                self.start,
                Utc::now(),
                code,
                &self.buf,
            ));
        }
        if Instant::now() >= self.deadline {
            self.kill();
            return Some(ProbeResult::timed_out(self.start, Utc::now(), self.timeout));
        }
        None
    }

    /// The docker exit code if the probe exited (or was already reaped elsewhere).
    fn try_reap(&self) -> Option<i32> {
        loop {
            match waitpid(self.pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => return None,
                Ok(status) => return docker_exit_code(status).or(Some(-1)),
                Err(Errno::EINTR) => {}
                Err(_) => return Some(-1),
            }
        }
    }

    /// Kills and reaps the probe (before the init may be reaped).
    pub fn kill(&mut self) {
        let _ = kill(self.pid, Signal::SIGKILL);
        loop {
            match waitpid(self.pid, None) {
                Err(Errno::EINTR) => {}
                Ok(WaitStatus::StillAlive) => {}
                _ => return,
            }
        }
    }
}
