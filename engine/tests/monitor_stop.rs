//! The stop decision on real processes: /proc/PID/status masks of a shell that ignores
//! SIGTERM, one that traps it and a plain `sleep`, and the full stop sequence on each.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use engine::container::proc_start_time;
use engine::monitor::stop::{plan, stop, ProcTarget, SignalMasks, StopPlan, Stopped};

const SIGTERM: i32 = 15;

/// A child killed and reaped on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sh(script: &str) -> Proc {
    Proc(Command::new("sh").args(["-c", script]).spawn().unwrap())
}

/// Waits until the child's masks satisfy `ready` (the shell needs a moment to set traps).
fn masks_when(p: &Proc, ready: impl Fn(&SignalMasks) -> bool) -> SignalMasks {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let m = SignalMasks::read(p.0.id() as i32).unwrap();
        if ready(&m) || Instant::now() > deadline {
            return m;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn target(p: &Proc) -> ProcTarget {
    let pid = p.0.id() as i32;
    ProcTarget {
        pid,
        start_time: proc_start_time(pid).unwrap(),
    }
}

#[test]
fn a_shell_ignoring_term_is_seen_and_killed_at_once() {
    let p = sh("trap '' TERM; sleep 100");
    let m = masks_when(&p, |m| m.ignores(SIGTERM));
    assert!(m.ignores(SIGTERM) && !m.catches(SIGTERM), "{m:?}");
    assert!(matches!(
        plan(&m, SIGTERM, Duration::from_secs(10)),
        StopPlan::KillNow { .. }
    ));
    let mut t = target(&p);
    let started = Instant::now();
    let r = stop(
        &mut t,
        SIGTERM,
        Duration::from_secs(10),
        Instant::now,
        std::thread::sleep,
    );
    assert_eq!(r.unwrap(), Stopped::Killed { waited: false });
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_plain_sleep_neither_catches_nor_ignores_term() {
    let p = Proc(Command::new("sleep").arg("100").spawn().unwrap());
    // Wait for the exec so we read sleep's masks, not the forked test's.
    let pid = p.0.id();
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap()
        .trim()
        != "sleep"
    {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    let m = SignalMasks::read(pid as i32).unwrap();
    assert!(!m.catches(SIGTERM) && !m.ignores(SIGTERM), "{m:?}");
    let StopPlan::KillNow { reason } = plan(&m, SIGTERM, Duration::from_secs(10)) else {
        panic!("a namespace init without a handler must be killed at once");
    };
    assert!(reason.contains("no handler"), "{reason}");
}

#[test]
fn a_shell_trapping_term_stops_gracefully() {
    let p = sh("trap 'exit 0' TERM; while :; do sleep 0.05; done");
    let m = masks_when(&p, |m| m.catches(SIGTERM));
    assert!(m.catches(SIGTERM), "{m:?}");
    let mut t = target(&p);
    let r = stop(
        &mut t,
        SIGTERM,
        Duration::from_secs(10),
        Instant::now,
        std::thread::sleep,
    );
    assert_eq!(r.unwrap(), Stopped::Gracefully);
}

#[test]
fn a_trap_that_does_not_exit_is_killed_after_the_timeout() {
    let p = sh("trap ':' TERM; while :; do sleep 0.05; done");
    masks_when(&p, |m| m.catches(SIGTERM));
    let mut t = target(&p);
    let started = Instant::now();
    let r = stop(
        &mut t,
        SIGTERM,
        Duration::from_millis(300),
        Instant::now,
        std::thread::sleep,
    );
    assert_eq!(r.unwrap(), Stopped::Killed { waited: true });
    assert!(started.elapsed() >= Duration::from_millis(300));
}
