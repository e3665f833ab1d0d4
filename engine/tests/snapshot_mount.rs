//! Real overlay mounts (root, real kernel): the merged view honours whiteouts, opaque dirs,
//! hard links and metadata; container writes land in the upper dir only; 120 layers mount;
//! removal leaves no mount and no directory. Skipped with a message when not root.

mod layer_common;

use engine::layer::{LayerRef, LayerSource, LayerStore};
use engine::snapshot::{mountinfo, Snapshot, MAX_OPTIONS_LEN};
use engine::Digest;
use layer_common::{root_or_skip, tree, xattr, Opts, TarBuf};
use std::fs;
use std::io::{Cursor, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use tar::EntryType;

/// Unmounts (lazily) whatever a failed test left mounted under its root, so one failure does
/// not leak mounts into the next run.
struct MountGuard(PathBuf);

impl Drop for MountGuard {
    fn drop(&mut self) {
        for p in mounts_under(&self.0) {
            let _ = nix::mount::umount2(&p, nix::mount::MntFlags::MNT_DETACH);
        }
    }
}

fn mounts_under(root: &Path) -> Vec<PathBuf> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let table = fs::read_to_string("/proc/self/mountinfo").unwrap();
    mountinfo::mount_points(&table)
        .filter(|p| p.starts_with(&root))
        .collect()
}

fn ensure(root: &Path, tars: Vec<Vec<u8>>) -> Vec<LayerRef> {
    let store = LayerStore::open(root).unwrap();
    let sources = tars
        .into_iter()
        .map(|tar| {
            let blob = layer_common::gzip(&tar);
            LayerSource {
                diff_id: Digest::of(&tar),
                blob: Digest::of(&blob),
                open: Box::new(move || Ok(Box::new(Cursor::new(blob)) as Box<dyn Read>)),
            }
        })
        .collect();
    store.ensure_all(sources).unwrap()
}

fn base_layer() -> Vec<u8> {
    TarBuf::new()
        .dir("etc/", Opts::default().mode(0o755))
        .file(
            "etc/passwd",
            b"root:x:0:0::/root:/bin/sh\n",
            Opts::default(),
        )
        .file("etc/motd", b"welcome\n", Opts::default())
        .dir("var/cache/", Opts::default())
        .file("var/cache/old1", b"1", Opts::default())
        .file("var/cache/old2", b"2", Opts::default())
        .file("usr/bin/python3.11", b"interp", Opts::default().mode(0o755))
        .hardlink("usr/bin/python3", "usr/bin/python3.11")
        .file("usr/bin/su", b"elf", Opts::default().mode(0o4755))
        .dir(
            "srv/",
            Opts::default()
                .mode(0o2750)
                .owner(33, 33)
                .mtime(1_111_111_111),
        )
        .file(
            "srv/tagged",
            b"t",
            Opts::default()
                .owner(33, 33)
                .pax("SCHILY.xattr.user.tag", b"v1"),
        )
        .device(
            EntryType::Char,
            "dev/null",
            1,
            3,
            Opts::default().mode(0o666),
        )
        .finish()
}

fn upper_layer() -> Vec<u8> {
    TarBuf::new()
        .file("etc/.wh.motd", b"", Opts::default())
        .dir("var/cache/", Opts::default())
        .file("var/cache/.wh..wh..opq", b"", Opts::default())
        .file("var/cache/new", b"n", Opts::default())
        .file("etc/added", b"a", Opts::default())
        .finish()
}

