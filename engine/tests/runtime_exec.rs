//! Root-only: processes exec'd into a running busybox container share its namespaces,
//! cgroups, capabilities and users, report docker's exit codes, get a working pty with
//! `tty: true`, and nothing is left once the container is gone.

mod runtime_common;

use engine::cgroup::{CgroupManager, Host, Limits};
use engine::runtime::linux::exec::{exec, ExecError, ExecProcess, ExecSpec};
use engine::runtime::linux::pty;
use engine::runtime::linux::{InitProcess, Stdio};
use engine::runtime::rlimit::ProcessLimits;
use engine::runtime::{build_spec, ContainerSpec};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::signal::{kill, Signal};
use nix::unistd::{pipe2, Pid};
use oci_spec::runtime::Spec;
use runtime_common::*;
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd};

/// A running `sleep` container in its own cgroup; killed, reaped and removed on drop.
struct Container {
    _rootfs: Rootfs,
    spec: Spec,
    init: Option<InitProcess>,
    cgroup: CgroupManager,
}

impl Container {
    fn start() -> Container {
        let rootfs = busybox_rootfs();
        let cs = ContainerSpec {
            args: vec!["sleep".into(), "1000".into()],
            hostname: "tugexec".into(),
            ..Default::default()
        };
        let spec = build_spec(&cs, rootfs.path(), &ProcessLimits).expect("spec");
        let (init, _out) = spawn(&rootfs, &cs).expect("start container");
        let host = Host::detect().expect("detect cgroups");
        let id = format!("tug-exec-test-{}", init.pid());
        let cgroup = CgroupManager::new(&host, &id).expect("cgroup manager");
        let c = Container {
            _rootfs: rootfs,
            spec,
            init: Some(init),
            cgroup,
        };
        c.cgroup.create(&Limits::default()).expect("create cgroup");
        c.cgroup.add_pid(c.pid().as_raw()).expect("move init");
        c
    }

    fn pid(&self) -> Pid {
        self.init.as_ref().map(|i| i.pid()).expect("running")
    }

    fn exec_spec(&self, args: &[&str]) -> ExecSpec {
        ExecSpec::for_container(&self.spec, args.iter().map(|a| a.to_string()).collect())
    }

    /// Runs `spec` to completion with stdout and stderr captured.
    fn run(&self, spec: &ExecSpec) -> Result<(String, i32), ExecError> {
        let (r, w) = pipe2(OFlag::O_CLOEXEC).expect("pipe");
        let w2 = w.try_clone().expect("dup");
        let stdio = Stdio {
            stdin: None,
            stdout: Some(w),
            stderr: Some(w2),
        };
        let p = exec(self.pid(), spec, stdio)?;
        let mut out = String::new();
        std::fs::File::from(r)
            .read_to_string(&mut out)
            .expect("read output");
        Ok((out, p.wait()?))
    }

    fn sh(&self, script: &str) -> (String, i32) {
        self.run(&self.exec_spec(&["sh", "-c", script]))
            .expect("exec")
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if let Some(init) = self.init.take() {
            let _ = kill(init.pid(), Signal::SIGKILL);
            let _ = init.wait();
        }
        let _ = self.cgroup.remove();
    }
}

fn status_line(pid: &str, key: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find(|l| l.starts_with(key))
        .map(str::to_string)
        .unwrap_or_default()
}

fn hostname_is_the_containers() {
    let c = Container::start();
    let (out, code) = c.sh("hostname");
    assert_eq!((out.trim(), code), ("tugexec", 0));
}

fn runs_in_the_containers_pid_namespace() {
    let c = Container::start();
    let (out, code) = c.sh("echo $$; ps -o pid,args");
    assert_eq!(code, 0, "{out}");
    let mut lines = out.lines();
    let own: i32 = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .expect("pid");
    assert!(own > 1, "exec'd shell is pid {own}");
    let init = lines
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"1"));
    assert_eq!(init.and_then(|f| f.get(1).copied()), Some("sleep"), "{out}");
}

fn user_is_resolved_from_the_containers_passwd() {
    let c = Container::start();
    let mut spec = c.exec_spec(&["sh", "-c", "id -u; id -G; echo $HOME"]);
    spec.user = "app".into();
    let (out, code) = c.run(&spec).expect("exec");
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines, ["1000", "1000 29 44", "/tmp"], "{out}");
    spec.user = "nosuchuser".into();
    let err = c.run(&spec).expect_err("unknown user");
    assert_eq!(err.exit_code(), 126, "{err}");
}

fn capabilities_match_the_init() {
    let c = Container::start();
    let (out, code) = c.sh("grep -E '^(Cap(Eff|Bnd)|Seccomp):' /proc/self/status");
    assert_eq!(code, 0, "{out}");
    let init = c.pid().to_string();
    for key in ["CapEff:", "CapBnd:"] {
        let want = status_line(&init, key);
        assert!(want.contains("00000000a80425fb"), "{want}");
        assert!(out.lines().any(|l| l == want), "{key}: {out} vs {want}");
    }
    // The init's seccomp filter is installed on the exec'd process too (mode 2: filter).
    assert!(out.lines().any(|l| l == "Seccomp:\t2"), "{out}");
}

fn caller_fds_do_not_leak() {
    let c = Container::start();
    let (_keep_r, _keep_w) = pipe2(OFlag::empty()).expect("inheritable pipe");
    // ls opens /proc/self/fd itself, as fd 3.
    let (out, code) = c.sh("ls /proc/self/fd | tr '\\n' ' '");
    assert_eq!((out.trim(), code), ("0 1 2 3", 0), "{out}");
}

