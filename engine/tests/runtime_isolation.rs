//! Root-only: a busybox container sees docker's default isolation from the inside, its exit
//! codes follow docker, and nothing is left on the host once it has exited.

mod runtime_common;

use runtime_common::*;

fn pid_one_and_hidden_host_processes() {
    let rootfs = busybox_rootfs();
    let r = run(&rootfs, &sh("echo pid=$$; ps -o pid | wc -l; hostname")).expect("run");
    assert_eq!(r.code, 0, "{}", r.output);
    let lines: Vec<&str> = r.output.lines().collect();
    assert_eq!(lines[0], "pid=1");
    // Header, sh and ps (and wc): nothing from the host.
    let count: usize = lines[1].trim().parse().expect("ps count");
    assert!(count <= 5, "too many processes visible: {count}");
    assert_eq!(lines[2], "tugtest");
}

fn capabilities_are_dockers() {
    let rootfs = busybox_rootfs();
    let r = run(
        &rootfs,
        &sh("grep -E '^Cap(Eff|Bnd|Amb)' /proc/self/status"),
    )
    .expect("run");
    assert!(
        r.output.contains("CapEff:\t00000000a80425fb"),
        "{}",
        r.output
    );
    assert!(
        r.output.contains("CapBnd:\t00000000a80425fb"),
        "{}",
        r.output
    );
    assert!(
        r.output.contains("CapAmb:\t0000000000000000"),
        "{}",
        r.output
    );
}

fn mount_is_refused_and_proc_sys_read_only() {
    let rootfs = busybox_rootfs();
    let script = "mount -t tmpfs x /mnt 2>/dev/null && echo MOUNTED; \
                  (echo 1 > /proc/sys/kernel/panic) 2>/dev/null && echo WROTE; echo done";
    let r = run(&rootfs, &sh(&format!("mkdir -p /mnt; {script}"))).expect("run");
    assert_eq!(r.output.trim(), "done", "{}", r.output);
    let r = run(&rootfs, &sh("grep ' /proc/sys ' /proc/self/mountinfo")).expect("run");
    assert!(r.output.contains(" ro,"), "{}", r.output);
}

fn masked_paths_are_empty() {
    let rootfs = busybox_rootfs();
    // Only paths this kernel has can be masked; /proc/timer_list is always there.
    let host = std::fs::read_to_string("/proc/timer_list").expect("host timer_list");
    assert!(!host.is_empty());
    let list = engine::runtime::defaults::MASKED_PATHS.join(" ");
    let script = format!(
        "for p in {list}; do if [ -d $p ]; then echo \"$p $(ls -A $p | wc -l)\"; \
         elif [ -e $p ]; then echo \"$p $(cat $p | wc -c)\"; fi; done"
    );
    let r = run(&rootfs, &sh(&script)).expect("run");
    assert!(r.output.contains("/proc/timer_list 0"), "{}", r.output);
    for line in r.output.lines() {
        assert!(line.ends_with(" 0"), "not masked: {line}");
    }
}

fn dev_has_only_default_devices() {
    let rootfs = busybox_rootfs();
    let r = run(
        &rootfs,
        &sh("ls /dev | sort | tr '\\n' ' '; echo; head -c 4 /dev/zero | wc -c"),
    )
    .expect("run");
    let mut lines = r.output.lines();
    let names: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(
        names,
        vec![
            "core", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr",
            "stdin", "stdout", "tty", "urandom", "zero"
        ],
        "{}",
        r.output
    );
    assert_eq!(lines.next(), Some("4"));
}

fn user_app_runs_as_uid_1000() {
    let rootfs = busybox_rootfs();
    let mut cs = sh("id -u; id -g; id -G; grep CapEff /proc/self/status; echo $HOME");
    cs.user = Some("app".into());
    let r = run(&rootfs, &cs).expect("run");
    let lines: Vec<&str> = r.output.lines().collect();
    assert_eq!(lines[0], "1000", "{}", r.output);
    assert_eq!(lines[1], "1000");
    assert_eq!(lines[2], "1000 29 44");
    assert_eq!(lines[3], "CapEff:\t0000000000000000");
    assert_eq!(lines[4], "/tmp");
}

fn exit_codes_follow_docker() {
    let rootfs = busybox_rootfs();
    assert_eq!(run(&rootfs, &sh("exit 3")).expect("run").code, 3);
    // The kernel ignores SIGKILL sent to a namespace's init from inside, so kill from here.
    let (init, _out) = spawn(&rootfs, &sh("sleep 10")).expect("spawn");
    nix::sys::signal::kill(init.pid(), nix::sys::signal::Signal::SIGKILL).expect("kill");
    assert_eq!(init.wait().expect("wait"), 137);
    let mut cs = sh("");
    cs.args = vec!["no-such-command".into()];
    let err = run(&rootfs, &cs).expect_err("missing command must fail");
    assert_eq!(err.exit_code(), 127, "{err}");
    assert!(err.to_string().contains("no-such-command"), "{err}");
    cs.args = vec!["/etc/passwd".into()];
    let err = run(&rootfs, &cs).expect_err("non-executable must fail");
    assert_eq!(err.exit_code(), 126, "{err}");
}

