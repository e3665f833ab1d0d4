//! `tug container logs [-f] [--tail N] [-t] [--since T]`.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Result};
use chrono::Utc;
use clap::Args;
use engine::container::{ContainerStore, ProcProcesses};
use engine::monitor::log::{format_line, parse_since, read_log, LogEntry, ReadOptions, Stream};

/// `logs` flags, as in `docker logs`.
#[derive(Debug, Args, Clone)]
pub struct LogsArgs {
    /// Follow log output.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Number of lines to show from the end of the logs ("all" for all).
    #[arg(short = 'n', long, default_value = "all")]
    pub tail: String,
    /// Show timestamps.
    #[arg(short = 't', long)]
    pub timestamps: bool,
    /// Show logs since a timestamp or relative time (e.g. 42m).
    #[arg(long)]
    pub since: Option<String>,
    /// Container name or id.
    pub container: String,
}

pub fn run(root: &Path, args: &LogsArgs) -> Result<i32> {
    let store = ContainerStore::open(root)?;
    store.refresh(&ProcProcesses)?;
    let c = store.lookup(&args.container)?;
    let tail = match args.tail.as_str() {
        "all" | "" => None,
        n => match n.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n as usize),
            Ok(_) => None,
            Err(_) => bail!("invalid value for --tail: {n:?}"),
        },
    };
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, Utc::now()))
        .transpose()?;
    let (entries, mut follower) = read_log(&c.log_path(), ReadOptions { tail, since })?;
    print(&entries, args.timestamps);
    if !args.follow {
        return Ok(0);
    }
    loop {
        let state = store.load(&c.config.id)?.state;
        print(&follower.poll()?, args.timestamps);
        if !state.status.has_monitor() {
            return Ok(0);
        }
        std::thread::sleep(Duration::from_millis(50));
        store.refresh(&ProcProcesses)?;
    }
}

fn print(entries: &[LogEntry], timestamps: bool) {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    for e in entries {
        let line = format_line(e, timestamps);
        let _ = match e.stream {
            Stream::Stdout => out.write_all(line.as_bytes()),
            Stream::Stderr => err.write_all(line.as_bytes()),
        };
    }
    let _ = out.flush();
}
