//! Healthchecks run by the monitor, end to end through the binary, as root: a passing check
//! makes the container healthy, a failing one unhealthy after its retries, `inspect` shows
//! the status, streak and log, `ps` shows the status, and a restart starts over.

mod container_support;

use container_support::{is_root, Root};
use std::time::{Duration, Instant};

/// Waits up to 20 s for `State.Health.Status` of `name` to be `want`; returns the inspect.
fn wait_health(root: &Root, name: &str, want: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = root.inspect(name);
        if v["State"]["Health"]["Status"] == want {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{name} never became {want}: {}",
            v["State"]
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run_with_check(root: &Root, name: &str, check: &str) -> String {
    let id = root
        .ok(&[
            "container",
            "run",
            "-d",
            "--name",
            name,
            "--health-cmd",
            check,
            "--health-interval",
            "300ms",
            "--health-retries",
            "2",
            "busybox",
            "sleep",
            "1000",
        ])
        .trim()
        .to_string();
    root.track(&id);
    id
}

#[test]
fn a_passing_check_makes_the_container_healthy() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = run_with_check(&root, "h1", "echo ok; test -d /tmp");
    let first = root.inspect("h1");
    assert_eq!(first["Config"]["Healthcheck"]["Test"][0], "CMD-SHELL");
    let v = wait_health(&root, "h1", "healthy");
    let h = &v["State"]["Health"];
    assert_eq!(h["FailingStreak"], 0);
    let log = h["Log"].as_array().expect("log");
    assert_eq!(log.last().expect("an entry")["ExitCode"], 0);
    assert_eq!(log.last().expect("an entry")["Output"], "ok\n");
    let ps = root.ok(&["ps", "--filter", "name=h1"]);
    assert!(ps.contains("(healthy)"), "{ps}");
    root.ok(&["container", "rm", "-f", "h1"]);
    root.assert_gone(&id);
}

#[test]
fn a_failing_check_makes_it_unhealthy_after_the_retries_and_stop_still_works() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = run_with_check(&root, "h2", "echo bad >&2; exit 1");
    let v = wait_health(&root, "h2", "unhealthy");
    let h = &v["State"]["Health"];
    assert!(h["FailingStreak"].as_u64().expect("streak") >= 2, "{h}");
    let log = h["Log"].as_array().expect("log");
    assert!(log.len() >= 2 && log.len() <= 5, "{h}");
    assert_eq!(log[0]["ExitCode"], 1);
    assert_eq!(log[0]["Output"], "bad\n");
    // A stop with probes running completes, and a start begins again at `starting`.
    root.ok(&["container", "stop", "-t", "1", "h2"]);
    assert_eq!(root.inspect("h2")["State"]["Status"], "exited");
    root.ok(&["container", "start", "h2"]);
    root.track(&id);
    let again = root.inspect("h2");
    assert_eq!(again["State"]["Health"]["Status"], "starting", "{again}");
    root.ok(&["container", "rm", "-f", "h2"]);
    root.assert_gone(&id);
}

#[test]
fn a_slow_check_times_out_and_no_healthcheck_disables_it() {
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
            "h3",
            "--health-cmd",
            "sleep 5",
            "--health-interval",
            "200ms",
            "--health-timeout",
            "300ms",
            "--health-retries",
            "1",
            "busybox",
            "sleep",
            "1000",
        ])
        .trim()
        .to_string();
    root.track(&id);
    let v = wait_health(&root, "h3", "unhealthy");
    let entry = &v["State"]["Health"]["Log"][0];
    assert_eq!(entry["ExitCode"], -1);
    assert!(
        entry["Output"]
            .as_str()
            .expect("output")
            .contains("exceeded timeout"),
        "{entry}"
    );
    let off = root
        .ok(&[
            "container",
            "run",
            "-d",
            "--name",
            "h4",
            "--no-healthcheck",
            "busybox",
            "sleep",
            "1000",
        ])
        .trim()
        .to_string();
    root.track(&off);
    assert!(root.inspect("h4")["State"]["Health"].is_null());
    root.ok(&["container", "rm", "-f", "h3", "h4"]);
    root.assert_gone(&id);
    root.assert_gone(&off);
}