fn nothing_is_left_on_the_host() {
    let rootfs = busybox_rootfs();
    let before = host_mounts_under(rootfs.path());
    let (init, mut out) = spawn(&rootfs, &sh("sleep 0.2; echo bye")).expect("spawn");
    let pid = init.pid();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut out, &mut s).expect("read");
    assert_eq!(init.wait().expect("wait"), 0);
    assert_eq!(s.trim(), "bye");
    assert!(before.is_empty(), "{before:?}");
    assert!(host_mounts_under(rootfs.path()).is_empty());
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "init {pid} still exists"
    );
}

fn seccomp_filter_by_default_none_when_privileged() {
    let rootfs = busybox_rootfs();
    let r = run(&rootfs, &sh("grep '^Seccomp:' /proc/self/status")).expect("run");
    assert_eq!(r.output.trim(), "Seccomp:\t2", "{}", r.output);
    let mut cs = sh(
        "grep '^Seccomp:' /proc/self/status; mkdir -p /mnt; mount -t tmpfs x /mnt && echo MOUNTED",
    );
    cs.privileged = true;
    let r = run(&rootfs, &cs).expect("run");
    assert_eq!(r.output, "Seccomp:\t0\nMOUNTED\n");
}

fn cap_add_sys_admin_lifts_the_mount_gate() {
    let rootfs = busybox_rootfs();
    let mut cs = sh("mkdir -p /mnt; mount -t tmpfs x /mnt && echo MOUNTED");
    cs.cap_add = vec!["SYS_ADMIN".into()];
    let r = run(&rootfs, &cs).expect("run");
    assert_eq!(r.output, "MOUNTED\n");
}

fn cgroup_tree_is_read_only_and_rooted_at_the_container() {
    let rootfs = busybox_rootfs();
    let script = "ls /sys/fs/cgroup | wc -l; mkdir /sys/fs/cgroup/x 2>/dev/null && echo MKDIR; \
                  grep -c ' /sys/fs/cgroup' /proc/self/mountinfo; cat /proc/self/cgroup | cut -d: -f3 | sort -u";
    let r = run(&rootfs, &sh(script)).expect("run");
    let lines: Vec<&str> = r.output.lines().collect();
    let host = std::fs::read_dir("/sys/fs/cgroup")
        .expect("host cgroup")
        .count();
    assert_eq!(lines[0], host.to_string(), "{}", r.output);
    assert!(!r.output.contains("MKDIR"), "{}", r.output);
    // The cgroup namespace shows the container's cgroup as the root.
    assert_eq!(lines.last().copied(), Some("/"), "{}", r.output);
}

fn background_processes_die_with_the_init() {
    let rootfs = busybox_rootfs();
    let r = run(&rootfs, &sh("sleep 4242 & sleep 4243 & echo started")).expect("run");
    assert_eq!(r.output, "started\n");
    let left: Vec<String> = std::fs::read_dir("/proc")
        .expect("proc")
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.starts_with("sleep 424"))
        .collect();
    assert!(left.is_empty(), "left on the host: {left:?}");
}

fn image_symlinks_cannot_point_mounts_at_the_host() {
    let rootfs = busybox_rootfs();
    let host = tempfile::tempdir().expect("tempdir");
    let escape = host.path().join("created");
    // An image whose /proc is an absolute link to a host path.
    std::fs::remove_dir(rootfs.path().join("proc")).expect("rmdir proc");
    std::os::unix::fs::symlink(&escape, rootfs.path().join("proc")).expect("symlink");
    let r = run(&rootfs, &sh("grep -c '^Pid:' /proc/self/status")).expect("run");
    assert_eq!(r.output, "1\n");
    assert!(
        !escape.exists(),
        "the runtime created {} on the host",
        escape.display()
    );
    assert!(rootfs
        .path()
        .join(escape.strip_prefix("/").expect("absolute"))
        .is_dir());
}

fn main() {
    if !root_or_skip("runtime_isolation") {
        return;
    }
    run_tests(&[
        (
            "pid_one_and_hidden_host_processes",
            pid_one_and_hidden_host_processes,
        ),
        ("capabilities_are_dockers", capabilities_are_dockers),
        (
            "mount_is_refused_and_proc_sys_read_only",
            mount_is_refused_and_proc_sys_read_only,
        ),
        ("masked_paths_are_empty", masked_paths_are_empty),
        ("dev_has_only_default_devices", dev_has_only_default_devices),
        ("user_app_runs_as_uid_1000", user_app_runs_as_uid_1000),
        ("exit_codes_follow_docker", exit_codes_follow_docker),
        ("nothing_is_left_on_the_host", nothing_is_left_on_the_host),
        (
            "seccomp_filter_by_default_none_when_privileged",
            seccomp_filter_by_default_none_when_privileged,
        ),
        (
            "cap_add_sys_admin_lifts_the_mount_gate",
            cap_add_sys_admin_lifts_the_mount_gate,
        ),
        (
            "image_symlinks_cannot_point_mounts_at_the_host",
            image_symlinks_cannot_point_mounts_at_the_host,
        ),
        (
            "background_processes_die_with_the_init",
            background_processes_die_with_the_init,
        ),
        (
            "cgroup_tree_is_read_only_and_rooted_at_the_container",
            cgroup_tree_is_read_only_and_rooted_at_the_container,
        ),
    ]);
}
