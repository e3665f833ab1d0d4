//! `tug container run` resource and security flags end to end through the binary, as root:
//! capabilities (`--cap-drop ALL`, `--cap-add`), `--read-only`, `--ulimit`, `--shm-size`,
//! `--security-opt no-new-privileges` and `--cpus` reaching the cgroup's CFS quota.

mod container_support;

use container_support::{cgroup_bases, is_root, Root};

/// Runs `sh -c script` in a fresh `--rm` container with `flags`, returning stdout and the
/// exit code.
fn run_sh(root: &Root, flags: &[&str], script: &str) -> (String, Option<i32>) {
    let mut args = vec!["container", "run", "--rm"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["busybox", "sh", "-c", script]);
    let out = root.tug(&args);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code(),
    )
}

fn cap_eff(root: &Root, flags: &[&str]) -> u64 {
    let (out, code) = run_sh(root, flags, "grep CapEff /proc/self/status");
    assert_eq!(code, Some(0), "{out}");
    let hex = out.split_whitespace().nth(1).expect("CapEff value");
    u64::from_str_radix(hex, 16).expect("hex")
}

const CAP_NET_ADMIN: u64 = 1 << 12;

#[test]
fn capabilities_follow_cap_add_and_cap_drop() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let default = cap_eff(&root, &[]);
    assert_eq!(default, 0xa80425fb, "docker's default set");
    assert_eq!(cap_eff(&root, &["--cap-drop", "ALL"]), 0);
    assert_eq!(
        cap_eff(&root, &["--cap-add", "NET_ADMIN"]),
        default | CAP_NET_ADMIN
    );
    assert_eq!(
        cap_eff(&root, &["--cap-drop", "ALL", "--cap-add", "NET_ADMIN"]),
        CAP_NET_ADMIN
    );
    assert_eq!(cap_eff(&root, &["--cap-drop", "CHOWN"]), default & !1);
    assert!(cap_eff(&root, &["--privileged"]) > default);
    let bad = root.tug(&[
        "container",
        "run",
        "--rm",
        "--cap-add",
        "NOPE",
        "busybox",
        "true",
    ]);
    assert_ne!(bad.status.code(), Some(0));
}

#[test]
fn read_only_refuses_writes_but_tmpfs_dirs_stay_writable() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let (_, code) = run_sh(&root, &["--read-only"], "touch /x");
    assert_ne!(code, Some(0), "--read-only allowed a write to /");
    let (_, code) = run_sh(&root, &["--read-only"], "touch /dev/shm/x");
    assert_eq!(code, Some(0), "/dev/shm must stay writable");
    let (out, code) = run_sh(
        &root,
        &["--read-only", "--tmpfs", "/scratch:size=1m"],
        "touch /scratch/x && df -k /scratch | tail -n 1",
    );
    assert_eq!(code, Some(0), "--tmpfs must be writable: {out}");
    assert_eq!(out.split_whitespace().nth(1), Some("1024"), "{out}");
    let (_, code) = run_sh(&root, &[], "touch /x");
    assert_eq!(code, Some(0), "a normal rootfs is writable");
}

#[test]
fn ulimit_shm_size_and_no_new_privileges_are_applied() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let (out, _) = run_sh(
        &root,
        &["--ulimit", "nofile=1024:2048"],
        "ulimit -n; ulimit -Hn",
    );
    assert_eq!(out, "1024\n2048\n");
    let (out, _) = run_sh(&root, &["--shm-size", "8m"], "df -k /dev/shm | tail -n 1");
    assert_eq!(out.split_whitespace().nth(1), Some("8192"), "{out}");
    let (out, _) = run_sh(
        &root,
        &["--security-opt", "no-new-privileges"],
        "grep NoNewPrivs /proc/self/status",
    );
    assert!(out.contains('1'), "{out}");
}

#[test]
fn cpus_set_the_cfs_quota_and_shares_the_weight() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let root = Root::new();
    let id = root
        .ok(&[
            "container",
            "run",
            "-d",
            "--cpus",
            "0.5",
            "--cpu-shares",
            "512",
            "busybox",
            "sleep",
            "100",
        ])
        .trim()
        .to_string();
    root.track(&id);
    let read = |file: &str| {
        cgroup_bases()
            .into_iter()
            .map(|b| b.join("tug").join(&id).join(file))
            .find_map(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_else(|| panic!("no {file} for the container"))
    };
    if std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        assert_eq!(read("cpu.max").trim(), "50000 100000");
    } else {
        assert_eq!(read("cpu.cfs_quota_us").trim(), "50000");
        assert_eq!(read("cpu.shares").trim(), "512");
    }
    root.ok(&["container", "rm", "-f", &id]);
    root.assert_gone(&id);
    let bad = root.tug(&[
        "container",
        "run",
        "--rm",
        "-m",
        "64m",
        "--memory-swap",
        "32m",
        "busybox",
        "true",
    ]);
    assert_eq!(bad.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--memory-swap"));
    assert!(root.ids().is_empty(), "an invalid limit left a container");
}
