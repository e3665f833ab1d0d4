//! Real-kernel tests (root) of the limits: the files hold docker's values, the pids limit stops
//! forks, the memory limit OOM-kills and is reported, and nothing is left afterwards.

mod cgroup_common;

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::{Duration, Instant};

use cgroup_common::{read_limit, root_or_skip, TestGroup};
use engine::cgroup::{for_pid, Limits, Setup};

#[test]
fn limit_files_hold_dockers_values_and_the_child_is_in_the_group() {
    if !root_or_skip("limit_files_hold_dockers_values") {
        return;
    }
    let limits = Limits {
        memory: Some(32 << 20),
        memory_reservation: Some(16 << 20),
        cpu_shares: Some(512),
        cpuset_cpus: Some("0".into()),
        pids_limit: Some(10),
        ..Limits::default()
    }
    .with_cpus(0.5)
    .expect("valid cpus");
    let mut g = TestGroup::create("limits", &limits);
    let i = g.spawn_in(Command::new("sleep").arg("30"));
    let pid = g.pid(i);
    assert_eq!(g.manager.pids().expect("list pids"), vec![pid]);

    let want = format!("/tug/{}", g.manager.id());
    let cgroups = for_pid(pid).expect("read /proc/PID/cgroup");
    let in_group = cgroups.entries.iter().filter(|e| e.path == want).count();
    assert!(in_group >= 4, "{pid} is in {cgroups:?}");

    if g.host.setup == Setup::Unified {
        assert_eq!(read_limit(&g, "tug", "memory.max"), "33554432");
        assert_eq!(read_limit(&g, "tug", "pids.max"), "10");
        assert_eq!(read_limit(&g, "tug", "cpu.max"), "50000 100000");
        assert_eq!(read_limit(&g, "tug", "cpuset.cpus"), "0");
    } else {
        assert_eq!(
            read_limit(&g, "memory", "memory.limit_in_bytes"),
            "33554432"
        );
        assert_eq!(
            read_limit(&g, "memory", "memory.soft_limit_in_bytes"),
            "16777216"
        );
        assert_eq!(read_limit(&g, "pids", "pids.max"), "10");
        assert_eq!(read_limit(&g, "cpu", "cpu.cfs_quota_us"), "50000");
        assert_eq!(read_limit(&g, "cpu", "cpu.cfs_period_us"), "100000");
        assert_eq!(read_limit(&g, "cpu", "cpu.shares"), "512");
        assert_eq!(read_limit(&g, "cpuset", "cpuset.cpus"), "0");
        assert!(!read_limit(&g, "cpuset", "cpuset.mems").is_empty());
    }

    g.destroy().expect("remove the group");
    assert_eq!(g.existing_dirs(), Vec::<std::path::PathBuf>::new());
}

#[test]
fn a_shell_cannot_fork_beyond_the_pids_limit() {
    if !root_or_skip("a_shell_cannot_fork_beyond_the_pids_limit") {
        return;
    }
    let limits = Limits {
        pids_limit: Some(4),
        ..Limits::default()
    };
    let mut g = TestGroup::create("pids", &limits);
    let script = "read go; for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; wait";
    let i = g.spawn_in(Command::new("sh").args(["-c", script]));
    let stdin = g.children[i].stdin.take();
    stdin
        .expect("piped stdin")
        .write_all(b"go\n")
        .expect("release the script");

    // Give the shell time to try all its forks.
    let start = Instant::now();
    let mut seen = 0;
    while start.elapsed() < Duration::from_secs(2) {
        seen = seen.max(g.manager.pids().expect("list pids").len());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(seen >= 2, "the shell forked at all ({seen} tasks)");
    assert!(seen <= 4, "{seen} tasks in a group limited to 4");
    let events = read_limit(&g, "pids", "pids.events");
    let refused: u64 = events
        .lines()
        .find_map(|l| l.strip_prefix("max "))
        .and_then(|n| n.trim().parse().ok())
        .expect("pids.events has a max counter");
    assert!(refused > 0, "no fork was refused: {events}");
    g.destroy().expect("remove the group");
    assert!(g.existing_dirs().is_empty());
}

#[test]
fn the_memory_limit_oom_kills_and_is_reported() {
    if !root_or_skip("the_memory_limit_oom_kills_and_is_reported") {
        return;
    }
    let limits = Limits {
        memory: Some(32 << 20),
        memory_swap: Some(32 << 20),
        ..Limits::default()
    };
    let mut g = TestGroup::create("oom", &limits);
    assert!(!g.manager.oom_killed().expect("read oom state"));
    let script = r#"read go; x=$(head -c 200M /dev/zero | tr "\0" a); echo survived"#;
    let i = g.spawn_in(Command::new("sh").args(["-c", script]));
    let mut stdin = g.children[i].stdin.take().expect("piped stdin");
    stdin.write_all(b"go\n").expect("release the script");
    drop(stdin);
    let status = g.children[i].wait().expect("wait for the shell");
    assert_eq!(
        status.signal(),
        Some(9),
        "the shell was SIGKILLed: {status:?}"
    );
    assert!(g.manager.oom_killed().expect("read oom state"));
    g.destroy().expect("remove the group");
    assert!(g.existing_dirs().is_empty());
}
