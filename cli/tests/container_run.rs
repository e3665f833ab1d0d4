//! `tug container …` end to end through the binary, as root: foreground and detached runs,
//! exit codes, logs, both stop paths (PID 1 ignoring SIGTERM is killed at once, PID 1
//! trapping it exits with its own code), `rm` and the repair of a container whose monitor was
//! killed. Every test checks that nothing is left: no mounts under its root, no tug cgroup
//! of its containers, no container or monitor process.

mod container_support;

use container_support::{alive, is_root, Root};
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn run_rm_prints_the_output_exits_zero_and_leaves_nothing() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let out = root.tug(&["container", "run", "--rm", "busybox", "echo", "hi"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
    assert_eq!(out.status.code(), Some(0));
    assert!(root.ids().is_empty(), "--rm left a container");
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    assert!(!mounts.contains(root.path().to_str().expect("utf-8")));
}

#[test]
fn exit_codes_follow_docker() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let out = root.tug(&[
        "container",
        "run",
        "--name",
        "three",
        "busybox",
        "sh",
        "-c",
        "exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(root.ok(&["ps", "-a"]).contains("Exited (3)"));
    assert_eq!(root.inspect("three")["State"]["ExitCode"], 3);
    let missing = root.tug(&["container", "run", "--rm", "busybox", "no-such-command"]);
    assert_eq!(missing.status.code(), Some(127));
    let no_image = root.tug(&["container", "run", "--rm", "no-such-image", "true"]);
    assert_eq!(no_image.status.code(), Some(125));
    let id = root.inspect("three")["Id"]
        .as_str()
        .expect("Id")
        .to_string();
    root.ok(&["container", "rm", "three"]);
    root.assert_gone(&id);
}

#[test]
fn detached_containers_log_and_stop_fast_or_gracefully() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let script = "echo started; trap '' TERM; sleep 100";
    let ign = root.ok(&[
        "container",
        "run",
        "-d",
        "--name",
        "ign",
        "busybox",
        "sh",
        "-c",
        script,
    ]);
    let ign = ign.trim().to_string();
    root.track(&ign);
    let script = "trap 'echo bye; exit 7' TERM; echo up; while true; do sleep 0.1; done";
    let gr = root.ok(&[
        "container",
        "run",
        "-d",
        "--name",
        "gr",
        "busybox",
        "sh",
        "-c",
        script,
    ]);
    let gr = gr.trim().to_string();
    root.track(&gr);

    let ps = root.ok(&["ps"]);
    assert!(
        ps.contains("ign") && ps.contains("gr") && ps.contains("Up"),
        "{ps}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !root.ok(&["container", "logs", "gr"]).contains("up") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(root.ok(&["container", "logs", "ign"]), "started\n");

    let t = Instant::now();
    root.ok(&["container", "stop", "ign"]);
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(root.inspect("ign")["State"]["ExitCode"], 137);

    let t = Instant::now();
    root.ok(&["container", "stop", "gr"]);
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    let state = root.inspect("gr")["State"].clone();
    assert_eq!(
        (state["ExitCode"].clone(), state["Running"].clone()),
        (7.into(), false.into())
    );
    assert_eq!(root.ok(&["container", "logs", "gr"]), "up\nbye\n");
    assert!(
        root.ok(&["ps"]).lines().count() == 1,
        "ps lists only the header"
    );

    root.ok(&["container", "rm", "ign", "gr"]);
    root.assert_gone(&ign);
    root.assert_gone(&gr);
}

#[test]
fn a_killed_monitor_is_repaired_and_rm_f_cleans_up() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = root.ok(&[
        "container",
        "run",
        "-d",
        "--name",
        "orphan",
        "busybox",
        "sleep",
        "100",
    ]);
    let id = id.trim().to_string();
    let (_, monitor) = root.track(&id);
    let st = Command::new("kill")
        .args(["-9", &monitor.to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(monitor) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let ps = root.ok(&["container", "ps", "-a"]);
    assert!(ps.contains("Exited (137)"), "{ps}");
    let refused = root.tug(&["container", "stop", "orphan"]);
    assert!(
        refused.status.success(),
        "stopping an exited container is fine"
    );
    root.ok(&["container", "rm", "-f", "orphan"]);
    root.assert_gone(&id);
}

#[test]
fn a_signal_to_a_foreground_run_reaches_the_container() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    use std::io::{BufRead, BufReader};
    let root = Root::new();
    let script = "trap 'echo int; exit 5' INT; echo up; while true; do sleep 0.1; done";
    let mut child = Command::new(env!("CARGO_BIN_EXE_tug"))
        .arg("--root")
        .arg(root.path())
        .args(["container", "run", "--rm", "busybox", "sh", "-c", script])
        .env_remove("TUG_ROOT")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn tug");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("read");
    assert_eq!(line, "up\n");
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
    line.clear();
    out.read_line(&mut line).expect("read");
    assert_eq!(line, "int\n");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(5));
    assert!(root.ids().is_empty(), "--rm removed the container");
}
