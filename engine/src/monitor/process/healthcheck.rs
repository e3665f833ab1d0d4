//! The monitor's healthcheck: decides from the container's config whether and what to
//! probe, starts a probe at the times [`Checker::next_delay`] gives, and feeds finished
//! probes to the [`Checker`]. One probe at a time, never blocking the monitor loop.

use std::time::Instant;

use chrono::{DateTime, Utc};
use nix::unistd::Pid;
use oci_spec::runtime::Spec;

use super::probe::{RunningProbe, Started};
use crate::container::{ContainerConfig, Health, HealthConfig};
use crate::monitor::health::{Checker, Probe, ProbeResult, Settings};

/// The command and timing of a container's healthcheck; `None` when it has none, it is
/// disabled (`--no-healthcheck`, `NONE`) or its test is invalid.
pub fn plan(config: &ContainerConfig) -> Option<(Vec<String>, Settings)> {
    let hc = config.healthcheck.as_ref()?;
    match Probe::from_test(&hc.test) {
        Ok(Probe::Exec(args)) => Some((args, Settings::from(hc))),
        Ok(Probe::Inherit | Probe::Disabled) => None,
        Err(e) => {
            tracing::warn!(error = %e, "ignoring the healthcheck");
            None
        }
    }
}

/// The healthcheck of one run of the init.
#[derive(Debug)]
pub struct HealthRunner {
    args: Vec<String>,
    settings: Settings,
    checker: Checker,
    next_at: Instant,
    probe: Option<RunningProbe>,
}

impl HealthRunner {
    /// A `starting` healthcheck for an init started at `started_at`, or `None` without one.
    pub fn new(config: &ContainerConfig, started_at: DateTime<Utc>) -> Option<HealthRunner> {
        let (args, settings) = plan(config)?;
        let checker = Checker::new(settings, started_at);
        let next_at = Instant::now() + checker.next_delay(started_at);
        Some(HealthRunner {
            args,
            settings,
            checker,
            next_at,
            probe: None,
        })
    }

    /// The health to record in `state.json`.
    pub fn health(&self) -> &Health {
        self.checker.health()
    }

    /// One turn of the monitor loop: reaps a finished probe (returning the new health to
    /// record) or starts the next one when it is due. Call it before reaping the init.
    pub fn turn(&mut self, init: Pid, spec: &Spec) -> Option<Health> {
        if let Some(probe) = self.probe.as_mut() {
            let result = probe.poll()?;
            self.probe = None;
            return Some(self.finish(result));
        }
        if Instant::now() < self.next_at {
            return None;
        }
        match RunningProbe::start(init, spec, self.args.clone(), self.settings.timeout) {
            Started::Running(p) => {
                self.probe = Some(p);
                None
            }
            Started::Failed(result) => Some(self.finish(result)),
        }
    }

    fn finish(&mut self, result: ProbeResult) -> Health {
        self.checker.record(result);
        self.next_at = Instant::now() + self.checker.next_delay(Utc::now());
        self.checker.health().clone()
    }

    /// Kills and reaps a running probe (before a stop, so the init can be reaped).
    pub fn stop_probe(&mut self) {
        if let Some(mut p) = self.probe.take() {
            p.kill();
        }
    }
}

impl Drop for HealthRunner {
    fn drop(&mut self) {
        self.stop_probe();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn with_test(test: &[&str]) -> ContainerConfig {
        ContainerConfig {
            healthcheck: Some(HealthConfig {
                test: test.iter().map(|s| s.to_string()).collect(),
                interval_ns: 2_000_000_000,
                ..HealthConfig::default()
            }),
            ..ContainerConfig::default()
        }
    }

    #[test]
    fn only_an_exec_test_is_planned() {
        let (args, settings) = plan(&with_test(&["CMD-SHELL", "true"])).expect("planned");
        assert_eq!(args, ["/bin/sh", "-c", "true"]);
        assert_eq!(settings.interval, Duration::from_secs(2));
        assert_eq!(settings.retries, 3);
        assert!(plan(&with_test(&["NONE"])).is_none());
        assert!(plan(&with_test(&[])).is_none());
        assert!(plan(&with_test(&["BOGUS"])).is_none());
        assert!(plan(&ContainerConfig::default()).is_none());
    }

    #[test]
    fn a_new_runner_is_starting_and_waits_before_the_first_probe() {
        let runner = HealthRunner::new(&with_test(&["CMD", "true"]), Utc::now()).expect("runner");
        assert_eq!(runner.health(), &Health::default());
        assert!(runner.next_at > Instant::now() + Duration::from_secs(1));
    }
}

/// Docker's merge of the user's healthcheck over the image's: no user healthcheck takes
/// the image's; otherwise an empty test and each zero setting take the image's value.
pub fn merge_healthcheck(
    user: Option<&HealthConfig>,
    image: Option<&crate::image::HealthConfig>,
) -> Option<HealthConfig> {
    let from_image = image.map(|i| {
        let ns = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
        HealthConfig {
            test: i.test.clone().unwrap_or_default(),
            interval_ns: ns(i.interval),
            timeout_ns: ns(i.timeout),
            start_period_ns: ns(i.start_period),
            start_interval_ns: ns(i.start_interval),
            retries: i.retries.and_then(|r| u32::try_from(r).ok()).unwrap_or(0),
        }
    });
    let Some(user) = user else {
        return from_image;
    };
    let mut merged = user.clone();
    if let Some(i) = from_image {
        if merged.test.is_empty() {
            merged.test = i.test;
        }
        let pick = |u: u64, i: u64| if u == 0 { i } else { u };
        merged.interval_ns = pick(merged.interval_ns, i.interval_ns);
        merged.timeout_ns = pick(merged.timeout_ns, i.timeout_ns);
        merged.start_period_ns = pick(merged.start_period_ns, i.start_period_ns);
        merged.start_interval_ns = pick(merged.start_interval_ns, i.start_interval_ns);
        if merged.retries == 0 {
            merged.retries = i.retries;
        }
    }
    Some(merged)
}

#[cfg(test)]
mod merge_tests {
    use super::*;

    #[test]
    fn user_settings_win_and_gaps_come_from_the_image() {
        let image = crate::image::HealthConfig {
            test: Some(vec!["CMD".into(), "img".into()]),
            interval: Some(5_000_000_000),
            retries: Some(7),
            ..Default::default()
        };
        assert_eq!(
            merge_healthcheck(None, Some(&image)).map(|h| (h.test, h.retries)),
            Some((vec!["CMD".to_string(), "img".to_string()], 7))
        );
        let user = HealthConfig {
            interval_ns: 1_000_000_000,
            ..HealthConfig::default()
        };
        let m = merge_healthcheck(Some(&user), Some(&image)).expect("merged");
        assert_eq!(m.test, ["CMD", "img"]);
        assert_eq!((m.interval_ns, m.retries), (1_000_000_000, 7));
        let none = HealthConfig {
            test: vec!["NONE".into()],
            ..HealthConfig::default()
        };
        assert_eq!(
            merge_healthcheck(Some(&none), Some(&image)).map(|h| h.test),
            Some(vec!["NONE".to_string()])
        );
        assert_eq!(merge_healthcheck(None, None), None);
    }
}
