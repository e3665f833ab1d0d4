//! Unit tests of the manager over the fake seam: the v2 paths (this host is hybrid), the v1
//! cpuset inheritance, signalling and removal.

use std::path::PathBuf;

use nix::sys::signal::Signal;

use super::fake_fs::FakeFs;
use super::*;

const V2_INFO: &str = "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
const V1_INFO: &str = "\
34 31 0:31 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer
";

fn v2_manager() -> CgroupManager<FakeFs> {
    let host = Host::from_mountinfo(Setup::Unified, V2_INFO);
    let fs = FakeFs::default();
    fs.seed(
        "/sys/fs/cgroup/cgroup.controllers",
        "cpuset cpu io memory pids\n",
    );
    fs.seed("/sys/fs/cgroup/cgroup.subtree_control", "memory\n");
    fs.seed("/sys/fs/cgroup/tug/cgroup.subtree_control", "");
    fs.seed("/sys/fs/cgroup/tug/c1/memory.swap.max", "max\n");
    CgroupManager::with_fs(&host, "c1", fs).expect("valid id")
}

#[test]
fn v2_create_delegates_controllers_and_writes_every_limit() {
    let m = v2_manager();
    let limits = Limits {
        memory: Some(32 << 20),
        memory_reservation: Some(16 << 20),
        cpu_shares: Some(1024),
        cpuset_cpus: Some("0".into()),
        cpuset_mems: Some("0".into()),
        pids_limit: Some(20),
        ..Limits::default()
    }
    .with_cpus(1.5)
    .expect("valid cpus");
    m.create(&limits).expect("create");
    let fs = m.fs();
    assert_eq!(
        fs.all_written("/sys/fs/cgroup/cgroup.subtree_control"),
        vec!["+cpu", "+cpuset", "+pids"],
        "memory was already enabled at the root"
    );
    assert_eq!(
        fs.all_written("/sys/fs/cgroup/tug/cgroup.subtree_control"),
        vec!["+cpu", "+cpuset", "+memory", "+pids"]
    );
    assert!(fs
        .dirs
        .borrow()
        .contains(&PathBuf::from("/sys/fs/cgroup/tug/c1")));
    let w = |f: &str| fs.written(&format!("/sys/fs/cgroup/tug/c1/{f}"));
    assert_eq!(w("memory.max").as_deref(), Some("33554432"));
    assert_eq!(
        w("memory.swap.max").as_deref(),
        Some("33554432"),
        "docker: swap = memory"
    );
    assert_eq!(w("memory.low").as_deref(), Some("16777216"));
    assert_eq!(w("cpu.max").as_deref(), Some("150000 100000"));
    assert_eq!(w("cpu.weight").as_deref(), Some("100"));
    assert_eq!(w("cpuset.cpus").as_deref(), Some("0"));
    assert_eq!(w("pids.max").as_deref(), Some("20"));
    assert_eq!(m.paths(), vec![PathBuf::from("/sys/fs/cgroup/tug/c1")]);
}

#[test]
fn v2_unlimited_values_are_written_as_max() {
    let m = v2_manager();
    let limits = Limits {
        memory: Some(1 << 20),
        memory_swap: Some(-1),
        pids_limit: Some(0),
        ..Limits::default()
    };
    m.create(&limits).expect("create");
    let w = |f: &str| m.fs().written(&format!("/sys/fs/cgroup/tug/c1/{f}"));
    assert_eq!(w("memory.swap.max").as_deref(), Some("max"));
    assert_eq!(w("pids.max").as_deref(), Some("max"));
    assert_eq!(w("cpu.max"), None);
}

