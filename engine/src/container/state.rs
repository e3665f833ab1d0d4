//! `state.json`: what is happening to a container, rewritten at each transition by the
//! monitor, and by any command that finds the monitor or init dead.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Docker's container statuses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Created,
    Running,
    Paused,
    Restarting,
    Exited,
    Dead,
}

impl Status {
    /// True while a monitor should exist for the container.
    pub fn has_monitor(self) -> bool {
        matches!(self, Status::Running | Status::Paused | Status::Restarting)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Restarting => "restarting",
            Status::Exited => "exited",
            Status::Dead => "dead",
        })
    }
}

/// The run-time state. Pids come with their start time (field 22 of /proc/PID/stat, in clock
/// ticks since boot) so that a recycled pid is never mistaken for ours.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerState {
    pub status: Status,
    /// The container's init as seen from the host; 0 when not running.
    pub pid: i32,
    pub pid_start_time: u64,
    pub monitor_pid: i32,
    pub monitor_start_time: u64,
    pub exit_code: i32,
    pub oom_killed: bool,
    /// Set by `stop`/`kill` so that the restart policy leaves the container stopped.
    pub manually_stopped: bool,
    #[serde(with = "super::time")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "super::time")]
    pub finished_at: Option<DateTime<Utc>>,
    pub restart_count: u32,
    /// A short reason when the state was repaired or the start failed.
    pub error: String,
    pub health: Option<Health>,
}

impl ContainerState {
    /// Records a started init and its monitor (pids with their /proc start times).
    pub fn mark_running(&mut self, init: (i32, u64), monitor: (i32, u64), now: DateTime<Utc>) {
        self.status = Status::Running;
        (self.pid, self.pid_start_time) = init;
        (self.monitor_pid, self.monitor_start_time) = monitor;
        self.started_at = Some(now);
        self.exit_code = 0;
        self.oom_killed = false;
        self.error.clear();
    }

    /// Records the init's exit; the monitor is gone too unless `restarting`.
    pub fn mark_exited(
        &mut self,
        exit_code: i32,
        oom_killed: bool,
        restarting: bool,
        now: DateTime<Utc>,
    ) {
        self.status = if restarting {
            Status::Restarting
        } else {
            Status::Exited
        };
        self.exit_code = exit_code;
        self.oom_killed = oom_killed;
        self.finished_at = Some(now);
        (self.pid, self.pid_start_time) = (0, 0);
        if !restarting {
            (self.monitor_pid, self.monitor_start_time) = (0, 0);
        }
    }
}

/// Docker's health statuses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    #[default]
    Starting,
    Healthy,
    Unhealthy,
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HealthStatus::Starting => "starting",
            HealthStatus::Healthy => "healthy",
            HealthStatus::Unhealthy => "unhealthy",
        })
    }
}

/// Docker's `State.Health`: the status, the current failing streak and the last probes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: HealthStatus,
    pub failing_streak: u32,
    pub log: Vec<HealthLogEntry>,
}

/// One probe result, as in docker's `State.Health.Log`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthLogEntry {
    #[serde(with = "super::time")]
    pub start: Option<DateTime<Utc>>,
    #[serde(with = "super::time")]
    pub end: Option<DateTime<Utc>>,
    /// 0 healthy, 1 unhealthy, -1 when the probe could not run or timed out.
    pub exit_code: i32,
    pub output: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_json_uses_docker_words_and_nano_times() {
        let t = DateTime::parse_from_rfc3339("2024-05-06T07:08:09.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        let s = ContainerState {
            status: Status::Running,
            started_at: Some(t),
            health: Some(Health::default()),
            ..Default::default()
        };
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"status\":\"running\""), "{json}");
        assert!(
            json.contains("\"started_at\":\"2024-05-06T07:08:09.123456789Z\""),
            "{json}"
        );
        assert!(json.contains("\"finished_at\":null"), "{json}");
        assert!(json.contains("\"status\":\"starting\""), "{json}");
        let back: ContainerState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn running_then_exited_keeps_the_monitor_only_when_restarting() {
        let now = Utc::now();
        let mut s = ContainerState {
            error: "old".into(),
            ..Default::default()
        };
        s.mark_running((20, 200), (10, 100), now);
        assert_eq!((s.status, s.pid, s.monitor_pid), (Status::Running, 20, 10));
        assert!(s.error.is_empty() && s.started_at == Some(now));
        s.mark_exited(137, true, true, now);
        assert_eq!(
            (s.status, s.pid, s.monitor_pid),
            (Status::Restarting, 0, 10)
        );
        assert!(s.oom_killed);
        s.mark_exited(1, false, false, now);
        assert_eq!(
            (s.status, s.exit_code, s.monitor_pid),
            (Status::Exited, 1, 0)
        );
    }

    #[test]
    fn only_live_statuses_need_a_monitor() {
        assert!(Status::Running.has_monitor());
        assert!(Status::Restarting.has_monitor());
        assert!(!Status::Exited.has_monitor());
        assert!(!Status::Created.has_monitor());
    }
}
