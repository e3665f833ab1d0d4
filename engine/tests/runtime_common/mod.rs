//! Helpers for the runtime's root-only integration tests: a busybox rootfs built by
//! scripts/busybox-rootfs.sh, a container run with its output captured, and a tiny
//! sequential runner (the tests use `harness = false` so `main` stays single-threaded and
//! may clone).

#![allow(dead_code)]

use engine::runtime::linux::{start, InitProcess, StartError, Stdio};
use engine::runtime::rlimit::ProcessLimits;
use engine::runtime::{build_spec, ContainerSpec};
use nix::fcntl::OFlag;
use nix::unistd::pipe2;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A container rootfs: a busybox tree in a temporary directory (removed on drop) or a
/// directory owned by someone else (an overlay snapshot).
pub enum Rootfs {
    Temp(tempfile::TempDir),
    Borrowed(PathBuf),
}

impl Rootfs {
    pub fn borrowed(path: PathBuf) -> Rootfs {
        Rootfs::Borrowed(path)
    }

    pub fn path(&self) -> &Path {
        match self {
            Rootfs::Temp(dir) => dir.path(),
            Rootfs::Borrowed(path) => path,
        }
    }
}

/// Builds a fresh busybox rootfs with the repository's script.
pub fn busybox_rootfs() -> Rootfs {
    let dir = tempfile::Builder::new()
        .prefix("tug-rt-")
        .tempdir()
        .expect("tempdir");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/busybox-rootfs.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .output()
        .expect("run busybox-rootfs.sh");
    assert!(
        out.status.success(),
        "busybox-rootfs.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Rootfs::Temp(dir)
}

/// The output and docker exit code of a finished container.
#[derive(Debug)]
pub struct Run {
    pub output: String,
    pub code: i32,
}

/// Starts a container running `sh -c script` (with `tweak` applied to the spec) and returns
/// the started init plus the read end of its combined stdout/stderr.
pub fn spawn(
    rootfs: &Rootfs,
    cs: &ContainerSpec,
) -> Result<(InitProcess, std::fs::File), StartError> {
    let spec = build_spec(cs, rootfs.path(), &ProcessLimits).expect("build spec");
    let (r, w) = pipe2(OFlag::O_CLOEXEC).expect("pipe");
    let w2 = w.try_clone().expect("dup");
    let init = start(
        &spec,
        Stdio {
            stdin: None,
            stdout: Some(w),
            stderr: Some(w2),
        },
    )?;
    Ok((init, std::fs::File::from(r)))
}

/// Runs a container to completion.
pub fn run(rootfs: &Rootfs, cs: &ContainerSpec) -> Result<Run, StartError> {
    let (init, mut out) = spawn(rootfs, cs)?;
    let mut output = String::new();
    out.read_to_string(&mut output).expect("read output");
    let code = init.wait()?;
    Ok(Run { output, code })
}

/// A container spec running `sh -c script`.
pub fn sh(script: &str) -> ContainerSpec {
    ContainerSpec {
        args: vec!["sh".into(), "-c".into(), script.into()],
        hostname: "tugtest".into(),
        ..Default::default()
    }
}

/// True when running as root; otherwise prints why the tests are skipped.
pub fn root_or_skip(name: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    println!("{name}: skipped, the runtime tests need root");
    false
}

/// Runs named tests in order on this (single) thread, speaking enough of libtest's command
/// line for `cargo test NAME`, `--exact`, and cargo-nextest (`--list --format terse`, then one
/// process per test); exits non-zero if any test panicked.
pub fn run_tests(tests: &[(&str, fn())]) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        // Ignored tests are listed separately by nextest; there are none.
        if !args.iter().any(|a| a == "--ignored") {
            for (name, _) in tests {
                println!("{name}: test");
            }
        }
        return;
    }
    let exact = args.iter().any(|a| a == "--exact");
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected = |name: &str| {
        filter.is_empty()
            || filter.iter().any(|f| {
                if exact {
                    name == f.as_str()
                } else {
                    name.contains(f.as_str())
                }
            })
    };
    let (mut passed, mut failed) = (0, Vec::new());
    for (name, test) in tests.iter().filter(|(name, _)| selected(name)) {
        // catch_unwind keeps going after a failed assertion; no thread is spawned.
        match std::panic::catch_unwind(test) {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(_) => {
                println!("test {name} ... FAILED");
                failed.push(*name);
            }
        }
    }
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {} failed",
        failed.len()
    );
    if !failed.is_empty() {
        println!("failures: {failed:?}");
        std::process::exit(101);
    }
}

/// Lines of the host's mount table mentioning `path`.
pub fn host_mounts_under(path: &Path) -> Vec<String> {
    let table = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    let p = path.to_string_lossy();
    table
        .lines()
        .filter(|l| l.contains(p.as_ref()))
        .map(String::from)
        .collect()
}
