//! The running init as the monitor sees it: its own child, reaped with waitpid, so "exited"
//! means reaped and the exit code is never lost to a zombie.

use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag};
use nix::unistd::Pid;

use crate::monitor::stop::{SignalMasks, StopError, StopTarget};
use crate::runtime::linux::docker_exit_code;

/// The init: pid, and its docker exit code once reaped.
#[derive(Debug)]
pub struct Child {
    pub pid: i32,
    pub exit_code: Option<i32>,
}

impl Child {
    /// Reaps the init if it exited; returns its exit code then.
    pub fn poll(&mut self) -> Option<i32> {
        if self.exit_code.is_none() {
            loop {
                match waitpid(Pid::from_raw(self.pid), Some(WaitPidFlag::WNOHANG)) {
                    Ok(status) => {
                        if let Some(code) = docker_exit_code(status) {
                            self.exit_code = Some(code);
                        }
                        break;
                    }
                    Err(nix::Error::EINTR) => {}
                    // ECHILD: already reaped elsewhere; treat as killed.
                    Err(_) => {
                        self.exit_code = Some(137);
                        break;
                    }
                }
            }
        }
        self.exit_code
    }
}

impl StopTarget for Child {
    fn masks(&self) -> Result<SignalMasks, StopError> {
        SignalMasks::read(self.pid)
    }

    fn send(&self, signal: i32) -> Result<(), StopError> {
        if self.exit_code.is_some() {
            return Ok(());
        }
        let sig =
            Signal::try_from(signal).map_err(|_| StopError::InvalidSignal(signal.to_string()))?;
        // The init is our unreaped child, so its pid cannot have been reused.
        match nix::sys::signal::kill(Pid::from_raw(self.pid), sig) {
            Ok(()) | Err(nix::Error::ESRCH) => Ok(()),
            Err(source) => Err(StopError::Kill {
                pid: self.pid,
                signal,
                source,
            }),
        }
    }

    fn exited(&mut self) -> bool {
        self.poll().is_some()
    }
}
