//! Docker's restart policies as a pure decision. The back-off follows docker's restart
//! manager: the delay starts at 100 ms and doubles on each restart, resets when the container
//! ran for at least 10 s, and is capped at one minute.

use std::time::Duration;

use crate::container::{RestartPolicy, RestartPolicyName};

/// First delay before a restart.
pub const INITIAL_DELAY: Duration = Duration::from_millis(100);
/// Longest delay between restarts.
pub const MAX_DELAY: Duration = Duration::from_secs(60);
/// A run at least this long resets the back-off.
pub const RESET_AFTER: Duration = Duration::from_secs(10);

/// What happened when the container exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    pub exit_code: i32,
    /// The user ran `stop` or `kill`: no policy restarts it then.
    pub manually_stopped: bool,
    /// How long the container ran before this exit.
    pub ran_for: Duration,
}

/// The decision for one exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Leave the container exited.
    No,
    /// Restart after `delay`; the restart count becomes `restart_count`.
    Restart { delay: Duration, restart_count: u32 },
}

/// The back-off carried from one exit to the next (the monitor keeps it in memory).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backoff {
    delay: Duration,
}

impl Backoff {
    /// Decides whether `policy` restarts after `exit`, given the restarts done so far, and
    /// advances the back-off (docker advances it even when it does not restart).
    pub fn decide(&mut self, policy: RestartPolicy, exit: Exit, restart_count: u32) -> Decision {
        if policy.name == RestartPolicyName::No {
            return Decision::No;
        }
        if exit.ran_for >= RESET_AFTER {
            self.delay = Duration::ZERO;
        }
        self.delay = if self.delay.is_zero() {
            INITIAL_DELAY
        } else {
            (self.delay * 2).min(MAX_DELAY)
        };
        if exit.manually_stopped {
            return Decision::No;
        }
        let restart = match policy.name {
            RestartPolicyName::No => false,
            RestartPolicyName::Always | RestartPolicyName::UnlessStopped => true,
            RestartPolicyName::OnFailure => {
                exit.exit_code != 0
                    && (policy.max_retries == 0 || restart_count < policy.max_retries)
            }
        };
        if restart {
            Decision::Restart {
                delay: self.delay,
                restart_count: restart_count.saturating_add(1),
            }
        } else {
            Decision::No
        }
    }
}

/// Whether a container that was running when the host went down (or whose monitor died)
/// should be started again by the next `tug` command that notices, as dockerd does at its
/// start: `always` even after a manual stop, `unless-stopped` unless manually stopped, and
/// never `no` or `on-failure`.
pub fn start_on_boot(policy: RestartPolicy, manually_stopped: bool) -> bool {
    match policy.name {
        RestartPolicyName::Always => true,
        RestartPolicyName::UnlessStopped => !manually_stopped,
        RestartPolicyName::No | RestartPolicyName::OnFailure => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit(code: i32, secs: u64) -> Exit {
        Exit {
            exit_code: code,
            manually_stopped: false,
            ran_for: Duration::from_secs(secs),
        }
    }

    fn policy(s: &str) -> RestartPolicy {
        s.parse().unwrap()
    }

    #[test]
    fn no_never_restarts() {
        let mut b = Backoff::default();
        assert_eq!(b.decide(policy("no"), exit(1, 0), 0), Decision::No);
    }

    #[test]
    fn always_restarts_with_doubling_delay_capped_at_a_minute() {
        let mut b = Backoff::default();
        let mut delays = Vec::new();
        let mut count = 0;
        for _ in 0..12 {
            match b.decide(policy("always"), exit(0, 0), count) {
                Decision::Restart {
                    delay,
                    restart_count,
                } => {
                    delays.push(delay.as_millis());
                    count = restart_count;
                }
                Decision::No => panic!("always must restart"),
            }
        }
        assert_eq!(&delays[..5], &[100, 200, 400, 800, 1600]);
        assert_eq!(*delays.last().unwrap(), 60_000);
        assert_eq!(count, 12);
    }

    #[test]
    fn a_long_run_resets_the_back_off() {
        let mut b = Backoff::default();
        b.decide(policy("always"), exit(0, 0), 0);
        b.decide(policy("always"), exit(0, 0), 1);
        let d = b.decide(policy("always"), exit(0, 10), 2);
        assert_eq!(
            d,
            Decision::Restart {
                delay: INITIAL_DELAY,
                restart_count: 3
            }
        );
    }

    #[test]
    fn on_failure_counts_retries_and_ignores_success() {
        let mut b = Backoff::default();
        let p = policy("on-failure:2");
        assert!(matches!(
            b.decide(p, exit(1, 0), 0),
            Decision::Restart {
                restart_count: 1,
                ..
            }
        ));
        assert!(matches!(
            b.decide(p, exit(1, 0), 1),
            Decision::Restart {
                restart_count: 2,
                ..
            }
        ));
        assert_eq!(b.decide(p, exit(1, 0), 2), Decision::No);
        assert_eq!(b.decide(policy("on-failure"), exit(0, 0), 0), Decision::No);
        assert!(matches!(
            b.decide(policy("on-failure"), exit(3, 0), 100),
            Decision::Restart { .. }
        ));
    }

    #[test]
    fn boot_restarts_always_and_not_manually_stopped_unless_stopped() {
        assert!(start_on_boot(policy("always"), true));
        assert!(start_on_boot(policy("unless-stopped"), false));
        assert!(!start_on_boot(policy("unless-stopped"), true));
        assert!(!start_on_boot(policy("on-failure:3"), false));
        assert!(!start_on_boot(policy("no"), false));
    }

    #[test]
    fn a_manual_stop_wins_over_every_policy() {
        for p in ["always", "unless-stopped", "on-failure"] {
            let mut b = Backoff::default();
            let e = Exit {
                manually_stopped: true,
                ..exit(137, 0)
            };
            assert_eq!(b.decide(policy(p), e, 0), Decision::No, "{p}");
        }
    }
}
