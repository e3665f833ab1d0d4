//! `tug container run --init` end to end through the binary, as root: the command is not
//! PID 1, its exit code (or 128 + the killing signal) becomes the container's, `stop`'s
//! SIGTERM is forwarded to the command, and orphaned zombies are reaped.

mod container_support;

use container_support::{is_root, Root};
use std::time::{Duration, Instant};

/// Runs `sh -c script` in a named `--init` container; returns its exit code and stdout.
fn run_init(root: &Root, name: &str, script: &str) -> (Option<i32>, String) {
    let out = root.tug(&[
        "container",
        "run",
        "--init",
        "--name",
        name,
        "busybox",
        "sh",
        "-c",
        script,
    ]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn remove(root: &Root, name: &str) {
    let id = root.inspect(name)["Id"].as_str().expect("Id").to_string();
    root.ok(&["container", "rm", "-f", name]);
    root.assert_gone(&id);
}

#[test]
fn the_command_is_not_pid_1_and_its_exit_code_is_kept() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let (code, out) = run_init(&root, "pid", "echo $$; ps -o pid");
    assert_eq!(code, Some(0), "output: {out}");
    let mut lines = out.lines();
    let own: i32 = lines.next().expect("pid line").trim().parse().expect("pid");
    assert!(own >= 2, "the command is PID {own}");
    assert!(
        lines.any(|l| l.trim() == "1"),
        "ps shows no PID 1 besides the command: {out}"
    );
    remove(&root, "pid");

    let (code, _) = run_init(&root, "three", "exit 3");
    assert_eq!(code, Some(3));
    assert_eq!(root.inspect("three")["State"]["ExitCode"], 3);
    remove(&root, "three");

    // An exec failure still reaches the monitor through the error pipe, without hanging.
    let out = root.tug(&[
        "container",
        "run",
        "--init",
        "--rm",
        "busybox",
        "no-such-command",
    ]);
    assert_eq!(out.status.code(), Some(127));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-command"), "stderr: {err}");
}

#[test]
fn stop_forwards_sigterm_to_the_command() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = root
        .ok(&[
            "container",
            "run",
            "-d",
            "--init",
            "--name",
            "term",
            "busybox",
            "sleep",
            "1000",
        ])
        .trim()
        .to_string();
    root.track(&id);
    let started = Instant::now();
    root.ok(&["container", "stop", "-t", "10", "term"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop waited {:?}: SIGTERM was not forwarded",
        started.elapsed()
    );
    assert_eq!(root.inspect("term")["State"]["ExitCode"], 143);
    root.ok(&["container", "rm", "term"]);
    root.assert_gone(&id);
}

#[test]
fn orphaned_zombies_are_reaped() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let (code, out) = run_init(&root, "zombie", "(sleep 0 &) ; sleep 1; ps -o stat,pid");
    assert_eq!(code, Some(0), "output: {out}");
    assert!(out.contains("STAT"), "no ps output: {out}");
    assert!(
        !out.lines().skip(1).any(|l| l.trim_start().starts_with('Z')),
        "a zombie is left: {out}"
    );
    remove(&root, "zombie");
}
