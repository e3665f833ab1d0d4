//! `tug container inspect`: docker-like JSON (the fields tug knows).

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use engine::container::{Container, ContainerStore, ProcProcesses, Status};
use serde_json::{json, Value};

pub fn run(root: &Path, queries: &[String]) -> Result<i32> {
    let store = ContainerStore::open(root)?;
    store.refresh(&ProcProcesses)?;
    let mut out = Vec::new();
    let mut failed = false;
    for q in queries {
        match store.lookup(q) {
            Ok(c) => out.push(inspect_value(&c)),
            Err(e) => {
                eprintln!("Error: No such container: {q} ({e})");
                failed = true;
            }
        }
    }
    let text = serde_json::to_string_pretty(&Value::Array(out))?;
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    Ok(i32::from(failed))
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "0001-01-01T00:00:00Z".into(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
    )
}

/// Docker's inspect object for `c`.
pub fn inspect_value(c: &Container) -> Value {
    let (cfg, s) = (&c.config, &c.state);
    json!({
        "Id": cfg.id,
        "Created": time(cfg.created),
        "Path": cfg.entrypoint.first().or(cfg.cmd.first()).cloned().unwrap_or_default(),
        "Args": cfg.entrypoint.iter().chain(cfg.cmd.iter()).skip(1).collect::<Vec<_>>(),
        "State": {
            "Status": s.status.to_string(),
            "Running": s.status == Status::Running,
            "Paused": s.status == Status::Paused,
            "Restarting": s.status == Status::Restarting,
            "OOMKilled": s.oom_killed,
            "Dead": s.status == Status::Dead,
            "Pid": s.pid,
            "ExitCode": s.exit_code,
            "Error": s.error,
            "StartedAt": time(s.started_at),
            "FinishedAt": time(s.finished_at),
            "Health": s.health.as_ref().map(|h| json!({
                "Status": h.status.to_string(),
                "FailingStreak": h.failing_streak,
                "Log": h.log.iter().map(|l| json!({
                    "Start": time(l.start),
                    "End": time(l.end),
                    "ExitCode": l.exit_code,
                    "Output": l.output,
                })).collect::<Vec<_>>(),
            })),
        },
        "Image": format!("sha256:{}", cfg.image_id),
        "LogPath": c.log_path(),
        "Name": format!("/{}", cfg.name),
        "RestartCount": s.restart_count,
        "HostConfig": {
            "RestartPolicy": {
                "Name": serde_json::to_value(cfg.restart_policy.name).unwrap_or(Value::Null),
                "MaximumRetryCount": cfg.restart_policy.max_retries,
            },
            "Memory": cfg.limits.memory_bytes.unwrap_or(0),
            "PidsLimit": cfg.limits.pids,
        },
        "Config": {
            "Hostname": if cfg.hostname.is_empty() { cfg.id.chars().take(12).collect() } else { cfg.hostname.clone() },
            "User": cfg.user,
            "Env": cfg.env,
            "Cmd": cfg.cmd,
            "Image": cfg.image_ref,
            "WorkingDir": cfg.working_dir,
            "Entrypoint": if cfg.entrypoint.is_empty() { Value::Null } else { json!(cfg.entrypoint) },
            "Labels": cfg.labels,
            "StopSignal": cfg.stop_signal,
            "StopTimeout": cfg.stop_timeout,
            "Healthcheck": cfg.healthcheck.as_ref().map(|h| json!({
                "Test": h.test,
                "Interval": h.interval_ns,
                "Timeout": h.timeout_ns,
                "StartPeriod": h.start_period_ns,
                "StartInterval": h.start_interval_ns,
                "Retries": h.retries,
            })),
        },
    })
}
