//! `tug ps` / `tug container ls`: docker's container table.

use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::Args;
use engine::container::{Container, ContainerStore, Filters, HealthStatus, ProcProcesses, Status};

/// `ps` flags, as in `docker ps`.
#[derive(Debug, Args, Clone, Default)]
pub struct PsArgs {
    /// Show all containers (default shows just running).
    #[arg(short, long)]
    pub all: bool,
    /// Only display container IDs.
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't truncate output.
    #[arg(long)]
    pub no_trunc: bool,
    /// Filter output: id, name, label, status (repeatable). No `-f`: the global
    /// `-f FILE` (compose files) takes it.
    #[arg(long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
}

pub fn run(root: &Path, args: &PsArgs) -> Result<i32> {
    let store = ContainerStore::open(root)?;
    store.refresh(&ProcProcesses)?;
    let filters = Filters::parse(&args.filters)?;
    let mut list = store.list(&filters)?;
    // A status filter shows what it names, as `docker ps --filter status=exited` does.
    let any_status = args.filters.iter().any(|f| f.starts_with("status="));
    list.retain(|c| args.all || any_status || c.state.status.has_monitor());
    list.reverse(); // newest first, as docker
    let now = Utc::now();
    let short = |id: &str| {
        if args.no_trunc {
            id.to_string()
        } else {
            id.chars().take(12).collect()
        }
    };
    if args.quiet {
        for c in &list {
            println!("{}", short(&c.config.id));
        }
        return Ok(0);
    }
    let mut rows = vec![[
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ]
    .map(String::from)];
    for c in &list {
        rows.push([
            short(&c.config.id),
            c.config.image_ref.clone(),
            command(c, args.no_trunc),
            c.config
                .created
                .map_or_else(String::new, |t| format!("{} ago", ago(now, t))),
            status(c, now),
            String::new(),
            c.config.name.clone(),
        ]);
    }
    print!("{}", crate::table::render(&rows, 0, 3));
    Ok(0)
}

/// The quoted command, truncated to 20 characters as docker does.
fn command(c: &Container, full: bool) -> String {
    let mut parts = c.config.entrypoint.clone();
    parts.extend(c.config.cmd.iter().cloned());
    let cmd = parts.join(" ");
    if full || cmd.chars().count() <= 20 {
        format!("\"{cmd}\"")
    } else {
        format!("\"{}…\"", cmd.chars().take(19).collect::<String>())
    }
}

/// Docker's status column: `Up 5 seconds`, `Exited (0) 3 minutes ago`, `Created`.
pub fn status(c: &Container, now: DateTime<Utc>) -> String {
    let s = &c.state;
    match s.status {
        Status::Running => {
            let up = s
                .started_at
                .map_or_else(|| "Up".into(), |t| format!("Up {}", ago(now, t)));
            match s.health.as_ref().map(|h| h.status) {
                Some(HealthStatus::Starting) => format!("{up} (health: starting)"),
                Some(h) => format!("{up} ({h})"),
                None => up,
            }
        }
        Status::Paused => "Up (Paused)".into(),
        Status::Restarting => format!("Restarting ({})", s.exit_code),
        Status::Exited => s.finished_at.map_or_else(
            || format!("Exited ({})", s.exit_code),
            |t| format!("Exited ({}) {} ago", s.exit_code, ago(now, t)),
        ),
        Status::Created => "Created".into(),
        Status::Dead => "Dead".into(),
    }
}

/// Go's `units.HumanDuration`, as docker prints ages.
fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0 => "Less than a second".into(),
        1 => "1 second".into(),
        s if s < 60 => format!("{s} seconds"),
        s if s < 120 => "About a minute".into(),
        s if s < 3600 => format!("{} minutes", s / 60),
        s if s < 7200 => "About an hour".into(),
        s if s < 48 * 3600 => format!("{} hours", s / 3600),
        s => format!("{} days", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_docker() {
        let now = Utc::now();
        assert_eq!(ago(now, now - chrono::Duration::seconds(5)), "5 seconds");
        assert_eq!(
            ago(now, now - chrono::Duration::seconds(90)),
            "About a minute"
        );
        assert_eq!(ago(now, now - chrono::Duration::hours(3)), "3 hours");
    }
}
