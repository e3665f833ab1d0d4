//! `tug container create` and `run`: docker's flags turned into the engine's
//! [`CreateOptions`].

use anyhow::{bail, Context, Result};
use clap::Args;
use engine::container::{Limits, RestartPolicy};
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
    /// The image to run.
    pub image: String,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
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
                nano_cpus: None,
                pids: self.pids_limit,
            },
            auto_remove: false,
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
}
