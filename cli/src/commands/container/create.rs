//! `tug container create` and `run`: docker's flags turned into the engine's
//! [`CreateOptions`].

use anyhow::{bail, Context, Result};
use clap::Args;
use engine::container::{Limits, RestartPolicy, Security, Ulimit};
use engine::lifecycle::CreateOptions;

/// The flags `create` and `run` share, as in docker.
#[derive(Debug, Args, Clone, Default)]
pub struct CreateArgs {
    /// Assign a name to the container.
    #[arg(long)]
    pub name: Option<String>,
    /// Set environment variables (KEY=VALUE, or KEY to take it from this environment).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Working directory inside the container.
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    pub workdir: Option<String>,
    /// Username or UID (format: <name|uid>[:<group|gid>]).
    #[arg(short = 'u', long = "user")]
    pub user: Option<String>,
    /// Overwrite the default ENTRYPOINT of the image.
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Container host name.
    #[arg(long)]
    pub hostname: Option<String>,
    /// Restart policy: no, always, unless-stopped, on-failure[:max-retries].
    #[arg(long, default_value = "no")]
    pub restart: String,
    /// Memory limit (e.g. 64m, 1g).
    #[arg(short = 'm', long)]
    pub memory: Option<String>,
    /// Tune container pids limit (-1 for unlimited).
    #[arg(long = "pids-limit")]
    pub pids_limit: Option<i64>,
    /// Signal to stop the container.
    #[arg(long = "stop-signal")]
    pub stop_signal: Option<String>,
    /// Timeout (in seconds) to stop a container.
    #[arg(long = "stop-timeout")]
    pub stop_timeout: Option<u32>,
    /// Set meta data on a container (KEY=VALUE).
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Resource and security flags, boxed to keep the command enum small.
    #[command(flatten)]
    pub host: Box<HostArgs>,
    /// Healthcheck flags.
    #[command(flatten)]
    pub health: Box<super::health_flags::HealthArgs>,
    /// The image to run.
    pub image: String,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// The resource and security flags of `create`/`run` (docker's `HostConfig` part).
#[derive(Debug, Args, Clone, Default)]
pub struct HostArgs {
    /// Number of CPUs (e.g. 0.5).
    #[arg(long)]
    pub cpus: Option<f64>,
    /// CPU shares (relative weight).
    #[arg(short = 'c', long = "cpu-shares")]
    pub cpu_shares: Option<u64>,
    /// CPUs in which to allow execution (0-3, 0,1).
    #[arg(long = "cpuset-cpus")]
    pub cpuset_cpus: Option<String>,
    /// Swap limit equal to memory plus swap: '-1' to enable unlimited swap.
    #[arg(long = "memory-swap", allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// Ulimit options (name=soft[:hard]).
    #[arg(long = "ulimit", value_name = "ULIMIT")]
    pub ulimits: Vec<String>,
    /// Add Linux capabilities.
    #[arg(long = "cap-add")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities.
    #[arg(long = "cap-drop")]
    pub cap_drop: Vec<String>,
    /// Give extended privileges to this container.
    #[arg(long)]
    pub privileged: bool,
    /// Mount the container's root filesystem as read only.
    #[arg(long = "read-only")]
    pub read_only: bool,
    /// Security options (no-new-privileges, seccomp=unconfined).
    #[arg(long = "security-opt")]
    pub security_opt: Vec<String>,
    /// Size of /dev/shm (e.g. 64m).
    #[arg(long = "shm-size")]
    pub shm_size: Option<String>,
    /// Mount a tmpfs directory (/path[:options]).
    #[arg(long = "tmpfs", value_name = "PATH")]
    pub tmpfs: Vec<String>,
    /// Run an init inside the container that forwards signals and reaps processes.
    #[arg(long)]
    pub init: bool,
}

/// Parses docker's memory sizes: `512`, `100k`, `64m`, `1g` (1024-based, `b` optional).
pub fn parse_memory(s: &str) -> Result<u64> {
    let lower = s.trim().to_ascii_lowercase();
    let lower = lower.strip_suffix('b').unwrap_or(&lower);
    let (digits, mult) = match lower.chars().last() {
        Some('k') => (&lower[..lower.len() - 1], 1u64 << 10),
        Some('m') => (&lower[..lower.len() - 1], 1 << 20),
        Some('g') => (&lower[..lower.len() - 1], 1 << 30),
        _ => (lower, 1),
    };
    let n: u64 = digits
        .parse()
        .with_context(|| format!("invalid memory size {s:?}"))?;
    n.checked_mul(mult)
        .filter(|&v| v > 0)
        .with_context(|| format!("invalid memory size {s:?}"))
}

/// Parses `--memory-swap`: a size, or `-1` for unlimited swap.
fn parse_swap(s: &str) -> Result<i64> {
    if s.trim() == "-1" {
        return Ok(-1);
    }
    i64::try_from(parse_memory(s)?).with_context(|| format!("invalid memory size {s:?}"))
}

/// Converts `--cpus` to docker's nano CPUs, rejecting what docker rejects.
fn nano_cpus(cpus: f64) -> Result<u64> {
    let n = cpus * 1e9;
    if !n.is_finite() || n < 1e7 {
        bail!("invalid --cpus {cpus}: must be at least 0.01");
    }
    Ok(n.round() as u64)
}

impl HostArgs {
    /// `--cap-add`, `--privileged`, `--read-only`, `--security-opt`, `--ulimit`, `--shm-size`.
    fn security(&self) -> Result<Security> {
        let mut sec = Security {
            cap_add: self.cap_add.clone(),
            cap_drop: self.cap_drop.clone(),
            privileged: self.privileged,
            read_only: self.read_only,
            shm_size: self.shm_size.as_deref().map(parse_memory).transpose()?,
            tmpfs: self.tmpfs.clone(),
            init: self.init,
            ..Security::default()
        };
        if let Some(bad) = self.tmpfs.iter().find(|t| !t.starts_with('/')) {
            bail!("invalid --tmpfs {bad:?}: the path must be absolute");
        }
        for u in &self.ulimits {
            sec.ulimits.push(u.parse::<Ulimit>()?);
        }
        for opt in &self.security_opt {
            let (key, value) = opt.split_once(['=', ':']).unwrap_or((opt, "true"));
            match (key, value) {
                ("no-new-privileges", "true") => sec.no_new_privileges = true,
                ("no-new-privileges", "false") => sec.no_new_privileges = false,
                ("seccomp", "unconfined") => sec.seccomp_unconfined = true,
                _ => bail!("invalid --security-opt {opt:?}: tug supports no-new-privileges and seccomp=unconfined"),
            }
        }
        Ok(sec)
    }
}

impl CreateArgs {
    /// The engine's options for these flags.
    pub fn options(&self) -> Result<CreateOptions> {
        let mut labels = std::collections::BTreeMap::new();
        for l in &self.labels {
            let (k, v) = l.split_once('=').unwrap_or((l, ""));
            labels.insert(k.to_string(), v.to_string());
        }
        let mut env = Vec::new();
        for e in &self.env {
            if e.contains('=') {
                env.push(e.clone());
            } else if let Ok(v) = std::env::var(e) {
                env.push(format!("{e}={v}"));
            }
        }
        let restart_policy: RestartPolicy = self.restart.parse()?;
        if self.image.is_empty() {
            bail!("image name cannot be empty");
        }
        Ok(CreateOptions {
            image: self.image.clone(),
            name: self.name.clone().unwrap_or_default(),
            entrypoint: self.entrypoint.clone(),
            cmd: self.command.clone(),
            env,
            working_dir: self.workdir.clone().unwrap_or_default(),
            user: self.user.clone().unwrap_or_default(),
            hostname: self.hostname.clone().unwrap_or_default(),
            labels,
            restart_policy,
            stop_signal: self.stop_signal.clone().unwrap_or_default(),
            stop_timeout: self.stop_timeout,
            limits: Limits {
                memory_bytes: self.memory.as_deref().map(parse_memory).transpose()?,
                nano_cpus: self.host.cpus.map(nano_cpus).transpose()?,
                pids: self.pids_limit,
                memory_swap: self
                    .host
                    .memory_swap
                    .as_deref()
                    .map(parse_swap)
                    .transpose()?,
                cpu_shares: self.host.cpu_shares,
                cpuset_cpus: self.host.cpuset_cpus.clone(),
            },
            security: self.host.security()?,
            auto_remove: false,
            healthcheck: self.health.config()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_are_1024_based() {
        assert_eq!(parse_memory("64m").expect("64m"), 64 << 20);
        assert_eq!(parse_memory("1g").expect("1g"), 1 << 30);
        assert_eq!(parse_memory("512").expect("512"), 512);
        assert!(parse_memory("lots").is_err());
    }

    #[test]
    fn cpus_and_swap_follow_docker() {
        assert_eq!(nano_cpus(0.5).expect("0.5"), 500_000_000);
        assert!(nano_cpus(0.0).is_err());
        assert_eq!(parse_swap("-1").expect("-1"), -1);
        assert_eq!(parse_swap("128m").expect("128m"), 128 << 20);
    }

    #[test]
    fn security_opts_are_parsed() {
        let args = HostArgs {
            security_opt: vec!["no-new-privileges".into()],
            ulimits: vec!["nofile=1024:2048".into()],
            shm_size: Some("1m".into()),
            ..HostArgs::default()
        };
        let sec = args.security().expect("security");
        assert!(sec.no_new_privileges);
        assert_eq!(sec.ulimits[0].soft, 1024);
        assert_eq!(sec.shm_size, Some(1 << 20));
        let bad = HostArgs {
            security_opt: vec!["apparmor=x".into()],
            ..HostArgs::default()
        };
        assert!(bad.security().is_err());
    }
}
