//! `config.json`: what a container runs, fixed at create time (docker's `Config` and the
//! parts of `HostConfig` the engine needs). Mounts and ports stay plain data here; the
//! volumes and netbridge crates give them meaning.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ContainerError;

/// Everything needed to (re)start a container, written once by `create`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerConfig {
    /// 64-hex id (also the folder name).
    pub id: String,
    /// Unique name without docker's leading `/`.
    pub name: String,
    /// The image's config digest (hex), which identifies its rootfs.
    pub image_id: String,
    /// The reference the user typed (`busybox:latest`), for `ps` and inspect.
    pub image_ref: String,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// `KEY=value` entries, image env merged with `-e`.
    pub env: Vec<String>,
    pub working_dir: String,
    /// `user[:group]` as given, resolved against the image at start.
    pub user: String,
    pub hostname: String,
    pub labels: BTreeMap<String, String>,
    pub restart_policy: RestartPolicy,
    /// Signal name or number (`SIGTERM`, `15`); empty means SIGTERM.
    pub stop_signal: String,
    /// Seconds between the stop signal and SIGKILL; `None` means docker's 10.
    pub stop_timeout: Option<u32>,
    pub healthcheck: Option<HealthConfig>,
    pub limits: Limits,
    /// `--cap-add`, `--privileged`, `--read-only`, `--ulimit`, `--shm-size`, `--init`.
    #[serde(default)]
    pub security: Security,
    /// Mount specs as given (`-v`, `--tmpfs`), interpreted by the volumes crate.
    pub mounts: Vec<String>,
    /// Port specs as given (`-p`), interpreted by the netbridge crate.
    pub ports: Vec<String>,
    /// Creation time, RFC 3339 with nanoseconds.
    #[serde(with = "super::time")]
    pub created: Option<chrono::DateTime<chrono::Utc>>,
}

/// Resource limits (`--memory`, `--cpus`, `--pids-limit`); `None` means unlimited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub memory_bytes: Option<u64>,
    /// CPUs in billionths, like docker's `NanoCpus`.
    pub nano_cpus: Option<u64>,
    pub pids: Option<i64>,
    /// `--memory-swap` in bytes (memory plus swap), `-1` for unlimited swap.
    #[serde(default)]
    pub memory_swap: Option<i64>,
    /// `--cpu-shares`: relative CPU weight.
    #[serde(default)]
    pub cpu_shares: Option<u64>,
    /// `--cpuset-cpus`, e.g. `0-1`.
    #[serde(default)]
    pub cpuset_cpus: Option<String>,
}

/// The process-level settings docker keeps in `HostConfig`, applied by the runtime.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Security {
    /// `--cap-add` names (`NET_ADMIN`, `CAP_NET_ADMIN` or `ALL`).
    pub cap_add: Vec<String>,
    /// `--cap-drop` names.
    pub cap_drop: Vec<String>,
    /// `--privileged`: all capabilities, no masked paths.
    pub privileged: bool,
    /// `--read-only`: the rootfs is mounted read-only.
    pub read_only: bool,
    /// `--security-opt no-new-privileges`.
    pub no_new_privileges: bool,
    /// `--security-opt seccomp=unconfined`.
    pub seccomp_unconfined: bool,
    /// `--ulimit name=soft[:hard]`.
    pub ulimits: Vec<Ulimit>,
    /// `--shm-size` in bytes; docker's 64 MiB when `None`.
    pub shm_size: Option<u64>,
    /// `--tmpfs /path[:options]` as given (options like `size=64m,mode=1777`).
    pub tmpfs: Vec<String>,
    /// `--init`: an init process stays PID 1, forwarding signals and reaping zombies.
    pub init: bool,
}

/// One `--ulimit`: docker's rlimit name (`nofile`) and its soft and hard limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ulimit {
    pub name: String,
    pub soft: u64,
    pub hard: u64,
}

impl FromStr for Ulimit {
    type Err = ContainerError;

