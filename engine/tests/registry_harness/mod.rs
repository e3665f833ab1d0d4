//! Test harness for the registry tests: a real registry (Debian's `docker-registry`) on a free
//! loopback port, optionally behind htpasswd basic auth, killed on drop; test images built
//! from small generated layers, written as OCI layouts for skopeo or straight into a store.
#![allow(dead_code)]

pub mod fake;
pub mod image;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine::registry::{Event, Progress, RegistryOptions, RetryPolicy};

/// Fails the test with an install hint when a tool is missing (CI installs them through
/// scripts/install-deps.sh).
pub fn require(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is not installed: run scripts/install-deps.sh (apt packages docker-registry, \
         skopeo, apache2-utils)"
    );
}

/// A running `docker-registry serve` with its own storage directory.
pub struct Registry {
    child: Child,
    dir: tempfile::TempDir,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl Registry {
    /// A registry without authentication.
    pub fn start() -> Registry {
        Registry::spawn(None)
    }

    /// A registry that requires basic auth for `user` / `password` (htpasswd, bcrypt).
    pub fn start_with_auth(user: &str, password: &str) -> Registry {
        require("htpasswd");
        let out = Command::new("htpasswd")
            .args(["-Bbn", user, password])
            .output()
            .expect("run htpasswd");
        assert!(out.status.success(), "htpasswd failed: {out:?}");
        Registry::spawn(Some(
            String::from_utf8(out.stdout).expect("utf-8 htpasswd line"),
        ))
    }

    fn spawn(htpasswd: Option<String>) -> Registry {
        require("docker-registry");
        let dir = tempfile::tempdir().expect("temp dir");
        // A port taken by someone else between probing and binding makes the registry exit;
        // try a few ports before giving up.
        for _ in 0..5 {
            let port = free_port();
            let addr = format!("127.0.0.1:{port}");
            let mut config = format!(
                "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n\
                 storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                 http:\n  addr: {addr}\n  secret: tug-test-secret\n",
                dir.path().join("storage").display()
            );
            if let Some(line) = &htpasswd {
                let file = dir.path().join("htpasswd");
                std::fs::write(&file, line).expect("write htpasswd");
                config.push_str(&format!(
                    "auth:\n  htpasswd:\n    realm: tug-test\n    path: {}\n",
                    file.display()
                ));
            }
            let config_path = dir.path().join("config.yml");
            std::fs::write(&config_path, config).expect("write registry config");
            let log = std::fs::File::create(dir.path().join("registry.log")).expect("log file");
            let child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log fd"))
                .stderr(log)
                .spawn()
                .expect("spawn docker-registry");
            let mut child = child;
            if wait_ready(&mut child, &addr, Duration::from_secs(20)) {
                return Registry { child, dir, addr };
            }
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("registry.log")).unwrap_or_default();
            eprintln!("registry on {addr} did not come up, retrying: {log}");
        }
        panic!("docker-registry did not start")
    }

    /// The file the registry serves a blob from (to tamper with it).
    pub fn blob_data_path(&self, digest: &engine::Digest) -> PathBuf {
        let hex = digest.hex();
        self.dir
            .path()
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// The registry's log (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `GET /v2/` until the registry answers (200, or 401 with auth), or it exits.
fn wait_ready(child: &mut Child, addr: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if matches!(http_status(addr, "/v2/"), Some(200 | 401)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

/// The status of `GET path` on a loopback server, by hand (the tests need no HTTP client).
pub fn http_status(addr: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).ok()?;
    let line = String::from_utf8_lossy(&buf[..n]);
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Registry options for a test: credentials in `dir/docker-config.json` (never the user's),
/// and quick retries.
pub fn options(dir: &Path) -> RegistryOptions {
    RegistryOptions {
        docker_config: dir.join("docker-config.json"),
        retry: RetryPolicy {
            retries: 2,
            initial_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
        },
        ..RegistryOptions::default()
    }
}

/// Runs skopeo with TLS verification off (the registry is plain HTTP on loopback) and fails
/// the test with its stderr if it fails.
pub fn skopeo(args: &[&str]) -> String {
    require("skopeo");
    let out = Command::new("skopeo")
        .args(args)
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("run skopeo");
    assert!(
        out.status.success(),
        "skopeo {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Collects progress events, for asserting on what a transfer did.
#[derive(Default, Clone)]
pub struct Recorder(pub Arc<Mutex<Vec<Event>>>);

impl Progress for Recorder {
    fn event(&self, event: Event) {
        if let Ok(mut v) = self.0.lock() {
            v.push(event);
        }
    }
}

impl Recorder {
    /// A copy of the events so far.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

/// Temp files left in a store (there must be none after a transfer, failed or not).
pub fn store_temp_files(tug_root: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tug_root.join("image/tmp"))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}
