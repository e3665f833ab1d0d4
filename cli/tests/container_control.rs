//! `tug container restart`, `pause`/`unpause` and `port` end to end through the binary, as
//! root: restart gives a new init and keeps the container running, pause freezes the cgroup
//! and shows `(Paused)` in `ps`, unpause thaws it, `rm -f` removes a paused container.

mod container_support;

use container_support::{cgroup_bases, is_root, Root};

fn run_sleeper(root: &Root, name: &str) -> String {
    root.ok(&[
        "container",
        "run",
        "-d",
        "--name",
        name,
        "busybox",
        "sleep",
        "1000",
    ])
    .trim()
    .to_string()
}

#[test]
fn restart_starts_a_new_init_and_stays_running() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = run_sleeper(&root, "again");
    let (pid, _) = root.track(&id);
    let out = root.ok(&["container", "restart", "-t", "1", "again"]);
    assert_eq!(out, "again\n");
    let (new_pid, _) = root.track(&id);
    assert_ne!(pid, new_pid, "restart kept the old init");
    assert_eq!(root.inspect("again")["State"]["Status"], "running");
    // A stopped container is just started.
    root.ok(&["container", "stop", "-t", "1", "again"]);
    root.ok(&["container", "restart", "again"]);
    root.track(&id);
    assert_eq!(root.inspect("again")["State"]["Status"], "running");
    root.ok(&["container", "rm", "-f", "again"]);
    root.assert_gone(&id);
}

/// Whether the container's cgroup is frozen: v1 `freezer.state` or v2 `cgroup.freeze` (on a
/// hybrid host the group also exists in the cgroup2 tree, unfrozen there).
fn frozen(id: &str) -> bool {
    let mut found = false;
    for base in cgroup_bases() {
        let dir = base.join("tug").join(id);
        if let Ok(s) = std::fs::read_to_string(dir.join("freezer.state")) {
            found = true;
            if s.trim() == "FROZEN" {
                return true;
            }
        }
        if let Ok(s) = std::fs::read_to_string(dir.join("cgroup.freeze")) {
            found = true;
            if s.trim() == "1" {
                return true;
            }
        }
    }
    assert!(found, "no freezer file for {id}");
    false
}

#[test]
fn pause_freezes_and_unpause_thaws() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = run_sleeper(&root, "ice");
    root.track(&id);
    assert_eq!(root.ok(&["container", "pause", "ice"]), "ice\n");
    assert!(frozen(&id));
    assert_eq!(root.inspect("ice")["State"]["Status"], "paused");
    assert!(root.ok(&["ps"]).contains("(Paused)"));
    let again = root.tug(&["container", "pause", "ice"]);
    assert_eq!(again.status.code(), Some(1), "pausing twice must fail");
    root.ok(&["container", "unpause", "ice"]);
    assert!(!frozen(&id));
    assert_eq!(root.inspect("ice")["State"]["Status"], "running");
    let not_paused = root.tug(&["container", "unpause", "ice"]);
    assert_eq!(not_paused.status.code(), Some(1));
    // A paused container can still be stopped and force-removed: both thaw it first.
    root.ok(&["container", "pause", "ice"]);
    root.ok(&["container", "stop", "-t", "1", "ice"]);
    assert_eq!(root.inspect("ice")["State"]["Status"], "exited");
    root.ok(&["container", "start", "ice"]);
    root.track(&id);
    root.ok(&["container", "pause", "ice"]);
    root.ok(&["container", "rm", "-f", "ice"]);
    root.assert_gone(&id);
}

#[test]
fn port_prints_nothing_without_networks() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    root.ok(&["container", "create", "--name", "pp", "busybox", "true"]);
    assert_eq!(root.ok(&["container", "port", "pp"]), "");
    let one = root.tug(&["container", "port", "pp", "80"]);
    assert_eq!(one.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&one.stderr).contains("No public port '80/tcp'"));
}

#[test]
fn top_lists_the_processes_of_the_cgroup() {
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
            "--name",
            "tops",
            "busybox",
            "sh",
            "-c",
            "sleep 1000 & wait",
        ])
        .trim()
        .to_string();
    let (pid, _) = root.track(&id);
    let out = root.ok(&["container", "top", "tops"]);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().expect("header").split_whitespace().collect();
    assert_eq!(
        header,
        ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert_eq!(rows[0][0], "root");
    assert_eq!(rows[0][1], pid.to_string());
    assert_eq!(rows[0][7..].join(" "), "sh -c sleep 1000 & wait");
    assert_eq!(rows[1][2], pid.to_string(), "sleep's parent is the init");
    assert_eq!(rows[1][7..], ["sleep", "1000"]);
    root.ok(&["container", "stop", "-t", "1", "tops"]);
    let stopped = root.tug(&["container", "top", "tops"]);
    assert_ne!(stopped.status.code(), Some(0), "top of a stopped container");
    root.ok(&["container", "rm", "tops"]);
    root.assert_gone(&id);
}
