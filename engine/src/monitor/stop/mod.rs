//! The stop sequence: the stop signal, then SIGKILL after the grace period. A namespace's
//! init only receives signals it has a handler for (the kernel drops the others, even
//! SIGTERM), so when PID 1 does not catch the stop signal waiting is pointless and we kill at
//! once. Whether it catches it is read from `SigCgt`/`SigIgn` in /proc/PID/status.

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

mod masks;

pub use masks::{parse_signal, SignalMasks};

/// Why a stop step failed.
#[derive(Debug, thiserror::Error)]
pub enum StopError {
    /// /proc/PID/status could not be read (the process is probably gone).
    #[error("read /proc/{pid}/status: {source}")]
    Status {
        pid: i32,
        #[source]
        source: std::io::Error,
    },
    /// The status file lacks a mask line or it is not hex.
    #[error("/proc/{pid}/status: missing or malformed {field}")]
    Malformed { pid: i32, field: &'static str },
    /// `--stop-signal` is neither a number nor a signal name.
    #[error("invalid stop signal {0:?}")]
    InvalidSignal(String),
    /// kill(2) failed for a reason other than the process being gone.
    #[error("send signal {signal} to pid {pid}: {source}")]
    Kill {
        pid: i32,
        signal: i32,
        #[source]
        source: nix::Error,
    },
}

/// How to stop a container's init.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopPlan {
    /// SIGKILL now; `reason` says why waiting would be pointless.
    KillNow { reason: String },
    /// Send `signal`, wait up to `timeout`, then SIGKILL.
    SignalThenKill { signal: i32, timeout: Duration },
}

/// Chooses the plan for an init (PID 1 of its namespace) with `masks`.
pub fn plan(masks: &SignalMasks, signal: i32, timeout: Duration) -> StopPlan {
    let name = Signal::try_from(signal).map_or_else(|_| signal.to_string(), |s| s.to_string());
    if signal == Signal::SIGKILL as i32 {
        return StopPlan::KillNow {
            reason: "the stop signal is SIGKILL".into(),
        };
    }
    if masks.catches(signal) {
        return StopPlan::SignalThenKill { signal, timeout };
    }
    let reason = if masks.ignores(signal) {
        format!("PID 1 ignores {name}")
    } else {
        format!("PID 1 has no handler for {name}, so the kernel drops it for a namespace init")
    };
    StopPlan::KillNow { reason }
}

/// Result of [`wait_for_exit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    Exited,
    TimedOut,
}

/// Polls `exited` every `poll` until it is true or `timeout` has passed on `now`'s clock.
/// Clock and sleep are parameters so tests run instantly.
pub fn wait_for_exit(
    timeout: Duration,
    poll: Duration,
    now: impl Fn() -> Instant,
    mut sleep: impl FnMut(Duration),
    mut exited: impl FnMut() -> bool,
) -> Waited {
    let deadline = now() + timeout;
    loop {
        if exited() {
            return Waited::Exited;
        }
        let t = now();
        if t >= deadline {
            return Waited::TimedOut;
        }
        sleep(poll.min(deadline - t));
    }
}

/// How a stop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The init exited on the stop signal within the grace period.
    Gracefully,
    /// SIGKILL was sent; `waited` is false when it was sent at once.
    Killed { waited: bool },
}

/// The process being stopped: its masks, a way to signal it and to see that it exited.
pub trait StopTarget {
    fn masks(&self) -> Result<SignalMasks, StopError>;
    fn send(&self, signal: i32) -> Result<(), StopError>;
    fn exited(&mut self) -> bool;
}

/// Runs the stop sequence on `target` with the given clock and sleep.
pub fn stop(
    target: &mut dyn StopTarget,
    signal: i32,
    timeout: Duration,
    now: impl Fn() -> Instant,
    sleep: impl FnMut(Duration),
) -> Result<Stopped, StopError> {
    let masks = match target.masks() {
        Ok(m) => m,
        Err(_) if target.exited() => return Ok(Stopped::Gracefully),
        Err(e) => return Err(e),
    };
    match plan(&masks, signal, timeout) {
        StopPlan::KillNow { reason } => {
            tracing::debug!(%reason, "killing the container at once");
            target.send(Signal::SIGKILL as i32)?;
            Ok(Stopped::Killed { waited: false })
        }
        StopPlan::SignalThenKill { signal, timeout } => {
            target.send(signal)?;
            let poll = Duration::from_millis(20);
            match wait_for_exit(timeout, poll, now, sleep, || target.exited()) {
                Waited::Exited => Ok(Stopped::Gracefully),
                Waited::TimedOut => {
                    target.send(Signal::SIGKILL as i32)?;
                    Ok(Stopped::Killed { waited: true })
                }
            }
        }
    }
}

