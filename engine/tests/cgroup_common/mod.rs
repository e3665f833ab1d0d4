//! Shared helpers of the real-cgroup tests: a root check and a guard that kills the test's
//! processes and removes its cgroup even when an assertion fails.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use engine::cgroup::{CgroupManager, Host, Limits, Setup};
use nix::sys::signal::Signal;

/// Whether the tests may touch the real cgroupfs; prints why not when they may not.
pub fn root_or_skip(test: &str) -> bool {
    let root = rustix::process::geteuid().is_root();
    if !root {
        eprintln!("skipping {test}: needs root to create cgroups");
    }
    root
}

/// A container-like cgroup with its processes; dropping it kills them and removes the group.
pub struct TestGroup {
    pub host: Host,
    pub manager: CgroupManager,
    pub children: Vec<Child>,
}

impl TestGroup {
    /// Creates `tug/test-<pid>-<name>` with `limits`.
    pub fn create(name: &str, limits: &Limits) -> TestGroup {
        TestGroup::create_on(
            Host::detect().expect("detect the cgroup setup"),
            name,
            limits,
        )
    }

    /// Like [`TestGroup::create`], on a given (possibly re-described) host.
    pub fn create_on(host: Host, name: &str, limits: &Limits) -> TestGroup {
        let id = format!("test-{}-{name}", std::process::id());
        let manager = CgroupManager::new(&host, &id).expect("valid id");
        manager.create(limits).expect("create the cgroup");
        TestGroup {
            host,
            manager,
            children: Vec::new(),
        }
    }

    /// Spawns `cmd` with stdin piped (so a script can wait for "go" once it is in the group)
    /// and moves it into the group. Returns its index in `children`.
    pub fn spawn_in(&mut self, cmd: &mut Command) -> usize {
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn a test process");
        let pid = child.id() as i32;
        self.children.push(child);
        self.manager
            .add_pid(pid)
            .expect("add the process to the group");
        self.children.len() - 1
    }

    /// The pid of child `i`.
    pub fn pid(&self, i: usize) -> i32 {
        self.children[i].id() as i32
    }

    /// Directories of the group that still exist.
    pub fn existing_dirs(&self) -> Vec<PathBuf> {
        self.manager
            .paths()
            .into_iter()
            .filter(|p| p.exists())
            .collect()
    }

    /// Kills and reaps every process, then removes the group.
    pub fn destroy(&mut self) -> Result<(), engine::cgroup::CgroupError> {
        let _ = self.manager.kill_all(Signal::SIGKILL);
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.children.clear();
        self.manager.remove()
    }
}

impl Drop for TestGroup {
    fn drop(&mut self) {
        if let Err(e) = self.destroy() {
            eprintln!("cleanup of {}: {e}", self.manager.id());
        }
    }
}

/// Reads a file of the group in the hierarchy of `controller` (the single v2 directory on
/// unified hosts).
pub fn read_limit(group: &TestGroup, controller: &str, file: &str) -> String {
    let base = match group.host.setup {
        Setup::Unified => group.host.unified.clone().expect("cgroup2 mount"),
        _ => group
            .host
            .v1_mount(controller)
            .unwrap_or_else(|| panic!("{controller} is not mounted"))
            .mount_point
            .clone(),
    };
    let path = base.join("tug").join(group.manager.id()).join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .trim()
        .to_string()
}

/// The state letter of a process in /proc/PID/stat (R, S, D, T, Z…).
pub fn proc_state(pid: i32) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read stat");
    let after = stat.rsplit_once(") ").expect("comm field").1;
    after.chars().next().expect("state field")
}

/// User plus system CPU time of a process, in clock ticks (/proc/PID/stat fields 14 and 15).
pub fn cpu_ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read stat");
    let after = stat.rsplit_once(") ").expect("comm field").1;
    let fields: Vec<&str> = after.split(' ').collect();
    // `after` starts at field 3 (state), so utime (14) and stime (15) are at 11 and 12.
    let tick = |i: usize| fields[i].parse::<u64>().expect("numeric time field");
    tick(11) + tick(12)
}
