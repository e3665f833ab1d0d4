//! "Any command repairs state", on real processes: a monitor that died (or whose pid now
//! belongs to another process) makes the container exited, and an orphaned init is killed.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use engine::container::{proc_start_time, ContainerConfig, ContainerStore, ProcProcesses, Status};

/// A child process killed and reaped on drop.
struct Proc(Child);

impl Proc {
    fn sleep() -> Proc {
        Proc(Command::new("sleep").arg("100").spawn().unwrap())
    }
    fn pid(&self) -> i32 {
        self.0.id() as i32
    }
    fn kill_and_reap(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill_and_reap();
    }
}

fn running_container(store: &ContainerStore, monitor: &Proc, init: Option<&Proc>) -> String {
    let c = store.create(ContainerConfig::default()).unwrap();
    let (m_pid, m_start) = (monitor.pid(), proc_start_time(monitor.pid()).unwrap());
    let init = init.map(|p| (p.pid(), proc_start_time(p.pid()).unwrap()));
    store
        .update_state(&c.config.id, |s| {
            s.status = Status::Running;
            s.monitor_pid = m_pid;
            s.monitor_start_time = m_start;
            if let Some((pid, start)) = init {
                s.pid = pid;
                s.pid_start_time = start;
            }
        })
        .unwrap();
    c.config.id
}

#[test]
fn live_monitor_keeps_the_container_running() {
    let root = tempfile::tempdir().unwrap();
    let store = ContainerStore::open(root.path()).unwrap();
    let monitor = Proc::sleep();
    let id = running_container(&store, &monitor, None);
    assert!(store.refresh(&ProcProcesses).unwrap().is_empty());
    assert_eq!(store.load(&id).unwrap().state.status, Status::Running);
}

#[test]
fn dead_monitor_is_recorded_with_the_exit_file_code_or_255() {
    let root = tempfile::tempdir().unwrap();
    let store = ContainerStore::open(root.path()).unwrap();
    let mut m1 = Proc::sleep();
    let mut m2 = Proc::sleep();
    let with_file = running_container(&store, &m1, None);
    let without = running_container(&store, &m2, None);
    store.write_exit_code(&with_file, 7).unwrap();
    m1.kill_and_reap();
    m2.kill_and_reap();
    let mut repaired = store.refresh(&ProcProcesses).unwrap();
    repaired.sort();
    let mut expected = vec![with_file.clone(), without.clone()];
    expected.sort();
    assert_eq!(repaired, expected);
    let a = store.load(&with_file).unwrap().state;
    assert_eq!(
        (a.status, a.exit_code, a.monitor_pid),
        (Status::Exited, 7, 0)
    );
    assert!(a.finished_at.is_some());
    assert_eq!(store.load(&without).unwrap().state.exit_code, 255);
}

#[test]
fn orphaned_init_is_killed_and_recorded_as_137() {
    let root = tempfile::tempdir().unwrap();
    let store = ContainerStore::open(root.path()).unwrap();
    let mut monitor = Proc::sleep();
    let mut init = Proc::sleep();
    let id = running_container(&store, &monitor, Some(&init));
    monitor.kill_and_reap();
    assert_eq!(store.refresh(&ProcProcesses).unwrap(), vec![id.clone()]);
    assert_eq!(store.load(&id).unwrap().state.exit_code, 137);
    // refresh sent SIGKILL: the init exits without our help.
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(s) = init.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "init still alive");
        std::thread::sleep(Duration::from_millis(10));
    };
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9));
}
