//! What the monitor hands the runtime: a container's `config.json` turned into the runtime's
//! [`ContainerSpec`] and the cgroup [`Limits`]. Pure, so it is tested without root.

use crate::cgroup::Limits;
use crate::container::ContainerConfig;
use crate::runtime::ContainerSpec;

/// The process and settings to run: entrypoint then cmd, as docker concatenates them.
pub fn container_spec(config: &ContainerConfig) -> ContainerSpec {
    let mut args = config.entrypoint.clone();
    args.extend(config.cmd.iter().cloned());
    ContainerSpec {
        args,
        env: config.env.clone(),
        cwd: (!config.working_dir.is_empty()).then(|| config.working_dir.clone()),
        user: (!config.user.is_empty()).then(|| config.user.clone()),
        hostname: if config.hostname.is_empty() {
            config.id.chars().take(12).collect()
        } else {
            config.hostname.clone()
        },
        ..ContainerSpec::default()
    }
}

/// The cgroup limits of `--memory`, `--cpus` and `--pids-limit`.
pub fn cgroup_limits(config: &ContainerConfig) -> Limits {
    let l = &config.limits;
    Limits {
        memory: l.memory_bytes.and_then(|m| i64::try_from(m).ok()),
        cpu_quota_us: l.nano_cpus.map(|n| {
            (n as i128 * crate::cgroup::DEFAULT_CPU_PERIOD_US as i128 / 1_000_000_000) as i64
        }),
        cpu_period_us: l.nano_cpus.map(|_| crate::cgroup::DEFAULT_CPU_PERIOD_US),
        pids_limit: l.pids,
        ..Limits::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entrypoint_comes_before_cmd_and_hostname_defaults_to_short_id() {
        let config = ContainerConfig {
            id: "ab".repeat(32),
            entrypoint: vec!["sh".into(), "-c".into()],
            cmd: vec!["echo hi".into()],
            ..ContainerConfig::default()
        };
        let spec = container_spec(&config);
        assert_eq!(spec.args, ["sh", "-c", "echo hi"]);
        assert_eq!(spec.hostname, "abababababab");
        assert_eq!(spec.cwd, None);
    }

    #[test]
    fn limits_follow_docker_units() {
        let mut config = ContainerConfig::default();
        config.limits.memory_bytes = Some(64 << 20);
        config.limits.nano_cpus = Some(1_500_000_000);
        config.limits.pids = Some(10);
        let l = cgroup_limits(&config);
        assert_eq!(l.memory, Some(64 << 20));
        assert_eq!(l.cpu_quota_us, Some(150_000));
        assert_eq!(l.cpu_period_us, Some(100_000));
        assert_eq!(l.pids_limit, Some(10));
    }
}