#[test]
fn v2_missing_controller_fails_and_cleans_up() {
    let m = v2_manager();
    m.fs()
        .seed("/sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
    let err = m
        .create(&Limits {
            pids_limit: Some(5),
            ..Limits::default()
        })
        .expect_err("pids missing");
    assert!(matches!(
        err,
        CgroupError::MissingController {
            controller: "pids",
            ..
        }
    ));
    assert!(m.fs().dirs.borrow().is_empty());
}

#[test]
fn v2_oom_freeze_and_kill() {
    let m = v2_manager();
    let dir = "/sys/fs/cgroup/tug/c1";
    m.fs().seed(
        &format!("{dir}/memory.events"),
        "low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n",
    );
    assert!(!m.oom_killed().expect("read events"));
    m.fs().seed(
        &format!("{dir}/memory.events"),
        "low 0\nmax 3\noom 1\noom_kill 1\n",
    );
    assert!(m.oom_killed().expect("read events"));

    m.freeze().expect("freeze");
    assert_eq!(
        m.fs().written(&format!("{dir}/cgroup.freeze")).as_deref(),
        Some("1")
    );
    m.fs().freeze_stuck.set(true);
    let err = m.thaw().expect_err("events still say frozen");
    assert!(matches!(err, CgroupError::FreezeTimeout { .. }));
    m.fs().freeze_stuck.set(false);
    m.thaw().expect("thaw");

    m.fs().seed(&format!("{dir}/cgroup.procs"), "10\n11\n");
    m.kill_all(Signal::SIGTERM).expect("signal");
    assert_eq!(
        *m.fs().signals.borrow(),
        vec![(10, Signal::SIGTERM), (11, Signal::SIGTERM)]
    );
    assert_eq!(
        m.fs().all_written(&format!("{dir}/cgroup.freeze")),
        vec!["1", "0", "0", "1", "0"],
        "signalled inside a freeze"
    );
    m.fs().seed(&format!("{dir}/cgroup.kill"), "");
    m.kill_all(Signal::SIGKILL).expect("cgroup.kill");
    assert_eq!(
        m.fs().written(&format!("{dir}/cgroup.kill")).as_deref(),
        Some("1")
    );
    assert_eq!(
        m.fs().signals.borrow().len(),
        2,
        "SIGKILL went through cgroup.kill"
    );
}

#[test]
fn v1_cpuset_is_copied_from_the_parents_and_missing_memsw_is_skipped() {
    let host = Host::from_mountinfo(Setup::Legacy, V1_INFO);
    let fs = FakeFs::default();
    fs.seed("/sys/fs/cgroup/cpuset/cpuset.cpus", "0-1\n");
    fs.seed("/sys/fs/cgroup/cpuset/cpuset.mems", "0\n");
    fs.seed("/sys/fs/cgroup/cpuset/tug/cpuset.cpus", "\n");
    fs.seed("/sys/fs/cgroup/cpuset/tug/cpuset.mems", "\n");
    fs.seed("/sys/fs/cgroup/cpuset/tug/c2/cpuset.cpus", "\n");
    fs.seed("/sys/fs/cgroup/cpuset/tug/c2/cpuset.mems", "\n");
    let m = CgroupManager::with_fs(&host, "c2", fs).expect("valid id");
    m.create(&Limits {
        memory: Some(1 << 20),
        ..Limits::default()
    })
    .expect("create");
    let fs = m.fs();
    assert_eq!(
        fs.written("/sys/fs/cgroup/cpuset/tug/cpuset.cpus")
            .as_deref(),
        Some("0-1")
    );
    assert_eq!(
        fs.written("/sys/fs/cgroup/cpuset/tug/c2/cpuset.mems")
            .as_deref(),
        Some("0")
    );
    assert_eq!(
        fs.written("/sys/fs/cgroup/memory/tug/c2/memory.limit_in_bytes")
            .as_deref(),
        Some("1048576")
    );
    assert_eq!(
        fs.written("/sys/fs/cgroup/memory/tug/c2/memory.memsw.limit_in_bytes"),
        None
    );
    let err = m
        .create(&Limits {
            pids_limit: Some(3),
            ..Limits::default()
        })
        .expect_err("no pids hierarchy");
    assert!(err.to_string().contains("pids"), "{err}");
}

#[test]
fn remove_retries_busy_groups_and_keeps_going_after_failures() {
    let host = Host::from_mountinfo(Setup::Legacy, V1_INFO);
    let fs = FakeFs::default();
    for d in ["cpuset", "memory", "freezer"] {
        fs.dirs
            .borrow_mut()
            .insert(PathBuf::from(format!("/sys/fs/cgroup/{d}/tug/c3")));
    }
    fs.busy.set(3);
    fs.stuck
        .borrow_mut()
        .insert(PathBuf::from("/sys/fs/cgroup/memory/tug/c3"));
    let m = CgroupManager::with_fs(&host, "c3", fs).expect("valid id");
    let err = m.remove().expect_err("memory is stuck");
    assert!(err.to_string().contains("memory/tug/c3"), "{err}");
    let left: Vec<PathBuf> = m.fs().dirs.borrow().iter().cloned().collect();
    assert_eq!(left, vec![PathBuf::from("/sys/fs/cgroup/memory/tug/c3")]);
    assert!(m.exists(), "the memory directory is left");
    m.fs().stuck.borrow_mut().clear();
    m.remove().expect("second removal");
    m.remove().expect("removing again is fine");
    assert!(m.fs().dirs.borrow().is_empty());
    assert!(!m.exists());
}

#[test]
fn ids_that_escape_the_tug_directory_are_refused() {
    let host = Host::from_mountinfo(Setup::Unified, V2_INFO);
    for id in ["", ".", "..", "a/b"] {
        assert!(
            CgroupManager::with_fs(&host, id, FakeFs::default()).is_err(),
            "{id:?}"
        );
    }
}