fn exit_codes_follow_docker() {
    let c = Container::start();
    assert_eq!(c.sh("exit 5").1, 5);
    assert_eq!(c.sh("kill -9 $$").1, 137);
    let err = c
        .run(&c.exec_spec(&["no-such-command"]))
        .expect_err("missing command");
    assert_eq!(err.exit_code(), 127, "{err}");
    let err = c
        .run(&c.exec_spec(&["/etc/passwd"]))
        .expect_err("not executable");
    assert_eq!(err.exit_code(), 126, "{err}");
}

fn tty_gives_a_terminal_from_the_containers_devpts() {
    let c = Container::start();
    let mut spec = c.exec_spec(&["sh", "-c", "tty; test -t 0 && echo interactive"]);
    spec.tty = true;
    let mut p: ExecProcess = exec(c.pid(), &spec, Stdio::default()).expect("exec");
    let master = p.take_master().expect("master");
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match nix::unistd::read(master.as_fd(), &mut buf) {
            Ok(0) | Err(Errno::EIO) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(Errno::EINTR) => {}
            Err(e) => panic!("read master: {e}"),
        }
    }
    let out = String::from_utf8_lossy(&out).into_owned();
    assert_eq!(p.wait().expect("wait"), 0, "{out}");
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert!(
        lines.first().is_some_and(|l| l.starts_with("/dev/pts/")),
        "{out}"
    );
    assert_eq!(lines.get(1), Some(&"interactive"), "{out}");
}

fn pump_carries_input_output_and_window_size() {
    let c = Container::start();
    let mut spec = c.exec_spec(&["sh", "-c", "read line; echo got-$line; stty size; exit 3"]);
    spec.tty = true;
    let mut p = exec(c.pid(), &spec, Stdio::default()).expect("exec");
    let master = p.take_master().expect("master");
    // The caller's terminal is another pty here, 33 rows by 101 columns.
    let (_term_master, term) = pty::open_pair().expect("pty");
    let size = nix::libc::winsize {
        ws_row: 33,
        ws_col: 101,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads the valid struct passed.
    let rc = unsafe { nix::libc::ioctl(term.as_raw_fd(), nix::libc::TIOCSWINSZ, &size) };
    assert_eq!(rc, 0);
    assert!(pty::copy_window_size(term.as_fd(), master.as_fd()).expect("winsize"));
    let (in_r, in_w) = pipe2(OFlag::O_CLOEXEC).expect("pipe");
    let (out_r, out_w) = pipe2(OFlag::O_CLOEXEC).expect("pipe");
    nix::unistd::write(&in_w, b"x\n").expect("write input");
    drop(in_w);
    pty::pump(master.as_fd(), in_r.as_fd(), out_w.as_fd()).expect("pump");
    drop(out_w);
    let mut out = String::new();
    std::fs::File::from(out_r)
        .read_to_string(&mut out)
        .expect("read output");
    assert_eq!(p.wait().expect("wait"), 3, "{out}");
    assert!(out.contains("got-x"), "{out}");
    assert!(out.contains("33 101"), "{out}");
}

fn joins_the_containers_cgroups_and_leaves_nothing() {
    let mut c = Container::start();
    let p = exec(c.pid(), &c.exec_spec(&["sleep", "1000"]), Stdio::default()).expect("exec");
    let read = |pid: Pid| std::fs::read_to_string(format!("/proc/{pid}/cgroup")).expect("cgroup");
    let mine = read(Pid::this());
    let init = read(c.pid());
    assert_ne!(init, mine, "the container has its own cgroup");
    assert_eq!(read(p.pid()), init);
    assert!(c.cgroup.pids().expect("pids").contains(&p.pid().as_raw()));
    let exec_pid = p.pid();
    let init_pid = c.pid();
    // Killing the init kills every process of its pid namespace, the exec'd one too; the
    // init's exit completes only once we (the exec'd process's parent) have reaped it.
    if let Some(init) = c.init.take() {
        kill(init.pid(), Signal::SIGKILL).expect("kill init");
        assert_eq!(p.wait().expect("wait exec"), 137);
        assert_eq!(init.wait().expect("wait init"), 137);
    }
    for pid in [exec_pid, init_pid] {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "{pid} left"
        );
    }
    assert!(c.cgroup.pids().expect("pids").is_empty());
}

fn main() {
    if !root_or_skip("runtime_exec") {
        return;
    }
    run_tests(&[
        ("hostname_is_the_containers", hostname_is_the_containers),
        (
            "runs_in_the_containers_pid_namespace",
            runs_in_the_containers_pid_namespace,
        ),
        (
            "user_is_resolved_from_the_containers_passwd",
            user_is_resolved_from_the_containers_passwd,
        ),
        ("capabilities_match_the_init", capabilities_match_the_init),
        ("caller_fds_do_not_leak", caller_fds_do_not_leak),
        ("exit_codes_follow_docker", exit_codes_follow_docker),
        (
            "tty_gives_a_terminal_from_the_containers_devpts",
            tty_gives_a_terminal_from_the_containers_devpts,
        ),
        (
            "pump_carries_input_output_and_window_size",
            pump_carries_input_output_and_window_size,
        ),
        (
            "joins_the_containers_cgroups_and_leaves_nothing",
            joins_the_containers_cgroups_and_leaves_nothing,
        ),
    ]);
}
