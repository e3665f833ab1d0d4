//! Real-kernel test (root) of the v2 code paths on a hybrid host: its controller-less cgroup2
//! tree is driven as if it were a unified host, which exercises `cgroup.procs`,
//! `cgroup.freeze`/`cgroup.events`, `cgroup.kill` and rmdir on a real cgroup2 filesystem.

mod cgroup_common;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::Duration;

use cgroup_common::{cpu_ticks, root_or_skip, TestGroup};
use engine::cgroup::{Host, Limits, Setup};
use nix::sys::signal::Signal;

#[test]
fn v2_freeze_kill_and_remove_work_on_a_real_cgroup2_tree() {
    if !root_or_skip("v2_freeze_kill_and_remove_work_on_a_real_cgroup2_tree") {
        return;
    }
    let real = Host::detect().expect("detect");
    if real.setup != Setup::Hybrid {
        eprintln!("skipping: only a hybrid host has a separate cgroup2 tree to drive as v2");
        return;
    }
    let v2_host = Host {
        setup: Setup::Unified,
        unified: real.unified.clone(),
        v1: Vec::new(),
    };
    let mut g = TestGroup::create_on(v2_host, "v2", &Limits::default());
    assert_eq!(g.manager.paths().len(), 1);
    let i = g.spawn_in(Command::new("sh").args(["-c", "while :; do :; done"]));
    let pid = g.pid(i);
    assert_eq!(g.manager.pids().expect("pids"), vec![pid]);
    assert!(!g.manager.oom_killed().expect("no memory.events is no OOM"));

    let pause = Duration::from_millis(300);
    g.manager.freeze().expect("freeze through cgroup.freeze");
    let frozen_at = cpu_ticks(pid);
    std::thread::sleep(pause);
    assert_eq!(cpu_ticks(pid), frozen_at, "a frozen loop uses no CPU");
    g.manager.thaw().expect("thaw");
    std::thread::sleep(pause);
    assert!(cpu_ticks(pid) > frozen_at, "the thawed loop runs again");

    g.manager.kill_all(Signal::SIGKILL).expect("cgroup.kill");
    let status = g.children[i].wait().expect("reap");
    assert_eq!(status.signal(), Some(9));
    g.children.clear();
    g.manager.remove().expect("remove");
    assert!(g.existing_dirs().is_empty());
}
