//! The healthcheck state machine, as docker runs it: the status starts as `starting`, a
//! passing probe makes it `healthy` and resets the failing streak, `retries` failures in a row
//! make it `unhealthy`, and failures during the start period do not count while the status is
//! still `starting`. Probes run every `interval`, or every `start_interval` during the start
//! period while starting. Only the last 5 results are kept, their output cut at 4 KiB.
//!
//! Pure logic: the monitor runs the probe and passes its result and the time in.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::container::{Health, HealthConfig, HealthLogEntry, HealthStatus};

/// Docker keeps this many probe results.
pub const MAX_LOG_ENTRIES: usize = 5;
/// Docker keeps this many bytes of a probe's output (then appends `...`).
pub const MAX_OUTPUT_LEN: usize = 4096;

/// Why a healthcheck test is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HealthError {
    /// The test is not `NONE`, `CMD ...` or `CMD-SHELL cmd`.
    #[error("invalid healthcheck test {0:?}: expected [\"NONE\"], [\"CMD\", args...] or [\"CMD-SHELL\", command]")]
    InvalidTest(Vec<String>),
}

/// What a healthcheck `test` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Empty test: use the image's healthcheck.
    Inherit,
    /// `["NONE"]`: healthchecks are off.
    Disabled,
    /// The argv to run in the container (`CMD-SHELL x` becomes `/bin/sh -c x`).
    Exec(Vec<String>),
}

impl Probe {
    /// Interprets docker's test forms.
    pub fn from_test(test: &[String]) -> Result<Probe, HealthError> {
        let bad = || HealthError::InvalidTest(test.to_vec());
        match test.split_first() {
            None => Ok(Probe::Inherit),
            Some((kind, rest)) => match kind.as_str() {
                "NONE" if rest.is_empty() => Ok(Probe::Disabled),
                "CMD" if !rest.is_empty() => Ok(Probe::Exec(rest.to_vec())),
                "CMD-SHELL" if !rest.is_empty() => Ok(Probe::Exec(vec![
                    "/bin/sh".into(),
                    "-c".into(),
                    rest.join(" "),
                ])),
                _ => Err(bad()),
            },
        }
    }
}

/// Timing of a healthcheck with docker's defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub interval: Duration,
    pub timeout: Duration,
    pub start_period: Duration,
    pub start_interval: Duration,
    pub retries: u32,
}

impl From<&HealthConfig> for Settings {
    /// Zero means "default", as in docker: 30 s, 30 s, 0, 5 s and 3 retries.
    fn from(c: &HealthConfig) -> Settings {
        let or = |ns: u64, d: Duration| if ns == 0 { d } else { Duration::from_nanos(ns) };
        Settings {
            interval: or(c.interval_ns, Duration::from_secs(30)),
            timeout: or(c.timeout_ns, Duration::from_secs(30)),
            start_period: Duration::from_nanos(c.start_period_ns),
            start_interval: or(c.start_interval_ns, Duration::from_secs(5)),
            retries: if c.retries == 0 { 3 } else { c.retries },
        }
    }
}

/// One finished probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// 0 passes; anything else fails (-1 when it could not run or timed out).
    pub exit_code: i32,
    pub output: String,
}

impl ProbeResult {
    /// A probe that ran with `output` bytes (cut at 4 KiB like docker).
    pub fn finished(
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        exit_code: i32,
        output: &[u8],
    ) -> Self {
        ProbeResult {
            start,
            end,
            exit_code,
            output: truncate_output(output),
        }
    }

    /// A probe killed after `timeout`, with docker's message.
    pub fn timed_out(start: DateTime<Utc>, end: DateTime<Utc>, timeout: Duration) -> Self {
        ProbeResult {
            start,
            end,
            exit_code: -1,
            output: format!("Health check exceeded timeout ({})", go_duration(timeout)),
        }
    }
}

/// Keeps the first 4096 bytes (on a char boundary) and marks a cut with `...`.
pub fn truncate_output(output: &[u8]) -> String {
    if output.len() <= MAX_OUTPUT_LEN {
        return String::from_utf8_lossy(output).into_owned();
    }
    let mut s = String::from_utf8_lossy(&output[..MAX_OUTPUT_LEN]).into_owned();
    if s.ends_with('\u{FFFD}') && std::str::from_utf8(&output[..MAX_OUTPUT_LEN]).is_err() {
        s.pop();
    }
    s.push_str("...");
    s
}

