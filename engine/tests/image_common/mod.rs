//! Helpers shared by the image store and archive tests: a private TUG_ROOT per test, small
//! root filesystems built as tars, a tmpfs guard for full-disk tests, and skopeo.
#![allow(dead_code)]

use engine::archive::{import, ImportOptions};
use engine::reference::Reference;
use engine::store::{ImageRecord, Store};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A store in its own temporary TUG_ROOT, removed on drop.
pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

impl TestStore {
    pub fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open store");
        TestStore { dir, store }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Files left in the store's `tmp/`.
    pub fn tmp_files(&self) -> Vec<PathBuf> {
        list(&self.store.root().join("tmp"))
    }

    /// Blob files in the store.
    pub fn blob_files(&self) -> Vec<PathBuf> {
        list(&self.store.root().join("blobs/sha256"))
    }

    /// Imports a rootfs tar as `name`.
    pub fn import(&self, tar: &[u8], name: Option<&str>) -> ImageRecord {
        let opts = ImportOptions {
            reference: name.map(|n| Reference::parse(n).expect("reference")),
            source: "test".to_string(),
            ..ImportOptions::default()
        };
        import(&self.store, &mut &tar[..], &opts).expect("import")
    }
}

pub fn list(dir: &Path) -> Vec<PathBuf> {
    match fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.expect("dir entry").path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A tar of regular files (path, content), plus a directory and a symlink, like a tiny rootfs.
/// `seed` varies the content so each call can make a distinct layer.
pub fn rootfs_tar(seed: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut dir = tar::Header::new_gnu();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_mode(0o755);
    dir.set_size(0);
    dir.set_mtime(1_600_000_000);
    b.append_data(&mut dir, "bin/", std::io::empty())
        .expect("dir");
    for (path, content) in [
        ("bin/hello", format!("#!/bin/sh\necho hello {seed}\n")),
        ("etc/os-release", format!("NAME=test-{seed}\n")),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o755);
        h.set_mtime(1_600_000_000);
        b.append_data(&mut h, path, content.as_bytes())
            .expect("file");
    }
    let mut l = tar::Header::new_gnu();
    l.set_entry_type(tar::EntryType::Symlink);
    l.set_size(0);
    l.set_mtime(1_600_000_000);
    b.append_link(&mut l, "bin/hi", "hello").expect("link");
    b.into_inner().expect("tar")
}

/// Pseudo-random bytes (xorshift), so compression cannot shrink them.
pub fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    seed |= 1;
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// True when running as root; otherwise says why the test is skipped.
pub fn root_or_skip(test: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    eprintln!("skipping {test}: needs root to mount a tmpfs");
    false
}

/// A tmpfs of `size` mounted on a fresh directory, unmounted on drop.
pub struct Tmpfs {
    pub dir: tempfile::TempDir,
}

impl Tmpfs {
    pub fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().expect("temp dir");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(ok.success(), "mount tmpfs on {}", dir.path().display());
        Tmpfs { dir }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// `skopeo` with its policy and caches kept inside `home`, failing loudly if it is absent.
pub fn skopeo(home: &Path) -> Command {
    let found = Command::new("skopeo").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "skopeo is required for the interop tests: apt-get install skopeo \
         (scripts/install-deps.sh installs it)"
    );
    let policy = home.join("policy.json");
    fs::write(
        &policy,
        r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
    )
    .expect("policy");
    let mut c = Command::new("skopeo");
    c.env("HOME", home)
        .arg("--policy")
        .arg(policy)
        .arg("--tmpdir")
        .arg(home);
    c
}

/// Runs a command, panicking with its stderr when it fails.
pub fn run_ok(c: &mut Command) -> String {
    let out = c.output().expect("spawn");
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