/// A real process, identified by pid and start time so a reused pid is never signalled.
#[derive(Debug, Clone, Copy)]
pub struct ProcTarget {
    pub pid: i32,
    pub start_time: u64,
}

impl StopTarget for ProcTarget {
    fn masks(&self) -> Result<SignalMasks, StopError> {
        SignalMasks::read(self.pid)
    }

    fn send(&self, signal: i32) -> Result<(), StopError> {
        if self.exited_now() {
            return Ok(());
        }
        let sig =
            Signal::try_from(signal).map_err(|_| StopError::InvalidSignal(signal.to_string()))?;
        match nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid), sig) {
            Ok(()) | Err(nix::Error::ESRCH) => Ok(()),
            Err(source) => Err(StopError::Kill {
                pid: self.pid,
                signal,
                source,
            }),
        }
    }

    fn exited(&mut self) -> bool {
        self.exited_now()
    }
}

impl ProcTarget {
    fn exited_now(&self) -> bool {
        crate::container::proc_start_time(self.pid) != Some(self.start_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn only_a_caught_signal_is_worth_waiting_for() {
        let t = Duration::from_secs(10);
        let caught = SignalMasks {
            caught: 1 << 14,
            ignored: 0,
        };
        assert_eq!(
            plan(&caught, 15, t),
            StopPlan::SignalThenKill {
                signal: 15,
                timeout: t
            }
        );
        let StopPlan::KillNow { reason } = plan(&SignalMasks::default(), 15, t) else {
            panic!("default disposition must kill at once");
        };
        assert!(reason.contains("no handler for SIGTERM"), "{reason}");
        let ignored = SignalMasks {
            caught: 0,
            ignored: 1 << 14,
        };
        assert!(
            matches!(plan(&ignored, 15, t), StopPlan::KillNow { reason } if reason.contains("ignores"))
        );
        assert!(matches!(plan(&caught, 9, t), StopPlan::KillNow { .. }));
    }

    /// A fake clock: sleeping advances it.
    fn clock() -> (Instant, Cell<Duration>) {
        (Instant::now(), Cell::new(Duration::ZERO))
    }

    struct Fake {
        masks: SignalMasks,
        sent: std::cell::RefCell<Vec<i32>>,
        exits_after_polls: Option<u32>,
        polls: u32,
    }

    impl StopTarget for Fake {
        fn masks(&self) -> Result<SignalMasks, StopError> {
            Ok(self.masks)
        }
        fn send(&self, signal: i32) -> Result<(), StopError> {
            self.sent.borrow_mut().push(signal);
            Ok(())
        }
        fn exited(&mut self) -> bool {
            self.polls += 1;
            self.exits_after_polls.is_some_and(|n| self.polls > n)
        }
    }

    #[test]
    fn wait_times_out_on_the_given_clock() {
        let (start, elapsed) = clock();
        let w = wait_for_exit(
            Duration::from_secs(10),
            Duration::from_secs(1),
            || start + elapsed.get(),
            |d| elapsed.set(elapsed.get() + d),
            || false,
        );
        assert_eq!(w, Waited::TimedOut);
        assert_eq!(elapsed.get(), Duration::from_secs(10));
    }

    #[test]
    fn stop_is_graceful_when_the_init_exits_in_time_and_kills_otherwise() {
        let caught = SignalMasks {
            caught: 1 << 14,
            ignored: 0,
        };
        let (start, elapsed) = clock();
        let mut fake = Fake {
            masks: caught,
            sent: Default::default(),
            exits_after_polls: Some(3),
            polls: 0,
        };
        let r = stop(
            &mut fake,
            15,
            Duration::from_secs(10),
            || start + elapsed.get(),
            |d| elapsed.set(elapsed.get() + d),
        );
        assert_eq!(r.unwrap(), Stopped::Gracefully);
        assert!(elapsed.get() < Duration::from_secs(1));
        assert_eq!(*fake.sent.borrow(), vec![15]);

        let mut stuck = Fake {
            masks: caught,
            sent: Default::default(),
            exits_after_polls: None,
            polls: 0,
        };
        let r = stop(
            &mut stuck,
            15,
            Duration::from_secs(2),
            || start + elapsed.get(),
            |d| elapsed.set(elapsed.get() + d),
        );
        assert_eq!(r.unwrap(), Stopped::Killed { waited: true });
        assert_eq!(*stuck.sent.borrow(), vec![15, 9]);

        let mut deaf = Fake {
            masks: SignalMasks::default(),
            sent: Default::default(),
            exits_after_polls: None,
            polls: 0,
        };
        let r = stop(&mut deaf, 15, Duration::from_secs(10), Instant::now, |_| {
            panic!("must not wait")
        });
        assert_eq!(r.unwrap(), Stopped::Killed { waited: false });
        assert_eq!(*deaf.sent.borrow(), vec![9]);
    }
}
