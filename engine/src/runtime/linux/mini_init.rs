//! `--init`: the container's init stays PID 1, forwards signals to the command and reaps
//! zombies, like tini/docker-init. Docker bind-mounts a static init binary; tug's binary is
//! dynamically linked and would not run on a busybox rootfs, so the runtime's own init
//! (already running inside the container) takes that role instead.

use nix::errno::Errno;
use nix::sys::signal::{sigprocmask, SigSet, SigmaskHow};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};

/// The command's pid, read by the signal handler (an atomic is async-signal-safe).
static COMMAND: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: nix::libc::c_int) {
    let pid = COMMAND.load(Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe; a stale pid at worst fails with ESRCH.
        unsafe { nix::libc::kill(pid, sig) };
    }
}

/// The exit code PID 1 reports for the command, like tini: its own code, or 128 + the
/// signal that killed it; `None` for any other process (a reaped orphan).
pub(super) fn exit_code(status: WaitStatus, command: Pid) -> Option<i32> {
    match status {
        WaitStatus::Exited(pid, code) if pid == command => Some(code),
        WaitStatus::Signaled(pid, sig, _) if pid == command => Some(128 + sig as i32),
        _ => None,
    }
}

/// Forks: returns `Ok(())` in the child, which goes on to exec the command; the parent
/// becomes the mini-init and never returns. `err_pipe` is closed in the parent only, since
/// the monitor takes EOF on it as "the command was executed".
pub(super) fn fork_command(err_pipe: RawFd) -> Result<(), Errno> {
    let all = SigSet::all();
    let mut old = SigSet::empty();
    // Blocked across the fork so no signal is lost before the handlers are in place.
    sigprocmask(SigmaskHow::SIG_SETMASK, Some(&all), Some(&mut old))?;
    // SAFETY: the container's init is single-threaded (cloned from the single-threaded
    // monitor), so the child may keep running Rust code.
    match unsafe { fork() } {
        Err(e) => {
            let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
            Err(e)
        }
        Ok(ForkResult::Child) => {
            sigprocmask(SigmaskHow::SIG_SETMASK, Some(&old), None)?;
            Ok(())
        }
        Ok(ForkResult::Parent { child }) => supervise(child, err_pipe, &old),
    }
}

fn supervise(child: Pid, err_pipe: RawFd, mask: &SigSet) -> ! {
    // SAFETY: this process never returns into the code that owns the fd (it _exits below).
    unsafe { nix::libc::close(err_pipe) };
    COMMAND.store(child.as_raw(), Ordering::Relaxed);
    install_forwarders();
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(mask), None);
    loop {
        match waitpid(Pid::from_raw(-1), None) {
            Ok(status) => {
                if let Some(code) = exit_code(status, child) {
                    // SAFETY: ends the mini-init without unwinding into copied stack frames.
                    unsafe { nix::libc::_exit(code) }
                }
            }
            Err(Errno::EINTR) => {}
            // No child left without the command's status: cannot happen, report a failure.
            // SAFETY: as above.
            Err(_) => unsafe { nix::libc::_exit(super::init::EXIT_RUNTIME) },
        }
    }
}

/// Forwards every catchable signal to the command; SIGCHLD keeps its default so the
/// wait loop sees exits. glibc refuses its internal signals (32, 33): those errors are ignored.
fn install_forwarders() {
    for sig in 1..=64 {
        if [nix::libc::SIGKILL, nix::libc::SIGSTOP, nix::libc::SIGCHLD].contains(&sig) {
            continue;
        }
        // SAFETY: a zeroed sigaction is valid; the handler only loads an atomic and calls kill.
        unsafe {
            let mut action: nix::libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = forward as extern "C" fn(nix::libc::c_int) as usize;
            action.sa_flags = nix::libc::SA_RESTART;
            nix::libc::sigemptyset(&mut action.sa_mask);
            nix::libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::signal::Signal;

    #[test]
    fn the_command_decides_the_exit_code() {
        let cmd = Pid::from_raw(7);
        assert_eq!(exit_code(WaitStatus::Exited(cmd, 3), cmd), Some(3));
        assert_eq!(
            exit_code(WaitStatus::Signaled(cmd, Signal::SIGTERM, false), cmd),
            Some(143)
        );
        let orphan = Pid::from_raw(9);
        assert_eq!(exit_code(WaitStatus::Exited(orphan, 1), cmd), None);
    }
}
