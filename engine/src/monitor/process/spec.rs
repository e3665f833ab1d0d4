//! What the monitor hands the runtime: a container's `config.json` turned into the runtime's
//! [`ContainerSpec`] and the cgroup [`Limits`]. Pure, so it is tested without root.

use crate::cgroup::Limits;
use crate::container::ContainerConfig;
use crate::runtime::{ContainerSpec, Ulimit};
use oci_spec::runtime::Mount;
use std::path::PathBuf;

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
        cap_add: config.security.cap_add.clone(),
        cap_drop: config.security.cap_drop.clone(),
        privileged: config.security.privileged,
        read_only: config.security.read_only,
        no_new_privileges: config.security.no_new_privileges,
        seccomp_unconfined: config.security.seccomp_unconfined,
        init: config.security.init,
        ulimits: config
            .security
            .ulimits
            .iter()
            .map(|u| Ulimit {
                name: u.name.clone(),
                soft: u.soft,
                hard: u.hard,
            })
            .collect(),
        shm_size: config.security.shm_size,
        mounts: config
            .security
            .tmpfs
            .iter()
            .map(|t| tmpfs_mount(t))
            .collect(),
        ..ContainerSpec::default()
    }
}

/// A `--tmpfs /path[:options]` mount with docker's defaults (`nosuid,nodev,noexec`) before
/// the given options, so `exec` or `size=` given by the user win.
fn tmpfs_mount(given: &str) -> Mount {
    let (dest, opts) = given.split_once(':').unwrap_or((given, ""));
    let mut options: Vec<String> = ["nosuid", "nodev", "noexec"].map(String::from).to_vec();
    options.extend(opts.split(',').filter(|o| !o.is_empty()).map(String::from));
    let mut m = Mount::default();
    m.set_destination(PathBuf::from(dest));
    m.set_typ(Some("tmpfs".to_string()));
    m.set_source(Some(PathBuf::from("tmpfs")));
    m.set_options(Some(options));
    m
}

/// The cgroup limits of `--memory`, `--memory-swap`, `--cpus`, `--cpu-shares`,
/// `--cpuset-cpus` and `--pids-limit`.
pub fn cgroup_limits(config: &ContainerConfig) -> Limits {
    let l = &config.limits;
    Limits {
        memory: l.memory_bytes.and_then(|m| i64::try_from(m).ok()),
        cpu_quota_us: l.nano_cpus.map(|n| {
            (n as i128 * crate::cgroup::DEFAULT_CPU_PERIOD_US as i128 / 1_000_000_000) as i64
        }),
        cpu_period_us: l.nano_cpus.map(|_| crate::cgroup::DEFAULT_CPU_PERIOD_US),
        pids_limit: l.pids,
        memory_swap: l.memory_swap,
        cpu_shares: l.cpu_shares,
        cpuset_cpus: l.cpuset_cpus.clone(),
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

    #[test]
    fn security_flags_reach_the_runtime_spec() {
        let mut config = ContainerConfig::default();
        config.security.cap_drop = vec!["ALL".into()];
        config.security.read_only = true;
        config.security.shm_size = Some(1 << 20);
        config.security.tmpfs = vec!["/run:size=1m".into()];
        config.security.init = true;
        config.security.ulimits = vec!["nofile=1024:2048".parse().unwrap()];
        config.limits.cpu_shares = Some(512);
        config.limits.cpuset_cpus = Some("0".into());
        let spec = container_spec(&config);
        assert_eq!(spec.cap_drop, ["ALL"]);
        assert!(spec.read_only);
        assert!(spec.init);
        assert_eq!(spec.shm_size, Some(1 << 20));
        assert_eq!(spec.ulimits[0].hard, 2048);
        assert_eq!(spec.mounts[0].destination(), &PathBuf::from("/run"));
        let options = spec.mounts[0].options().clone().unwrap_or_default();
        assert_eq!(options.last().map(String::as_str), Some("size=1m"));
        let l = cgroup_limits(&config);
        assert_eq!(l.cpu_shares, Some(512));
        assert_eq!(l.cpuset_cpus.as_deref(), Some("0"));
    }
}
