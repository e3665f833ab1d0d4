//! Root-only: the process options of a container take effect inside it: rlimits clamped to
//! the host, read-only rootfs, no_new_privileges, cwd, env and /dev/shm size.

mod runtime_common;

use engine::runtime::Ulimit;
use runtime_common::*;

fn ulimit_above_the_host_is_clamped_and_starts() {
    let rootfs = busybox_rootfs();
    let (_, host_hard) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .expect("getrlimit");
    let mut cs = sh("ulimit -n; ulimit -Hn");
    cs.ulimits = vec![Ulimit {
        name: "nofile".into(),
        soft: u64::MAX / 2,
        hard: u64::MAX / 2,
    }];
    let r = run(&rootfs, &cs).expect("run");
    assert_eq!(r.output, format!("{host_hard}\n{host_hard}\n"));
    cs.ulimits[0] = Ulimit {
        name: "nofile".into(),
        soft: 100,
        hard: 200,
    };
    assert_eq!(run(&rootfs, &cs).expect("run").output, "100\n200\n");
}

fn read_only_rootfs_refuses_writes_but_tmpfs_mounts_work() {
    let rootfs = busybox_rootfs();
    let mut cs =
        sh("touch /etc/x 2>/dev/null && echo WROTE; echo shm > /dev/shm/f && cat /dev/shm/f");
    cs.read_only = true;
    let r = run(&rootfs, &cs).expect("run");
    assert_eq!(r.output, "shm\n");
    assert!(!rootfs.path().join("etc/x").exists());
}

fn no_new_privileges_cwd_env_and_shm_size() {
    let rootfs = busybox_rootfs();
    let mut cs =
        sh("grep NoNewPrivs /proc/self/status; pwd; echo $FOO $HOSTNAME; df -k /dev/shm | tail -1");
    cs.no_new_privileges = true;
    cs.cwd = Some("/tmp".into());
    cs.env = vec!["FOO=bar".into()];
    cs.shm_size = Some(8 * 1024 * 1024);
    let r = run(&rootfs, &cs).expect("run");
    let lines: Vec<&str> = r.output.lines().collect();
    assert_eq!(lines[0], "NoNewPrivs:\t1", "{}", r.output);
    assert_eq!(lines[1], "/tmp");
    assert_eq!(lines[2], "bar tugtest");
    let size: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(size[1], "8192", "{}", r.output);
}

fn missing_cwd_is_created_and_a_file_cwd_fails() {
    let rootfs = busybox_rootfs();
    let mut cs = sh("pwd");
    cs.cwd = Some("/does/not/exist".into());
    cs.read_only = true;
    assert_eq!(run(&rootfs, &cs).expect("run").output, "/does/not/exist\n");
    cs.cwd = Some("/etc/passwd".into());
    let err = run(&rootfs, &cs).expect_err("cwd is a file");
    assert!(err.to_string().contains("/etc/passwd"), "{err}");
    assert_eq!(err.exit_code(), 126);
}

fn caller_fds_do_not_leak_into_the_container() {
    use std::os::fd::AsRawFd;
    let rootfs = busybox_rootfs();
    let file = std::fs::File::open("/etc/hostname").expect("open");
    // Clear close-on-exec, as a careless caller might.
    // SAFETY: F_SETFD on an fd this test owns.
    let rc = unsafe { nix::libc::fcntl(file.as_raw_fd(), nix::libc::F_SETFD, 0) };
    assert_eq!(rc, 0);
    let mut cs = sh("");
    cs.args = vec!["sleep".into(), "5".into()];
    let (init, _out) = spawn(&rootfs, &cs).expect("spawn");
    // Read from the host once execve has happened (spawn returns then): no shell races.
    let mut fds: Vec<String> = std::fs::read_dir(format!("/proc/{}/fd", init.pid()))
        .expect("fd dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    fds.sort();
    let _ = nix::sys::signal::kill(init.pid(), nix::sys::signal::Signal::SIGKILL);
    assert_eq!(init.wait().expect("wait"), 137);
    drop(file);
    assert_eq!(fds, vec!["0", "1", "2"]);
}

fn bind(source: &std::path::Path, dest: &str, options: &[&str]) -> oci_spec::runtime::Mount {
    let mut m = oci_spec::runtime::Mount::default();
    m.set_destination(dest.into());
    m.set_typ(Some("bind".into()));
    m.set_source(Some(source.to_path_buf()));
    m.set_options(Some(options.iter().map(|o| o.to_string()).collect()));
    m
}

fn bind_mounts_file_read_only_and_dir_read_write() {
    let rootfs = busybox_rootfs();
    let host = tempfile::tempdir().expect("tempdir");
    let hostname = host.path().join("hostname");
    std::fs::write(&hostname, "fromhost\n").expect("write");
    let data = host.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    let mut cs = sh(
        "cat /etc/hostname; (echo x > /etc/hostname) 2>/dev/null && echo WROTE; echo y > /data/out",
    );
    cs.mounts = vec![
        bind(&hostname, "/etc/hostname", &["rbind", "ro"]),
        bind(&data, "/data", &["rbind", "rw"]),
    ];
    let r = run(&rootfs, &cs).expect("run");
    assert_eq!(r.output, "fromhost\n");
    assert_eq!(
        std::fs::read_to_string(data.join("out")).expect("out"),
        "y\n"
    );
    assert_eq!(
        std::fs::read_to_string(&hostname).expect("hostname"),
        "fromhost\n"
    );
    assert!(host_mounts_under(host.path()).is_empty());
}

fn signals_are_reset_and_umask_is_docker_default() {
    let rootfs = busybox_rootfs();
    // This test process ignores SIGPIPE (Rust's runtime does); the container must not.
    let r = run(
        &rootfs,
        &sh("grep -E '^Sig(Ign|Blk)' /proc/self/status; umask"),
    )
    .expect("run");
    assert_eq!(
        r.output, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n0022\n",
        "{}",
        r.output
    );
}

fn start_to_exit_is_quick() {
    let rootfs = busybox_rootfs();
    let mut cs = sh("");
    cs.args = vec!["/bin/true".into()];
    let mut times: Vec<std::time::Duration> = (0..15)
        .map(|_| {
            let t = std::time::Instant::now();
            assert_eq!(run(&rootfs, &cs).expect("run").code, 0);
            t.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "start_to_exit_is_quick: median {median:?} (min {:?})",
        times[0]
    );
    assert!(median < std::time::Duration::from_secs(1), "{median:?}");
}

fn main() {
    if !root_or_skip("runtime_options") {
        return;
    }
    run_tests(&[
        (
            "ulimit_above_the_host_is_clamped_and_starts",
            ulimit_above_the_host_is_clamped_and_starts,
        ),
        (
            "read_only_rootfs_refuses_writes_but_tmpfs_mounts_work",
            read_only_rootfs_refuses_writes_but_tmpfs_mounts_work,
        ),
        (
            "no_new_privileges_cwd_env_and_shm_size",
            no_new_privileges_cwd_env_and_shm_size,
        ),
        (
            "missing_cwd_is_created_and_a_file_cwd_fails",
            missing_cwd_is_created_and_a_file_cwd_fails,
        ),
        (
            "caller_fds_do_not_leak_into_the_container",
            caller_fds_do_not_leak_into_the_container,
        ),
        (
            "bind_mounts_file_read_only_and_dir_read_write",
            bind_mounts_file_read_only_and_dir_read_write,
        ),
        (
            "signals_are_reset_and_umask_is_docker_default",
            signals_are_reset_and_umask_is_docker_default,
        ),
        ("start_to_exit_is_quick", start_to_exit_is_quick),
    ]);
}
