//! Real-kernel tests (root) of the group's life: freeze and thaw, signalling every process,
//! joining another process's cgroups (exec), and removal in every hierarchy.

mod cgroup_common;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::Duration;

use cgroup_common::{cpu_ticks, proc_state, root_or_skip, TestGroup};
use engine::cgroup::{for_pid, CgroupManager, Host, Limits, Setup};
use nix::sys::signal::Signal;

#[test]
fn freeze_stops_the_processes_and_thaw_resumes_them() {
    if !root_or_skip("freeze_stops_the_processes_and_thaw_resumes_them") {
        return;
    }
    let mut g = TestGroup::create("freeze", &Limits::default());
    let i = g.spawn_in(Command::new("sh").args(["-c", "while :; do :; done"]));
    let pid = g.pid(i);
    let pause = Duration::from_millis(300);
    std::thread::sleep(pause);
    assert!(cpu_ticks(pid) > 0, "the loop runs");

    g.manager.freeze().expect("freeze");
    if g.host.setup != Setup::Unified {
        assert_eq!(
            proc_state(pid),
            'D',
            "a task frozen by the v1 freezer shows as D"
        );
    }
    let frozen_at = cpu_ticks(pid);
    std::thread::sleep(pause);
    assert_eq!(cpu_ticks(pid), frozen_at, "a frozen loop uses no CPU");

    g.manager.thaw().expect("thaw");
    std::thread::sleep(pause);
    assert!(cpu_ticks(pid) > frozen_at, "the thawed loop runs again");
    assert_ne!(proc_state(pid), 'D');
    g.destroy().expect("remove");
    assert!(g.existing_dirs().is_empty());
}

#[test]
fn kill_all_reaches_every_process_of_a_paused_group() {
    if !root_or_skip("kill_all_reaches_every_process_of_a_paused_group") {
        return;
    }
    let mut g = TestGroup::create("kill", &Limits::default());
    g.spawn_in(Command::new("sleep").arg("30"));
    g.spawn_in(Command::new("sleep").arg("30"));
    g.manager.freeze().expect("freeze");
    g.manager.kill_all(Signal::SIGKILL).expect("kill all");
    for child in &mut g.children {
        let status = child.wait().expect("reap");
        assert_eq!(status.signal(), Some(9));
    }
    g.children.clear();
    assert!(g.manager.pids().expect("list").is_empty());
    g.manager.remove().expect("remove an empty group at once");
    assert!(g.existing_dirs().is_empty());
}

#[test]
fn another_process_joins_the_groups_read_from_proc() {
    if !root_or_skip("another_process_joins_the_groups_read_from_proc") {
        return;
    }
    let mut g = TestGroup::create("join", &Limits::default());
    let init = g.spawn_in(Command::new("sleep").arg("30"));
    let cgroups = for_pid(g.pid(init)).expect("read the init's cgroups");
    let mut other = Command::new("sleep").arg("30").spawn().expect("spawn");
    let other_pid = other.id() as i32;
    let joined = cgroups.join(&g.host, other_pid);
    let pids = g.manager.pids();
    let _ = other.kill();
    let _ = other.wait();
    joined.expect("join");
    let pids = pids.expect("list");
    assert!(pids.contains(&other_pid), "{other_pid} not in {pids:?}");
    g.destroy().expect("remove");
}

#[test]
fn remove_leaves_no_directory_in_any_hierarchy() {
    if !root_or_skip("remove_leaves_no_directory_in_any_hierarchy") {
        return;
    }
    let host = Host::detect().expect("detect");
    let id = format!("test-{}-remove", std::process::id());
    let manager = CgroupManager::new(&host, &id).expect("valid id");
    manager
        .create(&Limits {
            memory: Some(64 << 20),
            pids_limit: Some(50),
            ..Limits::default()
        })
        .expect("create");
    let paths = manager.paths();
    assert_eq!(
        paths.len(),
        host.v1.len() + usize::from(host.unified.is_some())
    );
    assert!(paths.iter().all(|p| p.is_dir()), "{paths:?}");
    manager.remove().expect("remove");
    for mount in &host.v1 {
        assert!(!mount.mount_point.join("tug").join(&id).exists());
    }
    if let Some(u) = &host.unified {
        assert!(!u.join("tug").join(&id).exists());
    }
    manager.remove().expect("removing twice is not an error");
}
