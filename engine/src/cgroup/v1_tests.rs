//! Unit tests of the v1 and hybrid paths over the fake seam: OOM detection, the freezer,
//! process tracking in the hybrid cgroup2 tree and signalling.

use std::path::PathBuf;

use nix::sys::signal::Signal;

use super::fake_fs::FakeFs;
use super::*;

const HYBRID_INFO: &str = "\
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer
41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
";

const MEM: &str = "/sys/fs/cgroup/memory/tug/h1";
const FREEZER: &str = "/sys/fs/cgroup/freezer/tug/h1";
const UNIFIED: &str = "/sys/fs/cgroup/unified/tug/h1";

fn hybrid_manager() -> CgroupManager<FakeFs> {
    let host = Host::from_mountinfo(Setup::Hybrid, HYBRID_INFO);
    CgroupManager::with_fs(&host, "h1", FakeFs::default()).expect("valid id")
}

#[test]
fn hybrid_groups_span_every_v1_hierarchy_and_the_cgroup2_tree() {
    let m = hybrid_manager();
    m.create(&Limits::default()).expect("create");
    for dir in [MEM, "/sys/fs/cgroup/devices/tug/h1", FREEZER, UNIFIED] {
        assert!(m.fs().dirs.borrow().contains(&PathBuf::from(dir)), "{dir}");
    }
    assert_eq!(
        m.dir_of("devices"),
        Some(PathBuf::from("/sys/fs/cgroup/devices/tug/h1"))
    );
    assert_eq!(m.dir_of("pids"), None);
    m.add_pid(42).expect("add");
    for dir in [MEM, FREEZER, UNIFIED] {
        assert_eq!(
            m.fs().written(&format!("{dir}/cgroup.procs")).as_deref(),
            Some("42"),
            "{dir}"
        );
    }
}

#[test]
fn v1_oom_uses_the_oom_kill_counter_then_under_oom() {
    let m = hybrid_manager();
    let file = format!("{MEM}/memory.oom_control");
    m.fs()
        .seed(&file, "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    assert!(!m.oom_killed().expect("read"));
    m.fs()
        .seed(&file, "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    assert!(m.oom_killed().expect("read"));
    m.fs().seed(&file, "oom_kill_disable 0\nunder_oom 1\n");
    assert!(m.oom_killed().expect("old kernels: under_oom"));
}

#[test]
fn v1_freeze_and_thaw_write_the_freezer_state() {
    let m = hybrid_manager();
    m.freeze().expect("freeze");
    assert_eq!(
        m.fs()
            .written(&format!("{FREEZER}/freezer.state"))
            .as_deref(),
        Some("FROZEN")
    );
    m.thaw().expect("thaw");
    assert_eq!(
        m.fs()
            .written(&format!("{FREEZER}/freezer.state"))
            .as_deref(),
        Some("THAWED")
    );
}

#[test]
fn v1_signals_go_to_each_pid_inside_a_freeze() {
    let m = hybrid_manager();
    m.fs().seed(&format!("{MEM}/cgroup.procs"), "7\n8\n");
    m.kill_all(Signal::SIGTERM).expect("signal");
    assert_eq!(
        *m.fs().signals.borrow(),
        vec![(7, Signal::SIGTERM), (8, Signal::SIGTERM)]
    );
    assert_eq!(
        m.fs().all_written(&format!("{FREEZER}/freezer.state")),
        vec!["FROZEN", "THAWED"]
    );
}

#[test]
fn hybrid_sigkill_uses_cgroup_kill_then_thaws() {
    let m = hybrid_manager();
    m.fs().seed(&format!("{UNIFIED}/cgroup.kill"), "");
    m.kill_all(Signal::SIGKILL).expect("kill");
    assert_eq!(
        m.fs().written(&format!("{UNIFIED}/cgroup.kill")).as_deref(),
        Some("1")
    );
    assert!(m.fs().signals.borrow().is_empty());
    assert_eq!(
        m.fs().all_written(&format!("{FREEZER}/freezer.state")),
        vec!["THAWED"]
    );
}
