//! Root-only: a container runs on an overlay snapshot (engine::snapshot) of a busybox
//! layer; its writes land in the snapshot's upper dir, never in the layer, and removing the
//! snapshot after the container exits leaves no mount behind.

mod runtime_common;

use engine::layer::{LayerSource, LayerStore};
use engine::snapshot::Snapshot;
use engine::Digest;
use runtime_common::*;
use std::io::{Cursor, Read};

/// The busybox rootfs as an uncompressed layer tar (symlinks kept as links).
fn busybox_layer() -> Vec<u8> {
    let rootfs = busybox_rootfs();
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    builder
        .append_dir_all(".", rootfs.path())
        .expect("tar rootfs");
    builder.into_inner().expect("finish tar")
}

fn writes_land_in_the_upper_dir() {
    let root = tempfile::tempdir().expect("tempdir");
    let tar = busybox_layer();
    let store = LayerStore::open(root.path()).expect("layer store");
    let layers = store
        .ensure_all(vec![LayerSource {
            diff_id: Digest::of(&tar),
            blob: Digest::of(&tar),
            open: Box::new(move || Ok(Box::new(Cursor::new(tar)) as Box<dyn Read>)),
        }])
        .expect("ensure layer");
    let snap = Snapshot::create(root.path(), "rt-snap", &layers).expect("snapshot");
    let rootfs = Rootfs::borrowed(snap.rootfs_path());
    let r = run(
        &rootfs,
        &sh("echo hi > /etc/written; rm /bin/vi; cat /etc/written"),
    );
    let upper = snap.upper_dir();
    let lower = layers[0].diff_dir.clone();
    let unmounted = snap.unmount();
    let r = r.expect("run");
    assert_eq!(r.output, "hi\n");
    assert_eq!(
        std::fs::read_to_string(upper.join("etc/written")).expect("upper"),
        "hi\n"
    );
    assert!(!lower.join("etc/written").exists());
    assert!(
        lower.join("bin/vi").symlink_metadata().is_ok(),
        "lower layer changed"
    );
    unmounted.expect("unmount");
    assert!(host_mounts_under(root.path()).is_empty());
}

fn main() {
    if !root_or_skip("runtime_snapshot") {
        return;
    }
    run_tests(&[("writes_land_in_the_upper_dir", writes_land_in_the_upper_dir)]);
}
