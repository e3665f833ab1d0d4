//! The rest of the container lifecycle through the binary, as root: restart policies,
//! `start` of an exited container, `kill` and `wait`, `run -d --rm`, and `logs --tail/-t`.

mod container_support;

use container_support::{is_root, Root};
use std::time::{Duration, Instant};

#[test]
fn on_failure_restarts_up_to_its_limit_and_start_runs_again() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let args = [
        "container",
        "run",
        "-d",
        "--name",
        "rs",
        "--restart",
        "on-failure:2",
    ];
    let id = root.ok(&[&args[..], &["busybox", "sh", "-c", "echo run; exit 1"]].concat());
    let id = id.trim().to_string();
    assert_eq!(root.ok(&["container", "wait", "rs"]).trim(), "1");
    let c = root.inspect("rs");
    assert_eq!(c["RestartCount"], 2);
    assert_eq!(root.ok(&["container", "logs", "rs"]), "run\nrun\nrun\n");

    root.ok(&["container", "start", "rs"]);
    assert_eq!(root.ok(&["container", "wait", "rs"]).trim(), "1");
    assert_eq!(
        root.ok(&["container", "logs", "--tail", "1", "rs"]),
        "run\n"
    );
    assert_eq!(root.ok(&["container", "logs", "rs"]).lines().count(), 6);
    root.ok(&["container", "rm", "rs"]);
    root.assert_gone(&id);
}

#[test]
fn kill_sends_the_signal_and_wait_prints_the_code() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let script = "trap 'exit 42' USR1; echo up; while true; do sleep 0.1; done";
    let id = root.ok(&[
        "container",
        "run",
        "-d",
        "--name",
        "kk",
        "busybox",
        "sh",
        "-c",
        script,
    ]);
    let id = id.trim().to_string();
    root.track(&id);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !root.ok(&["container", "logs", "kk"]).contains("up") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    root.ok(&["container", "kill", "-s", "USR1", "kk"]);
    assert_eq!(root.ok(&["container", "wait", "kk"]).trim(), "42");
    let again = root.tug(&["container", "kill", "kk"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not running"));
    let missing = root.tug(&["container", "rm", "nope"]);
    assert_eq!(missing.status.code(), Some(1));

    // SIGKILL is a manual stop: `always` does not bring the container back.
    let args = [
        "container",
        "run",
        "-d",
        "--name",
        "ka",
        "--restart",
        "always",
    ];
    let always = root.ok(&[&args[..], &["busybox", "sleep", "100"]].concat());
    let always = always.trim().to_string();
    root.track(&always);
    root.ok(&["container", "kill", "ka"]);
    assert_eq!(root.ok(&["container", "wait", "ka"]).trim(), "137");
    let state = root.inspect("ka")["State"].clone();
    assert_eq!(
        state["Status"], "exited",
        "a killed container is not restarted"
    );
    root.ok(&["container", "rm", "kk", "ka"]);
    root.assert_gone(&id);
    root.assert_gone(&always);
}

#[test]
fn rm_refuses_a_running_container_unless_forced() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = root.ok(&[
        "container",
        "run",
        "-d",
        "-l",
        "team=a",
        "--name",
        "busy",
        "busybox",
        "sleep",
        "100",
    ]);
    let id = id.trim().to_string();
    root.track(&id);
    let ps = root.ok(&["ps", "-q", "--filter", "label=team=a"]);
    assert_eq!(ps.trim(), &id[..12]);
    assert!(root
        .ok(&["ps", "-q", "--filter", "label=team=b"])
        .is_empty());
    let exited = root.ok(&["ps", "-q", "--filter", "status=exited"]);
    assert!(exited.is_empty(), "{exited}");
    let refused = root.tug(&["container", "rm", "busy"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("container is running"));
    root.ok(&["container", "rm", "-f", "busy"]);
    root.assert_gone(&id);
}

#[test]
fn detached_rm_removes_the_container_when_it_exits() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = root.ok(&[
        "container",
        "run",
        "-d",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "sleep 0.2",
    ]);
    let id = id.trim().to_string();
    root.track(&id);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !root.ids().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(root.ids().is_empty(), "the monitor removed the container");
    root.assert_gone(&id);
}

#[test]
fn logs_show_timestamps_and_stderr() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let out = root.tug(&[
        "container",
        "run",
        "--name",
        "lg",
        "busybox",
        "sh",
        "-c",
        "echo out; echo err >&2",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");
    let logs = root.tug(&["container", "logs", "-t", "lg"]);
    let stdout = String::from_utf8_lossy(&logs.stdout);
    let (stamp, text) = stdout.trim_end().split_once(' ').expect("a timestamp");
    assert!(
        chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
        "{stamp}"
    );
    assert_eq!(text, "out");
    assert_eq!(
        String::from_utf8_lossy(&logs.stderr)
            .split_once(' ')
            .map(|x| x.1),
        Some("err\n")
    );
    let id = root.inspect("lg")["Id"].as_str().expect("Id").to_string();
    root.ok(&["container", "rm", "lg"]);
    root.assert_gone(&id);
}

#[test]
fn stop_time_bounds_the_grace_period_of_a_pid1_that_catches_but_stays() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let script = "trap 'echo got' TERM; echo up; while true; do sleep 0.1; done";
    let id = root.ok(&[
        "container",
        "run",
        "-d",
        "--name",
        "stay",
        "busybox",
        "sh",
        "-c",
        script,
    ]);
    let id = id.trim().to_string();
    root.track(&id);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !root.ok(&["container", "logs", "stay"]).contains("up") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let t = Instant::now();
    root.ok(&["container", "stop", "-t", "1", "stay"]);
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "took {took:?}"
    );
    assert_eq!(root.inspect("stay")["State"]["ExitCode"], 137);
    assert_eq!(root.ok(&["container", "logs", "stay"]), "up\ngot\n");
    root.ok(&["container", "rm", "stay"]);
    root.assert_gone(&id);
}

#[test]
fn memory_limit_oom_kill_is_reported_like_docker() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let hog = "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived";
    let out = root.tug(&[
        "container",
        "run",
        "--name",
        "hog",
        "--memory",
        "16m",
        "busybox",
        "sh",
        "-c",
        hog,
    ]);
    assert_eq!(out.status.code(), Some(137));
    let state = root.inspect("hog")["State"].clone();
    assert_eq!(
        (state["OOMKilled"].clone(), state["ExitCode"].clone()),
        (true.into(), 137.into())
    );
    let id = root.inspect("hog")["Id"].as_str().expect("Id").to_string();
    root.ok(&["container", "rm", "hog"]);
    root.assert_gone(&id);
}
