//! Shared by the `container_*` tests: a state directory with the busybox image (built once
//! per test binary with scripts/busybox-rootfs.sh and `tug image import`) that force-removes
//! its containers on drop and checks that no process is left, and checks for leftover mounts
//! and cgroups.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .map(|v| v.split_whitespace().next() == Some("0"))
        })
        .unwrap_or(false)
}

/// The busybox rootfs tarball, built once for this file.
fn busybox_tar() -> &'static Path {
    static TAR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &TAR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let rootfs = dir.path().join("rootfs");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/busybox-rootfs.sh");
        let st = Command::new(script)
            .arg(&rootfs)
            .status()
            .expect("run script");
        assert!(st.success(), "busybox-rootfs.sh failed");
        let tar = dir.path().join("rootfs.tar");
        let st = Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .expect("run tar");
        assert!(st.success(), "tar failed");
        (dir, tar)
    })
    .1
}

/// A state directory with the busybox image; on drop it force-removes every container and
/// checks that nothing is left behind.
pub struct Root {
    dir: tempfile::TempDir,
    pids: std::cell::RefCell<Vec<i32>>,
}

impl Root {
    pub fn new() -> Root {
        let root = Root {
            dir: tempfile::tempdir().expect("temp dir"),
            pids: Default::default(),
        };
        let tar = busybox_tar().to_str().expect("utf-8").to_string();
        root.ok(&["image", "import", &tar, "busybox:latest"]);
        root
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn tug(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tug"))
            .arg("--root")
            .arg(self.path())
            .args(args)
            .env_remove("TUG_ROOT")
            .output()
            .expect("run tug")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.tug(args);
        assert!(
            out.status.success(),
            "tug {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn state(&self, id: &str) -> serde_json::Value {
        let path = self.path().join("containers").join(id).join("state.json");
        serde_json::from_slice(&std::fs::read(path).expect("state.json")).expect("json")
    }

    /// Remembers the init and monitor pids of running container `id` for the final check.
    pub fn track(&self, id: &str) -> (i32, i32) {
        let s = self.state(id);
        let pid = s["pid"].as_i64().expect("pid") as i32;
        let monitor = s["monitor_pid"].as_i64().expect("monitor_pid") as i32;
        self.pids.borrow_mut().extend([pid, monitor]);
        (pid, monitor)
    }

    pub fn inspect(&self, name: &str) -> serde_json::Value {
        let v: serde_json::Value =
            serde_json::from_str(&self.ok(&["container", "inspect", name])).expect("json");
        v[0].clone()
    }

    pub fn ids(&self) -> Vec<String> {
        self.ok(&["ps", "-aq", "--no-trunc"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Asserts that nothing of container `id` is left on the host.
    pub fn assert_gone(&self, id: &str) {
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
        let root = self.path().to_str().expect("utf-8");
        assert!(
            !mounts.lines().any(|l| l.contains(root)),
            "mounts left under {root}"
        );
        for base in cgroup_bases() {
            let dir = base.join("tug").join(id);
            assert!(!dir.exists(), "cgroup left: {}", dir.display());
        }
        assert!(!self.path().join("containers").join(id).exists());
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        for id in self.ids() {
            let _ = self.tug(&["container", "rm", "-f", &id]);
        }
        if std::thread::panicking() {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        for &pid in self.pids.borrow().iter() {
            while alive(pid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(!alive(pid), "process {pid} is left");
        }
    }
}

/// True for a live, non-zombie process.
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next());
            !matches!(state, Some("Z") | Some("X"))
        })
        .unwrap_or(false)
}

/// Every cgroup hierarchy root (v2, or each v1 controller mount).
pub fn cgroup_bases() -> Vec<PathBuf> {
    let base = Path::new("/sys/fs/cgroup");
    let mut out = vec![base.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(base) {
        out.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    out
}