#[test]
fn the_merged_view_is_the_image_as_docker_shows_it() {
    if !root_or_skip("the_merged_view_is_the_image_as_docker_shows_it") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let _guard = MountGuard(root.path().to_path_buf());
    let layers = ensure(root.path(), vec![base_layer(), upper_layer()]);
    let snap = Snapshot::create(root.path(), "merged-view", &layers).unwrap();
    assert!(snap.is_mounted().unwrap());
    let m = snap.rootfs_path();

    assert_eq!(
        fs::read(m.join("etc/passwd")).unwrap(),
        b"root:x:0:0::/root:/bin/sh\n"
    );
    assert!(
        !m.join("etc/motd").exists(),
        "whiteout hides the lower file"
    );
    assert_eq!(fs::read(m.join("etc/added")).unwrap(), b"a");
    let cache: Vec<String> = fs::read_dir(m.join("var/cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(cache, ["new"], "opaque dir hides the lower contents");

    let py = fs::metadata(m.join("usr/bin/python3.11")).unwrap();
    assert_eq!(
        py.ino(),
        fs::metadata(m.join("usr/bin/python3")).unwrap().ino()
    );
    assert_eq!(py.nlink(), 2);
    assert_eq!(
        fs::metadata(m.join("usr/bin/su")).unwrap().mode() & 0o7777,
        0o4755
    );
    let srv = fs::metadata(m.join("srv")).unwrap();
    assert_eq!(
        (srv.uid(), srv.gid(), srv.mode() & 0o7777),
        (33, 33, 0o2750)
    );
    assert_eq!(srv.mtime(), 1_111_111_111);
    assert_eq!(
        xattr(&m.join("srv/tagged"), "user.tag").as_deref(),
        Some(&b"v1"[..])
    );
    let null = fs::metadata(m.join("dev/null")).unwrap();
    assert!(null.file_type().is_char_device());
    assert_eq!(null.rdev(), rustix::fs::makedev(1, 3));

    snap.remove().unwrap();
    assert!(mounts_under(root.path()).is_empty());
    assert!(!root.path().join("containers/merged-view").exists());
}

#[test]
fn container_writes_land_in_its_upper_dir_and_never_in_the_layers() {
    if !root_or_skip("container_writes_land_in_its_upper_dir_and_never_in_the_layers") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let _guard = MountGuard(root.path().to_path_buf());
    let layers = ensure(root.path(), vec![base_layer(), upper_layer()]);
    let before: Vec<_> = layers.iter().map(|l| tree(&l.diff_dir)).collect();
    let a = Snapshot::create(root.path(), "writer", &layers).unwrap();
    let b = Snapshot::create(root.path(), "neighbour", &layers).unwrap();
    let m = a.rootfs_path();

    fs::write(m.join("etc/passwd"), b"changed\n").unwrap();
    fs::write(m.join("new-file"), b"mine").unwrap();
    fs::remove_file(m.join("etc/added")).unwrap();

    let up = a.upper_dir();
    assert_eq!(fs::read(up.join("etc/passwd")).unwrap(), b"changed\n");
    assert_eq!(fs::read(up.join("new-file")).unwrap(), b"mine");
    let wh = fs::symlink_metadata(up.join("etc/added")).unwrap();
    assert!(
        wh.file_type().is_char_device() && wh.rdev() == 0,
        "deletion is a whiteout in upper"
    );

    // The layers and the other container see none of it.
    assert_eq!(
        fs::read(layers[0].diff_dir.join("etc/passwd")).unwrap(),
        b"root:x:0:0::/root:/bin/sh\n"
    );
    assert!(layers[1].diff_dir.join("etc/added").exists());
    let after: Vec<_> = layers.iter().map(|l| tree(&l.diff_dir)).collect();
    assert_eq!(before, after);
    let n = b.rootfs_path();
    assert_eq!(
        fs::read(n.join("etc/passwd")).unwrap(),
        b"root:x:0:0::/root:/bin/sh\n"
    );
    assert!(!n.join("new-file").exists());
    assert!(n.join("etc/added").exists());

    // Unmount, find it again as a later process would, remount: the changes persisted.
    a.unmount().unwrap();
    assert!(
        !m.join("etc").exists(),
        "mount point is empty once unmounted"
    );
    let again = Snapshot::open(root.path(), "writer").unwrap();
    again.mount().unwrap();
    assert_eq!(fs::read(m.join("new-file")).unwrap(), b"mine");

    again.remove().unwrap();
    b.remove().unwrap();
    assert!(mounts_under(root.path()).is_empty());
    assert!(fs::read_dir(root.path().join("containers"))
        .unwrap()
        .next()
        .is_none());
}

#[test]
fn an_image_of_120_layers_mounts() {
    if !root_or_skip("an_image_of_120_layers_mounts") {
        return;
    }
    const N: usize = 120;
    let root = tempfile::tempdir().unwrap();
    let _guard = MountGuard(root.path().to_path_buf());
    let tars = (0..N)
        .map(|i| {
            TarBuf::new()
                .file(&format!("layers/f{i}"), b"x", Opts::default())
                .file("top", i.to_string().as_bytes(), Opts::default())
                .finish()
        })
        .collect();
    let layers = ensure(root.path(), tars);
    // A container id as long as docker's (64 hex) makes upper/work paths long too.
    let id = "c".repeat(64);
    let snap = Snapshot::create(root.path(), &id, &layers).unwrap();
    let options = snap.mount_options();
    assert!(
        options.len() > N * 29 && options.len() <= MAX_OPTIONS_LEN,
        "{}",
        options.len()
    );
    let m = snap.rootfs_path();
    assert_eq!(fs::read_dir(m.join("layers")).unwrap().count(), N);
    assert_eq!(
        fs::read(m.join("top")).unwrap(),
        (N - 1).to_string().as_bytes()
    );
    snap.remove().unwrap();
    assert!(mounts_under(root.path()).is_empty());
    assert!(!root.path().join("containers").join(&id).exists());
}
