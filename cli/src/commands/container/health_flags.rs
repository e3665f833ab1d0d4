//! The healthcheck flags of `create`/`run`, docker's: `--health-cmd`, `--health-interval`,
//! `--health-timeout`, `--health-start-period`, `--health-start-interval`,
//! `--health-retries` and `--no-healthcheck`.

use anyhow::{bail, Context, Result};
use clap::Args;
use engine::container::HealthConfig;
use engine::monitor::duration::parse_go_duration;

/// Healthcheck flags (durations like `1s`, `1m30s`).
#[derive(Debug, Args, Clone, Default)]
pub struct HealthArgs {
    /// Command to run to check health.
    #[arg(long = "health-cmd")]
    pub cmd: Option<String>,
    /// Time between running the check (ms|s|m|h) (default 0s).
    #[arg(long = "health-interval")]
    pub interval: Option<String>,
    /// Maximum time to allow one check to run (ms|s|m|h) (default 0s).
    #[arg(long = "health-timeout")]
    pub timeout: Option<String>,
    /// Start period for the container to initialize before counting retries.
    #[arg(long = "health-start-period")]
    pub start_period: Option<String>,
    /// Time between running the check during the start period.
    #[arg(long = "health-start-interval")]
    pub start_interval: Option<String>,
    /// Consecutive failures needed to report unhealthy.
    #[arg(long = "health-retries")]
    pub retries: Option<u32>,
    /// Disable any container-specified HEALTHCHECK.
    #[arg(long = "no-healthcheck")]
    pub disable: bool,
}

impl HealthArgs {
    /// The healthcheck to store; `None` when no flag was given (the image's then applies).
    pub fn config(&self) -> Result<Option<HealthConfig>> {
        let any_setting = self.cmd.is_some()
            || self.interval.is_some()
            || self.timeout.is_some()
            || self.start_period.is_some()
            || self.start_interval.is_some()
            || self.retries.is_some();
        if self.disable {
            if any_setting {
                bail!("--no-healthcheck conflicts with --health-* options");
            }
            return Ok(Some(HealthConfig {
                test: vec!["NONE".into()],
                ..HealthConfig::default()
            }));
        }
        if !any_setting {
            return Ok(None);
        }
        let ns = |flag: &str, v: &Option<String>| -> Result<u64> {
            match v {
                None => Ok(0),
                Some(s) => {
                    let d = parse_go_duration(s).with_context(|| format!("--{flag}"))?;
                    Ok(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
                }
            }
        };
        Ok(Some(HealthConfig {
            test: self
                .cmd
                .iter()
                .flat_map(|c| ["CMD-SHELL".to_string(), c.clone()])
                .collect(),
            interval_ns: ns("health-interval", &self.interval)?,
            timeout_ns: ns("health-timeout", &self.timeout)?,
            start_period_ns: ns("health-start-period", &self.start_period)?,
            start_interval_ns: ns("health-start-interval", &self.start_interval)?,
            retries: self.retries.unwrap_or(0),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_docker_healthcheck_config() {
        assert_eq!(HealthArgs::default().config().expect("ok"), None);
        let args = HealthArgs {
            cmd: Some("test -f /ok".into()),
            interval: Some("1s".into()),
            retries: Some(2),
            ..HealthArgs::default()
        };
        let hc = args.config().expect("ok").expect("some");
        assert_eq!(hc.test, ["CMD-SHELL", "test -f /ok"]);
        assert_eq!(
            (hc.interval_ns, hc.timeout_ns, hc.retries),
            (1_000_000_000, 0, 2)
        );
        let off = HealthArgs {
            disable: true,
            ..HealthArgs::default()
        };
        assert_eq!(off.config().expect("ok").expect("some").test, ["NONE"]);
        let both = HealthArgs {
            disable: true,
            cmd: Some("true".into()),
            ..HealthArgs::default()
        };
        assert!(both.config().is_err());
        let bad = HealthArgs {
            interval: Some("soon".into()),
            ..HealthArgs::default()
        };
        assert!(bad.config().is_err());
    }
}
