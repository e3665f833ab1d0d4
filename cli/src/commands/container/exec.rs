//! `tug container exec` and `tug exec`: runs one more process in a running container, with
//! docker's flags and exit codes. The work is in [`exec`], which compose's `exec SERVICE`
//! can call with its own container. The runtime forks from this process, so nothing before
//! it may start a thread (clap and the tracing subscriber do not; the runtime checks).

use anyhow::{Context, Result};
use clap::Args;
use engine::monitor::process::{exec_target, ExecTargetError};
use engine::runtime::linux::exec::{exec as exec_in, ExecSpec};
use engine::runtime::linux::pty::{copy_window_size, pump, RawMode};
use engine::runtime::linux::Stdio;
use std::io::IsTerminal;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

/// `exec` flags, as docker's.
#[derive(Debug, Args, Clone)]
pub struct ExecArgs {
    /// Detached mode: run the command in the background.
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Keep STDIN open.
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY.
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Set environment variables (`KEY=VALUE`, or `KEY` to pass this one's value).
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
    /// Username or UID (format: `<name|uid>[:<group|gid>]`).
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    /// Working directory inside the container.
    #[arg(short = 'w', long = "workdir")]
    pub workdir: Option<String>,
    /// Container name or id.
    pub container: String,
    /// The command and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// What to exec, independent of the command line that asked for it.
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    /// Don't wait; output is discarded.
    pub detach: bool,
    /// Attach this process's stdin.
    pub interactive: bool,
    /// Run on a pty.
    pub tty: bool,
    /// `KEY=VALUE` (or `KEY`) settings added to the container's env.
    pub env: Vec<String>,
    /// Overrides the container's user.
    pub user: Option<String>,
    /// Overrides the container's working directory.
    pub workdir: Option<String>,
    /// The command.
    pub command: Vec<String>,
}

impl From<&ExecArgs> for ExecRequest {
    fn from(a: &ExecArgs) -> ExecRequest {
        ExecRequest {
            detach: a.detach,
            interactive: a.interactive,
            tty: a.tty,
            env: a.env.clone(),
            user: a.user.clone(),
            workdir: a.workdir.clone(),
            command: a.command.clone(),
        }
    }
}

/// `tug exec` / `tug container exec`: returns the process exit code.
pub fn run(root: &Path, args: &ExecArgs) -> Result<i32> {
    exec(root, &args.container, &ExecRequest::from(args))
}

/// Runs `req` in `container` and returns docker's exit code: the command's, 126/127 when it
/// cannot be run, 125 for a runtime failure, 1 when the container is not running.
pub fn exec(root: &Path, container: &str, req: &ExecRequest) -> Result<i32> {
    let tty = req.tty && !req.detach;
    if tty && req.interactive && !std::io::stdin().is_terminal() {
        eprintln!("the input device is not a TTY");
        return Ok(1);
    }
    let target = match exec_target(root, container) {
        Ok(t) => t,
        Err(e @ ExecTargetError::NotRunning(_)) | Err(e @ ExecTargetError::Container(_)) => {
            eprintln!("Error response from daemon: {e}");
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    let mut spec = ExecSpec::for_container(&target.spec, req.command.clone());
    spec.env = merge_env(spec.env, &req.env, |k| std::env::var(k).ok());
    if let Some(user) = &req.user {
        spec.user = user.clone();
    }
    if let Some(dir) = &req.workdir {
        spec.cwd = dir.clone();
    }
    spec.tty = tty;
    let stdio = if req.detach {
        Stdio {
            stdin: Some(dev_null()?),
            stdout: Some(dev_null()?),
            stderr: Some(dev_null()?),
        }
    } else {
        Stdio {
            stdin: if req.interactive {
                None
            } else {
                Some(dev_null()?)
            },
            stdout: None,
            stderr: None,
        }
    };
    let mut process = match exec_in(target.init, &spec, stdio) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("OCI runtime exec failed: {e}");
            return Ok(e.exit_code());
        }
    };
    if req.detach {
        return Ok(0);
    }
    if let Some(master) = process.take_master() {
        serve_tty(&master, req.interactive)?;
    }
    Ok(process.wait()?)
}

/// Copies the terminal to the pty and back until the process closes it.
fn serve_tty(master: &OwnedFd, interactive: bool) -> Result<()> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    if !copy_window_size(stdin.as_fd(), master.as_fd())? {
        copy_window_size(stdout.as_fd(), master.as_fd())?;
    }
    let null = dev_null()?;
    let input = if interactive {
        stdin.as_fd()
    } else {
        null.as_fd()
    };
    let _raw = if interactive {
        RawMode::enter(stdin.as_fd())?
    } else {
        None
    };
    pump(master.as_fd(), input, stdout.as_fd())?;
    Ok(())
}

fn dev_null() -> Result<OwnedFd> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .context("opening /dev/null")?;
    Ok(OwnedFd::from(f))
}

/// The container's env with `-e` settings on top: `KEY=VALUE` replaces `KEY`, a bare `KEY`
/// takes `lookup(KEY)` and is dropped when that is unset, as docker does.
pub fn merge_env(
    mut base: Vec<String>,
    overrides: &[String],
    lookup: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    for o in overrides {
        let setting = match o.split_once('=') {
            Some(_) => o.clone(),
            None => match lookup(o) {
                Some(v) => format!("{o}={v}"),
                None => continue,
            },
        };
        let key = setting.split_once('=').map_or("", |(k, _)| k).to_string();
        base.retain(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k) != key);
        base.push(setting);
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_replace_keys_and_bare_keys_come_from_the_caller() {
        let base = vec!["PATH=/bin".to_string(), "X=0".to_string()];
        let got = merge_env(base, &["X=1".into(), "HOST".into(), "UNSET".into()], |k| {
            (k == "HOST").then(|| "h".to_string())
        });
        assert_eq!(got, ["PATH=/bin", "X=1", "HOST=h"]);
    }
}
