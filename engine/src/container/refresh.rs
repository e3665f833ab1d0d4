//! "Any command repairs state": a container recorded as running whose monitor is gone (pid
//! missing, or reused by another process with a different start time) is recorded as exited.
//! The process checks sit behind [`Processes`] so the decision is testable without processes.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{ContainerState, Status};

/// The process facts refresh needs: a pid's start time and a way to kill an orphaned init.
pub trait Processes {
    /// The start time (clock ticks since boot) of a live, non-zombie `pid`, or `None`.
    fn start_time(&self, pid: i32) -> Option<u64>;
    /// Sends SIGKILL to `pid`; failures are ignored (the process may just have exited).
    fn kill(&self, pid: i32);
}

/// [`Processes`] on the real /proc and `kill(2)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcProcesses;

impl Processes for ProcProcesses {
    fn start_time(&self, pid: i32) -> Option<u64> {
        proc_start_time(pid)
    }

    fn kill(&self, pid: i32) {
        if pid > 0 {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// Field 22 of /proc/PID/stat (start time in clock ticks since boot), `None` when the process
/// does not exist or is a zombie. Record it beside a pid to detect pid reuse.
pub fn proc_start_time(pid: i32) -> Option<u64> {
    if pid <= 0 {
        return None;
    }
    let stat =
        std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat")).ok()?;
    parse_stat(&stat)
}

/// Parses the state and start time out of a /proc/PID/stat line; the command name may hold
/// spaces and parentheses, so fields are counted after its last `)`.
fn parse_stat(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    fields.nth(18)?.parse().ok()
}

fn alive(procs: &dyn Processes, pid: i32, start_time: u64) -> bool {
    pid > 0 && procs.start_time(pid) == Some(start_time)
}

/// Repairs `state` when its monitor is gone; returns whether it changed. The exit code is the
/// one the monitor left in its exit file, else 137 when the orphaned init had to be killed,
/// else 255 (unknown, as docker reports a lost exit).
pub(crate) fn repair(
    state: &mut ContainerState,
    procs: &dyn Processes,
    exit_file: Option<i32>,
    now: DateTime<Utc>,
) -> bool {
    if !state.status.has_monitor() || alive(procs, state.monitor_pid, state.monitor_start_time) {
        return false;
    }
    let init_alive = alive(procs, state.pid, state.pid_start_time);
    if init_alive {
        procs.kill(state.pid);
    }
    state.exit_code = match (exit_file, init_alive) {
        (Some(code), _) => code,
        (None, true) => 137,
        (None, false) => 255,
    };
    state.error = format!("monitor (pid {}) is gone", state.monitor_pid);
    state.status = Status::Exited;
    state.pid = 0;
    state.pid_start_time = 0;
    state.monitor_pid = 0;
    state.monitor_start_time = 0;
    state.finished_at = Some(now);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    #[derive(Default)]
    struct Fake {
        live: HashMap<i32, u64>,
        killed: RefCell<Vec<i32>>,
    }

    impl Processes for Fake {
        fn start_time(&self, pid: i32) -> Option<u64> {
            self.live.get(&pid).copied()
        }
        fn kill(&self, pid: i32) {
            self.killed.borrow_mut().push(pid);
        }
    }

    fn running() -> ContainerState {
        ContainerState {
            status: Status::Running,
            pid: 20,
            pid_start_time: 200,
            monitor_pid: 10,
            monitor_start_time: 100,
            ..Default::default()
        }
    }

    #[test]
    fn a_live_monitor_leaves_state_alone() {
        let fake = Fake {
            live: HashMap::from([(10, 100)]),
            ..Default::default()
        };
        let mut s = running();
        assert!(!repair(&mut s, &fake, None, Utc::now()));
        assert_eq!(s.status, Status::Running);
    }

    #[test]
    fn a_reused_monitor_pid_counts_as_dead_and_the_exit_file_wins() {
        let fake = Fake {
            live: HashMap::from([(10, 999)]),
            ..Default::default()
        };
        let mut s = running();
        assert!(repair(&mut s, &fake, Some(3), Utc::now()));
        assert_eq!((s.status, s.exit_code, s.pid), (Status::Exited, 3, 0));
        assert!(s.finished_at.is_some());
        assert!(fake.killed.borrow().is_empty());
    }

    #[test]
    fn an_orphaned_init_is_killed_and_gets_137() {
        let fake = Fake {
            live: HashMap::from([(20, 200)]),
            ..Default::default()
        };
        let mut s = running();
        assert!(repair(&mut s, &fake, None, Utc::now()));
        assert_eq!(s.exit_code, 137);
        assert_eq!(*fake.killed.borrow(), vec![20]);
    }

    #[test]
    fn nothing_left_gives_255_and_exited_containers_are_untouched() {
        let fake = Fake::default();
        let mut s = running();
        assert!(repair(&mut s, &fake, None, Utc::now()));
        assert_eq!(s.exit_code, 255);
        let mut done = s.clone();
        assert!(!repair(&mut done, &fake, None, Utc::now()));
        assert_eq!(done, s);
    }

    #[test]
    fn stat_parsing_survives_odd_command_names_and_zombies() {
        let line = "42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 0 0";
        assert_eq!(parse_stat(line), Some(123456));
        assert_eq!(parse_stat(&line.replace(") S ", ") Z ")), None);
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn our_own_start_time_is_stable_and_pid_0_has_none() {
        let me = std::process::id() as i32;
        let t = proc_start_time(me).expect("own start time");
        assert_eq!(proc_start_time(me), Some(t));
        assert_eq!(proc_start_time(0), None);
    }
}
