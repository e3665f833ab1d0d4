//! The image commands end to end, through the `tug` binary, against a real registry: import a
//! rootfs, push it, pull it into another state directory, list and inspect it, and check the
//! messages a user sees for a wrong tag and a registry that is down.

#[path = "../../engine/tests/registry_harness/mod.rs"]
mod registry_harness;

use registry_harness::{free_port, Registry};
use std::path::Path;
use std::process::{Command, Output};

fn tug(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tug"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env_remove("TUG_ROOT")
        .env("HOME", root)
        .output()
        .expect("run tug")
}

fn ok(root: &Path, args: &[&str]) -> String {
    let out = tug(root, args);
    assert!(
        out.status.success(),
        "tug {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn rootfs_tar(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("rootfs.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&path).expect("create tar"));
    for (name, body) in [
        ("etc/hostname", "demo\n"),
        ("bin/hello", "#!/bin/sh\necho hi\n"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o755);
        h.set_cksum();
        b.append_data(&mut h, name, body.as_bytes())
            .expect("append");
    }
    b.finish().expect("finish tar");
    path
}

fn inspect_id(root: &Path, name: &str) -> String {
    let out = ok(root, &["image", "inspect", name]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("inspect prints JSON");
    v[0]["Id"].as_str().expect("Id").to_string()
}

#[test]
fn push_then_pull_into_another_root_keeps_the_image() {
    let registry = Registry::start();
    let src = tempfile::tempdir().expect("temp");
    let dst = tempfile::tempdir().expect("temp");
    let name = format!("{}/demo/app:1", registry.addr);

    let tar = rootfs_tar(src.path());
    ok(
        src.path(),
        &["image", "import", tar.to_str().expect("utf-8"), &name],
    );
    let id = inspect_id(src.path(), &name);

    let pushed = ok(src.path(), &["push", &name]);
    assert!(pushed.contains("digest: sha256:"), "push output: {pushed}");

    let pulled = ok(dst.path(), &["pull", &name]);
    assert!(
        pulled.contains("Pull complete") && pulled.contains("Downloaded newer image"),
        "plain pull output off a terminal: {pulled}"
    );
    assert_eq!(
        inspect_id(dst.path(), &name),
        id,
        "same image id after the round trip"
    );

    let listed = ok(dst.path(), &["images"]);
    let repo = format!("{}/demo/app", registry.addr);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&repo) && l.contains(" 1 ")),
        "images lists the pulled tag: {listed}"
    );

    let again = ok(dst.path(), &["pull", &name]);
    assert!(
        again.contains("Image is up to date"),
        "second pull: {again}"
    );
}

#[test]
fn pull_errors_name_the_image_and_the_cause() {
    let registry = Registry::start();
    let root = tempfile::tempdir().expect("temp");

    let missing = format!("{}/demo/app:nope", registry.addr);
    let out = tug(root.path(), &["pull", &missing]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("demo/app:nope") && err.contains("404"),
        "wrong tag: {err}"
    );

    let down = format!("127.0.0.1:{}/demo/app:1", free_port());
    let out = tug(root.path(), &["pull", &down]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("connection refused"), "registry down: {err}");
    assert!(
        ok(root.path(), &["images", "-q"]).trim().is_empty(),
        "failed pulls leave no image"
    );
}
