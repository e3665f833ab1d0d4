//! Snapshot logic against a recording fake mounter: options, errors, clean-up. No root needed.

mod layer_common;

use engine::layer::{LayerRef, LayerSource, LayerStore, UnpackOptions};
use engine::snapshot::{MountCall, RecordingMounter, Snapshot, SnapshotError, MAX_OPTIONS_LEN};
use engine::Digest;
use layer_common::{Opts, TarBuf};
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

/// `n` one-file layers in a fresh store under `root`.
fn layers(root: &Path, n: usize) -> Vec<LayerRef> {
    let store = LayerStore::open(root).unwrap().with_options(UnpackOptions {
        preserve_ownership: false,
    });
    let sources = (0..n)
        .map(|i| {
            let tar = TarBuf::new()
                .file(&format!("f{i}"), b"x", Opts::default())
                .finish();
            LayerSource {
                diff_id: Digest::of(&tar),
                blob: Digest::of(&tar),
                open: Box::new(move || Ok(Box::new(Cursor::new(tar)) as Box<dyn Read>)),
            }
        })
        .collect();
    store.ensure_all(sources).unwrap()
}

#[test]
fn create_mounts_with_short_relative_lowers_top_first_from_the_image_dir() {
    let root = tempfile::tempdir().unwrap();
    let ls = layers(root.path(), 3);
    let fake = Arc::new(RecordingMounter::new());
    let snap = Snapshot::create_with(fake.clone(), root.path(), "c1", &ls).unwrap();
    let dir = root.path().join("containers/c1");
    assert_eq!(snap.rootfs_path(), dir.join("merged"));
    for d in ["upper", "work", "merged"] {
        assert!(dir.join(d).is_dir(), "{d}");
    }
    let calls = fake.calls();
    let [MountCall::Mount {
        cwd,
        target,
        options,
    }] = calls.as_slice()
    else {
        panic!("expected one mount, got {calls:?}");
    };
    assert_eq!(cwd, &root.path().join("image"));
    assert_eq!(target, &dir.join("merged"));
    let lowers = format!(
        "lowerdir=l/{}:l/{}:l/{}",
        ls[2].link, ls[1].link, ls[0].link
    );
    assert!(options.starts_with(&format!("{lowers},")), "{options}");
    assert!(options.contains(&format!(",upperdir={}", dir.join("upper").display())));
    assert!(options.contains(&format!(",workdir={}", dir.join("work").display())));
    assert!(snap.is_mounted().unwrap());
    // Mounting again is a no-op.
    snap.mount().unwrap();
    assert_eq!(fake.calls().len(), 1);
}

#[test]
fn remove_unmounts_then_deletes_everything_it_made() {
    let root = tempfile::tempdir().unwrap();
    let ls = layers(root.path(), 1);
    let fake = Arc::new(RecordingMounter::new());
    let snap = Snapshot::create_with(fake.clone(), root.path(), "c2", &ls).unwrap();
    std::fs::write(snap.upper_dir().join("changed"), b"x").unwrap();
    snap.remove().unwrap();
    assert_eq!(
        fake.calls().last(),
        Some(&MountCall::Unmount(
            root.path().join("containers/c2/merged")
        ))
    );
    assert!(!root.path().join("containers/c2").exists());
    assert!(ls[0].diff_dir.join("f0").exists(), "layers stay");
}

#[test]
fn the_container_directory_stays_when_the_runtime_keeps_files_in_it() {
    let root = tempfile::tempdir().unwrap();
    let ls = layers(root.path(), 1);
    let fake = Arc::new(RecordingMounter::new());
    let snap = Snapshot::create_with(fake, root.path(), "c3", &ls).unwrap();
    let config = root.path().join("containers/c3/config.json");
    std::fs::write(&config, b"{}").unwrap();
    snap.remove().unwrap();
    assert!(config.exists());
    assert!(!root.path().join("containers/c3/upper").exists());
}