    /// Parses `name=soft[:hard]` (hard defaults to soft), as `docker run --ulimit` does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ContainerError::InvalidUlimit(s.to_string());
        let (name, values) = s.split_once('=').ok_or_else(bad)?;
        let (soft, hard) = values.split_once(':').unwrap_or((values, values));
        let soft: u64 = soft.parse().map_err(|_| bad())?;
        let hard: u64 = hard.parse().map_err(|_| bad())?;
        if name.is_empty() || soft > hard {
            return Err(bad());
        }
        Ok(Ulimit {
            name: name.to_string(),
            soft,
            hard,
        })
    }
}

/// A healthcheck as docker stores it (durations in nanoseconds, 0 = default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthConfig {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`.
    pub test: Vec<String>,
    pub interval_ns: u64,
    pub timeout_ns: u64,
    pub start_period_ns: u64,
    pub start_interval_ns: u64,
    pub retries: u32,
}

/// Docker's four restart policies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicyName {
    #[default]
    No,
    Always,
    UnlessStopped,
    OnFailure,
}

/// A restart policy; `max_retries` only counts for `on-failure` (0 = no limit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartPolicy {
    pub name: RestartPolicyName,
    pub max_retries: u32,
}

impl FromStr for RestartPolicy {
    type Err = ContainerError;

    /// Parses `--restart`: `no`, `always`, `unless-stopped`, `on-failure[:N]` (and `""` = no).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ContainerError::InvalidRestartPolicy(s.to_string());
        let (name, max) = match s.split_once(':') {
            Some((n, m)) => (n, Some(m.parse::<u32>().map_err(|_| bad())?)),
            None => (s, None),
        };
        let name = match name {
            "" | "no" => RestartPolicyName::No,
            "always" => RestartPolicyName::Always,
            "unless-stopped" => RestartPolicyName::UnlessStopped,
            "on-failure" => RestartPolicyName::OnFailure,
            _ => return Err(bad()),
        };
        if max.is_some() && name != RestartPolicyName::OnFailure {
            return Err(bad());
        }
        Ok(RestartPolicy {
            name,
            max_retries: max.unwrap_or(0),
        })
    }
}

impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            RestartPolicyName::No => f.write_str("no"),
            RestartPolicyName::Always => f.write_str("always"),
            RestartPolicyName::UnlessStopped => f.write_str("unless-stopped"),
            RestartPolicyName::OnFailure if self.max_retries > 0 => {
                write!(f, "on-failure:{}", self.max_retries)
            }
            RestartPolicyName::OnFailure => f.write_str("on-failure"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_policies_parse_like_docker() {
        let p: RestartPolicy = "on-failure:3".parse().unwrap();
        assert_eq!(p.name, RestartPolicyName::OnFailure);
        assert_eq!(p.max_retries, 3);
        assert_eq!(p.to_string(), "on-failure:3");
        for s in ["no", "always", "unless-stopped", "on-failure"] {
            assert_eq!(s.parse::<RestartPolicy>().unwrap().to_string(), s);
        }
        assert_eq!(
            "".parse::<RestartPolicy>().unwrap().name,
            RestartPolicyName::No
        );
        for bad in ["sometimes", "always:3", "on-failure:x", "on-failure:-1"] {
            assert!(bad.parse::<RestartPolicy>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ulimits_parse_like_docker() {
        let u: Ulimit = "nofile=1024:2048".parse().unwrap();
        assert_eq!((u.name.as_str(), u.soft, u.hard), ("nofile", 1024, 2048));
        let u: Ulimit = "nproc=10".parse().unwrap();
        assert_eq!((u.soft, u.hard), (10, 10));
        for bad in ["nofile", "nofile=x", "=1", "nofile=2:1"] {
            assert!(bad.parse::<Ulimit>().is_err(), "{bad}");
        }
    }

    #[test]
    fn config_round_trips_through_json() {
        let mut c = ContainerConfig {
            id: "a".repeat(64),
            name: "web".into(),
            cmd: vec!["sh".into()],
            restart_policy: "on-failure:2".parse().unwrap(),
            created: Some(chrono::Utc::now()),
            ..Default::default()
        };
        c.labels.insert("k".into(), "v".into());
        let back: ContainerConfig =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }
}