/// Formats like Go's `time.Duration.String` for the common cases (`30s`, `1m30s`, `500ms`).
fn go_duration(d: Duration) -> String {
    if d.is_zero() {
        return "0s".into();
    }
    if d < Duration::from_secs(1) {
        let ms = d.as_secs_f64() * 1e3;
        return format!("{}ms", trim(ms));
    }
    let secs = d.as_secs();
    let (h, m) = (secs / 3600, (secs % 3600) / 60);
    let s = (secs % 60) as f64 + f64::from(d.subsec_nanos()) / 1e9;
    match (h, m) {
        (0, 0) => format!("{}s", trim(s)),
        (0, m) => format!("{m}m{}s", trim(s)),
        (h, m) => format!("{h}h{m}m{}s", trim(s)),
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.9}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The healthcheck of one container run.
#[derive(Debug, Clone)]
pub struct Checker {
    settings: Settings,
    started_at: DateTime<Utc>,
    health: Health,
}

impl Checker {
    /// A fresh `starting` health for a container that started at `started_at`.
    pub fn new(settings: Settings, started_at: DateTime<Utc>) -> Checker {
        Checker {
            settings,
            started_at,
            health: Health::default(),
        }
    }

    /// The state to write into `state.json`.
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// How long to wait before the next probe, as of `now`.
    pub fn next_delay(&self, now: DateTime<Utc>) -> Duration {
        if self.health.status == HealthStatus::Starting && self.in_start_period(now) {
            self.settings.start_interval
        } else {
            self.settings.interval
        }
    }

    fn in_start_period(&self, t: DateTime<Utc>) -> bool {
        (t - self.started_at)
            .to_std()
            .map_or(true, |since| since < self.settings.start_period)
    }

    /// Records a probe result; returns the new status when it changed.
    pub fn record(&mut self, result: ProbeResult) -> Option<HealthStatus> {
        let before = self.health.status;
        if result.exit_code == 0 {
            self.health.failing_streak = 0;
            self.health.status = HealthStatus::Healthy;
        } else if !(before == HealthStatus::Starting && self.in_start_period(result.start)) {
            self.health.failing_streak += 1;
            if self.health.failing_streak >= self.settings.retries {
                self.health.status = HealthStatus::Unhealthy;
            }
        }
        self.health.log.push(HealthLogEntry {
            start: Some(result.start),
            end: Some(result.end),
            exit_code: result.exit_code,
            output: result.output,
        });
        let excess = self.health.log.len().saturating_sub(MAX_LOG_ENTRIES);
        self.health.log.drain(..excess);
        (self.health.status != before).then_some(self.health.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn at(secs: i64) -> DateTime<Utc> {
        t0() + chrono::Duration::seconds(secs)
    }

    fn probe(secs: i64, code: i32) -> ProbeResult {
        ProbeResult::finished(at(secs), at(secs), code, format!("run {secs}").as_bytes())
    }

    fn settings(start_period: u64) -> Settings {
        Settings::from(&HealthConfig {
            retries: 2,
            start_period_ns: start_period * 1_000_000_000,
            ..Default::default()
        })
    }

    #[test]
    fn test_forms_follow_docker() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(Probe::from_test(&[]).unwrap(), Probe::Inherit);
        assert_eq!(Probe::from_test(&v(&["NONE"])).unwrap(), Probe::Disabled);
        assert_eq!(
            Probe::from_test(&v(&["CMD", "true", "x"])).unwrap(),
            Probe::Exec(v(&["true", "x"]))
        );
        assert_eq!(
            Probe::from_test(&v(&["CMD-SHELL", "curl -f localhost || exit 1"])).unwrap(),
            Probe::Exec(v(&["/bin/sh", "-c", "curl -f localhost || exit 1"]))
        );
        for bad in [v(&["CMD"]), v(&["NONE", "x"]), v(&["RUN", "x"])] {
            assert!(Probe::from_test(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn defaults_are_dockers() {
        let s = Settings::from(&HealthConfig::default());
        assert_eq!(s.interval, Duration::from_secs(30));
        assert_eq!(s.timeout, Duration::from_secs(30));
        assert_eq!(s.start_interval, Duration::from_secs(5));
        assert_eq!((s.start_period, s.retries), (Duration::ZERO, 3));
    }

    #[test]
    fn pass_then_failures_reach_unhealthy_after_retries_and_recover() {
        let mut c = Checker::new(settings(0), t0());
        assert_eq!(c.health().status, HealthStatus::Starting);
        assert_eq!(c.record(probe(1, 0)), Some(HealthStatus::Healthy));
        assert_eq!(c.record(probe(2, 1)), None);
        assert_eq!(c.health().failing_streak, 1);
        assert_eq!(c.record(probe(3, 1)), Some(HealthStatus::Unhealthy));
        assert_eq!(c.record(probe(4, 0)), Some(HealthStatus::Healthy));
        assert_eq!(c.health().failing_streak, 0);
    }

    #[test]
    fn failures_in_the_start_period_do_not_count_while_starting() {
        let mut c = Checker::new(settings(10), t0());
        for s in 1..5 {
            c.record(probe(s, 1));
        }
        assert_eq!(
            (c.health().status, c.health().failing_streak),
            (HealthStatus::Starting, 0)
        );
        c.record(probe(11, 1));
        assert_eq!(c.record(probe(12, 1)), Some(HealthStatus::Unhealthy));
    }

    #[test]
    fn start_interval_applies_only_while_starting_in_the_start_period() {
        let mut c = Checker::new(settings(10), t0());
        assert_eq!(c.next_delay(at(1)), Duration::from_secs(5));
        assert_eq!(c.next_delay(at(10)), Duration::from_secs(30));
        c.record(probe(2, 0));
        assert_eq!(c.next_delay(at(3)), Duration::from_secs(30));
    }

    #[test]
    fn only_the_last_five_results_are_kept() {
        let mut c = Checker::new(settings(0), t0());
        for s in 0..8 {
            c.record(probe(s, 0));
        }
        let outputs: Vec<_> = c.health().log.iter().map(|e| e.output.as_str()).collect();
        assert_eq!(outputs, ["run 3", "run 4", "run 5", "run 6", "run 7"]);
    }

    #[test]
    fn output_is_cut_at_4_kib_and_timeouts_say_so() {
        let long = vec![b'x'; 5000];
        let out = truncate_output(&long);
        assert_eq!(out.len(), MAX_OUTPUT_LEN + 3);
        assert!(out.ends_with("x..."));
        assert_eq!(truncate_output(b"ok\n"), "ok\n");
        let mut multi = vec![b'a'; MAX_OUTPUT_LEN - 1];
        multi.extend("é".as_bytes());
        assert!(!truncate_output(&multi).contains('\u{FFFD}'));
        let r = ProbeResult::timed_out(t0(), at(30), Duration::from_secs(30));
        assert_eq!(
            (r.exit_code, r.output.as_str()),
            (-1, "Health check exceeded timeout (30s)")
        );
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_millis(500)), "500ms");
    }
}