#[test]
fn open_finds_a_snapshot_made_by_another_process_and_can_unmount_it() {
    let root = tempfile::tempdir().unwrap();
    let ls = layers(root.path(), 2);
    let fake = Arc::new(RecordingMounter::new());
    let made = Snapshot::create_with(fake.clone(), root.path(), "c4", &ls).unwrap();
    let options = made.mount_options();
    drop(made);
    let found = Snapshot::open_with(fake.clone(), root.path(), "c4").unwrap();
    assert_eq!(found.mount_options(), options);
    found.unmount().unwrap();
    assert!(!found.is_mounted().unwrap());
    found.unmount().unwrap(); // unmounting twice is fine
    let err = Snapshot::open_with(fake, root.path(), "nope").unwrap_err();
    assert!(matches!(err, SnapshotError::NotFound { .. }), "{err:?}");
}

#[test]
fn a_failed_mount_names_container_and_options_length_and_leaves_nothing() {
    let root = tempfile::tempdir().unwrap();
    let ls = layers(root.path(), 2);
    let fake = Arc::new(RecordingMounter::failing(22)); // EINVAL
    let err = Snapshot::create_with(fake, root.path(), "web-1", &ls).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("container web-1"), "{text}");
    assert!(text.contains("2 layers"), "{text}");
    assert!(
        text.contains("mount options") && text.contains("bytes"),
        "{text}"
    );
    assert!(!root.path().join("containers/web-1").exists());
}

#[test]
fn too_many_layers_fail_before_the_kernel_is_asked() {
    let root = tempfile::tempdir().unwrap();
    let ls = layers(root.path(), 150);
    let fake = Arc::new(RecordingMounter::new());
    let err = Snapshot::create_with(fake.clone(), root.path(), "big", &ls).unwrap_err();
    match &err {
        SnapshotError::OptionsTooLong {
            layers, len, limit, ..
        } => {
            assert_eq!(*layers, 150);
            assert!(*len > MAX_OPTIONS_LEN);
            assert_eq!(*limit, MAX_OPTIONS_LEN);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("container big"));
    assert!(fake.calls().is_empty());
}

#[test]
fn a_missing_layer_is_named() {
    let root = tempfile::tempdir().unwrap();
    let ls = layers(root.path(), 2);
    std::fs::remove_file(root.path().join("image/l").join(&ls[1].link)).unwrap();
    let fake = Arc::new(RecordingMounter::new());
    let err = Snapshot::create_with(fake, root.path(), "c5", &ls).unwrap_err();
    assert!(
        err.to_string().contains(&ls[1].chain_id.to_string()),
        "{err}"
    );
    assert!(err.to_string().contains(&ls[1].link), "{err}");
}

#[test]
fn ids_that_are_not_one_plain_name_are_refused_and_duplicates_too() {
    let root = tempfile::tempdir().unwrap();
    let ls = layers(root.path(), 1);
    let fake = Arc::new(RecordingMounter::new());
    for bad in ["", "../x", "a/b", ".hidden", "sp ace"] {
        let err = Snapshot::create_with(fake.clone(), root.path(), bad, &ls).unwrap_err();
        assert!(
            matches!(err, SnapshotError::InvalidId { .. }),
            "{bad:?}: {err:?}"
        );
    }
    Snapshot::create_with(fake.clone(), root.path(), "dup", &ls).unwrap();
    let err = Snapshot::create_with(fake, root.path(), "dup", &ls).unwrap_err();
    assert!(matches!(err, SnapshotError::Exists { .. }), "{err:?}");
}

#[test]
fn an_image_without_layers_gets_an_empty_lower() {
    let root = tempfile::tempdir().unwrap();
    let fake = Arc::new(RecordingMounter::new());
    let snap = Snapshot::create_with(fake.clone(), root.path(), "scratch", &[]).unwrap();
    let empty = root.path().join("containers/scratch/empty-lower");
    assert!(empty.is_dir());
    assert!(snap
        .mount_options()
        .starts_with(&format!("lowerdir={},", empty.display())));
    snap.remove().unwrap();
    assert!(!empty.exists());
}
